import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { openssl, rejectsWith, tempDir, writeFiles } from "./helpers.ts";
import { createCsr, parseCsr } from "../src/x509/csr.ts";
import { generateKeyPair, type KeyType } from "../src/keys/keys.ts";
import { decodeOnePem, encodePem } from "../src/pem.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};

describe("CSRs", { timeout: 120_000 }, () => {
  before(async () => {
    ({ path: dir, cleanup } = await tempDir());
  });
  after(() => cleanup());

  for (const type of ["ec-p256", "ec-p384", "rsa-2048", "ed25519"] as KeyType[]) {
    it(`creates a ${type} CSR that openssl verifies, with the SAN request`, async () => {
      const pair = await generateKeyPair(type);
      const { pem, der } = await createCsr(pair, {
        hosts: ["localhost", "127.0.0.1", "::1", "*.app.localhost", "me@localhost"],
      });
      assert.ok(der.length > 100);
      const files = await writeFiles(dir, { [`${type}.csr`]: pem });
      const out = await openssl(["req", "-in", files[`${type}.csr`], "-noout", "-verify", "-text"]);
      assert.match(out, /Subject: CN\s*=\s*localhost/);
      assert.match(
        out,
        /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, DNS:\*\.app\.localhost, email:me@localhost/,
      );
      const info = await parseCsr(pem, { source: `${type}.csr` });
      assert.equal(info.signatureValid, true);
      assert.equal(info.keyType, type);
      assert.equal(info.commonName, "localhost");
      assert.deepEqual(info.dnsNames, ["localhost", "*.app.localhost"]);
      assert.deepEqual(info.ipAddresses, ["127.0.0.1", "::1"]);
      assert.deepEqual(info.requestedExtensions, ["2.5.29.17"]);
    });
  }

  it("writes one RDN per subject attribute", async () => {
    const { pem } = await createCsr(await generateKeyPair(), {
      subject: { O: "tlsmith", OU: "dev", CN: "app.test" },
      hosts: ["app.test"],
    });
    const files = await writeFiles(dir, { "subject.csr": pem });
    const out = await openssl([
      "req",
      "-in",
      files["subject.csr"],
      "-noout",
      "-subject",
      "-nameopt",
      "RFC2253",
    ]);
    assert.equal(out.trim(), "subject=CN=app.test,OU=dev,O=tlsmith");
    assert.equal((await parseCsr(pem)).subject, "CN=app.test, OU=dev, O=tlsmith");
  });

  for (const alg of ["ec", "rsa"]) {
    it(`parses an ${alg} CSR from openssl req -new`, async () => {
      const key = join(dir, `o-${alg}.key`);
      const csr = join(dir, `o-${alg}.csr`);
      await openssl([
        "req",
        "-new",
        "-newkey",
        alg === "ec" ? "ec" : "rsa:2048",
        ...(alg === "ec" ? ["-pkeyopt", "ec_paramgen_curve:P-384"] : []),
        "-nodes",
        "-keyout",
        key,
        "-subj",
        "/O=acme/CN=api.localhost",
        "-out",
        csr,
        "-addext",
        "subjectAltName=DNS:api.localhost,IP:10.1.2.3",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
      ]);
      const info = await parseCsr(await readFile(csr, "utf8"), { source: csr });
      assert.equal(info.signatureValid, true);
      assert.equal(info.keyType, alg === "ec" ? "ec-p384" : "rsa-2048");
      assert.equal(info.subject, "CN=api.localhost, O=acme");
      assert.deepEqual(info.dnsNames, ["api.localhost"]);
      assert.deepEqual(info.ipAddresses, ["10.1.2.3"]);
      assert.ok(
        info.requestedExtensions.includes("2.5.29.19"),
        "sees the requested basicConstraints",
      );
      // DER input works too.
      const der = decodeOnePem(await readFile(csr, "utf8"), "CERTIFICATE REQUEST").der;
      assert.equal((await parseCsr(der)).signatureValid, true);
    });
  }

  it("reports a tampered CSR as signatureValid: false", async () => {
    const { der } = await createCsr(await generateKeyPair(), { hosts: ["localhost"] });
    const tampered = der.slice();
    // Change a byte inside the SAN ("localhost" -> "localhosu").
    const idx = tampered.lastIndexOf("t".charCodeAt(0));
    tampered[idx] = "u".charCodeAt(0);
    const info = await parseCsr(encodePem("CERTIFICATE REQUEST", tampered));
    assert.equal(info.signatureValid, false);
    assert.deepEqual(info.dnsNames.length, 1);
  });

  it("refuses a CSR whose subjectAltName request does not decode (never falls back to the CN)", async () => {
    const key = join(dir, "bad-san.key");
    const out = join(dir, "bad-san.csr");
    await openssl([
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-out",
      key,
    ]);
    await openssl([
      "req",
      "-new",
      "-key",
      key,
      "-subj",
      "/CN=x.localhost",
      "-addext",
      "subjectAltName=DER:0101ff",
      "-out",
      out,
    ]);
    await rejectsWith(
      parseCsr(await readFile(out, "utf8"), { source: "bad-san.csr" }),
      "BAD_CSR",
      "bad-san.csr",
      "subjectAltName",
    );
  });

  it("rejects input that is not a CSR with a clear error", async () => {
    const { pem } = await createCsr(await generateKeyPair(), { hosts: ["localhost"] });
    await rejectsWith(
      parseCsr(encodePem("CERTIFICATE", new Uint8Array([0x30, 0])), { source: "x.pem" }),
      "BAD_CSR",
      /x\.pem.*CERTIFICATE REQUEST/,
    );
    await rejectsWith(
      parseCsr(pem.slice(0, pem.length - 30), { source: "cut.csr" }),
      "BAD_PEM",
      /cut\.csr/,
    );
    const der = decodeOnePem(pem, "CERTIFICATE REQUEST").der;
    await rejectsWith(
      parseCsr(der.slice(0, der.length - 5), { source: "short.der" }),
      "BAD_CSR",
      /short\.der/,
    );
    await rejectsWith(parseCsr(new Uint8Array([0x30, 0x03, 2, 1, 0])), "BAD_CSR");
    await rejectsWith(createCsr(await generateKeyPair(), {}), "BAD_OPTION");
    await rejectsWith(createCsr(await generateKeyPair(), { hosts: ["not a host!"] }), "BAD_NAME");
  });
});
