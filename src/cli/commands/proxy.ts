/**
 * `tlsmith proxy PORT|URL`: HTTPS (HTTP/2 and HTTP/1.1) in front of a
 * plain-HTTP server on this machine, such as a dev server with hot reload.
 *
 * @module
 */

import { proxyTarget } from "../../serve/proxy.ts";
import { type CliContext, parseCommandArgs, usageError } from "../args.ts";
import { proxyHandler } from "../dev_proxy.ts";
import {
  checkServing,
  loadServingTls,
  runServing,
  SERVING_OPTIONS,
  servingHelp,
} from "../serving.ts";

/** Help text of `tlsmith proxy`. */
export const help: string = `Usage: tlsmith proxy [options] PORT|URL

HTTPS in front of the plain-HTTP server at PORT on localhost (or at URL, e.g.
http://127.0.0.1:3000), typically a dev server: request and response bodies
stream, WebSockets (hot reload) and Server-Sent Events pass, Host is kept,
X-Forwarded-For/Proto/Host and Forwarded are added, redirects to the server
itself point at the HTTPS address, and while the server is down the browser
gets a 502 page that reloads itself until it is back.

Options:
${servingHelp("adhoc")}
  -h, --help         Show this help.

Examples:
  tlsmith proxy 5173                        # Vite: https://localhost:8443/
  tlsmith proxy --cert local --port 3443 3000
  tlsmith proxy http://127.0.0.1:8000 --save-cert dev-cert.pem

With --cert local a browser that trusts the local CA (tlsmith trust) opens
the page without a warning. Ctrl-C stops the proxy gracefully.`;

/**
 * Run `tlsmith proxy`; resolves to 0 after a graceful stop (Ctrl-C).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import type { AddressInfo } from "node:net";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { run } from "./proxy.ts";
 * // A plain-HTTP dev server on a free port:
 * const dev = createServer((req, res) => {
 *   res.end(`dev server, via ${req.headers["x-forwarded-proto"]}`);
 * });
 * await new Promise<void>((resolve) => dev.listen(0, "127.0.0.1", resolve));
 * const devPort = String((dev.address() as AddressInfo).port);
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-proxy-", async (dir) => {
 *   let ctrlC = () => {};
 *   let listening!: (url: string) => void;
 *   const url = new Promise<string>((resolve) => (listening = resolve));
 *   const ctx = {
 *     runtime: { ...runtime, onShutdownSignal: (stop: () => void) => ((ctrlC = stop), () => {}) },
 *     print: (line: string) => /^ {2}https:/.test(line) && listening(line.trim()),
 *     printError: () => {},
 *   };
 *   // tlsmith proxy --port 0 --save-cert DIR/cert.pem --quiet PORT
 *   const argv = ["--port", "0", "--save-cert", `${dir}/cert.pem`, "--quiet", devPort];
 *   const proxying = run(ctx, argv);
 *   const base = await Promise.race([url, proxying.then((code) => `exited with ${code}`)]);
 *   const trusting = runtime.tlsFetch({ ca: [await runtime.readTextFile(`${dir}/cert.pem`)] });
 *   assert.equal(await (await trusting(base)).text(), "dev server, via https");
 *   ctrlC();
 *   assert.equal(await proxying, 0);
 * });
 * await new Promise((resolve) => dev.close(resolve));
 * ```
 *
 * @param ctx runtime and printers
 * @param argv the arguments after `proxy`
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, SERVING_OPTIONS, {
    min: 1,
    max: 1,
    name: "PORT|URL",
  });
  const plan = checkServing(values, "adhoc");
  let target: URL;
  try {
    target = proxyTarget(positionals[0]);
  } catch (err) {
    throw usageError((err as Error).message);
  }
  const material = await loadServingTls(ctx, plan);
  const handler = proxyHandler(ctx, target, values.quiet === true);
  return await runServing(ctx, handler, plan, material, {
    heading: `Proxying ${target.href} on`,
  });
}
