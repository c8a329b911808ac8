/**
 * Today's signature check of certificates and CSRs (WebCrypto over pkijs objects). The
 * parsed-certificate model brings its own (`signature.ts`); this module then goes away.
 *
 * @module
 */

import * as asn1js from "npm:asn1js@^4.0.0";
import * as pkijs from "npm:pkijs@^4.0.0";
import { toArrayBuffer } from "../_internal/bytes.ts";
import { TlsmithError } from "../errors.ts";

const CURVES: Record<string, { name: string; size: number }> = {
  "1.2.840.10045.3.1.7": { name: "P-256", size: 32 },
  "1.3.132.0.34": { name: "P-384", size: 48 },
  "1.3.132.0.35": { name: "P-521", size: 66 },
};

const HASH_OIDS: Record<string, string> = {
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
  "1.3.14.3.2.26": "SHA-1",
};

const SIG_ALGS: Record<
  string,
  { kind: "rsa" | "ecdsa" | "ed25519" | "pss"; hash?: string; name: string }
> = {
  "1.2.840.113549.1.1.11": { kind: "rsa", hash: "SHA-256", name: "sha256WithRSAEncryption" },
  "1.2.840.113549.1.1.12": { kind: "rsa", hash: "SHA-384", name: "sha384WithRSAEncryption" },
  "1.2.840.113549.1.1.13": { kind: "rsa", hash: "SHA-512", name: "sha512WithRSAEncryption" },
  "1.2.840.113549.1.1.10": { kind: "pss", name: "RSASSA-PSS" },
  "1.2.840.10045.4.3.2": { kind: "ecdsa", hash: "SHA-256", name: "ecdsa-with-SHA256" },
  "1.2.840.10045.4.3.3": { kind: "ecdsa", hash: "SHA-384", name: "ecdsa-with-SHA384" },
  "1.2.840.10045.4.3.4": { kind: "ecdsa", hash: "SHA-512", name: "ecdsa-with-SHA512" },
  "1.3.101.112": { kind: "ed25519", name: "Ed25519" },
};

const WEAK_SIG_ALGS: Record<string, string> = {
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
};

function ecdsaDerToRaw(sig: Uint8Array, size: number): Uint8Array | null {
  const asn = asn1js.fromBER(toArrayBuffer(sig));
  if (asn.offset !== sig.length || !(asn.result instanceof asn1js.Sequence)) return null;
  const ints = asn.result.valueBlock.value;
  if (ints.length !== 2 || !ints.every((i) => i instanceof asn1js.Integer)) return null;
  const out = new Uint8Array(size * 2);
  for (let k = 0; k < 2; k++) {
    let bytes = (ints[k] as asn1js.Integer).valueBlock.valueHexView;
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
    if (bytes.length > size) return null;
    out.set(bytes, k * size + size - bytes.length);
  }
  return out;
}

/**
 * Verify a signature made with the key in `spki` (a pkijs PublicKeyInfo)
 * using WebCrypto. Returns true/false for a good/bad signature; throws
 * `UNSUPPORTED_ALGORITHM` for algorithms tlsmith does not verify (SHA-1, MD5,
 * unknown OIDs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { parseCertificates } from "./verify.ts";
 * import { verifySignature } from "./verify_signature.ts";
 * const ca = await CertificateAuthority.create();
 * const [leaf, root] = parseCertificates((await ca.issue(["localhost"])).chain)
 *   .map((c) => c.certificate);
 * const signed = new Uint8Array(leaf.tbsView);
 * const signature = leaf.signatureValue.valueBlock.valueHexView;
 * const spki = root.subjectPublicKeyInfo;
 * assert.equal(await verifySignature(spki, leaf.signatureAlgorithm, signed, signature), true);
 * assert.equal(await verifySignature(leaf.subjectPublicKeyInfo, leaf.signatureAlgorithm, signed, signature), false);
 * ```
 */
