/**
 * `tlsmith p12`: make a PKCS#12 (.p12/.pfx) file from a certificate and key
 * (for Java, Windows, macOS key stores and browsers), and take one apart.
 *
 * @module
 */

import { writeFileGroup } from "../../_internal/file_group.ts";
import { TlsmithError } from "../../errors.ts";
import { DEFAULT_ITERATIONS } from "../../keys/encrypt.ts";
import { exportPrivateKey, importPrivateKey, isEncryptedPrivateKey } from "../../keys/formats.ts";
import { decodePem } from "../../pem.ts";
import { exportPkcs12, importPkcs12, looksLikePkcs12 } from "../../keys/pkcs12.ts";
import { type CliContext, parseCommandArgs, refuseExisting, usageError } from "../args.ts";

import { obtainPassphrase, withPassphrase } from "../passphrase.ts";
import { certificateMatchesKey } from "../../x509/match.ts";

/** Help for `tlsmith p12 --help`. */
export const help = `Usage: tlsmith p12 <export|import> [options]

  tlsmith p12 export --cert FILE --key FILE [--chain FILE] --out FILE [--name NAME]
      Make a .p12 file: the key in a PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)
      shrouded bag, the certificates encrypted the same way, an HMAC-SHA256 MAC.
      Read by openssl, Node (pfx), Java keytool, Windows and macOS.
      An encrypted --key is decrypted first (pass phrase asked for it, then for
      the .p12; from a file or TLSMITH_PASSPHRASE both are the same).
  tlsmith p12 import FILE --out-cert FILE --out-key FILE [--encrypt]
      Write the certificate (then the chain) and the private key (PKCS#8, mode
      0600; --encrypt protects it with the pass phrase).

Options:
  --cert FILE             Certificate PEM (further certificates in it join the chain)
  --key FILE              Its private key (any PEM format, encrypted or not)
  --chain FILE            Intermediate/CA certificates (PEM)
  --name NAME             Friendly name (the alias keytool shows)
  --out FILE              The .p12 to write
  --out-cert FILE         Where import writes the certificates
  --out-key FILE          Where import writes the key
  --encrypt               import: encrypt the written key
  --force                 Replace files that exist
  --passphrase-file FILE  Read the pass phrase from the first line of FILE
  --iterations N          PBKDF2 and MAC iterations (default ${DEFAULT_ITERATIONS})

Pass phrases: --passphrase-file FILE, else TLSMITH_PASSPHRASE, else a prompt on
the terminal (asked twice when making a .p12).

Examples:
  tlsmith p12 export --cert cert.pem --key key.pem --name dev --out dev.p12
  tlsmith p12 import dev.p12 --out-cert cert.pem --out-key key.pem`;

const OPTIONS = {
  cert: { type: "string" },
  key: { type: "string" },
  chain: { type: "string" },
  name: { type: "string" },
  out: { type: "string" },
  "out-cert": { type: "string" },
  "out-key": { type: "string" },
  encrypt: { type: "boolean" },
  force: { type: "boolean" },
  "passphrase-file": { type: "string" },
  iterations: { type: "string" },
} as const;

