import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as asn1js from "npm:asn1js@^4.0.0";
import * as pkijs from "npm:pkijs@^4.0.0";
import {
  buildName,
  createCertificate,
  type CreateCertificateOptions,
  OID,
  randomSerialNumber,
} from "../src/x509/certificate.ts";
import { generateKeyPair, type KeyPair, type KeyType } from "../src/keys/keys.ts";
import { describeCertificate, fingerprint } from "../src/x509/describe.ts";
import { readCertificate, toCertificate } from "../src/x509/model.ts";
import type { TlsmithErrorCode } from "../src/errors.ts";
import { decodePem, encodePem } from "../src/pem.ts";
import {
  openssl,
  opensslCert,
  opensslEcKey,
  rejectsWith,
  tempDir,
  withTempDir,
  writeFiles,
} from "./helpers.ts";

const keyCache = new Map<KeyType, KeyPair>();
async function keys(type: KeyType = "ec-p256"): Promise<KeyPair> {
  if (!keyCache.has(type)) keyCache.set(type, await generateKeyPair(type));
  return keyCache.get(type)!;
}

/** Parse DER afresh, as a relying party would (pkijs: a second, independent reader). */
function reparse(der: Uint8Array<ArrayBuffer>): pkijs.Certificate {
  return pkijs.Certificate.fromBER(der);
}

/**
 * Does `cert` verify with `issuer`'s key (itself when omitted)? Judged without tlsmith's code:
 * pkijs' own engine for ECDSA and RSA, WebCrypto directly for Ed25519 (pkijs has none).
 */
async function judgeSignature(
  cert: pkijs.Certificate,
  issuer?: pkijs.Certificate,
): Promise<boolean> {
  const signer = issuer ?? cert;
  if (cert.signatureAlgorithm.algorithmId !== "1.3.101.112") {
    // pkijs throws (RangeError) for a signature that does not fit the key: a failed check.
    return await cert.verify(signer).catch(() => false);
  }
  if (signer.subjectPublicKeyInfo.algorithm.algorithmId !== "1.3.101.112") return false;
  const key = await crypto.subtle.importKey(
    "spki",
    signer.subjectPublicKeyInfo.toSchema().toBER(false),
    "Ed25519",
    false,
    ["verify"],
  );
  return await crypto.subtle.verify(
    "Ed25519",
    key,
    cert.signatureValue.valueBlock.valueHexView.slice(),
    cert.tbsView.slice(),
  );
}

function ext(cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return cert.extensions?.find((e) => e.extnID === oid);
}

function extValue(cert: pkijs.Certificate, oid: string): asn1js.AsnType {
  const e = ext(cert, oid);
  assert.ok(e, `extension ${oid} present`);
  const parsed = asn1js.fromBER(e.extnValue.valueBlock.valueHexView);
  assert.notEqual(parsed.offset, -1);
  return parsed.result;
}

function keyUsageOf(cert: pkijs.Certificate): { bytes: number[]; unused: number } {
  const bits = extValue(cert, OID.keyUsage) as asn1js.BitString;
  assert.ok(bits instanceof asn1js.BitString);
  return { bytes: Array.from(bits.valueBlock.valueHexView), unused: bits.valueBlock.unusedBits };
}

/** Tag numbers of the TBS validity (23 UTCTime, 24 GeneralizedTime) and their raw text. */
function validityTimes(der: Uint8Array): { tag: number; text: string }[] {
  const cert = asn1js.fromBER(der).result as asn1js.Sequence;
  const tbs = cert.valueBlock.value[0] as asn1js.Sequence;
  const validity = tbs.valueBlock.value[4] as asn1js.Sequence;
  return validity.valueBlock.value.map((t) => {
    const raw = new Uint8Array(t.valueBeforeDecodeView);
    return { tag: raw[0], text: new TextDecoder().decode(raw.subarray(2)) };
  });
}

