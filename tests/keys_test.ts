import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { certificateMatchesKey } from "../src/x509/match.ts";
import { exportPrivateKeyPem, importPkcs8, importPrivateKeyPem } from "../src/keys/formats.ts";
import {
  derivePublicKey,
  exportPublicKeyPem,
  exportSpki,
  generateKeyPair,
  KEY_TYPES,
  type KeyType,
  keyTypeOf,
  parseKeyType,
  signatureHashFor,
} from "../src/keys/keys.ts";
import { createCertificate } from "../src/x509/certificate.ts";
import { decodeOnePem, encodePem } from "../src/pem.ts";
import { toCertificate } from "../src/x509/model.ts";
import { publicKeyInfoFromDer } from "../src/x509/public_key.ts";
import type { TlsmithErrorCode } from "../src/errors.ts";
import { openssl, opensslEcKey, rejectsWith, tempDir, throwsWith, withTempDir } from "./helpers.ts";

const pairs = new Map<KeyType, Awaited<ReturnType<typeof generateKeyPair>>>();
async function pair(type: KeyType) {
  if (!pairs.has(type)) pairs.set(type, await generateKeyPair(type));
  return pairs.get(type)!;
}

describe("parseKeyType", () => {
  it("accepts the canonical names and common aliases in any case", () => {
    for (const t of KEY_TYPES) assert.equal(parseKeyType(t), t);
    const aliases: Record<string, KeyType> = {
      ec: "ec-p256",
      "EC-P256": "ec-p256",
      p256: "ec-p256",
      "P-256": "ec-p256",
      prime256v1: "ec-p256",
      "ec-p384": "ec-p384",
      p384: "ec-p384",
      rsa: "rsa-2048",
      RSA: "rsa-2048",
      "rsa-3072": "rsa-3072",
      rsa4096: "rsa-4096",
      Ed25519: "ed25519",
      " ed25519 ": "ed25519",
    };
    for (const [input, want] of Object.entries(aliases)) assert.equal(parseKeyType(input), want);
  });

  it("rejects unknown types listing the valid values", () => {
    for (const bad of ["", "dsa", "rsa-1024", "ec-p521", "ed448", "x25519", "toString"]) {
      throwsWith(() => parseKeyType(bad), "BAD_OPTION", "ec-p256", "rsa-4096", "ed25519");
    }
  });
});

describe("generateKeyPair", () => {
  it("defaults to an extractable ECDSA P-256 pair", async () => {
    const p = await generateKeyPair();
    assert.equal(p.type, "ec-p256");
    assert.equal(p.privateKey.algorithm.name, "ECDSA");
    assert.equal((p.privateKey.algorithm as EcKeyAlgorithm).namedCurve, "P-256");
    assert.equal(p.privateKey.extractable, true);
    assert.equal(p.publicKey.extractable, true);
    assert.deepEqual(p.privateKey.usages, ["sign"]);
    assert.deepEqual(p.publicKey.usages, ["verify"]);
  });

  for (const type of KEY_TYPES) {
    it(`makes ${type} keys that sign and verify`, async () => {
      const p = await pair(type);
      assert.equal(p.type, type);
      assert.equal(keyTypeOf(p.privateKey), type);
      assert.equal(keyTypeOf(p.publicKey), type);
      if (type.startsWith("rsa")) {
        const alg = p.publicKey.algorithm as RsaHashedKeyAlgorithm;
        assert.equal(alg.name, "RSASSA-PKCS1-v1_5");
        assert.equal(alg.modulusLength, Number(type.slice(4)));
        assert.deepEqual(Array.from(alg.publicExponent), [1, 0, 1]);
        assert.equal(alg.hash.name, "SHA-256");
      }
      const data = new TextEncoder().encode("hello");
      const alg = type.startsWith("ec")
        ? { name: "ECDSA", hash: signatureHashFor(type)! }
        : type === "ed25519"
        ? { name: "Ed25519" }
        : { name: "RSASSA-PKCS1-v1_5" };
      const sig = await crypto.subtle.sign(alg, p.privateKey, data);
      assert.equal(await crypto.subtle.verify(alg, p.publicKey, sig, data), true);
    });
  }

  it("rejects an unknown type", async () => {
    await rejectsWith(generateKeyPair("rsa-1024" as KeyType), "BAD_OPTION", "rsa-1024");
  });
});

