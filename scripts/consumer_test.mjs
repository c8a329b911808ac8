#!/usr/bin/env node
/**
 * Consumer test of the npm package, as a user gets it: `npm pack` npm/ (built by
 * scripts/build_npm.ts), install the tarball into a fresh project outside this repository (npm
 * only, no Deno), then
 *
 *   (a) an ESM script imports `adhocCert` and `serve` from "tlsmith", serves a handler, and a
 *       child process fetches it trusting only the certificate (NODE_EXTRA_CA_CERTS);
 *   (b) a CommonJS script `require("tlsmith")` (require(esm), Node >= 20.19);
 *   (c) `npx tlsmith serve --cert=adhoc --port 0 --save-cert FILE` answers `curl --cacert FILE`;
 *   (d) `tsc --noEmit` of a strict TypeScript consumer under moduleResolution nodenext and bundler;
 *   (e) Bun runs the same ESM and CommonJS scripts, and proxy() passes WebSockets between Bun's
 *       own client and server (skipped, with the reason, when Bun cannot run);
 *   (f) a browser bundle of "tlsmith" (esbuild, platform browser) holds no runtime or CLI code, runs
 *       the certificate, CSR, key and verification functions in headless Chromium, and OpenSSL
 *       accepts what it made;
 *   (g) the tlsmith/testing examples (examples/testing/) run as a user runs them: `node --test`
 *       under every Node, Vitest (the repository's devDependency), and `bun test`.
 *
 * Usage: node scripts/consumer_test.mjs
 * Env:   TLSMITH_CONSUMER_NODES  extra Node binaries (":"-separated) that also run (a) and (b)
 *        TLSMITH_BUN             a bun binary to use instead of the cached npm one
 *        TLSMITH_SKIP_BUN=1      skip (e)
 *        TLSMITH_SKIP_BROWSER=1  skip (f)
 *        TLSMITH_KEEP_TMP=1      keep the temporary project for debugging
 *        TLSMITH_NPM_DIR         the built package (default npm/)
 *        TLSMITH_VITEST_DIR      the vitest package to use (default node_modules/vitest)
 * Exits non-zero when any part fails. Every process it starts is stopped by PID; the temporary
 * directory is removed.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { findBun } from "./bun.mjs";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const NPM_DIR = resolve(ROOT, process.env.TLSMITH_NPM_DIR || "npm");
const EXAMPLES = join(ROOT, "examples", "testing");

/** Processes started and not yet finished, so a failure can stop them (by PID). */
const live = new Set();

/**
 * Run a command to completion with a time limit; never throws on a non-zero exit.
 * With `group`, the child gets its own process group and the whole group is killed on timeout.
 */
function run(cmd, args, { cwd, env, timeoutMs = 120_000, input } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    let child;
    try {
      child = spawn(cmd, args, {
        cwd,
        env: { ...process.env, ...env },
        stdio: ["pipe", "pipe", "pipe"],
      });
    } catch (err) {
      resolve({ code: null, stdout: "", stderr: String(err), ms: 0, timedOut: false });
      return;
    }
    live.add(child);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => (stderr += `\n${err.message}`));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input ?? "");
  });
}

/** Throw with the command's output when it did not exit 0. */
function check(result, what) {
  if (result.code !== 0) {
    const why = result.timedOut ? "timed out" : `exit ${result.code ?? result.signal}`;
    throw new Error(`${what} failed (${why}):\n${result.stdout}${result.stderr}`.trimEnd());
  }
  return result;
}

const results = [];

/** Throw a plain Error (shown as the part's failure) unless `ok`. */
function assert(ok, message) {
  if (!ok) throw new Error(message);
}

