/**
 * The {@linkcode Runtime} for Deno. Deno is reached through `globalThis.Deno`
 * typed by the small local {@linkcode DenoLike} interface, so this file also
 * compiles with `tsc` for npm (where no Deno types exist). The file system is
 * `files.ts` (shared with Node) over Deno's own calls. Serving is in
 * `deno_server.ts` (Deno's HTTP server behind tlsmith's own listeners).
 *
 * @module
 */

import { TlsmithError } from "../../errors.ts";
import { type FileErrorKind, SecretLine } from "./common.ts";
import { fileErrorFor, type FilePrimitives, runtimeFiles } from "./files.ts";
import { upstreamUpgradeDeno } from "./upgrade_deno.ts";
import {
  childEnv,
  commandFailed,
  DEFAULT_RUN_TIMEOUT_MS,
  executableCandidates,
  OutputCollector,
  signalExitCode,
} from "./process.ts";
import type {
  DirEntry,
  ExecCommandOptions,
  FetchFunction,
  Handler,
  NetworkAddress,
  RunCommandOptions,
  RunCommandResult,
  Runtime,
  RuntimeServeOptions,
  ServerHandle,
  TlsClientOptions,
} from "./types.ts";

interface DenoFileInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  mtime: Date | null;
  ctime?: Date | null;
  ino?: number | null;
  mode: number | null;
}

interface DenoFsFile {
  read(p: Uint8Array): Promise<number | null>;
  seek(offset: number, whence: number): Promise<number>;
  close(): void;
}

/** The part of the Deno namespace this runtime uses. */
interface DenoLike {
  args: string[];
  build: { os: string };
  env: { get(name: string): string | undefined; delete(name: string): void };
  cwd(): string;
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  writeFile(
    path: string,
    data: Uint8Array,
    options?: { mode?: number; createNew?: boolean },
  ): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<void>;
  stat(path: string): Promise<DenoFileInfo>;
  lstat(path: string): Promise<DenoFileInfo>;
  realPath(path: string): Promise<string>;
  readDir(path: string): AsyncIterable<DirEntry>;
  open(path: string, options?: { read?: boolean }): Promise<DenoFsFile>;
  stdin: {
    isTerminal(): boolean;
    setRaw(mode: boolean): void;
    read(p: Uint8Array): Promise<number | null>;
  };
  stdout: { writeSync(p: Uint8Array): number };
  stderr: { writeSync(p: Uint8Array): number; isTerminal(): boolean };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  exit(code: number): never;
  networkInterfaces(): { address: string; family: "IPv4" | "IPv6" }[];
  hostname(): string;
}

function deno(): DenoLike {
  return (globalThis as unknown as { Deno: DenoLike }).Deno;
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | null)?.name;
}

function isWindows(): boolean {
  return deno().build.os === "windows";
}

function fileErrorKind(err: unknown): FileErrorKind | undefined {
  switch (errorName(err)) {
    case "NotFound":
      return "not-found";
    case "AlreadyExists":
      return "exists";
    case "PermissionDenied":
    case "NotCapable":
      return "permission";
    case "IsADirectory":
      return "is-directory";
    case "NotADirectory":
      return "not-directory";
  }
  return undefined;
}

/** Deno's advice for a file it may not touch. */
function permissionHint(err: unknown): string {
  return `permission denied (${
    (err as Error)?.message
  }); check the file's mode or Deno's --allow-read/--allow-write`;
}

/** A Deno file-system error as a `TlsmithError` naming the path. */
const fileError = fileErrorFor(fileErrorKind, permissionHint);

/** Deno's own file-system calls (its `node:fs` would cost ≈ 25 ms of start-up). */
const denoFs: FilePrimitives = {
  kind: fileErrorKind,
  get windows() {
    return isWindows();
  },
  async exists(file) {
    try {
      await deno().lstat(file);
      return true;
    } catch (err) {
      if (fileErrorKind(err) === "not-found") return false;
      throw err;
    }
  },
  async writeNew(tmp, data, mode) {
    const D = deno();
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    await D.writeFile(tmp, bytes, { mode, createNew: true });
    try {
      if (!isWindows()) await D.chmod(tmp, mode);
    } catch (err) {
      await D.remove(tmp).catch(() => {});
      throw err;
    }
  },
  rename: (from, to) => deno().rename(from, to),
  link: (from, to) => deno().link(from, to),
  remove: (file) => deno().remove(file),
  readFile: (file) => deno().readFile(file),
  readTextFile: (file) => deno().readTextFile(file),
  mkdir: (dir, mode) => deno().mkdir(dir, { recursive: true, mode }),
  async stat(file) {
    const s = await deno().stat(file);
    return {
      isFile: s.isFile,
      isDirectory: s.isDirectory,
      size: s.size,
      mtime: s.mtime,
      ctime: s.ctime ?? null,
      ino: s.ino ?? null,
      mode: s.mode,
    };
  },
  realPath: (file) => deno().realPath(file),
  async readDir(dir) {
    const out: DirEntry[] = [];
    for await (const e of deno().readDir(dir)) {
      out.push({
        name: e.name,
        isDirectory: e.isDirectory,
        isFile: e.isFile,
        isSymlink: e.isSymlink,
      });
    }
    return out;
  },
  async open(file) {
    const handle = await deno().open(file, { read: true });
    let at = 0;
    return {
      async read(buffer, position) {
        if (position !== at) await handle.seek(position, 0 /* SeekMode.Start */);
        const n = await handle.read(buffer);
        at = position + (n ?? 0);
        return n;
      },
      close: () => handle.close(),
    };
  },
};

