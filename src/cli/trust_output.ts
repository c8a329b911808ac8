/**
 * What the trust commands (`trust`, `untrust`, `doctor`) share: printing a store-by-store
 * report, the `--only` store kinds, and the certificates in use that are checked for expiry.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import type { StoreAction, StoreOutcome, TrustReport, TrustStoreKind } from "../trust/mod.ts";
import { issuedIn } from "../trust/expiry.ts";
import { absoluteCaStore, readTrustCa } from "../trust/ca.ts";
import { shellWord } from "../trust/util.ts";
import type { CliContext } from "./args.ts";
import { usageError } from "./args.ts";

const ACTION_LABELS: Record<StoreAction, string> = {
  "added": "added",
  "already-trusted": "already",
  "removed": "removed",
  "not-present": "not there",
  "needs-root": "NEEDS ROOT",
  "unavailable": "unavailable",
  "failed": "FAILED",
};

const LABEL_WIDTH = Math.max(...Object.values(ACTION_LABELS).map((l) => l.length));

/**
 * One store's outcome as lines: `  added        Debian/Ubuntu system store (/usr/local/…): …`,
 * then the commands to run, indented.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outcomeLines } from "./trust_output.ts";
 * const store = { id: "java:/x", kind: "java" as const, name: "Java cacerts", location: "/x", clients: "Java" };
 * const lines = outcomeLines({ store, action: "needs-root", entries: [], message: "needs root.", commands: ["sudo keytool -importcert"] });
 * assert.equal(lines[0], "  NEEDS ROOT   Java cacerts (/x): needs root.");
 * assert.equal(lines[1], "                 sudo keytool -importcert");
 * ```
 */
export function outcomeLines(o: StoreOutcome): string[] {
  const label = ACTION_LABELS[o.action].padEnd(LABEL_WIDTH);
  return [
    `  ${label}  ${o.store.name} (${o.store.location}): ${o.message}`,
    ...o.commands.map((c) => `${" ".repeat(LABEL_WIDTH + 6)}${c}`),
  ];
}

/**
 * Print a trust or untrust report: the CA, each store, warnings (to standard error).
 *
 * @example
 * ```ts ignore
 * printTrustReport(ctx, report);
 * ```
 */
export function printTrustReport(ctx: CliContext, report: TrustReport): void {
  if (report.createdCa) ctx.printError(`Created a new local CA in ${report.ca.file}.`);
  ctx.print(`CA ${report.ca.file}`);
  ctx.print(`   ${report.ca.subject}`);
  ctx.print(
    `   ${report.ca.constrained ? `permits only: ${report.ca.permitted}` : "NOT name-constrained"}`,
  );
  if (report.outcomes.length === 0) ctx.print("  (no trust store found on this machine)");
  for (const o of report.outcomes) for (const line of outcomeLines(o)) ctx.print(line);
  for (const w of report.warnings) ctx.printError(`warning: ${w}`);
}

/**
 * Parse `--only system,nss,java` (repeatable) into store kinds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseKinds } from "./trust_output.ts";
 * assert.deepEqual(parseKinds(["system,nss"]), ["system", "nss"]);
 * assert.equal(parseKinds(undefined), undefined);
 * ```
 */
export function parseKinds(values: string[] | undefined): TrustStoreKind[] | undefined {
  if (!values?.length) return undefined;
  const kinds: TrustStoreKind[] = [];
  for (const word of values.flatMap((v) => v.split(","))) {
    const k = word.trim();
    if (k !== "system" && k !== "nss" && k !== "java") {
      throw usageError(`--only takes system, nss or java (comma-separated), not "${k}"`);
    }
    if (!kinds.includes(k)) kinds.push(k);
  }
  return kinds;
}

/**
 * The certificates in use, checked for expiry: the `--cert` files plus those the CA issued in
 * the current directory (where `tlsmith cert` writes them).
 *
 * @example
 * ```ts ignore
 * const leaves = await leavesInUse(ctx, values.dir, values.cert ?? []);
 * ```
 */
export async function leavesInUse(
  ctx: CliContext,
  dir: string | undefined,
  files: readonly string[],
): Promise<string[]> {
  const { runtime } = ctx;
  const store = await absoluteCaStore(runtime, dir);
  if (!(await runtime.stat(store.certFile))) return [...files];
  try {
    const ca = await readTrustCa(runtime, store.certFile);
    const found = await issuedIn(runtime, runtime.cwd(), ca);
    return [...new Set([...files, ...found])];
  } catch {
    return [...files];
  }
}

/**
 * ` --dir DIR` for the commands tlsmith suggests, when a directory was given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dirArgument } from "./trust_output.ts";
 * assert.equal(dirArgument("/tmp/my ca"), "--dir '/tmp/my ca'");
 * assert.equal(dirArgument(undefined), "");
 * ```
 */
export function dirArgument(dir: string | undefined): string {
  if (dir === undefined) return "";
  return `--dir ${shellWord(dir)}`;
}

/**
 * The error that ends a trust command that could not do everything (exit code 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { incomplete } from "./trust_output.ts";
 * assert.equal(incomplete("2 stores need root").code, "TRUST_INCOMPLETE");
 * ```
 */
export function incomplete(message: string): TlsmithError {
  return new TlsmithError("TRUST_INCOMPLETE", message);
}
