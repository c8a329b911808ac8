/**
 * THE object-identifier and algorithm registry of tlsmith (internal; never exported). Every OID
 * the code writes or recognizes is named here once, with what it means: display names as
 * OpenSSL prints them, and for algorithms the WebCrypto parameters to import, sign and verify.
 * Nobody writes a dotted OID string anywhere else in `src/`.
 *
 * @module
 */

/** Object identifiers by name. */
export const OID = Object.freeze({
  // Public-key algorithms (SubjectPublicKeyInfo / PKCS#8 AlgorithmIdentifier)
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  ecPublicKey: "1.2.840.10045.2.1",
  ed25519: "1.3.101.112",
  ed448: "1.3.101.113",
  x25519: "1.3.101.110",
  x448: "1.3.101.111",
  dsa: "1.2.840.10040.4.1",
  dhKeyAgreement: "1.2.840.113549.1.3.1",
  // Named curves
  p192: "1.2.840.10045.3.1.1",
  p224: "1.3.132.0.33",
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  p521: "1.3.132.0.35",
  secp256k1: "1.3.132.0.10",
  // Signature algorithms
  md5WithRSAEncryption: "1.2.840.113549.1.1.4",
  sha1WithRSAEncryption: "1.2.840.113549.1.1.5",
  sha224WithRSAEncryption: "1.2.840.113549.1.1.14",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  sha384WithRSAEncryption: "1.2.840.113549.1.1.12",
  sha512WithRSAEncryption: "1.2.840.113549.1.1.13",
  ecdsaWithSHA1: "1.2.840.10045.4.1",
  ecdsaWithSHA224: "1.2.840.10045.4.3.1",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ecdsaWithSHA384: "1.2.840.10045.4.3.3",
  ecdsaWithSHA512: "1.2.840.10045.4.3.4",
  dsaWithSHA1: "1.2.840.10040.4.3",
  dsaWithSHA256: "2.16.840.1.101.3.4.3.2",
  mgf1: "1.2.840.113549.1.1.8",
  // Hashes
  md5: "1.2.840.113549.2.5",
  sha1: "1.3.14.3.2.26",
  sha224: "2.16.840.1.101.3.4.2.4",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  // Distinguished-name attribute types
  commonName: "2.5.4.3",
  surname: "2.5.4.4",
  serialNumber: "2.5.4.5",
  countryName: "2.5.4.6",
  localityName: "2.5.4.7",
  stateOrProvinceName: "2.5.4.8",
  streetAddress: "2.5.4.9",
  organizationName: "2.5.4.10",
  organizationalUnitName: "2.5.4.11",
  title: "2.5.4.12",
  givenName: "2.5.4.42",
  userId: "0.9.2342.19200300.100.1.1",
  domainComponent: "0.9.2342.19200300.100.1.25",
  emailAddress: "1.2.840.113549.1.9.1",
  // Certificate extensions
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  issuerAltName: "2.5.29.18",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  cRLDistributionPoints: "2.5.29.31",
  certificatePolicies: "2.5.29.32",
  policyMappings: "2.5.29.33",
  authorityKeyIdentifier: "2.5.29.35",
  policyConstraints: "2.5.29.36",
  extKeyUsage: "2.5.29.37",
  inhibitAnyPolicy: "2.5.29.54",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  subjectInfoAccess: "1.3.6.1.5.5.7.1.11",
  ctPrecertificateScts: "1.3.6.1.4.1.11129.2.4.2",
  // Extended key usages
  anyExtendedKeyUsage: "2.5.29.37.0",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  ocspSigning: "1.3.6.1.5.5.7.3.9",
  // PKCS#9 / CSR attributes
  extensionRequest: "1.2.840.113549.1.9.14",
  msExtensionRequest: "1.3.6.1.4.1.311.2.1.14",
  challengePassword: "1.2.840.113549.1.9.7",
  // PKCS#5 (PBES2 and its KDFs, PRFs and ciphers)
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  pbmac1: "1.2.840.113549.1.5.14",
  scrypt: "1.3.6.1.4.1.11591.4.11",
  hmacWithSHA1: "1.2.840.113549.2.7",
  hmacWithSHA224: "1.2.840.113549.2.8",
  hmacWithSHA256: "1.2.840.113549.2.9",
  hmacWithSHA384: "1.2.840.113549.2.10",
  hmacWithSHA512: "1.2.840.113549.2.11",
  hmacWithSHA512_224: "1.2.840.113549.2.12",
  hmacWithSHA512_256: "1.2.840.113549.2.13",
  aes128cbc: "2.16.840.1.101.3.4.1.2",
  aes192cbc: "2.16.840.1.101.3.4.1.22",
  aes256cbc: "2.16.840.1.101.3.4.1.42",
  desCbc: "1.3.14.3.2.7",
  desEde3Cbc: "1.2.840.113549.3.7",
  rc2Cbc: "1.2.840.113549.3.2",
  // PKCS#7 / PKCS#9 / PKCS#12
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  envelopedData: "1.2.840.113549.1.7.3",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  crlBag: "1.2.840.113549.1.12.10.1.4",
  secretBag: "1.2.840.113549.1.12.10.1.5",
  safeContentsBag: "1.2.840.113549.1.12.10.1.6",
  // GeneralName otherName types
  upn: "1.3.6.1.4.1.311.20.2.3",
  smtpUTF8Mailbox: "1.3.6.1.5.5.7.8.9",
});

