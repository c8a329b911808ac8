/**
 * The listening side of the Node server: one plain TCP
 * listener (`node:net`) per bound host, on one port. Each accepted
 * connection is tracked (handshake, first-request and idle deadlines,
 * `maxConnections`) and its first byte tells TLS (`0x16`, handed to the
 * caller's `onTls`) from plain HTTP (answered with a `308` redirect to
 * `https://`). The optional `httpPort` listeners only redirect. Accept
 * errors (out of file descriptors) never end the process: libuv keeps
 * listening and takes the waiting connections when descriptors are free.
 *
 * @module
 */

import * as http from "node:http";
import * as net from "node:net";
import process from "node:process";
import { TlsmithError } from "../../errors.ts";
import {
  type ConnectionTracker,
  httpsLocation,
  listenAll,
  type ServedConnection,
  urlHost,
} from "./connections.ts";
import { errorCode } from "./common.ts";
import type { RuntimeServeOptions, ServerAddr } from "./types.ts";

/** One accepted connection and its raw TCP socket. */
export interface FrontConnection extends ServedConnection {
  /** The raw TCP socket. */
  socket: net.Socket;
}

/** The listeners opened by {@linkcode openFronts}. */
export interface Fronts {
  /** The HTTPS addresses, one per bound host. */
  addrs: ServerAddr[];
  /** The plain-HTTP redirect addresses (`httpPort`). */
  httpAddrs: ServerAddr[];
  /**
   * The connection under a TLS socket made over one of the accepted sockets
   * (or an HTTP/2 session's `socket`), while it is open.
   */
  connectionOf(socket: net.Socket): FrontConnection | undefined;
  /** Stop accepting; resolves when every listener is closed and all its connections are gone. */
  close(): Promise<void>;
  /** Destroy every connection still open. */
  destroyAll(): void;
}

/** A key for a connection from its socket's addresses (the same for the TLS socket over it). */
export function addressKey(
  socket: { remoteAddress?: string; remotePort?: number; localPort?: number },
): string {
  return `${socket.remoteAddress}|${socket.remotePort}|${socket.localPort}`;
}

function isAcceptError(err: unknown): boolean {
  const code = errorCode(err);
  return code === "EMFILE" || code === "ENFILE" || code === "ECONNABORTED" ||
    code === "ECONNRESET" || code === "ENOBUFS" || code === "ENOMEM";
}

/**
 * The error for a host and port that cannot be listened on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenError } from "./node_front.ts";
 * const err = listenError(Object.assign(new Error("busy"), { code: "EADDRINUSE" }), "::1", 8443);
 * assert.equal(err.code, "SERVE_FAILED");
 * assert.match(err.message, /\[::1\]:8443.*in use/);
 * ```
 */
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

/**
 * Open the listeners of `options` (hosts, port, `httpPort`) and track every
 * connection with `tracker`; a TLS connection goes to `onTls` with its raw
 * socket (data not yet consumed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { get } from "node:http";
 * import { connect } from "node:net";
 * import { ConnectionTracker, DEFAULT_LIMITS } from "./connections.ts";
 * import { openFronts } from "./node_front.ts";
 * let handedOver!: () => void;
 * const tlsArrived = new Promise<void>((resolve) => (handedOver = resolve));
 * const fronts = await openFronts(
 *   { hostnames: ["127.0.0.1"], port: 0, limits: DEFAULT_LIMITS, cert: "", key: "" },
 *   new ConnectionTracker(DEFAULT_LIMITS),
 *   (socket) => { // a TLS server takes the connection here (node_server.ts)
 *     socket.destroy();
 *     handedOver();
 *   },
 *   (err) => console.error(err),
 * );
 * try {
 *   const { port } = fronts.addrs[0];
 *   // Plain HTTP to the HTTPS port is redirected:
 *   const [status, location] = await new Promise<[number?, string?]>((resolve, reject) => {
 *     get({ host: "127.0.0.1", port, path: "/a?b" }, (res) => {
 *       res.resume();
 *       resolve([res.statusCode, res.headers.location]);
 *     }).on("error", reject);
 *   });
 *   assert.deepEqual([status, location], [308, `https://127.0.0.1:${port}/a?b`]);
 *   // A first byte 0x16 (a TLS handshake) goes to the TLS server:
 *   const client = connect(port, "127.0.0.1", () => client.write(new Uint8Array([0x16, 3, 1])));
 *   client.on("error", () => {});
 *   await tlsArrived;
 *   client.destroy();
 * } finally {
 *   fronts.destroyAll();
 *   await fronts.close();
 * }
 * ```
 */
