/**
 * The macOS system store: the user's login keychain, with the CA added as a trusted root by
 * `security add-trusted-cert` (no sudo; macOS asks for the user's password). Entries are
 * certificates whose DER is byte-identical to our CA, named by their SHA-1 hash.
 *
 * Untested on macOS itself: the command lines are unit-tested as the exact arguments they run.
 *
 * @module
 */

import type { Runtime } from "../serve/runtime/types.ts";
import { isTlsmithError } from "../errors.ts";
import { equalBytes } from "../_internal/bytes.ts";
import { certificatesIn, type TrustCa } from "./ca.ts";
import { outcome, type StoreOutcome, type StoreScan, type TrustStore } from "./store.ts";
import { commandLine, failureOf, pathJoin } from "./util.ts";

/**
 * The `security` arguments tlsmith runs on a keychain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { darwinCommands } from "./system_darwin.ts";
 * const c = darwinCommands("/Users/a/Library/Keychains/login.keychain-db");
 * assert.deepEqual(c.add("/ca.pem"), ["add-trusted-cert", "-r", "trustRoot", "-k", "/Users/a/Library/Keychains/login.keychain-db", "/ca.pem"]);
 * assert.deepEqual(c.find(), ["find-certificate", "-a", "-Z", "-p", "/Users/a/Library/Keychains/login.keychain-db"]);
 * assert.deepEqual(c.untrust("/ca.pem"), ["remove-trusted-cert", "/ca.pem"]);
 * assert.deepEqual(c.remove("AB12"), ["delete-certificate", "-Z", "AB12", "/Users/a/Library/Keychains/login.keychain-db"]);
 * ```
 */
export function darwinCommands(keychain: string) {
  return {
    find: () => ["find-certificate", "-a", "-Z", "-p", keychain],
    add: (caFile: string) => ["add-trusted-cert", "-r", "trustRoot", "-k", keychain, caFile],
    untrust: (caFile: string) => ["remove-trusted-cert", caFile],
    remove: (sha1: string) => ["delete-certificate", "-Z", sha1, keychain],
  };
}

/**
 * The certificates of `security find-certificate -a -Z -p` output: SHA-1 hash and DER.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePem } from "../pem.ts";
 * import { parseDarwinFind } from "./system_darwin.ts";
 * const out = "SHA-256 hash: 00\nSHA-1 hash: AB12\nkeychain: \"/k\"\n" + encodePem("CERTIFICATE", new Uint8Array([0x30, 0]));
 * assert.deepEqual(parseDarwinFind(out).map((c) => c.sha1), ["AB12"]);
 * ```
 */
export function parseDarwinFind(output: string): { sha1: string; der: Uint8Array | null }[] {
  return output.split(/^SHA-1 hash: /m).slice(1).map((part) => {
    const sha1 = part.slice(0, part.indexOf("\n") < 0 ? undefined : part.indexOf("\n")).trim();
    return { sha1, der: certificatesIn(part)[0] ?? null };
  });
}

class DarwinLoginStore implements TrustStore {
  readonly kind = "system" as const;
  readonly id = "system:macos";
  readonly name = "macOS login keychain";
  readonly clients = "Safari, Chrome, Edge, curl (macOS), Swift/URLSession, Go";
  readonly #commands: ReturnType<typeof darwinCommands>;

  constructor(private runtime: Runtime, readonly location: string) {
    this.#commands = darwinCommands(location);
  }

  async #security(args: string[]) {
    return await this.runtime.run("security", args, { timeoutMs: 300_000 });
  }

  async scan(ca: TrustCa): Promise<StoreScan> {
    let r;
    try {
      r = await this.#security(this.#commands.find());
    } catch (err) {
      return { state: "unavailable", message: isTlsmithError(err) ? err.message : String(err) };
    }
    if (r.code !== 0) {
      return {
        state: "failed",
        message: `cannot read ${this.location}: ${failureOf("security", r)}`,
      };
    }
    const entries = parseDarwinFind(r.stdout)
      .filter((c) => c.der !== null && equalBytes(c.der, ca.der))
      .map((c) => c.sha1);
    return { state: "ok", entries, untrusted: [], mixed: [] };
  }

  async add(ca: TrustCa): Promise<StoreOutcome> {
    const args = this.#commands.add(ca.file);
    const r = await this.#security(args);
    if (r.code !== 0) {
      return outcome(this, "failed", failureOf("security add-trusted-cert", r), {
        commands: [commandLine(["security", ...args])],
      });
    }
    return outcome(this, "added", `added ${ca.sha1} as a trusted root.`, { entries: [ca.sha1] });
  }

  async remove(ca: TrustCa, entries: string[]): Promise<StoreOutcome> {
    await this.#security(this.#commands.untrust(ca.file)); // no trust settings is fine
    for (const sha1 of entries) {
      const args = this.#commands.remove(sha1);
      const r = await this.#security(args);
      if (r.code !== 0) {
        return outcome(this, "failed", failureOf("security delete-certificate", r), {
          entries,
          commands: [commandLine(["security", ...args])],
        });
      }
    }
    return outcome(this, "removed", `removed ${entries.join(", ")}.`, { entries });
  }
}

/**
 * The login keychain store of the user, or null without a home directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { darwinSystemStore } from "./system_darwin.ts";
 * const runtime = { ...await getRuntime(), homeDir: () => "/Users/a" };
 * const store = darwinSystemStore(runtime); // nothing runs until scan(), add() or remove()
 * assert.equal(store?.id, "system:macos");
 * assert.equal(store?.location, "/Users/a/Library/Keychains/login.keychain-db");
 * assert.equal(darwinSystemStore({ ...runtime, homeDir: () => undefined }), null);
 * ```
 */
export function darwinSystemStore(runtime: Runtime): TrustStore | null {
  const home = runtime.homeDir();
  if (!home) return null;
  return new DarwinLoginStore(
    runtime,
    pathJoin("darwin", home, "Library", "Keychains", "login.keychain-db"),
  );
}
