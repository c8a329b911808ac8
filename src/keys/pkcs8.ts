/**
 * The private-key structures and THE importer of PKCS#8: `PrivateKeyInfo` / `OneAsymmetricKey`
 * (RFC 5958), and inside it PKCS#1 `RSAPrivateKey`, SEC1 `ECPrivateKey` and the Ed25519 seed.
 * Read with the strict, bounded `_internal/der.ts`; every other key format (PEM labels, PKCS#1,
 * SEC1, encrypted keys, .p12 key bags) is turned into PKCS#8 DER and imported here, so every
 * reader gives one answer for one key.
 *
 * The importer checks what WebCrypto does not, the same way on every runtime: an EC key's inner
 * curve must agree with its AlgorithmIdentifier, the scalar must be in range and an embedded
 * public key must be the private key's; an RSA key's numbers must fit together (n = p·q, the CRT
 * values, e·d ≡ 1) and its size is counted from the modulus; RSA-PSS-restricted, DSA and other
 * keys are refused by name.
 *
 * @module
 */

import { encodeHex } from "../_internal/bytes.ts";
import {
  DerError,
  type DerNode,
  int,
  integerBytes,
  isContext,
  isUniversal,
  nul,
  octets,
  oid,
  parseDer,
  readBitString,
  readOctets,
  readOid,
  readSmallInt,
  seq,
  sequence,
  TAG,
} from "../_internal/der.ts";
import { CURVES, KEY_ALGORITHMS, OID } from "../_internal/oids.ts";
import { sourcePrefix, TlsmithError } from "../errors.ts";
import { type InputKind, namedCurveCommand, newKeyCommands } from "./commands.ts";
import { derivePublicKey, type KeyPair, type KeyType, rsaKeyType } from "./keys.ts";

/** The parts of a PKCS#8 PrivateKeyInfo (version 0) or OneAsymmetricKey (version 1). */
export interface PrivateKeyInfo {
  /** 0 (PKCS#8) or 1 (RFC 5958, with a public key). */
  version: number;
  /** The algorithm OID (rsaEncryption, id-ecPublicKey, id-RSASSA-PSS, Ed25519, …). */
  algorithm: string;
  /** The algorithm parameters, when present and not NULL. */
  parameters?: DerNode;
  /** The content of the privateKey OCTET STRING (PKCS#1, SEC1, the Ed25519 seed …). */
  privateKey: Uint8Array;
  /** The `[1]` publicKey of a version 1 key. */
  publicKey?: Uint8Array;
}

/**
 * The parts of PKCS#8 DER (structure only; {@linkcode importPkcs8Der} checks the key). Throws a
 * `BAD_DER` error naming `what` when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePkcs8 } from "./pkcs8.ts";
 * import { generateKeyPair } from "./keys.ts";
 * const { privateKey } = await generateKeyPair("ed25519");
 * const info = parsePkcs8(new Uint8Array(await crypto.subtle.exportKey("pkcs8", privateKey)), "key");
 * assert.equal(info.algorithm, "1.3.101.112");
 * ```
 */
export function parsePkcs8(der: Uint8Array, what: string): PrivateKeyInfo {
  const items = sequence(parseDer(der, what), what, 3, 5);
  const version = readSmallInt(items[0], `${what}'s version`);
  if (version > 1) throw new DerError(`the ${what} has version ${version + 1} (1 or 2 belong).`);
  const alg = sequence(items[1], `${what}'s algorithm`, 1, 2);
  const info: PrivateKeyInfo = {
    version,
    algorithm: readOid(alg[0], `${what}'s algorithm`),
    privateKey: readOctets(items[2], `${what}'s key`),
  };
  if (alg[1] && !isUniversal(alg[1], TAG.NULL)) info.parameters = alg[1];
  let at = 3;
  if (isContext(items[at], 0)) at++; // attributes
  if (items[at] !== undefined) {
    if (!isContext(items[at], 1) || items[at].constructed || version !== 1) {
      throw new DerError(`the ${what} has an unexpected element after the key.`);
    }
    const v = items[at].value;
    if (v.length < 2 || v[0] !== 0) throw new DerError(`the ${what}'s public key is malformed.`);
    info.publicKey = v.subarray(1);
    at++;
  }
  if (items[at] !== undefined) throw new DerError(`the ${what} has extra elements.`);
  return info;
}

