/**
 * The HTTPS server of the Node runtime (and Bun): a `node:http2` secure
 * server that also speaks HTTP/1.1 (ALPN), fed by the TCP listeners of
 * `node_front.ts` (which also redirect plain HTTP and enforce the deadlines
 * before the handshake). Timeouts and limits (`connections.ts`) close
 * silent, slow and idle connections; client certificates are verified
 * against `clientAuth.ca`; `setCertificate` swaps the certificate for new
 * connections. Requests are answered by the fetch bridge (`node_bridge.ts`).
 *
 * @module
 */

import * as http2 from "node:http2";
import type * as net from "node:net";
import type { ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { TlsmithError } from "../../errors.ts";
import { errorReporter, keyMismatchError, serverOrigin } from "./common.ts";
import { ConnectionTracker, headersTooLarge } from "./connections.ts";
import {
  handleNodeRequest,
  type NodeRequest,
  type NodeResponse,
  toFetchRequest,
  useFastResponse,
  writeFetchResponse,
} from "./node_bridge.ts";
import { type FrontConnection, openFronts } from "./node_front.ts";
import { handleUpgrades } from "./upgrade_node.ts";
import type {
  ClientAuth,
  Handler,
  RuntimeServeOptions,
  ServeHandlerInfo,
  ServerHandle,
  TlsPem,
} from "./types.ts";

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

/** The TLS options of the secure context: certificate, key and the client CA. */
function secureContextOptions(tls: TlsPem, clientAuth: ClientAuth | undefined) {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(clientAuth ? { ca: clientAuth.ca } : {}),
  };
}

/** What the server keeps about one TLS connection. */
interface Served {
  /** The accepted connection: deadlines, client address, client certificate. */
  connection: FrontConnection;
  /** HTTP/1.1: the latest response (null before the first request, and on HTTP/2). */
  current: ServerResponse | null;
  /** HTTP/1.1: true while `current` is not done (asked by the tracker: `busyUntil`). */
  inFlight: () => boolean;
  /** HTTP/2: one of the session's streams closed. */
  streamClosed: () => void;
}

/**
 * Serve HTTPS on Node (or Bun) with a
 * fetch-style handler. Errors thrown by the handler become a 500 response
 * and are reported once to `onError` (or standard error). `shutdown()`
 * stops accepting, lets in-flight requests finish, closes idle keep-alive
 * connections and HTTP/2 sessions, and resolves when all is closed.
 *
 * @example
 * ```ts ignore
 * // Not run: it is a server; tests/serve_test.ts and tests/serve_limits_test.ts run it.
 * import { serveNode } from "./node_server.ts";
 * import { DEFAULT_LIMITS } from "./connections.ts";
 * const server = await serveNode(() => new Response("hi"), {
 *   hostnames: ["127.0.0.1"], port: 0, limits: DEFAULT_LIMITS,
 *   cert: "-----BEGIN CERTIFICATE-----…", key: "-----BEGIN PRIVATE KEY-----…",
 * });
 * await server.shutdown();
 * ```
 */
