/**
 * Small ASN.1 helpers on top of asn1js, shared by the keys-at-rest code
 * (`encrypted_key.ts`, `key_formats.ts`, `pkcs12.ts`): strict DER parsing,
 * builders, readers that tolerate BER (constructed OCTET STRINGs), object
 * identifiers, and the private-key structure conversions (PKCS#1 and SEC1 to
 * PKCS#8). Internal; not exported from mod.ts.
 *
 * @module
 */

import * as asn1js from "npm:asn1js@^4.0.0";
import { sourcePrefix, TlsmithError } from "../errors.ts";
import { concatBytes, toArrayBuffer, toBytes } from "./bytes.ts";
import type { PemBlock } from "../pem.ts";
import { OID } from "./oids.ts";

// ---------------------------------------------------------------------------
// Parsing

/** Parse exactly one DER/BER element filling all of `bytes`, or return null. */
export function tryParseDer(bytes: Uint8Array): asn1js.AsnType | null {
  if (bytes.length === 0) return null;
  const parsed = asn1js.fromBER(toArrayBuffer(bytes));
  if (parsed.offset === -1 || parsed.result.error) return null;
  if (parsed.offset !== bytes.length) return null;
  return parsed.result;
}

/** Parse exactly one element; `BAD_DER` naming `what` (and the source) otherwise. */
export function parseDer(
  bytes: Uint8Array,
  what: string,
  source?: string,
): asn1js.AsnType {
  const node = tryParseDer(bytes);
  if (!node) {
    throw new TlsmithError(
      "BAD_DER",
      `${
        source ? source + ": " : ""
      }the ${what} is not valid DER. The file may be damaged; re-export it.`,
    );
  }
  return node;
}

/** A reader error: the structure is not what `what` should be. */
export function badStructure(what: string, source?: string, detail?: string): TlsmithError {
  return new TlsmithError(
    "BAD_DER",
    `${source ? source + ": " : ""}the ${what} has an unexpected structure${
      detail ? ` (${detail})` : ""
    }. The file may be damaged or not what it claims to be.`,
  );
}

/** True for a universal SEQUENCE. */
export function isSequence(node: asn1js.AsnType | null | undefined): node is asn1js.Sequence {
  return node instanceof asn1js.Sequence;
}

/** The children of a constructed node (SEQUENCE, SET, or a context tag), else null. */
export function children(node: asn1js.AsnType | null | undefined): asn1js.AsnType[] | null {
  if (!node) return null;
  const vb = (node as asn1js.BaseBlock).valueBlock as { value?: unknown };
  if (
    (node as asn1js.BaseBlock).idBlock?.isConstructed && Array.isArray(vb.value)
  ) {
    return vb.value as asn1js.AsnType[];
  }
  return null;
}

/** Tag class (1 universal, 2 application, 3 context) and number of a node. */
export function tagOf(node: asn1js.AsnType): { cls: number; num: number } {
  const id = (node as asn1js.BaseBlock).idBlock;
  return { cls: id.tagClass, num: id.tagNumber };
}

/** True for a context-specific tag `[num]`. */
export function isContext(node: asn1js.AsnType | undefined, num: number): boolean {
  if (!node) return false;
  const t = tagOf(node);
  return t.cls === 3 && t.num === num;
}

/** The dotted string of an OBJECT IDENTIFIER node, or null. */
export function oidOf(node: asn1js.AsnType | null | undefined): string | null {
  return node instanceof asn1js.ObjectIdentifier ? node.valueBlock.toString() : null;
}

/** The contents of an OCTET STRING (primitive or BER-constructed), or null. */
export function octetsOf(node: asn1js.AsnType | undefined): Uint8Array | null {
  if (!node) return null;
  const b = node as asn1js.BaseBlock;
  const t = tagOf(node);
  // A universal OCTET STRING, or an IMPLICIT-tagged one (context class).
  if (!(node instanceof asn1js.OctetString) && t.cls !== 3) return null;
  if (b.idBlock.isConstructed) {
    const parts = children(node);
    if (!parts) return null;
    const out: Uint8Array[] = [];
    for (const p of parts) {
      const o = octetsOf(p);
      if (!o) return null;
      out.push(o);
    }
    return concatBytes(...out);
  }
  const vb = b.valueBlock as unknown as { valueHexView?: Uint8Array };
  return vb.valueHexView ? new Uint8Array(vb.valueHexView) : null;
}

