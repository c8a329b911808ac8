/**
 * NSS databases (Chromium/Chrome/Brave/Edge on Linux: `~/.pki/nssdb`; every Firefox profile,
 * including snap and flatpak ones), changed with NSS's `certutil` as mkcert does. The entry is
 * named `tlsmith-<fingerprint>` with trust `C,,` (a CA trusted for TLS servers). Entries are ours
 * only when every certificate under the nickname is byte-identical to our CA.
 *
 * @module
 */

import type { Runtime } from "../serve/runtime/types.ts";
import { isTlsmithError } from "../errors.ts";
import { certificatesIn, type TrustCa } from "./ca.ts";
import { equalBytes } from "../_internal/bytes.ts";
import { outcome, type StoreOutcome, type StoreScan, type TrustStore } from "./store.ts";
import { baseName, commandLine, exists, failureOf, parentDir, pathJoin } from "./util.ts";

/** How to get NSS's `certutil`, per platform. */
export const CERTUTIL_HINT =
  "install NSS's certutil: `sudo apt install libnss3-tools` (Debian/Ubuntu), `sudo dnf install nss-tools` (Fedora/RHEL), `sudo pacman -S nss` (Arch), `brew install nss` (macOS)";

/** The trust flags of a CA trusted to identify TLS servers. */
const CA_TRUST = "C,,";

/** At most this many nicknames are looked at in one database. */
const MAX_NICKNAMES = 500;

/**
 * The nicknames and trust flags of `certutil -L` output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNssList } from "./nss.ts";
 * const out = "\nCertificate Nickname                                         Trust Attributes\n" +
 *   "                                                             SSL,S/MIME,JAR/XPI\n\n" +
 *   "tlsmith ca                                                   C,,  \n" +
 *   "other                                                        ,,   \n";
 * assert.deepEqual(parseNssList(out), [{ nickname: "tlsmith ca", trust: "C,," }, { nickname: "other", trust: ",," }]);
 * ```
 */
export function parseNssList(output: string): { nickname: string; trust: string }[] {
  const out: { nickname: string; trust: string }[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const m = /^(.*\S)\s+([A-Za-z]*,[A-Za-z]*,[A-Za-z]*)$/.exec(line);
    if (!m || m[1].trim() === "Certificate Nickname") continue;
    if (line.trim() === "SSL,S/MIME,JAR/XPI") continue;
    out.push({ nickname: m[1].trim(), trust: m[2] });
  }
  return out;
}

/**
 * The `certutil` command lines tlsmith runs on a database directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nssCommands } from "./nss.ts";
 * const c = nssCommands("/home/a/.pki/nssdb");
 * assert.deepEqual(c.add("tlsmith-00", "/ca.pem"), ["-A", "-d", "sql:/home/a/.pki/nssdb", "-t", "C,,", "-n", "tlsmith-00", "-i", "/ca.pem"]);
 * assert.deepEqual(c.remove("tlsmith-00"), ["-D", "-d", "sql:/home/a/.pki/nssdb", "-n", "tlsmith-00"]);
 * ```
 */
export function nssCommands(dir: string) {
  const db = `sql:${dir}`;
  return {
    create: () => ["-N", "-d", db, "--empty-password"],
    list: () => ["-L", "-d", db],
    show: (nickname: string) => ["-L", "-d", db, "-n", nickname, "-a"],
    add: (nickname: string, caFile: string) => [
      "-A",
      "-d",
      db,
      "-t",
      CA_TRUST,
      "-n",
      nickname,
      "-i",
      caFile,
    ],
    trust: (nickname: string) => ["-M", "-d", db, "-n", nickname, "-t", CA_TRUST],
    remove: (nickname: string) => ["-D", "-d", db, "-n", nickname],
  };
}

/** True when the SSL part of NSS trust flags says "trusted CA" (`C`). */
function trustsServers(trust: string): boolean {
  return trust.split(",")[0].includes("C");
}

