/**
 * The reverse proxy's client side: requests to an upstream HTTP/1.1 server
 * with `node:http`, on Node, Bun and Deno alike. Not `fetch`, because fetch
 * replaces the `Host` header (on every runtime), decodes compressed bodies
 * and, on Node, costs three times as much per request as `node:http`.
 *
 * @module
 */

import * as http from "node:http";
import type { Socket } from "node:net";
import { TlsmithError } from "../../errors.ts";
import type { UpstreamRequest } from "./types.ts";
import { drained, readableBody } from "./node_streams.ts";

/** Response bodies are buffered up to this many bytes before the upstream socket is paused. */
const BODY_HIGH_WATER = 64 * 1024;

/** Idle keep-alive connections to upstream servers, shared by every proxy in the process. */
let pool: http.Agent | undefined;

function agent(): http.Agent {
  // Idle pooled sockets are unref'd by the agent: they never keep the process alive.
  return pool ??= new http.Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: "lifo" });
}

/** `origin` of an upstream URL for messages, e.g. `http://localhost:5173`. */
function originOf(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/**
 * The error for an upstream that cannot be reached or broke before answering,
 * with what to do about it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unreachableError } from "./upstream.ts";
 * const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
 * const err = unreachableError("http://localhost:5173/app", refused);
 * assert.equal(err.code, "UPSTREAM_UNREACHABLE");
 * assert.match(err.message, /^cannot reach http:\/\/localhost:5173: connection refused/);
 * ```
 *
 * @param url the upstream URL
 * @param err the runtime's error
 */
export function unreachableError(url: string, err: unknown): TlsmithError {
  const origin = URL.canParse(url) ? originOf(new URL(url)) : url;
  const code = (err as { code?: string } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const why = code === "ECONNREFUSED"
    ? "connection refused: nothing listens there. Start your server, or point the proxy at the port it listens on"
    : code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME"
    ? `the host name does not resolve (${message}). Check the upstream URL`
    : code === "ECONNRESET" || /socket hang up/i.test(message)
    ? "the server closed the connection before it answered. Check its log"
    : code === "ETIMEDOUT"
    ? "the connection timed out. Check that the server runs on this machine"
    : `${message}. Check that the server runs and speaks plain HTTP (not HTTPS)`;
  return new TlsmithError("UPSTREAM_UNREACHABLE", `cannot reach ${origin}: ${why}.`, {
    cause: err,
  });
}

/** The header lines as `node:http` takes them: repeated names as arrays. */
function nodeHeaders(lines: [string, string][]): http.OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of lines) {
    const key = name.toLowerCase();
    const had = out[key];
    if (had === undefined) out[key] = value;
    else if (Array.isArray(had)) had.push(value);
    else out[key] = [had, value];
  }
  return out;
}

/** `node:http` request options for `upstream` (host without brackets, the path and query). */
function requestOptions(
  upstream: UpstreamRequest,
  extra: http.OutgoingHttpHeaders = {},
): http.RequestOptions {
  const url = new URL(upstream.url);
  if (url.protocol !== "http:") {
    throw new TlsmithError(
      "BAD_OPTION",
      `upstream URL ${upstream.url}: only http: is supported; the proxy adds the TLS.`,
    );
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? 80 : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: upstream.method,
    headers: { ...nodeHeaders(upstream.headers), ...extra },
  };
}

/** Stream `body` into `req` with backpressure, then end it; a failing body destroys the request. */
async function sendBody(body: ReadableStream<Uint8Array>, req: http.ClientRequest): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      if (req.destroyed) return;
      if (!req.write(r.value) && !(await drained(req))) return;
    }
    req.end();
  } catch (err) {
    req.destroy(err instanceof Error ? err : new Error(String(err)));
  } finally {
    if (req.destroyed) reader.cancel().catch(() => {});
  }
}

/**
 * The body of an upstream response as a `ReadableStream`, with backpressure
 * (the socket pauses while the queue is full). Cancelling it (the client went
 * away) closes the upstream connection, so an endless stream (Server-Sent
 * Events) stops too.
 */
