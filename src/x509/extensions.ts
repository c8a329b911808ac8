/**
 * One codec per certificate extension, used both to BUILD it (`createCertificate`, `createCsr`,
 * the CA's name constraints) and to READ it (the certificate and CSR models), so creation and
 * reading can never disagree: basicConstraints, keyUsage, extKeyUsage, subjectAltName,
 * subjectKeyIdentifier, authorityKeyIdentifier and nameConstraints (subtrees of every
 * GeneralName type). Every other extension is kept raw (OID, critical flag, bytes).
 *
 * Reading is strict where it matters and lenient where OpenSSL is (an explicitly encoded
 * `cA FALSE` or `critical FALSE`, an empty extendedKeyUsage or subjectAltName are read as they
 * are). A malformed value is a `BAD_DER` error naming the extension; the model turns it into
 * `BAD_CERTIFICATE` / `BAD_CSR` naming the file.
 *
 * @module
 */

import {
  bits,
  bool,
  CONTEXT,
  DerError,
  type DerNode,
  int,
  isContext,
  isUniversal,
  octets,
  oid as oidDer,
  parseDer,
  readBigInt,
  readBitString,
  readBoolean,
  readOctets,
  readOid,
  readSmallInt,
  seq,
  sequence,
  TAG,
  tlv,
  UNIVERSAL,
} from "../_internal/der.ts";
import { EXTENSION_NAMES, KEY_USAGES, OID } from "../_internal/oids.ts";
import {
  encodeGeneralName,
  encodeGeneralNames,
  readGeneralName,
  readGeneralNames,
} from "./general_name.ts";
import type {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Extension,
  GeneralName,
  GeneralSubtree,
  NameConstraints,
} from "./model.ts";

/** Builds and reads one extension's value (the contents of extnValue). */
export interface ExtensionCodec<T> {
  /** The extension OID. */
  readonly oid: string;
  /** The name OpenSSL uses. */
  readonly name: string;
  /** Decode the value; `BAD_DER` naming `what` when malformed. */
  read(value: Uint8Array, what: string): T;
  /** Encode the value. */
  write(value: T): Uint8Array<ArrayBuffer>;
}

function codec<T>(
  oid: string,
  read: (node: DerNode, what: string) => T,
  write: (value: T) => Uint8Array<ArrayBuffer>,
): ExtensionCodec<T> {
  const name = EXTENSION_NAMES[oid];
  return Object.freeze({
    oid,
    name,
    read: (value: Uint8Array, what: string) => read(parseDer(value, what), what),
    write,
  });
}

/** basicConstraints: `{ cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }`. */
export const basicConstraintsCodec: ExtensionCodec<BasicConstraints> = codec(
  OID.basicConstraints,
  (node, what) => {
    const fields = sequence(node, what, 0, 2);
    let i = 0;
    let ca = false;
    if (isUniversal(fields[0], TAG.BOOLEAN)) ca = readBoolean(fields[i++], `${what} cA`);
    let pathLength: number | undefined;
    if (i < fields.length) pathLength = readSmallInt(fields[i++], `${what} pathLenConstraint`);
    if (i !== fields.length) throw new DerError(`the ${what} is malformed.`);
    return pathLength === undefined ? { ca } : { ca, pathLength };
  },
  (v) =>
    seq(
      ...(v.ca ? [bool(true)] : []),
      ...(v.pathLength !== undefined ? [int(v.pathLength)] : []),
    ),
);

/** keyUsage: a named BIT STRING, as names in bit order (`digitalSignature`, `keyCertSign`). */
export const keyUsageCodec: ExtensionCodec<readonly string[]> = codec(
  OID.keyUsage,
  (node, what) => {
    const { bytes } = readBitString(node, what);
    const names: string[] = [];
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      if (bytes[bit >> 3] & (0x80 >> (bit & 7))) names.push(KEY_USAGES[bit] ?? `bit${bit}`);
    }
    return names;
  },
  (names) => {
    const numbers = names.map((n) => {
      const bit = KEY_USAGES.indexOf(n);
      if (bit < 0) throw new DerError(`"${n}" is not a keyUsage name.`);
      return bit;
    });
    if (numbers.length === 0) return bits(new Uint8Array(0));
    const highest = Math.max(...numbers);
    const out = new Uint8Array((highest >> 3) + 1);
    for (const b of numbers) out[b >> 3] |= 0x80 >> (b & 7);
    return bits(out, 7 - (highest & 7));
  },
);

/** extKeyUsage: `SEQUENCE OF KeyPurposeId`, as OIDs (an empty list is read as empty). */
export const extKeyUsageCodec: ExtensionCodec<readonly string[]> = codec(
  OID.extKeyUsage,
  (node, what) => sequence(node, what).map((n) => readOid(n, `${what} purpose`)),
  (oids) => seq(...oids.map((o) => oidDer(o))),
);

/** subjectAltName: `GeneralNames`, every type. */
export const subjectAltNameCodec: ExtensionCodec<readonly GeneralName[]> = codec(
  OID.subjectAltName,
  readGeneralNames,
  encodeGeneralNames,
);

