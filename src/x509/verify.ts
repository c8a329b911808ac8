/**
 * Certificate chain verification, independent of pkijs's validator (which
 * checks only the last certificate and ignores a root's name constraints):
 * path building from the leaf to a trusted certificate, signatures (WebCrypto),
 * validity, name chaining, CA basicConstraints and path length, keyUsage,
 * extended key usage, the name constraints of every CA including the trusted
 * root, and host/IP matching. Agrees with
 * `openssl verify -x509_strict -purpose sslserver -verify_hostname/-verify_ip`.
 *
 * @module
 */

import * as asn1js from "npm:asn1js@^4.0.0";
import * as pkijs from "npm:pkijs@^4.0.0";
import { encodeHex, equalBytes, toArrayBuffer, toBytes } from "../_internal/bytes.ts";
import { oidName } from "../_internal/oids.ts";
import { nameFromDer } from "./dn.ts";
import { readCertificate } from "./model.ts";
import { sourcePrefix, TlsmithError } from "../errors.ts";
import { type ConstrainedName, isNamePermitted, readNameConstraints } from "./name_constraints.ts";
import { formatIpAddress, parseIpAddress } from "./names.ts";
import { decodePem, isCertificateLabel } from "../pem.ts";

/** Certificates as PEM text (one or more blocks), DER bytes, or a list of either. */
export type CertificateInput = string | Uint8Array | readonly (string | Uint8Array)[];

/** Why a chain failed. */
export type VerifyFailureCode =
  | "NO_ISSUER"
  | "BAD_SIGNATURE"
  | "EXPIRED"
  | "NOT_YET_VALID"
  | "NOT_A_CA"
  | "PATH_LENGTH_EXCEEDED"
  | "KEY_USAGE"
  | "PURPOSE"
  | "NAME_CONSTRAINTS"
  | "HOST_MISMATCH"
  | "STRICT"
  | "UNSUPPORTED"
  | "INVALID_EXTENSION";

/** Options of {@linkcode verifyChain}. */
export interface VerifyChainOptions {
  /** The leaf certificate. When PEM holds several blocks, the rest are used as the chain. */
  leaf: CertificateInput;
  /** Intermediate certificates (untrusted), in any order. */
  chain?: CertificateInput;
  /** Trust anchors (e.g. the CA's `ca.pem`). A trusted certificate ends the path. */
  trusted: CertificateInput;
  /** A DNS name (wildcards match one leftmost label) or an IP address (iPAddress SANs only). */
  host?: string;
  /** The time to verify at (default now). */
  at?: Date;
  /** Required extended key usage of the leaf: `server` (default), `client` or `any`. */
  purpose?: "server" | "client" | "any";
  /**
   * OpenSSL `-x509_strict` checks (default true): CA basicConstraints critical,
   * CA keyUsage present, SKI on CAs, AKI on issued certificates, a critical
   * subjectAltName when the subject is empty, pathLen and keyCertSign only on CAs.
   */
  strict?: boolean;
  /** File names of `leaf`, `chain` and `trusted`, used in error messages. */
  sources?: { leaf?: string; chain?: string; trusted?: string };
}

/** One certificate of a verified path. */
export interface PathCertificate {
  /** Subject in OpenSSL one-line form, e.g. `CN=localhost, O=tlsmith`. */
  subject: string;
  /** Issuer in the same form. */
  issuer: string;
  /** The DER bytes. */
  der: Uint8Array;
}

/** Result of {@linkcode verifyChain}: a path, or the first problem found. */
export type VerifyChainResult =
  | { ok: true; path: PathCertificate[] }
  | {
    ok: false;
    /** A stable failure code. */
    code: VerifyFailureCode;
    /** What is wrong, in words, naming the certificate. */
    reason: string;
    /** Position of the offending certificate (0 = leaf), when known. */
    depth?: number;
  };

/** A certificate parsed from PEM or DER, with its bytes. */
export interface ParsedCertificate {
  /** The parsed certificate. */
  certificate: pkijs.Certificate;
  /** The DER bytes. */
  der: Uint8Array;
}

/**
 * Parse every certificate in `input` (PEM with one or more CERTIFICATE blocks,
 * DER bytes, or a list). Throws `BAD_PEM` / `BAD_CERTIFICATE` naming `source`.
 *
 * @example
 * ```ts ignore
 * import { parseCertificates } from "./verify.ts";
 * const certs = parseCertificates(await Deno.readTextFile("chain.pem"), "chain.pem");
 * console.log(certs.length);
 * ```
 */
