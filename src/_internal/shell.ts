/**
 * Quoting for the commands tlsmith suggests in its messages, so that a suggested command can be
 * pasted into a POSIX shell as it is.
 *
 * @module
 */

/**
 * Quote one word for a POSIX shell (left bare when it is safe as is).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shellWord } from "./shell.ts";
 * assert.equal(shellWord("/etc/ssl/certs"), "/etc/ssl/certs");
 * assert.equal(shellWord("it's here"), `'it'\\''s here'`);
 * ```
 */
export function shellWord(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
