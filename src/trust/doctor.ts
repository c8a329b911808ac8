/**
 * `checkTrust()`, the doctor: a throw-away HTTPS server on loopback with a certificate from the
 * local CA, and every client present on this machine asked whether it trusts it — curl,
 * OpenSSL, Node (`fetch` and `https`), Deno, Bun, Python (`urllib`, `requests`), Java, each NSS
 * database (NSS's `vfychain`, else its entries) and headless Chromium. Clients that read the
 * environment (Node, Deno, Bun, requests) are asked again with the `tlsmith env` variables, so
 * the fix it suggests is one that was seen to work.
 *
 * @module
 */

import type { CertificateAuthority } from "../ca/authority.ts";
import { getRuntime } from "../serve/runtime/mod.ts";
import { DEFAULT_LIMITS } from "../serve/runtime/connections.ts";
import type { RunCommandResult, Runtime, ServerHandle } from "../serve/runtime/types.ts";
import { encodeHex } from "../_internal/bytes.ts";
import { type TrustCa, trustCaFromPem } from "./ca.ts";
import { expiryWarnings } from "./expiry.ts";
import { javaInstallations } from "./java.ts";
import { CERTUTIL_HINT, nssStores } from "./nss.ts";
import { systemBundle } from "./system_linux.ts";
import { isRoot, lastLine, mapLimit, pathJoin, shellWord, tryRun, withTempDir } from "./util.ts";

/** What one client said. */
export interface ClientCheck {
  /** The client, e.g. `curl`, `node fetch`, `Firefox profile abc.default`. */
  client: string;
  /** True when it trusts the server's certificate, false when it refused it, null when the check failed for another reason. */
  trusts: boolean | null;
  /** Why: where the client gets its CAs from, and its error when it refused. */
  why: string;
  /** What to do when it does not trust, else null. */
  fix: string | null;
  /** For clients that read the environment: true when it trusts with the `tlsmith env` variables. */
  fixVerified?: boolean;
}

/** What {@linkcode checkTrust} found. */
export interface TrustCheck {
  /** The URL of the throw-away server. */
  url: string;
  /** The CA's subject. */
  ca: string;
  /** The clients present on this machine, each with its answer. */
  clients: ClientCheck[];
  /** Clients looked for but not found. */
  missing: string[];
  /** Expiry warnings for the CA and the certificates in use. */
  warnings: string[];
  /** True when every present client trusts the CA. */
  ok: boolean;
}

/** Options of {@linkcode checkTrust}. */
export interface CheckTrustOptions {
  /** The local CA (its key signs the throw-away server's certificate). */
  ca: CertificateAuthority;
  /** The CA's certificate file, for messages. */
  caFile?: string;
  /** The `tlsmith env` variables: clients that read the environment are also asked with them. */
  fixEnv?: Record<string, string>;
  /** Only these clients (ids as in {@linkcode DOCTOR_CLIENTS}). */
  clients?: readonly string[];
  /** Certificate files in use, checked for expiry. */
  leaves?: readonly string[];
  /** Added to the `tlsmith` commands in fixes, e.g. `--dir /tmp/ca`. */
  dirArgument?: string;
  /** Time limit per client in milliseconds (default 45 000). */
  timeoutMs?: number;
  /** The current time, for expiry warnings. */
  now?: Date;
}

/** The clients the doctor knows, by id. */
export const DOCTOR_CLIENTS: readonly string[] = [
  "curl",
  "openssl",
  "node",
  "deno",
  "bun",
  "python",
  "java",
  "nss",
  "chromium",
];

interface Verdict {
  trusts: boolean | null;
  detail: string;
  /** The client turned out not to be there (Python without requests). */
  absent?: boolean;
}

interface Probe {
  client: string;
  /** Where it gets its CAs from. */
  source: string;
  /** What to do when it does not trust. */
  fix: string;
  /** True when the `tlsmith env` variables can fix it. */
  envFix: boolean;
  check(env: Record<string, string | undefined>): Promise<Verdict>;
}