export function parseCertificates(input: CertificateInput, source?: string): ParsedCertificate[] {
  const where = sourcePrefix(source);
  const items = typeof input === "string" || input instanceof Uint8Array ? [input] : input;
  const out: ParsedCertificate[] = [];
  for (const item of items) {
    let ders: Uint8Array[];
    if (typeof item === "string") {
      const blocks = decodePem(item, { source, expect: "certificate" });
      const certs = blocks.filter((b) => isCertificateLabel(b.label));
      if (certs.length === 0) {
        const labels = [...new Set(blocks.map((b) => b.label))].join(", ");
        throw new TlsmithError(
          "BAD_CERTIFICATE",
          `${where}expected a CERTIFICATE but found ${labels}. Pass a certificate file (-----BEGIN CERTIFICATE-----).`,
        );
      }
      ders = certs.map((b) => b.der);
    } else {
      ders = [toBytes(item)];
    }
    for (const der of ders) out.push({ certificate: parseCertificateDer(der, source), der });
  }
  return out;
}

function parseCertificateDer(der: Uint8Array, source?: string): pkijs.Certificate {
  const where = sourcePrefix(source);
  const asn = asn1js.fromBER(toArrayBuffer(der));
  if (asn.offset === -1 || asn.offset !== der.length) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${where}the certificate is not valid DER (damaged or truncated). Re-export it.`,
    );
  }
  try {
    return new pkijs.Certificate({ schema: asn.result });
  } catch (err) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${where}the data is not an X.509 certificate (${
        (err as Error).message
      }). Check that you passed the right file.`,
      { cause: err },
    );
  }
}

function attrValue(v: unknown): string {
  const block = (v as { valueBlock?: { value?: unknown; valueHexView?: Uint8Array } })?.valueBlock;
  if (block && typeof block.value === "string") return block.value;
  if (block?.valueHexView) return "#" + encodeHex(block.valueHexView);
  return String(v);
}

/**
 * A distinguished name in the one RFC 4514 form of tlsmith (`CN=a, O=b`, most specific first).
 *
 * @example
 * ```ts ignore
 * import { formatName, parseCertificates } from "./verify.ts";
 * const [{ certificate }] = parseCertificates(pem);
 * console.log(formatName(certificate.subject));
 * ```
 */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  return nameFromDer(nameDer(name)).text;
}

function nameDer(name: pkijs.RelativeDistinguishedNames): Uint8Array {
  return name.valueBeforeDecode.byteLength > 0
    ? new Uint8Array(name.valueBeforeDecode)
    : new Uint8Array(name.toSchema().toBER(false));
}

function canonicalName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => `${tv.type}=${attrValue(tv.value).trim().replace(/\s+/g, " ").toLowerCase()}`)
    .join("\u0000");
}

function sameName(
  a: pkijs.RelativeDistinguishedNames,
  b: pkijs.RelativeDistinguishedNames,
): boolean {
  return equalBytes(nameDer(a), nameDer(b)) || canonicalName(a) === canonicalName(b);
}

function extension(cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return cert.extensions?.find((e) => e.extnID === oid);
}

function parsed<T>(
  ext: pkijs.Extension | undefined,
  ctor: new (p: { schema: unknown }) => T,
): T | undefined {
  if (!ext) return undefined;
  if (ext.parsedValue instanceof (ctor as unknown as abstract new (...a: never[]) => unknown)) {
    return ext.parsedValue as T;
  }
  const asn = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  return new ctor({ schema: asn.result });
}

/** Key usage bits, in DER bit order (bit 0 = digitalSignature). */
function keyUsageBits(cert: pkijs.Certificate): Set<number> | null {
  const ext = extension(cert, "2.5.29.15");
  if (!ext) return null;
  const asn = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result as asn1js.BitString;
  const bytes = asn.valueBlock.valueHexView;
  const bits = new Set<number>();
  for (let i = 0; i < bytes.length * 8; i++) {
    if (bytes[i >> 3] & (0x80 >> (i & 7))) bits.add(i);
  }
  return bits;
}

/** Extensions whose meaning verifyChain knows (the rest may not be critical). */
const HANDLED_EXTENSIONS = new Set([
  "2.5.29.15", // keyUsage
  "2.5.29.17", // subjectAltName
  "2.5.29.18", // issuerAltName
  "2.5.29.19", // basicConstraints
  "2.5.29.30", // nameConstraints
  "2.5.29.31", // cRLDistributionPoints
  "2.5.29.32", // certificatePolicies (any policy accepted)
  "2.5.29.37", // extKeyUsage
]);

/** Extensions RFC 5280 requires to be non-critical (OpenSSL rejects them when critical). */
const NEVER_CRITICAL: Record<string, string> = {
  "2.5.29.14": "subjectKeyIdentifier",
  "2.5.29.35": "authorityKeyIdentifier",
  "1.3.6.1.5.5.7.1.1": "authorityInfoAccess",
};

const KU_DIGITAL_SIGNATURE = 0;
const KU_KEY_ENCIPHERMENT = 2;
const KU_KEY_AGREEMENT = 4;
const KU_KEY_CERT_SIGN = 5;

interface CertInfo {
  certificate: pkijs.Certificate;
  der: Uint8Array;
  subject: string;
  issuer: string;
  selfIssued: boolean;
  basic?: pkijs.BasicConstraints;
  basicCritical: boolean;
  ski?: Uint8Array;
  aki?: Uint8Array;
  hasAki: boolean;
  eku?: string[];
  names: ConstrainedName[];
  hasDnsSan: boolean;
}

