/**
 * Expiry warnings for the CA and the certificates in use: files named by the user and the
 * certificates the CA issued in a directory (where `tlsmith cert` writes them).
 *
 * @module
 */

import type { Runtime } from "../serve/runtime/types.ts";
import { describeCertificate } from "../x509/describe.ts";
import { certificatesIn, expiryWarning, type TrustCa } from "./ca.ts";
import { pathJoin } from "./util.ts";

/** Files larger than this are not certificates. */
const MAX_CERT_FILE = 256 * 1024;
/** At most this many files of a directory are looked at. */
const MAX_DIR_FILES = 200;

/**
 * The certificate files in `dir` (not recursive) whose first certificate the CA issued.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { trustCaFromPem } from "./ca.ts";
 * import { issuedIn } from "./expiry.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * const authority = await CertificateAuthority.create();
 * const ca = await trustCaFromPem(authority.certPem, "ca.pem");
 * await withTempDir(runtime, "tlsmith-certs-", async (dir) => {
 *   const leaf = await authority.issue(["localhost"]);
 *   await runtime.writeFile(`${dir}/localhost.pem`, leaf.chain);
 *   await runtime.writeFile(`${dir}/localhost-key.pem`, leaf.key, { mode: 0o600 });
 *   await runtime.writeFile(`${dir}/other.pem`, (await adhocCert()).cert);
 *   assert.deepEqual(await issuedIn(runtime, dir, ca), [`${dir}/localhost.pem`]);
 * });
 * ```
 */
export async function issuedIn(runtime: Runtime, dir: string, ca: TrustCa): Promise<string[]> {
  let entries;
  try {
    entries = await runtime.readDir(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.slice(0, MAX_DIR_FILES)) {
    if (!e.isFile || !/\.(pem|crt|cer)$/i.test(e.name) || /-key\.pem$/i.test(e.name)) continue;
    const file = pathJoin(runtime.platform(), dir, e.name);
    const info = await runtime.stat(file).catch(() => null);
    if (!info || info.size > MAX_CERT_FILE) continue;
    const der = certificatesIn(await runtime.readFile(file).catch(() => new Uint8Array()))[0];
    if (!der) continue;
    try {
      const d = await describeCertificate(der);
      if (!d.isCa && d.issuer === ca.subject) out.push(file);
    } catch {
      // not a certificate we can read: not ours
    }
  }
  return out;
}

/**
 * Warnings for the CA and each leaf file that expires within 30 days (or has expired); a leaf
 * file that cannot be read is a warning too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { trustCaFromPem } from "./ca.ts";
 * import { expiryWarnings } from "./expiry.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * const authority = await CertificateAuthority.create();
 * const ca = await trustCaFromPem(authority.certPem, "ca.pem");
 * await withTempDir(runtime, "tlsmith-certs-", async (dir) => {
 *   const file = `${dir}/localhost.pem`;
 *   await runtime.writeFile(file, (await authority.issue(["localhost"], { days: 90 })).cert);
 *   assert.deepEqual(await expiryWarnings(runtime, ca, [file]), []);
 *   const in85Days = new Date(Date.now() + 85 * 86_400_000);
 *   const [warning] = await expiryWarnings(runtime, ca, [file], in85Days);
 *   assert.match(warning, /localhost\.pem \(DNS:localhost\) expires in 5 days .* Issue a new one/);
 * });
 * ```
 */
export async function expiryWarnings(
  runtime: Runtime,
  ca: TrustCa,
  leafFiles: readonly string[],
  now = new Date(),
): Promise<string[]> {
  const out: string[] = [];
  const caWarning = expiryWarning(`The CA ${ca.file}`, ca.notAfter, now);
  if (caWarning) {
    out.push(
      `${caWarning} Make a new one with \`tlsmith ca init --force\`, then \`tlsmith trust\` it (and \`tlsmith untrust\` the old one first).`,
    );
  }
  for (const file of leafFiles) {
    let der: Uint8Array | undefined;
    try {
      der = certificatesIn(await runtime.readFile(file))[0];
    } catch (err) {
      out.push(`${file}: cannot be read (${err instanceof Error ? err.message : err}).`);
      continue;
    }
    if (!der) {
      out.push(`${file}: holds no certificate.`);
      continue;
    }
    try {
      const d = await describeCertificate(der);
      const w = expiryWarning(
        `${file} (${d.subjectAltNames.join(", ") || d.subject})`,
        d.notAfter,
        now,
      );
      if (w) out.push(`${w} Issue a new one with \`tlsmith cert\`.`);
    } catch (err) {
      out.push(`${file}: ${err instanceof Error ? err.message : err}`);
    }
  }
  return out;
}
