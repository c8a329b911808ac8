/**
 * Shared pieces of every CLI command: the {@linkcode CliContext} a command runs
 * with, the {@linkcode CommandModule} shape a command file exports, and
 * argument parsing (strict, with `node:util` `parseArgs`'s options and results) whose
 * mistakes become `BAD_USAGE` errors that main.ts prints with a usage hint and exit code 2.
 *
 * @module
 */

import type { parseArgs, ParseArgsOptionsConfig } from "node:util";
import { TlsmithError } from "../errors.ts";
import { shellWord } from "../_internal/commands.ts";
import { splitPath } from "../serve/runtime/common.ts";
import type { Runtime } from "../serve/runtime/types.ts";
import { type KeyType, parseKeyType } from "../keys/keys.ts";
import { parseHosts, type SubjectAltName } from "../x509/names.ts";

/**
 * What a command runs with: the runtime (files, terminal, network) and two
 * printers (standard output for results, standard error for diagnostics).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import type { CliContext } from "./args.ts";
 * function run(ctx: CliContext, argv: string[]): Promise<number> {
 *   ctx.print(`args: ${argv.join(" ")}`);
 *   return Promise.resolve(0);
 * }
 * // A context that keeps what the command prints (main.ts's prints to the terminal):
 * const out: string[] = [];
 * const ctx: CliContext = {
 *   runtime: await getRuntime(),
 *   print: (line) => out.push(line),
 *   printError: (line) => out.push(`error: ${line}`),
 * };
 * assert.equal(await run(ctx, ["a", "b"]), 0);
 * assert.deepEqual(out, ["args: a b"]);
 * ```
 */
export interface CliContext {
  /** The runtime: files, environment, terminal, network. */
  runtime: Runtime;
  /** Print a line (a newline is added) to standard output. */
  print(text: string): void;
  /** Print a line (a newline is added) to standard error. */
  printError(text: string): void;
}

/**
 * What a command file (`src/cli/commands/<name>.ts`) exports: its help text
 * and its `run`. main.ts loads it lazily and prints `help` for
 * `tlsmith <cmd> --help`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { type CliContext, type CommandModule, parseCommandArgs } from "./args.ts";
 * // What src/cli/commands/hello.ts would export:
 * const hello: CommandModule = {
 *   help: `Usage: tlsmith hello [--name NAME]
 *
 * Say hello.`,
 *   async run(ctx: CliContext, argv: string[]): Promise<number> {
 *     const { values } = parseCommandArgs(argv, { name: { type: "string" } });
 *     ctx.print(`hello ${values.name ?? "world"}`);
 *     return 0;
 *   },
 * };
 * const out: string[] = [];
 * const runtime = await getRuntime();
 * const ctx = { runtime, print: (line: string) => out.push(line), printError: () => {} };
 * assert.equal(await hello.run(ctx, ["--name", "Ada"]), 0);
 * assert.deepEqual(out, ["hello Ada"]);
 * await assert.rejects(hello.run(ctx, ["--nmae", "Ada"]), { code: "BAD_USAGE" });
 * ```
 */
export interface CommandModule {
  /** Full help text printed for `tlsmith <cmd> --help` (starts with `Usage:`). */
  help: string;
  /** Run the command with the arguments after its name; resolves to the exit code. */
  run(ctx: CliContext, argv: string[]): Promise<number>;
}

/** Limits on positional arguments for {@linkcode parseCommandArgs}. */
export interface PositionalLimits {
  /** At least this many positionals (default 0). */
  min?: number;
  /** At most this many positionals (default 0: none allowed). */
  max?: number;
  /** How to name the positionals in errors, e.g. `"FILE"`. */
  name?: string;
}

/**
 * A `BAD_USAGE` error: main.ts prints it as `tlsmith: <message>` plus
 * `Run "tlsmith <cmd> --help" for usage.` and exits with 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usageError } from "./args.ts";
 * const err = usageError('"--key" is required when "--cert" is a file.');
 * assert.equal(err.code, "BAD_USAGE");
 * assert.equal(err.message, '"--key" is required when "--cert" is a file.');
 * ```
 *
 * @param message what was wrong with the command line
 */
