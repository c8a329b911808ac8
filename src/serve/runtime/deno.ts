/**
 * The {@linkcode Runtime} for Deno. Deno is reached through `globalThis.Deno`
 * typed by the small local {@linkcode DenoLike} interface, so this file also
 * compiles with `tsc` for npm (where no Deno types exist). The file system is
 * `files.ts` (shared with Node) over Deno's own calls; the terminal, signals,
 * and serving with `Deno.serve` (HTTP/2 or HTTP/1.1 by ALPN) are Deno's.
 *
 * @module
 */

import { concatBytes } from "../../_internal/bytes.ts";
import { TlsmithError } from "../../errors.ts";
import {
  errorReporter,
  type FileErrorKind,
  HEAD_COUNT_LIMIT,
  isBadAuthority,
  keyMismatchError,
  readUpTo,
  requestPath,
  SecretLine,
  serverOrigin,
} from "./common.ts";
import { type FilePrimitives, runtimeFiles } from "./files.ts";
import type {
  DirEntry,
  Handler,
  Runtime,
  RuntimeServeOptions,
  ServerAddr,
  ServerHandle,
} from "./types.ts";

interface DenoFileInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  mtime: Date | null;
  ctime?: Date | null;
  ino?: number | null;
  mode: number | null;
}

interface DenoFsFile {
  read(p: Uint8Array): Promise<number | null>;
  seek(offset: number, whence: number): Promise<number>;
  close(): void;
}

interface DenoNetAddr {
  hostname: string;
  port: number;
}

interface DenoHttpServer {
  readonly addr: DenoNetAddr;
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
}

interface DenoServeOptions {
  hostname: string;
  port: number;
  cert: string;
  key: string;
  signal?: AbortSignal;
  onListen?: (addr: DenoNetAddr) => void;
  onError?: (error: unknown) => Response | Promise<Response>;
  handler: (
    request: Request,
    info: { remoteAddr: DenoNetAddr },
  ) => Response | Promise<Response>;
}

/** The part of the Deno namespace this runtime uses. */
interface DenoLike {
  args: string[];
  build: { os: string };
  env: { get(name: string): string | undefined };
  cwd(): string;
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  writeFile(
    path: string,
    data: Uint8Array,
    options?: { mode?: number; createNew?: boolean },
  ): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<void>;
  stat(path: string): Promise<DenoFileInfo>;
  lstat(path: string): Promise<DenoFileInfo>;
  realPath(path: string): Promise<string>;
  readDir(path: string): AsyncIterable<DirEntry>;
  open(path: string, options?: { read?: boolean }): Promise<DenoFsFile>;
  stdin: {
    isTerminal(): boolean;
    setRaw(mode: boolean): void;
    read(p: Uint8Array): Promise<number | null>;
  };
  stdout: { writeSync(p: Uint8Array): number };
  stderr: { writeSync(p: Uint8Array): number };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  exit(code: number): never;
  serve(options: DenoServeOptions): DenoHttpServer;
}

function deno(): DenoLike {
  return (globalThis as unknown as { Deno: DenoLike }).Deno;
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | null)?.name;
}

function isWindows(): boolean {
  return deno().build.os === "windows";
}

function fileErrorKind(err: unknown): FileErrorKind | undefined {
  switch (errorName(err)) {
    case "NotFound":
      return "not-found";
    case "AlreadyExists":
      return "exists";
    case "PermissionDenied":
    case "NotCapable":
      return "permission";
    case "IsADirectory":
      return "is-directory";
    case "NotADirectory":
      return "not-directory";
  }
  return undefined;
}

/** Deno's advice for a file it may not touch. */
function permissionHint(err: unknown): string {
  return `permission denied (${
    (err as Error)?.message
  }); check the file's mode or Deno's --allow-read/--allow-write`;
}

