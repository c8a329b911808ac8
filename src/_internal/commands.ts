/**
 * The pieces of the commands tlsmith suggests in its messages: quoting for a POSIX shell, file
 * arguments that can be pasted as they are, and the openssl command that turns a DER file into
 * PEM, fitted to what the file holds. (The key readers' own suggestions are in
 * `keys/commands.ts`, built from these.)
 *
 * @module
 */

/**
 * Quote one word for a POSIX shell (left bare when it is safe as is).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shellWord } from "./commands.ts";
 * assert.equal(shellWord("/etc/ssl/certs"), "/etc/ssl/certs");
 * assert.equal(shellWord("it's here"), `'it'\\''s here'`);
 * ```
 */
export function shellWord(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * `source` when it can be pasted into a shell as it is, else `fallback`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileArgument } from "./commands.ts";
 * assert.equal(fileArgument("certs/key.der", "key.der"), "certs/key.der");
 * assert.equal(fileArgument("my key.der", "key.der"), "key.der");
 * ```
 */
export function fileArgument(source: string | undefined, fallback: string): string {
  return source && /^[A-Za-z0-9._\/+:@%=,-]+$/.test(source) && !source.startsWith("-")
    ? source
    : fallback;
}

/**
 * `input` with its extension replaced by `suffix` (`key.pem` → `key-aes.pem`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withSuffix } from "./commands.ts";
 * assert.equal(withSuffix("key.der", ".pem"), "key.pem");
 * ```
 */
export function withSuffix(input: string, suffix: string): string {
  return input.replace(/\.(pem|key|der|crt|cer|csr|req|p8|pk8|p12|pfx)$/i, "") + suffix;
}

/** What a file holds, for {@linkcode derToPemCommand}. */
export type PemKind = "certificate" | "private key" | "certificate request";

/**
 * The openssl command that writes the DER file `source` as PEM, for what it holds: `x509` for a
 * certificate, `pkey` for a private key (an encrypted one stays encrypted: `-aes256` asks for a
 * pass phrase), `req` for a CSR. The output name is the input's with `.pem` (never the input
 * itself).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { derToPemCommand } from "./commands.ts";
 * assert.equal(
 *   derToPemCommand("private key", "key.der"),
 *   "openssl pkey -inform DER -in key.der -out key.pem",
 * );
 * assert.equal(
 *   derToPemCommand("certificate", "server.pem"),
 *   "openssl x509 -inform DER -in server.pem -out server-converted.pem",
 * );
 * ```
 *
 * @param kind what the file holds
 * @param source the file name (a placeholder is used when it cannot be pasted as it is)
 * @param options `encrypted` for an encrypted private key
 */
export function derToPemCommand(
  kind: PemKind,
  source: string | undefined,
  options: { encrypted?: boolean } = {},
): string {
  const fallback = kind === "private key"
    ? "key.der"
    : kind === "certificate"
    ? "cert.der"
    : "req.der";
  const file = fileArgument(source, fallback);
  let out = withSuffix(file, ".pem");
  if (out === file) out = withSuffix(file, "-converted.pem");
  const tool = kind === "private key" ? "pkey" : kind === "certificate" ? "x509" : "req";
  const keep = kind === "private key" && options.encrypted ? " -aes256" : "";
  return `openssl ${tool} -inform DER -in ${file}${keep} -out ${out}`;
}
