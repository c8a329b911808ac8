/**
 * Legacy-encrypted keys and .p12 files (DES, 3DES, RC2, PKCS#5 v1.5 PBES1, PKCS#12 PBE), judged
 * by the tools that write them: OpenSSL makes every format (with its legacy provider where
 * OpenSSL 3 needs it) and Java's keytool a legacy .p12; tlsmith must read the same key
 * (`openssl pkey -pubout` is the judge), say WRONG_PASSPHRASE for any other pass phrase, and
 * serve with such a key (curl gets the page). The block ciphers are checked against
 * `openssl enc` on random keys, IVs and messages.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFile, writeFile } from "node:fs/promises";
import { importPrivateKey } from "../src/keys/formats.ts";
import { importPkcs12 } from "../src/keys/pkcs12.ts";
import { exportSpki } from "../src/keys/keys.ts";
import { cbcDecrypt, desDecrypt, rc2Decrypt } from "../src/keys/legacy_ciphers.ts";
import { TlsmithError } from "../src/errors.ts";
import {
  cliCommand,
  curl,
  fileMode,
  have,
  openssl,
  opensslEcKey,
  rejectsWith,
  run,
  type RunResult,
  startServe,
  tempDir,
} from "./helpers.ts";

const LEGACY = ["-provider", "legacy", "-provider", "default"];
const KEY_TYPES = ["rsa", "p256", "ed25519"] as const;
type KeyType = typeof KEY_TYPES[number];

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

function tlsmith(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const { cmd, args: pre } = cliCommand();
  return run(cmd, [...pre, ...args], {
    env: { TLSMITH_PASSPHRASE: "", ...env },
    timeoutMs: 60_000,
  });
}

let dir: { path: string; cleanup: () => Promise<void> };
const plain: Record<KeyType, string> = { rsa: "", p256: "", ed25519: "" };
const p = (name: string) => join(dir.path, name);

before(async () => {
  dir = await tempDir();
  plain.rsa = p("plain-rsa.pem");
  plain.p256 = p("plain-p256.pem");
  plain.ed25519 = p("plain-ed25519.pem");
  await openssl([
    "genpkey",
    "-algorithm",
    "RSA",
    "-pkeyopt",
    "rsa_keygen_bits:2048",
    "-out",
    plain.rsa,
  ]);
  await opensslEcKey(plain.p256);
  await openssl(["genpkey", "-algorithm", "ed25519", "-out", plain.ed25519]);
});
after(async () => {
  await dir.cleanup();
});

/** openssl's SPKI of a key file, via PEM (binary-safe). */
async function spkiOf(path: string, pass = "pw"): Promise<string> {
  const pem = await openssl(["pkey", ...LEGACY, "-in", path, "-passin", `pass:${pass}`, "-pubout"]);
  return hex(Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, "")), (c) => c.charCodeAt(0)));
}

/** `openssl rsa -des3`: the RSA test key as a legacy DES-EDE3-CBC PEM under `pass`. */
async function des3RsaKey(out: string, pass: string): Promise<void> {
  await openssl([
    "rsa",
    "-traditional",
    "-in",
    plain.rsa,
    "-des3",
    "-passout",
    `pass:${pass}`,
    "-out",
    out,
  ]);
}

describe("the legacy block ciphers decrypt what openssl enc encrypts", () => {
  const ciphers: Array<
    { name: string; keyBytes: number; make: (key: Uint8Array) => ReturnType<typeof desDecrypt> }
  > = [
    { name: "des-cbc", keyBytes: 8, make: (k) => desDecrypt(k) },
    { name: "des-ede-cbc", keyBytes: 16, make: (k) => desDecrypt(k) },
    { name: "des-ede3-cbc", keyBytes: 24, make: (k) => desDecrypt(k) },
    { name: "rc2-40-cbc", keyBytes: 5, make: (k) => rc2Decrypt(k, 40) },
    { name: "rc2-64-cbc", keyBytes: 8, make: (k) => rc2Decrypt(k, 64) },
    { name: "rc2-cbc", keyBytes: 16, make: (k) => rc2Decrypt(k, 128) },
  ];
  for (const c of ciphers) {
    it(`${c.name}: 8 random keys, IVs and messages (0…100 bytes)`, async () => {
      for (let i = 0; i < 8; i++) {
        const key = random(c.keyBytes);
        const iv = random(8);
        const message = random(i === 0 ? 0 : Math.floor(Math.random() * 100));
        const inFile = p(`enc-${c.name}-${i}.bin`);
        const outFile = `${inFile}.enc`;
        await writeFile(inFile, message);
        await openssl([
          "enc",
          `-${c.name}`,
          ...LEGACY,
          "-e",
          "-K",
          hex(key),
          "-iv",
          hex(iv),
          "-in",
          inFile,
          "-out",
          outFile,
        ]);
        const ciphertext = new Uint8Array(await readFile(outFile));
        const back = cbcDecrypt(c.make(key), iv, ciphertext);
        assert.ok(back, `${c.name} ${hex(key)}: the padding does not check out`);
        assert.equal(hex(back), hex(message), `${c.name} key ${hex(key)} iv ${hex(iv)}`);
        // Another key never yields the message.
        const other = key.slice();
        other[0] ^= 0x80;
        const wrong = cbcDecrypt(c.make(other), iv, ciphertext);
        assert.ok(wrong === null || hex(wrong) !== hex(message));
      }
    });
  }
});

