/**
 * The local CA's directory: where it lives (`$TLSMITH_CA_DIR`, else the platform's user data
 * directory), reading it (`ca.pem` + `ca-key.pem`) and creating it. Runtime-free: every file
 * operation goes through a {@linkcode StoreFiles}, which the runtime adapters implement.
 *
 * @module
 */

import { CertificateAuthority, type CreateAuthorityOptions } from "./authority.ts";
import { exportPrivateKey, isEncryptedPrivateKey, type Passphrase } from "../keys/formats.ts";
import { TlsmithError } from "../errors.ts";
import { shellWord } from "../_internal/commands.ts";
import { type GroupFiles, recoverFileGroup, writeFileGroup } from "../_internal/file_group.ts";

/** What the store needs of a runtime (the runtime adapters' `Runtime` has all of it). */
export interface StoreFiles extends GroupFiles {
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
  /** The user's home directory, if known. */
  homeDir(): string | undefined;
  /** Read a whole file as UTF-8 (`FILE_NOT_FOUND` when missing). */
  readTextFile(path: string): Promise<string>;
  /** Create a directory and its parents. */
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
}

/** The files of a CA store. */
export interface CaStore {
  /** The directory. */
  dir: string;
  /** `DIR/ca.pem`. */
  certFile: string;
  /** `DIR/ca-key.pem`. */
  keyFile: string;
}

function separator(runtime: StoreFiles): string {
  return runtime.platform() === "win32" ? "\\" : "/";
}

/**
 * Join a directory and a file name with the platform's separator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { joinPath } from "./store.ts";
 * const runtime = await getRuntime();
 * const linux = { ...runtime, platform: () => "linux" };
 * assert.equal(joinPath(linux, "/home/a/tlsmith", "ca.pem"), "/home/a/tlsmith/ca.pem");
 * const windows = { ...runtime, platform: () => "win32" };
 * assert.equal(joinPath(windows, "C:\\Users\\a", "ca.pem"), "C:\\Users\\a\\ca.pem");
 * assert.equal(joinPath(windows, "C:\\Users\\a\\", "ca.pem"), "C:\\Users\\a\\ca.pem");
 * ```
 */
