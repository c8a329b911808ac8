/**
 * `tlsmith ca init|show`, and the local CA store the other commands use
 * (`cert`, `sign`, `serve --cert=local`): `ca.pem` and `ca-key.pem` (PKCS#8,
 * mode 0600, optionally encrypted) in `$TLSMITH_CA_DIR` or the platform's
 * user data directory.
 *
 * @module
 */

import { CA_KEY_TYPES, CertificateAuthority } from "../authority.ts";
import { fingerprint, spkiKeyType } from "../describe.ts";
import { encryptPrivateKey } from "../encrypted_key.ts";
import { TlsmithError } from "../errors.ts";
import { isEncryptedPrivateKey } from "../key_formats.ts";
import { type KeyType, parseKeyType } from "../keys.ts";
import {
  DEFAULT_PERMITTED_NAMES,
  describeNameConstraints,
  readNameConstraints,
} from "../name_constraints.ts";
import { formatName, parseCertificates } from "../verify.ts";
import type { Runtime } from "../runtime/types.ts";
import { type CliContext, parseCommandArgs, usageError } from "./args.ts";
import { obtainPassphrase, withPassphrase } from "./passphrase.ts";

/** Help of `tlsmith ca`. */
export const help =
  `Usage: tlsmith ca init [--dir DIR] [--key-type TYPE] [--permit NAME]... [--no-name-constraints] [--encrypt] [--force]
       tlsmith ca show [--dir DIR] [--json] [--pem]

Manage the local certificate authority that \`tlsmith cert\`, \`tlsmith sign\` and
\`tlsmith serve --cert=local\` issue certificates with. Trust its ca.pem once;
every certificate it issues is then trusted.

The CA lives in $TLSMITH_CA_DIR, or else the user data directory
(Linux: $XDG_DATA_HOME/tlsmith or ~/.local/share/tlsmith; macOS:
~/Library/Application Support/tlsmith; Windows: %LOCALAPPDATA%\\tlsmith), as
ca.pem (the certificate) and ca-key.pem (the private key, mode 0600).

By default the CA may only issue for local and private names (critical name
constraints): ${DEFAULT_PERMITTED_NAMES.join(", ")}.
A stolen CA key is then useless against real sites.

init options:
  --dir DIR               Where to keep the CA (default: see above)
  --key-type TYPE         ${CA_KEY_TYPES.join(", ")} (default ec-p256)
  --permit NAME           Also permit a domain (and its subdomains), an IP or a CIDR range; repeatable
  --no-name-constraints   Issue for any name (not recommended)
  --days N                CA validity in days (default 3650)
  --encrypt               Encrypt ca-key.pem with a pass phrase (prompt, --passphrase-file or TLSMITH_PASSPHRASE)
  --passphrase-file FILE  Read the pass phrase from the first line of FILE
  --force                 Replace an existing CA (the old files are kept as *.bak)

show options:
  --dir DIR   The CA directory
  --json      Print the details as JSON
  --pem       Print the CA certificate (PEM) only

Examples:
  tlsmith ca init
  tlsmith ca init --permit dev.example.net --permit 100.64.0.0/10 --force
  curl --cacert "$(tlsmith ca show --json | jq -r .certFile)" https://localhost:8443/`;

/** The files of a CA store. */
export interface CaStore {
  /** The directory. */
  dir: string;
  /** `DIR/ca.pem`. */
  certFile: string;
  /** `DIR/ca-key.pem`. */
  keyFile: string;
}

