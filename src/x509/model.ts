/**
 * THE parsed certificate of tlsmith: one plain object made once per certificate from its DER,
 * read by `describeCertificate`, chain verification, the CA, the CSR code and every CLI command.
 * Nobody parses a certificate a second time.
 *
 * Everything is decoded strictly through the project's DER reader (`_internal/der.ts`) and the
 * one OID registry (`_internal/oids.ts`): names ({@linkcode Name}: structured RDNs, the DER for
 * exact comparison and ONE RFC 4514 string), the serial (signed), the validity (UTCTime
 * `YYMMDDHHMMSSZ` / GeneralizedTime `YYYYMMDDHHMMSSZ` only), the public key, every extension by
 * its one codec (`extensions.ts`; unknown ones kept as OID + critical + bytes), the
 * subjectAltName entries of every GeneralName type, fingerprints, the raw TBS bytes and both
 * signature algorithms. Any input that is not such a certificate is a `BAD_CERTIFICATE`
 * {@linkcode TlsmithError} saying what is wrong and where; nothing else is ever thrown.
 *
 * @module
 */

import { encodeHexColons } from "../_internal/bytes.ts";
import { sha1, sha256 } from "../_internal/sha.ts";
import {
  CONTEXT,
  DerError,
  type DerNode,
  parseDer,
  readBigInt,
  readBitString,
  readSmallInt,
  readTime,
  sequence,
  TAG,
  tryParseDer,
  UNIVERSAL,
} from "../_internal/der.ts";
import { TlsmithError } from "../errors.ts";
import { decodePem, isCertificateLabel, isCsrLabel, isPrivateKeyLabel } from "../pem.ts";
import { readName } from "./dn.ts";
import { decodeExtensions, readExtensionList } from "./extensions.ts";
import { readAlgorithmIdentifier, readPublicKeyInfo } from "./public_key.ts";

/** An AlgorithmIdentifier (signature or public-key algorithm). */
export interface AlgorithmIdentifier {
  /** The dotted OID. */
  readonly oid: string;
  /** How OpenSSL names it (`sha256WithRSAEncryption`, `id-ecPublicKey`), or the OID. */
  readonly name: string;
  /** The DER of the parameters element, when present (`05 00` for NULL). */
  readonly parameters?: Uint8Array;
  /** The DER of the whole AlgorithmIdentifier (for exact comparison). */
  readonly der: Uint8Array;
}

/** One AttributeTypeAndValue of a distinguished name. */
export interface NameAttribute {
  /** The attribute type's dotted OID (`2.5.4.3`). */
  readonly oid: string;
  /** The short name RFC 4514 prints (`CN`, `O`, `emailAddress`), or the dotted OID. */
  readonly type: string;
  /** The universal tag of the value (12 UTF8String, 19 PrintableString, 22 IA5String, …). */
  readonly tag: number;
  /**
   * The text of a string value (UTF8String, PrintableString, IA5String, TeletexString as
   * Latin-1, BMPString, UniversalString, …); absent for values that are not strings. Bytes that
   * the string type does not allow (a non-ASCII byte in an IA5String) are kept one code point per
   * byte, and the RFC 4514 form escapes them.
   */
  readonly value?: string;
  /** The DER of the AttributeValue. */
  readonly der: Uint8Array;
}

/** A relative distinguished name: one or more attributes (a SET). */
export type Rdn = readonly NameAttribute[];

/** A distinguished name (an X.501 `Name`). */
export interface Name {
  /** The RDNs in encoding order (least specific first, as in the DER: `C`, `O`, `CN`). */
  readonly rdns: readonly Rdn[];
  /** The DER of the Name, for exact comparison. */
  readonly der: Uint8Array;
  /**
   * The one string form (RFC 4514): most specific RDN first, `, ` between RDNs, `+` inside a
   * multi-valued RDN, RFC 4514 escaping, `#hex` for values that are not strings or have a dotted
   * type, `\XX` for control bytes and for bytes a string type does not allow. Empty for an
   * empty name.
   */
  readonly text: string;
}

/**
 * One GeneralName (RFC 5280 §4.2.1.6), of any of its nine types. The `dns`, `email`, `uri` and
 * `ip` members are also tlsmith's `SubjectAltName`s. IA5String values keep every byte (one code
 * point per byte), so a malformed name is never silently repaired: check it with the predicates
 * of `names.ts` before trusting it.
 */