export async function openFronts(
  options: RuntimeServeOptions,
  tracker: ConnectionTracker,
  onTls: (socket: net.Socket, connection: FrontConnection) => void,
  report: (error: unknown) => void,
): Promise<Fronts> {
  const byRaw = new Map<net.Socket, FrontConnection>();
  let closing = false;
  let mainPort = options.port;
  let fallbackHost = "localhost";

  const redirects = http.createServer(
    { maxHeaderSize: options.limits.maxHeaderSize },
    (req, res) => {
      const location = httpsLocation(req.headers.host, req.url ?? "/", mainPort, fallbackHost);
      res.writeHead(308, {
        location,
        "content-type": "text/plain;charset=UTF-8",
        connection: "close",
      });
      res.end(`This server speaks HTTPS: ${location}\n`);
    },
  );
  redirects.on("clientError", (err: Error, socket: net.Socket) => {
    if (socket.writable && (err as { code?: string }).code === "HPE_HEADER_OVERFLOW") {
      socket.end(
        "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
      );
    } else {
      socket.destroy();
    }
  });

  const accept = (socket: net.Socket, plainOnly: boolean) => {
    socket.on("error", () => socket.destroy());
    const tracked = closing ? null : tracker.add(() => socket.destroy());
    if (!tracked) {
      socket.destroy();
      return;
    }
    const connection: FrontConnection = {
      tracked,
      socket,
      remoteAddr: { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 },
    };
    byRaw.set(socket, connection);
    socket.once("close", () => {
      byRaw.delete(socket);
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
      if (chunk[0] === 0x16) onTls(socket, connection); // a TLS handshake record
      else redirects.emit("connection", socket);
      process.nextTick(() => socket.resume());
    });
  };

  const frontListener = (plainOnly: boolean) => ({
    listen: (host: string, port: number) =>
      new Promise<{ listener: net.Server; port: number }>((resolve, reject) => {
        const front = net.createServer((socket) => accept(socket, plainOnly));
        front.once("error", reject);
        front.listen(port, host, () => {
          front.off("error", reject);
          front.on("error", (err: unknown) => {
            if (!isAcceptError(err)) report(err);
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
  let listeners = main.map((m) => m.listener);
  let plain: { host: string; listener: net.Server; port: number }[] = [];
  if (options.httpPort !== undefined) {
    try {
      plain = await listenAll(main.map((m) => m.host), options.httpPort, [], frontListener(true));
    } catch (err) {
      await Promise.all(listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
      throw listenError(err, main[0].host, options.httpPort);
    }
    listeners = [...listeners, ...plain.map((p) => p.listener)];
  }
  const addrOf = (m: { listener: net.Server; host: string; port: number }): ServerAddr => {
    const address = m.listener.address();
    return address && typeof address === "object"
      ? { hostname: address.address, port: address.port }
      : { hostname: m.host, port: m.port };
  };
  const addrs = main.map(addrOf);
  mainPort = addrs[0].port;
  const first = addrs[0].hostname;
  fallbackHost = first === "0.0.0.0" || first === "::" ? "localhost" : first;

  let closed: Promise<void> | undefined;
  return {
    addrs,
    httpAddrs: plain.map(addrOf),
    connectionOf(socket: net.Socket): FrontConnection | undefined {
      // A TLS socket keeps the socket it wraps as `_parent` (Node 20-24, Bun); else by address.
      const raw = (socket as { _parent?: unknown })._parent;
      const found = raw === undefined ? undefined : byRaw.get(raw as net.Socket);
      if (found !== undefined) return found;
      const key = addressKey(socket);
      for (const [rawSocket, connection] of byRaw) {
        if (addressKey(rawSocket) === key) return connection;
      }
      return undefined;
    },
    close: () =>
      closed ??= (closing = true,
        Promise.all(
          listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))),
        ).then(() => {})),
    destroyAll: () => {
      for (const socket of byRaw.keys()) socket.destroy();
    },
  };
}