/** The numbers of a PKCS#1 RSAPrivateKey, and the modulus size in bits. */
export interface RsaPrivateKey {
  /** Modulus, public exponent, private exponent, primes and CRT values. */
  n: bigint;
  /** Public exponent. */
  e: bigint;
  /** Private exponent. */
  d: bigint;
  /** First prime. */
  p: bigint;
  /** Second prime. */
  q: bigint;
  /** d mod (p-1). */
  dp: bigint;
  /** d mod (q-1). */
  dq: bigint;
  /** q⁻¹ mod p. */
  qi: bigint;
  /** The size of the modulus in bits, counted (a 1025-bit key is 1025). */
  bits: number;
  /** True for a multi-prime key (version 1). */
  multiPrime: boolean;
}

function positive(node: DerNode | undefined, what: string): bigint {
  const bytes = integerBytes(node, what);
  if (bytes[0] & 0x80) throw new DerError(`the ${what} is negative.`);
  return BigInt("0x" + encodeHex(bytes));
}

/**
 * Read a PKCS#1 RSAPrivateKey (structure and numbers; not their consistency).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { int, seq } from "../_internal/der.ts";
 * import { parseRsaPrivateKey } from "./pkcs8.ts";
 * const key = parseRsaPrivateKey(seq(...[0, 3233, 17, 413, 61, 53, 53, 49, 38].map((n) => int(n))), "key");
 * assert.equal(key.bits, 12);
 * ```
 */
export function parseRsaPrivateKey(der: Uint8Array, what: string): RsaPrivateKey {
  const items = sequence(parseDer(der, what), what, 9, 10);
  const version = readSmallInt(items[0], `${what}'s version`);
  if (version > 1 || (version === 1) !== (items.length === 10)) {
    throw new DerError(`the ${what} has version ${version} with ${items.length} elements.`);
  }
  const names = ["modulus", "public exponent", "private exponent", "prime 1", "prime 2"];
  const [n, e, d, p, q, dp, dq, qi] = items.slice(1, 9).map((node, i) =>
    positive(node, `${what}'s ${names[i] ?? "CRT value"}`)
  );
  return { n, e, d, p, q, dp, dq, qi, bits: n.toString(2).length, multiPrime: version === 1 };
}

/**
 * Why an RSA key's numbers do not fit together, or undefined when they do (as OpenSSL's
 * `RSA_check_key`, without the primality tests).
 */
function rsaInconsistency(k: RsaPrivateKey): string | undefined {
  const one = 1n;
  if (k.p <= one || k.q <= one || k.n !== k.p * k.q) return "n is not p·q";
  if (k.e < 3n || k.e % 2n === 0n || k.e >= k.n) return "the public exponent is not valid";
  if ((k.d * k.e) % (k.p - one) !== one || (k.d * k.e) % (k.q - one) !== one) {
    return "d is not the inverse of e";
  }
  if (k.dp !== k.d % (k.p - one) || k.dq !== k.d % (k.q - one)) return "a CRT exponent is wrong";
  if ((k.qi * k.q) % k.p !== one || k.qi >= k.p) return "the CRT coefficient is wrong";
  return undefined;
}

/** The parts of a SEC1 ECPrivateKey. */
export interface EcPrivateKey {
  /** The private scalar. */
  privateKey: Uint8Array;
  /** The named curve in `[0]`, if any. */
  curve?: string;
  /** True when `[0]` holds explicit curve parameters. */
  explicitCurve: boolean;
  /** The public point in `[1]`, if any. */
  publicKey?: Uint8Array;
}

/** The named curve (OID) of ECParameters, or `"explicit"` for explicit parameters. */
export function ecParametersCurve(node: DerNode | undefined, what: string): string {
  if (isUniversal(node, TAG.SEQUENCE)) return "explicit";
  return readOid(node, what);
}

/**
 * Read a SEC1 ECPrivateKey (RFC 5915).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { int, octets, seq } from "../_internal/der.ts";
 * import { parseSec1 } from "./pkcs8.ts";
 * assert.equal(parseSec1(seq(int(1), octets(new Uint8Array(32).fill(1))), "key").privateKey.length, 32);
 * ```
 */
export function parseSec1(der: Uint8Array, what: string): EcPrivateKey {
  const items = sequence(parseDer(der, what), what, 2, 4);
  if (readSmallInt(items[0], `${what}'s version`) !== 1) {
    throw new DerError(`the ${what} is not version 1.`);
  }
  const key: EcPrivateKey = {
    privateKey: readOctets(items[1], `${what}'s scalar`),
    explicitCurve: false,
  };
  let at = 2;
  if (isContext(items[at], 0)) {
    const inner = items[at].children;
    if (!items[at].constructed || inner.length !== 1) {
      throw new DerError(`the ${what}'s curve is malformed.`);
    }
    const curve = ecParametersCurve(inner[0], `${what}'s curve`);
    if (curve === "explicit") key.explicitCurve = true;
    else key.curve = curve;
    at++;
  }
  if (isContext(items[at], 1)) {
    const inner = items[at].children;
    if (!items[at].constructed || inner.length !== 1) {
      throw new DerError(`the ${what}'s public key is malformed.`);
    }
    const { bytes, unusedBits } = readBitString(inner[0], `${what}'s public key`);
    if (unusedBits !== 0) throw new DerError(`the ${what}'s public key is malformed.`);
    key.publicKey = bytes;
    at++;
  }
  if (items[at] !== undefined) throw new DerError(`the ${what} has an unexpected element.`);
  return key;
}

