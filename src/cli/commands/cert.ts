/**
 * `tlsmith cert HOST…`: issue a certificate and key from the local CA, like mkcert, or with
 * `--self-signed` make the self-signed pair the Flask tutorial makes with openssl (names in
 * subjectAltName, so browsers and Go accept it). Every file of the result (key, certificate,
 * .p12) is written as a unit, and nothing (not even the CA on first use) is created before the
 * names are checked.
 *
 * @module
 */

import { DEFAULT_LEAF_DAYS, MAX_LEAF_DAYS } from "../../ca/authority.ts";
import { adhocCert } from "../../ca/adhoc.ts";
import { writeFileGroup } from "../../_internal/file_group.ts";
import { exportPrivateKey } from "../../keys/formats.ts";
import type { KeyType } from "../../keys/keys.ts";
import { shellWord } from "../../_internal/commands.ts";
import { TlsmithError } from "../../errors.ts";
import {
  type CliContext,
  parseCommandArgs,
  parseDays,
  parseHostArguments,
  parseKeyTypeOption,
  refuseExisting,
  usageError,
} from "../args.ts";
import { joinPath } from "../../ca/store.ts";
import { carryCaDir, loadStoredCa } from "../local_ca.ts";
import { withProgress } from "../output.ts";
import { obtainPassphrase } from "../passphrase.ts";

/** Days of a `--self-signed` certificate unless `--days` says otherwise (as the Flask tutorial). */
export const SELF_SIGNED_DAYS = 365;

/** Help of `tlsmith cert`. */
export const help =
  `Usage: tlsmith cert HOST... [--out-cert FILE] [--out-key FILE] [--encrypt] [--days N] [--key-type TYPE] [--p12 FILE] [--force]
       tlsmith cert --self-signed HOST... [same options]

Issue a certificate for HOST... (DNS names, *.wildcards, IP addresses, e-mail
addresses, URIs) from the local CA, creating the CA on first use. The
certificate file holds the certificate followed by the CA certificate (the
chain a server sends); the key is PKCS#8 with mode 0600.

With --self-signed no CA is used: the certificate signs itself (valid ${SELF_SIGNED_DAYS} days
unless --days says otherwise), as \`openssl req -x509\` makes it, but with the
names in subjectAltName, which browsers, Go and Python require. Clients trust
it by trusting the certificate file itself.

Default files: ./HOST.pem and ./HOST-key.pem, with "+N" added when there are
N more hosts (e.g. ./localhost+2.pem). Existing files are never replaced
without --force; the files of one run are written as a unit.

Options:
  --out-cert FILE         Where to write the certificate (chain)
  --out-key FILE          Where to write the private key
  --encrypt               Encrypt the private key with a pass phrase (asked twice
                          on the terminal; or --key-passphrase-file, or
                          TLSMITH_PASSPHRASE)
  --key-passphrase-file FILE
                          With --encrypt: the pass phrase (first line of FILE)
  --self-signed           A self-signed certificate instead of one from the local CA
  --client                Also allow TLS client authentication (local CA only)
  --days N                Validity in days (default ${DEFAULT_LEAF_DAYS}, --self-signed ${SELF_SIGNED_DAYS}; at most ${MAX_LEAF_DAYS})
  --key-type TYPE         ec-p256 (default), ec-p384, rsa-2048, rsa-3072, rsa-4096, ed25519
  --dir DIR               The CA directory (default $TLSMITH_CA_DIR or the user data directory)
  --passphrase-file FILE  Pass phrase of an encrypted CA key
  --p12 FILE              Also write the certificate, key and chain as a PKCS#12
                          file (mode 0600), e.g. for Java or Windows
  --p12-passphrase-file FILE
                          The .p12's pass phrase (first line of FILE); else
                          TLSMITH_PASSPHRASE, else asked twice on the terminal
  --force                 Replace existing files

Examples:
  tlsmith cert localhost 127.0.0.1 ::1
  tlsmith cert --self-signed localhost 127.0.0.1 --out-cert cert.pem --out-key key.pem
  tlsmith cert app.localhost "*.app.localhost" --out-cert app.pem --out-key app-key.pem
  tlsmith cert --client me@localhost
  tlsmith cert localhost --p12 localhost.p12`;

/**
 * The mkcert-style base file name for hosts: the first host (`*` as
 * `_wildcard`, `:` as `_`), plus `+N` for N more hosts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostFileBase } from "./cert.ts";
 * assert.equal(hostFileBase(["localhost", "127.0.0.1", "::1"]), "localhost+2");
 * assert.equal(hostFileBase(["*.app.test"]), "_wildcard.app.test");
 * ```
 */