/** A hash function WebCrypto knows (SHA-224 and MD5 only through @noble/hashes). */
export type HashName = "SHA-1" | "SHA-224" | "SHA-256" | "SHA-384" | "SHA-512" | "MD5";

/** Hash OIDs → hash names. */
export const HASHES: Readonly<Record<string, HashName>> = Object.freeze({
  [OID.md5]: "MD5",
  [OID.sha1]: "SHA-1",
  [OID.sha224]: "SHA-224",
  [OID.sha256]: "SHA-256",
  [OID.sha384]: "SHA-384",
  [OID.sha512]: "SHA-512",
});

/** A named elliptic curve. */
export interface Curve {
  /** The WebCrypto / NIST name (`P-256`), or the SEC name where WebCrypto has none. */
  name: string;
  /** OpenSSL's name (`prime256v1`). */
  opensslName: string;
  /** Field size in bytes (the length of r and s in a raw signature). */
  size: number;
  /** Field size in bits (521 for P-521). */
  bits: number;
  /** True when WebCrypto imports and signs with it (P-256, P-384, P-521). */
  webcrypto: boolean;
}

/** Curve OIDs → curves. */
export const CURVES: Readonly<Record<string, Curve>> = Object.freeze({
  [OID.p192]: { name: "P-192", opensslName: "prime192v1", size: 24, bits: 192, webcrypto: false },
  [OID.p224]: { name: "P-224", opensslName: "secp224r1", size: 28, bits: 224, webcrypto: false },
  [OID.p256]: { name: "P-256", opensslName: "prime256v1", size: 32, bits: 256, webcrypto: true },
  [OID.p384]: { name: "P-384", opensslName: "secp384r1", size: 48, bits: 384, webcrypto: true },
  [OID.p521]: { name: "P-521", opensslName: "secp521r1", size: 66, bits: 521, webcrypto: true },
  [OID.secp256k1]: {
    name: "secp256k1",
    opensslName: "secp256k1",
    size: 32,
    bits: 256,
    webcrypto: false,
  },
});

/** The OID of a WebCrypto curve name (`P-256` → prime256v1's OID), or undefined. */
export function curveOid(name: string): string | undefined {
  return Object.keys(CURVES).find((oid) => CURVES[oid].name === name);
}

/** What kind of key a public-key algorithm OID names. */
export type KeyAlgorithmKind =
  | "rsa"
  | "rsa-pss"
  | "ec"
  | "ed25519"
  | "ed448"
  | "x25519"
  | "x448"
  | "dsa"
  | "dh";

