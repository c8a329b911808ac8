/**
 * `proxy()` in front of real upstream servers, judged by real clients: curl (HTTP/1.1 and
 * HTTP/2), the runtime's own TLS client, and the `ws` WebSocket client against WebSocket echo
 * servers on Node (`ws`) and on Deno (`Deno.upgradeWebSocket`). Loopback only, port 0, every
 * child process bounded in time and stopped by PID.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { writeFile } from "node:fs/promises";
import process from "node:process";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { serve, type Server } from "../src/serve/serve.ts";
import { proxy, proxyTarget } from "../src/serve/proxy.ts";
import { curl, devPackage, repoRoot, run, suiteTempDir, throwsWith } from "./helpers.ts";

const dir = suiteTempDir();

/** What the upstream saw of the last request. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  bodySha256: string;
  bodyBytes: number;
}

let seen: Seen | null = null;
/** Bytes the /firehose route managed to write before the client stopped reading. */
let firehoseWritten = 0;
/** Set when the /events stream's connection closed (the client went away). */
let eventsClosed = false;

/** The upstream: a plain node:http server with a route per behaviour under test. */
function upstreamHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? "/";
  if (url === "/redirect") {
    const port = (req.socket.localPort ?? 0).toString();
    res.writeHead(302, { location: `http://localhost:${port}/landed?x=1#top` }).end();
    return;
  }
  if (url === "/redirect-127") {
    res.writeHead(301, { location: `http://127.0.0.1:${req.socket.localPort}/b` }).end();
    return;
  }
  if (url === "/redirect-elsewhere") {
    res.writeHead(302, { location: "http://example.test:9999/x" }).end();
    return;
  }
  if (url === "/redirect-relative") {
    res.writeHead(303, { location: "/relative?y=2" }).end();
    return;
  }
  if (url === "/hop") {
    res.writeHead(200, {
      connection: "keep-alive, x-secret-hop",
      "x-secret-hop": "must not pass",
      "keep-alive": "timeout=77",
      "x-end-to-end": "passes",
      "set-cookie": ["a=1; Path=/", "b=2; Path=/"],
    }).end("hop");
    return;
  }
  if (url === "/gzip") {
    res.writeHead(200, { "content-encoding": "gzip", "content-type": "text/plain" });
    res.end(gzipSync("compressed body ".repeat(100)));
    return;
  }
  if (url === "/events") {
    eventsClosed = false;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    let n = 0;
    const timer = setInterval(() => res.write(`id: ${n}\ndata: tick ${n++}\n\n`), 50);
    res.on("close", () => {
      clearInterval(timer);
      eventsClosed = true;
    });
    return;
  }
  if (url === "/firehose") {
    firehoseWritten = 0;
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const chunk = new Uint8Array(64 * 1024);
    const pump = () => {
      while (!res.destroyed) {
        firehoseWritten += chunk.byteLength;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
    };
    pump();
    return;
  }
  const hash = createHash("sha256");
  let bytes = 0;
  req.on("data", (d: Uint8Array) => {
    hash.update(d);
    bytes += d.byteLength;
  });
  req.on("end", () => {
    seen = {
      method: req.method ?? "",
      url,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      bodySha256: hash.digest("hex"),
      bodyBytes: bytes,
    };
    res.writeHead(200, { "content-type": "text/plain" }).end(`upstream got ${url}`);
  });
}

let upstream: http.Server;
let upstreamPort = 0;
let server: Server;
let caFile = "";
let base = "";
const upstreamErrors: string[] = [];

function listen(s: http.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => resolve((s.address() as AddressInfo).port));
  });
}

function close(s: http.Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}

