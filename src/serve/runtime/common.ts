/**
 * The runtime-independent parts of the Deno and Node runtimes: file error
 * messages, atomic writes (temporary name, link or rename), the secret
 * prompt's line editing and the request-error reporter. No `Deno.*` and no
 * `node:*` here, so both runtimes import it; the API calls stay in each
 * runtime.
 *
 * @module
 */

import { TlsmithError } from "../../errors.ts";
import type { Handler, ServeHandlerInfo, WriteFileOptions } from "./types.ts";

/** For HEAD, a body of unknown length is counted up to this size to give a correct Content-Length. */
export const HEAD_COUNT_LIMIT = 16 * 1024 * 1024;

/** A file-system failure, classified from a runtime's own error (Node `code`, Deno `name`). */
export type FileErrorKind =
  | "not-found"
  | "exists"
  | "permission"
  | "is-directory"
  | "not-directory";

/**
 * The error for writing over an existing file without `overwrite`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileExistsError } from "./common.ts";
 * const err = fileExistsError("cert.pem");
 * assert.equal(err.code, "FILE_EXISTS");
 * assert.match(err.message, /^cert\.pem already exists; nothing was written\./);
 * ```
 */
export function fileExistsError(file: string, cause?: unknown): TlsmithError {
  return new TlsmithError(
    "FILE_EXISTS",
    `${file} already exists; nothing was written. Pass --force (overwrite) to replace it.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Map a runtime's file-system error to a TlsmithError that names the path.
 * `kind` is the runtime's classification of `err`; `permissionReason` is
 * the runtime's advice for a permission error. A TlsmithError passes through.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileError } from "./common.ts";
 * const gone = fileError(new Error("ENOENT"), "key.pem", "read it", "not-found", "no access");
 * assert.equal(gone.code, "FILE_NOT_FOUND");
 * assert.match(gone.message, /^key\.pem: no such file or directory \(while trying to read it\)/);
 * const denied = fileError(new Error("EACCES"), "key.pem", "read it", "permission", "no access");
 * assert.equal(denied.message, "key.pem: cannot read it: no access.");
 * ```
 */
export function fileError(
  err: unknown,
  file: string,
  action: string,
  kind: FileErrorKind | undefined,
  permissionReason: string,
): TlsmithError {
  if (err instanceof TlsmithError) return err;
  if (kind === "not-found") {
    return new TlsmithError(
      "FILE_NOT_FOUND",
      `${file}: no such file or directory (while trying to ${action}). Check the path.`,
      { cause: err },
    );
  }
  if (kind === "exists") return fileExistsError(file, err);
  const reason = kind === "permission"
    ? permissionReason
    : kind === "is-directory"
    ? "it is a directory, not a file"
    : kind === "not-directory"
    ? "a part of the path is not a directory"
    : (err as Error)?.message ?? String(err);
  return new TlsmithError("FILE_ERROR", `${file}: cannot ${action}: ${reason}.`, { cause: err });
}

/**
 * The directory and base name of a path (`/` or `\` separated); the
 * directory is `.` for a bare name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitPath } from "./common.ts";
 * assert.deepEqual(splitPath("certs/cert.pem"), { dir: "certs", base: "cert.pem" });
 * assert.deepEqual(splitPath("C:\\certs\\cert.pem"), { dir: "C:\\certs", base: "cert.pem" });
 * assert.deepEqual(splitPath("cert.pem"), { dir: ".", base: "cert.pem" });
 * assert.deepEqual(splitPath("/cert.pem"), { dir: "/", base: "cert.pem" });
 * ```
 */
export function splitPath(file: string): { dir: string; base: string } {
  const i = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  if (i < 0) return { dir: ".", base: file };
  return { dir: i === 0 ? file.slice(0, 1) : file.slice(0, i), base: file.slice(i + 1) };
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A fresh temporary name in the same directory as `file` (so that a rename
 * or link onto `file` is atomic): `dir/.base.<random>.tmp`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tempPathFor } from "./common.ts";
 * assert.match(tempPathFor("certs/cert.pem"), /^certs\/\.cert\.pem\.[0-9a-f]{12}\.tmp$/);
 * assert.notEqual(tempPathFor("cert.pem"), tempPathFor("cert.pem")); // fresh each time
 * ```
 */
export function tempPathFor(file: string): string {
  const { dir, base } = splitPath(file);
  const sep = dir.endsWith("/") || dir.endsWith("\\") ? "" : "/";
  return `${dir}${sep}.${base}.${randomSuffix()}.tmp`;
}

/**
 * True for a name {@linkcode tempPathFor} makes (`.base.<12 hex>.tmp`): a
 * file being written, possibly holding a private key. The static file server
 * never serves or lists one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTemporaryName, splitPath, tempPathFor } from "./common.ts";
 * assert.equal(isTemporaryName(splitPath(tempPathFor("certs/key.pem")).base), true);
 * assert.equal(isTemporaryName("key.pem"), false);
 * ```
 *
 * @param base a file name (no directory)
 */
export function isTemporaryName(base: string): boolean {
  return /^\..+\.[0-9a-f]{12}\.tmp$/.test(base);
}

/** The file-system calls {@linkcode writeFileAtomic} needs from a runtime. */
export interface AtomicWriteFs {
  /** True when something (even a dangling symlink) is at `path`. */
  exists(path: string): Promise<boolean>;
  /**
   * Create `path` exclusively with `mode`, write `data`, set `mode` (umask
   * aside) and flush. On a failure after creating it, remove it and throw.
   */
  writeNew(path: string, data: string | Uint8Array, mode: number): Promise<void>;
  /** Rename, replacing the target. */
  rename(from: string, to: string): Promise<void>;
  /** Hard link; fails when `to` exists. */
  link(from: string, to: string): Promise<void>;
  /** Remove a file. */
  remove(path: string): Promise<void>;
  /** Classify a runtime error. */
  kind(err: unknown): FileErrorKind | undefined;
  /** The runtime's {@linkcode fileError}. */
  fileError(err: unknown, file: string, action: string): TlsmithError;
}

/**
 * Write `data` to `file` atomically: a temporary file in the same directory
 * (created exclusively, with `mode`), then a hard link (no overwrite: fails
 * if the target appeared meanwhile) or a rename (overwrite).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AtomicWriteFs, fileError, writeFileAtomic } from "./common.ts";
 * // An in-memory file system (the runtimes pass their own file calls):
 * const files = new Map<string, string>();
 * const exists = Object.assign(new Error("EEXIST"), { code: "EEXIST" });
 * const fs: AtomicWriteFs = {
 *   exists: (path) => Promise.resolve(files.has(path)),
 *   writeNew: (path, data) => Promise.resolve(void files.set(path, String(data))),
 *   rename: (from, to) => Promise.resolve(void files.set(to, files.get(from)!).delete(from)),
 *   link: (from, to) => {
 *     if (files.has(to)) return Promise.reject(exists);
 *     return Promise.resolve(void files.set(to, files.get(from)!));
 *   },
 *   remove: (path) => Promise.resolve(void files.delete(path)),
 *   kind: (err) => (err === exists ? "exists" : undefined),
 *   fileError: (err, file, action) => fileError(err, file, action, fs.kind(err), "no access"),
 * };
 * await writeFileAtomic(fs, "certs/cert.pem", "first", { mode: 0o644 });
 * await assert.rejects(writeFileAtomic(fs, "certs/cert.pem", "second"), { code: "FILE_EXISTS" });
 * await writeFileAtomic(fs, "certs/cert.pem", "second", { overwrite: true });
 * assert.deepEqual([...files], [["certs/cert.pem", "second"]]); // no temporary file left
 * ```
 */
export async function writeFileAtomic(
  fs: AtomicWriteFs,
  file: string,
  data: string | Uint8Array,
  options: WriteFileOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o644;
  try {
    if (!options.overwrite && await fs.exists(file)) throw fileExistsError(file);
  } catch (err) {
    throw fs.fileError(err, file, "check whether it exists");
  }
  const tmp = tempPathFor(file);
  try {
    await fs.writeNew(tmp, data, mode);
  } catch (err) {
    if (fs.kind(err) === "not-found") {
      throw new TlsmithError(
        "FILE_NOT_FOUND",
        `${file}: the directory ${splitPath(file).dir} does not exist. Create it first.`,
        { cause: err },
      );
    }
    throw fs.fileError(err, file, "write");
  }
  try {
    if (options.overwrite) {
      await fs.rename(tmp, file);
    } else {
      try {
        await fs.link(tmp, file);
      } catch (err) {
        if (fs.kind(err) === "exists") throw fileExistsError(file);
        // No hard links here (some file systems): check, then rename.
        if (await fs.exists(file)) throw fileExistsError(file);
        await fs.rename(tmp, file);
      }
      await fs.remove(tmp).catch(() => {});
    }
  } catch (err) {
    await fs.remove(tmp).catch(() => {});
    throw fs.fileError(err, file, "write");
  }
}

/**
 * Line editing for a secret typed in raw mode: feed each byte; `"enter"`
 * ends the line, `"cancel"` is Ctrl-D (end of input: nothing is entered),
 * `"interrupt"` is Ctrl-C. Backspace removes one UTF-8 character, Ctrl-U
 * clears the line, other control bytes are ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SecretLine } from "./common.ts";
 * const line = new SecretLine();
 * for (const b of new TextEncoder().encode("ab\x7fcé\x7fe")) line.feed(b); // \x7f: backspace
 * assert.equal(line.feed(0x0d), "enter");
 * assert.equal(line.take(), "ace");
 * assert.equal(line.feed(0x04), "cancel"); // Ctrl-D
 * assert.equal(line.feed(0x03), "interrupt"); // Ctrl-C
 * ```
 */
export class SecretLine {
  #bytes: number[] = [];

  /** Add one byte; says when the line is done, cancelled or interrupted. */
  feed(byte: number): "enter" | "cancel" | "interrupt" | null {
    const bytes = this.#bytes;
    if (byte === 0x0d || byte === 0x0a) return "enter";
    if (byte === 0x04) {
      this.take(); // wipe what was typed
      return "cancel";
    }
    if (byte === 0x03) return "interrupt";
    if (byte === 0x7f || byte === 0x08) {
      // Remove one UTF-8 character: continuation bytes, then the lead byte.
      while (bytes.length > 0 && (bytes[bytes.length - 1] & 0xc0) === 0x80) bytes.pop();
      bytes.pop();
    } else if (byte === 0x15) {
      bytes.length = 0; // Ctrl-U: clear the line
    } else if (byte >= 0x20) {
      bytes.push(byte);
    }
    return null;
  }

  /** The text so far (UTF-8 decoded); the stored bytes are wiped. */
  take(): string {
    const text = new TextDecoder().decode(new Uint8Array(this.#bytes));
    this.#bytes.fill(0);
    this.#bytes.length = 0;
    return text;
  }
}

/**
 * The reporter of handler errors: `onError` when given (a reporter that
 * throws must not take the server down), otherwise standard error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorReporter } from "./common.ts";
 * const seen: string[] = [];
 * const report = errorReporter((e) => seen.push((e as Error).message));
 * report(new Error("boom"));
 * assert.deepEqual(seen, ["boom"]);
 * const careless = errorReporter(() => {
 *   throw new Error("the reporter failed too");
 * });
 * careless(new Error("boom")); // swallowed: the server keeps running
 * ```
 */
export function errorReporter(onError?: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    if (onError) {
      try {
        onError(error);
      } catch {
        // An error reporter that throws must not take the server down.
      }
    } else {
      console.error("tlsmith: the request handler failed:", error);
    }
  };
}

/**
 * Call a fetch handler and return its Response; a handler that throws (or
 * returns something that is not a Response) is reported and answered with
 * `500 Internal Server Error`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handlerResponse } from "./common.ts";
 * const errors: unknown[] = [];
 * const info = { remoteAddr: { hostname: "127.0.0.1", port: 1 } };
 * const response = await handlerResponse(() => {
 *   throw new Error("boom");
 * }, new Request("https://localhost/"), info, (e) => errors.push(e));
 * assert.equal(response.status, 500);
 * assert.equal(errors.length, 1);
 * ```
 *
 * @param handler the handler
 * @param request its request
 * @param info its connection info
 * @param report where a failure is reported
 */
export async function handlerResponse(
  handler: Handler,
  request: Request,
  info: ServeHandlerInfo,
  report: (error: unknown) => void,
): Promise<Response> {
  try {
    const response = await handler(request, info);
    if (!(response instanceof Response)) {
      throw new TypeError(
        `the handler returned ${
          response === null ? "null" : typeof response
        } instead of a Response; return a Response (e.g. new Response("ok")).`,
      );
    }
    return response;
  } catch (err) {
    report(err);
    return new Response("Internal Server Error", {
      status: 500,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
  }
}

/**
 * The `code` of a Node or Deno system error (`ENOENT`, `EMFILE`, …), if it has one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorCode } from "./common.ts";
 * assert.equal(errorCode(Object.assign(new Error("gone"), { code: "ENOENT" })), "ENOENT");
 * assert.equal(errorCode(new Error("plain")), undefined);
 * assert.equal(errorCode(null), undefined);
 * ```
 */
export function errorCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

/**
 * The error for a certificate and key that do not belong together, with the
 * TLS library's `message`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyMismatchError } from "./common.ts";
 * const err = keyMismatchError("key values mismatch", null);
 * assert.equal(err.code, "KEY_MISMATCH");
 * assert.match(err.message, /does not belong to the certificate \(key values mismatch\)/);
 * ```
 */
export function keyMismatchError(message: string, cause: unknown): TlsmithError {
  return new TlsmithError(
    "KEY_MISMATCH",
    `the private key does not belong to the certificate (${message}). Pass the key that was generated with this certificate.`,
    { cause },
  );
}

/** How {@linkcode readStream} reads an open file. */
export interface ChunkReader {
  /** Read up to `buffer.length` bytes at `position`; 0 or null at the end. */
  read(buffer: Uint8Array, position: number): Promise<number | null>;
  /** Close the file (called once). */
  close(): Promise<void> | void;
  /** The error a failed read becomes. */
  error(err: unknown): unknown;
}

/**
 * A byte stream over an open file, from `range.start` to `range.end`
 * (inclusive; the whole file without a range) in chunks of up to 64 KiB,
 * pulled on demand. The file is closed at the end, on error and on cancel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readStream } from "./common.ts";
 * const data = new TextEncoder().encode("hello");
 * const stream = readStream({
 *   read: (buffer, position) => {
 *     const part = data.subarray(position, position + buffer.length);
 *     buffer.set(part);
 *     return Promise.resolve(part.length);
 *   },
 *   close: () => {},
 *   error: (err) => err,
 * }, { start: 1, end: 3 });
 * assert.equal(await new Response(stream).text(), "ell"); // bytes 1 to 3, inclusive
 * ```
 */
export function readStream(
  reader: ChunkReader,
  range?: { start: number; end: number },
): ReadableStream<Uint8Array> {
  let position = range?.start ?? 0;
  const end = range?.end ?? Infinity; // inclusive
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    try {
      await reader.close();
    } catch {
      // already closed
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const want = Math.min(64 * 1024, end - position + 1);
      if (want <= 0) {
        await close();
        controller.close();
        return;
      }
      try {
        const buffer = new Uint8Array(want);
        const n = await reader.read(buffer, position);
        if (n === null || n === 0) {
          await close();
          controller.close();
          return;
        }
        position += n;
        controller.enqueue(buffer.subarray(0, n));
      } catch (err) {
        await close();
        controller.error(reader.error(err));
      }
    },
    async cancel() {
      await close();
    },
  });
}

/** Hosts meaning "every interface" or "this machine": a request URL names them `localhost`. */
const LOCAL_HOSTS = new Set(["0.0.0.0", "::", "127.0.0.1", "::1", "localhost"]);

/**
 * The origin (`https://host:port`) a server's requests are given: the URL a
 * handler sees is this origin plus the request path, never the client's
 * `Host` header. Wildcard and loopback binds are `localhost`; IPv6 is
 * bracketed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serverOrigin } from "./common.ts";
 * assert.equal(serverOrigin("127.0.0.1", 8443), "https://localhost:8443");
 * assert.equal(serverOrigin("fe80::1", 443), "https://[fe80::1]:443");
 * ```
 *
 * @param hostname the bound host
 * @param port the bound port
 */
export function serverOrigin(hostname: string, port: number): string {
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  if (LOCAL_HOSTS.has(host.toLowerCase())) return `https://localhost:${port}`;
  return `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** A `Host` or `:authority` value that would move into the path or the userinfo of a URL. */
const BAD_AUTHORITY = /[/\\?#@\s]/;

/**
 * True for a `Host` (or HTTP/2 `:authority`) value that is malformed: it holds
 * a character that would move into the path, query or userinfo of a URL. The
 * server answers such a request 400.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isBadAuthority } from "./common.ts";
 * assert.equal(isBadAuthority("localhost:8443"), false);
 * assert.equal(isBadAuthority("localhost/.env?"), true);
 * ```
 *
 * @param value the header value
 */
export function isBadAuthority(value: string): boolean {
  return BAD_AUTHORITY.test(value);
}

/** A request path: `/`, then no control characters, spaces or DEL. */
// deno-lint-ignore no-control-regex
const ORIGIN_FORM = /^\/[^\x00-\x20\x7f]*$/;

/**
 * The path (with query) a request target stands for, or null when the target
 * is malformed (the server answers 400). An origin-form target (`/a?b`) is
 * itself; an absolute-form one (`https://any.host/a?b`, which only proxies
 * should get) keeps only its path and query, so neither it nor the `Host`
 * header can change what is served; `*`, `file:` and other targets are null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestPath } from "./common.ts";
 * assert.equal(requestPath("/a/b?c"), "/a/b?c");
 * assert.equal(requestPath("http://evil.example/x?y"), "/x?y");
 * assert.equal(requestPath("file:///etc/passwd"), null);
 * assert.equal(requestPath("*"), null);
 * ```
 *
 * @param target the request target as received
 */
export function requestPath(target: string): string | null {
  if (ORIGIN_FORM.test(target)) return target;
  if (!/^https?:\/\//i.test(target)) return null;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return null;
  }
  const path = url.pathname + url.search;
  return ORIGIN_FORM.test(path) ? path : null;
}

/**
 * The key under which a runtime's file stream (`Runtime.openRead`) offers its
 * open file to the Node bridge, which then sends it with a Node stream
 * instead of reading the web stream.
 */
export const FILE_SOURCE: unique symbol = Symbol("tlsmith.fileSource");

/** What a file stream offers under {@linkcode FILE_SOURCE}. */
export interface FileSource {
  /**
   * Take over the open file as a Node `Readable` of the stream's byte range;
   * null once the web stream was read from or the file was taken.
   */
  take(): unknown;
}

/**
 * Read a byte stream to its end, or until more than `limit` bytes came (the
 * rest is then cancelled): the bytes read, in one buffer, and whether the
 * stream ended.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readUpTo } from "./common.ts";
 * const { bytes, ended } = await readUpTo(new Response("hello").body!, 100);
 * assert.equal(new TextDecoder().decode(bytes), "hello");
 * assert.equal(ended, true);
 * ```
 *
 * @param stream the stream (read, then released)
 * @param limit stop once more than this many bytes came
 */
export async function readUpTo(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; ended: boolean }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  try {
    while (total <= limit) {
      const r = await reader.read();
      if (r.done) {
        ended = true;
        break;
      }
      chunks.push(r.value);
      total += r.value.byteLength;
    }
  } finally {
    if (!ended) reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, ended };
}
