/**
 * The {@linkcode Runtime} for Deno. Deno is reached through `globalThis.Deno`
 * typed by the small local {@linkcode DenoLike} interface, so this file also
 * compiles with `tsc` for npm (where no Deno types exist). Serving is in
 * `deno_server.ts` (Deno's HTTP server behind tlsmith's own listeners).
 *
 * @module
 */

import type { TlsmithError } from "../../errors.ts";
import {
  type AtomicWriteFs,
  fileError as commonFileError,
  type FileErrorKind,
  readStream,
  SecretLine,
  writeFileAtomic,
} from "./common.ts";
import type {
  DirEntry,
  FileInfo,
  Handler,
  NetworkAddress,
  Runtime,
  RuntimeServeOptions,
  ServerHandle,
} from "./types.ts";

interface DenoFileInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  mtime: Date | null;
  mode: number | null;
}

interface DenoFsFile {
  read(p: Uint8Array): Promise<number | null>;
  seek(offset: number, whence: number): Promise<number>;
  close(): void;
}

/** The part of the Deno namespace this runtime uses. */
interface DenoLike {
  args: string[];
  build: { os: string };
  env: { get(name: string): string | undefined; delete(name: string): void };
  cwd(): string;
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  writeFile(
    path: string,
    data: Uint8Array,
    options?: { mode?: number; createNew?: boolean },
  ): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<void>;
  stat(path: string): Promise<DenoFileInfo>;
  lstat(path: string): Promise<DenoFileInfo>;
  realPath(path: string): Promise<string>;
  readDir(path: string): AsyncIterable<DirEntry>;
  open(path: string, options?: { read?: boolean }): Promise<DenoFsFile>;
  stdin: {
    isTerminal(): boolean;
    setRaw(mode: boolean): void;
    read(p: Uint8Array): Promise<number | null>;
  };
  stdout: { writeSync(p: Uint8Array): number };
  stderr: { writeSync(p: Uint8Array): number };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  exit(code: number): never;
  networkInterfaces(): { address: string; family: "IPv4" | "IPv6" }[];
  hostname(): string;
}

function deno(): DenoLike {
  return (globalThis as unknown as { Deno: DenoLike }).Deno;
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | null)?.name;
}

function fileErrorKind(err: unknown): FileErrorKind | undefined {
  switch (errorName(err)) {
    case "NotFound":
      return "not-found";
    case "AlreadyExists":
      return "exists";
    case "PermissionDenied":
    case "NotCapable":
      return "permission";
    case "IsADirectory":
      return "is-directory";
    case "NotADirectory":
      return "not-directory";
  }
  return undefined;
}

/** Map a Deno file-system error to a TlsmithError that names the path. */
function fileError(err: unknown, file: string, action: string): TlsmithError {
  const kind = fileErrorKind(err);
  return commonFileError(
    err,
    file,
    action,
    kind,
    kind === "permission"
      ? `permission denied (${
        (err as Error).message
      }); check the file's mode or Deno's --allow-read/--allow-write`
      : "",
  );
}

function isWindows(): boolean {
  return deno().build.os === "windows";
}

async function exists(file: string): Promise<boolean> {
  try {
    await deno().lstat(file);
    return true;
  } catch (err) {
    if (errorName(err) === "NotFound") return false;
    throw err;
  }
}

const atomicFs: AtomicWriteFs = {
  exists,
  async writeNew(tmp, data, mode) {
    const D = deno();
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    await D.writeFile(tmp, bytes, { mode, createNew: true });
    try {
      if (!isWindows()) await D.chmod(tmp, mode);
    } catch (err) {
      await D.remove(tmp).catch(() => {});
      throw err;
    }
  },
  rename: (from, to) => deno().rename(from, to),
  link: (from, to) => deno().link(from, to),
  remove: (file) => deno().remove(file),
  kind: fileErrorKind,
  fileError,
};

function fileInfo(s: DenoFileInfo): FileInfo {
  return { isFile: s.isFile, isDirectory: s.isDirectory, size: s.size, mtime: s.mtime };
}

async function openRead(
  file: string,
  range?: { start: number; end: number },
): Promise<ReadableStream<Uint8Array>> {
  let handle: DenoFsFile;
  try {
    handle = await deno().open(file, { read: true });
    if (range && range.start > 0) await handle.seek(range.start, 0 /* SeekMode.Start */);
  } catch (err) {
    throw fileError(err, file, "open it");
  }
  // Reads follow on from the seek above, so the position is not needed.
  return readStream({
    read: (buffer) => handle.read(buffer),
    close: () => handle.close(),
    error: (err) => fileError(err, file, "read"),
  }, range);
}

function writeAll(out: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = new TextEncoder().encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(out.writeSync(bytes));
}

function stdinIsTerminal(): boolean {
  try {
    return deno().stdin.isTerminal();
  } catch {
    return false;
  }
}

