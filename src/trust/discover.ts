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
 * ```ts ignore
 * console.log((await systemStore(runtime))?.name);
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
 * ```ts ignore
 * for (const s of await discoverStores(runtime)) console.log(s.id);
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
 * ```ts ignore
 * const store = await storeFromRecord(runtime, record.changes[0]);
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
