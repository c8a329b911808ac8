/**
 * X.509 v3 certificates (RFC 5280) with pkijs: self-signed or signed by an
 * issuer, for TLS servers (and clients) or for certificate authorities.
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

import * as asn1js from "npm:asn1js@^4.0.0";
import * as pkijs from "npm:pkijs@^4.0.0";
import { toArrayBuffer } from "../_internal/bytes.ts";
import { cryptoEngine } from "./engine.ts";
import { TlsmithError } from "../errors.ts";
import { derivePublicKey, type KeyPair, keyTypeOf, signatureHashFor } from "../keys/keys.ts";
import { generalNameOf, parseSubjectAltName, type SubjectAltName } from "./names.ts";
import { decodePem, encodePem } from "../pem.ts";
import { certificateMatchesKey } from "./match.ts";

/**
 * A certificate parsed by the `pkijs` package (`pkijs.Certificate`); import
 * pkijs to use its API. tlsmith accepts and returns these where noted.
 *
 * @ignore
 */
export type PkijsCertificate = pkijs.Certificate;

/**
 * An X.509 extension object of the `pkijs` package (`pkijs.Extension`), e.g.
 * the nameConstraints extension a CA adds.
 *
 * @ignore
 */
export type PkijsExtension = pkijs.Extension;

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
  /** The issuer's certificate (PEM text, DER bytes or parsed). It must be a CA (basicConstraints cA). */
  certificate: string | Uint8Array | PkijsCertificate;
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
  extensions?: readonly PkijsExtension[];
  /** A chosen positive serial number (default: 128 random bits). */
  serialNumber?: bigint;
}

/** The result of {@linkcode createCertificate}. */
export interface CreatedCertificate {
  /** The signed certificate parsed by pkijs (parsed on first access). */
  certificate: PkijsCertificate;
  /** Its DER encoding. */
  der: Uint8Array<ArrayBuffer>;
  /** Its PEM encoding (`-----BEGIN CERTIFICATE-----`). */
  pem: string;
}

/** Well-known OIDs. */
export const OID = {
  commonName: "2.5.4.3",
  country: "2.5.4.6",
  locality: "2.5.4.7",
  state: "2.5.4.8",
  organization: "2.5.4.10",
  organizationalUnit: "2.5.4.11",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

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

const PRINTABLE_RE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * Build a distinguished name with one RDN per attribute, in the order C, ST,
 * L, O, OU, CN. PrintableString where the text allows it, UTF8String
 * otherwise. Bad values are `BAD_OPTION` errors.
 *
 * @example
 * ```ts
 * import { buildName } from "./certificate.ts";
 * const name = buildName({ commonName: "localhost", organization: "tlsmith" });
 * console.log(name.typesAndValues.length); // 2
 * ```
 */
export function buildName(subject: CertificateSubject = {}): pkijs.RelativeDistinguishedNames {
  return pkijs.RelativeDistinguishedNames.fromBER(nameDer(subject));
}

/** The DER of the Name {@linkcode buildName} makes. */
function nameDer(subject: CertificateSubject): Uint8Array<ArrayBuffer> {
  const rdns: asn1js.Set[] = [];
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
    const text = field === "country" ? value.toUpperCase() : value;
    const str = PRINTABLE_RE.test(text)
      ? new asn1js.PrintableString({ value: text })
      : new asn1js.Utf8String({ value: text });
    const atv = new pkijs.AttributeTypeAndValue({ type: oid, value: str });
    rdns.push(new asn1js.Set({ value: [atv.toSchema()] }));
  }
  return new Uint8Array(new asn1js.Sequence({ value: rdns }).toBER(false));
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
 * An X.509 Time: UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280
 * §4.1.2.5), in whole seconds.
 *
 * @example
 * ```ts
 * import { certificateTime } from "./certificate.ts";
 * console.log(certificateTime(new Date("2050-01-01T00:00:00Z")).type); // 1
 * ```
 */
export function certificateTime(date: Date): pkijs.Time {
  const value = wholeSeconds(date, "the time");
  const year = value.getUTCFullYear();
  return new pkijs.Time({ type: year >= 1950 && year < 2050 ? 0 : 1, value });
}

/**
 * A random positive serial number of at most 128 bits, never zero.
 *
 * @example
 * ```ts
 * import { randomSerialNumber } from "./certificate.ts";
 * console.log(randomSerialNumber() > 0n); // true
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
async function keyIdentifier(spki: pkijs.PublicKeyInfo): Promise<Uint8Array> {
  const bits = spki.subjectPublicKey.valueBlock.valueHexView;
  return new Uint8Array(await crypto.subtle.digest("SHA-1", bits.slice()));
}

/** Read one DER TLV at `offset`: where its contents start and end. */
function readTlv(der: Uint8Array, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[start + i];
    start += n;
  }
  if (tag === undefined || start + length > der.length) {
    throw new TlsmithError("BAD_DER", "truncated DER in a public key.");
  }
  return { tag, start, end: start + length };
}