/** Options of {@linkcode nssStore}. */
export interface NssStoreOptions {
  /** For people, e.g. `Chromium NSS database`. */
  name: string;
  /** Which browsers read it. */
  clients: string;
  /** Create the database when it is missing (where a browser expects one). */
  create?: boolean;
}

class NssStore implements TrustStore {
  readonly kind = "nss" as const;
  readonly id: string;
  readonly name: string;
  readonly clients: string;
  readonly #create: boolean;
  readonly #commands: ReturnType<typeof nssCommands>;

  constructor(private runtime: Runtime, readonly location: string, options: NssStoreOptions) {
    this.id = `nss:${location}`;
    this.name = options.name;
    this.clients = options.clients;
    this.#create = options.create ?? false;
    this.#commands = nssCommands(location);
  }

  async #certutil(args: string[]) {
    return await this.runtime.run("certutil", args, { timeoutMs: 60_000 });
  }

  async #exists(): Promise<boolean> {
    return await exists(this.runtime, pathJoin(this.runtime.platform(), this.location, "cert9.db"));
  }

  async scan(ca: TrustCa): Promise<StoreScan> {
    if (!(await this.runtime.which("certutil"))) {
      return { state: "unavailable", message: `certutil is not installed; ${CERTUTIL_HINT}.` };
    }
    if (!(await this.#exists())) {
      if (this.#create) {
        return { state: "ok", entries: [], untrusted: [], mixed: [], willCreate: true };
      }
      const old = await exists(
        this.runtime,
        pathJoin(this.runtime.platform(), this.location, "cert8.db"),
      );
      return {
        state: "unavailable",
        message: old
          ? `${this.location} is an old-format (cert8.db) database; start the browser once to upgrade it, then run tlsmith again.`
          : `${this.location} has no NSS database (cert9.db).`,
      };
    }
    let list;
    try {
      list = await this.#certutil(this.#commands.list());
    } catch (err) {
      return { state: "failed", message: isTlsmithError(err) ? err.message : String(err) };
    }
    if (list.code !== 0) {
      return {
        state: "failed",
        message: `cannot read ${this.location}: ${failureOf("certutil -L", list)}`,
      };
    }
    const entries: string[] = [];
    const untrusted: string[] = [];
    const mixed: string[] = [];
    for (const { nickname, trust } of parseNssList(list.stdout).slice(0, MAX_NICKNAMES)) {
      const shown = await this.#certutil(this.#commands.show(nickname));
      if (shown.code !== 0) continue;
      const certs = certificatesIn(shown.stdout);
      const ours = certs.filter((der) => equalBytes(der, ca.der)).length;
      if (ours === 0) continue;
      if (ours !== certs.length) mixed.push(nickname);
      else if (trustsServers(trust)) entries.push(nickname);
      else untrusted.push(nickname);
    }
    return { state: "ok", entries, untrusted, mixed };
  }

  async add(ca: TrustCa, scan: StoreScan & { state: "ok" }): Promise<StoreOutcome> {
    let created = false;
    try {
      if (scan.willCreate) {
        await this.runtime.mkdir(this.location, { mode: 0o700 });
        const r = await this.#certutil(this.#commands.create());
        if (r.code !== 0) {
          return outcome(
            this,
            "failed",
            `could not create the database: ${failureOf("certutil -N", r)}`,
          );
        }
        created = true;
      }
      const changed = scan.untrusted.length ? scan.untrusted : [ca.label];
      for (const nickname of changed) {
        const args = scan.untrusted.length
          ? this.#commands.trust(nickname)
          : this.#commands.add(nickname, ca.file);
        const r = await this.#certutil(args);
        if (r.code !== 0) {
          return outcome(this, "failed", failureOf(`certutil ${args[0]}`, r), {
            commands: [commandLine(["certutil", ...args])],
            createdDatabase: created,
          });
        }
      }
      const check = await this.scan(ca);
      if (check.state !== "ok" || check.entries.length === 0) {
        return outcome(
          this,
          "failed",
          "certutil succeeded, but the database does not trust the CA.",
          {
            createdDatabase: created,
          },
        );
      }
      const what = scan.untrusted.length
        ? `marked ${changed.join(", ")} trusted (C,,)`
        : `added ${ca.label} (trust C,,)`;
      return outcome(this, "added", `${created ? "created the database and " : ""}${what}.`, {
        entries: changed,
        createdDatabase: created,
      });
    } catch (err) {
      return outcome(this, "failed", isTlsmithError(err) ? err.message : String(err), {
        createdDatabase: created,
      });
    }
  }

  async remove(ca: TrustCa, entries: string[]): Promise<StoreOutcome> {
    const removed: string[] = [];
    for (const nickname of entries) {
      const args = this.#commands.remove(nickname);
      let r;
      try {
        r = await this.#certutil(args);
      } catch (err) {
        return outcome(this, "failed", isTlsmithError(err) ? err.message : String(err));
      }
      if (r.code !== 0) {
        return outcome(this, "failed", failureOf("certutil -D", r), {
          entries: removed,
          commands: [commandLine(["certutil", ...args])],
        });
      }
      removed.push(nickname);
    }
    const check = await this.scan(ca);
    if (check.state === "ok" && check.entries.length + check.untrusted.length > 0) {
      return outcome(
        this,
        "failed",
        `the database still holds the CA as ${check.entries.join(", ")}.`,
        {
          entries: removed,
        },
      );
    }
    return outcome(this, "removed", `removed ${removed.join(", ")}.`, { entries: removed });
  }
}

