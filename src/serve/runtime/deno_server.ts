/**
 * The HTTPS server of the Deno runtime. `Deno.serve` accepts connections in
 * Rust and offers no handshake, header or idle timeout, no connection limit,
 * no certificate reload, and ends the process when it runs out of file
 * descriptors. So tlsmith accepts TLS connections itself
 * (`Deno.listenTls`, with the deadlines and limits of `connections.ts`,
 * backing off when out of descriptors) and hands each one to Deno's own
 * HTTP server:
 *
 * - an HTTP/2 connection (ALPN `h2`) is served in place by Deno's
 *   per-connection HTTP server (`serveHttpOnConnection`, the one Deno's
 *   `node:http` uses), as fast as `Deno.serve`;
 * - an HTTP/1.1 connection is relayed to an internal `Deno.serve` on a
 *   loopback port, because Deno 2 closes a WebSocket upgraded on a
 *   per-connection server at once; the relay costs throughput but keeps
 *   `Deno.upgradeWebSocket` working. Requests from anything but the relay
 *   get `403`.
 *
 * When Deno lacks `serveHttpOnConnection`, every connection is relayed.
 * Client certificates need Node's TLS server (see `deno.ts`). A new
 * certificate is installed by listening again on the same port with it.
 *
 * @module
 */

import { TlsmithError } from "../../errors.ts";
import { errorReporter, HEAD_COUNT_LIMIT, keyMismatchError } from "./common.ts";
import {
  ConnectionTracker,
  headersTooLarge,
  httpsLocation,
  listenAll,
  redirectResponse,
  requestHeadSize,
  type TrackedConnection,
  urlHost,
} from "./connections.ts";
import type {
  Handler,
  RuntimeServeOptions,
  ServeHandlerInfo,
  ServerAddr,
  ServerHandle,
  TlsPem,
} from "./types.ts";

interface NetAddr {
  hostname: string;
  port: number;
}

interface Conn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
}

interface TlsConn extends Conn {
  handshake(): Promise<{ alpnProtocol: string | null }>;
}

interface Listener<C> {
  readonly addr: NetAddr;
  accept(): Promise<C>;
  close(): void;
}

interface DenoInfo {
  remoteAddr: NetAddr;
  completed?: Promise<void>;
}

type DenoHandler = (request: Request, info: DenoInfo) => Response | Promise<Response>;
type OnError = (error: unknown) => Response | Promise<Response>;

interface HttpServer {
  readonly addr: NetAddr;
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
}

type ServeOnConnection = (
  conn: Conn,
  signal: AbortSignal | undefined,
  handler: DenoHandler,
  onError: OnError,
  onListen: () => void,
) => HttpServer;

interface DenoNet {
  listenTls(options: {
    hostname: string;
    port: number;
    cert: string;
    key: string;
    alpnProtocols: string[];
  }): Listener<TlsConn>;
  listen(options: { hostname: string; port: number }): Listener<Conn>;
  connect(options: { hostname: string; port: number }): Promise<Conn>;
  serve(options: {
    hostname: string;
    port: number;
    signal?: AbortSignal;
    onListen: () => void;
    onError: OnError;
    handler: DenoHandler;
  }): HttpServer;
  internal?: symbol;
}

function deno(): DenoNet {
  return (globalThis as unknown as { Deno: DenoNet }).Deno;
}

/** Deno's per-connection HTTP server, when this Deno has it. */
function serveOnConnection(): ServeOnConnection | undefined {
  const D = deno();
  const internal = D.internal === undefined
    ? undefined
    : (D as unknown as Record<symbol, Record<string, unknown>>)[D.internal];
  const fn = internal?.serveHttpOnConnection;
  return typeof fn === "function" ? fn as ServeOnConnection : undefined;
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | null)?.name;
}