/**
 * Run `tlsmith p12 …`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { adhocCert } from "../../ca/adhoc.ts";
 * import { run } from "./p12.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-p12-", async (dir) => {
 *   const { cert, key } = await adhocCert();
 *   await runtime.writeFile(`${dir}/cert.pem`, cert);
 *   await runtime.writeFile(`${dir}/key.pem`, key);
 *   await runtime.writeFile(`${dir}/pw.txt`, "correct horse\n");
 *   const pw = ["--passphrase-file", `${dir}/pw.txt`, "--iterations", "1000"];
 *   const ctx = { runtime, print: () => {}, printError: () => {} };
 *   // tlsmith p12 export --cert cert.pem --key key.pem --out dev.p12
 *   const files = ["--cert", `${dir}/cert.pem`, "--key", `${dir}/key.pem`];
 *   assert.equal(await run(ctx, ["export", ...files, "--out", `${dir}/dev.p12`, ...pw]), 0);
 *   assert.equal(await runtime.fileMode(`${dir}/dev.p12`), 0o600);
 *   // … and back: tlsmith p12 import dev.p12 --out-cert back.pem --out-key back-key.pem
 *   const out = ["--out-cert", `${dir}/back.pem`, "--out-key", `${dir}/back-key.pem`];
 *   assert.equal(await run(ctx, ["import", `${dir}/dev.p12`, ...out, ...pw]), 0);
 *   assert.equal(await runtime.readTextFile(`${dir}/back.pem`), cert);
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "export" && sub !== "import") {
    throw usageError(
      sub === undefined
        ? "missing subcommand: export or import"
        : `unknown subcommand "${sub}": use export or import`,
    );
  }
  const { values, positionals } = parseCommandArgs(rest, OPTIONS, {
    min: sub === "import" ? 1 : 0,
    max: sub === "import" ? 1 : 0,
    name: "FILE",
  });
  const rt = ctx.runtime;
  const force = values.force === true;
  const passphraseFile = values["passphrase-file"];
  let iterations = DEFAULT_ITERATIONS;
  if (values.iterations !== undefined) {
    if (!/^[0-9]{1,8}$/.test(values.iterations) || Number(values.iterations) < 1) {
      throw usageError(
        `--iterations must be a whole number of at least 1, not "${values.iterations}"`,
      );
    }
    iterations = Number(values.iterations);
  }
  const exportOnly = ["cert", "key", "chain", "name", "out"] as const;
  const importOnly = ["out-cert", "out-key", "encrypt"] as const;
  for (const o of sub === "export" ? importOnly : exportOnly) {
    if (values[o] !== undefined) throw usageError(`--${o} is not an option of "p12 ${sub}"`);
  }

  if (sub === "export") {
    for (const o of ["cert", "key", "out"] as const) {
      if (values[o] === undefined) throw usageError(`"--${o} FILE" is required`);
    }
    const out = values.out!;
    await refuseExisting(ctx.runtime, [out], force);
    const certFile = values.cert!;
    const certPem = await rt.readTextFile(certFile);
    const certBlocks = decodePem(certPem, { source: certFile, expect: "certificate" });
    const leaf = certBlocks.find((b) => b.label === "CERTIFICATE");
    if (!leaf) {
      throw new TlsmithError(
        "BAD_PEM",
        `${certFile}: expected a CERTIFICATE but found ${
          [...new Set(certBlocks.map((b) => b.label))].join(", ")
        }. Pass the certificate as --cert and its private key as --key.`,
      );
    }
    const chainPem = values.chain === undefined ? undefined : await rt.readTextFile(values.chain);
    if (chainPem !== undefined) {
      const labels = decodePem(chainPem, { source: values.chain, expect: "certificate" }).map((b) =>
        b.label
      );
      if (!labels.includes("CERTIFICATE")) {
        throw new TlsmithError(
          "BAD_PEM",
          `${values.chain}: expected CA certificates (CERTIFICATE) but found ${
            [...new Set(labels)].join(", ")
          }. Pass the intermediate/CA certificates as --chain.`,
        );
      }
    }
    const keyFile = values.key!;
    const keyText = await rt.readTextFile(keyFile);
    const keyPair = isEncryptedPrivateKey(keyText)
      ? await withPassphrase(
        rt,
        { passphraseFile, purpose: `to decrypt ${keyFile}` },
        (p) => importPrivateKey(keyText, { passphrase: p, source: keyFile }),
      )
      : await importPrivateKey(keyText, { source: keyFile });
    // Before asking for the .p12's pass phrase: the key must belong to the certificate.
    if (!(await certificateMatchesKey(leaf.der, keyPair))) {
      throw new TlsmithError(
        "KEY_MISMATCH",
        `${keyFile} is not the private key of the certificate in ${certFile} (their public ` +
          `keys differ). Pass the key that was generated with this certificate.`,
      );
    }
    const passphrase = await obtainPassphrase(rt, {
      passphraseFile,
      purpose: `to protect ${out}`,
      confirm: true,
    });
    const p12 = await exportPkcs12({
      cert: certPem,
      key: keyPair,
      chain: chainPem,
      passphrase,
      friendlyName: values.name,
      iterations,
    });
    await writeFileGroup(rt, [{ path: out, data: p12, mode: 0o600 }], { overwrite: force });
    ctx.printError(`Wrote ${out}.`);
    return 0;
  }

  const file = positionals[0];
  if (values["out-cert"] === undefined || values["out-key"] === undefined) {
    throw usageError(`"--out-cert FILE" and "--out-key FILE" are required`);
  }
  const outCert = values["out-cert"];
  const outKey = values["out-key"];
  if (outCert === outKey) throw usageError("--out-cert and --out-key must be different files");
  await refuseExisting(ctx.runtime, [outCert, outKey], force);
  const bytes = await rt.readFile(file);
  if (!looksLikePkcs12(bytes)) {
    // Say so before asking for a pass phrase.
    const pem = new TextDecoder().decode(bytes.subarray(0, 64)).includes("-----BEGIN");
    throw new TlsmithError(
      "BAD_DER",
      `${file} is not a PKCS#12 (.p12/.pfx) file${
        pem ? ` but PEM text (\`tlsmith inspect ${file}\` shows what it holds)` : ""
      }. Pass the .p12 file; \`tlsmith p12 export\` makes one.`,
    );
  }
  // A file without a pass phrase (its MAC over the empty password) opens without asking.
  const contents = await importPkcs12(bytes, { source: file }).catch((err) => {
    if (!(err instanceof TlsmithError && err.code === "WRONG_PASSPHRASE")) throw err;
    return withPassphrase(
      rt,
      { passphraseFile, purpose: `to open ${file}` },
      (passphrase) => importPkcs12(bytes, { passphrase, source: file }),
    );
  });
  let keyPem = contents.key;
  if (values.encrypt) {
    const passphrase = await obtainPassphrase(rt, {
      passphraseFile,
      purpose: `to encrypt ${outKey}`,
      confirm: true,
    });
    keyPem = await exportPrivateKey(contents.keyPair, { passphrase, iterations });
  }
  const others = contents.chain.split("-----BEGIN CERTIFICATE-----").length - 2;
  // The certificate and its key, as a unit.
  await writeFileGroup(rt, [
    { path: outKey, data: keyPem, mode: 0o600 },
    { path: outCert, data: contents.chain, mode: 0o644 },
  ], { overwrite: force });
  const name = contents.friendlyName ? ` "${contents.friendlyName}"` : "";
  ctx.printError(
    `Wrote ${outCert} (certificate${name}${
      others ? ` + ${others} chain` : ""
    }) and ${outKey} (${contents.keyPair.type}, ${
      values.encrypt ? "encrypted" : "not encrypted"
    }).`,
  );
  return 0;
}
