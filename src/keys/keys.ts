/**
 * Key pairs with WebCrypto: the key types, generate (ECDSA P-256/P-384, RSA
 * 2048/3072/4096, Ed25519), the public key of a private key (SPKI, PEM), and
 * the signature hash that goes with a key type.
 *
 * Private keys are read and written by `formats.ts` (`importPrivateKey`,
 * `exportPrivateKey`: every format, encrypted or not), which imports through
 * the one PKCS#8 importer in `pkcs8.ts`.
 *
 * @module
 */

import { sourcePrefix, TlsmithError } from "../errors.ts";
import { encodePem } from "../pem.ts";

/** The key types tlsmith generates and reads. */
export type KeyType =
  | "ec-p256"
  | "ec-p384"
  | "rsa-2048"
  | "rsa-3072"
  | "rsa-4096"
  | "ed25519";

/** Every {@linkcode KeyType}, default first. */
export const KEY_TYPES: readonly KeyType[] = [
  "ec-p256",
  "ec-p384",
  "rsa-2048",
  "rsa-3072",
  "rsa-4096",
  "ed25519",
];

/** A WebCrypto key pair and its {@linkcode KeyType}. Both keys are extractable. */
export interface KeyPair {
  /** The private key (usage `sign`). */
  privateKey: CryptoKey;
  /** The public key (usage `verify`). */
  publicKey: CryptoKey;
  /** What kind of key this is. */
  type: KeyType;
}

const KEY_TYPE_ALIASES: Record<string, KeyType> = {
  "ec": "ec-p256",
  "ecdsa": "ec-p256",
  "ec-p256": "ec-p256",
  "ec-p-256": "ec-p256",
  "ecdsa-p256": "ec-p256",
  "p256": "ec-p256",
  "p-256": "ec-p256",
  "prime256v1": "ec-p256",
  "secp256r1": "ec-p256",
  "ec-p384": "ec-p384",
  "ec-p-384": "ec-p384",
  "ecdsa-p384": "ec-p384",
  "p384": "ec-p384",
  "p-384": "ec-p384",
  "secp384r1": "ec-p384",
  "rsa": "rsa-2048",
  "rsa-2048": "rsa-2048",
  "rsa2048": "rsa-2048",
  "rsa-3072": "rsa-3072",
  "rsa3072": "rsa-3072",
  "rsa-4096": "rsa-4096",
  "rsa4096": "rsa-4096",
  "ed25519": "ed25519",
};

/**
 * Turn a user's key type (`"ec"`, `"p256"`, `"ec-p384"`, `"rsa"`, `"rsa-4096"`,
 * `"ed25519"`, …; any case) into a {@linkcode KeyType}. Anything else is a
 * `BAD_OPTION` error listing the valid values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseKeyType } from "./keys.ts";
 * assert.equal(parseKeyType("RSA"), "rsa-2048");
 * assert.equal(parseKeyType("p384"), "ec-p384");
 * ```
 */
export function parseKeyType(input: string): KeyType {
  const key = typeof input === "string" ? input.trim().toLowerCase() : "";
  const type = Object.hasOwn(KEY_TYPE_ALIASES, key) ? KEY_TYPE_ALIASES[key] : undefined;
  if (!type) {
    throw new TlsmithError(
      "BAD_OPTION",
      `unknown key type ${JSON.stringify(input)}. Use one of: ${
        KEY_TYPES.join(", ")
      } (also accepted: ec, p256, p384, rsa).`,
    );
  }
  return type;
}

function importAlgorithm(type: KeyType): EcKeyImportParams | RsaHashedImportParams | Algorithm {
  switch (type) {
    case "ec-p256":
      return { name: "ECDSA", namedCurve: "P-256" } as EcKeyImportParams;
    case "ec-p384":
      return { name: "ECDSA", namedCurve: "P-384" } as EcKeyImportParams;
    case "ed25519":
      return { name: "Ed25519" };
    default:
      return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as RsaHashedImportParams;
  }
}

function generateAlgorithm(type: KeyType): EcKeyGenParams | RsaHashedKeyGenParams | Algorithm {
  if (!(KEY_TYPES as readonly string[]).includes(type)) {
    throw new TlsmithError(
      "BAD_OPTION",
      `unknown key type ${JSON.stringify(type)}. Use one of: ${KEY_TYPES.join(", ")}.`,
    );
  }
  if (!type.startsWith("rsa-")) return importAlgorithm(type);
  return {
    ...importAlgorithm(type),
    modulusLength: Number(type.slice(4)),
    publicExponent: new Uint8Array([1, 0, 1]),
  } as RsaHashedKeyGenParams;
}

