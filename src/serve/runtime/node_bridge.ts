/**
 * The bridge between Node's HTTP servers and fetch-style handlers: an
 * `node:http2` secure server that also speaks HTTP/1.1 (ALPN), whose
 * requests become WHATWG `Request`s and whose handler `Response`s are written
 * back with streaming and backpressure in both directions. Node and Bun; Deno
 * serves with `Deno.serve` (see `deno.ts`) and uses this bridge only for mutual
 * TLS, which `Deno.serve` cannot ask for.
 *
 * @module
 */

import * as http2 from "node:http2";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { TlsmithError } from "../../errors.ts";
import { encodePem } from "../../pem.ts";
import { errorReporter, HEAD_COUNT_LIMIT, keyMismatchError } from "./common.ts";
import type {
  Handler,
  RuntimeServeOptions,
  ServeHandlerInfo,
  ServerAddr,
  ServerHandle,
} from "./types.ts";

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
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Uint8Array) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) req.pause();
      });
      req.on("end", () => {
        if (done) return;
        done = true;
        controller.close();
      });
      req.on("error", (err: Error) => {
        if (done) return;
        done = true;
        controller.error(err);
      });
      req.on("close", () => {
        if (done) return;
        done = true;
        controller.error(
          new Error("the client closed the connection before the request body ended"),
        );
      });
    },
    pull() {
      req.resume();
    },
    cancel() {
      done = true;
      // Discard the rest of the body so the connection can be reused.
      req.resume();
    },
  }, { highWaterMark: REQUEST_BODY_HIGH_WATER, size: (chunk) => chunk.byteLength });
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