/** Run one named part; record ok / FAIL / SKIP. `fn` may return `{ skip: "why" }`. */
async function part(name, fn) {
  const started = Date.now();
  try {
    const out = await fn();
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (out && out.skip) {
      results.push({ name, status: "skip" });
      console.log(`SKIP ${name}: ${out.skip}`);
    } else {
      results.push({ name, status: "ok" });
      console.log(`ok   ${name} (${secs} s)${out && out.note ? ` — ${out.note}` : ""}`);
    }
  } catch (err) {
    results.push({ name, status: "fail" });
    // Our own checks throw plain Errors whose message says it all; show stacks only for bugs.
    const text = err instanceof Error && err.name === "Error" ? err.message : err?.stack ?? err;
    console.log(`FAIL ${name}\n${String(text).replace(/^/gm, "     ")}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The consumer project's files.

/** (f) The browser consumer: the core API in a page; it POSTs its results as JSON to /result. */
const BROWSER_APP = String.raw`
import {
  adhocCert,
  CertificateAuthority,
  createCsr,
  describeCertificate,
  exportPrivateKey,
  generateKeyPair,
  importPrivateKey,
  serve,
  verifyChain,
} from "tlsmith";
const out = {};
try {
  const adhoc = await adhocCert();
  const ca = await CertificateAuthority.create();
  const leaf = await ca.issue(["localhost", "127.0.0.1"]);
  const csr = await createCsr(await generateKeyPair(), { hosts: ["app.test"] });
  const encrypted = await exportPrivateKey(leaf.keyPair, { passphrase: "pass phrase", iterations: 10000 });
  const back = await importPrivateKey(encrypted, { passphrase: "pass phrase" });
  const info = await describeCertificate(leaf.cert);
  const verdict = await verifyChain({ leaf: leaf.chain, trusted: ca.cert, host: "localhost" });
  let serveError = "";
  try {
    await serve(() => new Response("x"), { cert: "adhoc", port: 0 });
  } catch (e) {
    serveError = e.code + " " + e.message;
  }
  Object.assign(out, {
    adhocCert: adhoc.cert,
    adhocKey: adhoc.key,
    caCert: ca.cert,
    leafChain: leaf.chain,
    csr: csr.pem,
    encrypted,
    type: back.type,
    sans: info.subjectAltNames,
    verified: verdict.ok,
    serveError,
  });
} catch (e) {
  out.error = String(e && e.stack || e);
}
document.getElementById("out").textContent = JSON.stringify(out);
await fetch("/result", { method: "POST", body: JSON.stringify(out) });
`;

/** ESM consumer: library serve() with adhocCert, fetched by a child process trusting the cert. */
const ESM_APP = String.raw`
import { adhocCert, serve } from "tlsmith";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

const fetchWith = process.env.FETCH_WITH || process.execPath;
const dir = process.argv[2];

function childFetch(url, caFile) {
  const code = "fetch(process.argv[1]).then(async (r) => { process.stdout.write(r.status + ' ' + " +
    "(await r.text())); }).catch((e) => { process.stdout.write('ERR ' + (e.cause?.code ?? e.cause?.message ?? e.message)); process.exitCode = 3; });";
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_TLS_REJECT_UNAUTHORIZED;
  if (caFile) env.NODE_EXTRA_CA_CERTS = caFile;
  return new Promise((resolve) => {
    execFile(fetchWith, ["-e", code, url], { env, timeout: 20000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, out: String(stdout), err: String(stderr) });
    });
  });
}

function assert(ok, message) {
  if (!ok) throw new Error(message);
}

// 1. adhocCert() → PEM cert + key + SHA-256 fingerprint; serve() with that pair.
const made = await adhocCert();
assert(made.cert.startsWith("-----BEGIN CERTIFICATE-----"), "adhocCert().cert is not a PEM certificate");
assert(/-----BEGIN PRIVATE KEY-----/.test(made.key), "adhocCert().key is not a PKCS#8 PEM key");
assert(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(made.fingerprint), "bad fingerprint " + made.fingerprint);
const certFile = join(dir, "adhoc-cert.pem");
writeFileSync(certFile, made.cert);

const handler = (request) => new Response("hello " + new URL(request.url).pathname + " from tlsmith");
const server = await serve(handler, { cert: { cert: made.cert, key: made.key }, port: 0 });
const url = "https://localhost:" + server.addr.port + "/esm";
const trusted = await childFetch(url, certFile);
assert(trusted.out === "200 hello /esm from tlsmith",
  "fetch trusting the certificate got: " + trusted.out + trusted.err);
// Without trusting it, the client must refuse: proof that TLS is really verified.
const untrusted = await childFetch(url, undefined);
assert(untrusted.out.startsWith("ERR "), "fetch without the CA must fail, got: " + untrusted.out);
await server.shutdown();

// 2. serve({ cert: "adhoc" }) exposes the certificate it made, so a client can trust it.
const server2 = await serve(handler, { cert: "adhoc", port: 0 });
assert(typeof server2.certificate === "string" && server2.certificate.includes("BEGIN CERTIFICATE"),
  "serve({cert:'adhoc'}).certificate is not a PEM certificate");
const certFile2 = join(dir, "adhoc-cert2.pem");
writeFileSync(certFile2, server2.certificate);
const second = await childFetch("https://127.0.0.1:" + server2.addr.port + "/two", certFile2);
assert(second.out === "200 hello /two from tlsmith", "fetch of cert:'adhoc' server got: " + second.out + second.err);
await server2.shutdown();
await server2.finished;
console.log("esm ok " + made.fingerprint.slice(0, 11) + " untrusted→" + untrusted.out.slice(4));
`;

/** Every entry of package.json "exports" loads and has what its documentation names. */
const ENTRIES_APP = String.raw`
const expected = {
  "tlsmith": ["adhocCert", "CertificateAuthority", "importPrivateKey", "serve", "verifyChain"],
  "tlsmith/serve": ["serve", "proxy"],
  "tlsmith/testing": ["testCA", "testServer", "FIXTURES"],
  "tlsmith/trust": ["installTrust", "uninstallTrust", "trustStores", "checkTrust", "trustEnv"],
  "tlsmith/pem": ["encodePem", "decodePem", "decodeOnePem"],
  "tlsmith/names": ["parseHosts", "parseSubjectAltName", "formatSubjectAltName"],
  "tlsmith/cli": ["runCli"],
};
const pkg = (await import("tlsmith/package.json", { with: { type: "json" } })).default;
const exported = Object.keys(pkg.exports).filter((k) => k !== "./package.json")
  .map((k) => k === "." ? "tlsmith" : "tlsmith/" + k.slice(2)).sort();
if (JSON.stringify(exported) !== JSON.stringify(Object.keys(expected).sort())) {
  throw new Error("package.json exports " + exported.join(", "));
}
for (const [entry, names] of Object.entries(expected)) {
  const mod = await import(entry);
  for (const name of names) {
    if (!(name in mod)) throw new Error(entry + " has no export " + name);
  }
}
const { runCli } = await import("tlsmith/cli");
if ((await runCli(["--version"])) !== 0) throw new Error("runCli(['--version']) did not return 0");
const { parseHosts } = await import("tlsmith/names");
if (parseHosts(["[::1]"])[0].value !== "::1") throw new Error("tlsmith/names: parseHosts");
console.log("entries ok " + exported.length);
`;

/** CommonJS consumer: require(esm). */
const CJS_APP = String.raw`
const tlsmith = require("tlsmith");
const { version } = require("tlsmith/package.json");
const pem = require("tlsmith/pem");
for (const name of ["adhocCert", "serve", "TlsmithError", "isTlsmithError", "importPrivateKey"]) {
  if (!(name in tlsmith)) throw new Error("require('tlsmith') has no export " + name);
}
tlsmith.adhocCert({ hosts: ["cjs.localhost"] }).then((c) => {
  if (!c.cert.startsWith("-----BEGIN CERTIFICATE-----")) throw new Error("no certificate PEM");
  let code;
  try { pem.decodeOnePem("not pem"); } catch (e) { code = e instanceof tlsmith.TlsmithError && e.code; }
  if (code !== "BAD_PEM") throw new Error("decodeOnePem('not pem') must throw TlsmithError BAD_PEM, got " + code);
  console.log("cjs ok " + version);
});
`;

/** Strict TypeScript consumer; the @ts-expect-error lines prove the types are not `any`. */
const TS_APP = `
import { adhocCert, isTlsmithError, serve, TlsmithError } from "tlsmith";

const made = await adhocCert({ hosts: ["localhost", "127.0.0.1"] });
const pem: string = made.cert;
const key: string = made.key;
const fp: string = made.fingerprint;

const server = await serve((request: Request) => new Response(new URL(request.url).pathname), {
  cert: { cert: pem, key },
  port: 0,
});
const port: number = server.addr.port;
const host: string = server.addr.hostname;
const trust: string = server.certificate;
await server.shutdown();
await server.finished;

const adhocServer = await serve(() => new Response("hi"), { cert: "adhoc", port: 0 });
await adhocServer.shutdown();

try {
  throw new TlsmithError("BAD_PEM", "x.pem: no PEM block. Pass a PEM file.");
} catch (err) {
  if (isTlsmithError(err)) {
    const code: string = err.code;
    console.log(code, fp, port, host, trust.length);
  }
}

// @ts-expect-error cert must be "adhoc" or PEM/file options, not a number
await serve(() => new Response("x"), { cert: 42 });
// @ts-expect-error adhocCert takes an options object, not a string
await adhocCert("localhost");
// @ts-expect-error unknown error codes are rejected
new TlsmithError("NOT_A_CODE", "x");
`;

// ---------------------------------------------------------------------------------------------

/**
 * Bun: `proxy()` from the package's `./serve` entry in front of a Bun.serve WebSocket echo
 * server; Bun's own WebSocket client sends 1,000 messages (one of 1 MB) through it and closes
 * with 4001. Prints one JSON line.
 */
const BUN_PROXY_APP = `import { proxy, serve } from "tlsmith/serve";
const upstream = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req, server) {
    if (server.upgrade(req, { headers: { "sec-websocket-protocol": "chat" } })) return;
    return new Response("plain " + req.headers.get("x-forwarded-proto"));
  },
  websocket: { maxPayloadLength: 64 << 20, message(ws, m) { ws.send(m); } },
});
const front = await serve(proxy(upstream.port), { cert: "adhoc", port: 0 });
const url = "localhost:" + front.addr.port + "/";
const plain = await (await fetch("https://" + url, { tls: { ca: front.certificate } })).text();
const ws = new WebSocket("wss://" + url, { protocols: ["chat"], tls: { ca: front.certificate } });
ws.binaryType = "arraybuffer";
await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
const big = new Uint8Array(1 << 20).map((_, i) => i & 255);
let n = 0;
let ok = 0;
const done = new Promise((resolve) => {
  ws.onmessage = (e) => {
    const i = n++;
    const same = i === 500
      ? new Uint8Array(e.data).every((b, j) => b === big[j]) && e.data.byteLength === big.length
      : e.data === "m" + i;
    if (same) ok++;
    if (n === 1000) resolve();
  };
});
for (let i = 0; i < 1000; i++) ws.send(i === 500 ? big : "m" + i);
await done;
const closed = new Promise((resolve) => (ws.onclose = (e) => resolve(e.code)));
ws.close(4001, "bye");
console.log(JSON.stringify({ plain, protocol: ws.protocol, ok, close: await closed }));
await front.shutdown();
upstream.stop(true);
`;

async function main() {
  const started = Date.now();
  if (!existsSync(join(NPM_DIR, "package.json"))) {
    console.error(`consumer_test: ${NPM_DIR}/package.json is missing. Build first: npm run build`);
    process.exit(1);
  }
  const pkg = JSON.parse(await readFile(join(NPM_DIR, "package.json"), "utf8"));
  const tmp = await mkdtemp(join(tmpdir(), "tlsmith-consumer-"));
  const app = join(tmp, "app");
  await mkdir(app);
  const nodes = [process.execPath, ...(process.env.TLSMITH_CONSUMER_NODES ?? "").split(delimiter)]
    .filter((p, i, all) => p && all.indexOf(p) === i);

  try {
    let tarball;
    await part(
      "npm pack: the tarball holds the library and CLI, not tests or build files",
      async () => {
        const r = check(
          await run("npm", ["pack", "--json", "--pack-destination", tmp, "--loglevel=error"], {
            cwd: NPM_DIR,
          }),
          "npm pack",
        );
        const [info] = JSON.parse(r.stdout);
        tarball = join(tmp, info.filename);
        const files = info.files.map((f) => f.path);
        const must = ["package.json", "LICENSE", "esm/mod.js", "esm/mod.d.ts", "esm/src/errors.js"];
        if (pkg.bin) must.push(pkg.bin.tlsmith.replace(/^\.\//, ""));
        if (existsSync(join(ROOT, "README.md"))) must.push("README.md");
        for (const f of must) {
          if (!files.includes(f)) throw new Error(`${f} missing from the tarball`);
        }
        const bad = files.filter((f) =>
          /^esm\/(tests|scripts|bench)\//.test(f) ||
          /tsconfig|\.map$|\.ts$/.test(f) && !f.endsWith(".d.ts")
        );
        if (bad.length) throw new Error(`unwanted files in the tarball: ${bad.join(", ")}`);
        if (pkg.bin) {
          const binFile = info.files.find((f) => f.path === pkg.bin.tlsmith.replace(/^\.\//, ""));
          if (!(binFile.mode & 0o111)) throw new Error(`${binFile.path} is not executable`);
        }
        return {
          note:
            `${info.filename}: ${files.length} files, ${
              (info.size / 1024).toFixed(0)
            } KiB packed, ` +
            `${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked`,
        };
      },
    );
    if (!tarball) throw new Error("no tarball; the other parts cannot run");

    await part(
      "npm install of the tarball into a fresh project (outside the repository)",
      async () => {
        await writeFile(
          join(app, "package.json"),
          JSON.stringify({
            name: "tlsmith-consumer",
            version: "0.0.0",
            private: true,
            type: "module",
          }),
        );
        const typescript = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"))
          .devDependencies?.typescript ?? "~5.9.3";
        const r = check(
          await run("npm", [
            "install",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--loglevel=error",
            tarball,
            `typescript@${typescript}`,
            "@types/node@^24",
          ], { cwd: app, timeoutMs: 300_000 }),
          "npm install",
        );
        const installed = JSON.parse(
          await readFile(join(app, "node_modules", "tlsmith", "package.json"), "utf8"),
        );
        if (installed.version !== pkg.version) throw new Error(`installed ${installed.version}`);
        for (const dep of Object.keys(pkg.dependencies ?? {})) {
          if (!existsSync(join(app, "node_modules", ...dep.split("/"), "package.json"))) {
            throw new Error(`dependency ${dep} was not installed`);
          }
        }
        return { note: `in ${(r.ms / 1000).toFixed(1)} s` };
      },
    );

    await writeFile(join(app, "app.mjs"), ESM_APP);
    await writeFile(join(app, "app.cjs"), CJS_APP);
    await writeFile(join(app, "entries.mjs"), ENTRIES_APP);

    for (const node of nodes) {
      const v = (await run(node, ["--version"])).stdout.trim();
      await part(`(a) ESM import + serve() + fetch trusting only the cert, Node ${v}`, async () => {
        const r = check(
          await run(node, ["app.mjs", tmp], {
            cwd: app,
            env: { FETCH_WITH: node },
            timeoutMs: 90_000,
          }),
          "node app.mjs",
        );
        if (!r.stdout.includes("esm ok")) {
          throw new Error(`unexpected output: ${r.stdout}${r.stderr}`);
        }
        return { note: r.stdout.trim().split("\n").at(-1) };
      });
      await part(`(b) CommonJS require("tlsmith"), Node ${v}`, async () => {
        const r = check(
          await run(node, ["app.cjs"], { cwd: app, timeoutMs: 60_000 }),
          "node app.cjs",
        );
        if (!r.stdout.includes("cjs ok")) {
          throw new Error(`unexpected output: ${r.stdout}${r.stderr}`);
        }
        // require(esm) prints an ExperimentalWarning on some versions; anything else is a problem.
        const warnings = r.stderr.split("\n").filter((l) =>
          l.trim() && !/ExperimentalWarning|--trace-warnings/.test(l)
        );
        if (warnings.length) throw new Error(`unexpected stderr: ${r.stderr}`);
      });
    }

    await part(
      "(b) every package entry loads with what it documents; tlsmith/cli runs",
      async () => {
        const r = check(
          await run(process.execPath, ["entries.mjs"], { cwd: app }),
          "node entries.mjs",
        );
        if (!r.stdout.includes("entries ok")) {
          throw new Error(`unexpected output: ${r.stdout}${r.stderr}`);
        }
        return { note: r.stdout.trim().split("\n").at(-1) };
      },
    );

    await part(
      "(c) npx tlsmith serve --cert=adhoc --port 0 --save-cert FILE, then curl --cacert FILE",
      async () => {
        if (!pkg.bin) {
          throw new Error("the package has no bin (src/cli/bin.ts missing at build time)");
        }
        return await cliServe(app, tmp, "npx");
      },
    );

    await part(
      '(c) node_modules/.bin/tlsmith (shebang, executable) serves; SIGINT → "Stopped.", exit 0',
      async () => {
        if (!pkg.bin) {
          throw new Error("the package has no bin (src/cli/bin.ts missing at build time)");
        }
        return await cliServe(app, tmp, "bin");
      },
    );

    await part("(d) tsc --noEmit, strict, moduleResolution nodenext", async () => {
      await writeFile(join(app, "consumer.ts"), TS_APP);
      await writeFile(
        join(app, "tsconfig.nodenext.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: "es2022",
            module: "nodenext",
            moduleResolution: "nodenext",
            lib: ["es2022", "dom"],
            types: ["node"],
            skipLibCheck: false,
          },
          files: ["consumer.ts"],
        }),
      );
      check(
        await run(process.execPath, [
          join(app, "node_modules/typescript/bin/tsc"),
          "-p",
          "tsconfig.nodenext.json",
        ], {
          cwd: app,
        }),
        "tsc (nodenext)",
      );
    });

    await part("(d) tsc --noEmit, strict, moduleResolution bundler (no @types/node)", async () => {
      await writeFile(
        join(app, "tsconfig.bundler.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: "es2022",
            module: "esnext",
            moduleResolution: "bundler",
            lib: ["es2022", "dom", "dom.iterable"],
            types: [],
            skipLibCheck: false,
          },
          files: ["consumer.ts"],
        }),
      );
      check(
        await run(process.execPath, [
          join(app, "node_modules/typescript/bin/tsc"),
          "-p",
          "tsconfig.bundler.json",
        ], {
          cwd: app,
        }),
        "tsc (bundler)",
      );
    });

    for (const file of ["node_test.mjs", "vitest.test.ts", "bun.test.ts"]) {
      await copyFile(join(EXAMPLES, file), join(app, file));
    }
    for (const node of nodes) {
      const v = (await run(node, ["--version"])).stdout.trim();
      await part(`(g) examples/testing/node_test.mjs: node --test, Node ${v}`, async () => {
        const r = check(
          await run(node, ["--test", "--test-reporter=tap", "node_test.mjs"], {
            cwd: app,
            timeoutMs: 120_000,
          }),
          "node --test node_test.mjs",
        );
        const passed = Number(/^# pass (\d+)$/m.exec(r.stdout)?.[1] ?? 0);
        if (passed === 0 || !/^# fail 0$/m.test(r.stdout)) {
          throw new Error(`unexpected output: ${r.stdout}${r.stderr}`);
        }
        return { note: `${passed} tests passed` };
      });
    }
    await part("(g) examples/testing/vitest.test.ts: vitest run", async () => {
      const vitest = resolve(
        ROOT,
        process.env.TLSMITH_VITEST_DIR || join("node_modules", "vitest"),
      );
      if (!existsSync(join(vitest, "vitest.mjs"))) {
        throw new Error(
          `${vitest} is missing: vitest is a devDependency of this repository; run npm install.`,
        );
      }
      if (!existsSync(join(app, "node_modules", "vitest"))) {
        await symlink(vitest, join(app, "node_modules", "vitest"), "dir");
      }
      const r = check(
        await run(process.execPath, [join(vitest, "vitest.mjs"), "run", "vitest.test.ts"], {
          cwd: app,
          env: { NO_COLOR: "1", CI: "true" },
          timeoutMs: 180_000,
        }),
        "vitest run vitest.test.ts",
      );
      const passed = /Tests\s+(\d+) passed/.exec(r.stdout);
      if (!passed || /failed/.test(r.stdout)) {
        throw new Error(`unexpected output: ${r.stdout}${r.stderr}`);
      }
      return { note: `${passed[1]} tests passed` };
    });

    if (process.env.TLSMITH_SKIP_BUN === "1") {
      await part("(e) Bun", () => ({ skip: "TLSMITH_SKIP_BUN=1" }));
    } else {
      const bun = findBun();
      let bunVersion = "";
      if (bun.bin) {
        const r = await run(bun.bin, ["--version"], { timeoutMs: 30_000 });
        if (r.code === 0) bunVersion = r.stdout.trim();
        else bun.why = `${bun.bin} --version failed: ${(r.stderr || r.stdout).trim()}`;
      }
      await part(`(e) Bun ${bunVersion}: the ESM consumer (serve + fetch)`, async () => {
        if (!bunVersion) return { skip: `Bun cannot run here: ${bun.why}` };
        const r = check(
          await run(bun.bin, ["app.mjs", tmp], {
            cwd: app,
            env: { FETCH_WITH: bun.bin },
            timeoutMs: 90_000,
          }),
          "bun app.mjs",
        );
        if (!r.stdout.includes("esm ok")) {
          throw new Error(`unexpected output: ${r.stdout}${r.stderr}`);
        }
        return { note: r.stdout.trim().split("\n").at(-1) };
      });
      await part(`(e) Bun ${bunVersion}: the CommonJS consumer`, async () => {
        if (!bunVersion) return { skip: `Bun cannot run here: ${bun.why}` };
        const r = check(
          await run(bun.bin, ["app.cjs"], { cwd: app, timeoutMs: 60_000 }),
          "bun app.cjs",
        );
        if (!r.stdout.includes("cjs ok")) {
          throw new Error(`unexpected output: ${r.stdout}${r.stderr}`);
        }
      });
      await part(
        `(e) Bun ${bunVersion}: proxy() in front of Bun.serve, 1,000 WebSocket messages`,
        async () => {
          if (!bunVersion) return { skip: `Bun cannot run here: ${bun.why}` };
          await writeFile(join(app, "proxy_ws.mjs"), BUN_PROXY_APP);
          const r = check(
            await run(bun.bin, ["proxy_ws.mjs"], { cwd: app, timeoutMs: 60_000 }),
            "bun proxy_ws.mjs",
          );
          if (!r.stdout.includes('"ok":1000') || !r.stdout.includes('"close":4001')) {
            throw new Error(`unexpected output: ${r.stdout}${r.stderr}`);
          }
          return { note: r.stdout.trim().split("\n").at(-1) };
        },
      );
      await part(
        `(e) Bun ${bunVersion}: the tlsmith CLI serves, curl --cacert, SIGINT stops`,
        async () => {
          if (!bunVersion) return { skip: `Bun cannot run here: ${bun.why}` };
          return await cliServe(app, tmp, "bun", bun.bin);
        },
      );
      await part(`(g) Bun ${bunVersion}: examples/testing/bun.test.ts: bun test`, async () => {
        if (!bunVersion) return { skip: `Bun cannot run here: ${bun.why}` };
        const r = check(
          await run(bun.bin, ["test", "./bun.test.ts"], { cwd: app, timeoutMs: 120_000 }),
          "bun test ./bun.test.ts",
        );
        const out = r.stdout + r.stderr;
        const passed = /^\s*(\d+) pass$/m.exec(out);
        if (!passed || !/^\s*0 fail$/m.test(out)) throw new Error(`unexpected output: ${out}`);
        return { note: `${passed[1]} tests passed` };
      });
    }

    if (process.env.TLSMITH_SKIP_BROWSER === "1") {
      await part("(f) browser bundle", () => ({ skip: "TLSMITH_SKIP_BROWSER=1" }));
    } else {
      await part(
        "(f) browser: an esbuild bundle of tlsmith without runtime or CLI code runs in headless Chromium; openssl accepts its output",
        async () => await browserConsumer(app, tmp),
      );
    }
  } finally {
    for (const child of live) child.kill("SIGKILL");
    if (process.env.TLSMITH_KEEP_TMP === "1") console.log(`kept ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  }

  const count = (s) => results.filter((r) => r.status === s).length;
  console.log(
    `consumer: ${count("ok")} passed, ${count("fail")} failed, ${count("skip")} skipped ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  process.exit(count("fail") ? 1 : 0);
}

/**
 * Load `html` in headless Chromium from a loopback HTTP server (127.0.0.1 is a secure context,
 * so WebCrypto is there) and return the body the page POSTs to `/result`. The page says when it
 * is done, so no virtual-time budget can end it early under load; Chromium is stopped by process
 * group once the result is in, or after 90 s.
 */
async function inChromium(html, tmp) {
  const { createServer } = await import("node:http");
  let settle;
  const result = new Promise((resolve, reject) => (settle = { resolve, reject }));
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    } else if (req.method === "POST" && req.url === "/result") {
      let body = "";
      req.setEncoding("utf8").on("data", (d) => (body += d)).on("end", () => {
        res.writeHead(204).end();
        settle.resolve(body);
      });
    } else res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const home = join(tmp, "browser-home");
  await mkdir(home, { recursive: true });
  const child = spawn("chromium", [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${join(tmp, "browser-profile")}`,
    `http://127.0.0.1:${server.address().port}/`,
  ], { env: { ...process.env, HOME: home }, stdio: ["ignore", "ignore", "pipe"], detached: true });
  live.add(child);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  child.on("error", (err) => settle.reject(new Error(`chromium did not start: ${err.message}`)));
  child.on(
    "exit",
    (code, signal) =>
      settle.reject(
        new Error(`chromium exited (${code ?? signal}) before the page finished:\n${stderr}`),
      ),
  );
  const timer = setTimeout(
    () => settle.reject(new Error(`the page did not finish in 90 s:\n${stderr}`)),
    90_000,
  );
  try {
    return await result;
  } finally {
    clearTimeout(timer);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch { /* already gone */ }
    live.delete(child);
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * (f): bundle `tlsmith` for the browser with esbuild, check the bundle's inputs (no runtime
 * adapter, no CLI, no `node:` import), run it in headless Chromium from a file: page, and judge
 * the certificates, CSR and encrypted key it made with openssl.
 */
