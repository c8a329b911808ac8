/**
 * `tlsmith verify LEAF`: verify a certificate chain against the local CA or a
 * given CA, for a host name or IP.
 *
 * @module
 */

import { carryCaDir } from "../local_ca.ts";
import { TlsmithError } from "../../errors.ts";
import { verifyChain } from "../../x509/verify.ts";
import { type CliContext, parseCommandArgs, usageError } from "../args.ts";
import { caStore } from "../../ca/store.ts";
import { readInputText } from "../input.ts";

/** Help of `tlsmith verify`. */
export const help =
  `Usage: tlsmith verify LEAF [--ca FILE] [--host NAME] [--chain FILE] [--purpose server|client|any]

Verify the certificate in LEAF (a chain file works: the certificates after the
first are used as intermediates) against --ca FILE, or the local CA. Checks
signatures, validity, CA constraints and path length, key usage, the name
constraints of every CA, and --host (a DNS name or an IP address). Exit code 0
when valid, 1 with the reason when not.

Options:
  --ca FILE        Trusted CA certificate(s) (default: the local CA's ca.pem)
  --host NAME      Also check that the certificate is valid for NAME (DNS or IP)
  --chain FILE     Intermediate certificates
  --purpose P      server (default), client or any
  --at TIME        Verify at this time (ISO 8601) instead of now
  --dir DIR        The local CA directory

Examples:
  tlsmith verify localhost+2.pem --host localhost
  tlsmith verify server.pem --ca ca.pem --host 127.0.0.1`;

/**
 * Run `tlsmith verify`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { caStore, createStoredCa } from "../../ca/store.ts";
 * import { run } from "./verify.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-verify-", async (dir) => {
 *   const { ca } = await createStoredCa(runtime, caStore(runtime, `${dir}/ca`), {});
 *   await runtime.writeFile(`${dir}/cert.pem`, (await ca.issue(["localhost"])).chain);
 *   const out: string[] = [];
 *   const ctx = { runtime, print: (line: string) => out.push(line), printError: () => {} };
 *   const argv = ["--dir", `${dir}/ca`, `${dir}/cert.pem`]; // against the local CA of --dir
 *   assert.equal(await run(ctx, [...argv, "--host", "localhost"]), 0);
 *   assert.equal(out[0], `${dir}/cert.pem: OK for localhost`);
 *   await assert.rejects(run(ctx, [...argv, "--host", "example.com"]), {
 *     code: "CHAIN_INVALID",
 *     message: /not valid for "example\.com": it covers "localhost"/,
 *   });
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ca: { type: "string" },
    host: { type: "string" },
    chain: { type: "string" },
    purpose: { type: "string" },
    at: { type: "string" },
    dir: { type: "string" },
  }, { min: 1, max: 1, name: "LEAF" });
  const purpose = values.purpose ?? "server";
  if (purpose !== "server" && purpose !== "client" && purpose !== "any") {
    throw usageError(`--purpose must be server, client or any, not "${purpose}"`);
  }
  let at: Date | undefined;
  if (values.at !== undefined) {
    at = new Date(values.at);
    if (Number.isNaN(at.getTime())) {
      throw usageError(`--at must be a date such as 2030-01-31T12:00:00Z, not "${values.at}"`);
    }
  }
  const { runtime } = ctx;
  const leafFile = positionals[0];
  const caFile = values.ca ?? caStore(runtime, values.dir).certFile;
  if (values.ca === undefined && !(await runtime.stat(caFile))) {
    throw carryCaDir(
      new TlsmithError(
        "CA_NOT_FOUND",
        `no local CA at ${caFile}: pass the issuing CA with --ca FILE, or create a local CA with \`tlsmith ca init\`.`,
      ),
      values.dir,
    );
  }
  const leaf = await readInputText(runtime, leafFile);
  const trusted = await readInputText(runtime, caFile);
  const chain = values.chain !== undefined ? await readInputText(runtime, values.chain) : undefined;
  const result = await verifyChain({
    leaf,
    trusted,
    chain,
    host: values.host,
    purpose,
    at,
    sources: { leaf: leafFile, trusted: caFile, chain: values.chain },
  });
  if (!result.ok) {
    throw new TlsmithError("CHAIN_INVALID", `${leafFile}: ${result.reason} [${result.code}]`);
  }
  ctx.print(`${leafFile}: OK${values.host !== undefined ? ` for ${values.host}` : ""}`);
  result.path.forEach((c, i) =>
    ctx.print(
      `  ${
        i === 0 ? "leaf   " : i === result.path.length - 1 ? "trusted" : "via    "
      }  ${c.subject}`,
    )
  );
  return 0;
}