/** Wrap a PKCS#1 RSAPrivateKey into PKCS#8 (rsaEncryption, NULL parameters). */
export function pkcs8FromPkcs1(rsaPrivateKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return seq(int(0), seq(oid(OID.rsaEncryption), nul()), octets(rsaPrivateKey));
}

/** Wrap a SEC1 ECPrivateKey into PKCS#8 with the named `curve` (an OID). */
export function pkcs8FromSec1(ecPrivateKey: Uint8Array, curve: string): Uint8Array<ArrayBuffer> {
  return seq(int(0), seq(oid(OID.ecPublicKey), oid(curve)), octets(ecPrivateKey));
}

/**
 * True when `der` is PKCS#8 whose inner key structure parses too: what a correct pass phrase
 * decrypts to. Random bytes (a wrong pass phrase whose padding happened to check out) never pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPkcs8 } from "./pkcs8.ts";
 * assert.equal(isPkcs8(new Uint8Array([0x30, 0x00])), false);
 * ```
 */
export function isPkcs8(der: Uint8Array): boolean {
  try {
    const info = parsePkcs8(der, "key");
    const kind = KEY_ALGORITHMS[info.algorithm]?.kind;
    if (kind === "rsa" || kind === "rsa-pss") parseRsaPrivateKey(info.privateKey, "key");
    else if (kind === "ec") parseSec1(info.privateKey, "key");
    else if (kind === "ed25519") ed25519Seed(info.privateKey, "key");
    return true;
  } catch {
    return false;
  }
}

function ed25519Seed(der: Uint8Array, what: string): Uint8Array {
  const seed = readOctets(parseDer(der, what), what);
  if (seed.length !== 32) throw new DerError(`the ${what} is ${seed.length} bytes, not 32.`);
  return seed;
}

// ---------------------------------------------------------------------------
// Importing

/** Curve orders, to refuse out-of-range scalars before WebCrypto sees them (runtimes differ). */
const CURVE_ORDERS: Readonly<Record<string, bigint>> = Object.freeze({
  [OID.p256]: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  [OID.p384]:
    0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
});

const TYPE_OF_CURVE: Readonly<Record<string, KeyType>> = Object.freeze({
  [OID.p256]: "ec-p256",
  [OID.p384]: "ec-p384",
});

/** Where the key came from, for messages (and which commands fit it). */
export type ImportContext = InputKind;

function damaged(ctx: ImportContext, detail: string, cause?: unknown): TlsmithError {
  return new TlsmithError(
    "BAD_KEY",
    `${sourcePrefix(ctx.source)}the private key is damaged or invalid (${detail}). ` +
      `Re-export it from where it came from, or generate a new one.`,
    cause === undefined ? undefined : { cause },
  );
}

function unsupported(ctx: ImportContext, what: string, kind: "ec" | "rsa" = "ec"): TlsmithError {
  return new TlsmithError(
    "UNSUPPORTED_KEY_TYPE",
    `${sourcePrefix(ctx.source)}${what} are not supported: tlsmith uses ECDSA P-256/P-384, ` +
      `RSA (2048, 3072 or 4096 bits) and Ed25519 keys. Make one with ${newKeyCommands(kind)}.`,
  );
}

/**
 * The `UNSUPPORTED_KEY_TYPE` error for a key algorithm tlsmith does not use, by name: DSA,
 * RSA-PSS-restricted, X25519, … Shared by the readers that meet such keys outside PKCS#8 (a
 * traditional `DSA PRIVATE KEY`).
 */
export function unsupportedAlgorithm(ctx: ImportContext, algorithmOid: string): TlsmithError {
  const alg = KEY_ALGORITHMS[algorithmOid];
  if (alg?.kind === "rsa-pss") {
    return new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `${sourcePrefix(ctx.source)}this is an RSA-PSS key (id-RSASSA-PSS, as ` +
        "openssl genpkey -algorithm RSA-PSS makes): tlsmith signs and serves with plain RSA " +
        "(rsaEncryption) keys, and TLS servers (Deno's rustls among them) cannot load RSA-PSS " +
        `ones. Make a plain RSA key with ${newKeyCommands("rsa")}.`,
    );
  }
  const name = alg ? `${alg.label} keys` : `keys of algorithm ${algorithmOid}`;
  return unsupported(ctx, name);
}

