/**
 * The {@linkcode Runtime} for Node (and Bun, which runs the same code): the
 * file system of `node_fs.ts`, `node:os`, `node:process`, `node:tty` and an
 * HTTP/2 + HTTP/1.1 TLS server bridged to fetch-style handlers
 * (`node_bridge.ts`).
 *
 * @module
 */

import * as os from "node:os";
import process from "node:process";
import type { ReadStream } from "node:tty";
import { SecretLine } from "./common.ts";
import { serveNode } from "./node_bridge.ts";
import { nodeFiles } from "./node_fs.ts";
import type { Handler, Runtime, RuntimeServeOptions, ServerHandle } from "./types.ts";

function stdinTty(): ReadStream | null {
  const stdin = process.stdin as ReadStream;
  return stdin.isTTY ? stdin : null;
}

/** Read a line from the terminal without echo; Backspace edits, Ctrl-C exits with 130. */
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
        if (event === "interrupt") {
          finish();
          process.exit(130);
        }
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

/**
 * Create the Node (or Bun) runtime.
 *
 * @example
 * ```ts ignore
 * import { createNodeRuntime } from "./node.ts";
 * const runtime = createNodeRuntime();
 * console.log(runtime.name, runtime.cwd());
 * ```
 */
export function createNodeRuntime(): Runtime {
  const isBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
  return {
    name: isBun ? "bun" : "node",
    args: () => process.argv.slice(2),
    env: (name) => process.env[name],
    cwd: () => process.cwd(),
    homeDir: () => {
      try {
        return os.homedir() || undefined;
      } catch {
        return undefined;
      }
    },
    platform: () => process.platform,

    ...nodeFiles(() => "permission denied; check the file's owner and mode"),

    stdinIsTerminal: () => stdinTty() !== null,
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

    serve: (handler: Handler, options: RuntimeServeOptions): Promise<ServerHandle> =>
      serveNode(handler, options),
  };
}
