/**
 * What chain verification needs to know about one certificate ({@linkcode ChainCertificate}), and
 * where it comes from today: {@linkcode readChainCertificates}, a strict reader over the project's
 * DER reader, and {@linkcode checkSignature}, over today's signature check.
 *
 * The interface is a subset of the one parsed-certificate model (same field names and shapes), so
 * that when the model lands, `verify.ts` reads the model instead and this adapter goes away.
 *
 * @module
 */

import * as pkijs from "npm:pkijs@^4.0.0";
import {
  CONTEXT,
  DerError,
  type DerNode,
  isUniversal,
  parseDer,
  readBigInt,
  readBitString,
  readBoolean,
  readOctets,
  readOid,
  readSmallInt,
  readTime,
  sequence,
  setOf,
  TAG,
  UNIVERSAL,
} from "../_internal/der.ts";
import { KEY_USAGES, OID } from "../_internal/oids.ts";
import { toArrayBuffer } from "../_internal/bytes.ts";
import { sourcePrefix, TlsmithError } from "../errors.ts";
import { decodePem, isCertificateLabel } from "../pem.ts";
import { formatName } from "./describe.ts";
import { formatIpAddress } from "./names.ts";
import { verifySignature } from "./verify_signature.ts";

/** One attribute of a distinguished name. */
export interface ChainNameAttribute {
  /** The attribute type OID. */
  readonly oid: string;
  /** The universal tag of the value (22 = IA5String). */
  readonly tag: number;
  /** The text of a string value (one code point per byte for IA5String). */
  readonly value?: string;
}

/** A distinguished name. */
export interface ChainName {
  /** The DER of the Name (issuer and subject chain by exact bytes). */
  readonly der: Uint8Array;
  /** The RFC 4514 text, for messages. */
  readonly text: string;
  /** The RDNs in encoding order. */
  readonly rdns: readonly (readonly ChainNameAttribute[])[];
}

/** A GeneralName (RFC 5280 §4.2.1.6); IA5String values keep every byte, one code point each. */
export type ChainGeneralName =
  | { readonly type: "otherName"; readonly oid: string; readonly value: Uint8Array }
  | { readonly type: "email" | "dns" | "uri"; readonly value: string }
  | { readonly type: "x400Address" | "ediPartyName"; readonly der: Uint8Array }
  | { readonly type: "directoryName"; readonly name: ChainName }
  | { readonly type: "ip"; readonly value: string; readonly bytes: Uint8Array }
  | { readonly type: "registeredID"; readonly oid: string };

/** One GeneralSubtree of a nameConstraints extension. */
export interface ChainGeneralSubtree {
  /** The base name (for `ip`: address and mask). */
  readonly base: ChainGeneralName;
  /** `minimum` (RFC 5280: always 0). */
  readonly minimum: number;
  /** `maximum` (RFC 5280: always absent). */
  readonly maximum?: number;
}

/** What path building and the path checks read about one certificate. */
export interface ChainCertificate {
  /** The DER of the certificate. */
  readonly der: Uint8Array;
  /** The signed bytes (tbsCertificate). */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: 1 | 2 | 3;
  /** The serial number. */
  readonly serial: bigint;
  /** The signature algorithm named inside the signed body. */
  readonly tbsSignatureAlgorithm: { readonly oid: string; readonly der: Uint8Array };
  /** The signature algorithm the signature was made with. */
  readonly signatureAlgorithm: { readonly oid: string; readonly der: Uint8Array };
  /** The signature value. */
  readonly signature: Uint8Array;
  /** The issuer. */
  readonly issuer: ChainName;
  /** The subject. */
  readonly subject: ChainName;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
  /** The subject public key (its SubjectPublicKeyInfo DER). */
  readonly publicKey: { readonly der: Uint8Array };
  /** Every extension with its critical flag and value. */
  readonly extensions: readonly {
    readonly oid: string;
    readonly critical: boolean;
    readonly value: Uint8Array;
  }[];
  /** The OIDs of extensions that appear more than once. */
  readonly duplicateExtensions: readonly string[];
  /** basicConstraints, when present. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** keyUsage names in bit order, when present. */
  readonly keyUsage?: readonly string[];
  /** extKeyUsage OIDs, when present. */
  readonly extKeyUsage?: readonly string[];
  /** subjectAltName entries (empty when there is none). */
  readonly subjectAltNames: readonly ChainGeneralName[];
  /** subjectKeyIdentifier, when present. */
  readonly subjectKeyIdentifier?: Uint8Array;
  /** authorityKeyIdentifier, when present. */
  readonly authorityKeyIdentifier?: {
    readonly keyIdentifier?: Uint8Array;
    readonly issuer?: readonly ChainGeneralName[];
    readonly serial?: bigint;
  };
  /** nameConstraints, when present. */
  readonly nameConstraints?: {
    readonly permitted: readonly ChainGeneralSubtree[];
    readonly excluded: readonly ChainGeneralSubtree[];
  };
}