interface Context {
  runtime: Runtime;
  url: string;
  port: number;
  token: string;
  dir: string;
  leafFile: string;
  ca: TrustCa;
  timeoutMs: number;
  trustFix: string;
  envFix: (cmd: string) => string;
  /** The URL (https://localhost:PORT/) of a second server whose certificate has no IP address. */
  dnsOnlyUrl: () => Promise<string>;
}

/** Lines that say a certificate was refused, as each client words it. */
const CERT_ERROR =
  /certificate|UNABLE_TO_GET_ISSUER|SELF_SIGNED|unknown ?issuer|UnknownIssuer|PKIX|CERTIFICATE_VERIFY_FAILED|verify error|ERR_CERT_|issuer is not recognized|SEC_ERROR|UNSUPPORTED_CONSTRAINT_TYPE/i;

/**
 * The line of a client's output that says the certificate was refused, or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { certificateError } from "./doctor.ts";
 * assert.equal(certificateError("curl: (60) SSL certificate problem: unable to get local issuer certificate\nMore details here"), "curl: (60) SSL certificate problem: unable to get local issuer certificate");
 * assert.equal(certificateError("connection refused"), null);
 * ```
 */
export function certificateError(text: string): string | null {
  for (const raw of text.split(/\r?\n/)) {
    // Chromium's log lines start with "[pid:tid:time:LEVEL:file(line)] ".
    const line = raw.trim().replace(/^\[[^\]]*\]\s*/, "");
    if (line && CERT_ERROR.test(line)) return line.length > 240 ? `${line.slice(0, 240)}…` : line;
  }
  return null;
}

function verdictOf(result: RunCommandResult | null, ok: (r: RunCommandResult) => boolean): Verdict {
  if (!result) return { trusts: null, detail: "could not be started" };
  if (ok(result)) return { trusts: true, detail: "" };
  if (result.timedOut) return { trusts: null, detail: "did not answer in time" };
  const refused = certificateError(`${result.stderr}\n${result.stdout}`);
  if (refused) return { trusts: false, detail: refused };
  return {
    trusts: null,
    detail: lastLine(result.stderr) || lastLine(result.stdout) || `exit code ${result.code}`,
  };
}

function commandProbe(
  ctx: Context,
  spec: Omit<Probe, "check"> & {
    cmd: string;
    args: string[];
    input?: string;
    ok?: (r: RunCommandResult) => boolean;
    absent?: (r: RunCommandResult) => boolean;
  },
): Probe {
  return {
    ...spec,
    async check(env) {
      const result = await tryRun(ctx.runtime, spec.cmd, spec.args, {
        env: { TLSMITH_DOCTOR_URL: ctx.url, ...env },
        input: spec.input,
        timeoutMs: ctx.timeoutMs,
      });
      if (result && spec.absent?.(result)) return { trusts: null, detail: "", absent: true };
      return verdictOf(result, spec.ok ?? ((r) => r.code === 0 && r.stdout.includes(ctx.token)));
    },
  };
}

/** `NAME=value` of each variable that is set, for "why". */
function envSource(runtime: Runtime, names: string[]): string {
  const set = names.filter((n) => runtime.env(n)).map((n) => `${n}=${runtime.env(n)}`);
  return set.length ? ` + ${set.join(" + ")}` : "";
}

