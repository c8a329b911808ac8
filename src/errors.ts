/**
 * The one error class of tlsmith. Every failure the library or the CLI reports
 * is a {@linkcode TlsmithError} with a stable {@linkcode TlsmithErrorCode}, so
 * callers can branch on `err.code` and users read a message that says what was
 * wrong, where, and what to do.
 *
 * @module
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export type TlsmithErrorCode =
  | "BAD_PEM"
  | "BAD_DER"
  | "BAD_KEY"
  | "BAD_CERTIFICATE"
  | "BAD_CSR"
  | "BAD_NAME"
  | "BAD_OPTION"
  | "BAD_USAGE"
  | "UNSUPPORTED_KEY_TYPE"
  | "UNSUPPORTED_ALGORITHM"
  | "UNSUPPORTED_RUNTIME"
  | "KEY_MISMATCH"
  | "WRONG_PASSPHRASE"
  | "PASSPHRASE_REQUIRED"
  | "NAME_NOT_PERMITTED"
  | "CHAIN_INVALID"
  | "CSR_SIGNATURE_INVALID"
  | "CA_NOT_FOUND"
  | "CA_EXPIRED"
  | "FILE_EXISTS"
  | "FILE_NOT_FOUND"
  | "FILE_ERROR"
  | "SERVE_FAILED"
  | "LIMIT_EXCEEDED"
  | "UPSTREAM_UNREACHABLE"
  | "APP_LOAD_FAILED"
  | "DEV_SERVER_FAILED"
  | "COMMAND_FAILED"
  | "CA_UNCONSTRAINED"
  | "TRUST_INCOMPLETE"
  | "CA_UNTRUSTED"
  | "FETCH_FAILED"
  | "CANCELLED";

/**
 * An error with a stable machine-readable `code` and a human message.
 *
 * @example Branch on the code
 * ```ts
 * import assert from "node:assert/strict";
 * import { TlsmithError } from "./errors.ts";
 * import { decodePem } from "./pem.ts";
 *
 * let message = "";
 * try {
 *   decodePem("hello", { source: "cert.pem" });
 * } catch (err) {
 *   if (err instanceof TlsmithError && err.code === "BAD_PEM") message = err.message;
 * }
 * assert.equal(message, 'cert.pem: no PEM block found: there is no "-----BEGIN …-----" line.');
 * ```
 */
export class TlsmithError extends Error {
  /** The stable code of this error, e.g. `"WRONG_PASSPHRASE"`. */
  readonly code: TlsmithErrorCode;

  /**
   * Create an error with a stable code and a message that says what was wrong, where, and what to do.
   *
   * @param code stable code
   * @param message what was wrong, where, and what to do
   * @param options standard error options (`cause`)
   */
  constructor(
    code: TlsmithErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TlsmithError";
    this.code = code;
  }
}

/**
 * True when `err` is a {@linkcode TlsmithError}, optionally with the given code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTlsmithError, TlsmithError } from "./errors.ts";
 * const err: unknown = new TlsmithError("BAD_NAME", "bad name");
 * assert.equal(isTlsmithError(err), true);
 * assert.equal(isTlsmithError(err, "BAD_NAME"), true);
 * assert.equal(isTlsmithError(err, "BAD_PEM"), false);
 * assert.equal(isTlsmithError(new Error("bad name")), false);
 * ```
 */
export function isTlsmithError(
  err: unknown,
  code?: TlsmithErrorCode,
): err is TlsmithError {
  return err instanceof TlsmithError &&
    (code === undefined || err.code === code);
}

/**
 * The `"<source>: "` prefix of an error message when the input's origin (a
 * file name) is known, otherwise the empty string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sourcePrefix } from "./errors.ts";
 * assert.equal(sourcePrefix("key.pem") + "the key is damaged.", "key.pem: the key is damaged.");
 * assert.equal(sourcePrefix() + "the key is damaged.", "the key is damaged.");
 * ```
 */
export function sourcePrefix(source?: string): string {
  return source ? `${source}: ` : "";
}
