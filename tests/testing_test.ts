/**
 * tlsmith/testing: the test CA's certificates and failure fixtures judged by `openssl verify`,
 * `testServer()` and `ca.fetch` on the current runtime (Deno on the source; Node 20/22/24 on the
 * build), and — once per suite run, under Deno — every fixture refused by the clients of Node,
 * Deno and Bun, by curl and by `openssl s_client`, while the good certificate is accepted by
 * all of them. `ca.env()` is judged by child processes of Node, Deno, Bun, curl, Python and Go
 * that trust the CA through the environment alone.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { describeCertificate } from "../src/x509/describe.ts";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { type Fixture, FIXTURES, type TestCA, testCA, testServer } from "../src/testing/mod.ts";
import { serve } from "../src/serve/serve.ts";
import {
  fileMode,
  isDeno,
  openssl,
  rejectsWith,
  repoRoot,
  run,
  type RunResult,
  suiteTempDir,
  writeFiles,
} from "./helpers.ts";

const runtimeName = isDeno
  ? "deno"
  : (globalThis as { Bun?: unknown }).Bun !== undefined
  ? "bun"
  : "node";

function certCount(pem: string): number {
  return pem.split("-----BEGIN CERTIFICATE-----").length - 1;
}

/** `openssl verify` of `leaf` against `root` with the chain's intermediates; never throws. */
async function verify(
  dir: string,
  files: { root: string; chain: string },
  args: string[] = [],
): Promise<RunResult> {
  const certs = files.chain.split(/(?=-----BEGIN CERTIFICATE-----)/);
  const paths = await writeFiles(dir, {
    "root.pem": files.root,
    "leaf.pem": certs[0],
    "intermediates.pem": certs.slice(1).join("") || files.root,
  });
  return await run("openssl", [
    "verify",
    "-CAfile",
    paths["root.pem"],
    "-untrusted",
    paths["intermediates.pem"],
    ...args,
    paths["leaf.pem"],
  ]);
}

