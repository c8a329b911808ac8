/**
 * `tlsmith serve app.ts`: load a module whose default export is a fetch
 * handler, as `deno serve` and Bun do (`export default { fetch(request) {…} }`
 * or `export default (request) => …`), and hand it to `serve()`. TypeScript
 * loads natively on Deno and through Node's own type stripping on Node
 * (22.18+ and 23.6+ by default; 22.6–22.17 with `--experimental-strip-types`).
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import type { Handler, Runtime } from "../serve/runtime/types.ts";

/** File name endings `tlsmith serve` loads as an app module. */
export const APP_MODULE_EXTENSIONS: readonly string[] = [".ts", ".mts", ".js", ".mjs"];

/**
 * True when `file` names an app module (by its ending), not a directory to serve.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isAppModuleName } from "./app_module.ts";
 * assert.equal(isAppModuleName("app.ts"), true);
 * assert.equal(isAppModuleName("server.MJS"), true);
 * assert.equal(isAppModuleName("public"), false);
 * ```
 *
 * @param file a path from the command line
 */
export function isAppModuleName(file: string): boolean {
  const lower = file.toLowerCase();
  return APP_MODULE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** A `file:` URL for an absolute path (POSIX or Windows), with `#`, `?` and `%` escaped. */
function fileUrl(path: string): string {
  const url = new URL("file:///");
  const slashed = path.replaceAll("\\", "/");
  url.pathname = /^[a-z]:\//i.test(slashed) ? `/${slashed}` : slashed;
  return url.href;
}

const USAGE_HINT = 'e.g. export default { fetch(request) { return new Response("hello"); } }';

function loadError(file: string, why: string, cause?: unknown): TlsmithError {
  return new TlsmithError("APP_LOAD_FAILED", `${file}: ${why}`, { cause });
}

/**
 * Import the app module at `path` and return its handler: the default export
 * when it is a function, else its `fetch` method (called on the export, as
 * Deno and Bun do). A module that cannot be loaded or has no such export is
 * an `APP_LOAD_FAILED` error that says what to write or which Node is needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { loadAppHandler } from "./app_module.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-app-", async (dir) => {
 *   const app = "export default { fetch: (req: Request) => new Response(`hello ${req.url}`) };";
 *   await runtime.writeFile(`${dir}/app.ts`, app);
 *   const handler = await loadAppHandler(runtime, `${dir}/app.ts`); // what serve(handler) gets
 *   const info = { remoteAddr: { hostname: "127.0.0.1", port: 50000 } };
 *   const response = await handler(new Request("https://localhost/hi"), info);
 *   assert.equal(await response.text(), "hello https://localhost/hi");
 *
 *   await runtime.writeFile(`${dir}/empty.ts`, "export const x = 1;");
 *   await assert.rejects(loadAppHandler(runtime, `${dir}/empty.ts`), {
 *     code: "APP_LOAD_FAILED",
 *     message: /the default export is missing, not a fetch handler/,
 *   });
 * });
 * ```
 *
 * @param runtime the runtime (resolves the path)
 * @param file the module's path as given
 */
export async function loadAppHandler(runtime: Runtime, file: string): Promise<Handler> {
  const real = await runtime.realPath(file);
  if (real === null) {
    throw new TlsmithError(
      "FILE_NOT_FOUND",
      `${file}: no such file. Pass the module whose default export is a fetch handler (${USAGE_HINT}).`,
    );
  }
  let module: { default?: unknown };
  try {
    module = await import(fileUrl(real));
  } catch (err) {
    const code = (err as { code?: string } | null)?.code;
    const message = err instanceof Error ? err.message : String(err);
    if (
      runtime.name !== "deno" && /\.m?ts$/i.test(file) &&
      (code === "ERR_UNKNOWN_FILE_EXTENSION" || code === "ERR_NO_TYPESCRIPT")
    ) {
      throw loadError(
        file,
        "this Node cannot load TypeScript. Node 22.18+ and 23.6+ strip types by default " +
          "(22.6–22.17 need node --experimental-strip-types); use one of those, run tlsmith " +
          "with Deno, or compile the app to .js.",
        err,
      );
    }
    throw loadError(file, `the module failed to load: ${message}`, err);
  }
  const exported = module.default;
  if (typeof exported === "function") {
    return (request, info) => (exported as Handler)(request, info);
  }
  const fetch = (exported as { fetch?: unknown } | null | undefined)?.fetch;
  if (typeof exported === "object" && exported !== null && typeof fetch === "function") {
    return (request, info) => (fetch as Handler).call(exported, request, info);
  }
  throw loadError(
    file,
    `the default export is ${
      exported === undefined ? "missing" : `a ${exported === null ? "null" : typeof exported}`
    }, not a fetch handler. Export one, ${USAGE_HINT}, or export default a function (request) => Response.`,
  );
}
