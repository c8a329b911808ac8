/**
 * A small, careful and fast static file handler for `tlsmith serve`: GET and
 * HEAD, safe path resolution (no `..`, no encoded slashes or backslashes, no
 * NUL, symlinks may not lead outside the root), `index.html`, HTML directory
 * listings, MIME types, ETag / Last-Modified revalidation and single byte
 * ranges; optional CORS and single-page-app fallback.
 *
 * It never hands out a secret: files holding a PEM private key, `.p12` /
 * `.pfx` files, tlsmith's own temporary files and (unless asked) dotfiles
 * are 404 and left out of listings.
 *
 * Speed: one `stat` per request; what the file's metadata says (its real
 * path, ETag, headers, whether it holds a key) is cached until the metadata
 * changes, and files up to 256 KiB are kept in memory and sent from one
 * buffer. Larger files are streamed through the {@linkcode Runtime}.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { isPrivateKeyLabel } from "../pem.ts";
import { isTemporaryName, readUpTo } from "./runtime/common.ts";
import type { FileInfo, Handler, Runtime } from "./runtime/types.ts";

/** Options of {@linkcode serveDir}. */
export interface ServeDirOptions {
  /** File served for a directory URL ending in `/` (default `index.html`); `false` for none. */
  index?: string | false;
  /** Show an HTML listing for directories without an index (default true). */
  listing?: boolean;
  /** Called with unexpected errors (the client gets a 500). */
  onError?: (error: unknown) => void;
  /**
   * Serve and list dotfiles and dot-directories (`.env`, `.git/`, …). Default
   * false: they are 404 and not listed, except `/.well-known/`. tlsmith's
   * temporary files, `.p12`/`.pfx` files and private keys are never served.
   */
  dotfiles?: boolean;
  /**
   * Allow cross-origin requests from any origin: `Access-Control-Allow-Origin: *`
   * on every response and `OPTIONS` preflights answered 204 (default false).
   */
  cors?: boolean;
  /**
   * Single-page app: a GET or HEAD of a path that does not exist and whose
   * last segment has no extension (`/app/settings`, not `/app.js`) gets the
   * root's index file with status 200 (default false).
   */
  spa?: boolean;
}

const TEXT = "; charset=utf-8";

/** Content types by lower-case file extension. */
const MIME_TYPES: Record<string, string> = {
  html: "text/html" + TEXT,
  htm: "text/html" + TEXT,
  css: "text/css" + TEXT,
  js: "text/javascript" + TEXT,
  mjs: "text/javascript" + TEXT,
  cjs: "text/javascript" + TEXT,
  json: "application/json" + TEXT,
  map: "application/json" + TEXT,
  webmanifest: "application/manifest+json" + TEXT,
  txt: "text/plain" + TEXT,
  md: "text/markdown" + TEXT,
  csv: "text/csv" + TEXT,
  xml: "application/xml" + TEXT,
  svg: "image/svg+xml" + TEXT,
  pem: "application/x-pem-file",
  crt: "application/x-x509-ca-cert",
  cer: "application/pkix-cert",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/vnd.microsoft.icon",
  wasm: "application/wasm",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  mp3: "audio/mpeg",
  mp4: "video/mp4",
  webm: "video/webm",
};

/**
 * The `Content-Type` for a file name by its extension (`charset=utf-8` for
 * text types); `application/octet-stream` when unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentTypeFor } from "./static.ts";
 * assert.equal(contentTypeFor("app.mjs"), "text/javascript; charset=utf-8");
 * assert.equal(contentTypeFor("site/INDEX.HTML"), "text/html; charset=utf-8");
 * assert.equal(contentTypeFor("blob.bin"), "application/octet-stream");
 * ```
 *
 * @param name a file name or path
 */
