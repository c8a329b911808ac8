/**
 * verifyChain must agree with `openssl verify -x509_strict -purpose sslserver`
 * on chains made by OpenSSL itself: good and bad cases side by side.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openssl, run, tempDir } from "./helpers.ts";
import { hostMatches, parseCertificates, verifyChain } from "../src/x509/verify.ts";
import { TlsmithError } from "../src/errors.ts";
import { decodePem, encodePem } from "../src/pem.ts";
import { decodeHex, encodeHex } from "../src/_internal/bytes.ts";
import { createCertificate } from "../src/x509/certificate.ts";
import { generateKeyPair } from "../src/keys/keys.ts";
import * as asn1js from "npm:asn1js@^4.0.0";

const CONFIG = `
[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
nameConstraints = critical,permitted;DNS:localhost,permitted;DNS:test,permitted;IP:127.0.0.0/255.0.0.0,permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,permitted;email:localhost,permitted;email:.localhost
[root_open]
basicConstraints = critical,CA:TRUE,pathlen:1
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[root_pl0]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[inter_nc]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
nameConstraints = critical,permitted;DNS:test
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,DNS:*.app.test,IP:127.0.0.1,IP:::1
[leaf_bad_name]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,DNS:example.com
[leaf_bad_email]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,email:me@example.com
[leaf_good_email]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,email:me@localhost,email:me@dev.localhost
[leaf_bad_ip]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,IP:8.8.8.8
[leaf_ip_only_cn]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1
[leaf_client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost
[leaf_as_ca]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyCertSign
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost
[leaf_critical]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost
1.3.6.1.4.1.55555.1 = critical,ASN1:UTF8String:must understand
[leaf_test]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:a.test
[root_uri]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
nameConstraints = critical,permitted;DNS:test,permitted;URI:example.test,permitted;URI:.dev.test
[uri_host]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:a.test,URI:https://example.test/x
[uri_sub_of_host]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:a.test,URI:https://sub.example.test/x
[uri_sub_of_domain]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:a.test,URI:https://a.b.dev.test/x
[uri_domain_itself]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:a.test,URI:https://dev.test/x
[leaf_ip_as_dns]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,DNS:127.0.0.1
[leaf_empty_subject]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost
[leaf_empty_no_san]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
[leaf_pathlen_non_ca]
basicConstraints = critical,CA:FALSE,pathlen:1
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost
[leaf_kcs_non_ca]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyCertSign
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost
[leaf_aki_critical]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = critical,keyid
subjectAltName = DNS:localhost
[leaf_ski_critical]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost
subjectKeyIdentifier = critical,hash
[root_bad_nc]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
nameConstraints = critical,DER:0101ff
[leaf_example_com]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:example.com
[leaf_bad_san]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DER:0101ff
[leaf_bad_ku]
basicConstraints = critical,CA:FALSE
keyUsage = critical,DER:0101ff
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost
[leaf_localhost_under_inter]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost
`;

let dir = "";
let cleanup: () => Promise<void> = async () => {};

async function key(name: string, alg = "ec"): Promise<string> {
  const path = join(dir, `${name}.key`);
  const args = alg === "rsa"
    ? ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
    : alg === "ed25519"
    ? ["genpkey", "-algorithm", "ED25519"]
    : ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
  await openssl([...args, "-out", path]);
  return path;
}

async function root(name: string, ext: string, alg = "ec", extra: string[] = []): Promise<string> {
  const k = await key(name, alg);
  const out = join(dir, `${name}.pem`);
  await openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    k,
    "-subj",
    `/O=tlsmith test/CN=${name}`,
    "-days",
    "30",
    "-config",
    join(dir, "openssl.cnf"),
    "-extensions",
    ext,
    "-out",
    out,
    ...extra,
  ]);
  return out;
}

async function issue(
  name: string,
  ext: string,
  caName: string,
  options: { subject?: string; alg?: string; days?: string; sigopt?: string[] } = {},
): Promise<string> {
  const k = await key(name, options.alg);
  const csr = join(dir, `${name}.csr`);
  await openssl([
    "req",
    "-new",
    "-key",
    k,
    "-subj",
    options.subject ?? `/O=tlsmith test`,
    "-out",
    csr,
    "-config",
    join(dir, "openssl.cnf"),
  ]);
  const out = join(dir, `${name}.pem`);
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    join(dir, `${caName}.pem`),
    "-CAkey",
    join(dir, `${caName}.key`),
    "-CAcreateserial",
    "-days",
    options.days ?? "10",
    "-extfile",
    join(dir, "openssl.cnf"),
    "-extensions",
    ext,
    "-out",
    out,
    ...(options.sigopt ?? []),
  ]);
  return out;
}

async function opensslVerify(
  leaf: string,
  ca: string,
  opts: { untrusted?: string; host?: string; ip?: string; attime?: Date } = {},
): Promise<boolean> {
  const args = ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", ca];
  if (opts.untrusted) args.push("-untrusted", opts.untrusted);
  if (opts.host) args.push("-verify_hostname", opts.host);
  if (opts.ip) args.push("-verify_ip", opts.ip);
  if (opts.attime) args.push("-attime", String(Math.floor(opts.attime.getTime() / 1000)));
  const r = await run("openssl", [...args, leaf]);
  return r.code === 0;
}

const text = (path: string) => readFile(path, "utf8");

async function both(
  leaf: string,
  ca: string,
  opts: { untrusted?: string; host?: string; ip?: string; attime?: Date } = {},
) {
  const ours = await verifyChain({
    leaf: await text(leaf),
    chain: opts.untrusted ? await text(opts.untrusted) : undefined,
    trusted: await text(ca),
    host: opts.host ?? opts.ip,
    at: opts.attime,
  });
  const theirs = await opensslVerify(leaf, ca, opts);
  return { ours, theirs };
}

describe("verifyChain agrees with openssl verify", { timeout: 120_000 }, () => {
  before(async () => {
    ({ path: dir, cleanup } = await tempDir());
    await writeFile(join(dir, "openssl.cnf"), CONFIG);
    await root("root", "root");
    await root("open", "root_open");
    await root("pl0", "root_pl0");
    await issue("inter", "inter", "open", { subject: "/O=tlsmith test/CN=inter" });
    await issue("inter_nc", "inter_nc", "open", { subject: "/O=tlsmith test/CN=inter_nc" });
    await issue("inter_pl0", "inter", "pl0", { subject: "/O=tlsmith test/CN=inter_pl0" });
    await issue("good", "leaf", "root");
    await issue("bad_name", "leaf_bad_name", "root");
    await issue("bad_email", "leaf_bad_email", "root");
    await issue("good_email", "leaf_good_email", "root");
    await issue("bad_ip", "leaf_bad_ip", "root");
    await issue("cn_only", "leaf_ip_only_cn", "root", { subject: "/CN=example.com" });
    await issue("client", "leaf_client", "root");
    await issue("critical", "leaf_critical", "root");
    await issue("leaf_as_ca", "leaf_as_ca", "open", { subject: "/O=tlsmith test/CN=leaf_as_ca" });
    await issue("under_leaf", "leaf_localhost_under_inter", "leaf_as_ca");
    await issue("via_inter", "leaf_localhost_under_inter", "inter");
    await issue("via_inter_nc_ok", "leaf_test", "inter_nc");
    await issue("via_inter_nc_bad", "leaf_localhost_under_inter", "inter_nc");
    await issue("via_pl0", "leaf_localhost_under_inter", "inter_pl0");
    await issue("ip_as_dns", "leaf_ip_as_dns", "open");
    for (const name of ["leaf_empty_subject", "leaf_empty_no_san"]) {
      await issue(name, name, "open", { subject: "/" });
    }
    for (
      const name of [
        "leaf_pathlen_non_ca",
        "leaf_kcs_non_ca",
        "leaf_aki_critical",
        "leaf_ski_critical",
      ]
    ) {
      await issue(name, name, "open");
    }
    await root("bad_nc_root", "root_bad_nc");
    await issue("under_bad_nc", "leaf_example_com", "bad_nc_root");
    await issue("bad_san", "leaf_bad_san", "open");
    await issue("bad_ku", "leaf_bad_ku", "open");
    await root("uri_root", "root_uri");
    for (const name of ["uri_host", "uri_sub_of_host", "uri_sub_of_domain", "uri_domain_itself"]) {
      await issue(name, name, "uri_root");
    }
    await root("rsa_root", "root", "rsa");
    await issue("rsa_leaf", "leaf", "rsa_root", { alg: "rsa" });
    await issue("pss_leaf", "leaf", "rsa_root", {
      sigopt: ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"],
    });
    await root("ed_root", "root", "ed25519");
    await issue("ed_leaf", "leaf", "ed_root", { alg: "ed25519" });
    // A leaf whose signature was tampered with (last byte of the signature flipped).
    const good = decodePem(await text(join(dir, "good.pem")))[0].der.slice();
    good[good.length - 3] ^= 0x01;
    await writeFile(join(dir, "tampered.pem"), encodePem("CERTIFICATE", good));
  });
  after(() => cleanup());

  const p = (name: string) => join(dir, `${name}.pem`);

  it("accepts a good leaf for localhost, 127.0.0.1, ::1 and a wildcard", async () => {
    for (
      const opts of [{ host: "localhost" }, { ip: "127.0.0.1" }, { ip: "::1" }, {
        host: "api.app.test",
      }, {}]
    ) {
      const { ours, theirs } = await both(p("good"), p("root"), opts);
      assert.equal(theirs, true, `openssl ${JSON.stringify(opts)}`);
      assert.equal(
        ours.ok,
        true,
        `ours ${JSON.stringify(opts)}: ${JSON.stringify(!ours.ok && ours.reason)}`,
      );
      if (ours.ok) {
        assert.equal(ours.path.length, 2);
        assert.equal(ours.path[1].subject, "CN=root, O=tlsmith test");
      }
    }
  });

  it("rejects a wrong host, a wrong IP and a wildcard two labels deep", async () => {
    for (
      const opts of [{ host: "example.com" }, { ip: "127.0.0.2" }, { ip: "::2" }, {
        host: "a.b.app.test",
      }, { host: "app.test" }]
    ) {
      const { ours, theirs } = await both(p("good"), p("root"), opts);
      assert.equal(theirs, false, `openssl ${JSON.stringify(opts)}`);
      assert.equal(ours.ok, false, `ours ${JSON.stringify(opts)}`);
      assert.equal(!ours.ok && ours.code, "HOST_MISMATCH");
    }
  });

  it("rejects expired and not-yet-valid certificates (at a chosen time)", async () => {
    const later = new Date(Date.now() + 20 * 86400_000);
    const r1 = await both(p("good"), p("root"), { attime: later });
    assert.equal(r1.theirs, false);
    assert.equal(!r1.ours.ok && r1.ours.code, "EXPIRED");
    const earlier = new Date(Date.now() - 2 * 86400_000);
    const r2 = await both(p("good"), p("root"), { attime: earlier });
    assert.equal(r2.theirs, false);
    assert.equal(!r2.ours.ok && r2.ours.code, "NOT_YET_VALID");
    const laterRoot = new Date(Date.now() + 40 * 86400_000);
    const r3 = await both(p("via_inter"), p("open"), { untrusted: p("inter"), attime: laterRoot });
    assert.equal(r3.theirs, false);
    assert.equal(!r3.ours.ok && r3.ours.code, "EXPIRED");
  });

  it("enforces the root's name constraints on DNS, IP, e-mail SANs and a host-like CN", async () => {
    for (const name of ["bad_name", "bad_ip", "bad_email", "cn_only"]) {
      const { ours, theirs } = await both(p(name), p("root"));
      assert.equal(theirs, false, `openssl ${name}`);
      assert.equal(!ours.ok && ours.code, "NAME_CONSTRAINTS", `ours ${name}`);
    }
    const { ours, theirs } = await both(p("good_email"), p("root"), { host: "localhost" });
    assert.equal(theirs, true);
    assert.equal(ours.ok, true);
  });

  it("enforces an intermediate's name constraints", async () => {
    const ok = await both(p("via_inter_nc_ok"), p("open"), {
      untrusted: p("inter_nc"),
      host: "a.test",
    });
    assert.equal(ok.theirs, true);
    assert.equal(ok.ours.ok, true);
    assert.equal(ok.ours.ok && ok.ours.path.length, 3);
    const bad = await both(p("via_inter_nc_bad"), p("open"), { untrusted: p("inter_nc") });
    assert.equal(bad.theirs, false);
    assert.equal(!bad.ours.ok && bad.ours.code, "NAME_CONSTRAINTS");
  });

  it("matches URI constraints per RFC 5280: a host exactly, a .domain by its subdomains", async () => {
    for (
      const [name, ok] of [
        ["uri_host", true],
        ["uri_sub_of_host", false],
        ["uri_sub_of_domain", true],
        ["uri_domain_itself", false],
      ] as const
    ) {
      const { ours, theirs } = await both(p(name), p("uri_root"));
      assert.equal(theirs, ok, `openssl ${name}`);
      assert.equal(ours.ok ? true : ours.code, ok ? true : "NAME_CONSTRAINTS", `ours ${name}`);
    }
  });

  it("builds a path through an intermediate, and fails without it", async () => {
    const ok = await both(p("via_inter"), p("open"), { untrusted: p("inter"), host: "localhost" });
    assert.equal(ok.theirs, true);
    assert.equal(ok.ours.ok, true);
    const missing = await both(p("via_inter"), p("open"));
    assert.equal(missing.theirs, false);
    assert.equal(!missing.ours.ok && missing.ours.code, "NO_ISSUER");
    const wrongRoot = await both(p("good"), p("open"));
    assert.equal(wrongRoot.theirs, false);
    assert.equal(!wrongRoot.ours.ok && wrongRoot.ours.code, "NO_ISSUER");
  });

  it("rejects a leaf used as a CA and an exceeded pathLen", async () => {
    const notCa = await both(p("under_leaf"), p("open"), { untrusted: p("leaf_as_ca") });
    assert.equal(notCa.theirs, false);
    assert.equal(!notCa.ours.ok && notCa.ours.code, "NOT_A_CA");
    const pl = await both(p("via_pl0"), p("pl0"), { untrusted: p("inter_pl0") });
    assert.equal(pl.theirs, false);
    assert.equal(!pl.ours.ok && pl.ours.code, "PATH_LENGTH_EXCEEDED");
  });

  it("rejects a certificate whose signed body names another signature algorithm", async () => {
    // The body says ecdsa-with-SHA384, the outer field ecdsa-with-SHA256, and the root's key
    // really signed the body with SHA-256 (RFC 5280 4.1.1.2: both fields must be the same).
    const der = decodePem(await text(p("good")))[0].der;
    const cert = asn1js.fromBER(der.slice().buffer).result as asn1js.Sequence;
    const [tbs, algorithm] = cert.valueBlock.value;
    const hex = encodeHex(new Uint8Array(tbs.toBER(false)));
    const sha256 = "06082a8648ce3d040302";
    assert.ok(hex.includes(sha256));
    const body = decodeHex(hex.replace(sha256, "06082a8648ce3d040303"))!;
    await writeFile(join(dir, "mismatch.tbs"), body);
    const signature = await run("openssl", [
      "dgst",
      "-sha256",
      "-sign",
      join(dir, "root.key"),
      "-out",
      join(dir, "mismatch.sig"),
      join(dir, "mismatch.tbs"),
    ]);
    assert.equal(signature.code, 0, signature.stderr);
    const forged = new asn1js.Sequence({
      value: [
        asn1js.fromBER(body.slice().buffer).result,
        algorithm,
        new asn1js.BitString({ valueHex: await readFile(join(dir, "mismatch.sig")) }),
      ],
    });
    await writeFile(
      p("mismatch"),
      encodePem("CERTIFICATE", new Uint8Array(forged.toBER(false))),
    );
    const { ours, theirs } = await both(p("mismatch"), p("root"));
    assert.equal(theirs, false);
    assert.equal(!ours.ok && ours.code, "BAD_SIGNATURE");
    assert.match(!ours.ok ? ours.reason : "", /signature algorithm/);
  });

  it("rejects a tampered signature and a client-only leaf", async () => {
    const t = await both(p("tampered"), p("root"));
    assert.equal(t.theirs, false);
    assert.equal(!t.ours.ok && t.ours.code, "BAD_SIGNATURE");
    const c = await both(p("client"), p("root"));
    assert.equal(c.theirs, false);
    assert.equal(!c.ours.ok && c.ours.code, "PURPOSE");
    assert.match(
      !c.ours.ok ? c.ours.reason : "",
      /does not include serverAuth \(it has clientAuth\)/,
    );
    const asClient = await verifyChain({
      leaf: await text(p("client")),
      trusted: await text(p("root")),
      purpose: "client",
    });
    assert.equal(asClient.ok, true);
  });

  it("with -x509_strict, rejects what RFC 5280 forbids in a leaf", async () => {
    for (
      const name of [
        "leaf_empty_subject", // empty subject, subjectAltName not critical (4.2.1.6)
        "leaf_empty_no_san", // empty subject, no subjectAltName (4.1.2.6)
        "leaf_pathlen_non_ca", // pathLenConstraint without cA (4.2.1.9)
        "leaf_kcs_non_ca", // keyCertSign without cA (4.2.1.3)
      ]
    ) {
      const { ours, theirs } = await both(p(name), p("open"));
      assert.equal(theirs, false, `openssl ${name}`);
      assert.equal(!ours.ok && ours.code, "STRICT", `ours ${name}`);
      const lax = await verifyChain({
        leaf: await text(p(name)),
        trusted: await text(p("open")),
        strict: false,
      });
      assert.equal(lax.ok, true, `ours ${name} without strict`);
    }
  });

  it("rejects a critical authorityKeyIdentifier or subjectKeyIdentifier, as openssl does", async () => {
    for (const name of ["leaf_aki_critical", "leaf_ski_critical"]) {
      const { ours, theirs } = await both(p(name), p("open"));
      assert.equal(theirs, false, `openssl ${name}`);
      assert.equal(!ours.ok && ours.code, "UNSUPPORTED", `ours ${name}`);
      assert.match(!ours.ok ? ours.reason : "", /must not be critical/);
    }
  });

  it("rejects certificates with undecodable extensions (a broken nameConstraints is no licence)", async () => {
    for (
      const [leaf, ca] of [["under_bad_nc", "bad_nc_root"], ["bad_san", "open"], [
        "bad_ku",
        "open",
      ]]
    ) {
      const { ours, theirs } = await both(p(leaf), p(ca));
      assert.equal(theirs, false, `openssl ${leaf}`);
      assert.equal(!ours.ok && ours.code, "INVALID_EXTENSION", `ours ${leaf}`);
      const lax = await verifyChain({
        leaf: await text(p(leaf)),
        trusted: await text(p(ca)),
        strict: false,
      });
      assert.equal(!lax.ok && lax.code, "INVALID_EXTENSION", `ours ${leaf} without strict`);
    }
  });

  it("rejects an unknown critical extension", async () => {
    const r = await both(p("critical"), p("root"), { host: "localhost" });
    assert.equal(r.theirs, false);
    assert.equal(!r.ours.ok && r.ours.code, "UNSUPPORTED");
    assert.match(!r.ours.ok ? r.ours.reason : "", /1\.3\.6\.1\.4\.1\.55555\.1/);
  });

  it("verifies RSA, RSA-PSS and Ed25519 signatures", async () => {
    for (
      const [leaf, ca] of [["rsa_leaf", "rsa_root"], ["pss_leaf", "rsa_root"], [
        "ed_leaf",
        "ed_root",
      ]]
    ) {
      const { ours, theirs } = await both(p(leaf), p(ca), { host: "localhost" });
      assert.equal(theirs, true, `openssl ${leaf}`);
      assert.equal(ours.ok, true, `ours ${leaf}: ${!ours.ok && ours.reason}`);
    }
  });

  it("takes the chain from a full-chain leaf file and reports the path", async () => {
    const full = (await text(p("via_inter"))) + (await text(p("inter")));
    const r = await verifyChain({ leaf: full, trusted: await text(p("open")), host: "localhost" });
    assert.equal(r.ok, true);
    assert.deepEqual(r.ok && r.path.map((c) => c.subject), [
      "O=tlsmith test",
      "CN=inter, O=tlsmith test",
      "CN=open, O=tlsmith test",
    ]);
  });

  it("matches hosts on SANs only", async () => {
    const pem = await text(p("cn_only"));
    assert.equal(parseCertificates(pem).length, 1);
    assert.equal(hostMatches(pem, "example.com"), false);
    assert.equal(hostMatches(pem, "127.0.0.1"), true);
    assert.equal(hostMatches(pem, "[127.0.0.1]"), true);
    // An IP address is never matched against a dNSName, also with a trailing dot (which URL
    // parsers drop: https://127.0.0.1./ is the IP address).
    const ipAsDns = await text(p("ip_as_dns"));
    assert.equal(hostMatches(ipAsDns, "LocalHost."), true);
    assert.equal(hostMatches(ipAsDns, "127.0.0.1"), false);
    assert.equal(hostMatches(ipAsDns, "127.0.0.1."), false);
    assert.equal(new URL("https://127.0.0.1./").hostname, "127.0.0.1");
  });

  it("throws clear errors for input that is not a certificate", async () => {
    const trusted = await text(p("root"));
    const keyPem = await text(join(dir, "root.key"));
    await assert.rejects(verifyChain({ leaf: keyPem, trusted }), (err: unknown) => {
      assert.ok(err instanceof TlsmithError);
      assert.equal(err.code, "BAD_CERTIFICATE");
      assert.match(err.message, /PRIVATE KEY/);
      return true;
    });
    const good = await text(p("good"));
    const truncated = good.slice(0, good.length - 40);
    await assert.rejects(verifyChain({ leaf: truncated, trusted }), (err: unknown) => {
      assert.ok(err instanceof TlsmithError);
      assert.equal(err.code, "BAD_PEM");
      return true;
    });
    const der = decodePem(good)[0].der;
    await assert.rejects(
      verifyChain({ leaf: encodePem("CERTIFICATE", der.slice(0, der.length - 10)), trusted }),
      (err: unknown) => err instanceof TlsmithError && err.code === "BAD_CERTIFICATE",
    );
  });
});

describe("verifyChain on hostile chains", () => {
  it("gives up after a bounded number of signature checks among look-alike issuers", async () => {
    // Twelve self-signed certificates with one key and one name: each is a valid issuer of
    // every other, so trying every ordering would mean billions of signature checks.
    const keyPair = await generateKeyPair();
    const lookAlikes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { pem } = await createCertificate({
        keyPair,
        subject: { commonName: "look-alike CA" },
        isCa: true,
      });
      lookAlikes.push(pem);
    }
    const leaf = await createCertificate({
      publicKey: (await generateKeyPair()).publicKey,
      issuer: { certificate: lookAlikes[0], privateKey: keyPair.privateKey },
      hosts: ["localhost"],
    });
    const other = await createCertificate({
      keyPair: await generateKeyPair(),
      subject: { commonName: "the trusted CA" },
      isCa: true,
    });
    const result = await verifyChain({ leaf: leaf.pem, chain: lookAlikes, trusted: other.pem });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, "NO_ISSUER");
  });
});