/** The subjectPublicKey bits (without the unused-bits byte) of SubjectPublicKeyInfo DER. */
function spkiKeyBits(spki: Uint8Array): Uint8Array {
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.start);
  const bits = readTlv(spki, algorithm.end);
  if (outer.tag !== 0x30 || algorithm.tag !== 0x30 || bits.tag !== 0x03) {
    throw new TlsmithError("BAD_DER", "the public key is not SubjectPublicKeyInfo DER.");
  }
  return spki.subarray(bits.start + 1, bits.end);
}

function extension(oid: string, critical: boolean, value: asn1js.BaseBlock, parsed?: unknown) {
  const ext = new pkijs.Extension({
    extnID: oid,
    critical,
    extnValue: value.toBER(false),
  });
  if (parsed !== undefined) ext.parsedValue = parsed;
  return ext;
}

/**
 * A keyUsage BIT STRING in DER (trailing zero bits removed). Bit numbers as in
 * RFC 5280: 0 digitalSignature, 1 nonRepudiation, 2 keyEncipherment,
 * 3 dataEncipherment, 4 keyAgreement, 5 keyCertSign, 6 cRLSign, 7 encipherOnly, 8 decipherOnly.
 */
function keyUsageBits(bits: number[]): asn1js.BitString {
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[b >> 3] |= 0x80 >> (b & 7);
  const unusedBits = 7 - (highest & 7);
  return new asn1js.BitString({ valueHex: bytes, unusedBits });
}

/** DER SEQUENCE of already-encoded parts. */
function derSequence(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return derTlv(0x30, parts);
}

/** DER TLV with `tag` around already-encoded parts. */
function derTlv(tag: number, parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const p of parts) length += p.length;
  const header: number[] = [tag];
  if (length < 0x80) {
    header.push(length);
  } else {
    const bytes: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
    header.push(0x80 | bytes.length, ...bytes);
  }
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let offset = header.length;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function parseCertificateInput(
  cert: string | Uint8Array | pkijs.Certificate,
  what: string,
): pkijs.Certificate {
  if (cert instanceof pkijs.Certificate) return cert;
  let der: Uint8Array;
  if (typeof cert === "string") {
    const block = decodePem(cert).find((b) => b.label === "CERTIFICATE");
    if (!block) {
      throw new TlsmithError(
        "BAD_CERTIFICATE",
        `${what}: expected a "CERTIFICATE" PEM block but found none.`,
      );
    }
    der = block.der;
  } else if (cert instanceof Uint8Array) {
    der = cert;
  } else {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${what}: expected PEM text, DER bytes or a pkijs.Certificate.`,
    );
  }
  try {
    return pkijs.Certificate.fromBER(toArrayBuffer(der));
  } catch (err) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${what}: the certificate cannot be parsed (${(err as Error)?.message ?? err}).`,
      { cause: err },
    );
  }
}

function isCaCertificate(cert: pkijs.Certificate): boolean {
  const ext = cert.extensions?.find((e) => e.extnID === OID.basicConstraints);
  if (!ext) return false;
  try {
    const bc = new pkijs.BasicConstraints({
      schema: asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result,
    });
    return bc.cA === true;
  } catch {
    return false;
  }
}