/** Key files openssl writes with legacy encryption: [name, openssl args, key types]. */
const KEY_CASES: Array<
  { name: string; types: readonly KeyType[]; args: (src: string, out: string) => string[] }
> = [
  {
    name: "genrsa -des3 (DEK-Info DES-EDE3-CBC, the Flask tutorials' key)",
    types: ["rsa"],
    args: (
      _src,
      out,
    ) => ["genrsa", "-traditional", "-des3", "-passout", "pass:pw", "-out", out, "2048"],
  },
  ...(["des3", "des", "rc2-64"] as const).map((cipher) => ({
    name: `ec / rsa -${cipher} (DEK-Info)`,
    types: ["rsa", "p256"] as const,
    args: (src: string, out: string) => [
      ...(src.includes("rsa") ? ["rsa", "-traditional"] : ["ec"]),
      "-in",
      src,
      `-${cipher}`,
      ...LEGACY,
      "-passout",
      "pass:pw",
      "-out",
      out,
    ],
  })),
  ...[
    ["-v2", "des3"],
    ["-v2", "des-cbc"],
    ["-v2", "rc2"],
    ["-v2", "rc2-40-cbc"],
    ["-v1", "PBE-MD5-DES"],
    ["-v1", "PBE-SHA1-DES"],
    ["-v1", "PBE-MD5-RC2-64"],
    ["-v1", "PBE-SHA1-RC2-64"],
    ["-v1", "PBE-SHA1-3DES"],
    ["-v1", "PBE-SHA1-2DES"],
    ["-v1", "PBE-SHA1-RC2-40"],
    ["-v1", "PBE-SHA1-RC2-128"],
  ].map(([v, alg]) => ({
    name: `pkcs8 -topk8 ${v} ${alg}`,
    types: KEY_TYPES,
    args: (src: string, out: string) => [
      "pkcs8",
      "-topk8",
      v,
      alg,
      ...LEGACY,
      "-in",
      src,
      "-passout",
      "pass:pw",
      "-out",
      out,
    ],
  })),
];

describe("keys openssl encrypts with DES, 3DES, RC2, PBES1 and PKCS#12 PBE", () => {
  for (const [i, c] of KEY_CASES.entries()) {
    for (const type of c.types) {
      it(`${c.name}, ${type}: the key openssl reads; other pass phrases WRONG_PASSPHRASE`, async () => {
        const out = p(`legacy-${i}-${type}.pem`);
        await openssl(c.args(plain[type], out));
        const pem = await readFile(out, "utf8");
        const pair = await importPrivateKey(pem, { passphrase: "pw", source: out });
        assert.equal(hex(await exportSpki(pair.publicKey)), await spkiOf(out));
        for (const wrong of ["pW", "", "pw ", "a much longer wrong pass phrase"]) {
          await rejectsWith(
            importPrivateKey(pem, { passphrase: wrong, source: out }),
            "WRONG_PASSPHRASE",
            out,
          );
        }
      });
    }
  }

  it("DER (-outform DER) PBES1 and PKCS#12 PBE keys too", async () => {
    for (const alg of ["PBE-SHA1-3DES", "PBE-MD5-DES"]) {
      const out = p(`legacy-${alg}.der`);
      await openssl([
        "pkcs8",
        "-topk8",
        "-v1",
        alg,
        ...LEGACY,
        "-in",
        plain.p256,
        "-passout",
        "pass:pw",
        "-outform",
        "DER",
        "-out",
        out,
      ]);
      const pair = await importPrivateKey(new Uint8Array(await readFile(out)), {
        passphrase: "pw",
      });
      assert.equal(hex(await exportSpki(pair.publicKey)), await spkiOf(plain.p256));
    }
  });

  it("300 random wrong pass phrases on a 3DES PEM key: all WRONG_PASSPHRASE, none raw", async () => {
    const out = p("many-wrong.pem");
    await des3RsaKey(out, "the right one");
    const pem = await readFile(out, "utf8");
    const counts: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const wrong = btoa(String.fromCharCode(...random(1 + (i % 24))));
      try {
        await importPrivateKey(pem, { passphrase: wrong });
        assert.fail(`"${wrong}" was accepted`);
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        assert.ok(err instanceof TlsmithError, `raw error: ${err}`);
        counts[err.code] = (counts[err.code] ?? 0) + 1;
      }
    }
    assert.deepEqual(counts, { WRONG_PASSPHRASE: 300 });
    assert.equal((await importPrivateKey(pem, { passphrase: "the right one" })).type, "rsa-2048");
  });
});

