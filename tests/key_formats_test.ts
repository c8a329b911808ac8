/**
 * The one reader and writer of private keys (importPrivateKey, exportPrivateKey): every format
 * OpenSSL writes, PEM and DER, judged by openssl; one answer per key from every reader; and every
 * command an error suggests, run to show that it works on the file it is about.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdir, readFile } from "node:fs/promises";
import {
  decryptPrivateKey,
  exportPrivateKey,
  importPkcs8,
  importPrivateKey,
  importPrivateKeyPem,
  isEncryptedPrivateKey,
  readPrivateKey,
  toPkcs8Pem,
} from "../src/keys/formats.ts";
import { exportPkcs12, importPkcs12, pkcs12MacData } from "../src/keys/pkcs12.ts";
import { exportPublicKeyPem, generateKeyPair } from "../src/keys/keys.ts";
import { createCertificate } from "../src/x509/certificate.ts";
import { adhocCert } from "../src/ca/adhoc.ts";
import { decodePem, encodePem } from "../src/pem.ts";
import {
  bits,
  explicit,
  int,
  octets,
  oid,
  parseDer,
  readOctets,
  seq,
  sequence,
} from "../src/_internal/der.ts";
import { OID } from "../src/_internal/oids.ts";
import type { TlsmithError } from "../src/errors.ts";
import {
  have,
  norm,
  openssl,
  opensslPkcs12,
  rejectsWith,
  run,
  suiteTempDir,
  writeFiles,
} from "./helpers.ts";

const dir = suiteTempDir();

async function opensslKey(name: string, args: string[]): Promise<{ path: string; pem: string }> {
  const path = join(dir.path, name);
  await openssl([...args, "-out", path]);
  return { path, pem: await readFile(path, "utf8") };
}

/** `openssl pkcs8 -topk8 OPTS -in SRC -passout pass:pw` into `name` (an encrypted copy of SRC). */
function encryptedCopy(name: string, src: string, opts: string[] = ["-v2", "aes-256-cbc"]) {
  return opensslKey(name, ["pkcs8", "-topk8", ...opts, "-in", src, "-passout", "pass:pw"]);
}

