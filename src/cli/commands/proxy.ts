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
 * ```ts ignore
 * import { run } from "./proxy.ts";
 * await run(ctx, ["--port", "0", "5173"]);
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
