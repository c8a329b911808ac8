/**
 * Small helpers of the trust layer: paths, printing command lines for a shell, running a tool
 * and summarising its failure, temporary directories.
 *
 * @module
 */

import type { RunCommandOptions, RunCommandResult, Runtime } from "../serve/runtime/types.ts";
import { shellWord } from "../_internal/commands.ts";

export { shellWord };

/**
 * Join path parts with `/` (or `\` on Windows), without doubling separators.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathJoin } from "./util.ts";
 * assert.equal(pathJoin("linux", "/home/a/", ".pki", "nssdb"), "/home/a/.pki/nssdb");
 * assert.equal(pathJoin("win32", "C:\\Users\\a", "AppData"), "C:\\Users\\a\\AppData");
 * ```
 */
export function pathJoin(platform: string, first: string, ...rest: string[]): string {
  const sep = platform === "win32" ? "\\" : "/";
  let out = first;
  for (const part of rest) {
    if (part === "") continue;
    out = out.endsWith("/") || out.endsWith("\\") ? out + part : out + sep + part;
  }
  return out;
}

/**
 * The directory part of a path (`/a/b/c` → `/a/b`; `/a` → `/`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parentDir } from "./util.ts";
 * assert.equal(parentDir("/usr/lib/jvm/java-17/bin/keytool"), "/usr/lib/jvm/java-17/bin");
 * assert.equal(parentDir("/cacerts"), "/");
 * ```
 */
export function parentDir(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (i < 0) return ".";
  return i === 0 ? path.slice(0, 1) : path.slice(0, i);
}

/**
 * The last part of a path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baseName } from "./util.ts";
 * assert.equal(baseName("/home/a/.mozilla/firefox/x1.default"), "x1.default");
 * ```
 */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return path.slice(i + 1);
}

/**
 * A command line as one would type it in a POSIX shell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commandLine } from "./util.ts";
 * assert.equal(commandLine(["certutil", "-A", "-n", "tlsmith ca", "-t", "C,,"]), "certutil -A -n 'tlsmith ca' -t C,,");
 * ```
 */
export function commandLine(argv: readonly string[]): string {
  return argv.map(shellWord).join(" ");
}

/**
 * True when this process runs as root (uid 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRoot } from "./util.ts";
 * assert.equal(isRoot({ userId: () => 0 }), true);
 * assert.equal(isRoot({ userId: () => 1000 }), false);
 * assert.equal(isRoot({ userId: () => null }), false); // Windows
 * ```
 */
export function isRoot(runtime: Pick<Runtime, "userId">): boolean {
  return runtime.userId() === 0;
}

/**
 * The last meaningful line of a tool's output, for a one-line "why".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lastLine } from "./util.ts";
 * assert.equal(lastLine("\nfirst\nsecond line\n\n"), "second line");
 * assert.equal(lastLine(""), "");
 * ```
 */
export function lastLine(text: string, maxLength = 300): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  const line = lines.at(-1) ?? "";
  return line.length > maxLength ? `${line.slice(0, maxLength)}…` : line;
}

/**
 * Why a run failed, in one line: the time limit, the last line of its error output, or its code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failureOf } from "./util.ts";
 * assert.equal(failureOf("keytool", { code: 1, stdout: "", stderr: "boom\n", timedOut: false }), "keytool failed: boom");
 * ```
 */
export function failureOf(name: string, result: RunCommandResult): string {
  if (result.timedOut) return `${name} did not finish in time`;
  const why = lastLine(result.stderr) || lastLine(result.stdout);
  return why ? `${name} failed: ${why}` : `${name} exited with code ${result.code}`;
}

/**
 * Run a tool that may be missing: null when it cannot be started, else its result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { tryRun } from "./util.ts";
 * const runtime = await getRuntime();
 * assert.equal(await tryRun(runtime, "tlsmith-no-such-tool", ["--version"]), null);
 * ```
 */
export async function tryRun(
  runtime: Pick<Runtime, "run">,
  cmd: string,
  args: readonly string[],
  options?: RunCommandOptions,
): Promise<RunCommandResult | null> {
  try {
    return await runtime.run(cmd, args, options);
  } catch {
    return null;
  }
}

/**
 * Run `fn` with a fresh private temporary directory, then remove it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * const used = await withTempDir(runtime, "tlsmith-doctor-", async (dir) => {
 *   await runtime.writeFile(`${dir}/leaf.pem`, "…");
 *   assert.equal((await runtime.stat(dir))?.isDirectory, true);
 *   return dir;
 * });
 * assert.equal(await runtime.stat(used), null); // removed with its files
 * ```
 */
export async function withTempDir<T>(
  runtime: Pick<Runtime, "makeTempDir" | "remove">,
  prefix: string,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await runtime.makeTempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    await runtime.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * True when a path exists (file or directory), false when it does not or cannot be inspected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { exists } from "./util.ts";
 * const runtime = await getRuntime();
 * assert.equal(await exists(runtime, runtime.cwd()), true);
 * assert.equal(await exists(runtime, `${runtime.cwd()}/tlsmith-no-such-file`), false);
 * ```
 */
export async function exists(runtime: Pick<Runtime, "stat">, path: string): Promise<boolean> {
  try {
    return (await runtime.stat(path)) !== null;
  } catch {
    return false;
  }
}

/**
 * Run up to `limit` tasks at a time, keeping the order of results.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapLimit } from "./util.ts";
 * assert.deepEqual(await mapLimit([1, 2, 3], 2, async (n) => n * 2), [2, 4, 6]);
 * ```
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
