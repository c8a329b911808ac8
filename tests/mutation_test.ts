/**
 * No input makes a certificate or CSR reader throw anything but a TlsmithError, hang, or misread
 * silently (issue 8, issue 10). A seeded, bounded mutation test (tests/mutate.ts: bit flips,
 * truncation, length and tag tampering, insertions, splices, nesting bombs, PEM damage) over
 * tlsmith-made, openssl-made and hand-made certificates (odd names, every GeneralName type,
 * name constraints of every type), a chain and CSRs. Each call must end within a time budget;
 * a mutant that still parses must be described consistently (the same reading twice, names and
 * extensions that re-encode to what was read, describeCertificate agreeing with the model).
 *
 * The full run is on Deno (about 2,000 mutants); under Node a small sample runs (the same code,
 * the other runtime's WebCrypto), so the suite does not repeat it per Node version.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { int, oid, seq, utf8String } from "../src/_internal/der.ts";
import { OID } from "../src/_internal/oids.ts";
import { isTlsmithError } from "../src/errors.ts";
import { CertificateAuthority } from "../src/ca/authority.ts";
import { adhocCert } from "../src/ca/adhoc.ts";
import { createCsr, parseCsr, readCertificateRequest } from "../src/x509/csr.ts";
import { describeCertificate, fingerprint } from "../src/x509/describe.ts";
import { nameFromDer } from "../src/x509/dn.ts";
import {
  authorityKeyIdentifierCodec,
  basicConstraintsCodec,
  type ExtensionCodec,
  extKeyUsageCodec,
  keyUsageCodec,
  nameConstraintsCodec,
  subjectAltNameCodec,
  subjectKeyIdentifierCodec,
} from "../src/x509/extensions.ts";
import { encodeGeneralName, formatGeneralName, readGeneralName } from "../src/x509/general_name.ts";
import { type Certificate, readCertificate, readCertificates } from "../src/x509/model.ts";
import { generateKeyPair } from "../src/keys/keys.ts";
import { parseDer } from "../src/_internal/der.ts";
import { decodeOnePem, encodePem } from "../src/pem.ts";
import {
  atv,
  EVERY_OPENSSL_SAN,
  extension,
  forgeCertificate,
  name,
  opensslSelfSigned,
  raw,
} from "./forge.ts";
import { isDeno, openssl, tempDir } from "./helpers.ts";
import { mutants, pemMutants } from "./mutate.ts";

/** Mutants per input (Deno: the full run; Node: a sample). */
const PER_INPUT = isDeno ? 400 : 8;
/** PEM-damage mutants per input. */
const PEM_PER_INPUT = isDeno ? 40 : 2;
/** The most one call may take, in ms (generous: two shared cores). */
const CALL_BUDGET_MS = 2_000;

interface Input {
  what: string;
  kind: "certificate" | "csr";
  der: Uint8Array;
}

const inputs: Input[] = [];
let chainPem = "";

const CODECS = new Map<string, ExtensionCodec<unknown>>(
  [
    basicConstraintsCodec,
    keyUsageCodec,
    extKeyUsageCodec,
    subjectAltNameCodec,
    subjectKeyIdentifierCodec,
    authorityKeyIdentifierCodec,
    nameConstraintsCodec,
  ].map((c) => [c.oid, c as ExtensionCodec<unknown>]),
);

/** Run `f`; fail unless it returns or throws a TlsmithError, within the budget. */
async function only<T>(how: string, f: () => T | Promise<T>): Promise<T | undefined> {
  const started = performance.now();
  try {
    return await f();
  } catch (err) {
    assert.ok(
      isTlsmithError(err),
      `${how}: a raw ${(err as Error)?.constructor?.name} escaped: ${(err as Error)?.message}`,
    );
    assert.ok(!/\n\s+at /.test((err as Error).message), `${how}: a stack in the message`);
    return undefined;
  } finally {
    const ms = performance.now() - started;
    assert.ok(ms < CALL_BUDGET_MS, `${how}: took ${Math.round(ms)} ms`);
  }
}

