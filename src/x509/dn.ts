/**
 * Distinguished names: THE reader, THE builder, THE formatter and THE comparison of tlsmith.
 *
 * - {@linkcode readName} turns a `Name` into the model's {@linkcode Name}: structured RDNs, the
 *   DER, and the one string form.
 * - {@linkcode formatName} is that string form, RFC 4514: most specific RDN first, `, ` between
 *   RDNs, `+` inside a multi-valued RDN; `\` before `, + " \ < > ;`, a leading `#` or space and a
 *   trailing space; `\XX` for control characters (and Unicode format, separator and private-use
 *   characters, so a shown name cannot be mistaken for another), and for bytes a string type
 *   does not allow (a non-ASCII byte in an IA5String or PrintableString); `#hex` of the DER for a
 *   value that is not a string or whose type has no short name.
 * - {@linkcode encodeName} builds a Name with one RDN per attribute (PrintableString where the
 *   text allows it, UTF8String otherwise).
 * - {@linkcode namesEqual} compares names as RFC 5280 §7.1 and OpenSSL do (string values
 *   case-insensitively for ASCII, with white space collapsed; other values byte for byte).
 *
 * @module
 */

import { encodeHex, fromUtf8Strict, latin1 } from "../_internal/bytes.ts";
import {
  DerError,
  type DerNode,
  oid as oidDer,
  parseDer,
  printableString,
  readOid,
  seq,
  sequence,
  set,
  setOf,
  TAG,
  UNIVERSAL,
  utf8String,
} from "../_internal/der.ts";
import { ATTRIBUTE_TYPES } from "../_internal/oids.ts";
import type { Name, NameAttribute, Rdn } from "./model.ts";

/** String types whose every byte must be 7-bit ASCII (more narrowly for Printable/Numeric). */
const ASCII_TYPES = new Set<number>([
  TAG.PRINTABLE_STRING,
  TAG.IA5_STRING,
  TAG.NUMERIC_STRING,
  TAG.VISIBLE_STRING,
]);

/**
 * The text of a string-typed value (UTF8String, PrintableString, IA5String, NumericString,
 * VisibleString, TeletexString as Latin-1, BMPString, UniversalString), or undefined when the
 * value is not a string or its bytes do not decode in its type (bad UTF-8, an odd-length
 * BMPString, …). Bytes a 7-bit type does not allow are kept, one code point per byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDer, utf8String } from "../_internal/der.ts";
 * import { stringValue } from "./dn.ts";
 * assert.equal(stringValue(parseDer(utf8String("é"), "s")), "é");
 * ```
 */
export function stringValue(node: DerNode): string | undefined {
  if (node.cls !== UNIVERSAL || node.constructed) return undefined;
  const v = node.value;
  switch (node.tag) {
    case TAG.UTF8_STRING:
      return fromUtf8Strict(v);
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.NUMERIC_STRING:
    case TAG.VISIBLE_STRING:
    case TAG.TELETEX_STRING:
      return latin1(v);
    case TAG.BMP_STRING: {
      if (v.length % 2) return undefined;
      let s = "";
      for (let i = 0; i < v.length; i += 2) s += String.fromCharCode((v[i] << 8) | v[i + 1]);
      // Lone surrogates are not text.
      return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)
        ? undefined
        : s;
    }
    case TAG.UNIVERSAL_STRING: {
      if (v.length % 4) return undefined;
      let s = "";
      for (let i = 0; i < v.length; i += 4) {
        const cp = ((v[i] << 24) | (v[i + 1] << 16) | (v[i + 2] << 8) | v[i + 3]) >>> 0;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return undefined;
  }
}

/** Characters shown as `\XX` whatever the string type: they are invisible or look like others. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;

/**
 * True for a character that would be invisible or look like another when shown: controls,
 * format characters (bidi overrides, zero-width ones), private-use and unassigned code points,
 * line and paragraph separators, and spaces other than U+0020.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isHiddenCharacter } from "./dn.ts";
 * assert.equal(isHiddenCharacter("\u202e"), true);
 * assert.equal(isHiddenCharacter("é"), false);
 * ```
 */
export function isHiddenCharacter(c: string): boolean {
  return HIDDEN.test(c);
}

function hexEscape(text: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(text)) {
    out += `\\${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** RFC 4514 escaping of one string value of the universal string type `tag`. */
function escapeValue(text: string, tag: number): string {
  const ascii = ASCII_TYPES.has(tag);
  let out = "";
  const chars = [...text];
  chars.forEach((c, i) => {
    const code = c.codePointAt(0)!;
    if (ascii && code > 0x7f) {
      // A byte the type does not allow: show the byte, never a look-alike character.
      out += `\\${code.toString(16).toUpperCase().padStart(2, "0")}`;
    } else if (HIDDEN.test(c)) {
      out += hexEscape(c);
    } else if (`,+"\\<>;`.includes(c)) {
      out += `\\${c}`;
    } else if ((i === 0 && (c === "#" || c === " ")) || (i === chars.length - 1 && c === " ")) {
      out += `\\${c}`;
    } else {
      out += c;
    }
  });
  return out;
}