/** The key pair's public point or key as raw bytes, for comparison with an embedded one. */
async function rawPublicKey(publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey("raw", publicKey));
}

/** True when an embedded EC point (compressed or not) is the uncompressed point `raw`. */
function samePoint(embedded: Uint8Array, raw: Uint8Array, size: number): boolean {
  const x = raw.subarray(1, 1 + size);
  const y = raw.subarray(1 + size);
  if (embedded.length === 1 + 2 * size && embedded[0] === 4) {
    return encodeHex(embedded) === encodeHex(raw);
  }
  if (embedded.length === 1 + size && (embedded[0] === 2 || embedded[0] === 3)) {
    return encodeHex(embedded.subarray(1)) === encodeHex(x) &&
      (embedded[0] & 1) === (y[y.length - 1] & 1);
  }
  return false;
}

async function webcryptoImport(
  der: Uint8Array,
  algorithm: Algorithm,
  ctx: ImportContext,
  label: string,
): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey("pkcs8", der.slice(), algorithm, true, ["sign"]);
  } catch (err) {
    throw damaged(
      ctx,
      `this runtime's WebCrypto refuses the ${label} key: ${(err as Error)?.message ?? err}`,
      err,
    );
  }
}

interface Checked {
  algorithm: Algorithm;
  type: KeyType;
  label: string;
  /** The public key the file carries, if any (raw form). */
  embeddedPublicKey?: Uint8Array;
  /**
   * The PKCS#8 WebCrypto imports: version 0, the private key alone. An embedded public key is
   * left out (runtimes differ in whether they check it), so the runtime computes the public key
   * from the private one, and that is compared with the embedded one here, the same everywhere.
   */
  pkcs8: Uint8Array;
  /** For EC keys: the field size (for point comparison) and the signature hash. */
  ec?: { size: number; hash: string };
}

function checkRsa(info: PrivateKeyInfo, ctx: ImportContext): Checked {
  if (info.parameters) throw damaged(ctx, "RSA key algorithm with parameters");
  const key = parseRsaPrivateKey(info.privateKey, "RSA private key");
  if (key.multiPrime) {
    throw unsupported(ctx, "multi-prime RSA keys", "rsa");
  }
  const problem = rsaInconsistency(key);
  if (problem) throw damaged(ctx, `its RSA numbers do not fit together: ${problem}`);
  return {
    algorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as RsaHashedImportParams,
    type: rsaKeyType(key.bits, ctx.source),
    label: "RSA",
    pkcs8: pkcs8FromPkcs1(info.privateKey),
  };
}

function checkEc(info: PrivateKeyInfo, ctx: ImportContext): Checked {
  if (!info.parameters) throw damaged(ctx, "the EC key names no curve");
  const outer = ecParametersCurve(info.parameters, "EC key's curve");
  const key = parseSec1(info.privateKey, "EC private key");
  if (outer === "explicit" || key.explicitCurve) {
    throw new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `${sourcePrefix(ctx.source)}the EC key spells out its curve parameters instead of ` +
        `naming the curve, which WebCrypto cannot import. Rewrite it with a named curve: ` +
        `\`${namedCurveCommand(ctx)}\`.`,
    );
  }
  if (key.curve !== undefined && key.curve !== outer) {
    throw damaged(
      ctx,
      `the key says it is on ${curveLabel(outer)} but its inner structure says ${
        curveLabel(key.curve)
      }`,
    );
  }
  const type = TYPE_OF_CURVE[outer];
  if (!type) throw unsupported(ctx, `EC keys on ${curveLabel(outer)}`);
  const size = CURVES[outer].size;
  const scalar = key.privateKey;
  const d = scalar.length ? BigInt("0x" + encodeHex(scalar)) : 0n;
  if (scalar.length > size) {
    throw damaged(
      ctx,
      `the private scalar is ${scalar.length} bytes, too long for ${curveLabel(outer)} ` +
        `(${size} bytes)`,
    );
  }
  if (d === 0n || d >= CURVE_ORDERS[outer]) {
    throw damaged(ctx, `the private scalar is out of range for ${curveLabel(outer)}`);
  }
  if (info.publicKey && key.publicKey && encodeHex(info.publicKey) !== encodeHex(key.publicKey)) {
    throw damaged(ctx, "it carries two different public keys");
  }
  const padded = new Uint8Array(size);
  padded.set(scalar, size - scalar.length);
  return {
    algorithm: { name: "ECDSA", namedCurve: CURVES[outer].name } as EcKeyImportParams,
    type,
    label: CURVES[outer].name,
    embeddedPublicKey: key.publicKey ?? info.publicKey,
    ec: { size, hash: type === "ec-p384" ? "SHA-384" : "SHA-256" },
    pkcs8: seq(int(0), seq(oid(OID.ecPublicKey), oid(outer)), octets(seq(int(1), octets(padded)))),
  };
}

