/**
 * Key pairs with WebCrypto: generate (ECDSA P-256/P-384, RSA 2048/3072/4096,
 * Ed25519), export to PKCS#8 / SPKI PEM, import plain PKCS#8, tell the key type
 * and the signature hash that goes with it, and check that a certificate
 * belongs to a key.
 *
 * Encrypted keys and OpenSSL's other formats are read by `key_formats.ts`
 * (`readPrivateKey`), which hands the unwrapped PKCS#8 to {@linkcode importPkcs8}.
 *
 * @module
 */

import * as asn1js from "npm:asn1js@^4.0.0";
import { toBytes } from "../_internal/bytes.ts";
import { sourcePrefix, TlsmithError } from "../errors.ts";
import { decodePem, encodePem } from "../pem.ts";

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

/** Options of {@linkcode importPrivateKeyPem} and {@linkcode importPkcs8}. */
export interface ImportKeyOptions {
  /** Where the key came from (a file name), used in error messages. */
  source?: string;
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
 * import { parseKeyType } from "./keys.ts";
 * console.log(parseKeyType("RSA"), parseKeyType("p384")); // rsa-2048 ec-p384
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

/**
 * Generate an extractable key pair: ECDSA P-256 (the default), P-384, RSA
 * (RSASSA-PKCS1-v1_5, e = 65537, SHA-256) of 2048/3072/4096 bits, or Ed25519.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from "./keys.ts";
 * const pair = await generateKeyPair("ed25519");
 * console.log(pair.type, pair.privateKey.algorithm.name); // ed25519 Ed25519
 * ```
 */
export async function generateKeyPair(type: KeyType = "ec-p256"): Promise<KeyPair> {
  const algorithm = generateAlgorithm(type);
  let pair: CryptoKeyPair;
  try {
    pair = await crypto.subtle.generateKey(algorithm, true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
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
 * import { rsaKeyType } from "./keys.ts";
 * console.log(rsaKeyType(3072)); // rsa-3072
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
 * import { generateKeyPair, keyTypeOf } from "./keys.ts";
 * const { publicKey } = await generateKeyPair("ec-p384");
 * console.log(keyTypeOf(publicKey)); // ec-p384
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
 * import { signatureHashFor } from "./keys.ts";
 * console.log(signatureHashFor("ec-p384"), signatureHashFor("ed25519")); // SHA-384 undefined
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
 * import { derivePublicKey, generateKeyPair } from "./keys.ts";
 * const { privateKey } = await generateKeyPair();
 * const publicKey = await derivePublicKey(privateKey);
 * console.log(publicKey.type); // public
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
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  for (const field of ["d", "p", "q", "dp", "dq", "qi", "oth", "key_ops"]) {
    delete (jwk as Record<string, unknown>)[field];
  }
  const type = keyTypeOf(privateKey);
  const alg = type.startsWith("rsa")
    ? {
      name: "RSASSA-PKCS1-v1_5",
      hash: (privateKey.algorithm as RsaHashedKeyAlgorithm).hash,
    }
    : importAlgorithm(type);
  return crypto.subtle.importKey("jwk", jwk, alg, true, ["verify"]);
}

/**
 * The SubjectPublicKeyInfo DER of a key; a private key is first turned into
 * its public key.
 *
 * @example
 * ```ts
 * import { exportSpki, generateKeyPair } from "./keys.ts";
 * const { privateKey } = await generateKeyPair("ed25519");
 * console.log((await exportSpki(privateKey)).length); // 44
 * ```
 */
export async function exportSpki(key: CryptoKey): Promise<Uint8Array<ArrayBuffer>> {
  const publicKey = await derivePublicKey(key);
  return new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
}

/**
 * Export a private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`),
 * which OpenSSL, Deno and Node all read.
 *
 * @example
 * ```ts
 * import { exportPrivateKeyPem, generateKeyPair } from "./keys.ts";
 * const { privateKey } = await generateKeyPair();
 * const pem = await exportPrivateKeyPem(privateKey);
 * console.log(pem.startsWith("-----BEGIN PRIVATE KEY-----")); // true
 * ```
 */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  if (!key || key.type !== "private") {
    throw new TlsmithError(
      "BAD_KEY",
      "exportPrivateKeyPem needs a private key; for a public key use exportPublicKeyPem.",
    );
  }
  if (!key.extractable) {
    throw new TlsmithError(
      "BAD_KEY",
      "the private key is not extractable. Generate or import it with extractable = true.",
    );
  }
  return encodePem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", key));
}

/**
 * Export the public key (of a public or private key) as SPKI PEM
 * (`-----BEGIN PUBLIC KEY-----`), as `openssl pkey -pubout` prints it.
 *
 * @example
 * ```ts
 * import { exportPublicKeyPem, generateKeyPair } from "./keys.ts";
 * const { publicKey } = await generateKeyPair();
 * console.log((await exportPublicKeyPem(publicKey)).split("\n")[0]); // -----BEGIN PUBLIC KEY-----
 * ```
 */
export async function exportPublicKeyPem(key: CryptoKey): Promise<string> {
  return encodePem("PUBLIC KEY", await exportSpki(key));
}

const CONVERT_HINT =
  "Read it with readPrivateKey() (src/keys/formats.ts), which understands OpenSSL's formats, or convert it with `openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem`.";

const UNSUPPORTED_OIDS: Record<string, string> = {
  "1.2.840.113549.1.1.10": "RSA-PSS",
  "1.2.840.10040.4.1": "DSA",
  "1.2.840.113549.1.3.1": "Diffie-Hellman",
  "1.3.101.110": "X25519",
  "1.3.101.111": "X448",
  "1.3.101.113": "Ed448",
};

const CURVES: Record<string, KeyType | string> = {
  "1.2.840.10045.3.1.7": "ec-p256",
  "1.3.132.0.34": "ec-p384",
  "1.3.132.0.35": "P-521",
  "1.3.132.0.10": "secp256k1",
  "1.2.840.10045.3.1.1": "P-192",
  "1.3.132.0.33": "P-224",
};

/** Read the AlgorithmIdentifier of a PKCS#8 PrivateKeyInfo: key type, or a description of an unsupported one. */
function pkcs8KeyKind(
  der: Uint8Array,
  options?: ImportKeyOptions,
): { type?: KeyType; unsupported?: string } {
  const bad = (why: string) =>
    new TlsmithError(
      "BAD_KEY",
      `${sourcePrefix(options?.source)}not a PKCS#8 private key (${why}). ${CONVERT_HINT}`,
    );
  const asn1 = asn1js.fromBER(der);
  if (asn1.offset === -1 || !(asn1.result instanceof asn1js.Sequence)) {
    throw bad("the data is not DER");
  }
  if (asn1.offset !== der.byteLength) throw bad("extra bytes after the key");
  const items = asn1.result.valueBlock.value;
  const version = items[0];
  const algId = items[1];
  const keyOctets = items[2];
  if (
    !(version instanceof asn1js.Integer) ||
    !(algId instanceof asn1js.Sequence) ||
    !(keyOctets instanceof asn1js.OctetString)
  ) {
    if (
      version instanceof asn1js.Sequence && items[1] instanceof asn1js.OctetString
    ) {
      throw new TlsmithError(
        "PASSPHRASE_REQUIRED",
        `${
          sourcePrefix(options?.source)
        }this is an encrypted PKCS#8 key. Decrypt it with its passphrase: readPrivateKey(pem, { passphrase }) or the CLI's --passphrase-file / TLSMITH_PASSPHRASE.`,
      );
    }
    throw bad("expected version, algorithm and key octets");
  }
  const oid = algId.valueBlock.value[0];
  if (!(oid instanceof asn1js.ObjectIdentifier)) {
    throw bad("no algorithm identifier");
  }
  const algorithm = oid.valueBlock.toString();
  if (algorithm === "1.2.840.10045.2.1") {
    const params = algId.valueBlock.value[1];
    if (!(params instanceof asn1js.ObjectIdentifier)) {
      return { unsupported: "EC keys with explicit curve parameters" };
    }
    const curve = params.valueBlock.toString();
    const kind = CURVES[curve];
    if (kind === "ec-p256" || kind === "ec-p384") return { type: kind };
    return { unsupported: `EC keys on curve ${kind ?? curve}` };
  }
  if (algorithm === "1.2.840.113549.1.1.1") return { type: "rsa-2048" }; // size checked after import
  if (algorithm === "1.3.101.112") return { type: "ed25519" };
  return { unsupported: `${UNSUPPORTED_OIDS[algorithm] ?? `algorithm ${algorithm}`} keys` };
}

/**
 * Import an unencrypted PKCS#8 private key (DER). The algorithm and curve come
 * from the key's AlgorithmIdentifier; the public key is derived. Returns an
 * extractable {@linkcode KeyPair}.
 *
 * @example
 * ```ts
 * import { generateKeyPair, importPkcs8 } from "./keys.ts";
 * const original = await generateKeyPair("ec-p384");
 * const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", original.privateKey));
 * const pair = await importPkcs8(der, { source: "key.der" });
 * console.log(pair.type); // ec-p384
 * ```
 */
export async function importPkcs8(
  der: Uint8Array | ArrayBuffer,
  options?: ImportKeyOptions,
): Promise<KeyPair> {
  const bytes = toBytes(der);
  const kind = pkcs8KeyKind(bytes, options);
  if (!kind.type) {
    throw new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `${
        sourcePrefix(options?.source)
      }${kind.unsupported} are not supported. Use an ECDSA P-256/P-384, RSA (2048-4096 bits) or Ed25519 key.`,
    );
  }
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey(
      "pkcs8",
      bytes.slice(),
      importAlgorithm(kind.type),
      true,
      ["sign"],
    );
  } catch (err) {
    throw new TlsmithError(
      "BAD_KEY",
      `${sourcePrefix(options?.source)}the ${
        kind.type.startsWith("rsa") ? "RSA" : kind.type
      } private key is damaged or invalid (${
        (err as Error)?.message ?? err
      }). Re-export it, or generate a new one.`,
      { cause: err },
    );
  }
  let type: KeyType;
  try {
    type = keyTypeOf(privateKey);
  } catch (err) {
    if (err instanceof TlsmithError) {
      throw new TlsmithError(err.code, `${sourcePrefix(options?.source)}${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
  let publicKey: CryptoKey;
  try {
    publicKey = await derivePublicKey(privateKey);
  } catch (err) {
    throw new TlsmithError(
      "BAD_KEY",
      `${sourcePrefix(options?.source)}the ${type} private key is damaged or invalid (${
        (err as Error)?.message ?? err
      }). Re-export it, or generate a new one.`,
      { cause: err },
    );
  }
  return { privateKey, publicKey, type };
}

/**
 * Import a private key from PEM text with a `-----BEGIN PRIVATE KEY-----` block
 * (unencrypted PKCS#8). An `ENCRYPTED PRIVATE KEY` is a `PASSPHRASE_REQUIRED`
 * error; OpenSSL's legacy `RSA PRIVATE KEY` / `EC PRIVATE KEY` blocks are
 * `BAD_KEY` errors pointing to `readPrivateKey` (key_formats.ts) or
 * `openssl pkcs8 -topk8 -nocrypt`.
 *
 * @example
 * ```ts
 * import { exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem } from "./keys.ts";
 * const pem = await exportPrivateKeyPem((await generateKeyPair("ed25519")).privateKey);
 * const pair = await importPrivateKeyPem(pem, { source: "key.pem" });
 * console.log(pair.type); // ed25519
 * ```
 */
export async function importPrivateKeyPem(
  pem: string,
  options?: ImportKeyOptions,
): Promise<KeyPair> {
  const blocks = decodePem(pem, options);
  const block = blocks.find((b) => b.label === "PRIVATE KEY");
  if (block) return await importPkcs8(block.der, options);
  const labels = blocks.map((b) => b.label);
  const at = sourcePrefix(options?.source);
  if (labels.includes("ENCRYPTED PRIVATE KEY")) {
    throw new TlsmithError(
      "PASSPHRASE_REQUIRED",
      `${at}the private key is encrypted (ENCRYPTED PRIVATE KEY). Decrypt it with its passphrase: readPrivateKey(pem, { passphrase }) in code, or --passphrase-file / TLSMITH_PASSPHRASE with the CLI.`,
    );
  }
  const legacy = labels.find((l) => /^(RSA|EC|DSA|OPENSSH) PRIVATE KEY$/.test(l));
  if (legacy) {
    const encrypted = blocks.find((b) => b.label === legacy)?.headers["Proc-Type"]
        ?.includes("ENCRYPTED")
      ? " (encrypted)"
      : "";
    throw new TlsmithError(
      "BAD_KEY",
      `${at}the key is in OpenSSL's legacy "${legacy}" format${encrypted}, not PKCS#8. ${CONVERT_HINT}`,
    );
  }
  const what = labels.includes("CERTIFICATE")
    ? "a certificate"
    : labels.includes("PUBLIC KEY")
    ? "a public key"
    : labels.includes("CERTIFICATE REQUEST")
    ? "a certificate request"
    : `"${[...new Set(labels)].join(", ")}"`;
  throw new TlsmithError(
    "BAD_KEY",
    `${at}expected a private key (-----BEGIN PRIVATE KEY-----) but found ${what}. Check that you passed the key file, not the certificate.`,
  );
}
