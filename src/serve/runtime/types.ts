/**
 * The one small interface between tlsmith and the runtime it runs on. The
 * core (`src/*.ts`) never touches a runtime; the CLI and `serve()` reach the
 * file system, the terminal, the environment and the network only through a
 * {@linkcode Runtime}. Implementations: `deno.ts` and `node.ts` beside this file.
 *
 * @module
 */

import type { CertificateDescription } from "../../x509/describe.ts";

/** A fetch-style request handler. */
export type Handler = (
  request: Request,
  info: ServeHandlerInfo,
) => Response | Promise<Response>;

/** What a handler learns about the connection besides the request. */
export interface ServeHandlerInfo {
  /** The client's address. */
  remoteAddr: { hostname: string; port: number };
  /**
   * With mutual TLS (`clientCa`): the client's certificate (DER), verified
   * against the client CA. Absent when the client sent none (only possible
   * with `requestClientCert: "optional"`). `serve()` hands handlers its
   * description as `clientCertificate` too.
   */
  peerCertificate?: Uint8Array;
  /**
   * With mutual TLS: the client's verified certificate, described (subject,
   * issuer, SANs, validity, SHA-256 fingerprint, …), as `serve()` hands it to
   * handlers.
   */
  clientCertificate?: CertificateDescription;
}

/** The listening address of a server. */
export interface ServerAddr {
  /** The bound host, e.g. `127.0.0.1` or `::1`. */
  hostname: string;
  /** The bound port (the real one when 0 was asked for). */
  port: number;
}

/** TLS material in PEM, as the runtime's TLS server takes it. The key is never encrypted here. */
export interface TlsPem {
  /** Certificate chain in PEM, leaf first. */
  cert: string;
  /** Unencrypted PKCS#8 (or other OpenSSL-readable) private key in PEM. */
  key: string;
}

/**
 * Timeouts (milliseconds) and limits of a server, all enforced by the
 * runtime adapters the same way on Deno and Node. A connection is closed
 * when its TLS handshake takes longer than `handshakeTimeout` (counted from
 * the accept, so a client that sends nothing is closed too), when no request
 * arrives within `headersTimeout` after the handshake (a request counts once
 * its headers are complete), or when it stays without a request in flight
 * for `idleTimeout`. Headers above `maxHeaderSize` bytes get `431`.
 * Connections above `maxConnections` are closed at once.
 */
export interface ServerLimits {
  /** The TLS handshake, from accepting the connection (default 10 000). */
  handshakeTimeout: number;
  /** The first request's headers, from the end of the handshake (default 30 000). */
  headersTimeout: number;
  /** A keep-alive connection (or HTTP/2 session) with no request in flight (default 30 000). */
  idleTimeout: number;
  /** The request line (or pseudo-headers) and headers, in bytes (default 16 KiB). */
  maxHeaderSize: number;
  /** Open connections at once (default 1000). */
  maxConnections: number;
}

/** Client certificate verification (mutual TLS). */
export interface ClientAuth {
  /** The CA certificates (PEM) that client certificates must chain to. */
  ca: string;
  /** `"required"`: a client without a certificate is refused; `"optional"`: it is let in without one. */
  mode: "required" | "optional";
  /**
   * Verify a client certificate (DER) and the intermediates it sent against
   * `ca`, for TLS libraries that do not (Deno's `node:tls` only asks for a
   * certificate); false refuses the connection.
   */
  verify: (leaf: Uint8Array, chain: Uint8Array[]) => Promise<boolean>;
}

/** Options of {@linkcode Runtime.serve}. */
export interface RuntimeServeOptions extends TlsPem {
  /**
   * Hosts to bind, all on the same port (e.g. `["127.0.0.1", "::1"]`). With
   * port 0 the first gets a free port and the others the same one. A host of
   * `optionalHosts` that this machine does not have (no IPv6) is skipped.
   */
  hostnames: string[];
  /** Hosts of `hostnames` that may be missing on this machine. */
  optionalHosts?: string[];
  /** Port to bind; 0 for an ephemeral one. */
  port: number;
  /** Timeouts and limits. */
  limits: ServerLimits;
  /** Verify client certificates (mutual TLS). */
  clientAuth?: ClientAuth;
  /**
   * Also listen for plain HTTP on this port (on the same hosts) and redirect
   * every request to `https://` on the main port.
   */
  httpPort?: number;
  /** Abort to shut the server down. */
  signal?: AbortSignal;
  /** Called once the server listens. */
  onListen?: (addr: ServerAddr) => void;
  /** Called when the handler throws; the client then gets a 500. */
  onError?: (error: unknown) => void;
  /**
   * Load a certificate that OpenSSL's default security level refuses (an RSA-1024 key, a SHA-1
   * signature): for test fixtures that prove clients refuse it. Node only; Deno and Bun
   * cannot serve such a key at all.
   */
  weakCertificate?: boolean;
  /**
   * Node only: make `globalThis.Response` tlsmith's `FastResponse` for the rest of the process
   * (default true), so handlers' `new Response(…)` is cheap. False leaves the global alone.
   */
  fastResponse?: boolean;
}

