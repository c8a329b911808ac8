/**
 * `tlsmith serve` end to end: the real CLI process, judged by curl and openssl.
 * Loopback only, port 0, every process bounded in time and stopped by PID.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import {
  chromiumDumpDom,
  cliCommand,
  curl,
  have,
  openssl,
  opensslCert,
  run,
  type ServedCli,
  startServe,
  tempDir,
  writeFiles,
} from "./helpers.ts";

const SECRET = "SECRET-outside-the-root-7d1a";

let tmp: { path: string; cleanup: () => Promise<void> };
let site: string;
let rsaCert: string;
let rsaKey: string;
let ecCert: string;
let ecKeySec1: string;

before(async () => {
  tmp = await tempDir();
  site = join(tmp.path, "site");
  await writeFiles(tmp.path, { "secret.txt": SECRET });
  await mkdir(join(site, "docs"), { recursive: true });
  await writeFiles(site, {
    "index.html": "<h1>tlsmith works</h1>\n",
    "hello.txt": "hello world\n",
    "docs/readme.md": "# docs\n",
  });
  rsaCert = join(tmp.path, "rsa.pem");
  rsaKey = join(tmp.path, "rsa-key.pem");
  await opensslCert({
    key: rsaKey,
    cert: rsaCert,
    newKey: "rsa:2048",
    addext: ["subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"],
  });
  ecCert = join(tmp.path, "ec.pem");
  const ecKey = join(tmp.path, "ec-key-pkcs8.pem");
  ecKeySec1 = join(tmp.path, "ec-key.pem");
  await opensslCert({
    key: ecKey,
    cert: ecCert,
    newKey: "P-384",
    addext: ["subjectAltName=DNS:localhost,IP:127.0.0.1"],
  });
  // The traditional "EC PRIVATE KEY" (SEC1) format, as `openssl ecparam -genkey` writes.
  await openssl(["ec", "-in", ecKey, "-out", ecKeySec1]);
});

after(async () => {
  await tmp.cleanup();
});

describe("tlsmith serve --cert=adhoc", () => {
  let served: ServedCli;
  let certFile: string;

  before(async () => {
    certFile = join(tmp.path, "adhoc-cert.pem");
    served = await startServe(
      ["--cert=adhoc", "--port", "0", "--save-cert", certFile, "--dir", site],
      /https:\/\/localhost:(\d+)\//,
    );
  });
  after(async () => {
    await served?.stop("SIGKILL");
  });

  it("prints both loopback URLs, the names, expiry, fingerprint and a working curl line", async () => {
    const out = served.stdout();
    const port = served.port;
    assert.ok(port > 0);
    assert.ok(out.includes(`https://localhost:${port}/`));
    assert.ok(out.includes(`https://127.0.0.1:${port}/`));
    assert.match(out, /names: .*localhost.*127\.0\.0\.1/);
    assert.match(out, /expires: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    assert.ok(out.includes(`curl --cacert ${certFile} https://localhost:${port}/`));
    const fp = (await openssl(["x509", "-in", certFile, "-noout", "-fingerprint", "-sha256"]))
      .trim().split("=")[1];
    assert.ok(out.includes(fp), `fingerprint ${fp} not in:\n${out}`);
  });

  it("--save-cert wrote the certificate only, never the key", async () => {
    const saved = await readFile(certFile, "utf8");
    assert.match(saved, /^-----BEGIN CERTIFICATE-----/);
    assert.ok(!saved.includes("PRIVATE KEY"));
    const sans = await openssl(["x509", "-in", certFile, "-noout", "-ext", "subjectAltName"]);
    assert.match(sans, /DNS:localhost/);
    assert.match(sans, /IP Address:127\.0\.0\.1/);
  });

  it("curl --cacert trusts it on https://localhost and https://127.0.0.1", async () => {
    for (const host of ["localhost", "127.0.0.1"]) {
      const r = await curl(["--cacert", certFile, `https://${host}:${served.port}/`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "<h1>tlsmith works</h1>\n");
    }
  });

  it("HTTP/2 and HTTP/1.1", async () => {
    const url = `https://localhost:${served.port}/hello.txt`;
    const h2 = await curl([
      "--cacert",
      certFile,
      "--http2",
      "-o",
      "/dev/null",
      "-w",
      "%{http_version}",
      url,
    ]);
    assert.equal(h2.stdout, "2");
    const h1 = await curl([
      "--cacert",
      certFile,
      "--http1.1",
      "-o",
      "/dev/null",
      "-w",
      "%{http_version}",
      url,
    ]);
    assert.equal(h1.stdout, "1.1");
  });

  it("Range and ETag revalidation through curl", async () => {
    const url = `https://localhost:${served.port}/hello.txt`;
    const range = await curl(["--cacert", certFile, "-r", "0-4", "-w", "\n%{http_code}", url]);
    assert.equal(range.stdout, "hello\n206");
    const head = await curl(["--cacert", certFile, "-I", url]);
    const etag = /^etag: (.*)\r?$/im.exec(head.stdout)?.[1];
    assert.ok(etag, head.stdout);
    const cached = await curl([
      "--cacert",
      certFile,
      "-H",
      `If-None-Match: ${etag}`,
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      url,
    ]);
    assert.equal(cached.stdout, "304");
    const tooFar = await curl([
      "--cacert",
      certFile,
      "-r",
      "100-",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      url,
    ]);
    assert.equal(tooFar.stdout, "416");
  });

  it("streams a large file whole and in ranges, byte-exact", async () => {
    const big = new Uint8Array(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919 + (i >> 11)) & 0xff;
    await writeFiles(site, { "big.bin": big });
    const url = `https://localhost:${served.port}/big.bin`;
    const whole = join(tmp.path, "big-whole.bin");
    let r = await curl([
      "--cacert",
      certFile,
      "-o",
      whole,
      "-w",
      "%{http_code} %{content_type}",
      url,
    ]);
    assert.equal(r.stdout, "200 application/octet-stream");
    assert.deepEqual(new Uint8Array(await readFile(whole)), big);
    const part = join(tmp.path, "big-part.bin");
    const [a, b] = [1_000_003, 2_500_000];
    r = await curl([
      "--cacert",
      certFile,
      "-r",
      `${a}-${b}`,
      "-o",
      part,
      "-w",
      "%{http_code}",
      url,
    ]);
    assert.equal(r.stdout, "206");
    assert.deepEqual(new Uint8Array(await readFile(part)), big.subarray(a, b + 1));
  });

  it("directory redirect and listing", async () => {
    const base = `https://localhost:${served.port}`;
    const redirect = await curl([
      "--cacert",
      certFile,
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{redirect_url}",
      `${base}/docs`,
    ]);
    assert.equal(redirect.stdout, `301 ${base}/docs/`);
    const listing = await curl(["--cacert", certFile, `${base}/docs/`]);
    assert.match(listing.stdout, /href="readme\.md"/);
  });

  it("raw traversal paths (curl --path-as-is) never leave the directory", async () => {
    const base = `https://localhost:${served.port}`;
    for (
      const path of [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/docs/../../secret.txt",
        "/..%5csecret.txt",
      ]
    ) {
      const r = await curl([
        "--cacert",
        certFile,
        "--path-as-is",
        "-w",
        "\n%{http_code}",
        base + path,
      ]);
      assert.ok(!r.stdout.includes(SECRET), `${path} leaked the secret`);
      const status = r.stdout.split("\n").at(-1);
      assert.ok(["400", "403", "404"].includes(status!), `${path} → ${status}`);
    }
  });

  it("Chromium loads the page with the saved certificate trusted, and refuses it without", async (t) => {
    if (!(await have("chromium")) || !(await have("certutil"))) {
      return t.skip("chromium or certutil (libnss3-tools) is not installed");
    }
    const url = `https://localhost:${served.port}/`;
    const browse = async (name: string, trust: boolean) => {
      const home = join(tmp.path, `home-${name}`);
      const nssdb = join(home, ".pki", "nssdb");
      await mkdir(nssdb, { recursive: true });
      if (trust) {
        const db = `sql:${nssdb}`;
        let r = await run("certutil", ["-N", "--empty-password", "-d", db]);
        assert.equal(r.code, 0, r.stderr);
        // A self-signed leaf is trusted as a peer ("P"), the way a user would accept it.
        r = await run("certutil", [
          "-A",
          "-n",
          "tlsmith-adhoc",
          "-t",
          "P,,",
          "-i",
          certFile,
          "-d",
          db,
        ]);
        assert.equal(r.code, 0, r.stderr);
      }
      return await chromiumDumpDom(url, {
        home,
        profile: join(tmp.path, `chromium-${name}`),
        timeoutMs: 90_000,
      });
    };
    const trusted = await browse("trusted", true);
    assert.match(trusted.stdout, /<h1>tlsmith works<\/h1>/, trusted.stderr.slice(-2000));
    const untrusted = await browse("untrusted", false);
    assert.ok(!untrusted.stdout.includes("tlsmith works"));
    assert.match(untrusted.stderr, /ERR_CERT_AUTHORITY_INVALID/);
  });

  it("logs requests, then Ctrl-C (SIGINT) stops it gracefully with exit 0", async () => {
    assert.match(served.stdout(), /GET \/hello\.txt 206/);
    const code = await served.stop("SIGINT");
    assert.equal(code, 0, served.stderr());
    assert.match(served.stdout(), /Stopped\.\n$/);
    const r = await curl(["--cacert", certFile, `https://localhost:${served.port}/`]);
    assert.notEqual(r.code, 0, "the port must be closed");
  });
});

describe("tlsmith serve on ::1 and with openssl-made certificates", () => {
  it("--host ::1 serves https://[::1]:PORT/", async () => {
    const certFile = join(tmp.path, "adhoc-v6.pem");
    const served = await startServe(
      ["--host", "::1", "--port", "0", "--save-cert", certFile, "--quiet", site],
      /https:\/\/\[::1\]:(\d+)\//,
    );
    try {
      const r = await curl(["--cacert", certFile, `https://[::1]:${served.port}/hello.txt`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "hello world\n");
      assert.ok(!served.stdout().includes("GET /"), "--quiet logs nothing");
      assert.equal(await served.stop("SIGTERM"), 0);
      assert.match(served.stdout(), /Stopped\./);
    } finally {
      await served.stop("SIGKILL");
    }
  });

  for (const kind of ["rsa", "ec-sec1"] as const) {
    it(`--cert FILE --key FILE (${kind === "rsa" ? "RSA 2048, PKCS#8" : "P-384, SEC1 'EC PRIVATE KEY'"})`, async () => {
      const [cert, key] = kind === "rsa" ? [rsaCert, rsaKey] : [ecCert, ecKeySec1];
      const served = await startServe(
        ["--cert", cert, "--key", key, "--port", "0", "--dir", site],
        /https:\/\/localhost:(\d+)\//,
      );
      try {
        assert.ok(
          served.stdout().includes(`curl --cacert ${cert} https://localhost:${served.port}/`),
        );
        assert.match(served.stdout(), /self-signed/);
        for (const host of ["localhost", "127.0.0.1"]) {
          const r = await curl(["--cacert", cert, `https://${host}:${served.port}/hello.txt`]);
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stdout, "hello world\n");
        }
        assert.equal(await served.stop("SIGINT"), 0);
      } finally {
        await served.stop("SIGKILL");
      }
    });
  }

  it("a port in use is a clear error (exit 1), no stack", async () => {
    const first = await startServe(["--port", "0", "--quiet", site], /https:\/\/localhost:(\d+)\//);
    try {
      const { cmd, args } = cliCommand();
      const r = await run(cmd, [...args, "serve", "--port", String(first.port), site], {
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^tlsmith: .*\d+/);
      assert.ok(!/^\s+at\s/m.test(r.stderr), r.stderr);
    } finally {
      await first.stop("SIGKILL");
    }
  });

  it("warns when the certificate does not name the host", async (t) => {
    // ec.pem names localhost and 127.0.0.1, not 127.0.0.2.
    if (process.platform !== "linux") return t.skip("127.0.0.2 is loopback on Linux only");
    const served = await startServe(
      ["--cert", ecCert, "--key", ecKeySec1, "--host", "127.0.0.2", "--port", "0", site],
      /https:\/\/127\.0\.0\.2:(\d+)\//,
    );
    try {
      assert.equal(await served.stop("SIGINT"), 0);
      assert.match(served.stderr(), /warning: the certificate does not name 127\.0\.0\.2/);
    } finally {
      await served.stop("SIGKILL");
    }
  });
});

/** Send one raw HTTP/1.1 request over TLS with openssl s_client; returns what came back. */
async function rawRequest(port: number, request: string): Promise<string> {
  const r = await run("openssl", [
    "s_client",
    "-quiet",
    "-connect",
    `127.0.0.1:${port}`,
    "-servername",
    "localhost",
    "-alpn",
    "http/1.1",
  ], { input: request, timeoutMs: 20_000 });
  return r.stdout;
}