// ---------------------------------------------------------------------------
// The adapter: a strict reader of the fields above (replaced by the model).

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

const STRING_TAGS: ReadonlySet<number> = new Set([
  TAG.UTF8_STRING,
  TAG.PRINTABLE_STRING,
  TAG.IA5_STRING,
  TAG.TELETEX_STRING,
  TAG.NUMERIC_STRING,
  TAG.VISIBLE_STRING,
]);

function readChainName(node: DerNode, what: string): ChainName {
  const rdns = sequence(node, what).map((set) =>
    setOf(set, what).map((atv) => {
      const [type, value] = sequence(atv, what, 2, 2);
      const oid = readOid(type, what);
      if (value.cls !== UNIVERSAL) throw new DerError(`the ${what} has a tagged value.`);
      const text = value.constructed
        ? undefined
        : value.tag === TAG.UTF8_STRING
        ? new TextDecoder("utf-8", { fatal: false }).decode(value.value)
        : value.tag === TAG.BMP_STRING
        ? String.fromCharCode(
          ...Array.from({ length: value.value.length >> 1 }, (_, i) =>
            (value.value[2 * i] << 8) | value.value[2 * i + 1]),
        )
        : STRING_TAGS.has(value.tag)
        ? latin1(value.value)
        : undefined;
      return { oid, tag: value.tag, value: text };
    })
  );
  let text: string | undefined;
  return {
    der: node.der,
    // Formatted when first shown (most names of a large bundle never are).
    get text(): string {
      if (text === undefined) {
        try {
          text = formatName(pkijs.RelativeDistinguishedNames.fromBER(toArrayBuffer(node.der)));
        } catch {
          text = rdns.flat().map((a) => `${a.oid}=${a.value ?? "#"}`).join(", ");
        }
      }
      return text;
    },
    rdns,
  };
}

function readGeneralName(node: DerNode, what: string): ChainGeneralName {
  if (node.cls !== CONTEXT) throw new DerError(`the ${what} is not a GeneralName.`);
  switch (node.tag) {
    case 0: {
      const [type, value] = node.children;
      if (!node.constructed || node.children.length !== 2 || value.cls !== CONTEXT) {
        throw new DerError(`the ${what} is a malformed otherName.`);
      }
      return { type: "otherName", oid: readOid(type, what), value: value.der };
    }
    case 1:
    case 2:
    case 6:
      if (node.constructed) throw new DerError(`the ${what} is a constructed string.`);
      return {
        type: node.tag === 1 ? "email" : node.tag === 2 ? "dns" : "uri",
        value: latin1(node.value),
      };
    case 3:
      return { type: "x400Address", der: node.der };
    case 4:
      if (!node.constructed || node.children.length !== 1) {
        throw new DerError(`the ${what} is a malformed directoryName.`);
      }
      return { type: "directoryName", name: readChainName(node.children[0], what) };
    case 5:
      return { type: "ediPartyName", der: node.der };
    case 7: {
      const bytes = readOctets(node, what, 7);
      return {
        type: "ip",
        value: bytes.length === 4 || bytes.length === 16
          ? formatIpAddress(bytes)
          : bytes.length === 8 || bytes.length === 32
          ? `${formatIpAddress(bytes.subarray(0, bytes.length / 2))}/${
            formatIpAddress(bytes.subarray(bytes.length / 2))
          }`
          : Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""),
        bytes,
      };
    }
    case 8: {
      // registeredID is an implicitly tagged OBJECT IDENTIFIER.
      const asOid = { ...node, cls: UNIVERSAL, tag: TAG.OID };
      return { type: "registeredID", oid: readOid(asOid, what) };
    }
    default:
      throw new DerError(`the ${what} has an unknown GeneralName tag [${node.tag}].`);
  }
}

function readGeneralNames(node: DerNode, what: string, min = 1): ChainGeneralName[] {
  return sequence(node, what, min).map((n) => readGeneralName(n, what));
}