export type GeneralName =
  | {
    /** otherName `[0]`. */
    readonly type: "otherName";
    /** The type-id OID. */
    readonly oid: string;
    /** The DER of the value inside `[0] EXPLICIT`. */
    readonly value: Uint8Array;
    /** The text of a UPN / SmtpUTF8Mailbox (a UTF8String), when it is one. */
    readonly text?: string;
  }
  | {
    /** rfc822Name `[1]`. */
    readonly type: "email";
    /** The IA5String (one code point per byte). */
    readonly value: string;
  }
  | {
    /** dNSName `[2]`. */
    readonly type: "dns";
    /** The IA5String (one code point per byte). */
    readonly value: string;
  }
  | {
    /** x400Address `[3]` (kept as its DER; OpenSSL shows `X400Name:<unsupported>`). */
    readonly type: "x400Address";
    /** The DER of the element. */
    readonly der: Uint8Array;
  }
  | {
    /** directoryName `[4]`. */
    readonly type: "directoryName";
    /** The name. */
    readonly name: Name;
  }
  | {
    /** ediPartyName `[5]` (kept as its DER; OpenSSL shows `EdiPartyName:<unsupported>`). */
    readonly type: "ediPartyName";
    /** The DER of the element. */
    readonly der: Uint8Array;
  }
  | {
    /** uniformResourceIdentifier `[6]`. */
    readonly type: "uri";
    /** The IA5String (one code point per byte). */
    readonly value: string;
  }
  | {
    /** iPAddress `[7]`: 4 or 16 bytes in a SAN, 8 or 32 (address and mask) in a name constraint. */
    readonly type: "ip";
    /** The text form (`127.0.0.1`, `::1`, `10.0.0.0/8` in a constraint; hex when the length is odd). */
    readonly value: string;
    /** The raw octets. */
    readonly bytes: Uint8Array;
  }
  | {
    /** registeredID `[8]`. */
    readonly type: "registeredID";
    /** The dotted OID. */
    readonly oid: string;
  };

/** The `type` of a {@linkcode GeneralName}. */
export type GeneralNameType = GeneralName["type"];

/** One GeneralSubtree of a name constraint. */
export interface GeneralSubtree {
  /** The base name (for `ip`: address and mask, 8 or 32 bytes). */
  readonly base: GeneralName;
  /** `minimum` (RFC 5280: always 0). */
  readonly minimum: number;
  /** `maximum` (RFC 5280: always absent). */
  readonly maximum?: number;
}

/** The nameConstraints extension (RFC 5280 §4.2.1.10), decoded. */
export interface NameConstraints {
  /** permittedSubtrees (empty when absent). */
  readonly permitted: readonly GeneralSubtree[];
  /** excludedSubtrees (empty when absent). */
  readonly excluded: readonly GeneralSubtree[];
}

/** The basicConstraints extension, decoded. */
export interface BasicConstraints {
  /** `cA`. */
  readonly ca: boolean;
  /** `pathLenConstraint`, when present. */
  readonly pathLength?: number;
}

/** The authorityKeyIdentifier extension, decoded. */
export interface AuthorityKeyIdentifier {
  /** `keyIdentifier [0]`, when present. */
  readonly keyIdentifier?: Uint8Array;
  /** `authorityCertIssuer [1]`, when present. */
  readonly issuer?: readonly GeneralName[];
  /** `authorityCertSerialNumber [2]`, when present. */
  readonly serial?: bigint;
}

/** One extension as it appears in the certificate (or CSR extension request). */
export interface Extension {
  /** The dotted OID. */
  readonly oid: string;
  /** The name OpenSSL uses (`subjectAltName`), or the OID. */
  readonly name: string;
  /** The critical flag. */
  readonly critical: boolean;
  /** The extnValue contents (the DER of the extension's own value). */
  readonly value: Uint8Array;
}