describe(".p12 files with legacy encryption (Windows, macOS, Java, OpenSSL 1.1)", () => {
  const certOf: Record<KeyType, string> = { rsa: "", p256: "", ed25519: "" };
  before(async () => {
    for (const type of KEY_TYPES) {
      certOf[type] = p(`cert-${type}.pem`);
      await openssl([
        "req",
        "-x509",
        "-key",
        plain[type],
        "-subj",
        "/CN=localhost",
        "-days",
        "2",
        "-out",
        certOf[type],
      ]);
    }
  });

  const P12_CASES: Array<{ name: string; args: string[] }> = [
    { name: "pkcs12 -export -legacy", args: ["-legacy"] },
    {
      name: "-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-RC2-40 -macalg sha1 (Windows, macOS)",
      args: [
        ...LEGACY,
        "-keypbe",
        "PBE-SHA1-3DES",
        "-certpbe",
        "PBE-SHA1-RC2-40",
        "-macalg",
        "sha1",
      ],
    },
    {
      name: "-keypbe PBE-SHA1-2DES -certpbe PBE-SHA1-RC2-128",
      args: [...LEGACY, "-keypbe", "PBE-SHA1-2DES", "-certpbe", "PBE-SHA1-RC2-128"],
    },
    {
      name: "-keypbe des-ede3-cbc -certpbe rc2-cbc (PBES2 with 3DES and RC2)",
      args: [...LEGACY, "-keypbe", "des-ede3-cbc", "-certpbe", "rc2-cbc"],
    },
  ];
  for (const [i, c] of P12_CASES.entries()) {
    for (const type of KEY_TYPES) {
      it(`${c.name}, ${type}: the certificate and key openssl put in; wrong pass phrase refused`, async () => {
        const out = p(`legacy-${i}-${type}.p12`);
        await openssl([
          "pkcs12",
          "-export",
          ...c.args,
          "-in",
          certOf[type],
          "-inkey",
          plain[type],
          "-passout",
          "pass:pw",
          "-out",
          out,
        ]);
        const bytes = new Uint8Array(await readFile(out));
        const got = await importPkcs12(bytes, { passphrase: "pw", source: out });
        assert.equal(got.cert, await readFile(certOf[type], "utf8"));
        assert.equal(hex(await exportSpki(got.keyPair.publicKey)), await spkiOf(plain[type]));
        await rejectsWith(
          importPkcs12(bytes, { passphrase: "pW", source: out }),
          "WRONG_PASSPHRASE",
          out,
        );
      });
    }
  }

  it("an empty pass phrase (-legacy -passout pass:)", async () => {
    const out = p("empty.p12");
    await openssl([
      "pkcs12",
      "-export",
      "-legacy",
      "-in",
      certOf.p256,
      "-inkey",
      plain.p256,
      "-passout",
      "pass:",
      "-out",
      out,
    ]);
    const got = await importPkcs12(new Uint8Array(await readFile(out)), { passphrase: "" });
    assert.equal(hex(await exportSpki(got.keyPair.publicKey)), await spkiOf(plain.p256));
  });

  it("Java keytool with -J-Dkeystore.pkcs12.legacy (3DES key, RC2-40 certificates, 50,000 iterations)", async (t) => {
    if (!(await have("keytool"))) {
      t.skip("keytool is not installed");
      return;
    }
    const src = p("for-java.p12");
    await openssl([
      "pkcs12",
      "-export",
      "-in",
      certOf.rsa,
      "-inkey",
      plain.rsa,
      "-passout",
      "pass:changeit",
      "-name",
      "server",
      "-out",
      src,
    ]);
    const out = p("java-legacy.p12");
    const r = await run("keytool", [
      "-J-Dkeystore.pkcs12.legacy",
      "-importkeystore",
      "-srckeystore",
      src,
      "-srcstoretype",
      "pkcs12",
      "-srcstorepass",
      "changeit",
      "-destkeystore",
      out,
      "-deststoretype",
      "pkcs12",
      "-deststorepass",
      "changeit",
      "-noprompt",
    ], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const info = await run("openssl", [
      "pkcs12",
      "-in",
      out,
      ...LEGACY,
      "-info",
      "-noout",
      "-passin",
      "pass:changeit",
    ]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stderr, /Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 50000/);
    assert.match(info.stderr, /Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 50000/);
    const got = await importPkcs12(new Uint8Array(await readFile(out)), {
      passphrase: "changeit",
      source: out,
    });
    assert.equal(got.cert, await readFile(certOf.rsa, "utf8"));
    assert.equal(got.friendlyName, "server");
    assert.equal(hex(await exportSpki(got.keyPair.publicKey)), await spkiOf(plain.rsa));
  });
});

describe("the CLI with legacy-encrypted files", () => {
  let cert = "";
  let desKey = "";
  before(async () => {
    cert = p("cli-cert.pem");
    await openssl([
      "req",
      "-x509",
      "-key",
      plain.rsa,
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost",
      "-days",
      "2",
      "-out",
      cert,
    ]);
    desKey = p("server.key");
    await des3RsaKey(desKey, "flask pw");
  });

  it("serve --cert c.pem --key server.key (genrsa -des3) with TLSMITH_PASSPHRASE: curl gets the page", async (t) => {
    if (!(await have("curl"))) {
      t.skip("curl is not installed");
      return;
    }
    // inspect says what the file is without the pass phrase.
    const inspected = await tlsmith(["inspect", desKey]);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.match(inspected.stdout, /Private key \(legacy encrypted RSA PRIVATE KEY\)/);
    const site = p("site");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(site, { recursive: true });
    await writeFile(join(site, "index.html"), "served with a 3DES key\n");
    const served = await startServe(
      ["--cert", cert, "--key", desKey, "--port", "0", "--dir", site],
      /https:\/\/localhost:(\d+)\//,
      { TLSMITH_PASSPHRASE: "flask pw" },
    );
    try {
      const r = await curl(["--cacert", cert, `https://localhost:${served.port}/`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "served with a 3DES key\n");
      assert.ok(!served.stdout().includes("flask pw") && !served.stderr().includes("flask pw"));
    } finally {
      await served.stop();
    }
    const wrong = await tlsmith(["serve", "--cert", cert, "--key", desKey, "--port", "0", site], {
      TLSMITH_PASSPHRASE: "nope",
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /server\.key: the pass phrase from TLSMITH_PASSPHRASE is wrong/);
  });

  it("key convert re-encrypts a PBES1 key as PBES2 AES; p12 import reads a -legacy .p12", async () => {
    const v1 = p("cli-v1.pem");
    await openssl([
      "pkcs8",
      "-topk8",
      "-v1",
      "PBE-MD5-DES",
      ...LEGACY,
      "-in",
      plain.ed25519,
      "-passout",
      "pass:cli pw",
      "-out",
      v1,
    ]);
    const out = p("cli-v1-aes.pem");
    const conv = await tlsmith(["key", "convert", v1, "--out", out, "--iterations", "1000"], {
      TLSMITH_PASSPHRASE: "cli pw",
    });
    assert.equal(conv.code, 0, conv.stderr);
    assert.match(await readFile(out, "utf8"), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    assert.equal(await spkiOf(out, "cli pw"), await spkiOf(plain.ed25519));

    const p12 = p("cli-legacy.p12");
    await openssl([
      "pkcs12",
      "-export",
      "-legacy",
      "-in",
      cert,
      "-inkey",
      plain.rsa,
      "-passout",
      "pass:cli pw",
      "-out",
      p12,
    ]);
    const outCert = p("cli-imported.pem");
    const outKey = p("cli-imported.key");
    const imp = await tlsmith(["p12", "import", p12, "--out-cert", outCert, "--out-key", outKey], {
      TLSMITH_PASSPHRASE: "cli pw",
    });
    assert.equal(imp.code, 0, imp.stderr);
    assert.equal(await readFile(outCert, "utf8"), await readFile(cert, "utf8"));
    assert.equal(await fileMode(outKey), 0o600);
    assert.equal(await spkiOf(outKey), await spkiOf(plain.rsa));
  });
});
