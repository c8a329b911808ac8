/**
 * Signatures of certificates, CSRs and anything else signed with an X.509 AlgorithmIdentifier,
 * through WebCrypto and the one registry (`_internal/oids.ts`): verify a signature with a
 * {@linkcode PublicKeyInfo}, and sign with a tlsmith key. No pkijs.
 *
 * Verification tells three outcomes apart, so a caller never calls a refused algorithm
 * "altered": `valid`, `invalid` (the signature does not verify with that key: altered, damaged,
 * or signed by another key), and `refused` (an algorithm tlsmith does not trust or WebCrypto
 * cannot check: MD5, SHA-1, SHA-224, DSA, Ed448, curves other than P-256/P-384/P-521, RSA-PSS
 * with a mask or hash WebCrypto cannot do, unknown OIDs).
 *
 * @module
 */

import {
  bits,
  DerError,
  type DerNode,
  int,
  integerBytes,
  isContext,
  nul,
  oid as oidDer,
  parseDer,
  readNull,
  readSmallInt,
  seq,
  sequence,
} from "../_internal/der.ts";
import {
  CURVES,
  HASHES,
  OID,
  SIGNATURE_ALGORITHMS,
  signatureAlgorithmOid,
  type SignatureKind,
} from "../_internal/oids.ts";
import { TlsmithError } from "../errors.ts";
import { keyTypeOf, signatureHashFor } from "../keys/keys.ts";
import type { AlgorithmIdentifier, PublicKeyInfo } from "./model.ts";
import { readAlgorithmIdentifier } from "./public_key.ts";

/** The outcome of {@linkcode verifySignature}. */
export type SignatureCheck =
  | {
    /** The signature verifies with the key. */
    readonly status: "valid";
  }
  | {
    /** The signature does not verify with the key (altered, damaged, or another key). */
    readonly status: "invalid";
    /** Why, in words (`the signature does not verify with this key`, …). */
    readonly reason: string;
  }
  | {
    /** The algorithm is refused or cannot be checked, so the signature was not judged. */
    readonly status: "refused";
    /** Why, in words (`sha1WithRSAEncryption: SHA-1 signatures are no longer trusted`). */
    readonly reason: string;
  };

const VALID: SignatureCheck = Object.freeze({ status: "valid" });

function invalid(reason: string): SignatureCheck {
  return { status: "invalid", reason };
}

function refused(reason: string): SignatureCheck {
  return { status: "refused", reason };
}

/** RSASSA-PSS-params (RFC 4055 §3.1), with the defaults filled in. */
interface PssParams {
  hash: string;
  mgfHash: string;
  saltLength: number;
  trailer: number;
}

/** A hash AlgorithmIdentifier: the hash OID (parameters NULL or absent). */
function hashOid(node: DerNode, what: string): string {
  const alg = readAlgorithmIdentifier(node, what);
  const params = node.children[1];
  if (params) readNull(params, `${what} parameters`);
  return alg.oid;
}

/** Parse RSASSA-PSS-params strictly; `BAD_DER` when malformed. */
function readPssParams(parameters: Uint8Array | undefined): PssParams {
  const out: PssParams = { hash: OID.sha1, mgfHash: OID.sha1, saltLength: 20, trailer: 1 };
  if (!parameters) return out;
  const what = "RSA-PSS parameters";
  const fields = sequence(parseDer(parameters, what), what, 0, 4);
  let last = -1;
  for (const field of fields) {
    const n = [0, 1, 2, 3].find((i) => isContext(field, i));
    if (n === undefined || n <= last || !field.constructed || field.children.length !== 1) {
      throw new DerError(`the ${what} are malformed.`);
    }
    last = n;
    const inner = field.children[0];
    if (n === 0) out.hash = hashOid(inner, `${what} hash`);
    if (n === 1) {
      const mgf = readAlgorithmIdentifier(inner, `${what} mask generation`);
      if (mgf.oid !== OID.mgf1) {
        throw new DerError(`the ${what} name the mask generation function ${mgf.oid}.`);
      }
      const mgfParams = inner.children[1];
      if (!mgfParams) throw new DerError(`the ${what} name MGF1 without a hash.`);
      out.mgfHash = hashOid(mgfParams, `${what} MGF1 hash`);
    }
    if (n === 2) out.saltLength = readSmallInt(inner, `${what} salt length`);
    if (n === 3) out.trailer = readSmallInt(inner, `${what} trailer field`);
  }
  return out;
}

/** An ECDSA-Sig-Value (`SEQUENCE { r INTEGER, s INTEGER }`) as WebCrypto's raw `r || s`. */
function ecdsaRaw(signature: Uint8Array, size: number): Uint8Array<ArrayBuffer> | null {
  try {
    const ints = sequence(parseDer(signature, "ECDSA signature"), "ECDSA signature", 2, 2);
    const out = new Uint8Array(size * 2);
    for (let k = 0; k < 2; k++) {
      let bytes = integerBytes(ints[k], "ECDSA signature value");
      if (bytes[0] & 0x80) return null;
      while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
      if (bytes.length > size) return null;
      out.set(bytes, k * size + size - bytes.length);
    }
    return out;
  } catch {
    return null;
  }
}