describe("createCertificate: a self-signed leaf", () => {
  it("has version 3, a positive random serial and whole-second validity", async () => {
    const before = Date.now();
    const { certificate, der, pem } = await createCertificate({
      keyPair: await keys(),
      hosts: ["localhost", "127.0.0.1", "::1"],
    });
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n/);
    const cert = reparse(der);
    assert.equal(cert.version, 2);
    assert.deepEqual(certificate.der, der, "the returned model is of the same DER");
    const serial = cert.serialNumber.valueBlock.valueHexView;
    assert.ok(serial.length >= 1 && serial.length <= 17, `serial of ${serial.length} bytes`);
    assert.ok(serial[0] < 0x80, "serial is positive");
    if (serial.length === 17) assert.equal(serial[0], 0, "a 0x00 prefix only when needed");
    assert.ok(cert.serialNumber.toBigInt() > 0n);
    const nb = cert.notBefore.value.getTime();
    const na = cert.notAfter.value.getTime();
    assert.equal(nb % 1000, 0);
    assert.equal(na % 1000, 0);
    assert.ok(nb <= before - 5 * 60_000 + 1000 && nb >= before - 5 * 60_000 - 60_000);
    const days = (na - before) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30.01, `valid for ${days} days`);
    for (const t of validityTimes(der)) {
      assert.equal(t.tag, 0x17, "UTCTime before 2050");
      assert.match(t.text, /^\d{12}Z$/);
    }
  });

  it("writes exactly the RFC 5280 extensions, in order, with the right criticality", async () => {
    const { der } = await createCertificate({
      keyPair: await keys(),
      subject: { organization: "Acme" },
      hosts: ["app.test", "10.0.0.1"],
    });
    const cert = reparse(der);
    assert.deepEqual(
      cert.extensions!.map((e) => [e.extnID, e.critical]),
      [
        [OID.basicConstraints, true],
        [OID.keyUsage, true],
        [OID.extKeyUsage, false],
        [OID.subjectAltName, false],
        [OID.subjectKeyIdentifier, false],
        [OID.authorityKeyIdentifier, false],
      ],
    );
    // basicConstraints: an empty SEQUENCE (cA FALSE is the DER default and must be absent).
    const bc = extValue(cert, OID.basicConstraints) as asn1js.Sequence;
    assert.equal(bc.valueBlock.value.length, 0);
    // keyUsage: digitalSignature only → 0x80 with 7 unused bits.
    assert.deepEqual(keyUsageOf(cert), { bytes: [0x80], unused: 7 });
    const eku = new pkijs.ExtKeyUsage({ schema: extValue(cert, OID.extKeyUsage) });
    assert.deepEqual(eku.keyPurposes, [OID.serverAuth]);
    const alt = new pkijs.AltName({ schema: extValue(cert, OID.subjectAltName) });
    assert.deepEqual(alt.altNames.map((g) => g.type), [2, 7]);
    assert.equal(alt.altNames[0].value, "app.test");
    assert.deepEqual(
      Array.from((alt.altNames[1].value as asn1js.OctetString).valueBlock.valueHexView),
      [10, 0, 0, 1],
    );
    // SKI = SHA-1 of the subjectPublicKey BIT STRING contents; AKI = SKI when self-signed.
    const ski = extValue(cert, OID.subjectKeyIdentifier) as asn1js.OctetString;
    const want = new Uint8Array(
      await crypto.subtle.digest(
        "SHA-1",
        cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView.slice(),
      ),
    );
    assert.deepEqual(new Uint8Array(ski.valueBlock.valueHexView), want);
    const aki = new pkijs.AuthorityKeyIdentifier({
      schema: extValue(cert, OID.authorityKeyIdentifier),
    });
    assert.deepEqual(new Uint8Array(aki.keyIdentifier!.valueBlock.valueHexView), want);
    assert.equal(aki.authorityCertIssuer, undefined);
    assert.equal(aki.authorityCertSerialNumber, undefined);
    // Subject: the given O plus the first DNS name as CN; issuer = subject.
    assert.equal(readCertificate(der).subject.text, "CN=app.test, O=Acme");
    assert.ok(cert.issuer.isEqual(cert.subject));
    assert.equal(await judgeSignature(cert), true);
  });

  it("adds keyEncipherment for RSA leaves and clientAuth on request", async () => {
    const { der } = await createCertificate({
      keyPair: await keys("rsa-2048"),
      hosts: ["rsa.test"],
      clientAuth: true,
    });
    const cert = reparse(der);
    assert.deepEqual(keyUsageOf(cert), { bytes: [0xa0], unused: 5 });
    const eku = new pkijs.ExtKeyUsage({ schema: extValue(cert, OID.extKeyUsage) });
    assert.deepEqual(eku.keyPurposes, [OID.serverAuth, OID.clientAuth]);
    const clientOnly = reparse(
      (await createCertificate({
        keyPair: await keys(),
        subject: { commonName: "client" },
        serverAuth: false,
        clientAuth: true,
      })).der,
    );
    const ekuClient = new pkijs.ExtKeyUsage({ schema: extValue(clientOnly, OID.extKeyUsage) });
    assert.deepEqual(ekuClient.keyPurposes, [OID.clientAuth]);
    assert.equal(ext(clientOnly, OID.subjectAltName), undefined);
  });

  it("makes subjectAltName critical when the subject is empty", async () => {
    const { der } = await createCertificate({
      keyPair: await keys(),
      subject: { commonName: "" },
      hosts: ["127.0.0.1"],
    });
    const cert = reparse(der);
    assert.equal(cert.subject.typesAndValues.length, 0);
    assert.equal(ext(cert, OID.subjectAltName)!.critical, true);
    // An IP-only leaf without a subject gets no CN (only DNS names become the CN).
    const ipOnly = reparse(
      (await createCertificate({ keyPair: await keys(), hosts: ["::1"] })).der,
    );
    assert.equal(ipOnly.subject.typesAndValues.length, 0);
    assert.equal(ext(ipOnly, OID.subjectAltName)!.critical, true);
  });

  const sigAlgs: [KeyType, string, boolean][] = [
    ["ec-p256", "1.2.840.10045.4.3.2", false],
    ["ec-p384", "1.2.840.10045.4.3.3", false],
    ["rsa-2048", "1.2.840.113549.1.1.11", true],
    ["ed25519", "1.3.101.112", false],
  ];
  for (const [type, oid, nullParams] of sigAlgs) {
    it(`signs with ${oid} for ${type} keys`, async () => {
      const { der } = await createCertificate({ keyPair: await keys(type), hosts: ["s.test"] });
      const cert = reparse(der);
      assert.equal(cert.signatureAlgorithm.algorithmId, oid);
      assert.equal(cert.signature.algorithmId, oid);
      const params = cert.signatureAlgorithm.algorithmParams;
      if (nullParams) assert.ok(params instanceof asn1js.Null);
      else assert.equal(params, undefined, "ECDSA and Ed25519 signatures have no parameters");
      assert.equal(await judgeSignature(cert), true);
    });
  }

  it("puts one attribute in each RDN, PrintableString where possible, UTF8String otherwise", async () => {
    const { der } = await createCertificate({
      keyPair: await keys(),
      subject: {
        commonName: "*.wild.test",
        organization: "Müller GmbH",
        organizationalUnit: "Dev",
        country: "de",
        state: "Bayern",
        locality: "München",
      },
    });
    const cert = reparse(der);
    const name = asn1js.fromBER(cert.subject.valueBeforeDecode).result as asn1js.Sequence;
    const rdns = name.valueBlock.value as asn1js.Set[];
    assert.equal(rdns.length, 6);
    const got = rdns.map((rdn) => {
      assert.equal(rdn.valueBlock.value.length, 1, "one attribute per RDN");
      const atv = new pkijs.AttributeTypeAndValue({ schema: rdn.valueBlock.value[0] });
      return [
        atv.type,
        atv.value.constructor.name,
        (atv.value as asn1js.Utf8String).valueBlock.value,
      ];
    });
    assert.deepEqual(got, [
      [OID.country, "PrintableString", "DE"],
      [OID.state, "PrintableString", "Bayern"],
      [OID.locality, "Utf8String", "München"],
      [OID.organization, "Utf8String", "Müller GmbH"],
      [OID.organizationalUnit, "PrintableString", "Dev"],
      [OID.commonName, "Utf8String", "*.wild.test"],
    ]);
    assert.equal(
      readCertificate(der).subject.text,
      "CN=*.wild.test, OU=Dev, O=Müller GmbH, L=München, ST=Bayern, C=DE",
    );
  });

  it("cuts milliseconds and uses GeneralizedTime from 2050", async () => {
    const { der } = await createCertificate({
      keyPair: await keys(),
      hosts: ["t.test"],
      notBefore: new Date("2049-12-31T23:59:59.999Z"),
      notAfter: new Date("2050-01-01T00:00:00.500Z"),
    });
    const [nb, na] = validityTimes(der);
    assert.deepEqual(nb, { tag: 0x17, text: "491231235959Z" });
    assert.deepEqual(na, { tag: 0x18, text: "20500101000000Z" });
    const cert = reparse(der);
    assert.equal(cert.notBefore.value.toISOString(), "2049-12-31T23:59:59.000Z");
    assert.equal(cert.notAfter.value.toISOString(), "2050-01-01T00:00:00.000Z");
    const old = await createCertificate({
      keyPair: await keys(),
      hosts: ["t.test"],
      notBefore: new Date("1949-06-01T00:00:00Z"),
      notAfter: new Date("1950-06-01T00:00:00Z"),
    });
    assert.deepEqual(validityTimes(old.der).map((t) => t.tag), [0x18, 0x17]);
  });

  it("uses a fresh positive serial each time, or the one given", async () => {
    const serials = new Set<bigint>();
    for (let i = 0; i < 200; i++) {
      const s = randomSerialNumber();
      assert.ok(s > 0n && s < 1n << 128n);
      serials.add(s);
    }
    assert.equal(serials.size, 200);
    const { der } = await createCertificate({
      keyPair: await keys(),
      hosts: ["n.test"],
      serialNumber: 0x80n,
    });
    assert.deepEqual(Array.from(reparse(der).serialNumber.valueBlock.valueHexView), [0x00, 0x80]);
  });

  it("derives the public key from signingKey alone", async () => {
    const k = await keys("ec-p384");
    const { der } = await createCertificate({ signingKey: k.privateKey, hosts: ["d.test"] });
    const info = await describeCertificate(der);
    assert.equal(info.keyType, "ec-p384");
    assert.equal(info.selfSigned, true);
  });
});

