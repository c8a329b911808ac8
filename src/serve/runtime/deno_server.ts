/**
 * The HTTPS server of the Deno runtime. `Deno.serve` and `Deno.listenTls`
 * cannot close a connection whose TLS handshake has not finished (`close()`
 * leaves the socket open: a client that sends nothing holds a file
 * descriptor for ever), and `Deno.serve` ends the process when it runs out
 * of descriptors. So tlsmith accepts plain TCP connections itself
 * (`Deno.listen`, backing off when out of descriptors), enforces the
 * deadlines and `maxConnections` (`connections.ts`), reads the first bytes
 * (TLS, or plain HTTP that gets a `308` to `https://`), does TLS with
 * `node:tls` (Deno's Rust TLS through its Node compatibility) and relays the
 * decrypted bytes to an internal `Deno.serve` on a loopback port, so HTTP/2,
 * HTTP/1.1, streaming and `Deno.upgradeWebSocket` behave as with
 * `Deno.serve`. Requests that do not come through the relay get `403`.
 * Client certificates are checked by `node:tls`; `setCertificate` swaps
 * the secure context for new connections.
 *
 * @module
 */

import * as tls from "node:tls";
import { Duplex } from "node:stream";
import { TlsmithError } from "../../errors.ts";
import {
  errorReporter,
  HEAD_COUNT_LIMIT,
  isBadAuthority,
  keyMismatchError,
  requestPath,
  serverOrigin,
} from "./common.ts";
import {
  ConnectionTracker,
  headersTooLarge,
  listenAll,
  plainHttpAnswer,
  requestHeadSize,
  type ServedConnection,
  urlHost,
} from "./connections.ts";
import { drained } from "./node_streams.ts";
import type {
  ClientAuth,
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

interface DenoInfo {
  remoteAddr: NetAddr;
  completed?: Promise<void>;
}

interface HttpServer {
  readonly addr: NetAddr;
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
}

interface Listener {
  readonly addr: NetAddr;
  accept(): Promise<Conn>;
  close(): void;
}

interface DenoNet {
  listen(options: { hostname: string; port: number }): Listener;
  connect(options: { hostname: string; port: number }): Promise<Conn>;
  serve(options: {
    hostname: string;
    port: number;
    signal?: AbortSignal;
    onListen: () => void;
    onError: (error: unknown) => Response | Promise<Response>;
    handler: (request: Request, info: DenoInfo) => Response | Promise<Response>;
  }): HttpServer;
}

function deno(): DenoNet {
  return (globalThis as unknown as { Deno: DenoNet }).Deno;
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | null)?.name;
}

function secureContext(pem: TlsPem, clientAuth: ClientAuth | undefined): tls.SecureContext {
  try {
    return tls.createSecureContext({
      cert: pem.cert,
      key: pem.key,
      ...(clientAuth ? { ca: clientAuth.ca } : {}),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/mismatch|does not match/i.test(message)) throw keyMismatchError(message, err);
    throw new TlsmithError(
      "SERVE_FAILED",
      `the TLS library rejected the certificate or key: ${message}. Check that both are PEM and the key is not encrypted.`,
      { cause: err },
    );
  }
}

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

/**
 * The path (and query) a relayed request asked for, or null for a malformed
 * one. Deno's `request.url` is the scheme + the `Host` header + the target (or
 * an absolute-form target as is), so a `Host` like `localhost/.env?` would
 * move into the path: the target is cut after the exact `Host` value, and a
 * malformed `Host` is refused.
 */
function relayedPath(request: Request): string | null {
  const url = request.url;
  const host = request.headers.get("host");
  if (host !== null) {
    if (isBadAuthority(host)) return null;
    for (const scheme of ["http://", "https://"]) {
      const prefix = scheme + host;
      if (url.startsWith(prefix) && url.charCodeAt(prefix.length) === 47 /* "/" */) {
        return requestPath(url.slice(prefix.length));
      }
    }
  }
  // HTTP/2 (a checked :authority) or an absolute-form target: the path starts after the authority.
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(url);
  if (m === null) return null;
  return requestPath(m[1] === "" ? "/" : m[1]);
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

interface PeerCertificate {
  raw?: Uint8Array;
  issuerCertificate?: PeerCertificate;
}

/** The client's certificate and the intermediates it sent (DER), leaf first; empty when none. */
function peerChain(socket: tls.TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cert = socket.getPeerCertificate(true) as PeerCertificate | null;
  while (cert?.raw && cert.raw.length > 0 && out.length < 10) {
    const der = new Uint8Array(cert.raw);
    if (out.some((d) => d.length === der.length && d.every((b, i) => b === der[i]))) break;
    out.push(der);
    cert = cert.issuerCertificate ?? null;
  }
  return out;
}

/** Write all of `bytes` to `conn`. */
async function writeAll(conn: Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/**
 * A Node stream over a Deno connection, starting with `first` (bytes
 * already read), for `node:tls` to run TLS on.
 */
function connStream(conn: Conn, first: Uint8Array): Duplex {
  let pending: Uint8Array | null = first;
  // One read buffer per connection; what is read is copied out at its size (a request is a few
  // hundred bytes: a fresh 64 KiB buffer per read cost more than the rest of the relay).
  const buffer = new Uint8Array(64 * 1024);
  return new Duplex({
    read() {
      if (pending) {
        this.push(pending);
        pending = null;
        return;
      }
      conn.read(buffer).then(
        (n) => this.push(n === null ? null : buffer.slice(0, n)),
        (err) => this.destroy(err),
      );
    },
    write(chunk: Uint8Array, _encoding, callback) {
      writeAll(conn, chunk).then(() => callback(), callback);
    },
    final(callback) {
      conn.closeWrite().then(() => callback(), () => callback());
    },
    destroy(err, callback) {
      try {
        conn.close();
      } catch {
        // already closed
      }
      callback(err);
    },
  });
}

/**
 * Relay a TLS socket's decrypted bytes to `upstream` and back, with
 * backpressure both ways; resolves when both directions are done.
 */
function relay(socket: tls.TLSSocket, upstream: Conn): Promise<void> {
  const down = new Promise<void>((resolve) => {
    socket.on("data", (chunk: Uint8Array) => {
      socket.pause();
      writeAll(upstream, chunk).then(() => socket.resume(), () => socket.destroy());
    });
    const end = () => {
      upstream.closeWrite().catch(() => {});
      resolve();
    };
    socket.once("end", end);
    socket.once("close", end);
  });
  const up = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await upstream.read(buffer);
        if (n === null) break;
        if (!socket.write(buffer.slice(0, n)) && !(await drained(socket))) break;
        if (socket.destroyed) break;
      }
    } catch {
      // either side went away
    }
    socket.end();
  })();
  return Promise.all([down, up]).then(() => {});
}

