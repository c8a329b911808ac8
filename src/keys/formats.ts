/**
 * Read a private key in any format OpenSSL writes, encrypted or not:
 * PKCS#8 "PRIVATE KEY", "ENCRYPTED PRIVATE KEY" (PBES2), PKCS#1
 * "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY" (with or without a preceding
 * "EC PARAMETERS" block), OpenSSL's legacy `Proc-Type: 4,ENCRYPTED` PEM, and
 * RSA keys tagged with the RSA-PSS OID (`openssl genpkey -algorithm RSA-PSS`).
 *
 * @module
 */

import { sourcePrefix, TlsmithError } from "../errors.ts";
import { decodePem, encodePem } from "../pem.ts";
import { pkcs8FromPlainBlocks, PLAIN_KEY_LABELS } from "../_internal/asn1.ts";
import {
  decryptToPkcs8,
  importPrivateKeyInfo,
  isEncryptedBlock,
  type Passphrase,
} from "./encrypt.ts";
import type { KeyPair } from "./keys.ts";

/** Options of {@linkcode readPrivateKey}. */
export interface ReadPrivateKeyOptions {
  /** The pass phrase of an encrypted key. Required when the key is encrypted. */
  passphrase?: Passphrase;
  /** Where the PEM came from (a file name), used in error messages. */
  source?: string;
}

/**
 * True when the PEM text holds an encrypted private key: "ENCRYPTED PRIVATE
 * KEY" or a legacy block with `Proc-Type: 4,ENCRYPTED`.
 *
 * @example
 * ```ts
 * import { isEncryptedPrivateKey } from "./formats.ts";
 * const pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
 * console.log(isEncryptedPrivateKey(pem)); // true
 * ```
 */
export function isEncryptedPrivateKey(pem: string): boolean {
  try {
    return decodePem(pem).some(isEncryptedBlock);
  } catch {
    return false;
  }
}

/**
 * Unencrypted PKCS#8 DER of a private key in any supported format; encrypted
 * keys need `passphrase`. The result is checked to parse as PKCS#8.
 *
 * @example Convert a PKCS#1 "RSA PRIVATE KEY" to PKCS#8
 * ```ts ignore
 * import { readPrivateKeyPkcs8 } from "./formats.ts";
 * const der = await readPrivateKeyPkcs8(await Deno.readTextFile("rsa.pem"), { source: "rsa.pem" });
 * ```
 */
export async function readPrivateKeyPkcs8(
  pem: string,
  options: ReadPrivateKeyOptions = {},
): Promise<Uint8Array> {
  const { source, passphrase } = options;
  const blocks = decodePem(pem, { source });
  const encrypted = blocks.find(isEncryptedBlock);
  if (encrypted) {
    if (passphrase === undefined) {
      throw new TlsmithError(
        "PASSPHRASE_REQUIRED",
        `${sourcePrefix(source)}the private key is encrypted and no pass phrase was given. ` +
          `Pass { passphrase } in code; on the command line type it at the prompt, or use ` +
          `--passphrase-file FILE or the TLSMITH_PASSPHRASE environment variable.`,
      );
    }
    return await decryptToPkcs8(pem, passphrase, source);
  }
  if (!blocks.some((b) => PLAIN_KEY_LABELS.includes(b.label))) {
    const labels = blocks.map((b) => b.label);
    const found = labels.includes("CERTIFICATE")
      ? "a certificate"
      : labels.includes("PUBLIC KEY")
      ? "a public key"
      : labels.includes("OPENSSH PRIVATE KEY")
      ? "an OpenSSH key (convert with `ssh-keygen -p -m PKCS8 -f FILE`)"
      : labels.includes("DSA PRIVATE KEY")
      ? "a DSA key (unsupported; use EC, RSA or Ed25519)"
      : `"${[...new Set(labels)].join(", ")}"`;
    throw new TlsmithError(
      "BAD_KEY",
      `${
        sourcePrefix(source)
      }expected a private key but found ${found}. Check that you passed the key ` +
        `file, not the certificate.`,
    );
  }
  return pkcs8FromPlainBlocks(blocks, source);
}

/**
 * Read a private key in any format OpenSSL writes — PKCS#8 (plain or
 * encrypted with PBES2/PBKDF2 or scrypt), PKCS#1, SEC1 (with "EC PARAMETERS"),
 * OpenSSL's legacy encrypted PEM, RSA-PSS-tagged keys — into an extractable
 * {@linkcode KeyPair}. Encrypted keys need `passphrase` (`PASSPHRASE_REQUIRED`
 * without it, `WRONG_PASSPHRASE` when it is wrong).
 *
 * RSA-PSS-tagged keys are imported for RSA-PSS signing (algorithm `RSA-PSS`);
 * TLS servers (rustls in Deno, OpenSSL in Node with an rsaEncryption
 * certificate) cannot serve with them: convert with
 * `openssl pkey -in pss.pem -out key.pem` after re-generating as plain RSA.
 *
 * @example
 * ```ts
 * import { readPrivateKey } from "./formats.ts";
 * import { encryptPrivateKey } from "./encrypt.ts";
 * import { generateKeyPair } from "./keys.ts";
 *
 * const pem = await encryptPrivateKey(await generateKeyPair("ec-p384"), "pw", { iterations: 1000 });
 * const pair = await readPrivateKey(pem, { passphrase: "pw", source: "key.pem" });
 * console.log(pair.type); // ec-p384
 * ```
 */
export async function readPrivateKey(
  pem: string,
  options: ReadPrivateKeyOptions = {},
): Promise<KeyPair> {
  const der = await readPrivateKeyPkcs8(pem, options);
  return await importPrivateKeyInfo(der, options.source);
}

/**
 * Unencrypted PKCS#8 "PRIVATE KEY" PEM of a key in any supported format
 * (what `tlsmith key convert` and `tlsmith key decrypt` write, and what the
 * runtime TLS servers are given). The key is checked to import first.
 *
 * @example
 * ```ts
 * import { toPkcs8Pem } from "./formats.ts";
 * import { encryptPrivateKey } from "./encrypt.ts";
 * import { generateKeyPair } from "./keys.ts";
 *
 * const pem = await encryptPrivateKey(await generateKeyPair(), "pw", { iterations: 1000 });
 * console.log((await toPkcs8Pem(pem, { passphrase: "pw" })).split("\n")[0]); // -----BEGIN PRIVATE KEY-----
 * ```
 */
export async function toPkcs8Pem(
  pem: string,
  options: ReadPrivateKeyOptions = {},
): Promise<string> {
  const der = await readPrivateKeyPkcs8(pem, options);
  await importPrivateKeyInfo(der, options.source);
  return encodePem("PRIVATE KEY", der);
}
