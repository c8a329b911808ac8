/**
 * The runtime-independent parts of running other programs (`Runtime.run`, `exec`, `which`):
 * bounded output collection, environment changes, PATH search and the error for a command
 * that cannot start. No `Deno.*` and no `node:*` here; each runtime makes the calls.
 *
 * @module
 */

import { TlsmithError } from "../../errors.ts";

/** Each of standard output and standard error is kept up to this many bytes. */
export const OUTPUT_LIMIT = 16 * 1024 * 1024;

/** Default time limit of `Runtime.run`. */
export const DEFAULT_RUN_TIMEOUT_MS = 60_000;

/**
 * Collects a stream's chunks up to {@linkcode OUTPUT_LIMIT} bytes and decodes them as UTF-8.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OutputCollector } from "./process.ts";
 * const out = new OutputCollector();
 * out.add(new TextEncoder().encode("hello "));
 * out.add(new TextEncoder().encode("world"));
 * assert.equal(out.text(), "hello world");
 * ```
 */
export class OutputCollector {
  #chunks: Uint8Array[] = [];
  #size = 0;

  /** Keep `chunk` (or the part of it that fits). */
  add(chunk: Uint8Array): void {
    const room = OUTPUT_LIMIT - this.#size;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(part.slice());
    this.#size += part.length;
  }

  /** Everything kept, as UTF-8 text. */
  text(): string {
    const all = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(all);
  }
}

/**
 * The environment of a child: `base` with `changes` applied (a name whose value is `undefined`
 * is removed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { childEnv } from "./process.ts";
 * const env = childEnv({ A: "1", B: "2" }, { B: undefined, C: "3" });
 * assert.deepEqual(env, { A: "1", C: "3" });
 * ```
 */
export function childEnv(
  base: Record<string, string | undefined>,
  changes: Record<string, string | undefined> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) out[k] = v;
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/**
 * The paths to try, in order, for a command name: the name itself when it contains a path
 * separator, else each PATH directory joined with it (on Windows with each `PATHEXT` ending too).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { executableCandidates } from "./process.ts";
 * assert.deepEqual(executableCandidates("curl", { path: "/usr/local/bin:/usr/bin", platform: "linux" }), [
 *   "/usr/local/bin/curl",
 *   "/usr/bin/curl",
 * ]);
 * assert.deepEqual(executableCandidates("./x", { path: "/usr/bin", platform: "linux" }), ["./x"]);
 * ```
 */
export function executableCandidates(
  cmd: string,
  options: { path?: string; pathExt?: string; platform: string },
): string[] {
  const windows = options.platform === "win32";
  const endings = windows
    ? ["", ...(options.pathExt ?? ".COM;.EXE;.BAT;.CMD").split(";").filter((e) => e)]
    : [""];
  if (cmd === "") return [];
  if (cmd.includes("/") || (windows && cmd.includes("\\"))) return endings.map((e) => cmd + e);
  const sep = windows ? ";" : ":";
  const slash = windows ? "\\" : "/";
  const out: string[] = [];
  for (const dir of (options.path ?? "").split(sep)) {
    if (!dir) continue;
    const base = dir.endsWith(slash) || dir.endsWith("/") ? dir : dir + slash;
    for (const e of endings) out.push(base + cmd + e);
  }
  return out;
}

/**
 * The error for a command that could not be started.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commandFailed } from "./process.ts";
 * const err = commandFailed("certutil", "not found");
 * assert.equal(err.code, "COMMAND_FAILED");
 * assert.match(err.message, /certutil/);
 * ```
 */
export function commandFailed(cmd: string, reason: string, cause?: unknown): TlsmithError {
  return new TlsmithError(
    "COMMAND_FAILED",
    `cannot run ${cmd}: ${reason}. Check that it is installed and on PATH.`,
    cause === undefined ? undefined : { cause },
  );
}

const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

/**
 * The shell's exit code for a process ended by `signal`: 128 + its number (SIGINT → 130).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signalExitCode } from "./process.ts";
 * assert.equal(signalExitCode("SIGINT"), 130);
 * ```
 */
export function signalExitCode(signal: string): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 1);
}
