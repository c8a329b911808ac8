/**
 * The Linux system trust store: a file in the distribution's anchor directory plus its update
 * command (Debian/Ubuntu `update-ca-certificates`, Fedora/RHEL `update-ca-trust extract`, Arch
 * `trust extract-compat`, openSUSE `update-ca-certificates`), as mkcert does. The anchor file is
 * named `tlsmith-<fingerprint>.crt`; only files holding exactly our CA are ever removed.
 *
 * @module
 */

import type { Runtime } from "../serve/runtime/types.ts";
import { isTlsmithError } from "../errors.ts";
import { holdsCa, type TrustCa } from "./ca.ts";
import { outcome, type StoreOutcome, type StoreScan, type TrustStore } from "./store.ts";
import { commandLine, exists, failureOf, isRoot, pathJoin } from "./util.ts";

/** One distribution family's way of adding a CA to the system store. */
export interface LinuxSystemLayout {
  /** `debian`, `fedora`, `arch` or `suse`. */
  id: string;
  /** For people, e.g. `Debian/Ubuntu system store`. */
  name: string;
  /** Where administrators put extra CA certificates. */
  anchorDir: string;
  /** The file name ending the update command picks up (`.crt` on Debian). */
  extension: string;
  /** The command that rebuilds the store from the anchors. */
  update: readonly string[];
  /** The bundle the update command writes (what OpenSSL, curl and Python read). */
  bundle: string;
  /** Where the update command links each certificate (Debian), or null. */
  linkDir: string | null;
  /** The package that provides the update command. */
  packageHint: string;
}

/** The layouts tlsmith knows, in the order they are looked for (mkcert's order). */
export const LINUX_SYSTEM_LAYOUTS: readonly LinuxSystemLayout[] = [
  {
    id: "fedora",
    name: "Fedora/RHEL system store",
    anchorDir: "/etc/pki/ca-trust/source/anchors",
    extension: ".pem",
    update: ["update-ca-trust", "extract"],
    bundle: "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    linkDir: null,
    packageHint: "sudo dnf install ca-certificates",
  },
  {
    id: "debian",
    name: "Debian/Ubuntu system store",
    anchorDir: "/usr/local/share/ca-certificates",
    extension: ".crt",
    update: ["update-ca-certificates"],
    bundle: "/etc/ssl/certs/ca-certificates.crt",
    linkDir: "/etc/ssl/certs",
    packageHint: "sudo apt install ca-certificates",
  },
  {
    id: "arch",
    name: "Arch system store",
    anchorDir: "/etc/ca-certificates/trust-source/anchors",
    extension: ".crt",
    update: ["trust", "extract-compat"],
    bundle: "/etc/ssl/certs/ca-certificates.crt",
    linkDir: null,
    packageHint: "sudo pacman -S ca-certificates p11-kit",
  },
  {
    id: "suse",
    name: "openSUSE system store",
    anchorDir: "/usr/share/pki/trust/anchors",
    extension: ".pem",
    update: ["update-ca-certificates"],
    bundle: "/var/lib/ca-certificates/ca-bundle.pem",
    linkDir: null,
    packageHint: "sudo zypper install ca-certificates",
  },
];

/**
 * The CA bundles OpenSSL-based clients read on the common systems (Go's list): the first that
 * exists is "the system's CAs" for `SSL_CERT_FILE` and the doctor.
 */
export const SYSTEM_BUNDLES: readonly string[] = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/pki/tls/cacert.pem",
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  "/etc/ssl/cert.pem",
];

const CLIENTS = "curl, wget, OpenSSL, Python (urllib), Go, Java on Debian (ca-certificates-java)";

/** At most this many files are read from an anchor directory. */
const MAX_ANCHOR_FILES = 2000;
/** Files larger than this are not certificates we wrote. */
const MAX_ANCHOR_SIZE = 1024 * 1024;

/**
 * The commands that install `caFile` as `target` and rebuild the store, as root runs them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LINUX_SYSTEM_LAYOUTS, linuxInstallCommands } from "./system_linux.ts";
 * const debian = LINUX_SYSTEM_LAYOUTS.find((l) => l.id === "debian")!;
 * assert.deepEqual(linuxInstallCommands(debian, "/home/a/ca.pem", "/usr/local/share/ca-certificates/tlsmith-00.crt"), [
 *   ["install", "-m", "644", "/home/a/ca.pem", "/usr/local/share/ca-certificates/tlsmith-00.crt"],
 *   ["update-ca-certificates"],
 * ]);
 * ```
 */
export function linuxInstallCommands(
  layout: LinuxSystemLayout,
  caFile: string,
  target: string,
): string[][] {
  return [["install", "-m", "644", caFile, target], [...layout.update]];
}

