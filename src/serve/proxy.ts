/**
 * `proxy(target)`: a handler for {@linkcode serve} that passes every request
 * on to a plain-HTTP server on this machine (a dev server) and its answer
 * back, so the dev server is reached over HTTPS: bodies stream both ways,
 * WebSocket upgrades (hot reload) and Server-Sent Events work, `Host` is
 * kept, `X-Forwarded-*` and `Forwarded` are added, hop-by-hop headers are
 * dropped, the dev server's redirects to itself point at the HTTPS origin,
 * and while it is down the browser gets a clear 502 page that reloads itself.
 *
 * The network is reached through the runtime (`upstreamFetch`,
 * `upstreamUpgrade`); nothing here is runtime code.
 *
 * @module
 */

import { isTlsmithError, TlsmithError } from "../errors.ts";
import { getRuntime } from "./runtime/mod.ts";
import type { Handler, ServeHandlerInfo, UpstreamRequest } from "./runtime/types.ts";

/**
 * Options of {@linkcode proxy}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxy, type ProxyOptions } from "./proxy.ts";
 * const seen: string[] = [];
 * const options: ProxyOptions = { onUpstreamError: (err) => seen.push(err.code) };
 * const handler = proxy("http://127.0.0.1:9", options); // the discard port: nothing listens there
 * const info = { remoteAddr: { hostname: "127.0.0.1", port: 50000 } };
 * const response = await handler(new Request("https://localhost:8443/"), info);
 * assert.equal(response.status, 502);
 * await response.body?.cancel();
 * assert.deepEqual(seen, ["UPSTREAM_UNREACHABLE"]);
 * ```
 */
export interface ProxyOptions {
  /**
   * Called when the upstream cannot be reached (the client then gets a 502
   * page), with an `UPSTREAM_UNREACHABLE` error that says why.
   */
  onUpstreamError?: (error: TlsmithError) => void;
}

/** Headers that concern one connection only (RFC 9110 7.6.1), never passed on. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Request headers the proxy sets itself (`expect`: the proxy already has the body). */
const SET_BY_PROXY = new Set(["host", "expect", "x-forwarded-proto", "x-forwarded-host"]);

/** Host names that mean "this machine" in an upstream's redirect. */
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "0.0.0.0", "[::]"]);

function badTarget(target: unknown, why: string): TlsmithError {
  return new TlsmithError(
    "BAD_OPTION",
    `proxy target ${
      JSON.stringify(target) ?? String(target)
    }: ${why}. Give a port (5173) or an http URL such as http://localhost:5173.`,
  );
}

/**
 * The upstream origin for a proxy target: a port number (`5173` or
 * `"5173"` → `http://localhost:5173`), `host:port`, or an `http:` URL with no
 * path. Anything else is a `BAD_OPTION` error saying what to give.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxyTarget } from "./proxy.ts";
 * assert.equal(proxyTarget(5173).href, "http://localhost:5173/");
 * assert.equal(proxyTarget("127.0.0.1:3000").href, "http://127.0.0.1:3000/");
 * assert.equal(proxyTarget("http://[::1]:8000").href, "http://[::1]:8000/");
 * ```
 *
 * @param target the port or URL of the server to pass requests to
 */
export function proxyTarget(target: string | number | URL): URL {
  let text: string;
  if (typeof target === "number") text = String(target);
  else if (typeof target === "string") text = target.trim();
  else if (target instanceof URL) text = target.href;
  else throw badTarget(target, "not a port or URL");
  if (/^\d+$/.test(text)) {
    if (Number(text) < 1 || Number(text) > 65535) {
      throw badTarget(target, "the port must be 1–65535");
    }
    text = `http://localhost:${text}`;
  } else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  if (!URL.canParse(text)) throw badTarget(target, "not a port or URL");
  const url = new URL(text);
  if (url.protocol === "https:") {
    throw badTarget(target, "the upstream must speak plain http; the proxy adds the TLS");
  }
  if (url.protocol !== "http:") throw badTarget(target, `${url.protocol} is not http:`);
  const port = Number(url.port || "80");
  if (!/^\d*$/.test(url.port) || port < 1 || port > 65535) {
    throw badTarget(target, "the port must be 1–65535");
  }
  if (url.username !== "" || url.password !== "") {
    throw badTarget(target, "user names and passwords in the URL are not supported");
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    throw badTarget(target, "give the origin only (no path, query or fragment)");
  }
  return url;
}

/** Names listed in a Connection header (also hop-by-hop), lower-cased. */
function connectionListed(headers: Headers): Set<string> | null {
  const value = headers.get("connection");
  if (value === null) return null;
  return new Set(value.split(",").map((t) => t.trim().toLowerCase()).filter((t) => t !== ""));
}