async function browserConsumer(app, tmp) {
  const esbuild = join(ROOT, "node_modules", ".bin", "esbuild");
  if (!existsSync(esbuild)) throw new Error(`${esbuild} is missing: run npm install`);
  await writeFile(join(app, "browser.mjs"), BROWSER_APP);
  check(
    await run(esbuild, [
      "browser.mjs",
      "--bundle",
      "--platform=browser",
      "--format=esm",
      "--outfile=bundle.js",
      "--metafile=meta.json",
      "--log-level=warning",
    ], { cwd: app }),
    "esbuild --platform=browser",
  );
  const meta = JSON.parse(await readFile(join(app, "meta.json"), "utf8"));
  const inputs = Object.keys(meta.inputs).filter((f) => f.includes("node_modules/tlsmith/"));
  const forbidden = inputs.filter((f) =>
    /\/runtime\/(node|deno|node_bridge|common|mod)\.js$/.test(f) ||
    (/\/src\/cli\//.test(f) && (meta.inputs[f].bytes ?? 0) > 0)
  );
  if (forbidden.length) {
    throw new Error(`runtime or CLI code in the bundle: ${forbidden.join(", ")}`);
  }
  const bundle = await readFile(join(app, "bundle.js"), "utf8");
  const runtimeImports = Object.entries(meta.inputs).flatMap(([file, input]) =>
    (input.imports ?? []).filter((i) => /^(node:|deno)/.test(i.path)).map((i) =>
      `${file}→${i.path}`
    )
  );
  if (runtimeImports.length) throw new Error(`the bundle imports ${runtimeImports.join(", ")}`);
  if (/Usage: tlsmith/.test(bundle)) throw new Error("the bundle holds the CLI's help text");
  const html =
    `<!doctype html><meta charset="utf-8"><pre id="out">pending</pre><script type="module">${
      bundle.replace(/<\/script/gi, "<\\/script")
    }</script>`;
  const out = JSON.parse(await inChromium(html, tmp));
  if (out.error) throw new Error(`in Chromium: ${out.error}`);
  assert(out.verified === true, "verifyChain did not accept the CA's leaf in the browser");
  assert(out.type === "ec-p256", `the decrypted key is ${out.type}`);
  assert(/^UNSUPPORTED_RUNTIME /.test(out.serveError), `serve() in a browser: ${out.serveError}`);
  const dir = join(tmp, "browser-out");
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(out)) {
    if (typeof text === "string") await writeFile(join(dir, `${name}.pem`), text);
  }
  const ossl = async (args, what) => check(await run("openssl", args, { cwd: dir }), what);
  await ossl(
    [
      "verify",
      "-x509_strict",
      "-purpose",
      "sslserver",
      "-CAfile",
      "caCert.pem",
      "-verify_hostname",
      "localhost",
      "leafChain.pem",
    ],
    "openssl verify of the leaf the browser's CA issued",
  );
  await ossl(
    [
      "verify",
      "-x509_strict",
      "-purpose",
      "sslserver",
      "-CAfile",
      "adhocCert.pem",
      "adhocCert.pem",
    ],
    "openssl verify of the browser's adhoc certificate",
  );
  await ossl(["req", "-in", "csr.pem", "-verify", "-noout"], "openssl req -verify of the CSR");
  await ossl(
    ["pkey", "-in", "encrypted.pem", "-passin", "pass:pass phrase", "-noout"],
    "openssl pkey of the encrypted key",
  );
  return {
    note: `${
      (bundle.length / 1024).toFixed(0)
    } KiB bundle, ${inputs.length} tlsmith modules; SANs ${out.sans.join(", ")}`,
  };
}

