/**
 * Where the CLI gets pass phrases, in this order: `--passphrase-file FILE`
 * (its first line), the `TLSMITH_PASSPHRASE` environment variable, a no-echo
 * prompt on the terminal that names the file (`Enter pass phrase to decrypt
 * key.pem:`; Ctrl-D cancels), else a `PASSPHRASE_REQUIRED` error that says how
 * to provide one. Pass phrases never come from argv and are never printed.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import type { Runtime } from "../serve/runtime/types.ts";

/** The environment variable the CLI reads a pass phrase from. */
export const PASSPHRASE_ENV = "TLSMITH_PASSPHRASE";

/**
 * The terminal prompt for a pass phrase: what it is for, naming the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { promptFor } from "./passphrase.ts";
 * assert.equal(promptFor("to decrypt key.pem"), "Enter pass phrase to decrypt key.pem:");
 * ```
 *
 * @param purpose what the pass phrase is for, e.g. `to decrypt key.pem`
 */
export function promptFor(purpose: string): string {
  return `Enter pass phrase ${purpose}:`;
}

/**
 * The second prompt when a new pass phrase is set (typed twice).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confirmPromptFor } from "./passphrase.ts";
 * assert.equal(confirmPromptFor("to encrypt key.pem"), "Verifying - Enter pass phrase to encrypt key.pem again:");
 * ```
 *
 * @param purpose what the pass phrase is for
 */
export function confirmPromptFor(purpose: string): string {
  return `Verifying - Enter pass phrase ${purpose} again:`;
}

/** Where a pass phrase came from. */
export type PassphraseSource = "file" | "env" | "prompt";

/** Options of {@linkcode obtainPassphrase}. */
export interface PassphraseOptions {
  /** `--passphrase-file FILE`: the pass phrase is its first line. */
  passphraseFile?: string;
  /** What it is for, naming the file, e.g. `"to decrypt key.pem"`: in the prompt and in messages. */
  purpose: string;
  /** Ask twice on a terminal and require both to match (when setting a new pass phrase). */
  confirm?: boolean;
  /** Attempts at the terminal (mismatched confirmation, or a wrong pass phrase in {@linkcode withPassphrase}); default 3. */
  tries?: number;
}

/** A pass phrase and where it came from. */
export interface ObtainedPassphrase {
  /** The pass phrase. */
  passphrase: string;
  /** `file`, `env` or `prompt`. */
  source: PassphraseSource;
}

/** Pass phrases taken out of the environment, per runtime (one CLI run may need it twice). */
const fromEnv = new WeakMap<Runtime, string>();

/**
 * `TLSMITH_PASSPHRASE`, removed from the process environment once read so that no child process
 * (a proxied server, a browser) inherits it; later reads in the same run get the value kept.
 */
function passphraseFromEnv(runtime: Runtime): string | undefined {
  const value = runtime.env(PASSPHRASE_ENV);
  if (value !== undefined) {
    runtime.unsetEnv(PASSPHRASE_ENV);
    if (value !== "") fromEnv.set(runtime, value);
  }
  return fromEnv.get(runtime);
}

function howToProvide(): string {
  return `type it at the prompt (on a terminal), or use --passphrase-file FILE or the ` +
    `${PASSPHRASE_ENV} environment variable`;
}

/**
 * Get a pass phrase and say where it came from (see {@linkcode obtainPassphrase}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { readPassphrase } from "./passphrase.ts";
 * const runtime = { ...await getRuntime(), env: () => undefined, stdinIsTerminal: () => false };
 * await withTempDir(runtime, "tlsmith-pw-", async (dir) => {
 *   await runtime.writeFile(`${dir}/pw.txt`, "correct horse\nignored\n");
 *   const read = await readPassphrase(runtime, {
 *     passphraseFile: `${dir}/pw.txt`,
 *     purpose: "to decrypt key.pem",
 *   });
 *   assert.deepEqual(read, { passphrase: "correct horse", source: "file" });
 * });
 * // No file, no TLSMITH_PASSPHRASE and no terminal to ask on:
 * await assert.rejects(readPassphrase(runtime, { purpose: "to decrypt key.pem" }), {
 *   code: "PASSPHRASE_REQUIRED",
 *   message: /needed to decrypt key\.pem .*--passphrase-file FILE or the TLSMITH_PASSPHRASE/,
 * });
 * ```
 */