export function joinPath(runtime: StoreFiles, dir: string, name: string): string {
  const sep = separator(runtime);
  return dir.endsWith("/") || dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/**
 * The default CA directory: `$TLSMITH_CA_DIR`, else the platform's user data
 * directory plus `tlsmith`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { defaultCaDir } from "./store.ts";
 * const env = (vars: Record<string, string>) => (name: string) => vars[name];
 * const runtime = await getRuntime();
 * const linux = { ...runtime, platform: () => "linux", homeDir: () => "/home/ada", env: env({}) };
 * assert.equal(defaultCaDir(linux), "/home/ada/.local/share/tlsmith");
 * const mac = { ...linux, platform: () => "darwin" };
 * assert.equal(defaultCaDir(mac), "/home/ada/Library/Application Support/tlsmith");
 * assert.equal(defaultCaDir({ ...mac, env: env({ TLSMITH_CA_DIR: "/srv/ca" }) }), "/srv/ca");
 * ```
 */
export function defaultCaDir(runtime: StoreFiles): string {
  const explicit = runtime.env("TLSMITH_CA_DIR");
  if (explicit) return explicit;
  const platform = runtime.platform();
  const home = runtime.homeDir();
  if (platform === "win32") {
    const local = runtime.env("LOCALAPPDATA") ?? (home ? `${home}\\AppData\\Local` : undefined);
    if (local) return `${local}\\tlsmith`;
  } else if (platform === "darwin") {
    if (home) return `${home}/Library/Application Support/tlsmith`;
  } else {
    const xdg = runtime.env("XDG_DATA_HOME");
    if (xdg && xdg.startsWith("/")) return `${xdg}/tlsmith`;
    if (home) return `${home}/.local/share/tlsmith`;
  }
  throw new TlsmithError(
    "CA_NOT_FOUND",
    "cannot tell where to keep the local CA: no home directory is known. Set TLSMITH_CA_DIR or pass --dir DIR.",
  );
}

/**
 * The store at `dir` (or the default one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { caStore } from "./store.ts";
 * const runtime = { ...await getRuntime(), platform: () => "linux" };
 * const { dir, certFile, keyFile } = caStore(runtime, "/srv/ca");
 * assert.deepEqual([dir, certFile, keyFile], ["/srv/ca", "/srv/ca/ca.pem", "/srv/ca/ca-key.pem"]);
 * const home = { ...runtime, homeDir: () => "/home/ada", env: () => undefined };
 * assert.equal(caStore(home).certFile, "/home/ada/.local/share/tlsmith/ca.pem");
 * ```
 */
export function caStore(runtime: StoreFiles, dir?: string): CaStore {
  const d = dir ?? defaultCaDir(runtime);
  return {
    dir: d,
    certFile: joinPath(runtime, d, "ca.pem"),
    keyFile: joinPath(runtime, d, "ca-key.pem"),
  };
}

async function ownerName(runtime: StoreFiles): Promise<string | undefined> {
  const user = runtime.env("USER") ?? runtime.env("USERNAME") ?? runtime.env("LOGNAME");
  let host = runtime.env("HOSTNAME") ?? runtime.env("COMPUTERNAME");
  if (!host && runtime.platform() !== "win32") {
    try {
      host = (await runtime.readTextFile("/etc/hostname")).trim() || undefined;
    } catch {
      host = undefined;
    }
  }
  if (user && host) return `${user}@${host}`;
  return user ?? host;
}

/** Options of {@linkcode createStoredCa}. */
export interface CreateStoredCaOptions
  extends Pick<CreateAuthorityOptions, "keyType" | "permit" | "nameConstraints" | "days"> {
  /** Encrypt `ca-key.pem` with this pass phrase. */
  passphrase?: string;
  /** Replace an existing CA; the old files are kept as `*.bak`. */
  force?: boolean;
}

/** What {@linkcode createStoredCa} did. */
export interface CreatedStoredCa {
  /** The new CA. */
  ca: CertificateAuthority;
  /** Old files kept as `*.bak` (with `force`). */
  kept: { file: string; backup: string }[];
}

/** A CA made in memory by {@linkcode newStoredCa}, not written yet. */
export interface NewStoredCa {
  /** The CA. */
  ca: CertificateAuthority;
  /** `ca-key.pem` as it will be written (encrypted with a pass phrase). */
  keyPem: string;
}

/** The same check {@linkcode createStoredCa} and {@linkcode saveStoredCa} make: a directory, not a file. */
async function checkStoreDir(runtime: StoreFiles, store: CaStore): Promise<void> {
  const dirInfo = await runtime.stat(store.dir);
  if (dirInfo && !dirInfo.isDirectory) {
    throw new TlsmithError(
      "BAD_OPTION",
      `${store.dir} is a file, not a directory; nothing was written. Give the CA its own ` +
        `directory with --dir DIR (or TLSMITH_CA_DIR).`,
    );
  }
}

/**
 * Make a CA in memory, ready for {@linkcode saveStoredCa}: nothing is written, so a command can
 * first check that the CA can do what it is asked (issue for these names) and only then keep it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { caStore, newStoredCa, saveStoredCa } from "./store.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   const fresh = await newStoredCa(runtime, { passphrase: "correct horse" });
 *   await fresh.ca.issue(["localhost"]); // names checked before anything is written
 *   assert.equal(await runtime.stat(`${dir}/ca.pem`), null);
 *   assert.match(fresh.keyPem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
 *   await saveStoredCa(runtime, caStore(runtime, dir), fresh);
 *   assert.equal(await runtime.readTextFile(`${dir}/ca.pem`), fresh.ca.certPem);
 * });
 * ```
 */
export async function newStoredCa(
  runtime: StoreFiles,
  options: Omit<CreateStoredCaOptions, "force"> = {},
): Promise<NewStoredCa> {
  const ca = await CertificateAuthority.create({
    keyType: options.keyType,
    permit: options.permit,
    nameConstraints: options.nameConstraints,
    days: options.days,
    owner: await ownerName(runtime),
  });
  const keyPem = options.passphrase
    ? await exportPrivateKey(ca.privateKey, { passphrase: options.passphrase })
    : await ca.keyPem();
  return { ca, keyPem };
}

/**
 * Write a CA made by {@linkcode newStoredCa} into `store`, both files as a unit
 * (`writeFileGroup`: killed at any moment, the directory holds the old CA or the new one, never
 * a mix, and never a stray copy of a key). An existing CA is `FILE_EXISTS` unless `force`, which
 * keeps the old files as `*.bak`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { caStore, newStoredCa, saveStoredCa } from "./store.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   const store = caStore(runtime, dir);
 *   const first = await saveStoredCa(runtime, store, await newStoredCa(runtime));
 *   assert.equal(await runtime.fileMode(store.keyFile), 0o600);
 *   const another = await newStoredCa(runtime);
 *   await assert.rejects(saveStoredCa(runtime, store, another), { code: "FILE_EXISTS" });
 *   const second = await saveStoredCa(runtime, store, await newStoredCa(runtime), { force: true });
 *   const kept = second.kept.map((k) => k.backup);
 *   assert.deepEqual(kept, [`${store.keyFile}.bak`, `${store.certFile}.bak`]);
 *   assert.equal(await runtime.readTextFile(`${store.certFile}.bak`), first.ca.certPem);
 * });
 * ```
 */
export async function saveStoredCa(
  runtime: StoreFiles,
  store: CaStore,
  fresh: NewStoredCa,
  options: { force?: boolean } = {},
): Promise<CreatedStoredCa> {
  await checkStoreDir(runtime, store);
  await runtime.mkdir(store.dir, { mode: 0o700 });
  await recoverFileGroup(runtime, store.dir);
  const existing = [
    (await runtime.stat(store.certFile)) ? store.certFile : null,
    (await runtime.stat(store.keyFile)) ? store.keyFile : null,
  ].filter((f): f is string => f !== null);
  if (existing.length && !options.force) throw caExists(store, existing);
  try {
    const { backups } = await writeFileGroup(runtime, [
      { path: store.keyFile, data: fresh.keyPem, mode: 0o600, backup: true },
      { path: store.certFile, data: fresh.ca.certPem, mode: 0o644, backup: true },
    ], { overwrite: options.force === true, journalDir: store.dir });
    return { ca: fresh.ca, kept: backups };
  } catch (err) {
    // Another tlsmith created a CA here at the same moment.
    if (err instanceof TlsmithError && err.code === "FILE_EXISTS") {
      throw caExists(store, [store.certFile]);
    }
    throw err;
  }
}

function caExists(store: CaStore, existing: string[]): TlsmithError {
  return new TlsmithError(
    "FILE_EXISTS",
    `a CA already exists in ${store.dir} (${
      existing.join(", ")
    }). Keep using it, or replace it with --force (the old files are kept as *.bak; certificates it issued stop being trusted).`,
  );
}

/**
 * Create a CA and write it into `store` ({@linkcode newStoredCa} then {@linkcode saveStoredCa}).
 * Everything that can fail on bad input happens before the first write; an existing CA is
 * `FILE_EXISTS` unless `force`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { caStore, createStoredCa } from "./store.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   const { ca, kept } = await createStoredCa(runtime, caStore(runtime, dir), { days: 365 });
 *   assert.deepEqual(kept, []);
 *   assert.equal(await runtime.readTextFile(`${dir}/ca.pem`), ca.certPem);
 *   await runtime.writeFile(`${dir}/file`, "");
 *   const notADir = caStore(runtime, `${dir}/file`);
 *   await assert.rejects(createStoredCa(runtime, notADir, {}), { code: "BAD_OPTION" });
 * });
 * ```
 */
export async function createStoredCa(
  runtime: StoreFiles,
  store: CaStore,
  options: CreateStoredCaOptions,
): Promise<CreatedStoredCa> {
  await checkStoreDir(runtime, store);
  return await saveStoredCa(runtime, store, await newStoredCa(runtime, options), options);
}

/** A stored CA's files as text. */
export interface StoredCaFiles {
  /** `ca.pem`. */
  cert: string;
  /** `ca-key.pem`. */
  key: string;
  /** True when the key is encrypted (a pass phrase is needed to load it). */
  encrypted: boolean;
}

/**
 * Finish what a killed `ca init --force` (or a first `tlsmith cert`) left in the CA directory:
 * a new CA that was completely written is put in place, an unfinished one is removed (the old CA
 * stays). Returns a sentence saying what was done, or null when there was nothing to do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { caStore, newStoredCa, recoverCaStore, saveStoredCa } from "./store.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   const store = caStore(runtime, dir);
 *   assert.equal(await recoverCaStore(runtime, store), null); // nothing to finish
 *   // A run killed after it committed the new CA, before either file was moved into place:
 *   const killed = { ...runtime, rename: () => Promise.reject(new Error("killed")) };
 *   const fresh = await newStoredCa(runtime);
 *   await assert.rejects(saveStoredCa(killed, store, fresh), /killed/);
 *   assert.equal(await runtime.stat(store.certFile), null);
 *   assert.match((await recoverCaStore(runtime, store))!, /^Finished writing the CA/);
 *   assert.equal(await runtime.readTextFile(store.certFile), fresh.ca.certPem);
 * });
 * ```
 */
export async function recoverCaStore(runtime: StoreFiles, store: CaStore): Promise<string | null> {
  if (!(await runtime.stat(store.dir))?.isDirectory) return null;
  const done = await recoverFileGroup(runtime, store.dir);
  if (!done) return null;
  return done.action === "completed"
    ? `Finished writing the CA in ${store.dir}, which an interrupted run had left half-done.`
    : `Removed the unfinished files of an interrupted CA write in ${store.dir}; the CA there is unchanged.`;
}

/** `FILE.bak`, `FILE.1.bak`, … of `file` that exist, oldest first. */
async function backupsOf(runtime: StoreFiles, file: string): Promise<string[]> {
  const found: string[] = [];
  if (await runtime.stat(`${file}.bak`)) found.push(`${file}.bak`);
  for (let i = 1; i <= 1000; i++) {
    const name = `${file}.${i}.bak`;
    if (!(await runtime.stat(name))) break;
    found.push(name);
  }
  return found;
}

/** How to get back the newest kept copy of `file`, when there is one. */
async function restoreHint(runtime: StoreFiles, file: string): Promise<string | null> {
  const kept = await backupsOf(runtime, file);
  return kept.length ? `mv ${shellWord(kept[kept.length - 1])} ${shellWord(file)}` : null;
}

/**
 * Read `ca.pem` and `ca-key.pem` of `store`, after finishing an interrupted write
 * ({@linkcode recoverCaStore}). Null when the directory holds no CA at all; `CA_NOT_FOUND`
 * saying what happened and how to recover when it holds half of one: one file without the
 * other, or only the `*.bak` copies an interrupted replacement left (a new CA is then never
 * made silently in its place).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { caStore, createStoredCa, readStoredCa } from "./store.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   const store = caStore(runtime, dir);
 *   assert.equal(await readStoredCa(runtime, store), null); // no CA here
 *   await createStoredCa(runtime, store, { passphrase: "correct horse" });
 *   const files = await readStoredCa(runtime, store);
 *   assert.equal(files?.encrypted, true);
 *   await runtime.remove(store.keyFile); // half a CA: an error that says how to recover
 *   await assert.rejects(readStoredCa(runtime, store), {
 *     code: "CA_NOT_FOUND",
 *     message: /ca-key\.pem is missing/,
 *   });
 * });
 * ```
 */
export async function readStoredCa(
  runtime: StoreFiles,
  store: CaStore,
): Promise<StoredCaFiles | null> {
  await recoverCaStore(runtime, store);
  const [certInfo, keyInfo] = await Promise.all([
    runtime.stat(store.certFile),
    runtime.stat(store.keyFile),
  ]);
  const dirArg = (cmd: string) => `\`${cmd} --dir ${shellWord(store.dir)}\``;
  if (!certInfo && !keyInfo) {
    const cert = await restoreHint(runtime, store.certFile);
    const key = await restoreHint(runtime, store.keyFile);
    if (!cert && !key) return null;
    throw new TlsmithError(
      "CA_NOT_FOUND",
      `${store.dir} holds no CA (no ca.pem, no ca-key.pem) but the copies an earlier ` +
        `replacement kept (*.bak): the CA was moved away or its replacement was interrupted, so ` +
        `no new CA is made in its place. Restore the old one (${
          [cert, key].filter(Boolean).join(" && ")
        }), or make a new one with ${dirArg("tlsmith ca init")}.`,
    );
  }
  if (!keyInfo) {
    const restore = await restoreHint(runtime, store.keyFile);
    throw new TlsmithError(
      "CA_NOT_FOUND",
      `${store.certFile} exists but its key ${store.keyFile} is missing, so the CA cannot sign. ${
        restore
          ? `Restore the kept copy (${restore}) if it belongs to it, `
          : "Restore ca-key.pem, "
      }or replace the CA with ${dirArg("tlsmith ca init --force")}.`,
    );
  }
  if (!certInfo) {
    const restore = await restoreHint(runtime, store.certFile);
    throw new TlsmithError(
      "CA_NOT_FOUND",
      `${store.keyFile} exists but the CA certificate ${store.certFile} is missing. ${
        restore ? `Restore the kept copy (${restore}) if it belongs to it, ` : "Restore ca.pem, "
      }or replace the CA with ${dirArg("tlsmith ca init --force")}.`,
    );
  }
  const cert = await runtime.readTextFile(store.certFile);
  const key = await runtime.readTextFile(store.keyFile);
  return { cert, key, encrypted: isEncryptedPrivateKey(key) };
}

/**
 * Make sure `store` holds a CA, creating (and writing) one when it holds none; true when it was
 * created now. For commands that only need `ca.pem` (trust it, hand it to a child process), so an
 * encrypted key is not unlocked. A half-written CA is an error ({@linkcode readStoredCa}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { caStore, ensureStoredCa } from "./store.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   const store = caStore(runtime, dir);
 *   assert.equal(await ensureStoredCa(runtime, store), true); // created now
 *   const cert = await runtime.readTextFile(store.certFile);
 *   assert.equal(await ensureStoredCa(runtime, store), false); // there already
 *   assert.equal(await runtime.readTextFile(store.certFile), cert);
 * });
 * ```
 */
export async function ensureStoredCa(runtime: StoreFiles, store: CaStore): Promise<boolean> {
  if (await readStoredCa(runtime, store)) return false;
  try {
    await createStoredCa(runtime, store, {});
    return true;
  } catch (err) {
    // Another tlsmith created it at the same moment: use that one.
    if (!(err instanceof TlsmithError && err.code === "FILE_EXISTS")) throw err;
    return false;
  }
}

/** Options of {@linkcode openStoredCa}. */
export interface OpenStoredCaOptions {
  /** Make a CA (in memory: see {@linkcode OpenedStoredCa.save}) when the directory has none. */
  create?: boolean;
  /** Load the stored CA from its files (e.g. with a pass phrase for an encrypted key). */
  unlock(files: StoredCaFiles): Promise<CertificateAuthority>;
  /** The `CA_NOT_FOUND` message when there is no CA and `create` is off. */
  missing?: string;
}

/** What {@linkcode openStoredCa} found or made. */
export interface OpenedStoredCa {
  /** The CA. */
  ca: CertificateAuthority;
  /** True when it was made now (and is stored once {@linkcode OpenedStoredCa.save} ran). */
  created: boolean;
  /**
   * Store a CA made now (nothing to do for a loaded one); resolves to the CA that is stored,
   * which is another one when another tlsmith stored its own at the same moment.
   */
  save(): Promise<CertificateAuthority>;
}

/**
 * The one way to get the local CA that makes it on first use: load it ({@linkcode readStoredCa},
 * then `unlock`), or with `create` make a new one in memory that {@linkcode OpenedStoredCa.save}
 * writes, so that the caller can check its work (issue for the names it was given) before
 * anything is written. A half-written CA is an error that says how to recover, never replaced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { caStore, loadStoredCa, openStoredCa, type StoredCaFiles } from "./store.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   const store = caStore(runtime, dir);
 *   const options = { unlock: (files: StoredCaFiles) => loadStoredCa(store, files) };
 *   await assert.rejects(openStoredCa(runtime, store, options), { code: "CA_NOT_FOUND" });
 *   const opened = await openStoredCa(runtime, store, { ...options, create: true });
 *   const leaf = await opened.ca.issue(["localhost"]); // checked before anything is written
 *   assert.equal(opened.created, true);
 *   assert.equal(await runtime.stat(store.certFile), null);
 *   const ca = await opened.save();
 *   assert.ok(leaf.chain.endsWith(ca.certPem));
 *   const again = await openStoredCa(runtime, store, options);
 *   assert.equal(again.created, false);
 *   assert.equal(again.ca.certPem, ca.certPem);
 * });
 * ```
 */
export async function openStoredCa(
  runtime: StoreFiles,
  store: CaStore,
  options: OpenStoredCaOptions,
): Promise<OpenedStoredCa> {
  const files = await readStoredCa(runtime, store);
  if (files) {
    const ca = await options.unlock(files);
    return { ca, created: false, save: () => Promise.resolve(ca) };
  }
  if (!options.create) {
    throw new TlsmithError(
      "CA_NOT_FOUND",
      options.missing ??
        `no local CA in ${store.dir} (no ca.pem). Create one with \`tlsmith ca init --dir ${
          shellWord(store.dir)
        }\`.`,
    );
  }
  await checkStoreDir(runtime, store);
  const fresh = await newStoredCa(runtime);
  return {
    ca: fresh.ca,
    created: true,
    save: async () => {
      try {
        return (await saveStoredCa(runtime, store, fresh)).ca;
      } catch (err) {
        if (!(err instanceof TlsmithError && err.code === "FILE_EXISTS")) throw err;
        // Another tlsmith made one at the same moment: use that one.
        const theirs = await readStoredCa(runtime, store);
        if (!theirs) throw err;
        return await options.unlock(theirs);
      }
    },
  };
}

/**
 * Load a stored CA from its files, with the pass phrase of an encrypted key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { caStore, createStoredCa, loadStoredCa, readStoredCa } from "./store.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   const store = caStore(runtime, dir);
 *   const created = await createStoredCa(runtime, store, { passphrase: "correct horse" });
 *   const files = (await readStoredCa(runtime, store))!;
 *   const ca = await loadStoredCa(store, files, "correct horse");
 *   assert.equal(ca.certPem, created.ca.certPem);
 *   await assert.rejects(loadStoredCa(store, files, "wrong"), { message: /ca-key\.pem/ });
 * });
 * ```
 */
export function loadStoredCa(
  store: CaStore,
  files: StoredCaFiles,
  passphrase?: Passphrase,
): Promise<CertificateAuthority> {
  return CertificateAuthority.load({
    cert: files.cert,
    key: files.key,
    passphrase,
    certSource: store.certFile,
    keySource: store.keyFile,
  });
}