function listenError(err: unknown, hostname: string, port: number): TlsmithError {
  if (err instanceof TlsmithError) return err;
  const name = errorName(err);
  const message = (err as Error)?.message ?? String(err);
  const where = `${urlHost(hostname)}:${port}`;
  if (name === "AddrInUse") {
    return new TlsmithError(
      "SERVE_FAILED",
      `cannot listen on ${where}: the port is in use; stop the other server or pick another port (0 picks a free one).`,
      { cause: err },
    );
  }
  if (name === "AddrNotAvailable" || /lookup|resolve|not available/i.test(message)) {
    return new TlsmithError(
      "SERVE_FAILED",
      `cannot listen on ${where}: ${message} (use 127.0.0.1, ::1, localhost or 0.0.0.0).`,
      { cause: err },
    );
  }
  if (name === "PermissionDenied" || name === "NotCapable") {
    return new TlsmithError(
      "SERVE_FAILED",
      `cannot listen on ${where}: ${message} (ports below 1024 need privileges; Deno needs --allow-net).`,
      { cause: err },
    );
  }
  if (/mismatch|does not match/i.test(message)) return keyMismatchError(message, err);
  return new TlsmithError(
    "SERVE_FAILED",
    `cannot serve on ${where}: ${message}. Check the certificate and key (PEM, key not encrypted).`,
    { cause: err },
  );
}

const ALPN = ["h2", "http/1.1"];

/**
 * The answer to a HEAD request: the handler's status and headers with a
 * correct Content-Length and no body. Deno's HTTP/2 server breaks the stream
 * (curl error 92) when a HEAD response carries a body, so the body is
 * measured here and dropped.
 */
async function headResponse(response: Response): Promise<Response> {
  if (response.body === null) return response;
  const headers = new Headers(response.headers);
  if (!headers.has("content-length")) {
    const reader = response.body.getReader();
    let length = 0;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        length += r.value.byteLength;
        if (length > HEAD_COUNT_LIMIT) break;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    if (length <= HEAD_COUNT_LIMIT) headers.set("content-length", String(length));
  } else {
    response.body.cancel().catch(() => {});
  }
  return new Response(null, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function closeQuietly(conn: { close(): void }): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/**
 * Abort a per-connection server. Deno's abort listener throws `BadResource`
 * (an uncaught error that would end the process) when the connection ended
 * a moment before: that one error, raised synchronously inside `abort()`,
 * is swallowed here.
 */
function abortServer(controller: AbortController): void {
  const target = globalThis as unknown as EventTarget;
  const swallow = (event: Event) => {
    if (errorName((event as ErrorEvent).error) === "BadResource") event.preventDefault();
  };
  target.addEventListener?.("error", swallow);
  try {
    controller.abort();
  } catch {
    // the same, thrown instead of reported
  } finally {
    target.removeEventListener?.("error", swallow);
  }
}

/** Copy `from` into `to` until the end; then half-close `to`. */
async function pump(from: Conn, to: Conn): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) break;
      let offset = 0;
      while (offset < n) offset += await to.write(buffer.subarray(offset, n));
    }
  } catch {
    // either side went away
  }
  try {
    await to.closeWrite();
  } catch {
    // already closed
  }
}

/** One accepted TLS connection. */
interface Connection {
  tracked: TrackedConnection;
  remoteAddr: NetAddr;
  /** Close it now. */
  close(): void;
  /** Ask it to finish (graceful), if it can. */
  drain?(): void;
}

/**
 * Accept connections on `listener` until it is closed; out of file
 * descriptors (or any other accept failure) waits, doubling up to a second,
 * and tries again: the connections wait in the kernel's queue meanwhile.
 */
async function acceptLoop<C>(
  listener: Listener<C>,
  isClosed: () => boolean,
  onConnection: (conn: C) => void,
): Promise<void> {
  let delay = 0;
  for (;;) {
    let conn: C;
    try {
      conn = await listener.accept();
    } catch (err) {
      if (isClosed() || errorName(err) === "BadResource" || errorName(err) === "Interrupted") {
        return;
      }
      delay = Math.min(1000, delay === 0 ? 10 : delay * 2);
      await sleep(delay);
      if (isClosed()) return;
      continue;
    }
    delay = 0;
    onConnection(conn);
  }
}

/**
 * Serve HTTPS on Deno with a fetch-style handler: HTTP/2 and HTTP/1.1 by
 * ALPN, with the timeouts and limits of `options.limits` and certificate
 * replacement (see the module documentation).
 *
 * @example
 * ```ts ignore
 * import { serveDeno } from "./deno_server.ts";
 * import { DEFAULT_LIMITS } from "./connections.ts";
 * const server = await serveDeno(() => new Response("hi"), {
 *   hostnames: ["127.0.0.1"], port: 0, limits: DEFAULT_LIMITS,
 *   cert: "-----BEGIN CERTIFICATE-----…", key: "-----BEGIN PRIVATE KEY-----…",
 * });
 * await server.shutdown();
 * ```
 */
