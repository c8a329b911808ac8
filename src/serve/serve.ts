/**
 * `serve()`: HTTPS for a fetch-style handler in one line, on Deno and Node,
 * over HTTP/2 and HTTP/1.1 (ALPN). The certificate is made on the spot
 * (`cert: "adhoc"`), issued by the local CA (`"local"`), given as PEM text,
 * or read from files (and reloaded when they change). Client certificates
 * (mutual TLS), a plain-HTTP redirect, timeouts and limits are options.
 *
 * This file is not runtime code: it reaches the network and the file system
 * only through {@linkcode getRuntime}.
 *
 * @module
 */

import { adhocCert, DEFAULT_ADHOC_HOSTS } from "../ca/adhoc.ts";
import type { CertificateAuthority } from "../ca/authority.ts";
import { caStore, loadStoredCa, openStoredCa } from "../ca/store.ts";
import { type CertificateDescription, describeCertificate } from "../x509/describe.ts";
import { TlsmithError } from "../errors.ts";
import { exportPrivateKey, importPrivateKey, isEncryptedPrivateKey } from "../keys/formats.ts";
import { decodePem, isPrivateKeyLabel } from "../pem.ts";
import { isEncryptedBlock } from "../keys/encrypt.ts";
import { getRuntime } from "./runtime/mod.ts";
import { DEFAULT_LIMITS } from "./runtime/connections.ts";
import type {
  Handler,
  ListeningServer,
  Runtime,
  ServeHandlerInfo,
  ServerAddr,
  ServerHandle,
  ServerLimits,
  TlsPem,
} from "./runtime/types.ts";
import { certificateMatchesKey } from "../x509/match.ts";

export type { Handler, ListeningServer, ServeHandlerInfo, ServerAddr } from "./runtime/types.ts";

/**
 * Where the TLS certificate comes from: `"adhoc"` (a fresh self-signed
 * certificate for localhost, 127.0.0.1, ::1 and the bound host), `"local"`
 * (a fresh certificate from the local CA, created on first use; renewed
 * before it expires), PEM text, or PEM files (reloaded when they change).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CertSource } from "./serve.ts";
 * const files: CertSource = { certFile: "cert.pem", keyFile: "key.pem" };
 * assert.equal(files.certFile, "cert.pem");
 * ```
 */
export type CertSource =
  | "adhoc"
  | "local"
  | { cert: string; key: string }
  | { certFile: string; keyFile: string };

/** What a {@linkcode PassphraseCallback} is asked for. */
export interface PassphraseRequest {
  /** The encrypted key: its file name, `the key PEM`, or the local CA's key file. */
  file: string;
  /** 1 for the first try; 2 and 3 after a wrong pass phrase. */
  attempt: number;
}

/**
 * Asked for the pass phrase of an encrypted key (an app's own prompt); called
 * again after a wrong one (three tries) and when a reloaded key is encrypted.
 */
export type PassphraseCallback = (request: PassphraseRequest) => string | Promise<string>;

/** A certificate change seen by {@linkcode ServeOptions.onReload}. */
export type ReloadEvent =
  | { ok: true; fingerprint: string; notAfter: Date }
  | { ok: false; error: TlsmithError };

/**
 * Options of {@linkcode serve}. Any other key is a `BAD_OPTION` error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ServeOptions } from "./serve.ts";
 * const options: ServeOptions = { cert: "adhoc", port: 0, idleTimeout: 5_000 };
 * assert.equal(options.port, 0);
 * ```
 */
