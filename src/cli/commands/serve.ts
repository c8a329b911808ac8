/**
 * `tlsmith serve`: serve a directory over HTTPS, or an app module's fetch
 * handler, with an adhoc certificate (made in memory at start), one from the
 * local CA, or your certificate and key files (reloaded when they change);
 * with a plain-HTTP redirect, mutual TLS, timeouts and limits.
 *
 * @module
 */

import { TlsmithError } from "../../errors.ts";
import type { Handler } from "../../serve/runtime/types.ts";
import { type CliContext, parseCommandArgs, usageError } from "../args.ts";
import { serveDir } from "../../serve/static.ts";
import { APP_MODULE_EXTENSIONS, isAppModuleName, loadAppHandler } from "../app_module.ts";
import {
  checkServing,
  loadServingTls,
  logRequests,
  runServing,
  SERVING_OPTIONS,
  servingHelp,
} from "../serving.ts";

/** Help text of `tlsmith serve`. */
export const help: string = `Usage: tlsmith serve [options] [DIR | APP]

Serve the files in DIR (default: the current directory) over HTTPS:
index.html for directories, else a listing; ranges and revalidation work.

Or serve APP, a module (${APP_MODULE_EXTENSIONS.join(" ")}) whose default export is a fetch handler,
as deno serve and Bun take it:
  export default { fetch(request) { return new Response("hello"); } }
(or export default a function). TypeScript runs on Deno, and on Node 22.18+
and 23.6+ (Node's type stripping).

Options:
${servingHelp("adhoc")}
  --dir DIR          Directory to serve (same as the DIR argument).
  -h, --help         Show this help.

Examples:
  tlsmith serve
  tlsmith serve --port 0 --save-cert dev-cert.pem site/
  tlsmith serve --cert local app.ts
  tlsmith serve --cert local --lan
  tlsmith serve --cert cert.pem --key key.pem --host 0.0.0.0 --port 443 --http-port 80

Ctrl-C stops the server gracefully.`;

/**
 * Run `tlsmith serve`; resolves to 0 after a graceful stop (Ctrl-C).
 *
 * @example
 * ```ts ignore
 * import { run } from "./serve.ts";
 * await run(ctx, ["--port", "0", "public"]);
 * ```
 *
 * @param ctx runtime and printers
 * @param argv the arguments after `serve`
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...SERVING_OPTIONS,
    dir: { type: "string" },
  }, { max: 1, name: "DIR" });
  const { runtime } = ctx;

  // --- Validate the command line before touching anything.
  const plan = checkServing(values, "adhoc");
  if (values.dir !== undefined && positionals.length > 0) {
    throw usageError(`give the directory once: "--dir ${values.dir}" or "${positionals[0]}"`);
  }
  const target = values.dir ?? positionals[0] ?? ".";

  // --- What to serve: an app module's handler, or the files of a directory.
  const real = await runtime.realPath(target);
  const info = real === null ? null : await runtime.stat(real);
  let handler: Handler;
  let heading: string;
  if (values.dir === undefined && isAppModuleName(target) && (info === null || info.isFile)) {
    handler = await loadAppHandler(runtime, target);
    heading = `Serving ${target} (its default export's fetch handler) on`;
  } else {
    if (real === null) {
      throw new TlsmithError(
        "FILE_NOT_FOUND",
        `${target}: no such directory. Pass the directory to serve, e.g. "tlsmith serve ./public".`,
      );
    }
    if (!info?.isDirectory) {
      throw new TlsmithError(
        "BAD_OPTION",
        `${target} is not a directory. Pass the directory that contains it instead, or an app ` +
          `module (${APP_MODULE_EXTENSIONS.join(", ")}) whose default export is a fetch handler.`,
      );
    }
    handler = serveDir(runtime, real, {
      onError: (err) => ctx.printError(`tlsmith: error serving a request: ${err}`),
    });
    heading = `Serving ${real} on`;
  }
  const material = await loadServingTls(ctx, plan);
  return await runServing(ctx, logRequests(ctx, handler, values.quiet === true), plan, material, {
    heading,
  });
}
