/**
 * THE GeneralName codec (RFC 5280 §4.2.1.6), both ways, for all nine types: subjectAltName,
 * issuerAltName, authorityKeyIdentifier and name-constraint subtrees all go through it.
 *
 * Reading keeps what it does not interpret (x400Address and ediPartyName as DER, an otherName's
 * value as DER) and keeps every byte of an IA5String (one code point per byte), so a malformed
 * name is shown as it is, never repaired; `names.ts` has the predicates that say whether a value
 * is a well-formed name of its type. Display follows `openssl x509 -text` (`DNS:`, `IP Address:`,
 * `othername: UPN::…`, `X400Name:<unsupported>`), with the one DN formatter for directoryName
 * and `\xHH` for bytes that would otherwise be invisible or look like others.
 *
 * @module
 */

import {
  CONTEXT,
  DER_LIMITS,
  DerError,
  type DerNode,
  explicit,
  implicit,
  isUniversal,
  oid as oidDer,
  readOid,
  seq,
  sequence,
  TAG,
  tlv,
  tryParseDer,
  UNIVERSAL,
} from "../_internal/der.ts";
import { OID, oidName } from "../_internal/oids.ts";
import { TlsmithError } from "../errors.ts";
import { fromUtf8Strict, latin1 } from "../_internal/bytes.ts";
import { isHiddenCharacter, readName, stringValue } from "./dn.ts";
import type { GeneralName } from "./model.ts";
import { formatIpAddress, parseIpAddress } from "./names.ts";

const NAMES = [
  "otherName",
  "rfc822Name",
  "dNSName",
  "x400Address",
  "directoryName",
  "ediPartyName",
  "uniformResourceIdentifier",
  "iPAddress",
  "registeredID",
];

/** An OID from the contents of an implicitly tagged node (bounded like a universal one). */
function implicitOid(node: DerNode, what: string): string {
  if (node.constructed || node.value.length > DER_LIMITS.maxOidBytes) {
    throw new DerError(`the ${what} is not a valid OBJECT IDENTIFIER.`);
  }
  return readOid({ ...node, cls: UNIVERSAL, tag: TAG.OID }, what);
}

/** The prefix length of a network mask, or null when its one bits are not contiguous. */
function prefixLength(mask: Uint8Array): number | null {
  let ones = 0;
  while (ones < mask.length * 8 && mask[ones >> 3] & (0x80 >> (ones & 7))) ones++;
  for (let i = ones; i < mask.length * 8; i++) {
    if (mask[i >> 3] & (0x80 >> (i & 7))) return null;
  }
  return ones;
}

/**
 * An address and mask as text: `10.0.0.0/8`, `fd00::/8`, or `address/mask` when the mask is not
 * a prefix (the text of an iPAddress name constraint).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cidrText } from "./general_name.ts";
 * assert.equal(cidrText(new Uint8Array([10, 0, 0, 0]), new Uint8Array([255, 0, 0, 0])), "10.0.0.0/8");
 * assert.equal(cidrText(new Uint8Array([10, 0, 0, 0]), new Uint8Array([255, 0, 255, 0])), "10.0.0.0/255.0.255.0");
 * ```
 */
export function cidrText(address: Uint8Array, mask: Uint8Array): string {
  return `${formatIpAddress(address)}/${prefixLength(mask) ?? formatIpAddress(mask)}`;
}

