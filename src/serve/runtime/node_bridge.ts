/**
 * The bridge between Node's HTTP servers and fetch-style handlers: Node
 * requests (HTTP/1.1 or HTTP/2) become WHATWG `Request`s and the handler's
 * `Response`s are written back with streaming and backpressure in both
 * directions. The server itself (listening, TLS, timeouts) is
 * `node_server.ts`.
 *
 * @module
 */

import type * as http2 from "node:http2";
import type { IncomingMessage, ServerResponse } from "node:http";
import { handlerResponse, HEAD_COUNT_LIMIT } from "./common.ts";
import { drained, readableBody } from "./node_streams.ts";
import type { Handler, ServeHandlerInfo } from "./types.ts";

/** A Node request of either protocol (HTTP/1.1 via the compat layer of the HTTP/2 server, or HTTP/2). */
export type NodeRequest = IncomingMessage | http2.Http2ServerRequest;
/** A Node response of either protocol. */
export type NodeResponse = ServerResponse | http2.Http2ServerResponse;

/** Headers that HTTP/2 forbids (RFC 9113 8.2.2); dropped from responses sent over HTTP/2. */
const CONNECTION_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

/** Request bodies are buffered up to this many bytes before the socket is paused. */
const REQUEST_BODY_HIGH_WATER = 64 * 1024;

const EMPTY_BODY_METHODS = new Set(["GET", "HEAD"]);

/**
 * The request body of a Node request as a `ReadableStream`, with
 * backpressure: the socket is paused while the stream's queue is full and
 * resumed when the reader pulls. Cancelling the stream discards the rest. A
 * client that goes away before the end errors the stream.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "node:http";
 * import { requestBodyStream } from "./node_bridge.ts";
 * createServer(async (req, res) => {
 *   const text = await new Response(requestBodyStream(req)).text();
 *   res.end(`got ${text.length} characters`);
 * });
 * ```
 */
export function requestBodyStream(req: NodeRequest): ReadableStream<Uint8Array> {
  return readableBody(req, {
    highWaterMark: REQUEST_BODY_HIGH_WATER,
    closedEarly: "the client closed the connection before the request body ended",
    // Discard the rest of the body so the connection can be reused.
    cancel: () => req.resume(),
  });
}

/**
 * Build the fetch `Request` for a Node request: `https://` URL from the
 * `:authority` or `Host` header (else `fallbackAuthority`) and the path,
 * method, headers (repeated ones kept, HTTP/2 pseudo-headers skipped), a
 * streaming body for methods other than GET and HEAD, and `signal`.
 * Throws a `TypeError` for a request fetch cannot represent (bad URL or method).
 *
 * `signal` may be a function: the request's `signal` property then calls it on
 * first use. Making a `Request` follow a signal costs more than the rest of
 * the request on Node 20, and most handlers never look at it. (Such a lazy
 * signal is seen by `request.signal` only, not by `fetch(request)`.)
 *
 * @example
 * ```ts ignore
 * import { createServer } from "node:http";
 * import { toFetchRequest } from "./node_bridge.ts";
 * createServer((req, res) => {
 *   const request = toFetchRequest(req, "localhost:8443", new AbortController().signal);
 *   res.end(request.url);
 * });
 * ```
 */
export function toFetchRequest(
  req: NodeRequest,
  fallbackAuthority: string,
  signal: AbortSignal | (() => AbortSignal),
): Request {
  const h = req.headers;
  const authority = (h[":authority"] as string | undefined) ?? h.host ?? fallbackAuthority;
  if (/[/\\?#@\s]/.test(authority)) {
    // "Host: a/b" would move into the path (and "user@host" into the userinfo) of request.url.
    throw new TypeError(`invalid Host or :authority header: ${JSON.stringify(authority)}`);
  }
  const path = req.url ?? "/";
  const url = path.startsWith("/") ? `https://${authority}${path}` : path;
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name.charCodeAt(0) === 58 /* ":" */) continue;
    headers.append(name, raw[i + 1]);
  }
  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (typeof signal !== "function") init.signal = signal;
  if (!EMPTY_BODY_METHODS.has(method.toUpperCase())) {
    init.body = requestBodyStream(req);
    init.duplex = "half";
  }
  const request = new Request(url, init);
  if (typeof signal === "function") {
    Object.defineProperty(request, "signal", {
      get: signal,
      configurable: true,
      enumerable: false,
    });
  }
  return request;
}