export function contentTypeFor(name: string): string {
  const base = name.slice(name.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  if (dot < 0) return "application/octet-stream";
  return MIME_TYPES[base.slice(dot + 1).toLowerCase()] ?? "application/octet-stream";
}

/** A parsed `Range` header against a file size. */
export type ByteRange =
  | { kind: "none" }
  | { kind: "unsatisfiable" }
  | { kind: "range"; start: number; end: number };

/**
 * Interpret a `Range` header for a file of `size` bytes. Only one range of the
 * `bytes` unit is honoured (`a-b`, `a-`, `-n`); several ranges or a malformed
 * header give `none` (serve the whole file), a range starting past the end
 * gives `unsatisfiable` (416).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRange } from "./static.ts";
 * assert.deepEqual(parseRange("bytes=-4", 10), { kind: "range", start: 6, end: 9 }); // the last 4
 * assert.deepEqual(parseRange("bytes=2-", 10), { kind: "range", start: 2, end: 9 });
 * assert.deepEqual(parseRange("bytes=20-", 10), { kind: "unsatisfiable" }); // 416
 * assert.deepEqual(parseRange("lines=1-2", 10), { kind: "none" }); // ignored: the whole file
 * ```
 *
 * @param header the `Range` header value
 * @param size the file size in bytes
 */
export function parseRange(header: string, size: number): ByteRange {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return { kind: "none" };
  const a = m[1] === "" ? undefined : Number(m[1]);
  const b = m[2] === "" ? undefined : Number(m[2]);
  if (
    (a !== undefined && !Number.isSafeInteger(a)) || (b !== undefined && !Number.isSafeInteger(b))
  ) {
    return { kind: "none" };
  }
  if (a === undefined) {
    // Suffix range: the last b bytes.
    if (b === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", start: Math.max(0, size - b!), end: size - 1 };
  }
  if (b !== undefined && b < a) return { kind: "none" };
  if (a >= size) return { kind: "unsatisfiable" };
  return { kind: "range", start: a, end: Math.min(b ?? size - 1, size - 1) };
}

/** Escape text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  416: "Range Not Satisfiable",
  500: "Internal Server Error",
};

/** Files up to this size are kept in memory and sent from one buffer. */
const SMALL_FILE = 256 * 1024;
/** Memory for kept files, all together. */
const CACHE_BYTES = 32 * 1024 * 1024;
/** Cached file facts, at most. */
const CACHE_ENTRIES = 10_000;
/** How much of a larger file is searched for a private key. */
const KEY_SCAN = 64 * 1024;

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]{1,64})-----/g;

/** A line break in a file, or written as an escape inside a string (JSON, source code). */
const LINE_BREAKS = /\r?\n|\\r\\n|\\n/;
/** An RFC 1421 header line of a legacy encrypted key (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`). */
const PEM_HEADER = /^[A-Za-z][A-Za-z0-9-]*: ?[\x20-\x7e]*$/;
/** The smallest private key body: an Ed25519 or X25519 PKCS#8 key is 48 bytes, 64 base64 characters. */
const MIN_KEY_BASE64 = 64;

/** True when `body` (between a BEGIN and its END line) is what a key's PEM body looks like. */
function isKeyBody(body: string): boolean {
  let base64 = 0;
  let headers = true;
  for (const raw of body.split(LINE_BREAKS)) {
    const line = raw.trim().replaceAll("\\/", "/"); // JSON may escape "/"
    if (line === "") continue;
    if (headers && PEM_HEADER.test(line)) continue;
    headers = false;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(line)) return false;
    base64 += line.length;
  }
  return base64 >= MIN_KEY_BASE64;
}

/**
 * True when `bytes` hold private key material: a whole PEM block (a
 * `-----BEGIN …-----` line, a base64 body of a key's size, the matching
 * `-----END …-----` line) whose label is a private key's (`PRIVATE KEY`,
 * `ENCRYPTED PRIVATE KEY`, `RSA PRIVATE KEY`, `OPENSSH PRIVATE KEY`, …)
 * anywhere in them — also inside a string with escaped line breaks, as in a
 * cloud service account's JSON file — or a PuTTY key file. A BEGIN line in
 * documentation, or code that builds or checks PEM text, is not a key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { holdsPrivateKey } from "./static.ts";
 * const body = "MHcCAQEEIBbW4mD1".repeat(10); // 160 base64 characters, a P-256 key's size
 * const pem = `Bag Attributes\n-----BEGIN EC PRIVATE KEY-----\n${body}\n-----END EC PRIVATE KEY-----\n`;
 * assert.equal(holdsPrivateKey(new TextEncoder().encode(pem)), true);
 * const json = JSON.stringify({ type: "service_account", private_key: pem });
 * assert.equal(holdsPrivateKey(new TextEncoder().encode(json)), true);
 * assert.equal(holdsPrivateKey(new TextEncoder().encode('key: "-----BEGIN PRIVATE KEY-----…"')), false);
 * ```
 *
 * @param bytes the start (or all) of a file
 */