export function hostFileBase(hosts: readonly string[]): string {
  let base = hosts[0].replace(/^\*/, "_wildcard").replace(/[:/\\?%*|"<>]/g, "_");
  if (base.startsWith(".")) base = "_" + base.slice(1);
  return hosts.length > 1 ? `${base}+${hosts.length - 1}` : base;
}

/** What `cert` made in memory, before anything is written. */
interface Made {
  /** The certificate alone. */
  cert: string;
  /** What the certificate file gets: the certificate, then the CA certificate (if any). */
  chain: string;
  /** The unencrypted PKCS#8 key. */
  key: string;
  /** The names it is valid for. */
  names: string[];
  notAfter: Date;
}

/** Key generation can take seconds (RSA-4096): say so on a terminal. */
function generating(ctx: CliContext, keyType: KeyType | undefined) {
  return <T>(work: () => Promise<T>) =>
    withProgress(
      ctx.runtime,
      `Generating ${keyType ? `an ${keyType.toUpperCase()}` : "a"} key`,
      work,
    );
}

/**
 * Run `tlsmith cert`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { describeCertificate } from "../../x509/describe.ts";
 * import { run } from "./cert.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-certs-", async (dir) => {
 *   const out: string[] = [];
 *   const ctx = { runtime, print: (line: string) => out.push(line), printError: () => {} };
 *   const files = ["--out-cert", `${dir}/localhost.pem`, "--out-key", `${dir}/localhost-key.pem`];
 *   // tlsmith cert --dir DIR/ca localhost 127.0.0.1 …: the CA is made on first use
 *   assert.equal(await run(ctx, ["--dir", `${dir}/ca`, "localhost", "127.0.0.1", ...files]), 0);
 *   assert.equal(out[0], "Created a certificate valid for localhost, 127.0.0.1");
 *   const leaf = await describeCertificate(await runtime.readTextFile(`${dir}/localhost.pem`));
 *   assert.deepEqual(leaf.subjectAltNames, ["DNS:localhost", "IP Address:127.0.0.1"]);
 *   assert.equal(await runtime.fileMode(`${dir}/localhost-key.pem`), 0o600);
 *   await assert.rejects(run(ctx, ["--dir", `${dir}/ca`, "localhost", ...files]), {
 *     code: "FILE_EXISTS", // never replaced without --force
 *   });
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    "out-cert": { type: "string" },
    "out-key": { type: "string" },
    encrypt: { type: "boolean" },
    "key-passphrase-file": { type: "string" },
    "self-signed": { type: "boolean" },
    client: { type: "boolean" },
    days: { type: "string" },
    "key-type": { type: "string" },
    dir: { type: "string" },
    "passphrase-file": { type: "string" },
    p12: { type: "string" },
    "p12-passphrase-file": { type: "string" },
    force: { type: "boolean" },
  }, { min: 1, max: 100, name: "HOST" });
  // --- The command line, checked before anything is read, made or written.
  const selfSigned = values["self-signed"] === true;
  const days = parseDays(values.days);
  if (days !== undefined && (days < 1 || days > MAX_LEAF_DAYS)) {
    throw usageError(`--days must be from 1 to ${MAX_LEAF_DAYS}, not ${days}`);
  }
  const keyType = values["key-type"] !== undefined
    ? parseKeyTypeOption(values["key-type"])
    : undefined;
  const hosts = parseHostArguments(positionals);
  if (selfSigned) {
    for (const flag of ["dir", "passphrase-file", "client"] as const) {
      if (values[flag] !== undefined) {
        throw usageError(
          `--${flag} is for a certificate from the local CA; --self-signed uses no CA${
            flag === "passphrase-file" ? " (the new key's pass phrase: --key-passphrase-file)" : ""
          }`,
        );
      }
    }
  }
  if (values["key-passphrase-file"] !== undefined && !values.encrypt) {
    throw usageError("--key-passphrase-file is the pass phrase of --encrypt; add --encrypt");
  }
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
  const force = values.force === true;
  const outputs = p12File ? [certFile, keyFile, p12File] : [certFile, keyFile];
  await refuseExisting(runtime, outputs, force);

  // --- Made in memory: bad names (and names outside the CA's constraints) fail here, before the
  // CA is created on first use and before any file is written.
  let made: Made;
  let issuer: string;
  let caFile: string | undefined;
  if (selfSigned) {
    const pair = await generating(ctx, keyType)(() =>
      adhocCert({
        hosts: positionals,
        keyType,
        days: days ?? SELF_SIGNED_DAYS,
        organization: "tlsmith self-signed",
      })
    );
    const names = hosts.map((n) => n.value);
    const notAfter = new Date(Date.now() + (days ?? SELF_SIGNED_DAYS) * 86_400_000);
    made = { cert: pair.cert, chain: pair.cert, key: pair.key, names, notAfter };
    issuer = "itself (self-signed)";
  } else {
    const local = await loadStoredCa(ctx, {
      dir: values.dir,
      create: true,
      passphraseFile: values["passphrase-file"],
    });
    const issue = (ca: typeof local.ca) =>
      generating(ctx, keyType)(() =>
        ca.issue(positionals, { days, clientAuth: values.client, keyType })
      );
    let leaf = await issue(local.ca).catch((err) => {
      throw carryCaDir(
        local.created && err instanceof TlsmithError
          ? new TlsmithError(
            err.code,
            `${err.message} (No CA was created in ${local.store.dir}.)`,
            {
              cause: err,
            },
          )
          : err,
        values.dir,
      );
    });
    const ca = await local.save();
    if (ca !== local.ca) leaf = await issue(ca); // another tlsmith stored its CA first
    made = {
      cert: leaf.cert,
      chain: leaf.chain,
      key: leaf.key,
      names: leaf.names.map((n) => n.value),
      notAfter: leaf.notAfter,
    };
    issuer = `${ca.subject} (${local.store.certFile})`;
    caFile = local.store.certFile;
  }

  // Ask for the pass phrases before writing anything, so a refusal leaves no files behind.
  const keyPem = values.encrypt
    ? await exportPrivateKey(made.key, {
      passphrase: await obtainPassphrase(runtime, {
        passphraseFile: values["key-passphrase-file"],
        purpose: `to encrypt ${keyFile}`,
        confirm: true,
      }),
    })
    : made.key;
  const p12 = p12File
    ? await (await import("../../keys/pkcs12.ts")).exportPkcs12({
      cert: made.cert,
      key: made.key,
      chain: made.chain === made.cert ? undefined : made.chain.slice(made.cert.length),
      friendlyName: base,
      passphrase: await obtainPassphrase(runtime, {
        passphraseFile: values["p12-passphrase-file"],
        purpose: `to protect ${p12File}`,
        confirm: true,
      }),
    })
    : undefined;
  await writeFileGroup(runtime, [
    { path: keyFile, data: keyPem, mode: 0o600 },
    { path: certFile, data: made.chain, mode: 0o644 },
    ...(p12File && p12 ? [{ path: p12File, data: p12, mode: 0o600 }] : []),
  ], { overwrite: force });

  ctx.print(
    `Created a ${selfSigned ? "self-signed " : ""}certificate valid for ${made.names.join(", ")}`,
  );
  ctx.print(
    `  Certificate: ${certFile}${selfSigned ? "" : "  (with the CA certificate after it)"}`,
  );
  ctx.print(`  Key:         ${keyFile}  (mode 0600${values.encrypt ? ", encrypted" : ""})`);
  if (p12File) ctx.print(`  PKCS#12:     ${p12File}  (certificate, key and chain)`);
  ctx.print(`  Expires:     ${made.notAfter.toISOString().slice(0, 10)}`);
  ctx.print(`  Issuer:      ${issuer}`);
  ctx.print(`Use it:  tlsmith serve --cert ${shellWord(certFile)} --key ${shellWord(keyFile)}`);
  const host = made.names.find((n) => !n.includes("@") && !n.includes("/") && !n.startsWith("*"));
  const url = host ? `https://${host.includes(":") ? `[${host}]` : host}:8443/` : undefined;
  if (selfSigned) {
    ctx.print(
      `Clients trust it by trusting this file${
        url ? `, e.g. curl --cacert ${shellWord(certFile)} ${url}` : ""
      } (browsers warn unless you import it).`,
    );
  } else if (caFile) {
    ctx.print(
      `Clients trust it by trusting the CA: tlsmith trust${
        values.dir === undefined ? "" : ` --dir ${shellWord(values.dir)}`
      } (this machine), or e.g. curl --cacert ${shellWord(caFile)}${url ? ` ${url}` : ""}`,
    );
  }
  return 0;
}