/** subjectKeyIdentifier: an OCTET STRING. */
export const subjectKeyIdentifierCodec: ExtensionCodec<Uint8Array> = codec(
  OID.subjectKeyIdentifier,
  (node, what) => readOctets(node, what),
  (id) => octets(id),
);

/** An `[n] IMPLICIT INTEGER` with the identifier byte `identifier`. */
function implicitInt(identifier: number, n: number | bigint): Uint8Array<ArrayBuffer> {
  return tlv(identifier, parseDer(int(n), "INTEGER").value);
}

/** The INTEGER in an implicitly tagged primitive node. */
function implicitInteger(node: DerNode, what: string): bigint {
  if (node.constructed) throw new DerError(`the ${what} is malformed.`);
  return readBigInt({ ...node, cls: UNIVERSAL, tag: TAG.INTEGER }, what);
}

/** authorityKeyIdentifier: `{ [0] keyIdentifier, [1] authorityCertIssuer, [2] serial }`. */
export const authorityKeyIdentifierCodec: ExtensionCodec<AuthorityKeyIdentifier> = codec(
  OID.authorityKeyIdentifier,
  (node, what) => {
    const fields = sequence(node, what, 0, 3);
    const out: {
      keyIdentifier?: Uint8Array;
      issuer?: GeneralName[];
      serial?: bigint;
    } = {};
    let last = -1;
    for (const f of fields) {
      if (f.cls !== CONTEXT || f.tag > 2 || f.tag <= last) {
        throw new DerError(`the ${what} is malformed.`);
      }
      last = f.tag;
      if (f.tag === 0) out.keyIdentifier = readOctets(f, `${what} keyIdentifier`, 0);
      if (f.tag === 1) {
        if (!f.constructed) throw new DerError(`the ${what} authorityCertIssuer is malformed.`);
        out.issuer = f.children.map((n) => readGeneralName(n, `${what} authorityCertIssuer`));
      }
      if (f.tag === 2) out.serial = implicitInteger(f, `${what} authorityCertSerialNumber`);
    }
    if ((out.issuer === undefined) !== (out.serial === undefined)) {
      throw new DerError(
        `the ${what} has an authorityCertIssuer without a serial number, or the reverse.`,
      );
    }
    return out;
  },
  (v) =>
    seq(
      ...(v.keyIdentifier ? [tlv(0x80, v.keyIdentifier)] : []),
      ...(v.issuer ? [tlv(0xa1, ...v.issuer.map(encodeGeneralName))] : []),
      ...(v.serial !== undefined ? [implicitInt(0x82, v.serial)] : []),
    ),
);

function readSubtrees(node: DerNode, what: string): GeneralSubtree[] {
  if (!node.constructed) throw new DerError(`the ${what} is malformed.`);
  return node.children.map((subtree) => {
    const [base, ...rest] = sequence(subtree, `${what} subtree`, 1, 3);
    let minimum = 0;
    let maximum: number | undefined;
    let last = -1;
    for (const f of rest) {
      if (f.cls !== CONTEXT || f.tag > 1 || f.tag <= last || f.constructed) {
        throw new DerError(`the ${what} subtree is malformed.`);
      }
      last = f.tag;
      const n = readSmallInt({ ...f, cls: UNIVERSAL, tag: TAG.INTEGER }, `${what} subtree bound`);
      if (f.tag === 0) minimum = n;
      else maximum = n;
    }
    const out: GeneralSubtree = {
      base: readGeneralName(base, `${what} subtree`),
      minimum,
      ...(maximum !== undefined ? { maximum } : {}),
    };
    return out;
  });
}

function writeSubtrees(tag: number, subtrees: readonly GeneralSubtree[]): Uint8Array<ArrayBuffer> {
  return tlv(
    tag,
    ...subtrees.map((s) =>
      seq(
        encodeGeneralName(s.base),
        ...(s.minimum ? [implicitInt(0x80, s.minimum)] : []),
        ...(s.maximum !== undefined ? [implicitInt(0x81, s.maximum)] : []),
      )
    ),
  );
}

/** nameConstraints: `{ [0] permittedSubtrees, [1] excludedSubtrees }`, subtrees of every type. */
export const nameConstraintsCodec: ExtensionCodec<NameConstraints> = codec(
  OID.nameConstraints,
  (node, what) => {
    const fields = sequence(node, what, 0, 2);
    let permitted: GeneralSubtree[] = [];
    let excluded: GeneralSubtree[] = [];
    let last = -1;
    for (const f of fields) {
      if (!isContext(f, 0) && !isContext(f, 1) || f.tag <= last) {
        throw new DerError(`the ${what} is malformed.`);
      }
      last = f.tag;
      if (f.tag === 0) permitted = readSubtrees(f, `${what} permittedSubtrees`);
      else excluded = readSubtrees(f, `${what} excludedSubtrees`);
    }
    return { permitted, excluded };
  },
  (v) =>
    seq(
      ...(v.permitted.length ? [writeSubtrees(0xa0, v.permitted)] : []),
      ...(v.excluded.length ? [writeSubtrees(0xa1, v.excluded)] : []),
    ),
);

