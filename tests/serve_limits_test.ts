/**
 * Timeouts and limits of serve() on the runtime under test: silent connections (no
 * ClientHello), a ClientHello that never ends, slowloris headers, idle keep-alive, oversized
 * headers, too many connections, and running out of file descriptors (`ulimit -n`) — the server
 * closes what it must and keeps serving. Loopback only, short timeouts, bounded counts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import * as net from "node:net";
import * as tls from "node:tls";
import { join } from "node:path";
import type { ServeOptions, Server } from "../src/serve/serve.ts";
import type { Handler } from "../src/serve/runtime/types.ts";
import { spawn } from "node:child_process";
import { cliCommand, curl, isDeno, suiteTempDir, withServe } from "./helpers.ts";

const dir = suiteTempDir();

function withServer(
  options: Partial<ServeOptions>,
  fn: (server: Server, caFile: string) => Promise<void>,
  handler: Handler = () => new Response("ok\n"),
): Promise<void> {
  return withServe(dir.path, handler, options, fn);
}

/** A socket and when it was closed by the other side (ms after it was opened), or null. */
interface Watched<S extends net.Socket> {
  socket: S;
  closedAfter: Promise<number | null>;
}

function watch<S extends net.Socket>(socket: S, limitMs: number): Watched<S> {
  const start = Date.now();
  socket.on("error", () => {});
  socket.on("data", () => {});
  const closedAfter = new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), limitMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(Date.now() - start);
    });
  });
  return { socket, closedAfter };
}

function silent(port: number, limitMs: number): Watched<net.Socket> {
  return watch(net.connect(port, "127.0.0.1"), limitMs);
}

/** A finished TLS handshake (certificate not checked); `alpn` picks the protocol. */
function handshaken(port: number, alpn: string, limitMs: number): Promise<Watched<tls.TLSSocket>> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      port,
      host: "127.0.0.1",
      servername: "localhost",
      rejectUnauthorized: false,
      ALPNProtocols: [alpn],
    }, () => resolve(watch(socket, limitMs)));
    socket.once("error", reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Read from `socket` until `text` has arrived. */
function readUntil(socket: net.Socket, text: string, limitMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const timer = setTimeout(
      () => reject(new Error(`no ${JSON.stringify(text)} in ${got}`)),
      limitMs,
    );
    const onData = (chunk: Uint8Array) => {
      got += new TextDecoder().decode(chunk);
      if (got.includes(text)) {
        clearTimeout(timer);
        socket.off("data", onData);
        resolve(got);
      }
    };
    socket.on("data", onData);
  });
}

