/**
 * The file system of both runtimes through `node:fs/promises`, which Deno 2
 * implements too: reading, atomic writing, directories, metadata and file
 * streams. Only the advice for a permission error differs (Deno's
 * `--allow-read` / `--allow-write`), so it is a parameter.
 *
 * @module
 */

import * as fs from "node:fs/promises";
import { constants as fsConstants, type Stats } from "node:fs";
import process from "node:process";
import type { TlsmithError } from "../../errors.ts";
import {
  type AtomicWriteFs,
  FILE_SOURCE,
  fileError as commonFileError,
  type FileErrorKind,
  readStream,
  writeFileAtomic,
} from "./common.ts";
import type { DirEntry, FileInfo, Runtime } from "./types.ts";

/** The file-system members of a {@linkcode Runtime}. */
export type RuntimeFiles = Pick<
  Runtime,
  | "readFile"
  | "readTextFile"
  | "writeFile"
  | "rename"
  | "mkdir"
  | "stat"
  | "realPath"
  | "readDir"
  | "openRead"
  | "fileMode"
>;

function errorCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

/** Node's error codes, and Deno's error names for what its permission system refuses. */
function fileErrorKind(err: unknown): FileErrorKind | undefined {
  switch (errorCode(err) ?? (err as { name?: string } | null)?.name) {
    case "ENOENT":
    case "NotFound":
      return "not-found";
    case "EEXIST":
    case "AlreadyExists":
      return "exists";
    case "EACCES":
    case "EPERM":
    case "PermissionDenied":
    case "NotCapable":
      return "permission";
    case "EISDIR":
      return "is-directory";
    case "ENOTDIR":
      return "not-directory";
  }
  return undefined;
}

function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return code === "ENOENT" || code === "ENOTDIR";
}

function fileInfo(s: Stats): FileInfo {
  return {
    isFile: s.isFile(),
    isDirectory: s.isDirectory(),
    size: s.size,
    mtime: s.mtime ?? null,
    ctime: s.ctime ?? null,
    ino: s.ino,
  };
}

/**
 * The file system through `node:fs/promises`, for the Node and Deno
 * runtimes. Errors are `TlsmithError`s naming the path (`FILE_NOT_FOUND`,
 * `FILE_EXISTS`, `FILE_ERROR`); `permissionHint` gives the advice for a
 * permission error. A stream from `openRead` offers its open file to the
 * Node bridge (see `FILE_SOURCE` in `common.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeFiles } from "./node_fs.ts";
 * const files = nodeFiles(() => "permission denied");
 * assert.equal(await files.stat("/no/such/file"), null);
 * ```
 *
 * @param permissionHint the advice shown for a permission error
 */
export function nodeFiles(permissionHint: (err: unknown) => string): RuntimeFiles {
  const fileError = (err: unknown, file: string, action: string): TlsmithError =>
    commonFileError(err, file, action, fileErrorKind(err), permissionHint(err));

  const exists = async (file: string): Promise<boolean> => {
    try {
      await fs.lstat(file);
      return true;
    } catch (err) {
      if (errorCode(err) === "ENOENT") return false;
      throw err;
    }
  };

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
    // The Node bridge may take the open file and send it as a Node stream (FILE_SOURCE).
    let state: "new" | "reading" | "taken" = "new";
    const stream = readStream({
      read: async (buffer, position) => {
        state = "reading";
        return (await handle.read(buffer, 0, buffer.length, position)).bytesRead;
      },
      close: () => state === "taken" ? undefined : handle.close(),
      error: (err) => fileError(err, file, "read"),
    }, range);
    Object.defineProperty(stream, FILE_SOURCE, {
      value: {
        take() {
          if (state !== "new") return null;
          state = "taken";
          return handle.createReadStream({ start: range?.start ?? 0, end: range?.end });
        },
      },
    });
    return stream;
  }

  return {
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
        if (isMissing(err)) return null;
        throw fileError(err, file, "inspect it");
      }
    },
    async realPath(file) {
      try {
        return await fs.realpath(file);
      } catch (err) {
        if (isMissing(err)) return null;
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
  };
}
