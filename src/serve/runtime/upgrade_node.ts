/**
 * HTTP/1.1 upgrades (WebSocket) on the Node server (and Bun's, which runs the
 * same code). Node hands an upgrade request to the server's `upgrade` event
 * with the raw connection instead of to the request handler; here it becomes
 * a fetch `Request` for the handler all the same. A handler that proxies calls
 * `runtime.upstreamUpgrade(request, upstream)`, which asks the upstream to
 * switch protocols; when it does, the two connections are joined byte for
 * byte (frames of any size, pings and close codes pass untouched). Any other
 * response is written to the connection as plain HTTP/1.1, which then closes.
 *
 * @module
 */

import { STATUS_CODES } from "node:http";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { type UpgradeOutcome, upstreamUpgradeRequest } from "./upstream.ts";
import { drained } from "./node_streams.ts";
import { handlerResponse } from "./common.ts";
import type { Handler, ServeHandlerInfo, UpgradeResult, UpstreamRequest } from "./types.ts";

/** An upgrade request between the `upgrade` event and the handler's answer. */
interface Pending {
  req: IncomingMessage;
  /** The switched upstream connection and the marker response that stands for it. */
  tunnel?: { marker: Response; outcome: UpgradeOutcome & { upgraded: true } };
}

/** Upgrade requests by the `Request` the handler sees, while the handler runs. */
const pending = new WeakMap<Request, Pending>();

/** How long a tunnel's other side may take to close after one side closed. */
const CLOSE_GRACE_MS = 10_000;

/** What {@linkcode handleUpgrades} needs from the server it serves for. */
export interface UpgradeServer {
  on(
    event: "upgrade",
    listener: (req: IncomingMessage, socket: Socket, head: Uint8Array) => void,
  ): unknown;
}

/** Options of {@linkcode handleUpgrades}. */
export interface UpgradeOptions {
  /** The handler `serve()` was given. */
  handler: Handler;
  /** Reports a handler error (the client gets a 500). */
  report: (error: unknown) => void;
  /** The fetch `Request` for a Node request (throws for one fetch cannot represent). */
  toRequest: (req: IncomingMessage) => Request;
}

/**
 * Answer the HTTP/1.1 upgrade requests of `server` with `handler`: the
 * request reaches the handler like any other; a response from
 * {@linkcode upstreamUpgradeNode} joins the connection to the upstream's,
 * any other response is written as plain HTTP/1.1 and the connection closes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import { type AddressInfo, connect, type Socket } from "node:net";
 * import type { Handler } from "./types.ts";
 * import { handleUpgrades, upstreamUpgradeNode } from "./upgrade_node.ts";
 * // An upstream that switches to an "echo" protocol: it sends back what it gets.
 * const upstream = createServer((_req, res) => res.writeHead(426).end());
 * upstream.on("upgrade", (_req, socket: Socket) => {
 *   socket.write("HTTP/1.1 101 Switching Protocols\r\n");
 *   socket.write("Connection: Upgrade\r\nUpgrade: echo\r\n\r\n");
 *   socket.pipe(socket);
 * });
 * await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
 * const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
 * // The proxy (node_server.ts does this on its HTTPS server):
 * const handler: Handler = async (request) => {
 *   const upstream = { url, method: "GET", headers: [] as [string, string][], body: null };
 *   const upgraded = await upstreamUpgradeNode(request, upstream);
 *   return upgraded?.response ?? new Response("not an upgrade", { status: 400 });
 * };
 * const proxy = createServer((_req, res) => res.end());
 * handleUpgrades(proxy, {
 *   handler,
 *   report: (err) => console.error(err),
 *   toRequest: (req) => new Request(`http://localhost${req.url}`),
 * });
 * await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
 * // A client upgrades through the proxy and talks to the upstream:
 * const client = connect((proxy.address() as AddressInfo).port, "127.0.0.1");
 * client.write("GET / HTTP/1.1\r\nHost: localhost\r\n");
 * client.write("Connection: Upgrade\r\nUpgrade: echo\r\n\r\n");
 * let seen = "";
 * await new Promise<void>((resolve) => {
 *   client.on("data", (chunk) => {
 *     seen += chunk;
 *     if (seen.endsWith("\r\n\r\n")) client.write("ping"); // switched: speak "echo"
 *     if (seen.endsWith("ping")) resolve();
 *   });
 * });
 * assert.match(seen, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
 * client.destroy();
 * await new Promise((resolve) => proxy.close(resolve));
 * await new Promise((resolve) => upstream.close(resolve));
 * ```
 *
 * @param server the HTTP/1.1 (or HTTP/2 with HTTP/1.1 fallback) server
 * @param options the handler, the error reporter and the request builder
 */
export function handleUpgrades(server: UpgradeServer, options: UpgradeOptions): void {
  server.on("upgrade", (req, socket, head) => {
    void upgrade(req, socket, head, options).catch((err) => {
      options.report(err);
      socket.destroy();
    });
  });
}