// The client scripts, one string per line (these are programs for the clients, not code of
// this module: the layer test reads strings as data).
const NODE_FETCH = [
  "fetch(process.env.TLSMITH_DOCTOR_URL).then((r) => r.text()).then(",
  "  (t) => process.stdout.write(t),",
  '  (e) => { const c = e.cause || e; console.error((c.code ? c.code + ": " : "") + c.message); process.exit(1); });',
].join("\n");
const NODE_HTTPS = [
  'require("https").get(process.env.TLSMITH_DOCTOR_URL, (r) => {',
  '  let b = ""; r.on("data", (d) => (b += d)); r.on("end", () => process.stdout.write(b));',
  '}).on("error", (e) => { console.error((e.code ? e.code + ": " : "") + e.message); process.exit(1); });',
].join("\n");
const DENO_FETCH = [
  'fetch(Deno.env.get("TLSMITH_DOCTOR_URL")).then((r) => r.text()).then(',
  "  (t) => console.log(t),",
  "  (e) => { console.error(String(e && e.cause && e.cause.message || e && e.message || e)); Deno.exit(1); });",
].join("\n");
const PYTHON_URLLIB = `import os, sys, urllib.request
try:
    print(urllib.request.urlopen(os.environ["TLSMITH_DOCTOR_URL"], timeout=20).read().decode())
except Exception as e:
    print(getattr(e, "reason", e), file=sys.stderr)
    sys.exit(1)`;
const PYTHON_REQUESTS = `import os, sys
try:
    import requests
except ImportError:
    sys.exit(3)
try:
    print(requests.get(os.environ["TLSMITH_DOCTOR_URL"], timeout=20).text)
except Exception as e:
    print(e, file=sys.stderr)
    sys.exit(1)`;
const JAVA_CHECK = `public class TlsmithDoctor {
  public static void main(String[] args) throws Exception {
    var client = java.net.http.HttpClient.newBuilder()
        .connectTimeout(java.time.Duration.ofSeconds(15)).build();
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(args[0]))
        .timeout(java.time.Duration.ofSeconds(20)).build();
    try {
      System.out.print(client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body());
    } catch (java.io.IOException e) {
      System.err.println(e);
      System.exit(1);
    }
  }
}
`;

/**
 * The arguments that load `url` in headless Chromium and print its DOM: a fresh profile, no
 * GPU, QUIC or background traffic (certificates come from `$HOME/.pki/nssdb`). Chromium's
 * sandbox refuses to run as root, so `noSandbox` there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { headlessChromiumArgs } from "./doctor.ts";
 * const args = headlessChromiumArgs("https://127.0.0.1:8443/", "/tmp/profile");
 * assert.deepEqual(args.slice(-3), ["--user-data-dir=/tmp/profile", "--dump-dom", "https://127.0.0.1:8443/"]);
 * ```
 */
