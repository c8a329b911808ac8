/**
 * What serve() and `tlsmith serve` do that users expect: both loopback addresses by default
 * (curl to https://127.0.0.1 and https://[::1]), plain http:// to the HTTPS port redirected,
 * an httpPort redirect listener, unknown and bad options refused by name, encrypted keys unlocked
 * through a passphrase callback, cert: "local" from the local CA (created on first use), extra
 * names for adhoc certificates and `--lan`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { readFile } from "node:fs/promises";
import { serve, type ServeOptions, type Server } from "../src/serve/serve.ts";
import { serveUrls } from "../src/cli/serving.ts";
import { describeCertificate } from "../src/x509/describe.ts";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import {
  curl,
  openssl,
  opensslCert,
  rejectsWith,
  startServe,
  tempDir,
  withServe,
} from "./helpers.ts";

let dir: { path: string; cleanup: () => Promise<void> };
const f = (name: string) => join(dir.path, name);

before(async () => {
  dir = await tempDir();
  await opensslCert({
    key: f("plain-key.pem"),
    cert: f("cert.pem"),
    addext: ["subjectAltName=DNS:localhost,IP:127.0.0.1"],
  });
  await openssl([
    "pkcs8",
    "-topk8",
    "-in",
    f("plain-key.pem"),
    "-out",
    f("enc-key.pem"),
    "-v2",
    "aes-256-cbc",
    "-passout",
    "pass:open sesame",
  ]);
});
after(async () => {
  await dir?.cleanup();
});

const hello = () => new Response("hello\n");

function withServer(
  options: Partial<ServeOptions>,
  fn: (server: Server, ca: string) => Promise<void>,
): Promise<void> {
  return withServe(dir.path, hello, options, fn);
}

describe("serve() listening", () => {
  it("listens on 127.0.0.1 and ::1 by default: curl reaches both, over HTTP/2 and HTTP/1.1", async () => {
    await withServer({}, async (server, ca) => {
      const port = server.addr.port;
      assert.deepEqual(server.addrs.map((a) => a.hostname), ["127.0.0.1", "::1"]);
      assert.ok(server.addrs.every((a) => a.port === port));
      for (const host of ["127.0.0.1", "[::1]", "localhost"]) {
        for (const flag of ["--http2", "--http1.1"]) {
          const r = await curl(["--cacert", ca, flag, `https://${host}:${port}/`]);
          assert.equal(r.stdout, "hello\n", `${host} ${flag}: ${r.stderr}`);
        }
      }
    });
  });

  it("answers a plain http:// request to the HTTPS port with a 308 to https://", async () => {
    await withServer({}, async (server, ca) => {
      const port = server.addr.port;
      assert.equal(server.redirectsPlainHttp, true);
      const r = await curl(["-si", `http://localhost:${port}/some/path?q=1`]);
      assert.match(r.stdout, /^HTTP\/1\.1 308 /);
      assert.match(
        r.stdout,
        new RegExp(`\r\nlocation: https://localhost:${port}/some/path\\?q=1\r\n`, "i"),
      );
      const followed = await curl(["-L", "--cacert", ca, `http://127.0.0.1:${port}/`]);
      assert.equal(followed.stdout, "hello\n", followed.stderr);
      const v6 = await curl(["-si", `http://[::1]:${port}/x`]);
      assert.match(v6.stdout, new RegExp(`location: https://\\[::1\\]:${port}/x`, "i"));
      // A hostile Host header does not steer the redirect elsewhere.
      const evil = await curl(["-si", "-H", "Host: evil.example/x?", `http://127.0.0.1:${port}/`]);
      assert.match(evil.stdout, new RegExp(`location: https://127\\.0\\.0\\.1:${port}/\r\n`, "i"));
    });
  });

  it("httpPort adds plain-HTTP listeners that redirect to the HTTPS port", async () => {
    await withServer({ httpPort: 0 }, async (server, ca) => {
      const [plain] = server.httpAddrs;
      assert.ok(plain && plain.port > 0 && plain.port !== server.addr.port);
      const r = await curl(["-si", `http://127.0.0.1:${plain.port}/a`]);
      assert.match(r.stdout, /^HTTP\/1\.1 308 /);
      assert.match(
        r.stdout,
        new RegExp(`location: https://127\\.0\\.0\\.1:${server.addr.port}/a`, "i"),
      );
      const followed = await curl(["-L", "--cacert", ca, `http://localhost:${plain.port}/`]);
      assert.equal(followed.stdout, "hello\n", followed.stderr);
    });
  });

  it("hosts adds names to an adhoc certificate", async () => {
    await withServer({ hosts: ["app.test", "10.1.2.3"] }, async (server) => {
      const info = await describeCertificate(server.certificate);
      assert.deepEqual(info.dnsNames, ["localhost", "app.test"]);
      assert.deepEqual(info.ipAddresses, ["127.0.0.1", "::1", "10.1.2.3"]);
    });
  });
});

describe("serve() options", () => {
  it("refuses unknown options by name, suggesting the right spelling", async () => {
    await rejectsWith(
      serve(hello, { cert: "adhoc", hostName: "127.0.0.1" } as unknown as ServeOptions),
      "BAD_OPTION",
      /unknown option "hostName" \(did you mean "hostname"\?\)/,
    );
    await rejectsWith(
      serve(hello, { cert: "adhoc", timeout: 5 } as unknown as ServeOptions),
      "BAD_OPTION",
      /unknown option "timeout"/,
    );
  });

  it("refuses bad timeouts, limits and ports", async () => {
    const bad: [Partial<ServeOptions>, RegExp][] = [
      [{ handshakeTimeout: -1 }, /handshakeTimeout must be a number of milliseconds/],
      [{ idleTimeout: Number.NaN }, /idleTimeout/],
      [{ maxConnections: 0 }, /maxConnections/],
      [{ maxHeaderSize: 100 }, /maxHeaderSize must be a number of bytes ≥ 1024/],
      [{ port: 8443, httpPort: 8443 }, /httpPort 8443 is the HTTPS port/],
      [{ httpPort: 70000 }, /httpPort 70000 is not a port number/],
      [{ reloadInterval: -5 }, /reloadInterval/],
      [{ onReload: "yes" as unknown as () => void }, /onReload must be a function/],
    ];
    for (const [options, message] of bad) {
      await rejectsWith(serve(hello, { cert: "adhoc", ...options }), "BAD_OPTION", message);
    }
  });

  it("unlocks an encrypted key through the passphrase callback (three tries)", async () => {
    const cert = await readFile(f("cert.pem"), "utf8");
    const key = await readFile(f("enc-key.pem"), "utf8");
    await rejectsWith(
      serve(hello, { cert: { cert, key }, port: 0 }),
      "PASSPHRASE_REQUIRED",
      /the key PEM: the private key is encrypted/,
    );
    await rejectsWith(
      serve(hello, { cert: { cert, key }, port: 0, passphrase: "wrong" }),
      "WRONG_PASSPHRASE",
    );
    const asked: { file: string; attempt: number }[] = [];
    await withServer({
      cert: { certFile: f("cert.pem"), keyFile: f("enc-key.pem") },
      passphrase: (request) => {
        asked.push(request);
        return request.attempt < 3 ? `guess ${request.attempt}` : "open sesame";
      },
    }, async (server, ca) => {
      assert.deepEqual(asked, [1, 2, 3].map((attempt) => ({ file: f("enc-key.pem"), attempt })));
      const r = await curl(["--cacert", ca, server.url]);
      assert.equal(r.stdout, "hello\n", r.stderr);
    });
    await rejectsWith(
      serve(hello, { cert: { cert, key }, port: 0, passphrase: () => "never" }),
      "WRONG_PASSPHRASE",
    );
    await rejectsWith(
      serve(hello, {
        cert: { cert, key },
        port: 0,
        passphrase: () => {
          throw new Error("the user pressed Cancel");
        },
      }),
      "PASSPHRASE_REQUIRED",
      /the passphrase callback failed \(the user pressed Cancel\)/,
    );
  });

  it('cert: "local" serves a certificate from the local CA, created on first use', async () => {
    const saved = process.env.TLSMITH_CA_DIR;
    process.env.TLSMITH_CA_DIR = f("local-ca");
    try {
      for (const created of [true, false]) {
        await withServer({ cert: "local" }, async (server) => {
          assert.deepEqual(server.localCa, { certFile: join(f("local-ca"), "ca.pem"), created });
          for (const host of ["localhost", "127.0.0.1", "[::1]"]) {
            const r = await curl([
              "--cacert",
              server.localCa!.certFile,
              `https://${host}:${server.addr.port}/`,
            ]);
            assert.equal(r.stdout, "hello\n", `${host}: ${r.stderr}`);
          }
          const info = await describeCertificate(server.certificate);
          const days = (info.notAfter.getTime() - Date.now()) / 86_400_000;
          assert.ok(days > 6 && days <= 7, `a 7-day leaf, got ${days}`);
        });
      }
    } finally {
      if (saved === undefined) delete process.env.TLSMITH_CA_DIR;
      else process.env.TLSMITH_CA_DIR = saved;
    }
  });
});

describe("tlsmith serve URLs and --lan", () => {
  it("serveUrls lists every network address for an all-interfaces host, none link-local", () => {
    const network = [
      { address: "127.0.0.1", family: 4 as const, internal: true },
      { address: "192.168.1.20", family: 4 as const, internal: false },
      { address: "fd00::2", family: 6 as const, internal: false },
      { address: "fe80::1", family: 6 as const, internal: false },
    ];
    assert.deepEqual(serveUrls("0.0.0.0", 8443, ["0.0.0.0"], network), [
      "https://localhost:8443/",
      "https://127.0.0.1:8443/",
      "https://192.168.1.20:8443/",
    ]);
    assert.deepEqual(serveUrls("::", 8443, ["::"], network), [
      "https://localhost:8443/",
      "https://127.0.0.1:8443/",
      "https://192.168.1.20:8443/",
      "https://[fd00::2]:8443/",
    ]);
    assert.deepEqual(serveUrls("localhost", 8443, ["127.0.0.1", "::1"]), [
      "https://localhost:8443/",
      "https://127.0.0.1:8443/",
      "https://[::1]:8443/",
    ]);
  });

  it("--lan puts this machine's network addresses and host name into the adhoc certificate", async () => {
    const runtime = await getRuntime();
    const lan = runtime.networkAddresses().filter((a) =>
      !a.internal && a.family === 4 && !a.address.startsWith("169.254.")
    ).map((a) => a.address);
    // Loopback only here (--host): the test checks the certificate, it does not open the LAN.
    const served = await startServe(
      ["--lan", "--host", "127.0.0.1", "--port", "0", "--save-cert", f("lan.pem"), dir.path],
      /https:\/\/localhost:(\d+)\//,
    );
    try {
      const info = await describeCertificate(await readFile(f("lan.pem"), "utf8"));
      for (const address of lan) assert.ok(info.ipAddresses.includes(address), address);
      const name = runtime.hostName();
      if (name && /^[A-Za-z0-9.-]+$/.test(name)) {
        assert.ok(info.dnsNames.includes(name.toLowerCase()), `${name} in ${info.dnsNames}`);
      }
      const r = await curl(["--cacert", f("lan.pem"), `https://127.0.0.1:${served.port}/`]);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await served.stop();
    }
  });
});
