/**
 * Static files through a real server, judged by curl: a large file streams whole (on Node the
 * open file is piped as a Node stream), ranges of it too; and no per-response stall: 100 sequential requests over one keep-alive connection (curl, HTTP/1.1
 * and HTTP/2) for small static files (1 KiB) and for streamed handler bodies with a
 * Content-Length (what a proxy returns) take about as long as 100 tiny in-memory responses.
 * (Deno.serve sets no TCP_NODELAY: every response over ~512 bytes waited ≈ 40 ms for the client's
 * delayed ACK, 4 s per 100.) The bound is a ratio with generous slack, never an absolute time.
 * Loopback, port 0, bounded; the server is shut down.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { serve, type Server } from "../src/serve/serve.ts";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import { serveDir } from "../src/serve/static.ts";
import { curl, tempDir } from "./helpers.ts";

const COUNT = 100;

let tmp: { path: string; cleanup: () => Promise<void> };
let server: Server;

before(async () => {
  tmp = await tempDir();
  const root = join(tmp.path, "files");
  await mkdir(root);
  const big = new Uint8Array(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 0xff;
  await writeFile(join(root, "big.bin"), big);
  for (let i = 0; i < COUNT; i++) {
    await writeFile(join(root, `f${i}.txt`), `file ${i}\n`.padEnd(1024, "."));
  }
  const files = serveDir(await getRuntime(), root);
  const body = new TextEncoder().encode("streamed body\n".padEnd(2048, "."));
  server = await serve((request, info) => {
    const path = new URL(request.url).pathname;
    if (path === "/mem") return new Response("in memory\n");
    if (path === "/stream") {
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.enqueue(body);
            controller.close();
          },
        }),
        { headers: { "content-length": String(body.length) } },
      );
    }
    return files(request, info);
  }, { cert: "adhoc", port: 0 });
});

after(async () => {
  await server?.shutdown();
  await tmp?.cleanup();
});

/** Seconds for `paths` fetched one after another on one connection, the first (handshake) left out. */
async function sequential(paths: string[], protocol: "--http1.1" | "--http2"): Promise<number> {
  const args = ["-k", protocol, "-w", "%{time_total}\\n"];
  for (const path of ["/mem", ...paths]) {
    args.push("-o", "/dev/null", `https://127.0.0.1:${server.addr.port}${path}`);
  }
  const r = await curl(args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const times = r.stdout.trim().split("\n").map(Number);
  assert.equal(times.length, paths.length + 1);
  return times.slice(1).reduce((a, b) => a + b, 0);
}

describe("no per-response stall", () => {
  for (const protocol of ["--http1.1", "--http2"] as const) {
    it(`${COUNT} small files and ${COUNT} streamed bodies cost about what in-memory ones do (${protocol})`, async () => {
      const mem = await sequential(Array(COUNT).fill("/mem"), protocol);
      const files = await sequential(
        Array.from({ length: COUNT }, (_, i) => `/f${i}.txt`),
        protocol,
      );
      const streamed = await sequential(Array(COUNT).fill("/stream"), protocol);
      // A stall is ≈ 40 ms per response: 4 s here. The bound allows 10× plus half a second.
      const bound = 10 * mem + 0.5;
      assert.ok(files < bound, `files ${files.toFixed(3)} s vs in-memory ${mem.toFixed(3)} s`);
      assert.ok(streamed < bound, `streamed ${streamed.toFixed(3)} s vs ${mem.toFixed(3)} s`);
    });
  }
});

describe("large files", () => {
  it("stream whole and in ranges (HTTP/1.1 and HTTP/2), equal to the file", async () => {
    const expected = await readFile(join(tmp.path, "files", "big.bin"));
    for (const protocol of ["--http1.1", "--http2"]) {
      const out = join(tmp.path, `big-${protocol}.bin`);
      const r = await curl([
        "-k",
        protocol,
        "-o",
        out,
        "-w",
        "%{http_code} %{size_download}",
        `https://127.0.0.1:${server.addr.port}/big.bin`,
      ], { timeoutMs: 60_000 });
      assert.equal(r.stdout, `200 ${expected.length}`, r.stderr);
      assert.ok((await readFile(out)).equals(expected), protocol);
      const part = join(tmp.path, `part-${protocol}.bin`);
      const ranged = await curl([
        "-k",
        protocol,
        "-r",
        "1000000-2000000",
        "-o",
        part,
        "-w",
        "%{http_code}",
        `https://127.0.0.1:${server.addr.port}/big.bin`,
      ], { timeoutMs: 60_000 });
      assert.equal(ranged.stdout, "206");
      assert.ok((await readFile(part)).equals(expected.subarray(1000000, 2000001)), protocol);
    }
  });
});