/**
 * Build an {@linkcode Extension} with a codec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyUsageCodec, makeExtension } from "./extensions.ts";
 * const ext = makeExtension(keyUsageCodec, ["digitalSignature"], true);
 * assert.deepEqual([...ext.value], [0x03, 0x02, 0x07, 0x80]);
 * ```
 */
export function makeExtension<T>(
  codec: ExtensionCodec<T>,
  value: T,
  critical = false,
): Extension {
  return { oid: codec.oid, name: codec.name, critical, value: codec.write(value) };
}

/**
 * The DER of an `Extension` (`SEQUENCE { extnID, critical DEFAULT FALSE, extnValue }`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDer } from "../_internal/der.ts";
 * import { encodeExtension, readExtensionList } from "./extensions.ts";
 * import { seq } from "../_internal/der.ts";
 * const der = encodeExtension({ oid: "2.5.29.19", name: "basicConstraints", critical: true, value: new Uint8Array([0x30, 0]) });
 * const [ext] = readExtensionList(parseDer(seq(der), "e"), "e");
 * assert.equal(ext.name, "basicConstraints");
 * assert.equal(ext.critical, true);
 * ```
 */
export function encodeExtension(ext: Extension): Uint8Array<ArrayBuffer> {
  return seq(oidDer(ext.oid), ...(ext.critical ? [bool(true)] : []), octets(ext.value));
}

/**
 * Read `Extensions` (`SEQUENCE OF Extension`) into the model's raw {@linkcode Extension}s (see
 * {@linkcode encodeExtension} for an example). An explicit `critical FALSE` is read as false.
 */
export function readExtensionList(node: DerNode, what: string): Extension[] {
  return sequence(node, what).map((e) => {
    const [idNode, ...rest] = sequence(e, `${what} entry`, 2, 3);
    const oid = readOid(idNode, `${what} entry OID`);
    const name = EXTENSION_NAMES[oid] ?? oid;
    const critical = rest.length === 2
      ? readBoolean(rest[0], `${name} extension critical flag`)
      : false;
    const value = readOctets(rest[rest.length - 1], `${name} extension value`);
    return { oid, name, critical, value };
  });
}

/** The extensions the model decodes, by their codecs. */
export interface DecodedExtensions {
  /** basicConstraints. */
  basicConstraints?: BasicConstraints;
  /** keyUsage names. */
  keyUsage?: readonly string[];
  /** extKeyUsage OIDs. */
  extKeyUsage?: readonly string[];
  /** subjectAltName entries (empty when absent). */
  subjectAltNames: readonly GeneralName[];
  /** subjectKeyIdentifier. */
  subjectKeyIdentifier?: Uint8Array;
  /** authorityKeyIdentifier. */
  authorityKeyIdentifier?: AuthorityKeyIdentifier;
  /** nameConstraints. */
  nameConstraints?: NameConstraints;
  /** OIDs that appear more than once. */
  duplicateExtensions: readonly string[];
}

const CODECS = [
  ["basicConstraints", basicConstraintsCodec],
  ["keyUsage", keyUsageCodec],
  ["extKeyUsage", extKeyUsageCodec],
  ["subjectAltNames", subjectAltNameCodec],
  ["subjectKeyIdentifier", subjectKeyIdentifierCodec],
  ["authorityKeyIdentifier", authorityKeyIdentifierCodec],
  ["nameConstraints", nameConstraintsCodec],
] as const;

/**
 * Decode every extension the codecs know, once each (the first of a repeated one; every copy is
 * checked), and note repeated OIDs. `BAD_DER` naming `<what>'s <name> extension` when one is
 * malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { basicConstraintsCodec, decodeExtensions, makeExtension } from "./extensions.ts";
 * const ext = makeExtension(basicConstraintsCodec, { ca: true, pathLength: 0 }, true);
 * const decoded = decodeExtensions([ext, ext], "certificate");
 * assert.deepEqual(decoded.basicConstraints, { ca: true, pathLength: 0 });
 * assert.deepEqual(decoded.duplicateExtensions, ["2.5.29.19"]);
 * ```
 */
export function decodeExtensions(list: readonly Extension[], what: string): DecodedExtensions {
  const out: Record<string, unknown> = { subjectAltNames: [] };
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const ext of list) {
    if (seen.has(ext.oid)) {
      if (!duplicates.includes(ext.oid)) duplicates.push(ext.oid);
    }
    const entry = CODECS.find(([, c]) => c.oid === ext.oid);
    if (entry) {
      const value = entry[1].read(ext.value, `${what}'s ${entry[1].name} extension`);
      if (!seen.has(ext.oid)) out[entry[0]] = value;
    }
    seen.add(ext.oid);
  }
  out.duplicateExtensions = duplicates;
  return out as unknown as DecodedExtensions;
}
