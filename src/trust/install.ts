/**
 * Installing the local CA into every trust store of the machine and removing it again:
 * {@linkcode installTrust}, {@linkcode uninstallTrust} and {@linkcode trustStores}.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { getRuntime } from "../serve/runtime/mod.ts";
import type { Runtime } from "../serve/runtime/types.ts";
import { ensureStoredCa, readStoredCa } from "../ca/store.ts";
import { absoluteCaStore, holdsCa, readTrustCa, type TrustCa } from "./ca.ts";
import { expiryWarnings } from "./expiry.ts";
import { discoverStores, storeFromRecord } from "./discover.ts";
import { readRecord, recordAdded, writeRecord } from "./record.ts";
import {
  outcome,
  storeInfo,
  type StoreOutcome,
  type TrustStore,
  type TrustStoreInfo,
  type TrustStoreKind,
} from "./store.ts";

/** The CA a report is about. */
export interface TrustCaSummary {
  /** Its certificate file (`ca.pem`). */
  file: string;
  /** Its subject. */
  subject: string;
  /** SHA-256 of its certificate (hex). */
  sha256: string;
  /** End of validity (ISO date). */
  notAfter: string;
  /** True when it is name-constrained. */
  constrained: boolean;
  /** The names it may certify. */
  permitted: string;
}

/** Options of {@linkcode installTrust} and {@linkcode uninstallTrust}. */
export interface TrustOptions {
  /** The CA directory (default `$TLSMITH_CA_DIR` or the user data directory). */
  dir?: string;
  /** Trust a CA without name constraints (it could then vouch for any web site). */
  force?: boolean;
  /** Only these kinds of store (default: all). */
  kinds?: readonly TrustStoreKind[];
  /** Certificate files in use, checked for expiry along with the CA. */
  leaves?: readonly string[];
  /** The current time, for expiry warnings. */
  now?: Date;
}

/** What {@linkcode installTrust} or {@linkcode uninstallTrust} did. */
export interface TrustReport {
  /** The CA. */
  ca: TrustCaSummary;
  /** True when `installTrust` created the CA because there was none. */
  createdCa: boolean;
  /** One outcome per store, in the order they were handled. */
  outcomes: StoreOutcome[];
  /** Things to know: expiry, entries holding our CA among others, a damaged record, … */
  warnings: string[];
  /** For `uninstallTrust`: stores that still (or may still: they failed or need root) trust the CA. */
  stillTrusted: TrustStoreInfo[];
  /** True when every store ended as asked (nothing needs root, failed or is unavailable). */
  complete: boolean;
}

function summary(ca: TrustCa): TrustCaSummary {
  return {
    file: ca.file,
    subject: ca.subject,
    sha256: ca.sha256,
    notAfter: ca.notAfter.toISOString(),
    constrained: ca.constrained,
    permitted: ca.permitted,
  };
}

/**
 * Refuse a CA without name constraints unless `force`: such a CA, once trusted, could vouch for
 * any web site, so a leaked key would let its holder impersonate every site to this machine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertConstrained } from "./install.ts";
 * assert.throws(() => assertConstrained({ constrained: false, file: "ca.pem" }, false), /CA_UNCONSTRAINED|name constraints/);
 * assertConstrained({ constrained: false, file: "ca.pem" }, true);
 * ```
 */
export function assertConstrained(ca: Pick<TrustCa, "constrained" | "file">, force?: boolean) {
  if (ca.constrained || force) return;
  throw new TlsmithError(
    "CA_UNCONSTRAINED",
    `${ca.file} has no name constraints: once trusted it can vouch for ANY web site (your bank, your mail), so anyone who obtains its key could impersonate every site to this machine. Nothing was changed. Use a constrained CA (\`tlsmith ca init --force\` makes one), or pass --force to trust this one anyway.`,
  );
}

/** The CA of `dir`, created (certificate and key) when the directory has none and `create`. */
async function loadCa(
  runtime: Runtime,
  dir: string | undefined,
  create: boolean,
): Promise<{ ca: TrustCa; created: boolean; dir: string }> {
  let store = await absoluteCaStore(runtime, dir);
  let created = false;
  if (create) {
    created = await ensureStoredCa(runtime, store);
    if (created) store = await absoluteCaStore(runtime, store.dir);
  } else if (!(await readStoredCa(runtime, store))) {
    throw new TlsmithError(
      "CA_NOT_FOUND",
      `no local CA in ${store.dir} (no ca.pem), so there is nothing to untrust. Pass the CA directory with --dir DIR if it is elsewhere.`,
    );
  }
  return { ca: await readTrustCa(runtime, store.certFile), created, dir: store.dir };
}