function describeCert(c: ParsedCertificate): CertInfo {
  const cert = c.certificate;
  const bcExt = extension(cert, "2.5.29.19");
  const basic = parsed(bcExt, pkijs.BasicConstraints);
  const skiExt = extension(cert, "2.5.29.14");
  const ski = skiExt
    ? (asn1js.fromBER(skiExt.extnValue.valueBlock.valueHexView).result as asn1js.OctetString)
      .valueBlock.valueHexView
    : undefined;
  const akiExt = extension(cert, "2.5.29.35");
  const aki = parsed(akiExt, pkijs.AuthorityKeyIdentifier)?.keyIdentifier?.valueBlock.valueHexView;
  const eku = parsed(extension(cert, "2.5.29.37"), pkijs.ExtKeyUsage)?.keyPurposes;
  const names = subjectAltNames(cert);
  return {
    certificate: cert,
    der: c.der,
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    selfIssued: sameName(cert.subject, cert.issuer),
    basic,
    basicCritical: bcExt?.critical ?? false,
    ski,
    aki,
    hasAki: akiExt !== undefined,
    eku,
    names,
    hasDnsSan: names.some((n) => n.type === "dns"),
  };
}

/**
 * The subjectAltName entries of a certificate (DNS, IP, e-mail, URI; other
 * forms are skipped).
 *
 * @example
 * ```ts ignore
 * import { parseCertificates, subjectAltNames } from "./verify.ts";
 * const [{ certificate }] = parseCertificates(pem);
 * console.log(subjectAltNames(certificate)); // [{ type: "dns", value: "localhost" }, …]
 * ```
 */
export function subjectAltNames(cert: pkijs.Certificate): ConstrainedName[] {
  const alt = parsed(extension(cert, "2.5.29.17"), pkijs.AltName);
  return altNamesToList(alt?.altNames ?? []);
}

/** Convert pkijs GeneralNames to {@linkcode ConstrainedName}s (internal, shared with csr.ts). */
export function altNamesToList(names: readonly pkijs.GeneralName[]): ConstrainedName[] {
  const out: ConstrainedName[] = [];
  for (const g of names) {
    if (g.type === 1) out.push({ type: "email", value: String(g.value) });
    else if (g.type === 2) out.push({ type: "dns", value: String(g.value) });
    else if (g.type === 6) out.push({ type: "uri", value: String(g.value) });
    else if (g.type === 7) {
      const bytes = new Uint8Array((g.value as asn1js.OctetString).valueBlock.valueHexView);
      out.push({ type: "ip", value: formatIpAddress(bytes), bytes });
    }
  }
  return out;
}

function commonNames(cert: pkijs.Certificate): string[] {
  return cert.subject.typesAndValues.filter((tv) => tv.type === "2.5.4.3").map((tv) =>
    attrValue(tv.value)
  );
}

function subjectEmails(cert: pkijs.Certificate): string[] {
  return cert.subject.typesAndValues.filter((tv) => tv.type === "1.2.840.113549.1.9.1").map((tv) =>
    attrValue(tv.value)
  );
}

/** OpenSSL's "looks like a host name" test for a CN: LDH labels with at least one dot. */
function cnLooksLikeHost(cn: string): boolean {
  const name = cn.replace(/^\*\./, "").replace(/^\.+|\.+$/g, "");
  return name.includes(".") &&
    name.split(".").every((l) => /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/.test(l));
}

// ---------------------------------------------------------------------------
// Signatures

const CURVES: Record<string, { name: string; size: number }> = {
  "1.2.840.10045.3.1.7": { name: "P-256", size: 32 },
  "1.3.132.0.34": { name: "P-384", size: 48 },
  "1.3.132.0.35": { name: "P-521", size: 66 },
};

const HASH_OIDS: Record<string, string> = {
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
  "1.3.14.3.2.26": "SHA-1",
};

const SIG_ALGS: Record<
  string,
  { kind: "rsa" | "ecdsa" | "ed25519" | "pss"; hash?: string; name: string }
> = {
  "1.2.840.113549.1.1.11": { kind: "rsa", hash: "SHA-256", name: "sha256WithRSAEncryption" },
  "1.2.840.113549.1.1.12": { kind: "rsa", hash: "SHA-384", name: "sha384WithRSAEncryption" },
  "1.2.840.113549.1.1.13": { kind: "rsa", hash: "SHA-512", name: "sha512WithRSAEncryption" },
  "1.2.840.113549.1.1.10": { kind: "pss", name: "RSASSA-PSS" },
  "1.2.840.10045.4.3.2": { kind: "ecdsa", hash: "SHA-256", name: "ecdsa-with-SHA256" },
  "1.2.840.10045.4.3.3": { kind: "ecdsa", hash: "SHA-384", name: "ecdsa-with-SHA384" },
  "1.2.840.10045.4.3.4": { kind: "ecdsa", hash: "SHA-512", name: "ecdsa-with-SHA512" },
  "1.3.101.112": { kind: "ed25519", name: "Ed25519" },
};

