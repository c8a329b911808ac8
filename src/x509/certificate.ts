/**
 * X.509 v3 certificates (RFC 5280), written with the DER writer and the one extension codecs
 * (so what tlsmith writes is exactly what its reader reads): self-signed or signed by an issuer,
 * for TLS servers (and clients) or for certificate authorities.
 *
 * What {@linkcode createCertificate} writes: one RDN per subject attribute; a
 * random positive 128-bit serial; SHA-256 signatures (SHA-384 with a P-384
 * signing key, Ed25519 with an Ed25519 key); validity in whole seconds
 * (UTCTime before 2050, GeneralizedTime from 2050); and the extensions
 * basicConstraints (critical), keyUsage (critical), extKeyUsage (leaves),
 * subjectAltName (critical when the subject is empty), subjectKeyIdentifier
 * and authorityKeyIdentifier, plus any extra extensions given.
 *
 * @module
 */

import { sha1 } from "../_internal/sha.ts";
import { bits, explicit, int, seq, time } from "../_internal/der.ts";
import { OID as REGISTRY } from "../_internal/oids.ts";
import { TlsmithError } from "../errors.ts";
import { derivePublicKey, type KeyPair, keyTypeOf } from "../keys/keys.ts";
import { encodePem } from "../pem.ts";
import { encodeName, nameFromDer } from "./dn.ts";
import {
  authorityKeyIdentifierCodec,
  basicConstraintsCodec,
  encodeExtension,
  extKeyUsageCodec,
  keyUsageCodec,
  makeExtension,
  subjectAltNameCodec,
  subjectKeyIdentifierCodec,
} from "./extensions.ts";
import { certificateMatchesKey } from "./match.ts";
import {
  type Certificate,
  type Extension,
  type Name,
  readCertificate,
  toCertificate,
} from "./model.ts";
import {
  generalNameOf,
  isWellFormedName,
  parseSubjectAltName,
  type SubjectAltName,
} from "./names.ts";
import { publicKeyInfoFromDer } from "./public_key.ts";
import { signerFor } from "./signature.ts";

/** Subject distinguished-name attributes. Each becomes its own RDN. Empty strings are left out. */
export interface CertificateSubject {
  /** CN, at most 64 characters. For display only: TLS clients match the subjectAltName. */
  commonName?: string;
  /** O, at most 64 characters. */
  organization?: string;
  /** OU, at most 64 characters. */
  organizationalUnit?: string;
  /** C, a two-letter country code such as `DE`. */
  country?: string;
  /** L, at most 128 characters. */
  locality?: string;
  /** ST, at most 128 characters. */
  state?: string;
}

/** The certificate and private key that sign a new certificate. */
export interface CertificateIssuer {
  /** The issuer's certificate (PEM text, DER bytes or read). It must be a CA (basicConstraints cA). */
  certificate: string | Uint8Array | Certificate;
  /** The issuer's private key; it must belong to `certificate`. */
  privateKey: CryptoKey;
}

/** Options of {@linkcode createCertificate}. */
export interface CreateCertificateOptions {
  /** The subject's key pair: shorthand for `publicKey` and (when self-signed) `signingKey`. */
  keyPair?: KeyPair;
  /** The subject's public key. When self-signed it is derived from `signingKey` if left out. */
  publicKey?: CryptoKey;
  /** The private key that signs a self-signed certificate (ignored when `issuer` is given). */
  signingKey?: CryptoKey;
  /** Sign with this CA instead of self-signing. */
  issuer?: CertificateIssuer;
  /** Subject attributes. */
  subject?: CertificateSubject;
  /**
   * Names for the subjectAltName: host names, IPs, e-mail addresses, URIs (see
   * `parseSubjectAltName`), or already parsed names.
   */
  hosts?: readonly (string | SubjectAltName)[];
  /** Start of validity (default: 5 minutes ago). Cut to whole seconds. */
  notBefore?: Date;
  /** End of validity (default: 30 days from now). Cut to whole seconds. */
  notAfter?: Date;
  /** Make a CA certificate (keyCertSign, cRLSign; no extKeyUsage). */
  isCa?: boolean;
  /** For a CA: the basicConstraints pathLenConstraint (CAs allowed below it). */
  pathLength?: number;
  /** For a leaf: add extKeyUsage clientAuth (serverAuth is always there). */
  clientAuth?: boolean;
  /** For a leaf: leave out serverAuth (e.g. a client-only certificate); default true. */
  serverAuth?: boolean;
  /** Extra extensions, e.g. nameConstraints; their OIDs must not repeat the standard ones. */
  extensions?: readonly ExtensionInput[];
  /** A chosen positive serial number (default: 128 random bits). */
  serialNumber?: bigint;
}