export async function verifySignature(
  spki: pkijs.PublicKeyInfo,
  algorithm: pkijs.AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const oid = algorithm.algorithmId;
  const alg = SIG_ALGS[oid];
  if (!alg) {
    throw new TlsmithError(
      "UNSUPPORTED_ALGORITHM",
      WEAK_SIG_ALGS[oid]
        ? `the signature algorithm ${
          WEAK_SIG_ALGS[oid]
        } is too weak to be trusted; re-issue with SHA-256 or better.`
        : `the signature algorithm ${oid} is not supported (use ECDSA, RSA, RSA-PSS or Ed25519 with SHA-256/384/512).`,
    );
  }
  const spkiDer = toArrayBuffer(new Uint8Array(spki.toSchema().toBER(false)));
  const keyOid = spki.algorithm.algorithmId;
  const subtle = crypto.subtle;
  try {
    if (alg.kind === "ecdsa") {
      if (keyOid !== "1.2.840.10045.2.1") return false;
      const curveOid = (spki.algorithm.algorithmParams as asn1js.ObjectIdentifier)?.valueBlock
        ?.toString();
      const curve = CURVES[curveOid];
      if (!curve) {
        throw new TlsmithError(
          "UNSUPPORTED_ALGORITHM",
          `the EC curve ${curveOid} is not supported (use P-256, P-384 or P-521).`,
        );
      }
      const raw = ecdsaDerToRaw(signature, curve.size);
      if (!raw) return false;
      const key = await subtle.importKey(
        "spki",
        spkiDer,
        { name: "ECDSA", namedCurve: curve.name },
        false,
        ["verify"],
      );
      return await subtle.verify(
        { name: "ECDSA", hash: alg.hash! },
        key,
        toArrayBuffer(raw),
        toArrayBuffer(data),
      );
    }
    if (alg.kind === "ed25519") {
      if (keyOid !== "1.3.101.112") return false;
      const key = await subtle.importKey("spki", spkiDer, { name: "Ed25519" }, false, ["verify"]);
      return await subtle.verify(
        { name: "Ed25519" },
        key,
        toArrayBuffer(signature),
        toArrayBuffer(data),
      );
    }
    if (keyOid !== "1.2.840.113549.1.1.1" && keyOid !== "1.2.840.113549.1.1.10") return false;
    // WebCrypto wants an rsaEncryption SPKI; rewrite an id-RSASSA-PSS key's algorithm.
    let rsaSpki = spkiDer;
    if (keyOid !== "1.2.840.113549.1.1.1") {
      const copy = new pkijs.PublicKeyInfo({
        algorithm: new pkijs.AlgorithmIdentifier({
          algorithmId: "1.2.840.113549.1.1.1",
          algorithmParams: new asn1js.Null(),
        }),
        subjectPublicKey: spki.subjectPublicKey,
      });
      rsaSpki = copy.toSchema().toBER(false);
    }
    if (alg.kind === "rsa") {
      const key = await subtle.importKey(
        "spki",
        rsaSpki,
        { name: "RSASSA-PKCS1-v1_5", hash: alg.hash! },
        false,
        ["verify"],
      );
      return await subtle.verify(
        { name: "RSASSA-PKCS1-v1_5" },
        key,
        toArrayBuffer(signature),
        toArrayBuffer(data),
      );
    }
    const params = new pkijs.RSASSAPSSParams({ schema: algorithm.algorithmParams });
    const hash = HASH_OIDS[params.hashAlgorithm.algorithmId];
    if (!hash || hash === "SHA-1") {
      throw new TlsmithError(
        "UNSUPPORTED_ALGORITHM",
        `RSA-PSS with hash ${params.hashAlgorithm.algorithmId} is not supported; use SHA-256 or better.`,
      );
    }
    const key = await subtle.importKey("spki", rsaSpki, { name: "RSA-PSS", hash }, false, [
      "verify",
    ]);
    return await subtle.verify(
      { name: "RSA-PSS", saltLength: params.saltLength },
      key,
      toArrayBuffer(signature),
      toArrayBuffer(data),
    );
  } catch (err) {
    if (err instanceof TlsmithError) throw err;
    return false;
  }
}
