/**
 * Does a certificate belong to a key?
 *
 * @module
 */

import * as pkijs from "npm:pkijs@^4.0.0";
import { certificateSpki, publicKeyMatches } from "../keys/spki.ts";
import type { KeyPair } from "../keys/keys.ts";
import { TlsmithError } from "../errors.ts";
import type { PkijsCertificate } from "./certificate.ts";
import { decodePem, isCertificateLabel } from "../pem.ts";

/**
 * True when the certificate's public key belongs to `key`: a WebCrypto key
 * (private or public), a {@linkcode KeyPair}, or PEM text of a PKCS#8 private
 * key or an SPKI public key. Compares the public keys (a compressed EC point
 * matches its uncompressed form).
 *
 * @example
 * ```ts
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 * import { certificateMatchesKey } from "./match.ts";
 * const { cert, key } = await adhocCert();
 * console.log(await certificateMatchesKey(cert, key)); // true
 * console.log(await certificateMatchesKey(cert, await generateKeyPair())); // false
 * ```
 */
export async function certificateMatchesKey(
  cert: string | Uint8Array | PkijsCertificate,
  key: CryptoKey | KeyPair | string,
): Promise<boolean> {
  let spki: Uint8Array;
  if (cert instanceof pkijs.Certificate) {
    spki = new Uint8Array(cert.subjectPublicKeyInfo.toSchema().toBER(false));
  } else if (typeof cert === "string") {
    const block = decodePem(cert).find((b) => isCertificateLabel(b.label));
    if (!block) {
      throw new TlsmithError(
        "BAD_CERTIFICATE",
        "expected a certificate (-----BEGIN CERTIFICATE-----) but found none.",
      );
    }
    spki = certificateSpki(block.der);
  } else {
    spki = certificateSpki(cert);
  }
  return await publicKeyMatches(spki, key);
}