/** A non-negative INTEGER as a number (null when absent, negative or too big). */
export function intOf(node: asn1js.AsnType | undefined): number | null {
  if (!(node instanceof asn1js.Integer)) return null;
  const bytes = node.valueBlock.valueHexView;
  if (bytes.length > 7 || (bytes.length > 0 && bytes[0] & 0x80)) return null;
  let n = 0;
  for (const b of bytes) n = n * 256 + b;
  return n;
}

// ---------------------------------------------------------------------------
// Building

/** SEQUENCE of `items`. */
export function seq(...items: asn1js.AsnType[]): asn1js.Sequence {
  return new asn1js.Sequence({ value: items });
}

/** SET OF `items`. */
export function set(...items: asn1js.AsnType[]): asn1js.Set {
  return new asn1js.Set({ value: items });
}

/** OBJECT IDENTIFIER. */
export function oid(dotted: string): asn1js.ObjectIdentifier {
  return new asn1js.ObjectIdentifier({ value: dotted });
}

/** OCTET STRING. */
export function octets(bytes: Uint8Array): asn1js.OctetString {
  return new asn1js.OctetString({ valueHex: toArrayBuffer(bytes) });
}

/** Non-negative INTEGER. */
export function int(n: number): asn1js.Integer {
  return new asn1js.Integer({ value: n });
}

/** NULL. */
export function nul(): asn1js.Null {
  return new asn1js.Null();
}

/** `[num] EXPLICIT` wrapping `inner`. */
export function explicit(num: number, inner: asn1js.AsnType): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: num }, value: [inner] });
}

/** `[num] IMPLICIT OCTET STRING` with `bytes`. */
export function implicitOctets(num: number, bytes: Uint8Array): asn1js.Primitive {
  return new asn1js.Primitive({
    idBlock: { tagClass: 3, tagNumber: num },
    valueHex: toArrayBuffer(bytes),
  });
}

/** Already-encoded DER inserted as is. */
export function raw(der: Uint8Array): asn1js.AsnType {
  const node = tryParseDer(der);
  if (!node) throw new TlsmithError("BAD_DER", "internal: raw DER does not parse");
  return node;
}

/** DER encoding of `node`. */
export function encodeDer(node: asn1js.AsnType): Uint8Array {
  return new Uint8Array(node.toBER(false));
}

/** The DER of a child node as it was parsed. */
export function derOf(node: asn1js.AsnType): Uint8Array {
  return toBytes(node.toBER(false));
}

// ---------------------------------------------------------------------------
// Private-key structures

/** What a PKCS#8 PrivateKeyInfo says about itself. */
export interface Pkcs8Info {
  /** The algorithm OID (rsaEncryption, ecPublicKey, id-RSASSA-PSS, Ed25519, …). */
  algorithm: string;
  /** The DER of the algorithm parameters, if any. */
  parameters?: asn1js.AsnType;
  /** The named curve OID for EC keys. */
  curve?: string;
  /** The privateKey OCTET STRING content (the inner key structure). */
  privateKey: Uint8Array;
}

/**
 * Check that `der` is a PKCS#8 PrivateKeyInfo / OneAsymmetricKey and return its
 * parts, or null. The check is structural and strict enough that random bytes
 * (a wrong pass phrase that happened to unpad) never pass.
 */
