/**
 * A seeded, bounded mutation test of the key readers (issue 8 and 10): every key format
 * (PKCS#8, encrypted PKCS#8 with PBKDF2-SHA256/SHA1/SHA224 and scrypt, AES-128/192/256, 3DES and
 * RC2, PBES1 and PKCS#12 PBE, PKCS#1, SEC1 with and without EC PARAMETERS, OpenSSL's legacy
 * Proc-Type encryption with AES, 3DES and RC2, RSA-PSS, Ed25519, DER forms) and .p12 files
 * (tlsmith's, OpenSSL's and OpenSSL's -legacy), damaged with `mutate.ts`. Every answer is
 * a key that is the original (or a consistent key) or a TlsmithError, each within a time budget;
 * hostile key-derivation parameters are refused before any work.
 *
 * Runs on Deno and on one Node version (the first of TLSMITH_NODE_VERSIONS), not on every one.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { importPrivateKey } from "../src/keys/formats.ts";
import { exportPkcs12, importPkcs12, pkcs12MacData } from "../src/keys/pkcs12.ts";
import { exportSpki, type KeyPair, signatureHashFor } from "../src/keys/keys.ts";
import { adhocCert } from "../src/ca/adhoc.ts";
import { decodePem, encodePem } from "../src/pem.ts";
import { explicit, int, nul, octets, oid, seq } from "../src/_internal/der.ts";
import { OID } from "../src/_internal/oids.ts";
import { TlsmithError } from "../src/errors.ts";
import { isDeno, openssl, suiteTempDir } from "./helpers.ts";
import { mutants, pemMutants } from "./mutate.ts";

const dir = suiteTempDir();
const firstNode = Number((process.env.TLSMITH_NODE_VERSIONS ?? "20").split(",")[0]);
const runHere = isDeno || Number(process.versions.node.split(".")[0]) === firstNode;
/** The readers are runtime-independent code: under Node they run once, on the first version. */
const describeHere = runHere ? describe : () => {};

/** Longest one read may take: a key derivation at its cap is about two seconds here. */
const PER_INPUT_MS = 5_000;
const MUTANTS_PER_INPUT = 120;

interface KeyInput {
  name: string;
  /** PEM text or DER bytes. */
  data: string | Uint8Array;
  /** The key it holds (undefined when tlsmith refuses the original, e.g. RSA-PSS). */
  original?: KeyPair;
  /** True when the file carries the public key, so any key read from a mutant must be the same. */
  bound: boolean;
}

const keys: KeyInput[] = [];
const p12s: { name: string; bytes: Uint8Array; original: KeyPair }[] = [];

async function file(name: string, args: string[]): Promise<string> {
  const path = join(dir.path, name);
  await openssl([...args, "-out", path]);
  return path;
}

async function addKey(name: string, path: string, der: boolean, bound = true): Promise<void> {
  const data = der ? new Uint8Array(await readFile(path)) : await readFile(path, "utf8");
  const original = await importPrivateKey(data, { passphrase: "pw" }).catch((err) => {
    assert.ok(err instanceof TlsmithError, `${name}: ${err}`);
    return undefined;
  });
  keys.push({ name, data, original, bound });
}

/** Sign and verify with a key pair: its halves belong together. */
async function works(pair: KeyPair): Promise<boolean> {
  const data = new Uint8Array([1, 2, 3]);
  const alg = pair.type === "ed25519"
    ? { name: "Ed25519" }
    : pair.type.startsWith("rsa")
    ? { name: "RSASSA-PKCS1-v1_5" }
    : { name: "ECDSA", hash: signatureHashFor(pair.type) };
  const sig = await crypto.subtle.sign(alg, pair.privateKey, data);
  return await crypto.subtle.verify(alg, pair.publicKey, sig, data);
}

/** Read `input` with `read`, in time, and check that the answer is a consistent key or a TlsmithError. */
async function check(
  label: string,
  read: () => Promise<KeyPair>,
  original: KeyPair | undefined,
  bound: boolean,
): Promise<"key" | string> {
  const started = Date.now();
  let outcome: "key" | string;
  try {
    const pair = await read();
    outcome = "key";
    assert.ok(await works(pair), `${label}: the key read does not sign and verify`);
    if (original) {
      assert.equal(pair.type, original.type, `${label}: another key type`);
      if (bound) {
        assert.deepEqual(
          await exportSpki(pair.publicKey),
          await exportSpki(original.publicKey),
          `${label}: a key that carries its public key read as another key`,
        );
      }
    }
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof TlsmithError, `${label}: not a TlsmithError: ${err}`);
    assert.ok(err.message.length > 10, label);
    outcome = err.code;
  }
  const took = Date.now() - started;
  assert.ok(took < PER_INPUT_MS, `${label}: took ${took} ms`);
  return outcome;
}

