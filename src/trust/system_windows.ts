/**
 * The Windows system store: the current user's "Trusted Root Certification Authorities"
 * (`certutil -user -addstore Root`; no administrator needed, Windows asks the user to confirm).
 * Windows names certificates by their SHA-1 thumbprint; an entry is ours when its thumbprint is
 * our CA's.
 *
 * Untested on Windows itself: the command lines are unit-tested as the exact arguments they run.
 *
 * @module
 */

import type { Runtime } from "../serve/runtime/types.ts";
import { isTlsmithError } from "../errors.ts";
import type { TrustCa } from "./ca.ts";
import { outcome, type StoreOutcome, type StoreScan, type TrustStore } from "./store.ts";
import { commandLine, failureOf } from "./util.ts";

/**
 * The `certutil` (Windows) arguments tlsmith runs on the user's Root store.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { windowsCommands } from "./system_windows.ts";
 * const c = windowsCommands();
 * assert.deepEqual(c.add("C:\\ca.pem"), ["-user", "-addstore", "Root", "C:\\ca.pem"]);
 * assert.deepEqual(c.find("AB12"), ["-user", "-store", "Root", "AB12"]);
 * assert.deepEqual(c.remove("AB12"), ["-user", "-delstore", "Root", "AB12"]);
 * ```
 */
export function windowsCommands() {
  return {
    find: (sha1: string) => ["-user", "-store", "Root", sha1],
    add: (caFile: string) => ["-user", "-addstore", "Root", caFile],
    remove: (sha1: string) => ["-user", "-delstore", "Root", sha1],
  };
}

/**
 * True when `certutil -store` output lists a certificate with this SHA-1 thumbprint
 * (`Cert Hash(sha1): ab 12 …` or without spaces, any case).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { windowsStoreLists } from "./system_windows.ts";
 * assert.equal(windowsStoreLists("Cert Hash(sha1): ab 12 cd\r\n", "AB12CD"), true);
 * assert.equal(windowsStoreLists("CertUtil: -store command FAILED", "AB12CD"), false);
 * ```
 */
export function windowsStoreLists(output: string, sha1: string): boolean {
  for (const m of output.matchAll(/Cert Hash\(sha1\):\s*([0-9a-fA-F ]+)/g)) {
    if (m[1].replace(/\s/g, "").toUpperCase() === sha1.toUpperCase()) return true;
  }
  return false;
}

class WindowsUserRootStore implements TrustStore {
  readonly kind = "system" as const;
  readonly id = "system:windows";
  readonly name = "Windows user Root store";
  readonly location = "Cert:\\CurrentUser\\Root";
  readonly clients = "Edge, Chrome, curl (Schannel), .NET, Python (urllib), Go";
  readonly #commands = windowsCommands();

  constructor(private runtime: Runtime) {}

  async #certutil(args: string[]) {
    return await this.runtime.run("certutil", args, { timeoutMs: 300_000 });
  }

  async scan(ca: TrustCa): Promise<StoreScan> {
    let r;
    try {
      r = await this.#certutil(this.#commands.find(ca.sha1));
    } catch (err) {
      return { state: "unavailable", message: isTlsmithError(err) ? err.message : String(err) };
    }
    const present = r.code === 0 && windowsStoreLists(r.stdout, ca.sha1);
    return { state: "ok", entries: present ? [ca.sha1] : [], untrusted: [], mixed: [] };
  }

  async add(ca: TrustCa): Promise<StoreOutcome> {
    const args = this.#commands.add(ca.file);
    const r = await this.#certutil(args);
    if (r.code !== 0) {
      return outcome(this, "failed", failureOf("certutil -addstore", r), {
        commands: [commandLine(["certutil", ...args])],
      });
    }
    return outcome(this, "added", `added ${ca.sha1}.`, { entries: [ca.sha1] });
  }

  async remove(_ca: TrustCa, entries: string[]): Promise<StoreOutcome> {
    for (const sha1 of entries) {
      const args = this.#commands.remove(sha1);
      const r = await this.#certutil(args);
      if (r.code !== 0) {
        return outcome(this, "failed", failureOf("certutil -delstore", r), {
          entries,
          commands: [commandLine(["certutil", ...args])],
        });
      }
    }
    return outcome(this, "removed", `removed ${entries.join(", ")}.`, { entries });
  }
}

/**
 * The current user's Root store.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { windowsSystemStore } from "./system_windows.ts";
 * const store = windowsSystemStore(await getRuntime()); // nothing runs until scan(), add() or remove()
 * assert.equal(store.id, "system:windows");
 * assert.equal(store.location, "Cert:\\CurrentUser\\Root");
 * ```
 */
export function windowsSystemStore(runtime: Runtime): TrustStore {
  return new WindowsUserRootStore(runtime);
}
