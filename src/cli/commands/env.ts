/**
 * `tlsmith env`: print the environment that makes Node, Deno, Bun and Python trust the local CA.
 *
 * @module
 */

import { trustEnvOn } from "../../trust/env.ts";
import { type EnvShell, formatEnv } from "../../trust/mod.ts";
import { type CliContext, parseCommandArgs, usageError } from "../args.ts";

/** Help of `tlsmith env`. */
export const help = `Usage: tlsmith env [--dir DIR] [--shell sh|fish|powershell] [--json]

Print the environment variables that make runtimes which ignore the system
trust store trust the local CA, as commands for a shell:

  NODE_EXTRA_CA_CERTS  Node, Bun, Deno 2.8+ (added to their built-in CAs)
  DENO_CERT            Deno (added to its built-in CAs)
  SSL_CERT_FILE        OpenSSL clients: curl, Python ssl/urllib (replaces the
                       default CA file, so it points at the system's CAs plus
                       ours: ca-bundle.pem in the CA directory)
  REQUESTS_CA_BUNDLE   Python requests (replaces certifi's bundle; same file)

A variable you already set is kept when its file holds the CA, and otherwise
extended (the system's or your CAs are never dropped). Without a system CA
bundle (Windows) SSL_CERT_FILE and REQUESTS_CA_BUNDLE stay unset.

Options:
  --dir DIR        The CA directory (default $TLSMITH_CA_DIR or the user data directory)
  --shell SHELL    sh (bash, zsh; the default), fish or powershell
  --json           Print the variables as JSON

Examples:
  eval "$(tlsmith env)"                 # this shell; add it to ~/.profile to keep it
  tlsmith env --shell fish | source
  tlsmith env --shell powershell | Invoke-Expression`;

/**
 * Run `tlsmith env`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { caStore, createStoredCa } from "../../ca/store.ts";
 * import { run } from "./env.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   await createStoredCa(runtime, caStore(runtime, dir), {});
 *   const out: string[] = [];
 *   const ctx = { runtime, print: (line: string) => out.push(line), printError: () => {} };
 *   assert.equal(await run(ctx, ["--dir", dir, "--shell", "fish"]), 0);
 *   assert.match(out.join("\n"), new RegExp(`^set -gx DENO_CERT '${dir}/ca\\.pem'  # Deno$`, "m"));
 *   out.length = 0;
 *   assert.equal(await run(ctx, ["--dir", dir, "--json"]), 0);
 *   const { caFile, vars } = JSON.parse(out[0]);
 *   assert.equal(caFile, `${dir}/ca.pem`);
 *   assert.ok(vars.some((v: { name: string }) => v.name === "NODE_EXTRA_CA_CERTS"));
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    dir: { type: "string" },
    shell: { type: "string" },
    json: { type: "boolean" },
  });
  const shell = values.shell ?? (ctx.runtime.platform() === "win32" ? "powershell" : "sh");
  if (shell !== "sh" && shell !== "fish" && shell !== "powershell") {
    throw usageError(`--shell takes sh, fish or powershell, not "${shell}"`);
  }
  const env = await trustEnvOn(ctx.runtime, { dir: values.dir });
  if (values.json) ctx.print(JSON.stringify(env, null, 2));
  else {
    const text = formatEnv(env, shell as EnvShell);
    if (text) ctx.print(text.slice(0, -1)); // print adds the last line end
  }
  return 0;
}
