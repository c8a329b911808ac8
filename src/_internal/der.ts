/**
 * The one DER reader and writer of tlsmith (internal; never exported from the package).
 *
 * Reading is strict and bounded before any work: definite lengths only, minimal length
 * encodings, no trailing bytes, at most {@linkcode DER_LIMITS}`.maxDepth` levels of nesting and
 * `maxNodes` elements per parse, OBJECT IDENTIFIERs of at most `maxOidBytes` bytes. Every
 * failure is a {@linkcode DerError} (a `TlsmithError` with code `BAD_DER`) that says what was
 * being read, so no input can make a reader throw anything else, loop or eat memory.
 *
 * Writing builds DER from already-encoded parts (`Uint8Array`s), so encoders compose:
 * `seq(oid("1.2.3"), octets(bytes))`.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { latin1 } from "./bytes.ts";

/** Limits every parse enforces. */
export const DER_LIMITS = Object.freeze({
  /** Deepest nesting of constructed elements (a certificate needs about 10). */
  maxDepth: 32,
  /** Most elements in one parse (a large certificate has a few thousand). */
  maxNodes: 100_000,
  /** Longest OBJECT IDENTIFIER, in content bytes (real ones have under 30). */
  maxOidBytes: 64,
});

/** Tag classes. */
export const UNIVERSAL = 0;
/** Application class. */
export const APPLICATION = 1;
/** Context-specific class (`[n]`). */
export const CONTEXT = 2;
/** Private class. */
export const PRIVATE = 3;

/** Universal tag numbers. */
export const TAG = Object.freeze({
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  ENUMERATED: 10,
  UTF8_STRING: 12,
  SEQUENCE: 16,
  SET: 17,
  NUMERIC_STRING: 18,
  PRINTABLE_STRING: 19,
  TELETEX_STRING: 20,
  IA5_STRING: 22,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
  VISIBLE_STRING: 26,
  UNIVERSAL_STRING: 28,
  BMP_STRING: 30,
});

/** A malformed or over-limit DER input. */
export class DerError extends TlsmithError {
  constructor(message: string) {
    super("BAD_DER", message);
  }
}

/** One parsed element. Byte offsets are into the parsed buffer. */
export interface DerNode {
  /** Tag class: 0 universal, 1 application, 2 context, 3 private. */
  readonly cls: number;
  /** True for constructed encodings. */
  readonly constructed: boolean;
  /** Tag number. */
  readonly tag: number;
  /** The whole encoding (identifier, length and contents). */
  readonly der: Uint8Array;
  /** The contents. */
  readonly value: Uint8Array;
  /** Children of a constructed element (empty for primitives). */
  readonly children: readonly DerNode[];
}

interface ParseState {
  nodes: number;
  what: string;
}

function fail(state: ParseState, detail: string): never {
  throw new DerError(`the ${state.what} is not valid DER (${detail}).`);
}

function parseAt(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  depth: number,
  state: ParseState,
): DerNode {
  if (++state.nodes > DER_LIMITS.maxNodes) {
    fail(state, `more than ${DER_LIMITS.maxNodes} elements`);
  }
  const start = offset;
  if (offset >= limit) fail(state, "truncated: an element is missing");
  const id = bytes[offset++];
  const cls = id >> 6;
  const constructed = (id & 0x20) !== 0;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (let n = 0;; n++) {
      if (offset >= limit) fail(state, "truncated tag");
      const b = bytes[offset++];
      if (n === 0 && b === 0x80) fail(state, "tag number not minimally encoded");
      if (n >= 4) fail(state, "tag number too large");
      tag = tag * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    if (tag < 0x1f) fail(state, "tag number not minimally encoded");
  }
  if (offset >= limit) fail(state, "truncated length");
  let length = bytes[offset++];
  if (length === 0x80) fail(state, "indefinite length");
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n > 4) fail(state, "length too large");
    if (offset + n > limit) fail(state, "truncated length");
    if (bytes[offset] === 0) fail(state, "length not minimally encoded");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[offset++];
    if (length < 0x80) fail(state, "length not minimally encoded");
  }
  const valueStart = offset;
  const end = valueStart + length;
  if (end > limit) {
    fail(state, `truncated: an element claims ${length} bytes but ${limit - valueStart} remain`);
  }
  const children: DerNode[] = [];
  if (constructed) {
    if (depth >= DER_LIMITS.maxDepth) {
      fail(state, `nested more than ${DER_LIMITS.maxDepth} levels deep`);
    }
    let at = valueStart;
    while (at < end) {
      const child = parseAt(bytes, at, end, depth + 1, state);
      children.push(child);
      at += child.der.length;
    }
  } else if (cls === UNIVERSAL && tag === TAG.OID && length > DER_LIMITS.maxOidBytes) {
    fail(state, `an OBJECT IDENTIFIER of ${length} bytes (at most ${DER_LIMITS.maxOidBytes})`);
  }
  return {
    cls,
    constructed,
    tag,
    der: bytes.subarray(start, end),
    value: bytes.subarray(valueStart, end),
    children,
  };
}

