/**
 * Certificate reload: serve() with certFile/keyFile picks up replaced files for new connections
 * (openssl s_client sees the new certificate) while an open keep-alive connection keeps working;
 * a half-replaced pair is reported once and the old certificate stays; an encrypted new key is
 * unlocked through the passphrase callback; `tlsmith serve --cert FILE` prints the reload.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tls from "node:tls";
import { join } from "node:path";
import { copyFile, readFile, rename } from "node:fs/promises";
import { type ReloadEvent, serve } from "../src/serve/serve.ts";
import process from "node:process";
import { caStore, createStoredCa } from "../src/ca/store.ts";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import { openssl, opensslCert, run, startServe, tempDir } from "./helpers.ts";

let dir: { path: string; cleanup: () => Promise<void> };
const f = (name: string) => join(dir.path, name);

before(async () => {
  dir = await tempDir();
  for (const name of ["first", "second", "third"]) {
    await opensslCert({
      key: f(`${name}-key.pem`),
      cert: f(`${name}.pem`),
      subject: `/CN=${name}`,
      addext: ["subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"],
    });
  }
  // The third key encrypted (PBES2, AES-256), as `openssl pkcs8 -topk8` writes it.
  await openssl([
    "pkcs8",
    "-topk8",
    "-in",
    f("third-key.pem"),
    "-out",
    f("third-key.enc.pem"),
    "-v2",
    "aes-256-cbc",
    "-passout",
    "pass:reload-secret",
  ]);
});
after(async () => {
  await dir?.cleanup();
});

/** Replace `target` by `source` atomically (copy beside it, then rename over). */
async function replace(source: string, target: string): Promise<void> {
  await copyFile(source, `${target}.new`);
  await rename(`${target}.new`, target);
}

/** The subject CN of the certificate a new connection gets, as openssl s_client sees it. */
async function servedSubject(port: number): Promise<string> {
  const r = await run("sh", [
    "-c",
    `openssl s_client -connect 127.0.0.1:${port} -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -subject`,
  ], { timeoutMs: 20_000 });
  return r.stdout.trim();
}

/** A keep-alive HTTP/1.1 connection that sends requests one by one. */
async function keepAlive(port: number): Promise<{
  get(path: string): Promise<string>;
  fingerprint: string;
  close(): void;
}> {
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({
      port,
      host: "127.0.0.1",
      servername: "localhost",
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
    }, () => resolve(s));
    s.once("error", reject);
  });
  socket.setEncoding("utf8");
  return {
    fingerprint: socket.getPeerCertificate().fingerprint256,
    get: (path) =>
      new Promise((resolve, reject) => {
        let got = "";
        const timer = setTimeout(
          () => reject(new Error(`no answer on the old connection: ${got}`)),
          10_000,
        );
        const onData = (chunk: string) => {
          got += chunk;
          const m = /content-length: (\d+)\r\n/i.exec(got);
          const end = got.indexOf("\r\n\r\n");
          if (m && end >= 0 && got.length >= end + 4 + Number(m[1])) {
            clearTimeout(timer);
            socket.off("data", onData);
            resolve(got);
          }
        };
        socket.on("data", onData);
        socket.once("close", () => reject(new Error("the old connection was closed")));
        socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      }),
    close: () => socket.destroy(),
  };
}

async function fingerprintOf(file: string): Promise<string> {
  const out = await openssl(["x509", "-in", file, "-noout", "-fingerprint", "-sha256"]);
  return out.trim().split("=")[1];
}

