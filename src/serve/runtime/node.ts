/**
 * The {@linkcode Runtime} for Node (and Bun, which runs the same code):
 * `node:fs/promises` (through `files.ts`), `node:os`, `node:process`,
 * `node:tty` and an HTTP/2 + HTTP/1.1 TLS server bridged to fetch-style
 * handlers (`node_bridge.ts`, loaded when serving).
 *
 * @module
 */

import * as fs from "node:fs/promises";
import { constants as fsConstants } from "node:fs";
import * as os from "node:os";
import process from "node:process";
import type { ReadStream } from "node:tty";
import { type FileErrorKind, SecretLine } from "./common.ts";
import { type FilePrimitives, runtimeFiles } from "./files.ts";
import type { DirEntry, Handler, Runtime, RuntimeServeOptions, ServerHandle } from "./types.ts";

function fileErrorKind(err: unknown): FileErrorKind | undefined {
  switch ((err as { code?: string } | null)?.code) {
    case "ENOENT":
      return "not-found";
    case "EEXIST":
      return "exists";
    case "EACCES":
    case "EPERM":
      return "permission";
    case "EISDIR":
      return "is-directory";
    case "ENOTDIR":
      return "not-directory";
  }
  return undefined;
}

/** Node's file-system calls (`node:fs/promises`). */
const nodeFs: FilePrimitives = {
  kind: fileErrorKind,
  windows: process.platform === "win32",
  async exists(file) {
    try {
      await fs.lstat(file);
      return true;
    } catch (err) {
      if (fileErrorKind(err) === "not-found") return false;
      throw err;
    }
  },
  async writeNew(tmp, data, mode) {
    const handle = await fs.open(
      tmp,
      fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
      mode,
    );
    try {
      try {
        await handle.writeFile(data);
        if (process.platform !== "win32") await handle.chmod(mode);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
  },
  rename: (from, to) => fs.rename(from, to),
  link: (from, to) => fs.link(from, to),
  remove: (file) => fs.rm(file, { force: true }),
  readFile: async (file) => new Uint8Array(await fs.readFile(file)),
  readTextFile: (file) => fs.readFile(file, "utf8"),
  mkdir: async (dir, mode) => void await fs.mkdir(dir, { recursive: true, mode }),
  async stat(file) {
    const s = await fs.stat(file);
    return {
      isFile: s.isFile(),
      isDirectory: s.isDirectory(),
      size: s.size,
      mtime: s.mtime ?? null,
      ctime: s.ctime ?? null,
      ino: s.ino,
      mode: s.mode,
    };
  },
  realPath: (file) => fs.realpath(file),
  async readDir(dir) {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.map((e): DirEntry => ({
      name: e.name,
      isDirectory: e.isDirectory(),
      isFile: e.isFile(),
      isSymlink: e.isSymbolicLink(),
    }));
  },
  async open(file) {
    const handle = await fs.open(file, "r");
    return {
      read: async (buffer, position) =>
        (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
      close: () => handle.close(),
      // The Node bridge pipes this into the response (see FILE_SOURCE in common.ts).
      take: (range) => handle.createReadStream({ start: range?.start ?? 0, end: range?.end }),
    };
  },
};

function stdinTty(): ReadStream | null {
  const stdin = process.stdin as ReadStream;
  return stdin.isTTY ? stdin : null;
}

/** Read a line from the terminal without echo; Backspace edits, Ctrl-C exits with 130. */
function promptSecret(prompt: string): Promise<string | null> {
  const stdin = stdinTty();
  if (!stdin) return Promise.resolve(null);
  return new Promise((resolve) => {
    const line = new SecretLine();
    const wasRaw = stdin.isRaw;
    // Raw (no echo) before the prompt shows, so nothing typed early is echoed.
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: Uint8Array) => {
      for (const byte of chunk) {
        const event = line.feed(byte);
        if (event === "enter") {
          finish();
          resolve(line.take());
          return;
        }
        if (event === "interrupt") {
          finish();
          process.exit(130);
        }
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

/**
 * Create the Node (or Bun) runtime.
 *
 * @example
 * ```ts ignore
 * import { createNodeRuntime } from "./node.ts";
 * const runtime = createNodeRuntime();
 * console.log(runtime.name, runtime.cwd());
 * ```
 */
export function createNodeRuntime(): Runtime {
  const isBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
  return {
    name: isBun ? "bun" : "node",
    args: () => process.argv.slice(2),
    env: (name) => process.env[name],
    cwd: () => process.cwd(),
    homeDir: () => {
      try {
        return os.homedir() || undefined;
      } catch {
        return undefined;
      }
    },
    platform: () => process.platform,

    ...runtimeFiles(nodeFs, () => "permission denied; check the file's owner and mode"),

    stdinIsTerminal: () => stdinTty() !== null,
    promptSecret,
    print: (text) => void process.stdout.write(text),
    printError: (text) => void process.stderr.write(text),
    onShutdownSignal(handler) {
      const listener = () => handler();
      process.on("SIGINT", listener);
      process.on("SIGTERM", listener);
      return () => {
        process.off("SIGINT", listener);
        process.off("SIGTERM", listener);
      };
    },
    exit: (code) => process.exit(code),

    // The server (node:http2, the fetch bridge) loads only when something serves.
    serve: async (handler: Handler, options: RuntimeServeOptions): Promise<ServerHandle> =>
      (await import("./node_bridge.ts")).serveNode(handler, options),
  };
}
