import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { openssl, opensslEcKey, rejectsWith, tempDir, writeFiles } from "./helpers.ts";
import { CertificateAuthority, DEFAULT_LEAF_DAYS } from "../src/ca/authority.ts";
import { createCertificate } from "../src/x509/certificate.ts";
import { createCsr } from "../src/x509/csr.ts";
import { encryptPrivateKey } from "../src/keys/formats.ts";
import { TlsmithError } from "../src/errors.ts";
import { generateKeyPair } from "../src/keys/keys.ts";
import { verifyChain } from "../src/x509/verify.ts";
import {
  buildNameConstraints,
  DEFAULT_PERMITTED_NAMES,
  isNamePermitted,
  parsePermitEntry,
} from "../src/x509/name_constraints.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
let ca: CertificateAuthority;

async function x509Text(pem: string): Promise<string> {
  const files = await writeFiles(dir, { "show.pem": pem });
  return await openssl(["x509", "-in", files["show.pem"], "-noout", "-text"]);
}

describe("name constraints", () => {
  it("parses names and CIDR ranges, rejects bad ones", () => {
    assert.equal(parsePermitEntry("10.0.0.0/8").value, "10.0.0.0/8");
    assert.equal(parsePermitEntry("fd00::/8").value, "fd00::/8");
    assert.equal(parsePermitEntry("192.168.1.7").value, "192.168.1.7/32");
    assert.equal(parsePermitEntry("Corp.Example.NET.").value, "corp.example.net");
    assert.throws(() => parsePermitEntry("10.0.0.1/8"), /did you mean "10\.0\.0\.0\/8"/);
    assert.throws(
      () => parsePermitEntry("10.0.0.0/33"),
      (e: Error) => e instanceof TlsmithError && e.code === "BAD_NAME",
    );
    assert.throws(() => parsePermitEntry("*.example.com"), /without "\*\."/);
    assert.throws(
      () => parsePermitEntry("bad name"),
      (e: Error) => e instanceof TlsmithError && e.code === "BAD_NAME",
    );
  });

  it("matches per RFC 5280: subdomains, IP ranges, e-mail domains", () => {
    const set = buildNameConstraints();
    const ok = (type: "dns" | "ip" | "email" | "uri", value: string) =>
      isNamePermitted({ type, value }, set);
    assert.equal(ok("dns", "localhost"), true);
    assert.equal(ok("dns", "a.b.localhost"), true);
    assert.equal(ok("dns", "*.app.test"), true);
    assert.equal(ok("dns", "notlocalhost"), false);
    assert.equal(ok("dns", "example.com"), false);
    assert.equal(ok("dns", "router.home.arpa"), true);
    assert.equal(ok("ip", "172.31.255.255"), true);
    assert.equal(ok("ip", "172.32.0.1"), false);
    assert.equal(ok("ip", "fd12::1"), true);
    assert.equal(ok("ip", "::2"), false);
    assert.equal(ok("email", "me@localhost"), true);
    assert.equal(ok("email", "me@x.test"), true);
    assert.equal(ok("email", "me@example.com"), false);
    assert.equal(DEFAULT_PERMITTED_NAMES.length, 15);
  });
});