function responseBody(res: http.IncomingMessage): ReadableStream<Uint8Array> {
  return readableBody(res, {
    highWaterMark: BODY_HIGH_WATER,
    closedEarly: "the upstream server closed the connection mid-body",
    cancel: () => res.destroy(),
  });
}

/** Statuses whose responses never have a body. */
function isNullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304;
}

/**
 * A fetch `Response` for an upstream response: status, status text, header
 * lines (repeated ones kept; a line fetch cannot represent is left out) and
 * the streamed body (none for HEAD, 204, 205 and 304).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer, get, type IncomingMessage } from "node:http";
 * import type { AddressInfo } from "node:net";
 * import { toResponse } from "./upstream.ts";
 * const upstream = createServer((_req, res) => {
 *   res.setHeader("set-cookie", ["a=1", "b=2"]);
 *   res.end("hello");
 * });
 * await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
 * const { port } = upstream.address() as AddressInfo;
 * const res = await new Promise<IncomingMessage>((resolve) => {
 *   get(`http://127.0.0.1:${port}/`, resolve);
 * });
 * const response = toResponse(res, "GET");
 * assert.deepEqual(response.headers.getSetCookie(), ["a=1", "b=2"]); // both kept
 * assert.equal(await response.text(), "hello"); // streamed from the upstream
 * await new Promise((resolve) => upstream.close(resolve));
 * ```
 *
 * @param res the upstream response
 * @param method the request's method
 */
export function toResponse(res: http.IncomingMessage, method: string): Response {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 599) {
    res.destroy();
    throw new TlsmithError(
      "UPSTREAM_UNREACHABLE",
      `the upstream server answered with status ${status}, which cannot be passed on here. Check its log.`,
    );
  }
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i], raw[i + 1]);
    } catch {
      // A header line fetch rejects (bad name or value): left out.
    }
  }
  const empty = method === "HEAD" || isNullBodyStatus(status);
  if (empty) res.resume();
  const init: ResponseInit = { status, headers };
  if (/^[\t\x20-\x7e\x80-\xff]*$/.test(res.statusMessage ?? "")) {
    init.statusText = res.statusMessage;
  }
  return new Response(empty ? null : responseBody(res), init);
}

/** Abort `req` when `signal` fires; returns a function that stops listening. */
function followSignal(req: http.ClientRequest, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => {};
  const onAbort = () => req.destroy(new Error("the client went away"));
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

/**
 * Send `upstream` over a pooled keep-alive connection and resolve with the
 * answer (see {@linkcode Runtime.upstreamFetch}). A request without a body
 * that fails on a reused idle connection (the server closed it just then)
 * is sent once more on a new one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import type { AddressInfo } from "node:net";
 * import { upstreamFetch } from "./upstream.ts";
 * const upstream = createServer((req, res) => {
 *   res.end(`${req.method} ${req.url} ${req.headers.host}`);
 * });
 * await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
 * const { port } = upstream.address() as AddressInfo;
 * const response = await upstreamFetch({
 *   url: `http://127.0.0.1:${port}/app?x=1`,
 *   method: "GET",
 *   headers: [["host", "localhost:8443"]], // the client's Host, kept (fetch would replace it)
 *   body: null,
 * });
 * assert.equal(await response.text(), "GET /app?x=1 localhost:8443");
 * await new Promise((resolve) => upstream.close(resolve));
 * const again = { url: `http://127.0.0.1:${port}/`, method: "GET", headers: [], body: null };
 * await assert.rejects(upstreamFetch(again), { code: "UPSTREAM_UNREACHABLE" }); // nobody listens
 * ```
 *
 * @param upstream the request to send
 */
export function upstreamFetch(upstream: UpstreamRequest): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const attempt = (retry: boolean) => {
      let req: http.ClientRequest;
      try {
        req = http.request({ ...requestOptions(upstream), agent: agent() });
      } catch (err) {
        reject(err instanceof TlsmithError ? err : unreachableError(upstream.url, err));
        return;
      }
      const unfollow = followSignal(req, upstream.signal);
      let answered = false;
      req.on("response", (res) => {
        answered = true;
        res.once("close", unfollow);
        try {
          resolve(toResponse(res, upstream.method));
        } catch (err) {
          reject(err);
        }
      });
      req.on("error", (err: Error & { code?: string }) => {
        if (answered) return; // the body stream reports it
        unfollow();
        if (
          retry && req.reusedSocket && upstream.body === null && !upstream.signal?.aborted &&
          (err.code === "ECONNRESET" || err.code === "EPIPE")
        ) {
          attempt(false);
          return;
        }
        reject(unreachableError(upstream.url, err));
      });
      if (upstream.body === null) req.end();
      else void sendBody(upstream.body, req);
    };
    attempt(true);
  });
}