function writeAll(out: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = new TextEncoder().encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(out.writeSync(bytes));
}

function stdinIsTerminal(): boolean {
  try {
    return deno().stdin.isTerminal();
  } catch {
    return false;
  }
}

/**
 * Read a line from the terminal without echo; Backspace edits, Ctrl-D (or the end of input)
 * cancels (null), Ctrl-C exits with 130.
 */
async function promptSecret(prompt: string): Promise<string | null> {
  const D = deno();
  if (!stdinIsTerminal()) return null;
  const line = new SecretLine();
  const buffer = new Uint8Array(64);
  // Raw (no echo) before the prompt shows, so nothing typed early is echoed.
  D.stdin.setRaw(true);
  try {
    writeAll(D.stderr, prompt);
    for (;;) {
      const n = await D.stdin.read(buffer);
      if (n === null) break;
      for (const byte of buffer.subarray(0, n)) {
        const event = line.feed(byte);
        if (event === "enter") return line.take();
        if (event === "cancel") return null;
        if (event === "interrupt") {
          D.stdin.setRaw(false);
          writeAll(D.stderr, "\n");
          D.exit(130);
        }
      }
    }
    line.take(); // end of input: nothing was entered
    return null;
  } finally {
    buffer.fill(0);
    D.stdin.setRaw(false);
    writeAll(D.stderr, "\n");
  }
}

/** Serve with Deno's own HTTP server behind tlsmith's listeners and `node:tls` (`deno_server.ts`). */
async function serve(handler: Handler, options: RuntimeServeOptions): Promise<ServerHandle> {
  if (options.weakCertificate) {
    throw new TlsmithError(
      "SERVE_FAILED",
      "Deno cannot serve a weak certificate (its TLS library refuses RSA keys under 2048 bits): serve this fixture from Node, or with `openssl s_server -cipher DEFAULT@SECLEVEL=0`.",
    );
  }
  const { serveDeno } = await serverModule();
  return await serveDeno(handler, options);
}

let serverLoad: Promise<typeof import("./deno_server.ts")> | undefined;
/** The server's module (and `node:tls`: ≈ 35 ms to load here), imported once. */
function serverModule(): Promise<typeof import("./deno_server.ts")> {
  return serverLoad ??= import("./deno_server.ts");
}

/** The part of the Deno namespace that running programs (`run`, `exec`, `which`, …) uses. */
interface DenoProcessLike {
  build: { os: string };
  env: { get(name: string): string | undefined; toObject(): Record<string, string> };
  Command: new (cmd: string, options: {
    args?: string[];
    cwd?: string;
    env?: Record<string, string>;
    clearEnv?: boolean;
    stdin?: "piped" | "inherit" | "null";
    stdout?: "piped" | "inherit" | "null";
    stderr?: "piped" | "inherit" | "null";
  }) => {
    spawn(): {
      stdin: WritableStream<Uint8Array>;
      stdout: ReadableStream<Uint8Array>;
      stderr: ReadableStream<Uint8Array>;
      status: Promise<{ success: boolean; code: number; signal: string | null }>;
      kill(signal?: string): void;
    };
  };
  stat(path: string): Promise<DenoFileInfo>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  makeTempDir(options?: { prefix?: string }): Promise<string>;
  removeSync(path: string, options?: { recursive?: boolean }): void;
  createHttpClient(options: { caCerts: string[]; cert?: string; key?: string }): {
    close(): void;
  };
  uid(): number | null;
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
}

/**
 * A `fetch` through `Deno.createHttpClient({ caCerts, cert, key })`. One client per request,
 * closed as soon as the response (or the failure) is there, so no client outlives a test
 * (Deno's test sanitizer reports open clients); the response body keeps streaming.
 */
