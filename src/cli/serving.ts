/**
 * What every serving command shares (`tlsmith serve`, `tlsmith proxy`,
 * `tlsmith run --proxy`): the certificate, listening and limit options
 * (`--cert adhoc|local|FILE`, `--key`, `--passphrase-file`, `--host`, `--lan`,
 * `--port`, `--http-port`, `--client-ca`, `--save-cert`, `--force`, the
 * timeouts and limits, `--quiet`), turning them into `serve()` options, and
 * running a server until Ctrl-C with the banner that says where it listens,
 * which certificate it shows and how to reach it.
 *
 * @module
 */

import { describeCertificate } from "../x509/describe.ts";
import { hostMatches } from "../x509/match.ts";
import { verifyChain } from "../x509/verify.ts";
import { readCertificates } from "../x509/model.ts";
import { OID } from "../_internal/oids.ts";
import { TlsmithError } from "../errors.ts";
import { PASSPHRASE_ENV, readPassphrase } from "./passphrase.ts";
import { carryCaDir } from "./local_ca.ts";
import type { Handler } from "../serve/runtime/types.ts";
import {
  type CertSource,
  type PassphraseCallback,
  serve,
  type ServeOptions,
  type Server,
} from "../serve/serve.ts";
import { type CliContext, parsePort, refuseExisting, usageError } from "./args.ts";
import { caStore, ensureStoredCa } from "../ca/store.ts";
import { recoverFileGroup } from "../_internal/file_group.ts";
import { splitPath } from "../serve/runtime/common.ts";
import { shellWord } from "../_internal/commands.ts";
import { isDnsName, parseIpAddress } from "../x509/names.ts";

/**
 * The `parseArgs` options of the serving flags, to spread into a serving
 * command's own options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommandArgs } from "./args.ts";
 * import { checkServing, SERVING_OPTIONS } from "./serving.ts";
 * const argv = ["--cert", "local", "--port", "0", "--dir", "site"];
 * const { values } = parseCommandArgs(argv, { ...SERVING_OPTIONS, dir: { type: "string" } });
 * assert.deepEqual([values.cert, values.dir], ["local", "site"]);
 * assert.equal(checkServing(values, "adhoc").local, true);
 * ```
 */
export const SERVING_OPTIONS = {
  cert: { type: "string" },
  key: { type: "string" },
  "passphrase-file": { type: "string" },
  "ca-dir": { type: "string" },
  host: { type: "string" },
  lan: { type: "boolean" },
  port: { type: "string" },
  "http-port": { type: "string" },
  "client-ca": { type: "string" },
  "save-cert": { type: "string" },
  force: { type: "boolean" },
  "handshake-timeout": { type: "string" },
  "headers-timeout": { type: "string" },
  "idle-timeout": { type: "string" },
  "max-connections": { type: "string" },
  "max-header-size": { type: "string" },
  quiet: { type: "boolean" },
} as const;

/**
 * Help text of the serving flags, for a serving command's `--help`
 * (`defaultCert` is the `--cert` default that command uses).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { servingHelp } from "./serving.ts";
 * assert.ok(servingHelp("adhoc").includes("--cert adhoc|local|FILE"));
 * ```
 *
 * @param defaultCert the command's default `--cert`
 */
