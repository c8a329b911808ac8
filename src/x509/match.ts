/**
 * Does a certificate belong to a key?
 *
 * @module
 */

import { publicKeyMatches } from "../keys/spki.ts";
import type { KeyPair } from "../keys/keys.ts";
import { type Certificate, toCertificate } from "./model.ts";

/**
 * True when the certificate's public key belongs to `key`: a WebCrypto key
 * (private or public), a {@linkcode KeyPair}, or PEM text of a PKCS#8 private
 * key or an SPKI public key. Compares the public keys (a compressed EC point
 * matches its uncompressed form). The certificate is PEM text, DER bytes or
 * one already read; anything else is `BAD_CERTIFICATE`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 * import { certificateMatchesKey } from "./match.ts";
 * const { cert, key } = await adhocCert();
 * assert.equal(await certificateMatchesKey(cert, key), true);
 * assert.equal(await certificateMatchesKey(cert, await generateKeyPair()), false);
 * ```
 */
export async function certificateMatchesKey(
  cert: string | Uint8Array | Certificate,
  key: CryptoKey | KeyPair | string,
): Promise<boolean> {
  return await publicKeyMatches(toCertificate(cert).publicKey.der, key);
}