/** An address as X-Forwarded-For writes it: IPv4-mapped IPv6 as plain IPv4. */
function clientAddress(info: ServeHandlerInfo): string {
  return info.remoteAddr.hostname.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
}

/** An RFC 7239 `for=` node: IPv6 bracketed and quoted, IPv4 bare, unknown as `unknown`. */
function forwardedNode(address: string): string {
  if (address === "") return "unknown";
  return address.includes(":") ? `"[${address}]"` : address;
}

/** A value of RFC 7239 as a token when it is one, else as a quoted string. */
function forwardedValue(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(value)
    ? value
    : `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The header lines for the upstream: the client's, less hop-by-hop ones,
 * with `Host` kept as the client sent it, `X-Forwarded-For` (appended),
 * `X-Forwarded-Proto: https`, `X-Forwarded-Host` and `Forwarded` (appended).
 */
function upstreamHeaders(request: Request, host: string, address: string): [string, string][] {
  const listed = connectionListed(request.headers);
  const lines: [string, string][] = [["host", host]];
  let forwardedFor: string | null = null;
  let forwarded: string | null = null;
  for (const [name, value] of request.headers) {
    if (HOP_BY_HOP.has(name) || SET_BY_PROXY.has(name) || listed?.has(name)) continue;
    if (name === "x-forwarded-for") forwardedFor = value;
    else if (name === "forwarded") forwarded = value;
    else lines.push([name, value]);
  }
  lines.push(
    [
      "x-forwarded-for",
      forwardedFor === null ? address || "unknown" : `${forwardedFor}, ${address}`,
    ],
    ["x-forwarded-proto", "https"],
    ["x-forwarded-host", host],
  );
  const element = `for=${forwardedNode(address)};host=${forwardedValue(host)};proto=https`;
  lines.push(["forwarded", forwarded === null ? element : `${forwarded}, ${element}`]);
  return lines;
}

/**
 * `location` pointed at `origin` when it names the upstream itself (its
 * host, or any loopback name, on the upstream's port over http); other
 * locations are returned unchanged.
 */
function rewriteLocation(location: string, target: URL, origin: string): string {
  if (!/^(https?:)?\/\//i.test(location) || !URL.canParse(location, target)) return location;
  const url = new URL(location, target);
  if (url.protocol !== "http:" || (url.port || "80") !== (target.port || "80")) return location;
  if (url.hostname !== target.hostname && !LOOPBACK_NAMES.has(url.hostname)) return location;
  return `${origin}${url.pathname}${url.search}${url.hash}`;
}

/** Bodies of at most this many bytes (by Content-Length) are read whole before answering. */
const SMALL_BODY = 64 * 1024;

/**
 * The upstream's response made fit for the client: hop-by-hop headers out,
 * redirects to the origin. A small body of known length is read whole first,
 * so it leaves in one write: Deno holds a streamed body with a Content-Length
 * back ~40 ms per response on a keep-alive connection.
 */
async function clientResponse(response: Response, target: URL, origin: string): Promise<Response> {
  const headers = response.headers;
  const listed = connectionListed(headers);
  for (const name of [...headers.keys()]) {
    if (HOP_BY_HOP.has(name) || listed?.has(name)) headers.delete(name);
  }
  const location = headers.get("location");
  if (location !== null) {
    const rewritten = rewriteLocation(location, target, origin);
    if (rewritten !== location) headers.set("location", rewritten);
  }
  const length = Number(headers.get("content-length") ?? NaN);
  if (response.body === null || !(length <= SMALL_BODY)) return response;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    throw new TlsmithError(
      "UPSTREAM_UNREACHABLE",
      `${target.origin} broke off its answer: ${(err as Error)?.message ?? err}. Check its log.`,
      { cause: err },
    );
  }
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The 502 page: what could not be reached and why, and that the page reloads
 * itself (HTML for browsers, plain text for other clients).
 */
function badGateway(request: Request, error: TlsmithError): Response {
  const headers = { "cache-control": "no-store", "retry-after": "1" };
  const text = `tlsmith proxy: ${error.message}`;
  if (!(request.headers.get("accept") ?? "").includes("text/html")) {
    return new Response(`502 Bad Gateway\n${text}\n`, {
      status: 502,
      headers: { ...headers, "content-type": "text/plain;charset=UTF-8" },
    });
  }
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>502 Bad Gateway - tlsmith proxy</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em}code{background:#eee;padding:0 .2em}</style>
</head><body><h1>502 Bad Gateway</h1>
<p>${escapeHtml(error.message)}</p>
<p>This page reloads every 2 seconds and shows your app as soon as the server answers.</p>
<p><small>tlsmith proxy</small></p></body></html>
`;
  return new Response(page, {
    status: 502,
    headers: { ...headers, "content-type": "text/html;charset=UTF-8" },
  });
}

