/**
 * `tlsmith run -- CMD ARGS…`: run a command with the environment of `tlsmith env` set.
 *
 * @module
 */

import { trustEnvOn } from "../../trust/env.ts";
import { TlsmithError } from "../../errors.ts";
import { envChanges } from "../../trust/mod.ts";
import { type CliContext, dirArgument, parseCommandArgs, usageError } from "../args.ts";
import { devProxyHelp, runDevProxy } from "../dev_proxy.ts";

/** Help of `tlsmith run`. */
export const help = `Usage: tlsmith run [--dir DIR] [--] CMD [ARGS...]

Run CMD with the environment that makes Node, Deno, Bun and Python trust the
local CA (NODE_EXTRA_CA_CERTS, DENO_CERT, SSL_CERT_FILE, REQUESTS_CA_BUNDLE;
see \`tlsmith env --help\`). CMD shares this terminal; tlsmith exits with its
exit code.

Options (before CMD):
  --dir DIR   The CA directory (default $TLSMITH_CA_DIR or the user data directory)

  --proxy     Also serve CMD (a dev server) over HTTPS: see below.

Examples:
  tlsmith run -- node client.js
  tlsmith run -- deno run -A client.ts
  tlsmith run -- python3 -c "import requests; print(requests.get('https://localhost:8443/').text)"

${devProxyHelp}`;

/**
 * Split `tlsmith run` arguments into run's own options and the command: the command starts
 * after `--`, or at the first argument that is not an option or an option's value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitCommand } from "./run.ts";
 * assert.deepEqual(splitCommand(["--dir", "/ca", "node", "--version"]), { own: ["--dir", "/ca"], command: ["node", "--version"] });
 * assert.deepEqual(splitCommand(["--", "ls", "-l"]), { own: [], command: ["ls", "-l"] });
 * ```
 */
export function splitCommand(argv: string[]): { own: string[]; command: string[] } {
  const takesValue = new Set(["--dir"]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return { own: argv.slice(0, i), command: argv.slice(i + 1) };
    if (!arg.startsWith("-")) return { own: argv.slice(0, i), command: argv.slice(i) };
    if (takesValue.has(arg)) i++;
  }
  return { own: argv, command: [] };
}

/**
 * Run `tlsmith run`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { caStore, createStoredCa } from "../../ca/store.ts";
 * import { run } from "./run.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   await createStoredCa(runtime, caStore(runtime, dir), {});
 *   const ctx = { runtime, print: () => {}, printError: () => {} };
 *   // tlsmith run --dir DIR -- sh -c …: the command sees the CA in DENO_CERT (and the others)
 *   const check = `test "$DENO_CERT" = "${dir}/ca.pem"`;
 *   assert.equal(await run(ctx, ["--dir", dir, "--", "sh", "-c", check]), 0);
 *   assert.equal(await run(ctx, ["--dir", dir, "--", "sh", "-c", "exit 3"]), 3); // its exit code
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const dash = argv.indexOf("--");
  const proxyAt = argv.indexOf("--proxy");
  if (proxyAt >= 0 && (dash < 0 || proxyAt < dash)) {
    return await runDevProxy(ctx, [...argv.slice(0, proxyAt), ...argv.slice(proxyAt + 1)]);
  }
  const { own, command } = splitCommand(argv);
  const { values } = parseCommandArgs(own, { dir: { type: "string" } });
  if (command.length === 0) {
    throw usageError("missing the command to run, e.g. `tlsmith run -- node client.js`");
  }
  const env = await trustEnvOn(ctx.runtime, { dir: values.dir });
  if (env.untrusted) {
    throw new TlsmithError(
      "CA_UNTRUSTED",
      `the local CA ${env.caFile} was removed with \`tlsmith untrust\`, so \`tlsmith run\` does not make ${
        command[0]
      } trust it. Run \`tlsmith trust${
        values.dir === undefined ? "" : ` ${dirArgument(values.dir)}`
      }\` to trust it again.`,
    );
  }
  for (const note of env.notes) ctx.printError(`tlsmith run: ${note}`);
  const [cmd, ...args] = command;
  return await ctx.runtime.exec(cmd, args, { env: envChanges(env) });
}