/** The key pair generation {@linkcode prepareKeyPair} started, until one caller takes it. */
let prepared: { type: KeyType; pair: Promise<CryptoKeyPair> } | undefined;

/**
 * Start generating a key pair of `type` now, for the next
 * {@linkcode generateKeyPair} of that type to take. WebCrypto generates keys
 * off the main thread, so a caller that will need a key soon (the CLI, while
 * it loads a command's code) gets it for free; on Deno the first key also
 * pays for seeding the random number generator (≈ 35 ms). A second call
 * before the first key is taken does nothing; a key that is never taken is
 * dropped with the process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPair, prepareKeyPair } from "./keys.ts";
 * prepareKeyPair("ec-p256");
 * const first = await generateKeyPair("ec-p256"); // the prepared pair
 * const second = await generateKeyPair("ec-p256"); // a new one
 * assert.notDeepEqual(
 *   await crypto.subtle.exportKey("jwk", first.publicKey),
 *   await crypto.subtle.exportKey("jwk", second.publicKey),
 * );
 * prepareKeyPair("ec-p256");
 * assert.equal((await generateKeyPair("ed25519")).type, "ed25519"); // only the same type takes it
 * ```
 */
export function prepareKeyPair(type: KeyType = "ec-p256"): void {
  if (prepared) return;
  let pair: Promise<CryptoKeyPair>;
  try {
    pair = crypto.subtle.generateKey(generateAlgorithm(type), true, ["sign", "verify"]) as Promise<
      CryptoKeyPair
    >;
  } catch {
    return; // generateKeyPair reports it, when asked
  }
  pair.catch(() => {}); // likewise: never an unhandled rejection
  prepared = { type, pair };
}

/**
 * Generate an extractable key pair: ECDSA P-256 (the default), P-384, RSA
 * (RSASSA-PKCS1-v1_5, e = 65537, SHA-256) of 2048/3072/4096 bits, or Ed25519.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPair } from "./keys.ts";
 * const pair = await generateKeyPair("ed25519");
 * assert.equal(pair.type, "ed25519");
 * assert.equal(pair.privateKey.algorithm.name, "Ed25519");
 * ```
 */
export async function generateKeyPair(type: KeyType = "ec-p256"): Promise<KeyPair> {
  const algorithm = generateAlgorithm(type);
  const early = prepared?.type === type ? prepared.pair : undefined;
  if (early) prepared = undefined; // a prepared key pair is handed out once
  let pair: CryptoKeyPair;
  try {
    // A prepared generation that failed is tried again here, so its error is reported as usual.
    pair = (early && await early.catch(() => undefined)) ??
      await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]) as CryptoKeyPair;
  } catch (err) {
    throw new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `this runtime's WebCrypto cannot generate ${type} keys (${
        (err as Error)?.message ?? err
      }). Choose another key type, e.g. ec-p256.`,
      { cause: err },
    );
  }
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, type };
}

/**
 * The {@linkcode KeyType} of an RSA key of `bits` bits; sizes other than
 * 2048, 3072 and 4096 are `UNSUPPORTED_KEY_TYPE` errors (prefixed with
 * `source`, a file name, when given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rsaKeyType } from "./keys.ts";
 * assert.equal(rsaKeyType(3072), "rsa-3072");
 * assert.throws(() => rsaKeyType(1025), /1025 bits/);
 * ```
 */
export function rsaKeyType(bits: number | undefined, source?: string): KeyType {
  if (bits === 2048 || bits === 3072 || bits === 4096) return `rsa-${bits}`;
  throw new TlsmithError(
    "UNSUPPORTED_KEY_TYPE",
    `${
      sourcePrefix(source)
    }RSA keys of ${bits} bits are not supported; use 2048, 3072 or 4096 bits.`,
  );
}

/**
 * The {@linkcode KeyType} of a WebCrypto key (private or public). Keys of
 * other algorithms or sizes are `UNSUPPORTED_KEY_TYPE` errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPair, keyTypeOf } from "./keys.ts";
 * const { publicKey } = await generateKeyPair("ec-p384");
 * assert.equal(keyTypeOf(publicKey), "ec-p384");
 * ```
 */
