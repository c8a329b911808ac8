/**
 * `tlsmith serve`: serve a directory over HTTPS with an adhoc certificate
 * (made in memory at start), one from the local CA, or your certificate and
 * key files (reloaded when they change); with a plain-HTTP redirect, mutual
 * TLS, timeouts and limits.
 *
 * @module
 */

import { describeCertificate } from "../../x509/describe.ts";
import { hostMatches } from "../../x509/match.ts";
import { TlsmithError } from "../../errors.ts";
import { PASSPHRASE_ENV, readPassphrase } from "../passphrase.ts";
import type { Handler } from "../../serve/runtime/types.ts";
import { type CertSource, type PassphraseCallback, serve, type Server } from "../../serve/serve.ts";
import {
  type CliContext,
  parseCommandArgs,
  parsePort,
  refuseExisting,
  usageError,
} from "../args.ts";
import { serveDir } from "../../serve/static.ts";

/** Help text of `tlsmith serve`. */
export const help: string = `Usage: tlsmith serve [options] [DIR]

Serve the files in DIR (default: the current directory) over HTTPS:
index.html for directories, else a listing; ranges and revalidation work.

Options:
  --cert adhoc|local|FILE
                     adhoc (default): a fresh self-signed certificate for
                     localhost, 127.0.0.1 and ::1, kept in memory only.
                     local: a fresh certificate from the local CA (see
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
  --host HOST        Address to listen on (default: 127.0.0.1 and ::1, this
                     machine only; 0.0.0.0 or :: exposes the server to your
                     network and prints its addresses).
  --lan              Serve your network: listen on 0.0.0.0 (unless --host says
                     otherwise) and put this machine's network addresses and
                     host name into the adhoc or local certificate.
  --port N           Port (default 8443; 0 picks a free one).
  --http-port N      Also listen for plain HTTP on port N and redirect it to
                     https://. (On Node a plain http:// request to the HTTPS
                     port is redirected without it.)
  --client-ca FILE   Mutual TLS: only clients with a certificate issued by a CA
                     in FILE (PEM) get in; the log shows their subject.
  --dir DIR          Directory to serve (same as the DIR argument).
  --save-cert FILE   With adhoc: write the certificate (never the key) to FILE so
                     clients can trust it, e.g. curl --cacert FILE.
  --force            Let --save-cert replace an existing file.
  --handshake-timeout S  Seconds for a TLS handshake (default 10).
  --headers-timeout S    Seconds for a connection's first request (default 30).
  --idle-timeout S       Seconds a keep-alive connection may idle (default 30).
  --max-connections N    Open connections at once (default 1000).
  --max-header-size N    Bytes of request headers; more gets 431 (default 16384).
  --quiet            Do not log requests.
  -h, --help         Show this help.

Examples:
  tlsmith serve
  tlsmith serve --port 0 --save-cert dev-cert.pem site/
  tlsmith serve --cert local --lan
  tlsmith serve --cert cert.pem --key key.pem --host 0.0.0.0 --port 443 --http-port 80

Ctrl-C stops the server gracefully.`;

/** Hosts meaning "every interface". */
const ANY_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

/** `host` for a URL: IPv6 in brackets. */
function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** Quote a path for a POSIX shell when it needs it. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Link-local addresses (fe80::/10, 169.254/16) need a zone to be reached: not printed. */
function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address) || address.startsWith("169.254.");
}