function tlsFetch(tls: TlsClientOptions): FetchFunction {
  const settings = {
    caCerts: [...tls.ca],
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
  };
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    let client: { close(): void };
    try {
      client = denoProcess().createHttpClient(settings);
    } catch (err) {
      throw new TypeError("fetch failed", { cause: err });
    }
    try {
      return await fetch(input, { ...init, client } as RequestInit);
    } finally {
      client.close();
    }
  };
}

/** `Runtime.removeTreeSync` on Deno: a missing path is no error. */
function removeTreeSync(path: string): void {
  try {
    denoProcess().removeSync(path, { recursive: true });
  } catch (err) {
    if ((err as { name?: string } | null)?.name === "NotFound") return;
    throw new TlsmithError(
      "FILE_ERROR",
      `cannot remove ${path}: ${err instanceof Error ? err.message : err}.`,
      { cause: err },
    );
  }
}

/** `Runtime.onExit` on Deno: the `unload` event. */
function onExit(fn: () => void): () => void {
  const listener = () => fn();
  globalThis.addEventListener("unload", listener);
  return () => globalThis.removeEventListener("unload", listener);
}

function denoProcess(): DenoProcessLike {
  return (globalThis as unknown as { Deno: DenoProcessLike }).Deno;
}

/** The environment of a child with `changes`: all of ours (when readable) plus the changes. */
function denoChildEnv(
  changes: Record<string, string | undefined> | undefined,
): { env: Record<string, string>; clearEnv: boolean } {
  try {
    return { env: childEnv(denoProcess().env.toObject(), changes), clearEnv: true };
  } catch {
    // No --allow-env: pass only what is set (nothing can be removed).
    return { env: childEnv({}, changes), clearEnv: false };
  }
}

/** Why a child could not start, for {@linkcode commandFailed}. */
function denoSpawnFailure(cmd: string, err: unknown): TlsmithError {
  const name = errorName(err);
  const reason = name === "NotFound"
    ? "not found"
    : name === "PermissionDenied" || name === "NotCapable"
    ? `permission denied (${(err as Error).message})`
    : (err as Error)?.message ?? String(err);
  return commandFailed(cmd, reason, err);
}

async function collect(stream: ReadableStream<Uint8Array>, into: OutputCollector): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      into.add(value);
    }
  } catch {
    // the child went away; keep what was read
  } finally {
    reader.releaseLock();
  }
}

