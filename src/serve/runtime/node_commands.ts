/**
 * Short-lived child processes on Node (and Bun): `Runtime.run` (pipes, bounded output, a time
 * limit) and `Runtime.exec` (the terminal shared). `node:child_process` loads with this module,
 * on first use only, so commands that start nothing never pay for it.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import {
  childEnv,
  commandFailed,
  DEFAULT_RUN_TIMEOUT_MS,
  OutputCollector,
  signalExitCode,
} from "./process.ts";
import { errorCode } from "./common.ts";
import type { ExecCommandOptions, RunCommandOptions, RunCommandResult } from "./types.ts";

/** Why a child could not start, for {@linkcode commandFailed}. */
function spawnFailure(cmd: string, err: unknown) {
  const code = errorCode(err);
  const reason = code === "ENOENT"
    ? "not found"
    : code === "EACCES"
    ? "permission denied"
    : (err as Error)?.message ?? String(err);
  return commandFailed(cmd, reason, err);
}

/** `Runtime.run` on Node: spawn with pipes, collect bounded output, SIGKILL at the time limit. */
export function runNodeCommand(
  cmd: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<RunCommandResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const child = spawn(cmd, [...args], {
      cwd: options.cwd,
      env: childEnv(process.env, options.env),
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    const stdout = new OutputCollector();
    const stderr = new OutputCollector();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    child.stdout.on("data", (d: Uint8Array) => stdout.add(d));
    child.stderr.on("data", (d: Uint8Array) => stderr.add(d));
    child.on("error", (err) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(spawnFailure(cmd, err));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      resolve({
        code: signal ? null : code,
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
      });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

/**
 * `Runtime.exec` on Node: the child shares the terminal; SIGINT (which the terminal sends to
 * the whole process group) is left to the child, SIGTERM and SIGHUP are passed on to it.
 */
export function execNodeCommand(
  cmd: string,
  args: readonly string[],
  options: ExecCommandOptions = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], {
      env: childEnv(process.env, options.env),
      stdio: "inherit",
    });
    const ignore = () => {};
    const forward = (signal: "SIGTERM" | "SIGHUP") => child.kill(signal);
    process.on("SIGINT", ignore);
    process.on("SIGTERM", forward);
    process.on("SIGHUP", forward);
    const done = () => {
      process.off("SIGINT", ignore);
      process.off("SIGTERM", forward);
      process.off("SIGHUP", forward);
    };
    child.on("error", (err) => {
      done();
      reject(spawnFailure(cmd, err));
    });
    child.on("close", (code, signal) => {
      done();
      resolve(signal ? signalExitCode(signal) : code ?? 1);
    });
  });
}