/** The text of an IP address GeneralName: an address, a constraint `address/prefix`, or hex. */
function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4 || bytes.length === 16) return formatIpAddress(bytes);
  if (bytes.length === 8 || bytes.length === 32) {
    const half = bytes.length / 2;
    return cidrText(bytes.subarray(0, half), bytes.subarray(half));
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/**
 * Read one GeneralName node. `BAD_DER` naming `what` for a tag outside `[0]`–`[8]`, a
 * constructed string, an otherName that is not `{ OID, [0] value }`, a directoryName that is not
 * one Name, or a bad registeredID.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDer } from "../_internal/der.ts";
 * import { encodeGeneralName, readGeneralName } from "./general_name.ts";
 * const der = encodeGeneralName({ type: "ip", value: "::1", bytes: new Uint8Array(16).fill(1, 15) });
 * assert.equal(readGeneralName(parseDer(der, "n"), "n").type, "ip");
 * ```
 */
export function readGeneralName(node: DerNode, what: string): GeneralName {
  if (node.cls !== CONTEXT || node.tag > 8) {
    throw new DerError(
      `the ${what} is not a GeneralName (tag ${
        node.cls === CONTEXT ? `[${node.tag}]` : `${node.cls}/${node.tag}`
      }).`,
    );
  }
  const kind = NAMES[node.tag];
  const primitive = () => {
    if (node.constructed) throw new DerError(`the ${what} ${kind} is constructed.`);
    return node.value;
  };
  switch (node.tag) {
    case 0: {
      if (!node.constructed) throw new DerError(`the ${what} otherName is malformed.`);
      const [typeId, wrapped] = node.children;
      const oid = readOid(typeId, `${what} otherName type`);
      if (
        node.children.length !== 2 || wrapped.cls !== CONTEXT || wrapped.tag !== 0 ||
        !wrapped.constructed || wrapped.children.length !== 1
      ) {
        throw new DerError(`the ${what} otherName ${oid} is malformed.`);
      }
      const inner = wrapped.children[0];
      let text: string | undefined;
      if ((oid === OID.upn || oid === OID.smtpUTF8Mailbox) && isUniversal(inner, TAG.UTF8_STRING)) {
        text = fromUtf8Strict(inner.value);
      }
      return { type: "otherName", oid, value: inner.der, ...(text !== undefined ? { text } : {}) };
    }
    case 1:
      return { type: "email", value: latin1(primitive()) };
    case 2:
      return { type: "dns", value: latin1(primitive()) };
    case 3:
      return { type: "x400Address", der: node.der };
    case 4: {
      if (!node.constructed || node.children.length !== 1) {
        throw new DerError(`the ${what} directoryName is malformed.`);
      }
      return { type: "directoryName", name: readName(node.children[0], `${what} directoryName`) };
    }
    case 5:
      return { type: "ediPartyName", der: node.der };
    case 6:
      return { type: "uri", value: latin1(primitive()) };
    case 7: {
      const bytes = primitive();
      return { type: "ip", value: ipText(bytes), bytes };
    }
    default:
      return { type: "registeredID", oid: implicitOid(node, `${what} registeredID`) };
  }
}

/**
 * Read `GeneralNames` (`SEQUENCE OF GeneralName`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDer } from "../_internal/der.ts";
 * import { encodeGeneralNames, readGeneralNames } from "./general_name.ts";
 * const der = encodeGeneralNames([{ type: "dns", value: "localhost" }, { type: "email", value: "a@b.test" }]);
 * assert.equal(readGeneralNames(parseDer(der, "n"), "n").length, 2);
 * ```
 */
export function readGeneralNames(node: DerNode, what: string): GeneralName[] {
  return sequence(node, what).map((n) => readGeneralName(n, what));
}

/** The bytes of an IA5String value: one byte per code point (a value read keeps its bytes). */
function ia5Bytes(text: string, kind: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) {
      throw new TlsmithError(
        "BAD_NAME",
        `the ${kind} ${
          JSON.stringify(text)
        } is not ASCII; write international names as A-labels (xn--…).`,
      );
    }
    out[i] = c;
  }
  return out;
}

/**
 * The DER of one GeneralName, exactly as given: an `ip` without `bytes` is parsed from its text;
 * a dns, email or uri value is written one byte per character (what was read is written back
 * unchanged; characters over U+00FF are `BAD_NAME`). Issuing code checks names first with the
 * predicates of `names.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeGeneralName } from "./general_name.ts";
 * assert.deepEqual([...encodeGeneralName({ type: "dns", value: "a" })], [0x82, 0x01, 0x61]);
 * ```
 */
export function encodeGeneralName(
  name: GeneralName | { type: "ip"; value: string; bytes?: Uint8Array },
): Uint8Array<ArrayBuffer> {
  switch (name.type) {
    case "otherName":
      return tlv(0xa0, oidDer(name.oid), explicit(0, name.value));
    case "email":
      return implicit(1, ia5Bytes(name.value, "e-mail address"));
    case "dns":
      return implicit(2, ia5Bytes(name.value, "DNS name"));
    case "x400Address":
    case "ediPartyName":
      return new Uint8Array(name.der);
    case "directoryName":
      return explicit(4, name.name.der);
    case "uri":
      return implicit(6, ia5Bytes(name.value, "URI"));
    case "ip": {
      const bytes = name.bytes ?? parseIpAddress(name.value);
      if (!bytes) {
        throw new TlsmithError("BAD_NAME", `${JSON.stringify(name.value)} is not an IP address.`);
      }
      return implicit(7, bytes);
    }
    case "registeredID":
      return implicit(8, oidDer(name.oid).subarray(2));
  }
}