describe("signatureHashFor and keyTypeOf", () => {
  it("maps key types to signature hashes", () => {
    assert.equal(signatureHashFor("ec-p256"), "SHA-256");
    assert.equal(signatureHashFor("ec-p384"), "SHA-384");
    assert.equal(signatureHashFor("rsa-2048"), "SHA-256");
    assert.equal(signatureHashFor("rsa-4096"), "SHA-256");
    assert.equal(signatureHashFor("ed25519"), undefined);
  });

  it("rejects keys of other algorithms and sizes", async () => {
    const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, [
      "sign",
    ]) as CryptoKey;
    throwsWith(() => keyTypeOf(hmac), "UNSUPPORTED_KEY_TYPE", "HMAC");
    const p521 = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-521" }, true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    throwsWith(() => keyTypeOf(p521.publicKey), "UNSUPPORTED_KEY_TYPE", "P-521");
    const rsa1024 = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    throwsWith(() => keyTypeOf(rsa1024.privateKey), "UNSUPPORTED_KEY_TYPE", "1024");
  });
});

describe("export and import", () => {
  for (const type of KEY_TYPES) {
    it(`round-trips ${type} through PKCS#8 PEM and derives the public key`, async () => {
      const p = await pair(type);
      const pem = await exportPrivateKeyPem(p.privateKey);
      assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
      const back = await importPrivateKeyPem(pem, { source: "key.pem" });
      assert.equal(back.type, type);
      assert.equal(back.privateKey.extractable, true);
      assert.equal(back.publicKey.type, "public");
      assert.deepEqual(await exportSpki(back.publicKey), await exportSpki(p.publicKey));
      assert.equal(
        await exportPublicKeyPem(back.privateKey),
        await exportPublicKeyPem(p.publicKey),
      );
      assert.match(await exportPublicKeyPem(p.publicKey), /^-----BEGIN PUBLIC KEY-----\n/);
    });
  }

  it("importPkcs8 takes DER bytes and ArrayBuffers", async () => {
    const p = await pair("ec-p384");
    const der = await crypto.subtle.exportKey("pkcs8", p.privateKey);
    assert.equal((await importPkcs8(der)).type, "ec-p384");
    assert.equal((await importPkcs8(new Uint8Array(der))).type, "ec-p384");
  });

  it("refuses to export public keys as private, and non-extractable keys", async () => {
    const p = await pair("ec-p256");
    await rejectsWith(exportPrivateKeyPem(p.publicKey), "BAD_OPTION", "exportPublicKey");
    const fixed = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    await rejectsWith(exportPrivateKeyPem(fixed.privateKey), "BAD_KEY", "extractable");
    await rejectsWith(derivePublicKey(fixed.privateKey), "BAD_KEY", "extractable");
    assert.equal(await derivePublicKey(fixed.publicKey), fixed.publicKey);
  });

  it("explains encrypted, legacy and wrong PEM blocks", async () => {
    const der = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]);
    await rejectsWith(
      importPrivateKeyPem(encodePem("ENCRYPTED PRIVATE KEY", der), { source: "enc.pem" }),
      "PASSPHRASE_REQUIRED",
      "enc.pem",
      "passphrase",
    );
    for (const label of ["RSA PRIVATE KEY", "EC PRIVATE KEY"]) {
      await rejectsWith(
        importPrivateKeyPem(encodePem(label, der), { source: "legacy.pem" }),
        "BAD_KEY",
        "legacy.pem",
        "damaged",
      );
    }
    await rejectsWith(
      importPrivateKeyPem(encodePem("CERTIFICATE", der), { source: "cert.pem" }),
      "BAD_KEY",
      "cert.pem",
      "a certificate",
    );
    await rejectsWith(importPrivateKeyPem(encodePem("PUBLIC KEY", der)), "BAD_KEY", "public key");
    await rejectsWith(importPrivateKeyPem("not a pem", { source: "x.pem" }), "BAD_PEM", "x.pem");
  });

  it("rejects damaged and unsupported PKCS#8", async () => {
    await rejectsWith(
      importPkcs8(new Uint8Array([1, 2, 3]), { source: "k.der" }),
      "BAD_KEY",
      "k.der",
    );
    await rejectsWith(importPkcs8(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])), "BAD_KEY");
    const p = await pair("ec-p256");
    const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", p.privateKey));
    await rejectsWith(importPkcs8(der.subarray(0, der.length - 5)), "BAD_KEY");
    const trailing = new Uint8Array([...der, 0]);
    await rejectsWith(importPkcs8(trailing), "BAD_KEY", "after the end");
    // Flip a byte inside the private scalar's OCTET STRING: it no longer fits the public key
    // the key carries, on every runtime.
    const damaged = der.slice();
    damaged[36] ^= 0xff;
    await rejectsWith(importPkcs8(damaged), "BAD_KEY", "public key");
  });
});

