/**
 * What a trust store is to tlsmith (system, NSS database, Java keystore), and what doing
 * something to one reports. Each kind lives in its own file (`system_linux.ts`,
 * `system_darwin.ts`, `system_windows.ts`, `nss.ts`, `java.ts`).
 *
 * @module
 */

import type { TrustCa } from "./ca.ts";

/** The kinds of trust store: the operating system's, an NSS database (browsers), Java's. */
export type TrustStoreKind = "system" | "nss" | "java";

/** A trust store as tlsmith reports it. */
export interface TrustStoreInfo {
  /** Stable id, e.g. `system:debian`, `nss:/home/a/.pki/nssdb`, `java:/etc/ssl/certs/java/cacerts`. */
  id: string;
  /** Which kind of store. */
  kind: TrustStoreKind;
  /** A name for people, e.g. `Debian/Ubuntu system store`, `Firefox profile abc.default`. */
  name: string;
  /** Where it is: a directory, a database or a keystore file. */
  location: string;
  /** Which clients read it, e.g. `curl, OpenSSL, Python, Go`. */
  clients: string;
}

/** What was done to a store (or why nothing could be). */
export type StoreAction =
  | "added"
  | "already-trusted"
  | "removed"
  | "not-present"
  | "needs-root"
  | "unavailable"
  | "failed";

/** The result of installing into or removing from one store. */
export interface StoreOutcome {
  /** The store. */
  store: TrustStoreInfo;
  /** What happened. */
  action: StoreAction;
  /** The entries (file, nickname, alias, hash) that hold our CA, added or removed. */
  entries: string[];
  /** One sentence for people: what was done, or what is wrong and what to do. */
  message: string;
  /** Commands to run to finish the job (e.g. with sudo), one shell line each. */
  commands: string[];
  /** True when tlsmith created the store (an NSS database where a browser expects one). */
  createdDatabase?: boolean;
}

/** What a store holds of our CA. */
export type StoreScan =
  | {
    state: "ok";
    /** Entries that are exactly our CA and trusted. */
    entries: string[];
    /** Entries that are exactly our CA but not trusted for servers (NSS without `C`). */
    untrusted: string[];
    /** Entries (files, nicknames) that hold our CA together with other certificates: never touched. */
    mixed: string[];
    /** The store does not exist yet but would be created by `add` (an NSS database). */
    willCreate?: boolean;
  }
  | {
    state: "unavailable" | "failed";
    /** What is wrong and what to do. */
    message: string;
  };

/** One trust store and what tlsmith can do with it. */
export interface TrustStore extends TrustStoreInfo {
  /** Find our CA (by exact DER) in the store. */
  scan(ca: TrustCa): Promise<StoreScan>;
  /** Add our CA (the caller has checked that it is not there yet). */
  add(ca: TrustCa, scan: StoreScan & { state: "ok" }): Promise<StoreOutcome>;
  /** Remove the given entries, each holding exactly our CA. */
  remove(ca: TrustCa, entries: string[]): Promise<StoreOutcome>;
}

/**
 * The plain description of a store (without its methods), as reports carry it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { storeInfo } from "./store.ts";
 * const info = storeInfo({ id: "java:/x", kind: "java", name: "Java", location: "/x", clients: "Java" });
 * assert.deepEqual(Object.keys(info), ["id", "kind", "name", "location", "clients"]);
 * ```
 */
export function storeInfo(store: TrustStoreInfo): TrustStoreInfo {
  return {
    id: store.id,
    kind: store.kind,
    name: store.name,
    location: store.location,
    clients: store.clients,
  };
}

/**
 * Build a {@linkcode StoreOutcome}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outcome } from "./store.ts";
 * const store = { id: "java:/x", kind: "java" as const, name: "Java", location: "/x", clients: "Java" };
 * const o = outcome(store, "added", "added it", { entries: ["tlsmith-0011"] });
 * assert.equal(o.action, "added");
 * assert.deepEqual(o.commands, []);
 * ```
 */
export function outcome(
  store: TrustStoreInfo,
  action: StoreAction,
  message: string,
  extra: { entries?: string[]; commands?: string[]; createdDatabase?: boolean } = {},
): StoreOutcome {
  return {
    store: storeInfo(store),
    action,
    entries: extra.entries ?? [],
    message,
    commands: extra.commands ?? [],
    ...(extra.createdDatabase ? { createdDatabase: true } : {}),
  };
}