/**
 * The DER of `GeneralNames`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeGeneralNames } from "./general_name.ts";
 * assert.deepEqual([...encodeGeneralNames([{ type: "dns", value: "a" }])], [0x30, 0x03, 0x82, 0x01, 0x61]);
 * ```
 */
export function encodeGeneralNames(
  names: readonly (GeneralName | { type: "ip"; value: string; bytes?: Uint8Array })[],
): Uint8Array<ArrayBuffer> {
  return seq(...names.map(encodeGeneralName));
}

/**
 * A value for display: `\`, invisible characters, a space at either end and (for IA5 values,
 * `unicode` false) every non-ASCII byte become `\xHH` / `\u{H…}`, so a shown name cannot be
 * mistaken for another.
 */
function show(value: string, unicode = false): string {
  const chars = [...value];
  return chars.map((c, i) => {
    const cp = c.codePointAt(0)!;
    const plain = cp >= 0x21 && cp <= 0x7e && c !== "\\";
    const inner = cp === 0x20 && i > 0 && i < chars.length - 1;
    if (plain || inner || (unicode && cp > 0x7f && !isHiddenCharacter(c))) return c;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u{${cp.toString(16)}}`;
  }).join("");
}

/** The text of an otherName's value, when it is a string OpenSSL would print. */
function otherNameText(value: Uint8Array): string | undefined {
  const node = tryParseDer(value);
  if (
    !node || !(isUniversal(node, TAG.UTF8_STRING) || isUniversal(node, TAG.IA5_STRING) ||
      isUniversal(node, TAG.BMP_STRING))
  ) return undefined;
  const text = stringValue(node);
  return text === undefined ? undefined : show(text, !isUniversal(node, TAG.IA5_STRING));
}

const OTHER_NAME_LABELS: Record<string, string> = {
  [OID.upn]: "UPN",
  [OID.smtpUTF8Mailbox]: "SmtpUTF8Mailbox",
};

/**
 * A GeneralName as `openssl x509 -text` shows it: `DNS:localhost`, `IP Address:::1`,
 * `email:a@b.test`, `URI:https://x.test/`, `DirName:CN=x, O=y` (the one DN form),
 * `Registered ID:1.2.3.4`, `othername: UPN::user@corp.test`, `X400Name:<unsupported>`,
 * `EdiPartyName:<unsupported>`, `IP Address:<invalid>` for an address that is neither 4 nor 16
 * bytes. Invisible and non-ASCII bytes of IA5 values are shown as `\xHH`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatGeneralName } from "./general_name.ts";
 * assert.equal(formatGeneralName({ type: "dns", value: "evil.test " }), "DNS:evil.test\\x20");
 * assert.equal(formatGeneralName({ type: "registeredID", oid: "1.2.3.4" }), "Registered ID:1.2.3.4");
 * ```
 */
export function formatGeneralName(
  name: GeneralName | { type: "ip"; value: string; bytes?: Uint8Array },
): string {
  switch (name.type) {
    case "otherName": {
      const label = OTHER_NAME_LABELS[name.oid] ?? name.oid;
      const text = name.text !== undefined ? show(name.text, true) : otherNameText(name.value);
      return `othername: ${label}::${text ?? "<unsupported>"}`;
    }
    case "email":
      return `email:${show(name.value)}`;
    case "dns":
      return `DNS:${show(name.value)}`;
    case "x400Address":
      return "X400Name:<unsupported>";
    case "directoryName":
      return `DirName:${name.name.text}`;
    case "ediPartyName":
      return "EdiPartyName:<unsupported>";
    case "uri":
      return `URI:${show(name.value)}`;
    case "ip": {
      const bytes = name.bytes ?? parseIpAddress(name.value);
      return bytes && (bytes.length === 4 || bytes.length === 16)
        ? `IP Address:${formatIpAddress(bytes)}`
        : bytes && (bytes.length === 8 || bytes.length === 32)
        ? `IP:${formatIpAddress(bytes.subarray(0, bytes.length / 2))}/${
          formatIpAddress(bytes.subarray(bytes.length / 2))
        }`
        : `IP Address:<invalid length=${bytes?.length ?? 0}>`;
    }
    case "registeredID":
      return `Registered ID:${oidName(name.oid)}`;
  }
}
