/**
 * Temporary PEM files for test certificates: one private directory (mode 0700) per test CA
 * family, made on the first `certFile()`/`keyFile()`, removed when the CA is disposed or, at
 * the latest, when the process exits. Keys are written with mode 0600.
 *
 * @module
 */

import { getRuntime } from "../serve/runtime/mod.ts";
import type { Runtime } from "../serve/runtime/types.ts";

/** Directories still to remove at exit. One exit hook serves them all. */
const pending = new Set<string>();
let exitHookInstalled = false;

function removeAtExit(runtime: Runtime, dir: string): void {
  pending.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  runtime.onExit(() => {
    for (const path of pending) {
      try {
        runtime.removeTreeSync(path);
      } catch {
        // the process is ending; nothing else can be done about a file that will not go
      }
    }
    pending.clear();
  });
}

/**
 * A lazily created temporary directory and the files written into it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFile, stat } from "node:fs/promises";
 * import { TempFiles } from "./files.ts";
 * const files = new TempFiles();
 * const path = await files.write("ca.pem", "-----BEGIN CERTIFICATE-----\n…");
 * assert.ok(path.endsWith("ca.pem"));
 * assert.equal(await readFile(path, "utf8"), "-----BEGIN CERTIFICATE-----\n…");
 * files.removeAll();
 * await assert.rejects(stat(path), { code: "ENOENT" }); // gone with its directory
 * ```
 */
export class TempFiles {
  #dir: Promise<string> | null = null;
  #path: string | null = null;
  #runtime: Runtime | null = null;
  #count = 0;

  async #directory(): Promise<{ runtime: Runtime; dir: string }> {
    const runtime = this.#runtime ??= await getRuntime();
    if (!this.#dir) {
      const made = runtime.makeTempDir("tlsmith-testing-").then((path) => {
        removeAtExit(runtime, path);
        if (this.#dir === made) this.#path = path;
        else runtime.removeTreeSync(path); // removeAll() ran while it was being made
        return path;
      });
      this.#dir = made;
      made.catch(() => {
        if (this.#dir === made) this.#dir = null;
      });
    }
    return { runtime, dir: await this.#dir };
  }

  /** A file name not used before in this directory: `<n>-<base>`. */
  uniqueName(base: string): string {
    return `${++this.#count}-${base.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60)}`;
  }

  /** Write `text` to `name` in the directory (mode 0600 when `secret`); returns the path. */
  async write(name: string, text: string, secret = false): Promise<string> {
    const { runtime, dir } = await this.#directory();
    const path = `${dir}/${name}`;
    await runtime.writeFile(path, text, { mode: secret ? 0o600 : 0o644 });
    return path;
  }

  /** Remove some files written before (synchronously; a missing file is no error). */
  remove(paths: readonly string[]): void {
    if (!this.#runtime) return;
    for (const path of paths) this.#runtime.removeTreeSync(path);
  }

  /** Remove the directory and everything in it (synchronously). */
  removeAll(): void {
    const path = this.#path;
    this.#dir = null;
    this.#path = null;
    if (!path || !this.#runtime) return;
    this.#runtime.removeTreeSync(path);
    pending.delete(path);
  }
}