const WEAK_SIG_ALGS: Record<string, string> = {
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
};

function ecdsaDerToRaw(sig: Uint8Array, size: number): Uint8Array | null {
  const asn = asn1js.fromBER(toArrayBuffer(sig));
  if (asn.offset !== sig.length || !(asn.result instanceof asn1js.Sequence)) return null;
  const ints = asn.result.valueBlock.value;
  if (ints.length !== 2 || !ints.every((i) => i instanceof asn1js.Integer)) return null;
  const out = new Uint8Array(size * 2);
  for (let k = 0; k < 2; k++) {
    let bytes = (ints[k] as asn1js.Integer).valueBlock.valueHexView;
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
    if (bytes.length > size) return null;
    out.set(bytes, k * size + size - bytes.length);
  }
  return out;
}

/**
 * Verify a signature made with the key in `spki` (a pkijs PublicKeyInfo)
 * using WebCrypto. Returns true/false for a good/bad signature; throws
 * `UNSUPPORTED_ALGORITHM` for algorithms tlsmith does not verify (SHA-1, MD5,
 * unknown OIDs).
 *
 * @example
 * ```ts ignore
 * import { parseCertificates, verifySignature } from "./verify.ts";
 * const [leaf, ca] = parseCertificates(chainPem);
 * const ok = await verifySignature(ca.certificate.subjectPublicKeyInfo, leaf.certificate.signatureAlgorithm,
 *   leaf.certificate.tbsView, leaf.certificate.signatureValue.valueBlock.valueHexView);
 * ```
 */
export async function verifySignature(
  spki: pkijs.PublicKeyInfo,
  algorithm: pkijs.AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const oid = algorithm.algorithmId;
  const alg = SIG_ALGS[oid];
  if (!alg) {
    throw new TlsmithError(
      "UNSUPPORTED_ALGORITHM",
      WEAK_SIG_ALGS[oid]
        ? `the signature algorithm ${
          WEAK_SIG_ALGS[oid]
        } is too weak to be trusted; re-issue with SHA-256 or better.`
        : `the signature algorithm ${oid} is not supported (use ECDSA, RSA, RSA-PSS or Ed25519 with SHA-256/384/512).`,
    );
  }
  const spkiDer = toArrayBuffer(new Uint8Array(spki.toSchema().toBER(false)));
  const keyOid = spki.algorithm.algorithmId;
  const subtle = crypto.subtle;
  try {
    if (alg.kind === "ecdsa") {
      if (keyOid !== "1.2.840.10045.2.1") return false;
      const curveOid = (spki.algorithm.algorithmParams as asn1js.ObjectIdentifier)?.valueBlock
        ?.toString();
      const curve = CURVES[curveOid];
      if (!curve) {
        throw new TlsmithError(
          "UNSUPPORTED_ALGORITHM",
          `the EC curve ${curveOid} is not supported (use P-256, P-384 or P-521).`,
        );
      }
      const raw = ecdsaDerToRaw(signature, curve.size);
      if (!raw) return false;
      const key = await subtle.importKey(
        "spki",
        spkiDer,
        { name: "ECDSA", namedCurve: curve.name },
        false,
        ["verify"],
      );
      return await subtle.verify(
        { name: "ECDSA", hash: alg.hash! },
        key,
        toArrayBuffer(raw),
        toArrayBuffer(data),
      );
    }
    if (alg.kind === "ed25519") {
      if (keyOid !== "1.3.101.112") return false;
      const key = await subtle.importKey("spki", spkiDer, { name: "Ed25519" }, false, ["verify"]);
      return await subtle.verify(
        { name: "Ed25519" },
        key,
        toArrayBuffer(signature),
        toArrayBuffer(data),
      );
    }
    if (keyOid !== "1.2.840.113549.1.1.1" && keyOid !== "1.2.840.113549.1.1.10") return false;
    // WebCrypto wants an rsaEncryption SPKI; rewrite an id-RSASSA-PSS key's algorithm.
    let rsaSpki = spkiDer;
    if (keyOid !== "1.2.840.113549.1.1.1") {
      const copy = new pkijs.PublicKeyInfo({
        algorithm: new pkijs.AlgorithmIdentifier({
          algorithmId: "1.2.840.113549.1.1.1",
          algorithmParams: new asn1js.Null(),
        }),
        subjectPublicKey: spki.subjectPublicKey,
      });
      rsaSpki = copy.toSchema().toBER(false);
    }
    if (alg.kind === "rsa") {
      const key = await subtle.importKey(
        "spki",
        rsaSpki,
        { name: "RSASSA-PKCS1-v1_5", hash: alg.hash! },
        false,
        ["verify"],
      );
      return await subtle.verify(
        { name: "RSASSA-PKCS1-v1_5" },
        key,
        toArrayBuffer(signature),
        toArrayBuffer(data),
      );
    }
    const params = new pkijs.RSASSAPSSParams({ schema: algorithm.algorithmParams });
    const hash = HASH_OIDS[params.hashAlgorithm.algorithmId];
    if (!hash || hash === "SHA-1") {
      throw new TlsmithError(
        "UNSUPPORTED_ALGORITHM",
        `RSA-PSS with hash ${params.hashAlgorithm.algorithmId} is not supported; use SHA-256 or better.`,
      );
    }
    const key = await subtle.importKey("spki", rsaSpki, { name: "RSA-PSS", hash }, false, [
      "verify",
    ]);
    return await subtle.verify(
      { name: "RSA-PSS", saltLength: params.saltLength },
      key,
      toArrayBuffer(signature),
      toArrayBuffer(data),
    );
  } catch (err) {
    if (err instanceof TlsmithError) throw err;
    return false;
  }
}