function separator(runtime: Runtime): string {
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
export function joinPath(runtime: Runtime, dir: string, name: string): string {
  const sep = separator(runtime);
  return dir.endsWith("/") || dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/**
 * The default CA directory: `$TLSMITH_CA_DIR`, else the platform's user data
 * directory plus `tlsmith`.
 *
 * @example
 * ```ts ignore
 * import { getRuntime } from "../runtime/mod.ts";
 * console.log(defaultCaDir(await getRuntime()));
 * ```
 */
export function defaultCaDir(runtime: Runtime): string {
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
export function caStore(runtime: Runtime, dir?: string): CaStore {
  const d = dir ?? defaultCaDir(runtime);
  return {
    dir: d,
    certFile: joinPath(runtime, d, "ca.pem"),
    keyFile: joinPath(runtime, d, "ca-key.pem"),
  };
}

async function ownerName(runtime: Runtime): Promise<string | undefined> {
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

/** Options of {@linkcode loadStoredCa}. */
export interface LoadStoredCaOptions {
  /** The CA directory (default: {@linkcode defaultCaDir}). */
  dir?: string;
  /** Create the CA when the directory has none (printing where to stderr). */
  create?: boolean;
  /** `--passphrase-file` for an encrypted CA key. */
  passphraseFile?: string;
}

/**
 * Load the CA from its store. A missing CA is `CA_NOT_FOUND` (or is created
 * with `create`); a certificate without its key (or the reverse) is
 * `CA_NOT_FOUND` naming the missing file, and nothing is written.
 *
 * @example
 * ```ts ignore
 * const { ca, store } = await loadStoredCa(ctx, { create: true });
 * ```
 */
export async function loadStoredCa(
  ctx: CliContext,
  options: LoadStoredCaOptions = {},
): Promise<{ ca: CertificateAuthority; store: CaStore; created: boolean }> {
  const { runtime } = ctx;
  const store = caStore(runtime, options.dir);
  const [certInfo, keyInfo] = await Promise.all([
    runtime.stat(store.certFile),
    runtime.stat(store.keyFile),
  ]);
  if (!certInfo && !keyInfo) {
    if (!options.create) {
      throw new TlsmithError(
        "CA_NOT_FOUND",
        `no local CA in ${store.dir} (no ca.pem). Create one with \`tlsmith ca init${
          options.dir ? ` --dir ${options.dir}` : ""
        }\`.`,
      );
    }
    try {
      const ca = await createStoredCa(ctx, store, {});
      ctx.printError(
        `Created a new local CA in ${store.dir}. Trust ${store.certFile} to trust its certificates.`,
      );
      return { ca, store, created: true };
    } catch (err) {
      // Another tlsmith created it at the same moment: use that one.
      if (!(err instanceof TlsmithError && err.code === "FILE_EXISTS")) throw err;
      return await loadStoredCa(ctx, { ...options, create: false });
    }
  }
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
  const load = (passphrase?: string) =>
    CertificateAuthority.load({
      cert,
      key,
      passphrase,
      certSource: store.certFile,
      keySource: store.keyFile,
    });
  const ca = isEncryptedPrivateKey(key)
    ? await withPassphrase(
      runtime,
      { passphraseFile: options.passphraseFile, purpose: `to decrypt the CA key ${store.keyFile}` },
      load,
    )
    : await load();
  return { ca, store, created: false };
}

interface CreateStoredOptions {
  keyType?: KeyType;
  permit?: string[];
  nameConstraints?: boolean;
  days?: number;
  passphrase?: string;
  force?: boolean;
}

async function backupName(runtime: Runtime, file: string): Promise<string> {
  let name = `${file}.bak`;
  for (let i = 1; await runtime.stat(name); i++) name = `${file}.${i}.bak`;
  return name;
}

async function createStoredCa(
  ctx: CliContext,
  store: CaStore,
  options: CreateStoredOptions,
): Promise<CertificateAuthority> {
  const { runtime } = ctx;
  const dirInfo = await runtime.stat(store.dir);
  if (dirInfo && !dirInfo.isDirectory) {
    throw new TlsmithError(
      "BAD_OPTION",
      `${store.dir} is a file, not a directory; nothing was written. Give the CA its own ` +
        `directory with --dir DIR (or TLSMITH_CA_DIR).`,
    );
  }
  // Everything that can fail on bad input happens before the first write.
  const ca = await CertificateAuthority.create({
    keyType: options.keyType,
    permit: options.permit,
    nameConstraints: options.nameConstraints,
    days: options.days,
    owner: await ownerName(runtime),
  });
  const keyPem = options.passphrase
    ? await encryptPrivateKey(ca.privateKey, options.passphrase)
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
  for (const file of existing) {
    const bak = await backupName(runtime, file);
    await runtime.rename(file, bak);
    ctx.printError(`Kept the old ${file} as ${bak}`);
  }
  await runtime.writeFile(store.keyFile, keyPem, { mode: 0o600 });
  await runtime.writeFile(store.certFile, ca.certPem, { mode: 0o644 });
  return ca;
}

function trustHints(certFile: string): string[] {
  return [
    "Trust it:",
    `  curl:            curl --cacert "${certFile}" https://localhost:8443/`,
    `  Node:            NODE_EXTRA_CA_CERTS="${certFile}" node app.js`,
    `  Deno:            DENO_CERT="${certFile}" deno run …`,
    `  Chrome (Linux):  certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n tlsmith -i "${certFile}"`,
    `  Debian/Ubuntu:   sudo cp "${certFile}" /usr/local/share/ca-certificates/tlsmith.crt && sudo update-ca-certificates`,
    `  macOS:           sudo security add-trusted-cert -d -k /Library/Keychains/System.keychain "${certFile}"`,
  ];
}

async function init(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    dir: { type: "string" },
    "key-type": { type: "string" },
    permit: { type: "string", multiple: true },
    "no-name-constraints": { type: "boolean" },
    days: { type: "string" },
    encrypt: { type: "boolean" },
    "passphrase-file": { type: "string" },
    force: { type: "boolean" },
  });
  let keyType: KeyType | undefined;
  if (values["key-type"] !== undefined) {
    keyType = parseKeyType(values["key-type"]);
    if (!CA_KEY_TYPES.includes(keyType)) {
      throw usageError(`--key-type for a CA must be one of ${CA_KEY_TYPES.join(", ")}`);
    }
  }
  if (values["no-name-constraints"] && values.permit?.length) {
    throw usageError("--permit and --no-name-constraints exclude each other");
  }
  if (values["passphrase-file"] !== undefined && !values.encrypt) {
    throw usageError("--passphrase-file is used with --encrypt");
  }
  let days: number | undefined;
  if (values.days !== undefined) {
    if (!/^[0-9]+$/.test(values.days)) {
      throw usageError(`--days must be a whole number, not "${values.days}"`);
    }
    days = Number(values.days);
  }
  const store = caStore(ctx.runtime, values.dir);
  if (!values.force) {
    // Fail before asking for a pass phrase or generating a key.
    for (const f of [store.certFile, store.keyFile]) {
      if (await ctx.runtime.stat(f)) {
        throw new TlsmithError(
          "FILE_EXISTS",
          `a CA already exists in ${store.dir} (${f}). Keep using it (\`tlsmith ca show\`), or replace it with --force (the old files are kept as *.bak).`,
        );
      }
    }
  }
  const passphrase = values.encrypt
    ? await obtainPassphrase(ctx.runtime, {
      passphraseFile: values["passphrase-file"],
      purpose: `to encrypt the CA key ${store.keyFile}`,
      confirm: true,
    })
    : undefined;
  const ca = await createStoredCa(ctx, store, {
    keyType,
    permit: values.permit,
    nameConstraints: !values["no-name-constraints"],
    days,
    passphrase,
    force: values.force,
  });
  ctx.print(`Created the local CA "${ca.subject}"`);
  ctx.print(`  Certificate: ${store.certFile}  (trust this file)`);
  ctx.print(
    `  Private key: ${store.keyFile}  (mode 0600${
      passphrase ? ", encrypted" : ""
    }; keep it private)`,
  );
  ctx.print(`  Key type:    ${ca.keyType}, valid until ${ca.notAfter.toISOString().slice(0, 10)}`);
  ctx.print(
    `  Permits:     ${
      ca.nameConstraints
        ? describeNameConstraints(ca.nameConstraints)
        : "any name (no name constraints)"
    }`,
  );
  ctx.print("");
  for (const line of trustHints(store.certFile)) ctx.print(line);
  ctx.print("");
  ctx.print("Then: tlsmith cert localhost 127.0.0.1 ::1   or   tlsmith serve --cert=local");
  return 0;
}

async function show(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    dir: { type: "string" },
    json: { type: "boolean" },
    pem: { type: "boolean" },
  });
  if (values.json && values.pem) throw usageError("--json and --pem exclude each other");
  const { runtime } = ctx;
  const store = caStore(runtime, values.dir);
  if (!(await runtime.stat(store.certFile))) {
    throw new TlsmithError(
      "CA_NOT_FOUND",
      `no local CA in ${store.dir} (no ca.pem). Create one with \`tlsmith ca init\`.`,
    );
  }
  const certPem = await runtime.readTextFile(store.certFile);
  if (values.pem) {
    ctx.print(certPem.trimEnd());
    return 0;
  }
  const keyInfo = await runtime.stat(store.keyFile);
  const keyText = keyInfo ? await runtime.readTextFile(store.keyFile) : null;
  const [{ certificate, der }] = parseCertificates(certPem, store.certFile);
  const constraints = readNameConstraints(certificate);
  const details = {
    dir: store.dir,
    certFile: store.certFile,
    keyFile: store.keyFile,
    keyPresent: keyInfo !== null,
    keyEncrypted: keyText !== null && isEncryptedPrivateKey(keyText),
    keyMode: keyInfo ? await runtime.fileMode(store.keyFile) : null,
    subject: formatName(certificate.subject),
    keyType: spkiKeyType(certificate.subjectPublicKeyInfo),
    notBefore: certificate.notBefore.value.toISOString(),
    notAfter: certificate.notAfter.value.toISOString(),
    expired: Date.now() > certificate.notAfter.value.getTime(),
    permitted: constraints
      ? constraints.permitted.filter((s) => s.type === "dns" || s.type === "ip").map((s) => s.value)
      : null,
    sha256: await fingerprint(der, "SHA-256"),
  };
  if (values.json) {
    ctx.print(JSON.stringify(details, null, 2));
    return 0;
  }
  ctx.print(`Local CA:    ${details.subject}`);
  ctx.print(`Directory:   ${details.dir}`);
  ctx.print(`Certificate: ${details.certFile}`);
  ctx.print(
    `Private key: ${details.keyFile}${
      details.keyPresent
        ? `${details.keyEncrypted ? " (encrypted)" : ""}${
          details.keyMode !== null ? ` (mode ${details.keyMode.toString(8).padStart(4, "0")})` : ""
        }`
        : " (MISSING: the CA cannot issue)"
    }`,
  );
  ctx.print(`Key type:    ${details.keyType}`);
  ctx.print(
    `Valid:       ${details.notBefore} to ${details.notAfter}${
      details.expired ? " (EXPIRED)" : ""
    }`,
  );
  ctx.print(
    `Permits:     ${
      details.permitted ? details.permitted.join(", ") : "any name (no name constraints)"
    }`,
  );
  ctx.print(`SHA-256:     ${details.sha256}`);
  return 0;
}