export function headlessChromiumArgs(
  url: string,
  profile: string,
  options: { noSandbox?: boolean; extra?: readonly string[] } = {},
): string[] {
  return [
    "--headless",
    ...(options.noSandbox ? ["--no-sandbox"] : []),
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${profile}`,
    ...(options.extra ?? []),
    "--dump-dom",
    url,
  ];
}

const CHROMIUM_BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

async function probesFor(ctx: Context, id: string): Promise<Probe[] | null> {
  const { runtime } = ctx;
  const which = (cmd: string) => runtime.which(cmd);
  const system = await systemBundle(runtime);
  const systemSource = `the system store${system ? ` (${system})` : ""}`;
  switch (id) {
    case "curl": {
      const curl = await which("curl");
      if (!curl) return null;
      return [commandProbe(ctx, {
        client: "curl",
        source: systemSource + envSource(runtime, ["SSL_CERT_FILE", "CURL_CA_BUNDLE"]),
        fix: ctx.trustFix,
        envFix: false,
        cmd: curl,
        args: ["-sS", "--max-time", String(Math.ceil(ctx.timeoutMs / 1000)), ctx.url],
      })];
    }
    case "openssl": {
      const openssl = await which("openssl");
      if (!openssl) return null;
      return [commandProbe(ctx, {
        client: "openssl",
        source: systemSource + envSource(runtime, ["SSL_CERT_FILE", "SSL_CERT_DIR"]),
        fix: ctx.trustFix,
        envFix: false,
        cmd: openssl,
        args: [
          "s_client",
          "-connect",
          `127.0.0.1:${ctx.port}`,
          "-verify_return_error",
          "-verify_ip",
          "127.0.0.1",
        ],
        input: "",
        ok: (r) => r.code === 0 && /Verify return code: 0 \(ok\)/.test(r.stdout),
      })];
    }
    case "node": {
      const node = await which("node");
      if (!node) return null;
      const source = `its built-in Mozilla CA list${envSource(runtime, ["NODE_EXTRA_CA_CERTS"])}`;
      return [
        commandProbe(ctx, {
          client: "node fetch",
          source,
          fix: ctx.envFix("node"),
          envFix: true,
          cmd: node,
          args: ["-e", NODE_FETCH],
        }),
        commandProbe(ctx, {
          client: "node https",
          source,
          fix: ctx.envFix("node"),
          envFix: true,
          cmd: node,
          args: ["-e", NODE_HTTPS],
        }),
      ];
    }
    case "deno": {
      const deno = await which("deno");
      if (!deno) return null;
      return [commandProbe(ctx, {
        client: "deno",
        source: `its built-in Mozilla CA list${
          envSource(runtime, ["DENO_CERT", "NODE_EXTRA_CA_CERTS", "DENO_TLS_CA_STORE"])
        }`,
        fix: ctx.envFix("deno"),
        envFix: true,
        cmd: deno,
        args: ["eval", DENO_FETCH],
      })];
    }
    case "bun": {
      const bun = await which("bun");
      if (!bun) return null;
      const probe = commandProbe(ctx, {
        client: "bun",
        source: `its built-in CA list${envSource(runtime, ["NODE_EXTRA_CA_CERTS"])}`,
        fix: ctx.envFix("bun"),
        envFix: true,
        cmd: bun,
        args: ["-e", NODE_FETCH],
      });
      return [{
        ...probe,
        async check(env) {
          const verdict = await probe.check(env);
          if (!/UNSUPPORTED_CONSTRAINT_TYPE/.test(verdict.detail)) return verdict;
          // BoringSSL has no IP address name constraints: it refuses any certificate with an IP
          // address from a CA that constrains IPs. Ask again with a DNS-only certificate.
          const r = await tryRun(runtime, bun, ["-e", NODE_FETCH], {
            env: { ...env, TLSMITH_DOCTOR_URL: await ctx.dnsOnlyUrl() },
            timeoutMs: ctx.timeoutMs,
          });
          const dnsOnly = r?.code === 0 && r.stdout.includes(ctx.token);
          return {
            trusts: false,
            detail:
              `UNSUPPORTED_CONSTRAINT_TYPE: Bun (BoringSSL) refuses certificates with IP addresses from a CA whose name constraints list IP ranges, e.g. those of \`tlsmith serve --cert local\`; ${
                dnsOnly
                  ? "it does trust the CA for a certificate with DNS names only"
                  : "it does not trust a DNS-only certificate from the CA either"
              }. For Bun use a certificate without IP addresses (\`tlsmith cert localhost\`) and https://localhost`,
          };
        },
      }];
    }
    case "python": {
      const python = (await which("python3")) ?? (await which("python"));
      if (!python) return null;
      return [
        commandProbe(ctx, {
          client: "python urllib",
          source: `OpenSSL's default CAs: ${systemSource}${envSource(runtime, ["SSL_CERT_FILE"])}`,
          fix: ctx.trustFix,
          envFix: false,
          cmd: python,
          args: ["-c", PYTHON_URLLIB],
        }),
        commandProbe(ctx, {
          client: "python requests",
          source: runtime.env("REQUESTS_CA_BUNDLE")
            ? `REQUESTS_CA_BUNDLE=${runtime.env("REQUESTS_CA_BUNDLE")}`
            : "certifi's CA bundle (or the system's, as Debian packages it)",
          fix: ctx.envFix("python3"),
          envFix: true,
          cmd: python,
          args: ["-c", PYTHON_REQUESTS],
          absent: (r) => r.code === 3,
        }),
      ];
    }
    case "java": {
      const installs = await javaInstallations(runtime);
      const java = installs.find((j) => j.java)?.java ?? (await which("java"));
      if (!java) return null;
      const cacerts = installs.find((j) => j.java === java)?.cacerts;
      const source = pathJoin(runtime.platform(), ctx.dir, "TlsmithDoctor.java");
      await runtime.writeFile(source, JAVA_CHECK, { overwrite: true });
      return [commandProbe(ctx, {
        client: "java",
        source: cacerts ? `its cacerts (${cacerts})` : "its cacerts",
        fix: ctx.trustFix,
        envFix: false,
        cmd: java,
        args: [source, ctx.url],
      })];
    }
    case "nss": {
      const stores = await nssStores(runtime);
      const vfychain = await which("vfychain");
      const certutil = await which("certutil");
      const probes: Probe[] = [];
      for (const store of stores) {
        const db = pathJoin(runtime.platform(), store.location, "cert9.db");
        if (!(await runtime.stat(db).catch(() => null))) continue;
        probes.push({
          client: store.name,
          source: `the NSS database ${store.location}`,
          fix: certutil ? ctx.trustFix : CERTUTIL_HINT,
          envFix: false,
          async check(): Promise<Verdict> {
            if (vfychain) {
              const r = await tryRun(runtime, vfychain, [
                "-d",
                `sql:${store.location}`,
                "-u",
                "1",
                "-a",
                ctx.leafFile,
              ], { timeoutMs: ctx.timeoutMs });
              return verdictOf(r, (x) => x.code === 0 && /Chain is good/.test(x.stdout + x.stderr));
            }
            const scan = await store.scan(ctx.ca);
            if (scan.state !== "ok") return { trusts: null, detail: scan.message };
            return scan.entries.length
              ? { trusts: true, detail: "" }
              : { trusts: false, detail: "the CA is not in it" };
          },
        });
      }
      return probes.length ? probes : null;
    }
    case "chromium": {
      if (runtime.platform() !== "linux") return null;
      let browser: string | null = null;
      for (const name of CHROMIUM_BROWSERS) {
        browser = await which(name);
        if (browser) break;
      }
      if (!browser) return null;
      const home = runtime.homeDir() ?? "~";
      const profile = pathJoin(runtime.platform(), ctx.dir, "chromium-profile");
      return [commandProbe(ctx, {
        client: "chromium (headless)",
        source: `the NSS database ${pathJoin(runtime.platform(), home, ".pki", "nssdb")}`,
        fix: ctx.trustFix,
        envFix: false,
        cmd: browser,
        args: headlessChromiumArgs(ctx.url, profile, { noSandbox: isRoot(runtime) }),
      })];
    }
  }
  return null;
}

