/**
 * HTTPS serving: `serve()` for a fetch-style handler on Deno, Node and Bun,
 * and `proxy()`, a handler that puts it in front of a plain-HTTP dev server
 * (WebSockets included).
 *
 * @example Serve HTTPS with a certificate made on the spot
 * ```ts ignore
 * import { serve } from "./mod.ts";
 * const server = await serve(() => new Response("hello over TLS"), { cert: "adhoc", port: 0 });
 * console.log(server.url);
 * await server.shutdown();
 * ```
 *
 * @module
 */

export {
  type CertSource,
  type Handler,
  type PassphraseCallback,
  type PassphraseRequest,
  type ReloadEvent,
  serve,
  type ServeHandlerInfo,
  type ServeOptions,
  type Server,
  type ServerAddr,
} from "./serve.ts";
export { proxy, type ProxyOptions } from "./proxy.ts";
export type { TlsmithError, TlsmithErrorCode } from "../errors.ts";
