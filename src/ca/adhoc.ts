/**
 * Ad-hoc certificates: a fresh key and a self-signed TLS server certificate
 * made in memory in a few milliseconds, for `serve --cert=adhoc`. Nothing is
 * written to disk and nothing secret is logged.
 *
 * @module
 */

import { createCertificate } from "../x509/certificate.ts";
import { fingerprint } from "../x509/describe.ts";
import { TlsmithError } from "../errors.ts";
import { exportPrivateKey } from "../keys/formats.ts";
import { generateKeyPair, type KeyType, parseKeyType } from "../keys/keys.ts";
import { parseHosts } from "../x509/names.ts";

/** The names an ad-hoc certificate covers unless told otherwise. */
export const DEFAULT_ADHOC_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "::1"];

/** Options of {@linkcode adhocCert}. */
export interface AdhocOptions {
  /** Host names and IPs (default `localhost`, `127.0.0.1`, `::1`). The first is also the CN. */
  hosts?: readonly string[];
  /** Key type, e.g. `"ec-p256"` (default), `"rsa"`, `"ed25519"` (see `parseKeyType`). */
  keyType?: KeyType | string;
  /** Days of validity (default 30). The certificate is valid from 5 minutes ago. */
  days?: number;
  /** The O attribute of the subject (default `tlsmith adhoc`). */
  organization?: string;
}

/** An ad-hoc certificate and its key. */
export interface AdhocCertificate {
  /** The self-signed certificate (PEM). */
  cert: string;
  /** Its unencrypted PKCS#8 private key (PEM). Keep it in memory; never log it. */
  key: string;
  /** SHA-256 fingerprint of the certificate, `AA:BB:…` as OpenSSL prints it. */
  fingerprint: string;
}

/**
 * Make a new key and a self-signed TLS server certificate (CA:FALSE,
 * serverAuth) for `localhost`, `127.0.0.1` and `::1` (or `hosts`), valid from
 * 5 minutes ago for 30 days (or `days`), ECDSA P-256 unless `keyType` says
 * otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "./adhoc.ts";
 * import { toCertificate } from "../x509/model.ts";
 * const { cert, key, fingerprint } = await adhocCert({ hosts: ["localhost", "app.test"] });
 * assert.ok(cert.startsWith("-----BEGIN CERTIFICATE-----"));
 * assert.ok(key.startsWith("-----BEGIN PRIVATE KEY-----"));
 * assert.match(fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/); // SHA-256, as OpenSSL prints it
 * const names = toCertificate(cert).subjectAltNames.map((n) => "value" in n ? n.value : n.type);
 * assert.deepEqual(names, ["localhost", "app.test"]);
 * ```
 */
export async function adhocCert(options: AdhocOptions = {}): Promise<AdhocCertificate> {
  const type = parseKeyType(options.keyType ?? "ec-p256");
  const days = options.days ?? 30;
  if (typeof days !== "number" || !Number.isFinite(days) || days <= 0 || days > 36500) {
    throw new TlsmithError(
      "BAD_OPTION",
      `days must be a number of days between 0 and 36500 (e.g. 30), got ${days}.`,
    );
  }
  const hosts = parseHosts(options.hosts ?? DEFAULT_ADHOC_HOSTS);
  if (hosts.length === 0) {
    throw new TlsmithError(
      "BAD_OPTION",
      'hosts is empty: give at least one host name or IP, e.g. ["localhost"].',
    );
  }
  const keyPair = await generateKeyPair(type);
  const now = Date.now();
  const first = hosts[0].value;
  // Export the key while the certificate is being made (WebCrypto work runs concurrently).
  const keyPem = exportPrivateKey(keyPair.privateKey);
  keyPem.catch(() => {}); // awaited below; no unhandled rejection if createCertificate throws first
  const { der, pem } = await createCertificate({
    keyPair,
    subject: {
      commonName: first.length <= 64 ? first : "",
      organization: options.organization ?? "tlsmith adhoc",
    },
    hosts,
    notBefore: new Date(now - 5 * 60_000),
    notAfter: new Date(now + days * 86_400_000),
  });
  const [key, sha256] = await Promise.all([keyPem, fingerprint(der, "SHA-256")]);
  return { cert: pem, key, fingerprint: sha256 };
}