/** Resolves true on 'drain', false when the response closes first. */
function drained(res: NodeResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = () => {
      res.off("close", onClose);
      resolve(true);
    };
    const onClose = () => {
      res.off("drain", onDrain);
      resolve(false);
    };
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
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

function tlsError(err: unknown): TlsmithError {
  const message = err instanceof Error ? err.message : String(err);
  if (/key values mismatch/i.test(message)) {
    return keyMismatchError(message, err);
  }
  return new TlsmithError(
    "SERVE_FAILED",
    `the TLS library rejected the certificate or key: ${message}. Check that both are PEM and the key is not encrypted.`,
    { cause: err },
  );
}

function listenError(err: unknown, hostname: string, port: number): TlsmithError {
  const code = (err as { code?: string }).code;
  const where = `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  const hint = code === "EADDRINUSE"
    ? "the port is in use; stop the other server or pick another port (0 picks a free one)"
    : code === "EACCES"
    ? "permission denied; ports below 1024 need privileges, use a port above 1024"
    : code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN"
    ? "this machine has no such address; use 127.0.0.1, ::1, localhost or 0.0.0.0"
    : "check the hostname and port";
  return new TlsmithError(
    "SERVE_FAILED",
    `cannot listen on ${where}: ${(err as Error).message ?? err} (${hint}).`,
    { cause: err },
  );
}

/** The client certificate of a mutual-TLS connection, in PEM (undefined when none is known). */
function peerCertificatePem(socket: Socket): string | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate !== "function") return undefined;
  try {
    const raw = tls.getPeerCertificate().raw;
    return raw?.length ? encodePem("CERTIFICATE", new Uint8Array(raw)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serve HTTPS on Node (or Bun) with a fetch-style handler: an HTTP/2 secure
 * server with HTTP/1.1 fallback chosen by ALPN. Errors thrown by the handler
 * become a 500 response and are reported once to `onError` (or standard error).
 * `shutdown()` stops accepting, lets in-flight requests finish, closes idle
 * keep-alive connections and HTTP/2 sessions, and resolves when all is closed.
 *
 * @example
 * ```ts ignore
 * import { serveNode } from "./node_bridge.ts";
 * const server = await serveNode(() => new Response("hi"), {
 *   hostname: "127.0.0.1", port: 0, cert: "-----BEGIN CERTIFICATE-----…", key: "-----BEGIN PRIVATE KEY-----…",
 * });
 * await server.shutdown();
 * ```
 */
export function serveNode(handler: Handler, options: RuntimeServeOptions): Promise<ServerHandle> {
  let server: http2.Http2SecureServer;
  try {
    server = http2.createSecureServer({
      cert: options.cert,
      key: options.key,
      allowHTTP1: true,
      ...(options.clientCa?.length
        ? { ca: [...options.clientCa], requestCert: true, rejectUnauthorized: true }
        : {}),
      // A test fixture's RSA-1024 key or SHA-1 signature: OpenSSL's level 1 refuses to load it.
      ...(options.weakCertificate ? { ciphers: "DEFAULT@SECLEVEL=0" } : {}),
    });
  } catch (err) {
    return Promise.reject(tlsError(err));
  }

  const report = errorReporter(options.onError);

  const sockets = new Set<Socket>();
  const tlsSockets = new Set<TLSSocket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const activeOnSocket = new Map<Socket, number>();
  let inFlight = 0;
  let shuttingDown = false;
  let idleWaiter: (() => void) | null = null;
  let addr: ServerAddr = { hostname: options.hostname, port: options.port };
  let fallbackAuthority = "localhost";

  server.on("connection", (socket: Socket) => {
    // Responses are written after the handler's promise settles, so headers and body can leave
    // in separate writes: without this, Nagle's algorithm holds the second one back.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    if (shuttingDown) socket.destroy();
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    tlsSockets.add(socket);
    socket.once("close", () => tlsSockets.delete(socket));
  });
  server.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    if (shuttingDown) session.close();
  });
  // Handshake failures (a client that does not trust the certificate) and broken sessions are
  // the client's business; they must not reach the handler's error reporter or crash the process.
  server.on("tlsClientError", () => {});
  server.on("sessionError", () => {});
  server.on("clientError", (_err: Error, socket: Socket) => socket.destroy());

  const onRequest = (req: NodeRequest, res: NodeResponse) => {
    inFlight++;
    const http1 = req.httpVersionMajor < 2;
    const socket = req.socket as Socket;
    if (http1) activeOnSocket.set(socket, (activeOnSocket.get(socket) ?? 0) + 1);
    if (shuttingDown && http1) res.setHeader("connection", "close");
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
      inFlight--;
      if (http1) {
        const left = (activeOnSocket.get(socket) ?? 1) - 1;
        if (left > 0) activeOnSocket.set(socket, left);
        else {
          activeOnSocket.delete(socket);
          if (shuttingDown) socket.end();
        }
      }
      if (inFlight === 0 && idleWaiter) idleWaiter();
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
    const info: ServeHandlerInfo = {
      remoteAddr: { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 },
    };
    if (options.clientCa?.length) info.clientCertificate = peerCertificatePem(socket);
    respond(handler, request, info, req, res, report);
  };
  server.on("request", onRequest);

  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  let shutdownPromise: Promise<void> | null = null;

  const shutdown = (): Promise<void> => {
    if (shutdownPromise) return shutdownPromise;
    shuttingDown = true;
    shutdownPromise = (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      for (const socket of tlsSockets) {
        if (socket.alpnProtocol !== "h2" && !activeOnSocket.has(socket)) socket.end();
      }
      if (inFlight > 0) {
        await new Promise<void>((resolve) => (idleWaiter = resolve));
      }
      // Everything answered: give the closing sockets a moment to flush, then cut what is left
      // (idle keep-alive clients that ignore the close, unfinished handshakes).
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of tlsSockets) socket.destroy();
        for (const socket of sockets) socket.destroy();
      }, 500);
      await closed;
      clearTimeout(timer);
      resolveFinished();
    })();
    return shutdownPromise;
  };

  return new Promise<ServerHandle>((resolve, reject) => {
    const onListenError = (err: unknown) => {
      reject(listenError(err, options.hostname, options.port));
    };
    server.once("error", onListenError);
    server.listen(options.port, options.hostname, () => {
      server.off("error", onListenError);
      server.on("error", (err: unknown) => report(err));
      const address = server.address();
      if (address && typeof address === "object") {
        addr = { hostname: address.address, port: address.port };
      }
      const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
      fallbackAuthority = `${host}:${addr.port}`;
      if (options.signal) {
        if (options.signal.aborted) shutdown();
        else options.signal.addEventListener("abort", () => shutdown(), { once: true });
      }
      const handle: ServerHandle = { addr, finished, shutdown };
      try {
        options.onListen?.(addr);
      } catch (err) {
        report(err);
      }
      resolve(handle);
    });
  });
}

async function respond(
  handler: Handler,
  request: Request,
  info: ServeHandlerInfo,
  req: NodeRequest,
  res: NodeResponse,
  report: (error: unknown) => void,
): Promise<void> {
  let response: Response;
  try {
    response = await handler(request, info);
    if (!(response instanceof Response)) {
      throw new TypeError(
        `the handler returned ${
          response === null ? "null" : typeof response
        } instead of a Response; return a Response (e.g. new Response("ok")).`,
      );
    }
  } catch (err) {
    report(err);
    response = new Response("Internal Server Error", {
      status: 500,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
  }
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