/** A SubjectPublicKeyInfo, decoded. */
export interface PublicKeyInfo {
  /** The algorithm (OID, name, parameters). */
  readonly algorithm: AlgorithmIdentifier;
  /**
   * What kind of key: `rsa`, `rsa-pss`, `ec`, `ed25519`, `ed448`, `x25519`, `x448`, `dsa`,
   * `dh`, or `unknown`.
   */
  readonly kind: string;
  /** For EC keys: the curve (`P-256`, `secp256k1`, a dotted OID, or `explicit`). */
  readonly curve?: string;
  /** Key size in bits: the exact RSA or DSA modulus length (1025 is 1025), the EC field size. */
  readonly bits?: number;
  /**
   * tlsmith's name for it: a `KeyType` (`ec-p256`, `rsa-2048`, `ed25519`) when tlsmith makes such
   * keys, otherwise a description (`rsa-1025`, `rsa-pss-2048`, `ec-secp256k1`, `dsa-2048`, or
   * the algorithm OID).
   */
  readonly keyType: string;
  /** The subjectPublicKey BIT STRING contents (the encoded key). */
  readonly key: Uint8Array;
  /** The DER of the whole SubjectPublicKeyInfo. */
  readonly der: Uint8Array;
  /** SHA-256 of `der`, upper-case hex with colons (as `tlsmith fingerprint` prints it). */
  readonly sha256: string;
}

/** Fingerprints of a certificate's DER, upper-case hex with colons (`AA:BB:…`). */
export interface Fingerprints {
  /** SHA-256. */
  readonly sha256: string;
  /** SHA-1. */
  readonly sha1: string;
}

/** A parsed X.509 certificate (RFC 5280). */
export interface Certificate {
  /** The DER of the whole certificate. */
  readonly der: Uint8Array;
  /** The DER of tbsCertificate: the signed bytes. */
  readonly tbs: Uint8Array;
  /** The version as people say it: 1, 2 or 3. */
  readonly version: 1 | 2 | 3;
  /** The serial number (signed: a negative serial stays negative). */
  readonly serial: bigint;
  /** The serial as `openssl x509 -serial` prints it: upper-case hex, `-` for a negative one. */
  readonly serialNumber: string;
  /** The signature algorithm inside tbsCertificate. */
  readonly tbsSignatureAlgorithm: AlgorithmIdentifier;
  /** The signature algorithm outside it (what the signature was made with). */
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** The signature value (the BIT STRING contents). */
  readonly signature: Uint8Array;
  /** The issuer name. */
  readonly issuer: Name;
  /** The subject name. */
  readonly subject: Name;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity (never before `notBefore`). */
  readonly notAfter: Date;
  /** The subject public key. */
  readonly publicKey: PublicKeyInfo;
  /** Every extension, in order, with its critical flag and value. */
  readonly extensions: readonly Extension[];
  /** The OIDs of extensions that appear more than once (RFC 5280 forbids it). */
  readonly duplicateExtensions: readonly string[];
  /** basicConstraints, when present. */
  readonly basicConstraints?: BasicConstraints;
  /** keyUsage names in bit order (`digitalSignature`, `keyCertSign`, …), when present. */
  readonly keyUsage?: readonly string[];
  /** extKeyUsage OIDs, when present (possibly empty). */
  readonly extKeyUsage?: readonly string[];
  /** subjectAltName entries of every type (empty when there is no subjectAltName). */
  readonly subjectAltNames: readonly GeneralName[];
  /** subjectKeyIdentifier, when present. */
  readonly subjectKeyIdentifier?: Uint8Array;
  /** authorityKeyIdentifier, when present. */
  readonly authorityKeyIdentifier?: AuthorityKeyIdentifier;
  /** nameConstraints, when present. */
  readonly nameConstraints?: NameConstraints;
  /** Fingerprints of `der`. */
  readonly fingerprints: Fingerprints;
}

/** A parsed PKCS#10 certificate signing request (RFC 2986). */
export interface CertificateRequest {
  /** The DER of the whole request. */
  readonly der: Uint8Array;
  /** The DER of certificationRequestInfo: the signed bytes. */
  readonly tbs: Uint8Array;
  /** The subject name. */
  readonly subject: Name;
  /** The public key. */
  readonly publicKey: PublicKeyInfo;
  /** The attributes, as OID and the DER of each value (a value SET may be empty). */
  readonly attributes: readonly { readonly oid: string; readonly values: readonly Uint8Array[] }[];
  /** The extensions of the extensionRequest attribute(s), each decoded by its codec. */
  readonly extensions: readonly Extension[];
  /** The subjectAltName entries requested (empty when none). */
  readonly subjectAltNames: readonly GeneralName[];
  /** The signature algorithm. */
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** The signature value. */
  readonly signature: Uint8Array;
}

// ---------------------------------------------------------------------------
// Reading