async function until<T>(what: string, check: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("serve() certificate reload", () => {
  it("new connections get replaced files; an open keep-alive connection keeps working", async () => {
    await copyFile(f("first.pem"), f("live.pem"));
    await copyFile(f("first-key.pem"), f("live-key.pem"));
    const events: ReloadEvent[] = [];
    const asked: number[] = [];
    const server = await serve((req) => new Response(`path ${new URL(req.url).pathname}\n`), {
      cert: { certFile: f("live.pem"), keyFile: f("live-key.pem") },
      port: 0,
      reloadInterval: 100,
      onReload: (event) => events.push(event),
      passphrase: ({ attempt }) => {
        asked.push(attempt);
        return attempt === 1 ? "not-it" : "reload-secret";
      },
    });
    try {
      const port = server.addr.port;
      assert.equal(await servedSubject(port), "subject=CN = first");
      const old = await keepAlive(port);
      assert.match(await old.get("/one"), /^HTTP\/1\.1 200[\s\S]*path \/one/);
      assert.equal(old.fingerprint, await fingerprintOf(f("first.pem")));

      // Half replaced: the new certificate beside the old key is refused, once; the old one stays.
      await replace(f("second.pem"), f("live.pem"));
      const failed = await until("the mismatch report", () => events.find((e) => !e.ok));
      assert.ok(!failed.ok && failed.error.code === "KEY_MISMATCH", JSON.stringify(failed));
      assert.equal(await servedSubject(port), "subject=CN = first");

      // The key follows: new connections get the second certificate.
      await replace(f("second-key.pem"), f("live-key.pem"));
      const second = await fingerprintOf(f("second.pem"));
      await until("the reload", () => events.find((e) => e.ok && e.fingerprint === second));
      assert.equal(await servedSubject(port), "subject=CN = second");
      assert.equal(server.fingerprint, second);
      assert.equal(server.certificate, await readFile(f("second.pem"), "utf8"));
      assert.equal(events.filter((e) => !e.ok).length, 1, "a failure is reported once");

      // The connection opened before keeps working, on its certificate.
      assert.match(await old.get("/two"), /^HTTP\/1\.1 200[\s\S]*path \/two/);
      old.close();

      // An encrypted key: the passphrase callback is asked (a wrong answer is asked again).
      await replace(f("third.pem"), f("live.pem"));
      await replace(f("third-key.enc.pem"), f("live-key.pem"));
      const third = await fingerprintOf(f("third.pem"));
      await until(
        "the encrypted reload",
        () => events.find((e) => e.ok && e.fingerprint === third),
      );
      assert.deepEqual(asked.slice(-2), [1, 2]);
      assert.equal(await servedSubject(port), "subject=CN = third");
    } finally {
      await server.shutdown();
    }
  });

  it('cert: "local" is renewed when a third of its life is left (a CA that expires tomorrow)', async () => {
    // Leaves never outlive their CA: with a CA valid one day, the 7-day leaf is cut to a day and
    // is due for renewal at once, at every check.
    const saved = process.env.TLSMITH_CA_DIR;
    process.env.TLSMITH_CA_DIR = f("short-ca");
    const runtime = await getRuntime();
    await createStoredCa(runtime, caStore(runtime), { days: 1 });
    const events: ReloadEvent[] = [];
    const server = await serve(() => new Response("ok\n"), {
      cert: "local",
      port: 0,
      reloadInterval: 150,
      onReload: (event) => events.push(event),
    });
    try {
      const first = server.fingerprint;
      const renewed = await until(
        "a renewal",
        () => events.find((e) => e.ok && e.fingerprint !== first),
      );
      assert.ok(renewed.ok && renewed.notAfter.getTime() - Date.now() < 86_400_000 + 60_000);
      const served = await run("sh", [
        "-c",
        `openssl s_client -connect 127.0.0.1:${server.addr.port} -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
      ], { timeoutMs: 20_000 });
      const now = served.stdout.trim().split("=")[1];
      assert.notEqual(now, first, "new connections get a renewed certificate");
      assert.ok(events.some((e) => e.ok && e.fingerprint === now), `${now} was announced`);
    } finally {
      await server.shutdown();
      if (saved === undefined) delete process.env.TLSMITH_CA_DIR;
      else process.env.TLSMITH_CA_DIR = saved;
    }
  });

  it("tlsmith serve --cert FILE prints the reload and serves the new certificate", async () => {
    await copyFile(f("first.pem"), f("cli.pem"));
    await copyFile(f("first-key.pem"), f("cli-key.pem"));
    const served = await startServe(
      ["--cert", f("cli.pem"), "--key", f("cli-key.pem"), "--port", "0", dir.path],
      /https:\/\/localhost:(\d+)\//,
    );
    try {
      await replace(f("second-key.pem"), f("cli-key.pem"));
      await replace(f("second.pem"), f("cli.pem"));
      const second = await fingerprintOf(f("second.pem"));
      await until(
        "the reload line",
        () =>
          served.stdout().includes(`Certificate reloaded: SHA-256 ${second}`) ? true : undefined,
      );
      assert.equal(await servedSubject(served.port), "subject=CN = second");
    } finally {
      await served.stop();
    }
  });
});