export function readPkcs8(der: Uint8Array): Pkcs8Info | null {
  if (der.length < 16 || der[0] !== 0x30) return null;
  const node = tryParseDer(der);
  const items = isSequence(node) ? children(node) : null;
  if (!items || items.length < 3 || items.length > 5) return null;
  const version = intOf(items[0]);
  if (version !== 0 && version !== 1) return null;
  const alg = isSequence(items[1]) ? children(items[1]) : null;
  if (!alg || alg.length < 1 || alg.length > 2) return null;
  const algorithm = oidOf(alg[0]);
  if (!algorithm) return null;
  if (!(items[2] instanceof asn1js.OctetString) || items[2].idBlock.isConstructed) return null;
  const privateKey = octetsOf(items[2]);
  if (!privateKey || privateKey.length === 0) return null;
  for (const extra of items.slice(3)) {
    if (!isContext(extra, 0) && !isContext(extra, 1)) return null;
  }
  const info: Pkcs8Info = { algorithm, privateKey };
  if (alg[1] && !(alg[1] instanceof asn1js.Null)) info.parameters = alg[1];
  if (algorithm === OID.ecPublicKey) {
    const curve = oidOf(alg[1]);
    if (curve) info.curve = curve;
  }
  // The inner structure must parse too for RSA and EC keys.
  if (algorithm === OID.rsaEncryption || algorithm === OID.rsassaPss) {
    if (!isRsaPrivateKey(privateKey)) return null;
  } else if (algorithm === OID.ecPublicKey) {
    if (!readSec1(privateKey)) return null;
  } else if (algorithm === OID.ed25519) {
    const inner = tryParseDer(privateKey);
    const seed = inner instanceof asn1js.OctetString ? octetsOf(inner) : null;
    if (!seed || seed.length !== 32) return null;
  }
  return info;
}

/** True when `der` is a PKCS#1 RSAPrivateKey (two-prime or multi-prime). */
export function isRsaPrivateKey(der: Uint8Array): boolean {
  if (der.length < 16 || der[0] !== 0x30) return false;
  const node = tryParseDer(der);
  const items = isSequence(node) ? children(node) : null;
  if (!items || items.length < 9 || items.length > 10) return false;
  const version = intOf(items[0]);
  if (version !== 0 && version !== 1) return false;
  return items.slice(1, 9).every((i) => i instanceof asn1js.Integer);
}

/** The parts of a SEC1 ECPrivateKey. */
export interface Sec1Info {
  /** The private scalar. */
  privateKey: Uint8Array;
  /** Named curve OID from `[0]`, if present. */
  curve?: string;
  /** True when `[0]` holds explicit curve parameters (unsupported). */
  explicitParameters?: boolean;
  /** Whether a public key `[1]` is present. */
  hasPublicKey: boolean;
}

/** Read a SEC1 ECPrivateKey, or null when it is not one. */
export function readSec1(der: Uint8Array): Sec1Info | null {
  if (der.length < 8 || der[0] !== 0x30) return null;
  const node = tryParseDer(der);
  const items = isSequence(node) ? children(node) : null;
  if (!items || items.length < 2 || items.length > 4) return null;
  if (intOf(items[0]) !== 1) return null;
  if (!(items[1] instanceof asn1js.OctetString)) return null;
  const privateKey = octetsOf(items[1]);
  if (!privateKey || privateKey.length === 0 || privateKey.length > 66) return null;
  const info: Sec1Info = { privateKey, hasPublicKey: false };
  for (const extra of items.slice(2)) {
    if (isContext(extra, 0)) {
      const inner = children(extra)?.[0];
      const curve = oidOf(inner);
      if (curve) info.curve = curve;
      else if (isSequence(inner)) info.explicitParameters = true;
      else return null;
    } else if (isContext(extra, 1)) {
      info.hasPublicKey = true;
    } else {
      return null;
    }
  }
  return info;
}

/** Wrap a PKCS#1 RSAPrivateKey into PKCS#8 (rsaEncryption, NULL parameters). */
export function pkcs8FromPkcs1(rsaPrivateKey: Uint8Array): Uint8Array {
  return encodeDer(
    seq(int(0), seq(oid(OID.rsaEncryption), nul()), octets(rsaPrivateKey)),
  );
}

/**
 * Wrap a SEC1 ECPrivateKey into PKCS#8 with the named `curve` (from the key's
 * own `[0]` parameters, or from a preceding "EC PARAMETERS" block).
 */
export function pkcs8FromSec1(ecPrivateKey: Uint8Array, curve: string): Uint8Array {
  return encodeDer(
    seq(int(0), seq(oid(OID.ecPublicKey), oid(curve)), octets(ecPrivateKey)),
  );
}