export interface ServeOptions {
  /** The certificate: `"adhoc"`, `"local"`, `{ cert, key }` PEM text, or `{ certFile, keyFile }`. */
  cert: CertSource;
  /**
   * The pass phrase of an encrypted key (PKCS#8 "ENCRYPTED PRIVATE KEY" or
   * OpenSSL's legacy encrypted PEM; with `"local"`, of the CA key), or a
   * function that asks for it. Keys are decrypted in memory only.
   */
  passphrase?: string | PassphraseCallback;
  /**
   * With `cert: "local"`: the CA directory (default `$TLSMITH_CA_DIR`, else the user data
   * directory, as `tlsmith ca init` uses).
   */
  caDir?: string;
  /**
   * Host to bind. Default: `127.0.0.1` and `::1` (this machine only, both
   * address families; `localhost` means the same). `0.0.0.0` or `::`
   * listen on every interface.
   */
  hostname?: string;
  /** Port to bind (default 8443); 0 picks a free one (see `server.addr.port`). */
  port?: number;
  /**
   * Also listen for plain HTTP on this port and redirect to HTTPS. On Node
   * a plain `http://` request to the HTTPS port itself is redirected too.
   */
  httpPort?: number;
  /** More names for an `"adhoc"` or `"local"` certificate (host names or IP addresses). */
  hosts?: string[];
  /**
   * Mutual TLS: the CA certificate(s), PEM text, that client certificates
   * must chain to. The handler gets the client's certificate in
   * `info.clientCertificate`.
   */
  clientCa?: string;
  /** With `clientCa`: `"required"` (default) refuses clients without a certificate; `"optional"` lets them in. */
  requestClientCert?: "required" | "optional";
  /** Milliseconds for the TLS handshake, from the accept (default 10 000). */
  handshakeTimeout?: number;
  /** Milliseconds for the first request's headers after the handshake (default 30 000). */
  headersTimeout?: number;
  /** Milliseconds a keep-alive connection may wait for its next request (default 30 000). */
  idleTimeout?: number;
  /** Bytes of request line and headers; more gets `431` (default 16 384). */
  maxHeaderSize?: number;
  /** Connections open at once; more are closed at once (default 1000). */
  maxConnections?: number;
  /**
   * Milliseconds between checks of `certFile`/`keyFile` for changes (and of a
   * `"local"` certificate's expiry); default 2000, 0 turns reloading off.
   */
  reloadInterval?: number;
  /** Abort to shut the server down (same as `server.shutdown()`). */
  signal?: AbortSignal;
  /** Called once the server listens, with the real address. */
  onListen?: (addr: ServerAddr) => void;
  /**
   * Called with each error thrown by the handler (the client gets a 500).
   * Without it, errors are printed to standard error.
   */
  onError?: (error: unknown) => void;
  /** Called when a reloaded or renewed certificate is in use, or could not be used. */
  onReload?: (event: ReloadEvent) => void;
  /**
   * Serve a deliberately weak certificate (RSA-1024, SHA-1), which OpenSSL refuses to load by
   * default: for test fixtures only (`tlsmith/testing`). Node only.
   */
  weakCertificate?: boolean;
  /**
   * Node only (Deno and Bun keep their native objects): replace `globalThis.Response` with
   * `FastResponse` (exported by `tlsmith/serve`) when the server starts, so `new Response(…)`
   * in handlers keeps a string, bytes or `Blob` body as given and it goes out in one write.
   * The replacement is process-wide and stays for the life of the process. Default true;
   * `false` never touches the global: native responses then take the ordinary, slower path
   * and a `FastResponse` made explicitly is still sent in one write.
   */
  fastResponse?: boolean;
}

const OPTION_NAMES: readonly (keyof ServeOptions)[] = [
  "cert",
  "passphrase",
  "caDir",
  "hostname",
  "port",
  "httpPort",
  "hosts",
  "clientCa",
  "requestClientCert",
  "handshakeTimeout",
  "headersTimeout",
  "idleTimeout",
  "maxHeaderSize",
  "maxConnections",
  "reloadInterval",
  "signal",
  "onListen",
  "onError",
  "onReload",
  "weakCertificate",
  "fastResponse",
];

/**
 * A running HTTPS server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeCertificate } from "../x509/describe.ts";
 * import { serve } from "./serve.ts";
 * const server = await serve(() => new Response("hi"), { cert: "adhoc", port: 0 });
 * assert.equal(server.url, `https://localhost:${server.addr.port}/`);
 * assert.ok(server.addr.port > 0); // the port the system picked for 0
 * const shown = await describeCertificate(server.certificate);
 * assert.equal(server.fingerprint, shown.fingerprints.sha256);
 * await server.shutdown();
 * await server.finished;
 * ```
 */