export async function serveDeno(
  handler: Handler,
  options: RuntimeServeOptions,
): Promise<ServerHandle> {
  const D = deno();
  const { limits } = options;
  const report = errorReporter(options.onError);
  const perConnection = serveOnConnection();
  const tracker = new ConnectionTracker(limits);
  const connections = new Set<Connection>();
  const relayed = new Map<number, Connection>();
  let tls: TlsPem = { cert: options.cert, key: options.key };
  let shuttingDown = false;
  let inFlight = 0;
  let idleWaiter: (() => void) | null = null;
  let mainPort = options.port;
  let fallbackHost = "localhost";

  const onError: OnError = (error) => {
    report(error);
    return new Response("Internal Server Error", {
      status: 500,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
  };

  /** Every request of every connection passes here. */
  const respond = async (
    request: Request,
    completed: Promise<void> | undefined,
    connection: Connection,
  ): Promise<Response> => {
    inFlight++;
    connection.tracked.requestStarted();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      inFlight--;
      connection.tracked.requestEnded();
      if (inFlight === 0 && idleWaiter) idleWaiter();
    };
    if (completed) completed.then(end, end);
    try {
      if (requestHeadSize(request.method, request.url, request.headers) > limits.maxHeaderSize) {
        return headersTooLarge(limits.maxHeaderSize);
      }
      const info: ServeHandlerInfo = { remoteAddr: connection.remoteAddr };
      let response = await handler(request, info);
      if (response instanceof Response) {
        if (response.status === 101) connection.tracked.detach();
        if (request.method === "HEAD") response = await headResponse(response);
      }
      return response;
    } finally {
      if (!completed) end();
    }
  };

  // --- The relay for HTTP/1.1: an internal plain-HTTP Deno.serve on a loopback port.
  let relayServer: Promise<HttpServer> | undefined;
  let relayController: AbortController | undefined;
  const relay = (): Promise<HttpServer> => {
    if (relayServer) return relayServer;
    relayController = new AbortController();
    const started = new Promise<HttpServer>((resolve, reject) => {
      try {
        const server = D.serve({
          hostname: "127.0.0.1",
          port: 0,
          signal: relayController!.signal,
          onListen: () => {},
          onError,
          handler: (request, info) => {
            const connection = relayed.get(info.remoteAddr.port);
            if (!connection || info.remoteAddr.hostname !== "127.0.0.1") {
              return new Response("Forbidden\n", { status: 403 });
            }
            // The relay speaks plain HTTP; the client spoke HTTPS.
            if (request.url.startsWith("http:")) {
              Object.defineProperty(request, "url", {
                value: `https${request.url.slice(4)}`,
                configurable: true,
              });
            }
            return respond(request, info.completed, connection);
          },
        });
        // Out of file descriptors, Deno.serve's accept loop ends (and would end the process):
        // start a new relay for the next connections.
        server.finished.catch(() => {
          if (relayServer === started) relayServer = undefined;
        });
        resolve(server);
      } catch (err) {
        reject(err);
      }
    });
    started.catch(() => {
      if (relayServer === started) relayServer = undefined;
    });
    relayServer = started;
    return started;
  };

  const serveRelayed = async (conn: TlsConn, connection: Connection) => {
    let upstream: Conn;
    try {
      const server = await relay();
      upstream = await D.connect({ hostname: "127.0.0.1", port: server.addr.port });
    } catch {
      connection.close();
      return;
    }
    const port = upstream.localAddr.port;
    relayed.set(port, connection);
    try {
      upstream.setNoDelay?.(true);
    } catch {
      // not a TCP connection
    }
    connection.close = () => {
      closeQuietly(conn);
      closeQuietly(upstream);
    };
    await Promise.all([pump(conn, upstream), pump(upstream, conn)]);
    relayed.delete(port);
    connection.close();
  };

  const serveInPlace = (conn: TlsConn, connection: Connection, serve: ServeOnConnection) => {
    const controller = new AbortController();
    let finished = false;
    let server: HttpServer;
    try {
      server = serve(
        conn,
        controller.signal,
        (request, info) => respond(request, info.completed, connection),
        onError,
        () => {},
      );
    } catch {
      connection.close();
      return;
    }
    // Aborting after the server has finished throws inside Deno: only abort while it runs.
    connection.close = () => {
      if (!finished) {
        finished = true;
        abortServer(controller);
      }
    };
    connection.drain = () => {
      if (!finished) {
        server.shutdown().catch(() => {}).finally(() => (finished = true));
      }
    };
    server.finished.catch(() => {}).finally(() => {
      finished = true;
      connections.delete(connection);
      connection.tracked.remove();
    });
  };

  const onConnection = (conn: TlsConn) => {
    const tracked = shuttingDown ? null : tracker.add(() => connection.close());
    if (!tracked) {
      closeQuietly(conn);
      return;
    }
    const connection: Connection = {
      tracked,
      remoteAddr: { hostname: conn.remoteAddr.hostname, port: conn.remoteAddr.port },
      close: () => closeQuietly(conn),
    };
    connections.add(connection);
    const forget = () => {
      connections.delete(connection);
      tracked.remove();
    };
    conn.handshake().then(
      ({ alpnProtocol }) => {
        tracked.handshakeDone();
        if (alpnProtocol === "h2" && perConnection) {
          serveInPlace(conn, connection, perConnection);
        } else {
          serveRelayed(conn, connection).finally(forget);
        }
      },
      () => {
        closeQuietly(conn);
        forget();
      },
    );
  };

  // --- Listening.
  interface Bound {
    host: string;
    listener: Listener<TlsConn>;
    closed: boolean;
  }
  const bound: Bound[] = [];
  const startAccepting = (b: Bound) => {
    acceptLoop(b.listener, () => b.closed || shuttingDown, onConnection).catch(report);
  };
  const listenTls = (host: string, port: number, pem: TlsPem) =>
    D.listenTls({ hostname: host, port, cert: pem.cert, key: pem.key, alpnProtocols: ALPN });

  const unavailable = (err: unknown) => {
    const message = (err as Error)?.message ?? "";
    return errorName(err) === "AddrNotAvailable" || /address family|not available/i.test(message);
  };
  let opened: { host: string; listener: Listener<TlsConn>; port: number }[];
  try {
    opened = await listenAll(options.hostnames, options.port, options.optionalHosts ?? [], {
      listen: (host, port) => {
        const listener = listenTls(host, port, tls);
        return Promise.resolve({ listener, port: listener.addr.port });
      },
      close: (listener) => closeQuietly(listener),
      unavailable,
      inUse: (err) => errorName(err) === "AddrInUse",
    });
  } catch (err) {
    throw listenError(err, options.hostnames[0] ?? "", options.port);
  }
  for (const o of opened) {
    const b = { host: o.host, listener: o.listener, closed: false };
    bound.push(b);
    startAccepting(b);
  }
  const addrs: ServerAddr[] = opened.map((o) => ({
    hostname: o.listener.addr.hostname,
    port: o.listener.addr.port,
  }));
  const addr = addrs[0];
  mainPort = addr.port;
  fallbackHost = addr.hostname === "0.0.0.0" || addr.hostname === "::"
    ? "localhost"
    : addr.hostname;

  // --- Plain HTTP redirect listeners (httpPort): the same deadlines, one request each.
  const plainListeners: { listener: Listener<Conn>; closed: boolean }[] = [];
  if (options.httpPort !== undefined) {
    const redirect = (request: Request): Response => {
      const url = request.url;
      const slash = url.indexOf("/", url.indexOf("//") + 2);
      const target = slash < 0 ? "/" : url.slice(slash);
      return redirectResponse(
        httpsLocation(request.headers.get("host"), target, mainPort, fallbackHost),
      );
    };
    const servePlain = (conn: Conn) => {
      const tracked = shuttingDown ? null : tracker.add(() => connection.close());
      if (!tracked) {
        closeQuietly(conn);
        return;
      }
      let done = false;
      const controller = new AbortController();
      const connection: Connection = {
        tracked,
        remoteAddr: conn.remoteAddr,
        // Aborting after the server has finished throws inside Deno: only abort while it runs.
        close: () => {
          if (!done) {
            done = true;
            abortServer(controller);
          }
        },
      };
      connections.add(connection);
      const server = perConnection!(conn, controller.signal, redirect, onError, () => {});
      server.finished.catch(() => {}).finally(() => {
        done = true;
        connections.delete(connection);
        tracked.remove();
      });
    };
    try {
      const plain = await listenAll(bound.map((b) => b.host), options.httpPort, [], {
        listen: (host, port) => {
          if (!perConnection) {
            // No per-connection server in this Deno: a plain Deno.serve (without deadlines).
            const server = D.serve({
              hostname: host,
              port,
              onListen: () => {},
              onError,
              handler: redirect,
            });
            const listener: Listener<Conn> = {
              addr: server.addr,
              accept: () => new Promise<Conn>(() => {}),
              close: () => void server.shutdown().catch(() => {}),
            };
            return Promise.resolve({ listener, port: server.addr.port });
          }
          const listener = D.listen({ hostname: host, port });
          return Promise.resolve({ listener, port: listener.addr.port });
        },
        close: (listener) => closeQuietly(listener),
        unavailable,
        inUse: (err) => errorName(err) === "AddrInUse",
      });
      for (const p of plain) {
        const entry = { listener: p.listener, closed: false };
        plainListeners.push(entry);
        if (perConnection) {
          acceptLoop(p.listener, () => entry.closed || shuttingDown, servePlain).catch(report);
        }
      }
    } catch (err) {
      for (const b of bound) {
        b.closed = true;
        closeQuietly(b.listener);
      }
      throw listenError(err, bound[0].host, options.httpPort);
    }
  }
  const httpAddrs: ServerAddr[] = plainListeners.map((p) => ({
    hostname: p.listener.addr.hostname,
    port: p.listener.addr.port,
  }));

  // --- Shutdown.
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  let shutdownPromise: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    if (shutdownPromise) return shutdownPromise;
    shuttingDown = true;
    shutdownPromise = (async () => {
      for (const b of bound) {
        b.closed = true;
        closeQuietly(b.listener);
      }
      for (const p of plainListeners) {
        p.closed = true;
        closeQuietly(p.listener);
      }
      const relayStopped = relayServer
        ? relayServer.then((s) => s.shutdown()).catch(() => {})
        : Promise.resolve();
      for (const connection of connections) connection.drain?.();
      tracker.closeIdle();
      if (inFlight > 0) await new Promise<void>((resolve) => (idleWaiter = resolve));
      // Everything answered: a moment for the closing connections to flush, then cut the rest.
      await Promise.race([relayStopped, sleep(500)]);
      await sleep(connections.size > 0 ? 100 : 0);
      tracker.closeAll();
      for (const connection of connections) connection.close();
      if (relayController) abortServer(relayController);
      await relayStopped;
      resolveFinished();
    })();
    return shutdownPromise;
  };
  if (options.signal) {
    if (options.signal.aborted) shutdown();
    else options.signal.addEventListener("abort", () => shutdown(), { once: true });
  }

  const setCertificate = async (next: TlsPem): Promise<void> => {
    // Check the new pair on a throw-away listener first, so a bad one changes nothing.
    try {
      closeQuietly(listenTls("127.0.0.1", 0, next));
    } catch (err) {
      throw listenError(err, "127.0.0.1", 0);
    }
    tls = next;
    for (const [i, b] of bound.entries()) {
      if (shuttingDown) return;
      b.closed = true;
      closeQuietly(b.listener);
      let listener: Listener<TlsConn> | undefined;
      let lastError: unknown;
      for (let attempt = 0; attempt < 20 && !listener; attempt++) {
        try {
          listener = listenTls(b.host, addrs[i].port, tls);
        } catch (err) {
          lastError = err;
          await sleep(50);
        }
      }
      if (!listener) throw listenError(lastError, b.host, addrs[i].port);
      const next: Bound = { host: b.host, listener, closed: false };
      bound[i] = next;
      startAccepting(next);
    }
  };

  const handle: ServerHandle = {
    addr,
    addrs,
    httpAddrs,
    redirectsPlainHttp: false,
    finished,
    shutdown,
    setCertificate,
  };
  try {
    options.onListen?.(addr);
  } catch (err) {
    report(err);
  }
  return handle;
}
