/**
 * The `weak` failure fixture: a leaf certificate with an RSA-1024 key and a SHA-1 signature,
 * issued by a test CA, so a test can prove its client refuses it. Written with our own DER
 * (`_internal/der.ts`) because the certificate builder of tlsmith refuses both on purpose (it
 * signs with SHA-256 or better and makes no RSA key under 2048 bits). WebCrypto signs the
 * TBSCertificate: `ecdsa-with-SHA1` with an EC CA key, `sha1WithRSAEncryption`
 * (RSASSA-PKCS1-v1_5 / SHA-1) with an RSA CA key.
 *
 * @module
 */

import { toArrayBuffer } from "../_internal/bytes.ts";
import {
  bits,
  bool,
  explicit,
  implicit,
  int,
  nul,
  octets,
  oid,
  parseDer,
  printableString,
  readOctets,
  readOid,
  seq,
  set,
  time,
  utf8String,
} from "../_internal/der.ts";
import { OID } from "../_internal/oids.ts";
import { TlsmithError } from "../errors.ts";
import { exportSpki } from "../keys/keys.ts";
import { exportPrivateKey } from "../keys/formats.ts";
import { decodeOnePem, encodePem } from "../pem.ts";
import type { SubjectAltName } from "../x509/names.ts";

/** What {@linkcode weakCertificate} makes. */
export interface WeakCertificate {
  /** The leaf certificate, PEM. */
  cert: string;
  /** Its RSA-1024 private key, PKCS#8 PEM. */
  key: string;
}

/** The issuing CA: its certificate (PEM) and private key (extractable). */
export interface WeakIssuer {
  /** The CA certificate in PEM. */
  certPem: string;
  /** The CA's private key (ECDSA or RSASSA-PKCS1-v1_5; extractable). */
  privateKey: CryptoKey;
}

function generalName(name: SubjectAltName): Uint8Array {
  const ascii = (text: string) => new TextEncoder().encode(text);
  switch (name.type) {
    case "email":
      return implicit(1, ascii(name.value));
    case "dns":
      return implicit(2, ascii(name.value));
    case "uri":
      return implicit(6, ascii(name.value));
    case "ip":
      return implicit(7, name.bytes!);
  }
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

/** Subject and subjectKeyIdentifier of the CA certificate (DER pieces). */
function caParts(certPem: string): { subject: Uint8Array; keyId: Uint8Array | null } {
  const der = decodeOnePem(certPem, "CERTIFICATE", { source: "the test CA certificate" }).der;
  const tbs = parseDer(der, "test CA certificate").children[0];
  const fields = tbs.children;
  const offset = fields[0]?.cls === 2 ? 1 : 0; // [0] version present
  const subject = fields[offset + 4].der;
  let keyId: Uint8Array | null = null;
  const extensions = fields.find((f) => f.cls === 2 && f.tag === 3)?.children[0]?.children ?? [];
  for (const ext of extensions) {
    if (readOid(ext.children[0], "extension id") === OID.subjectKeyIdentifier) {
      const value = readOctets(ext.children[ext.children.length - 1], "extension value");
      keyId = readOctets(parseDer(value, "subjectKeyIdentifier"), "subjectKeyIdentifier");
    }
  }
  return { subject, keyId };
}

/** ECDSA's raw `r || s` as the DER `Ecdsa-Sig-Value` SEQUENCE { r, s }. */
function ecdsaSignatureDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return seq(int(raw.subarray(0, half)), int(raw.subarray(half)));
}

