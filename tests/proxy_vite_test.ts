/**
 * `tlsmith proxy --cert local` in front of a real Vite dev server, judged by headless Chromium
 * (driven with playwright-core, the system's browser) that trusts the local CA through a fresh
 * NSS database: the page loads over HTTPS without a certificate error, Vite's hot-reload
 * WebSocket connects through the proxy, and a file edit reaches the page. The proxy runs under
 * Deno (the Deno suite) and under Node (the Node 20 run of the compiled suite); heavy, so once
 * each. Loopback only; every process bounded in time and stopped by PID.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import * as net from "node:net";
import { join } from "node:path";
import process from "node:process";
import {
  devPackage,
  have,
  isDeno,
  nssHome,
  run,
  type ServedCli,
  startCli,
  tempDir,
  writeFiles,
} from "./helpers.ts";

const BEFORE = 'export const msg = "before the edit";\n';
const AFTER = 'export const msg = "after the edit";\n';

const heavyRun = isDeno || process.versions.node?.split(".")[0] === "20";

/** A free loopback port (asked of the kernel, then released for Vite's --strictPort). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Start Vite in `root` on `port` and wait until it answers. */
async function startVite(viteDir: string, root: string, port: number): Promise<ChildProcess> {
  const child = spawn("node", [
    join(viteDir, "bin", "vite.js"),
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--strictPort",
    "--clearScreen",
    "false",
  ], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const end = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite exited (${child.exitCode}):\n${output}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      await r.body?.cancel();
      if (r.ok) return child;
    } catch {
      // not yet
    }
    if (Date.now() > end) {
      child.kill("SIGKILL");
      throw new Error(`vite did not answer on ${port} in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    try {
      process.kill(child.pid!, "SIGTERM");
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(child.pid!, "SIGKILL");
      } catch {
        // gone
      }
    }, 5000).unref?.();
  });
}

if (heavyRun) {
  describe(`Vite behind tlsmith proxy on ${isDeno ? "Deno" : "Node"}, in Chromium`, {
    timeout: 300_000,
  }, () => {
    let tmp: { path: string; cleanup: () => Promise<void> };
    let vite: ChildProcess | undefined;
    let proxied: ServedCli | undefined;
    let chromium = "";

    before(async () => {
      tmp = await tempDir();
      for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
        const r = await run("sh", ["-c", `command -v ${name}`]);
        if (r.code === 0) {
          chromium = r.stdout.trim();
          break;
        }
      }
      assert.ok(chromium, "Chromium is needed (apt install chromium)");
      assert.ok(await have("certutil"), "certutil is needed (apt install libnss3-tools)");
    });
    after(async () => {
      await proxied?.stop("SIGINT");
      await stop(vite);
      await tmp?.cleanup();
    });

    it("loads over HTTPS with the local CA trusted, hot reload connects, an edit reaches the page", async () => {
      const [viteDir, playwrightDir] = [
        await devPackage("vite"),
        await devPackage("playwright-core"),
      ];
      const app = join(tmp.path, "app");
      await mkdir(app);
      const files = await writeFiles(app, {
        "index.html":
          '<!doctype html><html><head><meta charset="utf-8"><title>app</title></head>\n' +
          '<body><p id="msg"></p><script type="module" src="/main.js"></script></body></html>\n',
        "main.js": 'import { msg } from "./msg.js";\n' +
          'document.querySelector("#msg").textContent = msg;\n' +
          "if (import.meta.hot) import.meta.hot.accept();\n",
        "msg.js": BEFORE,
      });
      const vitePort = await freePort();
      vite = await startVite(viteDir, app, vitePort);

      const caDir = join(tmp.path, "ca");
      proxied = await startCli(
        ["proxy", "--cert", "local", "--port", "0", String(vitePort)],
        /https:\/\/localhost:(\d+)\//,
        { TLSMITH_CA_DIR: caDir },
      );

      // A home whose NSS database trusts the local CA, as `tlsmith trust` would make it.
      const home = await nssHome(join(tmp.path, "home"), join(caDir, "ca.pem"));
      const env = { HOME: home };

      const url = `https://localhost:${proxied.port}/`;
      const r = await run("node", [
        new URL("./fixtures/vite_browser.mjs", import.meta.url).pathname,
        playwrightDir,
        chromium,
        url,
        files["msg.js"],
        AFTER,
      ], { env, timeoutMs: 150_000 });
      assert.equal(r.code, 0, r.stderr);
      const seen = JSON.parse(r.stdout.trim().split("\n").pop()!);
      const context = JSON.stringify(seen, null, 1) + "\nproxy log:\n" + proxied.stdout() +
        proxied.stderr();
      assert.equal(seen.error, undefined, context);
      assert.equal(seen.status, 200, context);
      assert.equal(seen.before, "before the edit", context);
      // Vite's client opened its WebSocket to the proxy (not the direct-connection fallback).
      assert.ok(
        seen.sockets.length > 0 &&
          seen.sockets.every((u: string) => u.startsWith(`wss://localhost:${proxied!.port}/`)),
        context,
      );
      assert.ok(seen.console.some((m: string) => m.includes("[vite] connected")), context);
      assert.ok(!seen.console.some((m: string) => /fallback/i.test(m)), context);
      assert.equal(seen.after, "after the edit", context);
      assert.ok(seen.framesReceived > 0, context);
    });
  });
}
