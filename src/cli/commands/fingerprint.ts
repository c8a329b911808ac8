/**
 * `tlsmith fingerprint FILE`: SHA-256 fingerprints of certificates (as
 * `openssl x509 -fingerprint -sha256` prints them) and of the public key of
 * keys and CSRs.
 *
 * @module
 */

import { parseCsr } from "../../x509/csr.ts";
import { fingerprint } from "../../x509/describe.ts";
import { TlsmithError } from "../../errors.ts";
import { importPrivateKey, keyFormatOf } from "../../keys/formats.ts";
import { isEncryptedBlock } from "../../keys/encrypt.ts";
import { exportSpki } from "../../keys/keys.ts";
import { decodePem, encodePem, isCertificateLabel, isCsrLabel } from "../../pem.ts";
import { readCertificate } from "../../x509/model.ts";
import { publicKeyInfoFromDer } from "../../x509/public_key.ts";
import { type CliContext, parseCommandArgs } from "../args.ts";
import { readInputFile } from "../input.ts";
import { looksLikePkcs12 } from "../../keys/pkcs12.ts";
import { pkcs12Hint } from "../output.ts";

/** Help of `tlsmith fingerprint`. */
export const help = `Usage: tlsmith fingerprint FILE [--sha1]

Print the SHA-256 fingerprint of every certificate in FILE (as
\`openssl x509 -noout -fingerprint -sha256\` does), or of the public key of a
private key, public key or CSR (the SHA-256 of its SubjectPublicKeyInfo).

Options:
  --sha1   SHA-1 instead of SHA-256 (for old tools)

Example:
  tlsmith fingerprint "$(tlsmith ca show --json | jq -r .certFile)"`;

/**
 * Run `tlsmith fingerprint`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { adhocCert } from "../../ca/adhoc.ts";
 * import { describeCertificate } from "../../x509/describe.ts";
 * import { run } from "./fingerprint.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-fp-", async (dir) => {
 *   const { cert } = await adhocCert();
 *   await runtime.writeFile(`${dir}/cert.pem`, cert);
 *   const out: string[] = [];
 *   const ctx = { runtime, print: (line: string) => out.push(line), printError: () => {} };
 *   assert.equal(await run(ctx, [`${dir}/cert.pem`]), 0); // as openssl x509 -fingerprint prints it
 *   const { fingerprints } = await describeCertificate(cert);
 *   const subject = "CN=localhost, O=tlsmith adhoc";
 *   assert.equal(out[0], `SHA256 Fingerprint=${fingerprints.sha256}  ${subject}`);
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { sha1: { type: "boolean" } }, {
    min: 1,
    max: 1,
    name: "FILE",
  });
  const file = positionals[0];
  const alg = values.sha1 ? "SHA-1" : "SHA-256";
  const name = values.sha1 ? "SHA1" : "SHA256";
  const bytes = await readInputFile(ctx.runtime, file);
  if (bytes[0] === 0x30) {
    if (looksLikePkcs12(bytes)) throw pkcs12Hint(file);
    const certificate = readCertificate(bytes, file);
    ctx.print(
      `${name} Fingerprint=${await fingerprint(certificate.der, alg)}  ${certificate.subject.text}`,
    );
    return 0;
  }
  const blocks = decodePem(new TextDecoder().decode(bytes), { source: file });
  let printed = 0;
  for (const block of blocks) {
    if (isCertificateLabel(block.label)) {
      const certificate = readCertificate(block.der, file);
      ctx.print(
        `${name} Fingerprint=${await fingerprint(block.der, alg)}  ${certificate.subject.text}`,
      );
    } else if (block.label === "PUBLIC KEY") {
      try {
        publicKeyInfoFromDer(block.der);
      } catch (err) {
        throw new TlsmithError(
          "BAD_KEY",
          `${file}: the PUBLIC KEY block is not a SubjectPublicKeyInfo: ${(err as Error).message}`,
          { cause: err },
        );
      }
      ctx.print(`${name} public key=${await fingerprint(block.der, alg)}`);
    } else if (
      keyFormatOf(block.label) !== undefined && !isEncryptedBlock(block)
    ) {
      const pair = await importPrivateKey(encodePem(block.label, block.der), { source: file });
      ctx.print(
        `${name} public key=${await fingerprint(
          await exportSpki(pair.publicKey),
          alg,
        )}  (${pair.type} private key)`,
      );
    } else if (isCsrLabel(block.label)) {
      const info = await parseCsr(block.der, { source: file });
      const spki = info.publicKeyInfo;
      ctx.print(`${name} public key=${await fingerprint(spki, alg)}  (CSR ${info.subject})`);
    } else if (isEncryptedBlock(block)) {
      throw new TlsmithError(
        "PASSPHRASE_REQUIRED",
        `${file}: the private key is encrypted; fingerprint its certificate or public key instead (e.g. \`openssl pkey -pubout\`).`,
      );
    } else continue;
    printed++;
  }
  if (printed === 0) {
    throw new TlsmithError(
      "BAD_PEM",
      `${file}: nothing to fingerprint (found ${
        blocks.map((b) => b.label).join(", ")
      }). Pass a certificate, key or CSR.`,
    );
  }
  return 0;
}
