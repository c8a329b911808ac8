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
import type { TLSSocket } from "node:tls";
import { TlsmithError } from "../../errors.ts";
import { errorReporter, keyMismatchError, serverOrigin } from "./common.ts";
import { ConnectionTracker, headersTooLarge } from "./connections.ts";
import {
  handleNodeRequest,
  type NodeRequest,
  type NodeResponse,
  toFetchRequest,
  writeFetchResponse,
} from "./node_bridge.ts";
import { addressKey, type FrontConnection, openFronts } from "./node_front.ts";
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
  const bySocket = new WeakMap<object, FrontConnection>();
  const tlsSockets = new Set<TLSSocket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const activeOnSocket = new Map<object, number>();
  let inFlight = 0;
  let shuttingDown = false;
  let idleWaiter: (() => void) | null = null;
  // The origin every request URL is built from (the Host header never is); set once listening.
  let origin = "https://localhost";

  const fronts = await openFronts(
    options,
    tracker,
    (socket) => server.emit("connection", socket),
    report,
  );

  server.on("secureConnection", (socket: TLSSocket) => {
    const connection = fronts.byKey.get(addressKey(socket));
    tlsSockets.add(socket);
    socket.once("close", () => tlsSockets.delete(socket));
    if (!connection) return;
    bySocket.set(socket, connection);
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
    const connection = socket ? fronts.byKey.get(addressKey(socket)) : undefined;
    if (!connection) return;
    bySocket.set(session, connection);
    session.on("stream", (stream: http2.ServerHttp2Stream) => {
      connection.tracked.requestStarted();
      stream.once("close", () => connection.tracked.requestEnded());
    });
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
      bySocket.get(req.socket)?.tracked.detach();
    });
  });

  server.on("request", (req: NodeRequest, res: NodeResponse) => {
    inFlight++;
    const http1 = req.httpVersionMajor < 2;
    const key: object = http1 ? req.socket : (req as http2.Http2ServerRequest).stream.session!;
    const connection = bySocket.get(key);
    if (http1) {
      activeOnSocket.set(key, (activeOnSocket.get(key) ?? 0) + 1);
      connection?.tracked.requestStarted();
    }
    if (shuttingDown && http1) res.setHeader("connection", "close");
    res.once("close", () => {
      inFlight--;
      if (http1) {
        connection?.tracked.requestEnded();
        const left = (activeOnSocket.get(key) ?? 1) - 1;
        if (left > 0) activeOnSocket.set(key, left);
        else {
          activeOnSocket.delete(key);
          if (shuttingDown) (key as net.Socket).end();
        }
      }
      if (inFlight === 0 && idleWaiter) idleWaiter();
    });
    if (!http1 && headSize(req) > limits.maxHeaderSize) {
      res.on("error", () => {});
      writeFetchResponse(req, res, headersTooLarge(limits.maxHeaderSize)).catch(() => {});
      return;
    }
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
      // Unfinished handshakes, idle keep-alive connections and idle sessions close now; the
      // others when their last response is done (HTTP/1.1 above, HTTP/2 by session.close()).
      tracker.closeIdle();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => (idleWaiter = resolve));
      }
      // Everything answered: give the closing sockets a moment to flush, then cut what is left
      // (idle keep-alive clients that ignore the close, unfinished handshakes).
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of tlsSockets) socket.destroy();
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
