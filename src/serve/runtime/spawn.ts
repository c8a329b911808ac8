/**
 * Long-running child processes (a dev server started by `tlsmith run
 * --proxy`) with `node:child_process`, on Node, Bun and Deno alike: a
 * process group of its own, so that stopping it also stops what it started
 * (`npm run dev` → `sh` → `vite`).
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { TlsmithError } from "../../errors.ts";
import type { ChildHandle, SpawnChildOptions } from "./types.ts";

/**
 * Start `command` with `args` (see {@linkcode Runtime.spawnChild}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spawnChild } from "./spawn.ts";
 * // A "dev server" that says it is ready, then runs until stopped (POSIX sh):
 * let ready!: () => void;
 * const started = new Promise<void>((resolve) => (ready = resolve));
 * const child = spawnChild("sh", ["-c", "echo ready; sleep 30"], {
 *   env: { GREETING: "hi" },
 *   onStdout: (bytes) => new TextDecoder().decode(bytes).includes("ready") && ready(),
 * });
 * await started;
 * child.kill("SIGTERM"); // its whole process group: sh and sleep
 * assert.deepEqual(await child.exited, { code: null, signal: "SIGTERM" });
 * const missing = spawnChild("no-such-command-tlsmith", []);
 * await assert.rejects(missing.exited, { code: "FILE_NOT_FOUND" });
 * ```
 *
 * @param command the program (looked up on PATH)
 * @param args its arguments
 * @param options environment, working directory, output callbacks
 */
export function spawnChild(
  command: string,
  args: string[],
  options: SpawnChildOptions = {},
): ChildHandle {
  const windows = process.platform === "win32";
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    // No terminal input: a process group of its own that read the terminal would be stopped (SIGTTIN).
    stdio: ["ignore", "pipe", "pipe"],
    // A group of its own (POSIX): kill(-pid) reaches the grandchildren too.
    detached: !windows,
    // npm, npx and friends are .cmd scripts on Windows.
    shell: windows,
  });
  child.stdout?.on("data", (chunk: Uint8Array) => options.onStdout?.(chunk));
  child.stderr?.on("data", (chunk: Uint8Array) => options.onStderr?.(chunk));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    child.once("error", (err: Error & { code?: string }) => {
      reject(
        err.code === "ENOENT"
          ? new TlsmithError(
            "FILE_NOT_FOUND",
            `${command}: no such command. Check the command line and PATH.`,
            { cause: err },
          )
          : new TlsmithError("FILE_ERROR", `cannot start ${command}: ${err.message}.`, {
            cause: err,
          }),
      );
    });
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  exited.catch(() => {});
  return {
    pid: child.pid ?? 0,
    exited,
    kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        if (windows) child.kill(signal);
        else process.kill(-child.pid, signal);
      } catch {
        // gone already
      }
    },
  };
}