export interface Server extends ListeningServer {
  /** The certificate (chain) in PEM that the server presents now, so a client can trust it. */
  readonly certificate: string;
  /** SHA-256 fingerprint of the leaf certificate, `AA:BB:…` as OpenSSL prints it. */
  readonly fingerprint: string;
  /** A URL to reach the server, e.g. `https://localhost:8443/`. */
  readonly url: string;
  /** With `cert: "local"`: the CA certificate to trust, and whether it was created now. */
  readonly localCa?: { certFile: string; created: boolean };
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);
const LOOPBACK_HOSTS = ["127.0.0.1", "::1"];

function badOption(message: string): TlsmithError {
  return new TlsmithError("BAD_OPTION", message);
}

/** Check that `key` is an unencrypted private key in PEM; `source` names it in errors. */
function checkKeyPem(key: string, source: string): void {
  const blocks = decodePem(key, { source, expect: "private key" });
  if (blocks.some(isEncryptedBlock)) {
    throw new TlsmithError(
      "PASSPHRASE_REQUIRED",
      `${source}: the private key is encrypted. Pass its pass phrase: serve(handler, { cert, passphrase }) (a string, or a function that asks for it).`,
    );
  }
  if (!blocks.some((b) => isPrivateKeyLabel(b.label))) {
    const found = [...new Set(blocks.map((b) => b.label))].join(", ");
    throw new TlsmithError(
      "BAD_KEY",
      `${source}: no private key found (found ${found}). Pass the PEM file with "-----BEGIN PRIVATE KEY-----".`,
    );
  }
}

/** Check that `cert` holds at least one certificate; returns the leaf's DER. */
function checkCertPem(cert: string, source: string): Uint8Array {
  const blocks = decodePem(cert, { source, expect: "certificate" });
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

/** Ask the pass phrase callback (or use the string) and run `use`; three tries for a callback. */
async function withPassphrase<T>(
  passphrase: string | PassphraseCallback | undefined,
  file: string,
  use: (passphrase: string) => Promise<T>,
): Promise<T> {
  if (passphrase === undefined || typeof passphrase === "string") {
    return await use(passphrase ?? "");
  }
  for (let attempt = 1;; attempt++) {
    let given: unknown;
    try {
      given = await passphrase({ file, attempt });
    } catch (err) {
      if (err instanceof TlsmithError) throw err;
      throw new TlsmithError(
        "PASSPHRASE_REQUIRED",
        `${file}: the passphrase callback failed (${
          err instanceof Error ? err.message : String(err)
        }), so the key stays locked.`,
        { cause: err },
      );
    }
    if (typeof given !== "string") {
      throw badOption(
        `${file}: the passphrase callback returned ${typeof given}; return the pass phrase as a string.`,
      );
    }
    try {
      return await use(given);
    } catch (err) {
      const wrong = err instanceof TlsmithError && err.code === "WRONG_PASSPHRASE";
      if (!wrong || attempt >= 3) throw err;
    }
  }
}

/** A certificate and key ready for the TLS server. */
interface Material extends TlsPem {
  fingerprint: string;
  notAfter: Date;
}

/** Check a certificate and key (decrypting the key) and make them {@linkcode Material}. */
async function material(
  cert: string,
  key: string,
  certName: string,
  keyName: string,
  passphrase: string | PassphraseCallback | undefined,
): Promise<Material> {
  let info: CertificateDescription;
  try {
    info = await describeCertificate(cert);
  } catch (err) {
    if (!(err instanceof TlsmithError)) throw err;
    throw new TlsmithError(err.code, `${certName}: ${err.message}`, { cause: err });
  }
  if (isEncryptedPrivateKey(key)) {
    if (passphrase === undefined) checkKeyPem(key, keyName); // PASSPHRASE_REQUIRED
    key = await withPassphrase(
      passphrase,
      keyName,
      async (p) =>
        await exportPrivateKey(await importPrivateKey(key, { passphrase: p, source: keyName })),
    );
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
      `${keyName} is not the private key of the certificate in ${certName}: their public keys differ. Pass the key that was generated with this certificate.`,
    );
  }
  return { cert, key, fingerprint: info.fingerprints.sha256, notAfter: info.notAfter };
}

/** Where the certificate comes from, resolved: the first material, and how to get a newer one. */
interface Source {
  first: Material;
  /** A newer certificate when there is one (files changed, local one about to expire); else null. */
  next?: () => Promise<Material | null>;
  localCa?: { certFile: string; created: boolean };
}

