/**
 * Java's trust store: the `cacerts` keystore of `JAVA_HOME` and of the `keytool`/`java` on PATH,
 * changed with `keytool`. A change is made on a copy next to the keystore, checked (every old
 * entry still there, ours added or removed), then renamed over it, so a failure never leaves a
 * half-written keystore. Only entries byte-identical to our CA are removed, whatever their alias
 * (Debian's `ca-certificates-java` adds system CAs as `debian:NAME.pem`).
 *
 * @module
 */

import type { Runtime } from "../serve/runtime/types.ts";
import { isTlsmithError } from "../errors.ts";
import { encodeHex, equalBytes } from "../_internal/bytes.ts";
import { certificatesIn, type TrustCa } from "./ca.ts";
import { outcome, type StoreOutcome, type StoreScan, type TrustStore } from "./store.ts";
import { commandLine, exists, failureOf, parentDir, pathJoin } from "./util.ts";

/** The keystore password every JDK ships `cacerts` with (public, not a secret). */
export const CACERTS_PASSWORD = "changeit";

/**
 * The `keytool` arguments tlsmith uses on a keystore.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keytoolCommands } from "./java.ts";
 * const k = keytoolCommands("/etc/ssl/certs/java/cacerts");
 * assert.deepEqual(k.add("tlsmith-00", "/ca.pem"), [
 *   "-importcert", "-noprompt", "-alias", "tlsmith-00", "-file", "/ca.pem",
 *   "-keystore", "/etc/ssl/certs/java/cacerts", "-storepass", "changeit",
 * ]);
 * assert.deepEqual(k.remove("debian:tlsmith-00.pem"), [
 *   "-delete", "-alias", "debian:tlsmith-00.pem", "-keystore", "/etc/ssl/certs/java/cacerts", "-storepass", "changeit",
 * ]);
 * ```
 */
export function keytoolCommands(keystore: string) {
  const store = ["-keystore", keystore, "-storepass", CACERTS_PASSWORD];
  return {
    list: () => ["-list", "-rfc", ...store],
    add: (alias: string, caFile: string) => [
      "-importcert",
      "-noprompt",
      "-alias",
      alias,
      "-file",
      caFile,
      ...store,
    ],
    remove: (alias: string) => ["-delete", "-alias", alias, ...store],
  };
}

/**
 * The entries of `keytool -list -rfc` output: alias and certificate DER.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePem } from "../pem.ts";
 * import { parseKeytoolList } from "./java.ts";
 * const out = "Keystore type: JKS\n\nAlias name: a\nEntry type: trustedCertEntry\n\n" +
 *   encodePem("CERTIFICATE", new Uint8Array([0x30, 0])) + "\n\n*****\n\nAlias name: b\n";
 * const entries = parseKeytoolList(out);
 * assert.deepEqual(entries.map((e) => [e.alias, e.certificates.length]), [["a", 1], ["b", 0]]);
 * ```
 */
export function parseKeytoolList(
  output: string,
): { alias: string; certificates: Uint8Array[] }[] {
  const parts = output.split(/^Alias name: /m).slice(1);
  return parts.map((part) => {
    const newline = part.indexOf("\n");
    const alias = (newline < 0 ? part : part.slice(0, newline)).trim();
    return { alias, certificates: certificatesIn(part) };
  });
}

function randomHex(): string {
  return encodeHex(crypto.getRandomValues(new Uint8Array(6)));
}

function message(err: unknown): string {
  return isTlsmithError(err) ? err.message : String(err);
}

function permissionProblem(err: unknown): boolean {
  return isTlsmithError(err) && /permission|denied|EACCES|EPERM|read-only/i.test(err.message);
}

/** A Java keystore (`cacerts`) and the `keytool` to change it with. */
class JavaStore implements TrustStore {
  readonly kind = "java" as const;
  readonly id: string;
  readonly name = "Java cacerts";
  readonly clients: string;

  constructor(
    private runtime: Runtime,
    readonly location: string,
    private keytool: string,
    javaHomes: readonly string[],
  ) {
    this.id = `java:${location}`;
    this.clients = `Java (${javaHomes.join(", ") || keytool})`;
  }

