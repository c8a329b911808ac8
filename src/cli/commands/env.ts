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
 * ```ts ignore
 * await run(ctx, ["--shell", "fish"]);
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
  else ctx.runtime.print(formatEnv(env, shell as EnvShell));
  return 0;
}
