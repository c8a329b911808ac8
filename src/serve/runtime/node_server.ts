/**
 * The HTTPS server of the Node runtime (and Bun; and Deno when it needs
 * client certificates): a `node:http2` secure server that also speaks
 * HTTP/1.1 (ALPN), behind one plain TCP listener per bound host. The first
 * byte of each connection tells TLS (`0x16`) from plain HTTP, which gets a
 * `308` redirect to `https://` on the same port. Timeouts and limits
 * (`connections.ts`) close silent, slow and idle connections; client
 * certificates are verified against `clientAuth.ca`; `setCertificate`
 * swaps the certificate for new connections. Requests are answered by the
 * fetch bridge (`node_bridge.ts`).
 *
 * @module
 */

import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import process from "node:process";
import type { TLSSocket } from "node:tls";
import { TlsmithError } from "../../errors.ts";
import { errorReporter, keyMismatchError } from "./common.ts";
import {
  ConnectionTracker,
  headersTooLarge,
  httpsLocation,
  listenAll,
  type TrackedConnection,
  urlHost,
} from "./connections.ts";
import {
  handleNodeRequest,
  type NodeRequest,
  type NodeResponse,
  writeFetchResponse,
} from "./node_bridge.ts";
import type {
  ClientAuth,
  Handler,
  RuntimeServeOptions,
  ServeHandlerInfo,
  ServerAddr,
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

function errorCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

/** The error for a host and port that cannot be listened on. */
export function listenError(err: unknown, hostname: string, port: number): TlsmithError {
  if (err instanceof TlsmithError) return err;
  const code = errorCode(err);
  const where = `${urlHost(hostname)}:${port}`;
  const hint = code === "EADDRINUSE"
    ? "the port is in use; stop the other server or pick another port (0 picks a free one)"
    : code === "EACCES"
    ? "permission denied; ports below 1024 need privileges, use a port above 1024"
    : code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN"
    ? "this machine has no such address; use 127.0.0.1, ::1, localhost or 0.0.0.0"
    : "check the hostname and port";
  return new TlsmithError(
    "SERVE_FAILED",
    `cannot listen on ${where}: ${(err as Error)?.message ?? err} (${hint}).`,
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

/** Per TLS connection: its deadlines and, with client certificates, the client's. */
interface ConnectionState {
  tracked: TrackedConnection;
  peerCertificate?: Uint8Array;
}

function addressKey(socket: { remoteAddress?: string; remotePort?: number; localPort?: number }) {
  return `${socket.remoteAddress}|${socket.remotePort}|${socket.localPort}`;
}

function isSocketError(err: unknown): boolean {
  const code = errorCode(err);
  return code === "EMFILE" || code === "ENFILE" || code === "ECONNABORTED" ||
    code === "ECONNRESET" || code === "ENOBUFS" || code === "ENOMEM";
}

/**
 * Serve HTTPS on Node (or Bun, or Deno's Node compatibility) with a
 * fetch-style handler. Errors thrown by the handler become a 500 response
 * and are reported once to `onError` (or standard error). `shutdown()`
 * stops accepting, lets in-flight requests finish, closes idle keep-alive
 * connections and HTTP/2 sessions, and resolves when all is closed.
 *
 * @example
 * ```ts ignore
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
    });
  } catch (err) {
    throw tlsError(err);
  }
  // The HTTP/1.1 parser's limit (431 above it); HTTP/2 headers are measured per request below.
  (server as unknown as { maxHeaderSize: number }).maxHeaderSize = limits.maxHeaderSize;

  const report = errorReporter(options.onError);
  const tracker = new ConnectionTracker(limits);
  const pending = new Map<string, ConnectionState>();
  const bySocket = new WeakMap<object, ConnectionState>();
  const rawSockets = new Set<net.Socket>();
  const tlsSockets = new Set<TLSSocket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const activeOnSocket = new Map<object, number>();
  let inFlight = 0;
  let shuttingDown = false;
  let idleWaiter: (() => void) | null = null;
  let mainPort = options.port;
  let fallbackAuthority = "localhost";
  let fallbackHost = "localhost";

  // --- Plain HTTP: a redirect to https:// (sniffed on the HTTPS port, or the httpPort listeners).
  const redirects = http.createServer({ maxHeaderSize: limits.maxHeaderSize }, (req, res) => {
    const location = httpsLocation(req.headers.host, req.url ?? "/", mainPort, fallbackHost);
    res.writeHead(308, {
      location,
      "content-type": "text/plain;charset=UTF-8",
      connection: "close",
    });
    res.end(`This server speaks HTTPS: ${location}\n`);
  });
  redirects.on("clientError", (_err: Error, socket: net.Socket) => socket.destroy());

  const accept = (socket: net.Socket, plainOnly: boolean) => {
    socket.on("error", () => socket.destroy());
    const tracked = shuttingDown ? null : tracker.add(() => socket.destroy());
    if (!tracked) {
      socket.destroy();
      return;
    }
    rawSockets.add(socket);
    const key = addressKey(socket);
    const state: ConnectionState = { tracked };
    pending.set(key, state);
    socket.once("close", () => {
      rawSockets.delete(socket);
      if (pending.get(key) === state) pending.delete(key);
      tracked.remove();
    });
    // Responses are written after the handler's promise settles, so headers and body can leave
    // in separate writes: without this, Nagle's algorithm holds the second one back.
    socket.setNoDelay(true);
    if (plainOnly) {
      redirects.emit("connection", socket);
      return;
    }
    socket.once("data", (chunk: Uint8Array) => {
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === 0x16) server.emit("connection", socket); // a TLS handshake record
      else redirects.emit("connection", socket);
      process.nextTick(() => socket.resume());
    });
  };

  server.on("secureConnection", (socket: TLSSocket) => {
    const state = pending.get(addressKey(socket));
    tlsSockets.add(socket);
    socket.once("close", () => tlsSockets.delete(socket));
    if (!state) return;
    bySocket.set(socket, state);
    if (clientAuth) {
      const cert = socket.getPeerCertificate(false) as { raw?: Uint8Array } | null;
      const raw = cert?.raw;
      if (raw && raw.length > 0) {
        if (!socket.authorized) {
          // "optional": a client may come without a certificate, not with one we cannot verify.
          socket.destroy();
          return;
        }
        state.peerCertificate = new Uint8Array(raw);
      }
    }
    state.tracked.handshakeDone();
  });
  server.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    if (shuttingDown) session.close();
    const socket = session.socket;
    const state = socket ? pending.get(addressKey(socket)) : undefined;
    if (!state) return;
    bySocket.set(session, state);
    session.on("stream", (stream: http2.ServerHttp2Stream) => {
      state.tracked.requestStarted();
      stream.once("close", () => state.tracked.requestEnded());
    });
  });
  // Handshake failures (a client that does not trust the certificate) and broken sessions are
  // the client's business; they must not reach the handler's error reporter or crash the process.
  server.on("tlsClientError", () => {});
  server.on("sessionError", () => {});
  server.on("clientError", (_err: Error, socket: net.Socket) => socket.destroy());

  server.on("request", (req: NodeRequest, res: NodeResponse) => {
    inFlight++;
    const http1 = req.httpVersionMajor < 2;
    const socket = http1 ? req.socket : (req as http2.Http2ServerRequest).stream.session;
    const state = socket ? bySocket.get(socket) : undefined;
    if (http1) {
      activeOnSocket.set(socket!, (activeOnSocket.get(socket!) ?? 0) + 1);
      state?.tracked.requestStarted();
    }
    if (shuttingDown && http1) res.setHeader("connection", "close");
    res.once("close", () => {
      inFlight--;
      if (http1) {
        state?.tracked.requestEnded();
        const left = (activeOnSocket.get(socket!) ?? 1) - 1;
        if (left > 0) activeOnSocket.set(socket!, left);
        else {
          activeOnSocket.delete(socket!);
          if (shuttingDown) (socket as net.Socket).end();
        }
      }
      if (inFlight === 0 && idleWaiter) idleWaiter();
    });
    if (!http1 && headSize(req) > limits.maxHeaderSize) {
      res.on("error", () => {});
      writeFetchResponse(req, res, headersTooLarge(limits.maxHeaderSize)).catch(() => {});
      return;
    }
    const remote = http1 ? req.socket : (req as http2.Http2ServerRequest).stream.session?.socket;
    const info: ServeHandlerInfo = {
      remoteAddr: { hostname: remote?.remoteAddress ?? "", port: remote?.remotePort ?? 0 },
    };
    if (state?.peerCertificate) info.peerCertificate = state.peerCertificate;
    handleNodeRequest(handler, req, res, fallbackAuthority, info, report);
  });

  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  let shutdownPromise: Promise<void> | null = null;
  let fronts: net.Server[] = [];

  const shutdown = (): Promise<void> => {
    if (shutdownPromise) return shutdownPromise;
    shuttingDown = true;
    shutdownPromise = (async () => {
      const closed = Promise.all(
        fronts.map((front) => new Promise<void>((resolve) => front.close(() => resolve()))),
      );
      for (const session of sessions) session.close();
      // Unfinished handshakes, idle keep-alive connections and idle sessions close now; the
      // others when their last response is done (HTTP/1.1 below, HTTP/2 by session.close()).
      tracker.closeIdle();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => (idleWaiter = resolve));
      }
      // Everything answered: give the closing sockets a moment to flush, then cut what is left
      // (idle keep-alive clients that ignore the close, unfinished handshakes).
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of tlsSockets) socket.destroy();
        for (const socket of rawSockets) socket.destroy();
      }, 500);
      await closed;
      clearTimeout(timer);
      tracker.closeAll();
      resolveFinished();
    })();
    return shutdownPromise;
  };

  // --- Listen: the HTTPS port on every host, then the plain-HTTP redirect port.
  const frontListener = (plainOnly: boolean) => ({
    listen: (host: string, port: number) =>
      new Promise<{ listener: net.Server; port: number }>((resolve, reject) => {
        const front = net.createServer((socket) => accept(socket, plainOnly));
        front.once("error", reject);
        front.listen(port, host, () => {
          front.off("error", reject);
          // Accept errors (out of file descriptors: EMFILE) must not end the process; libuv
          // keeps listening and the connections are taken when descriptors are free again.
          front.on("error", (err: unknown) => {
            if (!isSocketError(err)) report(err);
          });
          const address = front.address();
          resolve({
            listener: front,
            port: typeof address === "object" && address ? address.port : port,
          });
        });
      }),
    close: (front: net.Server) => new Promise<void>((resolve) => front.close(() => resolve())),
    unavailable: (err: unknown) =>
      errorCode(err) === "EADDRNOTAVAIL" || errorCode(err) === "EAFNOSUPPORT",
    inUse: (err: unknown) => errorCode(err) === "EADDRINUSE",
  });

  const hosts = options.hostnames;
  let main: { host: string; listener: net.Server; port: number }[];
  try {
    main = await listenAll(hosts, options.port, options.optionalHosts ?? [], frontListener(false));
  } catch (err) {
    throw listenError(err, hosts[0] ?? "", options.port);
  }
  fronts = main.map((m) => m.listener);
  let plain: { host: string; listener: net.Server; port: number }[] = [];
  if (options.httpPort !== undefined) {
    try {
      plain = await listenAll(
        main.map((m) => m.host),
        options.httpPort,
        [],
        frontListener(true),
      );
    } catch (err) {
      await Promise.all(fronts.map((f) => new Promise<void>((r) => f.close(() => r()))));
      throw listenError(err, main[0].host, options.httpPort);
    }
    fronts = [...fronts, ...plain.map((p) => p.listener)];
  }
  const addrOf = (m: { listener: net.Server; host: string; port: number }): ServerAddr => {
    const address = m.listener.address();
    return address && typeof address === "object"
      ? { hostname: address.address, port: address.port }
      : { hostname: m.host, port: m.port };
  };
  const addrs = main.map(addrOf);
  const addr = addrs[0];
  mainPort = addr.port;
  fallbackHost = addr.hostname === "0.0.0.0" || addr.hostname === "::"
    ? "localhost"
    : addr.hostname;
  fallbackAuthority = `${urlHost(addr.hostname)}:${addr.port}`;
  server.on("error", (err: unknown) => report(err));
  if (options.signal) {
    if (options.signal.aborted) shutdown();
    else options.signal.addEventListener("abort", () => shutdown(), { once: true });
  }
  const handle: ServerHandle = {
    addr,
    addrs,
    httpAddrs: plain.map(addrOf),
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
