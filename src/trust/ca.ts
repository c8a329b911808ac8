/**
 * The CA certificate being trusted, as every trust store sees it: its exact DER (the only thing
 * an entry is ever matched by), fingerprints, the label tlsmith gives its entries, expiry, and
 * whether it is name-constrained.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { decodePem, encodePem, isCertificateLabel } from "../pem.ts";
import { encodeHex, equalBytes } from "../_internal/bytes.ts";
import { describeCertificate } from "../x509/describe.ts";
import { readCertificate } from "../x509/model.ts";
import { describeNameConstraints } from "../ca/constraints.ts";
import { readNameConstraints } from "../x509/name_constraints.ts";
import type { Runtime } from "../serve/runtime/types.ts";
import { type CaStore, caStore } from "../ca/store.ts";

/** Warn this many days before a certificate expires. */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The CA certificate a trust operation works on. */
export interface TrustCa {
  /** The file it was read from (`ca.pem` of the CA directory). */
  file: string;
  /** The certificate alone, in PEM. */
  pem: string;
  /** The certificate's DER: store entries are ours only when byte-identical to this. */
  der: Uint8Array;
  /** SHA-256 of the DER, lower-case hex without colons. */
  sha256: string;
  /** SHA-1 of the DER, upper-case hex without colons (how macOS and Windows name certificates). */
  sha1: string;
  /** The subject, e.g. `CN=tlsmith development CA 2025-01-01 a1b2c3, …`. */
  subject: string;
  /** End of validity. */
  notAfter: Date;
  /** True when the certificate carries name constraints. */
  constrained: boolean;
  /** The names it may certify, as text (`localhost, test, …`), or `"any name"`. */
  permitted: string;
  /** The name tlsmith gives its entries in stores: `tlsmith-` + 16 hex digits of the SHA-256. */
  label: string;
}

async function digestHex(algorithm: "SHA-256" | "SHA-1", der: Uint8Array): Promise<string> {
  const bytes = new Uint8Array(der);
  return encodeHex(new Uint8Array(await crypto.subtle.digest(algorithm, bytes)));
}

/**
 * The model of a CA certificate given as PEM (one certificate). Not a CA certificate, or not
 * exactly one certificate: `BAD_CERTIFICATE` naming `file`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { trustCaFromPem } from "./ca.ts";
 * const ca = await trustCaFromPem((await CertificateAuthority.create()).certPem, "ca.pem");
 * assert.equal(ca.constrained, true);
 * assert.match(ca.label, /^tlsmith-[0-9a-f]{16}$/);
 * ```
 */
export async function trustCaFromPem(pem: string, file: string): Promise<TrustCa> {
  const blocks = decodePem(pem, { source: file, expect: "certificate" }).filter((b) =>
    isCertificateLabel(b.label)
  );
  if (blocks.length !== 1) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${file}: expected exactly one CA certificate, found ${blocks.length}. Pass the CA's own ca.pem.`,
    );
  }
  const der = blocks[0].der;
  const info = await describeCertificate(der);
  if (!info.isCa) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${file}: "${info.subject}" is not a CA certificate (basicConstraints CA:TRUE is missing); trusting it would not make any other certificate trusted. Pass the CA's ca.pem.`,
    );
  }
  const constraints = readNameConstraints(readCertificate(der, file));
  const sha256 = await digestHex("SHA-256", der);
  return {
    file,
    pem: encodePem("CERTIFICATE", der),
    der,
    sha256,
    sha1: (await digestHex("SHA-1", der)).toUpperCase(),
    subject: info.subject,
    notAfter: info.notAfter,
    constrained: constraints !== null,
    permitted: constraints ? describeNameConstraints(constraints) : "any name",
    label: `tlsmith-${sha256.slice(0, 16)}`,
  };
}

/**
 * Read a CA certificate file into its model ({@linkcode trustCaFromPem}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { readTrustCa } from "./ca.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * const { certPem } = await CertificateAuthority.create();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   await runtime.writeFile(`${dir}/ca.pem`, certPem);
 *   const ca = await readTrustCa(runtime, `${dir}/ca.pem`);
 *   assert.equal(ca.pem, certPem);
 *   assert.equal(ca.constrained, true);
 *   assert.equal(ca.label, `tlsmith-${ca.sha256.slice(0, 16)}`); // its name in NSS and Java stores
 * });
 * ```
 */