/** The SHA-1 signature algorithm (AlgorithmIdentifier DER) for a CA key, and a signer. */
async function sha1Signer(
  key: CryptoKey,
): Promise<{ algorithm: Uint8Array; sign(data: Uint8Array): Promise<Uint8Array> }> {
  if (key.algorithm.name === "ECDSA") {
    return {
      algorithm: seq(oid(OID.ecdsaWithSHA1)),
      sign: async (data) =>
        ecdsaSignatureDer(
          new Uint8Array(
            await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-1" }, key, toArrayBuffer(data)),
          ),
        ),
    };
  }
  if (key.algorithm.name === "RSASSA-PKCS1-v1_5") {
    // A WebCrypto RSA key is bound to one hash: import the same key again for SHA-1.
    const sha1Key = await crypto.subtle.importKey(
      "pkcs8",
      await crypto.subtle.exportKey("pkcs8", key),
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" },
      false,
      ["sign"],
    );
    return {
      algorithm: seq(oid(OID.sha1WithRSAEncryption), nul()),
      sign: async (data) =>
        new Uint8Array(
          await crypto.subtle.sign("RSASSA-PKCS1-v1_5", sha1Key, toArrayBuffer(data)),
        ),
    };
  }
  throw new TlsmithError(
    "UNSUPPORTED_KEY_TYPE",
    `a weak (SHA-1) certificate needs an ECDSA or RSA test CA, not ${key.algorithm.name}.`,
  );
}

/**
 * Issue a certificate for `names` with a new RSA-1024 key, signed with SHA-1 by `issuer`,
 * valid from `notBefore` to `notAfter`. Apart from its strength it is a normal TLS server
 * certificate (CA:FALSE, digitalSignature + keyEncipherment, serverAuth, the names as
 * subjectAltName, key identifiers), so a client that refuses it refuses it for its strength.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { weakCertificate } from "./weak.ts";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { describeCertificate } from "../x509/describe.ts";
 * const ca = await CertificateAuthority.create();
 * const weak = await weakCertificate(ca, [{ type: "dns", value: "localhost" }], {
 *   notBefore: new Date(Date.now() - 60_000),
 *   notAfter: new Date(Date.now() + 86_400_000),
 * });
 * const info = await describeCertificate(weak.cert);
 * assert.equal(info.keyType, "rsa-1024");
 * assert.equal(info.signatureAlgorithm, "ecdsa-with-SHA1"); // by the (P-256) CA, with SHA-1
 * assert.deepEqual(info.extendedKeyUsage, ["serverAuth"]); // otherwise a normal server certificate
 * ```
 */
export async function weakCertificate(
  issuer: WeakIssuer,
  names: readonly SubjectAltName[],
  validity: { notBefore: Date; notAfter: Date },
): Promise<WeakCertificate> {
  const keyPair = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 1024,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-1",
    },
    true,
    ["sign", "verify"],
  ) as CryptoKeyPair;
  const spki = await exportSpki(keyPair.publicKey);
  const keyId = new Uint8Array(await crypto.subtle.digest("SHA-1", spki)).subarray(0, 20);
  const ca = caParts(issuer.certPem);
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] &= 0x7f;
  serial[0] |= 0x01; // positive, 16 bytes
  const extensions = [
    extension(OID.basicConstraints, true, seq()),
    // digitalSignature (bit 0) and keyEncipherment (bit 2)
    extension(OID.keyUsage, true, bits(new Uint8Array([0xa0]), 5)),
    extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
    extension(OID.subjectAltName, false, seq(...names.map(generalName))),
    extension(OID.subjectKeyIdentifier, false, octets(keyId)),
    ...(ca.keyId ? [extension(OID.authorityKeyIdentifier, false, seq(implicit(0, ca.keyId)))] : []),
  ];
  const subject = seq(
    set(seq(oid(OID.organizationName), printableString("tlsmith weak test certificate"))),
    set(seq(oid(OID.organizationalUnitName), utf8String("RSA-1024 SHA-1, refuse me"))),
  );
  const signer = await sha1Signer(issuer.privateKey);
  const tbs = seq(
    explicit(0, int(2)),
    int(serial),
    signer.algorithm,
    ca.subject,
    seq(time(validity.notBefore), time(validity.notAfter)),
    subject,
    spki,
    explicit(3, seq(...extensions)),
  );
  const cert = seq(tbs, signer.algorithm, bits(await signer.sign(tbs)));
  return {
    cert: encodePem("CERTIFICATE", cert),
    key: await exportPrivateKey(keyPair.privateKey),
  };
}