export function usageError(message: string): TlsmithError {
  return new TlsmithError("BAD_USAGE", message);
}

/**
 * What `parseArgs({ args, options, strict: true, allowPositionals: true })` of `node:util`
 * returns for tlsmith's options (long options only, `string` or `boolean`, `multiple`), with
 * its mistakes as `BAD_USAGE`. Its own: importing `node:util` costs Deno ≈ 15 ms (its Node
 * compatibility layer) at every start. `tests/cli_args_test.ts` holds it to Node's results.
 */
function parseStrict(
  argv: readonly string[],
  options: ParseArgsOptionsConfig,
): { values: Record<string, string | boolean | (string | boolean)[]>; positionals: string[] } {
  const values: Record<string, string | boolean | (string | boolean)[]> = Object.create(null);
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.length < 2 || arg[0] !== "-") {
      positionals.push(arg);
      continue;
    }
    if (arg[1] !== "-") throw usageError(`unknown option -${arg[1]}`); // no short options
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const option = `--${name}`;
    const config = Object.hasOwn(options, name) ? options[name] : undefined;
    if (config === undefined) {
      throw usageError(`unknown option ${eq === -1 || name === "" ? arg : option}`);
    }
    let value: string | boolean;
    if (config.type === "boolean") {
      if (eq !== -1) throw usageError(`option ${option} does not take a value`);
      value = true;
    } else if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.length > 1 && next[0] === "-")) {
        throw usageError(
          `option ${option} needs a value (write ${option}=VALUE if the value starts with "-")`,
        );
      }
      value = next;
      i++;
    }
    if (config.multiple) {
      const list = values[name];
      if (Array.isArray(list)) list.push(value);
      else values[name] = [value];
    } else {
      values[name] = value;
    }
  }
  return { values, positionals };
}

/** Options that would put a pass phrase on the command line (tlsmith's or OpenSSL's spelling). */
const PASSPHRASE_OPTION = /^--?(pass|passphrase|password|passin|passout|pw|pwd)(=|$)/i;

/**
 * Refuse a pass phrase given as an option, with where to put it instead. The value is never
 * repeated in the message.
 */
function refusePassphraseArgument(argv: readonly string[], options: ParseArgsOptionsConfig): void {
  for (const arg of argv) {
    if (arg === "--") return;
    const m = arg.match(PASSPHRASE_OPTION);
    if (m === null || Object.hasOwn(options, m[1])) continue;
    throw usageError(
      `${arg.split("=")[0]}: pass phrases are never taken on the command line (the process ` +
        "list and shell history would show it). Use --passphrase-file FILE, the " +
        "TLSMITH_PASSPHRASE environment variable, or type it at the prompt.",
    );
  }
}

/**
 * Parse a command's arguments strictly: unknown options, options without their
 * value, values given to boolean options and too many or too few positionals
 * all throw a `BAD_USAGE` {@linkcode TlsmithError}. `--name=value` and
 * `--name value` both work; `--` ends the options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommandArgs } from "./args.ts";
 * const options = { port: { type: "string" }, force: { type: "boolean" } } as const;
 * const { values, positionals } = parseCommandArgs(["--port", "8443", "site"], options, {
 *   max: 1,
 *   name: "DIR",
 * });
 * assert.equal(values.port, "8443");
 * assert.equal(values.force, undefined);
 * assert.deepEqual(positionals, ["site"]);
 * assert.throws(() => parseCommandArgs(["--prot", "1"], options), {
 *   code: "BAD_USAGE",
 *   message: "unknown option --prot",
 * });
 * assert.throws(() => parseCommandArgs(["--passphrase=hunter2"], options), {
 *   message: /^--passphrase: pass phrases are never taken on the command line/,
 * });
 * assert.throws(() => parseCommandArgs(["a", "b"], options, { max: 1, name: "DIR" }), {
 *   message: 'too many arguments: expected at most 1 DIR, got "a" "b"',
 * });
 * ```
 *
 * @param argv the arguments after the command name
 * @param options the `parseArgs` option descriptors
 * @param positionals how many positional arguments are allowed (default none)
 */
