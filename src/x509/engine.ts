/**
 * The pkijs crypto engine tlsmith passes explicitly to every pkijs call that
 * needs crypto: pkijs' own `CryptoEngine` on `globalThis.crypto`, plus Ed25519
 * (RFC 8410, OID 1.3.101.112, signature algorithm without parameters). The
 * process-wide pkijs engine (`setEngine`) is never touched.
 *
 * @module
 */

import * as asn1js from "npm:asn1js@^4.0.0";
import * as pkijs from "npm:pkijs@^4.0.0";
import { TlsmithError } from "../errors.ts";

/** OID of Ed25519 keys and signatures (RFC 8410). */
export const ED25519_OID = "1.3.101.112";

function isEd25519Name(name: unknown): boolean {
  return typeof name === "string" && name.toUpperCase() === "ED25519";
}

function bufferSourceBytes(data: BufferSource): Uint8Array<ArrayBuffer> {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(
    data.buffer as ArrayBuffer,
    data.byteOffset,
    data.byteLength,
  );
}

/** pkijs' WebCrypto engine with Ed25519 added. */
class TlsmithCryptoEngine extends pkijs.CryptoEngine {
  override getAlgorithmByOID<T extends Algorithm = Algorithm>(
    oid: string,
    safety?: boolean,
    target?: string,
  ): T | object;
  override getAlgorithmByOID<T extends Algorithm = Algorithm>(
    oid: string,
    safety: true,
    target?: string,
  ): T;
  override getAlgorithmByOID<T extends Algorithm = Algorithm>(
    oid: string,
    safety = false,
    target?: string,
  ): T | object {
    if (oid === ED25519_OID) return { name: "Ed25519" } as T;
    return super.getAlgorithmByOID<T>(oid, safety, target);
  }

  override getOIDByAlgorithm(
    algorithm: Algorithm,
    safety = false,
    target?: string,
  ): string {
    if (isEd25519Name(algorithm.name)) return ED25519_OID;
    return super.getOIDByAlgorithm(algorithm, safety, target);
  }

  override getSignatureParameters(
    privateKey: CryptoKey,
    hashAlgorithm?: string,
  ): Promise<pkijs.CryptoEngineSignatureParams> {
    if (isEd25519Name(privateKey.algorithm.name)) {
      return Promise.resolve({
        // RFC 8410 §3: the parameters MUST be absent.
        signatureAlgorithm: new pkijs.AlgorithmIdentifier({
          algorithmId: ED25519_OID,
        }),
        parameters: {
          algorithm: { name: "Ed25519" },
          usages: ["sign", "verify"],
        },
      });
    }
    return super.getSignatureParameters(privateKey, hashAlgorithm).then((result) => {
      // RFC 4055 §5 / RFC 8017: sha*WithRSAEncryption parameters MUST be NULL (pkijs leaves them out).
      if (
        privateKey.algorithm.name.toUpperCase() === "RSASSA-PKCS1-V1_5" &&
        result.signatureAlgorithm.algorithmParams === undefined
      ) {
        result.signatureAlgorithm.algorithmParams = new asn1js.Null();
      }
      return result;
    });
  }

  override signWithPrivateKey(
    data: BufferSource,
    privateKey: CryptoKey,
    parameters: pkijs.CryptoEngineSignWithPrivateKeyParams,
  ): Promise<ArrayBuffer> {
    if (isEd25519Name(privateKey.algorithm.name)) {
      return this.subtle.sign("Ed25519", privateKey, bufferSourceBytes(data));
    }
    return super.signWithPrivateKey(data, privateKey, parameters);
  }

  override getPublicKey(
    publicKeyInfo: pkijs.PublicKeyInfo,
    signatureAlgorithm: pkijs.AlgorithmIdentifier,
    parameters?: pkijs.CryptoEnginePublicKeyParams,
  ): Promise<CryptoKey> {
    if (publicKeyInfo.algorithm.algorithmId === ED25519_OID) {
      return this.subtle.importKey(
        "spki",
        new Uint8Array(publicKeyInfo.toSchema().toBER(false)),
        "Ed25519",
        true,
        ["verify"],
      );
    }
    return super.getPublicKey(publicKeyInfo, signatureAlgorithm, parameters);
  }

  override async verifyWithPublicKey(
    data: BufferSource,
    signature: asn1js.BitString | asn1js.OctetString,
    publicKeyInfo: pkijs.PublicKeyInfo,
    signatureAlgorithm: pkijs.AlgorithmIdentifier,
    shaAlgorithm?: string,
  ): Promise<boolean> {
    const edSignature = signatureAlgorithm.algorithmId === ED25519_OID;
    const edKey = publicKeyInfo.algorithm.algorithmId === ED25519_OID;
    if (edSignature !== edKey) return false;
    if (edSignature) {
      const key = await this.getPublicKey(publicKeyInfo, signatureAlgorithm);
      return this.subtle.verify(
        "Ed25519",
        key,
        new Uint8Array(signature.valueBlock.valueHexView),
        bufferSourceBytes(data),
      );
    }
    try {
      return await super.verifyWithPublicKey(
        data,
        signature,
        publicKeyInfo,
        signatureAlgorithm,
        shaAlgorithm,
      );
    } catch {
      // pkijs throws (e.g. RangeError) when the signature does not fit the key, such as a
      // P-384 signature checked with a P-256 key: that is simply a signature that does not verify.
      return false;
    }
  }
}

let engine: pkijs.CryptoEngine | undefined;

/**
 * The pkijs crypto engine of tlsmith (WebCrypto of `globalThis.crypto`, plus
 * Ed25519). Pass it explicitly to pkijs calls such as `Certificate.sign`,
 * `Certificate.verify` and `Certificate.getPublicKey`. One shared instance.
 *
 * @example Verify an Ed25519 self-signed certificate with pkijs
 * ```ts
 * import { cryptoEngine } from "./engine.ts";
 * import { createCertificate } from "./certificate.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 *
 * const keyPair = await generateKeyPair("ed25519");
 * const { certificate } = await createCertificate({ keyPair, hosts: ["localhost"] });
 * console.log(await certificate.verify(undefined, cryptoEngine())); // true
 * ```
 */
export function cryptoEngine(): pkijs.CryptoEngine {
  if (!engine) {
    const crypto = globalThis.crypto;
    if (!crypto?.subtle) {
      throw new TlsmithError(
        "UNSUPPORTED_RUNTIME",
        "WebCrypto (globalThis.crypto.subtle) is not available in this runtime. Use Deno, Node 20.19+ or a modern browser (secure context).",
      );
    }
    engine = new TlsmithCryptoEngine({ name: "tlsmith", crypto });
  }
  return engine;
}
