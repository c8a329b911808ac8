/**
 * SubjectPublicKeyInfo: the public key of a certificate (found by position, without a full
 * certificate parse) and whether a key is the same key, whatever the encoding of its point.
 *
 * @module
 */

import { equalBytes } from "../_internal/bytes.ts";
import { isContext, parseDer, readOid, sequence } from "../_internal/der.ts";
import { TlsmithError } from "../errors.ts";
import { decodePem } from "../pem.ts";
import { OID } from "../_internal/oids.ts";
import { importPrivateKey } from "./formats.ts";
import { exportSpki, type KeyPair } from "./keys.ts";

/**
 * The SubjectPublicKeyInfo DER of a certificate's DER (the seventh field of tbsCertificate, or
 * the sixth without a version). `BAD_CERTIFICATE` when the structure is not a certificate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { decodeOnePem } from "../pem.ts";
 * import { certificateSpki } from "./spki.ts";
 * const { cert } = await adhocCert();
 * assert.equal(certificateSpki(decodeOnePem(cert, "CERTIFICATE").der)[0], 0x30);
 * ```
 */
export function certificateSpki(der: Uint8Array, what = "certificate"): Uint8Array {
  try {
    const [tbs] = sequence(parseDer(der, what), what, 3, 3);
    const fields = sequence(tbs, `${what}'s signed body`, 6, 10);
    const spki = fields[isContext(fields[0], 0) ? 6 : 5];
    sequence(spki, `${what}'s public key`, 2, 2);
    return spki.der;
  } catch (err) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `not an X.509 certificate: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

const IMPORT_PARAMS: Record<string, Algorithm | EcKeyImportParams | RsaHashedImportParams> = {
  [OID.p256]: { name: "ECDSA", namedCurve: "P-256" } as EcKeyImportParams,
  [OID.p384]: { name: "ECDSA", namedCurve: "P-384" } as EcKeyImportParams,
  [OID.rsaEncryption]: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as RsaHashedImportParams,
  [OID.ed25519]: { name: "Ed25519" },
};

/** Re-encode an SPKI through WebCrypto (canonical form: e.g. uncompressed EC points). */
async function canonicalSpki(der: Uint8Array): Promise<Uint8Array | null> {
  try {
    const [alg] = sequence(parseDer(der, "public key"), "public key", 2, 2);
    const [algorithm, params] = sequence(alg, "public key algorithm", 1, 2);
    const oid = readOid(algorithm, "public key algorithm");
    const key = oid === OID.ecPublicKey ? readOid(params, "curve") : oid;
    const importParams = IMPORT_PARAMS[key];
    if (!importParams) return null;
    const imported = await crypto.subtle.importKey("spki", der.slice(), importParams, true, [
      "verify",
    ]);
    return new Uint8Array(await crypto.subtle.exportKey("spki", imported));
  } catch {
    return null;
  }
}

/**
 * The SubjectPublicKeyInfo of `key`: a WebCrypto key (private or public), a
 * {@linkcode KeyPair}, or PEM text of a private key or an SPKI public key.
 */
async function spkiOf(key: CryptoKey | KeyPair | string): Promise<Uint8Array> {
  if (typeof key === "string") {
    const blocks = decodePem(key);
    const pub = blocks.find((b) => b.label === "PUBLIC KEY");
    if (pub && !blocks.some((b) => b.label === "PRIVATE KEY")) {
      if (!(await canonicalSpki(pub.der))) {
        throw new TlsmithError(
          "BAD_KEY",
          'the public key cannot be read. Pass a PEM "PUBLIC KEY" or "PRIVATE KEY".',
        );
      }
      return pub.der;
    }
    return await exportSpki((await importPrivateKey(key)).publicKey);
  }
  if (key && "privateKey" in key && "publicKey" in key) return await exportSpki(key.publicKey);
  return await exportSpki(key as CryptoKey);
}

/**
 * True when the SubjectPublicKeyInfo `spki` (DER) is the public key of `key` (a WebCrypto key,
 * a {@linkcode KeyPair}, or PEM text of a private or public key). Compares the keys, not just
 * the bytes: a compressed EC point matches its uncompressed form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportSpki, generateKeyPair } from "./keys.ts";
 * import { publicKeyMatches } from "./spki.ts";
 * const pair = await generateKeyPair();
 * assert.equal(await publicKeyMatches(await exportSpki(pair.publicKey), pair), true);
 * ```
 */
export async function publicKeyMatches(
  spki: Uint8Array,
  key: CryptoKey | KeyPair | string,
): Promise<boolean> {
  const keySpki = await spkiOf(key);
  if (equalBytes(spki, keySpki)) return true;
  const [a, b] = await Promise.all([canonicalSpki(spki), canonicalSpki(keySpki)]);
  return a !== null && b !== null && equalBytes(a, b);
}