/** A certificate that parsed must read the same way every time, and re-encode to what it read. */
async function consistent(cert: Certificate, how: string): Promise<void> {
  assert.deepEqual(readCertificate(cert.der), cert, `${how}: a second reading differs`);
  assert.ok(cert.notAfter >= cert.notBefore, `${how}: validity ends before it starts`);
  for (const n of [cert.subject, cert.issuer]) {
    assert.equal(nameFromDer(n.der).text, n.text, `${how}: a name reads differently`);
  }
  for (const ext of cert.extensions) {
    const codec = CODECS.get(ext.oid);
    if (!codec) continue;
    const value = codec.read(ext.value, ext.name);
    assert.deepEqual(codec.read(codec.write(value), ext.name), value, `${how}: ${ext.name} codec`);
  }
  for (const g of cert.subjectAltNames) {
    assert.deepEqual(readGeneralName(parseDer(encodeGeneralName(g), "n"), "n"), g, `${how}: SAN`);
  }
  const d = await describeCertificate(cert);
  assert.equal(d.subject, cert.subject.text);
  assert.equal(d.issuer, cert.issuer.text);
  assert.equal(d.serialNumber, cert.serialNumber);
  assert.deepEqual(d.subjectAltNames, cert.subjectAltNames.map(formatGeneralName));
  assert.equal(d.isCa, cert.basicConstraints?.ca === true);
  assert.equal(d.keyType, cert.publicKey.keyType);
  assert.equal(d.fingerprints.sha256, await fingerprint(cert.der));
}

