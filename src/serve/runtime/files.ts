/**
 * The file-system members of a {@linkcode Runtime}, written once over the few
 * calls each runtime gives ({@linkcode FilePrimitives}): errors that name the
 * path, "missing" as null, atomic writes, byte streams over open files. Deno
 * and Node only supply their primitives (Deno keeps its own API here: loading
 * its `node:fs` costs ≈ 25 ms of start-up, a third of a bare `deno run`).
 * No `Deno.*` and no `node:*` in this file.
 *
 * @module
 */

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

/** A file open for reading. */
export interface OpenFile {
  /** Read up to `buffer.length` bytes at `position`; 0 or null at the end. */
  read(buffer: Uint8Array, position: number): Promise<number | null>;
  /** Close it. */
  close(): Promise<void> | void;
  /**
   * Optional: hand the open file over as a runtime stream of bytes
   * `[start, end]` (the Node bridge sends it without a web stream).
   */
  take?(range?: { start: number; end: number }): unknown;
}

/**
 * The calls a runtime gives. They throw the runtime's own errors, which
 * `kind` classifies. (The atomic-write calls are those of {@linkcode AtomicWriteFs}.)
 */
export interface FilePrimitives extends Omit<AtomicWriteFs, "fileError"> {
  /** Whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Whole file as UTF-8. */
  readTextFile(path: string): Promise<string>;
  /** Create a directory and its parents. */
  mkdir(path: string, mode?: number): Promise<void>;
  /** Metadata following symlinks, with the mode bits (null where there are none). */
  stat(path: string): Promise<FileInfo & { mode: number | null }>;
  /** The canonical path. */
  realPath(path: string): Promise<string>;
  /** Directory entries. */
  readDir(path: string): Promise<DirEntry[]>;
  /** Open for reading. */
  open(path: string): Promise<OpenFile>;
  /** True on Windows (no mode bits). */
  windows: boolean;
}

/**
 * A runtime's mapper from its own file-system errors to `TlsmithError`s that
 * name the path (`FILE_NOT_FOUND`, `FILE_EXISTS`, `FILE_ERROR` with
 * `permissionHint`'s advice for a permission error).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileErrorFor } from "./files.ts";
 * const fileError = fileErrorFor(() => "not-found", () => "permission denied");
 * assert.equal(fileError(new Error("gone"), "key.pem", "read it").code, "FILE_NOT_FOUND");
 * ```
 *
 * @param kind classifies the runtime's errors
 * @param permissionHint the advice shown for a permission error
 */
export function fileErrorFor(
  kind: (err: unknown) => FileErrorKind | undefined,
  permissionHint: (err: unknown) => string,
): (err: unknown, file: string, action: string) => TlsmithError {
  return (err, file, action) => commonFileError(err, file, action, kind(err), permissionHint(err));
}

/**
 * The file-system members of a runtime, from its primitives: every error is
 * a `TlsmithError` naming the path (`FILE_NOT_FOUND`, `FILE_EXISTS`,
 * `FILE_ERROR`, with `permissionHint`'s advice for a permission error);
 * `stat` and `realPath` give null for a missing path; writes are atomic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runtimeFiles } from "./files.ts";
 * import { getRuntime } from "./mod.ts";
 * // Each runtime builds its members this way; the result behaves the same everywhere.
 * assert.equal(typeof runtimeFiles, "function");
 * assert.equal(await (await getRuntime()).stat("/no/such/file"), null);
 * ```
 *
 * @param fs the runtime's calls
 * @param permissionHint the advice shown for a permission error
 */
export function runtimeFiles(
  fs: FilePrimitives,
  permissionHint: (err: unknown) => string,
): RuntimeFiles {
  const fileError = fileErrorFor(fs.kind, permissionHint);
  const isMissing = (err: unknown): boolean => {
    const kind = fs.kind(err);
    return kind === "not-found" || kind === "not-directory";
  };
  const atomicFs: AtomicWriteFs = { ...fs, fileError };

  async function openRead(
    file: string,
    range?: { start: number; end: number },
  ): Promise<ReadableStream<Uint8Array>> {
    let handle: OpenFile;
    try {
      handle = await fs.open(file);
    } catch (err) {
      throw fileError(err, file, "open it");
    }
    let state: "new" | "reading" | "taken" = "new";
    const stream = readStream({
      read: (buffer, position) => {
        state = "reading";
        return handle.read(buffer, position);
      },
      close: () => state === "taken" ? undefined : handle.close(),
      error: (err) => fileError(err, file, "read"),
    }, range);
    const take = handle.take?.bind(handle);
    if (take) {
      // The Node bridge may take the open file and send it as a Node stream (FILE_SOURCE).
      Object.defineProperty(stream, FILE_SOURCE, {
        value: {
          take() {
            if (state !== "new") return null;
            state = "taken";
            return take(range);
          },
        },
      });
    }
    return stream;
  }

  return {
    async readFile(file) {
      try {
        return await fs.readFile(file);
      } catch (err) {
        throw fileError(err, file, "read it");
      }
    },
    async readTextFile(file) {
      try {
        return await fs.readTextFile(file);
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
        await fs.mkdir(dir, options?.mode);
      } catch (err) {
        throw fileError(err, dir, "create the directory");
      }
    },
    async stat(file) {
      try {
        const { mode: _, ...info } = await fs.stat(file);
        return info;
      } catch (err) {
        if (isMissing(err)) return null;
        throw fileError(err, file, "inspect it");
      }
    },
    async realPath(file) {
      try {
        return await fs.realPath(file);
      } catch (err) {
        if (isMissing(err)) return null;
        throw fileError(err, file, "resolve it");
      }
    },
    async readDir(dir) {
      try {
        return await fs.readDir(dir);
      } catch (err) {
        throw fileError(err, dir, "list the directory");
      }
    },
    openRead,
    async fileMode(file) {
      if (fs.windows) return null;
      try {
        const mode = (await fs.stat(file)).mode;
        return mode === null ? null : mode & 0o7777;
      } catch (err) {
        throw fileError(err, file, "inspect it");
      }
    },
  };
}