export function servingHelp(defaultCert: "adhoc" | "local"): string {
  const mark = (c: string) => c === defaultCert ? " (default)" : "";
  return `  --cert adhoc|local|FILE
                     adhoc${mark("adhoc")}: a fresh self-signed certificate for
                     localhost, 127.0.0.1 and ::1, kept in memory only.
                     local${mark("local")}: a fresh certificate from the local CA (see
                     \`tlsmith ca\`; created on first use), trusted wherever
                     the CA's ca.pem is; renewed before it expires.
                     FILE: your certificate in PEM (leaf first, then any
                     intermediates); needs --key. When FILE or --key change,
                     new connections get the new pair (open ones keep theirs).
  --key FILE         The private key of --cert FILE (PEM: PKCS#8, PKCS#1, SEC1;
                     encrypted keys are decrypted in memory only).
  --passphrase-file FILE
                     The pass phrase of an encrypted --key, or with --cert local
                     of an encrypted CA key (first line of FILE); else
                     TLSMITH_PASSPHRASE, else a prompt on the terminal.
  --ca-dir DIR       With --cert local: the CA directory (default
                     $TLSMITH_CA_DIR or the user data directory; see
                     \`tlsmith ca\`).
  --host HOST        Address to listen on (default: 127.0.0.1 and ::1, this
                     machine only; 0.0.0.0 or :: exposes the server to your
                     network and prints its addresses).
  --lan              Serve your network: listen on 0.0.0.0 (unless --host says
                     otherwise) and put this machine's network addresses and
                     host name into the adhoc or local certificate.
  --port N           Port (default 8443; 0 picks a free one).
  --http-port N      Also listen for plain HTTP on port N and redirect it to
                     https://. (A plain http:// request to the HTTPS port is
                     redirected without it.)
  --client-ca FILE   Mutual TLS: only clients with a certificate issued by a CA
                     in FILE (PEM) get in; the log shows their subject.
  --save-cert FILE   With adhoc: write the certificate (never the key) to FILE so
                     clients can trust it, e.g. curl --cacert FILE.
  --force            Let --save-cert replace an existing file.
  --handshake-timeout S  Seconds for a TLS handshake (default 10).
  --headers-timeout S    Seconds for a connection's first request (default 30).
  --idle-timeout S       Seconds a keep-alive connection may idle (default 30).
  --max-connections N    Open connections at once (default 1000).
  --max-header-size N    Bytes of request headers; more gets 431 (default 16384).
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
  /** `--ca-dir`. */
  "ca-dir"?: string;
  /** `--host`. */
  host?: string;
  /** `--lan`. */
  lan?: boolean;
  /** `--port`. */
  port?: string;
  /** `--http-port`. */
  "http-port"?: string;
  /** `--client-ca`. */
  "client-ca"?: string;
  /** `--save-cert`. */
  "save-cert"?: string;
  /** `--force`. */
  force?: boolean;
  /** `--handshake-timeout`. */
  "handshake-timeout"?: string;
  /** `--headers-timeout`. */
  "headers-timeout"?: string;
  /** `--idle-timeout`. */
  "idle-timeout"?: string;
  /** `--max-connections`. */
  "max-connections"?: string;
  /** `--max-header-size`. */
  "max-header-size"?: string;
  /** `--quiet`. */
  quiet?: boolean;
}

/** The limits the flags set (milliseconds and counts; undefined: the default). */
export interface ServingLimits {
  /** `--handshake-timeout`, in milliseconds. */
  handshakeTimeout?: number;
  /** `--headers-timeout`, in milliseconds. */
  headersTimeout?: number;
  /** `--idle-timeout`, in milliseconds. */
  idleTimeout?: number;
  /** `--max-connections`. */
  maxConnections?: number;
  /** `--max-header-size`. */
  maxHeaderSize?: number;
}

/** Checked serving flags, before any file is read ({@linkcode checkServing}). */
export interface ServingPlan {
  /** `adhoc`, `local` or the certificate file. */
  certOption: string;
  /** True for `--cert adhoc`. */
  adhoc: boolean;
  /** True for `--cert local`. */
  local: boolean;
  /** The host as given (`localhost` for the default loopback pair), without brackets. */
  hostname: string;
  /** The port to bind. */
  port: number;
  /** `--http-port`. */
  httpPort?: number;
  /** The timeouts and limits. */
  limits: ServingLimits;
  /** `--save-cert`. */
  saveCert?: string;
  /** All the flags. */
  values: ServingValues;
}

/** Hosts meaning "every interface". */
const ANY_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

/** A `--…-timeout` in seconds (fractions allowed), as milliseconds. */
function parseSeconds(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(seconds > 0)) {
    throw usageError(
      `${option} must be a number of seconds above 0, e.g. 10 or 0.5, not "${text}"`,
    );
  }
  return Math.round(seconds * 1000);
}

/** A whole number ≥ `min` for `option`. */
function parseCount(text: string | undefined, option: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text.trim()) || Number(text) < min) {
    throw usageError(`${option} must be a whole number of at least ${min}, not "${text}"`);
  }
  return Number(text);
}

/** What a listen address is, for the `--host` errors. */
const LISTEN_ADDRESS =
  "the address to listen on: an IP address of this machine (127.0.0.1, ::1), " +
  "0.0.0.0 or :: for every interface, or a host name that resolves to one (localhost)";

/**
 * Check a `--host` value: an IP address (IPv6 with or without brackets) or a host name. A port, a
 * URL or anything else is a `BAD_USAGE` error that says what a listen address is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListenHost } from "./serving.ts";
 * assert.equal(parseListenHost("[::1]"), "::1");
 * assert.throws(() => parseListenHost("localhost:8443"), /--port 8443/);
 * ```
 *
 * @param text the value of `--host`
 */
export function parseListenHost(text: string): string {
  const bare = text.replace(/^\[(.*)\]$/, "$1");
  if (parseIpAddress(text) !== null) return bare;
  if (isDnsName(text)) return text;
  const url = /^[a-z][a-z0-9+.-]*:\/\/\[?([^/\]]*?)\]?(?::(\d+))?(?:\/.*)?$/i.exec(text);
  if (url && (parseIpAddress(url[1]) || isDnsName(url[1]))) {
    throw usageError(
      `"--host" is ${LISTEN_ADDRESS}; not a URL. Use --host ${url[1]}${
        url[2] ? ` --port ${url[2]}` : ""
      }.`,
    );
  }
  const port = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(text);
  const named = port?.[1] ?? port?.[2];
  if (port && named !== undefined && (parseIpAddress(named) || isDnsName(named))) {
    throw usageError(
      `"--host" is ${LISTEN_ADDRESS}, without a port. Use --host ${named} --port ${port[3]}.`,
    );
  }
  throw usageError(
    `"--host" is ${LISTEN_ADDRESS}; ${
      text === "" ? "it is empty" : `"${text}" is neither an IP address nor a host name`
    }.`,
  );
}