async function bytesOf(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

/**
 * Run the first command in backticks of an error message (with `extra` arguments appended) in
 * `cwd`, and check that it succeeds.
 */
async function runSuggested(err: TlsmithError, cwd: string, extra = ""): Promise<string> {
  const m = /`((?:openssl|cp) [^`]+)`/.exec(err.message);
  assert.ok(m, `no command in: ${err.message}`);
  await mkdir(cwd, { recursive: true });
  const r = await run("sh", ["-c", `${m[1]} ${extra}`], { cwd });
  assert.equal(r.code, 0, `${m[1]}: ${r.stderr}`);
  return m[1];
}

describe("importPrivateKey: every OpenSSL format, PEM and DER", () => {
  const cases: Array<[string, string[], string, "rsa" | "ec" | undefined]> = [
    ["genrsa -traditional (PKCS#1)", ["genrsa", "-traditional"], "rsa-2048", "rsa"],
    [
      "genpkey RSA 3072 (PKCS#8)",
      ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
      "rsa-3072",
      "rsa",
    ],
    [
      "ecparam -genkey P-256 (EC PARAMETERS + SEC1)",
      ["ecparam", "-genkey", "-name", "prime256v1"],
      "ec-p256",
      "ec",
    ],
    [
      "ecparam -genkey -noout P-384 (SEC1 only)",
      ["ecparam", "-genkey", "-noout", "-name", "secp384r1"],
      "ec-p384",
      "ec",
    ],
    ["genpkey Ed25519", ["genpkey", "-algorithm", "ed25519"], "ed25519", undefined],
  ];
  for (const [i, [name, args, type, traditional]] of cases.entries()) {
    it(`reads ${name} as PEM and DER; exportPrivateKey is what openssl reads`, async () => {
      const k = await opensslKey(`plain-${i}.pem`, args);
      const pair = await importPrivateKey(k.pem, { source: k.path });
      assert.equal(pair.type, type);
      const pub = await openssl(["pkey", "-in", k.path, "-pubout"]);
      assert.equal(norm(await exportPublicKeyPem(pair.publicKey)), norm(pub));
      // PKCS#8 DER, and the traditional DER form (PKCS#1 / SEC1).
      const der8 = join(dir.path, `plain-${i}.p8.der`);
      await openssl(["pkey", "-in", k.path, "-outform", "DER", "-out", der8]);
      const forms = [der8];
      if (traditional) {
        const derT = join(dir.path, `plain-${i}.trad.der`);
        await openssl([traditional, "-in", k.path, "-outform", "DER", "-out", derT]);
        forms.push(derT);
      }
      for (const f of forms) {
        const fromDer = await importPrivateKey(await bytesOf(f), { source: f });
        assert.equal(norm(await exportPublicKeyPem(fromDer.publicKey)), norm(pub), f);
      }
      // Encrypted PKCS#8 DER.
      const { path: encDer } = await encryptedCopy(`plain-${i}.enc.der`, k.path, [
        "-v2",
        "aes-256-cbc",
        "-outform",
        "DER",
      ]);
      const encBytes = await bytesOf(encDer);
      assert.equal(isEncryptedPrivateKey(encBytes), true);
      await rejectsWith(importPrivateKey(encBytes, { source: encDer }), "PASSPHRASE_REQUIRED");
      const fromEnc = await importPrivateKey(encBytes, { passphrase: "pw", source: encDer });
      assert.equal(norm(await exportPublicKeyPem(fromEnc.publicKey)), norm(pub));
      // What we write, openssl reads: plain and encrypted.
      const files = await writeFiles(dir.path, {
        [`ours-${i}.pem`]: await exportPrivateKey(pair),
        [`ours-enc-${i}.pem`]: await exportPrivateKey(k.pem, {
          passphrase: "pw",
          iterations: 2048,
        }),
      });
      assert.equal(await openssl(["pkey", "-in", files[`ours-${i}.pem`], "-pubout"]), pub);
      assert.equal(
        await openssl(["pkey", "-in", files[`ours-enc-${i}.pem`], "-passin", "pass:pw", "-pubout"]),
        pub,
      );
      // The deprecated names give the same answer.
      for (
        const p of [
          await readPrivateKey(k.pem),
          await importPrivateKeyPem(k.pem),
          await importPkcs8(await bytesOf(der8)),
          await decryptPrivateKey(encBytes, "pw"),
          await importPrivateKey(await toPkcs8Pem(k.pem)),
        ]
      ) {
        assert.equal(norm(await exportPublicKeyPem(p.publicKey)), norm(pub));
      }
    });
  }

  it("reads a SEC1 key without curve when an EC PARAMETERS block comes with it", async () => {
    const k = await opensslKey("sec1-p.pem", ["ecparam", "-genkey", "-name", "prime256v1"]);
    const blocks = decodePem(k.pem);
    const params = blocks.find((b) => b.label === "EC PARAMETERS")!;
    const key = blocks.find((b) => b.label === "EC PRIVATE KEY")!;
    // Rebuild the SEC1 key without its [0] parameters (version, privateKey, [1] publicKey).
    const [, scalar, , pub] = sequence(parseDer(key.der, "key"), "key");
    const bare = seq(int(1), octets(readOctets(scalar, "scalar")), pub.der);
    const withParams = encodePem("EC PARAMETERS", params.der) + encodePem("EC PRIVATE KEY", bare);
    assert.equal((await importPrivateKey(withParams)).type, "ec-p256");
    await rejectsWith(
      importPrivateKey(encodePem("EC PRIVATE KEY", bare), { source: "bare.pem" }),
      "BAD_KEY",
      /bare\.pem.*EC PARAMETERS/,
    );
  });

  for (const der of [false, true]) {
    it(`refuses explicit curve parameters (${der ? "DER" : "PEM"}) with a command that fixes it`, async () => {
      const k = await opensslKey(`explicit${der ? "-d" : ""}.pem`, [
        "ecparam",
        "-genkey",
        "-name",
        "prime256v1",
        "-param_enc",
        "explicit",
        "-noout",
        ...(der ? ["-outform", "DER"] : []),
      ]);
      const input = der ? await bytesOf(k.path) : k.pem;
      const err = await rejectsWith(
        importPrivateKey(input, { source: k.path }),
        "UNSUPPORTED_KEY_TYPE",
        /explicit|spells out/,
        /-param_enc named_curve/,
      );
      if (der) assert.match(err.message, /-inform DER/);
      await runSuggested(err, dir.path);
      const fixed = await readFile(k.path.replace(/\.pem$/, "-named.pem"), "utf8");
      assert.equal((await importPrivateKey(fixed)).type, "ec-p256");
    });
  }

  it("says what was found instead of a private key, PEM or DER", async () => {
    const pair = await generateKeyPair("ec-p256");
    const pub = await exportPublicKeyPem(pair.publicKey);
    await rejectsWith(
      importPrivateKey(pub, { source: "pub.pem" }),
      "BAD_KEY",
      /pub\.pem.*a public key/,
    );
    await rejectsWith(importPrivateKey(decodePem(pub)[0].der), "BAD_KEY", /public key/);
    const { cert } = await adhocCert();
    await rejectsWith(
      importPrivateKey(cert, { source: "c.pem" }),
      "BAD_KEY",
      /c\.pem.*a certificate/,
    );
    await rejectsWith(importPrivateKey(decodePem(cert)[0].der), "BAD_KEY", /certificate/);
    const p12 = await exportPkcs12({ cert, key: pair, passphrase: "x", iterations: 10 }).catch(
      () => null,
    );
    assert.equal(p12, null); // not its key: KEY_MISMATCH
    const own = await adhocCert();
    const realP12 = await exportPkcs12({ ...own, passphrase: "x", iterations: 10 });
    await rejectsWith(importPrivateKey(realP12), "BAD_KEY", /PKCS#12/, /p12 import/);
    await rejectsWith(importPrivateKey("not pem", { source: "x.pem" }), "BAD_PEM");
    await rejectsWith(
      importPrivateKey(new Uint8Array([1, 2, 3]), { source: "k.der" }),
      "BAD_KEY",
      "k.der",
    );
    await rejectsWith(
      importPrivateKey(encodePem("PRIVATE KEY", new Uint8Array([0x30, 0]))),
      "BAD_KEY",
    );
    await rejectsWith(
      importPrivateKey(encodePem("RSA PRIVATE KEY", new Uint8Array([0x30, 0]))),
      "BAD_KEY",
    );
    await rejectsWith(importPrivateKey(42 as unknown as string), "BAD_OPTION");
    const x = await opensslKey("x25519.pem", ["genpkey", "-algorithm", "x25519"]);
    await rejectsWith(
      importPrivateKey(x.pem, { source: x.path }),
      "UNSUPPORTED_KEY_TYPE",
      "X25519",
    );
  });

  it("refuses inputs over the size cap before reading them", async () => {
    const big = "x".repeat((1 << 20) + 1);
    await rejectsWith(importPrivateKey(big, { source: "big.pem" }), "LIMIT_EXCEEDED", "big.pem");
    await rejectsWith(importPrivateKey(new Uint8Array((1 << 20) + 1)), "LIMIT_EXCEEDED");
  });

  it("isEncryptedPrivateKey knows every encrypted form", async () => {
    const pair = await generateKeyPair("ec-p256");
    assert.equal(isEncryptedPrivateKey(await exportPrivateKey(pair)), false);
    assert.equal(
      isEncryptedPrivateKey(await exportPrivateKey(pair, { passphrase: "pw", iterations: 1000 })),
      true,
    );
    const legacy = await opensslKey("legacy.pem", [
      "genrsa",
      "-traditional",
      "-aes128",
      "-passout",
      "pass:pw",
    ]);
    assert.equal(isEncryptedPrivateKey(legacy.pem), true);
    assert.equal(isEncryptedPrivateKey("garbage"), false);
    assert.equal(isEncryptedPrivateKey(new Uint8Array([0x30])), false);
    await rejectsWith(importPrivateKey(legacy.pem, { source: legacy.path }), "PASSPHRASE_REQUIRED");
    assert.equal((await importPrivateKey(legacy.pem, { passphrase: "pw" })).type, "rsa-2048");
  });

  it("exportPrivateKey refuses an encrypted input and an empty pass phrase", async () => {
    const pair = await generateKeyPair();
    const enc = await exportPrivateKey(pair, { passphrase: "pw", iterations: 1000 });
    await rejectsWith(
      exportPrivateKey(enc, { passphrase: "new" }),
      "BAD_OPTION",
      "importPrivateKey",
    );
    await rejectsWith(exportPrivateKey(pair, { passphrase: "" }), "BAD_OPTION", "empty");
    await rejectsWith(exportPrivateKey(pair, { iterations: 5_000_001 }), "BAD_OPTION", "5,000,000");
  });
});

describe("one answer per key (issue 8's symptoms)", () => {
  it("an EC key whose inner curve contradicts its AlgorithmIdentifier is BAD_KEY", async () => {
    const k = await opensslKey("p384.pem", [
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-384",
    ]);
    // SEC1 as `openssl ec` writes it, naming its curve (P-384) in [0].
    const sec1Path = join(dir.path, "p384.sec1.der");
    await openssl(["ec", "-in", k.path, "-outform", "DER", "-out", sec1Path]);
    const sec1 = await bytesOf(sec1Path);
    const lying = seq(int(0), seq(oid(OID.ecPublicKey), oid(OID.p256)), octets(sec1));
    await rejectsWith(
      importPrivateKey(encodePem("PRIVATE KEY", lying), { source: "lying.pem" }),
      "BAD_KEY",
      /lying\.pem/,
      /P-256.*P-384/,
    );
    // The same scalar without the inner curve: out of range for P-256, never "a P-256 key".
    const [, scalar] = sequence(parseDer(sec1, "sec1"), "sec1");
    const bare = seq(int(1), octets(readOctets(scalar, "scalar")));
    const quiet = seq(int(0), seq(oid(OID.ecPublicKey), oid(OID.p256)), octets(bare));
    await rejectsWith(importPrivateKey(quiet), "BAD_KEY", /48 bytes.*P-256/);
    // A valid P-256 key carrying a P-384 public key: the halves do not belong together.
    const p256 = await generateKeyPair("ec-p256");
    const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", p256.privateKey));
    const [, , p256inner] = sequence(parseDer(der, "key"), "key");
    const [, s256] = sequence(parseDer(readOctets(p256inner, "k"), "k"), "k");
    const other = await generateKeyPair("ec-p256");
    const otherPoint = new Uint8Array(await crypto.subtle.exportKey("raw", other.publicKey));
    const mixed = seq(
      int(0),
      seq(oid(OID.ecPublicKey), oid(OID.p256)),
      octets(seq(int(1), s256.der, explicit(1, bits(otherPoint)))),
    );
    await rejectsWith(importPrivateKey(mixed), "BAD_KEY", /public key is not the private key's/);
  });

  it("RSA-PSS keys get one answer from every reader and from createCertificate", async () => {
    const k = await opensslKey("pss.pem", [
      "genpkey",
      "-algorithm",
      "RSA-PSS",
      "-pkeyopt",
      "rsa_keygen_bits:2048",
    ]);
    const enc = await encryptedCopy("pss-enc.pem", k.path);
    const der = join(dir.path, "pss.der");
    await openssl(["pkey", "-in", k.path, "-outform", "DER", "-out", der]);
    const derBytes = await bytesOf(der);
    const answers = [
      () => importPrivateKey(k.pem, { source: k.path }),
      () => importPrivateKey(derBytes, { source: der }),
      () => importPrivateKey(enc.pem, { passphrase: "pw", source: enc.path }),
      () => readPrivateKey(k.pem, { source: k.path }),
      () => importPrivateKeyPem(k.pem, { source: k.path }),
      () => decryptPrivateKey(enc.pem, "pw", { source: enc.path }),
      () => toPkcs8Pem(k.pem, { source: k.path }),
    ];
    let first: TlsmithError | undefined;
    for (const a of answers) {
      const err = await rejectsWith(a(), "UNSUPPORTED_KEY_TYPE", /RSA-PSS/);
      first ??= err;
    }
    // In a .p12 too.
    const cert = join(dir.path, "pss.crt");
    await openssl(["req", "-x509", "-key", k.path, "-subj", "/CN=pss", "-days", "1", "-out", cert]);
    const p12 = join(dir.path, "pss.p12");
    await opensslPkcs12(cert, k.path, p12, "pw");
    await rejectsWith(importPkcs12(await bytesOf(p12), "pw"), "UNSUPPORTED_KEY_TYPE", /RSA-PSS/);
    // A WebCrypto RSA-PSS key handed to createCertificate: the same code.
    const webPss = await crypto.subtle.generateKey(
      {
        name: "RSA-PSS",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    await rejectsWith(
      createCertificate(
        {
          subject: { commonName: "x" },
          keyPair: { ...webPss, type: "rsa-2048" },
          hosts: ["x.test"],
        } as unknown as Parameters<typeof createCertificate>[0],
      ),
      "UNSUPPORTED_KEY_TYPE",
    );
    // The suggested command makes a key tlsmith uses.
    const cwd = join(dir.path, "pss-fix");
    await runSuggested(first!, cwd);
    assert.equal(
      (await importPrivateKey(await readFile(join(cwd, "key.pem"), "utf8"))).type,
      "rsa-2048",
    );
  });

  it("a traditional DSA key (PEM, DER, encrypted) says DSA keys are unsupported", async () => {
    const params = join(dir.path, "dsa-params.pem");
    await openssl([
      "genpkey",
      "-genparam",
      "-algorithm",
      "DSA",
      "-pkeyopt",
      "dsa_paramgen_bits:1024",
      "-out",
      params,
    ]);
    const p8 = await opensslKey("dsa8.pem", ["genpkey", "-paramfile", params]);
    const trad = await opensslKey("dsa-trad.pem", ["dsa", "-in", p8.path]);
    assert.match(trad.pem, /BEGIN DSA PRIVATE KEY/);
    const enc = await opensslKey("dsa-enc.pem", [
      "dsa",
      "-in",
      p8.path,
      "-aes128",
      "-passout",
      "pass:pw",
    ]);
    const derPath = join(dir.path, "dsa.der");
    await openssl(["dsa", "-in", p8.path, "-outform", "DER", "-out", derPath]);
    const inputs: Array<[string, string | Uint8Array]> = [
      [p8.path, p8.pem],
      [trad.path, trad.pem],
      [enc.path, enc.pem],
      [derPath, await bytesOf(derPath)],
    ];
    let first: TlsmithError | undefined;
    for (const [source, input] of inputs) {
      const err = await rejectsWith(
        importPrivateKey(input, { source, passphrase: "pw" }),
        "UNSUPPORTED_KEY_TYPE",
        source,
        /DSA keys are not supported/,
      );
      assert.doesNotMatch(err.message, /certificate/);
      first ??= err;
    }
    const cwd = join(dir.path, "dsa-fix");
    await runSuggested(first!, cwd);
    assert.equal(
      (await importPrivateKey(await readFile(join(cwd, "key.pem"), "utf8"))).type,
      "ec-p256",
    );
  });

  /** EncryptedPrivateKeyInfo (PBES2) with the given KDF AlgorithmIdentifier. */
  function encryptedWithKdf(kdf: Uint8Array): string {
    return encodePem(
      "ENCRYPTED PRIVATE KEY",
      seq(
        seq(
          oid(OID.pbes2),
          seq(kdf, seq(oid(OID.aes256cbc), octets(new Uint8Array(16)))),
        ),
        octets(new Uint8Array(48)),
      ),
    );
  }

  it("an unknown KDF or PRF is named as such, with no command that cannot work", async () => {
    const unknownKdf = encryptedWithKdf(seq(oid("1.2.3.4"), seq(octets(new Uint8Array(8)))));
    const unknownPrf = encryptedWithKdf(
      seq(
        oid(OID.pbkdf2),
        seq(octets(new Uint8Array(8)), int(1000), seq(oid("1.2.3.5"), new Uint8Array([5, 0]))),
      ),
    );
    for (
      const [pem, what] of [
        [unknownKdf, /unknown key-derivation function \(OID 1\.2\.3\.4\)/],
        [unknownPrf, /unknown PBKDF2 pseudo-random function \(OID 1\.2\.3\.5\)/],
      ] as const
    ) {
      const err = await rejectsWith(
        importPrivateKey(pem, { passphrase: "pw", source: "odd.pem" }),
        "UNSUPPORTED_ALGORITHM",
        "odd.pem",
        what,
      );
      assert.doesNotMatch(err.message, /3DES|DES-EDE3|`openssl/);
    }
    // A PRF OpenSSL knows but WebCrypto does not: the command converts it.
    const plain = await opensslKey("prf-plain.pem", ["genpkey", "-algorithm", "ed25519"]);
    const k = await encryptedCopy("prf512-256.pem", plain.path, [
      "-v2",
      "aes-256-cbc",
      "-v2prf",
      "hmacWithSHA512-256",
    ]);
    const err = await rejectsWith(
      importPrivateKey(k.pem, { passphrase: "pw", source: k.path }),
      "UNSUPPORTED_ALGORITHM",
      /hmacWithSHA512-256/,
    );
    await runSuggested(err, dir.path, "-passin pass:pw -passout pass:pw");
    const fixed = await readFile(k.path.replace(/\.pem$/, "-aes.pem"), "utf8");
    assert.equal((await importPrivateKey(fixed, { passphrase: "pw" })).type, "ed25519");
  });

  it("an unknown PRF in a .p12 is named too, not reported as RC2/3DES", async () => {
    const own = await adhocCert();
    const good = await exportPkcs12({ ...own, passphrase: "pw", iterations: 100 });
    const [, authInfo] = sequence(parseDer(good, "p12"), "p12");
    const content = sequence(authInfo, "authInfo")[1].children[0];
    // Replace hmacWithSHA256 (…2.9) with the unknown …2.127, then MAC the result again.
    const hmacOid = oid(OID.hmacWithSHA256);
    const authSafe = readOctets(content, "authSafe").slice();
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    const at = hex(authSafe).indexOf(hex(hmacOid)) / 2;
    assert.ok(at > 0);
    authSafe[at + hmacOid.length - 1] = 0x7f;
    const p12 = seq(
      int(3),
      seq(oid(OID.data), explicit(0, octets(authSafe))),
      await pkcs12MacData(authSafe, "pw", 100),
    );
    const err = await rejectsWith(
      importPkcs12(p12, "pw", { source: "odd.p12" }),
      "UNSUPPORTED_ALGORITHM",
      /unknown PBKDF2 pseudo-random function \(OID 1\.2\.840\.113549\.2\.127\)/,
    );
    assert.doesNotMatch(err.message, /RC2|3DES/);
  });

  it("a 1025-bit RSA key is 1025 bits", async () => {
    const k = await opensslKey("rsa1025.pem", [
      "genpkey",
      "-algorithm",
      "RSA",
      "-pkeyopt",
      "rsa_keygen_bits:1025",
    ]);
    assert.match(await openssl(["pkey", "-in", k.path, "-noout", "-text"]), /1025 bit/);
    await rejectsWith(importPrivateKey(k.pem), "UNSUPPORTED_KEY_TYPE", /1025 bits/);
  });

  it("OpenSSH keys: the command that converts ECDSA ones works; Ed25519 ones get a new-key command", async (t) => {
    if (!(await have("ssh-keygen"))) {
      t.diagnostic("ssh-keygen is not installed");
      return;
    }
    for (const type of ["ecdsa", "ed25519"]) {
      const path = join(dir.path, `id_${type}`);
      const made = await run("ssh-keygen", ["-q", "-t", type, "-N", "", "-f", path]);
      assert.equal(made.code, 0, made.stderr);
      const err = await rejectsWith(
        importPrivateKey(await readFile(path, "utf8"), { source: path }),
        "BAD_KEY",
        /OpenSSH private key/,
        type === "ecdsa" ? /ecdsa-sha2-nistp256/ : /ssh-ed25519/,
      );
      const cwd = join(dir.path, `ssh-${type}`);
      await runSuggested(err, cwd, type === "ecdsa" ? "-P '' -N ''" : "");
      assert.equal(
        (await importPrivateKey(await readFile(join(cwd, "key.pem"), "utf8"))).type,
        "ec-p256",
      );
    }
  });

  it("a KDF over its cap is LIMIT_EXCEEDED naming the parameter and the cap; the command fixes it", async () => {
    const plain = await opensslKey("cap-plain.pem", ["genpkey", "-algorithm", "ed25519"]);
    const k = await encryptedCopy("cap.pem", plain.path, [
      "-v2",
      "aes-256-cbc",
      "-v2prf",
      "hmacWithSHA224",
      "-iter",
      "300001",
    ]);
    const err = await rejectsWith(
      importPrivateKey(k.pem, { passphrase: "pw", source: k.path }),
      "LIMIT_EXCEEDED",
      /PBKDF2 iterations 300,001/,
      /300,000 with HMAC-SHA-224/,
    );
    await runSuggested(err, dir.path, "-passin pass:pw -passout pass:pw");
    const fixed = await readFile(k.path.replace(/\.pem$/, "-aes.pem"), "utf8");
    assert.equal((await importPrivateKey(fixed, { passphrase: "pw" })).type, "ed25519");
  });
});
