/**
 * tlsmith — local and test HTTPS in one line, on Deno, Node and Bun.
 *
 * Certificates (adhoc, self-signed, a name-constrained local CA that issues leaves and signs
 * CSRs), keys (every OpenSSL format read; PKCS#8, encrypted PKCS#8 and PKCS#12 written), chain
 * verification, and an HTTPS `serve()` for fetch-style handlers. Everything but `serve()` runs in
 * a browser too. More entries: `tlsmith/serve` (serve, proxy), `tlsmith/testing` (trustme for
 * TypeScript), `tlsmith/trust` (trust stores), `tlsmith/pem`, `tlsmith/names`, `tlsmith/cli`.
 *
 * When run as the main module (`deno run -A mod.ts serve --cert=adhoc`) it is the tlsmith CLI.
 *
 * @example A certificate for localhost, checked the way a TLS client checks it
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority, verifyChain } from "./mod.ts";
 * const ca = await CertificateAuthority.create();
 * const { chain } = await ca.issue(["localhost", "127.0.0.1"]);
 * assert.equal((await verifyChain({ leaf: chain, trusted: ca.cert, host: "127.0.0.1" })).ok, true);
 * ```
 *
 * @example Serve HTTPS with a certificate made on the spot
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve } from "./mod.ts";
 * const server = await serve(() => new Response("hello over TLS"), { cert: "adhoc", port: 0 });
 * assert.match(server.url, /^https:\/\/localhost:\d+\/$/);
 * assert.ok(server.certificate.startsWith("-----BEGIN CERTIFICATE-----")); // for clients to trust
 * await server.shutdown();
 * ```
 *
 * @module
 */

// Errors
export { isTlsmithError, TlsmithError, type TlsmithErrorCode } from "./src/errors.ts";

// Keys
export { generateKeyPair, KEY_TYPES, type KeyPair, type KeyType } from "./src/keys/keys.ts";
export { exportPublicKey } from "./src/keys/keys.ts";
export {
  exportPrivateKey,
  type ExportPrivateKeyOptions,
  importPrivateKey,
  type ImportPrivateKeyOptions,
  type Passphrase,
  type PrivateKeyData,
  type PrivateKeyInput,
} from "./src/keys/formats.ts";
export {
  exportPkcs12,
  type ExportPkcs12Options,
  importPkcs12,
  type ImportPkcs12Options,
  type Pkcs12Contents,
} from "./src/keys/pkcs12.ts";

// Certificates
export {
  type CertificateIssuer,
  type CertificateSubject,
  createCertificate,
  type CreateCertificateOptions,
  type CreatedCertificate,
  type ExtensionInput,
} from "./src/x509/certificate.ts";
export { adhocCert, type AdhocCertificate, type AdhocOptions } from "./src/ca/adhoc.ts";
export {
  type CertificateDescription,
  describeCertificate,
  fingerprint,
} from "./src/x509/describe.ts";
export { certificateMatchesKey, hostMatches } from "./src/x509/match.ts";
export type {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  Extension,
  Fingerprints,
  GeneralName,
  GeneralNameType,
  GeneralSubtree,
  Name,
  NameAttribute,
  NameConstraints,
  PublicKeyInfo,
  Rdn,
} from "./src/x509/model.ts";
export type { SubjectAltName, SubjectAltNameType } from "./src/x509/names.ts";

// Certificate signing requests
export {
  createCsr,
  type CreateCsrOptions,
  type CreatedCsr,
  type CsrInfo,
  parseCsr,
  type ParseCsrOptions,
  type SubjectFields,
} from "./src/x509/csr.ts";

// A certificate authority
export {
  CertificateAuthority,
  type CreateAuthorityOptions,
  type CreateIntermediateOptions,
  type IssuedCertificate,
  type IssuedCertificateWithKey,
  type IssueOptions,
  type LoadAuthorityOptions,
  type SignCsrOptions,
} from "./src/ca/authority.ts";
export type { NameConstraintSet, NameSubtree } from "./src/x509/name_constraints.ts";

// Verification
export {
  type CertificateInput,
  type PathCertificate,
  verifyChain,
  type VerifyChainOptions,
  type VerifyChainResult,
  type VerifyFailureCode,
} from "./src/x509/verify.ts";

// Serving (more in tlsmith/serve: proxy)
export {
  type CertSource,
  type Handler,
  type ListeningServer,
  type PassphraseCallback,
  type PassphraseRequest,
  type ReloadEvent,
  serve,
  type ServeHandlerInfo,
  type ServeOptions,
  type Server,
  type ServerAddr,
} from "./src/serve/serve.ts";

// Old names, kept so that code written for tlsmith 0.1 keeps working (see CHANGELOG.md).
export {
  encryptPrivateKey,
  type EncryptPrivateKeyOptions,
  exportPrivateKeyPem,
  type ImportKeyOptions,
  importPrivateKeyPem,
  readPrivateKey,
  type ReadPrivateKeyOptions,
} from "./src/keys/formats.ts";
export { exportPublicKeyPem } from "./src/keys/keys.ts";

// The CLI when run as the main module. No top-level await: `require("tlsmith")` must keep working.
if ((import.meta as { main?: boolean }).main) {
  import("./src/cli/main.ts").then((cli) => cli.runMain());
}
