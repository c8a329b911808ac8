/**
 * The commands the key readers' error messages suggest, each fitted to the input it is about: a
 * PEM or a DER key file, a .p12 file, the cipher that needs OpenSSL 3's legacy provider. One
 * place, so that a message never offers a command that cannot work on the file at hand (the key
 * tests run each of them).
 *
 * @module
 */

import { fileArgument, withSuffix } from "../_internal/commands.ts";

/** What a message is about: the file name (if any) and whether it is DER rather than PEM. */
export interface InputKind {
  /** The file name, used in the command when it is safe to paste into a shell. */
  source?: string;
  /** True for binary DER input (the command then needs `-inform DER`). */
  der?: boolean;
}

export { fileArgument };

/**
 * The command that re-encrypts a key OpenSSL reads into PBES2 with PBKDF2-HMAC-SHA256 and
 * AES-256-CBC, which tlsmith reads. `legacy` adds OpenSSL 3's legacy provider (DES, RC2, RC4,
 * MD5-based PBE); `iterations` sets `-iter` (for a file that asks for too many).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reencryptKeyCommand } from "./commands.ts";
 * assert.equal(
 *   reencryptKeyCommand({ source: "key.der", der: true }),
 *   "openssl pkcs8 -topk8 -v2 aes-256-cbc -inform DER -in key.der -out key-aes.pem",
 * );
 * ```
 */
export function reencryptKeyCommand(
  input: InputKind,
  options: { legacy?: boolean; iterations?: number } = {},
): string {
  const file = fileArgument(input.source, "key.pem");
  return [
    "openssl pkcs8 -topk8 -v2 aes-256-cbc",
    options.iterations ? `-iter ${options.iterations}` : "",
    options.legacy ? "-provider legacy -provider default" : "",
    input.der ? "-inform DER" : "",
    `-in ${file} -out ${withSuffix(file, "-aes.pem")}`,
  ].filter(Boolean).join(" ");
}

/**
 * The command that rewrites an EC key with explicit curve parameters to name its curve.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { namedCurveCommand } from "./commands.ts";
 * assert.equal(
 *   namedCurveCommand({ source: "ec.pem" }),
 *   "openssl ec -in ec.pem -param_enc named_curve -out ec-named.pem",
 * );
 * ```
 */
export function namedCurveCommand(input: InputKind): string {
  const file = fileArgument(input.source, "key.pem");
  return `openssl ec ${input.der ? "-inform DER " : ""}-in ${file} -param_enc named_curve ` +
    `-out ${withSuffix(file, "-named.pem")}`;
}

/**
 * The commands that make a new key of a kind tlsmith uses (for inputs that cannot be converted:
 * DSA, RSA-PSS, other curves).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newKeyCommands } from "./commands.ts";
 * assert.match(newKeyCommands("rsa"), /rsa_keygen_bits:2048/);
 * ```
 */
export function newKeyCommands(kind: "ec" | "rsa" = "ec"): string {
  return kind === "rsa"
    ? "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem` or " +
      "`tlsmith key generate --type rsa --out key.pem`"
    : "`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem` or " +
      "`tlsmith key generate --out key.pem`";
}

/**
 * The commands that re-export a .p12 file with OpenSSL 3's defaults (PBES2, AES-256-CBC, a
 * SHA-256 MAC). `legacy` reads the old file with the legacy provider (RC4; tlsmith reads RC2 and
 * 3DES itself).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reexportPkcs12Command } from "./commands.ts";
 * assert.match(reexportPkcs12Command({ source: "old.pfx" }, { legacy: true }), /-in old.pfx -legacy/);
 * ```
 */
export function reexportPkcs12Command(
  input: InputKind,
  options: { legacy?: boolean } = {},
): string {
  const file = fileArgument(input.source, "old.p12");
  return `openssl pkcs12 -in ${file}${options.legacy ? " -legacy" : ""} -nodes -out all.pem && ` +
    "openssl pkcs12 -export -in all.pem -out new.p12";
}