export function holdsPrivateKey(bytes: Uint8Array): boolean {
  const text = new TextDecoder("latin1").decode(bytes);
  if (text.startsWith("PuTTY-User-Key-File-")) return true;
  for (const m of text.matchAll(PEM_BEGIN)) {
    if (!isPrivateKeyLabel(m[1])) continue;
    const bodyStart = m.index! + m[0].length;
    const end = text.indexOf(`-----END ${m[1]}-----`, bodyStart);
    if (end >= 0 && isKeyBody(text.slice(bodyStart, end))) return true;
  }
  return false;
}

/**
 * True for a file name the static server never serves, whatever the
 * options: PKCS#12 key stores (`.p12`, `.pfx`) and tlsmith's own temporary
 * files (which may hold a key being written).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSecretFileName } from "./static.ts";
 * assert.equal(isSecretFileName("server.PFX"), true);
 * assert.equal(isSecretFileName("index.html"), false);
 * ```
 *
 * @param name a file name (no directory)
 */
export function isSecretFileName(name: string): boolean {
  return /\.(p12|pfx)$/i.test(name) || isTemporaryName(name);
}

/** True when the path (decoded segments) names something never served with these options. */
function isRefused(segments: readonly string[], dotfiles: boolean): boolean {
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (isSecretFileName(seg)) return true;
    if (seg.charCodeAt(0) === 46 /* "." */ && !dotfiles && !(i === 0 && seg === ".well-known")) {
      return true;
    }
  }
  return false;
}

function errorResponse(
  status: number,
  method: string,
  extra: Record<string, string>,
  headers: Record<string, string> = {},
): Response {
  const body = `${status} ${STATUS_TEXT[status] ?? ""}\n`;
  return new Response(method === "HEAD" ? null : body, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(body.length),
      "x-content-type-options": "nosniff",
      ...extra,
      ...headers,
    },
  });
}

/** The URL path split into decoded, checked segments, or an error status. */
function splitPath(pathname: string, windows: boolean): string[] | number {
  const segments: string[] = [];
  for (const raw of pathname.split("/")) {
    let seg: string;
    try {
      seg = raw.includes("%") ? decodeURIComponent(raw) : raw;
    } catch {
      return 400; // bad %-encoding
    }
    if (seg === "" || seg === ".") continue;
    if (
      seg === ".." || seg.includes("/") || seg.includes("\\") || seg.includes("\0") ||
      (windows && (seg.includes(":") || /[. ]$/.test(seg)))
    ) {
      return 403;
    }
    segments.push(seg);
  }
  return segments;
}

function weakEtag(size: number, mtime: Date | null): string {
  return `W/"${size.toString(16)}-${(mtime?.getTime() ?? 0).toString(16)}"`;
}

/** Weak comparison of an `If-None-Match` list against our ETag. */
function etagMatches(header: string, etag: string): boolean {
  const ours = etag.replace(/^W\//, "");
  return header.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag.replace(/^W\//, "") === ours;
  });
}

function formatSize(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = size / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}

/** What a path's metadata says, so it changes when the file (or where a link points) does. */
function signature(info: FileInfo): string {
  return `${info.size}:${info.mtime?.getTime() ?? ""}:${info.ctime?.getTime() ?? ""}:${
    info.ino ?? ""
  }:${info.isFile ? "f" : info.isDirectory ? "d" : "o"}`;
}

/** What the server knows about a path, valid while its {@linkcode signature} holds. */
interface Entry {
  sig: string;
  /** The real path, or null when it leads outside the root. */
  real: string | null;
  info: FileInfo;
  /** True for a file holding private key material. */
  secret: boolean;
  /** The whole file, for a small one. */
  bytes?: Uint8Array<ArrayBuffer>;
  /** Headers of a 200 response (and the base of the others). */
  headers?: Record<string, string>;
  etag?: string;
}