// ---------------------------------------------------------------------------
// Host matching

function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, "");
}

/** RFC 6125 / OpenSSL: `*` is the whole leftmost label and at least two labels follow. */
function dnsHostMatches(pattern: string, host: string): boolean {
  const p = normalizeHost(pattern);
  const h = normalizeHost(host);
  if (!p.startsWith("*.")) return p === h;
  const rest = p.slice(2);
  if (!rest.includes(".") || rest.includes("*")) return false;
  const dot = h.indexOf(".");
  return dot > 0 && h.slice(dot + 1) === rest;
}

/**
 * True when the certificate (PEM or DER; the first one of a chain) is valid
 * for `host`: a DNS name matched against dNSName SANs (a wildcard covers
 * exactly one leftmost label), or an IP address matched against iPAddress
 * SANs only. The subject CN is never used.
 *
 * @example
 * ```ts
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { hostMatches } from "./verify.ts";
 * const { cert } = await (await CertificateAuthority.create()).issue(["*.app.localhost", "::1"]);
 * console.log(hostMatches(cert, "api.app.localhost"), hostMatches(cert, "[::1]")); // true true
 * console.log(hostMatches(cert, "app.localhost")); // false
 * ```
 */
export function hostMatches(cert: string | Uint8Array, host: string): boolean {
  return certificateHostMatches(parseCertificates(cert)[0].certificate, host);
}

/** {@linkcode hostMatches} for a parsed certificate (internal). */
export function certificateHostMatches(cert: pkijs.Certificate, host: string): boolean {
  const names = subjectAltNames(cert);
  // "127.0.0.1." is still the IP address (URL parsers drop the dot), never a DNS name.
  const ip = parseIpAddress(host) ?? parseIpAddress(host.trim().replace(/\.$/, ""));
  if (ip) {
    return names.some((n) => n.type === "ip" && n.bytes !== undefined && equalBytes(n.bytes, ip));
  }
  return names.some((n) => n.type === "dns" && dnsHostMatches(n.value, host));
}

// ---------------------------------------------------------------------------
// Path building and checks

/** Extensions verifyChain reads, with the ASN.1 type their value must have. */
const READ_EXTENSIONS: Record<
  string,
  { name: string; type?: abstract new (...a: never[]) => unknown }
> = {
  "2.5.29.14": { name: "subjectKeyIdentifier", type: asn1js.OctetString },
  "2.5.29.15": { name: "keyUsage", type: asn1js.BitString },
  "2.5.29.17": { name: "subjectAltName" },
  "2.5.29.19": { name: "basicConstraints" },
  "2.5.29.30": { name: "nameConstraints" },
  "2.5.29.35": { name: "authorityKeyIdentifier" },
  "2.5.29.37": { name: "extKeyUsage" },
};

/**
 * Why a certificate's extensions cannot be trusted: one that appears twice
 * (RFC 5280 §4.2), or one that verifyChain reads whose value does not decode —
 * pkijs would hand back an empty value (e.g. no name constraints at all).
 */
function malformedExtension(cert: pkijs.Certificate): string | null {
  const seen = new Set<string>();
  for (const ext of cert.extensions ?? []) {
    const known = READ_EXTENSIONS[ext.extnID];
    const name = known?.name ?? ext.extnID;
    if (seen.has(ext.extnID)) return `has the ${name} extension twice`;
    seen.add(ext.extnID);
    if (!known) continue;
    const bytes = ext.extnValue.valueBlock.valueHexView;
    const asn = asn1js.fromBER(bytes);
    const value = ext.parsedValue as { parsingError?: string } | undefined;
    if (
      asn.offset !== bytes.length || asn.result.error ||
      (known.type ? !(asn.result instanceof known.type) : !value || value.parsingError)
    ) {
      return `has a malformed ${name} extension`;
    }
  }
  return null;
}

