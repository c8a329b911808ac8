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
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import type { TrustReport } from "../trust/mod.ts";
 * import { printTrustReport } from "./trust_output.ts";
 * const report: TrustReport = {
 *   ca: {
 *     file: "/home/ada/.local/share/tlsmith/ca.pem",
 *     subject: "CN=tlsmith development CA",
 *     sha256: "C1:40:…",
 *     notAfter: "2036-11-30T13:39:22.000Z",
 *     constrained: true,
 *     permitted: "localhost, test",
 *   },
 *   createdCa: false,
 *   outcomes: [{
 *     store: {
 *       id: "java:/jdk",
 *       kind: "java",
 *       name: "Java cacerts",
 *       location: "/jdk",
 *       clients: "Java",
 *     },
 *     action: "needs-root",
 *     entries: [],
 *     message: "needs root.",
 *     commands: ["sudo keytool -importcert …"],
 *   }],
 *   warnings: ["localhost.pem expires in 3 days."],
 *   stillTrusted: [],
 *   complete: false,
 * };
 * const out: string[] = [];
 * const err: string[] = [];
 * const runtime = await getRuntime();
 * printTrustReport({ runtime, print: (l) => out.push(l), printError: (l) => err.push(l) }, report);
 * assert.deepEqual(out, [
 *   "CA /home/ada/.local/share/tlsmith/ca.pem",
 *   "   CN=tlsmith development CA",
 *   "   permits only: localhost, test",
 *   "  NEEDS ROOT   Java cacerts (/jdk): needs root.",
 *   "                 sudo keytool -importcert …",
 * ]);
 * assert.deepEqual(err, ["warning: localhost.pem expires in 3 days."]);
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { caStore, createStoredCa } from "../ca/store.ts";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { leavesInUse } from "./trust_output.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-work-", async (work) => {
 *   const { ca } = await createStoredCa(runtime, caStore(runtime, `${work}/ca`), {});
 *   await runtime.writeFile(`${work}/localhost.pem`, (await ca.issue(["localhost"])).chain);
 *   await runtime.writeFile(`${work}/notes.txt`, "not a certificate");
 *   // Run in `work`: the certificate the CA issued there is found.
 *   const inWork = { ...runtime, cwd: () => work };
 *   const ctx = { runtime: inWork, print: () => {}, printError: () => {} };
 *   assert.deepEqual(await leavesInUse(ctx, `${work}/ca`, ["/srv/api.pem"]), [
 *     "/srv/api.pem",
 *     `${work}/localhost.pem`,
 *   ]);
 * });
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
