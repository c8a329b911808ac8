import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { isEncryptedPrivateKey, readPrivateKey, toPkcs8Pem } from "../src/keys/formats.ts";
import { encryptPrivateKey } from "../src/keys/encrypt.ts";
import { exportPrivateKeyPem, exportPublicKeyPem, generateKeyPair } from "../src/keys/keys.ts";
import { decodePem, encodePem } from "../src/pem.ts";
import { encodeDer, int, octets, seq } from "../src/_internal/asn1.ts";
import { norm, openssl, rejectsWith, run, suiteTempDir, writeFiles } from "./helpers.ts";

const dir = suiteTempDir();

async function opensslKey(name: string, args: string[]): Promise<{ path: string; pem: string }> {
  const path = join(dir.path, name);
  await openssl([...args, "-out", path]);
  return { path, pem: await readFile(path, "utf8") };
}

describe("readPrivateKey: unencrypted OpenSSL formats", () => {
  const cases: Array<[string, string[], string]> = [
    ["genrsa -traditional (PKCS#1)", ["genrsa", "-traditional"], "rsa-2048"],
    [
      "genrsa (PKCS#8) 3072",
      ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
      "rsa-3072",
    ],
    [
      "ecparam -genkey P-256 (EC PARAMETERS + SEC1)",
      ["ecparam", "-genkey", "-name", "prime256v1"],
      "ec-p256",
    ],
    ["ecparam -genkey -noout P-384 (SEC1 only)", [
      "ecparam",
      "-genkey",
      "-noout",
      "-name",
      "secp384r1",
    ], "ec-p384"],
    ["genpkey Ed25519", ["genpkey", "-algorithm", "ed25519"], "ed25519"],
    ["genpkey EC P-384 (PKCS#8)", [
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-384",
    ], "ec-p384"],
  ];
  for (const [i, [name, args, type]] of cases.entries()) {
    it(`reads ${name}; toPkcs8Pem is what openssl reads, same public key`, async () => {
      const k = await opensslKey(`plain-${i}.pem`, args);
      const pair = await readPrivateKey(k.pem, { source: k.path });
      assert.equal(pair.type, type);
      const pub = await openssl(["pkey", "-in", k.path, "-pubout"]);
      assert.equal(norm(await exportPublicKeyPem(pair.publicKey)), norm(pub));
      const pkcs8 = await toPkcs8Pem(k.pem);
      assert.match(pkcs8, /^-----BEGIN PRIVATE KEY-----\n/);
      const files = await writeFiles(dir.path, { [`conv-${i}.pem`]: pkcs8 });
      const pub2 = await openssl(["pkey", "-in", files[`conv-${i}.pem`], "-pubout"]);
      assert.equal(pub2, pub);
      assert.equal(isEncryptedPrivateKey(k.pem), false);
    });
  }

  it("reads RSA-PSS-tagged keys (genpkey -algorithm RSA-PSS) for signing", async () => {
    const restricted = await opensslKey("pss-r.pem", [
      "genpkey",
      "-algorithm",
      "RSA-PSS",
      "-pkeyopt",
      "rsa_keygen_bits:2048",
      "-pkeyopt",
      "rsa_pss_keygen_md:sha384",
      "-pkeyopt",
      "rsa_pss_keygen_mgf1_md:sha384",
    ]);
    const r384 = await readPrivateKey(restricted.pem);
    assert.equal((r384.privateKey.algorithm as RsaHashedKeyAlgorithm).hash.name, "SHA-384");
    // MGF1 over another hash than the signature hash: WebCrypto cannot sign like that.
    const mixed = await opensslKey("pss-m.pem", [
      "genpkey",
      "-algorithm",
      "RSA-PSS",
      "-pkeyopt",
      "rsa_keygen_bits:2048",
      "-pkeyopt",
      "rsa_pss_keygen_md:sha256",
    ]);
    await rejectsWith(
      readPrivateKey(mixed.pem, { source: mixed.path }),
      "UNSUPPORTED_ALGORITHM",
      /MGF1/,
    );
    const k = await opensslKey("pss.pem", [
      "genpkey",
      "-algorithm",
      "RSA-PSS",
      "-pkeyopt",
      "rsa_keygen_bits:2048",
    ]);
    const pair = await readPrivateKey(k.pem, { source: k.path });
    assert.equal(pair.privateKey.algorithm.name, "RSA-PSS");
    assert.equal((pair.privateKey.algorithm as RsaHashedKeyAlgorithm).hash.name, "SHA-256");
    // Sign with WebCrypto, verify with OpenSSL against the original key.
    const data = new TextEncoder().encode("signed with an RSA-PSS key");
    const sig = new Uint8Array(
      await crypto.subtle.sign({ name: "RSA-PSS", saltLength: 32 }, pair.privateKey, data),
    );
    const files = await writeFiles(dir.path, { "pss-data": data, "pss-sig": sig });
    await openssl(["pkey", "-in", k.path, "-pubout", "-out", join(dir.path, "pss-pub.pem")]);
    const r = await run("openssl", [
      "dgst",
      "-sha256",
      "-sigopt",
      "rsa_padding_mode:pss",
      "-sigopt",
      "rsa_pss_saltlen:32",
      "-verify",
      join(dir.path, "pss-pub.pem"),
      "-signature",
      files["pss-sig"],
      files["pss-data"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Verified OK/);
  });

  it("reads a SEC1 key without curve when an EC PARAMETERS block precedes it", async () => {
    const k = await opensslKey("sec1-p.pem", ["ecparam", "-genkey", "-name", "prime256v1"]);
    const blocks = decodePem(k.pem);
    const params = blocks.find((b) => b.label === "EC PARAMETERS")!;
    const key = blocks.find((b) => b.label === "EC PRIVATE KEY")!;
    // Rebuild the SEC1 key without its [0] parameters (version, privateKey only).
    const { tryParseDer, children, octetsOf } = await import("../src/_internal/asn1.ts");
    const scalar = octetsOf(children(tryParseDer(key.der))![1])!;
    const bare = encodeDer(seq(int(1), octets(scalar)));
    const withParams = encodePem("EC PARAMETERS", params.der) + encodePem("EC PRIVATE KEY", bare);
    const pair = await readPrivateKey(withParams);
    assert.equal(pair.type, "ec-p256");
    await rejectsWith(
      readPrivateKey(encodePem("EC PRIVATE KEY", bare), { source: "bare.pem" }),
      "BAD_KEY",
      /bare\.pem.*EC PARAMETERS/,
    );
  });

  it("refuses explicit curve parameters with the conversion command", async () => {
    const k = await opensslKey("explicit.pem", [
      "ecparam",
      "-genkey",
      "-name",
      "prime256v1",
      "-param_enc",
      "explicit",
    ]);
    await rejectsWith(
      readPrivateKey(k.pem, { source: k.path }),
      "UNSUPPORTED_KEY_TYPE",
      /explicit/,
      /-param_enc named_curve/,
    );
  });

  it("says what was found instead of a private key", async () => {
    const pair = await generateKeyPair("ec-p256");
    const pub = await exportPublicKeyPem(pair.publicKey);
    await rejectsWith(
      readPrivateKey(pub, { source: "pub.pem" }),
      "BAD_KEY",
      /pub\.pem.*a public key/,
    );
    await rejectsWith(readPrivateKey("not pem", { source: "x.pem" }), "BAD_PEM");
    await rejectsWith(
      readPrivateKey(encodePem("PRIVATE KEY", new Uint8Array([0x30, 0]))),
      "BAD_KEY",
    );
    await rejectsWith(
      readPrivateKey(encodePem("RSA PRIVATE KEY", new Uint8Array([0x30, 0]))),
      "BAD_KEY",
    );
    const x = await opensslKey("x25519.pem", ["genpkey", "-algorithm", "x25519"]);
    await rejectsWith(readPrivateKey(x.pem, { source: x.path }), "UNSUPPORTED_KEY_TYPE");
  });

  it("isEncryptedPrivateKey knows both encrypted forms", async () => {
    const pair = await generateKeyPair("ec-p256");
    assert.equal(isEncryptedPrivateKey(await exportPrivateKeyPem(pair.privateKey)), false);
    assert.equal(
      isEncryptedPrivateKey(await encryptPrivateKey(pair, "pw", { iterations: 1000 })),
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
    await rejectsWith(readPrivateKey(legacy.pem, { source: legacy.path }), "PASSPHRASE_REQUIRED");
  });
});
