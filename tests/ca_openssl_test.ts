/**
 * Real verifiers judge the local CA: `openssl verify -x509_strict` and GnuTLS
 * `certtool --verify`, on leaves we issue, on a forged leaf outside the name
 * constraints, and on CSRs made by `openssl req -new`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { have, openssl, opensslCert, opensslVerifyStrict, run, tempDir } from "./helpers.ts";
import { CertificateAuthority } from "../src/ca/authority.ts";
import { createCertificate } from "../src/x509/certificate.ts";
import { TlsmithError } from "../src/errors.ts";
import { generateKeyPair } from "../src/keys/keys.ts";
import { decodePem, encodePem } from "../src/pem.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
let ca: CertificateAuthority;
let caFile = "";

async function save(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function opensslVerify(
  chainPem: string,
  args: string[] = [],
  purpose = "sslserver",
): Promise<{ ok: boolean; out: string }> {
  const blocks = decodePem(chainPem);
  const leaf = await save("leaf.pem", encodePem("CERTIFICATE", blocks[0].der));
  const r = await opensslVerifyStrict(caFile, leaf, args, purpose);
  return { ok: r.code === 0, out: r.stdout + r.stderr };
}

async function certtoolVerify(chainPem: string): Promise<{ ok: boolean; out: string } | null> {
  if (!(await have("certtool"))) return null;
  const chain = await save("chain.pem", chainPem);
  const r = await run("certtool", ["--verify", "--load-ca-certificate", caFile, "--infile", chain]);
  return {
    ok: r.code === 0 && /Chain verification output: Verified/.test(r.stdout),
    out: r.stdout + r.stderr,
  };
}

describe("local CA judged by openssl and GnuTLS", { timeout: 180_000 }, () => {
  before(async () => {
    ({ path: dir, cleanup } = await tempDir());
    ca = await CertificateAuthority.create({ owner: "test@host" });
    caFile = await save("ca.pem", ca.certPem);
  });
  after(() => cleanup());

  it("openssl verifies a leaf for localhost, 127.0.0.1 and ::1", async () => {
    const { chain } = await ca.issue(["localhost", "127.0.0.1", "::1"]);
    for (
      const args of [["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"], [
        "-verify_ip",
        "::1",
      ]]
    ) {
      const r = await opensslVerify(chain, args);
      assert.equal(r.ok, true, `${args.join(" ")}: ${r.out}`);
    }
    const wrong = await opensslVerify(chain, ["-verify_hostname", "example.test"]);
    assert.equal(wrong.ok, false);
    const wrongIp = await opensslVerify(chain, ["-verify_ip", "127.0.0.2"]);
    assert.equal(wrongIp.ok, false);
  });

  it("GnuTLS certtool verifies the chain", async (t) => {
    const { chain } = await ca.issue(["localhost", "127.0.0.1", "::1", "me@localhost"]);
    const r = await certtoolVerify(chain);
    if (!r) return t.skip("certtool (gnutls-bin) is not installed");
    assert.equal(r.ok, true, r.out);
  });

  it("openssl verifies wildcard, e-mail, URI and private-range names, and client certificates", async () => {
    const leaf = await ca.issue(
      [
        "app.localhost",
        "*.app.localhost",
        "me@dev.localhost",
        "https://app.localhost/",
        "192.168.1.10",
        "fe80::1",
      ],
      { client: true },
    );
    for (
      const args of [["-verify_hostname", "api.app.localhost"], ["-verify_ip", "192.168.1.10"], [
        "-verify_ip",
        "fe80::1",
      ]]
    ) {
      const r = await opensslVerify(leaf.chain, args);
      assert.equal(r.ok, true, `${args.join(" ")}: ${r.out}`);
    }
    const client = await opensslVerify(leaf.chain, [], "sslclient");
    assert.equal(client.ok, true, client.out);
    const serverOnly = await ca.issue(["localhost"]);
    assert.equal((await opensslVerify(serverOnly.chain, [], "sslclient")).ok, false);
  });

  it("a forged example.com leaf signed with the CA key is rejected by openssl and GnuTLS", async () => {
    const forged = await createCertificate({
      keyPair: await generateKeyPair(),
      issuer: { certificate: ca.certPem, privateKey: ca.privateKey },
      subject: { organization: "forged" },
      hosts: ["example.com"],
    });
    const chain = forged.pem + ca.certPem;
    const r = await opensslVerify(chain, ["-verify_hostname", "example.com"]);
    assert.equal(r.ok, false);
    assert.match(r.out, /permitted subtree violation/);
    const g = await certtoolVerify(chain);
    if (g) {
      assert.equal(g.ok, false);
      assert.match(g.out, /constraints/i);
    }
    // The same forgery without the name constraints would pass: the constraints are what protect.
    const open = await CertificateAuthority.create({ nameConstraints: false });
    const openForged = await createCertificate({
      keyPair: await generateKeyPair(),
      issuer: { certificate: open.certPem, privateKey: open.privateKey },
      subject: { organization: "forged" },
      hosts: ["example.com"],
    });
    const openFile = await save("open.pem", open.certPem);
    const leafFile = await save("open-leaf.pem", openForged.pem);
    const o = await opensslVerifyStrict(openFile, leafFile);
    assert.equal(o.code, 0, o.stderr);
  });

  for (const alg of ["ec", "rsa"]) {
    it(`signs an ${alg.toUpperCase()} CSR from openssl req -new; the result verifies and is never a CA`, async () => {
      const key = join(dir, `${alg}.key`);
      const csrFile = join(dir, `${alg}.csr`);
      await openssl([
        "req",
        "-new",
        "-newkey",
        alg === "ec" ? "ec" : "rsa:2048",
        ...(alg === "ec" ? ["-pkeyopt", "ec_paramgen_curve:P-256"] : []),
        "-nodes",
        "-keyout",
        key,
        "-subj",
        "/CN=svc.localhost",
        "-out",
        csrFile,
        "-addext",
        "subjectAltName=DNS:svc.localhost,IP:127.0.0.1",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
      ]);
      const signed = await ca.signCsr(await readFile(csrFile, "utf8"), { source: csrFile });
      const r = await opensslVerify(signed.chain, ["-verify_hostname", "svc.localhost"]);
      assert.equal(r.ok, true, r.out);
      const certFile = await save(`${alg}-signed.pem`, signed.cert);
      const text = await openssl(["x509", "-in", certFile, "-noout", "-text"]);
      assert.match(text, /CA:FALSE/);
      assert.doesNotMatch(text, /Certificate Sign/);
      // The certificate carries the CSR's key.
      const certKey = await openssl(["x509", "-in", certFile, "-noout", "-pubkey"]);
      const csrKey = await openssl(["pkey", "-in", key, "-pubout"]);
      assert.equal(certKey, csrKey);
    });
  }

  it("loads a CA made by openssl (SEC1 key, name constraints) and issues leaves openssl accepts", async () => {
    const cnf = await save(
      "ossl-ca.cnf",
      `[req]\ndistinguished_name = dn\n[dn]\n[v3]\nbasicConstraints = critical,CA:TRUE\n` +
        `keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n` +
        `nameConstraints = critical,permitted;DNS:corp.test,permitted;IP:10.0.0.0/255.0.0.0\n`,
    );
    const key = join(dir, "ossl-ca.key");
    await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
    assert.match(await readFile(key, "utf8"), /BEGIN EC PRIVATE KEY/);
    const cert = join(dir, "ossl-ca.pem");
    await opensslCert({
      key,
      cert,
      newKey: "existing",
      subject: "/O=ossl/CN=ossl CA",
      days: 30,
      extra: ["-config", cnf, "-extensions", "v3"],
    });
    const loaded = await CertificateAuthority.load({
      cert: await readFile(cert, "utf8"),
      key: await readFile(key, "utf8"),
      certSource: cert,
      keySource: key,
    });
    assert.deepEqual(loaded.nameConstraints?.permitted.map((s) => s.value), [
      "corp.test",
      "10.0.0.0/8",
    ]);
    await assert.rejects(
      loaded.issue(["localhost"]),
      (err: unknown) =>
        err instanceof TlsmithError && err.code === "NAME_NOT_PERMITTED" &&
        /corp\.test/.test(err.message),
    );
    const leaf = await loaded.issue(["api.corp.test", "10.1.2.3"]);
    const leafFile = await save("ossl-leaf.pem", leaf.cert);
    const r = await opensslVerifyStrict(cert, leafFile, ["-verify_hostname", "api.corp.test"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("refuses a tampered CSR", async () => {
    const key = join(dir, "t.key");
    const csrFile = join(dir, "t.csr");
    await openssl([
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      key,
      "-subj",
      "/CN=a.localhost",
      "-addext",
      "subjectAltName=DNS:a.localhost",
      "-out",
      csrFile,
    ]);
    const der = decodePem(await readFile(csrFile, "utf8"))[0].der.slice();
    const i = der.lastIndexOf("a".charCodeAt(0));
    der[i] = "b".charCodeAt(0); // a.localhost -> b.localhost in the SAN
    await assert.rejects(
      ca.signCsr(encodePem("CERTIFICATE REQUEST", der), { source: "t.csr" }),
      (err: unknown) =>
        err instanceof TlsmithError && err.code === "CSR_SIGNATURE_INVALID" &&
        /t\.csr/.test(err.message),
    );
  });
});