/**
 * Parse exactly one DER element filling `bytes`. `what` names the input in errors
 * ("certificate", "key.pem: private key").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDer } from "./der.ts";
 * const node = parseDer(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]), "example");
 * assert.equal(node.tag, 16); // SEQUENCE
 * assert.equal(node.children.length, 1); // INTEGER 5
 * assert.deepEqual(node.children[0].value, new Uint8Array([5]));
 * assert.throws(() => parseDer(new Uint8Array([0x30, 0x05]), "example"), { code: "BAD_DER" });
 * ```
 */
export function parseDer(bytes: Uint8Array, what: string): DerNode {
  const state = { nodes: 0, what };
  if (!(bytes instanceof Uint8Array)) fail(state, "not bytes");
  if (bytes.length === 0) fail(state, "empty");
  const node = parseAt(bytes, 0, bytes.length, 0, state);
  if (node.der.length !== bytes.length) {
    fail(state, `${bytes.length - node.der.length} bytes after the end`);
  }
  return node;
}

/** Like {@linkcode parseDer}, but null instead of an error. */
export function tryParseDer(bytes: Uint8Array): DerNode | null {
  try {
    return parseDer(bytes, "input");
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// Readers of one node. Each throws a DerError naming `what`.

function wrong(what: string, expected: string, node: DerNode | undefined): never {
  const got = node === undefined
    ? "nothing"
    : node.cls === UNIVERSAL
    ? `universal tag ${node.tag}`
    : `[${node.tag}]${node.cls === CONTEXT ? "" : ` (class ${node.cls})`}`;
  throw new DerError(`the ${what} is malformed: expected ${expected}, found ${got}.`);
}

/** True when `node` is universal tag `tag`. */
export function isUniversal(node: DerNode | undefined, tag: number): node is DerNode {
  return node !== undefined && node.cls === UNIVERSAL && node.tag === tag;
}

/** True when `node` is the context tag `[n]`. */
export function isContext(node: DerNode | undefined, n: number): node is DerNode {
  return node !== undefined && node.cls === CONTEXT && node.tag === n;
}

/** The children of a SEQUENCE (checking the count when `min`/`max` are given). */
export function sequence(
  node: DerNode | undefined,
  what: string,
  min = 0,
  max = Infinity,
): readonly DerNode[] {
  if (!isUniversal(node, TAG.SEQUENCE) || !node.constructed) wrong(what, "a SEQUENCE", node);
  const n = node.children.length;
  if (n < min || n > max) {
    throw new DerError(
      `the ${what} is malformed: ${n} elements where ${
        min === max ? min : max === Infinity ? `at least ${min}` : `${min} to ${max}`
      } belong.`,
    );
  }
  return node.children;
}

/** The children of a SET. */
export function setOf(node: DerNode | undefined, what: string): readonly DerNode[] {
  if (!isUniversal(node, TAG.SET) || !node.constructed) wrong(what, "a SET", node);
  return node.children;
}

/** The dotted text of an OBJECT IDENTIFIER. */
export function readOid(node: DerNode | undefined, what: string): string {
  if (!isUniversal(node, TAG.OID) || node.constructed) wrong(what, "an OBJECT IDENTIFIER", node);
  const v = node.value;
  if (v.length === 0) throw new DerError(`the ${what} is an empty OBJECT IDENTIFIER.`);
  if (v[v.length - 1] & 0x80) throw new DerError(`the ${what} is a truncated OBJECT IDENTIFIER.`);
  const arcs: string[] = [];
  let n = 0n;
  let first = true;
  for (let i = 0; i < v.length; i++) {
    const b = v[i];
    if (n === 0n && b === 0x80) {
      throw new DerError(`the ${what} is an OBJECT IDENTIFIER that is not minimally encoded.`);
    }
    n = (n << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      if (first) {
        const top = n < 40n ? 0n : n < 80n ? 1n : 2n;
        arcs.push(String(top), String(n - top * 40n));
        first = false;
      } else {
        arcs.push(String(n));
      }
      n = 0n;
    }
  }
  return arcs.join(".");
}

/** An INTEGER as a bigint (two's complement, as encoded). */
export function readBigInt(node: DerNode | undefined, what: string): bigint {
  const v = integerBytes(node, what);
  let n = 0n;
  for (const b of v) n = (n << 8n) | BigInt(b);
  if (v[0] & 0x80) n -= 1n << BigInt(v.length * 8);
  return n;
}

/** The content bytes of an INTEGER, checked for a minimal encoding. */
export function integerBytes(node: DerNode | undefined, what: string): Uint8Array {
  if (
    !(isUniversal(node, TAG.INTEGER) || isUniversal(node, TAG.ENUMERATED)) || node.constructed
  ) {
    wrong(what, "an INTEGER", node);
  }
  const v = node.value;
  if (v.length === 0) throw new DerError(`the ${what} is an empty INTEGER.`);
  if (v.length > 1 && ((v[0] === 0 && !(v[1] & 0x80)) || (v[0] === 0xff && v[1] & 0x80))) {
    throw new DerError(`the ${what} is an INTEGER that is not minimally encoded.`);
  }
  return v;
}

/** A small non-negative INTEGER as a number (at most 2^48). */
export function readSmallInt(node: DerNode | undefined, what: string): number {
  const n = readBigInt(node, what);
  if (n < 0n || n > 2n ** 48n) {
    throw new DerError(`the ${what} is out of range (${n < 0n ? "negative" : "too large"}).`);
  }
  return Number(n);
}

/** A BOOLEAN (DER: 0x00 or 0xff). */
export function readBoolean(node: DerNode | undefined, what: string): boolean {
  if (!isUniversal(node, TAG.BOOLEAN) || node.constructed) wrong(what, "a BOOLEAN", node);
  if (node.value.length !== 1 || (node.value[0] !== 0 && node.value[0] !== 0xff)) {
    throw new DerError(`the ${what} is not a DER BOOLEAN.`);
  }
  return node.value[0] === 0xff;
}

/** The contents of an OCTET STRING (or of an implicitly tagged one when `implicitTag` is set). */
export function readOctets(
  node: DerNode | undefined,
  what: string,
  implicitTag?: number,
): Uint8Array {
  const ok = implicitTag === undefined
    ? isUniversal(node, TAG.OCTET_STRING)
    : isContext(node, implicitTag);
  if (!ok || node!.constructed) {
    wrong(what, implicitTag === undefined ? "an OCTET STRING" : `[${implicitTag}]`, node);
  }
  return node!.value;
}

/** A BIT STRING: its bytes and the number of unused bits in the last one. */
export function readBitString(
  node: DerNode | undefined,
  what: string,
): { bytes: Uint8Array; unusedBits: number } {
  if (!isUniversal(node, TAG.BIT_STRING) || node.constructed) wrong(what, "a BIT STRING", node);
  const v = node.value;
  if (v.length === 0 || v[0] > 7 || (v.length === 1 && v[0] !== 0)) {
    throw new DerError(`the ${what} is a malformed BIT STRING.`);
  }
  const unusedBits = v[0];
  const bytes = v.subarray(1);
  if (unusedBits && bytes[bytes.length - 1] & ((1 << unusedBits) - 1)) {
    throw new DerError(`the ${what} is a BIT STRING whose unused bits are not zero.`);
  }
  return { bytes, unusedBits };
}

/** NULL. */
export function readNull(node: DerNode | undefined, what: string): null {
  if (!isUniversal(node, TAG.NULL) || node.constructed || node.value.length !== 0) {
    wrong(what, "NULL", node);
  }
  return null;
}

const TWO_DIGITS = /^[0-9]{2}$/;

/**
 * A UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`), strictly
 * as RFC 5280 §4.1.2.5 writes them: seconds present, `Z`, no fractions, a real calendar date.
 */
export function readTime(node: DerNode | undefined, what: string): Date {
  const utc = isUniversal(node, TAG.UTC_TIME);
  if (!(utc || isUniversal(node, TAG.GENERALIZED_TIME)) || node!.constructed) {
    wrong(what, "a UTCTime or GeneralizedTime", node);
  }
  const text = latin1(node!.value);
  const re = utc ? /^([0-9]{2})([0-9]{10})Z$/ : /^([0-9]{4})([0-9]{10})Z$/;
  const m = re.exec(text);
  if (!m) {
    throw new DerError(
      `the ${what} ${JSON.stringify(text)} is not a valid ${
        utc ? "UTCTime (YYMMDDHHMMSSZ)" : "GeneralizedTime (YYYYMMDDHHMMSSZ)"
      }.`,
    );
  }
  let year = Number(m[1]);
  if (utc) year += year < 50 ? 2000 : 1900;
  const rest = m[2].match(/../g)!;
  const [month, day, hour, minute, second] = rest.map(Number);
  if (!rest.every((p) => TWO_DIGITS.test(p))) {
    throw new DerError(`the ${what} ${JSON.stringify(text)} is not a valid time.`);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  if (year < 100) date.setUTCFullYear(year);
  if (
    month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 ||
    date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    throw new DerError(`the ${what} ${JSON.stringify(text)} is not a real date and time.`);
  }
  return date;
}

// ---------------------------------------------------------------------------
// BER input (PKCS#12 files from NSS and macOS use indefinite lengths)

/**
 * Re-encode BER as DER where the two differ in structure only: indefinite lengths become
 * definite, non-minimal lengths minimal, and a constructed universal OCTET STRING one primitive
 * OCTET STRING. The same limits as {@linkcode parseDer} apply (depth, element count), and the
 * result is meant for {@linkcode parseDer}. Context-tagged constructed elements stay as they
 * are (a reader that expects an IMPLICIT OCTET STRING there joins the pieces itself). Contents
 * of primitive elements are copied byte for byte, so a MAC over an OCTET STRING's value is
 * unchanged. DER input comes back unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { berToDer } from "./der.ts";
 * // SEQUENCE (indefinite) { OCTET STRING (constructed) { "ab", "c" } }
 * const ber = new Uint8Array([0x30, 0x80, 0x24, 0x80, 4, 2, 97, 98, 4, 1, 99, 0, 0, 0, 0]);
 * assert.deepEqual(berToDer(ber, "example"), new Uint8Array([0x30, 5, 4, 3, 97, 98, 99]));
 * ```
 */
export function berToDer(bytes: Uint8Array, what: string): Uint8Array {
  const state = { nodes: 0, what };
  if (!(bytes instanceof Uint8Array)) fail(state, "not bytes");
  if (bytes.length === 0) fail(state, "empty");
  const { out, end } = berAt(bytes, 0, bytes.length, 0, state);
  if (end !== bytes.length) fail(state, `${bytes.length - end} bytes after the end`);
  return out;
}

/** One BER element at `offset`: its DER re-encoding and where it ends. */
function berAt(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  depth: number,
  state: ParseState,
): { out: Uint8Array; end: number; value: Uint8Array; primitive: boolean } {
  if (++state.nodes > DER_LIMITS.maxNodes) {
    fail(state, `more than ${DER_LIMITS.maxNodes} elements`);
  }
  const start = offset;
  if (offset >= limit) fail(state, "truncated: an element is missing");
  const id = bytes[offset++];
  const constructed = (id & 0x20) !== 0;
  if ((id & 0x1f) === 0x1f) {
    for (let n = 0;; n++) {
      if (offset >= limit) fail(state, "truncated tag");
      if (n >= 4) fail(state, "tag number too large");
      if (!(bytes[offset++] & 0x80)) break;
    }
  }
  const idBytes = bytes.subarray(start, offset);
  if (offset >= limit) fail(state, "truncated length");
  let length = bytes[offset++];
  let indefinite = false;
  if (length === 0x80) {
    if (!constructed) fail(state, "indefinite length on a primitive element");
    indefinite = true;
  } else if (length & 0x80) {
    const n = length & 0x7f;
    if (n > 4) fail(state, "length too large");
    if (offset + n > limit) fail(state, "truncated length");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[offset++];
  }
  if (!indefinite && offset + length > limit) {
    fail(state, `truncated: an element claims ${length} bytes but ${limit - offset} remain`);
  }
  if (!constructed) {
    const value = bytes.subarray(offset, offset + length);
    const out = joinBytes([idBytes, new Uint8Array(lengthBytes(length)), value]);
    return { out, end: offset + length, value, primitive: true };
  }
  if (depth >= DER_LIMITS.maxDepth) {
    fail(state, `nested more than ${DER_LIMITS.maxDepth} levels deep`);
  }
  const end = indefinite ? limit : offset + length;
  const parts: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  let allPrimitive = true;
  let at = offset;
  for (;;) {
    if (indefinite) {
      if (at + 2 > limit) fail(state, "an indefinite length is not closed");
      if (bytes[at] === 0 && bytes[at + 1] === 0) {
        at += 2;
        break;
      }
    } else if (at >= end) {
      break;
    }
    const child = berAt(bytes, at, end, depth + 1, state);
    parts.push(child.out);
    values.push(child.value);
    allPrimitive &&= child.primitive && (bytes[at] & 0xdf) === TAG.OCTET_STRING;
    at = child.end;
  }
  if (id === 0x24) {
    // A constructed OCTET STRING: its pieces (OCTET STRINGs, already joined) make one.
    if (!allPrimitive) fail(state, "a constructed OCTET STRING holds other types");
    const value = joinBytes(values);
    return { out: tlv(0x04, value), end: at, value, primitive: true };
  }
  const content = joinBytes(parts);
  const out = joinBytes([idBytes, new Uint8Array(lengthBytes(content.length)), content]);
  return { out, end: at, value: content, primitive: false };
}

function totalLength(parts: Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

function joinBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(totalLength(parts));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Writing

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

/** One TLV: an identifier byte (`0x30` SEQUENCE, `0xa0` `[0]` constructed, …) around parts. */
export function tlv(identifier: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const p of parts) length += p.length;
  const header = [identifier, ...lengthBytes(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let at = header.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** SEQUENCE of encoded parts. */
export function seq(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return tlv(0x30, ...parts);
}

/** SET of encoded parts, in DER order (sorted by encoding). */
export function set(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const sorted = [...parts].sort(compareBytes);
  return tlv(0x31, ...sorted);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/** `[n]` EXPLICIT around encoded parts. */
export function explicit(n: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return tlv(0xa0 | n, ...parts);
}

/** `[n]` IMPLICIT primitive with `content`. */
export function implicit(n: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(0x80 | n, content);
}

/** OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Uint8Array<ArrayBuffer> {
  const arcs = dotted.split(".").map((a) => {
    if (!/^(0|[1-9][0-9]*)$/.test(a)) throw new DerError(`"${dotted}" is not an OID.`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0] > 2n || (arcs[0] < 2n && arcs[1] >= 40n)) {
    throw new DerError(`"${dotted}" is not an OID.`);
  }
  const values = [arcs[0] * 40n + arcs[1], ...arcs.slice(2)];
  const out: number[] = [];
  for (const v of values) {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (let n = v >> 7n; n > 0n; n >>= 7n) chunk.unshift(Number(n & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(out));
}

/** INTEGER (a non-negative number, a bigint, or big-endian unsigned bytes). */
export function int(value: number | bigint | Uint8Array): Uint8Array<ArrayBuffer> {
  let bytes: number[];
  if (value instanceof Uint8Array) {
    let i = 0;
    while (i < value.length - 1 && value[i] === 0) i++;
    bytes = Array.from(value.subarray(i));
    if (bytes.length === 0) bytes = [0];
  } else {
    let n = BigInt(value);
    if (n < 0n) throw new DerError("negative INTEGERs are not written by tlsmith.");
    bytes = [];
    do {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    } while (n > 0n);
  }
  if (bytes[0] & 0x80) bytes.unshift(0);
  return tlv(0x02, new Uint8Array(bytes));
}

/** OCTET STRING. */
export function octets(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(0x04, bytes);
}

/** BIT STRING with `unusedBits` unused bits in the last byte. */
export function bits(bytes: Uint8Array, unusedBits = 0): Uint8Array<ArrayBuffer> {
  return tlv(0x03, new Uint8Array([unusedBits]), bytes);
}

/** BOOLEAN. */
export function bool(value: boolean): Uint8Array<ArrayBuffer> {
  return tlv(0x01, new Uint8Array([value ? 0xff : 0]));
}

/** NULL. */
export function nul(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0x05, 0x00]);
}

const encoder = new TextEncoder();

/** UTF8String. */
export function utf8String(text: string): Uint8Array<ArrayBuffer> {
  return tlv(0x0c, encoder.encode(text));
}

/** PrintableString (the caller checks the alphabet). */
export function printableString(text: string): Uint8Array<ArrayBuffer> {
  return tlv(0x13, encoder.encode(text));
}

/** IA5String (ASCII). */
export function ia5String(text: string): Uint8Array<ArrayBuffer> {
  // deno-lint-ignore no-control-regex
  if (!/^[\x00-\x7f]*$/.test(text)) throw new DerError("an IA5String must be ASCII.");
  return tlv(0x16, encoder.encode(text));
}

/** UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5), whole seconds. */
export function time(date: Date): Uint8Array<ArrayBuffer> {
  const iso = new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString();
  const year = date.getUTCFullYear();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
  const ascii = (s: string) => encoder.encode(s);
  return year >= 1950 && year < 2050
    ? tlv(0x17, ascii(digits.slice(2) + "Z"))
    : tlv(0x18, ascii(digits + "Z"));
}
