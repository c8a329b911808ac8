/**
 * `tlsmith key`: generate, encrypt, decrypt and convert private keys. Pass
 * phrases come from `--passphrase-file`, `TLSMITH_PASSPHRASE` or the no-echo
 * prompt (passphrase.ts); keys are written atomically with mode 0600 and never
 * over an existing file without `--force`.
 *
 * @module
 */

import { writeFileGroup } from "../../_internal/file_group.ts";
import { TlsmithError } from "../../errors.ts";
import { decodePem } from "../../pem.ts";
import { DEFAULT_ITERATIONS } from "../../keys/encrypt.ts";
import {
  exportPrivateKey,
  importPrivateKey,
  isEncryptedPrivateKey,
  PRIVATE_KEY_LABELS,
} from "../../keys/formats.ts";
import {
  type CliContext,
  parseCommandArgs,
  parseKeyTypeOption,
  refuseExisting,
  refuseMissingDirs,
  usageError,
} from "../args.ts";
import { withProgress } from "../output.ts";
import { obtainPassphrase, withPassphrase } from "../passphrase.ts";

/** Help for `tlsmith key --help`. */
export const help = `Usage: tlsmith key <generate|encrypt|decrypt|convert> [options]

Make and manage private keys. Keys are written with mode 0600 and never over an
existing file unless --force is given.

  tlsmith key generate --out FILE [--type TYPE] [--encrypt]
      New key. TYPE: ec (P-256, default), ec-p384, rsa (2048), rsa-3072,
      rsa-4096, ed25519. --encrypt protects it with a pass phrase.
  tlsmith key encrypt FILE [--out FILE]
      Encrypt a key (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC). Without --out the
      key is encrypted in place, which needs --force.
  tlsmith key decrypt FILE --out FILE
      Write an unencrypted copy (an explicit --out is required).
  tlsmith key convert FILE --out FILE
      Any format (PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY", legacy
      encrypted PEM such as genrsa -des3, PKCS#8 with 3DES, DES, RC2 or AES) to
      PKCS#8. An encrypted key stays encrypted (re-encrypted with PBES2/AES-256
      under the same pass phrase).

Options:
  --out FILE              Where to write the key
  --force                 Replace FILE if it exists
  --passphrase-file FILE  Read the pass phrase from the first line of FILE
  --iterations N          PBKDF2 iterations when encrypting (default ${DEFAULT_ITERATIONS})

Pass phrases: --passphrase-file FILE, else the TLSMITH_PASSPHRASE environment
variable, else a prompt on the terminal (asked twice when setting one).

Examples:
  tlsmith key generate --type ec-p384 --encrypt --out key.pem
  tlsmith key convert legacy-rsa.pem --out key.pem
  TLSMITH_PASSPHRASE=… tlsmith key decrypt key.pem --out plain.pem`;

const OPTIONS = {
  out: { type: "string" },
  force: { type: "boolean" },
  type: { type: "string" },
  encrypt: { type: "boolean" },
  "passphrase-file": { type: "string" },
  iterations: { type: "string" },
} as const;

function parseIterations(text: string | undefined): number {
  if (text === undefined) return DEFAULT_ITERATIONS;
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < 1) {
    throw usageError(`--iterations must be a whole number of at least 1, not "${text}"`);
  }
  return Number(text);
}

async function writeKey(
  ctx: CliContext,
  path: string,
  pem: string,
  force: boolean,
): Promise<void> {
  // A key file goes through a group write: a killed run leaves no temporary copy of the key behind
  // (the next run removes it).
  await writeFileGroup(ctx.runtime, [{ path, data: pem, mode: 0o600 }], { overwrite: force });
}