describe("serve() timeouts and limits", () => {
  it("closes connections that send nothing, or a ClientHello that never ends, after handshakeTimeout", async () => {
    await withServer({ handshakeTimeout: 400 }, async (server, ca) => {
      const port = server.addr.port;
      const quiet = Array.from({ length: 20 }, () => silent(port, 10_000));
      const partial = silent(port, 10_000);
      partial.socket.write(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00])); // a record header only
      const times = await Promise.all([...quiet, partial].map((w) => w.closedAfter));
      for (const t of times) {
        assert.ok(t !== null, "every silent connection must be closed");
        assert.ok(t >= 300, `closed after ${t} ms, before the timeout`);
      }
      const r = await curl(["--cacert", ca, server.url]);
      assert.equal(r.stdout, "ok\n", r.stderr);
    });
  });

  it("closes a connection whose first request's headers never end (slowloris) after headersTimeout", async () => {
    await withServer({ handshakeTimeout: 5_000, headersTimeout: 500 }, async (server) => {
      const port = server.addr.port;
      const h1 = await handshaken(port, "http/1.1", 10_000);
      h1.socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n");
      const drip = setInterval(() => h1.socket.write("X-Drip: 1\r\n"), 100);
      // HTTP/2: the connection preface and SETTINGS, then no request.
      const h2 = await handshaken(port, "h2", 10_000);
      h2.socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      h2.socket.write(new Uint8Array([0, 0, 0, 4, 0, 0, 0, 0, 0]));
      try {
        for (const [name, w] of [["HTTP/1.1", h1], ["HTTP/2", h2]] as const) {
          const t = await w.closedAfter;
          assert.ok(t !== null, `${name}: the slow connection must be closed`);
          assert.ok(t >= 400, `${name}: closed after ${t} ms, before headersTimeout`);
        }
      } finally {
        clearInterval(drip);
      }
    });
  });

  it("closes idle keep-alive connections after idleTimeout, never one with a request in flight", async () => {
    const handler: Handler = async (request) => {
      if (new URL(request.url).pathname === "/slow") await sleep(1_500);
      return new Response("done\n");
    };
    await withServer({ idleTimeout: 500, headersTimeout: 5_000 }, async (server) => {
      const port = server.addr.port;
      const idle = await handshaken(port, "http/1.1", 10_000);
      idle.socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
      await readUntil(idle.socket, "done\n");
      const slow = await handshaken(port, "http/1.1", 10_000);
      slow.socket.write("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n");
      const answer = await readUntil(slow.socket, "done\n");
      assert.match(answer, /^HTTP\/1\.1 200/);
      const t = await idle.closedAfter;
      assert.ok(t !== null, "the idle keep-alive connection must be closed");
      const s = await slow.closedAfter;
      assert.ok(s === null || s >= 1_500, `the busy connection was closed after ${s} ms`);
    }, handler);
  });

  it("closes idle HTTP/2 sessions after idleTimeout, never one with a stream in flight", async () => {
    const handler: Handler = async (request) => {
      if (new URL(request.url).pathname === "/slow") await sleep(1_500);
      return new Response("done\n");
    };
    /** A session and when the server closed it (ms after it was opened; null: not within 6 s). */
    const open = (port: number) => {
      const session = http2.connect(`https://127.0.0.1:${port}`, {
        rejectUnauthorized: false,
        servername: "localhost",
      });
      session.on("error", () => {});
      const start = Date.now();
      const closedAfter = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 6_000);
        session.once("close", () => {
          clearTimeout(timer);
          resolve(Date.now() - start);
        });
      });
      return { session, closedAfter };
    };
    const get = (session: http2.ClientHttp2Session, path: string) =>
      new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":path": path });
        let body = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => (body += chunk));
        stream.on("end", () => resolve(body));
        stream.on("error", reject);
        stream.end();
      });
    await withServer({ idleTimeout: 500, headersTimeout: 5_000 }, async (server) => {
      const idle = open(server.addr.port);
      const busy = open(server.addr.port);
      try {
        assert.equal(await get(idle.session, "/"), "done\n");
        // Two streams at once, one slow: the session is busy until both are closed.
        const [fast, slow] = await Promise.all([
          get(busy.session, "/"),
          get(busy.session, "/slow"),
        ]);
        assert.deepEqual([fast, slow], ["done\n", "done\n"]);
        const t = await idle.closedAfter;
        assert.ok(t !== null && t < 1_500, `the idle session was closed after ${t} ms`);
        // Closed, but only once its last stream was done (and then it is idle like any other).
        const s = await busy.closedAfter;
        assert.ok(s !== null && s >= 1_500, `the busy session was closed after ${s} ms`);
      } finally {
        idle.session.destroy();
        busy.session.destroy();
      }
    }, handler);
  });

  it("answers 431 to headers above maxHeaderSize, over HTTP/1.1 and HTTP/2", async () => {
    await withServer({ maxHeaderSize: 4096 }, async (server, ca) => {
      const big = "a".repeat(6000);
      for (const flag of ["--http1.1", "--http2"]) {
        const r = await curl([
          "--cacert",
          ca,
          flag,
          "-H",
          `X-Big: ${big}`,
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          server.url,
        ]);
        assert.equal(r.stdout, "431", `${flag}: ${r.stderr}`);
        const ok = await curl(["--cacert", ca, flag, "-H", "X-Small: 1", server.url]);
        assert.equal(ok.stdout, "ok\n", `${flag}: ${ok.stderr}`);
      }
    });
  });

  it("closes connections above maxConnections at once and serves again when they go", async () => {
    await withServer({ maxConnections: 5, handshakeTimeout: 20_000 }, async (server, ca) => {
      const port = server.addr.port;
      const held = Array.from({ length: 5 }, () => silent(port, 20_000));
      await sleep(300);
      const extra = silent(port, 5_000);
      const t = await extra.closedAfter;
      assert.ok(t !== null && t < 2_000, `the sixth connection must be closed at once (${t})`);
      for (const w of held) w.socket.destroy();
      await Promise.all(held.map((w) => w.closedAfter));
      await sleep(200);
      const r = await curl(["--cacert", ca, server.url]);
      assert.equal(r.stdout, "ok\n", r.stderr);
    });
  });

  it("with `ulimit -n 256` and 400 silent connections, the CLI never exits and serves again", async () => {
    const { cmd, args } = cliCommand();
    const certFile = join(dir.path, `ulimit-${isDeno ? "deno" : "node"}.pem`);
    const script = `ulimit -n 256; exec "$0" "$@"`;
    const child = spawn(
      "sh",
      [
        "-c",
        script,
        cmd,
        ...args,
        "serve",
        "--port",
        "0",
        "--handshake-timeout",
        "1",
        "--save-cert",
        certFile,
        "--force",
        "--quiet",
        dir.path,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
    let exited: number | null | undefined;
    child.on("exit", (code) => (exited = code));
    try {
      const start = Date.now();
      while (!out.includes("Press Ctrl-C to stop.")) {
        assert.ok(exited === undefined, `serve exited early: ${err}`);
        assert.ok(Date.now() - start < 60_000, `serve did not start: ${out}${err}`);
        await sleep(100);
      }
      const port = Number(/https:\/\/localhost:(\d+)\//.exec(out)![1]);
      const flood = Array.from({ length: 400 }, () => silent(port, 30_000));
      const closed = await Promise.all(flood.map((w) => w.closedAfter));
      assert.equal(closed.filter((t) => t === null).length, 0, "every silent connection is closed");
      assert.equal(exited, undefined, `serve must keep running: ${err}`);
      const r = await curl([
        "--cacert",
        certFile,
        `https://localhost:${port}/`,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
      ]);
      assert.equal(r.stdout, "200", r.stderr);
      assert.equal(exited, undefined, `serve must keep running: ${err}`);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
