/**
 * `tlsmith ca init|show`: the local CA store (`src/ca/store.ts`) that `cert`,
 * `sign` and `serve --cert=local` issue from: `ca.pem` and `ca-key.pem`
 * (PKCS#8, mode 0600, optionally encrypted) in `$TLSMITH_CA_DIR` or the
 * platform's user data directory.
 *
 * @module
 */

import { CA_KEY_TYPES } from "../../ca/authority.ts";
import { caStore, newStoredCa, recoverCaStore, saveStoredCa } from "../../ca/store.ts";
import { readCertificates } from "../../x509/model.ts";
import { TlsmithError } from "../../errors.ts";
import { isEncryptedPrivateKey } from "../../keys/formats.ts";
import type { KeyType } from "../../keys/keys.ts";
import {
  DEFAULT_PERMITTED_NAMES,
  describeNameConstraints,
  parsePermitEntry,
} from "../../ca/constraints.ts";
import { readNameConstraints } from "../../x509/name_constraints.ts";
import {
  asUsage,
  type CliContext,
  dirArgument,
  parseCommandArgs,
  parseKeyTypeOption,
  usageError,
} from "../args.ts";
import { withProgress } from "../output.ts";
import { shellWord } from "../../_internal/commands.ts";
import { obtainPassphrase } from "../passphrase.ts";
import { readInputText } from "../input.ts";

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

function trustHints(certFile: string): string[] {
  return [
    "Or by hand, client by client:",
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
    keyType = parseKeyTypeOption(values["key-type"]);
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
    if (!/^[0-9]{1,6}$/.test(values.days) || Number(values.days) < 1) {
      throw usageError(`--days must be a whole number of days, not "${values.days}"`);
    }
    days = Number(values.days);
  }
  for (const entry of values.permit ?? []) asUsage(() => parsePermitEntry(entry));
  const store = caStore(ctx.runtime, values.dir);
  const dir = values.dir === undefined ? "" : ` ${dirArgument(values.dir)}`;
  if (!values.force) {
    // Fail before asking for a pass phrase or generating a key.
    for (const f of [store.certFile, store.keyFile]) {
      if (await ctx.runtime.stat(f)) {
        throw new TlsmithError(
          "FILE_EXISTS",
          `a CA already exists in ${store.dir} (${f}). Keep using it (\`tlsmith ca show${dir}\`), or replace it with --force (the old files are kept as *.bak).`,
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
  const fresh = await withProgress(
    ctx.runtime,
    `Generating ${keyType ? `an ${keyType.toUpperCase()}` : "a"} key`,
    () =>
      newStoredCa(ctx.runtime, {
        keyType,
        permit: values.permit,
        nameConstraints: !values["no-name-constraints"],
        days,
        passphrase,
      }),
  );
  const { ca, kept } = await saveStoredCa(ctx.runtime, store, fresh, { force: values.force });
  for (const { file, backup } of kept) ctx.printError(`Kept the old ${file} as ${backup}`);
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
  ctx.print(`Trust it on this machine (system store, browsers, Java): tlsmith trust${dir}`);
  for (const line of trustHints(store.certFile)) ctx.print(line);
  ctx.print("");
  ctx.print(
    `Then: tlsmith cert${dir} localhost 127.0.0.1 ::1   or   tlsmith serve --cert=local${
      values.dir === undefined ? "" : ` --ca-dir ${shellWord(values.dir)}`
    }`,
  );
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
  const note = await recoverCaStore(runtime, store);
  if (note) ctx.printError(note);
  if (!(await runtime.stat(store.certFile))) {
    throw new TlsmithError(
      "CA_NOT_FOUND",
      `no local CA in ${store.dir} (no ca.pem). Create one with \`tlsmith ca init${
        values.dir === undefined ? "" : ` ${dirArgument(values.dir)}`
      }\`.`,
    );
  }
  const certPem = await readInputText(runtime, store.certFile);
  if (values.pem) {
    ctx.print(certPem.trimEnd());
    return 0;
  }
  const keyInfo = await runtime.stat(store.keyFile);
  const keyText = keyInfo ? await runtime.readTextFile(store.keyFile) : null;
  const [certificate] = readCertificates(certPem, store.certFile);
  const constraints = readNameConstraints(certificate);
  const details = {
    dir: store.dir,
    certFile: store.certFile,
    keyFile: store.keyFile,
    keyPresent: keyInfo !== null,
    keyEncrypted: keyText !== null && isEncryptedPrivateKey(keyText),
    keyMode: keyInfo ? await runtime.fileMode(store.keyFile) : null,
    subject: certificate.subject.text,
    keyType: certificate.publicKey.keyType,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    expired: Date.now() > certificate.notAfter.getTime(),
    permitted: constraints
      ? constraints.permitted.filter((s) => s.type === "dns" || s.type === "ip").map((s) => s.value)
      : null,
    sha256: certificate.fingerprints.sha256,
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { run } from "./ca.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   const out: string[] = [];
 *   const ctx = { runtime, print: (line: string) => out.push(line), printError: () => {} };
 *   assert.equal(await run(ctx, ["init", "--dir", dir]), 0); // tlsmith ca init --dir DIR
 *   assert.match(out[0], /^Created the local CA "CN=tlsmith development CA/);
 *   out.length = 0;
 *   assert.equal(await run(ctx, ["show", "--dir", dir, "--json"]), 0);
 *   const shown = JSON.parse(out.join("\n"));
 *   assert.equal(shown.certFile, `${dir}/ca.pem`);
 *   assert.equal(shown.keyMode, 0o600);
 *   assert.ok(shown.permitted.includes("localhost"));
 *   await assert.rejects(run(ctx, ["init", "--dir", dir]), { code: "FILE_EXISTS" });
 * });
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