/** The SPKI with its algorithm rewritten to rsaEncryption (WebCrypto imports no RSA-PSS SPKI). */
function rsaEncryptionSpki(publicKey: PublicKeyInfo): Uint8Array<ArrayBuffer> {
  if (publicKey.kind === "rsa") return new Uint8Array(publicKey.der);
  return seq(seq(oidDer(OID.rsaEncryption), nul()), bits(publicKey.key));
}

const KEY_FOR: Record<SignatureKind, string> = {
  "rsa": "an RSA key",
  "rsa-pss": "an RSA key",
  "ecdsa": "an EC key",
  "ed25519": "an Ed25519 key",
  "ed448": "an Ed448 key",
  "dsa": "a DSA key",
};

/**
 * Verify `signature` over `signed` with `publicKey` under `algorithm` (all as the model holds
 * them). Never throws: returns `valid`, `invalid` (with why) or `refused` (with why). MD5, SHA-1
 * (also inside RSA-PSS), SHA-224, DSA and Ed448 are refused, as are RSA-PSS parameters WebCrypto
 * cannot honour (an MGF1 hash other than the message hash, a trailer other than 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPair } from "../keys/keys.ts";
 * import { publicKeyInfoFromDer } from "./public_key.ts";
 * import { exportSpki } from "../keys/keys.ts";
 * import { parseDer } from "../_internal/der.ts";
 * import { readAlgorithmIdentifier } from "./public_key.ts";
 * import { signerFor, verifySignature } from "./signature.ts";
 *
 * const pair = await generateKeyPair("ec-p256");
 * const signer = signerFor(pair.privateKey);
 * const data = new TextEncoder().encode("hello");
 * const signature = await signer.sign(data);
 * const spki = publicKeyInfoFromDer(await exportSpki(pair.publicKey));
 * const algorithm = readAlgorithmIdentifier(parseDer(signer.algorithm, "alg"), "alg");
 * assert.equal((await verifySignature(spki, algorithm, data, signature)).status, "valid");
 * data[0] ^= 1;
 * assert.equal((await verifySignature(spki, algorithm, data, signature)).status, "invalid");
 * ```
 */
export async function verifySignature(
  publicKey: PublicKeyInfo,
  algorithm: AlgorithmIdentifier,
  signed: Uint8Array,
  signature: Uint8Array,
): Promise<SignatureCheck> {
  const alg = SIGNATURE_ALGORITHMS[algorithm.oid];
  if (!alg) {
    return refused(
      `the signature algorithm ${algorithm.oid} is not supported (tlsmith verifies ECDSA, RSA, RSA-PSS and Ed25519 signatures with SHA-256, SHA-384 or SHA-512)`,
    );
  }
  if (alg.refused) return refused(`${alg.opensslName}: ${alg.refused}`);
  let hash = alg.hash;
  let saltLength = 0;
  let params: Uint8Array | undefined;
  try {
    params = algorithm.parameters;
    if (alg.kind === "rsa") {
      if (params) readNull(parseDer(params, "signature parameters"), "signature parameters");
    } else if (alg.kind === "rsa-pss") {
      const pss = readPssParams(params);
      const h = HASHES[pss.hash];
      if (h !== "SHA-256" && h !== "SHA-384" && h !== "SHA-512") {
        return refused(
          `RSA-PSS with ${h ?? pss.hash}: ${
            h === "SHA-1" ? "SHA-1 signatures are no longer trusted" : "use SHA-256 or better"
          }`,
        );
      }
      if (pss.mgfHash !== pss.hash) {
        return refused(
          `RSA-PSS whose MGF1 hash (${
            HASHES[pss.mgfHash] ?? pss.mgfHash
          }) differs from the message hash (${h}): WebCrypto cannot verify it`,
        );
      }
      if (pss.trailer !== 1) return refused(`RSA-PSS with trailer field ${pss.trailer}`);
      if (pss.saltLength > 1024) return invalid("the RSA-PSS salt length is implausible");
      hash = h;
      saltLength = pss.saltLength;
    } else if (params) {
      // ECDSA and Ed25519 AlgorithmIdentifiers carry no parameters (RFC 5758, RFC 8410).
      return invalid(`the ${alg.opensslName} algorithm identifier has parameters`);
    }
  } catch {
    return invalid(`the ${alg.opensslName} parameters are malformed`);
  }
  const keyOk = alg.kind === "rsa" || alg.kind === "rsa-pss"
    ? publicKey.kind === "rsa" || publicKey.kind === "rsa-pss"
    : alg.kind === "ecdsa"
    ? publicKey.kind === "ec"
    : publicKey.kind === alg.kind;
  if (!keyOk) {
    return invalid(
      `a ${alg.opensslName} signature needs ${
        KEY_FOR[alg.kind]
      }, but the key is ${publicKey.keyType}`,
    );
  }
  const subtle = crypto.subtle;
  try {
    if (alg.kind === "ecdsa") {
      const curve = Object.values(CURVES).find((c) => c.name === publicKey.curve);
      if (!curve?.webcrypto) {
        return refused(
          `ECDSA on curve ${publicKey.curve}: tlsmith verifies P-256, P-384 and P-521 only`,
        );
      }
      const raw = ecdsaRaw(signature, curve.size);
      if (!raw) return invalid("the ECDSA signature value is malformed");
      const key = await subtle.importKey(
        "spki",
        new Uint8Array(publicKey.der),
        { name: "ECDSA", namedCurve: curve.name },
        false,
        ["verify"],
      );
      const ok = await subtle.verify(
        { name: "ECDSA", hash: hash! },
        key,
        raw,
        new Uint8Array(signed),
      );
      return ok ? VALID : invalid("the signature does not verify with this key");
    }
    if (alg.kind === "ed25519") {
      const key = await subtle.importKey("spki", new Uint8Array(publicKey.der), "Ed25519", false, [
        "verify",
      ]);
      const ok = await subtle.verify(
        "Ed25519",
        key,
        new Uint8Array(signature),
        new Uint8Array(signed),
      );
      return ok ? VALID : invalid("the signature does not verify with this key");
    }
    const name = alg.kind === "rsa" ? "RSASSA-PKCS1-v1_5" : "RSA-PSS";
    const key = await subtle.importKey(
      "spki",
      rsaEncryptionSpki(publicKey),
      {
        name,
        hash: hash!,
      },
      false,
      ["verify"],
    );
    const ok = await subtle.verify(
      alg.kind === "rsa" ? { name } : { name, saltLength },
      key,
      new Uint8Array(signature),
      new Uint8Array(signed),
    );
    return ok ? VALID : invalid("the signature does not verify with this key");
  } catch (err) {
    return invalid(
      `the key or signature cannot be used (${(err as Error)?.message ?? String(err)})`,
    );
  }
}

