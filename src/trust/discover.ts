/**
 * Finding the trust stores of this machine (system, NSS databases, Java keystores), and
 * rebuilding a store from a recorded change.
 *
 * @module
 */

import type { Runtime } from "../serve/runtime/types.ts";
import type { TrustRecordEntry } from "./record.ts";
import type { TrustStore, TrustStoreKind } from "./store.ts";
import { darwinSystemStore } from "./system_darwin.ts";
import { linuxSystemStore, linuxSystemStoreById } from "./system_linux.ts";
import { windowsSystemStore } from "./system_windows.ts";
import { nssStore, nssStores } from "./nss.ts";
import { javaStoreAt, javaStores } from "./java.ts";
import { baseName, exists } from "./util.ts";

/**
 * The system store of this platform, or null when none is known.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { systemStore } from "./discover.ts";
 * const runtime = await getRuntime();
 * // What it finds on a Mac, and on a platform tlsmith has no store for.
 * const mac = await systemStore({ ...runtime, platform: () => "darwin", homeDir: () => "/Users/a" });
 * assert.equal(mac?.name, "macOS login keychain");
 * assert.equal(mac?.location, "/Users/a/Library/Keychains/login.keychain-db");
 * assert.equal(await systemStore({ ...runtime, platform: () => "aix" }), null);
 * ```
 */
export async function systemStore(runtime: Runtime): Promise<TrustStore | null> {
  switch (runtime.platform()) {
    case "linux":
      return await linuxSystemStore(runtime);
    case "darwin":
      return darwinSystemStore(runtime);
    case "win32":
      return windowsSystemStore(runtime);
  }
  return null;
}

/**
 * Every store found on this machine, system first (on Debian its update also feeds Java's),
 * then NSS databases, then Java keystores; only `kinds` when given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { discoverStores } from "./discover.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-home-", async (home) => {
 *   // A Linux home of its own with a Firefox profile.
 *   const profile = `${home}/.mozilla/firefox/dev.default`;
 *   await runtime.mkdir(profile);
 *   await runtime.writeFile(`${profile}/cert9.db`, "");
 *   const sandbox = { ...runtime, platform: () => "linux", homeDir: () => home };
 *   const stores = await discoverStores(sandbox, ["nss"]);
 *   assert.ok(stores.some((s) => s.id === `nss:${profile}` && s.name === "Firefox profile dev.default"));
 *   assert.ok(stores.every((s) => s.kind === "nss"));
 * });
 * ```
 */
export async function discoverStores(
  runtime: Runtime,
  kinds?: readonly TrustStoreKind[],
): Promise<TrustStore[]> {
  const want = (k: TrustStoreKind) => !kinds || kinds.includes(k);
  const stores: TrustStore[] = [];
  if (want("system")) {
    const system = await systemStore(runtime);
    if (system) stores.push(system);
  }
  if (want("nss")) stores.push(...await nssStores(runtime));
  if (want("java")) stores.push(...await javaStores(runtime));
  return stores;
}

/**
 * The store a recorded change was made in, when it still exists.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { storeFromRecord } from "./discover.ts";
 * import type { TrustRecordEntry } from "./record.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-nssdb-", async (db) => {
 *   const change: TrustRecordEntry = {
 *     ca: "00ff",
 *     store: `nss:${db}`,
 *     kind: "nss",
 *     location: db,
 *     entries: ["tlsmith-00ff"],
 *     at: "2030-01-01T00:00:00.000Z",
 *   };
 *   assert.equal((await storeFromRecord(runtime, change))?.id, `nss:${db}`);
 *   assert.equal(await storeFromRecord(runtime, { ...change, location: `${db}/gone` }), null);
 * });
 * ```
 */
export async function storeFromRecord(
  runtime: Runtime,
  entry: TrustRecordEntry,
): Promise<TrustStore | null> {
  switch (entry.kind) {
    case "system": {
      const id = entry.store.replace(/^system:/, "");
      if (id === "macos") {
        return runtime.platform() === "darwin" ? darwinSystemStore(runtime) : null;
      }
      if (id === "windows") {
        return runtime.platform() === "win32" ? windowsSystemStore(runtime) : null;
      }
      return runtime.platform() === "linux" ? linuxSystemStoreById(runtime, id) : null;
    }
    case "nss":
      if (!(await exists(runtime, entry.location))) return null;
      return nssStore(runtime, entry.location, {
        name: `NSS database ${baseName(entry.location)}`,
        clients: "browsers using this NSS database",
      });
    case "java":
      return await javaStoreAt(runtime, entry.location);
  }
}