/**
 * An NSS database store at `dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { readTrustCa } from "./ca.ts";
 * import { nssStore } from "./nss.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-home-", async (home) => {
 *   await runtime.writeFile(`${home}/ca.pem`, (await CertificateAuthority.create()).certPem);
 *   const ca = await readTrustCa(runtime, `${home}/ca.pem`);
 *   const store = nssStore(runtime, `${home}/.pki/nssdb`, {
 *     name: "Chromium NSS database",
 *     clients: "Chromium",
 *     create: true,
 *   });
 *   const scan = await store.scan(ca); // with certutil installed: no database yet, made by add
 *   assert.ok(scan.state === "ok" && scan.willCreate);
 *   const added = await store.add(ca, scan);
 *   assert.equal(added.action, "added");
 *   assert.equal(added.createdDatabase, true);
 * });
 * ```
 */
export function nssStore(runtime: Runtime, dir: string, options: NssStoreOptions): TrustStore {
  return new NssStore(runtime, dir, options);
}

const CHROMIUM_BROWSERS = [
  "chromium",
  "chromium-browser",
  "google-chrome",
  "google-chrome-stable",
  "brave-browser",
  "microsoft-edge",
  "vivaldi",
];
const CHROMIUM_CLIENTS = "Chromium, Chrome, Brave, Edge, Vivaldi (Linux)";

