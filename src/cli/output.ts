/**
 * How the CLI reports failures: exit codes and one-line `tlsmith: …` messages
 * on standard error, never a stack trace for a {@linkcode TlsmithError}.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";

/**
 * Exit codes of the CLI: 0 success, 1 a failure the message explains, 2 a
 * mistake on the command line (usage).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ExitCode } from "./output.ts";
 * assert.deepEqual([ExitCode.Ok, ExitCode.Error, ExitCode.Usage], [0, 1, 2]);
 * ```
 */
export const ExitCode = {
  /** Everything worked. */
  Ok: 0,
  /** The command failed; the message says why and what to do. */
  Error: 1,
  /** The command line was wrong: unknown command or option, missing value. */
  Usage: 2,
} as const;

/** Options of {@linkcode reportError}. */
export interface ReportOptions {
  /** The command that failed (`serve`), for the usage hint; none for top-level mistakes. */
  command?: string;
  /** Print stack traces of every error, expected or not (TLSMITH_DEBUG=1). */
  debug?: boolean;
}

/**
 * Print an error to `printError` the way the CLI does and return the exit code:
 * `BAD_USAGE` → message + `Run "tlsmith <cmd> --help" for usage.`, 2; other
 * {@linkcode TlsmithError}s → message, 1; a broken pipe (standard output closed
 * by its reader, as with `| head`) → nothing, 1; anything else → message and a
 * "this is a bug" hint (the stack only with `debug`), 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportError } from "./output.ts";
 * import { TlsmithError } from "../errors.ts";
 * const lines: string[] = [];
 * const printError = (line: string) => lines.push(line);
 * const usage = new TlsmithError("BAD_USAGE", "unknown option --prot");
 * assert.equal(reportError(printError, usage, { command: "serve" }), 2);
 * assert.deepEqual(lines.splice(0), [
 *   "tlsmith: unknown option --prot",
 *   'Run "tlsmith serve --help" for usage.',
 * ]);
 * assert.equal(reportError(printError, new TypeError("x is undefined")), 1);
 * assert.equal(lines[0], "tlsmith: unexpected error: TypeError: x is undefined");
 * assert.match(lines[1], /^This is a bug in tlsmith/);
 * ```
 *
 * @param printError prints one line to standard error
 * @param err what was thrown
 * @param options the failing command and whether to show stacks
 */
export function reportError(
  printError: (text: string) => void,
  err: unknown,
  options: ReportOptions = {},
): number {
  if (err instanceof TlsmithError) {
    printError(`tlsmith: ${err.message}`);
    if (err.code === "BAD_USAGE") {
      const cmd = options.command ? `tlsmith ${options.command}` : "tlsmith";
      printError(`Run "${cmd} --help" for usage.`);
      return ExitCode.Usage;
    }
    if (options.debug && err.stack) printError(err.stack);
    return ExitCode.Error;
  }
  if (isBrokenPipe(err)) {
    // The reader went away (`tlsmith inspect x.pem | head -3`): nothing to report, not a bug.
    return ExitCode.Error;
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  printError(`tlsmith: unexpected error: ${message}`);
  if (options.debug && err instanceof Error && err.stack) {
    printError(err.stack);
  } else {
    printError(
      "This is a bug in tlsmith. Please report it with the command you ran; " +
        "set TLSMITH_DEBUG=1 to include the stack trace.",
    );
  }
  return ExitCode.Error;
}

/** Deno's `BrokenPipe` or Node's `EPIPE`: standard output was closed by its reader. */
function isBrokenPipe(err: unknown): boolean {
  return err instanceof Error &&
    (err.name === "BrokenPipe" || (err as { code?: unknown }).code === "EPIPE");
}

/**
 * The error for a PKCS#12 file given where a certificate, CSR or key file is
 * expected: how to get the PEM files out of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pkcs12Hint } from "./output.ts";
 * const err = pkcs12Hint("dev.p12");
 * assert.equal(err.code, "BAD_DER");
 * const fix = "`tlsmith p12 import dev.p12 --out-cert cert.pem --out-key key.pem`";
 * assert.ok(err.message.includes(fix));
 * ```
 */
export function pkcs12Hint(file: string): TlsmithError {
  return new TlsmithError(
    "BAD_DER",
    `${file} is a PKCS#12 (.p12/.pfx) file, not a certificate, CSR or key. Extract its ` +
      `certificate and key first: \`tlsmith p12 import ${file} --out-cert cert.pem --out-key key.pem\`.`,
  );
}

/** Options of {@linkcode withProgress}. */
export interface ProgressOptions {
  /** Say nothing when the work is done sooner than this (default 1000 ms). */
  afterMs?: number;
  /** Add a dot this often while it runs (default 1000 ms). */
  everyMs?: number;
}

/**
 * Run slow work (an RSA-4096 key takes seconds) with progress on standard error when it is a
 * terminal and the work takes longer than a second: `Generating an RSA-4096 key...... done
 * (2.4 s)`. Quick work, and work whose standard error is a file or a pipe, print nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withProgress } from "./output.ts";
 * const shown: string[] = [];
 * const runtime = { stderrIsTerminal: () => true, printError: (t: string) => shown.push(t) };
 * const slow = new Promise<number>((resolve) => setTimeout(() => resolve(42), 60));
 * assert.equal(await withProgress(runtime, "Generating a key", () => slow, { afterMs: 20, everyMs: 15 }), 42);
 * assert.equal(shown[0], "Generating a key...");
 * assert.match(shown.at(-1)!, /^ done \(\d+\.\d s\)\n$/);
 * ```
 *
 * @param runtime where to print (standard error) and whether it is a terminal
 * @param what the first words of the line, e.g. `Generating an RSA-4096 key`
 * @param work the work
 * @param options when to start showing progress, and how often to add to it
 */
export async function withProgress<T>(
  runtime: { stderrIsTerminal(): boolean; printError(text: string): void },
  what: string,
  work: () => Promise<T>,
  options: ProgressOptions = {},
): Promise<T> {
  if (!runtime.stderrIsTerminal()) return await work();
  const start = Date.now();
  let shown = false;
  let dots: ReturnType<typeof setInterval> | undefined;
  const first = setTimeout(() => {
    shown = true;
    runtime.printError(`${what}...`);
    dots = setInterval(() => runtime.printError("."), options.everyMs ?? 1000);
  }, options.afterMs ?? 1000);
  try {
    const result = await work();
    if (shown) runtime.printError(` done (${((Date.now() - start) / 1000).toFixed(1)} s)\n`);
    return result;
  } catch (err) {
    if (shown) runtime.printError("\n");
    throw err;
  } finally {
    clearTimeout(first);
    clearInterval(dots);
  }
}
