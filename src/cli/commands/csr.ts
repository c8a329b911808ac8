/**
 * `tlsmith csr HOST… --key FILE`: create a PKCS#10 certificate signing request.
 *
 * @module
 */

import { createCsr } from "../../x509/csr.ts";
import { importPrivateKey, isEncryptedPrivateKey } from "../../keys/formats.ts";
import { type CliContext, parseCommandArgs, refuseExisting, usageError } from "../args.ts";
import { withPassphrase } from "../passphrase.ts";
import { readInputText } from "../input.ts";

/** Help of `tlsmith csr`. */
export const help = `Usage: tlsmith csr HOST... --key FILE [--out FILE] [--cn NAME] [--force]

Create a certificate signing request (PKCS#10) for HOST... with the private key
in FILE (PEM: PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1). The names go into a
subjectAltName extension request; the subject CN is the first DNS name unless
--cn is given. Writes to --out FILE, or prints the CSR.

Options:
  --key FILE              The private key (required)
  --out FILE              Where to write the CSR (default: standard output)
  --cn NAME               Subject common name
  --passphrase-file FILE  Pass phrase of an encrypted key
  --force                 Replace an existing --out file

Examples:
  tlsmith csr api.test 10.0.0.5 --key api-key.pem --out api.csr
  tlsmith sign api.csr --out api.pem`;

/**
 * Run `tlsmith csr`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { exportPrivateKey } from "../../keys/formats.ts";
 * import { generateKeyPair } from "../../keys/keys.ts";
 * import { parseCsr } from "../../x509/csr.ts";
 * import { run } from "./csr.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-csr-", async (dir) => {
 *   await runtime.writeFile(`${dir}/key.pem`, await exportPrivateKey(await generateKeyPair()));
 *   const out: string[] = [];
 *   const ctx = { runtime, print: (line: string) => out.push(line), printError: () => {} };
 *   // tlsmith csr api.test 10.0.0.5 --key key.pem: the CSR goes to standard output
 *   assert.equal(await run(ctx, ["api.test", "10.0.0.5", "--key", `${dir}/key.pem`]), 0);
 *   const csr = await parseCsr(out.join("\n"));
 *   assert.equal(csr.subject, "CN=api.test");
 *   assert.deepEqual([csr.dnsNames, csr.ipAddresses], [["api.test"], ["10.0.0.5"]]);
 *   assert.equal(csr.signatureValid, true);
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    key: { type: "string" },
    out: { type: "string" },
    cn: { type: "string" },
    "passphrase-file": { type: "string" },
    force: { type: "boolean" },
  }, { min: 1, max: 100, name: "HOST" });
  if (values.key === undefined) {
    throw usageError('"--key FILE" is required: the private key the CSR is for');
  }
  const { runtime } = ctx;
  if (values.out !== undefined) await refuseExisting(runtime, [values.out], values.force === true);
  const keyFile = values.key;
  const keyPem = await readInputText(runtime, keyFile);
  const pair = isEncryptedPrivateKey(keyPem)
    ? await withPassphrase(
      runtime,
      { passphraseFile: values["passphrase-file"], purpose: `to decrypt ${keyFile}` },
      (passphrase) => importPrivateKey(keyPem, { passphrase, source: keyFile }),
    )
    : await importPrivateKey(keyPem, { source: keyFile });
  const { pem } = await createCsr(pair, {
    hosts: positionals,
    ...(values.cn !== undefined ? { subject: values.cn } : {}),
  });
  if (values.out === undefined) {
    ctx.print(pem.trimEnd());
  } else {
    await runtime.writeFile(values.out, pem, { overwrite: values.force === true });
    ctx.printError(`Wrote the CSR for ${positionals.join(", ")} to ${values.out}`);
  }
  return 0;
}