/** Profile directories of one Firefox installation: listed ones and those in profiles.ini. */
async function firefoxProfiles(runtime: Runtime, root: string): Promise<string[]> {
  const platform = runtime.platform();
  const found = new Set<string>();
  try {
    for (const e of await runtime.readDir(root)) {
      if (e.isDirectory) found.add(pathJoin(platform, root, e.name));
    }
  } catch {
    return [];
  }
  // Profiles elsewhere: `Path=` with `IsRelative=0` in profiles.ini (beside the profiles on
  // Linux, one level up on macOS and Windows).
  for (const iniDir of [root, parentDir(root)]) {
    const ini = await runtime.readTextFile(pathJoin(platform, iniDir, "profiles.ini"))
      .catch(() => "");
    for (const section of ini.split(/^\[/m)) {
      const path = /^Path=(.+)$/m.exec(section)?.[1]?.trim();
      if (path && /^IsRelative=0\s*$/m.test(section)) found.add(path);
    }
  }
  const out: string[] = [];
  for (const dir of [...found].sort()) {
    if (await exists(runtime, pathJoin(platform, dir, "cert9.db"))) out.push(dir);
    else if (await exists(runtime, pathJoin(platform, dir, "cert8.db"))) out.push(dir);
  }
  return out;
}

/**
 * Every NSS database of the user: Chromium's (created when a Chromium-family browser is
 * installed but has not made it yet), snap and flatpak Chromium's, the system-wide
 * `/etc/pki/nssdb`, and every Firefox profile (normal, snap, flatpak; macOS and Windows too).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { nssStores } from "./nss.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-home-", async (home) => {
 *   // A Linux home of its own with a Firefox profile.
 *   const profile = `${home}/.mozilla/firefox/dev.default`;
 *   await runtime.mkdir(profile);
 *   await runtime.writeFile(`${profile}/cert9.db`, "");
 *   const stores = await nssStores({ ...runtime, platform: () => "linux", homeDir: () => home });
 *   assert.ok(stores.some((s) => s.location === profile && s.name === "Firefox profile dev.default"));
 * });
 * ```
 */
export async function nssStores(runtime: Runtime): Promise<TrustStore[]> {
  const home = runtime.homeDir();
  const platform = runtime.platform();
  const stores: TrustStore[] = [];
  if (!home) return stores;
  const join = (...parts: string[]) => pathJoin(platform, home, ...parts);
  if (platform === "linux") {
    const chromium = join(".pki", "nssdb");
    let browser = false;
    for (const name of CHROMIUM_BROWSERS) {
      if (await runtime.which(name)) {
        browser = true;
        break;
      }
    }
    if (browser || await exists(runtime, chromium)) {
      stores.push(nssStore(runtime, chromium, {
        name: "Chromium NSS database",
        clients: CHROMIUM_CLIENTS,
        create: true,
      }));
    }
    if (await exists(runtime, join("snap", "chromium"))) {
      stores.push(nssStore(runtime, join("snap", "chromium", "current", ".pki", "nssdb"), {
        name: "Chromium (snap) NSS database",
        clients: "Chromium (snap)",
        create: await exists(runtime, join("snap", "chromium", "current")),
      }));
    }
    for (const app of ["org.chromium.Chromium", "com.google.Chrome", "com.brave.Browser"]) {
      const db = join(".var", "app", app, ".pki", "nssdb");
      if (await exists(runtime, db)) {
        stores.push(nssStore(runtime, db, { name: `${app} (flatpak) NSS database`, clients: app }));
      }
    }
    if (await exists(runtime, "/etc/pki/nssdb/cert9.db")) {
      stores.push(nssStore(runtime, "/etc/pki/nssdb", {
        name: "system-wide NSS database",
        clients: "NSS programs that read /etc/pki/nssdb",
      }));
    }
  }
  const firefoxRoots: [string, string][] = platform === "linux"
    ? [
      [join(".mozilla", "firefox"), "Firefox"],
      [join("snap", "firefox", "common", ".mozilla", "firefox"), "Firefox (snap)"],
      [join(".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"), "Firefox (flatpak)"],
    ]
    : platform === "darwin"
    ? [[join("Library", "Application Support", "Firefox", "Profiles"), "Firefox"]]
    : platform === "win32"
    ? [[
      pathJoin(
        platform,
        runtime.env("APPDATA") ?? join("AppData", "Roaming"),
        "Mozilla",
        "Firefox",
        "Profiles",
      ),
      "Firefox",
    ]]
    : [];
  for (const [root, label] of firefoxRoots) {
    for (const profile of await firefoxProfiles(runtime, root)) {
      stores.push(nssStore(runtime, profile, {
        name: `${label} profile ${baseName(profile)}`,
        clients: label,
      }));
    }
  }
  return stores;
}