/** GET with the runtime's node:https client; resolves at the response head. */
function get(path: string, headers: Record<string, string> = {}): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${base}${path.slice(1)}`, {
      ca: server.certificate,
      headers,
      agent: false,
    }, resolve);
    req.on("error", reject);
  });
}

/** A child process that prints "PORT <n>"; resolves with the port and a stop function. */
function startChild(
  cmd: string,
  args: string[],
): Promise<{ port: number; child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid!, "SIGKILL");
      } catch {
        // gone already
      }
      await exited;
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${cmd} ${args.join(" ")} printed no port.\n${out}\n${err}`));
    }, 30_000);
    child.stdout!.on("data", (d: string) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child, stop });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}) before printing its port.\n${out}\n${err}`));
    });
  });
}

async function denoBinary(): Promise<string> {
  const g = globalThis as { Deno?: { execPath(): string } };
  return g.Deno ? g.Deno.execPath() : new URL("node_modules/.bin/deno", await repoRoot()).pathname;
}

describe("proxy() in front of an HTTP server", { timeout: 180_000 }, () => {
  before(async () => {
    upstream = http.createServer(upstreamHandler);
    upstreamPort = await listen(upstream);
    server = await serve(
      proxy(upstreamPort, { onUpstreamError: (err) => upstreamErrors.push(err.message) }),
      { cert: "adhoc", port: 0 },
    );
    base = `https://localhost:${server.addr.port}/`;
    caFile = join(dir.path, "proxy-cert.pem");
    await writeFile(caFile, server.certificate);
  });
  after(async () => {
    await server?.shutdown();
    if (upstream.listening) await close(upstream);
  });

  for (const version of ["--http1.1", "--http2"]) {
    it(`passes method, path, body and headers (${version}); Host kept, X-Forwarded-* and Forwarded added, hop-by-hop dropped`, async () => {
      const body = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
      const bodyFile = join(dir.path, "body.bin");
      await writeFile(bodyFile, body);
      seen = null;
      const r = await curl([
        version,
        "--cacert",
        caFile,
        "-X",
        "PUT",
        "--data-binary",
        `@${bodyFile}`,
        "-H",
        "X-Forwarded-For: 10.1.2.3",
        "-H",
        "Forwarded: for=10.1.2.3",
        "-H",
        "Connection: keep-alive, X-Hop",
        "-H",
        "X-Hop: secret",
        "-H",
        "Proxy-Authorization: Basic Zm9vOmJhcg==",
        "-H",
        "X-Custom: kept",
        `${base}some/path?q=1&r=%20`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "upstream got /some/path?q=1&r=%20");
      assert.ok(seen);
      const s = seen as Seen;
      assert.equal(s.method, "PUT");
      assert.equal(s.bodyBytes, body.byteLength);
      assert.equal(s.bodySha256, createHash("sha256").update(body).digest("hex"));
      const h = s.headers;
      assert.equal(h.host, `localhost:${server.addr.port}`);
      assert.equal(h["x-forwarded-for"], "10.1.2.3, 127.0.0.1");
      assert.equal(h["x-forwarded-proto"], "https");
      assert.equal(h["x-forwarded-host"], `localhost:${server.addr.port}`);
      assert.equal(
        h.forwarded,
        `for=10.1.2.3, for=127.0.0.1;host="localhost:${server.addr.port}";proto=https`,
      );
      assert.equal(h["x-custom"], "kept");
      assert.equal(h["proxy-authorization"], undefined);
      if (version === "--http1.1") assert.equal(h["x-hop"], undefined); // named in Connection
      // One Host line only, the client's.
      assert.equal(s.rawHeaders.filter((n, i) => i % 2 === 0 && /^host$/i.test(n)).length, 1);
    });
  }

  it("drops hop-by-hop response headers and keeps the rest (several Set-Cookie)", async () => {
    const r = await curl(["--http1.1", "--cacert", caFile, "-i", `${base}hop`]);
    assert.equal(r.code, 0, r.stderr);
    const head = r.stdout.toLowerCase();
    assert.match(head, /^x-end-to-end: passes\r?$/m);
    assert.doesNotMatch(head, /x-secret-hop|keep-alive: timeout=77/); // (the server may add its own)
    assert.equal(head.match(/^set-cookie:/gm)?.length, 2);
  });

  it("rewrites redirects to the upstream itself to the HTTPS origin, and only those", async () => {
    const location = async (path: string) => (await get(path)).headers.location;
    assert.equal(await location("/redirect"), `${base}landed?x=1#top`);
    assert.equal(await location("/redirect-127"), `${base}b`);
    assert.equal(await location("/redirect-elsewhere"), "http://example.test:9999/x");
    assert.equal(await location("/redirect-relative"), "/relative?y=2");
  });

  it("passes a compressed body as it is (not decoded)", async () => {
    const r = await curl(["--cacert", caFile, "-i", "--compressed", `${base}gzip`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /content-encoding: gzip/i);
    assert.ok(r.stdout.endsWith("compressed body ".repeat(100)));
  });

  it("streams Server-Sent Events as they come, and stops the upstream when the client goes away", async () => {
    const res = await get("/events", { accept: "text/event-stream" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "text/event-stream");
    const events: string[] = [];
    await new Promise<void>((resolve) => {
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        events.push(...d.split("\n\n").filter((e) => e.includes("data:")));
        if (events.length >= 5) resolve();
      });
    });
    // Five ticks 50 ms apart arrived while the stream is still open.
    assert.ok(events[0].includes("data: tick 0"), events[0]);
    assert.equal(eventsClosed, false);
    res.destroy();
    const end = Date.now() + 10_000;
    while (!eventsClosed && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.ok(eventsClosed, "the upstream's event stream was not closed after the client left");
  });

  it("applies backpressure: a client that reads slowly slows the upstream down", async () => {
    // Waiting for a slow client many times leaks no listener (it once did on Deno: each wait
    // left a "close" listener on the TLS socket, and Node's leak warning was printed).
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    // curl reading 10 KB/s for 4 s (Deno's node:https client ignores pause(), so not that).
    const slow = curl([
      "--http1.1",
      "--cacert",
      caFile,
      "--limit-rate",
      "10k",
      "--max-time",
      "4",
      "-o",
      "/dev/null",
      `${base}firehose`,
    ]);
    await new Promise((r) => setTimeout(r, 2000));
    const stalled = firehoseWritten;
    await new Promise((r) => setTimeout(r, 1000));
    const later = firehoseWritten;
    await slow;
    process.off("warning", onWarning);
    // The upstream filled the buffers on the way (kernel socket buffers, the runtimes' and the
    // proxy's queues, TLS), then waited: without backpressure it writes gigabytes in 2 s.
    assert.ok(stalled > 0 && stalled < 64 * 1024 * 1024, `the upstream wrote ${stalled} bytes`);
    assert.ok(later - stalled < 4 * 1024 * 1024, `the upstream went on: ${later - stalled} bytes`);
    assert.deepEqual(warnings.filter((w) => w.startsWith("MaxListenersExceeded")), []);
  });

  it("answers 502 with the reason while the upstream is down, and recovers when it is back", async () => {
    await close(upstream);
    const text = await curl(["--cacert", caFile, "-i", `${base}down`]);
    assert.match(text.stdout, /^HTTP\/2 502/);
    assert.match(text.stdout, /cannot reach http:\/\/localhost:\d+: connection refused/);
    const html = await curl(["--cacert", caFile, "-H", "Accept: text/html", `${base}down`]);
    assert.match(html.stdout, /<meta http-equiv="refresh"/);
    assert.match(html.stdout, /502 Bad Gateway/);
    assert.ok(upstreamErrors.length >= 2);
    // The same port again: the proxy needs no restart.
    upstream = http.createServer(upstreamHandler);
    await listen(upstream, upstreamPort);
    const ok = await curl(["--cacert", caFile, `${base}back`]);
    assert.equal(ok.stdout, "upstream got /back");
  });
});

