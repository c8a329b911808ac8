/**
 * Describe a certificate in plain data: names, validity, key type, CA flags, key usages,
 * fingerprints — what `tlsmith inspect` prints and what tests check. A view of the one
 * certificate model (`model.ts`); nothing here parses.
 *
 * @module
 */

import { encodeHexColons, toArrayBuffer } from "../_internal/bytes.ts";
import { oidName } from "../_internal/oids.ts";
import type { KeyType } from "../keys/keys.ts";
import { namesEqual } from "./dn.ts";
import { formatGeneralName } from "./general_name.ts";
import { type Certificate, toCertificate } from "./model.ts";
import { verifySignature } from "./signature.ts";

/** What {@linkcode describeCertificate} reports. */
export interface CertificateDescription {
  /** Subject in the one RFC 4514 form, e.g. `CN=localhost, O=tlsmith adhoc` (empty string when empty). */
  subject: string;
  /** Issuer, same form. */
  issuer: string;
  /**
   * Subject alternative names of every type as OpenSSL prints them (`DNS:localhost`,
   * `IP Address:::1`, `othername: UPN::a@b`, `X400Name:<unsupported>`).
   */
  subjectAltNames: string[];
  /** dNSName entries. */
  dnsNames: string[];
  /** iPAddress entries (`127.0.0.1`, `::1`). */
  ipAddresses: string[];
  /** rfc822Name entries. */
  emails: string[];
  /** uniformResourceIdentifier entries. */
  uris: string[];
  /** Start of validity. */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** Serial number in upper-case hex, as `openssl x509 -serial` prints it (`-` when negative). */
  serialNumber: string;
  /** The signature algorithm, as OpenSSL names it (`ecdsa-with-SHA256`). */
  signatureAlgorithm: string;
  /** The subject key's type (`ec-p256`, …), or a description such as `rsa-1025` / `ec-p521` / an OID. */
  keyType: KeyType | string;
  /** True when basicConstraints says cA. */
  isCa: boolean;
  /** The basicConstraints pathLenConstraint, or null. */
  pathLength: number | null;
  /** keyUsage names, e.g. `digitalSignature`, `keyCertSign`. */
  keyUsage: string[];
  /** extKeyUsage names, e.g. `serverAuth`, `clientAuth` (an OID when unknown). */
  extendedKeyUsage: string[];
  /** True when issuer equals subject and the certificate's own key verifies its signature. */
  selfSigned: boolean;
  /** Fingerprints of the DER, `AA:BB:…`. */
  fingerprints: { sha256: string; sha1: string };
}

/**
 * The fingerprint of DER bytes: a hash in upper-case hex with colons, as
 * `openssl x509 -fingerprint` prints it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fingerprint } from "./describe.ts";
 * assert.equal(
 *   await fingerprint(new Uint8Array([1, 2, 3]), "SHA-1"),
 *   "70:37:80:71:98:C2:2A:7D:2B:08:07:37:1D:76:37:79:A8:4F:DF:CF",
 * );
 * ```
 */
export async function fingerprint(
  der: Uint8Array | ArrayBuffer,
  algorithm: "SHA-256" | "SHA-1" | "SHA-384" | "SHA-512" = "SHA-256",
): Promise<string> {
  const digest = await crypto.subtle.digest(algorithm, toArrayBuffer(der));
  return encodeHexColons(new Uint8Array(digest));
}

/**
 * Describe a certificate (PEM text, DER bytes, or one read with `readCertificate`). Anything
 * that is not a certificate is a `BAD_CERTIFICATE` error, with a hint when it is a key or a CSR.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { describeCertificate } from "./describe.ts";
 * const info = await describeCertificate((await adhocCert()).cert);
 * assert.equal(info.subject, "CN=localhost, O=tlsmith adhoc");
 * assert.deepEqual(info.subjectAltNames, ["DNS:localhost", "IP Address:127.0.0.1", "IP Address:::1"]);
 * ```
 */
export async function describeCertificate(
  input: string | Uint8Array | ArrayBuffer | Certificate,
): Promise<CertificateDescription> {
  const cert = toCertificate(input);
  const sans = cert.subjectAltNames;
  const selfSigned = namesEqual(cert.issuer, cert.subject) &&
    (await verifySignature(cert.publicKey, cert.signatureAlgorithm, cert.tbs, cert.signature))
        .status === "valid";
  return {
    subject: cert.subject.text,
    issuer: cert.issuer.text,
    subjectAltNames: sans.map(formatGeneralName),
    dnsNames: sans.flatMap((s) => s.type === "dns" ? [s.value] : []),
    ipAddresses: sans.flatMap((s) => s.type === "ip" ? [s.value] : []),
    emails: sans.flatMap((s) => s.type === "email" ? [s.value] : []),
    uris: sans.flatMap((s) => s.type === "uri" ? [s.value] : []),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialNumber: cert.serialNumber,
    signatureAlgorithm: cert.signatureAlgorithm.name,
    keyType: cert.publicKey.keyType,
    isCa: cert.basicConstraints?.ca === true,
    pathLength: cert.basicConstraints?.pathLength ?? null,
    keyUsage: [...(cert.keyUsage ?? [])],
    extendedKeyUsage: (cert.extKeyUsage ?? []).map(oidName),
    selfSigned,
    fingerprints: { ...cert.fingerprints },
  };
}