/** What every running HTTPS server of tlsmith says about itself and how it stops. */
export interface ListeningServer {
  /** Where it listens (the real port when 0 was asked for); the first of `addrs`. */
  readonly addr: ServerAddr;
  /** Every address it listens on (one per bound host, e.g. `127.0.0.1` and `::1`). */
  readonly addrs: readonly ServerAddr[];
  /** The plain-HTTP redirect listeners (`httpPort`), if any. */
  readonly httpAddrs: readonly ServerAddr[];
  /**
   * True when a plain `http://` request to the HTTPS port gets a redirect to
   * `https://` (the first byte of each connection tells TLS from HTTP).
   */
  readonly redirectsPlainHttp: boolean;
  /** Resolves when the server has fully stopped. */
  readonly finished: Promise<void>;
  /** Stop accepting, let in-flight requests finish, close idle connections; resolves when stopped. */
  shutdown(): Promise<void>;
}

/** A running server of a runtime adapter. */
export interface ServerHandle extends ListeningServer {
  /**
   * Present a new certificate and key to new connections; open connections
   * keep theirs. Rejects (and keeps the old one) when the TLS library refuses them.
   */
  setCertificate(tls: TlsPem): Promise<void>;
}

/** A directory entry. */
export interface DirEntry {
  /** File name (no path). */
  name: string;
  /** True for directories. */
  isDirectory: boolean;
  /** True for regular files. */
  isFile: boolean;
  /** True for symbolic links. */
  isSymlink: boolean;
}

/** File metadata (following symlinks). */
export interface FileInfo {
  /** True for regular files. */
  isFile: boolean;
  /** True for directories. */
  isDirectory: boolean;
  /** Size in bytes. */
  size: number;
  /** Last modification, if known. */
  mtime: Date | null;
  /** Last status change (content or metadata), if known. */
  ctime?: Date | null;
  /** Inode number, if the platform has one (a file replaced by another gets a new one). */
  ino?: number | null;
}

/** Options of {@linkcode Runtime.writeFile}. */
export interface WriteFileOptions {
  /** File mode for a new file, e.g. `0o600` for private keys (default `0o644`). */
  mode?: number;
  /** Replace an existing file. Without it an existing file is a `FILE_EXISTS` error. */
  overwrite?: boolean;
}

/** Options of {@linkcode Runtime.run}. */
export interface RunCommandOptions {
  /**
   * Environment changes: each name is set to its value, or removed when the value is
   * `undefined`; everything else is inherited from this process.
   */
  env?: Record<string, string | undefined>;
  /** Text or bytes written to the command's standard input, which is then closed. */
  input?: string | Uint8Array;
  /** Working directory (default: this process's). */
  cwd?: string;
  /** Kill the command (SIGKILL) after this many milliseconds (default 60 000). */
  timeoutMs?: number;
}

/** What {@linkcode Runtime.run} reports. */
export interface RunCommandResult {
  /** The exit code, or null when the command was killed by a signal (or the time limit). */
  code: number | null;
  /** Standard output as UTF-8 (at most 16 MiB; the rest is dropped). */
  stdout: string;
  /** Standard error as UTF-8 (at most 16 MiB; the rest is dropped). */
  stderr: string;
  /** True when the time limit killed it. */
  timedOut: boolean;
}

/** Options of {@linkcode Runtime.exec}. */
export interface ExecCommandOptions {
  /** Environment changes, as in {@linkcode RunCommandOptions.env}. */
  env?: Record<string, string | undefined>;
}

/** Everything runtime-specific tlsmith needs. */
export interface Runtime {
  /** `"deno"`, `"node"` or `"bun"` (Bun runs the Node implementation). */
  readonly name: "deno" | "node" | "bun";
  /** Command-line arguments after the script. */
  args(): string[];
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
  /** Remove an environment variable from this process (children no longer inherit it). */
  unsetEnv(name: string): void;
  /** The current working directory. */
  cwd(): string;
  /** The user's home directory, if known. */
  homeDir(): string | undefined;
  /** The platform, as Node's `process.platform` names it. */
  platform(): string;

