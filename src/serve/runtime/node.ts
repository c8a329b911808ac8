/**
 * The {@linkcode Runtime} for Node (and Bun, which runs the same code):
 * `node:fs/promises`, `node:os`, `node:process`, `node:tty` and an HTTP/2 +
 * HTTP/1.1 TLS server bridged to fetch-style handlers (`node_server.ts`).
 *
 * @module
 */

import * as fs from "node:fs/promises";
import { constants as fsConstants } from "node:fs";
import * as os from "node:os";
import process from "node:process";
import type { ReadStream } from "node:tty";
import type { TlsmithError } from "../../errors.ts";
import {
  type AtomicWriteFs,
  fileError as commonFileError,
  type FileErrorKind,
  readStream,
  SecretLine,
  writeFileAtomic,
} from "./common.ts";
import { serveNode } from "./node_server.ts";
import type {
  DirEntry,
  FileInfo,
  Handler,
  NetworkAddress,
  Runtime,
  RuntimeServeOptions,
  ServerHandle,
} from "./types.ts";

function errorCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

function fileErrorKind(err: unknown): FileErrorKind | undefined {
  switch (errorCode(err)) {
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

/** Map a Node file-system error to a TlsmithError that names the path. */
function fileError(err: unknown, file: string, action: string): TlsmithError {
  return commonFileError(
    err,
    file,
    action,
    fileErrorKind(err),
    "permission denied; check the file's owner and mode",
  );
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (err) {
    if (errorCode(err) === "ENOENT") return false;
    throw err;
  }
}

const atomicFs: AtomicWriteFs = {
  exists,
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
  kind: fileErrorKind,
  fileError,
};

function fileInfo(s: import("node:fs").Stats): FileInfo {
  return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size, mtime: s.mtime ?? null };
}

async function openRead(
  file: string,
  range?: { start: number; end: number },
): Promise<ReadableStream<Uint8Array>> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, "r");
  } catch (err) {
    throw fileError(err, file, "open it");
  }
  return readStream({
    read: async (buffer, position) =>
      (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
    close: () => handle.close(),
    error: (err) => fileError(err, file, "read"),
  }, range);
}

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
    unsetEnv: (name) => {
      delete process.env[name];
    },
    cwd: () => process.cwd(),
    homeDir: () => {
      try {
        return os.homedir() || undefined;
      } catch {
        return undefined;
      }
    },
    platform: () => process.platform,

    async readFile(file) {
      try {
        return new Uint8Array(await fs.readFile(file));
      } catch (err) {
        throw fileError(err, file, "read it");
      }
    },
    async readTextFile(file) {
      try {
        return await fs.readFile(file, "utf8");
      } catch (err) {
        throw fileError(err, file, "read it");
      }
    },
    writeFile: (file, data, options) => writeFileAtomic(atomicFs, file, data, options),
    async rename(from, to) {
      try {
        await fs.rename(from, to);
      } catch (err) {
        throw fileError(err, from, `rename it to ${to}`);
      }
    },
    async mkdir(dir, options) {
      try {
        await fs.mkdir(dir, { recursive: true, mode: options?.mode });
      } catch (err) {
        throw fileError(err, dir, "create the directory");
      }
    },
    async stat(file) {
      try {
        return fileInfo(await fs.stat(file));
      } catch (err) {
        if (errorCode(err) === "ENOENT" || errorCode(err) === "ENOTDIR") return null;
        throw fileError(err, file, "inspect it");
      }
    },
    async realPath(file) {
      try {
        return await fs.realpath(file);
      } catch (err) {
        if (errorCode(err) === "ENOENT" || errorCode(err) === "ENOTDIR") return null;
        throw fileError(err, file, "resolve it");
      }
    },
    async readDir(dir) {
      try {
        const entries = await fs.readdir(dir, { withFileTypes: true });
        return entries.map((e): DirEntry => ({
          name: e.name,
          isDirectory: e.isDirectory(),
          isFile: e.isFile(),
          isSymlink: e.isSymbolicLink(),
        }));
      } catch (err) {
        throw fileError(err, dir, "list the directory");
      }
    },
    openRead,
    async fileMode(file) {
      if (process.platform === "win32") return null;
      try {
        return (await fs.stat(file)).mode & 0o7777;
      } catch (err) {
        throw fileError(err, file, "inspect it");
      }
    },

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

    serve: (handler: Handler, options: RuntimeServeOptions): Promise<ServerHandle> =>
      serveNode(handler, options),

    networkAddresses: () => {
      try {
        return Object.values(os.networkInterfaces()).flatMap((list) =>
          (list ?? []).map((a): NetworkAddress => ({
            address: a.address.replace(/%.*$/, ""),
            family: a.family === "IPv6" || (a.family as unknown) === 6 ? 6 : 4,
            internal: a.internal,
          }))
        );
      } catch {
        return [];
      }
    },
    hostName: () => {
      try {
        return os.hostname() || undefined;
      } catch {
        return undefined;
      }
    },
  };
}
