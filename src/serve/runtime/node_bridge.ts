/**
 * The bridge between Node's HTTP servers and fetch-style handlers: Node
 * requests (HTTP/1.1 or HTTP/2) become WHATWG `Request`s and the handler's
 * `Response`s are written back with streaming and backpressure in both
 * directions. The server itself (listening, TLS, timeouts) is
 * `node_server.ts`.
 *
 * Cheap on Node (see `node_fast.ts`): the request is lazy, a string, bytes
 * or Blob body goes out in one `writeHead` + `end`, and a file the runtime
 * opened is piped as a Node stream.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type * as http2 from "node:http2";
import type { IncomingMessage, ServerResponse } from "node:http";
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import {
  FILE_SOURCE,
  type FileSource,
  handlerResponse,
  HEAD_COUNT_LIMIT,
  isBadAuthority,
  requestPath,
} from "./common.ts";
import {
  type FastParts,
  FastResponse,
  installFastResponse,
  lazyRequest,
  type LazySignal,
  NativeResponse,
  takeFastBody,
} from "./node_fast.ts";
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
/** Methods fetch forbids (a `Request` cannot carry them). */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * The request body of a Node request as a `ReadableStream`, with
 * backpressure: the socket is paused while the stream's queue is full and
 * resumed when the reader pulls. Cancelling the stream discards the rest. A
 * client that goes away before the end errors the stream.
 *
 * @example
 * ```ts ignore
 * // Not run: it is a server.
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
 * True on Bun and Deno, whose native `Request` and `Response` are cheap: no
 * lazy request and no {@linkcode FastResponse} there.
 */
const NATIVE_FETCH = typeof (process.versions as { bun?: string }).bun === "string" ||
  typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** Throw a `TypeError` for a malformed `Host` or `:authority` header (the server answers 400). */
function checkAuthority(raw: string[]): void {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name.length !== 4 && name !== ":authority") continue;
    if (name.length === 4 && name.toLowerCase() !== "host") continue;
    if (isBadAuthority(raw[i + 1])) {
      throw new TypeError(`invalid Host or :authority header: ${JSON.stringify(raw[i + 1])}`);
    }
  }
}

/** The real `Request` of a Node request (for the lazy one: made when needed). */
function realRequest(
  req: NodeRequest,
  url: string,
  method: string,
  headers: Headers,
  signal: LazySignal,
): Request {
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (typeof signal !== "function") init.signal = signal;
  if (!EMPTY_BODY_METHODS.has(method.toUpperCase())) {
    init.body = requestBodyStream(req);
    init.duplex = "half";
  }
  return new Request(url, init);
}

/**
 * Build the fetch `Request` for a Node request. Its URL is the server's own
 * `origin` plus the request path: the `Host` header and an absolute-form
 * target (`GET http://evil.example/x`) never change it (see
 * {@linkcode requestPath}). Headers keep repeated fields and skip HTTP/2
 * pseudo-headers; methods other than GET and HEAD get a streaming body.
 * Throws a `TypeError` for a request fetch cannot represent or a malformed
 * target or `Host` (the server answers 400).
 *
 * On Node the request is lazy (see `node_fetch.ts`): method, URL and headers
 * are read on first use and the real `Request` is made only when a body or
 * another member is needed. `signal` may be a function, called on the first
 * read of `request.signal` (most handlers never look at it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toFetchRequest } from "./node_bridge.ts";
 * const req = { method: "GET", url: "/a?b", rawHeaders: ["Host", "evil.example"], httpVersionMajor: 1 };
 * // deno-lint-ignore no-explicit-any
 * const request = toFetchRequest(req as any, "https://localhost:8443", new AbortController().signal);
 * assert.equal(request.url, "https://localhost:8443/a?b");
 * assert.equal(request.headers.get("host"), "evil.example");
 * ```
 *
 * @param req the Node request
 * @param origin the server's origin, `https://host:port`
 * @param signal the abort signal, or a function making it on first use
 */
export function toFetchRequest(
  req: NodeRequest,
  origin: string,
  signal: AbortSignal | (() => AbortSignal),
): Request {
  const target = requestPath(req.url ?? "/");
  if (target === null) throw new TypeError(`invalid request target: ${JSON.stringify(req.url)}`);
  checkAuthority(req.rawHeaders);
  const method = req.method ?? "GET";
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
    // Refused by fetch's Request on Node and Deno; Bun's accepts them: the same on every runtime.
    throw new TypeError(`the ${method} method is not supported`);
  }
  const hasBody = !EMPTY_BODY_METHODS.has(method.toUpperCase());
  if (!NATIVE_FETCH) return lazyRequest(req, origin, target, hasBody, signal, realRequest);
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].charCodeAt(0) !== 58 /* ":" */) headers.append(raw[i], raw[i + 1]);
  }
  const request = realRequest(req, new URL(origin + target).href, method, headers, signal);
  if (typeof signal === "function") {
    Object.defineProperty(request, "signal", { get: signal, configurable: true });
  }
  return request;
}

/** A listener that ignores its event (errors of a request the client gave up on). */
function ignore(): void {}