/**
 * Check the serving flags against each other (BAD_USAGE, before touching
 * anything), with `defaultCert` when `--cert` is not given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkServing } from "./serving.ts";
 * const plan = checkServing({ port: "0" }, "adhoc");
 * assert.deepEqual([plan.adhoc, plan.hostname, plan.port], [true, "localhost", 0]);
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
  if (values.lan && !adhoc && !local) {
    throw usageError(
      `"--lan" puts this machine's addresses into an adhoc or local certificate; your certificate ` +
        `${certOption} has the names it has (use "--host 0.0.0.0" to listen on your network)`,
    );
  }
  if (values["ca-dir"] !== undefined && !local) {
    throw usageError(
      `"--ca-dir" is the local CA's directory, used with "--cert local"${
        values.cert === undefined ? "; add --cert local" : ""
      }`,
    );
  }
  if (values.force && values["save-cert"] === undefined) {
    throw usageError('"--force" only applies to "--save-cert FILE"');
  }
  const host = values.host === undefined
    ? (values.lan ? "0.0.0.0" : "localhost")
    : parseListenHost(values.host);
  return {
    certOption,
    adhoc,
    local,
    hostname: host.replace(/^\[(.*)\]$/, "$1"),
    port: parsePort(values.port ?? "8443"),
    httpPort: values["http-port"] === undefined
      ? undefined
      : parsePort(values["http-port"], "--http-port"),
    limits: {
      handshakeTimeout: parseSeconds(values["handshake-timeout"], "--handshake-timeout"),
      headersTimeout: parseSeconds(values["headers-timeout"], "--headers-timeout"),
      idleTimeout: parseSeconds(values["idle-timeout"], "--idle-timeout"),
      maxConnections: parseCount(values["max-connections"], "--max-connections", 1),
      maxHeaderSize: parseCount(values["max-header-size"], "--max-header-size", 1024),
    },
    saveCert: values["save-cert"],
    values,
  };
}

/** What a {@linkcode ServingPlan} becomes once its files are read ({@linkcode loadServingTls}). */
export interface ServingTls {
  /** What `serve()` takes as `cert`. */
  cert: CertSource;
  /** The PEM of `--client-ca`. */
  clientCa?: string;
  /** With `--lan`: this machine's addresses and host name, for the certificate. */
  hosts: string[];
  /** The pass-phrase flow for an encrypted key or CA key. */
  passphrase?: PassphraseCallback;
  /** With `--cert local`: the local CA's certificate file (the CA is created when missing). */
  localCaFile?: string;
}