describe("proxy() passes WebSockets", { timeout: 240_000 }, () => {
  let wsDir = "";
  let fixtures = "";
  before(async () => {
    wsDir = await devPackage("ws");
    fixtures = new URL("./fixtures/", import.meta.url).pathname;
  });

  const upstreams: [string, () => Promise<{ cmd: string; args: string[] }>][] = [
    [
      "Node (ws)",
      () => Promise.resolve({ cmd: "node", args: [join(fixtures, "ws_echo_node.mjs"), wsDir] }),
    ],
    ["Deno (Deno.upgradeWebSocket)", async () => ({
      cmd: await denoBinary(),
      args: ["run", "-A", join(fixtures, "ws_echo_deno.mjs")],
    })],
  ];
  for (const [name, command] of upstreams) {
    it(`to an echo server on ${name}: 1,000 messages with a 1 MB frame, ping, close code`, async () => {
      const { cmd, args } = await command();
      const echo = await startChild(cmd, args);
      const front = await serve(proxy(echo.port), { cert: "adhoc", port: 0 });
      try {
        const certFile = join(dir.path, `ws-${front.addr.port}.pem`);
        await writeFile(certFile, front.certificate);
        const url = `wss://localhost:${front.addr.port}/socket?token=abc`;
        const r = await run("node", [join(fixtures, "ws_client.mjs"), wsDir, url, certFile], {
          timeoutMs: 90_000,
        });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const result = JSON.parse(r.stdout.trim().split("\n").pop()!);
        assert.deepEqual(result, {
          protocol: "chat",
          echoed: 1000,
          mismatches: 0,
          bigBytes: 1 << 20,
          pong: true,
          close: { code: 4001, reason: "bye" },
        });
        // The upgrade request reached the upstream with the forwarding headers.
        const last = await fetch(`http://127.0.0.1:${echo.port}/last-upgrade`);
        const headers = await last.json() as Record<string, string>;
        assert.equal(headers["x-forwarded-proto"], "https");
        assert.equal(headers["x-forwarded-host"], `localhost:${front.addr.port}`);
        assert.equal(headers["x-forwarded-for"], "127.0.0.1");
      } finally {
        await front.shutdown();
        await echo.stop();
      }
    });
  }

  it("answers a WebSocket upgrade with 502 while the upstream is down", async () => {
    const idle = http.createServer();
    const port = await listen(idle);
    await close(idle);
    const front = await serve(proxy(port), { cert: "adhoc", port: 0 });
    try {
      const certFile = join(dir.path, `ws-down-${front.addr.port}.pem`);
      await writeFile(certFile, front.certificate);
      const r = await run("node", [
        join(fixtures, "ws_client.mjs"),
        wsDir,
        `wss://localhost:${front.addr.port}/`,
        certFile,
      ], { timeoutMs: 30_000 });
      assert.match(r.stdout, /"error":"status 502"/);
    } finally {
      await front.shutdown();
    }
  });

  it("gives an upgrade request to a handler that is no proxy an ordinary answer", async () => {
    const front = await serve(() => new Response("plain answer"), { cert: "adhoc", port: 0 });
    try {
      const r = await curl([
        "-k",
        "--http1.1",
        "-i",
        "-H",
        "Connection: Upgrade",
        "-H",
        "Upgrade: websocket",
        "-H",
        "Sec-WebSocket-Version: 13",
        "-H",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        `https://localhost:${front.addr.port}/`,
      ]);
      assert.match(r.stdout, /^HTTP\/1.1 200/);
      assert.ok(r.stdout.endsWith("plain answer"), r.stdout);
    } finally {
      await front.shutdown();
    }
  });
});