function issuerKeyIdentifier(cert: pkijs.Certificate): Promise<Uint8Array> {
  const ext = cert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  if (ext) {
    const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result;
    if (parsed instanceof asn1js.OctetString) {
      return Promise.resolve(new Uint8Array(parsed.valueBlock.valueHexView));
    }
  }
  return keyIdentifier(cert.subjectPublicKeyInfo);
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
 * import { createCertificate } from "./certificate.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 *
 * const keyPair = await generateKeyPair();
 * const { pem } = await createCertificate({
 *   keyPair,
 *   subject: { organization: "Example" },
 *   hosts: ["localhost", "127.0.0.1", "::1"],
 * });
 * console.log(pem.startsWith("-----BEGIN CERTIFICATE-----")); // true
 * ```
 */
export async function createCertificate(
  options: CreateCertificateOptions,
): Promise<CreatedCertificate> {
  if (!options || typeof options !== "object") {
    throw new TlsmithError("BAD_OPTION", "createCertificate needs an options object.");
  }
  const engine = cryptoEngine();
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
  let issuerCert: pkijs.Certificate | undefined;
  if (options.issuer) {
    issuerCert = parseCertificateInput(options.issuer.certificate, "issuer certificate");
    signingKey = options.issuer.privateKey;
    if (!signingKey || signingKey.type !== "private") {
      throw new TlsmithError(
        "BAD_KEY",
        "issuer.privateKey must be the issuer's private CryptoKey.",
      );
    }
    if (!isCaCertificate(issuerCert)) {
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
  const signingHash = signatureHashFor(keyTypeOf(signingKey)) ?? "SHA-256";

  // Names.
  const sans: SubjectAltName[] = [];
  const seen = new Set<string>();
  for (const host of options.hosts ?? []) {
    const san = typeof host === "string" ? parseSubjectAltName(host) : host;
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
  const ski = new Uint8Array(await crypto.subtle.digest("SHA-1", spkiKeyBits(spkiDer).slice()));
  const aki = issuerCert ? await issuerKeyIdentifier(issuerCert) : ski;

  // Extensions.
  const extensions: pkijs.Extension[] = [];
  const basic = new pkijs.BasicConstraints(
    isCa && options.pathLength !== undefined
      ? { cA: true, pathLenConstraint: options.pathLength }
      : { cA: isCa },
  );
  extensions.push(extension(OID.basicConstraints, true, basic.toSchema(), basic));
  const usage = isCa
    ? [0, 5, 6] // digitalSignature, keyCertSign, cRLSign
    : subjectKeyType.startsWith("rsa")
    ? [0, 2] // digitalSignature, keyEncipherment
    : [0]; // digitalSignature
  const usageBits = keyUsageBits(usage);
  extensions.push(extension(OID.keyUsage, true, usageBits, usageBits));
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
    const eku = new pkijs.ExtKeyUsage({ keyPurposes: purposes });
    extensions.push(extension(OID.extKeyUsage, false, eku.toSchema(), eku));
  }
  if (sans.length > 0) {
    const altNames = new pkijs.AltName({ altNames: sans.map(generalNameOf) });
    extensions.push(extension(OID.subjectAltName, subjectEmpty, altNames.toSchema(), altNames));
  }
  const skiValue = new asn1js.OctetString({ valueHex: ski });
  extensions.push(extension(OID.subjectKeyIdentifier, false, skiValue, skiValue));
  const akiValue = new pkijs.AuthorityKeyIdentifier({
    keyIdentifier: new asn1js.OctetString({ valueHex: aki }),
  });
  extensions.push(extension(OID.authorityKeyIdentifier, false, akiValue.toSchema(), akiValue));
  const standard = new Set(extensions.map((e) => e.extnID));
  for (const extra of options.extensions ?? []) {
    if (!(extra instanceof pkijs.Extension)) {
      throw new TlsmithError("BAD_OPTION", "extensions must be pkijs.Extension objects.");
    }
    if (standard.has(extra.extnID)) {
      throw new TlsmithError(
        "BAD_OPTION",
        `extension ${extra.extnID} is already written by tlsmith; an extension may appear only once.`,
      );
    }
    standard.add(extra.extnID);
    extensions.push(extra);
  }

  // Assemble the TBSCertificate DER directly (pkijs' encodeTBS re-parses names and keys) and
  // sign it once through the engine (DER ECDSA signatures, Ed25519, RSA NULL parameters).
  let signatureParams: pkijs.CryptoEngineSignatureParams;
  try {
    signatureParams = await engine.getSignatureParameters(signingKey, signingHash);
  } catch (err) {
    throw new TlsmithError(
      "BAD_KEY",
      `the signing key cannot sign certificates (${(err as Error)?.message ?? err}).`,
      { cause: err },
    );
  }
  const signatureAlgorithm = new Uint8Array(
    signatureParams.signatureAlgorithm.toSchema().toBER(false),
  );
  const issuerDer = issuerCert
    ? (issuerCert.subject.valueBeforeDecode.byteLength > 0
      ? new Uint8Array(issuerCert.subject.valueBeforeDecode)
      : new Uint8Array(issuerCert.subject.toSchema().toBER(false)))
    : subjectDer;
  const tbs = derSequence([
    new Uint8Array([0xa0, 0x03, 0x02, 0x01, 0x02]), // [0] EXPLICIT Version v3
    new Uint8Array(asn1js.Integer.fromBigInt(serial).toBER(false)),
    signatureAlgorithm,
    issuerDer,
    derSequence([
      new Uint8Array(certificateTime(notBefore).toSchema().toBER(false)),
      new Uint8Array(certificateTime(notAfter).toSchema().toBER(false)),
    ]),
    subjectDer,
    spkiDer,
    derTlv(0xa3, [derSequence(extensions.map((e) => new Uint8Array(e.toSchema().toBER(false))))]),
  ]);
  let signature: ArrayBuffer;
  try {
    signature = await engine.signWithPrivateKey(
      tbs,
      signingKey,
      signatureParams.parameters as pkijs.CryptoEngineSignWithPrivateKeyParams,
    );
  } catch (err) {
    throw new TlsmithError(
      "BAD_KEY",
      `signing the certificate failed (${
        (err as Error)?.message ?? err
      }). The signing key must be an ECDSA, RSA or Ed25519 private key with the "sign" usage.`,
      { cause: err },
    );
  }
  if (signature.byteLength === 0) {
    throw new TlsmithError("BAD_KEY", "signing the certificate produced no signature.");
  }
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const der = derSequence([
    tbs,
    signatureAlgorithm,
    new Uint8Array(new asn1js.BitString({ valueHex: signature }).toBER(false)),
  ]);
  let parsed: pkijs.Certificate | undefined;
  return {
    // Parsed on first use: serving an adhoc certificate never needs the pkijs object.
    get certificate(): pkijs.Certificate {
      parsed ??= pkijs.Certificate.fromBER(der);
      return parsed;
    },
    der,
    pem: encodePem("CERTIFICATE", der),
  };
}