/**
 * Start a throw-away HTTPS server on 127.0.0.1 with a certificate from `ca` and ask every
 * client present on this machine whether it trusts it. Clients run one after another in small
 * groups, each bounded in time; the server and every temporary file are gone when it returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { checkTrust } from "./doctor.ts";
 * const report = await checkTrust({ ca: await CertificateAuthority.create(), clients: ["curl"] });
 * assert.match(report.url, /^https:\/\/127\.0\.0\.1:\d+\/$/); // the throw-away server, now gone
 * assert.ok(report.clients.every((c) => c.trusts === false)); // a brand-new CA is trusted by nobody
 * ```
 */
export async function checkTrust(options: CheckTrustOptions): Promise<TrustCheck> {
  return await checkTrustOn(await getRuntime(), options);
}

/**
 * {@linkcode checkTrust} on a given runtime (the CLI passes its own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { checkTrustOn } from "./doctor.ts";
 * // A machine without curl: the client is reported missing, not failed.
 * const noTools = { ...await getRuntime(), which: () => Promise.resolve(null) };
 * const report = await checkTrustOn(noTools, { ca: await CertificateAuthority.create(), clients: ["curl"] });
 * assert.deepEqual(report.missing, ["curl"]);
 * assert.deepEqual(report.clients, []);
 * ```
 */
