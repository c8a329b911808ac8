/**
 * The proxy as the CLI uses it: `tlsmith proxy` and `tlsmith run --proxy --
 * CMD…`, which starts a dev server, finds the port it listens on (from its
 * output, or `--upstream`), waits until it answers, and puts HTTPS in front of
 * it, with an environment that makes the dev server's own outgoing requests
 * trust the local CA. The `run` command calls {@linkcode runDevProxy} for
 * `--proxy`; this module is not a command of its own.
 *
 * @module
 */

import { envChanges, trustEnvOn } from "../trust/env.ts";
import { isTlsmithError, TlsmithError } from "../errors.ts";
import { proxy, proxyTarget } from "../serve/proxy.ts";
import type { Handler } from "../serve/runtime/types.ts";
import { type CliContext, parseCommandArgs, usageError } from "./args.ts";
import {
  checkServing,
  loadServingTls,
  logRequests,
  runServing,
  SERVING_OPTIONS,
  servingHelp,
} from "./serving.ts";

/**
 * The proxy handler of the CLI: {@linkcode proxy} to `target`, a line on
 * standard error when the upstream goes down (once, not per request) and
 * when it answers again, and the request log unless `quiet`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import type { AddressInfo } from "node:net";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { proxyHandler } from "./dev_proxy.ts";
 * // A plain-HTTP dev server on a free port:
 * const dev = createServer((_req, res) => res.end("from the dev server"));
 * await new Promise<void>((resolve) => dev.listen(0, "127.0.0.1", resolve));
 * const target = new URL(`http://127.0.0.1:${(dev.address() as AddressInfo).port}/`);
 *
 * const said: string[] = [];
 * const printError = (line: string) => said.push(line);
 * const ctx = { runtime: await getRuntime(), print: () => {}, printError };
 * const handler = proxyHandler(ctx, target, true);
 * const info = { remoteAddr: { hostname: "127.0.0.1", port: 50000 } };
 * const ok = await handler(new Request("https://localhost:8443/"), info);
 * assert.equal(await ok.text(), "from the dev server");
 *
 * await new Promise((resolve) => dev.close(resolve)); // the dev server goes down
 * const down = await handler(new Request("https://localhost:8443/"), info);
 * assert.equal(down.status, 502);
 * await down.body?.cancel();
 * assert.match(said[0], /clients get a 502 page until it answers/);
 * ```
 *
 * @param ctx the CLI context
 * @param target the upstream origin
 * @param quiet true for no request log
 */
export function proxyHandler(ctx: CliContext, target: URL, quiet: boolean): Handler {
  let down = false;
  const inner = proxy(target, {
    onUpstreamError: (err) => {
      if (down) return;
      down = true;
      ctx.printError(`tlsmith: ${err.message} (clients get a 502 page until it answers)`);
    },
  });
  const watched: Handler = async (request, info) => {
    const response = await inner(request, info);
    if (down && response.status !== 502) {
      down = false;
      ctx.printError(`tlsmith: ${target.href} answers again.`);
    }
    return response;
  };
  return logRequests(ctx, watched, quiet);
}

/** The `parseArgs` options of `tlsmith run --proxy`. */
export const DEV_PROXY_OPTIONS = {
  ...SERVING_OPTIONS,
  upstream: { type: "string" },
} as const;

/** Help text of `--proxy` for `tlsmith run --help`. */
export const devProxyHelp: string = `Usage: tlsmith run --proxy [options] -- CMD [ARGS…]

Start the dev server CMD, find the port it listens on (the first
http://host:PORT it prints, or --upstream), wait until it answers, and serve
it over HTTPS (see tlsmith proxy). CMD gets the environment of \`tlsmith env\`
(NODE_EXTRA_CA_CERTS, DENO_CERT, …), so its own requests to https://localhost
trust the local CA. When
CMD exits the proxy stops with its exit code; Ctrl-C stops both.

Options (after --proxy, before --):
  --upstream PORT|URL
                     Where CMD listens, when its output does not say.
${servingHelp("local")}

Examples:
  tlsmith run --proxy -- npm run dev
  tlsmith run --proxy --port 3443 --upstream 3000 -- node server.js`;

/** How long the dev server may take to print its port and answer. */
const START_TIMEOUT_MS = 120_000;

/** ANSI escape sequences (colours, cursor moves, hyperlinks), which dev servers print around ports. */
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/**
 * The upstream a dev server announces in its output: the first
 * `http://HOST:PORT` it prints (colours stripped; `0.0.0.0` and `[::]` mean
 * localhost), else a "port 3000" / "listening on :3000" phrase; null when
 * the output names none yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectUpstream } from "./dev_proxy.ts";
 * const vite = "  \u001b[32m➜\u001b[39m  Local:   \u001b[36mhttp://localhost:\u001b[1m5173\u001b[22m/\u001b[39m";
 * assert.equal(detectUpstream(vite)?.href, "http://localhost:5173/");
 * assert.equal(detectUpstream("Server listening on port 3000")?.href, "http://localhost:3000/");
 * assert.equal(detectUpstream("compiling…"), null);
 * ```
 *
 * @param output what the dev server printed so far
 */
