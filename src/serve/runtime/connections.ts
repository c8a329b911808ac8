/**
 * What the Deno and Node servers share about connections, with no runtime
 * API in it: the default timeouts and limits, the per-connection deadlines
 * (one sweeping timer for all connections), listening on several hosts on
 * one port, the size of a request's headers and the redirect of plain HTTP
 * to HTTPS.
 *
 * @module
 */

import type { ServerLimits } from "./types.ts";

/**
 * The default timeouts (ms) and limits of `serve()`: a 10 s TLS handshake,
 * 30 s for the first request's headers, 30 s idle keep-alive, 16 KiB of
 * headers, 1000 connections.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LIMITS } from "./connections.ts";
 * assert.equal(DEFAULT_LIMITS.handshakeTimeout, 10_000);
 * ```
 */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  handshakeTimeout: 10_000,
  headersTimeout: 30_000,
  idleTimeout: 30_000,
  maxHeaderSize: 16 * 1024,
  maxConnections: 1000,
});

/** An accepted connection as the servers of both runtimes keep it. */
export interface ServedConnection {
  /** Its deadlines. */
  tracked: TrackedConnection;
  /** The client's address. */
  remoteAddr: { hostname: string; port: number };
  /** With client certificates: the client's (DER), verified. */
  peerCertificate?: Uint8Array;
}

/** One connection's deadline, kept by a {@linkcode ConnectionTracker}. */
export interface TrackedConnection {
  /** The TLS handshake is done: the first request must now arrive within `headersTimeout`. */
  handshakeDone(): void;
  /** A request arrived (its headers are complete). */
  requestStarted(): void;
  /** A request's response is done (or the client went away). */
  requestEnded(): void;
  /**
   * Requests are in flight until `inFlight()` says otherwise: the tracker
   * asks it when it sweeps (and {@linkcode TrackedConnection.idle} does), so
   * a server need not hear about every response's end. Replaces the
   * previous probe.
   */
  busyUntil(inFlight: () => boolean): void;
  /** The connection left HTTP (e.g. a WebSocket upgrade): no more deadlines. */
  detach(): void;
  /** True when no request is in flight. */
  readonly idle: boolean;
  /** The connection is closed: forget it. */
  remove(): void;
}

/**
 * The open connections of a server and their deadlines: the handshake, the
 * first request, idle keep-alive. One timer sweeps them all (a few times per
 * shortest timeout, at most once a second), so a request costs two time
 * stamps, not a timer. A connection past its deadline is closed with the
 * `close` function it was added with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionTracker, DEFAULT_LIMITS } from "./connections.ts";
 * const tracker = new ConnectionTracker({ ...DEFAULT_LIMITS, maxConnections: 1 });
 * const conn = tracker.add(() => {});
 * assert.ok(conn);
 * assert.equal(tracker.add(() => {}), null); // over maxConnections
 * conn.remove();
 * assert.equal(tracker.size, 0);
 * ```
 */
export class ConnectionTracker {
  readonly #limits: ServerLimits;
  readonly #entries = new Set<Entry>();
  readonly #interval: number;
  #emptyWaiters: (() => void)[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;

  /** @param limits the timeouts and the connection limit */
  constructor(limits: ServerLimits) {
    this.#limits = limits;
    const shortest = Math.min(limits.handshakeTimeout, limits.headersTimeout, limits.idleTimeout);
    this.#interval = Math.max(20, Math.min(1000, Math.floor(shortest / 4)));
  }

