/**
 * The {@linkcode Runtime} for Node (and Bun, which runs the same code):
 * `node:fs/promises` (through `files.ts`), `node:os`, `node:process`,
 * `node:tty` and an HTTP/2 + HTTP/1.1 TLS server bridged to fetch-style
 * handlers (`node_server.ts`, loaded when something serves).
 *
 * @module
 */

import * as fs from "node:fs/promises";
import { constants as fsConstants, rmSync } from "node:fs";
import { join as joinNodePath } from "node:path";
import * as os from "node:os";
import process from "node:process";
import type { ReadStream } from "node:tty";
import { errorCode, type FileErrorKind, SecretLine } from "./common.ts";
import { fileErrorFor, type FilePrimitives, runtimeFiles } from "./files.ts";
import { executableCandidates } from "./process.ts";
import type {
  DirEntry,
  FetchFunction,
  Handler,
  NetworkAddress,
  Runtime,
  RuntimeServeOptions,
  ServerHandle,
  TlsClientOptions,
} from "./types.ts";

function fileErrorKind(err: unknown): FileErrorKind | undefined {
  switch (errorCode(err)) {
    case "ENOENT":
      return "not-found";
    case "EEXIST":
      return "exists";
    case "EACCES":
    case "EPERM":
      return "permission";
    case "EISDIR":
      return "is-directory";
    case "ENOTDIR":
      return "not-directory";
  }
  return undefined;
}

const permissionHint = () => "permission denied; check the file's owner and mode";

/** A Node file-system error as a `TlsmithError` naming the path. */
const fileError = fileErrorFor(fileErrorKind, permissionHint);

/** Node's file-system calls (`node:fs/promises`). */
const nodeFs: FilePrimitives = {
  kind: fileErrorKind,
  windows: process.platform === "win32",
  async exists(file) {
    try {
      await fs.lstat(file);
      return true;
    } catch (err) {
      if (fileErrorKind(err) === "not-found") return false;
      throw err;
    }
  },
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
  readFile: async (file) => new Uint8Array(await fs.readFile(file)),
  readTextFile: (file) => fs.readFile(file, "utf8"),
  mkdir: async (dir, mode) => void await fs.mkdir(dir, { recursive: true, mode }),
  async stat(file) {
    const s = await fs.stat(file);
    return {
      isFile: s.isFile(),
      isDirectory: s.isDirectory(),
      size: s.size,
      mtime: s.mtime ?? null,
      ctime: s.ctime ?? null,
      ino: s.ino,
      mode: s.mode,
    };
  },
  realPath: (file) => fs.realpath(file),
  async readDir(dir) {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.map((e): DirEntry => ({
      name: e.name,
      isDirectory: e.isDirectory(),
      isFile: e.isFile(),
      isSymlink: e.isSymbolicLink(),
    }));
  },
  async open(file) {
    const handle = await fs.open(file, "r");
    return {
      read: async (buffer, position) =>
        (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
      close: () => handle.close(),
      // The Node bridge pipes this into the response (see FILE_SOURCE in common.ts).
      take: (range) => handle.createReadStream({ start: range?.start ?? 0, end: range?.end }),
    };
  },
};

function stdinTty(): ReadStream | null {
  const stdin = process.stdin as ReadStream;
  return stdin.isTTY ? stdin : null;
}

/**
 * Read a line from the terminal without echo; Backspace edits, Ctrl-D (or the end of input)
 * cancels (null), Ctrl-C exits with 130.
 */
function promptSecret(prompt: string): Promise<string | null> {
  const stdin = stdinTty();
  if (!stdin) return Promise.resolve(null);
  return new Promise((resolve) => {
    const line = new SecretLine();
    const wasRaw = stdin.isRaw;
    // Raw (no echo) before the prompt shows, so nothing typed early is echoed.
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    const finish = () => {
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: Uint8Array) => {
      for (const byte of chunk) {
        const event = line.feed(byte);
        if (event === "enter") {
          finish();
          resolve(line.take());
          return;
        }
        if (event === "cancel") {
          finish();
          resolve(null);
          return;
        }
        if (event === "interrupt") {
          finish();
          process.exit(130);
        }
      }
    };
    const onEnd = () => {
      line.take(); // end of input: nothing was entered
      finish();
      resolve(null);
    };
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.resume();
  });
}

/** True when process `pid` exists: signal 0 checks without sending anything (EPERM: it exists). */
function nodeProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === "EPERM";
  }
}

/** `Runtime.which` on Node. */
async function whichNode(cmd: string): Promise<string | null> {
  const candidates = executableCandidates(cmd, {
    path: process.env.PATH ?? process.env.Path,
    pathExt: process.env.PATHEXT,
    platform: process.platform,
  });
  for (const candidate of candidates) {
    try {
      if (!(await fs.stat(candidate)).isFile()) continue;
      if (process.platform !== "win32") await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here, or not executable
    }
  }
  return null;
}

/** `Runtime.remove` on Node. */
async function removeNodePath(path: string, options?: { recursive?: boolean }): Promise<void> {
  try {
    await fs.rm(path, { recursive: options?.recursive ?? false, force: true });
  } catch (err) {
    throw fileError(err, path, "remove it");
  }
}