/**
 * The commands that remove `files` (anchors holding exactly our CA, and links to them) and
 * rebuild the store.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LINUX_SYSTEM_LAYOUTS, linuxRemoveCommands } from "./system_linux.ts";
 * const fedora = LINUX_SYSTEM_LAYOUTS.find((l) => l.id === "fedora")!;
 * assert.deepEqual(linuxRemoveCommands(fedora, ["/etc/pki/ca-trust/source/anchors/tlsmith-00.pem"]), [
 *   ["rm", "-f", "/etc/pki/ca-trust/source/anchors/tlsmith-00.pem"],
 *   ["update-ca-trust", "extract"],
 * ]);
 * ```
 */
export function linuxRemoveCommands(layout: LinuxSystemLayout, files: string[]): string[][] {
  return [["rm", "-f", ...files], [...layout.update]];
}

function sudo(commands: string[][]): string[] {
  return commands.map((c) => `sudo ${commandLine(c)}`);
}

async function listFiles(runtime: Runtime, dir: string, depth: number, out: string[]) {
  let entries;
  try {
    entries = await runtime.readDir(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    if (out.length >= MAX_ANCHOR_FILES) return;
    const path = pathJoin("linux", dir, e.name);
    if (e.isDirectory && depth > 0) await listFiles(runtime, path, depth - 1, out);
    else if (e.isFile || e.isSymlink) out.push(path);
  }
}

/** The Linux system store of one layout. */
class LinuxSystemStore implements TrustStore {
  readonly kind = "system" as const;
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly clients = CLIENTS;

  constructor(private runtime: Runtime, readonly layout: LinuxSystemLayout) {
    this.id = `system:${layout.id}`;
    this.name = layout.name;
    this.location = layout.anchorDir;
  }

  async #bundleHolds(ca: TrustCa): Promise<boolean> {
    try {
      return holdsCa(await this.runtime.readFile(this.layout.bundle), ca) !== "none";
    } catch {
      return false;
    }
  }

  async scan(ca: TrustCa): Promise<StoreScan> {
    if (!(await this.runtime.which(this.layout.update[0]))) {
      return {
        state: "unavailable",
        message: `${
          this.layout.update[0]
        } is not installed; install it with \`${this.layout.packageHint}\`.`,
      };
    }
    const files: string[] = [];
    await listFiles(this.runtime, this.layout.anchorDir, 2, files);
    const entries: string[] = [];
    const mixed: string[] = [];
    for (const file of files) {
      const info = await this.runtime.stat(file).catch(() => null);
      if (!info?.isFile || info.size > MAX_ANCHOR_SIZE) continue;
      let content: Uint8Array;
      try {
        content = await this.runtime.readFile(file);
      } catch {
        continue;
      }
      const held = holdsCa(content, ca);
      if (held === "only") entries.push(file);
      else if (held === "among") mixed.push(file);
    }
    // An anchor the update command has not picked up yet does not make anyone trust the CA.
    const active = entries.length > 0 && await this.#bundleHolds(ca);
    return {
      state: "ok",
      entries: active ? entries : [],
      untrusted: active ? [] : entries,
      mixed,
    };
  }

  async #update(): Promise<string | null> {
    const [cmd, ...args] = this.layout.update;
    try {
      const r = await this.runtime.run(cmd, args, { timeoutMs: 300_000 });
      return r.code === 0 ? null : failureOf(commandLine(this.layout.update), r);
    } catch (err) {
      return isTlsmithError(err) ? err.message : String(err);
    }
  }

  async add(ca: TrustCa, scan: StoreScan & { state: "ok" }): Promise<StoreOutcome> {
    const target = pathJoin("linux", this.layout.anchorDir, ca.label + this.layout.extension);
    const pending = scan.untrusted;
    const commands = pending.length
      ? [[...this.layout.update]]
      : linuxInstallCommands(this.layout, ca.file, target);
    if (!isRoot(this.runtime) && this.runtime.userId() !== null) {
      return outcome(
        this,
        "needs-root",
        `changing ${this.layout.anchorDir} needs root; run the commands below.`,
        { commands: sudo(commands) },
      );
    }
    if (!pending.length) {
      try {
        await this.runtime.writeFile(target, ca.pem, { mode: 0o644 });
      } catch (err) {
        const message = isTlsmithError(err) ? err.message : String(err);
        return outcome(this, "failed", `could not write ${target}: ${message}`, {
          commands: sudo(commands),
        });
      }
    }
    const failed = await this.#update();
    const check = await this.scan(ca);
    if (failed || check.state !== "ok" || check.entries.length === 0) {
      if (!pending.length) {
        // Leave the store as it was: take our file out again and rebuild.
        await this.runtime.remove(target).catch(() => {});
        await this.#update();
      }
      return outcome(
        this,
        "failed",
        failed ??
          `${commandLine(this.layout.update)} ran, but ${this.layout.bundle} does not hold the CA.`,
      );
    }
    return outcome(
      this,
      "added",
      `added ${pending.length ? pending.join(", ") : target} and ran ${
        commandLine(this.layout.update)
      }.`,
      { entries: pending.length ? pending : [target] },
    );
  }

  /** Links the update command made to `files` (Debian's /etc/ssl/certs), found before removal. */
  async #linksTo(files: string[]): Promise<string[]> {
    if (!this.layout.linkDir) return [];
    const targets = new Set<string>();
    for (const f of files) {
      const real = await this.runtime.realPath(f).catch(() => null);
      if (real) targets.add(real);
    }
    let entries;
    try {
      entries = await this.runtime.readDir(this.layout.linkDir);
    } catch {
      return [];
    }
    const links: string[] = [];
    for (const e of entries) {
      if (!e.isSymlink) continue;
      const path = pathJoin("linux", this.layout.linkDir, e.name);
      const real = await this.runtime.realPath(path).catch(() => null);
      if (real && targets.has(real)) links.push(path);
    }
    return links;
  }

  async remove(ca: TrustCa, entries: string[]): Promise<StoreOutcome> {
    const links = await this.#linksTo(entries);
    const commands = linuxRemoveCommands(this.layout, [...entries, ...links]);
    if (!isRoot(this.runtime) && this.runtime.userId() !== null) {
      return outcome(
        this,
        "needs-root",
        `changing ${this.layout.anchorDir} needs root; run the commands below.`,
        { commands: sudo(commands), entries },
      );
    }
    for (const file of [...entries, ...links]) {
      try {
        await this.runtime.remove(file);
      } catch (err) {
        const message = isTlsmithError(err) ? err.message : String(err);
        return outcome(this, "failed", `could not remove ${file}: ${message}`, {
          commands: sudo(commands),
        });
      }
    }
    const failed = await this.#update();
    if (failed) {
      return outcome(this, "failed", failed, { commands: sudo([[...this.layout.update]]) });
    }
    if (await this.#bundleHolds(ca)) {
      return outcome(
        this,
        "failed",
        `removed ${
          entries.join(", ")
        }, but ${this.layout.bundle} still holds the CA (it is installed some other way, e.g. in /usr/share/ca-certificates); remove it there.`,
      );
    }
    return outcome(
      this,
      "removed",
      `removed ${entries.join(", ")} and ran ${commandLine(this.layout.update)}.`,
      { entries },
    );
  }
}