/** Human name of a curve OID (for messages). */
export function curveName(curve: string): string {
  switch (curve) {
    case OID.p256:
      return "P-256 (prime256v1)";
    case OID.p384:
      return "P-384 (secp384r1)";
    case OID.p521:
      return "P-521 (secp521r1)";
    case OID.secp256k1:
      return "secp256k1";
    default:
      return `curve ${curve}`;
  }
}

/** SEC1 → PKCS#8, taking the curve from the key or an "EC PARAMETERS" block. */
export function pkcs8FromSec1Checked(
  sec1: Uint8Array,
  blocks: PemBlock[],
  source?: string,
): Uint8Array {
  const info = readSec1(sec1);
  if (!info) {
    throw new TlsmithError(
      "BAD_KEY",
      `${sourcePrefix(source)}the EC private key is not a valid SEC1 structure.`,
    );
  }
  let curve = info.curve;
  let explicit = info.explicitParameters;
  if (!curve && !explicit) {
    const params = blocks.find((b) => b.label === "EC PARAMETERS");
    if (params) {
      const c = curveFromEcParameters(params.der);
      if (c === "explicit") explicit = true;
      else curve = c ?? undefined;
    }
  }
  if (explicit) {
    throw new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `${
        sourcePrefix(source)
      }the EC key uses explicit curve parameters, which WebCrypto cannot import. ` +
        `Convert it to a named curve with \`openssl ec -in key.pem -param_enc named_curve -out key-named.pem\`.`,
    );
  }
  if (!curve) {
    throw new TlsmithError(
      "BAD_KEY",
      `${
        sourcePrefix(source)
      }the EC private key does not name its curve and no "EC PARAMETERS" block ` +
        `precedes it. Re-export it with \`openssl ec -in key.pem -out key-fixed.pem\`.`,
    );
  }
  return pkcs8FromSec1(sec1, curve);
}

/**
 * The named curve of an "EC PARAMETERS" block (ECParameters DER): the OID,
 * `"explicit"` for explicit parameters, or null when it is neither.
 */
export function curveFromEcParameters(der: Uint8Array): string | "explicit" | null {
  const node = tryParseDer(der);
  const curve = oidOf(node);
  if (curve) return curve;
  return isSequence(node) ? "explicit" : null;
}

/**
 * PKCS#8 DER from unencrypted PEM blocks: "PRIVATE KEY" (PKCS#8),
 * "RSA PRIVATE KEY" (PKCS#1, wrapped), "EC PRIVATE KEY" (SEC1, wrapped; the
 * curve from the key or a preceding "EC PARAMETERS" block).
 */
export function pkcs8FromPlainBlocks(blocks: PemBlock[], source?: string): Uint8Array {
  const block = blocks.find((b) => PLAIN_KEY_LABELS.includes(b.label));
  if (!block) {
    const found = [...new Set(blocks.map((b) => b.label))].join(", ");
    throw new TlsmithError(
      "BAD_PEM",
      `${sourcePrefix(source)}no private key found (found ${found}). Expected "PRIVATE KEY", ` +
        `"ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY" or "EC PRIVATE KEY".`,
    );
  }
  if (block.label === "PRIVATE KEY") {
    if (!readPkcs8(block.der)) {
      throw new TlsmithError(
        "BAD_KEY",
        `${
          sourcePrefix(source)
        }the "PRIVATE KEY" block is not a valid PKCS#8 private key. The file may be damaged.`,
      );
    }
    return block.der;
  }
  if (block.label === "RSA PRIVATE KEY") {
    if (!isRsaPrivateKey(block.der)) {
      throw new TlsmithError(
        "BAD_KEY",
        `${
          sourcePrefix(source)
        }the "RSA PRIVATE KEY" block is not a valid PKCS#1 RSA key. The file may be damaged.`,
      );
    }
    return pkcs8FromPkcs1(block.der);
  }
  return pkcs8FromSec1Checked(block.der, blocks, source);
}

/** PEM labels of unencrypted private keys that tlsmith reads. */
export const PLAIN_KEY_LABELS: readonly string[] = [
  "PRIVATE KEY",
  "RSA PRIVATE KEY",
  "EC PRIVATE KEY",
];