/** A public-key algorithm (the AlgorithmIdentifier of an SPKI or a PKCS#8 key). */
export interface KeyAlgorithm {
  /** What kind of key. */
  kind: KeyAlgorithmKind;
  /** How OpenSSL names it (`rsaEncryption`, `id-ecPublicKey`, `ED25519`). */
  opensslName: string;
  /** How people name it in messages (`RSA`, `EC`, `Ed25519`, `DSA`). */
  label: string;
  /** True when tlsmith imports such keys (RSA, EC on P-256/P-384, Ed25519). */
  supported: boolean;
}

/** Public-key algorithm OIDs → algorithms. */
export const KEY_ALGORITHMS: Readonly<Record<string, KeyAlgorithm>> = Object.freeze({
  [OID.rsaEncryption]: {
    kind: "rsa",
    opensslName: "rsaEncryption",
    label: "RSA",
    supported: true,
  },
  [OID.rsassaPss]: { kind: "rsa-pss", opensslName: "rsassaPss", label: "RSA-PSS", supported: true },
  [OID.ecPublicKey]: { kind: "ec", opensslName: "id-ecPublicKey", label: "EC", supported: true },
  [OID.ed25519]: { kind: "ed25519", opensslName: "ED25519", label: "Ed25519", supported: true },
  [OID.ed448]: { kind: "ed448", opensslName: "ED448", label: "Ed448", supported: false },
  [OID.x25519]: { kind: "x25519", opensslName: "X25519", label: "X25519", supported: false },
  [OID.x448]: { kind: "x448", opensslName: "X448", label: "X448", supported: false },
  [OID.dsa]: { kind: "dsa", opensslName: "dsaEncryption", label: "DSA", supported: false },
  [OID.dhKeyAgreement]: {
    kind: "dh",
    opensslName: "dhKeyAgreement",
    label: "Diffie-Hellman",
    supported: false,
  },
});

/** What kind of signature a signature-algorithm OID names. */
export type SignatureKind = "rsa" | "rsa-pss" | "ecdsa" | "ed25519" | "ed448" | "dsa";

/** A signature algorithm (Certificate.signatureAlgorithm, CSR, OCSP …). */
export interface SignatureAlgorithm {
  /** The kind of key that makes it. */
  kind: SignatureKind;
  /** The hash (undefined for Ed25519/Ed448; for RSA-PSS it is in the parameters). */
  hash?: HashName;
  /** How OpenSSL prints it (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`). */
  opensslName: string;
  /**
   * Why tlsmith refuses to trust it, when it does (a broken hash, or an algorithm WebCrypto
   * cannot verify). Absent for the algorithms tlsmith verifies.
   */
  refused?: string;
}