/** Link-local addresses (fe80::/10, 169.254/16) need a zone to be reached: not printed. */
function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address) || address.startsWith("169.254.");
}

/**
 * The pass phrase callback of the CLI: `--passphrase-file`, `TLSMITH_PASSPHRASE` or the prompt
 * (three tries at the terminal, one from a file or the environment). The last pass phrase that
 * was given is tried first when a reloaded key (or the CA key) asks again.
 */
function cliPassphrase(ctx: CliContext, passphraseFile: string | undefined): PassphraseCallback {
  let last: { passphrase: string; source: string } | undefined;
  return async ({ file, attempt }) => {
    if (attempt === 1 && last) return last.passphrase;
    if (attempt > 1 && last && last.source !== "prompt") {
      throw new TlsmithError(
        "WRONG_PASSPHRASE",
        `${file}: the pass phrase from ${
          last.source === "file" ? passphraseFile : PASSPHRASE_ENV
        } is wrong. Give the right one.`,
      );
    }
    if (attempt > 1) ctx.printError("Wrong pass phrase, try again.");
    last = await readPassphrase(ctx.runtime, { passphraseFile, purpose: `to decrypt ${file}` });
    return last.passphrase;
  };
}

/**
 * Read what the plan's flags name: refuse an existing `--save-cert` file without `--force`,
 * read `--client-ca`, find this machine's addresses for `--lan`. The certificate itself is
 * made, read and checked by `serve()` (`adhoc`, `local`, or the files, reloaded when they
 * change).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { checkServing, loadServingTls } from "./serving.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-serve-", async (dir) => {
 *   const said: string[] = [];
 *   const ctx = { runtime, print: () => {}, printError: (line: string) => said.push(line) };
 *   const plan = checkServing({ cert: "local", "ca-dir": dir }, "adhoc");
 *   const local = await loadServingTls(ctx, plan);
 *   assert.equal(local.cert, "local"); // serve() issues from the CA, made now:
 *   assert.equal(local.localCaFile, `${dir}/ca.pem`);
 *   assert.match(said[0], /^Created a new local CA in /);
 *
 *   await runtime.writeFile(`${dir}/cert.pem`, "an old certificate");
 *   const saving = checkServing({ "save-cert": `${dir}/cert.pem` }, "adhoc");
 *   await assert.rejects(loadServingTls(ctx, saving), { code: "FILE_EXISTS" }); // no --force
 * });
 * ```
 *
 * @param ctx the CLI context
 * @param plan the checked flags
 */
