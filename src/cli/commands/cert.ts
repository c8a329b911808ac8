/**
 * `tlsmith cert HOST…`: issue a certificate and key from the local CA, like
 * mkcert. Also the small helpers the other CA commands share.
 *
 * @module
 */

import { DEFAULT_LEAF_DAYS, MAX_LEAF_DAYS } from "../../ca/authority.ts";
import { type KeyType, parseKeyType } from "../../keys/keys.ts";
import { exportPkcs12 } from "../../keys/pkcs12.ts";
import {
  type CliContext,
  parseCommandArgs,
  parseDays,
  refuseExisting,
  usageError,
} from "../args.ts";
import { joinPath } from "../../ca/store.ts";
import { loadStoredCa } from "../local_ca.ts";
import { obtainPassphrase } from "../passphrase.ts";

/** Help of `tlsmith cert`. */
export const help =
  `Usage: tlsmith cert HOST... [--out-cert FILE] [--out-key FILE] [--client] [--days N] [--key-type TYPE] [--p12 FILE] [--force]

Issue a certificate for HOST... (DNS names, *.wildcards, IP addresses, e-mail
addresses, URIs) from the local CA, creating the CA on first use. The
certificate file holds the certificate followed by the CA certificate (the
chain a server sends); the key is unencrypted PKCS#8 with mode 0600.

Default files: ./HOST.pem and ./HOST-key.pem, with "+N" added when there are
N more hosts (e.g. ./localhost+2.pem). Existing files are never replaced
without --force.

Options:
  --out-cert FILE         Where to write the certificate chain
  --out-key FILE          Where to write the private key
  --client                Also allow TLS client authentication
  --days N                Validity in days (default ${DEFAULT_LEAF_DAYS}, at most ${MAX_LEAF_DAYS})
  --key-type TYPE         ec-p256 (default), ec-p384, rsa-2048, rsa-3072, rsa-4096, ed25519
  --dir DIR               The CA directory (default $TLSMITH_CA_DIR or the user data directory)
  --p12 FILE              Also write the certificate, key and CA certificate as a
                          PKCS#12 file (mode 0600), e.g. for Java or Windows
  --p12-passphrase-file FILE
                          The .p12's pass phrase (first line of FILE); else
                          TLSMITH_PASSPHRASE, else asked twice on the terminal
  --passphrase-file FILE  Pass phrase of an encrypted CA key
  --force                 Replace existing files

Examples:
  tlsmith cert localhost 127.0.0.1 ::1
  tlsmith cert app.localhost "*.app.localhost" --out-cert app.pem --out-key app-key.pem
  tlsmith cert --client me@localhost
  tlsmith cert localhost --p12 localhost.p12`;

/**
 * The mkcert-style base file name for hosts: the first host (`*` as
 * `_wildcard`, `:` as `_`), plus `+N` for N more hosts.
 *
 * @example
 * ```ts
 * import { hostFileBase } from "./cert.ts";
 * console.log(hostFileBase(["localhost", "127.0.0.1", "::1"])); // localhost+2
 * console.log(hostFileBase(["*.app.test"])); // _wildcard.app.test
 * ```
 */
export function hostFileBase(hosts: readonly string[]): string {
  let base = hosts[0].replace(/^\*/, "_wildcard").replace(/[:/\\?%*|"<>]/g, "_");
  if (base.startsWith(".")) base = "_" + base.slice(1);
  return hosts.length > 1 ? `${base}+${hosts.length - 1}` : base;
}

/**
 * Run `tlsmith cert`.
 *
 * @example
 * ```ts ignore
 * await run(ctx, ["localhost", "127.0.0.1"]);
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    "out-cert": { type: "string" },
    "out-key": { type: "string" },
    client: { type: "boolean" },
    days: { type: "string" },
    "key-type": { type: "string" },
    dir: { type: "string" },
    "passphrase-file": { type: "string" },
    p12: { type: "string" },
    "p12-passphrase-file": { type: "string" },
    force: { type: "boolean" },
  }, { min: 1, max: 100, name: "HOST" });
  const days = parseDays(values.days);
  const keyType: KeyType | undefined = values["key-type"] !== undefined
    ? parseKeyType(values["key-type"])
    : undefined;
  const { runtime } = ctx;
  const base = hostFileBase(positionals);
  const certFile = values["out-cert"] ?? joinPath(runtime, ".", `${base}.pem`);
  const keyFile = values["out-key"] ?? joinPath(runtime, ".", `${base}-key.pem`);
  const p12File = values.p12;
  if (new Set([certFile, keyFile, p12File ?? certFile]).size !== (p12File ? 3 : 2)) {
    throw usageError("--out-cert, --out-key and --p12 must be different files");
  }
  if (values["p12-passphrase-file"] !== undefined && p12File === undefined) {
    throw usageError("--p12-passphrase-file is only used with --p12 FILE");
  }
  const outputs = p12File ? [certFile, keyFile, p12File] : [certFile, keyFile];
  await refuseExisting(runtime, outputs, values.force === true);
  const { ca, store } = await loadStoredCa(ctx, {
    dir: values.dir,
    create: true,
    passphraseFile: values["passphrase-file"],
  });
  // Issue in memory first: bad names fail before anything is written.
  const leaf = await ca.issue(positionals, { days, clientAuth: values.client, keyType });
  // Ask for the .p12 pass phrase before writing anything, so a refusal leaves no files behind.
  const p12 = p12File
    ? await exportPkcs12({
      cert: leaf.cert,
      key: leaf.key,
      chain: ca.certPem,
      friendlyName: hostFileBase(positionals),
      passphrase: await obtainPassphrase(runtime, {
        passphraseFile: values["p12-passphrase-file"],
        purpose: `to protect ${p12File}`,
        confirm: true,
      }),
    })
    : undefined;
  await runtime.writeFile(keyFile, leaf.key, { mode: 0o600, overwrite: values.force === true });
  await runtime.writeFile(certFile, leaf.chain, { mode: 0o644, overwrite: values.force === true });
  if (p12File && p12) {
    await runtime.writeFile(p12File, p12, { mode: 0o600, overwrite: values.force === true });
  }
  ctx.print(`Created a certificate valid for ${leaf.names.map((n) => n.value).join(", ")}`);
  ctx.print(`  Certificate: ${certFile}  (with the CA certificate after it)`);
  ctx.print(`  Key:         ${keyFile}`);
  if (p12File) ctx.print(`  PKCS#12:     ${p12File}  (certificate, key and CA certificate)`);
  ctx.print(`  Expires:     ${leaf.notAfter.toISOString().slice(0, 10)}`);
  ctx.print(`  Issuer:      ${ca.subject} (${store.certFile})`);
  ctx.print(`Use it:  tlsmith serve --cert ${certFile} --key ${keyFile}`);
  return 0;
}