describe("createCertificate: CAs and issued certificates", () => {
  it("makes a CA with keyCertSign, cRLSign, a path length and no extKeyUsage", async () => {
    const { der } = await createCertificate({
      keyPair: await keys("ec-p384"),
      subject: { commonName: "Test CA", organization: "tlsmith" },
      isCa: true,
      pathLength: 0,
    });
    const cert = reparse(der);
    const bc = new pkijs.BasicConstraints({ schema: extValue(cert, OID.basicConstraints) });
    assert.equal(bc.cA, true);
    assert.equal(Number(bc.pathLenConstraint), 0);
    assert.equal(ext(cert, OID.basicConstraints)!.critical, true);
    assert.deepEqual(keyUsageOf(cert), { bytes: [0x86], unused: 1 });
    assert.equal(ext(cert, OID.extKeyUsage), undefined);
    const info = await describeCertificate(der);
    assert.equal(info.isCa, true);
    assert.equal(info.pathLength, 0);
    assert.deepEqual(info.keyUsage, ["digitalSignature", "keyCertSign", "cRLSign"]);
    assert.deepEqual(info.extendedKeyUsage, []);
    const noLimit = reparse(
      (await createCertificate({
        keyPair: await keys(),
        subject: { commonName: "CA" },
        isCa: true,
      })).der,
    );
    const bc2 = new pkijs.BasicConstraints({ schema: extValue(noLimit, OID.basicConstraints) });
    assert.equal(bc2.pathLenConstraint, undefined);
  });

  for (const [caType, leafType] of [["ec-p384", "ec-p256"], ["ed25519", "rsa-2048"]] as const) {
    it(`a ${caType} CA signs a ${leafType} leaf: names, AKI and signature chain up`, async () => {
      const caKeys = await keys(caType);
      const ca = await createCertificate({
        keyPair: caKeys,
        subject: { commonName: "Chain CA" },
        isCa: true,
      });
      const leafKeys = await keys(leafType);
      const leaf = await createCertificate({
        publicKey: leafKeys.publicKey,
        issuer: { certificate: ca.pem, privateKey: caKeys.privateKey },
        hosts: ["leaf.test"],
      });
      const caCert = reparse(ca.der);
      const cert = reparse(leaf.der);
      assert.deepEqual(
        new Uint8Array(cert.issuer.valueBeforeDecode),
        new Uint8Array(caCert.subject.valueBeforeDecode),
        "issuer name bytes equal the CA's subject bytes",
      );
      const caSki = extValue(caCert, OID.subjectKeyIdentifier) as asn1js.OctetString;
      const aki = new pkijs.AuthorityKeyIdentifier({
        schema: extValue(cert, OID.authorityKeyIdentifier),
      });
      assert.deepEqual(
        new Uint8Array(aki.keyIdentifier!.valueBlock.valueHexView),
        new Uint8Array(caSki.valueBlock.valueHexView),
      );
      assert.equal(await judgeSignature(cert, caCert), true);
      assert.equal(await judgeSignature(cert, reparse(leaf.der)), false);
      const wantSig = caType === "ed25519" ? "1.3.101.112" : "1.2.840.10045.4.3.3";
      assert.equal(cert.signatureAlgorithm.algorithmId, wantSig);
      const info = await describeCertificate(leaf.pem);
      assert.equal(info.issuer, "CN=Chain CA");
      assert.equal(info.selfSigned, false);
      assert.equal(info.keyType, leafType);
    });
  }

  it("accepts the issuer as a parsed certificate and DER, with extra extensions", async () => {
    const caKeys = await keys();
    const ca = await createCertificate({
      keyPair: caKeys,
      subject: { commonName: "X CA" },
      isCa: true,
    });
    const extra = {
      oid: "1.3.6.1.4.1.99999.1",
      critical: false,
      value: new Uint8Array(new asn1js.Utf8String({ value: "hello" }).toBER(false)),
    };
    for (const certificate of [ca.certificate, ca.der]) {
      const leaf = await createCertificate({
        keyPair: await keys("ed25519"),
        issuer: { certificate, privateKey: caKeys.privateKey },
        hosts: ["x.test"],
        extensions: [extra],
      });
      const cert = reparse(leaf.der);
      assert.equal(cert.extensions!.at(-1)!.extnID, "1.3.6.1.4.1.99999.1");
      assert.equal(await judgeSignature(cert, reparse(ca.der)), true);
    }
  });
});

