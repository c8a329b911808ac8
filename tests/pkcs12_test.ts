import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { exportPkcs12, importPkcs12, pkcs12MacData } from "../src/keys/pkcs12.ts";
import { sha256Repeat } from "../src/_internal/sha.ts";
import { sha256 } from "npm:@noble/hashes@^2.0.0/sha2.js";
import { adhocCert } from "../src/ca/adhoc.ts";
import { exportPublicKeyPem, generateKeyPair } from "../src/keys/keys.ts";
import { readPrivateKey } from "../src/keys/formats.ts";
import { decodePem } from "../src/pem.ts";
import {
  errorOf,
  have,
  norm,
  openssl,
  opensslCert,
  opensslPkcs12,
  rejectsWith,
  run,
  suiteTempDir,
  writeFiles,
} from "./helpers.ts";

const dir = suiteTempDir();

/** A CA and a leaf it signed (RSA leaf, EC CA), made by openssl. */
async function opensslChain(
  name: string,
): Promise<{ leafCert: string; leafKey: string; caCert: string }> {
  const p = (f: string) => join(dir.path, `${name}-${f}`);
  await opensslCert({
    key: p("ca.key"),
    cert: p("ca.crt"),
    subject: "/CN=Test CA",
    addext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"],
  });
  await openssl(["genpkey", "-algorithm", "RSA", "-out", p("leaf.key")]);
  await openssl([
    "req",
    "-new",
    "-key",
    p("leaf.key"),
    "-subj",
    "/CN=localhost",
    "-out",
    p("leaf.csr"),
  ]);
  await openssl([
    "x509",
    "-req",
    "-in",
    p("leaf.csr"),
    "-CA",
    p("ca.crt"),
    "-CAkey",
    p("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    p("leaf.crt"),
  ]);
  return {
    leafCert: await readFile(p("leaf.crt"), "utf8"),
    leafKey: await readFile(p("leaf.key"), "utf8"),
    caCert: await readFile(p("ca.crt"), "utf8"),
  };
}

describe("exportPkcs12 → OpenSSL, Node, keytool", () => {
  for (const keyType of ["ec-p256", "rsa-2048", "ec-p384"]) {
    it(`openssl pkcs12 -info reads our ${keyType} file (PBES2, SHA-256 MAC, attributes)`, async () => {
      const leaf = await adhocCert({ keyType });
      const other = await adhocCert({ hosts: ["ca.test"] });
      const p12 = await exportPkcs12({
        cert: leaf.cert,
        key: leaf.key,
        chain: other.cert,
        passphrase: "p12 pass ✓",
        friendlyName: "tlsmith dev",
        iterations: 2048,
      });
      const files = await writeFiles(dir.path, { [`ours-${keyType}.p12`]: p12 });
      const path = files[`ours-${keyType}.p12`];
      const info = await run("openssl", [
        "pkcs12",
        "-info",
        "-nodes",
        "-passin",
        "pass:p12 pass ✓",
        "-in",
        path,
      ]);
      assert.equal(info.code, 0, info.stderr);
      assert.match(info.stderr, /MAC: sha256, Iteration 2048/);
      assert.match(
        info.stderr,
        /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/,
      );
      assert.match(
        info.stderr,
        /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/,
      );
      assert.match(info.stdout, /friendlyName: tlsmith dev/);
      assert.match(info.stdout, /localKeyID: /);
      assert.equal((info.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
      // The key OpenSSL extracts is ours.
      const keyPem = info.stdout.slice(info.stdout.indexOf("-----BEGIN PRIVATE KEY-----"));
      const extracted = await writeFiles(dir.path, { [`x-${keyType}.pem`]: keyPem });
      const pub = await openssl(["pkey", "-in", extracted[`x-${keyType}.pem`], "-pubout"]);
      const ours = await readPrivateKey(leaf.key);
      assert.equal(norm(pub), norm(await exportPublicKeyPem(ours.publicKey)));
      // Wrong pass phrase: OpenSSL refuses.
      const wrong = await run("openssl", [
        "pkcs12",
        "-info",
        "-nodes",
        "-passin",
        "pass:nope",
        "-in",
        path,
      ]);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /mac verify/i);
    });
  }

  it("Node's tls.createSecureContext({ pfx, passphrase }) loads it (child node process)", async () => {
    const { cert, key } = await adhocCert();
    const p12 = await exportPkcs12({ cert, key, passphrase: "changeit", iterations: 4096 });
    const files = await writeFiles(dir.path, { "node.p12": p12 });
    const script = `const tls = require("node:tls"), fs = require("node:fs");
const pfx = fs.readFileSync(process.argv[1]);
tls.createSecureContext({ pfx, passphrase: "changeit" });
let refused = false;
try { tls.createSecureContext({ pfx, passphrase: "wrong" }); } catch { refused = true; }
console.log(refused ? "loaded; wrong pass phrase refused" : "wrong pass phrase accepted?!");`;
    const r = await run("node", ["-e", script, files["node.p12"]], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "loaded; wrong pass phrase refused");
  });

  it("Java keytool lists it as a PrivateKeyEntry with its chain", async (t) => {
    if (!(await have("keytool"))) {
      t.skip("keytool is not installed");
      return;
    }
    const chain = await opensslChain("java");
    const p12 = await exportPkcs12({
      cert: chain.leafCert,
      key: chain.leafKey,
      chain: [chain.caCert],
      passphrase: "changeit",
      friendlyName: "web",
      iterations: 10_000,
    });
    const files = await writeFiles(dir.path, { "java.p12": p12 });
    const r = await run("keytool", [
      "-list",
      "-v",
      "-storetype",
      "PKCS12",
      "-keystore",
      files["java.p12"],
      "-storepass",
      "changeit",
    ], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Alias name: web/);
    assert.match(r.stdout, /Entry type: PrivateKeyEntry/);
    assert.match(r.stdout, /Certificate chain length: 2/);
    const bad = await run("keytool", [
      "-list",
      "-storetype",
      "PKCS12",
      "-keystore",
      files["java.p12"],
      "-storepass",
      "wrongpass",
    ], { timeoutMs: 90_000 });
    assert.notEqual(bad.code, 0);
  });

  it("GnuTLS certtool and NSS pk12util read it", async (t) => {
    const { cert, key } = await adhocCert();
    const p12 = await exportPkcs12({
      cert,
      key,
      passphrase: "nss and gnutls",
      friendlyName: "tlsmith-nss",
      iterations: 2048,
    });
    const files = await writeFiles(dir.path, { "other.p12": p12 });
    if (await have("certtool")) {
      const r = await run("certtool", [
        "--p12-info",
        "--inder",
        "--infile",
        files["other.p12"],
        "--password",
        "nss and gnutls",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /MAC: SHA256/);
      assert.match(r.stdout, /PBES2-AES256-CBC/);
      assert.match(r.stdout, /Friendly name: tlsmith-nss/);
      assert.match(r.stdout, /BEGIN CERTIFICATE/);
    } else {
      t.diagnostic("certtool is not installed");
    }
    if ((await have("pk12util")) && (await have("certutil"))) {
      const db = join(dir.path, "nssdb");
      await run("mkdir", ["-p", db]);
      const init = await run("certutil", ["-N", "-d", `sql:${db}`, "--empty-password"]);
      assert.equal(init.code, 0, init.stderr);
      const imp = await run("pk12util", [
        "-i",
        files["other.p12"],
        "-d",
        `sql:${db}`,
        "-W",
        "nss and gnutls",
      ]);
      assert.equal(imp.code, 0, imp.stdout + imp.stderr);
      const keys = await run("certutil", ["-K", "-d", `sql:${db}`]);
      assert.match(keys.stdout, /tlsmith-nss/);
      const wrong = await run("pk12util", [
        "-i",
        files["other.p12"],
        "-d",
        `sql:${db}`,
        "-W",
        "wrong",
      ]);
      assert.notEqual(wrong.code, 0);
    } else {
      t.diagnostic("pk12util is not installed");
    }
  });

  it("default iterations are 600000", async () => {
    const { cert, key } = await adhocCert();
    const p12 = await exportPkcs12({ cert, key, passphrase: "x" });
    const files = await writeFiles(dir.path, { "default.p12": p12 });
    const info = await run("openssl", [
      "pkcs12",
      "-info",
      "-noout",
      "-passin",
      "pass:x",
      "-in",
      files["default.p12"],
    ]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stderr, /MAC: sha256, Iteration 600000/);
    assert.match(info.stderr, /Iteration 600000, PRF hmacWithSHA256/);
  });

  it("rejects bad input", async () => {
    const a = await adhocCert();
    const b = await adhocCert();
    assert.equal(
      (await errorOf(exportPkcs12({ cert: a.cert, key: b.key, passphrase: "x", iterations: 10 })))
        .code,
      "KEY_MISMATCH",
    );
    assert.equal(
      (await errorOf(exportPkcs12({ cert: a.cert, key: a.key, passphrase: "" }))).code,
      "BAD_OPTION",
    );
    assert.equal(
      (await errorOf(exportPkcs12({ cert: a.cert, key: a.key, passphrase: "x", iterations: -1 })))
        .code,
      "BAD_OPTION",
    );
    assert.equal(
      (await errorOf(exportPkcs12({ cert: a.key, key: a.key, passphrase: "x", iterations: 10 })))
        .code,
      "BAD_CERTIFICATE",
    );
  });
});

describe("sha256Repeat (the PKCS#12 KDF's inner loop)", () => {
  it("equals iterated SHA-256 for random inputs and counts", () => {
    for (const n of [0, 1, 2, 3, 64, 1000]) {
      const x = crypto.getRandomValues(new Uint8Array(32));
      let a = x;
      for (let i = 0; i < n; i++) a = sha256(a);
      assert.deepEqual(sha256Repeat(x, n), a, `n=${n}`);
    }
    assert.throws(() => sha256Repeat(new Uint8Array(31), 1), RangeError);
  });
});

describe("importPkcs12", () => {
  it("reads ours back: cert, key, chain, friendlyName", async () => {
    const leaf = await adhocCert({ keyType: "ed25519" });
    const other = await adhocCert({ hosts: ["chain.test"] });
    const pair = await readPrivateKey(leaf.key);
    const p12 = await exportPkcs12({
      cert: leaf.cert + other.cert,
      key: pair,
      passphrase: "pw",
      friendlyName: "名前",
      iterations: 1000,
    });
    const back = await importPkcs12(p12, "pw");
    assert.equal(back.cert, leaf.cert);
    assert.equal(back.chain, back.cert + other.cert);
    assert.equal(back.friendlyName, "名前");
    assert.equal(back.keyPair.type, "ed25519");
    assert.equal(
      await exportPublicKeyPem(back.keyPair.publicKey),
      await exportPublicKeyPem(pair.publicKey),
    );
    assert.match(back.key, /^-----BEGIN PRIVATE KEY-----\n/);
    await rejectsWith(
      importPkcs12(p12, "wrong", { source: "x.p12" }),
      "WRONG_PASSPHRASE",
      /^x\.p12: /,
    );
  });

  it("returns the certificate that belongs to the key, even when localKeyId points elsewhere", async () => {
    const { explicit, int, octets, oid, seq, set } = await import("../src/_internal/der.ts");
    const { OID } = await import("../src/_internal/oids.ts");
    const mine = await adhocCert({ hosts: ["mine.test"] });
    const other = await adhocCert({ hosts: ["other.test"] });
    const der = (pem: string) => decodePem(pem)[0].der;
    const id = set(seq(oid(OID.localKeyId), set(octets(new Uint8Array([1])))));
    const certBag = (pem: string, ...attrs: typeof id[]) =>
      seq(
        oid(OID.certBag),
        explicit(0, seq(oid(OID.x509Certificate), explicit(0, octets(der(pem))))),
        ...attrs,
      );
    // A plain key bag with localKeyId 01 — and the certificate of another key says 01 too.
    const bags = seq(
      seq(oid(OID.keyBag), explicit(0, der(mine.key)), id),
      certBag(other.cert, id),
      certBag(mine.cert),
    );
    const authSafe = seq(seq(oid(OID.data), explicit(0, octets(bags))));
    const p12 = seq(
      int(3),
      seq(oid(OID.data), explicit(0, octets(authSafe))),
      await pkcs12MacData(authSafe, "pw", 1000),
    );
    const back = await importPkcs12(p12, "pw");
    assert.equal(back.cert, mine.cert);
    assert.equal(back.chain, back.cert + other.cert);
    await rejectsWith(importPkcs12(p12, "px"), "WRONG_PASSPHRASE");
  });

  it("refuses a file without an integrity MAC (openssl pkcs12 -nomac), as Node and curl do", async () => {
    const leaf = await adhocCert();
    const files = await writeFiles(dir.path, { "n.crt": leaf.cert, "n.key": leaf.key });
    const out = join(dir.path, "nomac.p12");
    await openssl([
      "pkcs12",
      "-export",
      "-nomac",
      "-in",
      files["n.crt"],
      "-inkey",
      files["n.key"],
      "-passout",
      "pass:pw",
      "-out",
      out,
    ]);
    const bytes = new Uint8Array(await readFile(out));
    await rejectsWith(
      importPkcs12(bytes, "pw", { source: out }),
      "UNSUPPORTED_ALGORITHM",
      out,
      "MAC",
    );
    const node = await run("node", [
      "-e",
      `try { require("node:tls").createSecureContext({ pfx: require("node:fs").readFileSync(${
        JSON.stringify(out)
      }), passphrase: "pw" }); } catch (e) { console.log(e.message); process.exit(3); }`,
    ]);
    assert.equal(node.code, 3, node.stdout + node.stderr);
    assert.match(node.stdout, /mac absent/i);
  });

  it("checks every MAC digest openssl pkcs12 -macalg writes (SHA-1 … SHA-512)", async () => {
    const leaf = await adhocCert();
    const files = await writeFiles(dir.path, { "m.crt": leaf.cert, "m.key": leaf.key });
    for (const macalg of ["sha1", "sha224", "sha256", "sha384", "sha512"]) {
      const out = join(dir.path, `mac-${macalg}.p12`);
      await openssl([
        "pkcs12",
        "-export",
        "-in",
        files["m.crt"],
        "-inkey",
        files["m.key"],
        "-macalg",
        macalg,
        "-passout",
        "pass:pw",
        "-out",
        out,
      ]);
      const bytes = new Uint8Array(await readFile(out));
      assert.equal((await importPkcs12(bytes, "pw")).cert, leaf.cert, macalg);
      await rejectsWith(importPkcs12(bytes, "px", { source: out }), "WRONG_PASSPHRASE", out);
    }
  });

  it("reads OpenSSL 3's default `openssl pkcs12 -export` with a chain", async () => {
    const leaf = await adhocCert({ keyType: "rsa-2048" });
    const ca = await adhocCert({ hosts: ["ca.test"] });
    const files = await writeFiles(dir.path, {
      "l.crt": leaf.cert,
      "l.key": leaf.key,
      "ca.crt": ca.cert,
    });
    const out = join(dir.path, "openssl.p12");
    await openssl([
      "pkcs12",
      "-export",
      "-in",
      files["l.crt"],
      "-inkey",
      files["l.key"],
      "-certfile",
      files["ca.crt"],
      "-name",
      "from openssl",
      "-passout",
      "pass:secret",
      "-out",
      out,
    ]);
    const back = await importPkcs12(new Uint8Array(await readFile(out)), "secret", { source: out });
    assert.equal(back.cert, leaf.cert);
    assert.equal(back.chain, back.cert + ca.cert);
    assert.equal(back.friendlyName, "from openssl");
    assert.equal(back.keyPair.type, "rsa-2048");
    assert.equal(
      (await errorOf(importPkcs12(new Uint8Array(await readFile(out)), "nope"))).code,
      "WRONG_PASSPHRASE",
    );
  });

  it("refuses RC4 files with the command that re-exports them", async () => {
    const leaf = await adhocCert();
    const files = await writeFiles(dir.path, { "g.crt": leaf.cert, "g.key": leaf.key });
    const out = join(dir.path, "rc4.p12");
    await openssl([
      "pkcs12",
      "-export",
      "-legacy",
      "-certpbe",
      "PBE-SHA1-RC4-128",
      "-in",
      files["g.crt"],
      "-inkey",
      files["g.key"],
      "-passout",
      "pass:pw",
      "-out",
      out,
    ]);
    await rejectsWith(
      importPkcs12(new Uint8Array(await readFile(out)), "pw", { source: out }),
      "UNSUPPORTED_ALGORITHM",
      /pbeWithSHAAnd128BitRC4/,
      `openssl pkcs12 -in ${out} -legacy -nodes -out all.pem`,
    );
  });

  it("rejects what is not a .p12", async () => {
    assert.equal((await errorOf(importPkcs12(new Uint8Array(0), "x"))).code, "BAD_DER");
    assert.equal(
      (await errorOf(importPkcs12(new TextEncoder().encode("-----BEGIN CERTIFICATE-----\n"), "x")))
        .code,
      "BAD_DER",
    );
    assert.equal(
      (await errorOf(importPkcs12(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), "x"))).code,
      "BAD_DER",
    );
    const key = await generateKeyPair();
    const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", key.privateKey));
    assert.equal((await errorOf(importPkcs12(der, "x"))).code, "BAD_DER");
  });
});

describe("importPkcs12: files other tools write, caps", () => {
  async function leafFiles(name: string) {
    const leaf = await adhocCert({ hosts: [`${name}.test`] });
    const files = await writeFiles(dir.path, {
      [`${name}.crt`]: leaf.cert,
      [`${name}.key`]: leaf.key,
    });
    return { leaf, cert: files[`${name}.crt`], key: files[`${name}.key`] };
  }

  /** `certtool --to-p12` of a key and certificate into `out`, with `args` for the pass phrase. */
  async function certtoolP12(key: string, cert: string, out: string, args: string[]) {
    const r = await run("certtool", [
      "--to-p12",
      "--load-privkey",
      key,
      "--load-certificate",
      cert,
      "--outder",
      "--outfile",
      out,
      ...args,
    ]);
    assert.equal(r.code, 0, r.stderr);
  }

  async function same(bytes: Uint8Array, passphrase: string, leaf: { cert: string; key: string }) {
    const back = await importPkcs12(bytes, passphrase);
    assert.equal(back.cert, leaf.cert);
    assert.equal(
      await exportPublicKeyPem(back.keyPair.publicKey),
      await exportPublicKeyPem((await readPrivateKey(leaf.key)).publicKey),
    );
  }

  it("reads what GnuTLS, Java keytool and NSS (BER, indefinite lengths) write", async (t) => {
    const { leaf, cert, key } = await leafFiles("others");
    const ossl = join(dir.path, "others-openssl.p12");
    await opensslPkcs12(cert, key, ossl, "pw");
    if (await have("certtool")) {
      const out = join(dir.path, "others-gnutls.p12");
      await certtoolP12(key, cert, out, ["--password", "pw", "--p12-name", "gnutls"]);
      await same(new Uint8Array(await readFile(out)), "pw", leaf);
    } else t.diagnostic("certtool is not installed");
    if (await have("keytool")) {
      const out = join(dir.path, "others-java.p12");
      const r = await run("keytool", [
        "-importkeystore",
        "-srckeystore",
        ossl,
        "-srcstoretype",
        "PKCS12",
        "-srcstorepass",
        "pw",
        "-destkeystore",
        out,
        "-deststoretype",
        "PKCS12",
        "-deststorepass",
        "changeit",
        "-noprompt",
      ], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      await same(new Uint8Array(await readFile(out)), "changeit", leaf);
    } else t.diagnostic("keytool is not installed");
    if ((await have("pk12util")) && (await have("certutil"))) {
      const db = join(dir.path, "others-nssdb");
      await run("mkdir", ["-p", db]);
      assert.equal((await run("certutil", ["-N", "-d", `sql:${db}`, "--empty-password"])).code, 0);
      const imp = await run("pk12util", ["-i", ossl, "-d", `sql:${db}`, "-W", "pw"]);
      assert.equal(imp.code, 0, imp.stdout + imp.stderr);
      const nick = (await run("certutil", ["-L", "-d", `sql:${db}`])).stdout.trim().split("\n")
        .pop()!.replace(/\s+u,u,u$/, "").trim();
      const out = join(dir.path, "others-nss.p12");
      const exp = await run("pk12util", ["-o", out, "-n", nick, "-d", `sql:${db}`, "-W", "pw"]);
      assert.equal(exp.code, 0, exp.stdout + exp.stderr);
      const asn1 = await openssl(["asn1parse", "-inform", "DER", "-in", out]);
      assert.match(asn1, /l=inf/); // BER: indefinite lengths
      await same(new Uint8Array(await readFile(out)), "pw", leaf);
    } else t.diagnostic("pk12util is not installed");
  });

  it("reads password-less files: a MAC over either encoding of the empty password", async (t) => {
    const { leaf, cert, key } = await leafFiles("nopass");
    const made: string[] = [];
    const ossl = join(dir.path, "nopass-openssl.p12");
    await opensslPkcs12(cert, key, ossl, "");
    made.push(ossl);
    if (await have("certtool")) {
      for (const how of ["--null-password", "--empty-password"]) {
        const out = join(dir.path, `nopass${how}.p12`);
        await certtoolP12(key, cert, out, [how, "--p12-name", "x"]);
        made.push(out);
      }
    } else t.diagnostic("certtool is not installed");
    for (const file of made) {
      // OpenSSL (the judge) opens each with the empty pass phrase.
      await openssl(["pkcs12", "-in", file, "-passin", "pass:", "-nokeys", "-out", `${file}.pem`]);
      const bytes = new Uint8Array(await readFile(file));
      await same(bytes, "", leaf);
      await rejectsWith(
        importPkcs12(bytes, "not empty", { source: file }),
        "WRONG_PASSPHRASE",
        file,
      );
    }
  });

  /** A PFX around `authSafe` with `macData` (DER). */
  async function pfx(authSafe: Uint8Array, macData: Uint8Array): Promise<Uint8Array> {
    const { explicit, int, octets, oid, seq } = await import("../src/_internal/der.ts");
    const { OID } = await import("../src/_internal/oids.ts");
    return seq(int(3), seq(oid(OID.data), explicit(0, octets(authSafe))), macData);
  }

  it("refuses MAC iterations above the cap at once, naming the count and the cap", async () => {
    const { int, nul, octets, oid, seq } = await import("../src/_internal/der.ts");
    const { OID } = await import("../src/_internal/oids.ts");
    const authSafe = seq();
    for (
      const [hash, n, cap] of [
        [OID.sha256, 10_000_000, "1,000,000"],
        [OID.sha512, 300_000, "250,000"],
      ] as const
    ) {
      const mac = seq(
        seq(seq(oid(hash), nul()), octets(new Uint8Array(32))),
        octets(new Uint8Array(8)),
        int(n),
      );
      const started = Date.now();
      await rejectsWith(
        importPkcs12(await pfx(authSafe, mac), "pw", { source: "mac.p12" }),
        "LIMIT_EXCEEDED",
        "mac.p12",
        n.toLocaleString("en-US"),
        cap,
      );
      assert.ok(Date.now() - started < 1000);
    }
    await rejectsWith(
      importPkcs12(new Uint8Array((1 << 20) + 1).fill(0x30), "pw"),
      "LIMIT_EXCEEDED",
    );
  });

  it("refuses a key bag whose PBKDF2 asks for more iterations than the cap", async () => {
    const { explicit, int, nul, octets, oid, seq } = await import("../src/_internal/der.ts");
    const { OID } = await import("../src/_internal/oids.ts");
    const alg = seq(
      oid(OID.pbes2),
      seq(
        seq(
          oid(OID.pbkdf2),
          seq(octets(new Uint8Array(16)), int(6_000_000), seq(oid(OID.hmacWithSHA256), nul())),
        ),
        seq(oid(OID.aes256cbc), octets(new Uint8Array(16))),
      ),
    );
    const shrouded = seq(alg, octets(new Uint8Array(64)));
    const bags = seq(seq(oid(OID.pkcs8ShroudedKeyBag), explicit(0, shrouded)));
    const authSafe = seq(seq(oid(OID.data), explicit(0, octets(bags))));
    const p12 = await pfx(authSafe, await pkcs12MacData(authSafe, "pw", 10));
    const started = Date.now();
    await rejectsWith(
      importPkcs12(p12, "pw", { source: "iter.p12" }),
      "LIMIT_EXCEEDED",
      "iter.p12",
      /PBKDF2 iterations 6,000,000/,
      /5,000,000/,
      /openssl pkcs12 -in iter\.p12/,
    );
    assert.ok(Date.now() - started < 1000);
  });

  it("charges every key derivation of one file to one budget", async () => {
    const { spend } = await import("../src/keys/encrypt.ts");
    const ctx = { what: "PKCS#12 file", container: "pkcs12" as const, budget: { left: 2 } };
    spend(ctx, 0.9);
    spend(ctx, 0.9);
    assert.throws(() => spend(ctx, 0.5), { code: "LIMIT_EXCEEDED" });
    spend({ what: "key" }, 100); // no budget: the per-derivation caps alone
  });

  it("the MAC's key derivation (JavaScript) does not block the event loop", async () => {
    const { cert, key, leaf } = await leafFiles("slowmac");
    const out = join(dir.path, "slowmac.p12");
    await opensslPkcs12(cert, key, out, "pw", ["-macalg", "sha512", "-iter", "200000"]);
    const bytes = new Uint8Array(await readFile(out));
    let last = Date.now();
    let worst = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    const started = Date.now();
    try {
      await same(bytes, "pw", leaf);
    } finally {
      clearInterval(timer);
    }
    const took = Date.now() - started;
    // The whole import takes most of a second or more; no single stall comes near that.
    assert.ok(worst < Math.max(250, took / 3), `event loop stalled ${worst} ms of ${took} ms`);
  });
});
