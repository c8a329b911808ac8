/**
 * Picks the {@linkcode Runtime} for the current JavaScript runtime: Deno when
 * `globalThis.Deno` exists, else Node (which Bun also runs).
 *
 * @module
 */

import type { Runtime } from "./types.ts";

let cached: Promise<Runtime> | undefined;

/**
 * The runtime tlsmith runs on, created once and cached. Async because the
 * implementation is loaded on demand (Deno code never loads on Node and the
 * other way round).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "./mod.ts";
 * const runtime = await getRuntime();
 * assert.ok(["deno", "node", "bun"].includes(runtime.name));
 * assert.equal(await getRuntime(), runtime); // made once
 * ```
 */
export function getRuntime(): Promise<Runtime> {
  if (!cached) {
    // Deno.version, not Deno.serve: reading Deno.serve loads Deno's HTTP server and its fetch
    // classes (≈ 10 ms), which a command that serves nothing never needs.
    const deno = (globalThis as { Deno?: { version?: { deno?: unknown } } }).Deno;
    const isDeno = typeof deno?.version?.deno === "string";
    cached = isDeno
      ? import("./deno.ts").then((m) => m.createDenoRuntime())
      : import("./node.ts").then((m) => m.createNodeRuntime());
    cached.catch(() => (cached = undefined));
  }
  return cached;
}