export async function checkTrustOn(
  runtime: Runtime,
  options: CheckTrustOptions,
): Promise<TrustCheck> {
  const ca = await trustCaFromPem(options.ca.certPem, options.caFile ?? "ca.pem");
  const leaf = await options.ca.issue(["localhost", "127.0.0.1", "::1"], { days: 1 });
  const token = `tlsmith-doctor-${encodeHex(crypto.getRandomValues(new Uint8Array(8)))}`;
  const page = `<!doctype html><html><body><p>${token}</p></body></html>`;
  const warnings = await expiryWarnings(runtime, ca, options.leaves ?? [], options.now);
  const wanted = options.clients ?? DOCTOR_CLIENTS;
  const dirArgument = options.dirArgument ? ` ${options.dirArgument}` : "";
  return await withTempDir(runtime, "tlsmith-doctor-", async (dir) => {
    const leafFile = pathJoin(runtime.platform(), dir, "leaf.pem");
    await runtime.writeFile(leafFile, leaf.cert);
    const server: ServerHandle = await runtime.serve(
      () => new Response(page, { headers: { "content-type": "text/html" } }),
      {
        hostnames: ["127.0.0.1"],
        port: 0,
        limits: DEFAULT_LIMITS,
        cert: leaf.chain,
        key: leaf.key,
      },
    );
    let dnsOnly: Promise<ServerHandle> | undefined;
    try {
      const url = `https://127.0.0.1:${server.addr.port}/`;
      const ctx: Context = {
        runtime,
        url,
        port: server.addr.port,
        token,
        dir,
        leafFile,
        ca,
        timeoutMs: options.timeoutMs ?? 45_000,
        trustFix: `run \`tlsmith trust${dirArgument}\``,
        envFix: (cmd) =>
          `run \`eval "$(tlsmith env${dirArgument})"\` in your shell, or start it with \`tlsmith run${dirArgument} -- ${
            shellWord(cmd)
          } …\``,
        dnsOnlyUrl: async () => {
          dnsOnly ??= options.ca.issue(["localhost"], { days: 1 }).then((l) =>
            runtime.serve(
              () => new Response(page, { headers: { "content-type": "text/html" } }),
              {
                hostnames: ["127.0.0.1"],
                port: 0,
                limits: DEFAULT_LIMITS,
                cert: l.chain,
                key: l.key,
              },
            )
          );
          return `https://localhost:${(await dnsOnly).addr.port}/`;
        },
      };
      const probes: Probe[] = [];
      const missing: string[] = [];
      for (const id of wanted) {
        const found = await probesFor(ctx, id);
        if (found) probes.push(...found);
        else missing.push(id);
      }
      const results = await mapLimit(probes, 3, async (probe) => {
        const verdict = await probe.check({});
        let fixVerified: boolean | undefined;
        if (verdict.trusts !== true && probe.envFix && options.fixEnv) {
          fixVerified = (await probe.check(options.fixEnv)).trusts === true;
        }
        return { probe, verdict, fixVerified };
      });
      const clients: ClientCheck[] = [];
      for (const { probe, verdict, fixVerified } of results) {
        if (verdict.absent) {
          missing.push(probe.client);
          continue;
        }
        const why = verdict.trusts === true
          ? `trusts it through ${probe.source}`
          : verdict.trusts === false
          ? `refused the certificate (${verdict.detail}); it reads ${probe.source}`
          : `could not be asked: ${verdict.detail}`;
        const fix = verdict.trusts === true
          ? null
          : fixVerified === true
          ? `${probe.fix} (checked: it then trusts it)`
          : probe.fix;
        clients.push({
          client: probe.client,
          trusts: verdict.trusts,
          why,
          fix,
          ...(fixVerified === undefined ? {} : { fixVerified }),
        });
      }
      return {
        url,
        ca: ca.subject,
        clients,
        missing,
        warnings,
        ok: clients.every((c) => c.trusts === true),
      };
    } finally {
      await server.shutdown();
      if (dnsOnly) await (await dnsOnly.catch(() => null))?.shutdown();
    }
  });
}
