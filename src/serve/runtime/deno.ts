/**
 * The {@linkcode Runtime} for Deno. Deno is reached through `globalThis.Deno`
 * typed by the small local {@linkcode DenoLike} interface, so this file also
 * compiles with `tsc` for npm (where no Deno types exist). The file system is
 * `files.ts` (shared with Node) over Deno's own calls; the terminal and
 * signals are Deno's. Serving is the Node bridge over Deno's `node:http2`
 * (`node_bridge.ts`), not `Deno.serve`: see `serve` below.
 *
 * @module
 */

import { type FileErrorKind, SecretLine } from "./common.ts";
import { type FilePrimitives, runtimeFiles } from "./files.ts";
import type { DirEntry, Handler, Runtime, RuntimeServeOptions, ServerHandle } from "./types.ts";

interface DenoFileInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  mtime: Date | null;
  ctime?: Date | null;
  ino?: number | null;
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
  env: { get(name: string): string | undefined };
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
}

function deno(): DenoLike {
  return (globalThis as unknown as { Deno: DenoLike }).Deno;
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | null)?.name;
}

function isWindows(): boolean {
  return deno().build.os === "windows";
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

/** Deno's advice for a file it may not touch. */
function permissionHint(err: unknown): string {
  return `permission denied (${
    (err as Error)?.message
  }); check the file's mode or Deno's --allow-read/--allow-write`;
}

/** Deno's own file-system calls (its `node:fs` would cost ≈ 25 ms of start-up). */
const denoFs: FilePrimitives = {
  kind: fileErrorKind,
  get windows() {
    return isWindows();
  },
  async exists(file) {
    try {
      await deno().lstat(file);
      return true;
    } catch (err) {
      if (fileErrorKind(err) === "not-found") return false;
      throw err;
    }
  },
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
  readFile: (file) => deno().readFile(file),
  readTextFile: (file) => deno().readTextFile(file),
  mkdir: (dir, mode) => deno().mkdir(dir, { recursive: true, mode }),
  async stat(file) {
    const s = await deno().stat(file);
    return {
      isFile: s.isFile,
      isDirectory: s.isDirectory,
      size: s.size,
      mtime: s.mtime,
      ctime: s.ctime ?? null,
      ino: s.ino ?? null,
      mode: s.mode,
    };
  },
  realPath: (file) => deno().realPath(file),
  async readDir(dir) {
    const out: DirEntry[] = [];
    for await (const e of deno().readDir(dir)) {
      out.push({
        name: e.name,
        isDirectory: e.isDirectory,
        isFile: e.isFile,
        isSymlink: e.isSymlink,
      });
    }
    return out;
  },
  async open(file) {
    const handle = await deno().open(file, { read: true });
    let at = 0;
    return {
      async read(buffer, position) {
        if (position !== at) await handle.seek(position, 0 /* SeekMode.Start */);
        const n = await handle.read(buffer);
        at = position + (n ?? 0);
        return n;
      },
      close: () => handle.close(),
    };
  },
};

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

    ...runtimeFiles(denoFs, permissionHint),

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

    // node:http2 (Deno implements it), not Deno.serve: Deno.serve sets no TCP_NODELAY, so every
    // response over ~512 bytes waited ≈ 40 ms for the client's delayed ACK (bench/serve_bench.sh).
    serve: async (handler: Handler, options: RuntimeServeOptions): Promise<ServerHandle> =>
      (await import("./node_bridge.ts")).serveNode(handler, options),
  };
}