/**
 * An extra extension for {@linkcode createCertificate}: its OID, critical flag and value (the DER
 * inside extnValue), e.g. what `nameConstraintsExtension` returns.
 */
export interface ExtensionInput {
  /** The dotted OID. */
  readonly oid: string;
  /** The critical flag (default false). */
  readonly critical?: boolean;
  /** The extnValue contents. */
  readonly value: Uint8Array;
}

/** The result of {@linkcode createCertificate}. */
export interface CreatedCertificate {
  /** The signed certificate, read into the certificate model (on first access). */
  certificate: Certificate;
  /** Its DER encoding. */
  der: Uint8Array<ArrayBuffer>;
  /** Its PEM encoding (`-----BEGIN CERTIFICATE-----`). */
  pem: string;
}

/** Well-known OIDs (from tlsmith's one registry). */
export const OID: Readonly<{
  commonName: string;
  country: string;
  locality: string;
  state: string;
  organization: string;
  organizationalUnit: string;
  subjectKeyIdentifier: string;
  keyUsage: string;
  subjectAltName: string;
  basicConstraints: string;
  nameConstraints: string;
  authorityKeyIdentifier: string;
  extKeyUsage: string;
  serverAuth: string;
  clientAuth: string;
}> = Object.freeze({
  commonName: REGISTRY.commonName,
  country: REGISTRY.countryName,
  locality: REGISTRY.localityName,
  state: REGISTRY.stateOrProvinceName,
  organization: REGISTRY.organizationName,
  organizationalUnit: REGISTRY.organizationalUnitName,
  subjectKeyIdentifier: REGISTRY.subjectKeyIdentifier,
  keyUsage: REGISTRY.keyUsage,
  subjectAltName: REGISTRY.subjectAltName,
  basicConstraints: REGISTRY.basicConstraints,
  nameConstraints: REGISTRY.nameConstraints,
  authorityKeyIdentifier: REGISTRY.authorityKeyIdentifier,
  extKeyUsage: REGISTRY.extKeyUsage,
  serverAuth: REGISTRY.serverAuth,
  clientAuth: REGISTRY.clientAuth,
});

const SUBJECT_ATTRIBUTES: {
  field: keyof CertificateSubject;
  oid: string;
  short: string;
  max: number;
}[] = [
  { field: "country", oid: OID.country, short: "C", max: 2 },
  { field: "state", oid: OID.state, short: "ST", max: 128 },
  { field: "locality", oid: OID.locality, short: "L", max: 128 },
  { field: "organization", oid: OID.organization, short: "O", max: 64 },
  { field: "organizationalUnit", oid: OID.organizationalUnit, short: "OU", max: 64 },
  { field: "commonName", oid: OID.commonName, short: "CN", max: 64 },
];

/**
 * Build a distinguished name with one RDN per attribute, in the order C, ST, L, O, OU, CN
 * (PrintableString where the text allows it, UTF8String otherwise). Bad values are
 * `BAD_OPTION` errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildName } from "./certificate.ts";
 * const name = buildName({ commonName: "localhost", organization: "tlsmith" });
 * assert.equal(name.text, "CN=localhost, O=tlsmith");
 * assert.equal(name.rdns.length, 2);
 * ```
 */
