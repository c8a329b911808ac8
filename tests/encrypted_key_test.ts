import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { pbeDecrypt, pbes2Encrypt } from "../src/keys/encrypt.ts";
import { decryptPrivateKey, encryptPrivateKey, readPrivateKey } from "../src/keys/formats.ts";
import { int, octets, oid, parseDer, seq } from "../src/_internal/der.ts";
import { exportPublicKeyPem, generateKeyPair, type KeyType } from "../src/keys/keys.ts";
import { decodePem, encodePem } from "../src/pem.ts";
import { TlsmithError } from "../src/errors.ts";
import {
  errorOf,
  norm,
  openssl,
  opensslEcKey,
  rejectsWith,
  run,
  suiteTempDir,
  writeFiles,
} from "./helpers.ts";

const dir = suiteTempDir();

describe("encryptPrivateKey → OpenSSL", () => {
  const types: KeyType[] = ["ec-p256", "ec-p384", "rsa-2048", "ed25519"];
  for (const type of types) {
    it(`openssl pkey decrypts our ${type} key and the public key matches`, async () => {
      const pair = await generateKeyPair(type);
      const pem = await encryptPrivateKey(pair, "pässwörd ✓", { iterations: 2048 });
      assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
      const files = await writeFiles(dir.path, { [`ours-${type}.pem`]: pem });
      const pub = await openssl([
        "pkey",
        "-in",
        files[`ours-${type}.pem`],
        "-passin",
        "pass:pässwörd ✓",
        "-pubout",
      ]);
      assert.equal(norm(pub), norm(await exportPublicKeyPem(pair.publicKey)));
      // And our own reader agrees.
      const back = await decryptPrivateKey(pem, "pässwörd ✓");
      assert.equal(back.type, type);
      assert.equal(
        norm(await exportPublicKeyPem(back.publicKey)),
        norm(await exportPublicKeyPem(pair.publicKey)),
      );
    });
  }

  it("defaults to PBES2, PBKDF2-HMAC-SHA256 600000, AES-256-CBC, 16-byte salt and IV", async () => {
    const pair = await generateKeyPair("ec-p256");
    const pem = await encryptPrivateKey(pair.privateKey, "default-iterations");
    const files = await writeFiles(dir.path, { "default.pem": pem });
    const parsed = await openssl(["asn1parse", "-in", files["default.pem"]]);
    assert.match(parsed, /:PBES2/);
    assert.match(parsed, /:PBKDF2/);
    assert.match(parsed, /:hmacWithSHA256/);
    assert.match(parsed, /:aes-256-cbc/);
    assert.match(parsed, /INTEGER\s+:0927C0/); // 600000
    const octetLens = [...parsed.matchAll(/l=\s*(\d+) prim: OCTET STRING/g)].map((m) => +m[1]);
    assert.equal(octetLens[0], 16); // salt
    assert.equal(octetLens[1], 16); // IV
    await openssl([
      "pkey",
      "-in",
      files["default.pem"],
      "-passin",
      "pass:default-iterations",
      "-noout",
    ]);
    // Two encryptions of the same key differ (random salt and IV).
    const again = await encryptPrivateKey(pair.privateKey, "default-iterations", {
      iterations: 1000,
    });
    const third = await encryptPrivateKey(pair.privateKey, "default-iterations", {
      iterations: 1000,
    });
    assert.notEqual(again, third);
  });

  it("encrypts unencrypted PEM input of every format", async () => {
    await openssl(["genrsa", "-traditional", "-out", join(dir.path, "pkcs1.pem"), "2048"]);
    await openssl(["ecparam", "-genkey", "-name", "secp384r1", "-out", join(dir.path, "sec1.pem")]);
    for (const name of ["pkcs1.pem", "sec1.pem"]) {
      const text = await readFile(join(dir.path, name), "utf8");
      const pem = await encryptPrivateKey(text, "pw", { iterations: 1000 });
      const files = await writeFiles(dir.path, { [`enc-${name}`]: pem });
      const a = await openssl([
        "pkey",
        "-in",
        files[`enc-${name}`],
        "-passin",
        "pass:pw",
        "-pubout",
      ]);
      const b = await openssl(["pkey", "-in", join(dir.path, name), "-pubout"]);
      assert.equal(a, b);
    }
  });

  it("rejects bad input", async () => {
    const pair = await generateKeyPair("ec-p256");
    assert.equal((await errorOf(encryptPrivateKey(pair, ""))).code, "BAD_OPTION");
    assert.equal(
      (await errorOf(encryptPrivateKey(pair, "pw", { iterations: 0 }))).code,
      "BAD_OPTION",
    );
    assert.equal(
      (await errorOf(encryptPrivateKey(pair, "pw", { iterations: 1.5 }))).code,
      "BAD_OPTION",
    );
    const fixed = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    assert.equal((await errorOf(encryptPrivateKey(fixed.privateKey, "pw"))).code, "BAD_KEY");
    assert.equal(
      (await errorOf(encryptPrivateKey(pair.publicKey as unknown as CryptoKey, "pw"))).code,
      "BAD_OPTION",
    );
    const enc = await encryptPrivateKey(pair, "pw", { iterations: 1000 });
    assert.equal((await errorOf(encryptPrivateKey(enc, "pw"))).code, "BAD_OPTION");
    assert.equal(
      (await errorOf(encryptPrivateKey(encodePem("CERTIFICATE", new Uint8Array([0x30, 0])), "pw")))
        .code,
      "BAD_KEY",
    );
  });
});