export function parseCommandArgs<const T extends ParseArgsOptionsConfig>(
  argv: string[],
  options: T,
  positionals: PositionalLimits = {},
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>
> {
  refusePassphraseArgument(argv, options);
  const result = parseStrict(argv, options) as ReturnType<
    typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>
  >;
  const min = positionals.min ?? 0;
  const max = positionals.max ?? 0;
  const name = positionals.name ?? "argument";
  const got = result.positionals;
  if (got.length > max) {
    throw usageError(
      max === 0
        ? `unexpected argument "${got[0]}"`
        : `too many arguments: expected at most ${max} ${name}, got "${got.join('" "')}"`,
    );
  }
  if (got.length < min) {
    throw usageError(`missing ${name}`);
  }
  return result;
}

/**
 * Parse a TCP port: an integer 0–65535 (0 asks for an ephemeral port).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePort } from "./args.ts";
 * assert.equal(parsePort("8443"), 8443);
 * assert.equal(parsePort("0"), 0); // a free port
 * assert.throws(() => parsePort("65536", "--http-port"), {
 *   code: "BAD_USAGE",
 *   message: /^--http-port must be a whole number from 0 to 65535/,
 * });
 * ```
 *
 * @param text the option's value
 * @param option the option name used in the error, default `--port`
 */
export function parsePort(text: string, option = "--port"): number {
  if (!/^[0-9]{1,5}$/.test(text.trim()) || Number(text) > 65535) {
    throw usageError(
      `${option} must be a whole number from 0 to 65535 (0 picks a free port), not "${text}"`,
    );
  }
  return Number(text);
}

/**
 * Refuse (before anything is written) when any of `files` is `-` (`BAD_USAGE`:
 * tlsmith never writes a key to standard output) or a directory
 * (`BAD_OPTION`) or its directory does not exist (`FILE_NOT_FOUND`), so a
 * command that writes several files never leaves some of them behind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { refuseMissingDirs } from "./args.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-out-", async (dir) => {
 *   await refuseMissingDirs(runtime, [`${dir}/a.pem`, `${dir}/a-key.pem`]);
 *   await assert.rejects(refuseMissingDirs(runtime, [`${dir}/a.pem`, `${dir}/out/a-key.pem`]), {
 *     code: "FILE_NOT_FOUND",
 *     message: /the directory .*\/out does not exist/,
 *   });
 *   await assert.rejects(refuseMissingDirs(runtime, [dir]), { code: "BAD_OPTION" });
 *   await assert.rejects(refuseMissingDirs(runtime, ["-"]), { code: "BAD_USAGE" });
 * });
 * ```
 */
export async function refuseMissingDirs(
  runtime: Runtime,
  files: readonly string[],
): Promise<void> {
  for (const f of files) {
    if (f === "-") {
      throw usageError(
        `"-" is not a file name here: private keys and certificates are written to files only ` +
          `(csr and sign print to standard output when --out is left out).`,
      );
    }
    if ((await runtime.stat(f))?.isDirectory) {
      throw new TlsmithError(
        "BAD_OPTION",
        `${f} is a directory; nothing was written. Pass a file name (a file inside it, say).`,
      );
    }
    const { dir } = splitPath(f);
    const info = await runtime.stat(dir);
    if (info === null || !info.isDirectory) {
      throw new TlsmithError(
        "FILE_NOT_FOUND",
        info === null
          ? `${f}: the directory ${dir} does not exist. Create it first.`
          : `${f}: ${dir} is not a directory. Choose another path.`,
      );
    }
  }
}

/**
 * Refuse, before anything is written, what {@linkcode refuseMissingDirs}
 * refuses and (with `FILE_EXISTS`) any of `files` that exists unless `force`
 * is set: no command replaces a key or certificate without `--force`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { refuseExisting } from "./args.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-out-", async (dir) => {
 *   const files = [`${dir}/a.pem`, `${dir}/a-key.pem`];
 *   await refuseExisting(runtime, files, false);
 *   await runtime.writeFile(files[1], "an old key");
 *   await assert.rejects(refuseExisting(runtime, files, false), {
 *     code: "FILE_EXISTS",
 *     message: /a-key\.pem already exists; nothing was written/,
 *   });
 *   await refuseExisting(runtime, files, true); // --force
 * });
 * ```
 */
export async function refuseExisting(
  runtime: Runtime,
  files: readonly string[],
  force: boolean,
): Promise<void> {
  await refuseMissingDirs(runtime, files);
  if (force) return;
  for (const f of files) {
    if (await runtime.stat(f) !== null) {
      throw new TlsmithError(
        "FILE_EXISTS",
        `${f} already exists; nothing was written. Pass --force to replace it, or choose another file name.`,
      );
    }
  }
}

/**
 * Parse a `--days` value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDays } from "./args.ts";
 * assert.equal(parseDays("30"), 30);
 * assert.equal(parseDays(undefined), undefined); // not given: the command's default
 * assert.throws(() => parseDays("1.5"), { code: "BAD_USAGE" });
 * ```
 */
export function parseDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,6}$/.test(text)) {
    throw usageError(`--days must be a whole number of days, not "${text}"`);
  }
  return Number(text);
}

