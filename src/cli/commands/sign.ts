/**
 * `tlsmith sign CSR`: sign a certificate signing request with the local CA.
 *
 * @module
 */

import { DEFAULT_LEAF_DAYS, MAX_LEAF_DAYS } from "../../ca/authority.ts";
import {
  type CliContext,
  parseCommandArgs,
  parseDays,
  parseHostArguments,
  refuseExisting,
} from "../args.ts";
import { carryCaDir, loadStoredCa } from "../local_ca.ts";
import { readInputFile } from "../input.ts";

/** Help of `tlsmith sign`. */
export const help =
  `Usage: tlsmith sign CSR [--out FILE] [--host NAME]... [--days N] [--client] [--force]

Sign the certificate signing request in CSR (ours, or \`openssl req -new\`) with
the local CA. The CSR's signature must verify. The names come from --host,
else the CSR's subjectAltName, else its CN when that is a host name; they must
be within the CA's name constraints. Nothing else is taken from the request
(a request for CA:TRUE or other extensions is ignored). Writes the certificate
followed by the CA certificate to --out FILE, or prints it.

Options:
  --out FILE              Where to write the certificate chain (default: standard output)
  --host NAME             Certify NAME instead of the CSR's names; repeatable
  --days N                Validity in days (default ${DEFAULT_LEAF_DAYS}, at most ${MAX_LEAF_DAYS})
  --client                Also allow TLS client authentication
  --dir DIR               The CA directory
  --passphrase-file FILE  Pass phrase of an encrypted CA key
  --force                 Replace an existing --out file

Example:
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem \\
    -subj /CN=api.localhost -addext subjectAltName=DNS:api.localhost -out api.csr
  tlsmith sign api.csr --out api.pem`;

/**
 * Run `tlsmith sign`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { caStore, createStoredCa } from "../../ca/store.ts";
 * import { generateKeyPair } from "../../keys/keys.ts";
 * import { createCsr } from "../../x509/csr.ts";
 * import { describeCertificate } from "../../x509/describe.ts";
 * import { run } from "./sign.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-sign-", async (dir) => {
 *   const { ca } = await createStoredCa(runtime, caStore(runtime, `${dir}/ca`), {});
 *   const { pem } = await createCsr(await generateKeyPair(), { hosts: ["api.localhost"] });
 *   await runtime.writeFile(`${dir}/api.csr`, pem);
 *   const ctx = { runtime, print: () => {}, printError: () => {} };
 *   const argv = ["--dir", `${dir}/ca`, `${dir}/api.csr`, "--out", `${dir}/api.pem`];
 *   assert.equal(await run(ctx, argv), 0); // tlsmith sign api.csr --out api.pem
 *   const chain = await runtime.readTextFile(`${dir}/api.pem`);
 *   const leaf = await describeCertificate(chain);
 *   assert.deepEqual(leaf.subjectAltNames, ["DNS:api.localhost"]);
 *   assert.equal(leaf.issuer, ca.subject);
 *   assert.ok(chain.endsWith(ca.certPem)); // the CA certificate follows the leaf
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    out: { type: "string" },
    host: { type: "string", multiple: true },
    days: { type: "string" },
    client: { type: "boolean" },
    dir: { type: "string" },
    "passphrase-file": { type: "string" },
    force: { type: "boolean" },
  }, { min: 1, max: 1, name: "CSR" });
  const days = parseDays(values.days);
  if (values.host) parseHostArguments(values.host);
  const { runtime } = ctx;
  const csrFile = positionals[0];
  if (values.out !== undefined) await refuseExisting(runtime, [values.out], values.force === true);
  const csrBytes = await readInputFile(runtime, csrFile);
  // A DER CSR as it is, PEM as text.
  const csrPem = csrBytes[0] === 0x30 ? csrBytes : new TextDecoder().decode(csrBytes);
  const { ca } = await loadStoredCa(ctx, {
    dir: values.dir,
    passphraseFile: values["passphrase-file"],
  });
  const signed = await ca.signCsr(csrPem, {
    hosts: values.host,
    days,
    clientAuth: values.client,
    source: csrFile,
  }).catch((err) => {
    throw carryCaDir(err, values.dir);
  });
  if (values.out === undefined) {
    ctx.print(signed.chain.trimEnd());
  } else {
    await runtime.writeFile(values.out, signed.chain, { overwrite: values.force === true });
    ctx.printError(
      `Signed ${csrFile} for ${
        signed.names.map((n) => n.value).join(", ")
      }; wrote ${values.out} (expires ${signed.notAfter.toISOString().slice(0, 10)})`,
    );
  }
  return 0;
}
