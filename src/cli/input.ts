/**
 * Reading the files a command is given (certificates, chains, CSRs, keys), bounded before any
 * work: only regular files (a device such as `/dev/urandom`, a FIFO or a directory is refused
 * at once, never read), and at most {@linkcode INPUT_LIMITS}`.fileBytes` bytes, whatever the file
 * claims or grows to while it is read.
 *
 * @module
 */

import { concatBytes } from "../_internal/bytes.ts";
import { TlsmithError } from "../errors.ts";
import type { Runtime } from "../serve/runtime/types.ts";

/** Limits of the files the CLI reads. */
export const INPUT_LIMITS = Object.freeze({
  /** Largest certificate, chain, bundle, CSR or key file (the biggest CA bundles are ~250 KB). */
  fileBytes: 8 * 1024 * 1024,
});

/**
 * The bytes of the regular file `path`: `FILE_NOT_FOUND` when it does not exist, `FILE_ERROR`
 * for a directory, device or pipe, or for a file larger than `max` bytes (checked before reading
 * and while reading).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { readInputFile } from "./input.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-in-", async (dir) => {
 *   await runtime.writeFile(`${dir}/cert.pem`, "-----BEGIN CERTIFICATE-----\n");
 *   assert.equal((await readInputFile(runtime, `${dir}/cert.pem`)).length, 28);
 *   await assert.rejects(readInputFile(runtime, `${dir}/cert.pem`, 16), {
 *     code: "FILE_ERROR",
 *     message: /larger than 16 bytes/,
 *   });
 *   await assert.rejects(readInputFile(runtime, dir), { message: /is a directory/ });
 *   await assert.rejects(readInputFile(runtime, "/dev/zero"), { message: /not a regular file/ });
 * });
 * ```
 */
export async function readInputFile(
  runtime: Runtime,
  path: string,
  max: number = INPUT_LIMITS.fileBytes,
): Promise<Uint8Array> {
  const info = await runtime.stat(path);
  if (!info) {
    throw new TlsmithError("FILE_NOT_FOUND", `${path}: no such file. Check the path.`);
  }
  if (!info.isFile) {
    throw new TlsmithError(
      "FILE_ERROR",
      `${path} is ${
        info.isDirectory ? "a directory" : "not a regular file (a device, pipe or socket)"
      }; pass a certificate, key or CSR file.`,
    );
  }
  const tooLarge = (size: number) =>
    new TlsmithError(
      "FILE_ERROR",
      `${path} is ${
        size > max ? `larger than ${max} bytes` : `${size} bytes`
      }; tlsmith reads certificate, key and CSR files of at most ${max} bytes. Check that it is the right file.`,
    );
  if (info.size > max) throw tooLarge(info.size);
  const reader = (await runtime.openRead(path, { start: 0, end: max })).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(total);
    }
    chunks.push(value);
  }
  return concatBytes(...chunks);
}

/**
 * {@linkcode readInputFile} as UTF-8 text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { readInputText } from "./input.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-in-", async (dir) => {
 *   const pem = "-----BEGIN CERTIFICATE-----\n";
 *   await runtime.writeFile(`${dir}/chain.pem`, pem);
 *   assert.equal(await readInputText(runtime, `${dir}/chain.pem`), pem);
 *   await assert.rejects(readInputText(runtime, `${dir}/missing.pem`), { code: "FILE_NOT_FOUND" });
 * });
 * ```
 */
export async function readInputText(
  runtime: Runtime,
  path: string,
  max: number = INPUT_LIMITS.fileBytes,
): Promise<string> {
  return new TextDecoder().decode(await readInputFile(runtime, path, max));
}