export async function readPassphrase(
  runtime: Runtime,
  options: PassphraseOptions,
): Promise<ObtainedPassphrase> {
  const { passphraseFile, purpose, confirm } = options;
  if (passphraseFile !== undefined) {
    const text = await runtime.readTextFile(passphraseFile);
    const first = text.split(/\r?\n/, 1)[0];
    if (first === "") {
      throw new TlsmithError(
        "BAD_OPTION",
        `${passphraseFile}: the pass phrase file is empty (the pass phrase is its first line). ` +
          `Write the pass phrase into it, e.g. with a text editor.`,
      );
    }
    return { passphrase: first, source: "file" };
  }
  const env = passphraseFromEnv(runtime);
  if (env !== undefined) return { passphrase: env, source: "env" };
  if (!runtime.stdinIsTerminal()) {
    throw new TlsmithError(
      "PASSPHRASE_REQUIRED",
      `a pass phrase is needed ${purpose} and there is no terminal to ask on: ${howToProvide()}.`,
    );
  }
  const tries = Math.max(1, options.tries ?? 3);
  const cancelled = () =>
    new TlsmithError(
      "CANCELLED",
      `cancelled (Ctrl-D): no pass phrase was entered ${purpose}, so nothing was done with it.`,
    );
  for (let attempt = 1; attempt <= tries; attempt++) {
    const first = await runtime.promptSecret(promptFor(purpose));
    if (first === null) throw cancelled();
    if (!confirm) return { passphrase: first, source: "prompt" };
    if (first.length < 4) {
      runtime.printError("The pass phrase must have at least 4 characters.\n");
      continue;
    }
    const second = await runtime.promptSecret(confirmPromptFor(purpose));
    if (second === null) throw cancelled();
    if (second === first) return { passphrase: first, source: "prompt" };
    runtime.printError("Verify failure: the pass phrases do not match.\n");
  }
  throw new TlsmithError(
    "BAD_OPTION",
    `no pass phrase was set ${purpose}: the two entries did not match (or were too short) ` +
      `${tries} times.`,
  );
}

/**
 * Get a pass phrase: `--passphrase-file FILE` (first line, line end stripped)
 * > `TLSMITH_PASSPHRASE` > the no-echo prompt on a terminal, which names the
 * file ({@linkcode promptFor}; asked twice with `confirm`; Ctrl-D is
 * `CANCELLED`) > `PASSPHRASE_REQUIRED` naming the three ways to provide it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { obtainPassphrase } from "./passphrase.ts";
 * // A terminal where the pass phrase is typed twice, differently the first time:
 * const typed = ["correct horse", "correct hose", "correct horse", "correct horse"];
 * const prompts: string[] = [];
 * const terminal = {
 *   ...await getRuntime(),
 *   env: () => undefined,
 *   stdinIsTerminal: () => true,
 *   promptSecret: (prompt: string) => (prompts.push(prompt), Promise.resolve(typed.shift()!)),
 *   printError: (text: string) => prompts.push(text),
 * };
 * const options = { purpose: "to encrypt key.pem", confirm: true };
 * assert.equal(await obtainPassphrase(terminal, options), "correct horse");
 * assert.deepEqual(prompts, [
 *   "Enter pass phrase to encrypt key.pem:",
 *   "Verifying - Enter pass phrase to encrypt key.pem again:",
 *   "Verify failure: the pass phrases do not match.\n",
 *   "Enter pass phrase to encrypt key.pem:",
 *   "Verifying - Enter pass phrase to encrypt key.pem again:",
 * ]);
 * ```
 */
export async function obtainPassphrase(
  runtime: Runtime,
  options: PassphraseOptions,
): Promise<string> {
  return (await readPassphrase(runtime, options)).passphrase;
}

/**
 * Get a pass phrase and call `use` with it. When it was typed at the
 * terminal and `use` fails with `WRONG_PASSPHRASE`, print
 * `Wrong pass phrase, try again.` and ask again, up to `tries` (default 3)
 * times; a pass phrase from a file or the environment gets one attempt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { exportPrivateKey, importPrivateKey } from "../keys/formats.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 * import { withPassphrase } from "./passphrase.ts";
 * const pem = await exportPrivateKey(await generateKeyPair(), {
 *   passphrase: "correct horse",
 *   iterations: 1000,
 * });
 * // A terminal where a wrong pass phrase is typed first:
 * const typed = ["wrong", "correct horse"];
 * const said: string[] = [];
 * const terminal = {
 *   ...await getRuntime(),
 *   env: () => undefined,
 *   stdinIsTerminal: () => true,
 *   promptSecret: () => Promise.resolve(typed.shift()!),
 *   printError: (text: string) => said.push(text),
 * };
 * const pair = await withPassphrase(terminal, { purpose: "to decrypt key.pem" }, (p) =>
 *   importPrivateKey(pem, { passphrase: p, source: "key.pem" }));
 * assert.equal(pair.type, "ec-p256");
 * assert.deepEqual(said, ["Wrong pass phrase, try again.\n"]);
 * ```
 */
export async function withPassphrase<T>(
  runtime: Runtime,
  options: PassphraseOptions,
  use: (passphrase: string) => Promise<T>,
): Promise<T> {
  const tries = Math.max(1, options.tries ?? 3);
  for (let attempt = 1;; attempt++) {
    const { passphrase, source } = await readPassphrase(runtime, { ...options, confirm: false });
    try {
      return await use(passphrase);
    } catch (err) {
      const wrong = err instanceof TlsmithError && err.code === "WRONG_PASSPHRASE";
      if (!wrong || source !== "prompt" || attempt >= tries) throw err;
      runtime.printError("Wrong pass phrase, try again.\n");
    }
  }
}