describeHere("key readers under mutation", () => {
  before(async () => {
    const ec = await file("ec.pem", [
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
    ]);
    const rsa = await file("rsa.pem", ["genrsa", "-traditional"]);
    const topk8 = (name: string, src: string, opts: string[], der = false) =>
      file(name, [
        "pkcs8",
        "-topk8",
        ...opts,
        "-in",
        src,
        "-passout",
        "pass:pw",
        ...(der ? ["-outform", "DER"] : []),
      ]);
    await addKey("PKCS#8 EC P-256", ec, false);
    await addKey("PKCS#1 RSA", rsa, false);
    await addKey(
      "SEC1 with EC PARAMETERS",
      await file("sec1p.pem", ["ecparam", "-genkey", "-name", "prime256v1"]),
      false,
    );
    await addKey(
      "SEC1 P-384 without EC PARAMETERS",
      await file("sec1.pem", ["ecparam", "-genkey", "-noout", "-name", "secp384r1"]),
      false,
    );
    await addKey(
      "Ed25519",
      await file("ed.pem", ["genpkey", "-algorithm", "ed25519"]),
      false,
      false,
    );
    await addKey(
      "RSA-PSS",
      await file("pss.pem", [
        "genpkey",
        "-algorithm",
        "RSA-PSS",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
      ]),
      false,
    );
    await addKey(
      "PBES2 PBKDF2-SHA256 AES-256",
      await topk8("e256.pem", ec, ["-v2", "aes-256-cbc", "-iter", "1000"]),
      false,
    );
    await addKey(
      "PBES2 PBKDF2-SHA1 AES-128",
      await topk8("e1.pem", rsa, ["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1", "-iter", "1000"]),
      false,
    );
    await addKey(
      "PBES2 PBKDF2-SHA224 AES-192",
      await topk8("e224.pem", ec, [
        "-v2",
        "aes-192-cbc",
        "-v2prf",
        "hmacWithSHA224",
        "-iter",
        "1000",
      ]),
      false,
    );
    await addKey(
      "PBES2 scrypt",
      await topk8("scrypt.pem", ec, [
        "-scrypt",
        "-scrypt_N",
        "1024",
        "-scrypt_r",
        "8",
        "-scrypt_p",
        "1",
      ]),
      false,
    );
    await addKey(
      "legacy Proc-Type AES-128",
      await file("legacy.pem", ["ec", "-in", ec, "-aes128", "-passout", "pass:pw"]),
      false,
    );
    const legacy = ["-provider", "legacy", "-provider", "default"];
    await addKey(
      "legacy Proc-Type DES-EDE3-CBC",
      await file("des3.pem", ["rsa", "-traditional", "-in", rsa, "-des3", "-passout", "pass:pw"]),
      false,
    );
    await addKey(
      "legacy Proc-Type RC2-64-CBC",
      await file("rc2.pem", ["ec", "-in", ec, "-rc2-64", ...legacy, "-passout", "pass:pw"]),
      false,
    );
    for (
      const [name, opts] of [
        ["PBES2 PBKDF2 3DES", ["-v2", "des3", "-iter", "100"]],
        ["PBES2 PBKDF2 RC2", ["-v2", "rc2", "-iter", "100", ...legacy]],
        ["PBES1 MD5 DES", ["-v1", "PBE-MD5-DES", "-iter", "100", ...legacy]],
        ["PBES1 SHA-1 RC2-64", ["-v1", "PBE-SHA1-RC2-64", "-iter", "100", ...legacy]],
        ["PKCS#12 PBE 3DES", ["-v1", "PBE-SHA1-3DES", "-iter", "100"]],
        ["PKCS#12 PBE RC2-40", ["-v1", "PBE-SHA1-RC2-40", "-iter", "100", ...legacy]],
      ] as const
    ) {
      await addKey(name, await topk8(`${name.replace(/\W/g, "")}.pem`, ec, [...opts]), false);
    }
    await addKey("PKCS#8 DER", await file("ec.der", ["pkey", "-in", ec, "-outform", "DER"]), true);
    await addKey("PKCS#1 DER", await file("rsa.der", ["rsa", "-in", rsa, "-outform", "DER"]), true);
    await addKey("SEC1 DER", await file("ec1.der", ["ec", "-in", ec, "-outform", "DER"]), true);
    await addKey(
      "encrypted PKCS#8 DER",
      await topk8("e.der", ec, ["-v2", "aes-256-cbc", "-iter", "1000"], true),
      true,
    );

    const leaf = await adhocCert();
    const leafKey = await importPrivateKey(leaf.key);
    p12s.push({
      name: "tlsmith .p12",
      bytes: await exportPkcs12({ ...leaf, passphrase: "pw", iterations: 100 }),
      original: leafKey,
    });
    const crt = join(dir.path, "leaf.crt");
    const key = join(dir.path, "leaf.key");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(crt, leaf.cert);
    await writeFile(key, leaf.key);
    for (
      const [name, extra] of [
        ["openssl .p12", []],
        ["openssl -legacy .p12 (3DES key, RC2-40 certificates)", ["-legacy"]],
      ] as const
    ) {
      const made = await file(`${extra.length}.p12`, [
        "pkcs12",
        "-export",
        ...extra,
        "-in",
        crt,
        "-inkey",
        key,
        "-iter",
        "100",
        "-passout",
        "pass:pw",
      ]);
      p12s.push({ name, bytes: new Uint8Array(await readFile(made)), original: leafKey });
    }
  });

  it("every key format: only consistent keys or TlsmithErrors, each in time", async () => {
    const outcomes: Record<string, number> = {};
    for (const [k, input] of keys.entries()) {
      const cases: { how: string; data: string | Uint8Array }[] = [];
      if (typeof input.data === "string") {
        const blocks = decodePem(input.data);
        const keyBlock = blocks.find((b) => b.label.endsWith("PRIVATE KEY"))!;
        const others = blocks.filter((b) => b !== keyBlock);
        for (const m of mutants(keyBlock.der, 1000 + k, MUTANTS_PER_INPUT / 2)) {
          const text = others.map((b) => encodePem(b.label, b.der, b.headers)).join("") +
            encodePem(keyBlock.label, m.bytes, keyBlock.headers);
          cases.push({ how: m.how, data: text });
        }
        for (const m of pemMutants(input.data, 2000 + k, MUTANTS_PER_INPUT / 2)) {
          cases.push({ how: m.how, data: m.text });
        }
      } else {
        for (const m of mutants(input.data, 3000 + k, MUTANTS_PER_INPUT)) {
          cases.push({ how: m.how, data: m.bytes });
        }
      }
      for (const c of cases) {
        const outcome = await check(
          `${input.name}, ${c.how}`,
          () => importPrivateKey(c.data, { passphrase: "pw", source: "mutant.pem" }),
          input.original,
          input.bound,
        );
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    }
    // The damage was seen: most mutants are refused, with codes that say why.
    assert.ok((outcomes.BAD_KEY ?? 0) > 100, JSON.stringify(outcomes));
    assert.ok((outcomes.WRONG_PASSPHRASE ?? 0) > 10, JSON.stringify(outcomes));
  });

  it(".p12 files: only the original key or TlsmithErrors, each in time", async () => {
    const outcomes: Record<string, number> = {};
    for (const [i, p12] of p12s.entries()) {
      for (const m of mutants(p12.bytes, 4000 + i, MUTANTS_PER_INPUT * 2)) {
        const outcome = await check(
          `${p12.name}, ${m.how}`,
          async () =>
            (await importPkcs12(m.bytes, { passphrase: "pw", source: "mutant.p12" })).keyPair,
          p12.original,
          true,
        );
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    }
    assert.ok(
      (outcomes.WRONG_PASSPHRASE ?? 0) + (outcomes.BAD_DER ?? 0) > 50,
      JSON.stringify(outcomes),
    );
  });
});

describeHere(
  "hostile key-derivation parameters are refused before any work",
  () => {
    /** EncryptedPrivateKeyInfo PEM with the given KDF (AES-256-CBC). */
    function encrypted(kdf: Uint8Array): string {
      return encodePem(
        "ENCRYPTED PRIVATE KEY",
        seq(
          seq(oid(OID.pbes2), seq(kdf, seq(oid(OID.aes256cbc), octets(new Uint8Array(16))))),
          octets(new Uint8Array(48)),
        ),
      );
    }
    const pbkdf2 = (n: number, prf: string) =>
      seq(oid(OID.pbkdf2), seq(octets(new Uint8Array(8)), int(n), seq(oid(prf), nul())));
    /** EncryptedPrivateKeyInfo PEM with a PBES1 / PKCS#12 PBE scheme and `n` iterations. */
    const legacyPbe = (scheme: string, n: number) =>
      encodePem(
        "ENCRYPTED PRIVATE KEY",
        seq(seq(oid(scheme), seq(octets(new Uint8Array(8)), int(n))), octets(new Uint8Array(48))),
      );
    const scrypt = (n: number, r: number, p: number) =>
      seq(oid(OID.scrypt), seq(octets(new Uint8Array(8)), int(n), int(r), int(p)));

    const cases: [string, string, RegExp][] = [
      [
        "PBKDF2 65,536,000 iterations (one damaged length byte)",
        encrypted(pbkdf2(65_536_000, OID.hmacWithSHA256)),
        /65,536,000/,
      ],
      [
        "PBKDF2-SHA224 2,000,000 iterations",
        encrypted(pbkdf2(2_000_000, OID.hmacWithSHA224)),
        /2,000,000/,
      ],
      ["scrypt N=2^20 r=8 (1 GiB)", encrypted(scrypt(2 ** 20, 8, 1)), /N=1048576/],
      ["scrypt N=2^16 r=1 p=2^16 (hours)", encrypted(scrypt(2 ** 16, 1, 2 ** 16)), /p=65536/],
      ["scrypt N=2^14 r=8 p=64", encrypted(scrypt(2 ** 14, 8, 64)), /p=64/],
      [
        "PBES1 pbeWithMD5AndDES-CBC 100,000,000 iterations",
        legacyPbe("1.2.840.113549.1.5.3", 100_000_000),
        /100,000,000/,
      ],
      [
        "PKCS#12 PBE 3DES 1,000,000 iterations",
        legacyPbe("1.2.840.113549.1.12.1.3", 1_000_000),
        /1,000,000/,
      ],
    ];
    for (const [name, pem, detail] of cases) {
      it(name, async () => {
        const started = Date.now();
        const err = await importPrivateKey(pem, { passphrase: "pw", source: "hostile.pem" }).then(
          () => assert.fail("accepted"),
          (e) => e,
        );
        assert.ok(err instanceof TlsmithError);
        assert.equal(err.code, "LIMIT_EXCEEDED", err.message);
        assert.match(err.message, detail);
        assert.match(err.message, /hostile\.pem/);
        assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
      });
    }

    it(".p12: 10,000,000 MAC iterations, 1,000,000 with SHA-1, and a key bag with 100,000,000", async () => {
      const pfx = (authSafe: Uint8Array, mac: Uint8Array) =>
        seq(int(3), seq(oid(OID.data), explicit(0, octets(authSafe))), mac);
      const macData = (hash: string, n: number) =>
        seq(
          seq(seq(oid(hash), nul()), octets(new Uint8Array(32))),
          octets(new Uint8Array(8)),
          int(n),
        );
      const shrouded = seq(
        seq(
          oid(OID.pbes2),
          seq(
            pbkdf2(100_000_000, OID.hmacWithSHA256),
            seq(oid(OID.aes256cbc), octets(new Uint8Array(16))),
          ),
        ),
        octets(new Uint8Array(48)),
      );
      const bags = seq(seq(oid(OID.pkcs8ShroudedKeyBag), explicit(0, shrouded)));
      const authSafe = seq(seq(oid(OID.data), explicit(0, octets(bags))));
      const files: [Uint8Array, RegExp][] = [
        [pfx(authSafe, macData(OID.sha256, 10_000_000)), /10,000,000/],
        [pfx(authSafe, macData(OID.sha1, 1_000_000)), /1,000,000/],
        [pfx(authSafe, await pkcs12MacData(authSafe, "pw", 10)), /100,000,000/],
      ];
      for (const [bytes, detail] of files) {
        const started = Date.now();
        const err = await importPkcs12(bytes, "pw", { source: "hostile.p12" }).then(
          () => assert.fail("accepted"),
          (e) => e,
        );
        assert.ok(err instanceof TlsmithError);
        assert.equal(err.code, "LIMIT_EXCEEDED", err.message);
        assert.match(err.message, detail);
        assert.ok(Date.now() - started < 1000);
      }
    });

    it("a 2 MB key or .p12 (an OID bomb, a stray file) is refused before it is parsed", async () => {
      const huge = new Uint8Array(2 << 20);
      huge.set([0x30, 0x84, 0x00, 0x20, 0x00, 0x00, 0x06, 0x84, 0x00, 0x1f, 0xff, 0xfa]);
      for (const read of [() => importPrivateKey(huge), () => importPkcs12(huge, "pw")]) {
        const started = Date.now();
        const err = await read().then(() => assert.fail("accepted"), (e) => e);
        assert.ok(err instanceof TlsmithError);
        assert.equal(err.code, "LIMIT_EXCEEDED");
        assert.ok(Date.now() - started < 200);
      }
    });
  },
);
