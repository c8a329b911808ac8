/**
 * `tlsmith inspect FILE`: what is in a PEM or DER file: certificates (a
 * chain), CSRs, private keys (type and public-key fingerprint only, never key
 * material), public keys.
 *
 * @module
 */

import { parseCsr } from "../../x509/csr.ts";
import { describeCertificate, fingerprint } from "../../x509/describe.ts";
import { TlsmithError } from "../../errors.ts";
import { importPrivateKey, keyFormatOf } from "../../keys/formats.ts";
import { isEncryptedBlock } from "../../keys/encrypt.ts";
import { exportSpki } from "../../keys/keys.ts";
import { readNameConstraints } from "../../x509/name_constraints.ts";
import { formatGeneralName } from "../../x509/general_name.ts";
import { readCertificate } from "../../x509/model.ts";
import { publicKeyInfoFromDer } from "../../x509/public_key.ts";
import { decodePem, encodePem, isCertificateLabel, isCsrLabel, type PemBlock } from "../../pem.ts";
import { type CliContext, parseCommandArgs } from "../args.ts";
import { readInputFile } from "../input.ts";
import { looksLikePkcs12 } from "../../keys/pkcs12.ts";
import { pkcs12Hint } from "../output.ts";

/** Help of `tlsmith inspect`. */
export const help = `Usage: tlsmith inspect FILE [--json]

Show what FILE holds (PEM or DER): certificates with subject, names, validity,
key type, CA flags, name constraints and SHA-256 fingerprint; certificate
signing requests; private keys (type and public-key fingerprint only: key
material is never printed; encrypted keys are reported as such); public keys.

Options:
  --json   Print JSON instead of text

Examples:
  tlsmith inspect localhost+2.pem
  tlsmith inspect "$(tlsmith ca show --json | jq -r .certFile)" --json`;

type Item = Record<string, unknown> & { kind: string };

function daysLeft(date: Date): number {
  return Math.floor((date.getTime() - Date.now()) / 86_400_000);
}

async function certificateItem(der: Uint8Array, source: string): Promise<Item> {
  const certificate = readCertificate(der, source);
  const d = await describeCertificate(certificate);
  const nc = readNameConstraints(certificate);
  return {
    kind: "certificate",
    subject: d.subject,
    issuer: d.issuer,
    subjectAltNames: d.subjectAltNames,
    notBefore: d.notBefore.toISOString(),
    notAfter: d.notAfter.toISOString(),
    expired: Date.now() > d.notAfter.getTime(),
    serialNumber: d.serialNumber,
    signatureAlgorithm: d.signatureAlgorithm,
    keyType: d.keyType,
    isCa: d.isCa,
    pathLength: d.pathLength,
    keyUsage: d.keyUsage,
    extendedKeyUsage: d.extendedKeyUsage,
    selfSigned: d.selfSigned,
    nameConstraints: nc
      ? {
        permitted: nc.permitted.map((s) => `${s.type}:${s.value}`),
        excluded: nc.excluded.map((s) => `${s.type}:${s.value}`),
      }
      : null,
    sha256: d.fingerprints.sha256,
  };
}

async function csrItem(der: Uint8Array, source: string): Promise<Item> {
  const info = await parseCsr(der, { source });
  return {
    kind: "certificate request",
    subject: info.subject,
    subjectAltNames: info.subjectAltNames.map(formatGeneralName),
    keyType: info.keyType,
    signatureAlgorithm: info.signatureAlgorithm,
    signatureValid: info.signatureValid,
    ...(info.signatureRefused ? { signatureRefused: info.signatureRefused } : {}),
    requestedExtensions: info.requestedExtensions,
    publicKeySha256: await fingerprint(
      info.publicKeyInfo,
    ),
  };
}