describe("proxyTarget()", () => {
  it("takes a port, host:port or an http origin", () => {
    assert.equal(proxyTarget(5173).href, "http://localhost:5173/");
    assert.equal(proxyTarget(" 3000 ").href, "http://localhost:3000/");
    assert.equal(proxyTarget("127.0.0.1:8080").href, "http://127.0.0.1:8080/");
    assert.equal(proxyTarget("http://[::1]:4000/").href, "http://[::1]:4000/");
    assert.equal(proxyTarget(new URL("http://localhost:1")).href, "http://localhost:1/");
  });
  it("refuses what it cannot proxy, saying what to give", () => {
    throwsWith(() => proxyTarget("https://localhost:5173"), "BAD_OPTION", "plain http");
    throwsWith(() => proxyTarget("ftp://localhost:21"), "BAD_OPTION", "ftp: is not http:");
    throwsWith(() => proxyTarget("http://localhost:5173/app"), "BAD_OPTION", "no path");
    throwsWith(() => proxyTarget("http://a:b@localhost:1"), "BAD_OPTION", "passwords");
    throwsWith(() => proxyTarget(70000), "BAD_OPTION", "1–65535");
    throwsWith(() => proxyTarget("not a url at all"), "BAD_OPTION", "Give a port (5173)");
    throwsWith(() => proxyTarget({} as unknown as string), "BAD_OPTION", "not a port or URL");
  });
});