/**
 * Run a parser of a command-line value and turn what it refuses (`BAD_OPTION`, `BAD_NAME`) into
 * a `BAD_USAGE` error with the same message: a bad value on the command line is a usage error
 * (exit code 2), whatever layer noticed it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { asUsage } from "./args.ts";
 * import { parseKeyType } from "../keys/keys.ts";
 * assert.throws(() => asUsage(() => parseKeyType("bogus")), { code: "BAD_USAGE" });
 * ```
 *
 * @param parse the parser, applied to the value
 */
export function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof TlsmithError && (err.code === "BAD_OPTION" || err.code === "BAD_NAME")) {
      throw new TlsmithError("BAD_USAGE", err.message, { cause: err });
    }
    throw err;
  }
}

/**
 * Parse a `--key-type` (or `--type`) value; an unknown type is a usage error naming the option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseKeyTypeOption } from "./args.ts";
 * assert.equal(parseKeyTypeOption("rsa"), "rsa-2048");
 * assert.throws(() => parseKeyTypeOption("bogus"), /--key-type: unknown key type "bogus"/);
 * ```
 *
 * @param text the option's value
 * @param option the option's name, for the message
 */
export function parseKeyTypeOption(text: string, option = "--key-type"): KeyType {
  try {
    return parseKeyType(text);
  } catch (err) {
    if (err instanceof TlsmithError) throw usageError(`${option}: ${err.message}`);
    throw err;
  }
}

/**
 * Parse the HOST arguments of a command (`tlsmith cert HOST…`): DNS names, wildcards, IP
 * addresses, e-mail addresses, URIs. A malformed one is a usage error, found before anything is
 * created or written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHostArguments } from "./args.ts";
 * assert.deepEqual(parseHostArguments(["localhost", "::1"]).map((h) => h.type), ["dns", "ip"]);
 * assert.throws(() => parseHostArguments(["bad host!"]), { code: "BAD_USAGE" });
 * ```
 *
 * @param hosts the arguments
 */
export function parseHostArguments(hosts: readonly string[]): SubjectAltName[] {
  return asUsage(() => parseHosts(hosts));
}

/**
 * ` --dir DIR` for the commands tlsmith suggests, when a directory was given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dirArgument } from "./args.ts";
 * assert.equal(dirArgument("/tmp/my ca"), "--dir '/tmp/my ca'");
 * assert.equal(dirArgument(undefined), "");
 * ```
 */
export function dirArgument(dir: string | undefined): string {
  if (dir === undefined) return "";
  return `--dir ${shellWord(dir)}`;
}