describe("createCertificate: bad options", () => {
  it("rejects each mistake with a clear code", async () => {
    const k = await keys();
    const leaf = await createCertificate({ keyPair: k, hosts: ["leaf.test"] });
    const ca = await createCertificate({ keyPair: k, subject: { commonName: "CA" }, isCa: true });
    const other = await keys("ed25519");
    const cases: [CreateCertificateOptions, TlsmithErrorCode, string][] = [
      [{ hosts: ["a.test"] }, "BAD_OPTION", "keyPair or signingKey"],
      [{ keyPair: k }, "BAD_OPTION", "subject name or at least one host"],
      [{ keyPair: k, subject: {} }, "BAD_OPTION", "subject name or at least one host"],
      [{ keyPair: k, hosts: ["bad name"] }, "BAD_NAME", '"bad name"'],
      [{ keyPair: k, hosts: ["a.test"], pathLength: 1 }, "BAD_OPTION", "isCa"],
      [
        { keyPair: k, subject: { commonName: "CA" }, isCa: true, pathLength: -1 },
        "BAD_OPTION",
        "pathLength",
      ],
      [
        { keyPair: k, isCa: true, hosts: ["ca.test"], subject: { commonName: "" } },
        "BAD_OPTION",
        "CA certificate needs a subject",
      ],
      [
        { keyPair: k, hosts: ["a.test"], subject: { country: "Germany" } },
        "BAD_OPTION",
        "two-letter",
      ],
      [{ keyPair: k, subject: { commonName: "x".repeat(65) } }, "BAD_OPTION", "64"],
      [{ keyPair: k, subject: { commonName: "a\nb" } }, "BAD_OPTION", "control"],
      [
        {
          keyPair: k,
          hosts: ["a.test"],
          notBefore: new Date("2030-01-01"),
          notAfter: new Date("2029-01-01"),
        },
        "BAD_OPTION",
        "must be after",
      ],
      [{ keyPair: k, hosts: ["a.test"], notAfter: new Date("nope") }, "BAD_OPTION", "valid Date"],
      // GeneralizedTime has four year digits: 9999-12-31T23:59:59Z is the latest (RFC 5280 §4.1.2.5).
      [
        { keyPair: k, hosts: ["a.test"], notAfter: new Date("+010000-01-01T00:00:00Z") },
        "BAD_OPTION",
        "9999",
      ],
      [
        { keyPair: k, hosts: ["a.test"], notBefore: new Date("-000001-01-01T00:00:00Z") },
        "BAD_OPTION",
        "9999",
      ],
      [{ keyPair: k, hosts: ["a.test"], serialNumber: 0n }, "BAD_OPTION", "serialNumber"],
      [
        { keyPair: k, hosts: ["a.test"], serverAuth: false },
        "BAD_OPTION",
        "serverAuth or clientAuth",
      ],
      [
        {
          keyPair: k,
          hosts: ["a.test"],
          extensions: [{ oid: OID.keyUsage, value: new Uint8Array([3, 1, 0]) }],
        },
        "BAD_OPTION",
        "only once",
      ],
      [
        {
          keyPair: other,
          hosts: ["a.test"],
          issuer: { certificate: leaf.pem, privateKey: k.privateKey },
        },
        "BAD_CERTIFICATE",
        "not a CA",
      ],
      [
        {
          keyPair: other,
          hosts: ["a.test"],
          issuer: { certificate: ca.pem, privateKey: other.privateKey },
        },
        "KEY_MISMATCH",
        "does not belong",
      ],
      [
        { hosts: ["a.test"], issuer: { certificate: ca.pem, privateKey: k.privateKey } },
        "BAD_OPTION",
        "publicKey",
      ],
      [
        {
          keyPair: other,
          hosts: ["a.test"],
          issuer: { certificate: "junk", privateKey: k.privateKey },
        },
        "BAD_PEM",
        "",
      ],
      [
        {
          keyPair: other,
          hosts: ["a.test"],
          issuer: {
            certificate: encodePem("PRIVATE KEY", new Uint8Array([0x30, 0])),
            privateKey: k.privateKey,
          },
        },
        "BAD_CERTIFICATE",
        "CERTIFICATE",
      ],
    ];
    for (const [options, code, fragment] of cases) {
      await rejectsWith(createCertificate(options), code, fragment);
    }
  });
});

