/**
 * HTTPS serving: `serve()` for a fetch-style handler on Deno, Node and Bun,
 * and `proxy()`, a handler that puts it in front of a plain-HTTP dev server
 * (WebSockets included).
 *
 * @example Serve HTTPS with a certificate made on the spot
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "./runtime/mod.ts";
 * import { serve } from "./mod.ts";
 * const server = await serve(() => new Response("hello over TLS"), { cert: "adhoc", port: 0 });
 * try {
 *   // A client that trusts the server's own (self-signed) certificate:
 *   const trusting = (await getRuntime()).tlsFetch({ ca: [server.certificate] });
 *   assert.equal(await (await trusting(server.url)).text(), "hello over TLS");
 * } finally {
 *   await server.shutdown();
 * }
 * ```
 *
 * @module
 */

export {
  type CertSource,
  type Handler,
  type ListeningServer,
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
export { fastResponseClass as FastResponse } from "./runtime/node_fast.ts";
export type { TlsmithError, TlsmithErrorCode } from "../errors.ts";