/** True when the file at `path` (of `size` bytes) holds private key material. */
async function fileHoldsKey(runtime: Runtime, path: string, size: number): Promise<boolean> {
  if (size === 0) return false;
  const head = size <= KEY_SCAN
    ? await runtime.readFile(path)
    : (await readUpTo(await runtime.openRead(path, { start: 0, end: KEY_SCAN - 1 }), KEY_SCAN))
      .bytes;
  return holdsPrivateKey(head);
}

/**
 * A request {@linkcode Handler} serving the files under `root`, for
 * `tlsmith serve` or your own `serve()` call. Only GET and HEAD (others get 405
 * with `Allow`; `OPTIONS` preflights with `cors`). Paths are decoded strictly
 * (bad `%`-encoding → 400); `..`, encoded slashes, backslashes and NUL are
 * refused (403); a path whose real location (symlinks resolved) is outside the
 * real root is 404. Secrets are 404 and not listed: files holding a PEM
 * private key, `.p12`/`.pfx`, tlsmith's temporary files, and dotfiles unless
 * `dotfiles` (`/.well-known/` is served). Directories redirect to their `/`
 * form (301), then serve `index.html` or a listing. Responses carry
 * `Content-Type`, `Content-Length`, `Last-Modified`, a weak `ETag` (304 on
 * `If-None-Match` / `If-Modified-Since`), `Accept-Ranges` and
 * `X-Content-Type-Options: nosniff`; one byte range gives 206.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { getRuntime } from "./runtime/mod.ts";
 * import { serveDir } from "./static.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-public-", async (dir) => {
 *   await runtime.writeFile(`${dir}/index.html`, "<h1>app</h1>");
 *   await runtime.writeFile(`${dir}/key.pem`, (await adhocCert()).key);
 *   const handler = serveDir(runtime, dir, { spa: true }); // what serve() takes
 *   const info = { remoteAddr: { hostname: "127.0.0.1", port: 50000 } };
 *   const get = (path: string, headers = {}) =>
 *     handler(new Request(`https://localhost${path}`, { headers }), info);
 *
 *   const page = await get("/");
 *   assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
 *   assert.equal(await page.text(), "<h1>app</h1>");
 *   const route = await get("/settings/profile"); // spa: an app route gets index.html
 *   assert.equal(await route.text(), "<h1>app</h1>");
 *   const part = await get("/index.html", { range: "bytes=4-6" });
 *   assert.deepEqual([part.status, await part.text()], [206, "app"]);
 *   const key = await get("/key.pem"); // private keys are never served
 *   assert.equal(key.status, 404);
 *   await key.body?.cancel();
 * });
 * ```
 *
 * @param runtime the runtime whose file system is served
 * @param root the directory to serve
 * @param options index file, listings, dotfiles, CORS, SPA fallback, error callback
 */
