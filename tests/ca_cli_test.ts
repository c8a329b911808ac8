/**
 * The CA commands end to end: `tlsmith ca init/show`, `cert`, `csr`, `sign`,
 * `inspect`, `verify`, `fingerprint`, judged by openssl and curl against a
 * running `tlsmith serve`. Bad input never writes anything.
 * Loopback only, port 0, every process bounded in time and stopped by PID.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  cliCommand,
  fileMode,
  have,
  openssl,
  opensslEcKey,
  opensslVerifyStrict,
  run,
  type RunResult,
  startServe,
  tempDir,
} from "./helpers.ts";
import { CertificateAuthority } from "../src/ca/authority.ts";
import { decodePem, encodePem } from "../src/pem.ts";
import type { Runtime } from "../src/serve/runtime/types.ts";
import { caStore, defaultCaDir } from "../src/ca/store.ts";

let root = "";
let cleanup: () => Promise<void> = async () => {};
let storeDir = "";
let work = "";

function cli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; dir?: string } = {},
) {
  const { cmd, args: pre } = cliCommand();
  return run(cmd, [...pre, ...args], {
    cwd: options.cwd ?? work,
    env: { TLSMITH_CA_DIR: options.dir ?? storeDir, TLSMITH_PASSPHRASE: "", ...options.env },
    timeoutMs: 60_000,
  });
}

function ok(r: RunResult, what: string) {
  assert.equal(r.code, 0, `${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

function failed(r: RunResult, pattern: RegExp, code = 1) {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
}

/** A mistake on the command line: exit 2 and the usage hint. */
function usage(r: RunResult, pattern: RegExp) {
  failed(r, pattern, 2);
  assert.match(r.stderr, /Run "tlsmith [a-z]+ --help" for usage\./);
}

/** `openssl verify -x509_strict -purpose sslserver` of `certFile` against the store's CA succeeds. */
async function assertServerCertVerifies(certFile: string, args: string[]): Promise<void> {
  const v = await opensslVerifyStrict(join(storeDir, "ca.pem"), certFile, args);
  assert.equal(v.code, 0, v.stdout + v.stderr);
}

/** Names, sizes and contents of every file in a directory tree (to prove nothing was written). */
async function snapshot(dir: string): Promise<string> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (
      const e of (await readdir(d, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name)
      )
    ) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(`${p}:${(await readFile(p)).toString("base64")}`);
    }
  };
  await walk(dir);
  return out.join("\n");
}