export async function loadServingTls(ctx: CliContext, plan: ServingPlan): Promise<ServingTls> {
  const { runtime } = ctx;
  const { values } = plan;
  if (plan.saveCert !== undefined) {
    await refuseExisting(runtime, [plan.saveCert], values.force === true);
  }
  const clientCa = values["client-ca"] === undefined
    ? undefined
    : await runtime.readTextFile(values["client-ca"]);
  const hosts: string[] = [];
  if (values.lan) {
    const v4Only = plan.hostname === "0.0.0.0";
    for (const a of runtime.networkAddresses()) {
      if (!a.internal && !isLinkLocal(a.address) && (!v4Only || a.family === 4)) {
        hosts.push(a.address);
      }
    }
    const name = runtime.hostName();
    if (name && /^[A-Za-z0-9.-]+$/.test(name)) hosts.push(name.toLowerCase());
  }
  if (!plan.adhoc && !plan.local) {
    // A `tlsmith cert --force` killed while it replaced these files is finished (or undone)
    // first, so the pair matches.
    for (const dir of new Set([splitPath(plan.certOption).dir, splitPath(values.key!).dir])) {
      if (!(await runtime.stat(dir))?.isDirectory) continue;
      const done = await recoverFileGroup(runtime, dir);
      if (done) {
        ctx.printError(
          done.action === "completed"
            ? `Finished the interrupted replacement of ${done.files.join(", ")}.`
            : `Removed what an interrupted write of ${
              done.files.join(", ")
            } left behind; those files are unchanged.`,
        );
      }
    }
  }
  let localCaFile: string | undefined;
  if (plan.local) {
    // The CA exists before anything is started that should trust it (run --proxy's child).
    const store = caStore(runtime, values["ca-dir"]);
    if (await ensureStoredCa(runtime, store)) {
      ctx.printError(
        `Created a new local CA in ${store.dir}. Trust ${store.certFile} to trust its ` +
          `certificates (\`tlsmith trust${
            values["ca-dir"] === undefined ? "" : ` --dir ${shellWord(values["ca-dir"])}`
          }\` does it for this machine).`,
      );
    }
    localCaFile = store.certFile;
  }
  return {
    localCaFile,
    cert: plan.adhoc
      ? "adhoc"
      : plan.local
      ? "local"
      : { certFile: plan.certOption, keyFile: values.key! },
    clientCa,
    hosts,
    passphrase: plan.adhoc ? undefined : cliPassphrase(ctx, values["passphrase-file"]),
  };
}

/**
 * `handler` with a log line per request (`12:00:01 127.0.0.1 GET /path 200`, with the client
 * certificate's subject under mutual TLS), or `handler` itself with `--quiet`. The response
 * passes unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logRequests } from "./serving.ts";
 * const lines: string[] = [];
 * const ctx = { print: (t: string) => lines.push(t), printError: () => {} } as never;
 * const logged = logRequests(ctx, () => new Response("ok"), false);
 * const info = { remoteAddr: { hostname: "127.0.0.1", port: 1 } };
 * assert.equal((await logged(new Request("https://localhost/x"), info)).status, 200);
 * assert.match(lines[0], /127\.0\.0\.1 GET \/x 200$/);
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
    const who = info.clientCertificate ? ` [${info.clientCertificate.subject}]` : "";
    const line = `${info.remoteAddr.hostname}${who} ${request.method} ${
      new URL(request.url).pathname
    }`;
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

/**
 * The URLs a serving command prints for a bound host and port: loopback gives `localhost`,
 * `127.0.0.1` and `[::1]` (those it listens on), all-interfaces hosts add every network address
 * of this machine (`networkAddresses`), IPv6 is bracketed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveUrls } from "./serving.ts";
 * assert.deepEqual(serveUrls("::1", 8443, []), ["https://[::1]:8443/"]);
 * ```
 *
 * @param host the host the server is bound to (`localhost` for the default loopback pair)
 * @param port the bound port
 * @param bound the addresses it listens on
 * @param network this machine's addresses (for an all-interfaces host)
 */
export function serveUrls(
  host: string,
  port: number,
  bound: readonly string[],
  network: readonly { address: string; family: 4 | 6; internal: boolean }[] = [],
): string[] {
  const h = host.replace(/^\[|\]$/g, "");
  const url = (a: string) => `https://${urlHost(a)}:${port}/`;
  if (h === "localhost" || h === "127.0.0.1") {
    const loop = h === "localhost"
      ? bound.filter((b) => b === "127.0.0.1" || b === "::1")
      : ["127.0.0.1"];
    return [url("localhost"), ...loop.map(url)];
  }
  if (ANY_HOSTS.has(host)) {
    const v4Only = h === "0.0.0.0";
    const lan = network.filter((n) =>
      !n.internal && !isLinkLocal(n.address) && (!v4Only || n.family === 4)
    );
    return [url("localhost"), url("127.0.0.1"), ...lan.map((n) => url(n.address))];
  }
  return [url(h)];
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
  onReady?: (server: Server) => void | Promise<void>;
}