/**
 * A handler for {@linkcode serve} that passes each request on to the plain
 * HTTP server at `target` (a port on localhost or an `http:` origin) and its
 * answer back: HTTPS (HTTP/2 and HTTP/1.1) in front of a dev server.
 *
 * - Request and response bodies stream with backpressure; Server-Sent Events
 *   and other endless responses pass chunk by chunk; compressed bodies pass
 *   as they are.
 * - WebSocket upgrades pass in both directions, on Deno, Node and Bun.
 * - `Host` stays what the client sent; `X-Forwarded-For` (appended),
 *   `X-Forwarded-Proto: https`, `X-Forwarded-Host` and `Forwarded` (RFC 7239,
 *   appended) are added; hop-by-hop headers are dropped both ways.
 * - A redirect to the upstream itself (`http://localhost:5173/…`) is
 *   rewritten to the HTTPS origin the client used.
 * - When the upstream is down the client gets a 502 page saying why (HTML
 *   reloading itself for browsers); the next request tries again.
 *
 * Invalid targets are a `BAD_OPTION` error.
 *
 * @example HTTPS in front of a dev server (`proxy(5173)` for Vite's)
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import type { AddressInfo } from "node:net";
 * import { getRuntime } from "./runtime/mod.ts";
 * import { proxy, serve } from "./mod.ts";
 * // A plain-HTTP dev server on a free port:
 * const dev = createServer((req, res) => {
 *   res.end(`${req.headers.host} via ${req.headers["x-forwarded-proto"]}`);
 * });
 * await new Promise<void>((resolve) => dev.listen(0, "127.0.0.1", resolve));
 * const { port } = dev.address() as AddressInfo;
 * const server = await serve(proxy(`127.0.0.1:${port}`), { cert: "adhoc", port: 0 });
 * try {
 *   const trusting = (await getRuntime()).tlsFetch({ ca: [server.certificate] });
 *   const answer = await (await trusting(server.url)).text();
 *   assert.equal(answer, `localhost:${server.addr.port} via https`); // Host is kept
 * } finally {
 *   await server.shutdown();
 *   await new Promise((resolve) => dev.close(resolve));
 * }
 * ```
 *
 * @example A proxy answers 502 while its upstream is down
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxy } from "./proxy.ts";
 * const handler = proxy("http://127.0.0.1:9"); // the discard port: nothing listens there
 * const response = await handler(new Request("https://localhost:8443/"), {
 *   remoteAddr: { hostname: "127.0.0.1", port: 50000 },
 * });
 * assert.equal(response.status, 502);
 * assert.match(await response.text(), /cannot reach http:\/\/127\.0\.0\.1:9/);
 * ```
 *
 * @param target the upstream: a port (`5173`), `host:port`, or an `http:` origin
 * @param options `onUpstreamError`
 */
export function proxy(target: string | number | URL, options: ProxyOptions = {}): Handler {
  const base = proxyTarget(target);
  const upstreamOrigin = `http://${base.host}`;
  const onUpstreamError = options.onUpstreamError;
  return async (request, info) => {
    const runtime = await getRuntime();
    const url = new URL(request.url);
    const host = request.headers.get("host") ?? url.host;
    const upstream: UpstreamRequest = {
      url: `${upstreamOrigin}${url.pathname}${url.search}`,
      method: request.method,
      headers: upstreamHeaders(request, host, clientAddress(info)),
      // No request.signal: a client that goes away cancels the response body, which closes the
      // upstream request (and Deno warns about request.signal's legacy abort on every request).
      body: request.body,
    };
    const origin = `https://${host}`;
    try {
      if (request.headers.has("upgrade")) {
        const upgraded = await runtime.upstreamUpgrade(request, { ...upstream, body: null });
        if (upgraded?.switched) return upgraded.response;
        if (upgraded) return await clientResponse(upgraded.response, base, origin);
      }
      return await clientResponse(await runtime.upstreamFetch(upstream), base, origin);
    } catch (err) {
      if (!isTlsmithError(err, "UPSTREAM_UNREACHABLE")) throw err;
      request.body?.cancel().catch(() => {});
      onUpstreamError?.(err);
      return badGateway(request, err);
    }
  };
}