/** One attribute as RFC 4514 text (`CN=localhost`, `1.2.3.4=#0c0161`). */
function formatAttribute(a: NameAttribute): string {
  const short = ATTRIBUTE_TYPES[a.oid]?.short;
  if (short === undefined || a.value === undefined) return `${a.type}=#${encodeHex(a.der)}`;
  return `${short}=${escapeValue(a.value, a.tag)}`;
}

/**
 * The one string form of a name's RDNs (see the module documentation), most specific first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeName, formatName, readName } from "./dn.ts";
 * import { parseDer } from "../_internal/der.ts";
 * const name = readName(parseDer(encodeName([
 *   { oid: "2.5.4.10", value: "Org, Inc." },
 *   { oid: "2.5.4.3", value: "#1 host " },
 * ]), "name"), "name");
 * assert.equal(formatName(name.rdns), "CN=\\#1 host\\ , O=Org\\, Inc.");
 * ```
 */
export function formatName(rdns: readonly Rdn[]): string {
  return rdns.map((rdn) => rdn.map(formatAttribute).join("+")).reverse().join(", ");
}

/**
 * Read an X.501 `Name` node (`SEQUENCE OF SET OF AttributeTypeAndValue`). An empty RDN, an
 * attribute that is not `{ OID, value }` or a constructed string is a `BAD_DER` error naming
 * `what`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDer } from "../_internal/der.ts";
 * import { encodeName, readName } from "./dn.ts";
 * const name = readName(parseDer(encodeName([{ oid: "2.5.4.3", value: "localhost" }]), "n"), "n");
 * assert.equal(name.text, "CN=localhost");
 * assert.equal(name.rdns[0][0].type, "CN");
 * ```
 */
export function readName(node: DerNode, what: string): Name {
  const rdns: Rdn[] = sequence(node, what).map((setNode) => {
    const atvs = setOf(setNode, `${what} RDN`);
    if (atvs.length === 0) throw new DerError(`the ${what} has an empty RDN.`);
    return atvs.map((atv): NameAttribute => {
      const [typeNode, valueNode] = sequence(atv, `${what} attribute`, 2, 2);
      const oid = readOid(typeNode, `${what} attribute type`);
      const value = stringValue(valueNode);
      return {
        oid,
        type: ATTRIBUTE_TYPES[oid]?.short ?? oid,
        tag: valueNode.cls === UNIVERSAL ? valueNode.tag : -1,
        ...(value !== undefined ? { value } : {}),
        der: valueNode.der,
      };
    });
  });
  return { rdns, der: node.der, text: formatName(rdns) };
}

/** One attribute to write: an attribute-type OID and its text. */
export interface NameInput {
  /** The attribute type OID (`2.5.4.3` for CN). */
  readonly oid: string;
  /** The text. */
  readonly value: string;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * Build a `Name` (DER) with one RDN per attribute, in the order given (least specific first):
 * PrintableString when the text fits its alphabet, UTF8String otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeName } from "./dn.ts";
 * const der = encodeName([{ oid: "2.5.4.3", value: "a" }]);
 * assert.deepEqual([...der], [0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x01, 0x61]);
 * ```
 */
export function encodeName(attributes: readonly NameInput[]): Uint8Array<ArrayBuffer> {
  return seq(
    ...attributes.map((a) =>
      set(
        seq(
          oidDer(a.oid),
          PRINTABLE.test(a.value) ? printableString(a.value) : utf8String(a.value),
        ),
      )
    ),
  );
}

/**
 * {@linkcode readName} of Name DER bytes (`BAD_DER` naming `what` when they are not one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeName, nameFromDer } from "./dn.ts";
 * assert.equal(nameFromDer(encodeName([{ oid: "2.5.4.10", value: "Acme" }])).text, "O=Acme");
 * ```
 */
export function nameFromDer(der: Uint8Array, what = "name"): Name {
  return readName(parseDer(der, what), what);
}

/** The RFC 5280 §7.1 / OpenSSL canonical form of one value: string types folded, others raw. */
function canonicalValue(a: NameAttribute): string {
  if (a.value === undefined) return `#${encodeHex(a.der)}`;
  return `"${
    a.value.replace(/[\t\n\v\f\r ]+/g, " ").trim().replace(/[A-Z]/g, (c) => c.toLowerCase())
  }`;
}

/** A key equal for equal names (RFC 5280 §7.1 comparison). */
function canonicalName(name: Name): string {
  return name.rdns.map((rdn) =>
    rdn.map((a) => `${a.oid}=${canonicalValue(a)}`).sort().join("\u0001")
  ).join("\u0000");
}

/**
 * True when two names are the same name (RFC 5280 §7.1, as OpenSSL compares them): byte-equal
 * DER, or the same RDNs whose string values match ignoring ASCII case and runs of white space
 * (whatever their string type) and whose other values are byte-equal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeName, nameFromDer, namesEqual } from "./dn.ts";
 * const a = nameFromDer(encodeName([{ oid: "2.5.4.3", value: "My  CA" }]));
 * const b = nameFromDer(encodeName([{ oid: "2.5.4.3", value: "my ca" }]));
 * assert.equal(namesEqual(a, b), true);
 * ```
 */
export function namesEqual(a: Name, b: Name): boolean {
  if (a.der.length === b.der.length && a.der.every((x, i) => x === b.der[i])) return true;
  return a.rdns.length === b.rdns.length && canonicalName(a) === canonicalName(b);
}