function mixedWarning(store: TrustStoreInfo, mixed: string[]): string {
  return `${store.name} (${store.location}): ${
    mixed.join(", ")
  } hold the CA together with other certificates, so tlsmith leaves them alone; edit them by hand.`;
}

function failure(err: unknown): string {
  return err instanceof TlsmithError ? err.message : String(err);
}

/**
 * Install the local CA (`ca.pem` of the CA directory, created when missing) into every trust
 * store of this machine: the system store, every NSS database (Chromium, each Firefox profile)
 * and every Java keystore. Each store is handled on its own: one that needs root reports the
 * exact commands to run with sudo, one that cannot be read or written is reported and left
 * as it was. Every addition is recorded in `trust.json` so {@linkcode uninstallTrust} can undo
 * it. A CA without name constraints is refused (`CA_UNCONSTRAINED`) unless `force`.
 *
 * @example
 * ```ts ignore
 * // Not run: it changes this machine's trust stores (installTrustOn's example runs in a sandbox).
 * import assert from "node:assert/strict";
 * import { installTrust } from "./install.ts";
 * const report = await installTrust();
 * assert.equal(report.complete, true, report.outcomes.map((o) => o.message).join("\n"));
 * ```
 */
export async function installTrust(options: TrustOptions = {}): Promise<TrustReport> {
  return await installTrustOn(await getRuntime(), options);
}

/**
 * {@linkcode installTrust} on a given runtime (the CLI passes its own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { installTrustOn } from "./install.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-home-", async (home) => {
 *   // A sandbox: a home of its own with a Firefox profile (an NSS database made by certutil),
 *   // seen as macOS, where every NSS database is in the home.
 *   const profile = `${home}/Library/Application Support/Firefox/Profiles/dev.default`;
 *   await runtime.mkdir(profile);
 *   await runtime.run("certutil", ["-N", "-d", `sql:${profile}`, "--empty-password"]);
 *   const sandbox = { ...runtime, platform: () => "darwin", homeDir: () => home };
 *
 *   const report = await installTrustOn(sandbox, { dir: `${home}/ca`, kinds: ["nss"] });
 *   assert.equal(report.createdCa, true); // the directory had no CA: one was made
 *   assert.deepEqual(report.outcomes.map((o) => [o.store.name, o.action]), [
 *     ["Firefox profile dev.default", "added"],
 *   ]);
 * });
 * ```
 */
export async function installTrustOn(
  runtime: Runtime,
  options: TrustOptions,
): Promise<TrustReport> {
  const { ca, created, dir } = await loadCa(runtime, options.dir, true);
  assertConstrained(ca, options.force);
  const warnings = await expiryWarnings(runtime, ca, options.leaves ?? [], options.now);
  const record = await readRecord(runtime, dir);
  if (record.problem) warnings.push(record.problem);
  const outcomes: StoreOutcome[] = [];
  for (const store of await discoverStores(runtime, options.kinds)) {
    outcomes.push(await installInto(store, ca, warnings));
  }
  const wasUntrusted = record.untrusted.includes(ca.sha256);
  if (outcomes.some((o) => o.action === "added") || wasUntrusted) {
    const changes = recordAdded(record.changes, ca.sha256, outcomes, options.now);
    const untrusted = record.untrusted.filter((u) => u !== ca.sha256);
    try {
      await writeRecord(runtime, record.file, { changes, untrusted });
    } catch (err) {
      warnings.push(`could not record the changes in ${record.file}: ${failure(err)}`);
    }
  }
  return {
    ca: summary(ca),
    createdCa: created,
    outcomes,
    warnings,
    stillTrusted: [],
    complete: outcomes.every((o) => o.action === "added" || o.action === "already-trusted"),
  };
}

async function installInto(store: TrustStore, ca: TrustCa, warnings: string[]) {
  try {
    const scan = await store.scan(ca);
    if (scan.state !== "ok") return outcome(store, scan.state, scan.message);
    if (scan.mixed.length) warnings.push(mixedWarning(store, scan.mixed));
    if (scan.entries.length) {
      return outcome(store, "already-trusted", `already trusts it (${scan.entries.join(", ")}).`, {
        entries: scan.entries,
      });
    }
    return await store.add(ca, scan);
  } catch (err) {
    return outcome(store, "failed", failure(err));
  }
}

