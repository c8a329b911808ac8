/**
 * The {@linkcode Runtime} for Node (and Bun, which runs the same code):
 * `node:fs/promises`, `node:os`, `node:process`, `node:tty` and an HTTP/2 +
 * HTTP/1.1 TLS server bridged to fetch-style handlers (`node_bridge.ts`).
 *
 * @module
 */

import * as fs from "node:fs/promises";
import { constants as fsConstants } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import type { ReadStream } from "node:tty";
import { TlsmithError } from "../errors.ts";
import { serveNode } from "./node_bridge.ts";
import type {
  DirEntry,
  FileInfo,
  Handler,
  Runtime,
  RuntimeServeOptions,
  ServerHandle,
  WriteFileOptions,
} from "./types.ts";

function errorCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

/** Map a Node file-system error to a TlsmithError that names the path. */
function fileError(err: unknown, file: string, action: string): TlsmithError {
  if (err instanceof TlsmithError) return err;
  const code = errorCode(err);
  if (code === "ENOENT") {
    return new TlsmithError(
      "FILE_NOT_FOUND",
      `${file}: no such file or directory (while trying to ${action}). Check the path.`,
      { cause: err },
    );
  }
  if (code === "EEXIST") {
    return new TlsmithError(
      "FILE_EXISTS",
      `${file} already exists; nothing was written. Pass --force (overwrite) to replace it.`,
      { cause: err },
    );
  }
  const reason = code === "EACCES" || code === "EPERM"
    ? "permission denied; check the file's owner and mode"
    : code === "EISDIR"
    ? "it is a directory, not a file"
    : code === "ENOTDIR"
    ? "a part of the path is not a directory"
    : (err as Error)?.message ?? String(err);
  return new TlsmithError("FILE_ERROR", `${file}: cannot ${action}: ${reason}.`, { cause: err });
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A temporary name in the same directory as `file`, so that rename is atomic. */
function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomSuffix()}.tmp`);
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

/**
 * Write `data` to `file` atomically: a temporary file in the same directory
 * (created exclusively, with `mode`), then a hard link (no overwrite: fails
 * if the target appeared meanwhile) or a rename (overwrite).
 */
async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: WriteFileOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o644;
  const existsError = () =>
    new TlsmithError(
      "FILE_EXISTS",
      `${file} already exists; nothing was written. Pass --force (overwrite) to replace it.`,
    );
  try {
    if (!options.overwrite && await exists(file)) throw existsError();
  } catch (err) {
    throw fileError(err, file, "check whether it exists");
  }
  const tmp = tempNameFor(file);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(
      tmp,
      fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
      mode,
    );
  } catch (err) {
    if (errorCode(err) === "ENOENT") {
      throw new TlsmithError(
        "FILE_NOT_FOUND",
        `${file}: the directory ${path.dirname(file)} does not exist. Create it first.`,
        { cause: err },
      );
    }
    throw fileError(err, file, "write");
  }
  try {
    try {
      await handle.writeFile(data);
      if (process.platform !== "win32") await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite) {
      await fs.rename(tmp, file);
    } else {
      try {
        await fs.link(tmp, file);
      } catch (err) {
        if (errorCode(err) === "EEXIST") throw existsError();
        // No hard links here (some file systems): check, then rename.
        if (await exists(file)) throw existsError();
        await fs.rename(tmp, file);
      }
      await fs.rm(tmp, { force: true });
    }
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw fileError(err, file, "write");
  }
}

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
  let position = range?.start ?? 0;
  const end = range?.end ?? Infinity; // inclusive
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const want = Math.min(64 * 1024, end - position + 1);
      if (want <= 0) {
        await close();
        controller.close();
        return;
      }
      try {
        const buffer = new Uint8Array(want);
        const { bytesRead } = await handle.read(buffer, 0, want, position);
        if (bytesRead === 0) {
          await close();
          controller.close();
          return;
        }
        position += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
      } catch (err) {
        await close();
        controller.error(fileError(err, file, "read"));
      }
    },
    async cancel() {
      await close();
    },
  });
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
    const bytes: number[] = [];
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
        if (byte === 0x0d || byte === 0x0a || byte === 0x04) {
          finish();
          resolve(new TextDecoder().decode(new Uint8Array(bytes)));
          bytes.fill(0);
          return;
        }
        if (byte === 0x03) {
          finish();
          process.exit(130);
        }
        if (byte === 0x7f || byte === 0x08) {
          // Remove one UTF-8 character: continuation bytes, then the lead byte.
          while (bytes.length > 0 && (bytes[bytes.length - 1] & 0xc0) === 0x80) bytes.pop();
          bytes.pop();
          continue;
        }
        if (byte === 0x15) {
          bytes.length = 0; // Ctrl-U: clear the line
          continue;
        }
        if (byte < 0x20) continue;
        bytes.push(byte);
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
    writeFile: writeFileAtomic,
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
  };
}
