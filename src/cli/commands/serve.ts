/**
 * `tlsmith serve`: serve a directory over HTTPS with an adhoc certificate
 * (made in memory at start) or your certificate and key files.
 *
 * @module
 */

import { describeCertificate } from "../../x509/describe.ts";
import { TlsmithError } from "../../errors.ts";
import { loadServingKey } from "../passphrase.ts";
import type { Handler, ServerHandle } from "../../serve/runtime/types.ts";
import { serve } from "../../serve/serve.ts";
import {
  type CliContext,
  parseCommandArgs,
  parsePort,
  refuseExisting,
  usageError,
} from "../args.ts";
import { findKeyFiles, serveDir } from "../../serve/static.ts";
import { certificateMatchesKey } from "../../x509/match.ts";

/** Help text of `tlsmith serve`. */
export const help: string = `Usage: tlsmith serve [options] [DIR]

Serve the files in DIR (default: the current directory) over HTTPS:
index.html for directories, else a listing; ranges and revalidation work.
Private keys (PEM), .p12/.pfx files and dotfiles are never served or listed
(404); keep keys outside DIR anyway.

Options:
  --cert adhoc|local|FILE
                     adhoc (default): a fresh self-signed certificate for
                     localhost, 127.0.0.1 and ::1, kept in memory only.
                     local: a fresh certificate from the local CA (see
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
  --dir DIR          Directory to serve (same as the DIR argument).
  --save-cert FILE   With adhoc: write the certificate (never the key) to FILE so
                     clients can trust it, e.g. curl --cacert FILE.
  --force            Let --save-cert replace an existing file.
  --cors             Allow requests from any origin (Access-Control-Allow-Origin: *,
                     OPTIONS preflights answered).
  --spa              Single-page app: unknown paths without an extension get
                     DIR/index.html (status 200).
  --dotfiles         Also serve and list dotfiles (.env, .git/, …); private keys
                     and tlsmith's temporary files stay hidden.
  --quiet            Do not log requests.
  -h, --help         Show this help.

Examples:
  tlsmith serve
  tlsmith serve --port 0 --save-cert dev-cert.pem site/
  tlsmith serve --spa --cors dist/
  tlsmith serve --cert cert.pem --key key.pem --host 0.0.0.0 --port 443

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

/**
 * The URLs `tlsmith serve` prints for a bound host and port: loopback and
 * all-interfaces hosts give `localhost` and `127.0.0.1`, IPv6 is bracketed.
 *
 * @example
 * ```ts ignore
 * console.log(serveUrls("::1", 8443)); // [ "https://[::1]:8443/" ]
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

/**
 * The single place where the key PEM from `--key` becomes the plain PKCS#8 PEM
 * given to the TLS server. An encrypted key is decrypted in memory with a pass
 * phrase from `--passphrase-file`, `TLSMITH_PASSPHRASE` or the terminal prompt
 * (three tries), see passphrase.ts; the plain key is never written to disk.
 * Any OpenSSL-readable format is converted to PKCS#8 (and checked to import).
 *
 * @example
 * ```ts ignore
 * const keyPem = await resolveKey(ctx, await ctx.runtime.readTextFile("key.pem"), "key.pem");
 * ```
 *
 * @param ctx the CLI context (the pass phrase flow reads files, env and the terminal)
 * @param keyPem the key file's text
 * @param keyFile the key file's name, for messages
 * @param passphraseFile `--passphrase-file`, if given
 */
export async function resolveKey(
  ctx: CliContext,
  keyPem: string,
  keyFile: string,
  passphraseFile?: string,
): Promise<string> {
  return await loadServingKey(ctx.runtime, keyPem, keyFile, { passphraseFile });
}