describe("describeCertificate", () => {
  it("reports names, validity, key, usages and fingerprints", async () => {
    const k = await keys("rsa-2048");
    const notBefore = new Date("2026-01-02T03:04:05Z");
    const notAfter = new Date("2027-01-02T03:04:05Z");
    const { pem, der } = await createCertificate({
      keyPair: k,
      subject: { organization: "Acme, Inc." },
      hosts: [
        "web.test",
        "*.web.test",
        "192.0.2.1",
        "2001:db8::1",
        "ops@web.test",
        "https://web.test/",
      ],
      notBefore,
      notAfter,
      serialNumber: 0xabcdefn,
      clientAuth: true,
    });
    const info = await describeCertificate(pem);
    assert.equal(info.subject, "CN=web.test, O=Acme\\, Inc.");
    assert.equal(info.issuer, info.subject);
    assert.deepEqual(info.subjectAltNames, [
      "DNS:web.test",
      "DNS:*.web.test",
      "IP Address:192.0.2.1",
      "IP Address:2001:db8::1",
      "email:ops@web.test",
      "URI:https://web.test/",
    ]);
    assert.deepEqual(info.dnsNames, ["web.test", "*.web.test"]);
    assert.deepEqual(info.ipAddresses, ["192.0.2.1", "2001:db8::1"]);
    assert.deepEqual(info.emails, ["ops@web.test"]);
    assert.deepEqual(info.uris, ["https://web.test/"]);
    assert.equal(info.notBefore.getTime(), notBefore.getTime());
    assert.equal(info.notAfter.getTime(), notAfter.getTime());
    assert.equal(info.serialNumber, "ABCDEF");
    assert.equal(info.keyType, "rsa-2048");
    assert.equal(info.isCa, false);
    assert.equal(info.pathLength, null);
    assert.deepEqual(info.keyUsage, ["digitalSignature", "keyEncipherment"]);
    assert.deepEqual(info.extendedKeyUsage, ["serverAuth", "clientAuth"]);
    assert.equal(info.selfSigned, true);
    assert.equal(info.fingerprints.sha256, await fingerprint(der));
    assert.match(info.fingerprints.sha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.match(info.fingerprints.sha1, /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    // The same from DER and from a parsed certificate.
    assert.deepEqual(await describeCertificate(der), info);
    assert.deepEqual(await describeCertificate(toCertificate(pem)), info);
  });

  it("agrees with openssl on a certificate openssl made", async () => {
    await withTempDir(async (dir) => {
      const files = await writeFiles(dir, {
        "ext.cnf": [
          "[req]",
          "distinguished_name=dn",
          "[dn]",
          "[v3]",
          "basicConstraints=critical,CA:TRUE,pathlen:2",
          "keyUsage=critical,keyCertSign,cRLSign",
          "subjectAltName=DNS:ossl.test,IP:::1,email:me@ossl.test",
          "extendedKeyUsage=serverAuth",
          "",
        ].join("\n"),
      });
      const key = `${dir}/k.pem`;
      const certFile = `${dir}/c.pem`;
      await openssl(["genpkey", "-algorithm", "ED25519", "-out", key]);
      await opensslCert({
        key,
        cert: certFile,
        newKey: "existing",
        subject: "/C=US/O=OpenSSL Org/CN=ossl.test",
        days: 3,
        extra: ["-config", files["ext.cnf"], "-extensions", "v3", "-set_serial", "0x0102"],
      });
      const pem = await openssl(["x509", "-in", certFile]);
      const info = await describeCertificate(pem);
      assert.equal(info.subject, "CN=ossl.test, O=OpenSSL Org, C=US");
      assert.deepEqual(info.subjectAltNames, [
        "DNS:ossl.test",
        "IP Address:::1",
        "email:me@ossl.test",
      ]);
      assert.equal(info.serialNumber, "0102");
      assert.equal(info.keyType, "ed25519");
      assert.equal(info.isCa, true);
      assert.equal(info.pathLength, 2);
      assert.deepEqual(info.keyUsage, ["keyCertSign", "cRLSign"]);
      assert.deepEqual(info.extendedKeyUsage, ["serverAuth"]);
      assert.equal(info.selfSigned, true);
      const fp = await openssl(["x509", "-in", certFile, "-noout", "-fingerprint", "-sha256"]);
      assert.equal(fp.trim().split("=")[1], info.fingerprints.sha256);
      const fp1 = await openssl(["x509", "-in", certFile, "-noout", "-fingerprint", "-sha1"]);
      assert.equal(fp1.trim().split("=")[1], info.fingerprints.sha1);
      const dates = await openssl(["x509", "-in", certFile, "-noout", "-enddate"]);
      assert.equal(new Date(dates.trim().split("=")[1]).getTime(), info.notAfter.getTime());
    });
  });

  it("rejects what is not a certificate, with a hint", async () => {
    const der = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]);
    for (
      const [label, hint] of [
        ["PRIVATE KEY", "private key"],
        ["EC PRIVATE KEY", "private key"],
        ["CERTIFICATE REQUEST", "CSR"],
        ["PUBLIC KEY", "public key"],
      ]
    ) {
      await rejectsWith(describeCertificate(encodePem(label, der)), "BAD_CERTIFICATE", hint);
    }
    await rejectsWith(describeCertificate(encodePem("CERTIFICATE", der)), "BAD_CERTIFICATE");
    await rejectsWith(describeCertificate(der), "BAD_CERTIFICATE", "key or a CSR");
    // DER of a key or a CSR is recognized.
    const pair = await keys();
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
    await rejectsWith(describeCertificate(pkcs8), "BAD_CERTIFICATE", "private key");
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
    await rejectsWith(describeCertificate(spki), "BAD_CERTIFICATE", "public key");
    const dir = await tempDir();
    try {
      const key = `${dir.path}/k.pem`;
      await opensslEcKey(key);
      const csrPem = await openssl(["req", "-new", "-key", key, "-subj", "/CN=csr.test"]);
      await rejectsWith(describeCertificate(csrPem), "BAD_CERTIFICATE", "CSR");
      const csrDer = new Uint8Array(
        decodePem(csrPem)[0].der,
      );
      await rejectsWith(describeCertificate(csrDer), "BAD_CERTIFICATE", "CSR");
    } finally {
      await dir.cleanup();
    }
    await rejectsWith(describeCertificate("hello"), "BAD_PEM");
    await rejectsWith(describeCertificate(42 as unknown as string), "BAD_CERTIFICATE");
  });

  it("builds and formats names with RFC 4514 escaping", () => {
    assert.equal(buildName({}).text, "");
    assert.equal(
      buildName({ commonName: " lead", organization: "a+b=c;d" }).text,
      "CN=\\ lead, O=a\\+b=c\\;d",
    );
    assert.equal(buildName({ commonName: "#hash", country: "us" }).text, "CN=\\#hash, C=US");
  });

  it("fingerprint hashes DER as OpenSSL prints it", async () => {
    assert.equal(
      await fingerprint(new Uint8Array([1, 2, 3]), "SHA-1"),
      "70:37:80:71:98:C2:2A:7D:2B:08:07:37:1D:76:37:79:A8:4F:DF:CF",
    );
    assert.equal(
      await fingerprint(new Uint8Array(0)),
      "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55",
    );
  });
});