describe("testCA(): certificates judged by OpenSSL", () => {
  const dir = suiteTempDir();
  let ca: TestCA;
  before(async () => {
    ca = await testCA();
  });
  after(() => ca[Symbol.dispose]());

  it("issues for localhost, 127.0.0.1 and ::1 by default; openssl verify -x509_strict agrees", async () => {
    const leaf = await ca.issue();
    assert.deepEqual(leaf.names, [
      "DNS:localhost",
      "IP Address:127.0.0.1",
      "IP Address:::1",
    ]);
    assert.equal(leaf.chain, leaf.cert, "a root's leaves are sent alone");
    assert.equal(leaf.fixture, null);
    assert.ok(leaf.key.startsWith("-----BEGIN PRIVATE KEY-----"));
    assert.ok(leaf.notBefore.getTime() < Date.now() && leaf.notAfter.getTime() > Date.now());
    assert.deepEqual(leaf.serverOptions(), { cert: leaf.chain, key: leaf.key });
    for (const host of ["localhost", "127.0.0.1", "::1"]) {
      const flag = host === "localhost" ? "-verify_hostname" : "-verify_ip";
      const r = await verify(dir.path, { root: ca.cert, chain: leaf.chain }, [
        "-x509_strict",
        "-purpose",
        "sslserver",
        flag,
        host,
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    const text = await openssl(["x509", "-noout", "-text"], { input: leaf.cert });
    assert.match(text, /Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
    assert.match(text, /TLS Web Server Authentication/);
  });

  it("child(): intermediates chain up to the root, which is what clients trust", async () => {
    const child = await ca.child();
    const grandchild = await child.child();
    assert.equal(grandchild.root, ca);
    assert.deepEqual(grandchild.trustOptions().ca, [ca.cert]);
    assert.equal(grandchild.chain, grandchild.cert + child.cert + ca.cert);
    const leaf = await grandchild.issue("app.test");
    assert.equal(certCount(leaf.chain), 3, "leaf, grandchild, child: never the root");
    assert.equal(leaf.chain, leaf.cert + grandchild.cert + child.cert);
    const r = await verify(dir.path, { root: ca.cert, chain: leaf.chain }, [
      "-x509_strict",
      "-purpose",
      "sslserver",
      "-verify_hostname",
      "app.test",
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // Four levels below the root are allowed, then no more.
    let deepest: TestCA = ca;
    for (let i = 0; i < 4; i++) deepest = await deepest.child();
    await rejectsWith(deepest.child(), "BAD_OPTION", "last level");
    await rejectsWith(
      deepest.issue("localhost", { nameConstraintViolation: true }),
      "BAD_OPTION",
      "pathLength 0",
    );
    const deepLeaf = await deepest.issue("localhost");
    assert.equal(certCount(deepLeaf.chain), 5);
    const deep = await verify(dir.path, { root: ca.cert, chain: deepLeaf.chain }, [
      "-x509_strict",
    ]);
    assert.equal(deep.code, 0, deep.stdout + deep.stderr);
  });

  it("client(): a certificate for TLS clients only", async () => {
    const alice = await ca.client("alice@example.test");
    assert.deepEqual(alice.names, ["email:alice@example.test"]);
    const client = await verify(dir.path, { root: ca.cert, chain: alice.chain }, [
      "-x509_strict",
      "-purpose",
      "sslclient",
    ]);
    assert.equal(client.code, 0, client.stdout + client.stderr);
    const server = await verify(dir.path, { root: ca.cert, chain: alice.chain }, [
      "-purpose",
      "sslserver",
    ]);
    assert.match(server.stdout + server.stderr, /error 26 at 0 depth/);
    const options = ca.trustOptions({ client: alice });
    assert.deepEqual(options, {
      ca: [ca.cert],
      caCerts: [ca.cert],
      cert: alice.chain,
      key: alice.key,
    });
  });

  it("files: written once on demand, the key 0600, all removed on dispose", async () => {
    const own = await testCA();
    const leaf = await own.issue("localhost");
    const certFile = await leaf.certFile();
    assert.equal(await leaf.certFile(), certFile);
    assert.equal(await readFile(certFile, "utf8"), leaf.cert);
    assert.equal(await readFile(await leaf.chainFile(), "utf8"), leaf.chain);
    const keyFile = await leaf.keyFile();
    assert.equal(await readFile(keyFile, "utf8"), leaf.key);
    assert.equal(await fileMode(keyFile), 0o600);
    assert.equal(await fileMode(await own.keyFile()), 0o600);
    const folder = join(certFile, "..");
    assert.equal((await stat(folder)).mode & 0o777, 0o700);
    const env = await own.env();
    assert.deepEqual(Object.keys(env).sort(), [
      "CURL_CA_BUNDLE",
      "DENO_CERT",
      "NODE_EXTRA_CA_CERTS",
      "REQUESTS_CA_BUNDLE",
      "SSL_CERT_FILE",
    ]);
    assert.equal(await readFile(env.NODE_EXTRA_CA_CERTS, "utf8"), own.cert);
    await leaf[Symbol.asyncDispose]();
    await assert.rejects(stat(certFile), { code: "ENOENT" });
    await assert.rejects(stat(keyFile), { code: "ENOENT" });
    assert.equal(await readFile(env.DENO_CERT, "utf8"), own.cert, "the CA's files stay");
    own[Symbol.dispose]();
    await assert.rejects(stat(folder), { code: "ENOENT" });
  });

  it("files left behind are removed when the process exits", async () => {
    const entry = new URL(`../src/testing/mod.${isDeno ? "ts" : "js"}`, import.meta.url).href;
    const code = `const { testCA } = await import(${JSON.stringify(entry)});
      const ca = await testCA();
      console.log(await (await ca.issue()).keyFile());`;
    const g = globalThis as { Deno?: { execPath(): string } };
    const r = g.Deno
      ? await run(g.Deno.execPath(), ["eval", code])
      : await run(process.execPath, ["--input-type=module", "-e", code]);
    assert.equal(r.code, 0, r.stderr);
    const keyFile = r.stdout.trim();
    assert.match(keyFile, /tlsmith-testing-.*-key\.pem$/);
    await assert.rejects(stat(join(keyFile, "..")), { code: "ENOENT" });
  });

  it("refuses bad input with TlsmithErrors that say what to do", async () => {
    await rejectsWith(
      ca.issue("localhost", { expired: true, weak: true }),
      "BAD_OPTION",
      "at most one failure fixture",
      "expired and weak",
    );
    await rejectsWith(
      ca.issue("localhost", 42 as unknown as string),
      "BAD_OPTION",
      "hosts are strings",
    );
    await rejectsWith(ca.issue("not a host!"), "BAD_NAME");
    await rejectsWith(ca.issue("localhost", { days: 9999 }), "BAD_OPTION", "825");
    await rejectsWith(ca.client(""), "BAD_OPTION", "alice@example.test");
    await rejectsWith(
      testCA({ keyType: "ed25519" }),
      "BAD_OPTION",
      "keyType must be one of ec-p256",
    );
    const constrained = await testCA({ permit: ["api.example.com"] });
    await constrained.issue("api.example.com", "localhost");
    const err = await rejectsWith(
      constrained.issue("www.example.net"),
      "NAME_NOT_PERMITTED",
      '"www.example.net"',
      'testCA({ permit: ["www.example.net"] })',
    );
    assert.doesNotMatch(err.message, /tlsmith ca init/);
    constrained[Symbol.dispose]();
  });
});

/**
 * What `openssl verify` says about each fixture (OpenSSL 3, the verify error number), and a
 * variant of the same check that passes, so each fixture is refused for exactly its reason.
 */
const OPENSSL_VERIFY: Record<Fixture, { args: string[]; error: RegExp; passes: string[] }> = {
  expired: {
    args: [],
    error: /error 10 at 0 depth.*certificate has expired/,
    passes: ["-attime", "AT:-1.5"],
  },
  notYetValid: {
    args: [],
    error: /error 9 at 0 depth.*certificate is not yet valid/,
    passes: ["-attime", "AT:+2.5"],
  },
  wrongHost: {
    args: ["-verify_hostname", "localhost"],
    error: /error 62 at 0 depth.*hostname mismatch/,
    passes: ["-verify_hostname", "wrong-host.invalid"],
  },
  selfSigned: {
    args: [],
    error: /error 18 at 0 depth.*self-signed certificate/,
    passes: ["-CAfile", "LEAF"],
  },
  untrusted: {
    args: [],
    error: /error 20 at 0 depth.*unable to get local issuer certificate/,
    passes: [],
  },
  weak: {
    args: ["-auth_level", "1"],
    error: /error 68 at 0 depth.*CA signature digest algorithm too weak/,
    passes: ["-auth_level", "0"],
  },
  nameConstraintViolation: {
    args: [],
    error: /error 47 at 0 depth.*permitted subtree violation/,
    passes: [],
  },
  wrongPurpose: {
    args: ["-purpose", "sslserver"],
    error: /error 26 at 0 depth.*unsuitable certificate purpose/,
    passes: ["-purpose", "sslclient"],
  },
};

describe("failure fixtures judged by openssl verify", () => {
  const dir = suiteTempDir();
  let ca: TestCA;
  before(async () => {
    ca = await testCA();
  });
  after(() => ca[Symbol.dispose]());

  for (const fixture of FIXTURES) {
    it(`${fixture}: refused for exactly that reason`, async () => {
      const leaf = await ca.issue("localhost", "127.0.0.1", { [fixture]: true });
      assert.equal(leaf.fixture, fixture);
      const { args, error, passes } = OPENSSL_VERIFY[fixture];
      const refused = await verify(dir.path, { root: ca.cert, chain: leaf.chain }, args);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stdout + refused.stderr, error);
      if (fixture === "untrusted" || fixture === "nameConstraintViolation") return;
      const selfFile = (await writeFiles(dir.path, { "self.pem": leaf.cert }))["self.pem"];
      const variant = passes.map((a) =>
        a === "LEAF"
          ? selfFile
          : a.startsWith("AT:")
          ? String(Math.round(Date.now() / 1000 + Number(a.slice(3)) * 86_400))
          : a
      );
      const ok = await verify(dir.path, { root: ca.cert, chain: leaf.chain }, variant);
      assert.equal(ok.code, 0, `${variant.join(" ")}: ${ok.stdout}${ok.stderr}`);
    });
  }

  it("selfSigned(): the fixture by its own method, refused as self-signed", async () => {
    const leaf = await ca.selfSigned("localhost", "127.0.0.1");
    assert.equal(leaf.fixture, "selfSigned");
    assert.equal(leaf.chain, leaf.cert);
    const d = await describeCertificate(leaf.cert);
    assert.equal(d.issuer, d.subject);
    const refused = await verify(dir.path, { root: ca.cert, chain: leaf.chain }, ["-x509_strict"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /self-signed certificate/);
  });

  it("weak: an RSA-1024 key, signed with SHA-1; level 2 refuses the key too", async () => {
    const weak = await ca.issue("localhost", { weak: true });
    const text = await openssl(["x509", "-noout", "-text"], { input: weak.cert });
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA1/);
    assert.match(text, /Public-Key: \(1024 bit\)/);
    const level2 = await verify(dir.path, { root: ca.cert, chain: weak.chain }, [
      "-auth_level",
      "2",
    ]);
    assert.match(level2.stdout + level2.stderr, /error 66 at 0 depth.*EE certificate key too weak/);
    const strict = await verify(dir.path, { root: ca.cert, chain: weak.chain }, [
      "-auth_level",
      "0",
      "-x509_strict",
      "-purpose",
      "sslserver",
      "-verify_hostname",
      "localhost",
    ]);
    assert.equal(strict.code, 0, "apart from its strength it is a correct server certificate");
    // With an RSA CA the signature is sha1WithRSAEncryption (RSASSA-PKCS1-v1_5 / SHA-1).
    const rsaCa = await testCA({ keyType: "rsa-3072" });
    const rsaWeak = await rsaCa.issue("localhost", { weak: true });
    const rsaText = await openssl(["x509", "-noout", "-text"], { input: rsaWeak.cert });
    assert.match(rsaText, /Signature Algorithm: sha1WithRSAEncryption/);
    const rsaOk = await verify(dir.path, { root: rsaCa.cert, chain: rsaWeak.chain }, [
      "-auth_level",
      "0",
      "-x509_strict",
    ]);
    assert.equal(rsaOk.code, 0, rsaOk.stdout + rsaOk.stderr);
    rsaCa[Symbol.dispose]();
  });
});

type Judge = "node" | "deno" | "bun" | "curl" | "openssl";

/**
 * What each client says about each fixture (the README's table): Node's `https` error code
 * (`err.cause.code` of its `fetch`), Deno's `fetch` message, Bun's `fetch` error code, curl's
 * exit 60 message, `openssl s_client` (at Debian's security level 2) verify error.
 * "accepted": the client does not refuse it.
 */
const JUDGES: Record<Judge, Record<Fixture, RegExp | "accepted">> = {
  node: {
    expired: /CERT_HAS_EXPIRED/,
    notYetValid: /CERT_NOT_YET_VALID/,
    wrongHost: /ERR_TLS_CERT_ALTNAME_INVALID/,
    selfSigned: /DEPTH_ZERO_SELF_SIGNED_CERT/,
    untrusted: /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    weak: /CA signature digest algorithm too weak/,
    nameConstraintViolation: /permitted subtree violation/,
    wrongPurpose: /INVALID_PURPOSE/,
  },
  deno: {
    expired: /invalid peer certificate: certificate expired/,
    notYetValid: /invalid peer certificate: certificate not valid yet/,
    wrongHost: /invalid peer certificate: certificate not valid for name/,
    selfSigned: /invalid peer certificate: UnknownIssuer/,
    untrusted: /invalid peer certificate: UnknownIssuer/,
    weak: /invalid peer certificate: UnsupportedSignatureAlgorithm/,
    nameConstraintViolation: /invalid peer certificate: .*NameConstraintViolation/,
    wrongPurpose: /invalid peer certificate: .*does not allow extended key usage for server/,
  },
  bun: {
    expired: /CERT_HAS_EXPIRED/,
    notYetValid: /CERT_NOT_YET_VALID/,
    wrongHost: /ERR_TLS_CERT_ALTNAME_INVALID/,
    selfSigned: /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    untrusted: /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    weak: "accepted",
    nameConstraintViolation: /PERMITTED_VIOLATION/,
    wrongPurpose: /INVALID_PURPOSE/,
  },
  curl: {
    expired: /exit 60 .*certificate has expired/,
    notYetValid: /exit 60 .*certificate is not yet valid/,
    wrongHost: /exit 60 .*no alternative certificate subject name matches/,
    selfSigned: /exit 60 .*self-signed certificate/,
    untrusted: /exit 60 .*unable to get local issuer certificate/,
    weak: /exit 60 .*EE certificate key too weak/,
    nameConstraintViolation: /exit 60 .*permitted subtree violation/,
    wrongPurpose: /exit 60 .*unsuitable certificate purpose/,
  },
  openssl: {
    expired: /num=10:certificate has expired/,
    notYetValid: /num=9:certificate is not yet valid/,
    wrongHost: /num=64:IP address mismatch/,
    selfSigned: /num=18:self-signed certificate/,
    untrusted: /num=20:unable to get local issuer certificate/,
    weak: /num=66:EE certificate key too weak/,
    nameConstraintViolation: /num=47:permitted subtree violation/,
    wrongPurpose: /num=26:unsuitable certificate purpose/,
  },
};

describe(`testServer() and ca.fetch on ${runtimeName}`, () => {
  let ca: TestCA;
  before(async () => {
    ca = await testCA();
  });
  after(() => ca[Symbol.dispose]());

  it("serves a verified HTTPS response in three lines", async () => {
    const globalResponse = globalThis.Response;
    const server = await testServer((req) => new Response(`hello ${new URL(req.url).pathname}`));
    try {
      assert.equal(globalThis.Response, globalResponse, "testServer leaves the globals alone");
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
      const response = await server.fetch("/there");
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "hello /there");
      assert.equal(server.cert.fixture, null);
      assert.ok(server.ca.cert.includes("BEGIN CERTIFICATE"));
    } finally {
      await server.close();
    }
    await rejectsWith(server.fetch("/"), "FETCH_FAILED", server.url);
  });

  it("mutual TLS: the server sees the client's certificate; without one it is refused", async () => {
    const alice = await ca.client("alice@example.test");
    const seen: (string | undefined)[] = [];
    const server = await testServer((_req, info) => {
      seen.push(info.clientCertificate?.fingerprints.sha256);
      return new Response("hi");
    }, { ca, clientAuth: true });
    try {
      const response = await ca.fetcher({ client: alice })(server.url);
      assert.equal(await response.text(), "hi");
      const aliceSha256 = (await describeCertificate(alice.cert)).fingerprints.sha256;
      if (runtimeName !== "bun") assert.equal(seen[0], aliceSha256);
      const refused = await rejectsWith(ca.fetch(server.url), "FETCH_FAILED");
      assert.match(
        refused.message,
        /certificate required|CertificateRequired|alert|EPROTO|handshake|closed connection|socket hang up|ECONNRESET/i,
      );
      // A client certificate from a CA the server does not trust is refused too.
      const stranger = await testCA();
      const mallory = await stranger.client("mallory@example.test");
      await rejectsWith(ca.fetcher({ client: mallory })(server.url), "FETCH_FAILED");
      stranger[Symbol.dispose]();
    } finally {
      await server.close();
    }
  });

  it("serve({ clientCa }) checks its CA certificates before listening", async () => {
    const handler = () => new Response();
    await rejectsWith(
      serve(handler, { cert: "adhoc", port: 0, clientCa: 42 as unknown as string }),
      "BAD_OPTION",
      "clientCa must be PEM text",
    );
    await rejectsWith(serve(handler, { cert: "adhoc", port: 0, clientCa: "nope" }), "BAD_PEM");
    const key = await ca.issue("localhost");
    await rejectsWith(
      serve(handler, { cert: "adhoc", port: 0, clientCa: key.key }),
      "BAD_CERTIFICATE",
      "clientCa: no certificate found",
    );
  });

  it("fetch: redirects, compressed bodies, headers and abort behave as fetch does", async () => {
    const server = await testServer(async (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/redirect") {
        return new Response(null, { status: 303, headers: { location: "/echo?from=redirect" } });
      }
      if (url.pathname === "/gzip") {
        const body = new Blob(["squeezed ".repeat(100)]).stream()
          .pipeThrough(new CompressionStream("gzip"));
        return new Response(body, { headers: { "content-encoding": "gzip" } });
      }
      if (url.pathname === "/cookies") {
        const headers = new Headers();
        headers.append("set-cookie", "a=1");
        headers.append("set-cookie", "b=2");
        return new Response("", { headers });
      }
      return new Response(
        `${req.method} ${url.search} ${req.headers.get("x-test")} ${await req.text()}`,
      );
    }, { ca });
    try {
      const redirected = await server.fetch("/redirect", {
        method: "POST",
        body: "payload",
        headers: { "x-test": "kept" },
      });
      assert.equal(await redirected.text(), "GET ?from=redirect kept ");
      assert.equal(redirected.redirected, true);
      assert.equal(redirected.url, new URL("/echo?from=redirect", server.url).href);
      const manual = await server.fetch("/redirect", { redirect: "manual" });
      assert.equal(manual.status, 303);
      assert.equal(manual.headers.get("location"), "/echo?from=redirect");
      const posted = await server.fetch("/echo", { method: "PUT", body: "data" });
      assert.equal(await posted.text(), "PUT  null data");
      assert.equal(await (await server.fetch("/gzip")).text(), "squeezed ".repeat(100));
      const cookies = await server.fetch("/cookies");
      assert.deepEqual(cookies.headers.getSetCookie(), ["a=1", "b=2"]);
      const head = await server.fetch("/echo", { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), "");
      const reason = new Error("stop");
      const controller = new AbortController();
      controller.abort(reason);
      await assert.rejects(server.fetch("/echo", { signal: controller.signal }), (err) => {
        assert.equal(err, reason);
        return true;
      });
      await rejectsWith(
        server.fetch("/redirect", { redirect: "error" }),
        "FETCH_FAILED",
        "/redirect",
      );
    } finally {
      await server.close();
    }
  });

  it("every fixture is refused with FETCH_FAILED and the runtime's own reason", async () => {
    const refusals = JUDGES[runtimeName as Judge];
    for (const fixture of FIXTURES) {
      if (fixture === "weak" && runtimeName !== "node") {
        // Deno and Bun cannot load a 1024-bit RSA key (openssl s_server serves it below).
        await rejectsWith(
          testServer(() => new Response(), { ca, cert: await ca.issue({ weak: true }) }),
          "SERVE_FAILED",
        );
        continue;
      }
      const cert = await ca.issue("localhost", "127.0.0.1", { [fixture]: true });
      const server = await testServer(() => new Response("must not be seen"), { ca, cert });
      try {
        const err = await rejectsWith(ca.fetch(server.url), "FETCH_FAILED", server.url);
        const expected = refusals[fixture];
        assert.ok(expected !== "accepted");
        assert.match(err.message, expected, `${fixture}: ${err.message}`);
        assert.match(err.message, /refusal your test expects/);
        assert.ok(err.cause !== undefined);
      } finally {
        await server.close();
      }
    }
  });
});

/** One client's answer for one target: accepted (HTTP status) or refused (what it said). */
interface ClientResult {
  ok: boolean;
  status?: number;
  code?: string;
  error?: string;
}

/** Start `openssl s_server -www` on a free loopback port; resolves with its port and process. */
function opensslServer(
  args: string[],
): Promise<{ port: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn("openssl", ["s_server", "-accept", "127.0.0.1:0", "-www", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`openssl s_server did not start: ${out}`));
    }, 10_000);
    const onData = (d: Uint8Array) => {
      out += new TextDecoder().decode(d);
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function parseClientOutput(r: RunResult, who: string): Record<string, ClientResult> {
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line).results;
  } catch {
    throw new Error(`${who} printed no results (exit ${r.code}): ${r.stdout}${r.stderr}`);
  }
}

if (isDeno) {
  describe(
    "every fixture is refused by Node, Deno, Bun, curl and openssl s_client (once per run)",
    {
      timeout: 300_000,
    },
    () => {
      const dir = suiteTempDir();
      let ca: TestCA;
      const servers: { close(): Promise<void> }[] = [];
      const targets: { name: string; url: string }[] = [];
      let rootFile = "";

      before(async () => {
        ca = await testCA();
        rootFile = await ca.certFile();
        const good = await testServer(() => new Response("good"), { ca });
        servers.push(good);
        targets.push({ name: "good", url: good.url });
        for (const fixture of FIXTURES) {
          const cert = await ca.issue("localhost", "127.0.0.1", { [fixture]: true });
          if (fixture === "weak") {
            // Deno cannot load a 1024-bit RSA key: OpenSSL serves it, at security level 0.
            const { port, child } = await opensslServer([
              "-cert",
              await cert.certFile(),
              "-key",
              await cert.keyFile(),
              "-cipher",
              "DEFAULT@SECLEVEL=0",
            ]);
            servers.push({
              close: () =>
                new Promise<void>((resolve) => {
                  child.once("close", () => resolve());
                  child.kill("SIGTERM");
                }),
            });
            targets.push({ name: fixture, url: `https://127.0.0.1:${port}/` });
          } else {
            const server = await testServer(() => new Response("must not be seen"), { ca, cert });
            servers.push(server);
            targets.push({ name: fixture, url: server.url });
          }
        }
      });
      after(async () => {
        for (const server of servers) await server.close();
        ca[Symbol.dispose]();
      });

      async function runtimeClient(
        cmd: string,
        args: string[],
        env?: Record<string, string>,
        only = targets,
      ) {
        const root = await repoRoot();
        const job = await writeFiles(dir.path, {
          [`job-${Math.random().toString(36).slice(2)}.json`]: JSON.stringify({
            ca: env ? null : ca.cert,
            targets: only,
          }),
        });
        const script = new URL("tests/fixtures/tls_client.mjs", root).pathname;
        const r = await run(cmd, [...args, script, Object.values(job)[0]], {
          timeoutMs: 120_000,
          env,
        });
        return parseClientOutput(r, `${cmd} ${args.join(" ")}`);
      }

      async function curlClient(): Promise<Record<string, ClientResult>> {
        const out: Record<string, ClientResult> = {};
        for (const { name, url } of targets) {
          const r = await run("curl", [
            "-sS",
            "--max-time",
            "10",
            "--cacert",
            rootFile,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            url,
          ]);
          out[name] = r.code === 0
            ? { ok: true, status: Number(r.stdout) }
            : { ok: false, code: `exit ${r.code}`, error: r.stderr.trim() };
        }
        return out;
      }

      async function sClient(): Promise<Record<string, ClientResult>> {
        const out: Record<string, ClientResult> = {};
        for (const { name, url } of targets) {
          const port = new URL(url).port;
          const r = await run("openssl", [
            "s_client",
            "-connect",
            `127.0.0.1:${port}`,
            "-CAfile",
            rootFile,
            "-verify_ip",
            "127.0.0.1",
            "-verify_return_error",
            "-brief",
          ], { input: "", timeoutMs: 15_000 });
          const said = (r.stdout + r.stderr).split("\n").filter((l) =>
            /verify|error|Verification/i.test(l)
          ).join(" | ");
          out[name] = r.code === 0 && /Verification: OK/.test(r.stdout + r.stderr)
            ? { ok: true }
            : { ok: false, code: `exit ${r.code}`, error: said };
        }
        return out;
      }

      async function bunBinary(): Promise<string> {
        const script = new URL("scripts/bun.mjs", await repoRoot()).pathname;
        const found = JSON.parse((await run("node", [script], { timeoutMs: 300_000 })).stdout);
        assert.ok(found.bin, `Bun is needed to judge Bun's client: ${found.why}`);
        return found.bin;
      }

      const denoBin = () =>
        (globalThis as unknown as { Deno: { execPath(): string } }).Deno.execPath();

      it("each client accepts the good certificate and refuses every fixture, for its reason", async () => {
        const matrix: Record<Judge, Record<string, ClientResult>> = {
          node: await runtimeClient("node", []),
          deno: await runtimeClient(denoBin(), ["run", "-A"]),
          bun: await runtimeClient(await bunBinary(), []),
          curl: await curlClient(),
          openssl: await sClient(),
        };
        const problems: string[] = [];
        for (const judge of Object.keys(JUDGES) as Judge[]) {
          const good = matrix[judge].good;
          if (!good?.ok) {
            problems.push(`${judge} refused the good certificate: ${JSON.stringify(good)}`);
          }
          for (const fixture of FIXTURES) {
            const got = matrix[judge][fixture];
            const expected = JUDGES[judge][fixture];
            const said = `${got?.code ?? ""} ${got?.error ?? ""}`.replace(/\s+/g, " ");
            if (expected === "accepted") {
              if (!got?.ok) {
                problems.push(`${judge} ${fixture}: documented as accepted, got ${said}`);
              }
            } else if (got?.ok || !expected.test(said)) {
              problems.push(
                `${judge} ${fixture}: expected ${expected}, got ${JSON.stringify(got)}`,
              );
            }
          }
        }
        assert.deepEqual(problems, [], problems.join("\n"));
      });

      it("ca.env(): child processes trust the CA through the environment alone", async () => {
        const env = await ca.env();
        const good = targets[0];
        assert.equal(good.name, "good");
        const judges: [string, string[]][] = [
          ["node", []],
          [denoBin(), ["run", "-A"]],
          [await bunBinary(), []],
        ];
        for (const [cmd, args] of judges) {
          const trusted = await runtimeClient(cmd, args, env, [good]);
          assert.deepEqual(trusted.good, { ok: true, status: 200 }, `${cmd} with ca.env()`);
        }
        const untrusted = await runtimeClient("node", [], { NODE_EXTRA_CA_CERTS: "" }, [good]);
        assert.equal(untrusted.good.ok, false, "without the environment Node refuses");
        const curl = await run("curl", ["-sS", "--max-time", "10", good.url], { env });
        assert.equal(curl.code, 0, `curl with CURL_CA_BUNDLE: ${curl.stderr}`);
        assert.equal(curl.stdout, "good");
        const sclient = await run("openssl", [
          "s_client",
          "-connect",
          `127.0.0.1:${new URL(good.url).port}`,
          "-verify_return_error",
          "-brief",
        ], { input: "", env, timeoutMs: 15_000 });
        assert.match(sclient.stdout + sclient.stderr, /Verification: OK/, "openssl, SSL_CERT_FILE");
        const python = await run("python3", [
          "-c",
          `import urllib.request; print(urllib.request.urlopen(${
            JSON.stringify(good.url)
          }).read().decode())`,
        ], { env });
        assert.equal(python.stdout.trim(), "good", `python3 with SSL_CERT_FILE: ${python.stderr}`);
      });
    },
  );
}

/** Module specifiers reachable from `entry` through static imports only (`deno info --json`). */
async function staticGraph(entry: string): Promise<Set<string>> {
  const deno = (globalThis as unknown as { Deno: { execPath(): string } }).Deno.execPath();
  const root = await repoRoot();
  const r = await run(deno, ["info", "--json", new URL(entry, root).pathname], {
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const queue = [...info.roots];
  while (queue.length) {
    const specifier = queue.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (!dep.isDynamic && dep.code) queue.push(dep.code.specifier);
    }
  }
  return seen;
}

if (isDeno) {
  describe("the Deno example and what tlsmith/testing loads (Deno, once per run)", () => {
    const dir = suiteTempDir();

    it("examples/testing/deno_test.ts passes under deno test, in a project of its own", async () => {
      const root = await repoRoot();
      const project = join(dir.path, "project");
      await mkdir(project);
      await writeFiles(project, {
        "deno.json": JSON.stringify({
          imports: {
            "jsr:@tlsmith/tlsmith@^0.2.0/testing": new URL("src/testing/mod.ts", root).href,
          },
          nodeModulesDir: "manual",
        }),
        "deno_test.ts": await readFile(new URL("examples/testing/deno_test.ts", root), "utf8"),
      });
      await symlink(new URL("node_modules", root).pathname, join(project, "node_modules"));
      const deno = (globalThis as unknown as { Deno: { execPath(): string } }).Deno.execPath();
      const r = await run(deno, ["test", "-A", "deno_test.ts"], {
        cwd: project,
        env: { NO_COLOR: "1" },
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /ok \| 3 passed \| 0 failed/);
    });

    it("tlsmith and tlsmith/serve load nothing of it; it loads no node: module up front", async () => {
      for (const entry of ["mod.ts", "src/serve/mod.ts"]) {
        const graph = [...await staticGraph(entry)];
        assert.deepEqual(graph.filter((s) => s.includes("/src/testing/")), [], entry);
      }
      const testing = [...await staticGraph("src/testing/mod.ts")];
      assert.ok(testing.some((s) => s.endsWith("/src/testing/ca.ts")));
      assert.deepEqual(
        testing.filter((s) => s.startsWith("node:") || s.includes("/src/serve/runtime/node")),
        [],
        "the runtime adapters are loaded on demand, for the runtime in use",
      );
    });
  });
}