/** Size limits of the readers, enforced before any decoding. */
export const X509_LIMITS = Object.freeze({
  /** Largest certificate or CSR, in DER bytes (real ones are a few KB; 100 SANs fit in 8 KB). */
  certificateBytes: 128 * 1024,
  /** Most certificates read from one input (a PEM bundle or a list). */
  certificatesPerInput: 2000,
});

/** Certificates as PEM text (one or more blocks), DER bytes, or a list of either. */
export type CertificateInput = string | Uint8Array | readonly (string | Uint8Array)[];

/**
 * Why DER bytes cannot be read as a `what` (a certificate or a CSR) before any decoding: not
 * bytes, or over {@linkcode X509_LIMITS}`.certificateBytes`; null when they may be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inputProblem } from "./model.ts";
 * assert.equal(inputProblem(new Uint8Array(10), "certificate"), null);
 * assert.match(inputProblem(new Uint8Array(1 << 20), "CSR")!, /at most/);
 * ```
 */
export function inputProblem(der: unknown, what: string): string | null {
  if (!(der instanceof Uint8Array)) return `expected a ${what} as PEM text or DER bytes.`;
  if (der.length > X509_LIMITS.certificateBytes) {
    return `the ${what} is ${der.length} bytes long; tlsmith reads ${what}s of at most ${X509_LIMITS.certificateBytes} bytes.`;
  }
  return null;
}

function where(source?: string): string {
  return source ? `${source}: ` : "";
}

/** What DER that is not a certificate looks like, as a hint. */
function sniff(der: Uint8Array): string {
  const node = tryParseDer(der);
  const kids = node?.children ?? [];
  const shape = (n: DerNode | undefined, tags: number[]) =>
    n !== undefined && n.children.length >= tags.length &&
    tags.every((t, i) => n.children[i].cls === UNIVERSAL && n.children[i].tag === t);
  if (shape(node ?? undefined, [TAG.SEQUENCE, TAG.SEQUENCE, TAG.BIT_STRING])) {
    const info = kids[0];
    if (shape(info, [TAG.INTEGER, TAG.SEQUENCE, TAG.SEQUENCE]) && info.children.length <= 4) {
      return " It is a certificate signing request (CSR); have a CA sign it (`tlsmith sign CSR`) to get a certificate.";
    }
    return ""; // a damaged certificate: the detail says what is wrong
  }
  if (shape(node ?? undefined, [TAG.INTEGER, TAG.SEQUENCE, TAG.OCTET_STRING])) {
    return " It is a private key; pass the certificate file instead.";
  }
  if (node && kids.length === 2 && shape(node, [TAG.SEQUENCE, TAG.BIT_STRING])) {
    return " It is a public key, not a certificate.";
  }
  return " If it is a key or a CSR, pass the certificate instead.";
}