/**
 * (c): the installed CLI serves a directory; curl trusts only the saved certificate.
 * `how` = "npx": `npx tlsmith …` in its own process group (npx → sh → node), stopped as a group
 * by the PID we started; "bin": `node_modules/.bin/tlsmith` itself, which must stop gracefully on
 * SIGINT (print "Stopped." and exit 0); "bun": the same bin run by Bun.
 */
async function cliServe(app, tmp, how, bunBin) {
  const site = join(tmp, `site-${how}`);
  await mkdir(site);
  await writeFile(join(site, "hello.txt"), "hello from the tlsmith CLI\n");
  const certFile = join(tmp, `cli-cert-${how}.pem`);
  const group = how === "npx";
  const bin = join(app, "node_modules", ".bin", "tlsmith");
  const child = spawn(
    group ? "npx" : how === "bun" ? bunBin : bin,
    [
      ...(group ? ["--no-install", "tlsmith"] : how === "bun" ? [bin] : []),
      "serve",
      "--cert=adhoc",
      "--port",
      "0",
      "--save-cert",
      certFile,
      "--dir",
      site,
    ],
    {
      cwd: app,
      detached: group,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  live.add(child);
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (out += d));
  const exited = new Promise((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  );
  const stop = (signal) => {
    try {
      process.kill(group ? -child.pid : child.pid, signal);
    } catch {
      // already gone
    }
  };
  try {
    const deadline = Date.now() + 60_000;
    let port;
    while (!port) {
      const m = /https:\/\/(?:localhost|127\.0\.0\.1|\[::1\]):(\d+)\//.exec(out);
      if (m && existsSync(certFile)) port = Number(m[1]);
      else if (child.exitCode !== null) {
        throw new Error(`the CLI exited (${child.exitCode}):\n${out}`);
      } else if (Date.now() > deadline) throw new Error(`no URL printed within 60 s:\n${out}`);
      else await new Promise((r) => setTimeout(r, 100));
    }
    const saved = await readFile(certFile, "utf8");
    if (!saved.includes("BEGIN CERTIFICATE") || /PRIVATE KEY/.test(saved)) {
      throw new Error("--save-cert must write the certificate only");
    }
    const curl = check(
      await run("curl", [
        "--silent",
        "--show-error",
        "--max-time",
        "20",
        "--cacert",
        certFile,
        `https://localhost:${port}/hello.txt`,
      ]),
      "curl --cacert",
    );
    if (curl.stdout !== "hello from the tlsmith CLI\n") throw new Error(`curl got: ${curl.stdout}`);
    // Without the certificate curl must refuse (exit 60: peer certificate cannot be authenticated).
    const untrusted = await run("curl", [
      "--silent",
      "--max-time",
      "20",
      `https://localhost:${port}/hello.txt`,
    ]);
    if (untrusted.code !== 60) {
      throw new Error(`curl without --cacert exited ${untrusted.code}, expected 60`);
    }
    // Ctrl-C: graceful stop.
    stop("SIGINT");
    const done = await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r(null), 15_000)),
    ]);
    if (!done) throw new Error(`the CLI did not stop within 15 s of SIGINT:\n${out}`);
    if (!group && (done.code !== 0 || !/Stopped\./.test(out))) {
      throw new Error(
        `after SIGINT the CLI must print "Stopped." and exit 0; got ${
          done.code ?? done.signal
        }:\n${out}`,
      );
    }
    return { note: `port ${port}, SIGINT → ${done.code ?? done.signal}` };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      stop("SIGKILL");
      await exited;
    }
    live.delete(child);
  }
}

await main();