/**
 * The URLs `tlsmith serve` prints for a bound host and port: loopback gives
 * `localhost`, `127.0.0.1` and `[::1]` (those it listens on), all-interfaces
 * hosts add every network address of this machine (`networkAddresses`),
 * IPv6 is bracketed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveUrls } from "./serve.ts";
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
 * Run `tlsmith serve`; resolves to 0 after a graceful stop (Ctrl-C).
 *
 * @example
 * ```ts ignore
 * import { run } from "./serve.ts";
 * await run(ctx, ["--port", "0", "public"]);
 * ```
 *
 * @param ctx runtime and printers
 * @param argv the arguments after `serve`
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    cert: { type: "string" },
    key: { type: "string" },
    "passphrase-file": { type: "string" },
    host: { type: "string" },
    lan: { type: "boolean" },
    port: { type: "string" },
    "http-port": { type: "string" },
    "client-ca": { type: "string" },
    dir: { type: "string" },
    "save-cert": { type: "string" },
    force: { type: "boolean" },
    "handshake-timeout": { type: "string" },
    "headers-timeout": { type: "string" },
    "idle-timeout": { type: "string" },
    "max-connections": { type: "string" },
    "max-header-size": { type: "string" },
    quiet: { type: "boolean" },
  }, { max: 1, name: "DIR" });
  const { runtime } = ctx;

  // --- Validate the command line before touching anything.
  const certOption = values.cert ?? "adhoc";
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
  if (values.force && values["save-cert"] === undefined) {
    throw usageError('"--force" only applies to "--save-cert FILE"');
  }
  if (values.dir !== undefined && positionals.length > 0) {
    throw usageError(`give the directory once: "--dir ${values.dir}" or "${positionals[0]}"`);
  }
  const host = (values.host ?? (values.lan ? "0.0.0.0" : "localhost")).trim();
  if (host === "" || /[\s/]/.test(host)) {
    throw usageError(`"--host" must be a host name or IP address, not "${values.host}"`);
  }
  const hostname = host.replace(/^\[(.*)\]$/, "$1");
  const port = parsePort(values.port ?? "8443");
  const httpPort = values["http-port"] === undefined
    ? undefined
    : parsePort(values["http-port"], "--http-port");
  const limits = {
    handshakeTimeout: parseSeconds(values["handshake-timeout"], "--handshake-timeout"),
    headersTimeout: parseSeconds(values["headers-timeout"], "--headers-timeout"),
    idleTimeout: parseSeconds(values["idle-timeout"], "--idle-timeout"),
    maxConnections: parseCount(values["max-connections"], "--max-connections", 1),
    maxHeaderSize: parseCount(values["max-header-size"], "--max-header-size", 1024),
  };
  const dirArg = values.dir ?? positionals[0] ?? ".";
  const saveCert = values["save-cert"];

  // --- Files.
  const dirReal = await runtime.realPath(dirArg);
  if (dirReal === null) {
    throw new TlsmithError(
      "FILE_NOT_FOUND",
      `${dirArg}: no such directory. Pass the directory to serve, e.g. "tlsmith serve ./public".`,
    );
  }
  const dirInfo = await runtime.stat(dirReal);
  if (!dirInfo?.isDirectory) {
    throw new TlsmithError(
      "BAD_OPTION",
      `${dirArg} is not a directory. Pass the directory that contains it instead.`,
    );
  }
  if (saveCert !== undefined) await refuseExisting(runtime, [saveCert], values.force === true);
  const clientCa = values["client-ca"] === undefined
    ? undefined
    : await runtime.readTextFile(values["client-ca"]);
  const cert: CertSource = adhoc
    ? "adhoc"
    : local
    ? "local"
    : { certFile: certOption, keyFile: values.key! };
  // --lan: this machine's network addresses and host name go into the certificate.
  const lanHosts: string[] = [];
  if (values.lan) {
    const v4Only = hostname === "0.0.0.0";
    for (const a of runtime.networkAddresses()) {
      if (!a.internal && !isLinkLocal(a.address) && (!v4Only || a.family === 4)) {
        lanHosts.push(a.address);
      }
    }
    const name = runtime.hostName();
    if (name && /^[A-Za-z0-9.-]+$/.test(name)) lanHosts.push(name.toLowerCase());
  }

  // --- Serve.
  const files = serveDir(runtime, dirReal, {
    onError: (err) => ctx.printError(`tlsmith: error serving a request: ${err}`),
  });
  const handler: Handler = values.quiet ? files : async (request, info) => {
    const response = await files(request, info);
    const path = new URL(request.url).pathname;
    const time = new Date().toTimeString().slice(0, 8);
    const who = info.clientCertificate ? ` [${info.clientCertificate.subject}]` : "";
    ctx.print(
      `${time} ${info.remoteAddr.hostname}${who} ${request.method} ${path} ${response.status}`,
    );
    return response;
  };

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
  try {
    try {
      server = await serve(handler, {
        cert,
        hostname,
        port,
        httpPort,
        hosts: lanHosts,
        clientCa,
        passphrase: adhoc ? undefined : cliPassphrase(ctx, values["passphrase-file"]),
        ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
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
      if (err instanceof TlsmithError) throw err;
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
    if (stopRequested) {
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
      dir: dirReal,
      host: hostname,
      server,
      adhoc,
      local,
      certFile: adhoc ? saveCert : server.localCa?.certFile ?? certOption,
      clientCa: values["client-ca"],
    });
    await server.finished;
    ctx.print("Stopped.");
    return 0;
  } finally {
    removeSignal();
  }
}

/** Print where the server listens, its certificate and how to reach it with curl. */
async function printBanner(
  ctx: CliContext,
  o: {
    dir: string;
    host: string;
    server: Server;
    adhoc: boolean;
    local: boolean;
    certFile?: string;
    clientCa?: string;
  },
): Promise<void> {
  const { server } = o;
  const port = server.addr.port;
  const bound = server.addrs.map((a) => a.hostname);
  const urls = serveUrls(o.host, port, bound, ctx.runtime.networkAddresses());
  ctx.print(`Serving ${o.dir} on`);
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
  const names = urls.map((url) => new URL(url).hostname.replace(/^\[|\]$/g, ""));
  const unnamed = names.filter((name) => !hostMatches(server.certificate, name));
  if (ANY_HOSTS.has(o.host) && o.adhoc && unnamed.length > 0) {
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
  if (o.certFile) {
    ctx.print(`Try:  curl --cacert ${shellQuote(o.certFile)} ${url}`);
  } else {
    ctx.print(`Try:  curl -k ${url}`);
    ctx.print("  (-k skips verification; add --save-cert FILE and use curl --cacert FILE instead)");
  }
  ctx.print("Press Ctrl-C to stop.");
}
