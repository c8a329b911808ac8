/**
 * The tlsmith command line, as a module: `deno run -A jsr:@tlsmith/tlsmith/cli serve`, or
 * `runCli(["cert", "localhost"])` from code. Run as the main module it runs the CLI with the
 * process's arguments and exits with its code. (`mod.ts` does the same when it is the main module,
 * so `deno run -A mod.ts serve --cert=adhoc` keeps working.)
 *
 * @example Run a command and get its exit code
 * ```ts
 * import { runCli } from "./cli.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await runCli(["--version"]), 0);
 * ```
 *
 * @module
 */

import { runMain } from "./src/cli/main.ts";

/**
 * Run the tlsmith CLI with `args` (the words after `tlsmith`) and resolve with its exit code:
 * 0 ok, 1 error, 2 usage. Output goes to standard output and standard error.
 *
 * @example
 * ```ts
 * import { runCli } from "./cli.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await runCli(["--version"]), 0);
 * ```
 *
 * @param args the command line after the program name
 */
export function runCli(args: string[]): Promise<number> {
  return runMain(args);
}

if ((import.meta as { main?: boolean }).main) runMain();
