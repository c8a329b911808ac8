/**
 * `testServer()`: a running HTTPS server for a test, with a certificate from a test CA and a
 * `fetch` that already trusts it.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { type Handler, serve, type ServerAddr } from "../serve/serve.ts";
import { type TestCA, testCA, type TestCert } from "./ca.ts";

/** Options of {@linkcode testServer}. */
export interface TestServerOptions {
  /** The CA whose certificate the server presents (default: a new `testCA()`). */
  ca?: TestCA;
  /**
   * The certificate to serve (default: `ca.issue("localhost", "127.0.0.1", "::1")`), e.g. a
   * failure fixture: `await ca.issue("localhost", { expired: true })`.
   */
  cert?: TestCert;
  /**
   * Mutual TLS: require a client certificate issued by the CA's family (`ca.client(…)`); the
   * handler reads it from `info.clientCertificate`.
   */
  clientAuth?: boolean;
  /** The address to bind (default `127.0.0.1`). */
  hostname?: string;
  /** Called with each error the handler throws (the client gets a 500). */
  onError?: (error: unknown) => void;
}

/**
 * A running test server. Stop it with `close()`, or let `await using` do it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testServer } from "./server.ts";
 * const server = await testServer(() => new Response("ok"));
 * assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
 * await server.close();
 * ```
 */
export interface TestServer extends AsyncDisposable, Disposable {
  /** Its base URL, e.g. `https://127.0.0.1:41234/`. */
  readonly url: string;
  /** Where it listens. */
  readonly addr: ServerAddr;
  /** The CA that issued its certificate. */
  readonly ca: TestCA;
  /** The certificate it presents. */
  readonly cert: TestCert;
  /**
   * `fetch` a path (or URL) of this server, trusting its CA: `await server.fetch("/api")`.
   * Failures reject with `FETCH_FAILED`.
   */
  fetch(path?: string | URL, init?: RequestInit): Promise<Response>;
  /** Stop the server (in-flight requests finish; idle connections close). */
  close(): Promise<void>;
}

/**
 * Start an HTTPS server (HTTP/2 and HTTP/1.1) on a free loopback port with `handler` and a
 * certificate from a test CA; resolves once it listens. Works with `await using`, which closes
 * it (and removes the temporary files of a CA it made) at the end of the scope; plain `using`
 * starts the close without waiting for it. It never replaces `globalThis.Response` (it serves
 * with `fastResponse: false`): the code under test sees the runtime's own classes.
 *
 * @example A verified HTTPS test in three lines
 * ```ts
 * import assert from "node:assert/strict";
 * import { testServer } from "./server.ts";
 * await using server = await testServer(() => new Response("hello"));
 * const response = await server.fetch("/");
 * assert.equal(await response.text(), "hello");
 * ```
 */
export async function testServer(
  handler: Handler,
  options: TestServerOptions = {},
): Promise<TestServer> {
  if (typeof options !== "object" || options === null) {
    throw new TlsmithError(
      "BAD_OPTION",
      "testServer(): options must be an object, e.g. testServer(handler, { ca, cert }).",
    );
  }
  const ownCa = options.ca === undefined;
  const ca = options.ca ?? await testCA();
  try {
    const cert = options.cert ?? await ca.issue("localhost", "127.0.0.1", "::1");
    const server = await serve(handler, {
      cert: { cert: cert.chain, key: cert.key },
      hostname: options.hostname ?? "127.0.0.1",
      port: 0,
      onError: options.onError,
      ...(options.clientAuth ? { clientCa: ca.root.cert } : {}),
      ...(cert.fixture === "weak" ? { weakCertificate: true } : {}),
      // A test library leaves the test process's globals as they were.
      fastResponse: false,
    });
    let closing: Promise<void> | null = null;
    const close = () =>
      closing ??= server.shutdown().finally(() => {
        if (ownCa) ca[Symbol.dispose]();
      });
    const url = server.url;
    return {
      url,
      addr: server.addr,
      ca,
      cert,
      fetch(path: string | URL = "/", init?: RequestInit) {
        let target: URL;
        try {
          target = new URL(path, url);
        } catch (err) {
          return Promise.reject(
            new TlsmithError(
              "BAD_OPTION",
              `server.fetch(): ${JSON.stringify(String(path))} is not a path or URL.`,
              { cause: err },
            ),
          );
        }
        return ca.fetch(target, init);
      },
      close,
      [Symbol.asyncDispose]: close,
      [Symbol.dispose]() {
        close().catch(() => {});
      },
    };
  } catch (err) {
    if (ownCa) ca[Symbol.dispose]();
    throw err;
  }
}