/** What RFC 5280 forbids in any certificate that `openssl verify -x509_strict` also refuses. */
function strictProblem(info: CertInfo): string | null {
  const cert = info.certificate;
  if (cert.subject.typesAndValues.length === 0) {
    const san = extension(cert, "2.5.29.17");
    if (!san) return "has an empty subject and no subjectAltName";
    if (!san.critical) return "has an empty subject but a non-critical subjectAltName";
  }
  if (!info.basic?.cA) {
    if (info.basic?.pathLenConstraint !== undefined) {
      return "has a basicConstraints pathLenConstraint but is not a CA";
    }
    if (keyUsageBits(cert)?.has(KU_KEY_CERT_SIGN)) {
      return "has the keyUsage keyCertSign but is not a CA";
    }
  }
  return null;
}

function isValidAt(cert: pkijs.Certificate, at: Date): "ok" | "expired" | "not yet valid" {
  if (at.getTime() < cert.notBefore.value.getTime()) return "not yet valid";
  if (at.getTime() > cert.notAfter.value.getTime()) return "expired";
  return "ok";
}

function issuerCandidates(child: CertInfo, pool: CertInfo[]): CertInfo[] {
  const byName = pool.filter((p) =>
    p !== child && sameName(p.certificate.subject, child.certificate.issuer)
  );
  if (!child.aki) return byName;
  // Prefer candidates whose SKI matches the child's AKI.
  const aki = child.aki;
  return [
    ...byName.filter((p) => p.ski && equalBytes(p.ski, aki)),
    ...byName.filter((p) => !p.ski || !equalBytes(p.ski, aki)),
  ];
}

type Failure = Extract<VerifyChainResult, { ok: false }>;

function fail(code: VerifyFailureCode, reason: string, depth?: number): Failure {
  return { ok: false, code, reason, depth };
}

function label(info: CertInfo, depth: number): string {
  return `${depth === 0 ? "the leaf" : "the CA"} certificate "${
    info.subject || "(empty subject)"
  }"`;
}

/** The most signature checks one path search may make (a real chain needs a handful). */
const MAX_SIGNATURE_CHECKS = 100;

async function buildPath(
  leaf: CertInfo,
  untrusted: CertInfo[],
  trusted: CertInfo[],
): Promise<CertInfo[] | Failure> {
  const isTrusted = (c: CertInfo) => trusted.some((t) => equalBytes(t.der, c.der));
  let lastFailure: Failure | null = null;
  // Look-alike issuers (same name and key) would otherwise be tried in every order.
  let checksLeft = MAX_SIGNATURE_CHECKS;
  const search = async (path: CertInfo[]): Promise<CertInfo[] | null> => {
    const current = path[path.length - 1];
    if (isTrusted(current)) return path;
    if (path.length > 10) return null;
    // Trusted anchors first, then intermediates.
    const candidates = [
      ...issuerCandidates(current, trusted),
      ...issuerCandidates(current, untrusted).filter((c) => !isTrusted(c)),
    ].filter((c) => !path.includes(c));
    // RFC 5280 4.1.1.2: the signed body names the same signature algorithm as the outer field.
    const inner = current.certificate.signature.toSchema().toBER(false);
    const outer = current.certificate.signatureAlgorithm.toSchema().toBER(false);
    if (!equalBytes(toBytes(inner), toBytes(outer))) {
      lastFailure = fail(
        "BAD_SIGNATURE",
        `${
          label(current, path.length - 1)
        } names the signature algorithm ${current.certificate.signature.algorithmId} in its signed body but ${current.certificate.signatureAlgorithm.algorithmId} outside it: the certificate was altered or badly made.`,
        path.length - 1,
      );
      return null;
    }
    for (const candidate of candidates) {
      if (checksLeft-- <= 0) {
        lastFailure = fail(
          "NO_ISSUER",
          `no path to a trusted issuer found for ${
            label(current, path.length - 1)
          } within ${MAX_SIGNATURE_CHECKS} signature checks: the chain holds too many certificates with the same name. Pass only the intermediates that belong to it.`,
          path.length - 1,
        );
        return null;
      }
      let good: boolean;
      try {
        good = await verifySignature(
          candidate.certificate.subjectPublicKeyInfo,
          current.certificate.signatureAlgorithm,
          current.certificate.tbsView,
          current.certificate.signatureValue.valueBlock.valueHexView,
        );
      } catch (err) {
        lastFailure = fail(
          "UNSUPPORTED",
          `${label(current, path.length - 1)}: ${(err as Error).message}`,
          path.length - 1,
        );
        continue;
      }
      if (!good) {
        lastFailure = fail(
          "BAD_SIGNATURE",
          `the signature of ${
            label(current, path.length - 1)
          } does not verify with the key of "${candidate.subject}": the certificate was altered or signed by a different key.`,
          path.length - 1,
        );
        continue;
      }
      const found = await search([...path, candidate]);
      if (found) return found;
    }
    if (!lastFailure || candidates.length === 0) {
      lastFailure = fail(
        "NO_ISSUER",
        `no trusted issuer found for ${
          label(current, path.length - 1)
        } (issued by "${current.issuer}"). Pass the CA that issued it as the trusted certificate (e.g. --ca ca.pem) and any intermediates in the chain.`,
        path.length - 1,
      );
    }
    return null;
  };
  const path = await search([leaf]);
  return path ?? lastFailure!;
}