describe("tlsmith serve never hands out a key or a secret", () => {
  it("the README flow: a key written into the served directory is 404, unlisted, warned about", async () => {
    const dir = join(tmp.path, "flow");
    const caDir = join(tmp.path, "flow-ca");
    await mkdir(dir, { recursive: true });
    const { cmd, args } = cliCommand();
    const issued = await run(cmd, [...args, "cert", "localhost", "127.0.0.1", "::1"], {
      cwd: dir,
      env: { TLSMITH_CA_DIR: caDir, TLSMITH_PASSPHRASE: "" },
      timeoutMs: 60_000,
    });
    assert.equal(issued.code, 0, issued.stderr);
    await writeFiles(dir, { ".env": "TOKEN=flow-secret-1", "page.txt": "public\n" });
    const served = await startServe(
      [
        "--cert",
        join(dir, "localhost+2.pem"),
        "--key",
        join(dir, "localhost+2-key.pem"),
        "--port",
        "0",
        dir,
      ],
      /https:\/\/localhost:(\d+)\//,
    );
    try {
      // The warning follows the banner (printed once the server listens).
      const warned = /warning: .* holds private key files \(localhost\+2-key\.pem\)/;
      for (let i = 0; i < 100 && !warned.test(served.stderr()); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(served.stderr(), warned);
      const base = `https://localhost:${served.port}`;
      const ca = ["--cacert", join(caDir, "ca.pem")];
      const status = async (path: string) =>
        (await curl([...ca, "-o", "/dev/null", "-w", "%{http_code}", base + path])).stdout;
      assert.equal(await status("/localhost%2B2-key.pem"), "404");
      assert.equal(await status("/.env"), "404");
      assert.equal(await status("/localhost%2B2.pem"), "200");
      const listing = await curl([...ca, base + "/"]);
      assert.ok(listing.stdout.includes("localhost+2.pem"), listing.stdout);
      assert.ok(!listing.stdout.includes("key.pem"), listing.stdout);
      assert.ok(!listing.stdout.includes(".env"), listing.stdout);

      // The Host header and absolute-form targets never change what is served.
      const hostTrick = await rawRequest(
        served.port,
        "GET / HTTP/1.1\r\nHost: localhost/.env?\r\nConnection: close\r\n\r\n",
      );
      assert.match(hostTrick, /^HTTP\/1\.1 400/, hostTrick);
      assert.ok(!hostTrick.includes("flow-secret"), hostTrick);
      const absolute = await rawRequest(
        served.port,
        "GET http://evil.example/page.txt HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
      );
      assert.match(absolute, /^HTTP\/1\.1 200/, absolute);
      assert.ok(absolute.endsWith("public\n"), absolute);
      const file = await rawRequest(
        served.port,
        "GET file:///etc/passwd HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
      );
      assert.match(file, /^HTTP\/1\.1 (400|404)/, file);
      assert.ok(!file.includes("root:"), file);
    } finally {
      await served.stop();
    }
  });

  it("--spa and --cors", async () => {
    const served = await startServe(
      ["--port", "0", "--spa", "--cors", "--quiet", site],
      /https:\/\/localhost:(\d+)\//,
    );
    try {
      const base = `https://localhost:${served.port}`;
      const route = await curl(["-k", "-i", base + "/app/settings"]);
      assert.match(route.stdout, /^HTTP\/2 200/);
      assert.match(route.stdout, /access-control-allow-origin: \*/i);
      assert.ok(route.stdout.endsWith("<h1>tlsmith works</h1>\n"), route.stdout);
      const pre = await curl([
        "-k",
        "-i",
        "-X",
        "OPTIONS",
        "-H",
        "Origin: https://app.example",
        "-H",
        "Access-Control-Request-Method: GET",
        base + "/hello.txt",
      ]);
      assert.match(pre.stdout, /^HTTP\/2 204/);
      assert.match(pre.stdout, /access-control-allow-methods: GET, HEAD, OPTIONS/i);
      const missing = await curl(["-k", "-o", "/dev/null", "-w", "%{http_code}", base + "/x.js"]);
      assert.equal(missing.stdout, "404");
    } finally {
      await served.stop();
    }
  });
});
