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
import { findKeyFiles, serveDir } from "../../serve/static.ts";
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
Private keys (PEM), .p12/.pfx files and dotfiles are never served or listed
(404); keep keys outside DIR anyway.

Or serve APP, a module (${APP_MODULE_EXTENSIONS.join(" ")}) whose default export is a fetch handler,
as deno serve and Bun take it:
  export default { fetch(request) { return new Response("hello"); } }
(or export default a function). TypeScript runs on Deno, and on Node 22.18+
and 23.6+ (Node's type stripping).

Options:
${servingHelp("adhoc")}
  --dir DIR          Directory to serve (same as the DIR argument).
  --cors             Allow requests from any origin (Access-Control-Allow-Origin: *,
                     OPTIONS preflights answered).
  --spa              Single-page app: unknown paths without an extension get
                     DIR/index.html (status 200).
  --dotfiles         Also serve and list dotfiles (.env, .git/, …); private keys
                     and tlsmith's temporary files stay hidden.
  -h, --help         Show this help.

Examples:
  tlsmith serve
  tlsmith serve --port 0 --save-cert dev-cert.pem site/
  tlsmith serve --spa --cors dist/
  tlsmith serve --cert local app.ts
  tlsmith serve --cert local --lan
  tlsmith serve --cert cert.pem --key key.pem --host 0.0.0.0 --port 443 --http-port 80

Ctrl-C stops the server gracefully.`;

/**
 * Run `tlsmith serve`; resolves to 0 after a graceful stop (Ctrl-C).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { run } from "./serve.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-site-", async (site) => {
 *   await runtime.writeFile(`${site}/index.html`, "<h1>hello</h1>");
 *   let ctrlC = () => {};
 *   let listening!: (url: string) => void;
 *   const url = new Promise<string>((resolve) => (listening = resolve));
 *   const ctx = {
 *     runtime: { ...runtime, onShutdownSignal: (stop: () => void) => ((ctrlC = stop), () => {}) },
 *     print: (line: string) => /^ {2}https:/.test(line) && listening(line.trim()),
 *     printError: () => {},
 *   };
 *   // tlsmith serve --port 0 --save-cert SITE/cert.pem --quiet SITE
 *   const argv = ["--port", "0", "--save-cert", `${site}/cert.pem`, "--quiet", site];
 *   const serving = run(ctx, argv);
 *   const base = await Promise.race([url, serving.then((code) => `exited with ${code}`)]);
 *   const trusting = runtime.tlsFetch({ ca: [await runtime.readTextFile(`${site}/cert.pem`)] });
 *   assert.equal(await (await trusting(base)).text(), "<h1>hello</h1>");
 *   ctrlC();
 *   assert.equal(await serving, 0); // after a graceful stop
 * });
 * ```
 *
 * @param ctx runtime and printers
 * @param argv the arguments after `serve`
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...SERVING_OPTIONS,
    dir: { type: "string" },
    cors: { type: "boolean" },
    spa: { type: "boolean" },
    dotfiles: { type: "boolean" },
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
  let keysIn: string | undefined;
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
      cors: values.cors === true,
      spa: values.spa === true,
      dotfiles: values.dotfiles === true,
      onError: (err) => ctx.printError(`tlsmith: error serving a request: ${err}`),
    });
    heading = `Serving ${real} on`;
    keysIn = real;
  }
  const material = await loadServingTls(ctx, plan);
  return await runServing(ctx, logRequests(ctx, handler, values.quiet === true), plan, material, {
    heading,
    // Once it serves, so a start that fails says only what failed.
    onReady: keysIn === undefined ? undefined : () => warnAboutKeys(ctx, keysIn!),
  });
}

/** Warn when the served directory holds private keys (they are not served, but do not belong there). */
async function warnAboutKeys(ctx: CliContext, dir: string): Promise<void> {
  const { files, truncated } = await findKeyFiles(ctx.runtime, dir);
  if (files.length === 0) return;
  const shown = files.slice(0, 5).join(", ") + (files.length > 5 || truncated ? ", …" : "");
  ctx.printError(
    `warning: ${dir} holds private key files (${shown}). They are not served (404), ` +
      "but keep keys outside the served directory (tlsmith cert --out-key ../certs/key.pem).",
  );
}
