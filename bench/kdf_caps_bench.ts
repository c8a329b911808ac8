/**
 * What the key-derivation caps cost (README "Keys at rest", src/keys/limits.ts): files made by
 * OpenSSL at each cap, read by tlsmith in process and by the `openssl` CLI, in interleaved rounds.
 *
 *   deno run -A bench/kdf_caps_bench.ts [ROUNDS]        (default 3; prints medians and ratios)
 *
 * Goal: the slowest case stays within a few times OpenSSL's own time for the same file (the caps
 * are meant to cost about two seconds), so a hostile file cannot stall a server for longer.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { importPrivateKey } from "../src/keys/formats.ts";
import { importPkcs12 } from "../src/keys/pkcs12.ts";
import { KEY_LIMITS } from "../src/keys/limits.ts";

const rounds = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "tlsmith-kdf-bench-"));
const at = (name: string) => join(dir, name);

function openssl(args: string[]): number {
  const started = performance.now();
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  return performance.now() - started;
}

interface Case {
  name: string;
  make: () => void;
  tlsmith: () => Promise<unknown>;
  openssl: () => number;
}

const key = at("plain.pem");
openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
openssl(["req", "-x509", "-key", key, "-subj", "/CN=bench", "-days", "1", "-out", at("c.pem")]);
const topk8 = (out: string, opts: string[]) => () =>
  void openssl(["pkcs8", "-topk8", ...opts, "-in", key, "-passout", "pass:pw", "-out", at(out)]);
const readKey = (file: string) => () =>
  importPrivateKey(readFileSync(at(file), "utf8"), { passphrase: "pw" });
const opensslKey = (file: string) => () =>
  openssl(["pkey", "-in", at(file), "-passin", "pass:pw", "-noout"]);
const p12 = (out: string, opts: string[]) => () =>
  void openssl([
    "pkcs12",
    "-export",
    "-in",
    at("c.pem"),
    "-inkey",
    key,
    ...opts,
    "-passout",
    "pass:pw",
    "-out",
    at(out),
  ]);
const readP12 = (file: string) => () => importPkcs12(new Uint8Array(readFileSync(at(file))), "pw");
const opensslP12 = (file: string) => () =>
  openssl(["pkcs12", "-in", at(file), "-passin", "pass:pw", "-nodes", "-out", at(`${file}.pem`)]);

const L = KEY_LIMITS;
/** OpenSSL 3 keeps DES and MD5-based PBE in its legacy provider. */
const LEGACY = ["-provider", "legacy", "-provider", "default"];
const cases: Case[] = [
  {
    name: `PBKDF2-HMAC-SHA256, ${L.maxPbkdf2Iterations} iterations`,
    make: topk8("sha256.pem", ["-v2", "aes-256-cbc", "-iter", String(L.maxPbkdf2Iterations)]),
    tlsmith: readKey("sha256.pem"),
    openssl: opensslKey("sha256.pem"),
  },
  {
    name: `PBKDF2-HMAC-SHA224, ${L.maxPbkdf2IterationsSha224} iterations (JavaScript)`,
    make: topk8("sha224.pem", [
      "-v2",
      "aes-256-cbc",
      "-v2prf",
      "hmacWithSHA224",
      "-iter",
      String(L.maxPbkdf2IterationsSha224),
    ]),
    tlsmith: readKey("sha224.pem"),
    openssl: opensslKey("sha224.pem"),
  },
  {
    name: `scrypt N=2^14 r=8 p=8 (N·r·p = ${L.maxScryptWork}; OpenSSL allows 32 MiB)`,
    make: topk8("scrypt.pem", [
      "-scrypt",
      "-scrypt_N",
      "16384",
      "-scrypt_r",
      "8",
      "-scrypt_p",
      "8",
    ]),
    tlsmith: readKey("scrypt.pem"),
    openssl: opensslKey("scrypt.pem"),
  },
  {
    name: `.p12, SHA-256 MAC and PBKDF2, ${L.maxPkcs12MacIterations} iterations`,
    make: p12("mac256.p12", ["-iter", String(L.maxPkcs12MacIterations)]),
    tlsmith: readP12("mac256.p12"),
    openssl: opensslP12("mac256.p12"),
  },
  {
    name: `.p12, SHA-512 MAC, ${L.maxPkcs12MacIterationsOtherHash} iterations (JavaScript)`,
    make: p12("mac512.p12", [
      "-macalg",
      "sha512",
      "-iter",
      String(L.maxPkcs12MacIterationsOtherHash),
    ]),
    tlsmith: readP12("mac512.p12"),
    openssl: opensslP12("mac512.p12"),
  },
  {
    name: `PKCS#12 PBE 3DES (PBE-SHA1-3DES), ${L.maxPkcs12MacIterationsOtherHash} iterations ` +
      `(JavaScript KDF and 3DES)`,
    make: topk8("pbe3des.pem", [
      "-v1",
      "PBE-SHA1-3DES",
      "-iter",
      String(L.maxPkcs12MacIterationsOtherHash),
    ]),
    tlsmith: readKey("pbe3des.pem"),
    openssl: opensslKey("pbe3des.pem"),
  },
  {
    name: `PBES1 PBE-MD5-DES, ${L.maxPkcs12MacIterationsOtherHash} iterations (JavaScript)`,
    make: topk8("pbes1.pem", [
      "-v1",
      "PBE-MD5-DES",
      ...LEGACY,
      "-iter",
      String(L.maxPkcs12MacIterationsOtherHash),
    ]),
    tlsmith: readKey("pbes1.pem"),
    openssl: () =>
      openssl(["pkey", ...LEGACY, "-in", at("pbes1.pem"), "-passin", "pass:pw", "-noout"]),
  },
];

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  console.log(
    `${
      process.versions.deno ? `Deno ${process.versions.deno}` : `Node ${process.version}`
    }, ${rounds} rounds, medians`,
  );
  for (const c of cases) {
    c.make();
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const started = performance.now();
      await c.tlsmith();
      ours.push(performance.now() - started);
      theirs.push(c.openssl());
    }
    const a = median(ours);
    const b = median(theirs);
    console.log(
      `${c.name}: tlsmith ${a.toFixed(0)} ms, openssl CLI ${b.toFixed(0)} ms, ratio ${
        (a / b).toFixed(2)
      }`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