/** The outcome of {@linkcode upstreamUpgradeRequest}. */
export type UpgradeOutcome =
  | {
    /** The upstream switched protocols. */
    upgraded: true;
    /** Its `101` response (status line and header lines). */
    res: http.IncomingMessage;
    /** The raw connection to the upstream, now speaking the new protocol. */
    socket: Socket;
    /** Bytes of the new protocol the upstream already sent after its 101. */
    head: Uint8Array;
  }
  | {
    /** The upstream answered without switching (e.g. 400 or 403). */
    upgraded: false;
    /** Its answer. */
    response: Response;
  };

/**
 * Send an upgrade request (`Connection: Upgrade`, `Upgrade: <protocol>`) to
 * the upstream on a connection of its own and resolve with the switched
 * connection, or with the upstream's ordinary answer when it does not switch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { once } from "node:events";
 * import { createServer } from "node:http";
 * import type { AddressInfo, Socket } from "node:net";
 * import { upstreamUpgradeRequest } from "./upstream.ts";
 * // An upstream that switches to an "echo" protocol: it sends back what it gets.
 * const upstream = createServer((_req, res) => res.writeHead(426).end());
 * upstream.on("upgrade", (_req, socket: Socket) => {
 *   socket.write("HTTP/1.1 101 Switching Protocols\r\n");
 *   socket.write("Connection: Upgrade\r\nUpgrade: echo\r\n\r\n");
 *   socket.pipe(socket);
 * });
 * await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
 * const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
 * const headers: [string, string][] = [["host", "localhost:8443"]];
 * const upstreamRequest = { url, method: "GET", headers, body: null };
 * const outcome = await upstreamUpgradeRequest(upstreamRequest, "echo");
 * assert.ok(outcome.upgraded); // the proxy now joins outcome.socket to the client's connection
 * outcome.socket.write("ping");
 * const [echoed] = await once(outcome.socket, "data");
 * assert.equal(String(echoed), "ping");
 * outcome.socket.destroy();
 * await new Promise((resolve) => upstream.close(resolve));
 * ```
 *
 * @param upstream the request (its hop-by-hop headers already removed)
 * @param protocol the `Upgrade` header's value
 */
export function upstreamUpgradeRequest(
  upstream: UpstreamRequest,
  protocol: string,
): Promise<UpgradeOutcome> {
  return new Promise<UpgradeOutcome>((resolve, reject) => {
    let req: http.ClientRequest;
    try {
      req = http.request({
        ...requestOptions(upstream, { connection: "Upgrade", upgrade: protocol }),
        agent: false,
      });
    } catch (err) {
      reject(err instanceof TlsmithError ? err : unreachableError(upstream.url, err));
      return;
    }
    const unfollow = followSignal(req, upstream.signal);
    let answered = false;
    req.on("upgrade", (res, socket: Socket, head: Uint8Array) => {
      answered = true;
      unfollow();
      resolve({ upgraded: true, res, socket, head });
    });
    req.on("response", (res) => {
      answered = true;
      res.once("close", unfollow);
      try {
        resolve({ upgraded: false, response: toResponse(res, upstream.method) });
      } catch (err) {
        reject(err);
      }
    });
    req.on("error", (err) => {
      if (answered) return;
      unfollow();
      reject(unreachableError(upstream.url, err));
    });
    req.end();
  });
}