/** Signature-algorithm OIDs → algorithms. */
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithm>> = Object.freeze({
  [OID.md5WithRSAEncryption]: {
    kind: "rsa",
    hash: "MD5",
    opensslName: "md5WithRSAEncryption",
    refused: "MD5 signatures are broken",
  },
  [OID.sha1WithRSAEncryption]: {
    kind: "rsa",
    hash: "SHA-1",
    opensslName: "sha1WithRSAEncryption",
    refused: "SHA-1 signatures are no longer trusted",
  },
  [OID.sha224WithRSAEncryption]: {
    kind: "rsa",
    hash: "SHA-224",
    opensslName: "sha224WithRSAEncryption",
    refused: "WebCrypto has no SHA-224",
  },
  [OID.sha256WithRSAEncryption]: {
    kind: "rsa",
    hash: "SHA-256",
    opensslName: "sha256WithRSAEncryption",
  },
  [OID.sha384WithRSAEncryption]: {
    kind: "rsa",
    hash: "SHA-384",
    opensslName: "sha384WithRSAEncryption",
  },
  [OID.sha512WithRSAEncryption]: {
    kind: "rsa",
    hash: "SHA-512",
    opensslName: "sha512WithRSAEncryption",
  },
  [OID.rsassaPss]: { kind: "rsa-pss", opensslName: "rsassaPss" },
  [OID.ecdsaWithSHA1]: {
    kind: "ecdsa",
    hash: "SHA-1",
    opensslName: "ecdsa-with-SHA1",
    refused: "SHA-1 signatures are no longer trusted",
  },
  [OID.ecdsaWithSHA224]: {
    kind: "ecdsa",
    hash: "SHA-224",
    opensslName: "ecdsa-with-SHA224",
    refused: "WebCrypto has no SHA-224",
  },
  [OID.ecdsaWithSHA256]: { kind: "ecdsa", hash: "SHA-256", opensslName: "ecdsa-with-SHA256" },
  [OID.ecdsaWithSHA384]: { kind: "ecdsa", hash: "SHA-384", opensslName: "ecdsa-with-SHA384" },
  [OID.ecdsaWithSHA512]: { kind: "ecdsa", hash: "SHA-512", opensslName: "ecdsa-with-SHA512" },
  [OID.ed25519]: { kind: "ed25519", opensslName: "ED25519" },
  [OID.ed448]: { kind: "ed448", opensslName: "ED448", refused: "WebCrypto has no Ed448" },
  [OID.dsaWithSHA1]: {
    kind: "dsa",
    hash: "SHA-1",
    opensslName: "dsaWithSHA1",
    refused: "DSA signatures are not supported",
  },
  [OID.dsaWithSHA256]: {
    kind: "dsa",
    hash: "SHA-256",
    opensslName: "dsa_with_SHA256",
    refused: "DSA signatures are not supported",
  },
});

/**
 * The OID of the signature algorithm tlsmith writes for a key kind and hash (`ecdsa` + `SHA-256`
 * → ecdsa-with-SHA256), or undefined when there is none it would write.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OID, signatureAlgorithmOid } from "./oids.ts";
 * assert.equal(signatureAlgorithmOid("ecdsa", "SHA-384"), OID.ecdsaWithSHA384);
 * assert.equal(signatureAlgorithmOid("rsa", "SHA-1"), undefined);
 * ```
 */
export function signatureAlgorithmOid(kind: SignatureKind, hash?: HashName): string | undefined {
  return Object.keys(SIGNATURE_ALGORITHMS).find((oid) => {
    const a = SIGNATURE_ALGORITHMS[oid];
    return a.kind === kind && a.hash === hash && !a.refused;
  });
}

/** A distinguished-name attribute type. */
export interface AttributeType {
  /** The short name RFC 4514 and OpenSSL print (`CN`, `O`, `emailAddress`). */
  short: string;
  /** The long name (`commonName`). */
  long: string;
}

/** Attribute-type OIDs → names. */
export const ATTRIBUTE_TYPES: Readonly<Record<string, AttributeType>> = Object.freeze({
  [OID.commonName]: { short: "CN", long: "commonName" },
  [OID.surname]: { short: "SN", long: "surname" },
  [OID.serialNumber]: { short: "serialNumber", long: "serialNumber" },
  [OID.countryName]: { short: "C", long: "countryName" },
  [OID.localityName]: { short: "L", long: "localityName" },
  [OID.stateOrProvinceName]: { short: "ST", long: "stateOrProvinceName" },
  [OID.streetAddress]: { short: "street", long: "streetAddress" },
  [OID.organizationName]: { short: "O", long: "organizationName" },
  [OID.organizationalUnitName]: { short: "OU", long: "organizationalUnitName" },
  [OID.title]: { short: "title", long: "title" },
  [OID.givenName]: { short: "GN", long: "givenName" },
  [OID.userId]: { short: "UID", long: "userId" },
  [OID.domainComponent]: { short: "DC", long: "domainComponent" },
  [OID.emailAddress]: { short: "emailAddress", long: "emailAddress" },
});