/** Read a line from the terminal without echo; Backspace edits, Ctrl-C exits with 130. */
async function promptSecret(prompt: string): Promise<string | null> {
  const D = deno();
  if (!stdinIsTerminal()) return null;
  const line = new SecretLine();
  const buffer = new Uint8Array(64);
  // Raw (no echo) before the prompt shows, so nothing typed early is echoed.
  D.stdin.setRaw(true);
  try {
    writeAll(D.stderr, prompt);
    for (;;) {
      const n = await D.stdin.read(buffer);
      if (n === null) break;
      for (const byte of buffer.subarray(0, n)) {
        const event = line.feed(byte);
        if (event === "enter") return line.take();
        if (event === "interrupt") {
          D.stdin.setRaw(false);
          writeAll(D.stderr, "\n");
          D.exit(130);
        }
      }
    }
    return line.take();
  } finally {
    buffer.fill(0);
    D.stdin.setRaw(false);
    writeAll(D.stderr, "\n");
  }
}

/** Serve with Deno's own HTTP server behind tlsmith's listeners and `node:tls` (`deno_server.ts`). */
async function serve(handler: Handler, options: RuntimeServeOptions): Promise<ServerHandle> {
  const { serveDeno } = await import("./deno_server.ts");
  return await serveDeno(handler, options);
}

/**
 * Create the Deno runtime.
 *
 * @example
 * ```ts ignore
 * import { createDenoRuntime } from "./deno.ts";
 * const runtime = createDenoRuntime();
 * console.log(runtime.name, runtime.cwd());
 * ```
 */
export function createDenoRuntime(): Runtime {
  const D = deno();
  return {
    name: "deno",
    args: () => [...D.args],
    env: (name) => {
      try {
        return D.env.get(name);
      } catch {
        return undefined; // no --allow-env
      }
    },
    unsetEnv: (name) => {
      try {
        D.env.delete(name);
      } catch {
        // no --allow-env: nothing was read either
      }
    },
    cwd: () => D.cwd(),
    homeDir: () => {
      try {
        return D.env.get("HOME") ?? D.env.get("USERPROFILE") ?? undefined;
      } catch {
        return undefined;
      }
    },
    platform: () => {
      const os = D.build.os;
      return os === "windows" ? "win32" : os;
    },

    async readFile(file) {
      try {
        return await D.readFile(file);
      } catch (err) {
        throw fileError(err, file, "read it");
      }
    },
    async readTextFile(file) {
      try {
        return await D.readTextFile(file);
      } catch (err) {
        throw fileError(err, file, "read it");
      }
    },
    writeFile: (file, data, options) => writeFileAtomic(atomicFs, file, data, options),
    async rename(from, to) {
      try {
        await D.rename(from, to);
      } catch (err) {
        throw fileError(err, from, `rename it to ${to}`);
      }
    },
    async mkdir(dir, options) {
      try {
        await D.mkdir(dir, { recursive: true, mode: options?.mode });
      } catch (err) {
        throw fileError(err, dir, "create the directory");
      }
    },
    async stat(file) {
      try {
        return fileInfo(await D.stat(file));
      } catch (err) {
        const name = errorName(err);
        if (name === "NotFound" || name === "NotADirectory") return null;
        throw fileError(err, file, "inspect it");
      }
    },
    async realPath(file) {
      try {
        return await D.realPath(file);
      } catch (err) {
        const name = errorName(err);
        if (name === "NotFound" || name === "NotADirectory") return null;
        throw fileError(err, file, "resolve it");
      }
    },
    async readDir(dir) {
      try {
        const out: DirEntry[] = [];
        for await (const e of D.readDir(dir)) {
          out.push({
            name: e.name,
            isDirectory: e.isDirectory,
            isFile: e.isFile,
            isSymlink: e.isSymlink,
          });
        }
        return out;
      } catch (err) {
        throw fileError(err, dir, "list the directory");
      }
    },
    openRead,
    async fileMode(file) {
      if (isWindows()) return null;
      try {
        const mode = (await D.stat(file)).mode;
        return mode === null ? null : mode & 0o7777;
      } catch (err) {
        throw fileError(err, file, "inspect it");
      }
    },

    stdinIsTerminal,
    promptSecret,
    print: (text) => writeAll(D.stdout, text),
    printError: (text) => writeAll(D.stderr, text),
    onShutdownSignal(handler) {
      const listener = () => handler();
      const signals = isWindows() ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
      for (const signal of signals) D.addSignalListener(signal, listener);
      return () => {
        for (const signal of signals) {
          try {
            D.removeSignalListener(signal, listener);
          } catch {
            // already removed
          }
        }
      };
    },
    exit: (code) => D.exit(code),

    serve,

    networkAddresses: () => {
      try {
        return D.networkInterfaces().map((a): NetworkAddress => {
          const address = a.address.replace(/%.*$/, "");
          const family = a.family === "IPv6" ? 6 : 4;
          const internal = family === 4 ? address.startsWith("127.") : address === "::1";
          return { address, family, internal };
        });
      } catch {
        return []; // no --allow-sys
      }
    },
    hostName: () => {
      try {
        return D.hostname() || undefined;
      } catch {
        return undefined;
      }
    },
  };
}