export function keyTypeOf(key: CryptoKey): KeyType {
  const alg = key?.algorithm as
    | (KeyAlgorithm & { namedCurve?: string; modulusLength?: number })
    | undefined;
  const name = alg?.name?.toUpperCase();
  if (name === "ECDSA") {
    if (alg!.namedCurve === "P-256") return "ec-p256";
    if (alg!.namedCurve === "P-384") return "ec-p384";
    throw new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `ECDSA keys on curve ${alg!.namedCurve} are not supported; use P-256 or P-384.`,
    );
  }
  if (name === "RSASSA-PKCS1-V1_5") {
    return rsaKeyType(alg!.modulusLength);
  }
  if (name === "ED25519") return "ed25519";
  throw new TlsmithError(
    "UNSUPPORTED_KEY_TYPE",
    `${
      alg?.name ?? "this"
    } keys are not supported; use ECDSA (P-256, P-384), RSASSA-PKCS1-v1_5 (2048-4096 bits) or Ed25519.`,
  );
}

/**
 * The hash a key of `type` signs with: SHA-384 for P-384, SHA-256 for P-256
 * and RSA, and `undefined` for Ed25519 (it hashes internally).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signatureHashFor } from "./keys.ts";
 * assert.equal(signatureHashFor("ec-p384"), "SHA-384");
 * assert.equal(signatureHashFor("ed25519"), undefined);
 * ```
 */
export function signatureHashFor(
  type: KeyType,
): "SHA-256" | "SHA-384" | undefined {
  if (type === "ec-p384") return "SHA-384";
  if (type === "ed25519") return undefined;
  return "SHA-256";
}

/**
 * The public key that belongs to an extractable private key (through its JWK).
 * A public key is returned as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { derivePublicKey, generateKeyPair } from "./keys.ts";
 * const { privateKey } = await generateKeyPair();
 * const publicKey = await derivePublicKey(privateKey);
 * assert.equal(publicKey.type, "public");
 * ```
 */
export async function derivePublicKey(privateKey: CryptoKey): Promise<CryptoKey> {
  if (privateKey?.type === "public") return privateKey;
  if (!privateKey || privateKey.type !== "private") {
    throw new TlsmithError("BAD_KEY", "expected a WebCrypto private key (a CryptoKey).");
  }
  if (!privateKey.extractable) {
    throw new TlsmithError(
      "BAD_KEY",
      "the private key is not extractable, so its public key cannot be derived. Generate or import it with extractable = true.",
    );
  }
  const type = keyTypeOf(privateKey);
  try {
    const jwk = await crypto.subtle.exportKey("jwk", privateKey);
    const pub: JsonWebKey = { kty: jwk.kty, ext: true };
    for (const field of ["crv", "x", "y", "n", "e"] as const) {
      if (jwk[field] !== undefined) pub[field] = jwk[field];
    }
    const alg = type.startsWith("rsa")
      ? {
        name: "RSASSA-PKCS1-v1_5",
        hash: (privateKey.algorithm as RsaHashedKeyAlgorithm).hash,
      }
      : importAlgorithm(type);
    return await crypto.subtle.importKey("jwk", pub, alg, true, ["verify"]);
  } catch (err) {
    // Deno's WebCrypto imports some damaged EC keys and fails only here (a DOMException).
    throw new TlsmithError(
      "BAD_KEY",
      `the ${type} private key is damaged: its public key cannot be computed (${
        (err as Error)?.message ?? err
      }). Re-export it, or generate a new one.`,
      { cause: err },
    );
  }
}

/**
 * The SubjectPublicKeyInfo DER of a key; a private key is first turned into
 * its public key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportSpki, generateKeyPair } from "./keys.ts";
 * const { privateKey } = await generateKeyPair("ed25519");
 * assert.equal((await exportSpki(privateKey)).length, 44);
 * ```
 */
export async function exportSpki(key: CryptoKey): Promise<Uint8Array<ArrayBuffer>> {
  const publicKey = await derivePublicKey(key);
  return new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
}

/**
 * Export the public key (of a public or private key) as SPKI PEM
 * (`-----BEGIN PUBLIC KEY-----`), as `openssl pkey -pubout` prints it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportPublicKey, generateKeyPair } from "./keys.ts";
 * const { publicKey } = await generateKeyPair();
 * assert.match(await exportPublicKey(publicKey), /^-----BEGIN PUBLIC KEY-----\n/);
 * ```
 */
export async function exportPublicKey(key: CryptoKey): Promise<string> {
  return encodePem("PUBLIC KEY", await exportSpki(key));
}

/**
 * The old name of {@linkcode exportPublicKey}.
 *
 * @deprecated Use {@linkcode exportPublicKey}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportPublicKey, exportPublicKeyPem, generateKeyPair } from "./keys.ts";
 * const { publicKey } = await generateKeyPair();
 * assert.equal(await exportPublicKeyPem(publicKey), await exportPublicKey(publicKey));
 * ```
 */
export function exportPublicKeyPem(key: CryptoKey): Promise<string> {
  return exportPublicKey(key);
}
