/**
 * The record of every change `tlsmith trust` made (`trust.json` in the CA directory), so that
 * `tlsmith untrust` can undo each one even when the store is no longer found by looking (a
 * Firefox profile elsewhere, a keystore of a Java no longer on PATH).
 *
 * @module
 */

import type { Runtime } from "../serve/runtime/types.ts";
import { isTlsmithError } from "../errors.ts";
import type { StoreOutcome, TrustStoreKind } from "./store.ts";
import { pathJoin } from "./util.ts";

/** The record's file name in the CA directory. */
export const RECORD_FILE = "trust.json";

/** One change: our CA added to a store. */
export interface TrustRecordEntry {
  /** SHA-256 (hex) of the CA certificate that was added. */
  ca: string;
  /** The store's id (`system:debian`, `nss:/home/a/.pki/nssdb`, …). */
  store: string;
  /** The store's kind. */
  kind: TrustStoreKind;
  /** The store's location. */
  location: string;
  /** The entries that were added (file, nickname, alias, hash). */
  entries: string[];
  /** When, as an ISO date. */
  at: string;
  /** True when tlsmith created the store itself (an NSS database). */
  createdDatabase?: boolean;
}

/** The record file's content. */
export interface TrustRecord {
  /** Format version. */
  version: 1;
  /** Changes, oldest first. */
  changes: TrustRecordEntry[];
  /**
   * SHA-256 (hex) of CAs that `tlsmith untrust` removed: `tlsmith env` and `tlsmith run` no
   * longer make anything trust them, until `tlsmith trust` trusts them again.
   */
  untrusted?: string[];
}

function validEntry(e: unknown): e is TrustRecordEntry {
  const x = e as Partial<TrustRecordEntry> | null;
  return typeof x === "object" && x !== null && typeof x.ca === "string" &&
    typeof x.store === "string" && typeof x.location === "string" &&
    (x.kind === "system" || x.kind === "nss" || x.kind === "java") &&
    Array.isArray(x.entries) && x.entries.every((s) => typeof s === "string") &&
    typeof x.at === "string";
}

/**
 * Parse a record file's text; anything malformed is null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRecord } from "./record.ts";
 * assert.equal(parseRecord("{"), null);
 * assert.deepEqual(parseRecord('{"version":1,"changes":[]}'), { changes: [], untrusted: [] });
 * ```
 */
export function parseRecord(
  text: string,
): { changes: TrustRecordEntry[]; untrusted: string[] } | null {
  try {
    const data = JSON.parse(text) as Partial<TrustRecord>;
    if (data?.version !== 1 || !Array.isArray(data.changes) || !data.changes.every(validEntry)) {
      return null;
    }
    const untrusted = data.untrusted ?? [];
    if (!Array.isArray(untrusted) || !untrusted.every((u) => typeof u === "string")) return null;
    return { changes: data.changes, untrusted };
  } catch {
    return null;
  }
}

/** The record of a CA directory. */
export interface LoadedRecord {
  /** Where it is. */
  file: string;
  /** The changes it lists. */
  changes: TrustRecordEntry[];
  /** CAs untrusted since (SHA-256 hex). */
  untrusted: string[];
  /** A problem reading it, for a warning (the record is then treated as empty). */
  problem?: string;
}

/**
 * Read the record of `dir` (empty when there is none). A damaged record is kept as
 * `trust.json.damaged` before anything writes a new one, and reported as a problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { readRecord } from "./record.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (caDir) => {
 *   const record = await readRecord(runtime, caDir);
 *   assert.equal(record.file, `${caDir}/trust.json`);
 *   assert.deepEqual(record.changes, []); // no record yet
 *   await runtime.writeFile(record.file, "{ damaged");
 *   const damaged = await readRecord(runtime, caDir);
 *   assert.match(damaged.problem ?? "", /trust\.json is damaged and was ignored/);
 *   assert.ok(await runtime.stat(`${record.file}.damaged`)); // kept
 * });
 * ```
 */
export async function readRecord(runtime: Runtime, dir: string): Promise<LoadedRecord> {
  const file = pathJoin(runtime.platform(), dir, RECORD_FILE);
  let text: string;
  try {
    text = await runtime.readTextFile(file);
  } catch (err) {
    if (isTlsmithError(err, "FILE_NOT_FOUND")) return { file, changes: [], untrusted: [] };
    return {
      file,
      changes: [],
      untrusted: [],
      problem: isTlsmithError(err) ? err.message : String(err),
    };
  }
  const parsed = parseRecord(text);
  if (parsed) return { file, ...parsed };
  const kept = `${file}.damaged`;
  await runtime.writeFile(kept, text, { overwrite: true, mode: 0o644 }).catch(() => {});
  return {
    file,
    changes: [],
    untrusted: [],
    problem:
      `${file} is damaged and was ignored (kept as ${kept}); stores are still searched for the CA.`,
  };
}

/**
 * Record of the outcomes that added something.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordAdded } from "./record.ts";
 * const store = { id: "java:/x", kind: "java" as const, name: "Java", location: "/x", clients: "Java" };
 * const changes = recordAdded([], "00ff", [{ store, action: "added", entries: ["tlsmith-00"], message: "", commands: [] }], new Date(0));
 * assert.equal(changes.length, 1);
 * assert.equal(changes[0].at, "1970-01-01T00:00:00.000Z");
 * ```
 */
export function recordAdded(
  changes: readonly TrustRecordEntry[],
  ca: string,
  outcomes: readonly StoreOutcome[],
  now = new Date(),
): TrustRecordEntry[] {
  const out = [...changes];
  for (const o of outcomes) {
    if (o.action !== "added") continue;
    out.push({
      ca,
      store: o.store.id,
      kind: o.store.kind,
      location: o.store.location,
      entries: o.entries,
      at: now.toISOString(),
      ...(o.createdDatabase ? { createdDatabase: true } : {}),
    });
  }
  return out;
}

/**
 * Write the record atomically (replacing the old one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { readRecord, writeRecord } from "./record.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (caDir) => {
 *   const record = await readRecord(runtime, caDir);
 *   const changes = [{
 *     ca: "00ff",
 *     store: "system:debian",
 *     kind: "system" as const,
 *     location: "/usr/local/share/ca-certificates",
 *     entries: ["/usr/local/share/ca-certificates/tlsmith-00ff.crt"],
 *     at: "2030-01-01T00:00:00.000Z",
 *   }];
 *   await writeRecord(runtime, record.file, { changes, untrusted: [] });
 *   assert.deepEqual((await readRecord(runtime, caDir)).changes, changes);
 * });
 * ```
 */
export async function writeRecord(
  runtime: Runtime,
  file: string,
  content: { changes: readonly TrustRecordEntry[]; untrusted: readonly string[] },
): Promise<void> {
  const record: TrustRecord = {
    version: 1,
    changes: [...content.changes],
    untrusted: [...content.untrusted],
  };
  await runtime.writeFile(file, JSON.stringify(record, null, 2) + "\n", {
    overwrite: true,
    mode: 0o644,
  });
}
