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

/** What the store needs of a runtime (the runtime adapters' `Runtime` has all of it). */
export interface StoreFiles {
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
  /** The platform, as Node's `process.platform` names it. */
  platform(): string;
  /** The user's home directory, if known. */
  homeDir(): string | undefined;
  /** Read a whole file as UTF-8 (`FILE_NOT_FOUND` when missing). */
  readTextFile(path: string): Promise<string>;
  /** Write atomically; without `overwrite` an existing file is `FILE_EXISTS`. */
  writeFile(
    path: string,
    data: string | Uint8Array,
    options?: { mode?: number; overwrite?: boolean },
  ): Promise<void>;
  /** Rename (same file system). */
  rename(from: string, to: string): Promise<void>;
  /** Create a directory and its parents. */
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
  /** Metadata, or null when the path does not exist. */
  stat(path: string): Promise<{ isFile: boolean; isDirectory: boolean } | null>;
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
 * ```ts ignore
 * joinPath(runtime, "/home/a/.local/share/tlsmith", "ca.pem");
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
 * ```ts ignore
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * console.log(defaultCaDir(await getRuntime()));
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
 * ```ts ignore
 * const { certFile, keyFile } = caStore(runtime);
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
  /** Old files renamed to `*.bak` (with `force`). */
  kept: { file: string; backup: string }[];
}

async function backupName(runtime: StoreFiles, file: string): Promise<string> {
  let name = `${file}.bak`;
  for (let i = 1; await runtime.stat(name); i++) name = `${file}.${i}.bak`;
  return name;
}

/**
 * Create a CA and write it into `store`. Everything that can fail on bad input happens before
 * the first write; an existing CA is `FILE_EXISTS` unless `force`.
 *
 * @example
 * ```ts ignore
 * const { ca } = await createStoredCa(runtime, caStore(runtime, "/tmp/ca"), {});
 * ```
 */
export async function createStoredCa(
  runtime: StoreFiles,
  store: CaStore,
  options: CreateStoredCaOptions,
): Promise<CreatedStoredCa> {
  const dirInfo = await runtime.stat(store.dir);
  if (dirInfo && !dirInfo.isDirectory) {
    throw new TlsmithError(
      "BAD_OPTION",
      `${store.dir} is a file, not a directory; nothing was written. Give the CA its own ` +
        `directory with --dir DIR (or TLSMITH_CA_DIR).`,
    );
  }
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
  const existing = [
    (await runtime.stat(store.certFile)) ? store.certFile : null,
    (await runtime.stat(store.keyFile)) ? store.keyFile : null,
  ].filter((f): f is string => f !== null);
  if (existing.length && !options.force) {
    throw new TlsmithError(
      "FILE_EXISTS",
      `a CA already exists in ${store.dir} (${
        existing.join(", ")
      }). Keep using it, or replace it with --force (the old files are kept as *.bak; certificates it issued stop being trusted).`,
    );
  }
  await runtime.mkdir(store.dir, { mode: 0o700 });
  const kept: { file: string; backup: string }[] = [];
  for (const file of existing) {
    const backup = await backupName(runtime, file);
    await runtime.rename(file, backup);
    kept.push({ file, backup });
  }
  await runtime.writeFile(store.keyFile, keyPem, { mode: 0o600 });
  await runtime.writeFile(store.certFile, ca.certPem, { mode: 0o644 });
  return { ca, kept };
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
 * Read `ca.pem` and `ca-key.pem` of `store`: null when neither exists, `CA_NOT_FOUND` naming the
 * missing file when only one does.
 *
 * @example
 * ```ts ignore
 * const files = await readStoredCa(runtime, caStore(runtime));
 * ```
 */
export async function readStoredCa(
  runtime: StoreFiles,
  store: CaStore,
): Promise<StoredCaFiles | null> {
  const [certInfo, keyInfo] = await Promise.all([
    runtime.stat(store.certFile),
    runtime.stat(store.keyFile),
  ]);
  if (!certInfo && !keyInfo) return null;
  if (!keyInfo) {
    throw new TlsmithError(
      "CA_NOT_FOUND",
      `${store.certFile} exists but its key ${store.keyFile} is missing, so the CA cannot sign. Restore ca-key.pem, or replace the CA with \`tlsmith ca init --force\`.`,
    );
  }
  if (!certInfo) {
    throw new TlsmithError(
      "CA_NOT_FOUND",
      `${store.keyFile} exists but the CA certificate ${store.certFile} is missing. Restore ca.pem, or replace the CA with \`tlsmith ca init --force\`.`,
    );
  }
  const cert = await runtime.readTextFile(store.certFile);
  const key = await runtime.readTextFile(store.keyFile);
  return { cert, key, encrypted: isEncryptedPrivateKey(key) };
}

/**
 * Load a stored CA from its files, with the pass phrase of an encrypted key.
 *
 * @example
 * ```ts ignore
 * const ca = await loadStoredCa(store, files, passphrase);
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