function readSubtrees(node: DerNode, what: string): ChainGeneralSubtree[] {
  if (!node.constructed) throw new DerError(`the ${what} is malformed.`);
  if (node.children.length === 0) throw new DerError(`the ${what} is empty.`);
  return node.children.map((subtree) => {
    const [base, ...rest] = sequence(subtree, what, 1, 3);
    let minimum = 0;
    let maximum: number | undefined;
    for (const r of rest) {
      const asInt = { ...r, cls: UNIVERSAL, tag: TAG.INTEGER };
      if (r.cls === CONTEXT && r.tag === 0 && !r.constructed) minimum = readSmallInt(asInt, what);
      else if (r.cls === CONTEXT && r.tag === 1 && !r.constructed) {
        maximum = readSmallInt(asInt, what);
      } else throw new DerError(`the ${what} is malformed.`);
    }
    return { base: readGeneralName(base, what), minimum, maximum };
  });
}

type Decoded = Pick<
  ChainCertificate,
  | "basicConstraints"
  | "keyUsage"
  | "extKeyUsage"
  | "subjectAltNames"
  | "subjectKeyIdentifier"
  | "authorityKeyIdentifier"
  | "nameConstraints"
>;

function decodeExtension(
  out: { -readonly [K in keyof Decoded]: Decoded[K] },
  oid: string,
  value: Uint8Array,
): void {
  const what = oid;
  switch (oid) {
    case OID.basicConstraints: {
      const fields = sequence(parseDer(value, "basicConstraints"), "basicConstraints", 0, 2);
      let i = 0;
      let ca = false;
      if (isUniversal(fields[0], TAG.BOOLEAN)) ca = readBoolean(fields[i++], "basicConstraints");
      const pathLength = fields[i]
        ? readSmallInt(fields[i++], "basicConstraints pathLenConstraint")
        : undefined;
      if (i !== fields.length) throw new DerError("the basicConstraints is malformed.");
      out.basicConstraints = pathLength === undefined ? { ca } : { ca, pathLength };
      return;
    }
    case OID.keyUsage: {
      const { bytes } = readBitString(parseDer(value, "keyUsage"), "keyUsage");
      const names: string[] = [];
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        if (bytes[bit >> 3] & (0x80 >> (bit & 7))) names.push(KEY_USAGES[bit] ?? `bit${bit}`);
      }
      out.keyUsage = names;
      return;
    }
    case OID.extKeyUsage:
      out.extKeyUsage = sequence(parseDer(value, "extKeyUsage"), "extKeyUsage", 1).map((n) =>
        readOid(n, "extKeyUsage")
      );
      return;
    case OID.subjectAltName:
      out.subjectAltNames = readGeneralNames(parseDer(value, what), "subjectAltName", 0);
      return;
    case OID.subjectKeyIdentifier:
      out.subjectKeyIdentifier = readOctets(
        parseDer(value, "subjectKeyIdentifier"),
        "subjectKeyIdentifier",
      );
      return;
    case OID.authorityKeyIdentifier: {
      const aki: {
        keyIdentifier?: Uint8Array;
        issuer?: ChainGeneralName[];
        serial?: bigint;
      } = {};
      for (
        const f of sequence(parseDer(value, "authorityKeyIdentifier"), "authorityKeyIdentifier")
      ) {
        if (f.cls !== CONTEXT) throw new DerError("the authorityKeyIdentifier is malformed.");
        if (f.tag === 0) aki.keyIdentifier = readOctets(f, "authorityKeyIdentifier", 0);
        else if (f.tag === 1) {
          aki.issuer = readGeneralNames(
            { ...f, cls: UNIVERSAL, tag: TAG.SEQUENCE },
            "authorityKeyIdentifier",
          );
        } else if (f.tag === 2) {
          aki.serial = readBigInt({ ...f, cls: UNIVERSAL, tag: TAG.INTEGER }, "AKI serial");
        } else throw new DerError("the authorityKeyIdentifier is malformed.");
      }
      out.authorityKeyIdentifier = aki;
      return;
    }
    case OID.nameConstraints:
      out.nameConstraints = readNameConstraintsValue(value);
      return;
  }
}

/**
 * Decode the value of a nameConstraints extension (strict DER); `BAD_DER` when malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readNameConstraintsValue } from "./chain_certificate.ts";
 * // permittedSubtrees: one dNSName "test"
 * const value = new Uint8Array([0x30, 0x0a, 0xa0, 0x08, 0x30, 0x06, 0x82, 0x04, 0x74, 0x65, 0x73, 0x74]);
 * assert.deepEqual(readNameConstraintsValue(value).permitted[0].base, { type: "dns", value: "test" });
 * ```
 */