/** `Runtime.run` on Deno: `Deno.Command` with pipes, bounded output, SIGKILL at the time limit. */
async function runDenoCommand(
  cmd: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<RunCommandResult> {
  const D = denoProcess();
  let child;
  try {
    child = new D.Command(cmd, {
      args: [...args],
      cwd: options.cwd,
      ...denoChildEnv(options.env),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    throw denoSpawnFailure(cmd, err);
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
  const stdout = new OutputCollector();
  const stderr = new OutputCollector();
  const reading = Promise.all([collect(child.stdout, stdout), collect(child.stderr, stderr)]);
  const writer = child.stdin.getWriter();
  const input = options.input ?? "";
  try {
    if (input.length) {
      await writer.write(typeof input === "string" ? new TextEncoder().encode(input) : input);
    }
    await writer.close();
  } catch {
    // the child did not read its input
  }
  try {
    const status = await child.status;
    await reading;
    return {
      code: status.signal ? null : status.code,
      stdout: stdout.text(),
      stderr: stderr.text(),
      timedOut,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `Runtime.exec` on Deno: the child shares the terminal; SIGINT (which the terminal sends to
 * the whole process group) is left to the child, SIGTERM and SIGHUP are passed on to it.
 */
async function execDenoCommand(
  cmd: string,
  args: readonly string[],
  options: ExecCommandOptions = {},
): Promise<number> {
  const D = denoProcess();
  let child;
  try {
    child = new D.Command(cmd, {
      args: [...args],
      ...denoChildEnv(options.env),
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    throw denoSpawnFailure(cmd, err);
  }
  const windows = D.build.os === "windows";
  const ignore = () => {};
  const listeners: [string, () => void][] = windows ? [["SIGINT", ignore]] : [
    ["SIGINT", ignore],
    ["SIGTERM", () => child.kill("SIGTERM")],
    ["SIGHUP", () => child.kill("SIGHUP")],
  ];
  for (const [signal, fn] of listeners) D.addSignalListener(signal, fn);
  try {
    const status = await child.status;
    return status.signal ? signalExitCode(status.signal) : status.code;
  } finally {
    for (const [signal, fn] of listeners) {
      try {
        D.removeSignalListener(signal, fn);
      } catch {
        // already removed
      }
    }
  }
}

/** `Runtime.which` on Deno. */
async function whichDeno(cmd: string): Promise<string | null> {
  const D = denoProcess();
  const windows = D.build.os === "windows";
  let path: string | undefined;
  let pathExt: string | undefined;
  try {
    path = D.env.get("PATH") ?? D.env.get("Path");
    pathExt = D.env.get("PATHEXT");
  } catch {
    return null; // no --allow-env
  }
  for (const candidate of executableCandidates(cmd, { path, pathExt, platform: D.build.os })) {
    try {
      const info = await D.stat(candidate);
      if (!info.isFile) continue;
      if (windows || info.mode === null || (info.mode & 0o111) !== 0) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** `Runtime.userId` on Deno. */
function denoUserId(): number | null {
  try {
    return denoProcess().uid();
  } catch {
    return null; // no --allow-sys
  }
}

/** `Runtime.processAlive` on Deno: signal 0 through node:process (Deno.kill cannot send it). */
async function denoProcessAlive(pid: number): Promise<boolean> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  const { default: process } = await import("node:process");
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string } | null)?.code === "EPERM";
  }
}

/** `Runtime.remove` on Deno. */
async function removeDenoPath(path: string, options?: { recursive?: boolean }): Promise<void> {
  try {
    await denoProcess().remove(path, { recursive: options?.recursive ?? false });
  } catch (err) {
    if (errorName(err) === "NotFound") return;
    throw fileError(err, path, "remove it");
  }
}

/** `Runtime.makeTempDir` on Deno. */
async function makeDenoTempDir(prefix: string): Promise<string> {
  try {
    return await denoProcess().makeTempDir({ prefix });
  } catch (err) {
    throw fileError(err, `${prefix}*`, "create a temporary directory");
  }
}

/**
 * Create the Deno runtime.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import process from "node:process";
 * import { createDenoRuntime } from "./deno.ts";
 * const runtime = createDenoRuntime(); // on Deno: getRuntime() picks it there
 * assert.equal(runtime.name, "deno");
 * assert.equal(runtime.cwd(), process.cwd());
 * assert.equal(runtime.platform(), process.platform);
 * ```
 */
export function createDenoRuntime(): Runtime {
  const D = deno();
  return {
    name: "deno",
    args: () => [...D.args],
    env: (name) => {
      try {
        return D.env.get(name);
      } catch {
        return undefined; // no --allow-env
      }
    },
    unsetEnv: (name) => {
      try {
        D.env.delete(name);
      } catch {
        // no --allow-env: nothing was read either
      }
    },
    cwd: () => D.cwd(),
    homeDir: () => {
      try {
        return D.env.get("HOME") ?? D.env.get("USERPROFILE") ?? undefined;
      } catch {
        return undefined;
      }
    },
    platform: () => {
      const os = D.build.os;
      return os === "windows" ? "win32" : os;
    },

    ...runtimeFiles(denoFs, permissionHint),

    stdinIsTerminal,
    stderrIsTerminal: () => {
      try {
        return D.stderr.isTerminal();
      } catch {
        return false;
      }
    },
    promptSecret,
    print: (text) => writeAll(D.stdout, text),
    printError: (text) => writeAll(D.stderr, text),
    onShutdownSignal(handler) {
      const listener = () => handler();
      const signals = isWindows() ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
      for (const signal of signals) D.addSignalListener(signal, listener);
      return () => {
        for (const signal of signals) {
          try {
            D.removeSignalListener(signal, listener);
          } catch {
            // already removed
          }
        }
      };
    },
    exit: (code) => D.exit(code),

    serve,
    prepareServe: () => void serverModule().catch(() => {}), // serve() reports a failure

    networkAddresses: () => {
      try {
        return D.networkInterfaces().map((a): NetworkAddress => {
          const address = a.address.replace(/%.*$/, "");
          const family = a.family === "IPv6" ? 6 : 4;
          const internal = family === 4 ? address.startsWith("127.") : address === "::1";
          return { address, family, internal };
        });
      } catch {
        return []; // no --allow-sys
      }
    },
    hostName: () => {
      try {
        return D.hostname() || undefined;
      } catch {
        return undefined;
      }
    },
    // node:http (see upstream.ts) is loaded on first use only.
    upstreamFetch: async (request) => (await import("./upstream.ts")).upstreamFetch(request),
    upstreamUpgrade: upstreamUpgradeDeno,
    // node:child_process (see spawn.ts) is loaded on first use only.
    spawnChild: async (command, args, options) =>
      (await import("./spawn.ts")).spawnChild(command, args, options),
    run: runDenoCommand,
    exec: execDenoCommand,
    which: whichDeno,
    userId: denoUserId,
    pid: () => (globalThis as unknown as { Deno: { pid: number } }).Deno.pid,
    processAlive: denoProcessAlive,
    remove: removeDenoPath,
    makeTempDir: makeDenoTempDir,
    tlsFetch,
    removeTreeSync,
    onExit,
  };
}