describe("mutation: readers of certificates, chains and CSRs", { timeout: 300_000 }, () => {
  before(async () => {
    // tlsmith-made: adhoc leaves of three key types, a CA with name constraints, a leaf with
    // every SAN type tlsmith writes.
    for (const keyType of ["ec-p256", "rsa-2048", "ed25519"] as const) {
      const { cert } = await adhocCert({ keyType });
      inputs.push({
        what: `adhoc ${keyType}`,
        kind: "certificate",
        der: decodeOnePem(cert, "CERTIFICATE").der,
      });
    }
    const ca = await CertificateAuthority.create({ permit: ["corp.test", "100.64.0.0/10"] });
    const leaf = await ca.issue([
      "a.localhost",
      "*.b.localhost",
      "10.1.2.3",
      "::1",
      "me@a.localhost",
      "https://a.localhost/x",
    ], { client: true });
    inputs.push({
      what: "CA",
      kind: "certificate",
      der: decodeOnePem(ca.certPem, "CERTIFICATE").der,
    });
    inputs.push({
      what: "CA leaf",
      kind: "certificate",
      der: decodeOnePem(leaf.cert, "CERTIFICATE").der,
    });
    chainPem = leaf.chain;
    const csr = await createCsr(await generateKeyPair(), {
      hosts: ["csr.test", "10.9.9.9", "c@csr.test"],
    });
    inputs.push({ what: "tlsmith CSR", kind: "csr", der: csr.der });

    // openssl-made: odd names and every GeneralName type openssl writes; an RSA-PSS CA; a CSR.
    const dir = await tempDir();
    try {
      const odd = await opensslSelfSigned(dir.path, [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-utf8",
        "-multivalue-rdn",
        "-subj",
        "/C=DE/O=Müller\\, GmbH/CN=#odd+UID=u1/emailAddress=a@b.test",
        "-set_serial",
        "-0x1234",
        "-days",
        "9000",
      ], [
        ...EVERY_OPENSSL_SAN.slice(0, 1),
        "basicConstraints=critical,CA:TRUE,pathlen:1",
        "nameConstraints=critical,permitted;DNS:.test,permitted;IP:10.0.0.0/255.0.0.0,excluded;email:x.test,excluded;URI:.bad.test",
        ...EVERY_OPENSSL_SAN.slice(1),
      ]);
      inputs.push({
        what: "openssl odd names, every SAN type",
        kind: "certificate",
        der: decodeOnePem(odd, "CERTIFICATE").der,
      });
      const pss = await opensslSelfSigned(dir.path, [
        "-newkey",
        "rsa-pss",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-subj",
        "/CN=pss",
      ]);
      inputs.push({
        what: "openssl RSA-PSS",
        kind: "certificate",
        der: decodeOnePem(pss, "CERTIFICATE").der,
      });
      const ocsr = await openssl([
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(dir.path, "k3"),
        "-subj",
        "/O=acme/CN=api.test",
        "-addext",
        "subjectAltName=DNS:api.test,IP:10.1.2.3,email:a@api.test",
        "-addext",
        "basicConstraints=CA:TRUE",
      ]);
      inputs.push({
        what: "openssl CSR",
        kind: "csr",
        der: decodeOnePem(ocsr, "CERTIFICATE REQUEST").der,
      });
    } finally {
      await dir.cleanup();
    }

    // Hand-made: the GeneralName types no tool above writes, and an AKI with issuer and serial.
    const forged = await forgeCertificate({
      subject: name(atv("1.2.3.4", utf8String("x")), atv(OID.commonName, int(7))),
      extensions: [
        extension(
          OID.subjectAltName,
          seq(
            raw(0xa3, seq(raw(0x61, raw(0x13, "DE")))),
            raw(0xa5, raw(0xa1, utf8String("party"))),
            raw(0x88, oid("1.2.3.4").subarray(2)),
            raw(0x87, [1, 2, 3]),
          ),
        ),
        extension(
          OID.authorityKeyIdentifier,
          seq(raw(0x80, [1, 2]), raw(0xa1, raw(0x82, "ca.test")), raw(0x82, [5])),
        ),
        extension(OID.extKeyUsage, seq()),
        extension("1.3.6.1.4.1.99999.1", utf8String("unknown"), true),
      ],
    });
    inputs.push({ what: "hand-made odd extensions", kind: "certificate", der: forged.der });
    for (const i of inputs) {
      // Every starting point reads.
      if (i.kind === "certificate") await consistent(readCertificate(i.der), i.what);
      else readCertificateRequest(i.der);
    }
  });

  it("certificates: only TlsmithErrors, in time; what parses is described consistently", async () => {
    let parsed = 0;
    let total = 0;
    for (const [k, input] of inputs.entries()) {
      if (input.kind !== "certificate") continue;
      for (const m of mutants(input.der, 1000 + k, PER_INPUT)) {
        const how = `${input.what}: ${m.how}`;
        total++;
        const cert = await only(how, () => readCertificate(m.bytes, "mutant.pem"));
        await only(how, () => describeCertificate(m.bytes));
        if (cert) {
          parsed++;
          await consistent(cert, how);
        }
      }
      const pem = encodePem("CERTIFICATE", input.der);
      for (const m of pemMutants(pem, 2000 + k, PEM_PER_INPUT)) {
        await only(`${input.what}: ${m.how}`, () => readCertificates(m.text, "mutant.pem"));
      }
    }
    assert.ok(total > 0);
    // Some mutants (flipped bits in a signature or a string) still parse: they were checked.
    assert.ok(parsed > 0 || !isDeno, `${parsed} of ${total} mutants parsed`);
  });

  it("a chain: damaged bundles are refused whole, never half read", async () => {
    for (const m of pemMutants(chainPem, 3000, PEM_PER_INPUT * 4)) {
      const certs = await only(m.how, () => readCertificates(m.text, "chain.pem"));
      for (const c of certs ?? []) await consistent(c, m.how);
    }
  });

  it("CSRs: only TlsmithErrors, in time; what parses reads the same through parseCsr", async () => {
    for (const [k, input] of inputs.entries()) {
      if (input.kind !== "csr") continue;
      for (const m of mutants(input.der, 4000 + k, PER_INPUT)) {
        const how = `${input.what}: ${m.how}`;
        const request = await only(how, () => readCertificateRequest(m.bytes, "mutant.csr"));
        const info = await only(how, () => parseCsr(m.bytes, { source: "mutant.csr" }));
        assert.equal(request === undefined, info === undefined, `${how}: the readers disagree`);
        if (request && info) {
          assert.equal(info.subject, request.subject.text);
          assert.equal(nameFromDer(request.subject.der).text, request.subject.text);
          assert.deepEqual(info.subjectAltNames, request.subjectAltNames);
          assert.equal(info.keyType, request.publicKey.keyType);
        }
      }
      const pem = encodePem("CERTIFICATE REQUEST", input.der);
      for (const m of pemMutants(pem, 5000 + k, PEM_PER_INPUT)) {
        await only(`${input.what}: ${m.how}`, () => parseCsr(m.text, { source: "mutant.csr" }));
      }
    }
  });

  it("refuses huge and deeply nested inputs before decoding them", async () => {
    // A 5 MB "certificate" holding one huge OBJECT IDENTIFIER (issue 10).
    const huge = new Uint8Array(5 * 1024 * 1024 + 10);
    huge.set([0x30, 0x84, 0x00, 0x50, 0x00, 0x06, 0x06, 0x84, 0x00, 0x50, 0x00, 0x00]);
    huge.fill(0x81, 12);
    assert.equal(await only("5 MB OID", () => readCertificate(huge)), undefined);
    assert.equal(await only("5 MB OID", () => readCertificateRequest(huge)), undefined);
    assert.equal(await only("5 MB OID", () => describeCertificate(huge)), undefined);
    // 30,000 nested SEQUENCEs in 120 KB: refused at the nesting limit.
    const depth = 30_000;
    const bomb = new Uint8Array(depth * 4);
    for (let d = 0; d < depth; d++) {
      const len = (depth - d - 1) * 4;
      bomb.set([0x30, 0x82, len >> 8 & 0xff, len & 0xff], d * 4);
    }
    assert.equal(await only("nesting bomb", () => readCertificate(bomb)), undefined);
    // An OID of 1,000 bytes inside a SAN registeredID, and a 64 KB IA5 dNSName: bounded.
    const longOid = await forgeCertificate({
      extensions: [
        extension(OID.subjectAltName, seq(raw(0x88, new Uint8Array(1000).fill(0x81).fill(1, 999)))),
      ],
    });
    assert.equal(await only("long registeredID", () => readCertificate(longOid.der)), undefined);
  });
});
