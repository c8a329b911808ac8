/**
 * The `fetch` of a test CA: the runtime's own client, told to trust the test CA (and to
 * present a client certificate), with no global setting changed. A request that fails rejects
 * with one `TlsmithError` (`FETCH_FAILED`) on every runtime, whose message carries what the
 * runtime said (`certificate has expired (CERT_HAS_EXPIRED)`, `invalid peer certificate:
 * Expired`, …) and whose `cause` is the runtime's own error. Aborting through `signal` rejects
 * with the signal's reason, as `fetch` does.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { getRuntime } from "../serve/runtime/mod.ts";
import type { FetchFunction, TlsClientOptions } from "../serve/runtime/types.ts";

export type { FetchFunction } from "../serve/runtime/types.ts";

/**
 * What went wrong, from an error and its chain of causes: each distinct message, with the
 * error's `code` when it has one (`certificate has expired (CERT_HAS_EXPIRED)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failureDetail } from "./fetch.ts";
 * const cause = Object.assign(new Error("certificate has expired"), { code: "CERT_HAS_EXPIRED" });
 * const err = new TypeError("fetch failed", { cause });
 * assert.equal(failureDetail(err), "certificate has expired (CERT_HAS_EXPIRED)");
 * ```
 */
export function failureDetail(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    const e = current as { message?: unknown; code?: unknown; cause?: unknown };
    const message = typeof e.message === "string" ? e.message : String(current);
    const code = typeof e.code === "string" ? e.code : undefined;
    const hasCause = e.cause !== undefined && e.cause !== null;
    // Node and Bun wrap the real reason in a generic "fetch failed".
    if (!(hasCause && /^fetch failed$/i.test(message))) {
      const text = code && !message.includes(code) ? `${message} (${code})` : message;
      if (text && !parts.some((p) => p.includes(text))) parts.push(text);
    }
    current = hasCause ? e.cause : undefined;
  }
  return parts.join(": ") || "unknown error";
}

const TLS_WORDS =
  /certificate|cert_|tls|ssl|handshake|peer|issuer|self.signed|verify|altname|signature|subtree|purpose|expired/i;

function requestUrl(input: RequestInfo | URL): string {
  try {
    return input instanceof Request ? input.url : String(input);
  } catch {
    return "(unprintable URL)";
  }
}

function signalOf(input: RequestInfo | URL, init?: RequestInit): AbortSignal | undefined {
  return init?.signal ?? (input instanceof Request ? input.signal : undefined) ?? undefined;
}

/**
 * A `fetch` that trusts `tls.ca` (and presents `tls.cert`) through the current runtime's
 * client; failures become `FETCH_FAILED` errors that say why (see the module doc).
 * `trustedName` names the trusted CA in messages.
 *
 * @example Trust the certificate a server presents
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { serve } from "../serve/serve.ts";
 * import { trustingFetch } from "./fetch.ts";
 * const server = await serve(() => new Response("hi"), { cert: "adhoc", port: 0 });
 * try {
 *   const fetchTrusting = trustingFetch({ ca: [server.certificate] }, "the server's certificate");
 *   assert.equal(await (await fetchTrusting(server.url)).text(), "hi");
 *   const other = await adhocCert(); // trusting another certificate: refused
 *   await assert.rejects(trustingFetch({ ca: [other.cert] }, "another one")(server.url), {
 *     code: "FETCH_FAILED",
 *   });
 * } finally {
 *   await server.shutdown();
 * }
 * ```
 */
export function trustingFetch(tls: TlsClientOptions, trustedName: string): FetchFunction {
  let inner: Promise<FetchFunction> | null = null;
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    inner ??= getRuntime().then((runtime) => runtime.tlsFetch(tls));
    const runtimeFetch = await inner;
    try {
      return await runtimeFetch(input, init);
    } catch (err) {
      const signal = signalOf(input, init);
      if (signal?.aborted && (err === signal.reason || (err as Error)?.name === "AbortError")) {
        throw err;
      }
      const detail = failureDetail(err);
      const hint = TLS_WORDS.test(detail)
        ? ` The TLS connection was refused: this fetch trusts only ${trustedName}${
          tls.cert ? " and presents a client certificate" : ""
        }. Serve a certificate from that CA (ca.issue()), or, for a failure fixture, this is the refusal your test expects.`
        : "";
      throw new TlsmithError(
        "FETCH_FAILED",
        `fetch ${requestUrl(input)} failed: ${detail}.${hint}`,
        { cause: err },
      );
    }
  };
}