/**
 * Serve `handler` over HTTPS as a checked plan says, print the banner, and run until Ctrl-C (a
 * second Ctrl-C stops at once); resolves to 0 after a graceful stop. With `--save-cert` the
 * adhoc certificate is written first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { checkServing, loadServingTls, runServing } from "./serving.ts";
 * const runtime = await getRuntime();
 * const out: string[] = [];
 * const ctx = { runtime, print: (line: string) => out.push(line), printError: () => {} };
 * const plan = checkServing({ port: "0" }, "adhoc");
 * const tls = await loadServingTls(ctx, plan);
 * const stop = new AbortController(); // what Ctrl-C does
 * let answer = "";
 * const code = await runServing(ctx, () => new Response("hello"), plan, tls, {
 *   heading: "Serving hello on",
 *   onReady: async (server) => {
 *     const trusting = runtime.tlsFetch({ ca: [server.certificate] });
 *     answer = await (await trusting(server.url)).text();
 *     stop.abort();
 *   },
 * }, stop.signal);
 * assert.equal(code, 0);
 * assert.equal(answer, "hello");
 * assert.equal(out[0], "Serving hello on");
 * assert.match(out[1], /^ {2}https:\/\/localhost:\d+\/$/);
 * assert.equal(out.at(-1), "Stopped.");
 * ```
 *
 * @param ctx the CLI context
 * @param handler the request handler
 * @param plan the checked flags
 * @param material what {@linkcode loadServingTls} read
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
  const { hostname, port, saveCert, values } = plan;
  let server: Server | undefined;
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
    const limits = Object.fromEntries(
      Object.entries(plan.limits).filter(([, v]) => v !== undefined),
    ) as Partial<ServeOptions>;
    try {
      server = await serve(handler, {
        cert: material.cert,
        hostname,
        port,
        httpPort: plan.httpPort,
        hosts: material.hosts,
        clientCa: material.clientCa,
        passphrase: material.passphrase,
        ...(plan.local && values["ca-dir"] !== undefined ? { caDir: values["ca-dir"] } : {}),
        ...limits,
        onReload: (event) => {
          if (event.ok) {
            ctx.print(
              `Certificate reloaded: SHA-256 ${event.fingerprint}, expires ${utc(event.notAfter)}`,
            );
          } else {
            ctx.printError(`tlsmith: the certificate was not reloaded: ${event.error.message}`);
          }
        },
      });
    } catch (err) {
      if (err instanceof TlsmithError) throw carryCaDir(err, values["ca-dir"]);
      throw new TlsmithError(
        "SERVE_FAILED",
        `cannot serve HTTPS on ${urlHost(hostname)}:${port}: ${
          err instanceof Error ? err.message : err
        }. Pick another --port (0 picks a free one) or --host.`,
        { cause: err },
      );
    }
    if (server.localCa?.created) {
      ctx.printError(
        `Created a new local CA. Trust ${server.localCa.certFile} to trust its certificates.`,
      );
    }
    if (stopRequested || stopSignal?.aborted) {
      await server.shutdown();
      ctx.print("Stopped.");
      return 0;
    }
    if (saveCert !== undefined) {
      try {
        await runtime.writeFile(saveCert, server.certificate, {
          mode: 0o644,
          overwrite: values.force,
        });
      } catch (err) {
        await server.shutdown();
        throw err;
      }
    }
    await printBanner(ctx, {
      heading: banner.heading,
      host: hostname,
      server,
      adhoc: plan.adhoc,
      local: plan.local,
      certFile: plan.adhoc ? saveCert : server.localCa?.certFile ?? plan.certOption,
      keyFile: plan.adhoc || plan.local ? undefined : values.key,
      caDirFlag: values["ca-dir"] === undefined ? "" : ` --dir ${shellWord(values["ca-dir"])}`,
      clientCa: values["client-ca"],
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

/** The (last) CN of the leaf certificate's subject, if it has one. */
function commonName(certPem: string): string | undefined {
  const [leaf] = readCertificates(certPem, "the certificate");
  return leaf.subject.rdns.flat().filter((a) => a.oid === OID.commonName).at(-1)?.value;
}

