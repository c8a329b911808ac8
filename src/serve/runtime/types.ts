/**
 * The one small interface between tlsmith and the runtime it runs on. The
 * core (`src/*.ts`) never touches a runtime; the CLI and `serve()` reach the
 * file system, the terminal, the environment and the network only through a
 * {@linkcode Runtime}. Implementations: `deno.ts` and `node.ts` beside this file.
 *
 * @module
 */

/** A fetch-style request handler. */
export type Handler = (
  request: Request,
  info: ServeHandlerInfo,
) => Response | Promise<Response>;

/** What a handler learns about the connection besides the request. */
export interface ServeHandlerInfo {
  /** The client's address. */
  remoteAddr: { hostname: string; port: number };
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

/** Options of {@linkcode Runtime.serve}. */
export interface RuntimeServeOptions extends TlsPem {
  /** Host to bind. */
  hostname: string;
  /** Port to bind; 0 for an ephemeral one. */
  port: number;
  /** Abort to shut the server down. */
  signal?: AbortSignal;
  /** Called once the server listens. */
  onListen?: (addr: ServerAddr) => void;
  /** Called when the handler throws; the client then gets a 500. */
  onError?: (error: unknown) => void;
}

/** A running server. */
export interface ServerHandle {
  /** Where it listens. */
  readonly addr: ServerAddr;
  /** Resolves when the server has fully stopped. */
  readonly finished: Promise<void>;
  /** Stop accepting, let in-flight requests finish, then close; resolves when stopped. */
  shutdown(): Promise<void>;
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

/** Everything runtime-specific tlsmith needs. */
export interface Runtime {
  /** `"deno"`, `"node"` or `"bun"` (Bun runs the Node implementation). */
  readonly name: "deno" | "node" | "bun";
  /** Command-line arguments after the script. */
  args(): string[];
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
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
  /**
   * Ask on the terminal without echo (for pass phrases). Returns null when
   * standard input is not a terminal. The answer is never logged.
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
}