/**
 * The system store of this Linux machine: the first layout whose anchor directory exists, or
 * null when none does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { linuxSystemStore } from "./system_linux.ts";
 * const runtime = await getRuntime();
 * // A Fedora machine: only its anchor directory exists.
 * const dir = { isFile: false, isDirectory: true, size: 0, mtime: null };
 * const fedora = {
 *   ...runtime,
 *   stat: (path: string) => Promise.resolve(path === "/etc/pki/ca-trust/source/anchors" ? dir : null),
 * };
 * assert.equal((await linuxSystemStore(fedora))?.name, "Fedora/RHEL system store");
 * assert.equal(await linuxSystemStore({ ...runtime, stat: () => Promise.resolve(null) }), null);
 * ```
 */
export async function linuxSystemStore(runtime: Runtime): Promise<TrustStore | null> {
  for (const layout of LINUX_SYSTEM_LAYOUTS) {
    if (await exists(runtime, layout.anchorDir)) return new LinuxSystemStore(runtime, layout);
  }
  return null;
}

/**
 * The system store of a layout by its id (`debian`, …), e.g. to undo a recorded change.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { linuxSystemStoreById } from "./system_linux.ts";
 * const runtime = await getRuntime();
 * assert.equal(linuxSystemStoreById(runtime, "debian")?.location, "/usr/local/share/ca-certificates");
 * assert.equal(linuxSystemStoreById(runtime, "plan9"), null);
 * ```
 */
export function linuxSystemStoreById(runtime: Runtime, id: string): TrustStore | null {
  const layout = LINUX_SYSTEM_LAYOUTS.find((l) => l.id === id);
  return layout ? new LinuxSystemStore(runtime, layout) : null;
}

/**
 * The first system CA bundle that exists (see {@linkcode SYSTEM_BUNDLES}), or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemBundle } from "./system_linux.ts";
 * // A machine with only RHEL's bundle.
 * const file = { isFile: true, isDirectory: false, size: 220_000, mtime: null };
 * const rhel = {
 *   stat: (path: string) => Promise.resolve(path === "/etc/pki/tls/certs/ca-bundle.crt" ? file : null),
 * };
 * assert.equal(await systemBundle(rhel), "/etc/pki/tls/certs/ca-bundle.crt");
 * assert.equal(await systemBundle({ stat: () => Promise.resolve(null) }), null);
 * ```
 */
export async function systemBundle(runtime: Pick<Runtime, "stat">): Promise<string | null> {
  for (const bundle of SYSTEM_BUNDLES) {
    const info = await runtime.stat(bundle).catch(() => null);
    if (info?.isFile) return bundle;
  }
  return null;
}