/** True for statuses that never carry a body. */
function isNullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304 || (status >= 100 && status < 200);
}

type NodeHeaders = Record<string, string | string[]>;

function responseHeaders(response: Response, http1: boolean): NodeHeaders {
  const out: NodeHeaders = {};
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    if (!http1 && CONNECTION_HEADERS.has(name)) continue;
    out[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}

function writeHead(
  res: NodeResponse,
  status: number,
  statusText: string,
  headers: NodeHeaders,
  http1: boolean,
): void {
  if (http1 && statusText !== "") {
    (res as ServerResponse).writeHead(status, statusText, headers);
  } else {
    (res as ServerResponse).writeHead(status, headers);
  }
}

/** True when the response can no longer be written (the client went away or it was destroyed). */
function isClosed(res: NodeResponse): boolean {
  if ("stream" in res) {
    const stream = res.stream as http2.ServerHttp2Stream | undefined;
    return stream === undefined || stream === null || stream.destroyed || stream.closed;
  }
  return res.destroyed;
}

/** On 'close': true when the response did not complete (HTTP/2 reports 'finish' even for a reset stream). */
function clientWentAway(res: NodeResponse, http1: boolean): boolean {
  if (http1) return !res.writableFinished;
  const stream = (res as http2.Http2ServerResponse).stream as http2.ServerHttp2Stream | undefined;
  return !res.writableEnded || (stream?.rstCode ?? 0) !== 0;
}

const NOT_YET = Symbol("not yet");

/** One macrotask: long enough for an in-memory body to report its end. */
function nextTurn(): Promise<typeof NOT_YET> {
  return new Promise((resolve) => setImmediate(resolve, NOT_YET));
}

function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError(
    "the response body stream produced a chunk that is not a Uint8Array; encode text with TextEncoderStream.",
  );
}

/**
 * Write a fetch `Response` to a Node response: status, status text
 * (HTTP/1 only), headers including several `Set-Cookie`, and the body
 * streamed with backpressure. A HEAD request gets the headers and a correct
 * `Content-Length` but no body. When the client goes away the body stream
 * is cancelled. Resolves when done; rejects only with an error of the body
 * stream (the response is then destroyed).
 *
 * @example
 * ```ts ignore
 * import { createServer } from "node:http";
 * import { writeFetchResponse } from "./node_bridge.ts";
 * createServer((req, res) => {
 *   writeFetchResponse(req, res, new Response("hello", { headers: { "content-type": "text/plain" } }));
 * });
 * ```
 */
