/**
 * Shared test helpers: temporary directories, running real third-party tools
 * (openssl, curl, certtool, chromium) with bounded time, and waiting for
 * processes we start. Works under Deno (`deno test`) and Node (`node --test`).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Result of {@linkcode run}. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode run}. */
export interface RunOptions {
  /** Text written to standard input (then closed). */
  input?: string | Uint8Array;
  /** Working directory. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Kill after this many ms (default 30 000). */
  timeoutMs?: number;
}

/** Run a command to completion, collecting its output. Never throws on a non-zero exit. */
export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d: string) => (stdout += d));
    child.stderr.on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

/** True when `cmd` can be run (e.g. `have("certtool")`). */
export async function have(cmd: string): Promise<boolean> {
  try {
    const r = await run("sh", ["-c", `command -v ${cmd}`]);
    return r.code === 0;
  } catch {
    return false;
  }
}

/** Run `openssl` with args; throws with its stderr when it fails. */
export async function openssl(args: string[], options: RunOptions = {}): Promise<string> {
  const r = await run("openssl", args, options);
  if (r.code !== 0) {
    throw new Error(`openssl ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

/** A fresh temporary directory and a function that removes it. */
export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "tlsmith-test-"));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Write `files` (name → content) into `dir`; returns their full paths by name. */
export async function writeFiles(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    out[name] = join(dir, name);
    await writeFile(out[name], content);
  }
  return out;
}

/** The command that runs the tlsmith CLI from this checkout (source under Deno, build under Node). */
export function cliCommand(): { cmd: string; args: string[] } {
  const g = globalThis as { Deno?: { execPath(): string } };
  if (g.Deno) {
    const mod = new URL("../mod.ts", import.meta.url).pathname;
    return { cmd: g.Deno.execPath(), args: ["run", "-A", mod] };
  }
  // Under Node the tests run compiled in npm/esm/tests/, beside npm/esm/src/ (scripts/build_npm.ts).
  const bin = new URL("../src/cli/bin.js", import.meta.url).pathname;
  return { cmd: process.execPath, args: [bin] };
}