/**
 * Verify a certificate chain against trust anchors. Returns `{ ok: true, path }`
 * (leaf first, trusted certificate last) or `{ ok: false, code, reason, depth }`
 * for the first problem found; it does not throw for a bad chain. Malformed
 * input (not PEM/DER certificates) throws `BAD_PEM` or `BAD_CERTIFICATE`.
 *
 * Checks, like `openssl verify -x509_strict -purpose sslserver`: signatures,
 * validity at `at` (every certificate, including the anchor), issuer/subject
 * chaining, CA basicConstraints and pathLen, keyUsage keyCertSign on CAs, the
 * leaf's keyUsage and extended key usage for `purpose`, the name constraints
 * of every CA including the trusted root (SANs, subject e-mail, and a
 * host-like CN when there is no DNS SAN), and `host` against the leaf's SANs.
 * Every certificate in `trusted` is a trust anchor that ends the path, even
 * when it is not self-signed (like OpenSSL's `-partial_chain`); unknown
 * critical extensions are rejected; SHA-1 and MD5 signatures are not trusted.
 *
 * @example Verify a leaf issued by the local CA
 * ```ts
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { verifyChain } from "./verify.ts";
 * const ca = await CertificateAuthority.create();
 * const { chain } = await ca.issue(["localhost", "127.0.0.1"]);
 * const result = await verifyChain({ leaf: chain, trusted: ca.certPem, host: "127.0.0.1" });
 * console.log(result.ok); // true
 * const wrong = await verifyChain({ leaf: chain, trusted: ca.certPem, host: "example.test" });
 * if (!wrong.ok) console.log(wrong.code, wrong.reason); // HOST_MISMATCH the leaf certificate is not valid for …
 * ```
 */
