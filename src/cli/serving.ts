/**
 * What every serving command shares (`tlsmith serve`, `tlsmith proxy`,
 * `tlsmith run --proxy`): the certificate and listening options
 * (`--cert adhoc|local|FILE`, `--key`, `--passphrase-file`, `--host`,
 * `--port`, `--save-cert`, `--force`, `--quiet`), turning them into TLS
 * material, and running a server until Ctrl-C with the banner that says where
 * it listens, which certificate it shows and how to reach it.
 *
 * @module
 */

import { describeCertificate } from "../x509/describe.ts";
import { TlsmithError } from "../errors.ts";
import { loadServingKey } from "./passphrase.ts";
import type { Handler, ServerHandle } from "../serve/runtime/types.ts";
import { serve } from "../serve/serve.ts";
import { type CliContext, parsePort, refuseExisting, usageError } from "./args.ts";
import { localServingCert } from "./local_ca.ts";
import { certificateMatchesKey } from "../x509/match.ts";

/**
 * The `parseArgs` options of the certificate and listening flags, to spread
 * into a serving command's own options.
 *
 * @example
 * ```ts ignore
 * const { values } = parseCommandArgs(argv, { ...SERVING_OPTIONS, dir: { type: "string" } });
 * ```
 */
export const SERVING_OPTIONS = {
  cert: { type: "string" },
  key: { type: "string" },
  "passphrase-file": { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  "save-cert": { type: "string" },
  force: { type: "boolean" },
  quiet: { type: "boolean" },
} as const;

/**
 * Help text of the certificate and listening flags, for a serving command's
 * `--help` (`defaultCert` is the `--cert` default that command uses).
 *
 * @example
 * ```ts
 * import { servingHelp } from "./serving.ts";
 * console.log(servingHelp("adhoc").includes("--cert adhoc|local|FILE")); // true
 * ```
 *
 * @param defaultCert the command's default `--cert`
 */
export function servingHelp(defaultCert: "adhoc" | "local"): string {
  return `  --cert adhoc|local|FILE
                     adhoc${
    defaultCert === "adhoc" ? " (default)" : ""
  }: a fresh self-signed certificate for
                     localhost, 127.0.0.1 and ::1, kept in memory only.
                     local${
    defaultCert === "local" ? " (default)" : ""
  }: a fresh certificate from the local CA (see
                     \`tlsmith ca\`; created on first use), trusted wherever
                     the CA's ca.pem is.
                     FILE: your certificate in PEM (leaf first, then any
                     intermediates); needs --key.
  --key FILE         The private key of --cert FILE (PEM: PKCS#8, PKCS#1, SEC1;
                     encrypted keys are decrypted in memory only).
  --passphrase-file FILE
                     The pass phrase of an encrypted --key, or with --cert local
                     of an encrypted CA key (first line of FILE); else
                     TLSMITH_PASSPHRASE, else a prompt on the terminal.
  --host HOST        Address to listen on (default 127.0.0.1: this machine only;
                     0.0.0.0 or :: exposes the server to your network).
  --port N           Port (default 8443; 0 picks a free one).
  --save-cert FILE   With adhoc: write the certificate (never the key) to FILE so
                     clients can trust it, e.g. curl --cacert FILE.
  --force            Let --save-cert replace an existing file.
  --quiet            Do not log requests.`;
}

/** The values of {@linkcode SERVING_OPTIONS} as `parseArgs` returns them. */
export interface ServingValues {
  /** `--cert`. */
  cert?: string;
  /** `--key`. */
  key?: string;
  /** `--passphrase-file`. */
  "passphrase-file"?: string;
  /** `--host`. */
  host?: string;
  /** `--port`. */
  port?: string;
  /** `--save-cert`. */
  "save-cert"?: string;
  /** `--force`. */
  force?: boolean;
  /** `--quiet`. */
  quiet?: boolean;
}

/** Checked serving flags, before any file is read ({@linkcode checkServing}). */
export interface ServingPlan {
  /** `adhoc`, `local` or the certificate file. */
  certOption: string;
  /** True for `--cert adhoc`. */
  adhoc: boolean;
  /** True for `--cert local`. */
  local: boolean;
  /** The host to bind, without brackets. */
  hostname: string;
  /** The port to bind. */
  port: number;
  /** `--save-cert`. */
  saveCert?: string;
  /** All the flags. */
  values: ServingValues;
}

/** Hosts meaning "every interface". */
const ANY_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

/**
 * Check the serving flags against each other (BAD_USAGE, before touching
 * anything), with `defaultCert` when `--cert` is not given.
 *
 * @example
 * ```ts
 * import { checkServing } from "./serving.ts";
 * const plan = checkServing({ port: "0" }, "adhoc");
 * console.log(plan.adhoc, plan.hostname, plan.port); // true 127.0.0.1 0
 * ```
 *
 * @param values the parsed flags
 * @param defaultCert `--cert` when it is not given
 */
export function checkServing(values: ServingValues, defaultCert: "adhoc" | "local"): ServingPlan {
  const certOption = values.cert ?? defaultCert;
  if (certOption === "") throw usageError('"--cert" needs "adhoc" or a certificate file');
  const adhoc = certOption === "adhoc";
  const local = certOption === "local";
  if ((adhoc || local) && values.key !== undefined) {
    throw usageError(
      values.cert === undefined
        ? '"--key" is used only with "--cert FILE"; add "--cert cert.pem"'
        : `when "--cert" is "${certOption}", "--key" is not used`,
    );
  }
  if (!adhoc && !local && values.key === undefined) {
    throw usageError(`"--key FILE" is required with "--cert ${certOption}"`);
  }
  if (adhoc && values["passphrase-file"] !== undefined) {
    throw usageError('"--passphrase-file" is for an encrypted "--key FILE" with "--cert FILE"');
  }
  if (!adhoc && values["save-cert"] !== undefined) {
    throw usageError(
      certOption === "local"
        ? '"--save-cert" is only for "--cert adhoc"; with "--cert local" clients trust the ' +
          'local CA instead (its ca.pem: see "tlsmith ca show")'
        : `"--save-cert" is only for "--cert adhoc"; your certificate is already in ${certOption}`,
    );
  }
  if (values.force && values["save-cert"] === undefined) {
    throw usageError('"--force" only applies to "--save-cert FILE"');
  }
  const host = (values.host ?? "127.0.0.1").trim();
  if (host === "" || /[\s/]/.test(host)) {
    throw usageError(`"--host" must be a host name or IP address, not "${values.host}"`);
  }
  return {
    certOption,
    adhoc,
    local,
    hostname: host.replace(/^\[(.*)\]$/, "$1"),
    port: parsePort(values.port ?? "8443"),
    saveCert: values["save-cert"],
    values,
  };
}

/** The TLS material of a {@linkcode ServingPlan}, ready for `serve()`. */
export interface ServingTls {
  /** What `serve()` takes as `cert`. */
  tls: "adhoc" | { cert: string; key: string };
  /** The local CA's certificate file with `--cert local`. */
  localCaFile?: string;
}

/**
 * Read or make the certificate and key of a checked plan: a fresh leaf from
 * the local CA (`local`), or `--cert FILE --key FILE` (an encrypted key is
 * decrypted in memory with the pass phrase flow; the pair must match). Also
 * refuses an existing `--save-cert` file without `--force`.
 *
 * @example
 * ```ts ignore
 * const { tls } = await loadServingTls(ctx, checkServing(values, "adhoc"));
 * ```
 *
 * @param ctx the CLI context
 * @param plan the checked flags
 */
export async function loadServingTls(ctx: CliContext, plan: ServingPlan): Promise<ServingTls> {
  const { runtime } = ctx;
  const { values, certOption, hostname } = plan;
  if (plan.saveCert !== undefined) {
    await refuseExisting(runtime, [plan.saveCert], values.force === true);
  }
  if (plan.local) {
    // A fresh leaf from the local CA for this machine's loopback names (+ the bound host).
    const names = ["localhost", "127.0.0.1", "::1"];
    if (!ANY_HOSTS.has(hostname) && !names.includes(hostname)) names.push(hostname);
    const issued = await localServingCert(ctx, names, {
      passphraseFile: values["passphrase-file"],
    });
    return { tls: { cert: issued.cert, key: issued.key }, localCaFile: issued.caFile };
  }
  if (plan.adhoc) return { tls: "adhoc" };
  const keyFile = values.key!;
  const certPem = await runtime.readTextFile(certOption);
  // The single place where the key PEM from `--key` becomes the plain PKCS#8 PEM given to the
  // TLS server (pass phrase from --passphrase-file, TLSMITH_PASSPHRASE or the prompt).
  const keyPem = await loadServingKey(runtime, await runtime.readTextFile(keyFile), keyFile, {
    passphraseFile: values["passphrase-file"],
  });
  try {
    await describeCertificate(certPem);
  } catch (err) {
    if (!(err instanceof TlsmithError)) throw err;
    throw new TlsmithError(err.code, `${certOption}: ${err.message}`, { cause: err });
  }
  if (!(await certificateMatchesKey(certPem, keyPem))) {
    throw new TlsmithError(
      "KEY_MISMATCH",
      `${keyFile} is not the private key of the certificate in ${certOption}. ` +
        "Pass the key that was generated with this certificate.",
    );
  }
  return { tls: { cert: certPem, key: keyPem } };
}

/**
 * `handler` with a log line per request (`12:00:01 127.0.0.1 GET /path 200`),
 * or `handler` itself with `--quiet`. The response passes unchanged.
 *
 * @example
 * ```ts ignore
 * const handler = logRequests(ctx, files, values.quiet === true);
 * ```
 *
 * @param ctx the CLI context (prints the lines)
 * @param handler the handler to log
 * @param quiet true for no log
 */
export function logRequests(ctx: CliContext, handler: Handler, quiet: boolean): Handler {
  if (quiet) return handler;
  return async (request, info) => {
    // Read before the handler runs: on Deno a request upgraded to a WebSocket (and its info) is
    // closed after.
    const line = `${info.remoteAddr.hostname} ${request.method} ${new URL(request.url).pathname}`;
    const response = await handler(request, info);
    const time = new Date().toTimeString().slice(0, 8);
    ctx.print(`${time} ${line} ${response.status}`);
    return response;
  };
}

/** `host` for a URL: IPv6 in brackets. */
function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** Quote a path for a POSIX shell when it needs it. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The URLs a serving command prints for a bound host and port: loopback and
 * all-interfaces hosts give `localhost` and `127.0.0.1`, IPv6 is bracketed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveUrls } from "./serving.ts";
 * assert.deepEqual(serveUrls("::1", 8443), ["https://[::1]:8443/"]);
 * ```
 *
 * @param host the host the server is bound to
 * @param port the bound port
 */
export function serveUrls(host: string, port: number): string[] {
  const h = host.replace(/^\[|\]$/g, "");
  if (h === "127.0.0.1" || h === "localhost" || ANY_HOSTS.has(host)) {
    return [`https://localhost:${port}/`, `https://127.0.0.1:${port}/`];
  }
  return [`https://${urlHost(h)}:${port}/`];
}