describe(
  "tlsmith ca / cert / csr / sign / inspect / verify / fingerprint",
  { timeout: 300_000 },
  () => {
    before(async () => {
      ({ path: root, cleanup } = await tempDir());
      storeDir = join(root, "store");
      work = join(root, "work");
      await mkdir(work);
    });
    after(() => cleanup());

    it("ca init creates ca.pem and a 0600 PKCS#8 ca-key.pem, and never overwrites without --force", async () => {
      const r = await cli(["ca", "init", "--permit", "dev.example.net"]);
      ok(r, "ca init");
      assert.match(r.stdout, /Created the local CA "CN=tlsmith development CA/);
      assert.match(r.stdout, /dev\.example\.net/);
      assert.match(r.stdout, /curl --cacert/);
      const certFile = join(storeDir, "ca.pem");
      const keyFile = join(storeDir, "ca-key.pem");
      assert.match(await readFile(keyFile, "utf8"), /^-----BEGIN PRIVATE KEY-----/);
      assert.equal(await fileMode(keyFile), 0o600);
      const text = await openssl(["x509", "-in", certFile, "-noout", "-text"]);
      assert.match(text, /CA:TRUE, pathlen:0/);
      assert.match(text, /DNS:dev\.example\.net/);

      const before = await snapshot(storeDir);
      const again = await cli(["ca", "init"]);
      failed(again, /already exists.*--force/);
      assert.equal(await snapshot(storeDir), before, "nothing changed");

      const show = await cli(["ca", "show", "--json"]);
      ok(show, "ca show");
      const info = JSON.parse(show.stdout);
      assert.equal(info.certFile, certFile);
      assert.equal(info.keyMode, 0o600);
      assert.equal(info.keyType, "ec-p256");
      assert.ok(info.permitted.includes("127.0.0.0/8"));
      const pem = await cli(["ca", "show", "--pem"]);
      assert.equal(pem.stdout, await readFile(certFile, "utf8"));
    });

    it("ca init --force keeps the old files as .bak", async () => {
      const dir = join(root, "forced");
      ok(await cli(["ca", "init", "--key-type", "ec-p384"], { dir }), "first init");
      const oldCert = await readFile(join(dir, "ca.pem"), "utf8");
      ok(await cli(["ca", "init", "--force", "--no-name-constraints"], { dir }), "forced init");
      assert.equal(await readFile(join(dir, "ca.pem.bak"), "utf8"), oldCert);
      assert.match(await readFile(join(dir, "ca-key.pem.bak"), "utf8"), /PRIVATE KEY/);
      assert.notEqual(await readFile(join(dir, "ca.pem"), "utf8"), oldCert);
      assert.doesNotMatch(
        await openssl(["x509", "-in", join(dir, "ca.pem"), "-noout", "-text"]),
        /Name Constraints/,
      );
      const bad = await cli(["ca", "init", "--key-type", "ed25519"], { dir: join(root, "never") });
      assert.equal(bad.code, 2, bad.stderr);
      const badPermit = await cli(["ca", "init", "--permit", "10.0.0.1/8"], {
        dir: join(root, "never"),
      });
      usage(badPermit, /10\.0\.0\.0\/8/);
      await assert.rejects(stat(join(root, "never")), "nothing was created");
    });

    it("cert writes HOST+N.pem (chain) and HOST+N-key.pem (0600) that openssl verifies", async () => {
      const r = await cli(["cert", "localhost", "127.0.0.1", "::1"]);
      ok(r, "cert");
      const certFile = join(work, "localhost+2.pem");
      const keyFile = join(work, "localhost+2-key.pem");
      assert.equal(decodePem(await readFile(certFile, "utf8")).length, 2, "leaf + CA");
      assert.equal(await fileMode(keyFile), 0o600);
      for (
        const args of [["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"], [
          "-verify_ip",
          "::1",
        ]]
      ) {
        await assertServerCertVerifies(certFile, args);
      }
      const match = await openssl(["x509", "-in", certFile, "-noout", "-pubkey"]);
      assert.equal(match, await openssl(["pkey", "-in", keyFile, "-pubout"]));

      const before = await snapshot(work);
      failed(await cli(["cert", "localhost", "127.0.0.1", "::1"]), /already exists.*--force/);
      failed(
        await cli(["cert", "example.com"]),
        /"example\.com" is outside.*--permit example\.com/s,
      );
      usage(await cli(["cert", "localhost", "--days", "900"]), /825/);
      assert.equal(await snapshot(work), before, "nothing was written");
      ok(
        await cli(["cert", "localhost", "127.0.0.1", "::1", "--force", "--client"]),
        "cert --force",
      );
      assert.match(
        await openssl(["x509", "-in", certFile, "-noout", "-text"]),
        /TLS Web Client Authentication/,
      );
      ok(
        await cli(["cert", "*.app.test", "--out-cert", "w.pem", "--out-key", "w-key.pem"]),
        "wildcard",
      );
      assert.match(
        await openssl(["x509", "-in", join(work, "w.pem"), "-noout", "-ext", "subjectAltName"]),
        /DNS:\*\.app\.test/,
      );
    });

    it("cert --p12 also writes a 0600 PKCS#12 that openssl reads; no pass phrase, nothing written", async () => {
      const before = await snapshot(work);
      const refused = await cli(["cert", "p12.test", "--p12", "p12.p12"]);
      failed(refused, /pass phrase.*--passphrase-file|TLSMITH_PASSPHRASE/s);
      assert.equal(await snapshot(work), before, "nothing was written without a pass phrase");
      const bad = await cli(["cert", "p12.test", "--p12-passphrase-file", "pw.txt"]);
      assert.equal(bad.code, 2, bad.stderr);

      await writeFile(join(work, "p12-pass.txt"), "p12 secret\n");
      const r = await cli([
        "cert",
        "p12.test",
        "--p12",
        "p12.p12",
        "--p12-passphrase-file",
        "p12-pass.txt",
      ]);
      ok(r, "cert --p12");
      assert.doesNotMatch(r.stdout + r.stderr, /p12 secret/, "the pass phrase is never printed");
      const p12File = join(work, "p12.p12");
      assert.equal(await fileMode(p12File), 0o600);
      const dumped = await openssl([
        "pkcs12",
        "-in",
        p12File,
        "-nodes",
        "-passin",
        "pass:p12 secret",
      ]);
      const labels = decodePem(dumped).map((b) => b.label);
      assert.equal(labels.filter((l) => l === "CERTIFICATE").length, 2, "leaf and CA");
      assert.ok(labels.includes("PRIVATE KEY"), labels.join());
      const keyOut = await openssl(["pkey", "-pubout"], { input: dumped });
      assert.equal(
        keyOut,
        await openssl(["pkey", "-in", join(work, "p12.test-key.pem"), "-pubout"]),
        "the .p12 holds the same key as p12.test-key.pem",
      );
      const wrong = await run("openssl", [
        "pkcs12",
        "-in",
        p12File,
        "-nodes",
        "-passin",
        "pass:wrong",
      ]);
      assert.notEqual(wrong.code, 0, "a wrong pass phrase is refused by openssl");
    });

    it("csr + sign round trip, and signing openssl's CSRs; a tampered CSR is refused", async () => {
      await opensslEcKey(join(work, "api-key.pem"));
      ok(
        await cli(["csr", "api.test", "10.0.0.5", "--key", "api-key.pem", "--out", "api.csr"]),
        "csr",
      );
      await openssl(["req", "-in", join(work, "api.csr"), "-noout", "-verify"]);
      ok(await cli(["sign", "api.csr", "--out", "api.pem"]), "sign");
      await assertServerCertVerifies(join(work, "api.pem"), ["-verify_ip", "10.0.0.5"]);

      await openssl([
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(work, "o-key.pem"),
        "-subj",
        "/CN=o.localhost",
        "-out",
        join(work, "o.csr"),
      ]);
      const signed = await cli(["sign", "o.csr"]);
      ok(signed, "sign openssl CSR (names from the CN)");
      assert.match(signed.stdout, /^-----BEGIN CERTIFICATE-----/);
      await writeFile(join(work, "o.pem"), signed.stdout);
      assert.match(
        await openssl(["x509", "-in", join(work, "o.pem"), "-noout", "-ext", "subjectAltName"]),
        /DNS:o\.localhost/,
      );

      const der = decodePem(await readFile(join(work, "api.csr"), "utf8"))[0].der.slice();
      der[der.lastIndexOf("a".charCodeAt(0))] ^= 0x01;
      await writeFile(join(work, "bad.csr"), encodePem("CERTIFICATE REQUEST", der));
      const before = await snapshot(work);
      failed(await cli(["sign", "bad.csr", "--out", "bad.pem"]), /bad\.csr.*signature/);
      failed(
        await cli(["sign", "api-key.pem", "--out", "bad.pem"]),
        /api-key\.pem.*CERTIFICATE REQUEST/,
      );
      failed(await cli(["csr", "api.test", "--key", "api.pem"]), /api\.pem/);
      assert.equal(await snapshot(work), before);
    });

    it("inspect shows certificates, CSRs and keys (never key material); fingerprint matches openssl", async () => {
      const cert = await cli(["inspect", "localhost+2.pem"]);
      ok(cert, "inspect cert");
      assert.match(cert.stdout, /certificate chain of 2/);
      assert.match(cert.stdout, /Names:\s+DNS:localhost, IP Address:127\.0\.0\.1, IP Address:::1/);
      assert.match(cert.stdout, /Certificate \(CA\)/);
      const key = await cli(["inspect", "localhost+2-key.pem"]);
      ok(key, "inspect key");
      assert.match(key.stdout, /Private key \(PKCS#8, not encrypted\)/);
      assert.match(key.stdout, /ec-p256/);
      const keyBody = (await readFile(join(work, "localhost+2-key.pem"), "utf8")).split("\n")[1];
      assert.ok(!key.stdout.includes(keyBody.slice(0, 20)), "no key material");
      const json = JSON.parse((await cli(["inspect", "api.csr", "--json"])).stdout);
      assert.equal(json.items[0].kind, "certificate request");
      assert.equal(json.items[0].signatureValid, true);
      assert.ok(json.items[0].subjectAltNames.includes("DNS:api.test"), "names as in certificates");
      const fp = await cli(["fingerprint", "localhost+2.pem"]);
      ok(fp, "fingerprint");
      const theirs = (await openssl([
        "x509",
        "-in",
        join(work, "localhost+2.pem"),
        "-noout",
        "-fingerprint",
        "-sha256",
      ]))
        .trim().split("=")[1];
      assert.ok(fp.stdout.includes(theirs), `${fp.stdout} vs ${theirs}`);
      await writeFile(
        join(work, "cut.pem"),
        (await readFile(join(work, "api.pem"), "utf8")).slice(0, 300),
      );
      failed(await cli(["inspect", "cut.pem"]), /cut\.pem/);
      failed(await cli(["inspect", "missing.pem"]), /missing\.pem/);
    });

    it("inspect / fingerprint of a .p12 (or DER junk) say what the file is and what to do", async () => {
      await openssl([
        "pkcs12",
        "-export",
        "-in",
        join(work, "localhost+2.pem"),
        "-inkey",
        join(work, "localhost+2-key.pem"),
        "-passout",
        "pass:p12 pass",
        "-out",
        join(work, "bundle.p12"),
      ]);
      for (const command of ["inspect", "fingerprint"]) {
        const r = await cli([command, "bundle.p12"]);
        failed(r, /^tlsmith: bundle\.p12 is a PKCS#12 .*tlsmith p12 import bundle\.p12/);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      }
      await writeFile(
        join(work, "junk.der"),
        new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05, 0, 0, 0]),
      );
      failed(
        await cli(["inspect", "junk.der"]),
        /^tlsmith: junk\.der: .*neither a DER certificate/,
      );
    });

    it("verify checks chains and hosts with clear failures", async () => {
      const good = await cli(["verify", "localhost+2.pem", "--host", "::1"]);
      ok(good, "verify");
      assert.match(good.stdout, /OK for ::1/);
      failed(
        await cli(["verify", "localhost+2.pem", "--host", "example.test"]),
        /not valid for "example\.test"/,
      );
      const other = await CertificateAuthority.create();
      await writeFile(join(work, "other-ca.pem"), other.certPem);
      failed(
        await cli(["verify", "localhost+2.pem", "--ca", "other-ca.pem"]),
        /self-signed but not among the trusted certificates.*\[NO_ISSUER\]/,
      );
      failed(await cli(["verify", "localhost+2-key.pem"]), /localhost\+2-key\.pem.*CERTIFICATE/);
      failed(await cli(["verify", "localhost+2.pem", "--at", "2100-01-01T00:00:00Z"]), /expired/);
    });

    it("cert with one output in a missing directory (or under a file) writes nothing at all", async () => {
      const before = await snapshot(work);
      const r = await cli([
        "cert",
        "gone.test",
        "--out-cert",
        "no-dir/c.pem",
        "--out-key",
        "k.pem",
      ]);
      failed(r, /^tlsmith: no-dir\/c\.pem: the directory no-dir does not exist/);
      failed(
        await cli(["cert", "gone.test", "--out-cert", "c.pem", "--out-key", "api.csr/k.pem"]),
        /^tlsmith: api\.csr\/k\.pem: api\.csr is not a directory/,
      );
      await mkdir(join(work, "a-dir"));
      const withDir = await snapshot(work);
      failed(
        await cli(["cert", "gone.test", "--out-cert", "a-dir", "--out-key", "k.pem", "--force"]),
        /^tlsmith: a-dir is a directory; nothing was written/,
      );
      assert.equal(await snapshot(work), withDir, "no orphaned key or certificate");
      await rmdir(join(work, "a-dir"));
      assert.equal(await snapshot(work), before);
    });

    it("a CA directory that is a file: one clear error, also with --force; the file is kept", async () => {
      const file = join(root, "not-a-dir");
      await writeFile(file, "keep me\n");
      for (const args of [["ca", "init"], ["ca", "init", "--force"], ["cert", "x.test"]]) {
        const r = await cli(args, { dir: file });
        failed(r, /^tlsmith: \S*not-a-dir is a file, not a directory; nothing was written.*--dir/);
        assert.doesNotMatch(r.stderr, /Pass --force/, "--force cannot help here");
      }
      assert.equal(await readFile(file, "utf8"), "keep me\n");
    });

    it("a broken CA store is a clear error naming the file, and nothing is written", async () => {
      const dir = join(root, "broken");
      ok(await cli(["ca", "init"], { dir }), "init");
      const keyPem = await readFile(join(dir, "ca-key.pem"), "utf8");
      const out = join(root, "out");
      await mkdir(out);
      // The CA file without its key.
      await unlink(join(dir, "ca-key.pem"));
      let before = await snapshot(root);
      failed(await cli(["cert", "localhost"], { dir, cwd: out }), /ca-key\.pem.*missing/);
      assert.equal(await snapshot(root), before);
      // A key that does not belong to the certificate.
      const other = await CertificateAuthority.create();
      await writeFile(join(dir, "ca-key.pem"), await other.keyPem(), { mode: 0o600 });
      before = await snapshot(root);
      failed(
        await cli(["cert", "localhost"], { dir, cwd: out }),
        /ca-key\.pem does not belong to .*ca\.pem/,
      );
      // An expired CA.
      const old = await CertificateAuthority.create({
        now: new Date(Date.now() - 40 * 86400_000),
        days: 30,
      });
      await writeFile(join(dir, "ca.pem"), old.certPem);
      await writeFile(join(dir, "ca-key.pem"), await old.keyPem(), { mode: 0o600 });
      before = await snapshot(root);
      failed(await cli(["cert", "localhost"], { dir, cwd: out }), /ca\.pem.*expired/);
      // A leaf where the CA certificate should be.
      await writeFile(join(dir, "ca.pem"), await readFile(join(work, "api.pem"), "utf8"));
      await writeFile(join(dir, "ca-key.pem"), keyPem, { mode: 0o600 });
      failed(await cli(["cert", "localhost"], { dir, cwd: out }), /ca\.pem.*not a CA/);
      // A key file where the certificate should be.
      await writeFile(join(dir, "ca.pem"), keyPem);
      failed(await cli(["cert", "localhost"], { dir, cwd: out }), /ca\.pem.*CERTIFICATE/);
      assert.equal(await snapshot(out), "", "no certificate was written");
      failed(await cli(["sign", "x.csr"], { dir: join(root, "none"), cwd: out }), /x\.csr/);
      failed(
        await cli(["ca", "show"], { dir: join(root, "none") }),
        /no local CA.*tlsmith ca init/,
      );
    });

    it("ca init --encrypt stores an encrypted key; cert needs the pass phrase", async () => {
      const dir = join(root, "enc");
      const env = { TLSMITH_PASSPHRASE: "correct horse" };
      ok(await cli(["ca", "init", "--encrypt"], { dir, env }), "init --encrypt");
      assert.match(await readFile(join(dir, "ca-key.pem"), "utf8"), /BEGIN ENCRYPTED PRIVATE KEY/);
      await openssl([
        "pkey",
        "-in",
        join(dir, "ca-key.pem"),
        "-passin",
        "pass:correct horse",
        "-noout",
      ]);
      ok(await cli(["cert", "enc.localhost"], { dir, env }), "cert with pass phrase");
      failed(await cli(["cert", "enc2.localhost"], { dir }), /pass phrase/);
      failed(
        await cli(["cert", "enc3.localhost"], { dir, env: { TLSMITH_PASSPHRASE: "wrong" } }),
        /pass phrase/i,
      );
      await assert.rejects(stat(join(work, "enc2.localhost.pem")));
    });
  },
);

describe("the default CA directory", () => {
  function fakeRuntime(platform: string, env: Record<string, string>, home?: string): Runtime {
    return {
      platform: () => platform,
      env: (name: string) => env[name],
      homeDir: () => home,
    } as unknown as Runtime;
  }

  it("follows TLSMITH_CA_DIR, then the platform's user data directory", () => {
    assert.equal(
      defaultCaDir(fakeRuntime("linux", { TLSMITH_CA_DIR: "/x/ca" }, "/home/a")),
      "/x/ca",
    );
    assert.equal(defaultCaDir(fakeRuntime("linux", {}, "/home/a")), "/home/a/.local/share/tlsmith");
    assert.equal(
      defaultCaDir(fakeRuntime("linux", { XDG_DATA_HOME: "/data" }, "/home/a")),
      "/data/tlsmith",
    );
    assert.equal(
      defaultCaDir(fakeRuntime("linux", { XDG_DATA_HOME: "relative" }, "/home/a")),
      "/home/a/.local/share/tlsmith",
      "a relative XDG_DATA_HOME is ignored (XDG spec)",
    );
    assert.equal(
      defaultCaDir(fakeRuntime("darwin", {}, "/Users/a")),
      "/Users/a/Library/Application Support/tlsmith",
    );
    assert.equal(
      defaultCaDir(
        fakeRuntime("win32", { LOCALAPPDATA: "C:\\Users\\a\\AppData\\Local" }, "C:\\Users\\a"),
      ),
      "C:\\Users\\a\\AppData\\Local\\tlsmith",
    );
    assert.equal(
      caStore(fakeRuntime("win32", {}, "C:\\Users\\a"), "D:\\ca").keyFile,
      "D:\\ca\\ca-key.pem",
    );
    assert.throws(() => defaultCaDir(fakeRuntime("linux", {})), /TLSMITH_CA_DIR/);
  });
});

// ---------------------------------------------------------------------------
// curl against `tlsmith serve` with a certificate from `tlsmith cert`.

describe(
  "curl trusts tlsmith serve with a certificate from tlsmith cert",
  { timeout: 300_000 },
  () => {
    let dir = "";
    let done: () => Promise<void> = async () => {};
    before(async () => {
      ({ path: dir, cleanup: done } = await tempDir());
      await mkdir(join(dir, "site"));
      await writeFile(join(dir, "site", "index.html"), "hello from the local CA\n");
    });
    after(() => done());

    it("for localhost, 127.0.0.1 and [::1]", async (t) => {
      if (!(await have("curl"))) return t.skip("curl is not installed");
      const env = { TLSMITH_CA_DIR: join(dir, "store") };
      const { cmd, args: pre } = cliCommand();
      const made = await run(cmd, [...pre, "cert", "localhost", "127.0.0.1", "::1"], {
        cwd: dir,
        env,
      });
      assert.equal(made.code, 0, made.stderr);
      const ca = join(dir, "store", "ca.pem");
      const cert = join(dir, "localhost+2.pem");
      const key = join(dir, "localhost+2-key.pem");
      for (
        const [host, url] of [["127.0.0.1", "localhost"], ["127.0.0.1", "127.0.0.1"], [
          "::1",
          "[::1]",
        ]]
      ) {
        const pattern = host === "::1"
          ? /https:\/\/\[::1\]:(\d+)\//
          : /https:\/\/127\.0\.0\.1:(\d+)\//;
        const served = await startServe(
          [
            "--cert",
            cert,
            "--key",
            key,
            "--host",
            host,
            "--port",
            "0",
            "--quiet",
            join(dir, "site"),
          ],
          pattern,
          env,
        );
        try {
          const r = await run("curl", [
            "-sS",
            "--max-time",
            "20",
            "--cacert",
            ca,
            `https://${url}:${served.port}/`,
          ]);
          assert.equal(r.code, 0, `${url}: ${r.stderr}`);
          assert.equal(r.stdout, "hello from the local CA\n");
          // Trusting another CA instead, curl refuses the certificate (exit 60: peer certificate).
          const other = join(dir, "other-ca.pem");
          await writeFile(other, (await CertificateAuthority.create()).certPem);
          const untrusted = await run("curl", [
            "-sS",
            "--max-time",
            "20",
            "--cacert",
            other,
            `https://${url}:${served.port}/`,
          ]);
          assert.equal(untrusted.code, 60, untrusted.stderr);
        } finally {
          await served.stop();
        }
      }
    });

    it("serve --cert=local creates the CA on first use, then reuses it", async (t) => {
      if (!(await have("curl"))) return t.skip("curl is not installed");
      const store = join(dir, "local-store");
      const env = { TLSMITH_CA_DIR: store };
      let firstCa = "";
      for (const round of [1, 2]) {
        const served = await startServe(
          ["--cert=local", "--port", "0", "--quiet", join(dir, "site")],
          /https:\/\/localhost:(\d+)\//,
          env,
        );
        try {
          const ca = await readFile(join(store, "ca.pem"), "utf8");
          if (round === 1) firstCa = ca;
          else assert.equal(ca, firstCa, "the CA is reused");
          for (const host of ["localhost", "127.0.0.1"]) {
            const r = await run("curl", [
              "-sS",
              "--max-time",
              "20",
              "--cacert",
              join(store, "ca.pem"),
              `https://${host}:${served.port}/`,
            ]);
            assert.equal(r.code, 0, `${host}: ${r.stderr}`);
            assert.equal(r.stdout, "hello from the local CA\n");
          }
        } finally {
          await served.stop();
        }
      }
    });
  },
);