/** Signs with one private key under the AlgorithmIdentifier it writes. */
export interface Signer {
  /** The DER of the signature AlgorithmIdentifier the signatures are made under. */
  readonly algorithm: Uint8Array<ArrayBuffer>;
  /** Sign `data`; ECDSA signatures come back DER-encoded, as X.509 wants them. */
  sign(data: Uint8Array): Promise<Uint8Array<ArrayBuffer>>;
}

/**
 * A {@linkcode Signer} for a tlsmith private key: ECDSA with SHA-256 (P-256) or SHA-384 (P-384),
 * RSA PKCS#1 v1.5 with the key's hash (NULL parameters, RFC 4055), Ed25519 (no parameters,
 * RFC 8410). Another key is a `BAD_KEY` / `UNSUPPORTED_KEY_TYPE` error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPair } from "../keys/keys.ts";
 * import { signerFor } from "./signature.ts";
 * const signer = signerFor((await generateKeyPair("ed25519")).privateKey);
 * assert.equal((await signer.sign(new Uint8Array([1]))).length, 64);
 * ```
 */
export function signerFor(privateKey: CryptoKey): Signer {
  const signer = plainSigner(privateKey);
  return {
    algorithm: signer.algorithm,
    sign: async (data) => {
      try {
        return await signer.sign(data);
      } catch (err) {
        throw new TlsmithError(
          "BAD_KEY",
          `signing failed (${
            (err as Error)?.message ?? err
          }). The key must be an ECDSA, RSA or Ed25519 private key with the "sign" usage.`,
          { cause: err },
        );
      }
    },
  };
}

function plainSigner(privateKey: CryptoKey): Signer {
  if (!privateKey || privateKey.type !== "private") {
    throw new TlsmithError("BAD_KEY", "signing needs a private CryptoKey.");
  }
  const type = keyTypeOf(privateKey);
  const subtle = crypto.subtle;
  if (type === "ed25519") {
    return {
      algorithm: seq(oidDer(OID.ed25519)),
      sign: async (data) =>
        new Uint8Array(await subtle.sign("Ed25519", privateKey, new Uint8Array(data))),
    };
  }
  if (type.startsWith("rsa")) {
    const keyHash = (privateKey.algorithm as RsaHashedKeyAlgorithm).hash?.name;
    const oid = signatureAlgorithmOid("rsa", keyHash as never);
    if (!oid) {
      throw new TlsmithError(
        "UNSUPPORTED_KEY_TYPE",
        `the RSA key is bound to the hash ${keyHash}; tlsmith signs with SHA-256, SHA-384 or SHA-512.`,
      );
    }
    return {
      algorithm: seq(oidDer(oid), nul()),
      sign: async (data) =>
        new Uint8Array(
          await subtle.sign({ name: "RSASSA-PKCS1-v1_5" }, privateKey, new Uint8Array(data)),
        ),
    };
  }
  const hash = signatureHashFor(type)!;
  const size = type === "ec-p384" ? 48 : 32;
  return {
    algorithm: seq(oidDer(signatureAlgorithmOid("ecdsa", hash)!)),
    sign: async (data) => {
      const raw = new Uint8Array(
        await subtle.sign({ name: "ECDSA", hash }, privateKey, new Uint8Array(data)),
      );
      return seq(int(raw.subarray(0, size)), int(raw.subarray(size)));
    },
  };
}
