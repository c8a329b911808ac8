/**
 * Trusting the local CA on this machine, as functions: {@linkcode installTrust} puts it into
 * every trust store (system, NSS databases of Chromium and Firefox, Java), {@linkcode
 * uninstallTrust} takes it out again, {@linkcode trustStores} tells which stores hold it,
 * {@linkcode trustEnv} gives the environment for runtimes that ignore the system store (Node,
 * Deno, Bun, Python requests), and {@linkcode checkTrust} asks every client present whether it
 * trusts a certificate from the CA. The CLI's `tlsmith trust`, `untrust`, `env`, `run` and
 * `doctor` are these functions.
 *
 * @example
 * ```ts ignore
 * // Not run: it changes this machine's trust stores.
 * import assert from "node:assert/strict";
 * import { installTrust, uninstallTrust } from "@tlsmith/tlsmith/trust";
 * const report = await installTrust();
 * assert.ok(report.outcomes.every((o) => o.action === "added" || o.action === "already-trusted"));
 * assert.deepEqual((await uninstallTrust()).stillTrusted, []);
 * ```
 *
 * @module
 */

export {
  installTrust,
  type TrustCaSummary,
  type TrustOptions,
  type TrustReport,
  trustStores,
  type TrustStoresOptions,
  type TrustStoreStatus,
  uninstallTrust,
} from "./install.ts";
export {
  checkTrust,
  type CheckTrustOptions,
  type ClientCheck,
  DOCTOR_CLIENTS,
  type TrustCheck,
} from "./doctor.ts";
export {
  envChanges,
  type EnvShell,
  formatEnv,
  type TrustEnv,
  trustEnv,
  type TrustEnvOptions,
  type TrustEnvVar,
} from "./env.ts";
export type { StoreAction, StoreOutcome, TrustStoreInfo, TrustStoreKind } from "./store.ts";