/**
 * What clients make of a certificate that names its host only in the subject CN (what
 * `openssl req -x509 -subj /CN=localhost` makes, as the Flask tutorial does): measured with
 * curl, OpenSSL, GnuTLS, Node, Python's ssl, Java (they fall back to the CN for a host name),
 * Chromium, Go and pyca/cryptography (they refuse), and every client for an IP address.
 */
function cnOnlyWarning(
  cn: string,
  names: string[],
  port: number,
  certFile: string | undefined,
  keyFile: string | undefined,
): string[] {
  const url = (name: string) => `https://${urlHost(name)}:${port}/`;
  const lines = [
    `warning: the certificate has no subjectAltName; it names ${cn} only in its subject CN.`,
  ];
  for (const name of names) {
    if (parseIpAddress(name) !== null) {
      lines.push(
        `  ${
          url(name)
        }: every client refuses it (IP addresses are matched against subjectAltName only).`,
      );
    } else if (name.toLowerCase() === cn.toLowerCase()) {
      lines.push(
        `  ${
          url(name)
        }: curl, OpenSSL, GnuTLS, Node, Python's ssl and Java fall back to the CN and ` +
          `accept it; Chromium, Go and pyca/cryptography refuse it.`,
      );
    } else {
      lines.push(
        `  ${url(name)}: every client refuses it (the certificate does not name ${name}).`,
      );
    }
  }
  const hosts = [cn, ...names.filter((n) => n.toLowerCase() !== cn.toLowerCase())];
  const files = certFile && keyFile
    ? ` --out-cert ${shellWord(certFile)} --out-key ${shellWord(keyFile)} --force`
    : "";
  lines.push(
    `  Make one with the names in subjectAltName${files ? " (it replaces these files)" : ""}:`,
    `  tlsmith cert --self-signed ${hosts.map(shellWord).join(" ")}${files}`,
  );
  return lines;
}

/**
 * The `Try:` lines for a certificate issued by a CA: trust the CA (its ca.pem), not the server's
 * certificate. When the local CA issued it, its ca.pem and `tlsmith trust`.
 */
async function issuedTryLines(
  ctx: CliContext,
  certificate: string,
  issuer: string,
  url: string,
): Promise<string[]> {
  const { runtime } = ctx;
  let localCa: string | undefined;
  try {
    const store = caStore(runtime);
    if ((await runtime.stat(store.certFile))?.isFile) {
      const ca = await runtime.readTextFile(store.certFile);
      const result = await verifyChain({ leaf: certificate, trusted: ca, purpose: "any" });
      if (result.ok) localCa = store.certFile;
    }
  } catch {
    localCa = undefined; // no default CA here: say what to trust instead
  }
  if (localCa) {
    return [
      `Try:  curl --cacert ${shellWord(localCa)} ${url}`,
      `  (the local CA issued it: trust its ca.pem, or once for this machine: tlsmith trust)`,
    ];
  }
  return [
    `Try:  curl --cacert ca.pem ${url}`,
    `  where ca.pem is the certificate of the CA that issued it (${issuer}):`,
    "  clients trust the CA, not the server's certificate. For a CA made by tlsmith,",
    "  `tlsmith trust --dir DIR` makes this machine trust it.",
  ];
}

