/**
 * WebSocket upgrades on Deno. `Deno.serve` gives no raw connection, so the
 * proxy joins two WebSockets message by message: the client's (accepted with
 * `Deno.upgradeWebSocket`) and one of its own to the upstream (Deno's
 * `WebSocket` client, which takes extra headers). Text and binary messages of
 * any size pass unchanged, pings are answered on each side, and a close
 * passes its code and reason on (codes a WebSocket API may not send, such as
 * 1001, become 1000).
 *
 * @module
 */

import { TlsmithError } from "../../errors.ts";
import type { UpgradeResult, UpstreamRequest } from "./types.ts";

/** The part of Deno this file uses. */
interface DenoUpgrade {
  upgradeWebSocket(
    request: Request,
    options?: { protocol?: string },
  ): { socket: WebSocket; response: Response };
}

/** Deno's WebSocket constructor, which also takes `{ protocols, headers }`. */
type DenoWebSocketConstructor = new (
  url: string,
  options: { protocols?: string[]; headers?: [string, string][] },
) => WebSocket;

/** Request headers the WebSocket client sets itself (or that name the connection). */
const CLIENT_SET_HEADERS = new Set([
  "host",
  "connection",
  "upgrade",
  "content-length",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
]);

/** Longest close reason a WebSocket may send, in UTF-8 bytes. */
const MAX_REASON_BYTES = 123;

/** A close code and reason the WebSocket API accepts for `close()`. */
function closeArgs(event: CloseEvent): [number, string] {
  const code = event.code === 1000 || (event.code >= 3000 && event.code <= 4999)
    ? event.code
    : 1000;
  let reason = event.reason ?? "";
  while (new TextEncoder().encode(reason).byteLength > MAX_REASON_BYTES) {
    reason = reason.slice(0, -1);
  }
  return [code, reason];
}

/** Close `socket` with the code and reason of `event`, if it is not closing already. */
function closeLike(socket: WebSocket, event: CloseEvent): void {
  if (socket.readyState === WebSocket.CLOSING || socket.readyState === WebSocket.CLOSED) return;
  try {
    socket.close(...closeArgs(event));
  } catch {
    socket.close();
  }
}

/** The upstream WebSocket once it is open; rejects with `UPSTREAM_UNREACHABLE` when it fails to open. */
function openUpstream(upstream: UpstreamRequest, protocols: string[]): Promise<WebSocket> {
  const url = upstream.url.replace(/^http/, "ws");
  const headers = upstream.headers.filter(([name]) => !CLIENT_SET_HEADERS.has(name.toLowerCase()));
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new (WebSocket as unknown as DenoWebSocketConstructor)(url, { protocols, headers });
    } catch (err) {
      reject(
        new TlsmithError(
          "UPSTREAM_UNREACHABLE",
          `cannot open a WebSocket to ${url}: ${(err as Error)?.message ?? err}.`,
          { cause: err },
        ),
      );
      return;
    }
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      socket.onopen = socket.onerror = null;
      resolve(socket);
    };
    socket.onerror = (event) => {
      socket.onopen = socket.onerror = null;
      const message = (event as ErrorEvent).message ?? "the connection failed";
      const refused = /connect|refused/i.test(message);
      reject(
        new TlsmithError(
          "UPSTREAM_UNREACHABLE",
          `cannot open a WebSocket to ${new URL(url).origin}${new URL(url).pathname}: ${message}. ${
            refused
              ? "Start your server, or point the proxy at the port it listens on."
              : "The server refused the WebSocket; check its log."
          }`,
        ),
      );
    };
  });
}

/**
 * {@linkcode Runtime.upstreamUpgrade} on Deno: for a WebSocket upgrade
 * request, open a WebSocket to the upstream first (offering the client's
 * subprotocols), then accept the client's with the subprotocol the upstream
 * chose and relay messages both ways until one side closes. Resolves with the
 * `101` response for the handler to return, or null for a request that is not
 * a WebSocket upgrade.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upstreamUpgradeDeno } from "./upgrade_deno.ts";
 * const local = { hostname: "127.0.0.1", port: 0, onListen() {} };
 * // A WebSocket echo server:
 * const upstream = Deno.serve(local, (request) => {
 *   const { socket, response } = Deno.upgradeWebSocket(request);
 *   socket.onmessage = (event) => socket.send(event.data);
 *   return response;
 * });
 * const url = `http://127.0.0.1:${upstream.addr.port}/`;
 * // The proxy (deno_server.ts does this on its HTTPS server):
 * const proxy = Deno.serve(local, async (request) => {
 *   const upstreamRequest = { url, method: "GET", headers: [], body: null };
 *   const upgraded = await upstreamUpgradeDeno(request, upstreamRequest);
 *   return upgraded?.response ?? new Response("not an upgrade", { status: 400 });
 * });
 * const ws = new WebSocket(`ws://127.0.0.1:${proxy.addr.port}/`);
 * await new Promise((resolve, reject) => {
 *   ws.onopen = resolve;
 *   ws.onerror = reject;
 * });
 * ws.send("ping");
 * const echoed = new Promise((resolve) => (ws.onmessage = (event) => resolve(event.data)));
 * assert.equal(await echoed, "ping");
 * ws.close();
 * await new Promise((resolve) => (ws.onclose = resolve));
 * await proxy.shutdown();
 * await upstream.shutdown();
 * ```
 *
 * @param request the request the handler got from `Deno.serve`
 * @param upstream where to send it (its header lines are passed on; Host is the upstream's own)
 */
export async function upstreamUpgradeDeno(
  request: Request,
  upstream: UpstreamRequest,
): Promise<UpgradeResult | null> {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return null;
  const protocols = (request.headers.get("sec-websocket-protocol") ?? "")
    .split(",").map((p) => p.trim()).filter((p) => p !== "");
  const server = await openUpstream(upstream, protocols);
  let accepted: { socket: WebSocket; response: Response };
  const D = (globalThis as unknown as { Deno: DenoUpgrade }).Deno;
  try {
    accepted = D.upgradeWebSocket(request);
    // Set here rather than with { protocol }: Deno checks that option against the offer split
    // at ", " only, and refuses an offer written "chat,json" (as the ws package sends it).
    if (server.protocol) accepted.response.headers.set("sec-websocket-protocol", server.protocol);
  } catch (err) {
    server.close();
    if (err instanceof TypeError) return null; // not a WebSocket handshake Deno accepts
    throw err;
  }
  relay(accepted.socket, server);
  return { switched: true, response: accepted.response };
}

/** Pass messages and the close between the client's socket and the upstream's. */
function relay(client: WebSocket, server: WebSocket): void {
  client.binaryType = "arraybuffer";
  // The client's socket opens only once the 101 is sent: hold the upstream's messages till then.
  const early: (string | ArrayBuffer)[] = [];
  let earlyClose: CloseEvent | null = null;
  server.onmessage = (event) => {
    if (client.readyState === WebSocket.OPEN) client.send(event.data);
    else if (client.readyState === WebSocket.CONNECTING) early.push(event.data);
  };
  server.onclose = (event) => {
    if (client.readyState === WebSocket.CONNECTING) earlyClose = event;
    else closeLike(client, event);
  };
  server.onerror = () => {};
  client.onopen = () => {
    for (const data of early) client.send(data);
    early.length = 0;
    if (earlyClose) closeLike(client, earlyClose);
  };
  client.onmessage = (event) => {
    if (server.readyState === WebSocket.OPEN) server.send(event.data);
  };
  client.onclose = (event) => closeLike(server, event);
  client.onerror = () => {};
}
