/**
 * Host names, IP addresses, e-mail addresses and URIs as certificate names (`tlsmith/names`):
 * what `createCertificate({ hosts })`, `CertificateAuthority.issue()` and the CLI accept, and how
 * OpenSSL prints them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSubjectAltName, parseHosts } from "./names.ts";
 * const names = parseHosts(["Bücher.test.", "[::1]", "127.0.0.1"]);
 * assert.deepEqual(names.map(formatSubjectAltName), [
 *   "DNS:xn--bcher-kva.test",
 *   "IP Address:::1",
 *   "IP Address:127.0.0.1",
 * ]);
 * ```
 *
 * @module
 */

export {
  formatIpAddress,
  formatSubjectAltName,
  parseHosts,
  parseIpAddress,
  parseSubjectAltName,
  type SubjectAltName,
  type SubjectAltNameType,
} from "./x509/names.ts";
