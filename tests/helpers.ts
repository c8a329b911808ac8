/**
 * Shared test helpers: temporary directories, running real third-party tools
 * (openssl, curl, certtool, chromium) with bounded time, and waiting for
 * processes we start. Works under Deno (`deno test`) and Node (`node --test`).
 */
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TlsmithError, type TlsmithErrorCode } from "../src/errors.ts";
import type { Handler } from "../src/serve/runtime/types.ts";
import { serve, type ServeOptions, type Server } from "../src/serve/serve.ts";
import { headlessChromiumArgs } from "../src/trust/doctor.ts";

// ---------------------------------------------------------------------------
// Runtime and small text helpers.

/** True when the tests run under Deno (source), false under Node (compiled). */
export const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** The repository root: tests/ → up one; compiled under Node (npm/esm/tests/) further up. */
export async function repoRoot(): Promise<URL> {
  for (let up = 1; up <= 6; up++) {
    const candidate = new URL("../".repeat(up), import.meta.url);
    try {
      await readFile(new URL("deno.json", candidate));
      return candidate;
    } catch {
      // not here; try the next place
    }
  }
  throw new Error("deno.json not found above " + import.meta.url);
}

/** The `.ts` files under `dir` of `root` (e.g. `"src"`), as sorted paths relative to `root`. */
export async function sourceFiles(root: URL, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(new URL(dir, root), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...await sourceFiles(root, path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/** Text without carriage returns and surrounding white space (compare PEM from tools). */
export function norm(text: string): string {
  return text.replace(/\r/g, "").trim();
}

/** Quote `s` as one word for `sh`. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Permission bits of a file (e.g. `0o600`). */
export async function fileMode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

// ---------------------------------------------------------------------------
// Expected errors.

/** Check that `err` is a TlsmithError with `code` whose message has every fragment (text or pattern). */
function checkError(
  err: unknown,
  code: TlsmithErrorCode,
  expected: (string | RegExp)[],
): TlsmithError {
  assert.ok(err instanceof TlsmithError, `expected TlsmithError, got ${err}`);
  assert.equal(err.code, code, err.message);
  for (const f of expected) {
    if (typeof f === "string") {
      assert.ok(err.message.includes(f), `"${err.message}" lacks "${f}"`);
    } else {
      assert.match(err.message, f);
    }
  }
  return err;
}

/** The TlsmithError `p` rejects with (fails when it resolves or rejects with anything else). */
export async function errorOf(p: Promise<unknown>): Promise<TlsmithError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TlsmithError, `expected TlsmithError, got ${err}`);
    return err;
  }
  assert.fail("expected an error");
}

/**
 * Assert that `promise` rejects with a TlsmithError of `code` whose message contains every
 * string and matches every pattern in `expected`; returns the error.
 */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: TlsmithErrorCode,
  ...expected: (string | RegExp)[]
): Promise<TlsmithError> {
  try {
    await promise;
  } catch (err) {
    return checkError(err, code, expected);
  }
  assert.fail(`expected ${code}`);
}

/** Like {@linkcode rejectsWith} for a function that must throw synchronously. */
export function throwsWith(
  fn: () => unknown,
  code: TlsmithErrorCode,
  ...expected: (string | RegExp)[]
): TlsmithError {
  try {
    fn();
  } catch (err) {
    return checkError(err, code, expected);
  }
  assert.fail(`expected ${code}`);
}

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

/** True when `cmd` can be run (e.g. `have("certtool")`); under CI (`CI=true`) a missing one throws. */
export async function have(cmd: string): Promise<boolean> {
  let found = false;
  try {
    found = (await run("sh", ["-c", `command -v ${cmd}`])).code === 0;
  } catch {
    found = false;
  }
  // CI installs every judge (.ci/run): there a missing tool fails the test instead of skipping it.
  if (!found && process.env.CI === "true") {
    throw new Error(`${cmd} is not installed: CI runs every test; add its package to .ci/run`);
  }
  return found;
}