/**
 * Remove the local CA from every store it was added to (by the record) and every store it is
 * found in, then check that no store still trusts it. Only entries whose certificate is
 * byte-identical to the CA are removed; an entry holding it among other certificates is left
 * alone and reported. The CA itself stays in its directory.
 *
 * @example
 * ```ts ignore
 * // Not run: it changes this machine's trust stores (uninstallTrustOn's example runs in a sandbox).
 * import assert from "node:assert/strict";
 * import { uninstallTrust } from "./install.ts";
 * const report = await uninstallTrust();
 * assert.deepEqual(report.stillTrusted, []);
 * ```
 */
export async function uninstallTrust(options: TrustOptions = {}): Promise<TrustReport> {
  return await uninstallTrustOn(await getRuntime(), options);
}

/**
 * {@linkcode uninstallTrust} on a given runtime (the CLI passes its own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { installTrustOn, uninstallTrustOn } from "./install.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-home-", async (home) => {
 *   // A sandbox: a home of its own with a Firefox profile (an NSS database made by certutil),
 *   // seen as macOS, where every NSS database is in the home.
 *   const profile = `${home}/Library/Application Support/Firefox/Profiles/dev.default`;
 *   await runtime.mkdir(profile);
 *   await runtime.run("certutil", ["-N", "-d", `sql:${profile}`, "--empty-password"]);
 *   const sandbox = { ...runtime, platform: () => "darwin", homeDir: () => home };
 *   await installTrustOn(sandbox, { dir: `${home}/ca`, kinds: ["nss"] });
 *
 *   const report = await uninstallTrustOn(sandbox, { dir: `${home}/ca`, kinds: ["nss"] });
 *   assert.deepEqual(report.outcomes.map((o) => o.action), ["removed"]);
 *   assert.deepEqual(report.stillTrusted, []);
 *   assert.equal(report.complete, true);
 * });
 * ```
 */
export async function uninstallTrustOn(
  runtime: Runtime,
  options: TrustOptions,
): Promise<TrustReport> {
  const { ca, dir } = await loadCa(runtime, options.dir, false);
  const warnings: string[] = [];
  const record = await readRecord(runtime, dir);
  if (record.problem) warnings.push(record.problem);
  const stores = await discoverStores(runtime, options.kinds);
  const known = new Set(stores.map((s) => s.id));
  for (const change of record.changes) {
    if (change.ca !== ca.sha256 || known.has(change.store)) continue;
    if (options.kinds && !options.kinds.includes(change.kind)) continue;
    known.add(change.store);
    const store = await storeFromRecord(runtime, change);
    if (store) stores.push(store);
    else {
      warnings.push(
        `${change.location} (recorded on ${
          change.at.slice(0, 10)
        }) no longer exists; nothing to remove there.`,
      );
    }
  }
  const recorded = new Set(record.changes.filter((c) => c.ca === ca.sha256).map((c) => c.store));
  const outcomes: StoreOutcome[] = [];
  for (const store of stores) outcomes.push(await removeFrom(store, ca, warnings));

  // Each store's removal checked its own result (the store scanned again, the bundle read); a
  // store that needs root or failed may still hold the CA.
  const stillTrusted: TrustStoreInfo[] = outcomes
    .filter((o) => o.action === "needs-root" || o.action === "failed")
    .map((o) => o.store);
  for (const name of ["NODE_EXTRA_CA_CERTS", "DENO_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"]) {
    const file = runtime.env(name);
    if (!file) continue;
    const content = await runtime.readFile(file).catch(() => null);
    if (content && holdsCa(content, ca) !== "none") {
      warnings.push(
        `${name}=${file} still makes programs started from this shell trust the CA: unset it (and remove \`eval "$(tlsmith env)"\` from your shell profile).`,
      );
    }
  }
  const undone = new Set(
    outcomes.filter((o) => o.action === "removed" || o.action === "not-present").map((o) =>
      o.store.id
    ),
  );
  const kept = record.changes.filter((c) => !(c.ca === ca.sha256 && undone.has(c.store)));
  // A partial untrust (--only) leaves `tlsmith env` working.
  const untrusted = record.untrusted.includes(ca.sha256) || options.kinds
    ? record.untrusted
    : [...record.untrusted, ca.sha256];
  if (kept.length !== record.changes.length || untrusted !== record.untrusted) {
    try {
      await writeRecord(runtime, record.file, { changes: kept, untrusted });
    } catch (err) {
      warnings.push(`could not update ${record.file}: ${failure(err)}`);
    }
  }
  return {
    ca: summary(ca),
    createdCa: false,
    outcomes,
    warnings,
    stillTrusted,
    complete: stillTrusted.length === 0 &&
      outcomes.every((o) =>
        o.action === "removed" || o.action === "not-present" ||
        // A store that cannot be looked at is only a problem when tlsmith added the CA there.
        (o.action === "unavailable" && !recorded.has(o.store.id))
      ),
  };
}