export function buildName(subject: CertificateSubject = {}): Name {
  return nameFromDer(nameDer(subject));
}

/** The DER of the Name {@linkcode buildName} makes. */
function nameDer(subject: CertificateSubject): Uint8Array<ArrayBuffer> {
  const attributes: { oid: string; value: string }[] = [];
  for (const { field, oid, short, max } of SUBJECT_ATTRIBUTES) {
    const value = subject[field];
    if (value === undefined || value === "") continue;
    if (typeof value !== "string") {
      throw new TlsmithError("BAD_OPTION", `subject ${field} (${short}) must be a string.`);
    }
    // deno-lint-ignore no-control-regex
    if (/[\x00-\x1f\x7f]/.test(value)) {
      throw new TlsmithError(
        "BAD_OPTION",
        `subject ${field} (${short}) ${JSON.stringify(value)} contains control characters.`,
      );
    }
    if (field === "country" && !/^[A-Za-z]{2}$/.test(value)) {
      throw new TlsmithError(
        "BAD_OPTION",
        `subject country ${JSON.stringify(value)} must be a two-letter code such as "DE" or "US".`,
      );
    }
    if ([...value].length > max) {
      throw new TlsmithError(
        "BAD_OPTION",
        `subject ${field} (${short}) is ${[...value].length} characters long; the limit is ${max}.`,
      );
    }
    attributes.push({ oid, value: field === "country" ? value.toUpperCase() : value });
  }
  return encodeName(attributes);
}

function wholeSeconds(date: Date, what: string): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new TlsmithError("BAD_OPTION", `${what} must be a valid Date.`);
  }
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) {
    throw new TlsmithError(
      "BAD_OPTION",
      `${what} (${date.toISOString()}) must fall in the years 0000-9999 (an X.509 time has four year digits); for "no expiry" use 9999-12-31T23:59:59Z.`,
    );
  }
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * A random positive serial number of at most 128 bits, never zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomSerialNumber } from "./certificate.ts";
 * const serial = randomSerialNumber();
 * assert.ok(serial > 0n && serial < 2n ** 128n);
 * assert.notEqual(randomSerialNumber(), serial);
 * ```
 */
export function randomSerialNumber(): bigint {
  const bytes = new Uint8Array(16);
  for (;;) {
    crypto.getRandomValues(bytes);
    let n = 0n;
    for (const b of bytes) n = (n << 8n) | BigInt(b);
    if (n !== 0n) return n;
  }
}

/** SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 §4.2.1.2 method 1). */
function keyIdentifier(subjectPublicKey: Uint8Array): Uint8Array {
  return sha1(subjectPublicKey);
}

function checkExtraExtension(extra: ExtensionInput): Extension {
  if (
    !extra || typeof extra.oid !== "string" || !(extra.value instanceof Uint8Array) ||
    (extra.critical !== undefined && typeof extra.critical !== "boolean")
  ) {
    throw new TlsmithError(
      "BAD_OPTION",
      "extensions must be { oid, critical, value } objects (value: the DER inside extnValue).",
    );
  }
  return { oid: extra.oid, name: extra.oid, critical: extra.critical === true, value: extra.value };
}

function isSubjectEmpty(subject: CertificateSubject | undefined): boolean {
  return !subject || SUBJECT_ATTRIBUTES.every(({ field }) => !subject[field]);
}

/**
 * Create and sign an X.509 v3 certificate, self-signed (`signingKey` or
 * `keyPair`) or signed by an `issuer` CA. See the module documentation for
 * exactly what it contains.
 *
 * @example A self-signed server certificate
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCertificate } from "./certificate.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 *
 * const keyPair = await generateKeyPair();
 * const { pem, certificate } = await createCertificate({
 *   keyPair,
 *   subject: { organization: "Example" },
 *   hosts: ["localhost", "127.0.0.1", "::1"],
 * });
 * assert.ok(pem.startsWith("-----BEGIN CERTIFICATE-----"));
 * assert.equal(certificate.subject.text, certificate.issuer.text); // self-signed
 * const names = certificate.subjectAltNames.map((n) => "value" in n ? n.value : n.type);
 * assert.deepEqual(names, ["localhost", "127.0.0.1", "::1"]);
 * ```
 */