/**
 * Run `tlsmith ca <init|show>`.
 *
 * @example
 * ```ts ignore
 * await run(ctx, ["init", "--dir", "/tmp/ca"]);
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "init") return await init(ctx, rest);
  if (sub === "show") return await show(ctx, rest);
  throw usageError(
    sub === undefined
      ? "missing subcommand: init or show"
      : `unknown subcommand "${sub}": use init or show`,
  );
}

/**
 * A fresh certificate for `hosts` from the local CA (created on first use),
 * for `tlsmith serve --cert=local`. Returns PEM chain (leaf + CA) and key.
 *
 * @example
 * ```ts ignore
 * const { cert, key, caFile } = await localServingCert(ctx, ["localhost", "127.0.0.1", "::1"]);
 * ```
 */
export async function localServingCert(
  ctx: CliContext,
  hosts: readonly string[],
  options: { dir?: string; passphraseFile?: string } = {},
): Promise<{ cert: string; key: string; caFile: string; created: boolean }> {
  const { ca, store, created } = await loadStoredCa(ctx, {
    dir: options.dir,
    create: true,
    passphraseFile: options.passphraseFile,
  });
  const leaf = await ca.issue(hosts, { days: 7 });
  return { cert: leaf.chain, key: leaf.key, caFile: store.certFile, created };
}
