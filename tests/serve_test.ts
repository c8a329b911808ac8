import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { serve, type ServeOptions, type Server } from "../src/serve/serve.ts";
import { TlsmithError, type TlsmithErrorCode } from "../src/errors.ts";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import type { Handler } from "../src/serve/runtime/types.ts";
import {
  curl,
  errorOf,
  isDeno,
  openssl,
  opensslCert,
  opensslEcKey,
  rejectsWith,
  run,
  suiteTempDir,
} from "./helpers.ts";

const dir = suiteTempDir();

/** Start a server on a free loopback port, run `fn`, always shut it down. */
async function withServer(
  handler: Handler,
  fn: (server: Server, caFile: string) => Promise<void>,
  options: Partial<ServeOptions> = {},
): Promise<void> {
  const server = await serve(handler, { cert: "adhoc", port: 0, ...options });
  try {
    const caFile = join(dir.path, `ca-${server.addr.port}.pem`);
    await writeFile(caFile, server.certificate);
    await fn(server, caFile);
  } finally {
    await server.shutdown();
  }
}

async function until(check: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes.slice().buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * GET `url` with the runtime's own TLS client: `fetch` with `Deno.createHttpClient({ caCerts })` on
 * Deno, `node:https` with `ca` on Node. Without `ca` the system's trust store alone is used.
 */
async function runtimeFetch(url: string, ca: string | undefined): Promise<string> {
  const deno = (globalThis as {
    Deno?: {
      createHttpClient(options: { caCerts?: string[] }): { close(): void };
    };
  }).Deno;
  if (deno) {
    const client = deno.createHttpClient({ caCerts: ca ? [ca] : [] });
    try {
      const response = await fetch(url, { client } as RequestInit);
      return await response.text();
    } finally {
      client.close();
    }
  }
  const https = await import("node:https");
  return await new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout fetching ${url}`)));
    req.on("error", reject);
  });
}

describe("serve", () => {
  it("answers GET over HTTP/2 and HTTP/1.1 (ALPN), trusted with --cacert", async () => {
    const seen: { url: string; header: string | null; remote: string }[] = [];
    await withServer((req, info) => {
      seen.push({
        url: req.url,
        header: req.headers.get("x-multi"),
        remote: info.remoteAddr.hostname,
      });
      return new Response(`hello ${req.method} ${new URL(req.url).pathname}`, {
        headers: { "content-type": "text/plain" },
      });
    }, async (server, ca) => {
      assert.equal(server.url, `https://localhost:${server.addr.port}/`);
      assert.equal(server.addr.hostname, "127.0.0.1");
      assert.match(server.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      for (const [flag, version] of [["--http2", "2"], ["--http1.1", "1.1"]]) {
        const r = await curl([
          flag,
          "--cacert",
          ca,
          "-H",
          "X-Multi: one",
          "-H",
          "X-Multi: two",
          "-w",
          "\n%{http_version} %{http_code}",
          `${server.url}path/x?q=1`,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `hello GET /path/x\n${version} 200`);
      }
      assert.equal(seen.length, 2);
      for (const s of seen) {
        assert.equal(s.url, `https://localhost:${server.addr.port}/path/x?q=1`);
        assert.equal(s.header, "one, two");
        assert.equal(s.remote, "127.0.0.1");
      }
      // Without trusting the certificate the client refuses, and the server keeps going.
      const untrusted = await curl([server.url]);
      assert.equal(untrusted.code, 60, untrusted.stderr);
      const again = await curl(["--cacert", ca, server.url]);
      assert.equal(again.stdout, "hello GET /");
    });
  });

  it("the runtime's own HTTPS client trusts the certificate by name and by IP, and only with it", async () => {
    await withServer(() => new Response("trusted"), async (server) => {
      const urls = [server.url, `https://127.0.0.1:${server.addr.port}/`];
      for (const url of urls) {
        assert.equal(await runtimeFetch(url, server.certificate), "trusted", url);
        await assert.rejects(
          runtimeFetch(url, undefined),
          `${url} must not be trusted without the CA`,
        );
      }
    });
  });

  it("HEAD gets the headers and the right Content-Length, no body", async () => {
    await withServer(
      (req) =>
        new URL(req.url).pathname === "/stream"
          ? new Response(
            new ReadableStream({
              start(c) {
                c.enqueue(new Uint8Array(1000));
                c.enqueue(new Uint8Array(234));
                c.close();
              },
            }),
          )
          : new Response("twelve bytes", { headers: { "x-kind": "static" } }),
      async (server, ca) => {
        for (const flag of ["--http2", "--http1.1"]) {
          const r = await curl([flag, "--cacert", ca, "-I", server.url]);
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, /^content-length: 12\r?$/im);
          assert.match(r.stdout, /^x-kind: static\r?$/im);
          const s = await curl([flag, "--cacert", ca, "-I", `${server.url}stream`]);
          assert.equal(s.code, 0, s.stderr);
          assert.match(s.stdout, /^content-length: 1234\r?$/im);
          // The same request as GET: the body is there and has that length.
          const g = await curl([
            flag,
            "--cacert",
            ca,
            "-w",
            "%{size_download}",
            "-o",
            "/dev/null",
            `${server.url}stream`,
          ]);
          assert.equal(g.stdout, "1234");
        }
      },
    );
  });

  it("streams a large request body back (POST echo, several MB, both protocols)", async () => {
    const size = 6 * 1024 * 1024 + 123;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i += 65536) {
      crypto.getRandomValues(data.subarray(i, Math.min(size, i + 65536)));
    }
    const input = join(dir.path, "upload.bin");
    await writeFile(input, data);
    const chunkCounts: number[] = [];
    await withServer(
      (req) => {
        let chunks = 0;
        const counted = req.body!.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, c) {
              chunks++;
              c.enqueue(chunk);
            },
            flush() {
              chunkCounts.push(chunks);
            },
          }),
        );
        return new Response(counted, { headers: { "content-type": "application/octet-stream" } });
      },
      async (server, ca) => {
        for (const flag of ["--http2", "--http1.1"]) {
          const output = join(dir.path, `echo${flag}.bin`);
          const r = await curl([
            flag,
            "--cacert",
            ca,
            "--data-binary",
            `@${input}`,
            "-H",
            "content-type: application/octet-stream",
            "-o",
            output,
            "-w",
            "%{http_code}",
            server.url,
          ]);
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stdout, "200");
          const echoed = new Uint8Array(await readFile(output));
          assert.equal(echoed.length, size);
          assert.equal(await sha256(echoed), await sha256(data));
        }
      },
    );
    // Streamed in pieces, not buffered whole.
    assert.equal(chunkCounts.length, 2);
    for (const n of chunkCounts) assert.ok(n > 10, `only ${n} chunks`);
  });

  it("sends several Set-Cookie headers, a custom status and status text", async () => {
    await withServer(() => {
      const headers = new Headers({ "content-type": "text/plain" });
      headers.append("set-cookie", "a=1; Path=/; HttpOnly");
      headers.append("set-cookie", "b=2; Path=/; Secure");
      return new Response("made", { status: 299, statusText: "Made Fresh", headers });
    }, async (server, ca) => {
      for (const flag of ["--http2", "--http1.1"]) {
        const r = await curl([flag, "--cacert", ca, "-D", "-", "-o", "/dev/null", server.url]);
        assert.equal(r.code, 0, r.stderr);
        const cookies = r.stdout.split(/\r?\n/).filter((l) => /^set-cookie:/i.test(l));
        assert.deepEqual(cookies.map((l) => l.replace(/^set-cookie:\s*/i, "")), [
          "a=1; Path=/; HttpOnly",
          "b=2; Path=/; Secure",
        ]);
        const status = r.stdout.split(/\r?\n/)[0];
        if (flag === "--http2") assert.equal(status.trim(), "HTTP/2 299");
        else if (isDeno) {
          // Deno.serve always sends the standard reason phrase (custom status text is dropped).
          assert.match(status, /^HTTP\/1\.1 299/);
        } else assert.equal(status, "HTTP/1.1 299 Made Fresh");
      }
    });
  });

  it("a throwing handler gives 500, is reported once, and the server keeps serving", async () => {
    const errors: unknown[] = [];
    await withServer(
      (req) => {
        if (new URL(req.url).pathname === "/boom") throw new Error("kaboom");
        if (new URL(req.url).pathname === "/reject") return Promise.reject(new Error("rejected"));
        if (new URL(req.url).pathname === "/not-a-response") {
          return "just text" as unknown as Response;
        }
        return new Response("fine");
      },
      async (server, ca) => {
        for (const flag of ["--http2", "--http1.1"]) {
          const r = await curl([flag, "--cacert", ca, "-w", " %{http_code}", `${server.url}boom`]);
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stdout, "Internal Server Error 500");
          const r2 = await curl([
            flag,
            "--cacert",
            ca,
            "-w",
            " %{http_code}",
            `${server.url}reject`,
          ]);
          assert.equal(r2.stdout, "Internal Server Error 500");
          const r3 = await curl([
            flag,
            "--cacert",
            ca,
            "-w",
            " %{http_code}",
            `${server.url}not-a-response`,
          ]);
          assert.equal(r3.stdout, "Internal Server Error 500");
          const ok = await curl([flag, "--cacert", ca, "-w", " %{http_code}", server.url]);
          assert.equal(ok.stdout, "fine 200");
        }
      },
      { onError: (err) => errors.push(err) },
    );
    assert.equal(errors.length, 6);
    assert.deepEqual(
      errors.filter((_, i) => i % 3 !== 2).map((e) => (e as Error).message),
      ["kaboom", "rejected", "kaboom", "rejected"],
    );
    // Returning something that is not a Response is reported as an error too.
    assert.ok(errors[2] instanceof Error && errors[5] instanceof Error);
  });

  it("aborts request.signal when the client goes away", async () => {
    let started = 0;
    let aborted = 0;
    await withServer((req) => {
      started++;
      return new Promise<Response>((resolve) => {
        const timer = setTimeout(() => resolve(new Response("late")), 15_000);
        req.signal.addEventListener("abort", () => {
          aborted++;
          clearTimeout(timer);
          resolve(new Response("aborted"));
        });
      });
    }, async (server, ca) => {
      for (const flag of ["--http2", "--http1.1"]) {
        const before = aborted;
        const r = await run("curl", ["-sS", flag, "--cacert", ca, "--max-time", "1", server.url], {
          timeoutMs: 20_000,
        });
        assert.equal(r.code, 28, r.stderr); // curl: operation timed out
        assert.ok(await until(() => aborted === before + 1), `${flag}: signal not aborted`);
      }
    });
    assert.equal(started, 2);
  });

  it("cancels the response body stream when the client disconnects mid-stream", async () => {
    let cancelled = 0;
    let pulls = 0;
    await withServer(() => {
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          pulls++;
          await new Promise((r) => setTimeout(r, 5));
          c.enqueue(new Uint8Array(16 * 1024));
        },
        cancel() {
          cancelled++;
        },
      });
      return new Response(body, { headers: { "content-type": "application/octet-stream" } });
    }, async (server, ca) => {
      for (const flag of ["--http2", "--http1.1"]) {
        const before = cancelled;
        const r = await run("curl", [
          "-sS",
          flag,
          "--cacert",
          ca,
          "--max-time",
          "1",
          "-o",
          "/dev/null",
          server.url,
        ], { timeoutMs: 20_000 });
        assert.equal(r.code, 28, r.stderr);
        assert.ok(await until(() => cancelled === before + 1), `${flag}: body not cancelled`);
        const pullsAfter = pulls;
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(pulls - pullsAfter <= 1, "the body is still being pulled");
      }
    });
  });

  it("shutdown() waits for in-flight requests, closes idle connections, frees the port", async () => {
    let slowArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (slowArrived = resolve));
    const server = await serve(async (req) => {
      if (new URL(req.url).pathname === "/slow") {
        slowArrived();
        await new Promise((r) => setTimeout(r, 700));
      }
      return new Response("done");
    }, { cert: "adhoc", port: 0 });
    const ca = join(dir.path, "shutdown-ca.pem");
    await writeFile(ca, server.certificate);
    // An idle TLS connection that never sends a request.
    const idle = spawn("openssl", [
      "s_client",
      "-connect",
      `127.0.0.1:${server.addr.port}`,
      "-quiet",
    ], { stdio: ["pipe", "ignore", "ignore"] });
    const idleClosed = new Promise<void>((resolve) => idle.on("close", () => resolve()));
    const killIdle = setTimeout(() => idle.kill("SIGKILL"), 20_000);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const slow = curl(["--cacert", ca, "-w", " %{http_code}", `${server.url}slow`]);
      await arrived; // the request is in flight when the shutdown starts
      let finished = false;
      server.finished.then(() => (finished = true));
      await server.shutdown();
      assert.equal(finished || (await Promise.race([server.finished.then(() => true)])), true);
      const r = await slow;
      assert.equal(r.stdout, "done 200", r.stderr);
      await idleClosed; // the server closed the idle connection
      const refused = await curl(["--cacert", ca, server.url]);
      assert.equal(refused.code, 7, refused.stderr); // could not connect
      await server.shutdown(); // a second call is harmless
    } finally {
      clearTimeout(killIdle);
      idle.kill("SIGKILL");
    }
  });

  it("stops when the signal is aborted", async () => {
    const controller = new AbortController();
    let listened: { hostname: string; port: number } | undefined;
    const server = await serve(() => new Response("x"), {
      cert: "adhoc",
      port: 0,
      signal: controller.signal,
      onListen: (addr) => (listened = addr),
    });
    assert.deepEqual(listened, server.addr);
    controller.abort();
    await server.finished;
    const ca = join(dir.path, "signal-ca.pem");
    await writeFile(ca, server.certificate);
    const refused = await curl(["--cacert", ca, server.url]);
    assert.equal(refused.code, 7, refused.stderr);
  });

  it("serves openssl-made certificates from files and PEM text (EC, RSA PKCS#1)", async () => {
    for (const kind of ["ec", "rsa"]) {
      const key = join(dir.path, `${kind}-key.pem`);
      const cert = join(dir.path, `${kind}-cert.pem`);
      if (kind === "ec") {
        await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
      } else {
        await openssl(["genrsa", "-traditional", "-out", key, "2048"]);
      }
      await opensslCert({
        key,
        cert,
        newKey: "existing",
        addext: ["subjectAltName=DNS:localhost,IP:127.0.0.1"],
      });
      const fromFiles = await serve(() => new Response(kind), {
        cert: { certFile: cert, keyFile: key },
        port: 0,
      });
      try {
        assert.equal(fromFiles.certificate, await readFile(cert, "utf8"));
        const r = await curl(["--cacert", cert, `https://localhost:${fromFiles.addr.port}/`]);
        assert.equal(r.stdout, kind, r.stderr);
      } finally {
        await fromFiles.shutdown();
      }
      const fromText = await serve(() => new Response(kind + " text"), {
        cert: { cert: await readFile(cert, "utf8"), key: await readFile(key, "utf8") },
        port: 0,
        hostname: "localhost",
      });
      try {
        const r = await curl(["--cacert", cert, `https://localhost:${fromText.addr.port}/`]);
        assert.equal(r.stdout, kind + " text", r.stderr);
      } finally {
        await fromText.shutdown();
      }
    }
  });

  it("adhoc covers ::1 and a bound host name", async () => {
    let server: Server;
    try {
      server = await serve(() => new Response("v6"), { cert: "adhoc", port: 0, hostname: "::1" });
    } catch (err) {
      if (err instanceof TlsmithError && err.code === "SERVE_FAILED") return; // no IPv6 here
      throw err;
    }
    try {
      const ca = join(dir.path, "v6-ca.pem");
      await writeFile(ca, server.certificate);
      assert.equal(server.addr.hostname, "::1");
      const r = await curl(["-g", "--cacert", ca, `https://[::1]:${server.addr.port}/`]);
      assert.equal(r.stdout, "v6", r.stderr);
    } finally {
      await server.shutdown();
    }
    const text = await openssl(["x509", "-noout", "-ext", "subjectAltName"], {
      input: server.certificate,
    });
    assert.match(text, /DNS:localhost/);
    assert.match(text, /IP Address:127\.0\.0\.1/);
    assert.match(text, /IP Address:0:0:0:0:0:0:0:1/);
  });

  it("rejects bad options, encrypted and mismatched keys, missing files, a busy port", async () => {
    const key = join(dir.path, "bad-key.pem");
    const cert = join(dir.path, "bad-cert.pem");
    const otherKey = join(dir.path, "other-key.pem");
    const encKey = join(dir.path, "enc-key.pem");
    await opensslEcKey(key);
    await opensslEcKey(otherKey);
    await opensslCert({ key, cert, newKey: "existing", days: 1 });
    await openssl(["pkcs8", "-topk8", "-in", key, "-out", encKey, "-passout", "pass:secret123"]);
    const ok = () => new Response("x");

    const missing = join(dir.path, "missing.pem");
    // Each failure names the file at fault (the last column).
    const fileCases: [string, string, TlsmithErrorCode, string][] = [
      [cert, encKey, "PASSPHRASE_REQUIRED", encKey],
      [cert, otherKey, "KEY_MISMATCH", otherKey],
      [missing, key, "FILE_NOT_FOUND", missing],
      [key, cert, "BAD_CERTIFICATE", key],
    ];
    for (const [certFile, keyFile, code, culprit] of fileCases) {
      await rejectsWith(serve(ok, { cert: { certFile, keyFile }, port: 0 }), code, culprit);
    }
    await rejectsWith(serve(ok, { cert: { cert: "hello", key: "world" }, port: 0 }), "BAD_PEM");

    for (
      const bad of [
        { cert: "adhoc", port: -1 },
        { cert: "adhoc", port: 65536 },
        { cert: "adhoc", port: 1.5 },
        { cert: "adhoc", hostname: "" },
        { cert: "adhoc", hostname: "a b" },
        { cert: "selfsigned" },
        { cert: { certFile: cert } },
        {},
      ]
    ) {
      const err = await errorOf(serve(ok, bad as unknown as ServeOptions));
      assert.equal(err.code, "BAD_OPTION", JSON.stringify(bad));
    }
    await rejectsWith(serve("nope" as unknown as Handler, { cert: "adhoc" }), "BAD_OPTION");

    const first = await serve(ok, { cert: "adhoc", port: 0 });
    try {
      const busy = await rejectsWith(
        serve(ok, { cert: "adhoc", port: first.addr.port }),
        "SERVE_FAILED",
      );
      assert.ok(busy.message.includes(String(first.addr.port)), busy.message);
    } finally {
      await first.shutdown();
    }
  });

  it("runs on the runtime picked by getRuntime()", async () => {
    assert.equal((await getRuntime()).name, isDeno ? "deno" : "node");
  });
});