describe("keys made by OpenSSL", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await dir.cleanup();
  });

  const cases: [string, string[], KeyType | TlsmithErrorCode][] = [
    ["p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "ec-p256"],
    ["p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "ec-p384"],
    ["rsa3072", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"], "rsa-3072"],
    ["ed25519", ["-algorithm", "ED25519"], "ed25519"],
    ["p521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"], "UNSUPPORTED_KEY_TYPE"],
    ["x25519", ["-algorithm", "X25519"], "UNSUPPORTED_KEY_TYPE"],
    ["ed448", ["-algorithm", "ED448"], "UNSUPPORTED_KEY_TYPE"],
    ["rsa1024", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"], "UNSUPPORTED_KEY_TYPE"],
    [
      "rsapss",
      ["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"],
      "UNSUPPORTED_KEY_TYPE",
    ],
  ];
  for (const [name, args, want] of cases) {
    it(`imports ${name} and derives the same public key as openssl`, async () => {
      const file = join(dir.path, `${name}.pem`);
      await openssl(["genpkey", ...args, "-out", file]);
      const pem = await readFile(file, "utf8");
      if (want === want.toUpperCase()) {
        await rejectsWith(
          importPrivateKeyPem(pem, { source: file }),
          want as TlsmithErrorCode,
          file,
        );
        return;
      }
      const p = await importPrivateKeyPem(pem, { source: file });
      assert.equal(p.type, want);
      const theirs = await openssl(["pkey", "-in", file, "-pubout"]);
      assert.equal(await exportPublicKeyPem(p.publicKey), theirs);
      // And openssl reads what we export.
      const ours = await exportPrivateKeyPem(p.privateKey);
      assert.equal(await openssl(["pkey", "-pubout"], { input: ours }), theirs);
    });
  }

  it("reads legacy OpenSSL keys too, and asks for the pass phrase of encrypted ones", async () => {
    const file = join(dir.path, "legacy.pem");
    await openssl(["genrsa", "-traditional", "-out", file, "2048"]);
    const legacy = await readFile(file, "utf8");
    assert.match(legacy, /BEGIN RSA PRIVATE KEY/);
    assert.equal((await importPrivateKeyPem(legacy, { source: file })).type, "rsa-2048");
    const enc = await openssl([
      "pkcs8",
      "-topk8",
      "-in",
      file,
      "-v2",
      "aes-256-cbc",
      "-passout",
      "pass:secret",
    ]);
    const err = await rejectsWith(importPrivateKeyPem(enc), "PASSPHRASE_REQUIRED");
    assert.ok(!err.message.includes("secret"));
  });
});

describe("certificateMatchesKey", () => {
  it("accepts the certificate's own key in every form and refuses others", async () => {
    for (const type of ["ec-p256", "rsa-2048", "ed25519"] as const) {
      const p = await pair(type);
      const { pem, der, certificate } = await createCertificate({ keyPair: p, hosts: ["a.test"] });
      assert.equal(await certificateMatchesKey(pem, p), true);
      assert.equal(await certificateMatchesKey(der, p.privateKey), true);
      assert.equal(await certificateMatchesKey(certificate, p.publicKey), true);
      assert.equal(await certificateMatchesKey(pem, await exportPrivateKeyPem(p.privateKey)), true);
      assert.equal(await certificateMatchesKey(pem, await exportPublicKeyPem(p.publicKey)), true);
      const other = await pair(type === "ec-p256" ? "ec-p384" : "ec-p256");
      assert.equal(await certificateMatchesKey(pem, other), false);
      assert.equal(await certificateMatchesKey(pem, await generateKeyPair(type)), false);
    }
  });

  it("matches keys whose certificate holds a compressed EC point", async () => {
    await withTempDir(async (dir) => {
      const key = join(dir, "k.pem");
      await opensslEcKey(key);
      const cert = await openssl([
        "req",
        "-x509",
        "-new",
        "-key",
        key,
        "-subj",
        "/CN=compressed",
        "-days",
        "1",
      ]);
      assert.equal(await certificateMatchesKey(cert, await readFile(key, "utf8")), true);
      // Re-encode the certificate's SPKI with a compressed point: the bytes differ, the key does not.
      const compressedSpki = await openssl(
        ["ec", "-pubin", "-pubout", "-conv_form", "compressed"],
        {
          input: await openssl(["pkey", "-in", key, "-pubout"]),
        },
      );
      const parsed = {
        ...toCertificate(cert),
        publicKey: publicKeyInfoFromDer(decodeOnePem(compressedSpki, "PUBLIC KEY").der),
      };
      assert.equal(await certificateMatchesKey(parsed, await readFile(key, "utf8")), true);
    });
  });

  it("rejects input that is not a certificate", async () => {
    const p = await pair("ec-p256");
    await rejectsWith(
      certificateMatchesKey(encodePem("PRIVATE KEY", new Uint8Array([0x30, 0])), p),
      "BAD_CERTIFICATE",
    );
    await rejectsWith(certificateMatchesKey(new Uint8Array([1, 2, 3]), p), "BAD_CERTIFICATE");
    const { pem } = await createCertificate({ keyPair: p, hosts: ["a.test"] });
    await rejectsWith(
      certificateMatchesKey(pem, encodePem("PUBLIC KEY", new Uint8Array([1, 2]))),
      "BAD_KEY",
    );
  });
});