/** True for statuses that never carry a body. */
function isNullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304 || (status >= 100 && status < 200);
}

type NodeHeaders = Record<string, string | string[]>;

function responseHeaders(headers: Headers, http1: boolean): NodeHeaders {
  const out: NodeHeaders = {};
  let hasCookies = false;
  for (const [name, value] of headers) {
    if (name === "set-cookie") {
      hasCookies = true;
      continue;
    }
    if (!http1 && CONNECTION_HEADERS.has(name)) continue;
    out[name] = value;
  }
  if (hasCookies) out["set-cookie"] = headers.getSetCookie();
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
 * // Not run: it is a server.
 * import { createServer } from "node:http";
 * import { writeFetchResponse } from "./node_bridge.ts";
 * createServer((req, res) => {
 *   writeFetchResponse(req, res, new Response("hello", { headers: { "content-type": "text/plain" } }));
 * });
 * ```
 */
export function writeFetchResponse(
  req: NodeRequest,
  res: NodeResponse,
  response: Response,
): Promise<void> {
  try {
    return sendResponse(req, res, response) ?? Promise.resolve();
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Send a response; returns a promise only when the sending goes on after
 * this call (a Blob to read, a file or a stream to copy).
 */
function sendResponse(
  req: NodeRequest,
  res: NodeResponse,
  response: Response,
): Promise<void> | undefined {
  const http1 = req.httpVersionMajor < 2;
  const fast = takeFastBody(response);
  if (fast !== undefined) return sendFast(req, res, http1, fast);
  const status = response.status;
  const headers = responseHeaders(response.headers, http1);
  const body = response.body;
  if (body === null) {
    if (isClosed(res)) return;
    if (!isNullBodyStatus(status) && !("content-length" in headers)) {
      headers["content-length"] = "0";
    }
    writeHead(res, status, response.statusText, headers, http1);
    res.end();
    return;
  }
  if (req.method !== "HEAD" && !isNullBodyStatus(status) && !body.locked) {
    const source = (body as { [FILE_SOURCE]?: FileSource })[FILE_SOURCE];
    const file = source?.take() as Readable | null | undefined;
    if (file) return sendFile(res, http1, status, response.statusText, headers, file);
  }
  return sendStream(req, res, http1, status, response.statusText, headers, body);
}

/** Send a string, bytes or Blob body (or none) with its length in one `writeHead` + `end`. */
function sendFast(
  req: NodeRequest,
  res: NodeResponse,
  http1: boolean,
  fast: FastParts,
): Promise<void> | undefined {
  const headers: NodeHeaders = fast.headers === null
    ? (fast.type === "" ? {} : { "content-type": fast.type })
    : responseHeaders(fast.headers, http1);
  const body = fast.body;
  if (body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) {
    return body.arrayBuffer().then((buffer) =>
      endFast(req, res, http1, fast, headers, new Uint8Array(buffer))
    );
  }
  endFast(req, res, http1, fast, headers, body);
}

function endFast(
  req: NodeRequest,
  res: NodeResponse,
  http1: boolean,
  fast: FastParts,
  headers: NodeHeaders,
  body: string | Uint8Array | null,
): void {
  if (isClosed(res)) return;
  if (body === null) {
    if (!isNullBodyStatus(fast.status) && !("content-length" in headers)) {
      headers["content-length"] = "0";
    }
    writeHead(res, fast.status, fast.statusText, headers, http1);
    res.end();
    return;
  }
  if (!("content-length" in headers)) {
    headers["content-length"] = String(
      typeof body === "string" ? Buffer.byteLength(body) : body.byteLength,
    );
  }
  writeHead(res, fast.status, fast.statusText, headers, http1);
  if (req.method === "HEAD") res.end();
  else (res as ServerResponse).end(body);
}

/** Send a file the runtime opened, as a Node stream piped into the response (backpressure included). */
function sendFile(
  res: NodeResponse,
  http1: boolean,
  status: number,
  statusText: string,
  headers: NodeHeaders,
  file: Readable,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (isClosed(res)) {
      file.destroy();
      resolve();
      return;
    }
    let settled = false;
    const onClose = () => {
      file.destroy();
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    res.once("close", onClose);
    file.once("error", (err) => {
      res.off("close", onClose);
      settled = true;
      reject(err);
    });
    file.once("end", () => {
      res.off("close", onClose);
      settled = true;
      resolve();
    });
    writeHead(res, status, statusText, headers, http1);
    file.pipe(res as unknown as Writable);
  });
}

/** Send a body stream chunk by chunk, waiting for 'drain' when the socket is full. */
async function sendStream(
  req: NodeRequest,
  res: NodeResponse,
  http1: boolean,
  status: number,
  statusText: string,
  headers: NodeHeaders,
  body: ReadableStream<Uint8Array>,
): Promise<void> {
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
    if (isNullBodyStatus(status) || gone) {
      body.cancel().catch(() => {});
      if (gone) return;
      writeHead(res, status, statusText, headers, http1);
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
      writeHead(res, status, statusText, headers, http1);
      res.end();
      return;
    }

    const first = await reader.read();
    if (gone) return;
    if (first.done) {
      if (!("content-length" in headers)) headers["content-length"] = "0";
      writeHead(res, status, statusText, headers, http1);
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
        writeHead(res, status, statusText, headers, http1);
        res.end(chunk);
        return;
      }
    }
    writeHead(res, status, statusText, headers, http1);
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

function internalError(): Response {
  // A Response by prototype; cast, since its type lacks members some `Response` types declare
  // (e.g. Deno's unstable `textStream`).
  return new FastResponse("Internal Server Error", {
    status: 500,
    headers: { "content-type": "text/plain;charset=UTF-8" },
  }) as unknown as Response;
}

/**
 * Make `globalThis.Response` a {@linkcode FastResponse} on Node (idempotent),
 * so `new Response(…)` in handlers keeps its body cheap; nothing on Bun,
 * whose fetch objects are native and cheap. The Node server calls it unless
 * its `fastResponse` option is false.
 *
 * @example
 * ```ts ignore
 * // Not run: it replaces globalThis.Response for the rest of the process.
 * import { useFastResponse } from "./node_bridge.ts";
 * useFastResponse();
 * ```
 */
export function useFastResponse(): void {
  if (!NATIVE_FETCH) installFastResponse();
}

/**
 * Answer one Node request with a fetch-style handler: build the `Request`
 * (a `400` when fetch cannot represent it, or for a malformed target or
 * `Host`), call the handler, write its `Response`. The request's URL is
 * `origin` plus its path. `request.signal` aborts when the client goes
 * away. Errors thrown by the handler become a `500` and are reported once to
 * `report`. The server around it (`node_server.ts`) owns connections,
 * timeouts and shutdown. A {@linkcode FastResponse} (see `node_fast.ts`)
 * goes out in one write; so does every `new Response(…)` once
 * {@linkcode useFastResponse} made it one.
 *
 * @example
 * ```ts ignore
 * // Not run: it is a server.
 * import { createServer } from "node:http";
 * import { handleNodeRequest } from "./node_bridge.ts";
 * createServer((req, res) => {
 *   const info = { remoteAddr: { hostname: req.socket.remoteAddress ?? "", port: req.socket.remotePort ?? 0 } };
 *   handleNodeRequest(() => new Response("hi"), req, res, "https://localhost:8080", info, console.error);
 * });
 * ```
 *
 * @param handler the fetch-style handler
 * @param req the Node request
 * @param res the Node response
 * @param origin the server's origin, `https://host:port`
 * @param info the connection info handed to the handler
 * @param report where handler and body errors are reported
 */
export function handleNodeRequest(
  handler: Handler,
  req: NodeRequest,
  res: NodeResponse,
  origin: string,
  info: ServeHandlerInfo,
  report: (error: unknown) => void,
): void {
  const http1 = req.httpVersionMajor < 2;
  // The abort signal (and the 'close' listener that aborts it) is made only when the handler
  // asks for it (see toFetchRequest): most handlers never do.
  let controller: AbortController | undefined;
  const signal = () => {
    if (!controller) {
      const made = new AbortController();
      controller = made;
      const abortIfGone = () => {
        if (clientWentAway(res, http1)) {
          made.abort(new Error("the client closed the connection"));
        }
      };
      if (isClosed(res)) abortIfGone();
      else res.on("close", abortIfGone);
    }
    return controller.signal;
  };
  req.on("error", ignore);
  res.on("error", ignore);

  let request: Request;
  try {
    request = toFetchRequest(req, origin, signal);
  } catch {
    writeHead(res, 400, "", { "content-type": "text/plain;charset=UTF-8" }, http1);
    res.end("Bad Request");
    return;
  }
  respond(handler, request, info, req, res, report);
}

/** Call the handler and send its response; a handler that answers at once costs no promise. */
function respond(
  handler: Handler,
  request: Request,
  info: ServeHandlerInfo,
  req: NodeRequest,
  res: NodeResponse,
  report: (error: unknown) => void,
): void {
  let result: Response | Promise<Response>;
  try {
    result = handler(request, info);
  } catch (err) {
    report(err);
    send(internalError(), req, res, report);
    return;
  }
  if (result instanceof NativeResponse) {
    send(result, req, res, report);
    return;
  }
  // Anything else (a promise, or not a Response at all): the common checks and 500.
  handlerResponse(() => result, request, info, report).then((response) =>
    send(response, req, res, report)
  );
}

function send(
  response: Response,
  req: NodeRequest,
  res: NodeResponse,
  report: (error: unknown) => void,
): void {
  let pending: Promise<void> | undefined;
  try {
    pending = sendResponse(req, res, response);
  } catch (err) {
    writeFailed(err, req, res, report);
    return;
  }
  pending?.catch((err) => writeFailed(err, req, res, report));
}

/** A body that failed: a 500 when nothing was sent yet, else the response is cut. */
function writeFailed(
  err: unknown,
  req: NodeRequest,
  res: NodeResponse,
  report: (error: unknown) => void,
): void {
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