describe("CertificateAuthority", { timeout: 180_000 }, () => {
  before(async () => {
    ({ path: dir, cleanup } = await tempDir());
    ca = await CertificateAuthority.create({ owner: "alice@laptop" });
  });
  after(() => cleanup());

  it("creates a constrained P-256 root as specified", async () => {
    const text = await x509Text(ca.certPem);
    assert.match(
      text,
      /Subject: O = tlsmith development CA, OU = alice@laptop, CN = tlsmith development CA \d{4}-\d\d-\d\d [0-9a-f]{6}/,
    );
    assert.match(text, /ASN1 OID: prime256v1/);
    assert.match(text, /ecdsa-with-SHA256/);
    assert.match(text, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(
      text,
      /X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/,
    );
    assert.match(text, /X509v3 Subject Key Identifier/);
    assert.match(text, /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:localhost\s+DNS:test/);
    for (
      const ip of [
        "127.0.0.0/255.0.0.0",
        "10.0.0.0/255.0.0.0",
        "172.16.0.0/255.240.0.0",
        "169.254.0.0/255.255.0.0",
      ]
    ) {
      assert.ok(text.includes(`IP:${ip}`), ip);
    }
    assert.match(text, /IP:FC00:0:0:0:0:0:0:0\/FE00:0:0:0:0:0:0:0/i);
    assert.match(text, /email:\.localhost/);
    const years = (ca.notAfter.getTime() - Date.now()) / (365.25 * 86400_000);
    assert.ok(years > 9.9 && years < 10.1, `about 10 years, got ${years}`);
    assert.equal(ca.keyType, "ec-p256");
  });

  it("issues leaves for localhost, 127.0.0.1 and ::1 that verify", async () => {
    const leaf = await ca.issue(["localhost", "127.0.0.1", "::1"]);
    assert.equal(leaf.chain, leaf.cert + ca.certPem);
    assert.match(leaf.key, /BEGIN PRIVATE KEY/);
    const days = (leaf.notAfter.getTime() - Date.now()) / 86400_000;
    assert.ok(Math.abs(days - DEFAULT_LEAF_DAYS) < 1, `397 days, got ${days}`);
    const text = await x509Text(leaf.cert);
    assert.match(
      text,
      /Subject: O = tlsmith development certificate, OU = alice@laptop, CN = localhost/,
    );
    assert.match(text, /TLS Web Server Authentication/);
    assert.doesNotMatch(text, /Client Authentication/);
    assert.match(text, /CA:FALSE/);
    assert.match(text, /X509v3 Authority Key Identifier/);
    assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    for (const host of ["localhost", "127.0.0.1", "::1"]) {
      const r = await verifyChain({ leaf: leaf.chain, trusted: ca.certPem, host });
      assert.equal(r.ok, true, `${host}: ${!r.ok && r.reason}`);
    }
  });

  it("issues client certificates, wildcards, e-mail and URI names", async () => {
    const leaf = await ca.issue([
      "app.localhost",
      "*.app.localhost",
      "me@localhost",
      "https://app.localhost:8443/",
    ], {
      client: true,
      days: 30,
    });
    const text = await x509Text(leaf.cert);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(
      text,
      /DNS:app\.localhost, DNS:\*\.app\.localhost, email:me@localhost, URI:https:\/\/app\.localhost:8443\//,
    );
    const r = await verifyChain({
      leaf: leaf.chain,
      trusted: ca.certPem,
      host: "api.app.localhost",
      purpose: "client",
    });
    assert.equal(r.ok, true, !r.ok ? r.reason : "");
  });

  it("refuses names outside the constraints up-front, naming the host and --permit", async () => {
    await rejectsWith(
      ca.issue(["localhost", "example.com"]),
      "NAME_NOT_PERMITTED",
      /"example\.com".*localhost, test.*--permit example\.com/s,
    );
    await rejectsWith(ca.issue(["8.8.8.8"]), "NAME_NOT_PERMITTED", /--permit 8\.8\.8\.8\/32/);
    await rejectsWith(ca.issue(["me@example.com"]), "NAME_NOT_PERMITTED", /e-mail/);
    await rejectsWith(ca.issue(["https://example.com/"]), "NAME_NOT_PERMITTED", /URI/);
    await rejectsWith(ca.issue(["https://8.8.8.8/"]), "NAME_NOT_PERMITTED");
    await rejectsWith(ca.issue([]), "BAD_OPTION");
    await rejectsWith(ca.issue(["exa mple"]), "BAD_NAME");
  });

  it("checks validity limits", async () => {
    await rejectsWith(ca.issue(["localhost"], { days: 826 }), "BAD_OPTION", /825/);
    await rejectsWith(ca.issue(["localhost"], { days: 0 }), "BAD_OPTION");
    await rejectsWith(ca.issue(["localhost"], { days: 1.5 }), "BAD_OPTION");
    const leaf = await ca.issue(["localhost"], { days: 825 });
    assert.ok(leaf.notAfter.getTime() > Date.now() + 824 * 86400_000);
  });

  it("permits extra names and ranges, or none at all", async () => {
    const wide = await CertificateAuthority.create({
      permit: ["dev.example.net", "100.64.0.0/10"],
    });
    const leaf = await wide.issue(["api.dev.example.net", "100.64.1.2", "localhost"]);
    const r = await verifyChain({ leaf: leaf.chain, trusted: wide.certPem, host: "100.64.1.2" });
    assert.equal(r.ok, true);
    await rejectsWith(wide.issue(["example.net"]), "NAME_NOT_PERMITTED", /dev\.example\.net/);
    const open = await CertificateAuthority.create({ nameConstraints: false });
    assert.equal(open.nameConstraints, null);
    assert.doesNotMatch(await x509Text(open.certPem), /Name Constraints/);
    const any = await open.issue(["example.com"]);
    assert.equal(
      (await verifyChain({ leaf: any.chain, trusted: open.certPem, host: "example.com" })).ok,
      true,
    );
    await rejectsWith(
      CertificateAuthority.create({ nameConstraints: false, permit: ["x.net"] }),
      "BAD_OPTION",
    );
    await rejectsWith(CertificateAuthority.create({ permit: ["10.0.0.1/8"] }), "BAD_NAME");
  });

  it("a forged out-of-constraint leaf (bypassing the check) is rejected by verifyChain", async () => {
    const forged = await createCertificate({
      keyPair: await generateKeyPair(),
      issuer: { certificate: ca.certPem, privateKey: ca.privateKey },
      hosts: ["example.com"],
    });
    const r = await verifyChain({ leaf: forged.pem, trusted: ca.certPem, host: "example.com" });
    assert.equal(!r.ok && r.code, "NAME_CONSTRAINTS");
  });

  it("supports P-384 and RSA-3072 CAs, refuses Ed25519 and bad options", async () => {
    const p384 = await CertificateAuthority.create({ keyType: "ec-p384", pathLength: 1, days: 30 });
    assert.match(await x509Text(p384.certPem), /ecdsa-with-SHA384[\s\S]*pathlen:1/);
    const leaf = await p384.issue(["localhost"], { keyType: "ec-p384" });
    assert.equal(
      (await verifyChain({ leaf: leaf.chain, trusted: p384.certPem, host: "localhost" })).ok,
      true,
    );
    const rsa = await CertificateAuthority.create({ keyType: "rsa-3072" });
    assert.equal(rsa.keyType, "rsa-3072");
    const rsaLeaf = await rsa.issue(["127.0.0.1"]);
    assert.equal(
      (await verifyChain({ leaf: rsaLeaf.chain, trusted: rsa.certPem, host: "127.0.0.1" })).ok,
      true,
    );
    await rejectsWith(CertificateAuthority.create({ keyType: "ed25519" }), "BAD_OPTION", /Ed25519/);
    await rejectsWith(CertificateAuthority.create({ days: 0 }), "BAD_OPTION");
    await rejectsWith(CertificateAuthority.create({ pathLength: -1 }), "BAD_OPTION");
  });

  it("loads from PEM, also with an encrypted key; refuses mismatches, leaves and expired CAs", async () => {
    const keyPem = await ca.keyPem();
    const loaded = await CertificateAuthority.load({ cert: ca.certPem, key: keyPem });
    assert.equal(loaded.subject, ca.subject);
    assert.ok(loaded.nameConstraints);
    const leaf = await loaded.issue(["localhost"]);
    assert.equal((await verifyChain({ leaf: leaf.chain, trusted: ca.certPem })).ok, true);

    const encrypted = await encryptPrivateKey(keyPem, "s3cret", { iterations: 1000 });
    const fromEncrypted = await CertificateAuthority.load({
      cert: ca.certPem,
      key: encrypted,
      passphrase: "s3cret",
    });
    assert.equal(fromEncrypted.subject, ca.subject);
    await rejectsWith(
      CertificateAuthority.load({ cert: ca.certPem, key: encrypted, keySource: "ca-key.pem" }),
      "PASSPHRASE_REQUIRED",
    );
    await rejectsWith(
      CertificateAuthority.load({ cert: ca.certPem, key: encrypted, passphrase: "wrong" }),
      "WRONG_PASSPHRASE",
    );

    const other = await CertificateAuthority.create();
    await rejectsWith(
      CertificateAuthority.load({
        cert: ca.certPem,
        key: await other.keyPem(),
        certSource: "ca.pem",
        keySource: "ca-key.pem",
      }),
      "KEY_MISMATCH",
      /ca-key\.pem.*ca\.pem/,
    );
    await rejectsWith(
      CertificateAuthority.load({ cert: leaf.cert, key: leaf.key, certSource: "leaf.pem" }),
      "BAD_CERTIFICATE",
      /leaf\.pem.*not a CA/,
    );
    const old = await CertificateAuthority.create({
      notBefore: new Date(Date.now() - 40 * 86400_000),
      days: 30,
    });
    await rejectsWith(
      CertificateAuthority.load({
        cert: old.certPem,
        key: await old.keyPem(),
        certSource: "old.pem",
      }),
      "CA_EXPIRED",
      /old\.pem.*expired/,
    );
    await rejectsWith(old.issue(["localhost"]), "CA_EXPIRED");
    await rejectsWith(
      CertificateAuthority.load({ cert: keyPem, key: keyPem, certSource: "ca-key.pem" }),
      "BAD_CERTIFICATE",
      /ca-key\.pem/,
    );
    await rejectsWith(
      CertificateAuthority.load({
        cert: ca.certPem.slice(0, 200),
        key: keyPem,
        certSource: "cut.pem",
      }),
      "BAD_PEM",
      /cut\.pem/,
    );
  });

  it("refuses to load a CA whose nameConstraints extension does not decode", async () => {
    const key = `${dir}/bad-nc.key`;
    const cert = `${dir}/bad-nc.pem`;
    await opensslEcKey(key);
    await openssl([
      "req",
      "-x509",
      "-key",
      key,
      "-subj",
      "/CN=bad nc",
      "-days",
      "2",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-addext",
      "nameConstraints=critical,DER:0101ff",
      "-out",
      cert,
    ]);
    await rejectsWith(
      CertificateAuthority.load({
        cert: await readFile(cert, "utf8"),
        key: await readFile(key, "utf8"),
        certSource: "bad-nc.pem",
      }),
      "BAD_CERTIFICATE",
      "bad-nc.pem",
      "nameConstraints",
    );
  });

  it("creates intermediates within the path length; their chains verify with openssl", async () => {
    await rejectsWith(
      ca.createIntermediate(),
      "BAD_OPTION",
      "pathLength 0",
      "pathLength 1 or more",
    );
    const root = await CertificateAuthority.create({ pathLength: 1, days: 30 });
    await rejectsWith(root.createIntermediate({ pathLength: 1 }), "BAD_OPTION", "at most 0");
    const intermediate = await root.createIntermediate({ days: 3650 });
    assert.equal(intermediate.issuersPem, root.certPem);
    assert.ok(intermediate.notAfter.getTime() <= root.notAfter.getTime(), "never past its issuer");
    await rejectsWith(intermediate.createIntermediate(), "BAD_OPTION", "pathLength 0");
    const leaf = await intermediate.issue(["localhost"], { client: true, serverAuth: false });
    assert.equal(leaf.chain, leaf.cert + intermediate.certPem + root.certPem);
    const files = await writeFiles(dir, {
      "i-root.pem": root.certPem,
      "i-intermediate.pem": intermediate.certPem,
      "i-leaf.pem": leaf.cert,
    });
    const args = ["verify", "-x509_strict", "-CAfile", files["i-root.pem"]];
    const untrusted = ["-untrusted", files["i-intermediate.pem"], files["i-leaf.pem"]];
    assert.match(await openssl([...args, "-purpose", "sslclient", ...untrusted]), /OK/);
    const asServer = await openssl([...args, "-purpose", "sslserver", ...untrusted]).catch((e) =>
      String(e)
    );
    assert.match(asServer, /unsuitable certificate purpose/, "serverAuth: false leaves it out");
  });

  it("never issues past the CA's own expiry", async () => {
    const short = await CertificateAuthority.create({ days: 10 });
    const leaf = await short.issue(["localhost"]);
    assert.ok(leaf.notAfter.getTime() <= short.notAfter.getTime());
  });

  it("signs our CSRs without copying requested extensions", async () => {
    const csr = await createCsr(await generateKeyPair("ed25519"), {
      hosts: ["api.test", "10.0.0.5"],
    });
    const signed = await ca.signCsr(csr.pem);
    assert.deepEqual(signed.names.map((n) => n.value), ["api.test", "10.0.0.5"]);
    assert.equal(
      (await verifyChain({ leaf: signed.chain, trusted: ca.certPem, host: "10.0.0.5" })).ok,
      true,
    );
    const override = await ca.signCsr(csr.pem, { hosts: ["other.test"], client: true });
    assert.deepEqual(override.names.map((n) => n.value), ["other.test"]);
    const bad = await createCsr(await generateKeyPair(), { hosts: ["example.com"] });
    await rejectsWith(ca.signCsr(bad.pem), "NAME_NOT_PERMITTED", /example\.com/);
    const cnOnly = await createCsr(await generateKeyPair(), { subject: "cn.localhost" });
    const fromCn = await ca.signCsr(cnOnly.pem);
    assert.deepEqual(fromCn.names.map((n) => n.value), ["cn.localhost"]);
    const noName = await createCsr(await generateKeyPair(), { subject: "My Laptop" });
    await rejectsWith(
      ca.signCsr(noName.pem, { source: "laptop.csr" }),
      "BAD_CSR",
      /laptop\.csr.*--host/,
    );
    await rejectsWith(ca.signCsr(csr.pem, { days: 9999 }), "BAD_OPTION");
  });

  it("checks and normalizes the names of a foreign CSR as issue() does", async () => {
    const key = `${dir}/csr-key.pem`;
    await opensslEcKey(key);
    const request = async (san: string) => {
      const out = `${dir}/names.csr`;
      await openssl([
        "req",
        "-new",
        "-key",
        key,
        "-subj",
        "/CN=x",
        "-addext",
        `subjectAltName=${san}`,
        "-out",
        out,
      ]);
      return await readFile(out, "utf8");
    };
    const normalized = await ca.signCsr(
      await request("DNS:App.Localhost.,DNS:app.localhost,IP:10.0.0.1,email:Me@X.Test"),
    );
    assert.deepEqual(normalized.names.map((n) => n.value), [
      "app.localhost",
      "10.0.0.1",
      "Me@x.test",
    ]);
    assert.match(
      await x509Text(normalized.cert),
      /DNS:app\.localhost, IP Address:10\.0\.0\.1, email:Me@x\.test\n/,
    );
    // A wildcard over a single label, and a name with a space, are refused as issue() refuses them.
    await rejectsWith(
      ca.signCsr(await request("DNS:*.localhost"), { source: "w.csr" }),
      "BAD_NAME",
      "*.localhost",
    );
    await rejectsWith(ca.signCsr(await request("DNS:a b.test")), "BAD_NAME", "white space");
    await rejectsWith(ca.signCsr(await request("DNS:127.0.0.1")), "BAD_NAME", "127.0.0.1");
  });
});