/** Print where the server listens, its certificate and how to reach it with curl. */
async function printBanner(
  ctx: CliContext,
  o: {
    heading: string;
    host: string;
    server: Server;
    adhoc: boolean;
    local: boolean;
    certFile?: string;
    keyFile?: string;
    caDirFlag: string;
    clientCa?: string;
  },
): Promise<void> {
  const { server } = o;
  const port = server.addr.port;
  const bound = server.addrs.map((a) => a.hostname);
  const urls = serveUrls(o.host, port, bound, ctx.runtime.networkAddresses());
  ctx.print(o.heading);
  for (const url of urls) ctx.print(`  ${url}`);
  if (server.redirectsPlainHttp) {
    ctx.print(`  (plain http:// on port ${port} redirects to https://)`);
  }
  for (const a of server.httpAddrs) {
    ctx.print(`  http://${urlHost(a.hostname)}:${a.port}/ redirects to https://`);
  }
  if (ANY_HOSTS.has(o.host)) {
    ctx.print(
      `  Listening on all ${
        o.host === "0.0.0.0" ? "IPv4 " : ""
      }interfaces (${o.host}): other machines on your network can connect.`,
    );
  } else if (o.host !== "localhost" && o.host !== "127.0.0.1" && o.host !== "::1") {
    ctx.print(`  Listening on ${o.host}.`);
  }
  if (o.clientCa) {
    ctx.print(`  Clients need a certificate issued by a CA in ${o.clientCa} (mutual TLS).`);
  }
  const info = await describeCertificate(server.certificate);
  const cn = commonName(server.certificate);
  const cnOnly = info.subjectAltNames.length === 0 && cn !== undefined;
  ctx.print(
    o.adhoc
      ? "Certificate: adhoc, self-signed, in memory only (browsers will warn)"
      : o.local
      ? `Certificate: fresh, from the local CA ${o.certFile} (in memory only)`
      : `Certificate: ${o.certFile}${info.selfSigned ? " (self-signed)" : ""}`,
  );
  ctx.print(
    `  names:    ${
      cnOnly
        ? `(none: no subjectAltName, only the subject CN=${cn})`
        : info.subjectAltNames.join(", ") || "(none)"
    }`,
  );
  ctx.print(`  expires:  ${utc(info.notAfter)}`);
  ctx.print(`  SHA-256:  ${info.fingerprints.sha256}`);
  const now = Date.now();
  if (info.notAfter.getTime() < now) {
    ctx.printError(`warning: the certificate expired on ${utc(info.notAfter)}.`);
  } else if (info.notBefore.getTime() > now) {
    ctx.printError(`warning: the certificate is not valid before ${utc(info.notBefore)}.`);
  }
  const names = urls.map((url) => new URL(url).hostname.replace(/^\[|\]$/g, ""));
  const unnamed = names.filter((name) => !hostMatches(server.certificate, name));
  if (cnOnly) {
    for (const line of cnOnlyWarning(cn, names, port, o.certFile, o.keyFile)) {
      ctx.printError(line);
    }
  } else if (ANY_HOSTS.has(o.host) && o.adhoc && unnamed.length > 0) {
    ctx.print(
      "  The adhoc certificate does not name " + unnamed.join(", ") + ": other machines get a\n" +
        "  name mismatch. Add --lan to put this machine's addresses into it.",
    );
  } else if (!ANY_HOSTS.has(o.host)) {
    for (const name of unnamed) {
      ctx.printError(
        `warning: the certificate does not name ${name}; clients will reject https://${
          urlHost(name)
        }:${port}/`,
      );
    }
  }
  const url = urls[0];
  if (o.adhoc && !o.certFile) {
    ctx.print(`Try:  curl -k ${url}`);
    ctx.print("  (-k skips verification; add --save-cert FILE and use curl --cacert FILE instead)");
  } else if (o.local || info.selfSigned || !o.certFile) {
    // The CA's ca.pem, or a self-signed certificate (its own trust anchor).
    ctx.print(`Try:  curl --cacert ${shellWord(o.certFile ?? "cert.pem")} ${url}`);
    if (o.local) {
      ctx.print(`  (or trust the local CA once for this machine: tlsmith trust${o.caDirFlag})`);
    }
  } else {
    for (const line of await issuedTryLines(ctx, server.certificate, info.issuer, url)) {
      ctx.print(line);
    }
  }
  ctx.print("Press Ctrl-C to stop.");
}