/** Format a date as `2026-01-31 12:00:00 UTC`. */
function utc(date: Date): string {
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
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
    port: { type: "string" },
    dir: { type: "string" },
    "save-cert": { type: "string" },
    force: { type: "boolean" },
    cors: { type: "boolean" },
    spa: { type: "boolean" },
    dotfiles: { type: "boolean" },
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
  if (values.force && values["save-cert"] === undefined) {
    throw usageError('"--force" only applies to "--save-cert FILE"');
  }
  if (values.dir !== undefined && positionals.length > 0) {
    throw usageError(`give the directory once: "--dir ${values.dir}" or "${positionals[0]}"`);
  }
  const host = (values.host ?? "127.0.0.1").trim();
  if (host === "" || /[\s/]/.test(host)) {
    throw usageError(`"--host" must be a host name or IP address, not "${values.host}"`);
  }
  const hostname = host.replace(/^\[(.*)\]$/, "$1");
  const port = parsePort(values.port ?? "8443");
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
  let tls: "adhoc" | { cert: string; key: string } = "adhoc";
  let localCaFile: string | undefined;
  if (local) {
    // A fresh leaf from the local CA for this machine's loopback names (+ the bound host).
    const names = ["localhost", "127.0.0.1", "::1"];
    if (!ANY_HOSTS.has(hostname) && !names.includes(hostname)) names.push(hostname);
    // The CA (and certificate creation) loads only for --cert local.
    const { localServingCert } = await import("../local_ca.ts");
    const issued = await localServingCert(ctx, names, {
      passphraseFile: values["passphrase-file"],
    });
    tls = { cert: issued.cert, key: issued.key };
    localCaFile = issued.caFile;
  } else if (!adhoc) {
    const keyFile = values.key!;
    const certPem = await runtime.readTextFile(certOption);
    const keyPem = await resolveKey(
      ctx,
      await runtime.readTextFile(keyFile),
      keyFile,
      values["passphrase-file"],
    );
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
    tls = { cert: certPem, key: keyPem };
  }

  // --- Serve.
  const files = serveDir(runtime, dirReal, {
    cors: values.cors === true,
    spa: values.spa === true,
    dotfiles: values.dotfiles === true,
    onError: (err) => ctx.printError(`tlsmith: error serving a request: ${err}`),
  });
  const handler: Handler = values.quiet ? files : async (request, info) => {
    const response = await files(request, info);
    const path = new URL(request.url).pathname;
    const time = new Date().toTimeString().slice(0, 8);
    ctx.print(`${time} ${info.remoteAddr.hostname} ${request.method} ${path} ${response.status}`);
    return response;
  };

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
  try {
    try {
      server = await serve(handler, { cert: tls, hostname, port });
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
    if (stopRequested) {
      await server.shutdown();
      ctx.print("Stopped.");
      return 0;
    }
    const certPem = adhoc ? server.certificate : (tls as { cert: string }).cert;
    if (saveCert !== undefined && certPem) {
      try {
        await runtime.writeFile(saveCert, certPem, { mode: 0o644, overwrite: values.force });
      } catch (err) {
        await server.shutdown();
        throw err;
      }
    }
    await warnAboutKeys(ctx, dirReal);
    await printBanner(ctx, {
      dir: dirReal,
      host: hostname,
      port: server.addr.port,
      adhoc,
      certFile: adhoc ? saveCert : localCaFile ?? certOption,
      local,
      certPem,
    });
    await server.finished;
    ctx.print("Stopped.");
    return 0;
  } finally {
    removeSignal();
  }
}

/** Warn when the served directory holds private keys (they are not served, but do not belong there). */
async function warnAboutKeys(ctx: CliContext, dir: string): Promise<void> {
  const { files, truncated } = await findKeyFiles(ctx.runtime, dir);
  if (files.length === 0) return;
  const shown = files.slice(0, 5).join(", ") + (files.length > 5 || truncated ? ", …" : "");
  ctx.printError(
    `warning: ${dir} holds private key files (${shown}). They are not served (404), ` +
      "but keep keys outside the served directory (tlsmith cert --out-key ../certs/key.pem).",
  );
}

/** Print where the server listens, its certificate and how to reach it with curl. */
async function printBanner(
  ctx: CliContext,
  o: {
    dir: string;
    host: string;
    port: number;
    adhoc: boolean;
    local?: boolean;
    certFile?: string;
    certPem?: string;
  },
): Promise<void> {
  const urls = serveUrls(o.host, o.port);
  ctx.print(`Serving ${o.dir} on`);
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