  /** The number of open connections. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Track a new connection (its handshake deadline starts now); null when
   * `maxConnections` are already open (close it then).
   */
  add(close: () => void): TrackedConnection | null {
    if (this.#entries.size >= this.#limits.maxConnections) return null;
    const entry = new Entry(this, close, Date.now() + this.#limits.handshakeTimeout);
    this.#entries.add(entry);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#sweep(), this.#interval);
    }
    return entry;
  }

  /** Resolves when no connection is open. */
  whenEmpty(): Promise<void> {
    if (this.#entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  /** Close every connection with no request in flight (at shutdown). */
  closeIdle(): void {
    for (const entry of [...this.#entries]) if (entry.idle) entry.close();
  }

  /** The number of open connections with a request in flight. */
  get busy(): number {
    let count = 0;
    for (const entry of this.#entries) if (!entry.idle && !entry.detached) count++;
    return count;
  }

  /** Close every connection and stop the timer. */
  closeAll(): void {
    for (const entry of [...this.#entries]) entry.close();
    this.#stop();
  }

  /** @internal */
  deadline(kind: "headers" | "idle"): number {
    return Date.now() +
      (kind === "headers" ? this.#limits.headersTimeout : this.#limits.idleTimeout);
  }

  /** @internal */
  forget(entry: Entry): void {
    this.#entries.delete(entry);
    if (this.#entries.size === 0) {
      this.#stop();
      for (const resolve of this.#emptyWaiters.splice(0)) resolve();
    }
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    const now = Date.now();
    for (const entry of [...this.#entries]) {
      if (entry.expires === Infinity) entry.settle();
      if (entry.expires <= now) entry.close();
    }
  }
}

class Entry implements TrackedConnection {
  readonly #tracker: ConnectionTracker;
  readonly #close: () => void;
  expires: number;
  #inFlight = 0;
  /** See {@linkcode TrackedConnection.busyUntil}. */
  #probe: (() => boolean) | undefined;
  #handshaken = false;
  #detached = false;
  #closed = false;

  constructor(tracker: ConnectionTracker, close: () => void, expires: number) {
    this.#tracker = tracker;
    this.#close = close;
    this.expires = expires;
  }

  get idle(): boolean {
    if (this.#probe !== undefined) this.settle();
    return this.#inFlight === 0 && this.#probe === undefined && !this.#detached;
  }

  get detached(): boolean {
    return this.#detached;
  }

  /** Ask the probe; when it reports nothing in flight, the idle deadline starts. */
  settle(): void {
    const probe = this.#probe;
    if (probe === undefined || probe()) return;
    this.#probe = undefined;
    if (this.#inFlight === 0 && !this.#detached) this.expires = this.#tracker.deadline("idle");
  }

  handshakeDone(): void {
    if (this.#handshaken || this.#detached) return;
    this.#handshaken = true;
    if (this.#inFlight === 0) this.expires = this.#tracker.deadline("headers");
  }

  requestStarted(): void {
    this.#handshaken = true;
    this.#inFlight++;
    this.expires = Infinity;
  }

  requestEnded(): void {
    if (this.#inFlight > 0) this.#inFlight--;
    if (this.#inFlight === 0 && this.#probe === undefined && !this.#detached) {
      this.expires = this.#tracker.deadline("idle");
    }
  }

  busyUntil(inFlight: () => boolean): void {
    this.#handshaken = true;
    this.#probe = inFlight;
    this.expires = Infinity;
  }

  detach(): void {
    this.#detached = true;
    this.expires = Infinity;
  }

  remove(): void {
    this.#closed = true;
    this.#tracker.forget(this);
  }

  close(): void {
    this.#tracker.forget(this);
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#close();
    } catch {
      // already closed
    }
  }
}

/**
 * The size of a request's head as HTTP/1.1 would send it: the request line
 * and each `name: value` line, for checking `maxHeaderSize` where the
 * runtime does not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestHeadSize } from "./connections.ts";
 * const size = requestHeadSize("GET", "/", new Headers({ host: "a" }));
 * assert.equal(size, "GET / HTTP/1.1\r\n".length + "host: a\r\n".length);
 * ```
 */
export function requestHeadSize(method: string, target: string, headers: Headers): number {
  let size = method.length + target.length + 12;
  for (const [name, value] of headers) size += name.length + value.length + 4;
  return size;
}

/**
 * The `431` answer to a request whose headers are above `maxHeaderSize`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { headersTooLarge } from "./connections.ts";
 * assert.equal(headersTooLarge(16384).status, 431);
 * ```
 */
export function headersTooLarge(maxHeaderSize: number): Response {
  return new Response(`Request Header Fields Too Large (limit ${maxHeaderSize} bytes)\n`, {
    status: 431,
    headers: { "content-type": "text/plain;charset=UTF-8", connection: "close" },
  });
}

const HOST_HEADER =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** `host` for a URL: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * Where a plain-HTTP request is redirected: `https://` + the host the client
 * asked for (the `Host` header, checked; else `fallbackHost`) + the HTTPS
 * port (left out when 443) + the path and query. A target that is not a path
 * (absolute-form, `*`) redirects to `/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpsLocation } from "./connections.ts";
 * assert.equal(httpsLocation("localhost:8080", "/a?b", 8443, "127.0.0.1"), "https://localhost:8443/a?b");
 * assert.equal(httpsLocation("evil/x", "/", 443, "127.0.0.1"), "https://127.0.0.1/");
 * ```
 */
export function httpsLocation(
  hostHeader: string | null | undefined,
  target: string,
  httpsPort: number,
  fallbackHost: string,
): string {
  const asked = hostHeader && HOST_HEADER.test(hostHeader) ? hostHeader : urlHost(fallbackHost);
  const host = asked.replace(/:\d+$/, "");
  const port = httpsPort === 443 ? "" : `:${httpsPort}`;
  const path = target.startsWith("/") && !target.startsWith("//") ? target : "/";
  return `https://${host}${port}${path}`;
}

/**
 * The `308 Permanent Redirect` to `location` that plain-HTTP clients get,
 * with a short body for people reading it in a terminal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redirectResponse } from "./connections.ts";
 * assert.equal(redirectResponse("https://localhost:8443/").status, 308);
 * ```
 */
export function redirectResponse(location: string): Response {
  return new Response(`This server speaks HTTPS: ${location}\n`, {
    status: 308,
    headers: {
      location,
      "content-type": "text/plain;charset=UTF-8",
      connection: "close",
    },
  });
}

/**
 * The whole answer (status line, headers, body) to a plain-HTTP request
 * head sent to an HTTPS port: `308` to the same target on `https://`, `400`
 * for a head that is not HTTP/1.x. For servers that read the bytes
 * themselves (Deno).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plainHttpAnswer } from "./connections.ts";
 * const answer = plainHttpAnswer("GET /a HTTP/1.1\r\nHost: localhost:80\r\n\r\n", 8443, "127.0.0.1");
 * assert.match(answer, /^HTTP\/1\.1 308 .*\r\nlocation: https:\/\/localhost:8443\/a\r\n/s);
 * ```
 */
export function plainHttpAnswer(head: string, httpsPort: number, fallbackHost: string): string {
  const lines = head.split("\r\n");
  const request = /^[A-Z]+ (\S+) HTTP\/1\.[01]$/.exec(lines[0]);
  if (!request) {
    const body = "Bad Request\n";
    return `HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain;charset=UTF-8\r\n` +
      `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;
  }
  const host = lines.slice(1).map((l) => /^host:[ \t]*(.*?)[ \t]*$/i.exec(l)?.[1]).find((h) =>
    h !== undefined
  );
  const location = httpsLocation(host, request[1], httpsPort, fallbackHost);
  const body = new TextEncoder().encode(`This server speaks HTTPS: ${location}\n`);
  return `HTTP/1.1 308 Permanent Redirect\r\nlocation: ${location}\r\n` +
    `content-type: text/plain;charset=UTF-8\r\ncontent-length: ${body.length}\r\n` +
    `connection: close\r\n\r\nThis server speaks HTTPS: ${location}\n`;
}

/** How {@linkcode listenAll} opens one listener. */
export interface ListenOne<L> {
  /** Listen on `host`:`port` (0: a free port); resolves with the listener and its real port. */
  listen(host: string, port: number): Promise<{ listener: L; port: number }>;
  /** Close a listener opened by `listen`. */
  close(listener: L): void | Promise<void>;
  /** True when the error means the address does not exist here (e.g. no IPv6). */
  unavailable(err: unknown): boolean;
  /** True when the error means the port is taken. */
  inUse(err: unknown): boolean;
}

/**
 * Listen on every host of `hosts` on one port. With port 0 the first host
 * gets a free port and the others the same number; when that number is
 * taken on another host, all are closed and it starts again (a few times).
 * A host of `optional` whose address this machine lacks is skipped. On
 * failure everything opened is closed and the error is thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AddressInfo, createServer, type Server } from "node:net";
 * import { listenAll, type ListenOne } from "./connections.ts";
 * const tcp: ListenOne<Server> = {
 *   listen: (host, port) =>
 *     new Promise((resolve, reject) => {
 *       const server = createServer().once("error", reject);
 *       server.listen(port, host, () => {
 *         resolve({ listener: server, port: (server.address() as AddressInfo).port });
 *       });
 *     }),
 *   close: (server) => new Promise<void>((resolve) => server.close(() => resolve())),
 *   unavailable: (err) => (err as { code?: string }).code === "EADDRNOTAVAIL",
 *   inUse: (err) => (err as { code?: string }).code === "EADDRINUSE",
 * };
 * const listeners = await listenAll(["127.0.0.1", "::1"], 0, ["::1"], tcp);
 * assert.equal(listeners[0].host, "127.0.0.1"); // ::1 is skipped where there is no IPv6
 * assert.ok(listeners.every((l) => l.port > 0 && l.port === listeners[0].port)); // one port
 * for (const { listener } of listeners) await tcp.close(listener);
 * ```
 */
export async function listenAll<L>(
  hosts: readonly string[],
  port: number,
  optional: readonly string[],
  one: ListenOne<L>,
): Promise<{ host: string; listener: L; port: number }[]> {
  for (let attempt = 1;; attempt++) {
    const opened: { host: string; listener: L; port: number }[] = [];
    let wanted = port;
    try {
      for (const host of hosts) {
        try {
          const result = await one.listen(host, wanted);
          opened.push({ host, ...result });
          wanted = result.port;
        } catch (err) {
          if (optional.includes(host) && one.unavailable(err)) continue;
          throw err;
        }
      }
      if (opened.length === 0) throw new Error("no address to listen on");
      return opened;
    } catch (err) {
      await Promise.all(opened.map((o) => one.close(o.listener)));
      const retry = port === 0 && opened.length > 0 && one.inUse(err) && attempt < 5;
      if (!retry) throw err;
    }
  }
}