export async function writeFetchResponse(
  req: NodeRequest,
  res: NodeResponse,
  response: Response,
): Promise<void> {
  const http1 = req.httpVersionMajor < 2;
  const status = response.status;
  const headers = responseHeaders(response, http1);
  const body = response.body;
  // 'close' before the end means the client went away (Http2ServerResponse has no `destroyed`).
  let gone = isClosed(res);
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let done = false;
  const onClose = () => {
    if (done) return;
    gone = true;
    reader?.cancel().catch(() => {});
  };
  res.once("close", onClose);
  try {
    if (body === null || isNullBodyStatus(status) || gone) {
      if (body !== null) body.cancel().catch(() => {});
      if (gone) return;
      if (body === null && !isNullBodyStatus(status) && !("content-length" in headers)) {
        headers["content-length"] = "0";
      }
      writeHead(res, status, response.statusText, headers, http1);
      res.end();
      return;
    }

    reader = body.getReader();
    if (req.method === "HEAD") {
      if (!("content-length" in headers)) {
        let length = 0;
        for (;;) {
          const r = await reader.read();
          if (r.done) break;
          length += bytesOf(r.value).byteLength;
          if (length > HEAD_COUNT_LIMIT) break;
        }
        if (length <= HEAD_COUNT_LIMIT) headers["content-length"] = String(length);
      }
      reader.cancel().catch(() => {});
      if (gone) return;
      writeHead(res, status, response.statusText, headers, http1);
      res.end();
      return;
    }

    const first = await reader.read();
    if (gone) return;
    if (first.done) {
      if (!("content-length" in headers)) headers["content-length"] = "0";
      writeHead(res, status, response.statusText, headers, http1);
      res.end();
      return;
    }
    let chunk = bytesOf(first.value);
    let next: Promise<ReadableStreamReadResult<Uint8Array>> = reader.read();
    if (!("content-length" in headers)) {
      // An in-memory body (string, bytes) ends right after its one chunk: send it with a length.
      const soon = await Promise.race([next, nextTurn()]);
      if (gone) return;
      if (soon !== NOT_YET && soon.done) {
        headers["content-length"] = String(chunk.byteLength);
        writeHead(res, status, response.statusText, headers, http1);
        res.end(chunk);
        return;
      }
    }
    writeHead(res, status, response.statusText, headers, http1);
    for (;;) {
      if (!(res as ServerResponse).write(chunk) && !gone) {
        if (!(await drained(res))) return;
      }
      const r = await next;
      if (r.done || gone) break;
      chunk = bytesOf(r.value);
      next = reader.read();
    }
    if (!gone) res.end();
  } finally {
    done = true;
    res.off("close", onClose);
    if (gone && reader) reader.cancel().catch(() => {});
  }
}

/**
 * Answer one Node request with a fetch-style handler: build the `Request`
 * (a `400` when fetch cannot represent it), call the handler, write its
 * `Response`. `request.signal` aborts when the client goes away. Errors
 * thrown by the handler become a `500` and are reported once to `report`.
 * The server around it (`node_server.ts`) owns connections, timeouts and
 * shutdown.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "node:http";
 * import { handleNodeRequest } from "./node_bridge.ts";
 * createServer((req, res) => {
 *   const info = { remoteAddr: { hostname: req.socket.remoteAddress ?? "", port: req.socket.remotePort ?? 0 } };
 *   handleNodeRequest(() => new Response("hi"), req, res, "localhost:8080", info, console.error);
 * });
 * ```
 */
export function handleNodeRequest(
  handler: Handler,
  req: NodeRequest,
  res: NodeResponse,
  fallbackAuthority: string,
  info: ServeHandlerInfo,
  report: (error: unknown) => void,
): void {
  const http1 = req.httpVersionMajor < 2;
  // The abort signal is made only when the handler asks for it (see toFetchRequest).
  let controller: AbortController | undefined;
  let wentAway = false;
  const signal = () => {
    if (!controller) {
      controller = new AbortController();
      if (wentAway) controller.abort(new Error("the client closed the connection"));
    }
    return controller.signal;
  };
  res.once("close", () => {
    if (clientWentAway(res, http1)) {
      wentAway = true;
      controller?.abort(new Error("the client closed the connection"));
    }
  });
  req.on("error", () => {});
  res.on("error", () => {});

  let request: Request;
  try {
    request = toFetchRequest(req, fallbackAuthority, signal);
  } catch {
    writeHead(res, 400, "", { "content-type": "text/plain;charset=UTF-8" }, http1);
    res.end("Bad Request");
    return;
  }
  respond(handler, request, info, req, res, report);
}

async function respond(
  handler: Handler,
  request: Request,
  info: ServeHandlerInfo,
  req: NodeRequest,
  res: NodeResponse,
  report: (error: unknown) => void,
): Promise<void> {
  const response = await handlerResponse(handler, request, info, report);
  try {
    await writeFetchResponse(req, res, response);
  } catch (err) {
    if (!res.headersSent && !isClosed(res)) {
      report(err);
      try {
        writeHead(
          res,
          500,
          "",
          { "content-type": "text/plain;charset=UTF-8" },
          req.httpVersionMajor < 2,
        );
        res.end("Internal Server Error");
        return;
      } catch {
        // fall through to destroy
      }
    } else if (!isClosed(res)) {
      report(err);
    }
    res.destroy();
  }
}