export function serveDir(runtime: Runtime, root: string, options: ServeDirOptions = {}): Handler {
  const index = options.index ?? "index.html";
  const listing = options.listing ?? true;
  const dotfiles = options.dotfiles ?? false;
  const spa = options.spa ?? false;
  const extra: Record<string, string> = options.cors
    ? {
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "ETag, Content-Range, Accept-Ranges",
    }
    : {};
  const allow = options.cors ? "GET, HEAD, OPTIONS" : "GET, HEAD";
  const windows = runtime.platform() === "win32";
  const sep = windows ? "\\" : "/";
  let rootReal: Promise<string | null> | undefined;
  const cache = new Map<string, Entry>();
  let cachedBytes = 0;

  const inside = (path: string, base: string): boolean => {
    const p = windows ? path.toLowerCase() : path;
    const b = windows ? base.toLowerCase() : base;
    if (p === b) return true;
    return p.startsWith(b.endsWith(sep) ? b : b + sep);
  };
  const join = (base: string, parts: string[]): string =>
    parts.length === 0 ? base : (base.endsWith(sep) ? base : base + sep) + parts.join(sep);

  const remember = (path: string, entry: Entry): Entry => {
    const old = cache.get(path);
    if (old) {
      cachedBytes -= old.bytes?.byteLength ?? 0;
      cache.delete(path);
    }
    cache.set(path, entry);
    cachedBytes += entry.bytes?.byteLength ?? 0;
    // Forget the oldest entries first (Map keeps insertion order).
    for (const [key, e] of cache) {
      if (cachedBytes <= CACHE_BYTES && cache.size <= CACHE_ENTRIES) break;
      cache.delete(key);
      cachedBytes -= e.bytes?.byteLength ?? 0;
    }
    return entry;
  };

  /**
   * What is at `path` (inside the root `base`): one `stat`, and when its
   * metadata changed, the real path, the key check and (small files, unless
   * `keep` is false) the content. Null when nothing is there.
   */
  const lookup = async (base: string, path: string, keep = true): Promise<Entry | null> => {
    const info = await runtime.stat(path);
    if (info === null) {
      cache.delete(path);
      return null;
    }
    const sig = signature(info);
    const known = cache.get(path);
    if (known !== undefined && known.sig === sig) return known;
    const realPath = await runtime.realPath(path);
    const real = realPath !== null && inside(realPath, base) ? realPath : null;
    const entry: Entry = { sig, real, info, secret: false };
    if (real !== null && info.isFile) {
      // A listing (keep false) only looks at what a key check needs.
      if (info.size <= (keep ? SMALL_FILE : KEY_SCAN)) {
        const bytes = await runtime.readFile(real) as Uint8Array<ArrayBuffer>;
        entry.secret = holdsPrivateKey(bytes);
        // A file that changed while it was read is streamed, and looked at again next time.
        if (bytes.byteLength === info.size) entry.bytes = bytes;
        else entry.sig = "";
      } else {
        entry.secret = await fileHoldsKey(runtime, real, info.size);
      }
      const etag = weakEtag(info.size, info.mtime);
      const headers: Record<string, string> = {
        "content-type": contentTypeFor(real.replaceAll("\\", "/")),
        "content-length": String(info.size),
        "etag": etag,
        "accept-ranges": "bytes",
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        ...extra,
      };
      if (info.mtime) headers["last-modified"] = info.mtime.toUTCString();
      entry.etag = etag;
      entry.headers = headers;
    }
    return remember(path, entry);
  };

  const preflight = (request: Request): Response => {
    const headers: Record<string, string> = {
      ...extra,
      "access-control-allow-methods": allow,
      "access-control-max-age": "86400",
      "allow": allow,
    };
    const asked = request.headers.get("access-control-request-headers");
    if (asked !== null) headers["access-control-allow-headers"] = asked;
    return new Response(null, { status: 204, headers });
  };

  return async (request: Request): Promise<Response> => {
    const method = request.method.toUpperCase();
    if (method === "OPTIONS" && options.cors) return preflight(request);
    if (method !== "GET" && method !== "HEAD") {
      return errorResponse(405, method, extra, { allow });
    }
    try {
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return errorResponse(400, method, extra);
      }
      const pathname = url.pathname;
      const segments = splitPath(pathname, windows);
      if (typeof segments === "number") return errorResponse(segments, method, extra);
      if (isRefused(segments, dotfiles)) return errorResponse(404, method, extra);

      rootReal ??= runtime.realPath(root);
      const base = await rootReal;
      if (base === null) return errorResponse(404, method, extra);

      const entry = await lookup(base, join(base, segments));
      if (entry === null || entry.real === null) {
        const last = segments[segments.length - 1] ?? "";
        if (spa && entry === null && index && !last.includes(".")) {
          const app = await lookup(base, join(base, [index]));
          if (app?.real && app.info.isFile && !app.secret) {
            return await fileResponse(request, method, app);
          }
        }
        return errorResponse(404, method, extra);
      }
      if (entry.info.isDirectory) {
        if (!pathname.endsWith("/")) {
          const urlPath = "/" + segments.map(encodeURIComponent).join("/");
          const location = (segments.length ? urlPath + "/" : "/") + url.search;
          return new Response(null, {
            status: 301,
            headers: {
              location,
              "content-length": "0",
              "x-content-type-options": "nosniff",
              ...extra,
            },
          });
        }
        if (index) {
          const page = await lookup(base, join(entry.real, [index]));
          if (page?.real && page.info.isFile && !page.secret) {
            return await fileResponse(request, method, page);
          }
        }
        if (!listing) return errorResponse(403, method, extra);
        return await listingResponse(method, base, entry.real, segments);
      }
      if (!entry.info.isFile) return errorResponse(403, method, extra);
      if (entry.secret) return errorResponse(404, method, extra);
      return await fileResponse(request, method, entry);
    } catch (err) {
      if (err instanceof TlsmithError && err.code === "FILE_NOT_FOUND") {
        return errorResponse(404, method, extra);
      }
      if (err instanceof TlsmithError && err.code === "FILE_ERROR") {
        return errorResponse(403, method, extra);
      }
      options.onError?.(err);
      return errorResponse(500, method, extra);
    }
  };

  async function fileResponse(request: Request, method: string, entry: Entry): Promise<Response> {
    const headers = entry.headers!;
    const etag = entry.etag!;
    const size = entry.info.size;
    const mtime = entry.info.mtime;
    const ifNoneMatch = request.headers.get("if-none-match");
    let notModified = false;
    if (ifNoneMatch !== null) {
      notModified = etagMatches(ifNoneMatch, etag);
    } else if (mtime) {
      const ifModifiedSince = request.headers.get("if-modified-since");
      if (ifModifiedSince !== null) {
        const since = Date.parse(ifModifiedSince);
        notModified = !Number.isNaN(since) &&
          Math.floor(mtime.getTime() / 1000) <= Math.floor(since / 1000);
      }
    }
    if (notModified) {
      const { "content-type": _, "content-length": __, ...rest } = headers;
      return new Response(null, { status: 304, headers: rest });
    }

    const rangeHeader = request.headers.get("range");
    if (rangeHeader !== null) {
      const ifRange = request.headers.get("if-range");
      // Our ETags are weak, which never match If-Range; a date must equal Last-Modified.
      const rangeAllowed = ifRange === null ||
        (!ifRange.trim().startsWith('"') && !ifRange.trim().startsWith("W/") &&
          headers["last-modified"] !== undefined &&
          Date.parse(ifRange) === Date.parse(headers["last-modified"]));
      const range = rangeAllowed ? parseRange(rangeHeader, size) : { kind: "none" as const };
      if (range.kind === "unsatisfiable") {
        return errorResponse(416, method, extra, { "content-range": `bytes */${size}` });
      }
      if (range.kind === "range") {
        const partial = {
          ...headers,
          "content-range": `bytes ${range.start}-${range.end}/${size}`,
          "content-length": String(range.end - range.start + 1),
        };
        const body = method === "HEAD"
          ? null
          : entry.bytes
          ? entry.bytes.subarray(range.start, range.end + 1)
          : await runtime.openRead(entry.real!, { start: range.start, end: range.end });
        return new Response(body as BodyInit | null, { status: 206, headers: partial });
      }
    }
    const body = method === "HEAD" || size === 0
      ? null
      : entry.bytes ?? await runtime.openRead(entry.real!);
    return new Response(body as BodyInit | null, { status: 200, headers });
  }

  async function listingResponse(
    method: string,
    base: string,
    dir: string,
    segments: string[],
  ): Promise<Response> {
    const entries = await runtime.readDir(dir);
    const rows: { name: string; href: string | null; dir: boolean; size: string; mtime: string }[] =
      [];
    for (const item of entries) {
      if (isRefused([...segments, item.name], dotfiles)) continue;
      let isDir = item.isDirectory;
      let size = "";
      let mtime = "";
      let href: string | null = encodeURIComponent(item.name);
      const found = await lookup(base, join(dir, [item.name]), false).catch(() => null);
      if (found?.secret) continue;
      if (found !== null && found.real === null) {
        // Look through a symlink only when it stays inside the root.
        href = null;
        size = "link outside the served directory";
      } else if (found !== null) {
        isDir = found.info.isDirectory;
        if (found.info.isFile) size = formatSize(found.info.size);
        if (found.info.mtime) {
          mtime = found.info.mtime.toISOString().replace("T", " ").slice(0, 19);
        }
      }
      if (href !== null && isDir) href += "/";
      rows.push({ name: item.name + (isDir ? "/" : ""), href, dir: isDir, size, mtime });
    }
    rows.sort((a, b) =>
      a.dir === b.dir ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.dir ? -1 : 1
    );
    const title = "Index of /" + segments.map((s) => s + "/").join("");
    const lines = [
      "<!DOCTYPE html>",
      '<html lang="en">',
      '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
      `<title>${escapeHtml(title)}</title>`,
      "<style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:.15em 1em .15em 0}" +
      "td.n{font-family:ui-monospace,monospace}td.s,td.m{color:#666}</style>",
      "</head>",
      "<body>",
      `<h1>${escapeHtml(title)}</h1>`,
      "<table>",
    ];
    if (segments.length > 0) {
      lines.push('<tr><td class="n"><a href="../">../</a></td><td></td><td></td></tr>');
    }
    for (const row of rows) {
      const name = escapeHtml(row.name);
      const cell = row.href === null ? name : `<a href="${escapeHtml(row.href)}">${name}</a>`;
      lines.push(
        `<tr><td class="n">${cell}</td><td class="s">${escapeHtml(row.size)}</td>` +
          `<td class="m">${row.mtime}</td></tr>`,
      );
    }
    lines.push("</table>", "</body>", "</html>", "");
    const body = new TextEncoder().encode(lines.join("\n"));
    return new Response(method === "HEAD" ? null : body, {
      status: 200,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-length": String(body.length),
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        ...extra,
      },
    });
  }
}

