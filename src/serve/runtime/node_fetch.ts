/**
 * A `fetch` for Node that trusts given CA certificates (and presents a client certificate)
 * without touching any global setting: `node:https` with `ca`, `cert` and `key` per request.
 * Node's own `fetch` (undici) takes TLS options only through an undici `Agent`, which Node does
 * not export; this keeps tlsmith free of an undici dependency.
 *
 * What it does as `fetch` does: methods, headers, request bodies (buffered before sending),
 * redirects (`follow` up to 20 hops, `manual`, `error`; 303, and 301/302 after POST, become GET;
 * `authorization` is dropped across origins), gzip/deflate/br decoding, `signal`, `response.url`
 * and `response.redirected`. Failures reject with `TypeError("fetch failed")` whose `cause` is
 * Node's error (e.g. `code: "CERT_HAS_EXPIRED"`), as Node's `fetch` does. HTTP/1.1 only, one
 * connection per request (`Connection: close`).
 *
 * @module
 */

import * as http from "node:http";
import * as https from "node:https";
import { Readable, type Transform } from "node:stream";
import * as zlib from "node:zlib";
import type { FetchFunction, TlsClientOptions } from "./types.ts";

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const MAX_REDIRECTS = 20;

function failed(cause: unknown): TypeError {
  return new TypeError("fetch failed", { cause });
}

function sendOnce(
  url: URL,
  method: string,
  headers: Headers,
  body: Uint8Array | null,
  signal: AbortSignal,
  tls: TlsClientOptions,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const outgoing: Record<string, string> = {};
    headers.forEach((value, name) => (outgoing[name] = value));
    outgoing["accept"] ??= "*/*";
    outgoing["accept-encoding"] ??= "gzip, deflate, br";
    if (body !== null) outgoing["content-length"] = String(body.length);
    const options: https.RequestOptions = {
      method,
      headers: outgoing,
      agent: false,
      ca: [...tls.ca],
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
    };
    let request: http.ClientRequest;
    try {
      request = url.protocol === "https:"
        ? https.request(url, options)
        : http.request(url, options);
    } catch (err) {
      reject(failed(err));
      return;
    }
    const onAbort = () => {
      request.destroy();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    request.once("response", (response) => {
      signal.removeEventListener("abort", onAbort);
      resolve(response);
    });
    request.once("error", (err) => {
      signal.removeEventListener("abort", onAbort);
      reject(failed(err));
    });
    request.end(body ?? undefined);
  });
}

/** The decoders for a Content-Encoding list, last applied first; null for an unknown coding. */
function decoders(contentEncoding: string | undefined): Transform[] | null {
  const codings = (contentEncoding ?? "").toLowerCase().split(",").map((c) => c.trim())
    .filter((c) => c !== "" && c !== "identity");
  const out: Transform[] = [];
  for (const coding of codings.reverse()) {
    if (coding === "gzip" || coding === "x-gzip") {
      out.push(zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    } else if (coding === "deflate") {
      out.push(zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    } else if (coding === "br") {
      out.push(zlib.createBrotliDecompress());
    } else return null;
  }
  return out;
}

function toResponse(
  incoming: http.IncomingMessage,
  method: string,
  url: URL,
  redirected: boolean,
  signal: AbortSignal,
): Response {
  const status = incoming.statusCode ?? 0;
  if (status < 200 || status > 599) {
    incoming.destroy();
    throw failed(new Error(`the server answered with status ${status}`));
  }
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  try {
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  } catch (err) {
    incoming.destroy();
    throw failed(err);
  }
  let body: ReadableStream<Uint8Array> | null = null;
  if (method === "HEAD" || NULL_BODY_STATUSES.has(status)) {
    incoming.resume();
  } else {
    let stream: Readable = incoming;
    const chain = decoders(incoming.headers["content-encoding"]);
    for (const decoder of chain ?? []) {
      const from = stream;
      from.once("error", (err) => decoder.destroy(err));
      stream = from.pipe(decoder);
    }
    const onAbort = () => stream.destroy(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    stream.once("close", () => signal.removeEventListener("abort", onAbort));
    body = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
  }
  const response = new Response(body, {
    status,
    statusText: incoming.statusMessage ?? "",
    headers,
  });
  Object.defineProperty(response, "url", { value: url.href });
  Object.defineProperty(response, "redirected", { value: redirected });
  return response;
}

/**
 * A `fetch` over `node:https` that trusts `tls.ca` (only those CAs) and presents `tls.cert`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../../ca/adhoc.ts";
 * import { serve } from "../serve.ts";
 * import { nodeTlsFetch } from "./node_fetch.ts";
 * const server = await serve(() => new Response("hello"), { cert: "adhoc", port: 0 });
 * try {
 *   const fetchTrusting = nodeTlsFetch({ ca: [server.certificate] });
 *   assert.equal(await (await fetchTrusting(server.url)).text(), "hello");
 *   const other = nodeTlsFetch({ ca: [(await adhocCert()).cert] }); // trusts another certificate
 *   await assert.rejects(other(server.url));
 * } finally {
 *   await server.shutdown();
 * }
 * ```
 */
export function nodeTlsFetch(tls: TlsClientOptions): FetchFunction {
  const settings: TlsClientOptions = { ca: [...tls.ca], cert: tls.cert, key: tls.key };
  return async function tlsFetch(
    input: RequestInfo | URL,
    init?: RequestInit,
  ): Promise<Response> {
    const request = new Request(input, init);
    const signal = request.signal;
    let body = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
    let url = new URL(request.url);
    let method = request.method;
    const headers = new Headers(request.headers);
    let redirected = false;
    for (let hop = 0;; hop++) {
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw failed(new Error(`${url.protocol} URLs are not fetched (only https: and http:)`));
      }
      const incoming = await sendOnce(url, method, headers, body, signal, settings);
      const status = incoming.statusCode ?? 0;
      const location = incoming.headers.location;
      if (
        !REDIRECT_STATUSES.has(status) || location === undefined || request.redirect === "manual"
      ) {
        return toResponse(incoming, method, url, redirected, signal);
      }
      incoming.resume();
      if (request.redirect === "error") {
        throw failed(new Error(`redirected to ${location} while redirect is "error"`));
      }
      if (hop >= MAX_REDIRECTS) throw failed(new Error(`more than ${MAX_REDIRECTS} redirects`));
      let next: URL;
      try {
        next = new URL(location, url);
      } catch (err) {
        throw failed(err);
      }
      if (
        (status === 303 && method !== "HEAD") ||
        ((status === 301 || status === 302) && method === "POST")
      ) {
        method = "GET";
        body = null;
        for (
          const name of [
            "content-type",
            "content-length",
            "content-encoding",
            "content-language",
            "content-location",
          ]
        ) {
          headers.delete(name);
        }
      }
      if (next.origin !== url.origin) {
        headers.delete("authorization");
        headers.delete("cookie");
        headers.delete("proxy-authorization");
      }
      url = next;
      redirected = true;
    }
  };
}
