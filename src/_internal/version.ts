/**
 * The tlsmith version, kept as a constant so no JSON import is needed. The
 * build (`scripts/build_npm.ts`) must check that it equals `version` in deno.json.
 *
 * @module
 */

/**
 * The version of tlsmith (equals `version` in deno.json).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VERSION } from "./version.ts";
 * assert.match(VERSION, /^\d+\.\d+\.\d+/);
 * ```
 */
export const VERSION = "0.2.0";
