/**
 * tlsmith — local and test HTTPS in one line, on Deno and Node.
 *
 * Certificates (adhoc, self-signed, a local CA that issues leaves and signs CSRs), keys (PKCS#8,
 * encrypted PKCS#8, OpenSSL's formats) and an HTTPS `serve()` for fetch-style handlers.
 *
 * When run as the main module (`deno run -A mod.ts serve --cert=adhoc`) it is the tlsmith CLI.
 *
 * @example Serve HTTPS with a certificate made on the spot
 * ```ts ignore
 * import { serve } from "./mod.ts";
 * const server = await serve(() => new Response("hello over TLS"), { cert: "adhoc", port: 0 });
 * console.log(`https://localhost:${server.addr.port}/`);
 * await server.shutdown();
 * ```
 *
 * @module
 */

// Errors and PEM
export { isTlsmithError, TlsmithError, type TlsmithErrorCode } from "./src/errors.ts";
export {
  decodeOnePem,
  decodePem,
  type DecodePemOptions,
  encodePem,
  type PemBlock,
} from "./src/pem.ts";

// Keys, names, certificates (src/keys/keys.ts, src/x509/names.ts, src/x509/certificate.ts, src/ca/adhoc.ts, src/x509/describe.ts)
export { certificateMatchesKey } from "./src/x509/match.ts";
export {
  derivePublicKey,
  exportPublicKeyPem,
  exportSpki,
  generateKeyPair,
  KEY_TYPES,
  type KeyPair,
  type KeyType,
  keyTypeOf,
  parseKeyType,
  signatureHashFor,
} from "./src/keys/keys.ts";
export {
  formatIpAddress,
  formatSubjectAltName,
  parseHosts,
  parseSubjectAltName,
  type SubjectAltName,
  type SubjectAltNameType,
} from "./src/x509/names.ts";
export {
  type CertificateIssuer,
  type CertificateSubject,
  createCertificate,
  type CreateCertificateOptions,
  type CreatedCertificate,
  type ExtensionInput,
  OID,
  randomSerialNumber,
} from "./src/x509/certificate.ts";
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
export {
  adhocCert,
  type AdhocCertificate,
  type AdhocOptions,
  DEFAULT_ADHOC_HOSTS,
} from "./src/ca/adhoc.ts";
export {
  type CertificateDescription,
  describeCertificate,
  fingerprint,
} from "./src/x509/describe.ts";

// Keys at rest (src/keys/formats.ts: the one reader and writer; the rest are deprecated names)
export { DEFAULT_ITERATIONS } from "./src/keys/encrypt.ts";
export { KEY_LIMITS, type KeyLimits } from "./src/keys/limits.ts";
export {
  decryptPrivateKey,
  type DecryptPrivateKeyOptions,
  encryptPrivateKey,
  type EncryptPrivateKeyOptions,
  exportPrivateKey,
  type ExportPrivateKeyOptions,
  exportPrivateKeyPem,
  type ImportKeyOptions,
  importPkcs8,
  importPrivateKey,
  type ImportPrivateKeyOptions,
  importPrivateKeyPem,
  isEncryptedPrivateKey,
  type Passphrase,
  type PrivateKeyData,
  type PrivateKeyInput,
  readPrivateKey,
  type ReadPrivateKeyOptions,
  toPkcs8Pem,
} from "./src/keys/formats.ts";
export {
  exportPkcs12,
  type ExportPkcs12Options,
  importPkcs12,
  type ImportPkcs12Options,
  type Pkcs12Contents,
} from "./src/keys/pkcs12.ts";

// Certificate authority (src/x509/csr.ts, src/x509/name_constraints.ts, src/ca/constraints.ts, src/ca/authority.ts, src/x509/verify.ts)
export {
  CA_KEY_TYPES,
  CertificateAuthority,
  type CreateAuthorityOptions,
  DEFAULT_LEAF_DAYS,
  type IssuedCertificate,
  type IssuedCertificateWithKey,
  type IssueOptions,
  type LoadAuthorityOptions,
  MAX_LEAF_DAYS,
  type SignCsrOptions,
} from "./src/ca/authority.ts";
export {
  createCsr,
  type CreateCsrOptions,
  type CreatedCsr,
  type CsrInfo,
  parseCsr,
  type ParseCsrOptions,
  type SubjectFields,
} from "./src/x509/csr.ts";
export {
  assertNamesPermitted,
  buildNameConstraints,
  type BuildNameConstraintsOptions,
  DEFAULT_PERMITTED_NAMES,
  describeNameConstraints,
  parsePermitEntry,
} from "./src/ca/constraints.ts";
export {
  type ConstrainedName,
  isNamePermitted,
  type NameConstraintSet,
  type NameSubtree,
} from "./src/x509/name_constraints.ts";
export { hostMatches } from "./src/x509/match.ts";
export {
  type CertificateInput,
  type PathCertificate,
  verifyChain,
  type VerifyChainOptions,
  type VerifyChainResult,
  type VerifyFailureCode,
} from "./src/x509/verify.ts";

// Serving (src/serve/serve.ts, src/serve/runtime/types.ts)
export {
  type CertSource,
  type Handler,
  type PassphraseCallback,
  type PassphraseRequest,
  type ReloadEvent,
  serve,
  type ServeHandlerInfo,
  type ServeOptions,
  type Server,
  type ServerAddr,
} from "./src/serve/serve.ts";

// The CLI when run as the main module. No top-level await: `require("tlsmith")` must keep working.
if ((import.meta as { main?: boolean }).main) {
  import("./src/cli/main.ts").then((cli) => cli.runMain());
}
