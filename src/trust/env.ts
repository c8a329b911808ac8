/**
 * The environment that makes runtimes which ignore the system store trust the local CA:
 *
 * | variable              | read by                                   | semantics                      |
 * | --------------------- | ----------------------------------------- | ------------------------------ |
 * | `NODE_EXTRA_CA_CERTS` | Node, Bun, Deno 2.8+                      | added to the built-in CAs      |
 * | `DENO_CERT`           | Deno                                      | added to the built-in CAs      |
 * | `SSL_CERT_FILE`       | OpenSSL: curl, Python `ssl`/urllib, Ruby… | REPLACES the default CA file   |
 * | `REQUESTS_CA_BUNDLE`  | Python requests                           | REPLACES certifi's bundle      |
 *
 * The additive ones point at `ca.pem`. The replacing ones point at a bundle of the system's CAs
 * plus ours (`ca-bundle.pem` in the CA directory), so nothing else stops being trusted; without a
 * system bundle (Windows) they are left unset. A value the user already set is kept when its file
 * holds our CA, and otherwise extended into a file of its own in the CA directory.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { getRuntime } from "../serve/runtime/mod.ts";
import type { Runtime } from "../serve/runtime/types.ts";
import { readStoredCa } from "../ca/store.ts";
import { absoluteCaStore, holdsCa, readTrustCa, type TrustCa } from "./ca.ts";
import { readRecord } from "./record.ts";
import { systemBundle } from "./system_linux.ts";
import { pathJoin } from "./util.ts";

/** One environment variable to set. */
export interface TrustEnvVar {
  /** The name, e.g. `NODE_EXTRA_CA_CERTS`. */
  name: string;
  /** The file it points at. */
  value: string;
  /** Who reads it. */
  readBy: string;
}

/** What {@linkcode trustEnv} found. */
export interface TrustEnv {
  /** The CA certificate file. */
  caFile: string;
  /** True when `tlsmith untrust` removed the CA: nothing is set, and what tlsmith set is unset. */
  untrusted?: boolean;
  /** The variables to set, in order. */
  vars: TrustEnvVar[];
  /** Variables to unset (they point at files tlsmith wrote for an untrusted CA). */
  unset?: string[];
  /** Variables left unset or kept, and why. */
  notes: string[];
}

/** Options of {@linkcode trustEnv}. */
export interface TrustEnvOptions {
  /** The CA directory (default `$TLSMITH_CA_DIR` or the user data directory). */
  dir?: string;
}

interface VarSpec {
  name: string;
  readBy: string;
  /** True when the variable replaces the default CAs instead of adding to them. */
  replaces: boolean;
}

/** The variables, in the order they are printed. */
export const TRUST_ENV_VARS: readonly VarSpec[] = [
  { name: "NODE_EXTRA_CA_CERTS", readBy: "Node, Bun, Deno 2.8+", replaces: false },
  { name: "DENO_CERT", readBy: "Deno", replaces: false },
  { name: "SSL_CERT_FILE", readBy: "OpenSSL clients: curl, Python ssl/urllib", replaces: true },
  { name: "REQUESTS_CA_BUNDLE", readBy: "Python requests", replaces: true },
];

/** Write `content` to `file` unless it already holds exactly that. */
async function writeIfChanged(runtime: Runtime, file: string, content: string): Promise<void> {
  const old = await runtime.readTextFile(file).catch(() => null);
  if (old === content) return;
  await runtime.writeFile(file, content, { overwrite: true, mode: 0o644 });
}

async function combined(
  runtime: Runtime,
  ca: TrustCa,
  dir: string,
  name: string,
  base: string,
): Promise<string | null> {
  let content: string;
  try {
    content = await runtime.readTextFile(base);
  } catch {
    return null;
  }
  await writeIfChanged(
    runtime,
    pathJoin(runtime.platform(), dir, name),
    `${content.trimEnd()}\n${ca.pem}`,
  );
  return pathJoin(runtime.platform(), dir, name);
}

/**
 * The environment that makes Node, Deno, Bun and Python trust the local CA (see the module
 * documentation for what each variable does). Writes `ca-bundle.pem` (the system's CAs plus
 * ours) into the CA directory when the replacing variables need it. No CA: `CA_NOT_FOUND`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { caStore, createStoredCa } from "../ca/store.ts";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { holdsCa, readTrustCa } from "./ca.ts";
 * import { trustEnv } from "./env.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   await createStoredCa(runtime, caStore(runtime, dir), {});
 *   const env = await trustEnv({ dir });
 *   assert.ok(env.vars.some((v) => v.name === "NODE_EXTRA_CA_CERTS"));
 *   // Every variable points at a file that holds the CA.
 *   const ca = await readTrustCa(runtime, env.caFile);
 *   for (const v of env.vars) assert.notEqual(holdsCa(await runtime.readFile(v.value), ca), "none");
 * });
 * ```
 */
export async function trustEnv(options: TrustEnvOptions = {}): Promise<TrustEnv> {
  return await trustEnvOn(await getRuntime(), options);
}

/**
 * {@linkcode trustEnv} on a given runtime (the CLI passes its own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { caStore, createStoredCa } from "../ca/store.ts";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { trustEnvOn } from "./env.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * const fresh = { ...runtime, env: () => undefined }; // none of the variables is set yet
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   await createStoredCa(fresh, caStore(fresh, dir), {});
 *   const env = await trustEnvOn(fresh, { dir });
 *   const additive = env.vars.filter((v) => v.name === "NODE_EXTRA_CA_CERTS" || v.name === "DENO_CERT");
 *   assert.deepEqual(additive.map((v) => v.value), [env.caFile, env.caFile]);
 * });
 * ```
 */
