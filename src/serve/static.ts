/**
 * A small, careful static file handler for `tlsmith serve`: GET and HEAD,
 * safe path resolution (no `..`, no encoded slashes or backslashes, no NUL,
 * symlinks may not lead outside the root), `index.html`, HTML directory
 * listings, MIME types, ETag / Last-Modified revalidation and single byte
 * ranges. Files are streamed through the {@linkcode Runtime}.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import type { Handler, Runtime } from "./runtime/types.ts";

/** Options of {@linkcode serveDir}. */
export interface ServeDirOptions {
  /** File served for a directory URL ending in `/` (default `index.html`); `false` for none. */
  index?: string | false;
  /** Show an HTML listing for directories without an index (default true). */
  listing?: boolean;
  /** Called with unexpected errors (the client gets a 500). */
  onError?: (error: unknown) => void;
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
 * import { contentTypeFor } from "./static.ts";
 * console.log(contentTypeFor("app.mjs")); // text/javascript; charset=utf-8
 * console.log(contentTypeFor("blob.bin")); // application/octet-stream
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
 * import { parseRange } from "./static.ts";
 * console.log(parseRange("bytes=-4", 10)); // { kind: "range", start: 6, end: 9 }
 * console.log(parseRange("bytes=20-", 10)); // { kind: "unsatisfiable" }
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

function errorResponse(
  status: number,
  method: string,
  headers: Record<string, string> = {},
): Response {
  const body = `${status} ${STATUS_TEXT[status] ?? ""}\n`;
  return new Response(method === "HEAD" ? null : body, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(new TextEncoder().encode(body).length),
      "x-content-type-options": "nosniff",
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
      seg = decodeURIComponent(raw);
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

/**
 * A request {@linkcode Handler} serving the files under `root`, for
 * `tlsmith serve` or your own `serve()` call. Only GET and HEAD (others get 405
 * with `Allow`). Paths are decoded strictly (bad `%`-encoding → 400); `..`,
 * encoded slashes, backslashes and NUL are refused (403); a path whose real
 * location (symlinks resolved) is outside the real root is 404. Directories
 * redirect to their `/` form (301), then serve `index.html` or a listing.
 * Responses carry `Content-Type`, `Content-Length`, `Last-Modified`, a weak
 * `ETag` (304 on `If-None-Match` / `If-Modified-Since`), `Accept-Ranges` and
 * `X-Content-Type-Options: nosniff`; one byte range gives 206.
 *
 * @example
 * ```ts ignore
 * import { serveDir } from "./static.ts";
 * import { getRuntime } from "./runtime/mod.ts";
 * const runtime = await getRuntime();
 * const handler = serveDir(runtime, "./public");
 * const res = await handler(new Request("https://localhost/"), {
 *   remoteAddr: { hostname: "127.0.0.1", port: 1 },
 * });
 * console.log(res.status);
 * ```
 *
 * @param runtime the runtime whose file system is served
 * @param root the directory to serve
 * @param options index file, listings, error callback
 */
export function serveDir(runtime: Runtime, root: string, options: ServeDirOptions = {}): Handler {
  const index = options.index ?? "index.html";
  const listing = options.listing ?? true;
  const windows = runtime.platform() === "win32";
  const sep = windows ? "\\" : "/";
  let rootReal: Promise<string | null> | undefined;

  const inside = (path: string, base: string): boolean => {
    const p = windows ? path.toLowerCase() : path;
    const b = windows ? base.toLowerCase() : base;
    if (p === b) return true;
    return p.startsWith(b.endsWith(sep) ? b : b + sep);
  };
  const join = (base: string, parts: string[]): string =>
    parts.length === 0 ? base : (base.endsWith(sep) ? base : base + sep) + parts.join(sep);

  /** The real path of `path` if it exists inside the root, else null. */
  const resolveInside = async (base: string, path: string): Promise<string | null> => {
    const real = await runtime.realPath(path);
    return real !== null && inside(real, base) ? real : null;
  };

  return async (request: Request): Promise<Response> => {
    const method = request.method.toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      return errorResponse(405, method, { allow: "GET, HEAD" });
    }
    try {
      let pathname: string;
      try {
        pathname = new URL(request.url).pathname;
      } catch {
        return errorResponse(400, method);
      }
      const segments = splitPath(pathname, windows);
      if (typeof segments === "number") return errorResponse(segments, method);

      rootReal ??= runtime.realPath(root);
      const base = await rootReal;
      if (base === null) return errorResponse(404, method);

      const real = await resolveInside(base, join(base, segments));
      if (real === null) return errorResponse(404, method);
      const info = await runtime.stat(real);
      if (info === null) return errorResponse(404, method);

      const urlPath = "/" + segments.map(encodeURIComponent).join("/");
      if (info.isDirectory) {
        if (!pathname.endsWith("/")) {
          const location = (segments.length ? urlPath + "/" : "/") + new URL(request.url).search;
          return new Response(null, {
            status: 301,
            headers: { location, "content-length": "0", "x-content-type-options": "nosniff" },
          });
        }
        if (index) {
          const indexReal = await resolveInside(base, join(real, [index]));
          const indexInfo = indexReal === null ? null : await runtime.stat(indexReal);
          if (indexReal !== null && indexInfo?.isFile) {
            return await fileResponse(request, method, indexReal, indexInfo);
          }
        }
        if (!listing) return errorResponse(403, method);
        return await listingResponse(method, base, real, segments);
      }
      if (!info.isFile) return errorResponse(403, method);
      return await fileResponse(request, method, real, info);
    } catch (err) {
      if (err instanceof TlsmithError && err.code === "FILE_NOT_FOUND") {
        return errorResponse(404, method);
      }
      if (err instanceof TlsmithError && err.code === "FILE_ERROR") {
        return errorResponse(403, method);
      }
      options.onError?.(err);
      return errorResponse(500, method);
    }
  };

  async function fileResponse(
    request: Request,
    method: string,
    path: string,
    info: { size: number; mtime: Date | null },
  ): Promise<Response> {
    const size = info.size;
    const etag = weakEtag(size, info.mtime);
    const headers: Record<string, string> = {
      "content-type": contentTypeFor(path.replaceAll("\\", "/")),
      "etag": etag,
      "accept-ranges": "bytes",
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    };
    if (info.mtime) headers["last-modified"] = info.mtime.toUTCString();

    const ifNoneMatch = request.headers.get("if-none-match");
    const ifModifiedSince = request.headers.get("if-modified-since");
    let notModified = false;
    if (ifNoneMatch !== null) {
      notModified = etagMatches(ifNoneMatch, etag);
    } else if (ifModifiedSince !== null && info.mtime) {
      const since = Date.parse(ifModifiedSince);
      notModified = !Number.isNaN(since) &&
        Math.floor(info.mtime.getTime() / 1000) <= Math.floor(since / 1000);
    }
    if (notModified) {
      const { "content-type": _, ...rest } = headers;
      return new Response(null, { status: 304, headers: rest });
    }

    let range: ByteRange = { kind: "none" };
    const rangeHeader = request.headers.get("range");
    const ifRange = request.headers.get("if-range");
    // Our ETags are weak, which never match If-Range; a date must equal Last-Modified.
    const rangeAllowed = ifRange === null ||
      (!ifRange.trim().startsWith('"') && !ifRange.trim().startsWith("W/") &&
        headers["last-modified"] !== undefined &&
        Date.parse(ifRange) === Date.parse(headers["last-modified"]));
    if (rangeHeader !== null && rangeAllowed) range = parseRange(rangeHeader, size);

    if (range.kind === "unsatisfiable") {
      return errorResponse(416, method, { "content-range": `bytes */${size}` });
    }
    if (range.kind === "range") {
      headers["content-range"] = `bytes ${range.start}-${range.end}/${size}`;
      headers["content-length"] = String(range.end - range.start + 1);
      const body = method === "HEAD"
        ? null
        : await runtime.openRead(path, { start: range.start, end: range.end });
      return new Response(body, { status: 206, headers });
    }
    headers["content-length"] = String(size);
    const body = method === "HEAD" || size === 0 ? null : await runtime.openRead(path);
    return new Response(body, { status: 200, headers });
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
    for (const entry of entries) {
      const full = join(dir, [entry.name]);
      let isDir = entry.isDirectory;
      let size = "";
      let mtime = "";
      let href: string | null = encodeURIComponent(entry.name);
      // Look through a symlink only when it stays inside the root.
      const target = entry.isSymlink ? await resolveInside(base, full) : full;
      if (target === null) {
        href = null;
        size = "link outside the served directory";
      } else {
        const st = await runtime.stat(target).catch(() => null);
        if (st) {
          isDir = st.isDirectory;
          if (st.isFile) size = formatSize(st.size);
          if (st.mtime) mtime = st.mtime.toISOString().replace("T", " ").slice(0, 19);
        }
      }
      if (href !== null && isDir) href += "/";
      rows.push({ name: entry.name + (isDir ? "/" : ""), href, dir: isDir, size, mtime });
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
      },
    });
  }
}