export function readNameConstraintsValue(value: Uint8Array): {
  permitted: ChainGeneralSubtree[];
  excluded: ChainGeneralSubtree[];
} {
  const fields = sequence(parseDer(value, "nameConstraints"), "nameConstraints", 0, 2);
  let permitted: ChainGeneralSubtree[] = [];
  let excluded: ChainGeneralSubtree[] = [];
  let last = -1;
  for (const f of fields) {
    if (f.cls !== CONTEXT || f.tag <= last || f.tag > 1) {
      throw new DerError("the nameConstraints is malformed.");
    }
    last = f.tag;
    if (f.tag === 0) permitted = readSubtrees(f, "nameConstraints permittedSubtrees");
    else excluded = readSubtrees(f, "nameConstraints excludedSubtrees");
  }
  return { permitted, excluded };
}

function readAlgorithm(node: DerNode, what: string): { oid: string; der: Uint8Array } {
  const [id] = sequence(node, what, 1, 2);
  return { oid: readOid(id, what), der: node.der };
}

function readChainCertificate(der: Uint8Array, source?: string): ChainCertificate {
  const where = sourcePrefix(source);
  try {
    const root = parseDer(der, "certificate");
    const [tbsNode, outerAlg, sigNode] = sequence(root, "certificate", 3, 3);
    const fields = sequence(tbsNode, "certificate's signed body", 6, 10);
    let i = 0;
    let version: 1 | 2 | 3 = 1;
    if (fields[0].cls === CONTEXT && fields[0].tag === 0) {
      const v = readSmallInt(fields[i++].children[0], "certificate version");
      if (v > 2) throw new DerError(`the certificate's version is ${v + 1}.`);
      version = (v + 1) as 1 | 2 | 3;
    }
    const serial = readBigInt(fields[i++], "serial number");
    const tbsSignatureAlgorithm = readAlgorithm(fields[i++], "signature algorithm");
    const issuer = readChainName(fields[i++], "issuer");
    const [nb, na] = sequence(fields[i++], "validity", 2, 2);
    const notBefore = readTime(nb, "notBefore");
    const notAfter = readTime(na, "notAfter");
    const subject = readChainName(fields[i++], "subject");
    const spki = fields[i++];
    sequence(spki, "public key", 2, 2);
    while (fields[i]?.cls === CONTEXT && (fields[i].tag === 1 || fields[i].tag === 2)) i++;
    const extensions: { oid: string; critical: boolean; value: Uint8Array }[] = [];
    const decoded: { -readonly [K in keyof Decoded]: Decoded[K] } = { subjectAltNames: [] };
    const duplicates = new Set<string>();
    if (fields[i]?.cls === CONTEXT && fields[i].tag === 3) {
      if (version !== 3) throw new DerError("the certificate has extensions but is not v3.");
      const list = sequence(fields[i++].children[0], "extensions", 1);
      const seen = new Set<string>();
      for (const ext of list) {
        const parts = sequence(ext, "extension", 2, 3);
        const oid = readOid(parts[0], "extension");
        const critical = parts.length === 3 ? readBoolean(parts[1], "extension") : false;
        const value = readOctets(parts[parts.length - 1], "extension value");
        if (seen.has(oid)) duplicates.add(oid);
        seen.add(oid);
        extensions.push({ oid, critical, value });
        decodeExtension(decoded, oid, value);
      }
    }
    if (i !== fields.length) throw new DerError("the certificate's signed body is malformed.");
    const signatureAlgorithm = readAlgorithm(outerAlg, "signature algorithm");
    const { bytes: signature } = readBitString(sigNode, "signature");
    if (notAfter.getTime() < notBefore.getTime()) {
      throw new DerError("the validity ends before it starts");
    }
    return {
      der,
      tbs: tbsNode.der,
      version,
      serial,
      tbsSignatureAlgorithm,
      signatureAlgorithm,
      signature,
      issuer,
      subject,
      notBefore,
      notAfter,
      publicKey: { der: spki.der },
      extensions,
      duplicateExtensions: [...duplicates],
      ...decoded,
    };
  } catch (err) {
    if (err instanceof TlsmithError && err.code !== "BAD_DER") throw err;
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${where}not a valid X.509 certificate: ${
        err instanceof Error ? err.message : String(err)
      } Check that you passed the right file.`,
      { cause: err },
    );
  }
}

/** Most certificates one input may hold (a large trust bundle has a few hundred). */
export const MAX_CERTIFICATES_PER_INPUT = 2000;

/**
 * The DER of every certificate of `input` (PEM with one or more CERTIFICATE blocks, DER bytes, or
 * a list), at most {@linkcode MAX_CERTIFICATES_PER_INPUT}. `BAD_PEM` / `BAD_CERTIFICATE` naming
 * `source` otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { certificateDers } from "./chain_certificate.ts";
 * const { cert } = await adhocCert();
 * assert.equal(certificateDers([cert, cert]).length, 2);
 * assert.throws(() => certificateDers("no PEM here", "x.pem"), /x\.pem/);
 * ```
 */
export function certificateDers(
  input: string | Uint8Array | readonly (string | Uint8Array)[],
  source?: string,
): Uint8Array[] {
  const where = sourcePrefix(source);
  const items = typeof input === "string" || input instanceof Uint8Array ? [input] : input;
  if (!Array.isArray(items)) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${where}expected certificates as PEM text, DER bytes or a list of them.`,
    );
  }
  const ders: Uint8Array[] = [];
  for (const item of items) {
    if (typeof item === "string") {
      const blocks = decodePem(item, { source });
      const certs = blocks.filter((b) => isCertificateLabel(b.label));
      if (certs.length === 0) {
        const labels = [...new Set(blocks.map((b) => b.label))].join(", ");
        throw new TlsmithError(
          "BAD_CERTIFICATE",
          `${where}expected a CERTIFICATE but found ${labels}. Pass a certificate file (-----BEGIN CERTIFICATE-----).`,
        );
      }
      ders.push(...certs.map((b) => b.der));
    } else if (item instanceof Uint8Array) {
      ders.push(item);
    } else {
      throw new TlsmithError(
        "BAD_CERTIFICATE",
        `${where}expected certificates as PEM text or DER bytes.`,
      );
    }
    if (ders.length > MAX_CERTIFICATES_PER_INPUT) {
      throw new TlsmithError(
        "BAD_CERTIFICATE",
        `${where}holds more than ${MAX_CERTIFICATES_PER_INPUT} certificates; pass only the ones that belong to the chain.`,
      );
    }
  }
  return ders;
}

/**
 * Every certificate of `input` ({@linkcode certificateDers}), read strictly: `BAD_CERTIFICATE`
 * naming `source` and what is wrong for one that is not a well-formed certificate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { readChainCertificates } from "./chain_certificate.ts";
 * const [cert] = readChainCertificates((await adhocCert()).cert, "cert.pem");
 * assert.equal(cert.basicConstraints?.ca, false);
 * assert.deepEqual(cert.subjectAltNames.map((n) => n.type), ["dns", "ip", "ip"]);
 * ```
 */
export function readChainCertificates(
  input: string | Uint8Array | readonly (string | Uint8Array)[],
  source?: string,
): ChainCertificate[] {
  return certificateDers(input, source).map((der) => readChainCertificate(der, source));
}

/** The outcome of a signature check. */
export type SignatureStatus =
  | { readonly status: "valid" }
  | { readonly status: "invalid" }
  | { readonly status: "refused"; readonly reason: string };

/**
 * Does `issuer`'s key verify `cert`'s signature? `refused` (with why) for algorithms tlsmith does
 * not trust or cannot check (SHA-1, MD5, unknown).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { checkSignature, readChainCertificates } from "./chain_certificate.ts";
 * const ca = await CertificateAuthority.create();
 * const [leaf, root] = readChainCertificates((await ca.issue(["localhost"])).chain);
 * assert.equal((await checkSignature(leaf, root)).status, "valid");
 * assert.equal((await checkSignature(leaf, leaf)).status, "invalid");
 * ```
 */
export async function checkSignature(
  cert: ChainCertificate,
  issuer: ChainCertificate,
): Promise<SignatureStatus> {
  try {
    const ok = await verifySignature(
      pkijs.PublicKeyInfo.fromBER(toArrayBuffer(issuer.publicKey.der)),
      pkijs.AlgorithmIdentifier.fromBER(toArrayBuffer(cert.signatureAlgorithm.der)),
      cert.tbs,
      cert.signature,
    );
    return ok ? { status: "valid" } : { status: "invalid" };
  } catch (err) {
    if (err instanceof TlsmithError && err.code === "UNSUPPORTED_ALGORITHM") {
      return { status: "refused", reason: err.message };
    }
    return { status: "invalid" };
  }
}