/** The local CA's leaf lifetime, and when it is renewed (a third of it left). */
const LOCAL_DAYS = 7;
const LOCAL_RENEW_BEFORE_MS = (LOCAL_DAYS / 3) * 24 * 3600 * 1000;

async function openLocalCa(
  runtime: Runtime,
  passphrase: string | PassphraseCallback | undefined,
  caDir: string | undefined,
): Promise<{ ca: CertificateAuthority; certFile: string; created: boolean }> {
  const store = caStore(runtime, caDir);
  const opened = await openStoredCa(runtime, store, {
    create: true,
    unlock: (files) =>
      files.encrypted
        ? withPassphrase(
          passphrase ?? (() => {
            throw new TlsmithError(
              "PASSPHRASE_REQUIRED",
              `${store.keyFile}: the local CA key is encrypted. Pass its pass phrase: serve(handler, { cert: "local", passphrase }).`,
            );
          }),
          store.keyFile,
          (p) => loadStoredCa(store, files, p),
        )
        : loadStoredCa(store, files),
  });
  const ca = await opened.save();
  return { ca, certFile: store.certFile, created: opened.created && ca === opened.ca };
}

async function resolveSource(
  certOption: CertSource,
  names: string[],
  passphrase: string | PassphraseCallback | undefined,
  caDir?: string,
): Promise<Source> {
  const source: unknown = certOption;
  if (source === "adhoc") {
    const adhoc = await adhocCert({ hosts: names });
    const notAfter = (await describeCertificate(adhoc.cert)).notAfter;
    return { first: { ...adhoc, notAfter } };
  }
  if (source === "local") {
    const runtime = await getRuntime();
    const { ca, certFile, created } = await openLocalCa(runtime, passphrase, caDir);
    const issue = async (): Promise<Material> => {
      const leaf = await ca.issue(names, { days: LOCAL_DAYS });
      return {
        cert: leaf.chain,
        key: leaf.key,
        fingerprint: (await describeCertificate(leaf.cert)).fingerprints.sha256,
        notAfter: leaf.notAfter,
      };
    };
    let current = await issue();
    return {
      first: current,
      next: async () => {
        if (current.notAfter.getTime() - Date.now() > LOCAL_RENEW_BEFORE_MS) return null;
        current = await issue();
        return current;
      },
      localCa: { certFile, created },
    };
  }
  if (isObject(source) && typeof source.cert === "string" && typeof source.key === "string") {
    const { cert, key } = source as { cert: string; key: string };
    return { first: await material(cert, key, "the certificate PEM", "the key PEM", passphrase) };
  }
  if (
    isObject(source) && typeof source.certFile === "string" &&
    typeof source.keyFile === "string"
  ) {
    const { certFile, keyFile } = source as { certFile: string; keyFile: string };
    const runtime = await getRuntime();
    const read = () => Promise.all([runtime.readTextFile(certFile), runtime.readTextFile(keyFile)]);
    let [cert, key] = await read();
    const first = await material(cert, key, certFile, keyFile, passphrase);
    return {
      first,
      next: async () => {
        const [newCert, newKey] = await read();
        if (newCert === cert && newKey === key) return null;
        // A pair caught halfway through being replaced fails here and is tried again next time.
        const next = await material(newCert, newKey, certFile, keyFile, passphrase);
        [cert, key] = [newCert, newKey];
        return next;
      },
    };
  }
  throw badOption(
    `serve(): the cert option must be "adhoc", "local", { cert, key } (PEM text) or { certFile, keyFile } (paths); got ${
      JSON.stringify(source) ?? String(source)
    }.`,
  );
}

function checkUnknownOptions(options: Record<string, unknown>): void {
  for (const name of Object.keys(options)) {
    if ((OPTION_NAMES as readonly string[]).includes(name)) continue;
    const near = OPTION_NAMES.find((o) => o.toLowerCase() === name.toLowerCase());
    throw badOption(
      `serve(): unknown option ${JSON.stringify(name)}${
        near ? ` (did you mean "${near}"?)` : ""
      }. The options are: ${OPTION_NAMES.join(", ")}.`,
    );
  }
}