  /** Read a whole file. Missing file: `FILE_NOT_FOUND` naming the path. */
  readFile(path: string): Promise<Uint8Array>;
  /** Read a whole file as UTF-8. Missing file: `FILE_NOT_FOUND` naming the path. */
  readTextFile(path: string): Promise<string>;
  /**
   * Write atomically: to a temporary file in the same directory, then rename.
   * Without `overwrite`, an existing file is `FILE_EXISTS` and nothing is written.
   */
  writeFile(
    path: string,
    data: string | Uint8Array,
    options?: WriteFileOptions,
  ): Promise<void>;
  /** Rename (same file system). */
  rename(from: string, to: string): Promise<void>;
  /** Create a directory (and parents), with an optional mode. */
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
  /** Metadata following symlinks, or null when the path does not exist. */
  stat(path: string): Promise<FileInfo | null>;
  /** The canonical absolute path with symlinks resolved; null when it does not exist. */
  realPath(path: string): Promise<string | null>;
  /** Entries of a directory. */
  readDir(path: string): Promise<DirEntry[]>;
  /** A stream of bytes `[start, end]` (inclusive, both optional) of a file. */
  openRead(
    path: string,
    range?: { start: number; end: number },
  ): Promise<ReadableStream<Uint8Array>>;
  /** File mode bits (e.g. `0o600`), or null when the platform has none. */
  fileMode(path: string): Promise<number | null>;

  /** True when standard input is a terminal. */
  stdinIsTerminal(): boolean;
  /** True when standard error is a terminal (progress is shown there only). */
  stderrIsTerminal(): boolean;
  /**
   * Ask on the terminal without echo (for pass phrases). Returns null when
   * standard input is not a terminal, or when the user cancels with Ctrl-D.
   * The answer is never logged.
   */
  promptSecret(prompt: string): Promise<string | null>;
  /** Write text to standard output. */
  print(text: string): void;
  /** Write text to standard error. */
  printError(text: string): void;
  /** Call `handler` on SIGINT/SIGTERM; returns a function that removes it. */
  onShutdownSignal(handler: () => void): () => void;
  /** End the process with a code. */
  exit(code: number): never;

  /** Serve HTTPS (HTTP/1.1 and HTTP/2 via ALPN) with a fetch-style handler. */
  serve(handler: Handler, options: RuntimeServeOptions): Promise<ServerHandle>;
  /**
   * Start loading the server's code (the TLS and HTTP machinery `serve` needs) without
   * waiting for it: `serve()` calls it before it makes the certificate, so that loading (main
   * thread) and key generation (WebCrypto's threads) overlap.
   */
  prepareServe(): void;