export async function serveNode(
  handler: Handler,
  options: RuntimeServeOptions,
): Promise<ServerHandle> {
  const { limits, clientAuth } = options;
  let server: http2.Http2SecureServer;
  try {
    server = http2.createSecureServer({
      ...secureContextOptions(options, clientAuth),
      allowHTTP1: true,
      handshakeTimeout: limits.handshakeTimeout,
      // Client certificates: required ones are checked by the handshake; optional ones here.
      requestCert: clientAuth !== undefined,
      rejectUnauthorized: clientAuth?.mode === "required",
      settings: { maxHeaderListSize: limits.maxHeaderSize },
      // A test fixture's RSA-1024 key or SHA-1 signature: OpenSSL's level 1 refuses to load it.
      ...(options.weakCertificate ? { ciphers: "DEFAULT@SECLEVEL=0" } : {}),
    });
  } catch (err) {
    throw tlsError(err);
  }
  // The HTTP/1.1 parser's limit (431 above it); HTTP/2 headers are measured per request below.
  (server as unknown as { maxHeaderSize: number }).maxHeaderSize = limits.maxHeaderSize;

  const report = errorReporter(options.onError);
  const tracker = new ConnectionTracker(limits);
  /** By TLS socket (HTTP/1.1 requests) and by HTTP/2 session. */
  const bySocket = new WeakMap<object, Served>();
  const servedBy = new WeakMap<FrontConnection, Served>();
  const tlsSockets = new Map<TLSSocket, Served | undefined>();
  const sessions = new Set<http2.ServerHttp2Session>();
  let shuttingDown = false;
  // The origin every request URL is built from (the Host header never is); set once listening.
  let origin = "https://localhost";

  const fronts = await openFronts(
    options,
    tracker,
    (socket) => server.emit("connection", socket),
    report,
  );
  // Listening: from now on handlers' `new Response(…)` is cheap, unless the caller keeps the
  // global as it is (`fastResponse: false`).
  if (options.fastResponse !== false) useFastResponse();

  const servedOf = (connection: FrontConnection): Served => {
    let served = servedBy.get(connection);
    if (served === undefined) {
      const made: Served = {
        connection,
        current: null,
        // HTTP/1.1 answers in order: when the latest response is done, all are.
        inFlight: () => {
          const res = made.current;
          return res !== null && !res.writableFinished && !res.destroyed;
        },
        streamClosed: () => connection.tracked.requestEnded(),
      };
      served = made;
      servedBy.set(connection, served);
    }
    return served;
  };

  server.on("secureConnection", (socket: TLSSocket) => {
    const connection = fronts.connectionOf(socket);
    const served = connection ? servedOf(connection) : undefined;
    tlsSockets.set(socket, served);
    socket.once("close", () => tlsSockets.delete(socket));
    if (!connection || !served) return;
    bySocket.set(socket, served);
    if (clientAuth) {
      const cert = socket.getPeerCertificate(false) as { raw?: Uint8Array } | null;
      const raw = cert?.raw;
      if (raw && raw.length > 0) {
        if (!socket.authorized) {
          // "optional": a client may come without a certificate, not with one we cannot verify.
          socket.destroy();
          return;
        }
        connection.peerCertificate = new Uint8Array(raw);
      }
    }
    connection.tracked.handshakeDone();
  });
  server.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    if (shuttingDown) session.close();
    const socket = session.socket;
    const connection = socket ? fronts.connectionOf(socket) : undefined;
    // Its streams are counted by the 'request' listener below (no 'stream' listener of our own:
    // a second one would make Node copy the session's listener list for every stream).
    if (connection) bySocket.set(session, servedOf(connection));
  });
  // Handshake failures (a client that does not trust the certificate) and broken sessions are
  // the client's business; they must not reach the handler's error reporter or crash the process.
  server.on("tlsClientError", () => {});
  server.on("sessionError", () => {});
  // A malformed HTTP/1.1 request: 431 for headers above maxHeaderSize, else 400, as Node does.
  server.on("clientError", (err: Error, socket: net.Socket) => {
    const code = (err as { code?: string }).code;
    if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) {
      socket.end(
        code === "HPE_HEADER_OVERFLOW"
          ? "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
          : "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
      );
    }
    socket.destroySoon?.();
  });
  server.on("error", (err: unknown) => report(err));
  // A connection taken over by an 'upgrade' listener (WebSocket) leaves HTTP: no more deadlines.
  let upgradeHooked = false;
  server.on("newListener", (event: string | symbol) => {
    if (event !== "upgrade" || upgradeHooked) return;
    upgradeHooked = true;
    server.prependListener("upgrade", (req: NodeRequest) => {
      bySocket.get(req.socket)?.connection.tracked.detach();
    });
  });

  // Per request only what is needed: the connection's deadline is held while its latest
  // response is in flight (HTTP/1.1; the tracker asks `inFlight` when it sweeps) or while its
  // streams are open (HTTP/2: counted here, uncounted when the stream closes). Streams that
  // never reach 'request' (CONNECT, an unknown Expect) are answered and closed by Node at once.
  server.on("request", (req: NodeRequest, res: NodeResponse) => {
    let served: Served | undefined;
    if (req.httpVersionMajor < 2) {
      served = bySocket.get(req.socket);
      if (served !== undefined) {
        served.current = res as ServerResponse;
        served.connection.tracked.busyUntil(served.inFlight);
      }
      if (shuttingDown) res.setHeader("connection", "close");
    } else {
      const stream = (req as http2.Http2ServerRequest).stream;
      served = bySocket.get(stream.session!);
      if (served !== undefined) {
        served.connection.tracked.requestStarted();
        stream.on("close", served.streamClosed);
      }
      if (headSize(req) > limits.maxHeaderSize) {
        res.on("error", () => {});
        writeFetchResponse(req, res, headersTooLarge(limits.maxHeaderSize)).catch(() => {});
        return;
      }
    }
    const connection = served?.connection;
    const info: ServeHandlerInfo = {
      remoteAddr: connection?.remoteAddr ?? { hostname: "", port: 0 },
    };
    if (connection?.peerCertificate) info.peerCertificate = connection.peerCertificate;
    handleNodeRequest(handler, req, res, origin, info, report);
  });
  // HTTP/1.1 upgrade requests (WebSocket) reach the handler too; see upgrade_node.ts.
  handleUpgrades(server, {
    handler,
    report,
    toRequest: (req) => toFetchRequest(req, origin, () => new AbortController().signal),
  });

  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  let shutdownPromise: Promise<void> | null = null;

  const shutdown = (): Promise<void> => {
    if (shutdownPromise) return shutdownPromise;
    shuttingDown = true;
    shutdownPromise = (async () => {
      const closed = fronts.close();
      for (const session of sessions) session.close();
      // Unfinished handshakes, idle keep-alive connections and idle sessions close now; an
      // HTTP/1.1 connection when its last response is done (ended below; a request that
      // arrives meanwhile is answered with "connection: close"), an HTTP/2 session when its
      // streams are (session.close()).
      tracker.closeIdle();
      const ended = new Set<TLSSocket>();
      const endIdle = () => {
        for (const [socket, served] of tlsSockets) {
          if (served === undefined || ended.has(socket) || !served.connection.tracked.idle) {
            continue;
          }
          if (served.current === null) continue; // HTTP/2, or no request yet: closed above
          ended.add(socket);
          socket.end();
        }
      };
      while (tracker.busy > 0) {
        endIdle();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      endIdle();
      // Everything answered: give the closing sockets a moment to flush, then cut what is left
      // (idle keep-alive clients that ignore the close, unfinished handshakes).
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of tlsSockets.keys()) socket.destroy();
        fronts.destroyAll();
      }, 500);
      await closed;
      clearTimeout(timer);
      tracker.closeAll();
      resolveFinished();
    })();
    return shutdownPromise;
  };

  const addr = fronts.addrs[0];
  origin = serverOrigin(addr.hostname, addr.port);
  if (options.signal) {
    if (options.signal.aborted) shutdown();
    else options.signal.addEventListener("abort", () => shutdown(), { once: true });
  }
  const handle: ServerHandle = {
    addr,
    addrs: fronts.addrs,
    httpAddrs: fronts.httpAddrs,
    redirectsPlainHttp: true,
    finished,
    shutdown,
    setCertificate(tls: TlsPem): Promise<void> {
      try {
        server.setSecureContext(secureContextOptions(tls, clientAuth));
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(tlsError(err));
      }
    },
  };
  try {
    options.onListen?.(addr);
  } catch (err) {
    report(err);
  }
  return handle;
}

/** The size of an HTTP/2 request's header list (pseudo-headers included), as HTTP/1.1 would count it. */
function headSize(req: NodeRequest): number {
  const raw = req.rawHeaders;
  let size = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) size += raw[i].length + raw[i + 1].length + 4;
  return size;
}