/** A minimal check that `host` is covered by the DNS names or IP addresses of a certificate. */
function certificateNames(
  host: string,
  dnsNames: readonly string[],
  ipAddresses: readonly string[],
): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (ipAddresses.some((ip) => ip.toLowerCase() === h)) return true;
  return dnsNames.some((name) => {
    const n = name.toLowerCase();
    if (n === h) return true;
    if (n.startsWith("*.")) {
      const rest = h.slice(h.indexOf(".") + 1);
      return h.indexOf(".") > 0 && rest === n.slice(2);
    }
    return false;
  });
}

/** Format a date as `2026-01-31 12:00:00 UTC`. */
function utc(date: Date): string {
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** What {@linkcode runServing} prints before the URLs, and when it is up. */
export interface ServingBanner {
  /** The first line, e.g. `Serving /home/me/site on`. */
  heading: string;
  /** Called once the server listens and the banner is printed (e.g. to start a child). */
  onReady?: (server: ServerHandle & { url?: string }) => void | Promise<void>;
}

/**
 * Serve `handler` over HTTPS as a checked plan says, print the banner, and
 * run until Ctrl-C (a second Ctrl-C stops at once); resolves to 0 after a
 * graceful stop. With `--save-cert` the adhoc certificate is written first.
 *
 * @example
 * ```ts ignore
 * const plan = checkServing(values, "adhoc");
 * const tls = await loadServingTls(ctx, plan);
 * return await runServing(ctx, handler, plan, tls, { heading: "Serving /srv on" });
 * ```
 *
 * @param ctx the CLI context
 * @param handler the request handler
 * @param plan the checked flags
 * @param material the TLS material from {@linkcode loadServingTls}
 * @param banner the heading line and a hook for when the server is up
 * @param stopSignal aborting it stops the server as Ctrl-C does
 */
export async function runServing(
  ctx: CliContext,
  handler: Handler,
  plan: ServingPlan,
  material: ServingTls,
  banner: ServingBanner,
  stopSignal?: AbortSignal,
): Promise<number> {
  const { runtime } = ctx;
  const { hostname, port, adhoc, saveCert, values } = plan;
  let server: (ServerHandle & { certificate?: string }) | undefined;
  let stopRequested = false;
  let stopping = false;
  const stop = () => {
    if (stopping) {
      ctx.printError("Stopping now.");
      runtime.exit(130);
    }
    stopping = true;
    stopRequested = true;
    if (server) {
      ctx.print("Stopping…");
      void server.shutdown();
    }
  };
  const removeSignal = runtime.onShutdownSignal(stop);
  const onAbort = () => {
    if (!stopping) stop();
  };
  stopSignal?.addEventListener("abort", onAbort, { once: true });
  try {
    try {
      server = await serve(handler, { cert: material.tls, hostname, port });
    } catch (err) {
      if (err instanceof TlsmithError) throw err;
      throw new TlsmithError(
        "SERVE_FAILED",
        `cannot serve HTTPS on ${urlHost(hostname)}:${port}: ${
          err instanceof Error ? err.message : err
        }. Pick another --port (0 picks a free one) or --host.`,
        { cause: err },
      );
    }
    if (stopRequested || stopSignal?.aborted) {
      await server.shutdown();
      ctx.print("Stopped.");
      return 0;
    }
    const certPem = adhoc ? server.certificate : (material.tls as { cert: string }).cert;
    if (saveCert !== undefined && certPem) {
      try {
        await runtime.writeFile(saveCert, certPem, { mode: 0o644, overwrite: values.force });
      } catch (err) {
        await server.shutdown();
        throw err;
      }
    }
    await printBanner(ctx, {
      heading: banner.heading,
      host: hostname,
      port: server.addr.port,
      adhoc,
      certFile: adhoc ? saveCert : material.localCaFile ?? plan.certOption,
      local: plan.local,
      certPem,
    });
    try {
      await banner.onReady?.(server);
    } catch (err) {
      await server.shutdown();
      throw err;
    }
    await server.finished;
    ctx.print("Stopped.");
    return 0;
  } finally {
    stopSignal?.removeEventListener("abort", onAbort);
    removeSignal();
  }
}

/** Print where the server listens, its certificate and how to reach it with curl. */
async function printBanner(
  ctx: CliContext,
  o: {
    heading: string;
    host: string;
    port: number;
    adhoc: boolean;
    local?: boolean;
    certFile?: string;
    certPem?: string;
  },
): Promise<void> {
  const urls = serveUrls(o.host, o.port);
  ctx.print(o.heading);
  for (const url of urls) ctx.print(`  ${url}`);
  if (ANY_HOSTS.has(o.host)) {
    ctx.print(
      `  Listening on all ${
        o.host === "0.0.0.0" ? "IPv4 " : ""
      }interfaces (${o.host}): other machines on your network can connect.`,
    );
    if (o.adhoc) {
      ctx.print(
        "  The adhoc certificate names only localhost, 127.0.0.1 and ::1: other machines get a\n" +
          "  name mismatch. Use --cert/--key with a certificate that names this machine.",
      );
    }
  } else if (o.host !== "127.0.0.1" && o.host !== "::1" && o.host !== "localhost") {
    ctx.print(`  Listening on ${o.host}.`);
  }
  if (o.certPem) {
    const info = await describeCertificate(o.certPem);
    ctx.print(
      o.adhoc
        ? "Certificate: adhoc, self-signed, in memory only (browsers will warn)"
        : o.local
        ? `Certificate: fresh, from the local CA ${o.certFile} (in memory only)`
        : `Certificate: ${o.certFile}${info.selfSigned ? " (self-signed)" : ""}`,
    );
    ctx.print(`  names:    ${info.subjectAltNames.join(", ") || "(none)"}`);
    ctx.print(`  expires:  ${utc(info.notAfter)}`);
    ctx.print(`  SHA-256:  ${info.fingerprints.sha256}`);
    const now = Date.now();
    if (info.notAfter.getTime() < now) {
      ctx.printError(`warning: the certificate expired on ${utc(info.notAfter)}.`);
    } else if (info.notBefore.getTime() > now) {
      ctx.printError(`warning: the certificate is not valid before ${utc(info.notBefore)}.`);
    }
    if (!ANY_HOSTS.has(o.host)) {
      for (const url of urls) {
        const name = new URL(url).hostname;
        if (!certificateNames(name, info.dnsNames, info.ipAddresses)) {
          ctx.printError(
            `warning: the certificate does not name ${name}; clients will reject ${url}`,
          );
        }
      }
    }
  }
  const url = urls[0];
  if (o.certFile) {
    ctx.print(`Try:  curl --cacert ${shellQuote(o.certFile)} ${url}`);
  } else {
    ctx.print(`Try:  curl -k ${url}`);
    ctx.print("  (-k skips verification; add --save-cert FILE and use curl --cacert FILE instead)");
  }
  ctx.print("Press Ctrl-C to stop.");
}