/** Bun's `fetch` takes TLS settings per request (`tls: { ca, cert, key }`). */
function bunTlsFetch(tls: TlsClientOptions): FetchFunction {
  const settings = {
    ca: [...tls.ca],
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
  };
  return (input: RequestInfo | URL, init?: RequestInit) =>
    fetch(input, { ...init, tls: settings } as RequestInit);
}

let serverLoad: Promise<typeof import("./node_server.ts")> | undefined;
/** The server's module (node:http2, node:tls, the fetch bridge), imported once. */
function serverModule(): Promise<typeof import("./node_server.ts")> {
  return serverLoad ??= import("./node_server.ts");
}

/** Node's TLS `fetch` (`node_fetch.ts`: node:https, node:zlib), loaded on the first request. */
function lazyNodeTlsFetch(tls: TlsClientOptions): FetchFunction {
  let fetchWith: Promise<FetchFunction> | undefined;
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    fetchWith ??= import("./node_fetch.ts").then((m) => m.nodeTlsFetch(tls));
    return (await fetchWith)(input, init);
  };
}

/** `Runtime.removeTreeSync` on Node: a missing path is no error. */
function removeTreeSync(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch (err) {
    throw fileError(err, path, "remove it");
  }
}

/** `Runtime.onExit` on Node: the process's `exit` event. */
function onExit(fn: () => void): () => void {
  const listener = () => fn();
  process.on("exit", listener);
  return () => void process.off("exit", listener);
}

/** `Runtime.makeTempDir` on Node. */
async function makeNodeTempDir(prefix: string): Promise<string> {
  const base = joinNodePath(os.tmpdir(), prefix);
  try {
    return await fs.mkdtemp(base);
  } catch (err) {
    throw fileError(err, base, "create a temporary directory");
  }
}

/**
 * Create the Node (or Bun) runtime.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import process from "node:process";
 * import { createNodeRuntime } from "./node.ts";
 * const runtime = createNodeRuntime(); // on Node and Bun: getRuntime() picks it there
 * assert.equal(runtime.name, "Bun" in globalThis ? "bun" : "node");
 * assert.equal(runtime.cwd(), process.cwd());
 * assert.equal(runtime.platform(), process.platform);
 * ```
 */
export function createNodeRuntime(): Runtime {
  const isBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
  return {
    name: isBun ? "bun" : "node",
    args: () => process.argv.slice(2),
    env: (name) => process.env[name],
    unsetEnv: (name) => {
      delete process.env[name];
    },
    cwd: () => process.cwd(),
    homeDir: () => {
      try {
        return os.homedir() || undefined;
      } catch {
        return undefined;
      }
    },
    platform: () => process.platform,

    ...runtimeFiles(nodeFs, permissionHint),

    stdinIsTerminal: () => stdinTty() !== null,
    stderrIsTerminal: () => process.stderr.isTTY === true,
    promptSecret,
    print: (text) => void process.stdout.write(text),
    printError: (text) => void process.stderr.write(text),
    onShutdownSignal(handler) {
      const listener = () => handler();
      process.on("SIGINT", listener);
      process.on("SIGTERM", listener);
      return () => {
        process.off("SIGINT", listener);
        process.off("SIGTERM", listener);
      };
    },
    exit: (code) => process.exit(code),

    // The server (node:http2, the fetch bridge) loads only when something serves.
    serve: async (handler: Handler, options: RuntimeServeOptions): Promise<ServerHandle> =>
      (await serverModule()).serveNode(handler, options),
    prepareServe: () => void serverModule().catch(() => {}), // serve() reports a failure

    networkAddresses: () => {
      try {
        return Object.values(os.networkInterfaces()).flatMap((list) =>
          (list ?? []).map((a): NetworkAddress => ({
            address: a.address.replace(/%.*$/, ""),
            family: a.family === "IPv6" || (a.family as unknown) === 6 ? 6 : 4,
            internal: a.internal,
          }))
        );
      } catch {
        return [];
      }
    },
    hostName: () => {
      try {
        return os.hostname() || undefined;
      } catch {
        return undefined;
      }
    },
    // node:http, node:https and node:zlib load only when something proxies or fetches.
    upstreamFetch: async (request) => (await import("./upstream.ts")).upstreamFetch(request),
    upstreamUpgrade: async (request, upstream) =>
      (await import("./upgrade_node.ts")).upstreamUpgradeNode(request, upstream),
    // node:child_process (see spawn.ts) is loaded on first use only.
    spawnChild: async (command, args, options) =>
      (await import("./spawn.ts")).spawnChild(command, args, options),
    run: async (cmd, args, options) =>
      (await import("./node_commands.ts")).runNodeCommand(cmd, args, options),
    exec: async (cmd, args, options) =>
      (await import("./node_commands.ts")).execNodeCommand(cmd, args, options),
    which: whichNode,
    userId: () => typeof process.getuid === "function" ? process.getuid() : null,
    pid: () => process.pid,
    processAlive: (pid) => Promise.resolve(nodeProcessAlive(pid)),
    remove: removeNodePath,
    makeTempDir: makeNodeTempDir,
    tlsFetch: (tls) => isBun ? bunTlsFetch(tls) : lazyNodeTlsFetch(tls),
    removeTreeSync,
    onExit,
  };
}