export async function createCertificate(
  options: CreateCertificateOptions,
): Promise<CreatedCertificate> {
  if (!options || typeof options !== "object") {
    throw new TlsmithError("BAD_OPTION", "createCertificate needs an options object.");
  }
  const isCa = options.isCa === true;
  if (options.pathLength !== undefined) {
    if (!isCa) {
      throw new TlsmithError("BAD_OPTION", "pathLength is only allowed with isCa: true.");
    }
    if (!Number.isInteger(options.pathLength) || options.pathLength < 0) {
      throw new TlsmithError(
        "BAD_OPTION",
        `pathLength must be a whole number ≥ 0, got ${options.pathLength}.`,
      );
    }
  }

  // Keys.
  let signingKey: CryptoKey | undefined;
  let issuerCert: Certificate | undefined;
  if (options.issuer) {
    issuerCert = toCertificate(options.issuer.certificate, "issuer certificate");
    signingKey = options.issuer.privateKey;
    if (!signingKey || signingKey.type !== "private") {
      throw new TlsmithError(
        "BAD_KEY",
        "issuer.privateKey must be the issuer's private CryptoKey.",
      );
    }
    if (issuerCert.basicConstraints?.ca !== true) {
      throw new TlsmithError(
        "BAD_CERTIFICATE",
        "the issuer certificate is not a CA certificate (basicConstraints cA is not set), so it cannot sign certificates. Use a CA certificate.",
      );
    }
    if (!(await certificateMatchesKey(issuerCert, signingKey))) {
      throw new TlsmithError(
        "KEY_MISMATCH",
        "issuer.privateKey does not belong to the issuer certificate. Pass the CA's own key.",
      );
    }
  } else {
    signingKey = options.signingKey ?? options.keyPair?.privateKey;
    if (!signingKey || signingKey.type !== "private") {
      throw new TlsmithError(
        "BAD_OPTION",
        "a self-signed certificate needs its private key: pass keyPair or signingKey (or issuer to have a CA sign it).",
      );
    }
  }
  let publicKey = options.publicKey ?? options.keyPair?.publicKey;
  if (!publicKey) {
    if (options.issuer) {
      throw new TlsmithError(
        "BAD_OPTION",
        "the subject's public key is missing: pass publicKey or keyPair.",
      );
    }
    publicKey = await derivePublicKey(signingKey);
  }
  if (publicKey.type === "private") publicKey = await derivePublicKey(publicKey);
  const subjectKeyType = keyTypeOf(publicKey);
  const signer = signerFor(signingKey);

  // Names.
  const sans: SubjectAltName[] = [];
  const seen = new Set<string>();
  for (const host of options.hosts ?? []) {
    const san = typeof host === "string" ? parseSubjectAltName(host) : host;
    if (typeof host !== "string" && !isWellFormedName(generalNameOf(san))) {
      throw new TlsmithError(
        "BAD_NAME",
        `the subject alternative name ${
          JSON.stringify(san?.value)
        } is not a well-formed ${san?.type} name; pass it as text to have it checked and normalized.`,
      );
    }
    const key = `${san.type}:${san.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      sans.push(san);
    }
  }
  const subjectFields: CertificateSubject = { ...options.subject };
  if (subjectFields.commonName === undefined && !isCa) {
    const firstDns = sans.find((s) => s.type === "dns");
    if (firstDns && firstDns.value.length <= 64) subjectFields.commonName = firstDns.value;
  }
  const subjectEmpty = isSubjectEmpty(subjectFields);
  if (subjectEmpty && sans.length === 0) {
    throw new TlsmithError(
      "BAD_OPTION",
      "the certificate needs a subject name or at least one host (subjectAltName).",
    );
  }
  if (subjectEmpty && isCa) {
    throw new TlsmithError(
      "BAD_OPTION",
      'a CA certificate needs a subject name, e.g. subject: { commonName: "My CA" }.',
    );
  }
  const subjectDer = nameDer(subjectFields);

  // Validity.
  const now = Date.now();
  const notBefore = wholeSeconds(options.notBefore ?? new Date(now - 5 * 60_000), "notBefore");
  const notAfter = wholeSeconds(
    options.notAfter ?? new Date(now + 30 * 86_400_000),
    "notAfter",
  );
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new TlsmithError(
      "BAD_OPTION",
      `notAfter (${notAfter.toISOString()}) must be after notBefore (${notBefore.toISOString()}).`,
    );
  }

  // Serial.
  const serial = options.serialNumber ?? randomSerialNumber();
  if (typeof serial !== "bigint" || serial <= 0n || serial >= (1n << 159n)) {
    throw new TlsmithError(
      "BAD_OPTION",
      "serialNumber must be a positive bigint of at most 20 bytes.",
    );
  }

  // Subject public key, straight from WebCrypto.
  const spkiDer = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  const ski = keyIdentifier(publicKeyInfoFromDer(spkiDer).key);
  const aki = issuerCert
    ? issuerCert.subjectKeyIdentifier ?? keyIdentifier(issuerCert.publicKey.key)
    : ski;

  // Extensions, each written by its codec.
  const extensions: Extension[] = [
    makeExtension(
      basicConstraintsCodec,
      isCa && options.pathLength !== undefined
        ? { ca: true, pathLength: options.pathLength }
        : { ca: isCa },
      true,
    ),
    makeExtension(
      keyUsageCodec,
      isCa
        ? ["digitalSignature", "keyCertSign", "cRLSign"]
        : subjectKeyType.startsWith("rsa")
        ? ["digitalSignature", "keyEncipherment"]
        : ["digitalSignature"],
      true,
    ),
  ];
  if (!isCa) {
    const purposes: string[] = [];
    if (options.serverAuth !== false) purposes.push(OID.serverAuth);
    if (options.clientAuth) purposes.push(OID.clientAuth);
    if (purposes.length === 0) {
      throw new TlsmithError(
        "BAD_OPTION",
        "a leaf certificate needs serverAuth or clientAuth; both were turned off.",
      );
    }
    extensions.push(makeExtension(extKeyUsageCodec, purposes));
  }
  if (sans.length > 0) {
    extensions.push(makeExtension(subjectAltNameCodec, sans.map(generalNameOf), subjectEmpty));
  }
  extensions.push(makeExtension(subjectKeyIdentifierCodec, ski));
  extensions.push(makeExtension(authorityKeyIdentifierCodec, { keyIdentifier: aki }));
  const standard = new Set(extensions.map((e) => e.oid));
  for (const input of options.extensions ?? []) {
    const extra = checkExtraExtension(input);
    if (standard.has(extra.oid)) {
      throw new TlsmithError(
        "BAD_OPTION",
        `extension ${extra.oid} is already written by tlsmith; an extension may appear only once.`,
      );
    }
    standard.add(extra.oid);
    extensions.push(extra);
  }

  // TBSCertificate, signed once.
  const tbs = seq(
    explicit(0, int(2)), // version v3
    int(serial),
    signer.algorithm,
    issuerCert ? issuerCert.subject.der : subjectDer,
    seq(time(notBefore), time(notAfter)),
    subjectDer,
    spkiDer,
    explicit(3, seq(...extensions.map(encodeExtension))),
  );
  const signature = await signer.sign(tbs);
  if (signature.length === 0) {
    throw new TlsmithError("BAD_KEY", "signing the certificate produced no signature.");
  }
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const der = seq(tbs, signer.algorithm, bits(signature));
  let parsed: Certificate | undefined;
  return {
    // Read on first use: serving an adhoc certificate never needs the model.
    get certificate(): Certificate {
      parsed ??= readCertificate(der);
      return parsed;
    },
    der,
    pem: encodePem("CERTIFICATE", der),
  };
}