export async function readTrustCa(runtime: Pick<Runtime, "readTextFile">, file: string) {
  return trustCaFromPem(await runtime.readTextFile(file), file);
}

/**
 * The DER of every certificate in a file's content: PEM blocks when it has any (other blocks and
 * text are ignored), else the bytes themselves as one DER certificate. Damaged PEM gives none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePem } from "../pem.ts";
 * import { certificatesIn } from "./ca.ts";
 * const text = "# bundle\n" + encodePem("CERTIFICATE", new Uint8Array([0x30, 0])) + encodePem("PRIVATE KEY", new Uint8Array([0x30, 0]));
 * assert.equal(certificatesIn(text).length, 1);
 * assert.equal(certificatesIn("not a certificate").length, 0);
 * ```
 */
export function certificatesIn(content: string | Uint8Array): Uint8Array[] {
  const text = typeof content === "string"
    ? content
    : new TextDecoder("utf-8", { fatal: false }).decode(content);
  if (text.includes("-----BEGIN ")) {
    try {
      return decodePem(text).filter((b) => isCertificateLabel(b.label)).map((b) => b.der);
    } catch {
      return [];
    }
  }
  if (typeof content !== "string" && content.length > 0 && content[0] === 0x30) return [content];
  return [];
}

/**
 * How a file's certificates relate to the CA: `"only"` (it holds our CA and nothing else),
 * `"among"` (our CA and other certificates), or `"none"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { holdsCa, trustCaFromPem } from "./ca.ts";
 * const ca = await trustCaFromPem((await CertificateAuthority.create()).certPem, "ca.pem");
 * assert.equal(holdsCa(ca.pem, ca), "only");
 * assert.equal(holdsCa(ca.pem + ca.pem, ca), "only");
 * assert.equal(holdsCa("", ca), "none");
 * ```
 */
export function holdsCa(content: string | Uint8Array, ca: TrustCa): "only" | "among" | "none" {
  const certs = certificatesIn(content);
  const ours = certs.filter((der) => equalBytes(der, ca.der)).length;
  if (ours === 0) return "none";
  return ours === certs.length ? "only" : "among";
}

/**
 * A warning when a certificate expires within {@linkcode EXPIRY_WARNING_DAYS} days (or has
 * expired), else null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expiryWarning } from "./ca.ts";
 * const now = new Date("2030-01-01T00:00:00Z");
 * assert.equal(expiryWarning("the CA ca.pem", new Date("2031-01-01T00:00:00Z"), now), null);
 * assert.match(expiryWarning("the CA ca.pem", new Date("2030-01-11T00:00:00Z"), now) ?? "", /expires in 10 days/);
 * assert.match(expiryWarning("leaf.pem", new Date("2029-12-01T00:00:00Z"), now) ?? "", /expired on 2029-12-01/);
 * ```
 */
export function expiryWarning(what: string, notAfter: Date, now = new Date()): string | null {
  const left = notAfter.getTime() - now.getTime();
  const date = notAfter.toISOString().slice(0, 10);
  if (left <= 0) return `${what} expired on ${date}.`;
  if (left > EXPIRY_WARNING_DAYS * DAY_MS) return null;
  const days = Math.ceil(left / DAY_MS);
  return `${what} expires in ${days} day${days === 1 ? "" : "s"} (${date}).`;
}

/**
 * The CA store of `dir` with absolute paths once the directory exists (a relative `--dir` would
 * otherwise end up in store entries, commands and environment variables that are used from
 * other directories).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { absoluteCaStore } from "./ca.ts";
 * const runtime = await getRuntime();
 * const store = await absoluteCaStore(runtime, ".");
 * assert.equal(store.dir, await runtime.realPath(runtime.cwd()));
 * assert.equal(store.certFile, `${store.dir}/ca.pem`);
 * assert.equal((await absoluteCaStore(runtime, "not-made-yet")).dir, "not-made-yet");
 * ```
 */
export async function absoluteCaStore(runtime: Runtime, dir?: string): Promise<CaStore> {
  const store = caStore(runtime, dir);
  const real = await runtime.realPath(store.dir).catch(() => null);
  return real ? caStore(runtime, real) : store;
}