/** Run `openssl` with args; throws with its stderr when it fails. */
export async function openssl(args: string[], options: RunOptions = {}): Promise<string> {
  const r = await run("openssl", args, options);
  if (r.code !== 0) {
    throw new Error(`openssl ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

/** Write a new unencrypted EC private key (PKCS#8 PEM) on `curve` to `path` with `openssl genpkey`. */
export async function opensslEcKey(
  path: string,
  curve: "P-256" | "P-384" = "P-256",
): Promise<void> {
  await openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    `ec_paramgen_curve:${curve}`,
    "-out",
    path,
  ]);
}

/**
 * `openssl verify -x509_strict -purpose PURPOSE -CAfile CAFILE ARGS CERTFILE` (purpose defaults to
 * `sslserver`); returns the run, never throws on a failed verification.
 */
export function opensslVerifyStrict(
  caFile: string,
  certFile: string,
  args: string[] = [],
  purpose = "sslserver",
): Promise<RunResult> {
  return run("openssl", [
    "verify",
    "-x509_strict",
    "-purpose",
    purpose,
    "-CAfile",
    caFile,
    ...args,
    certFile,
  ]);
}

/** Options of {@linkcode opensslCert}. */
export interface OpensslCertOptions {
  /** The private key file: written with a new key, or read when `newKey` is `"existing"`. */
  key: string;
  /** The self-signed certificate file to write. */
  cert: string;
  /**
   * The key: a new EC key on `"P-256"` (default) or `"P-384"`, a new `"rsa:2048"` key, or
   * `"existing"` to sign with the key already in `key`.
   */
  newKey?: "P-256" | "P-384" | "rsa:2048" | "existing";
  /** Subject (default `/CN=localhost`). */
  subject?: string;
  /** Validity in days (default 2). */
  days?: number;
  /** Extensions, each given as `-addext` (e.g. `subjectAltName=DNS:localhost`). */
  addext?: string[];
  /** More `openssl req` arguments (e.g. `-config FILE -extensions v3`). */
  extra?: string[];
}

/** Make a self-signed certificate (and by default a new unencrypted key) with `openssl req -x509`. */
export async function opensslCert(options: OpensslCertOptions): Promise<void> {
  const newKey = options.newKey ?? "P-256";
  const keyArgs = newKey === "existing"
    ? ["-new", "-key", options.key]
    : newKey === "rsa:2048"
    ? ["-newkey", "rsa:2048", "-nodes", "-keyout", options.key]
    : [
      "-newkey",
      "ec",
      "-pkeyopt",
      `ec_paramgen_curve:${newKey}`,
      "-nodes",
      "-keyout",
      options.key,
    ];
  await openssl([
    "req",
    "-x509",
    ...keyArgs,
    "-out",
    options.cert,
    "-days",
    String(options.days ?? 2),
    "-subj",
    options.subject ?? "/CN=localhost",
    ...(options.addext ?? []).flatMap((ext) => ["-addext", ext]),
    ...(options.extra ?? []),
  ]);
}

/**
 * `openssl pkcs12 -export -in CERT -inkey KEY … -passout pass:PASS -out OUT` (a .p12 made by
 * OpenSSL); `extra` adds options such as `-legacy`, `-macalg sha512` or `-iter 100`.
 */
export async function opensslPkcs12(
  cert: string,
  key: string,
  out: string,
  passphrase: string,
  extra: string[] = [],
): Promise<void> {
  await openssl([
    "pkcs12",
    "-export",
    "-in",
    cert,
    "-inkey",
    key,
    ...extra,
    "-passout",
    `pass:${passphrase}`,
    "-out",
    out,
  ]);
}

/** A fresh temporary directory and a function that removes it. */
export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "tlsmith-test-"));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/**
 * A temporary directory for the current file or `describe` block: made in `before`, removed in
 * `after`. Read `.path` inside tests and hooks (it is set once `before` ran).
 */
export function suiteTempDir(): { readonly path: string } {
  let dir: { path: string; cleanup: () => Promise<void> } | undefined;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await dir?.cleanup();
  });
  return {
    get path(): string {
      if (!dir) throw new Error("suiteTempDir: .path read before the before() hook ran");
      return dir.path;
    },
  };
}

/** Run `fn` with a fresh temporary directory's path; the directory is removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await tempDir();
  try {
    return await fn(dir.path);
  } finally {
    await dir.cleanup();
  }
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
  // Under Node the tests run compiled in npm/esm/tests/; the package's bin (scripts/build_npm.ts
  // bundles the CLI into npm/bin/tlsmith.cjs) is what `npx tlsmith` runs, so the tests run it.
  const bin = new URL("../../bin/tlsmith.cjs", import.meta.url).pathname;
  return { cmd: process.execPath, args: [bin] };
}

/** One step of {@linkcode onTerminal}. */
export interface TerminalStep {
  /** Wait until the output contains this text `count` times (default 1). */
  waitFor: string;
  count?: number;
  /** Then run this, then type this. */
  type?: string;
  act?: (output: string) => Promise<void>;
}

/** Options of {@linkcode onTerminal}. */
export interface TerminalOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Kill after this many ms (default 60 000). */
  timeoutMs?: number;
  /** Wait this long after a step's text appears before acting (default 250 ms), so a prompt can switch the terminal to raw mode. */
  delayMs?: number;
}

/**
 * Run the shell `command` on a pseudo-terminal (util-linux `script`), play `steps` in order
 * (wait for text, then act and/or type), and collect everything it printed. A failing `act`
 * is appended to the output as `[step failed: …]` and kills the command.
 */
export function onTerminal(
  command: string,
  steps: TerminalStep[],
  options: TerminalOptions = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    let output = "";
    let step = 0;
    let busy = false;
    const advance = () => {
      if (busy || step >= steps.length) return;
      const s = steps[step];
      if (output.split(s.waitFor).length - 1 < (s.count ?? 1)) return;
      busy = true;
      step++;
      setTimeout(async () => {
        try {
          if (s.act) await s.act(output);
          if (s.type !== undefined) child.stdin.write(s.type);
        } catch (err) {
          output += `\n[step failed: ${err}]\n`;
          child.kill("SIGKILL");
        }
        busy = false;
        advance();
      }, options.delayMs ?? 250);
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      output += d;
      advance();
    });
    child.stdin.on("error", () => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

// ---------------------------------------------------------------------------
// The tlsmith CLI server.

/** A signal {@linkcode ServedCli.stop} can send. */
export type Signal = "SIGINT" | "SIGTERM" | "SIGKILL";

/** A running `tlsmith serve` started by {@linkcode startServe}. */
export interface ServedCli {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  /** Send a signal (default SIGTERM) by PID and wait for the exit code (SIGKILL after 15 s). */
  stop: (signal?: Signal) => Promise<number | null>;
}

/**
 * Start `tlsmith serve …` and wait (≤ 60 s) until it has printed its whole banner
 * (ending in "Press Ctrl-C to stop."); the port is parsed from the first group of `urlPattern`.
 * `env` adds environment variables. Always `stop()` it (e.g. in `finally`).
 */
export function startServe(
  args: string[],
  urlPattern: RegExp,
  env: Record<string, string> = {},
): Promise<ServedCli> {
  return startCli(["serve", ...args], urlPattern, env);
}

/**
 * Like {@linkcode startServe} for any long-running tlsmith command line (`["proxy", "5173"]`):
 * waits for `urlPattern` and "Press Ctrl-C to stop." on standard output.
 */
export function startCli(
  argv: string[],
  urlPattern: RegExp,
  env: Record<string, string> = {},
): Promise<ServedCli> {
  const { cmd, args: pre } = cliCommand();
  const child = spawn(cmd, [...pre, ...argv], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  // Signals go by PID through process.kill: Deno's node:child_process reports
  // (null, signal) after child.kill() even when the child handled it and exited 0.
  const signal = (sig: Signal) => {
    try {
      process.kill(child.pid!, sig);
    } catch {
      // already gone
    }
  };
  const stop = async (sig: Signal = "SIGTERM") => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    signal(sig);
    const timer = setTimeout(() => signal("SIGKILL"), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal("SIGKILL");
      reject(
        new Error(`${argv[0]} did not print its URL in time.\nstdout:\n${out}\nstderr:\n${err}`),
      );
    }, 60_000);
    const check = () => {
      const m = urlPattern.exec(out);
      if (m && out.includes("Press Ctrl-C to stop.")) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), stdout: () => out, stderr: () => err, stop });
      }
    };
    child.stdout!.on("data", (d: string) => {
      out += d;
      check();
    });
    child.stderr!.on("data", (d: string) => (err += d));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${argv[0]} exited early (${code}).\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
}

/** Run `curl -sS --max-time 20` with `args` (never throws on a non-zero exit). */
export function curl(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run("curl", ["-sS", "--max-time", "20", ...args], { timeoutMs: 30_000, ...options });
}

/** Options of {@linkcode chromiumDumpDom}. */
export interface ChromiumOptions {
  /** The Chromium binary (default `chromium`). */
  chromium?: string;
  /** HOME for the browser: its NSS database is `$HOME/.pki/nssdb`. */
  home: string;
  /** A fresh profile directory (`--user-data-dir`). */
  profile: string;
  /** More flags, before `--dump-dom`. */
  extra?: string[];
  /** Kill after this many ms (default 60 000). */
  timeoutMs?: number;
}

/**
 * Load `url` in headless Chromium (no sandbox, GPU, QUIC or background traffic) and return the
 * run: the DOM on stdout, the log (e.g. certificate errors) on stderr.
 */
export function chromiumDumpDom(url: string, options: ChromiumOptions): Promise<RunResult> {
  return run(
    options.chromium ?? "chromium",
    headlessChromiumArgs(url, options.profile, { noSandbox: true, extra: options.extra }),
    { env: { HOME: options.home }, timeoutMs: options.timeoutMs ?? 60_000 },
  );
}

/**
 * Run `fn` with a serve() on a free loopback port (adhoc certificate unless `options` says
 * otherwise) and the PEM file of its certificate, written into `dir`; always shuts it down.
 */
export async function withServe(
  dir: string,
  handler: Handler,
  options: Partial<ServeOptions>,
  fn: (server: Server, caFile: string) => Promise<void>,
): Promise<void> {
  const server = await serve(handler, { cert: "adhoc", port: 0, ...options });
  try {
    const caFile = join(dir, `server-${server.addr.port}.pem`);
    await writeFile(caFile, server.certificate);
    await fn(server, caFile);
  } finally {
    await server.shutdown();
  }
}

/**
 * The directory of a development package (a devDependency such as `vite`, `ws` or
 * `playwright-core`): `node_modules/NAME` of the repository, else
 * `$TLSMITH_DEV_NODE_MODULES/NAME` (a private install). Fails naming the install command.
 */
export async function devPackage(name: string): Promise<string> {
  const places = [new URL(`node_modules/${name}/`, await repoRoot()).pathname];
  const extra = process.env.TLSMITH_DEV_NODE_MODULES;
  if (extra) places.push(join(extra, name));
  for (const place of places) {
    try {
      await stat(join(place, "package.json"));
      return place;
    } catch {
      // not installed here
    }
  }
  throw new Error(
    `the devDependency ${name} is not installed (looked in ${
      places.join(", ")
    }); run "npm install".`,
  );
}

/**
 * Make `home` a HOME whose NSS database (`.pki/nssdb`, where Chromium looks) is new and, when
 * `caFile` is given, trusts that CA for TLS servers (`certutil -A -t C,,`). Returns `home`.
 */
export async function nssHome(home: string, caFile?: string): Promise<string> {
  const db = join(home, ".pki", "nssdb");
  await mkdir(db, { recursive: true });
  const env = { HOME: home };
  const init = await run("certutil", ["-N", "--empty-password", "-d", `sql:${db}`], { env });
  assert.equal(init.code, 0, init.stderr);
  if (caFile !== undefined) {
    const add = await run("certutil", [
      "-A",
      "-n",
      "tlsmith",
      "-t",
      "C,,",
      "-i",
      caFile,
      "-d",
      `sql:${db}`,
    ], { env });
    assert.equal(add.code, 0, add.stderr);
  }
  return home;
}

/**
 * Environment variables that point clients at CA files (set on some machines, e.g. CI images
 * with a proxy CA): tests of trust remove them so the results do not depend on the machine.
 */
export const CA_ENV_VARS: readonly string[] = [
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "CURL_CA_BUNDLE",
  "NODE_EXTRA_CA_CERTS",
  "REQUESTS_CA_BUNDLE",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_USE_SYSTEM_CA",
];