  async #list(keystore: string) {
    const r = await this.runtime.run(this.keytool, keytoolCommands(keystore).list(), {
      timeoutMs: 120_000,
    });
    if (r.code !== 0) throw new Error(failureOf("keytool -list", r));
    return parseKeytoolList(r.stdout);
  }

  async scan(ca: TrustCa): Promise<StoreScan> {
    let list;
    try {
      list = await this.#list(this.location);
    } catch (err) {
      return {
        state: "failed",
        message: `cannot read ${this.location}: ${err instanceof Error ? err.message : err}`,
      };
    }
    const entries: string[] = [];
    const mixed: string[] = [];
    for (const { alias, certificates } of list) {
      const ours = certificates.filter((der) => equalBytes(der, ca.der)).length;
      if (ours === 0) continue;
      if (ours === certificates.length) entries.push(alias);
      else mixed.push(alias);
    }
    return { state: "ok", entries, untrusted: [], mixed };
  }

  /**
   * Apply keytool commands to a copy of the keystore, check the result, and rename it over the
   * keystore. `expect` says which aliases must be there afterwards and which must be gone.
   */
  async #change(
    ca: TrustCa,
    steps: string[][],
    expect: { present: string[]; absent: string[] },
  ): Promise<{ ok: true } | { ok: false; action: "needs-root" | "failed"; message: string }> {
    const before = await this.#list(this.location);
    const dir = parentDir(this.location);
    const copy = pathJoin(this.runtime.platform(), dir, `.cacerts.tlsmith-${randomHex()}.tmp`);
    let mode = 0o644;
    try {
      mode = (await this.runtime.fileMode(this.location)) ?? 0o644;
      await this.runtime.writeFile(copy, await this.runtime.readFile(this.location), { mode });
    } catch (err) {
      return permissionProblem(err)
        ? { ok: false, action: "needs-root", message: `changing ${this.location} needs root.` }
        : { ok: false, action: "failed", message: message(err) };
    }
    try {
      for (const step of steps) {
        const args = step.map((a) => (a === this.location ? copy : a));
        const r = await this.runtime.run(this.keytool, args, { timeoutMs: 120_000 });
        if (r.code !== 0) {
          return { ok: false, action: "failed", message: failureOf(`keytool ${args[0]}`, r) };
        }
      }
      const after = new Map((await this.#list(copy)).map((e) => [e.alias, e.certificates]));
      const kept = before.every((e) => expect.absent.includes(e.alias) || after.has(e.alias));
      const added = expect.present.every((a) =>
        after.get(a)?.some((der) => equalBytes(der, ca.der))
      );
      const gone = expect.absent.every((a) => !after.has(a));
      if (!kept || !added || !gone) {
        return {
          ok: false,
          action: "failed",
          message: `keytool's result did not check out; ${this.location} was left unchanged.`,
        };
      }
      await this.runtime.rename(copy, this.location);
      return { ok: true };
    } catch (err) {
      return { ok: false, action: "failed", message: message(err) };
    } finally {
      await this.runtime.remove(copy).catch(() => {});
    }
  }

  async add(ca: TrustCa): Promise<StoreOutcome> {
    const commands = keytoolCommands(this.location);
    const step = commands.add(ca.label, ca.file);
    let result;
    try {
      result = await this.#change(ca, [step], { present: [ca.label], absent: [] });
    } catch (err) {
      result = { ok: false as const, action: "failed" as const, message: message(err) };
    }
    if (!result.ok) {
      return outcome(this, result.action, result.message, {
        commands: [`sudo ${commandLine([this.keytool, ...step])}`],
      });
    }
    return outcome(this, "added", `added ${ca.label}.`, { entries: [ca.label] });
  }

  async remove(ca: TrustCa, entries: string[]): Promise<StoreOutcome> {
    const commands = keytoolCommands(this.location);
    const steps = entries.map((alias) => commands.remove(alias));
    let result;
    try {
      result = await this.#change(ca, steps, { present: [], absent: entries });
    } catch (err) {
      result = { ok: false as const, action: "failed" as const, message: message(err) };
    }
    if (!result.ok) {
      return outcome(this, result.action, result.message, {
        entries,
        commands: steps.map((s) => `sudo ${commandLine([this.keytool, ...s])}`),
      });
    }
    return outcome(this, "removed", `removed ${entries.join(", ")}.`, { entries });
  }
}

/** A Java installation: its home, `keytool`, `java` and the keystore it trusts. */
export interface JavaInstallation {
  /** The Java home (e.g. `/usr/lib/jvm/java-17-openjdk-amd64`). */
  home: string;
  /** Its `keytool`. */
  keytool: string;
  /** Its `java`, or null. */
  java: string | null;
  /** The real path of its `cacerts`. */
  cacerts: string;
}

/**
 * The Java installations of `JAVA_HOME` and of the `keytool` and `java` on PATH (each once).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { javaInstallations } from "./java.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-jdk-", async (jdk) => {
 *   // A JDK's layout, found through JAVA_HOME alone (no Java on PATH).
 *   await runtime.mkdir(`${jdk}/bin`);
 *   await runtime.mkdir(`${jdk}/lib/security`);
 *   await runtime.writeFile(`${jdk}/bin/keytool`, "");
 *   await runtime.writeFile(`${jdk}/lib/security/cacerts`, "");
 *   const cacerts = await runtime.realPath(`${jdk}/lib/security/cacerts`);
 *   const sandbox = {
 *     ...runtime,
 *     env: (name: string) => name === "JAVA_HOME" ? jdk : undefined,
 *     which: () => Promise.resolve(null),
 *   };
 *   assert.deepEqual(await javaInstallations(sandbox), [
 *     { home: jdk, keytool: `${jdk}/bin/keytool`, java: null, cacerts },
 *   ]);
 * });
 * ```
 */
export async function javaInstallations(runtime: Runtime): Promise<JavaInstallation[]> {
  const platform = runtime.platform();
  const exe = platform === "win32" ? ".exe" : "";
  const homes: string[] = [];
  const javaHome = runtime.env("JAVA_HOME");
  if (javaHome) homes.push(javaHome);
  for (const tool of ["keytool", "java"]) {
    const found = await runtime.which(tool);
    const real = found ? await runtime.realPath(found).catch(() => null) : null;
    if (real) homes.push(parentDir(parentDir(real)));
  }
  const out: JavaInstallation[] = [];
  const seen = new Set<string>();
  for (const home of homes) {
    for (const rel of [["lib", "security", "cacerts"], ["jre", "lib", "security", "cacerts"]]) {
      const cacerts = await runtime.realPath(pathJoin(platform, home, ...rel)).catch(() => null);
      if (!cacerts) continue;
      const keytool = pathJoin(platform, home, "bin", `keytool${exe}`);
      const java = pathJoin(platform, home, "bin", `java${exe}`);
      const key = `${home}\n${cacerts}`;
      if (seen.has(key) || !(await exists(runtime, keytool))) break;
      seen.add(key);
      out.push({
        home,
        keytool,
        java: (await exists(runtime, java)) ? java : null,
        cacerts,
      });
      break;
    }
  }
  return out;
}

/**
 * One store per distinct `cacerts` of the machine's Java installations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { javaStores } from "./java.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-jdk-", async (jdk) => {
 *   // A JDK's layout, found through JAVA_HOME alone (no Java on PATH).
 *   await runtime.mkdir(`${jdk}/bin`);
 *   await runtime.mkdir(`${jdk}/lib/security`);
 *   await runtime.writeFile(`${jdk}/bin/keytool`, "");
 *   await runtime.writeFile(`${jdk}/lib/security/cacerts`, "");
 *   const cacerts = await runtime.realPath(`${jdk}/lib/security/cacerts`);
 *   const sandbox = {
 *     ...runtime,
 *     env: (name: string) => name === "JAVA_HOME" ? jdk : undefined,
 *     which: () => Promise.resolve(null),
 *   };
 *   const [store] = await javaStores(sandbox);
 *   assert.equal(store.id, `java:${cacerts}`);
 *   assert.equal(store.kind, "java");
 * });
 * ```
 */
export async function javaStores(runtime: Runtime): Promise<TrustStore[]> {
  const byStore = new Map<string, JavaInstallation[]>();
  for (const j of await javaInstallations(runtime)) {
    byStore.set(j.cacerts, [...(byStore.get(j.cacerts) ?? []), j]);
  }
  return [...byStore].map(([cacerts, installs]) =>
    new JavaStore(runtime, cacerts, installs[0].keytool, installs.map((j) => j.home))
  );
}

/**
 * The store of a recorded keystore path, changed with the first `keytool` found.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { javaStoreAt } from "./java.ts";
 * import { withTempDir } from "./util.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-jdk-", async (jdk) => {
 *   // A JDK's layout, found through JAVA_HOME alone (no Java on PATH).
 *   await runtime.mkdir(`${jdk}/bin`);
 *   await runtime.mkdir(`${jdk}/lib/security`);
 *   await runtime.writeFile(`${jdk}/bin/keytool`, "");
 *   await runtime.writeFile(`${jdk}/lib/security/cacerts`, "");
 *   const cacerts = await runtime.realPath(`${jdk}/lib/security/cacerts`);
 *   const sandbox = {
 *     ...runtime,
 *     env: (name: string) => name === "JAVA_HOME" ? jdk : undefined,
 *     which: () => Promise.resolve(null),
 *   };
 *   assert.equal((await javaStoreAt(sandbox, cacerts!))?.location, cacerts);
 *   assert.equal(await javaStoreAt(sandbox, `${jdk}/gone/cacerts`), null); // removed since
 * });
 * ```
 */
export async function javaStoreAt(runtime: Runtime, cacerts: string): Promise<TrustStore | null> {
  const installs = await javaInstallations(runtime);
  const keytool = installs.find((j) => j.cacerts === cacerts)?.keytool ?? installs[0]?.keytool ??
    await runtime.which("keytool");
  if (!keytool || !(await exists(runtime, cacerts))) return null;
  return new JavaStore(runtime, cacerts, keytool, []);
}