/** Extension OIDs → the names OpenSSL prints. */
export const EXTENSION_NAMES: Readonly<Record<string, string>> = Object.freeze({
  [OID.subjectKeyIdentifier]: "subjectKeyIdentifier",
  [OID.keyUsage]: "keyUsage",
  [OID.subjectAltName]: "subjectAltName",
  [OID.issuerAltName]: "issuerAltName",
  [OID.basicConstraints]: "basicConstraints",
  [OID.nameConstraints]: "nameConstraints",
  [OID.cRLDistributionPoints]: "cRLDistributionPoints",
  [OID.certificatePolicies]: "certificatePolicies",
  [OID.policyMappings]: "policyMappings",
  [OID.authorityKeyIdentifier]: "authorityKeyIdentifier",
  [OID.policyConstraints]: "policyConstraints",
  [OID.extKeyUsage]: "extendedKeyUsage",
  [OID.inhibitAnyPolicy]: "inhibitAnyPolicy",
  [OID.authorityInfoAccess]: "authorityInfoAccess",
  [OID.subjectInfoAccess]: "subjectInfoAccess",
  [OID.ctPrecertificateScts]: "ct_precert_scts",
});

/** Extended-key-usage OIDs → the names OpenSSL's config uses (`serverAuth`). */
export const EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = Object.freeze({
  [OID.anyExtendedKeyUsage]: "anyExtendedKeyUsage",
  [OID.serverAuth]: "serverAuth",
  [OID.clientAuth]: "clientAuth",
  [OID.codeSigning]: "codeSigning",
  [OID.emailProtection]: "emailProtection",
  [OID.timeStamping]: "timeStamping",
  [OID.ocspSigning]: "OCSPSigning",
});

/** keyUsage bit numbers (RFC 5280 §4.2.1.3) → names, in bit order. */
export const KEY_USAGES: readonly string[] = Object.freeze([
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
]);

/** PKCS#5 v1.5 / PKCS#12 password-based-encryption OIDs WebCrypto cannot do → names. */
export const LEGACY_PBE_NAMES: Readonly<Record<string, string>> = Object.freeze({
  "1.2.840.113549.1.5.1": "pbeWithMD2AndDES-CBC",
  "1.2.840.113549.1.5.3": "pbeWithMD5AndDES-CBC",
  "1.2.840.113549.1.5.4": "pbeWithMD2AndRC2-CBC",
  "1.2.840.113549.1.5.6": "pbeWithMD5AndRC2-CBC",
  "1.2.840.113549.1.5.10": "pbeWithSHA1AndDES-CBC",
  "1.2.840.113549.1.5.11": "pbeWithSHA1AndRC2-CBC",
  "1.2.840.113549.1.12.1.1": "pbeWithSHAAnd128BitRC4",
  "1.2.840.113549.1.12.1.2": "pbeWithSHAAnd40BitRC4",
  "1.2.840.113549.1.12.1.3": "pbeWithSHAAnd3-KeyTripleDES-CBC",
  "1.2.840.113549.1.12.1.4": "pbeWithSHAAnd2-KeyTripleDES-CBC",
  "1.2.840.113549.1.12.1.5": "pbeWithSHAAnd128BitRC2-CBC",
  "1.2.840.113549.1.12.1.6": "pbewithSHAAnd40BitRC2-CBC",
});

/**
 * The name of any registered OID as OpenSSL prints it (`sha256WithRSAEncryption`, `CN`,
 * `subjectAltName`, `serverAuth`, `prime256v1`), or the dotted OID itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OID, oidName } from "./oids.ts";
 * assert.equal(oidName(OID.serverAuth), "serverAuth");
 * assert.equal(oidName("1.2.3.4"), "1.2.3.4");
 * ```
 */
export function oidName(oid: string): string {
  return SIGNATURE_ALGORITHMS[oid]?.opensslName ?? KEY_ALGORITHMS[oid]?.opensslName ??
    ATTRIBUTE_TYPES[oid]?.short ?? EXTENSION_NAMES[oid] ?? EXTENDED_KEY_USAGES[oid] ??
    CURVES[oid]?.opensslName ?? LEGACY_PBE_NAMES[oid] ?? oid;
}