function bad(source: string | undefined, detail: string, cause?: unknown): TlsmithError {
  return new TlsmithError(
    "BAD_CERTIFICATE",
    `${where(source)}${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

/** The universal node `tag` at fields[i], or undefined. */
function optionalContext(fields: readonly DerNode[], i: number, n: number): DerNode | undefined {
  const f = fields[i];
  return f && f.cls === CONTEXT && f.tag === n ? f : undefined;
}

function readTbs(certificate: DerNode): Omit<Certificate, "fingerprints"> {
  const what = "certificate";
  const [tbsNode, outerAlg, sigNode] = sequence(certificate, what, 3, 3);
  const fields = sequence(tbsNode, `${what}'s signed body`, 6, 10);
  let i = 0;
  let version: 1 | 2 | 3 = 1;
  const versionNode = optionalContext(fields, 0, 0);
  if (versionNode) {
    i++;
    if (!versionNode.constructed || versionNode.children.length !== 1) {
      throw new DerError(`the ${what}'s version is malformed.`);
    }
    const v = readSmallInt(versionNode.children[0], `${what}'s version`);
    if (v > 2) throw new DerError(`the ${what}'s version is ${v + 1}; X.509 has versions 1 to 3.`);
    version = (v + 1) as 1 | 2 | 3;
  }
  const serial = readBigInt(fields[i++], `${what}'s serial number`);
  const tbsSignatureAlgorithm = readAlgorithmIdentifier(
    fields[i++],
    `${what}'s signature algorithm (signed body)`,
  );
  const issuer = readName(fields[i++], `${what}'s issuer`);
  const [nb, na] = sequence(fields[i++], `${what}'s validity`, 2, 2);
  const notBefore = readTime(nb, `${what}'s notBefore`);
  const notAfter = readTime(na, `${what}'s notAfter`);
  const subject = readName(fields[i++], `${what}'s subject`);
  if (!fields[i]) throw new DerError(`the ${what} has no public key.`);
  const publicKey = readPublicKeyInfo(fields[i++], `${what}'s public key`);
  for (const n of [1, 2]) {
    if (optionalContext(fields, i, n)) {
      if (version === 1) {
        throw new DerError(`the ${what} is version 1 but has a unique identifier.`);
      }
      i++;
    }
  }
  let extensions: Extension[] = [];
  const extNode = optionalContext(fields, i, 3);
  if (extNode) {
    i++;
    if (!extNode.constructed || extNode.children.length !== 1) {
      throw new DerError(`the ${what}'s extensions are malformed.`);
    }
    if (version !== 3) {
      throw new DerError(`the ${what} is version ${version} but has extensions (version 3 only).`);
    }
    extensions = readExtensionList(extNode.children[0], `${what}'s extensions`);
  }
  if (i !== fields.length) {
    throw new DerError(`the ${what}'s signed body has ${fields.length - i} unexpected fields.`);
  }
  const signatureAlgorithm = readAlgorithmIdentifier(outerAlg, `${what}'s signature algorithm`);
  const { bytes: signature, unusedBits } = readBitString(sigNode, `${what}'s signature`);
  if (unusedBits !== 0) throw new DerError(`the ${what}'s signature is not whole bytes.`);
  const decoded = decodeExtensions(extensions, what);
  return {
    der: certificate.der,
    tbs: tbsNode.der,
    version,
    serial,
    serialNumber: serialText(serial),
    tbsSignatureAlgorithm,
    signatureAlgorithm,
    signature,
    issuer,
    subject,
    notBefore,
    notAfter,
    publicKey,
    extensions,
    ...decoded,
  };
}

/** A serial as `openssl x509 -serial` prints it: upper-case hex bytes, `-` when negative. */
function serialText(serial: bigint): string {
  const magnitude = serial < 0n ? -serial : serial;
  let hex = magnitude.toString(16).toUpperCase();
  if (hex.length % 2) hex = `0${hex}`;
  return `${serial < 0n ? "-" : ""}${hex}`;
}

/**
 * Read one DER certificate into the model. Anything that is not a well-formed X.509 certificate
 * (also: larger than {@linkcode X509_LIMITS}`.certificateBytes`, a malformed known extension, a
 * bad time, a validity that ends before it starts) is a `BAD_CERTIFICATE` error naming `source`
 * and what is wrong; nothing else is thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { decodeOnePem } from "../pem.ts";
 * import { readCertificate } from "./model.ts";
 * const cert = readCertificate(decodeOnePem((await adhocCert()).cert, "CERTIFICATE").der);
 * assert.equal(cert.subject.text, "CN=localhost, O=tlsmith adhoc");
 * assert.deepEqual(cert.subjectAltNames.map((n) => n.type), ["dns", "ip", "ip"]);
 * assert.equal(cert.basicConstraints?.ca, false);
 * ```
 */
export function readCertificate(der: Uint8Array, source?: string): Certificate {
  const tooBig = inputProblem(der, "certificate");
  if (tooBig) throw bad(source, tooBig);
  let parsed: Omit<Certificate, "fingerprints">;
  try {
    parsed = readTbs(parseDer(der, "certificate"));
  } catch (err) {
    const detail = err instanceof TlsmithError ? err.message : String(err);
    throw bad(source, `not a valid X.509 certificate: ${detail}${sniff(der)}`, err);
  }
  if (parsed.notAfter.getTime() < parsed.notBefore.getTime()) {
    throw bad(
      source,
      `the certificate's validity ends (${parsed.notAfter.toISOString()}) before it starts (${parsed.notBefore.toISOString()}), so its dates cannot be trusted. Re-issue it.`,
    );
  }
  return { ...parsed, fingerprints: fingerprintsOf(parsed.der) };
}

/**
 * The fingerprints of `der`, each hashed when first read: a command that loads a CA to issue
 * from never spends the hashing (cold, it is a few milliseconds of a CLI's start).
 */
function fingerprintsOf(der: Uint8Array): Fingerprints {
  let sha256Hex: string | undefined;
  let sha1Hex: string | undefined;
  return {
    get sha256() {
      return sha256Hex ??= encodeHexColons(sha256(der));
    },
    get sha1() {
      return sha1Hex ??= encodeHexColons(sha1(der));
    },
  };
}

/**
 * True when `value` is a certificate of this model (not PEM text or bytes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { isCertificateModel, toCertificate } from "./model.ts";
 * const { cert } = await adhocCert();
 * assert.equal(isCertificateModel(cert), false);
 * assert.equal(isCertificateModel(toCertificate(cert)), true);
 * ```
 */
export function isCertificateModel(value: unknown): value is Certificate {
  return typeof value === "object" && value !== null && !(value instanceof Uint8Array) &&
    (value as Certificate).tbs instanceof Uint8Array &&
    (value as Certificate).subject !== undefined;
}

function notACertificateLabel(labels: string[]): string {
  const label = labels[0];
  return label !== undefined && isPrivateKeyLabel(label)
    ? " This is a private key; pass the certificate file (-----BEGIN CERTIFICATE-----) instead."
    : label !== undefined && isCsrLabel(label)
    ? " This is a certificate signing request (CSR); have a CA sign it (`tlsmith sign CSR`) to get a certificate."
    : label === "PUBLIC KEY"
    ? " This is a public key, not a certificate."
    : ` Found ${
      labels.map((l) => `"${l}"`).join(", ")
    }; pass a certificate file (-----BEGIN CERTIFICATE-----).`;
}

/**
 * Read every certificate of `input`: PEM text with one or more CERTIFICATE blocks (other blocks
 * are skipped), DER bytes, or a list of either. `BAD_PEM` / `BAD_CERTIFICATE` naming `source`
 * when there is none or one is malformed; at most {@linkcode X509_LIMITS}`.certificatesPerInput`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { readCertificates } from "./model.ts";
 * const ca = await CertificateAuthority.create();
 * const { chain } = await ca.issue(["localhost"]);
 * const [leaf, root] = readCertificates(chain, "chain.pem");
 * assert.equal(leaf.issuer.text, root.subject.text);
 * ```
 */
export function readCertificates(input: CertificateInput, source?: string): Certificate[] {
  const items = typeof input === "string" || input instanceof Uint8Array ? [input] : input;
  if (!Array.isArray(items)) {
    throw bad(source, "expected certificates as PEM text, DER bytes or a list of them.");
  }
  const ders: Uint8Array[] = [];
  for (const item of items) {
    if (typeof item === "string") {
      const blocks = decodePem(item, { source, expect: "certificate" });
      const certs = blocks.filter((b) => isCertificateLabel(b.label));
      if (certs.length === 0) {
        const labels = [...new Set(blocks.map((b) => b.label))];
        throw bad(source, `not an X.509 certificate.${notACertificateLabel(labels)}`);
      }
      ders.push(...certs.map((b) => b.der));
    } else if (item instanceof Uint8Array) {
      ders.push(item);
    } else {
      throw bad(source, "expected certificates as PEM text or DER bytes.");
    }
    if (ders.length > X509_LIMITS.certificatesPerInput) {
      throw bad(
        source,
        `more than ${X509_LIMITS.certificatesPerInput} certificates; pass only the ones that belong to the chain.`,
      );
    }
  }
  if (ders.length === 0) throw bad(source, "no certificate given.");
  return ders.map((der) => readCertificate(der, source));
}

/**
 * The certificate of `input`: a model already read, PEM text (its first certificate), or DER
 * bytes (an `ArrayBuffer` too). Errors as {@linkcode readCertificates}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { toCertificate } from "./model.ts";
 * const cert = toCertificate((await adhocCert()).cert);
 * assert.equal(toCertificate(cert), cert);
 * assert.equal(toCertificate(cert.der).serial, cert.serial);
 * ```
 */
export function toCertificate(
  input: string | Uint8Array | ArrayBuffer | Certificate,
  source?: string,
): Certificate {
  if (isCertificateModel(input)) return input;
  if (input instanceof ArrayBuffer) return readCertificate(new Uint8Array(input), source);
  if (typeof input !== "string" && !(input instanceof Uint8Array)) {
    throw bad(source, "expected a certificate as PEM text or DER bytes.");
  }
  return readCertificates(input, source)[0];
}