/**
 * Run `tlsmith key …`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { importPrivateKey } from "../../keys/formats.ts";
 * import { run } from "./key.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-keys-", async (dir) => {
 *   const ctx = { runtime, print: () => {}, printError: () => {} };
 *   const key = `${dir}/key.pem`;
 *   // tlsmith key generate --type ed25519 --out key.pem
 *   assert.equal(await run(ctx, ["generate", "--type", "ed25519", "--out", key]), 0);
 *   assert.equal(await runtime.fileMode(key), 0o600);
 *   assert.equal((await importPrivateKey(await runtime.readTextFile(key))).type, "ed25519");
 *   // tlsmith key encrypt key.pem --out locked.pem, the pass phrase from a file
 *   await runtime.writeFile(`${dir}/pw.txt`, "correct horse\n");
 *   const pw = ["--passphrase-file", `${dir}/pw.txt`, "--iterations", "1000"];
 *   assert.equal(await run(ctx, ["encrypt", key, "--out", `${dir}/locked.pem`, ...pw]), 0);
 *   const locked = await runtime.readTextFile(`${dir}/locked.pem`);
 *   assert.match(locked, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
 *   await assert.rejects(run(ctx, ["generate", "--out", key]), { code: "FILE_EXISTS" });
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const subs = ["generate", "encrypt", "decrypt", "convert"];
  if (sub === undefined) throw usageError(`missing subcommand: one of ${subs.join(", ")}`);
  if (!subs.includes(sub)) {
    throw usageError(`unknown subcommand "${sub}": use one of ${subs.join(", ")}`);
  }
  const { values, positionals } = parseCommandArgs(rest, OPTIONS, {
    min: sub === "generate" ? 0 : 1,
    max: sub === "generate" ? 0 : 1,
    name: "FILE",
  });
  const force = values.force === true;
  const passphraseFile = values["passphrase-file"];
  const iterations = parseIterations(values.iterations);
  if (sub !== "generate" && values.type !== undefined) {
    throw usageError(`--type is only for "key generate"`);
  }
  if (sub !== "generate" && values.encrypt) {
    throw usageError(`--encrypt is only for "key generate" (use "key encrypt FILE")`);
  }
  const rt = ctx.runtime;

  if (sub === "generate") {
    if (values.out === undefined) throw usageError(`"--out FILE" is required`);
    const type = parseKeyTypeOption(values.type ?? "ec", "--type");
    await refuseExisting(rt, [values.out], force);
    const { generateKeyPair } = await import("../../keys/keys.ts");
    let passphrase: string | undefined;
    if (values.encrypt) {
      passphrase = await obtainPassphrase(rt, {
        passphraseFile,
        purpose: `to encrypt ${values.out}`,
        confirm: true,
      });
    }
    const pair = await withProgress(
      rt,
      `Generating an ${type.toUpperCase()} key`,
      () => generateKeyPair(type),
    );
    const pem = await exportPrivateKey(pair, { passphrase, iterations });
    await writeKey(ctx, values.out, pem, force);
    ctx.printError(
      `Wrote ${values.out} (${type}${
        passphrase === undefined ? ", not encrypted" : ", encrypted"
      }).`,
    );
    return 0;
  }

  const file = positionals[0];
  // Bytes, not text: DER keys are read as well as PEM.
  const text = await rt.readFile(file);
  const encrypted = isEncryptedPrivateKey(text);

  if (sub === "encrypt") {
    const out = values.out ?? file;
    await refuseMissingDirs(rt, [out]);
    if (encrypted) {
      throw new TlsmithError(
        "BAD_OPTION",
        `${file} is already encrypted. To change its pass phrase: decrypt it to a new file, ` +
          `then encrypt that.`,
      );
    }
    if (out === file) {
      // Encrypting in place keeps only the key: never drop a certificate kept beside it.
      const others =
        (text[0] === 0x30 ? [] : decodePem(new TextDecoder().decode(text), { source: file }))
          .map((b) => b.label)
          .filter((l) => !PRIVATE_KEY_LABELS.includes(l) && l !== "EC PARAMETERS");
      if (others.length > 0) {
        throw new TlsmithError(
          "BAD_OPTION",
          `${file} also holds ${[...new Set(others)].join(", ")}, which encrypting in place ` +
            `would drop. Write the encrypted key to another file with --out FILE.`,
        );
      }
    }
    if (out === file && !force) {
      throw new TlsmithError(
        "FILE_EXISTS",
        `${file} would be encrypted in place: add --force to replace it, or write the ` +
          `encrypted key elsewhere with --out FILE.`,
      );
    }
    if (out !== file) await refuseExisting(rt, [out], force);
    const pair = await importPrivateKey(text, { source: file });
    const passphrase = await obtainPassphrase(rt, {
      passphraseFile,
      purpose: `to encrypt ${file}`,
      confirm: true,
    });
    const pem = await exportPrivateKey(pair, { passphrase, iterations });
    await writeKey(ctx, out, pem, force || out === file);
    ctx.printError(`Wrote ${out} (${pair.type}, encrypted).`);
    return 0;
  }

  if (values.out === undefined) {
    throw usageError(
      sub === "decrypt"
        ? `"--out FILE" is required: an unencrypted key is only written where you say`
        : `"--out FILE" is required`,
    );
  }
  const out = values.out;
  await refuseExisting(rt, [out], force);
  if (sub === "decrypt" && !encrypted) {
    // A certificate or other non-key file: say that, not "not encrypted".
    await importPrivateKey(text, { source: file });
    throw new TlsmithError(
      "BAD_OPTION",
      `${file} is not encrypted. To change its format use "tlsmith key convert ${file} --out ${out}".`,
    );
  }
  if (!encrypted) {
    const pair = await importPrivateKey(text, { source: file });
    await writeKey(ctx, out, await exportPrivateKey(pair), force);
    ctx.printError(`Wrote ${out} (${pair.type}, PKCS#8, not encrypted).`);
    return 0;
  }
  const { pair, passphrase } = await withPassphrase(
    rt,
    { passphraseFile, purpose: `to decrypt ${file}` },
    async (p) => ({
      pair: await importPrivateKey(text, { passphrase: p, source: file }),
      passphrase: p,
    }),
  );
  if (sub === "decrypt") {
    await writeKey(ctx, out, await exportPrivateKey(pair), force);
    ctx.printError(`Wrote ${out} (${pair.type}, not encrypted; keep it safe).`);
    return 0;
  }
  // convert, encrypted: same pass phrase, modern encryption.
  const pem = await exportPrivateKey(pair, { passphrase, iterations });
  await writeKey(ctx, out, pem, force);
  ctx.printError(`Wrote ${out} (${pair.type}, PKCS#8, encrypted with the same pass phrase).`);
  return 0;
}