/** `openssl pkcs8 -topk8 OPTS -in PLAIN -passout pass:pw -out OUT` (encrypt with "pw"). */
function topk8(opts: string[], out: string, plain: string): string[] {
  return ["pkcs8", "-topk8", ...opts, "-in", plain, "-passout", "pass:pw", "-out", out];
}

describe("OpenSSL → decryptPrivateKey / readPrivateKey", () => {
  const cases: Array<{ name: string; make: (out: string, plain: string) => string[][] }> = [
    {
      name: "genpkey EC P-256 -aes-256-cbc",
      make: (out) => [[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-aes-256-cbc",
        "-pass",
        "pass:pw",
        "-out",
        out,
      ]],
    },
    {
      name: "pkcs8 -v2 aes-128-cbc -v2prf hmacWithSHA1",
      make: (out, plain) => [topk8(["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"], out, plain)],
    },
    {
      name: "pkcs8 -v2 aes-192-cbc -v2prf hmacWithSHA512",
      make: (out, plain) => [topk8(["-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA512"], out, plain)],
    },
    {
      name: "pkcs8 -v2 aes-256-cbc -v2prf hmacWithSHA384",
      make: (out, plain) => [topk8(["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA384"], out, plain)],
    },
    {
      // WebCrypto has no SHA-224 PBKDF2.
      name: "pkcs8 -v2 aes-256-cbc -v2prf hmacWithSHA224",
      make: (out, plain) => [topk8(["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA224"], out, plain)],
    },
    {
      name: "pkcs8 -iter 1000000",
      make: (out, plain) => [topk8(["-v2", "aes-256-cbc", "-iter", "1000000"], out, plain)],
    },
    {
      name: "pkcs8 -scrypt",
      make: (out, plain) => [topk8(["-scrypt"], out, plain)],
    },
    {
      name: "genrsa -traditional -aes256 (legacy DEK-Info)",
      make: (
        out,
      ) => [["genrsa", "-traditional", "-aes256", "-passout", "pass:pw", "-out", out, "2048"]],
    },
    {
      name: "ec -aes128 (legacy DEK-Info)",
      make: (out, plain) => [["ec", "-in", plain, "-aes128", "-passout", "pass:pw", "-out", out]],
    },
    {
      name: "ec -aes192 (legacy DEK-Info)",
      make: (out, plain) => [["ec", "-in", plain, "-aes192", "-passout", "pass:pw", "-out", out]],
    },
    {
      name: "genpkey Ed25519 -aes-256-cbc",
      make: (out) => [[
        "genpkey",
        "-algorithm",
        "ed25519",
        "-aes-256-cbc",
        "-pass",
        "pass:pw",
        "-out",
        out,
      ]],
    },
  ];

  for (const [i, c] of cases.entries()) {
    it(`reads ${c.name}`, async () => {
      const plain = join(dir.path, `plain-${i}.pem`);
      await opensslEcKey(plain);
      const out = join(dir.path, `openssl-${i}.pem`);
      for (const args of c.make(out, plain)) await openssl(args);
      const pem = await readFile(out, "utf8");
      const pair = await decryptPrivateKey(pem, "pw", { source: out });
      const viaRead = await readPrivateKey(pem, { passphrase: "pw", source: out });
      assert.equal(pair.type, viaRead.type);
      const pub = await openssl(["pkey", "-in", out, "-passin", "pass:pw", "-pubout"]);
      assert.equal(norm(await exportPublicKeyPem(pair.publicKey)), norm(pub));
      // Wrong pass phrase on the same file.
      await rejectsWith(decryptPrivateKey(pem, "wrong", { source: out }), "WRONG_PASSPHRASE", out);
      // No pass phrase at all.
      await rejectsWith(
        readPrivateKey(pem, { source: out }),
        "PASSPHRASE_REQUIRED",
        /--passphrase-file/,
        /TLSMITH_PASSPHRASE/,
        /prompt/,
      );
    });
  }

  const LEGACY = ["-provider", "legacy", "-provider", "default"];
  const refused: Array<
    { name: string; legacy?: boolean; args: (out: string, plain: string) => string[] }
  > = [
    {
      name: "pkcs8 -v1 PBE-SHA1-RC4-128 (OpenSSL 3's legacy provider)",
      legacy: true,
      args: (out, plain) => topk8(["-v1", "PBE-SHA1-RC4-128", ...LEGACY], out, plain),
    },
    {
      name: "ec -bf (DEK-Info BF-CBC, OpenSSL 3's legacy provider)",
      legacy: true,
      args: (
        out,
        plain,
      ) => ["ec", "-in", plain, "-bf", ...LEGACY, "-passout", "pass:pw", "-out", out],
    },
    {
      name: "ec -camellia128 (DEK-Info CAMELLIA-128-CBC)",
      args: (
        out,
        plain,
      ) => ["ec", "-in", plain, "-camellia128", "-passout", "pass:pw", "-out", out],
    },
  ];
  for (const [i, c] of refused.entries()) {
    it(`refuses ${c.name} with the command that converts it`, async () => {
      const plain = join(dir.path, `rplain-${i}.pem`);
      await opensslEcKey(plain);
      const out = join(dir.path, `refused-${i}.pem`);
      await openssl(c.args(out, plain));
      const pem = await readFile(out, "utf8");
      const err = await rejectsWith(
        readPrivateKey(pem, { passphrase: "pw", source: out }),
        "UNSUPPORTED_ALGORITHM",
        /tlsmith cannot decrypt/,
      );
      const cmd = `openssl pkcs8 -topk8 -v2 aes-256-cbc ${
        c.legacy ? "-provider legacy -provider default " : ""
      }-in ${out} -out ${out.replace(/\.pem$/, "-aes.pem")}`;
      assert.ok(err.message.includes(cmd), err.message);
      // The suggested command really converts it, and the result loads.
      const fixedPath = out.replace(/\.pem$/, "-aes.pem");
      const r = await run("openssl", [
        ...cmd.split(" ").slice(1),
        "-passin",
        "pass:pw",
        "-passout",
        "pass:pw",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const fixed = await readPrivateKey(await readFile(fixedPath, "utf8"), { passphrase: "pw" });
      assert.ok(fixed.privateKey.type === "private");
    });
  }
});

describe("wrong pass phrases never pass", () => {
  it("1000 random wrong pass phrases on a PBES2 key are all WRONG_PASSPHRASE", async () => {
    const pem = await encryptPrivateKey(await generateKeyPair("ec-p256"), "the right one", {
      iterations: 1,
    });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      const guess = Array.from(
        crypto.getRandomValues(new Uint8Array(1 + (i % 24))),
        (b) => String.fromCharCode(33 + (b % 94)),
      ).join("");
      if (guess === "the right one") continue;
      const err = await errorOf(decryptPrivateKey(pem, guess));
      counts[err.code] = (counts[err.code] ?? 0) + 1;
    }
    assert.deepEqual(Object.keys(counts), ["WRONG_PASSPHRASE"]);
    assert.equal(counts.WRONG_PASSPHRASE, 1000);
  });

  it("1000 random wrong pass phrases on a legacy DEK-Info key are all WRONG_PASSPHRASE", async () => {
    const out = join(dir.path, "legacy-wrong.pem");
    await opensslEcKey(join(dir.path, "lw-plain.pem"));
    await openssl([
      "ec",
      "-in",
      join(dir.path, "lw-plain.pem"),
      "-aes128",
      "-passout",
      "pass:right",
      "-out",
      out,
    ]);
    const pem = await readFile(out, "utf8");
    let wrong = 0;
    for (let i = 0; i < 1000; i++) {
      const guess = `w${i}-${Math.random()}`;
      const err = await errorOf(decryptPrivateKey(pem, guess));
      if (err.code === "WRONG_PASSPHRASE") wrong++;
    }
    assert.equal(wrong, 1000);
    assert.equal((await decryptPrivateKey(pem, "right")).type, "ec-p256");
  });
});

describe("damaged and odd input", () => {
  it("reports damaged ciphertext, headers and structures", async () => {
    const pem = await encryptPrivateKey(await generateKeyPair("ec-p256"), "pw", {
      iterations: 1000,
    });
    const [block] = decodePem(pem);
    // Truncated ciphertext (not a multiple of 16).
    const cut = encodePem("ENCRYPTED PRIVATE KEY", block.der.slice(0, block.der.length - 3));
    await rejectsWith(
      decryptPrivateKey(cut, "pw", { source: "cut.pem" }),
      "BAD_KEY",
      /^cut\.pem: /,
    );
    // Not an EncryptedPrivateKeyInfo at all.
    const junk = encodePem("ENCRYPTED PRIVATE KEY", new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]));
    assert.equal((await errorOf(decryptPrivateKey(junk, "pw"))).code, "BAD_KEY");
    // Legacy header without a usable DEK-Info.
    const legacy = encodePem("RSA PRIVATE KEY", new Uint8Array(32), {
      "Proc-Type": "4,ENCRYPTED",
      "DEK-Info": "AES-256-CBC,XYZ",
    });
    assert.equal((await errorOf(decryptPrivateKey(legacy, "pw"))).code, "BAD_PEM");
    // Not encrypted, and damaged.
    const plain = encodePem("PRIVATE KEY", new Uint8Array([0x30, 0]));
    assert.equal((await errorOf(decryptPrivateKey(plain, "pw"))).code, "BAD_KEY");
  });

  /** An "ENCRYPTED PRIVATE KEY" (PBES2, scrypt, AES-256-CBC) with the given scrypt N, r, p. */
  function scryptKeyPem(n: number, r: number, p: number): string {
    const der = seq(
      seq(
        oid("1.2.840.113549.1.5.13"),
        seq(
          seq(
            oid("1.3.6.1.4.1.11591.4.11"),
            seq(octets(new Uint8Array(16)), int(n), int(r), int(p), int(32)),
          ),
          seq(oid("2.16.840.1.101.3.4.1.42"), octets(new Uint8Array(16))),
        ),
      ),
      octets(new Uint8Array(32)),
    );
    return encodePem("ENCRYPTED PRIVATE KEY", der);
  }

  it("refuses scrypt parameters that would need more than 128 MiB", async () => {
    await rejectsWith(
      decryptPrivateKey(await scryptKeyPem(2 ** 20, 8, 1), "pw", { source: "big.pem" }),
      "LIMIT_EXCEEDED",
      /N=1048576/,
    );
  });

  it("refuses scrypt parameters within 128 MiB whose work would take hours (N·r·p)", async () => {
    // 16 MiB of memory, but 2^32 BlockMix rounds: hours of CPU from a hostile file.
    await rejectsWith(
      decryptPrivateKey(await scryptKeyPem(2 ** 16, 1, 2 ** 16), "pw", { source: "slow.pem" }),
      "LIMIT_EXCEEDED",
      "slow.pem",
      /N=65536, r=1, p=65536/,
    );
  });

  it("PBES2 primitives round-trip and detect a wrong pass phrase", async () => {
    const data = crypto.getRandomValues(new Uint8Array(100));
    const { algorithm, ciphertext } = await pbes2Encrypt(data, "x", 10);
    const alg = parseDer(algorithm, "test algorithm");
    const back = await pbeDecrypt(alg, ciphertext, "x", { what: "test data" });
    assert.deepEqual(back, data);
    let codes = 0;
    for (let i = 0; i < 50; i++) {
      try {
        const out = await pbeDecrypt(alg, ciphertext, `y${i}`, { what: "test data" });
        // Padding may pass by chance; the bytes then differ.
        assert.notDeepEqual(out, data);
      } catch (err) {
        assert.ok(err instanceof TlsmithError && err.code === "WRONG_PASSPHRASE");
        codes++;
      }
    }
    assert.ok(codes >= 40);
  });
});