/**
 * Accept connections on `listener` until it is closed; out of file
 * descriptors (or any other accept failure) waits, doubling up to a second,
 * and tries again: the connections wait in the kernel's queue meanwhile.
 */
async function acceptLoop(
  listener: Listener,
  isClosed: () => boolean,
  onConnection: (conn: Conn) => void,
): Promise<void> {
  let delay = 0;
  for (;;) {
    let conn: Conn;
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

function listenError(err: unknown, hostname: string, port: number): TlsmithError {
  if (err instanceof TlsmithError) return err;
  const name = errorName(err);
  const message = (err as Error)?.message ?? String(err);
  const where = `${urlHost(hostname)}:${port}`;
  const hint = name === "AddrInUse"
    ? "the port is in use; stop the other server or pick another port (0 picks a free one)"
    : name === "PermissionDenied" || name === "NotCapable"
    ? "ports below 1024 need privileges; Deno needs --allow-net"
    : name === "AddrNotAvailable" || /lookup|resolve|not available/i.test(message)
    ? "this machine has no such address; use 127.0.0.1, ::1, localhost or 0.0.0.0"
    : "check the hostname and port";
  return new TlsmithError("SERVE_FAILED", `cannot listen on ${where}: ${message} (${hint}).`, {
    cause: err,
  });
}

const HEAD_END = new TextEncoder().encode("\r\n\r\n");

function indexOfHeadEnd(bytes: Uint8Array): number {
  outer: for (let i = 0; i + HEAD_END.length <= bytes.length; i++) {
    for (let j = 0; j < HEAD_END.length; j++) if (bytes[i + j] !== HEAD_END[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Serve HTTPS on Deno with a fetch-style handler: HTTP/2 and HTTP/1.1 by
 * ALPN, with the timeouts and limits of `options.limits`, client
 * certificates and certificate replacement (see the module documentation).
 *
 * @example
 * ```ts ignore
 * // Not run: it is a server; tests/serve_test.ts and tests/serve_limits_test.ts run it.
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
  const { limits, clientAuth } = options;
  const report = errorReporter(options.onError);
  const tracker = new ConnectionTracker(limits);
  const relayed = new Map<number, ServedConnection>();
  // The origin every request URL is built from; set once listening.
  let origin = "https://localhost";
  let context = secureContext(options, clientAuth);
  let closing = false;
  let inFlight = 0;
  let idleWaiter: (() => void) | null = null;
  let mainPort = options.port;
  let fallbackHost = "localhost";

  const onError = (error: unknown): Response => {
    report(error);
    return new Response("Internal Server Error", {
      status: 500,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
  };

  /** Every request passes here, with the connection it came on. */
  const respond = async (
    request: Request,
    completed: Promise<void> | undefined,
    connection: ServedConnection,
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
      if (connection.peerCertificate) info.peerCertificate = connection.peerCertificate;
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

  // --- The HTTP server: an internal plain-HTTP Deno.serve on a loopback port.
  let httpServer: Promise<HttpServer> | undefined;
  let httpController: AbortController | undefined;
  const internalServer = (): Promise<HttpServer> => {
    if (httpServer) return httpServer;
    const controller = new AbortController();
    httpController = controller;
    const started = new Promise<HttpServer>((resolve, reject) => {
      try {
        const server = D.serve({
          hostname: "127.0.0.1",
          port: 0,
          signal: controller.signal,
          onListen: () => {},
          onError,
          handler: (request, info) => {
            const connection = relayed.get(info.remoteAddr.port);
            if (!connection || info.remoteAddr.hostname !== "127.0.0.1") {
              return new Response("Forbidden\n", { status: 403 });
            }
            // The URL the handler sees: the server's own origin and the path, never the Host
            // header (the relay spoke plain HTTP; the client spoke HTTPS).
            const path = relayedPath(request);
            if (path === null) {
              return new Response("Bad Request", {
                status: 400,
                headers: { "content-type": "text/plain;charset=UTF-8" },
              });
            }
            Object.defineProperty(request, "url", {
              value: new URL(origin + path).href,
              configurable: true,
            });
            return respond(request, info.completed, connection);
          },
        });
        // Out of file descriptors, Deno.serve's accept loop ends (and would end the process if
        // nobody caught it): the next connection starts a new one.
        server.finished.catch(() => {
          if (httpServer === started) httpServer = undefined;
        });
        resolve(server);
      } catch (err) {
        reject(err);
      }
    });
    started.catch(() => {
      if (httpServer === started) httpServer = undefined;
    });
    httpServer = started;
    return started;
  };
  await internalServer();

  const serveTls = (
    conn: Conn,
    first: Uint8Array,
    connection: ServedConnection,
    onClosed: () => void,
  ) => {
    const stream = connStream(conn, first);
    stream.once("close", onClosed);
    const socket = new tls.TLSSocket(stream as unknown as import("node:net").Socket, {
      isServer: true,
      secureContext: context,
      ALPNProtocols: ["h2", "http/1.1"],
      requestCert: clientAuth !== undefined,
      rejectUnauthorized: clientAuth?.mode === "required",
    });
    socket.on("error", () => stream.destroy());
    socket.once("close", () => stream.destroy());
    socket.once("secure", async () => {
      if (clientAuth) {
        // Deno's node:tls asks for a client certificate but does not verify it: tlsmith does.
        const peer = peerChain(socket);
        if (peer.length > 0) {
          let verified = false;
          try {
            verified = await clientAuth.verify(peer[0], peer.slice(1));
          } catch {
            verified = false;
          }
          if (!verified || socket.destroyed) {
            socket.destroy();
            return;
          }
          connection.peerCertificate = peer[0];
        } else if (clientAuth.mode === "required") {
          socket.destroy();
          return;
        }
      }
      connection.tracked.handshakeDone();
      let upstream: Conn;
      try {
        const server = await internalServer();
        upstream = await D.connect({ hostname: "127.0.0.1", port: server.addr.port });
      } catch {
        socket.destroy();
        return;
      }
      const port = upstream.localAddr.port;
      relayed.set(port, connection);
      try {
        upstream.setNoDelay?.(true);
      } catch {
        // not TCP
      }
      stream.once("close", () => {
        try {
          upstream.close();
        } catch {
          // already closed
        }
      });
      await relay(socket, upstream);
      relayed.delete(port);
      socket.destroy();
    });
  };

  /** Answer a plain-HTTP request (on the HTTPS port or `httpPort`) with a redirect. */
  const servePlain = async (conn: Conn, first: Uint8Array) => {
    let head = first;
    const buffer = new Uint8Array(4096);
    while (indexOfHeadEnd(head) < 0 && head.length <= limits.maxHeaderSize) {
      const n = await conn.read(buffer);
      if (n === null) return;
      const more = new Uint8Array(head.length + n);
      more.set(head);
      more.set(buffer.subarray(0, n), head.length);
      head = more;
    }
    const end = indexOfHeadEnd(head);
    const answer = end < 0
      ? "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
      : plainHttpAnswer(
        new TextDecoder("latin1").decode(head.subarray(0, end)),
        mainPort,
        fallbackHost,
      );
    await writeAll(conn, new TextEncoder().encode(answer));
  };

  const onConnection = (conn: Conn, plainOnly: boolean) => {
    const close = () => {
      try {
        conn.close();
      } catch {
        // already closed
      }
    };
    const tracked = closing ? null : tracker.add(close);
    if (!tracked) {
      close();
      return;
    }
    try {
      conn.setNoDelay?.(true);
    } catch {
      // not TCP
    }
    const connection: ServedConnection = {
      tracked,
      remoteAddr: { hostname: conn.remoteAddr.hostname, port: conn.remoteAddr.port },
    };
    const done = () => {
      close();
      tracked.remove();
    };
    (async () => {
      const buffer = new Uint8Array(16 * 1024);
      const n = await conn.read(buffer);
      if (n === null) return done();
      const first = buffer.slice(0, n);
      if (!plainOnly && first[0] === 0x16) {
        serveTls(conn, first, connection, () => tracked.remove()); // a TLS handshake record
        return;
      }
      await servePlain(conn, first);
      done();
    })().catch(done);
  };

  // --- Listening: the HTTPS port on every host, then the plain-HTTP redirect port.
  interface Bound {
    listener: Listener;
    closed: boolean;
  }
  const bound: Bound[] = [];
  const open = (host: string, port: number, plainOnly: boolean) => {
    const listener = D.listen({ hostname: host, port });
    const entry: Bound = { listener, closed: false };
    bound.push(entry);
    acceptLoop(listener, () => entry.closed || closing, (conn) => onConnection(conn, plainOnly))
      .catch(report);
    return Promise.resolve({ listener: entry, port: listener.addr.port });
  };
  const closeBound = (entry: Bound) => {
    entry.closed = true;
    try {
      entry.listener.close();
    } catch {
      // already closed
    }
  };
  const unavailable = (err: unknown) =>
    errorName(err) === "AddrNotAvailable" ||
    /address family|not available/i.test((err as Error)?.message ?? "");
  const inUse = (err: unknown) => errorName(err) === "AddrInUse";
  let main: { host: string; listener: Bound; port: number }[];
  try {
    main = await listenAll(options.hostnames, options.port, options.optionalHosts ?? [], {
      listen: (host, port) => open(host, port, false),
      close: closeBound,
      unavailable,
      inUse,
    });
  } catch (err) {
    if (httpController) abortServer(httpController);
    throw listenError(err, options.hostnames[0] ?? "", options.port);
  }
  const addrOf = (b: Bound): ServerAddr => ({
    hostname: b.listener.addr.hostname,
    port: b.listener.addr.port,
  });
  const addrs = main.map((m) => addrOf(m.listener));
  let httpAddrs: ServerAddr[] = [];
  if (options.httpPort !== undefined) {
    try {
      const plain = await listenAll(main.map((m) => m.host), options.httpPort, [], {
        listen: (host, port) => open(host, port, true),
        close: closeBound,
        unavailable,
        inUse,
      });
      httpAddrs = plain.map((p) => addrOf(p.listener));
    } catch (err) {
      for (const b of bound) closeBound(b);
      if (httpController) abortServer(httpController);
      throw listenError(err, main[0].host, options.httpPort);
    }
  }
  mainPort = addrs[0].port;
  const firstHost = addrs[0].hostname;
  origin = serverOrigin(firstHost, mainPort);
  fallbackHost = firstHost === "0.0.0.0" || firstHost === "::" ? "localhost" : firstHost;

  // --- Shutdown.
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  let shutdownPromise: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    if (shutdownPromise) return shutdownPromise;
    closing = true;
    shutdownPromise = (async () => {
      for (const b of bound) closeBound(b);
      // Deno's server ends idle keep-alive connections and HTTP/2 sessions, lets requests finish.
      const stopped = httpServer
        ? httpServer.then((s) => s.shutdown()).catch(() => {})
        : Promise.resolve();
      tracker.closeIdle();
      if (inFlight > 0) await new Promise<void>((resolve) => (idleWaiter = resolve));
      // Everything answered: the relays flush and end as Deno's server closes its side; cut what
      // is left after a moment (clients that ignore the close).
      await Promise.race([Promise.all([stopped, tracker.whenEmpty()]), sleep(500)]);
      tracker.closeAll();
      if (httpController) abortServer(httpController);
      await stopped;
      resolveFinished();
    })();
    return shutdownPromise;
  };
  if (options.signal) {
    if (options.signal.aborted) shutdown();
    else options.signal.addEventListener("abort", () => shutdown(), { once: true });
  }

  const addr = addrs[0];
  const handle: ServerHandle = {
    addr,
    addrs,
    httpAddrs,
    redirectsPlainHttp: true,
    finished,
    shutdown,
    setCertificate(next: TlsPem): Promise<void> {
      try {
        context = secureContext(next, clientAuth);
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err);
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
