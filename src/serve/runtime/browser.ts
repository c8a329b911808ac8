/**
 * The runtime of a browser bundle: there is none. The npm package's `browser` field maps
 * `runtime/mod.js` to this file, so a browser bundle of `tlsmith` carries no Deno or Node code;
 * `serve()` and the other runtime features say why they cannot run.
 *
 * @module
 */

import { TlsmithError } from "../../errors.ts";
import type { Runtime } from "./types.ts";

/**
 * Always rejects: serving HTTPS and touching files need Deno, Node or Bun.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "./browser.ts";
 * await assert.rejects(getRuntime(), { code: "UNSUPPORTED_RUNTIME" });
 * ```
 */
export function getRuntime(): Promise<Runtime> {
  return Promise.reject(
    new TlsmithError(
      "UNSUPPORTED_RUNTIME",
      "this needs Deno, Node (20.19+) or Bun: a browser cannot serve HTTPS or read files. " +
        "The certificate and key functions (adhocCert, CertificateAuthority, createCsr, …) work here.",
    ),
  );
}