/** What {@linkcode findKeyFiles} found. */
export interface KeyFilesFound {
  /** Paths relative to the root (with `/`), of files holding private keys or PKCS#12 stores. */
  files: string[];
  /** True when the search stopped at its bound before seeing everything. */
  truncated: boolean;
}

/**
 * Look for private key material under `root` (the files {@linkcode serveDir}
 * refuses to serve for their content or name: PEM private keys, `.p12`,
 * `.pfx`), so `tlsmith serve` can warn about them at start. The search is
 * bounded (depth, number of entries) and skips dot-directories and
 * `node_modules`; it never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { getRuntime } from "./runtime/mod.ts";
 * import { findKeyFiles } from "./static.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-site-", async (site) => {
 *   const { cert, key } = await adhocCert();
 *   await runtime.mkdir(`${site}/certs`);
 *   await runtime.writeFile(`${site}/certs/dev.pem`, cert); // a certificate: not a key
 *   await runtime.writeFile(`${site}/certs/dev-key.txt`, key); // a key, whatever its name
 *   await runtime.writeFile(`${site}/index.html`, "<h1>site</h1>");
 *   const { files, truncated } = await findKeyFiles(runtime, site);
 *   assert.deepEqual(files, ["certs/dev-key.txt"]);
 *   assert.equal(truncated, false);
 * });
 * ```
 *
 * @param runtime the runtime whose file system is searched
 * @param root the served directory
 * @param limits how deep and how many entries to look at
 */
export async function findKeyFiles(
  runtime: Runtime,
  root: string,
  limits: { depth?: number; entries?: number } = {},
): Promise<KeyFilesFound> {
  const maxDepth = limits.depth ?? 3;
  let budget = limits.entries ?? 2000;
  const sep = runtime.platform() === "win32" ? "\\" : "/";
  const files: string[] = [];
  let truncated = false;
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await runtime.readDir(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (budget-- <= 0) {
        truncated = true;
        return;
      }
      const path = dir + (dir.endsWith(sep) ? "" : sep) + entry.name;
      const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      if (/\.(p12|pfx)$/i.test(entry.name)) {
        files.push(relPath);
        continue;
      }
      try {
        if (entry.isDirectory) {
          if (depth < maxDepth) await walk(path, relPath, depth + 1);
          else truncated = true;
        } else if (entry.isFile) {
          const info = await runtime.stat(path);
          if (info?.isFile && await fileHoldsKey(runtime, path, info.size)) files.push(relPath);
        }
      } catch {
        // unreadable: not served either
      }
    }
  };
  await walk(root, "", 0);
  return { files, truncated };
}
