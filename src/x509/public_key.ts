/**
 * AlgorithmIdentifier and SubjectPublicKeyInfo, read once into the model's
 * {@linkcode AlgorithmIdentifier} and {@linkcode PublicKeyInfo} through the one DER reader and
 * the one registry: algorithm, curve, exact key size, the SPKI DER and its SHA-256.
 *
 * @module
 */

import { encodeHexColons } from "../_internal/bytes.ts";
import { sha256 } from "../_internal/sha.ts";
import {
  DerError,
  type DerNode,
  integerBytes,
  isUniversal,
  parseDer,
  readBitString,
  readOid,
  sequence,
  TAG,
} from "../_internal/der.ts";
import { CURVES, KEY_ALGORITHMS, oidName } from "../_internal/oids.ts";
import type { AlgorithmIdentifier, PublicKeyInfo } from "./model.ts";

/**
 * Read an AlgorithmIdentifier (`SEQUENCE { algorithm OID, parameters ANY OPTIONAL }`).
 * Throws a `BAD_DER` error naming `what` when it is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nul, oid, seq } from "../_internal/der.ts";
 * import { parseDer } from "../_internal/der.ts";
 * import { readAlgorithmIdentifier } from "./public_key.ts";
 * const alg = readAlgorithmIdentifier(parseDer(seq(oid("1.2.840.113549.1.1.11"), nul()), "x"), "x");
 * assert.equal(alg.name, "sha256WithRSAEncryption");
 * assert.deepEqual(alg.parameters, new Uint8Array([5, 0]));
 * ```
 */
export function readAlgorithmIdentifier(node: DerNode, what: string): AlgorithmIdentifier {
  const [algorithm, parameters] = sequence(node, what, 1, 2);
  const oid = readOid(algorithm, `${what} OID`);
  return {
    oid,
    name: oidName(oid),
    ...(parameters ? { parameters: parameters.der } : {}),
    der: node.der,
  };
}

/** The bit length of a positive big-endian integer. */
function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i) * 8 - (Math.clz32(bytes[i]) - 24);
}

/** The RSA modulus size of an RSAPublicKey, strictly read. */
function rsaBits(key: Uint8Array, what: string): number {
  const [modulus, exponent] = sequence(parseDer(key, `${what} RSA key`), `${what} RSA key`, 2, 2);
  const n = integerBytes(modulus, `${what} RSA modulus`);
  integerBytes(exponent, `${what} RSA exponent`);
  if (n[0] & 0x80) throw new DerError(`the ${what} has a negative RSA modulus.`);
  return bitLength(n);
}

/** The size of DSA's p from its Dss-Parms, strictly read. */
function dsaBits(parameters: DerNode | undefined, what: string): number | undefined {
  if (!parameters || isUniversal(parameters, TAG.NULL)) return undefined;
  const [p] = sequence(parameters, `${what} DSA parameters`, 3, 3);
  return bitLength(integerBytes(p, `${what} DSA p`));
}

/** tlsmith's name of a key: the KeyType it makes, or a description. */
function keyTypeName(kind: string, bits: number | undefined, curve: string | undefined): string {
  switch (kind) {
    case "rsa":
    case "rsa-pss":
    case "dsa":
      return `${kind}-${bits}`;
    case "ec":
      return `ec-${(curve ?? "explicit").toLowerCase().replace(/^p-/, "p")}`;
    default:
      return kind;
  }
}

/**
 * Read a SubjectPublicKeyInfo node into a {@linkcode PublicKeyInfo}: the algorithm, the curve of
 * an EC key, the exact RSA/DSA size, the key bytes, the SPKI DER and its SHA-256. An RSA key
 * whose RSAPublicKey is malformed, or an EC key without a curve, is a `BAD_DER` error naming
 * `what`; an unknown algorithm is kept (kind `unknown`, keyType the OID).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportSpki, generateKeyPair } from "../keys/keys.ts";
 * import { publicKeyInfoFromDer } from "./public_key.ts";
 * const info = publicKeyInfoFromDer(await exportSpki((await generateKeyPair("ec-p384")).publicKey));
 * assert.equal(info.keyType, "ec-p384");
 * assert.equal(info.curve, "P-384");
 * assert.equal(info.bits, 384);
 * ```
 */
export function readPublicKeyInfo(node: DerNode, what = "public key"): PublicKeyInfo {
  const [algNode, keyNode] = sequence(node, what, 2, 2);
  const algorithm = readAlgorithmIdentifier(algNode, `${what} algorithm`);
  const { bytes: key, unusedBits } = readBitString(keyNode, `${what} bits`);
  if (unusedBits !== 0) throw new DerError(`the ${what} is not a whole number of bytes.`);
  const params = algNode.children[1];
  const known = KEY_ALGORITHMS[algorithm.oid];
  const kind: string = known?.kind ?? "unknown";
  let curve: string | undefined;
  let bits: number | undefined;
  if (kind === "ec") {
    if (params && isUniversal(params, TAG.OID)) {
      const curveOid = readOid(params, `${what} curve`);
      const c = CURVES[curveOid];
      curve = c?.name ?? curveOid;
      bits = c?.bits;
    } else if (params && isUniversal(params, TAG.SEQUENCE)) {
      curve = "explicit";
    } else {
      readOid(params, `${what} curve`);
    }
  } else if (kind === "rsa" || kind === "rsa-pss") {
    bits = rsaBits(key, what);
  } else if (kind === "dsa") {
    bits = dsaBits(params, what);
  }
  let sha256Hex: string | undefined;
  return {
    algorithm,
    kind,
    ...(curve !== undefined ? { curve } : {}),
    ...(bits !== undefined ? { bits } : {}),
    keyType: kind === "unknown" ? algorithm.oid : keyTypeName(kind, bits, curve),
    key,
    der: node.der,
    // Hashed when first read (issuing from a CA never reads it).
    get sha256() {
      return sha256Hex ??= encodeHexColons(sha256(node.der));
    },
  };
}

/**
 * {@linkcode readPublicKeyInfo} of SubjectPublicKeyInfo DER bytes (`BAD_DER` when they are not).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportSpki, generateKeyPair } from "../keys/keys.ts";
 * import { publicKeyInfoFromDer } from "./public_key.ts";
 * const info = publicKeyInfoFromDer(await exportSpki((await generateKeyPair("ed25519")).publicKey));
 * assert.equal(info.keyType, "ed25519");
 * ```
 */
export function publicKeyInfoFromDer(der: Uint8Array, what = "public key"): PublicKeyInfo {
  return readPublicKeyInfo(parseDer(der, what), what);
}