/** Deno's own file-system calls (its `node:fs` would cost ≈ 25 ms of start-up). */
const denoFs: FilePrimitives = {
  kind: fileErrorKind,
  get windows() {
    return isWindows();
  },
  async exists(file) {
    try {
      await deno().lstat(file);
      return true;
    } catch (err) {
      if (fileErrorKind(err) === "not-found") return false;
      throw err;
    }
  },
  async writeNew(tmp, data, mode) {
    const D = deno();
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    await D.writeFile(tmp, bytes, { mode, createNew: true });
    try {
      if (!isWindows()) await D.chmod(tmp, mode);
    } catch (err) {
      await D.remove(tmp).catch(() => {});
      throw err;
    }
  },
  rename: (from, to) => deno().rename(from, to),
  link: (from, to) => deno().link(from, to),
  remove: (file) => deno().remove(file),
  readFile: (file) => deno().readFile(file),
  readTextFile: (file) => deno().readTextFile(file),
  mkdir: (dir, mode) => deno().mkdir(dir, { recursive: true, mode }),
  async stat(file) {
    const s = await deno().stat(file);
    return {
      isFile: s.isFile,
      isDirectory: s.isDirectory,
      size: s.size,
      mtime: s.mtime,
      ctime: s.ctime ?? null,
      ino: s.ino ?? null,
      mode: s.mode,
    };
  },
  realPath: (file) => deno().realPath(file),
  async readDir(dir) {
    const out: DirEntry[] = [];
    for await (const e of deno().readDir(dir)) {
      out.push({
        name: e.name,
        isDirectory: e.isDirectory,
        isFile: e.isFile,
        isSymlink: e.isSymlink,
      });
    }
    return out;
  },
  async open(file) {
    const handle = await deno().open(file, { read: true });
    let at = 0;
    return {
      async read(buffer, position) {
        if (position !== at) await handle.seek(position, 0 /* SeekMode.Start */);
        const n = await handle.read(buffer);
        at = position + (n ?? 0);
        return n;
      },
      close: () => handle.close(),
    };
  },
};

function writeAll(out: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = new TextEncoder().encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(out.writeSync(bytes));
}

function stdinIsTerminal(): boolean {
  try {
    return deno().stdin.isTerminal();
  } catch {
    return false;
  }
}

/** Read a line from the terminal without echo; Backspace edits, Ctrl-C exits with 130. */
async function promptSecret(prompt: string): Promise<string | null> {
  const D = deno();
  if (!stdinIsTerminal()) return null;
  const line = new SecretLine();
  const buffer = new Uint8Array(64);
  // Raw (no echo) before the prompt shows, so nothing typed early is echoed.
  D.stdin.setRaw(true);
  try {
    writeAll(D.stderr, prompt);
    for (;;) {
      const n = await D.stdin.read(buffer);
      if (n === null) break;
      for (const byte of buffer.subarray(0, n)) {
        const event = line.feed(byte);
        if (event === "enter") return line.take();
        if (event === "interrupt") {
          D.stdin.setRaw(false);
          writeAll(D.stderr, "\n");
          D.exit(130);
        }
      }
    }
    return line.take();
  } finally {
    buffer.fill(0);
    D.stdin.setRaw(false);
    writeAll(D.stderr, "\n");
  }
}

