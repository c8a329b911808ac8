/**
 * Real tools judge adhoc and issued certificates: openssl x509 / verify
 * (-x509_strict) / pkey, and GnuTLS certtool when installed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { adhocCert, DEFAULT_ADHOC_HOSTS } from "../src/ca/adhoc.ts";
import { createCertificate } from "../src/x509/certificate.ts";
import { describeCertificate } from "../src/x509/describe.ts";
import { certificateMatchesKey } from "../src/x509/match.ts";
import { exportPublicKeyPem, generateKeyPair, KEY_TYPES } from "../src/keys/keys.ts";
import { exportPrivateKeyPem, importPrivateKeyPem } from "../src/keys/formats.ts";
import { TlsmithError } from "../src/errors.ts";
import { have, openssl, run, tempDir, writeFiles } from "./helpers.ts";

let dir: { path: string; cleanup: () => Promise<void> };
let certtool = false;
before(async () => {
  dir = await tempDir();
  certtool = await have("certtool");
});
after(async () => {
  await dir.cleanup();
});

describe("adhocCert judged by openssl", () => {
  for (const keyType of KEY_TYPES) {
    it(`${keyType}: parses, verifies -x509_strict as sslserver, key matches`, async () => {
      const adhoc = await adhocCert({ keyType });
      const files = await writeFiles(dir.path, {
        [`${keyType}.crt`]: adhoc.cert,
        [`${keyType}.key`]: adhoc.key,
      });
      const crt = files[`${keyType}.crt`];
      const key = files[`${keyType}.key`];

      const text = await openssl(["x509", "-in", crt, "-text", "-noout"]);
      assert.match(text, /Version: 3 \(0x2\)/);
      assert.match(text, /Issuer: O = tlsmith adhoc, CN = localhost/);
      assert.match(text, /Subject: O = tlsmith adhoc, CN = localhost/);
      assert.match(
        text,
        /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1\n/,
      );
      assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
      assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature/);
      assert.match(text, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);

      // A self-signed leaf (CA:FALSE) as its own trust anchor, the strictest way openssl checks.
      const verify = await run("openssl", [
        "verify",
        "-x509_strict",
        "-purpose",
        "sslserver",
        "-verify_hostname",
        "localhost",
        "-verify_ip",
        "::1",
        "-CAfile",
        crt,
        crt,
      ]);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.equal(verify.stdout.trim(), `${crt}: OK`);
      const wrongHost = await run("openssl", [
        "verify",
        "-verify_hostname",
        "example.com",
        "-CAfile",
        crt,
        crt,
      ]);
      assert.notEqual(wrongHost.code, 0, "a host not in the SAN must fail");

      // The key: openssl's public key from our private key = the certificate's = ours.
      const fromKey = await openssl(["pkey", "-in", key, "-pubout"]);
      const fromCert = await openssl(["x509", "-in", crt, "-noout", "-pubkey"]);
      assert.equal(fromKey, fromCert);
      const pair = await importPrivateKeyPem(adhoc.key);
      assert.equal(pair.type, keyType);
      assert.equal(await exportPublicKeyPem(pair.publicKey), fromKey);
      assert.equal(await certificateMatchesKey(adhoc.cert, adhoc.key), true);

      // The fingerprint is openssl's.
      const fp = await openssl(["x509", "-in", crt, "-noout", "-fingerprint", "-sha256"]);
      assert.equal(fp.trim(), `sha256 Fingerprint=${adhoc.fingerprint}`);

      if (certtool) {
        const info = await run("certtool", ["-i", "--infile", crt]);
        assert.equal(info.code, 0, info.stderr);
        assert.match(info.stdout, /Version: 3/);
        assert.match(info.stdout, /DNSname: localhost/);
        assert.match(info.stdout, /IPAddress: 127\.0\.0\.1/);
        assert.match(info.stdout, /IPAddress: ::1/);
        // Not `certtool --verify` with the leaf as its own CA: certtool refuses any CA:FALSE
        // trust anchor (an `openssl req -x509` leaf with CA:FALSE too), while GnuTLS clients
        // (gnutls-cli, wget) do trust a pinned self-signed leaf. Issued chains are verified below.
      }
    });
  }
});

describe("adhocCert options", () => {
  it("covers the default hosts, from 5 minutes ago for 30 days", async () => {
    const start = Date.now();
    const info = await describeCertificate((await adhocCert()).cert);
    assert.deepEqual(info.dnsNames, ["localhost"]);
    assert.deepEqual(info.ipAddresses, ["127.0.0.1", "::1"]);
    assert.deepEqual([...DEFAULT_ADHOC_HOSTS], ["localhost", "127.0.0.1", "::1"]);
    assert.equal(info.subject, "CN=localhost, O=tlsmith adhoc");
    assert.equal(info.keyType, "ec-p256");
    assert.equal(info.isCa, false);
    assert.equal(info.selfSigned, true);
    const ageMs = start - info.notBefore.getTime();
    assert.ok(
      ageMs >= 5 * 60_000 - 2000 && ageMs <= 5 * 60_000 + 60_000,
      `notBefore ${ageMs}ms ago`,
    );
    const days = (info.notAfter.getTime() - start) / 86_400_000;
    assert.ok(days > 29.99 && days < 30.01, `${days} days`);
  });

  it("takes hosts, days, organization and a key type; never shares keys", async () => {
    const a = await adhocCert({
      hosts: ["App.Test", "*.app.test", "192.168.1.5", "[fe80::1]"],
      days: 2,
      organization: "My Dev Org",
      keyType: "rsa",
    });
    const info = await describeCertificate(a.cert);
    assert.equal(info.subject, "CN=app.test, O=My Dev Org");
    assert.deepEqual(info.subjectAltNames, [
      "DNS:app.test",
      "DNS:*.app.test",
      "IP Address:192.168.1.5",
      "IP Address:fe80::1",
    ]);
    assert.equal(info.keyType, "rsa-2048");
    const days = (info.notAfter.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 1.9 && days < 2.01);
    const b = await adhocCert();
    const c = await adhocCert();
    assert.notEqual(b.key, c.key);
    assert.notEqual(b.fingerprint, c.fingerprint);
    assert.equal(await certificateMatchesKey(b.cert, c.key), false);
  });

  it("uses an IP as the CN when it is the first host", async () => {
    const info = await describeCertificate((await adhocCert({ hosts: ["127.0.0.1"] })).cert);
    assert.equal(info.subject, "CN=127.0.0.1, O=tlsmith adhoc");
  });

  it("rejects bad options", async () => {
    const cases: [Parameters<typeof adhocCert>[0], string, string][] = [
      [{ hosts: [] }, "BAD_OPTION", "hosts is empty"],
      [{ hosts: ["no spaces allowed"] }, "BAD_NAME", "no spaces allowed"],
      [{ hosts: ["*.test"] }, "BAD_NAME", "*.test"],
      [{ days: 0 }, "BAD_OPTION", "days"],
      [{ days: -1 }, "BAD_OPTION", "days"],
      [{ days: Number.NaN }, "BAD_OPTION", "days"],
      [{ keyType: "dsa" }, "BAD_OPTION", "ec-p256"],
    ];
    for (const [options, code, fragment] of cases) {
      await assert.rejects(adhocCert(options), (err: unknown) => {
        assert.ok(err instanceof TlsmithError);
        assert.equal(err.code, code, err.message);
        assert.ok(err.message.includes(fragment), err.message);
        return true;
      });
    }
  });
});

describe("issued certificates judged by openssl and certtool", () => {
  for (const [caType, leafType] of [["ec-p384", "ed25519"], ["rsa-3072", "ec-p256"]] as const) {
    it(`${caType} CA → ${leafType} leaf verifies -x509_strict for server and client`, async () => {
      const caKeys = await generateKeyPair(caType);
      const ca = await createCertificate({
        keyPair: caKeys,
        subject: { commonName: `tlsmith test CA ${caType}`, organization: "tlsmith" },
        isCa: true,
        pathLength: 0,
        notAfter: new Date(Date.now() + 365 * 86_400_000),
      });
      const leafKeys = await generateKeyPair(leafType);
      const leaf = await createCertificate({
        publicKey: leafKeys.publicKey,
        issuer: { certificate: ca.pem, privateKey: caKeys.privateKey },
        hosts: ["svc.test", "::1", "dev@svc.test", "spiffe://svc.test/a"],
        clientAuth: true,
      });
      const files = await writeFiles(dir.path, {
        [`ca-${caType}.crt`]: ca.pem,
        [`leaf-${leafType}.crt`]: leaf.pem,
        [`leaf-${leafType}.key`]: await exportPrivateKeyPem(leafKeys.privateKey),
      });
      const caFile = files[`ca-${caType}.crt`];
      const leafFile = files[`leaf-${leafType}.crt`];
      for (const purpose of ["sslserver", "sslclient"]) {
        const r = await run("openssl", [
          "verify",
          "-x509_strict",
          "-purpose",
          purpose,
          "-verify_hostname",
          "svc.test",
          "-CAfile",
          caFile,
          leafFile,
        ]);
        assert.equal(r.code, 0, `${purpose}: ${r.stdout}${r.stderr}`);
      }
      // The CA itself is a valid strict trust anchor too.
      const self = await run("openssl", ["verify", "-x509_strict", "-CAfile", caFile, caFile]);
      assert.equal(self.code, 0, self.stdout + self.stderr);
      // A leaf does not verify against a different CA.
      const otherKeys = await generateKeyPair("ec-p256");
      const other = await createCertificate({
        keyPair: otherKeys,
        subject: { commonName: `tlsmith test CA ${caType}`, organization: "tlsmith" },
        isCa: true,
      });
      const otherFile = join(dir.path, `other-${caType}.crt`);
      await writeFiles(dir.path, { [`other-${caType}.crt`]: other.pem });
      const wrong = await run("openssl", ["verify", "-CAfile", otherFile, leafFile]);
      assert.notEqual(wrong.code, 0);

      const text = await openssl(["x509", "-in", leafFile, "-noout", "-text"]);
      assert.match(
        text,
        /DNS:svc\.test, IP Address:0:0:0:0:0:0:0:1, email:dev@svc\.test, URI:spiffe:\/\/svc\.test\/a/,
      );
      assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);

      if (certtool) {
        const r = await run("certtool", [
          "--verify",
          "--load-ca-certificate",
          caFile,
          "--infile",
          leafFile,
          "--verify-hostname",
          "svc.test",
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const info = await run("certtool", ["-i", "--infile", caFile]);
        assert.equal(info.code, 0, info.stderr);
        assert.match(info.stdout, /Certificate Authority \(CA\): TRUE/);
        assert.match(info.stdout, /Path Length Constraint: 0/);
      }
    });
  }
});