async function upgrade(
  req: IncomingMessage,
  socket: Socket,
  head: Uint8Array,
  options: UpgradeOptions,
): Promise<void> {
  socket.on("error", () => {});
  let request: Request;
  try {
    request = options.toRequest(req);
  } catch {
    await writeRawResponse(socket, new Response("Bad Request", { status: 400 }));
    return;
  }
  const entry: Pending = { req };
  pending.set(request, entry);
  const info: ServeHandlerInfo = {
    remoteAddr: { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 },
  };
  let response: Response;
  try {
    response = await handlerResponse(options.handler, request, info, options.report);
  } finally {
    pending.delete(request);
  }
  const tunnel = entry.tunnel;
  if (tunnel && tunnel.marker === response) {
    join(socket, head, tunnel.outcome);
    return;
  }
  // The handler switched upstream but answered something else: let the upstream go.
  tunnel?.outcome.socket.destroy();
  await writeRawResponse(socket, response);
}

/**
 * {@linkcode Runtime.upstreamUpgrade} on Node: when `request` is an upgrade
 * request that the server's `upgrade` event received, ask the upstream to
 * switch too. Resolves with a placeholder response that the upgrade path
 * replaces with the upstream's own `101` and the joined connection, with the
 * upstream's answer when it does not switch, or with null for any other
 * request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upstreamUpgradeNode } from "./upgrade_node.ts";
 * // Only a request that the server's upgrade event received is passed on (see handleUpgrades);
 * // for any other request the handler goes on as usual:
 * const upstream = { url: "http://127.0.0.1:5173/", method: "GET", headers: [], body: null };
 * assert.equal(await upstreamUpgradeNode(new Request("https://localhost/"), upstream), null);
 * ```
 *
 * @param request the request the handler got
 * @param upstream where to send it (hop-by-hop headers removed; Connection and Upgrade are added)
 */
export async function upstreamUpgradeNode(
  request: Request,
  upstream: UpstreamRequest,
): Promise<UpgradeResult | null> {
  const entry = pending.get(request);
  const protocol = entry?.req.headers.upgrade;
  if (!entry || !protocol || entry.tunnel) return null;
  const outcome = await upstreamUpgradeRequest(upstream, protocol);
  if (!outcome.upgraded) return { switched: false, response: outcome.response };
  if (!pending.has(request)) {
    // The handler already answered: nobody will use this connection.
    outcome.socket.destroy();
    return null;
  }
  const marker = new Response(null, { status: 200 });
  entry.tunnel = { marker, outcome };
  return { switched: true, response: marker };
}

/** Join the client connection to the switched upstream connection, byte for byte, both ways. */
function join(
  client: Socket,
  clientHead: Uint8Array,
  outcome: UpgradeOutcome & { upgraded: true },
): void {
  const { res, socket: upstream, head } = outcome;
  upstream.on("error", () => {});
  upstream.setNoDelay(true);
  // The upstream's 101 as it sent it: Sec-WebSocket-Accept, -Protocol and -Extensions pass unchanged.
  let text = `HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ""}\r\n`;
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
  client.write(text + "\r\n");
  if (head.byteLength > 0) client.write(head);
  if (clientHead.byteLength > 0) upstream.write(clientHead);
  client.pipe(upstream);
  upstream.pipe(client);
  const closeBoth = (closed: Socket, other: Socket) => () => {
    if (closed.errored || other.destroyed) other.destroy();
    else {
      other.end();
      setTimeout(() => other.destroy(), CLOSE_GRACE_MS).unref();
    }
  };
  client.once("close", closeBoth(client, upstream));
  upstream.once("close", closeBoth(upstream, client));
}

/** Headers that describe the connection or its framing, which the raw writer sets itself. */
const FRAMING_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade"]);

/**
 * Write `response` to a raw HTTP/1.1 connection and close it: status line,
 * headers (several Set-Cookie kept), `Connection: close`, the body streamed
 * with backpressure and ended by closing the connection.
 */
async function writeRawResponse(socket: Socket, response: Response): Promise<void> {
  const status = response.status;
  let text = `HTTP/1.1 ${status} ${response.statusText || STATUS_CODES[status] || ""}\r\n`;
  for (const [name, value] of response.headers) {
    if (name === "set-cookie" || FRAMING_HEADERS.has(name)) continue;
    text += `${name}: ${value}\r\n`;
  }
  for (const cookie of response.headers.getSetCookie()) text += `set-cookie: ${cookie}\r\n`;
  socket.write(`${text}connection: close\r\n\r\n`);
  const body = response.body;
  if (body !== null) {
    const reader = body.getReader();
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done || socket.destroyed) break;
        if (!socket.write(r.value) && !(await drained(socket))) break;
      }
    } catch {
      socket.destroy();
      return;
    } finally {
      reader.cancel().catch(() => {});
    }
  }
  socket.end();
}