export async function verifyChain(options: VerifyChainOptions): Promise<VerifyChainResult> {
  const at = options.at ?? new Date();
  const purpose = options.purpose ?? "server";
  const strict = options.strict ?? true;
  const src = options.sources ?? {};
  const leafCerts = parseCertificates(options.leaf, src.leaf ?? "leaf");
  const chainCerts = options.chain ? parseCertificates(options.chain, src.chain ?? "chain") : [];
  const trustedCerts = parseCertificates(options.trusted, src.trusted ?? "trusted");
  const leaf = describeCert(leafCerts[0]);
  const untrusted = [...leafCerts.slice(1), ...chainCerts].map(describeCert);
  const trusted = trustedCerts.map(describeCert);

  const built = await buildPath(leaf, untrusted, trusted);
  if (!Array.isArray(built)) return built;
  const path = built;

  // Validity.
  for (let i = 0; i < path.length; i++) {
    const v = isValidAt(path[i].certificate, at);
    if (v !== "ok") {
      const c = path[i].certificate;
      return fail(
        v === "expired" ? "EXPIRED" : "NOT_YET_VALID",
        v === "expired"
          ? `${label(path[i], i)} expired on ${c.notAfter.value.toISOString()}. Issue a new one.`
          : `${
            label(path[i], i)
          } is not valid before ${c.notBefore.value.toISOString()}. Check the clock.`,
        i,
      );
    }
  }

  // Critical extensions we do not understand make a certificate unusable (RFC 5280 §4.2).
  for (let i = 0; i < path.length; i++) {
    const malformed = malformedExtension(path[i].certificate);
    if (malformed) {
      return fail(
        "INVALID_EXTENSION",
        `${label(path[i], i)} ${malformed}, so it cannot be trusted. Re-issue it.`,
        i,
      );
    }
    const forbidden = path[i].certificate.extensions?.find((e) =>
      e.critical && NEVER_CRITICAL[e.extnID]
    );
    if (forbidden) {
      return fail(
        "UNSUPPORTED",
        `${label(path[i], i)} marks its ${
          NEVER_CRITICAL[forbidden.extnID]
        } extension critical, but it must not be critical (RFC 5280).`,
        i,
      );
    }
    const unknown = path[i].certificate.extensions?.find((e) =>
      e.critical && !HANDLED_EXTENSIONS.has(e.extnID)
    );
    if (unknown) {
      return fail(
        "UNSUPPORTED",
        `${
          label(path[i], i)
        } has a critical extension ${unknown.extnID} that tlsmith does not understand, so it must be rejected.`,
        i,
      );
    }
  }

  // CA checks for every issuer (depth >= 1).
  for (let i = 1; i < path.length; i++) {
    const ca = path[i];
    if (!ca.basic?.cA) {
      return fail(
        "NOT_A_CA",
        `${label(ca, i)} is not a CA (basicConstraints CA:TRUE is missing) but issued "${
          path[i - 1].subject
        }".`,
        i,
      );
    }
    const ku = keyUsageBits(ca.certificate);
    if (ku && !ku.has(KU_KEY_CERT_SIGN)) {
      return fail(
        "KEY_USAGE",
        `${label(ca, i)} has a keyUsage without keyCertSign, so it may not sign certificates.`,
        i,
      );
    }
    const pathLen = ca.basic.pathLenConstraint;
    if (pathLen !== undefined) {
      const limit = typeof pathLen === "number" ? pathLen : pathLen.valueBlock.valueDec;
      // Intermediate CAs below this one (excluding the leaf and self-issued certificates).
      let below = 0;
      for (let j = 1; j < i; j++) if (!path[j].selfIssued) below++;
      if (below > limit) {
        return fail(
          "PATH_LENGTH_EXCEEDED",
          `${
            label(ca, i)
          } allows ${limit} intermediate CA(s) below it (pathLen ${limit}) but the chain has ${below}.`,
          i,
        );
      }
    }
    if (strict) {
      if (!ca.basicCritical) {
        return fail("STRICT", `${label(ca, i)} has a non-critical basicConstraints extension.`, i);
      }
      if (!ku) return fail("STRICT", `${label(ca, i)} has no keyUsage extension.`, i);
      if (!ca.ski) return fail("STRICT", `${label(ca, i)} has no subjectKeyIdentifier.`, i);
    }
    if (purpose !== "any" && ca.eku) {
      const want = purpose === "server" ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2";
      if (!ca.eku.includes(want)) {
        return fail(
          "PURPOSE",
          `${label(ca, i)} restricts extended key usage and does not include ${purpose}Auth.`,
          i,
        );
      }
    }
  }
  if (strict) {
    for (let i = 0; i < path.length - 1; i++) {
      if (!path[i].hasAki) {
        return fail("STRICT", `${label(path[i], i)} has no authorityKeyIdentifier.`, i);
      }
    }
    for (let i = 0; i < path.length; i++) {
      const problem = strictProblem(path[i]);
      if (problem) return fail("STRICT", `${label(path[i], i)} ${problem}.`, i);
    }
  }

  // Leaf purpose.
  if (purpose !== "any") {
    const want = purpose === "server" ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2";
    if (leaf.eku && !leaf.eku.includes(want)) {
      return fail(
        "PURPOSE",
        `the leaf certificate's extended key usage does not include ${purpose}Auth (it has ${
          leaf.eku.map(oidName).join(", ")
        }). Issue it ${purpose === "client" ? "with --client" : "for TLS servers"}.`,
        0,
      );
    }
    const ku = keyUsageBits(leaf.certificate);
    if (
      ku && path.length > 1 &&
      ![KU_DIGITAL_SIGNATURE, KU_KEY_ENCIPHERMENT, KU_KEY_AGREEMENT].some((b) => ku.has(b))
    ) {
      return fail(
        "KEY_USAGE",
        `the leaf certificate's keyUsage allows neither digitalSignature nor keyEncipherment.`,
        0,
      );
    }
  }

  // Name constraints of every CA (including the trusted root) over every certificate below it.
  for (let j = 1; j < path.length; j++) {
    const set = readNameConstraints(readCertificate(path[j].der));
    if (!set) continue;
    const unsupported = [...set.permitted, ...set.excluded].find((s) =>
      s.type === "dn" || s.type === "other"
    );
    if (unsupported) {
      return fail(
        "UNSUPPORTED",
        `${
          label(path[j], j)
        } has a ${unsupported.value} name constraint, which tlsmith does not evaluate.`,
        j,
      );
    }
    for (let i = 0; i < j; i++) {
      const c = path[i];
      if (i > 0 && c.selfIssued) continue;
      const names: ConstrainedName[] = [...c.names];
      for (const e of subjectEmails(c.certificate)) names.push({ type: "email", value: e });
      if (i === 0 && !c.hasDnsSan) {
        for (const cn of commonNames(c.certificate)) {
          if (cnLooksLikeHost(cn)) names.push({ type: "dns", value: cn });
        }
      }
      for (const n of names) {
        if (!isNamePermitted(n, set)) {
          return fail(
            "NAME_CONSTRAINTS",
            `${n.type === "ip" ? "IP address" : n.type} "${n.value}" of ${
              label(c, i)
            } violates the name constraints of "${path[j].subject}".`,
            i,
          );
        }
      }
    }
  }

  // Host.
  if (options.host !== undefined) {
    if (!certificateHostMatches(leaf.certificate, options.host)) {
      const sans = leaf.names.filter((n) => n.type === "dns" || n.type === "ip").map((n) =>
        n.value
      );
      return fail(
        "HOST_MISMATCH",
        `the leaf certificate is not valid for "${options.host}": it covers ${
          sans.length ? sans.join(", ") : "no DNS names or IP addresses"
        }.`,
        0,
      );
    }
  }

  return {
    ok: true,
    path: path.map((p) => ({ subject: p.subject, issuer: p.issuer, der: p.der })),
  };
}
