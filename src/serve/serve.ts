/**
 * `serve()`: HTTPS for a fetch-style handler in one line, on Deno and Node,
 * over HTTP/2 and HTTP/1.1 (ALPN). The certificate is made on the spot
 * (`cert: "adhoc"`), given as PEM text, or read from files.
 *
 * This file is not runtime code: it reaches the network and the file system
 * only through {@linkcode getRuntime}.
 *
 * @module
 */

import { fingerprint } from "../x509/describe.ts";
import { TlsmithError } from "../errors.ts";
import { isEncryptedPrivateKey, toPkcs8Pem } from "../keys/formats.ts";
import { decodePem } from "../pem.ts";
import { getRuntime } from "./runtime/mod.ts";
import type { Handler, ServerAddr } from "./runtime/types.ts";
import { certificateMatchesKey } from "../x509/match.ts";

export type { Handler, ServeHandlerInfo, ServerAddr } from "./runtime/types.ts";

/**
 * Where the TLS certificate comes from: `"adhoc"` (a fresh self-signed
 * certificate for localhost, 127.0.0.1, ::1 and the bound host), PEM text, or
 * PEM files. Keys must be unencrypted here.
 *
 * @example
 * ```ts
 * import type { CertSource } from "./serve.ts";
 * const adhoc: CertSource = "adhoc";
 * const files: CertSource = { certFile: "cert.pem", keyFile: "key.pem" };
 * console.log(adhoc, files.certFile);
 * ```
 */
export type CertSource =
  | "adhoc"
  | { cert: string; key: string }
  | { certFile: string; keyFile: string };

/**
 * Options of {@linkcode serve}.
 *
 * @example
 * ```ts
 * import type { ServeOptions } from "./serve.ts";
 * const options: ServeOptions = { cert: "adhoc", hostname: "127.0.0.1", port: 0 };
 * console.log(options.port);
 * ```
 */
export interface ServeOptions {
  /** The certificate: `"adhoc"`, `{ cert, key }` PEM text, or `{ certFile, keyFile }`. */
  cert: CertSource;
  /**
   * The pass phrase of an encrypted key (PKCS#8 "ENCRYPTED PRIVATE KEY" or
   * OpenSSL's legacy encrypted PEM). The key is decrypted in memory only.
   */
  passphrase?: string;
  /** Host to bind (default `127.0.0.1`). `0.0.0.0` or `::` listen on every interface. */
  hostname?: string;
  /** Port to bind (default 8443); 0 picks a free one (see `server.addr.port`). */
  port?: number;
  /** Abort to shut the server down (same as `server.shutdown()`). */
  signal?: AbortSignal;
  /** Called once the server listens, with the real address. */
  onListen?: (addr: ServerAddr) => void;
  /**
   * Called with each error thrown by the handler (the client gets a 500).
   * Without it, errors are printed to standard error.
   */
  onError?: (error: unknown) => void;
}

/**
 * A running HTTPS server.
 *
 * @example
 * ```ts ignore
 * import { serve } from "./serve.ts";
 * const server = await serve(() => new Response("hi"), { cert: "adhoc", port: 0 });
 * console.log(server.url, server.fingerprint);
 * await server.shutdown();
 * ```
 */