export function detectUpstream(output: string): URL | null {
  const text = output.replace(ANSI, "");
  const url = /\bhttp:\/\/(localhost|127\.0\.0\.1|\[::1?\]|0\.0\.0\.0|[a-z0-9.-]+):(\d{1,5})\b/i
    .exec(text);
  if (url) {
    const host = url[1] === "0.0.0.0" || url[1] === "[::]" ? "localhost" : url[1];
    try {
      return proxyTarget(`http://${host}:${url[2]}`);
    } catch {
      return null;
    }
  }
  const phrase = /\b(?:port|listening on|listening at|running on)\b[^0-9\n]{0,24}?(\d{2,5})\b/i
    .exec(text);
  if (phrase) {
    try {
      return proxyTarget(phrase[1]);
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * The environment for the dev server: its own outgoing HTTPS requests trust the local CA on
 * Node, Bun, Deno and Python (the variables of `tlsmith env`). Nothing without a local CA (an
 * adhoc certificate is not known before the proxy starts), nor for a CA `tlsmith untrust`
 * removed. `caDir` is the `--ca-dir` the proxy's certificate comes from.
 */
async function devServerEnv(
  ctx: CliContext,
  caFile: string | undefined,
  caDir: string | undefined,
): Promise<Record<string, string>> {
  if (caFile === undefined) return {};
  const env = await trustEnvOn(ctx.runtime, { dir: caDir });
  for (const note of env.notes) ctx.printError(`tlsmith run: ${note}`);
  return env.untrusted ? {} : envChanges(env);
}

function devServerError(message: string, cause?: unknown): TlsmithError {
  return new TlsmithError("DEV_SERVER_FAILED", message, { cause });
}

/** A command line for messages. */
function commandLine(command: string[]): string {
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

/**
 * Run `tlsmith run --proxy …` (`argv` without `--proxy`): options, then
 * `--`, then the dev command. Starts the command, waits for its port, proxies
 * it until Ctrl-C (or `stopSignal`), then stops the command and everything it
 * started. Resolves to 0 after Ctrl-C, or to the command's exit code when it
 * exits first; a command that exits or stays silent before it listens is a
 * `DEV_SERVER_FAILED` error that says what to do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { runDevProxy } from "./dev_proxy.ts";
 * // A dev server (Node's http module) that says where it listens, as Vite or Next do:
 * const devServer = [
 *   `const server = require("node:http").createServer((req, res) => res.end("hi from dev"));`,
 *   `server.listen(0, "127.0.0.1", () => console.log("ready: http://127.0.0.1:" +`,
 *   `  server.address().port));`,
 * ].join("\n");
 * const runtime = { ...await getRuntime(), print: () => {} }; // the dev server's own output
 * await withTempDir(runtime, "tlsmith-dev-", async (dir) => {
 *   let proxied!: (url: string) => void;
 *   const listening = new Promise<string>((resolve) => (proxied = resolve));
 *   const ctx = {
 *     runtime,
 *     print: (line: string) => /^ {2}https:/.test(line) && proxied(line.trim()),
 *     printError: () => {},
 *   };
 *   const stop = new AbortController(); // Ctrl-C
 *   const argv = ["--ca-dir", `${dir}/ca`, "--port", "0", "--quiet", "--"];
 *   const running = runDevProxy(ctx, [...argv, "node", "-e", devServer], stop.signal);
 *   const url = await Promise.race([listening, running.then((code) => `exited with ${code}`)]);
 *   // With the default --cert local, clients that trust the local CA trust the proxy:
 *   const trusting = runtime.tlsFetch({ ca: [await runtime.readTextFile(`${dir}/ca/ca.pem`)] });
 *   assert.equal(await (await trusting(url)).text(), "hi from dev");
 *   stop.abort();
 *   assert.equal(await running, 0);
 * });
 * ```
 *
 * @param ctx the CLI context
 * @param argv the options, `--` and the command
 * @param stopSignal aborting it stops as Ctrl-C does
 */
export async function runDevProxy(
  ctx: CliContext,
  argv: string[],
  stopSignal?: AbortSignal,
): Promise<number> {
  const dash = argv.indexOf("--");
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  const { values } = parseCommandArgs(dash < 0 ? argv : argv.slice(0, dash), DEV_PROXY_OPTIONS);
  if (command.length === 0) {
    throw usageError(
      'give the dev server\'s command after "--", e.g. tlsmith run --proxy -- npm run dev',
    );
  }
  const plan = checkServing(values, "local");
  let fixed: URL | null = null;
  if (values.upstream !== undefined) {
    try {
      fixed = proxyTarget(values.upstream);
    } catch (err) {
      throw usageError(`--upstream: ${(err as Error).message}`);
    }
  }
  const material = await loadServingTls(ctx, plan);
  const { runtime } = ctx;
  const line = commandLine(command);

  let announced: URL | null = null;
  let seen = "";
  const watch = (write: (text: string) => void) => {
    const decoder = new TextDecoder();
    return (chunk: Uint8Array) => {
      const text = decoder.decode(chunk, { stream: true });
      write(text);
      if (fixed === null && announced === null) {
        seen = (seen + text).slice(-65536);
        announced = detectUpstream(seen);
      }
    };
  };
  const child = await runtime.spawnChild(command[0], command.slice(1), {
    env: await devServerEnv(ctx, material.localCaFile, values["ca-dir"]),
    onStdout: watch((text) => runtime.print(text)),
    onStderr: watch((text) => runtime.printError(text)),
  });
  let exit: { code: number | null; signal: string | null } | null = null;
  const exited = child.exited.then((result) => (exit = result));
  exited.catch(() => {});
  try {
    const target = await waitForUpstream(ctx, () => fixed ?? announced, exited, line, stopSignal);
    if (target === null) return 0; // stopped while waiting
    const stopper = new AbortController();
    const stopOnAbort = () => stopper.abort();
    stopSignal?.addEventListener("abort", stopOnAbort, { once: true });
    exited.then(() => {
      ctx.printError(`tlsmith: ${line} exited (${describeExit(exit)}); stopping the proxy.`);
      stopper.abort();
    }, () => stopper.abort());
    try {
      const code = await runServing(
        ctx,
        proxyHandler(ctx, target, values.quiet === true),
        plan,
        material,
        { heading: `Proxying ${target.href} (${line}) on` },
        stopper.signal,
      );
      const ended = exit as { code: number | null; signal: string | null } | null;
      return ended === null ? code : ended.code ?? 1;
    } finally {
      stopSignal?.removeEventListener("abort", stopOnAbort);
    }
  } finally {
    await stopChild(child);
  }
}

function describeExit(exit: { code: number | null; signal: string | null } | null): string {
  if (exit === null) return "still running";
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** Stop the dev server and what it started: SIGTERM, then SIGKILL after 5 s. */
async function stopChild(
  child: { exited: Promise<unknown>; kill(signal: "SIGTERM" | "SIGKILL"): void },
): Promise<void> {
  const done = child.exited.then(() => true, () => true);
  child.kill("SIGTERM");
  const timer = new Promise<boolean>((resolve) => setTimeout(resolve, 5000, false));
  if (!(await Promise.race([done, timer]))) {
    child.kill("SIGKILL");
    await done;
  }
}

/**
 * Wait until the dev server has named its port (or `--upstream` did) and
 * answers an HTTP request there; null when stopped first. Rejects when the
 * command exits first or takes too long.
 */
async function waitForUpstream(
  ctx: CliContext,
  current: () => URL | null,
  exited: Promise<{ code: number | null; signal: string | null }>,
  line: string,
  stopSignal: AbortSignal | undefined,
): Promise<URL | null> {
  let gone: { code: number | null; signal: string | null } | null = null;
  let failure: unknown = null;
  exited.then((r) => (gone = r), (err) => (failure = err));
  const deadline = Date.now() + START_TIMEOUT_MS;
  let told = false;
  for (;;) {
    if (failure !== null) throw failure;
    if (gone !== null) {
      throw devServerError(
        `${line} exited (${describeExit(gone)}) before it listened on a port. ` +
          "Check its output above.",
      );
    }
    if (stopSignal?.aborted) return null;
    const target = current();
    if (target !== null) {
      if (!told) {
        ctx.printError(`tlsmith: waiting for ${target.href} to answer…`);
        told = true;
      }
      if (await answers(ctx, target)) return target;
    }
    if (Date.now() > deadline) {
      throw devServerError(
        target === null
          ? `${line} printed no http://host:PORT within ${START_TIMEOUT_MS / 1000} s. ` +
            "Pass the port it listens on: tlsmith run --proxy --upstream PORT -- …"
          : `nothing answered at ${target.href} within ${START_TIMEOUT_MS / 1000} s. ` +
            "Check the dev server's output, or pass --upstream PORT.",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** True when an HTTP server answers a HEAD request at `target`. */
async function answers(ctx: CliContext, target: URL): Promise<boolean> {
  try {
    const response = await ctx.runtime.upstreamFetch({
      url: target.href,
      method: "HEAD",
      headers: [["host", target.host]],
      body: null,
    });
    await response.body?.cancel();
    return true;
  } catch (err) {
    if (isTlsmithError(err, "UPSTREAM_UNREACHABLE")) return false;
    throw err;
  }
}