function serveError(err: unknown, options: RuntimeServeOptions): TlsmithError {
  const name = errorName(err);
  const message = (err as Error)?.message ?? String(err);
  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  if (name === "AddrInUse") {
    return new TlsmithError(
      "SERVE_FAILED",
      `cannot listen on ${host}:${options.port}: the port is in use; stop the other server or pick another port (0 picks a free one).`,
      { cause: err },
    );
  }
  if (name === "AddrNotAvailable" || /lookup|resolve|not available/i.test(message)) {
    return new TlsmithError(
      "SERVE_FAILED",
      `cannot listen on ${host}:${options.port}: ${message} (use 127.0.0.1, ::1, localhost or 0.0.0.0).`,
      { cause: err },
    );
  }
  if (name === "PermissionDenied" || name === "NotCapable") {
    return new TlsmithError(
      "SERVE_FAILED",
      `cannot listen on ${host}:${options.port}: ${message} (ports below 1024 need privileges; Deno needs --allow-net).`,
      { cause: err },
    );
  }
  if (/mismatch|does not match/i.test(message)) {
    return keyMismatchError(message, err);
  }
  return new TlsmithError(
    "SERVE_FAILED",
    `cannot serve on ${host}:${options.port}: ${message}. Check the certificate and key (PEM, key not encrypted).`,
    { cause: err },
  );
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

/**
 * The path (and query) the client asked for, or null for a malformed request.
 * Deno's `request.url` is `https://` + the Host header + the target (or an
 * absolute-form target as is), so a Host like `localhost/.env?` would move
 * into the path: the target is cut off after the exact Host value instead,
 * and a malformed Host is refused.
 */
function denoRequestPath(request: Request): string | null {
  const url = request.url;
  const host = request.headers.get("host");
  if (host !== null) {
    if (isBadAuthority(host)) return null;
    const prefix = `https://${host}`;
    if (url.startsWith(prefix) && url.charCodeAt(prefix.length) === 47 /* "/" */) {
      return requestPath(url.slice(prefix.length));
    }
  }
  // HTTP/2 (a checked :authority) or an absolute-form target: the path starts after the authority.
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(url);
  if (m === null) return null;
  return requestPath(m[1] === "" ? "/" : m[1]);
}

/** Bodies up to this size that would stall (see {@linkcode noStall}) are sent from one buffer. */
const ONE_WRITE_LIMIT = 256 * 1024;

/**
 * The key of Deno's internal response state, found once by probing: it is
 * read (never written) to tell a stream body from an in-memory one without
 * touching `response.body`, which would turn an in-memory body into a
 * stream (and cost ≈ 5 µs per response).
 */
const RESPONSE_STATE: symbol | undefined = (() => {
  try {
    const probe = new Response(new ReadableStream());
    for (const key of Object.getOwnPropertySymbols(probe)) {
      const state = (probe as unknown as Record<symbol, { body?: { streamOrStatic?: unknown } }>)[
        key
      ];
      if (state?.body?.streamOrStatic instanceof ReadableStream) return key;
    }
  } catch {
    // not Deno, or its internals changed: fall back to the Content-Length test
  }
  return undefined;
})();

/** True when the response's body is a stream (not a string, bytes or Blob given whole). */
function hasStreamBody(response: Response): boolean {
  if (RESPONSE_STATE !== undefined) {
    const state = (response as unknown as Record<symbol, { body?: { streamOrStatic?: unknown } }>)[
      RESPONSE_STATE
    ];
    if (state !== undefined) return state.body?.streamOrStatic instanceof ReadableStream;
  }
  return response.headers.has("content-length") && response.body !== null;
}

const NOT_YET = Symbol("not yet");

function withBody(response: Response, body: BodyInit): Response {
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * Send a stream body without Deno's per-response stall. `Deno.serve` does not
 * set TCP_NODELAY, so when the response head and a body chunk leave in
 * separate writes, Nagle's algorithm holds the second until the client's
 * delayed ACK (≈ 40 ms): every stream with a `Content-Length` (static files,
 * proxied responses, `FsFile.readable`) and multi-chunk streams without one.
 * One buffer goes out with the head in one write, so:
 *
 * - a stream with a `Content-Length` up to 256 KiB is read whole and sent from
 *   one buffer (a different length than announced is an error);
 * - a stream without one that ends within one macrotask (an in-memory body)
 *   is sent from one buffer; one that goes on is streamed as it comes (the
 *   chunks read so far first);
 * - larger bodies stream as they are (at most one stall, at the end).
 */
function noStall(response: Response): Response | Promise<Response> {
  if (!(response instanceof Response) || !hasStreamBody(response)) return response;
  const body = response.body;
  if (body === null || body.locked) return response;
  const declared = response.headers.get("content-length");
  if (declared !== null) {
    const length = Number(declared);
    if (!Number.isSafeInteger(length) || length < 0 || length > ONE_WRITE_LIMIT) return response;
    return readExactly(body, length).then((bytes) => withBody(response, bytes));
  }
  return settleSoon(response, body);
}

async function readExactly(
  body: ReadableStream<Uint8Array>,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const { bytes, ended } = await readUpTo(body, length);
  if (!ended || bytes.byteLength !== length) {
    throw new TypeError(
      `the response body has ${ended ? "" : "more than "}${bytes.byteLength} bytes but its ` +
        `Content-Length header says ${length}; send the right length or none.`,
    );
  }
  return bytes;
}

async function settleSoon(
  response: Response,
  body: ReadableStream<Uint8Array>,
): Promise<Response> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = new Promise<typeof NOT_YET>((resolve) => (timer = setTimeout(resolve, 0, NOT_YET)));
  let next: Promise<ReadableStreamReadResult<Uint8Array>> | null = reader.read();
  try {
    for (;;) {
      const r = await Promise.race([next, soon]);
      if (r === NOT_YET) break;
      next = null;
      if (r.done) return withBody(response, concatBytes(...chunks) as Uint8Array<ArrayBuffer>);
      chunks.push(r.value);
      total += r.value.byteLength;
      if (total > ONE_WRITE_LIMIT || chunks.length >= 1024) break;
      next = reader.read();
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
  let queued: Uint8Array[] | null = chunks;
  return withBody(
    response,
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (queued !== null) {
          for (const chunk of queued) controller.enqueue(chunk);
          queued = null;
          return;
        }
        const r = await (next ?? reader.read());
        next = null;
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    }),
  );
}

function badRequest(): Response {
  return new Response("Bad Request", {
    status: 400,
    headers: { "content-type": "text/plain;charset=UTF-8" },
  });
}

function serve(handler: Handler, options: RuntimeServeOptions): Promise<ServerHandle> {
  const report = errorReporter(options.onError);
  let server: DenoHttpServer;
  let origin = serverOrigin(options.hostname, options.port);
  try {
    server = deno().serve({
      hostname: options.hostname,
      port: options.port,
      cert: options.cert,
      key: options.key,
      signal: options.signal,
      // Always given, so Deno does not print its own "Listening on" line.
      onListen: () => {},
      onError: (error) => {
        report(error);
        return new Response("Internal Server Error", {
          status: 500,
          headers: { "content-type": "text/plain;charset=UTF-8" },
        });
      },
      handler: (request, info) => {
        // The URL the handler sees: the server's own origin and the path, never the Host header.
        const path = denoRequestPath(request);
        if (path === null) return badRequest();
        const url = new URL(origin + path).href;
        if (url !== request.url) {
          Object.defineProperty(request, "url", { value: url, configurable: true });
        }
        // Deno's own info object: its remoteAddr is computed only when the handler reads it.
        const response = handler(request, info);
        if (request.method === "HEAD") return Promise.resolve(response).then(headResponse);
        return response instanceof Response ? noStall(response) : response.then(noStall);
      },
    });
  } catch (err) {
    return Promise.reject(serveError(err, options));
  }
  const addr: ServerAddr = { hostname: server.addr.hostname, port: server.addr.port };
  origin = serverOrigin(addr.hostname, addr.port);
  let shutdownPromise: Promise<void> | null = null;
  const handle: ServerHandle = {
    addr,
    finished: server.finished,
    shutdown: () => (shutdownPromise ??= server.shutdown().then(() => server.finished)),
  };
  try {
    options.onListen?.(addr);
  } catch (err) {
    report(err);
  }
  return Promise.resolve(handle);
}

/**
 * Create the Deno runtime.
 *
 * @example
 * ```ts ignore
 * import { createDenoRuntime } from "./deno.ts";
 * const runtime = createDenoRuntime();
 * console.log(runtime.name, runtime.cwd());
 * ```
 */
export function createDenoRuntime(): Runtime {
  const D = deno();
  return {
    name: "deno",
    args: () => [...D.args],
    env: (name) => {
      try {
        return D.env.get(name);
      } catch {
        return undefined; // no --allow-env
      }
    },
    cwd: () => D.cwd(),
    homeDir: () => {
      try {
        return D.env.get("HOME") ?? D.env.get("USERPROFILE") ?? undefined;
      } catch {
        return undefined;
      }
    },
    platform: () => {
      const os = D.build.os;
      return os === "windows" ? "win32" : os;
    },

    ...runtimeFiles(denoFs, permissionHint),

    stdinIsTerminal,
    promptSecret,
    print: (text) => writeAll(D.stdout, text),
    printError: (text) => writeAll(D.stderr, text),
    onShutdownSignal(handler) {
      const listener = () => handler();
      const signals = isWindows() ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
      for (const signal of signals) D.addSignalListener(signal, listener);
      return () => {
        for (const signal of signals) {
          try {
            D.removeSignalListener(signal, listener);
          } catch {
            // already removed
          }
        }
      };
    },
    exit: (code) => D.exit(code),

    serve,
  };
}