export interface Server {
  /** Where it listens (the real port when 0 was asked for). */
  readonly addr: ServerAddr;
  /** Resolves when the server has fully stopped. */
  readonly finished: Promise<void>;
  /** Stop accepting, let in-flight requests finish, close idle connections; resolves when stopped. */
  shutdown(): Promise<void>;
  /** The certificate (chain) in PEM that the server presents, so a client can trust it. */
  readonly certificate: string;
  /** SHA-256 fingerprint of the leaf certificate, `AA:BB:…` as OpenSSL prints it. */
  readonly fingerprint: string;
  /** A URL to reach the server, e.g. `https://localhost:8443/`. */
  readonly url: string;
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

function badOption(message: string): TlsmithError {
  return new TlsmithError("BAD_OPTION", message);
}

/** Check that `key` is an unencrypted private key in PEM; `source` names it in errors. */
function checkKeyPem(key: string, source: string): void {
  const blocks = decodePem(key, { source });
  const encrypted = blocks.find((b) =>
    b.label === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/i.test(b.headers["Proc-Type"] ?? "")
  );
  if (encrypted) {
    throw new TlsmithError(
      "PASSPHRASE_REQUIRED",
      `${source}: the private key is encrypted. Pass its pass phrase: serve(handler, { cert, passphrase }).`,
    );
  }
  if (!blocks.some((b) => /(^|\s)PRIVATE KEY$/.test(b.label))) {
    const found = [...new Set(blocks.map((b) => b.label))].join(", ");
    throw new TlsmithError(
      "BAD_KEY",
      `${source}: no private key found (found ${found}). Pass the PEM file with "-----BEGIN PRIVATE KEY-----".`,
    );
  }
}

/** Check that `cert` holds at least one certificate; returns the leaf's DER. */
function checkCertPem(cert: string, source: string): Uint8Array {
  const blocks = decodePem(cert, { source });
  const certs = blocks.filter((b) => b.label === "CERTIFICATE" || b.label === "X509 CERTIFICATE");
  if (certs.length === 0) {
    const found = [...new Set(blocks.map((b) => b.label))].join(", ");
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${source}: no certificate found (found ${found}). Pass the PEM file with "-----BEGIN CERTIFICATE-----".`,
    );
  }
  return certs[0].der;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

async function resolveCert(
  certOption: CertSource,
  hostname: string,
  passphrase?: string,
): Promise<{ cert: string; key: string; fingerprint: string }> {
  const source: unknown = certOption;
  if (source === "adhoc") {
    // Loaded only here: a server with its own certificate never loads certificate creation.
    const { adhocCert, DEFAULT_ADHOC_HOSTS } = await import("../ca/adhoc.ts");
    const hosts = [...DEFAULT_ADHOC_HOSTS];
    const bare = hostname.replace(/^\[(.*)\]$/, "$1");
    if (!WILDCARD_HOSTS.has(hostname) && !hosts.includes(bare.toLowerCase())) hosts.push(bare);
    return await adhocCert({ hosts });
  }
  let cert: string;
  let key: string;
  let certName: string;
  let keyName: string;
  if (isObject(source) && typeof source.cert === "string" && typeof source.key === "string") {
    ({ cert, key } = source as { cert: string; key: string });
    certName = "the certificate PEM";
    keyName = "the key PEM";
  } else if (
    isObject(source) && typeof source.certFile === "string" &&
    typeof source.keyFile === "string"
  ) {
    const { certFile, keyFile } = source as { certFile: string; keyFile: string };
    const runtime = await getRuntime();
    [cert, key] = await Promise.all([
      runtime.readTextFile(certFile),
      runtime.readTextFile(keyFile),
    ]);
    certName = certFile;
    keyName = keyFile;
  } else {
    throw badOption(
      `serve(): the cert option must be "adhoc", { cert, key } (PEM text) or { certFile, keyFile } (paths); got ${
        JSON.stringify(source) ?? String(source)
      }.`,
    );
  }
  const leaf = checkCertPem(cert, certName);
  if (passphrase !== undefined && isEncryptedPrivateKey(key)) {
    key = await toPkcs8Pem(key, { passphrase, source: keyName });
  }
  checkKeyPem(key, keyName);
  let matches: boolean | null;
  try {
    matches = await certificateMatchesKey(cert, key);
  } catch {
    matches = null; // a key format our importer does not read: the TLS library judges it
  }
  if (matches === false) {
    throw new TlsmithError(
      "KEY_MISMATCH",
      `${keyName} is not the private key of ${certName}: their public keys differ. Pass the key that was generated with this certificate.`,
    );
  }
  return { cert, key, fingerprint: await fingerprint(leaf) };
}

/**
 * Serve HTTPS (HTTP/2 and HTTP/1.1) with a fetch-style handler, on Deno or
 * Node. Resolves with the {@linkcode Server} once it listens. Errors thrown by
 * the handler become `500 Internal Server Error` and are reported once to
 * `onError` (or standard error); the server keeps running. An encrypted key
 * needs `passphrase` (else `PASSPHRASE_REQUIRED`; a wrong one is
 * `WRONG_PASSPHRASE`), a key of another certificate `KEY_MISMATCH`, a
 * port in use `SERVE_FAILED`.
 *
 * @example Serve with a certificate made on the spot
 * ```ts ignore
 * import { serve } from "./serve.ts";
 * const server = await serve((req) => new Response(`hello ${new URL(req.url).pathname}`), {
 *   cert: "adhoc",
 *   port: 0,
 * });
 * console.log(`listening on ${server.url}`);
 * await server.shutdown();
 * ```
 *
 * @example Serve with your own certificate files, stop with a signal
 * ```ts ignore
 * import { serve } from "./serve.ts";
 * const controller = new AbortController();
 * const server = await serve(() => new Response("ok"), {
 *   cert: { certFile: "cert.pem", keyFile: "key.pem" },
 *   hostname: "localhost",
 *   port: 8443,
 *   signal: controller.signal,
 * });
 * controller.abort();
 * await server.finished;
 * ```
 */
export async function serve(handler: Handler, options: ServeOptions): Promise<Server> {
  if (typeof handler !== "function") {
    throw badOption(
      "serve(): the first argument must be a handler function (request) => Response.",
    );
  }
  if (!isObject(options)) {
    throw badOption('serve(): pass options, e.g. serve(handler, { cert: "adhoc" }).');
  }
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 8443;
  if (typeof hostname !== "string" || hostname.trim() === "" || /[\s/]/.test(hostname)) {
    throw badOption(
      `serve(): hostname ${
        JSON.stringify(hostname)
      } is not a host name or IP address; use e.g. "127.0.0.1", "localhost" or "0.0.0.0".`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw badOption(
      `serve(): port ${
        JSON.stringify(port)
      } is not a port number; use 0–65535 (0 picks a free one).`,
    );
  }
  if (options.cert === undefined) {
    throw badOption(
      'serve(): the cert option is missing; use cert: "adhoc" for a certificate made on the spot, or { certFile, keyFile }.',
    );
  }
  const bindHost = hostname.replace(/^\[(.*)\]$/, "$1");
  const tls = await resolveCert(options.cert, bindHost, options.passphrase);
  const runtime = await getRuntime();
  const handle = await runtime.serve(handler, {
    hostname: bindHost,
    port,
    cert: tls.cert,
    key: tls.key,
    signal: options.signal,
    onListen: options.onListen,
    onError: options.onError,
  });
  const loopback = bindHost === "127.0.0.1" || bindHost === "::1";
  const urlHost = WILDCARD_HOSTS.has(bindHost) || (loopback && options.cert === "adhoc")
    ? "localhost"
    : bindHost.includes(":")
    ? `[${bindHost}]`
    : bindHost;
  return {
    addr: handle.addr,
    finished: handle.finished,
    shutdown: () => handle.shutdown(),
    certificate: tls.cert,
    fingerprint: tls.fingerprint,
    url: `https://${urlHost}:${handle.addr.port}/`,
  };
}