function checkPort(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw badOption(
      `serve(): ${name} ${
        JSON.stringify(value)
      } is not a port number; use 0–65535 (0 picks a free one).`,
    );
  }
  return value;
}

function checkAmount(
  name: keyof ServeOptions,
  value: unknown,
  fallback: number,
  min: number,
  unit: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw badOption(
      `serve(): ${name} must be a number of ${unit} ≥ ${min}, got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

function checkFunction(name: keyof ServeOptions, value: unknown): void {
  if (value !== undefined && typeof value !== "function") {
    throw badOption(`serve(): ${name} must be a function, got ${typeof value}.`);
  }
}

/** The limits of `options`, checked, with defaults. */
function limitsOf(options: ServeOptions): ServerLimits {
  return {
    handshakeTimeout: checkAmount(
      "handshakeTimeout",
      options.handshakeTimeout,
      DEFAULT_LIMITS.handshakeTimeout,
      1,
      "milliseconds",
    ),
    headersTimeout: checkAmount(
      "headersTimeout",
      options.headersTimeout,
      DEFAULT_LIMITS.headersTimeout,
      1,
      "milliseconds",
    ),
    idleTimeout: checkAmount(
      "idleTimeout",
      options.idleTimeout,
      DEFAULT_LIMITS.idleTimeout,
      1,
      "milliseconds",
    ),
    maxHeaderSize: Math.floor(
      checkAmount(
        "maxHeaderSize",
        options.maxHeaderSize,
        DEFAULT_LIMITS.maxHeaderSize,
        1024,
        "bytes",
      ),
    ),
    maxConnections: Math.floor(
      checkAmount(
        "maxConnections",
        options.maxConnections,
        DEFAULT_LIMITS.maxConnections,
        1,
        "connections",
      ),
    ),
  };
}

/** The client CA PEM of `options.clientCa`, checked. */
function clientCaOf(options: ServeOptions): string | undefined {
  const { clientCa, requestClientCert } = options;
  if (
    requestClientCert !== undefined && requestClientCert !== "required" &&
    requestClientCert !== "optional"
  ) {
    throw badOption(
      `serve(): requestClientCert must be "required" or "optional", got ${
        JSON.stringify(requestClientCert)
      }.`,
    );
  }
  if (clientCa === undefined) {
    if (requestClientCert !== undefined) {
      throw badOption(
        "serve(): requestClientCert needs clientCa, the CA certificate(s) that client certificates must chain to.",
      );
    }
    return undefined;
  }
  if (typeof clientCa !== "string") {
    throw badOption(
      "serve(): clientCa must be PEM text (the CA certificates that issue client certificates).",
    );
  }
  checkCertPem(clientCa, "clientCa");
  return clientCa;
}

/**
 * Serve HTTPS (HTTP/2 and HTTP/1.1) with a fetch-style handler, on Deno or
 * Node. Resolves with the {@linkcode Server} once it listens.
 *
 * By default it listens on `127.0.0.1` and `::1`. Errors thrown by the
 * handler become `500 Internal Server Error` and are reported once to
 * `onError` (or standard error); the server keeps running. Slow, silent and
 * idle connections are closed by the timeouts; too many connections and
 * running out of file descriptors slow it down but never stop it. With
 * `certFile`/`keyFile` a changed pair is used for new connections (open
 * ones keep theirs); a `"local"` certificate is renewed before it expires.
 *
 * An encrypted key needs `passphrase` (else `PASSPHRASE_REQUIRED`; a wrong
 * one is `WRONG_PASSPHRASE`), a key of another certificate is
 * `KEY_MISMATCH`, a port in use `SERVE_FAILED`, an unknown option `BAD_OPTION`.
 *
 * @example Serve with a certificate made on the spot
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "./runtime/mod.ts";
 * import { serve } from "./serve.ts";
 * const server = await serve((req) => new Response(`hello ${new URL(req.url).pathname}`), {
 *   cert: "adhoc",
 *   port: 0,
 * });
 * try {
 *   const trusting = (await getRuntime()).tlsFetch({ ca: [server.certificate] });
 *   assert.equal(await (await trusting(`${server.url}world`)).text(), "hello /world");
 * } finally {
 *   await server.shutdown();
 * }
 * ```
 *
 * @example Mutual TLS: only clients with a certificate from ca.pem get in
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { getRuntime } from "./runtime/mod.ts";
 * import { type Handler, serve } from "./serve.ts";
 * const ca = await CertificateAuthority.create();
 * const site = await ca.issue(["localhost"]);
 * const alice = await ca.issue(["alice.localhost"], { clientAuth: true, serverAuth: false });
 * const hello: Handler = (_req, info) => new Response(`hello ${info.clientCertificate?.subject}`);
 * const server = await serve(hello, {
 *   cert: { cert: site.chain, key: site.key }, // or { certFile, keyFile }, reloaded on change
 *   clientCa: ca.certPem,
 *   port: 0,
 * });
 * try {
 *   const runtime = await getRuntime();
 *   const asAlice = runtime.tlsFetch({ ca: [ca.certPem], cert: alice.chain, key: alice.key });
 *   assert.match(await (await asAlice(server.url)).text(), /^hello CN=alice\.localhost/);
 *   const anonymous = runtime.tlsFetch({ ca: [ca.certPem] });
 *   await assert.rejects(anonymous(server.url)); // no client certificate: no connection
 * } finally {
 *   await server.shutdown();
 * }
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
  checkUnknownOptions(options as unknown as Record<string, unknown>);
  const hostname = options.hostname;
  const port = checkPort("port", options.port ?? 8443);
  if (
    hostname !== undefined &&
    (typeof hostname !== "string" || hostname.trim() === "" || /[\s/]/.test(hostname))
  ) {
    throw badOption(
      `serve(): hostname ${
        JSON.stringify(hostname)
      } is not a host name or IP address; use e.g. "127.0.0.1", "localhost" or "0.0.0.0".`,
    );
  }
  const httpPort = options.httpPort === undefined
    ? undefined
    : checkPort("httpPort", options.httpPort);
  if (httpPort !== undefined && httpPort !== 0 && httpPort === port) {
    throw badOption(`serve(): httpPort ${httpPort} is the HTTPS port; pick another one.`);
  }
  if (options.cert === undefined) {
    throw badOption(
      'serve(): the cert option is missing; use cert: "adhoc" for a certificate made on the spot, "local" for one from the local CA, or { certFile, keyFile }.',
    );
  }
  if (
    options.passphrase !== undefined && typeof options.passphrase !== "string" &&
    typeof options.passphrase !== "function"
  ) {
    throw badOption("serve(): passphrase must be a string or a function that returns one.");
  }
  if (options.caDir !== undefined && (typeof options.caDir !== "string" || options.caDir === "")) {
    throw badOption('serve(): caDir must be the path of the CA directory, e.g. "./ca".');
  }
  if (options.caDir !== undefined && options.cert !== "local") {
    throw badOption('serve(): caDir is used only with cert: "local".');
  }
  if (
    options.hosts !== undefined &&
    (!Array.isArray(options.hosts) || options.hosts.some((h) => typeof h !== "string"))
  ) {
    throw badOption(
      'serve(): hosts must be an array of host names or IP addresses, e.g. ["app.test"].',
    );
  }
  if (options.fastResponse !== undefined && typeof options.fastResponse !== "boolean") {
    throw badOption(
      "serve(): fastResponse must be true or false (false leaves globalThis.Response alone).",
    );
  }
  checkFunction("onListen", options.onListen);
  checkFunction("onError", options.onError);
  checkFunction("onReload", options.onReload);
  const limits = limitsOf(options);
  const clientCa = clientCaOf(options);
  const reloadInterval = checkAmount(
    "reloadInterval",
    options.reloadInterval,
    2000,
    0,
    "milliseconds",
  );

  // Where to listen: both loopback addresses unless told otherwise.
  const bindHost = hostname === undefined ? "localhost" : hostname.replace(/^\[(.*)\]$/, "$1");
  const loopback = bindHost.toLowerCase() === "localhost";
  const hostnames = loopback ? LOOPBACK_HOSTS : [bindHost];

  // The names of an adhoc or local certificate.
  const names = [...DEFAULT_ADHOC_HOSTS];
  for (
    const extra of [
      ...(loopback || WILDCARD_HOSTS.has(bindHost) ? [] : [bindHost]),
      ...(options.hosts ?? []),
    ]
  ) {
    if (!names.some((n) => n.toLowerCase() === extra.toLowerCase())) names.push(extra);
  }
  // The server's code loads while the certificate is made (its key is generated off the main
  // thread); a runtime that cannot serve is reported below, once the options are known good.
  const runtimeReady = getRuntime();
  runtimeReady.then((r) => r.prepareServe(), () => {});
  const source = await resolveSource(options.cert, names, options.passphrase, options.caDir);
  let current = source.first;

  const runtime = await runtimeReady;
  const served: Handler = clientCa === undefined ? handler : withClientCertificate(handler);
  const handle: ServerHandle = await runtime.serve(served, {
    hostnames,
    optionalHosts: loopback ? ["::1"] : [],
    port,
    cert: current.cert,
    key: current.key,
    limits,
    clientAuth: clientCa === undefined ? undefined : {
      ca: clientCa,
      mode: options.requestClientCert ?? "required",
      // Chain verification loads only for servers that check client certificates.
      verify: async (leaf, chain) =>
        (await (await import("../x509/verify.ts")).verifyChain({
          leaf,
          chain,
          trusted: clientCa,
          purpose: "client",
          strict: false,
          sources: { leaf: "the client certificate", trusted: "clientCa" },
        })).ok,
    },
    httpPort,
    signal: options.signal,
    onListen: options.onListen,
    onError: options.onError,
    ...(options.weakCertificate === true ? { weakCertificate: true } : {}),
    ...(options.fastResponse === false ? { fastResponse: false } : {}),
  });

  // Reloading: files that changed, a local certificate near its expiry.
  if (source.next && reloadInterval > 0) {
    let busy = false;
    let lastError = "";
    const report = (event: ReloadEvent) => {
      try {
        options.onReload?.(event);
      } catch {
        // a reporter that throws must not stop the reloading
      }
    };
    const timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const next = await source.next!();
        if (next) {
          await handle.setCertificate(next);
          current = next;
          lastError = "";
          report({ ok: true, fingerprint: next.fingerprint, notAfter: next.notAfter });
        }
      } catch (err) {
        const error = err instanceof TlsmithError
          ? err
          : new TlsmithError("SERVE_FAILED", `reloading the certificate failed: ${err}`, {
            cause: err,
          });
        // Report each distinct failure once (a pair halfway through being replaced fails once).
        if (error.message !== lastError) report({ ok: false, error });
        lastError = error.message;
      } finally {
        busy = false;
      }
    }, reloadInterval);
    handle.finished.finally(() => clearInterval(timer));
  }

  const addr = handle.addr;
  const urlHost = WILDCARD_HOSTS.has(bindHost) || loopback
    ? ((await describeCertificate(current.cert)).dnsNames.some((n) =>
        n.toLowerCase() === "localhost"
      )
      ? "localhost"
      : "127.0.0.1")
    : bindHost.includes(":")
    ? `[${bindHost}]`
    : bindHost;
  return {
    addr,
    addrs: handle.addrs,
    httpAddrs: handle.httpAddrs,
    redirectsPlainHttp: handle.redirectsPlainHttp,
    finished: handle.finished,
    shutdown: () => handle.shutdown(),
    get certificate() {
      return current.cert;
    },
    get fingerprint() {
      return current.fingerprint;
    },
    url: `https://${urlHost}:${addr.port}/`,
    ...(source.localCa ? { localCa: source.localCa } : {}),
  };
}

/** The handler with `info.clientCertificate` described from the verified client certificate. */
function withClientCertificate(handler: Handler): Handler {
  const described = new WeakMap<Uint8Array, Promise<CertificateDescription>>();
  return async (request, info) => {
    const der = info.peerCertificate;
    if (!der) return await handler(request, info);
    let description = described.get(der);
    if (!description) {
      description = describeCertificate(der);
      described.set(der, description);
    }
    const full: ServeHandlerInfo = {
      remoteAddr: info.remoteAddr,
      peerCertificate: der,
      clientCertificate: await description,
    };
    return await handler(request, full);
  };
}