  /** This machine's network addresses (loopback ones marked `internal`); empty when unknown. */
  networkAddresses(): NetworkAddress[];
  /** This machine's host name, or undefined when unknown. */
  hostName(): string | undefined;
  /**
   * Send a request to an upstream HTTP/1.1 server as a reverse proxy does:
   * the header lines exactly as given (`Host` included, nothing added but the
   * framing), the body streamed up with backpressure, over pooled keep-alive
   * connections. Resolves with the upstream's answer as it is: redirects not
   * followed, the body not decoded (a gzip body stays gzip) and streamed with
   * backpressure. A connection that cannot be made or breaks before the answer
   * is an `UPSTREAM_UNREACHABLE` error.
   */
  upstreamFetch(request: UpstreamRequest): Promise<Response>;
  /**
   * Hand an HTTP upgrade request (WebSocket) that this runtime's `serve()`
   * received over to an upstream server, in both directions until either
   * side closes. Resolves with the response for the handler to return, as
   * is: the switch (`switched: true`) or the upstream's own answer when it
   * refuses; or null when this request cannot be upgraded here (not an
   * upgrade request, or not one this runtime can hand over). An upstream that
   * cannot be reached is an `UPSTREAM_UNREACHABLE` error.
   */
  upstreamUpgrade(request: Request, upstream: UpstreamRequest): Promise<UpgradeResult | null>;
  /**
   * Start a long-running child process (a dev server) in a process group of
   * its own, no standard input, its output handed to the callbacks as it
   * comes. A command that cannot be started makes `exited` reject with
   * `FILE_NOT_FOUND` (no such command) or `FILE_ERROR`.
   */
  spawnChild(command: string, args: string[], options?: SpawnChildOptions): Promise<ChildHandle>;
  /**
   * Run a command to completion and collect its output; a non-zero exit is a result, not an
   * error. A command that cannot be started (not found, not executable) is `COMMAND_FAILED`.
   */
  run(cmd: string, args: readonly string[], options?: RunCommandOptions): Promise<RunCommandResult>;
  /**
   * Run a command attached to this process's standard input, output and error and resolve to
   * its exit code (128 + the signal number when a signal ended it). SIGINT and SIGTERM reach
   * the command, not this process, while it runs. Not startable: `COMMAND_FAILED`.
   */
  exec(cmd: string, args: readonly string[], options?: ExecCommandOptions): Promise<number>;
  /** The full path of an executable named `cmd` on PATH, or null (`PATHEXT` on Windows). */
  which(cmd: string): Promise<string | null>;
  /** The user id (0 is root), or null where there is none (Windows). */
  userId(): number | null;
  /** This process's id. */
  pid(): number;
  /** True when a process with this id runs on this machine (one of any user's). */
  processAlive(pid: number): Promise<boolean>;
  /** Remove a file, or a directory and its contents with `recursive`; a missing path is fine. */
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Create a new private (0700) temporary directory whose name starts with `prefix`. */
  makeTempDir(prefix: string): Promise<string>;
  /**
   * A `fetch` whose TLS trusts `options.ca` and presents `options.cert` when asked, without
   * touching any global setting (Deno: `Deno.createHttpClient`, Bun: `fetch`'s `tls` option,
   * Node: `node:https`). Failures reject as `fetch` does (a `TypeError` whose `cause` says why).
   */
  tlsFetch(options: TlsClientOptions): FetchFunction;
  /** Remove a file or a directory tree, synchronously; a missing path is no error. */
  removeTreeSync(path: string): void;
  /** Call `fn` (synchronously) when the process exits; returns a function that cancels it. */
  onExit(fn: () => void): () => void;
}

/** A function with the signature of the global `fetch`. */
export type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** TLS settings of a client: whom to trust, and optionally who to be. */
export interface TlsClientOptions {
  /** CA certificates (PEM) to trust. */
  ca: readonly string[];
  /** A client certificate (chain, PEM) to present when the server asks for one. */
  cert?: string;
  /** The unencrypted private key (PEM) of `cert`. */
  key?: string;
}

/** Options of {@linkcode Runtime.spawnChild}. */
export interface SpawnChildOptions {
  /** Environment variables added to (or replacing those of) this process's environment. */
  env?: Record<string, string>;
  /** Working directory (default: this process's). */
  cwd?: string;
  /** Called with each chunk of the child's standard output. */
  onStdout?: (chunk: Uint8Array) => void;
  /** Called with each chunk of the child's standard error. */
  onStderr?: (chunk: Uint8Array) => void;
}

/** A child process started by {@linkcode Runtime.spawnChild}. */
export interface ChildHandle {
  /** Its process id. */
  readonly pid: number;
  /** Resolves when it has exited: the exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Send a signal to it and every process it started (its process group). */
  kill(signal: "SIGTERM" | "SIGINT" | "SIGKILL"): void;
}

/** The outcome of {@linkcode Runtime.upstreamUpgrade}. */
export interface UpgradeResult {
  /** True when the upstream switched protocols; `response` must then be returned unchanged. */
  switched: boolean;
  /** What the handler returns: the switch, or the upstream's answer when it refused. */
  response: Response;
}

/** A request for {@linkcode Runtime.upstreamFetch} and {@linkcode Runtime.upstreamUpgrade}. */
export interface UpstreamRequest {
  /** The absolute `http:` URL to ask (its path and query are the request target). */
  url: string;
  /** The method, e.g. `GET`. */
  method: string;
  /** Header lines in order, repeated names allowed; sent as given (hop-by-hop headers already removed). */
  headers: [string, string][];
  /** The body to stream up, or null for none. */
  body: ReadableStream<Uint8Array> | null;
  /** Aborting it abandons the request and the response body. */
  signal?: AbortSignal;
}

/** One address of a network interface. */
export interface NetworkAddress {
  /** The address, e.g. `192.168.1.20` or `fe80::1` (no zone). */
  address: string;
  /** 4 or 6. */
  family: 4 | 6;
  /** True for loopback addresses. */
  internal: boolean;
}