export async function trustEnvOn(
  runtime: Runtime,
  options: TrustEnvOptions,
): Promise<TrustEnv> {
  const store = await absoluteCaStore(runtime, options.dir);
  if (!(await readStoredCa(runtime, store))) {
    throw new TlsmithError(
      "CA_NOT_FOUND",
      `no local CA in ${store.dir} (no ca.pem). Create and trust one with \`tlsmith trust${
        options.dir ? ` --dir ${options.dir}` : ""
      }\`.`,
    );
  }
  const ca = await readTrustCa(runtime, store.certFile);
  const vars: TrustEnvVar[] = [];
  const notes: string[] = [];
  if ((await readRecord(runtime, store.dir)).untrusted.includes(ca.sha256)) {
    // Set by an earlier `tlsmith env`: a value that is a file in the CA directory.
    const inDir = (value: string) => value.startsWith(pathJoin(runtime.platform(), store.dir, ""));
    return {
      caFile: ca.file,
      untrusted: true,
      vars,
      unset: TRUST_ENV_VARS.map((v) => v.name).filter((n) => inDir(runtime.env(n) ?? "")),
      notes: [
        `The local CA ${ca.file} was removed with \`tlsmith untrust\`, so nothing is set; \`tlsmith trust\` trusts it again.`,
      ],
    };
  }
  const system = await systemBundle(runtime);
  for (const spec of TRUST_ENV_VARS) {
    const current = runtime.env(spec.name);
    const currentContent = current ? await runtime.readFile(current).catch(() => null) : null;
    const set = (value: string) => vars.push({ name: spec.name, value, readBy: spec.readBy });
    if (current && currentContent && holdsCa(currentContent, ca) !== "none") {
      set(current); // already includes our CA (e.g. from an earlier `tlsmith env`)
      continue;
    }
    if (current && !currentContent) {
      notes.push(`${spec.name}=${current} cannot be read; it is replaced.`);
    }
    const base = current && currentContent ? current : spec.replaces ? system : null;
    if (!base) {
      if (spec.replaces) {
        notes.push(
          `${spec.name} is left unset: no system CA bundle was found, and pointing it at the CA alone would stop every other site from being trusted.`,
        );
      } else set(ca.file);
      continue;
    }
    if (base === system) {
      const content = await runtime.readFile(base).catch(() => null);
      if (content && holdsCa(content, ca) !== "none") {
        set(base); // the system store trusts it already (`tlsmith trust`)
        continue;
      }
    }
    const file = base === system ? "ca-bundle.pem" : `${spec.name.toLowerCase()}.pem`;
    const value = await combined(runtime, ca, store.dir, file, base);
    if (value) set(value);
    else notes.push(`${spec.name} is left unset: ${base} cannot be read.`);
  }
  return { caFile: ca.file, vars, notes };
}

/** The shells {@linkcode formatEnv} writes for. */
export type EnvShell = "sh" | "fish" | "powershell";

/**
 * The variables as commands for a shell: `export NAME='value'` (sh, bash, zsh), `set -gx NAME
 * 'value'` (fish) or `$env:NAME = 'value'` (PowerShell), with the notes as comments.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatEnv } from "./env.ts";
 * const env = { caFile: "/ca.pem", vars: [{ name: "DENO_CERT", value: "/it's/ca.pem", readBy: "Deno" }], notes: [] };
 * assert.equal(formatEnv(env, "sh"), "export DENO_CERT='/it'\\''s/ca.pem'  # Deno\n");
 * assert.equal(formatEnv(env, "fish"), "set -gx DENO_CERT '/it\\'s/ca.pem'  # Deno\n");
 * assert.equal(formatEnv(env, "powershell"), "$env:DENO_CERT = '/it''s/ca.pem'  # Deno\n");
 * ```
 */
export function formatEnv(env: TrustEnv, shell: EnvShell): string {
  const lines: string[] = env.notes.map((n) => `# ${n}`);
  for (const name of env.unset ?? []) {
    lines.push(
      shell === "fish"
        ? `set -e ${name}`
        : shell === "powershell"
        ? `Remove-Item Env:${name} -ErrorAction SilentlyContinue`
        : `unset ${name}`,
    );
  }
  for (const v of env.vars) {
    const line = shell === "fish"
      ? `set -gx ${v.name} '${v.value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`
      : shell === "powershell"
      ? `$env:${v.name} = '${v.value.replaceAll("'", "''")}'`
      : `export ${v.name}='${v.value.replaceAll("'", `'\\''`)}'`;
    lines.push(`${line}  # ${v.readBy}`);
  }
  return lines.map((l) => `${l}\n`).join("");
}

/**
 * The variables as environment changes for a child process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { envChanges } from "./env.ts";
 * assert.deepEqual(envChanges({ caFile: "/ca.pem", vars: [{ name: "DENO_CERT", value: "/ca.pem", readBy: "Deno" }], notes: [] }), { DENO_CERT: "/ca.pem" });
 * ```
 */
export function envChanges(env: TrustEnv): Record<string, string> {
  return Object.fromEntries(env.vars.map((v) => [v.name, v.value]));
}