async function removeFrom(store: TrustStore, ca: TrustCa, warnings: string[]) {
  try {
    const scan = await store.scan(ca);
    if (scan.state !== "ok") return outcome(store, scan.state, scan.message);
    if (scan.mixed.length) warnings.push(mixedWarning(store, scan.mixed));
    const entries = [...scan.entries, ...scan.untrusted];
    if (!entries.length) return outcome(store, "not-present", "does not hold it.");
    return await store.remove(ca, entries);
  } catch (err) {
    return outcome(store, "failed", failure(err));
  }
}

/** A trust store and whether it holds the local CA. */
export interface TrustStoreStatus extends TrustStoreInfo {
  /** `trusted`, `not-trusted`, or why it cannot be told (`unavailable`, `failed`, `no-ca`). */
  state: "trusted" | "not-trusted" | "unavailable" | "failed" | "no-ca";
  /** The entries holding the CA. */
  entries: string[];
  /** What is wrong, when the state says so. */
  message: string;
}

/** Options of {@linkcode trustStores}. */
export interface TrustStoresOptions {
  /** The CA directory (default `$TLSMITH_CA_DIR` or the user data directory). */
  dir?: string;
}

/**
 * The trust stores of this machine and whether each holds the local CA (read only: nothing
 * is changed, and no CA is created).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trustStores } from "./install.ts";
 * const stores = await trustStores({ dir: "/nonexistent/tlsmith-ca" });
 * assert.ok(stores.every((s) => s.state === "no-ca"));
 * ```
 */
export async function trustStores(options: TrustStoresOptions = {}): Promise<TrustStoreStatus[]> {
  return await trustStoresOn(await getRuntime(), options);
}

/**
 * {@linkcode trustStores} on a given runtime (the CLI passes its own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { installTrustOn, trustStoresOn } from "./install.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-home-", async (home) => {
 *   // A sandbox: a home of its own with a Firefox profile (an NSS database made by certutil),
 *   // seen as macOS, where every NSS database is in the home.
 *   const profile = `${home}/Library/Application Support/Firefox/Profiles/dev.default`;
 *   await runtime.mkdir(profile);
 *   await runtime.run("certutil", ["-N", "-d", `sql:${profile}`, "--empty-password"]);
 *   const sandbox = { ...runtime, platform: () => "darwin", homeDir: () => home };
 *   const firefox = async () =>
 *     (await trustStoresOn(sandbox, { dir: `${home}/ca` })).find((s) => s.kind === "nss");
 *   assert.equal((await firefox())?.state, "no-ca");
 *   await installTrustOn(sandbox, { dir: `${home}/ca`, kinds: ["nss"] });
 *   assert.equal((await firefox())?.state, "trusted");
 * });
 * ```
 */
export async function trustStoresOn(
  runtime: Runtime,
  options: TrustStoresOptions,
): Promise<TrustStoreStatus[]> {
  let ca: TrustCa | null = null;
  const store = await absoluteCaStore(runtime, options.dir);
  const files = await readStoredCa(runtime, store).catch(() => null);
  if (files) ca = await readTrustCa(runtime, store.certFile);
  const out: TrustStoreStatus[] = [];
  for (const store of await discoverStores(runtime)) {
    if (!ca) {
      out.push({ ...storeInfo(store), state: "no-ca", entries: [], message: "no local CA yet." });
      continue;
    }
    const scan = await store.scan(ca).catch((err) => ({
      state: "failed" as const,
      message: failure(err),
    }));
    out.push(
      scan.state === "ok"
        ? {
          ...storeInfo(store),
          state: scan.entries.length ? "trusted" : "not-trusted",
          entries: scan.entries,
          message: "",
        }
        : { ...storeInfo(store), state: scan.state, entries: [], message: scan.message },
    );
  }
  return out;
}