async function itemOf(block: PemBlock, source: string): Promise<Item> {
  if (isCertificateLabel(block.label)) return await certificateItem(block.der, source);
  if (isCsrLabel(block.label)) return await csrItem(block.der, source);
  if (isEncryptedBlock(block)) {
    return {
      kind: "private key",
      encrypted: true,
      format: block.label === "ENCRYPTED PRIVATE KEY"
        ? "encrypted PKCS#8"
        : `legacy encrypted ${block.label}`,
    };
  }
  const format = keyFormatOf(block.label);
  if (format !== undefined) {
    const pair = await importPrivateKey(encodePem(block.label, block.der, block.headers), {
      source,
    });
    return {
      kind: "private key",
      encrypted: false,
      format,
      keyType: pair.type,
      publicKeySha256: await fingerprint(await exportSpki(pair.publicKey)),
    };
  }
  if (block.label === "PUBLIC KEY") {
    let keyType: string;
    try {
      keyType = publicKeyInfoFromDer(block.der).keyType;
    } catch (err) {
      throw new TlsmithError(
        "BAD_KEY",
        `${source}: the PUBLIC KEY block is not a SubjectPublicKeyInfo: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return {
      kind: "public key",
      keyType,
      publicKeySha256: await fingerprint(block.der),
    };
  }
  return { kind: "unknown", label: block.label };
}

/** A DER private key (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1), or null when `der` is none. */
async function derKeyItem(der: Uint8Array, source: string): Promise<Item | null> {
  try {
    const pair = await importPrivateKey(der, { source });
    return {
      kind: "private key",
      encrypted: false,
      format: "DER",
      keyType: pair.type,
      publicKeySha256: await fingerprint(await exportSpki(pair.publicKey)),
    };
  } catch (err) {
    if (err instanceof TlsmithError && err.code === "PASSPHRASE_REQUIRED") {
      return { kind: "private key", encrypted: true, format: "encrypted PKCS#8 (DER)" };
    }
    return null;
  }
}

/**
 * Describe every block of a PEM text or a DER file (certificate, CSR or private key).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../../ca/adhoc.ts";
 * import { inspectBytes } from "./inspect.ts";
 * const { cert, key } = await adhocCert();
 * const bytes = new TextEncoder().encode(cert + key);
 * const [certificate, privateKey] = await inspectBytes(bytes, "adhoc.pem");
 * assert.equal(certificate.kind, "certificate");
 * assert.deepEqual(certificate.subjectAltNames, [
 *   "DNS:localhost",
 *   "IP Address:127.0.0.1",
 *   "IP Address:::1",
 * ]);
 * assert.deepEqual([privateKey.kind, privateKey.keyType], ["private key", "ec-p256"]);
 * assert.ok(!JSON.stringify(privateKey).includes("PRIVATE KEY-----")); // never the key itself
 * ```
 */
export async function inspectBytes(bytes: Uint8Array, source: string): Promise<Item[]> {
  if (bytes.length > 0 && bytes[0] === 0x30) {
    // Binary DER: a certificate, else a CSR.
    try {
      return [await certificateItem(bytes, source)];
    } catch {
      try {
        return [await csrItem(bytes, source)];
      } catch {
        if (looksLikePkcs12(bytes)) throw pkcs12Hint(source);
        const key = await derKeyItem(bytes, source);
        if (key) return [key];
        throw new TlsmithError(
          "BAD_DER",
          `${source}: binary data that is neither a DER certificate, CSR nor private key. ` +
            `Check that it is the right file.`,
        );
      }
    }
  }
  const text = new TextDecoder().decode(bytes);
  const blocks = decodePem(text, { source });
  const items: Item[] = [];
  for (const block of blocks) items.push(await itemOf(block, source));
  return items;
}

function printItem(ctx: CliContext, item: Item, index: number, count: number): void {
  const head = count > 1 ? `[${index}] ` : "";
  const p = (label: string, value: unknown) => ctx.print(`  ${label.padEnd(13)}${value}`);
  if (item.kind === "certificate") {
    ctx.print(`${head}Certificate${item.isCa ? " (CA)" : ""}`);
    p("Subject:", item.subject || "(empty)");
    p("Issuer:", `${item.issuer}${item.selfSigned ? " (self-signed)" : ""}`);
    const sans = item.subjectAltNames as string[];
    if (sans.length) p("Names:", sans.join(", "));
    const left = daysLeft(new Date(item.notAfter as string));
    p(
      "Valid:",
      `${item.notBefore} to ${item.notAfter} (${item.expired ? "EXPIRED" : `${left} days left`})`,
    );
    p("Key:", item.keyType);
    p(
      "CA:",
      item.isCa ? `yes${item.pathLength !== null ? `, pathlen ${item.pathLength}` : ""}` : "no",
    );
    p(
      "Key usage:",
      [...(item.keyUsage as string[]), ...(item.extendedKeyUsage as string[])].join(", ") || "-",
    );
    const nc = item.nameConstraints as { permitted: string[]; excluded: string[] } | null;
    if (nc) {
      p(
        "Permits:",
        nc.permitted.filter((s) => s.startsWith("dns:") || s.startsWith("ip:")).map((s) =>
          s.slice(s.indexOf(":") + 1)
        ).join(", "),
      );
    }
    p("Serial:", item.serialNumber);
    p("SHA-256:", item.sha256);
  } else if (item.kind === "certificate request") {
    ctx.print(`${head}Certificate signing request`);
    p("Subject:", item.subject || "(empty)");
    const sans = item.subjectAltNames as string[];
    p("Names:", sans.length ? sans.join(", ") : "(none)");
    p("Key:", item.keyType);
    p(
      "Signature:",
      item.signatureValid
        ? `valid (${item.signatureAlgorithm})`
        : item.signatureRefused
        ? `NOT CHECKED: ${item.signatureRefused}`
        : `INVALID (altered or damaged; ${item.signatureAlgorithm})`,
    );
    p("Public key:", `SHA-256 ${item.publicKeySha256}`);
  } else if (item.kind === "private key") {
    ctx.print(`${head}Private key (${item.format}${item.encrypted ? "" : ", not encrypted"})`);
    if (item.encrypted) p("Key:", "encrypted; type not shown without the pass phrase");
    else {
      p("Key:", item.keyType);
      p("Public key:", `SHA-256 ${item.publicKeySha256}`);
    }
  } else if (item.kind === "public key") {
    ctx.print(`${head}Public key`);
    p("Key:", item.keyType);
    p("SHA-256:", item.publicKeySha256);
  } else {
    ctx.print(`${head}Unknown PEM block "${item.label}"`);
  }
}

/**
 * Run `tlsmith inspect`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { adhocCert } from "../../ca/adhoc.ts";
 * import { run } from "./inspect.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-inspect-", async (dir) => {
 *   await runtime.writeFile(`${dir}/cert.pem`, (await adhocCert()).cert);
 *   const out: string[] = [];
 *   const ctx = { runtime, print: (line: string) => out.push(line), printError: () => {} };
 *   assert.equal(await run(ctx, [`${dir}/cert.pem`]), 0);
 *   assert.deepEqual(out.slice(0, 2), [`${dir}/cert.pem: 1 item`, "Certificate"]);
 *   assert.ok(out.includes("  Names:       DNS:localhost, IP Address:127.0.0.1, IP Address:::1"));
 *   out.length = 0;
 *   assert.equal(await run(ctx, [`${dir}/cert.pem`, "--json"]), 0);
 *   assert.equal(JSON.parse(out.join("\n")).items[0].selfSigned, true);
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } }, {
    min: 1,
    max: 1,
    name: "FILE",
  });
  const file = positionals[0];
  const items = await inspectBytes(await readInputFile(ctx.runtime, file), file);
  if (values.json) {
    ctx.print(JSON.stringify({ file, items }, null, 2));
    return 0;
  }
  const certs = items.filter((i) => i.kind === "certificate").length;
  ctx.print(
    `${file}: ${
      certs > 1
        ? `certificate chain of ${certs}`
        : `${items.length} item${items.length > 1 ? "s" : ""}`
    }`,
  );
  items.forEach((item, i) => printItem(ctx, item, i, items.length));
  return 0;
}