function checkEd25519(info: PrivateKeyInfo, ctx: ImportContext): Checked {
  if (info.parameters) throw damaged(ctx, "Ed25519 key algorithm with parameters");
  const seed = ed25519Seed(info.privateKey, "Ed25519 private key");
  if (info.publicKey && info.publicKey.length !== 32) {
    throw damaged(ctx, "its Ed25519 public key is not 32 bytes");
  }
  return {
    algorithm: { name: "Ed25519" },
    type: "ed25519",
    label: "Ed25519",
    embeddedPublicKey: info.publicKey,
    pkcs8: seq(int(0), seq(oid(OID.ed25519)), octets(octets(seed))),
  };
}

function curveLabel(curve: string): string {
  const c = CURVES[curve];
  return c ? `${c.name} (${c.opensslName})` : `the curve ${curve}`;
}

/**
 * THE importer of unencrypted PKCS#8 DER: every reader of every format ends here. Returns an
 * extractable {@linkcode KeyPair} (ECDSA P-256/P-384, RSA 2048/3072/4096 for RSASSA-PKCS1-v1_5
 * with SHA-256, Ed25519), after the checks of this module's description. Errors: `BAD_KEY`
 * (damaged, contradictory), `UNSUPPORTED_KEY_TYPE` (DSA, RSA-PSS, other curves and sizes, by
 * name); nothing else escapes, whatever the bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPair } from "./keys.ts";
 * import { importPkcs8Der } from "./pkcs8.ts";
 * const original = await generateKeyPair("ec-p384");
 * const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", original.privateKey));
 * const pair = await importPkcs8Der(der, { source: "key.der", der: true });
 * assert.equal(pair.type, "ec-p384");
 * ```
 */
export async function importPkcs8Der(
  der: Uint8Array,
  ctx: ImportContext = {},
): Promise<KeyPair> {
  let checked: Checked;
  try {
    const info = parsePkcs8(der, "PKCS#8 private key");
    const kind = KEY_ALGORITHMS[info.algorithm]?.kind;
    if (kind === "rsa") checked = checkRsa(info, ctx);
    else if (kind === "ec") checked = checkEc(info, ctx);
    else if (kind === "ed25519") checked = checkEd25519(info, ctx);
    else throw unsupportedAlgorithm(ctx, info.algorithm);
  } catch (err) {
    if (err instanceof DerError) throw damaged(ctx, err.message.replace(/^the |\.$/g, ""), err);
    throw err;
  }
  const privateKey = await webcryptoImport(checked.pkcs8, checked.algorithm, ctx, checked.label);
  let publicKey: CryptoKey;
  let belongs = true;
  try {
    publicKey = await derivePublicKey(privateKey);
    if (checked.embeddedPublicKey) {
      const raw = await rawPublicKey(publicKey);
      belongs = checked.ec
        ? samePoint(checked.embeddedPublicKey, raw, checked.ec.size)
        : encodeHex(checked.embeddedPublicKey) === encodeHex(raw);
    }
    if (belongs && checked.ec) {
      // The runtime computed the public key; prove the halves belong together all the same.
      const data = crypto.getRandomValues(new Uint8Array(32));
      const alg = { name: "ECDSA", hash: checked.ec.hash };
      const sig = await crypto.subtle.sign(alg, privateKey, data);
      belongs = await crypto.subtle.verify(alg, publicKey, sig, data);
    }
  } catch (err) {
    // Deno's WebCrypto imports a key whose public half is not its own and fails only here.
    const why = ((err as Error)?.cause as Error)?.message ?? (err as Error)?.message ?? err;
    throw damaged(
      ctx,
      checked.embeddedPublicKey
        ? `its public key is not the private key's, or the key is damaged: ${why}`
        : `the ${checked.label} key does not work: ${why}`,
      err,
    );
  }
  if (!belongs) throw damaged(ctx, "its public key is not the private key's");
  return { privateKey, publicKey, type: checked.type };
}
