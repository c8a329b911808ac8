/**
 * `tlsmith proxy`, `tlsmith serve app.ts` and `run --proxy` (runDevProxy) end to end: the real
 * CLI process (Deno on the source, Node on the build) or the real dev-server child, judged by
 * curl. Loopback only, port 0, every process bounded in time and stopped by PID.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { runDevProxy } from "../src/cli/dev_proxy.ts";
import type { CliContext } from "../src/cli/args.ts";
import { isTlsmithError } from "../src/errors.ts";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import { cliCommand, curl, isDeno, run, startCli, suiteTempDir, writeFiles } from "./helpers.ts";

const tmp = suiteTempDir();

describe("tlsmith proxy", { timeout: 120_000 }, () => {
  let upstream: http.Server;
  let port = 0;
  before(async () => {
    upstream = http.createServer((req, res) => {
      res.end(`upstream: ${req.method} ${req.url} host=${req.headers.host}`);
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    port = (upstream.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it("serves the upstream over HTTPS, says when it is down and when it is back", async () => {
    const certFile = join(tmp.path, "proxy-cert.pem");
    const served = await startCli(
      ["proxy", "--port", "0", "--save-cert", certFile, `http://127.0.0.1:${port}`],
      /https:\/\/localhost:(\d+)\//,
    );
    try {
      assert.match(served.stdout(), new RegExp(`^Proxying http://127\\.0\\.0\\.1:${port}/ on`));
      const base = `https://localhost:${served.port}`;
      const ok = await curl(["--cacert", certFile, `${base}/a?b=1`]);
      assert.equal(ok.stdout, `upstream: GET /a?b=1 host=localhost:${served.port}`);
      // Down: a 502 for each request, one line on standard error.
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
      upstream.closeAllConnections();
      for (let i = 0; i < 3; i++) {
        const down = await curl([
          "--cacert",
          certFile,
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          base,
        ]);
        assert.equal(down.stdout, "502");
      }
      assert.equal(served.stderr().match(/connection refused/g)?.length, 1, served.stderr());
      upstream = http.createServer((req, res) => res.end(`again ${req.url}`));
      await new Promise<void>((resolve) => upstream.listen(port, "127.0.0.1", resolve));
      const back = await curl(["--cacert", certFile, `${base}/x`]);
      assert.equal(back.stdout, "again /x");
      assert.match(served.stderr(), /answers again/);
      assert.match(served.stdout(), / GET \/x 200/); // the request log
    } finally {
      assert.equal(await served.stop("SIGINT"), 0);
    }
  });

  it("refuses an upstream it cannot proxy (usage error, exit 2)", async () => {
    const { cmd, args } = cliCommand();
    const r = await run(cmd, [...args, "proxy", "https://localhost:5173"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /must speak plain http; the proxy adds the TLS/);
    const none = await run(cmd, [...args, "proxy"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing PORT\|URL/);
  });
});

describe("tlsmith serve APP", { timeout: 120_000 }, () => {
  let files: Record<string, string>;
  before(async () => {
    files = await writeFiles(tmp.path, {
      "app.ts": [
        "const greeting: string = 'hello from app.ts';",
        "export default {",
        "  count: 0,",
        "  fetch(this: { count: number }, request: Request): Response {",
        "    this.count++;",
        "    return new Response(`${greeting} ${new URL(request.url).pathname} ${this.count}`);",
        "  },",
        "};",
        "",
      ].join("\n"),
      "fn.mjs": "export default (request) => new Response(`fn ${request.method}`);\n",
      "nohandler.mjs": "export const x = 1;\n",
      "broken.mjs": "export default {\n",
      "notes.txt": "not a module\n",
    });
  });

  async function serveApp(file: string): Promise<string> {
    const served = await startCli(["serve", "--port", "0", "--quiet", file], /localhost:(\d+)/);
    try {
      assert.match(served.stdout(), /default export's fetch handler/);
      const r = await curl(["-k", `https://localhost:${served.port}/p`]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    } finally {
      await served.stop("SIGINT");
    }
  }

  it("serves a default-exported function (.mjs)", async () => {
    assert.equal(await serveApp(files["fn.mjs"]), "fn GET");
  });

  const node = process.versions.node?.split(".").map(Number) ?? [0, 0];
  const stripsTypes = isDeno || node[0] >= 24 || (node[0] === 23 && node[1] >= 6) ||
    (node[0] === 22 && node[1] >= 18);
  if (stripsTypes) {
    it("serves a TypeScript module's default { fetch } with its this", async () => {
      assert.equal(await serveApp(files["app.ts"]), "hello from app.ts /p 1");
    });
  } else {
    it("says which Node loads TypeScript when this one cannot", async () => {
      const { cmd, args } = cliCommand();
      const r = await run(cmd, [...args, "serve", "--port", "0", files["app.ts"]]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /this Node cannot load TypeScript\. Node 22\.18\+ and 23\.6\+/);
    });
  }

  it("names what is wrong with a module that is no app", async () => {
    const { cmd, args } = cliCommand();
    const cases: [string, RegExp][] = [
      [files["nohandler.mjs"], /the default export is missing, not a fetch handler/],
      [files["broken.mjs"], /broken\.mjs: the module failed to load/],
      [files["notes.txt"], /notes\.txt is not a directory\. .*or an app module/],
      [join(tmp.path, "missing.ts"), /missing\.ts: no such file/],
    ];
    for (const [file, pattern] of cases) {
      const r = await run(cmd, [...args, "serve", "--port", "0", file]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, pattern);
      assert.ok(!r.stdout.includes("https://"), "must not have started serving");
    }
  });
});

describe("run --proxy (runDevProxy)", { timeout: 180_000 }, () => {
  /** A dev server: listens on a free port, prints it the way Vite does (with colours). */
  const DEV_SERVER = `
import http from "node:http";
import https from "node:https";
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/env") return res.end(process.env.NODE_EXTRA_CA_CERTS ?? "none");
  if (url.pathname === "/call") {
    // An outgoing HTTPS request, trusting only the system store and NODE_EXTRA_CA_CERTS.
    https.get(url.searchParams.get("url"), (r) => {
      let body = "";
      r.on("data", (d) => (body += d));
      r.on("end", () => res.end("called: " + body));
    }).on("error", (err) => res.end("call failed: " + err.code));
    return;
  }
  res.end("dev server " + url.pathname);
});
setTimeout(() => server.listen(0, "127.0.0.1", () => {
  const port = server.address().port;
  console.log("  \\u001b[32m➜\\u001b[39m  Local:   \\u001b[36mhttp://localhost:\\u001b[1m" + port + "\\u001b[22m/\\u001b[39m");
}), 300);
if (process.argv[2] === "exit-later") setTimeout(() => process.exit(7), 1500);
`;

  let devServer = "";
  let previousCaDir: string | undefined;
  before(async () => {
    devServer = (await writeFiles(tmp.path, { "dev-server.mjs": DEV_SERVER }))["dev-server.mjs"];
    previousCaDir = process.env.TLSMITH_CA_DIR;
    process.env.TLSMITH_CA_DIR = join(tmp.path, "ca-store");
  });
  after(() => {
    if (previousCaDir === undefined) delete process.env.TLSMITH_CA_DIR;
    else process.env.TLSMITH_CA_DIR = previousCaDir;
  });

  async function context(): Promise<{ ctx: CliContext; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const ctx = {
      runtime: await getRuntime(),
      print: (t: string) => out.push(t),
      printError: (t: string) => err.push(t),
    };
    return { ctx, out, err };
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    const end = Date.now() + 60_000;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("starts the dev command, finds its port, proxies it with the local CA trusted by the command", async () => {
    const { ctx, out } = await context();
    const stop = new AbortController();
    const running = runDevProxy(
      ctx,
      ["--port", "0", "--quiet", "--", "node", devServer],
      stop.signal,
    );
    try {
      await until(() => out.some((l) => l.includes("Press Ctrl-C")), "the banner");
      const banner = out.join("\n");
      assert.match(banner, /^Proxying http:\/\/localhost:\d+\/ \(node \S+dev-server\.mjs\) on/m);
      assert.match(banner, /Certificate: fresh, from the local CA/);
      const proxyPort = /https:\/\/localhost:(\d+)\//.exec(banner)![1];
      const caFile = join(tmp.path, "ca-store", "ca.pem");
      const base = `https://localhost:${proxyPort}`;
      assert.equal((await curl(["--cacert", caFile, `${base}/page`])).stdout, "dev server /page");
      // NODE_EXTRA_CA_CERTS names the CA file, or (when the machine already set one) a bundle
      // that holds it (the environment of `tlsmith env`).
      const extra = (await curl(["--cacert", caFile, `${base}/env`])).stdout;
      assert.ok(
        (await readFile(extra, "utf8")).includes((await readFile(caFile, "utf8")).trim()),
        `NODE_EXTRA_CA_CERTS=${extra} does not hold the local CA`,
      );
      // The dev server's own request to the proxy trusts the local CA.
      const call = await curl(["--cacert", caFile, `${base}/call?url=${base}/page`]);
      assert.equal(call.stdout, "called: dev server /page");
    } finally {
      stop.abort();
    }
    assert.equal(await running, 0);
  });

  it("with --ca-dir, the dev server trusts that CA, not the default one", async () => {
    const { ctx, out } = await context();
    const caDir = join(tmp.path, "other-ca");
    const stop = new AbortController();
    const running = runDevProxy(
      ctx,
      ["--ca-dir", caDir, "--port", "0", "--quiet", "--", "node", devServer],
      stop.signal,
    );
    try {
      await until(() => out.some((l) => l.includes("Press Ctrl-C")), "the banner");
      const proxyPort = /https:\/\/localhost:(\d+)\//.exec(out.join("\n"))![1];
      const caFile = join(caDir, "ca.pem");
      const base = `https://localhost:${proxyPort}`;
      const extra = (await curl(["--cacert", caFile, `${base}/env`])).stdout;
      assert.ok(
        (await readFile(extra, "utf8")).includes((await readFile(caFile, "utf8")).trim()),
        `NODE_EXTRA_CA_CERTS=${extra} does not hold the CA of --ca-dir`,
      );
      const call = await curl(["--cacert", caFile, `${base}/call?url=${base}/page`]);
      assert.equal(call.stdout, "called: dev server /page");
    } finally {
      stop.abort();
    }
    assert.equal(await running, 0);
  });

  it("stops with the command's exit code when the command exits", async () => {
    const { ctx, err } = await context();
    const code = await runDevProxy(ctx, [
      "--port",
      "0",
      "--cert",
      "adhoc",
      "--",
      "node",
      devServer,
      "exit-later",
    ]);
    assert.equal(code, 7);
    assert.match(err.join("\n"), /exited \(code 7\); stopping the proxy/);
  });

  it("fails clearly when the command exits before it listens, or does not exist", async () => {
    const { ctx } = await context();
    await assert.rejects(
      runDevProxy(ctx, ["--cert", "adhoc", "--port", "0", "--", "node", "-e", "process.exit(3)"]),
      (e) =>
        isTlsmithError(e, "DEV_SERVER_FAILED") &&
        /exited \(code 3\) before it listened/.test(e.message),
    );
    await assert.rejects(
      runDevProxy(ctx, ["--cert", "adhoc", "--", "no-such-command-tlsmith"]),
      (e) =>
        isTlsmithError(e, "FILE_NOT_FOUND") &&
        /no-such-command-tlsmith: no such command/.test(e.message),
    );
    await assert.rejects(
      runDevProxy(ctx, ["--cert", "adhoc"]),
      (e) => isTlsmithError(e, "BAD_USAGE") && /after "--"/.test(e.message),
    );
  });
});
