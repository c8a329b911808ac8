/**
 * Headless Chromium judges the local CA: with the CA in a fresh NSS database
 * it loads pages served with a CA-issued certificate; without the CA it fails
 * with a certificate error; a forged example.com certificate signed with the
 * constrained CA key is rejected even though the CA is trusted.
 * Loopback only, port 0, every process bounded in time and stopped by PID.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromiumDumpDom, have, nssHome, run, tempDir, writeFiles } from "./helpers.ts";
import { CertificateAuthority } from "../src/ca/authority.ts";
import { createCertificate } from "../src/x509/certificate.ts";
import { generateKeyPair } from "../src/keys/keys.ts";
import { exportPrivateKeyPem } from "../src/keys/formats.ts";
import { serve, type Server } from "../src/serve/serve.ts";

const PAGE = "hello from the tlsmith local CA";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
let ca: CertificateAuthority;
let chromium = "";

/** A HOME with an NSS database, holding the CA when `trustCa`. */
async function makeHome(name: string, trustCa: boolean): Promise<string> {
  if (!trustCa) return await nssHome(join(dir, name));
  const files = await writeFiles(dir, { [`${name}-ca.pem`]: ca.certPem });
  return await nssHome(join(dir, name), files[`${name}-ca.pem`]);
}

let profiles = 0;

/** Load `url` in headless Chromium with `home`; returns the DOM and stderr. */
async function load(
  home: string,
  url: string,
  extra: string[] = [],
): Promise<{ dom: string; log: string }> {
  const profile = join(dir, `profile-${++profiles}`);
  const r = await chromiumDumpDom(url, { chromium, home, profile, extra });
  return { dom: r.stdout, log: r.stderr };
}

async function serveWith(cert: string, key: string): Promise<Server> {
  return await serve(() =>
    new Response(`<html><body><p>${PAGE}</p></body></html>`, {
      headers: { "content-type": "text/html" },
    }), { cert: { cert, key }, hostname: "127.0.0.1", port: 0 });
}

describe("Chromium and the local CA", { timeout: 300_000 }, () => {
  before(async () => {
    ({ path: dir, cleanup } = await tempDir());
    ca = await CertificateAuthority.create({ owner: "chromium@test" });
    for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
      if (await have(name)) {
        chromium = name;
        break;
      }
    }
  });
  after(() => cleanup());

  it("loads https://localhost and https://127.0.0.1 when the CA is trusted, fails without it", async (t) => {
    if (!chromium || !(await have("certutil"))) {
      return t.skip("chromium or certutil (libnss3-tools) is not installed");
    }
    const leaf = await ca.issue(["localhost", "127.0.0.1", "::1"]);
    const server = await serveWith(leaf.chain, leaf.key);
    try {
      const trusted = await makeHome("trusted", true);
      for (const host of ["localhost", "127.0.0.1"]) {
        const { dom, log } = await load(trusted, `https://${host}:${server.addr.port}/`);
        assert.ok(
          dom.includes(PAGE),
          `${host}: page not loaded.\nDOM: ${dom}\nlog: ${log.slice(-2000)}`,
        );
      }
      const untrusted = await makeHome("untrusted", false);
      const { dom, log } = await load(untrusted, `https://localhost:${server.addr.port}/`);
      assert.ok(!dom.includes(PAGE), "must not load without the CA");
      assert.match(log, /ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      await server.shutdown();
    }
  });

  it("rejects a forged example.com certificate signed with the constrained CA key", async (t) => {
    if (!chromium || !(await have("certutil"))) {
      return t.skip("chromium or certutil (libnss3-tools) is not installed");
    }
    const keyPair = await generateKeyPair();
    const forged = await createCertificate({
      keyPair,
      issuer: { certificate: ca.certPem, privateKey: ca.privateKey },
      subject: { organization: "forged" },
      hosts: ["example.com"],
    });
    const server = await serveWith(
      forged.pem + ca.certPem,
      await exportPrivateKeyPem(keyPair.privateKey),
    );
    try {
      const trusted = await makeHome("trusted-forged", true);
      const { dom, log } = await load(trusted, `https://example.com:${server.addr.port}/`, [
        "--host-resolver-rules=MAP example.com 127.0.0.1",
      ]);
      assert.ok(!dom.includes(PAGE), "the forged certificate must not be accepted");
      assert.match(log, /ERR_CERT_(INVALID|NAME_CONSTRAINT_VIOLATION)/, log.slice(-2000));
      // Control: the same server name with an unconstrained CA would load, so the constraint is what blocks it.
      const open = await CertificateAuthority.create({ nameConstraints: false });
      const openLeaf = await open.issue(["example.com"]);
      const openServer = await serveWith(openLeaf.chain, openLeaf.key);
      try {
        const home = join(dir, "open-home");
        const db = join(home, ".pki", "nssdb");
        await mkdir(db, { recursive: true });
        await run("certutil", ["-N", "--empty-password", "-d", `sql:${db}`], {
          env: { HOME: home },
        });
        const files = await writeFiles(dir, { "open-ca.pem": open.certPem });
        await run("certutil", [
          "-A",
          "-n",
          "open",
          "-t",
          "C,,",
          "-i",
          files["open-ca.pem"],
          "-d",
          `sql:${db}`,
        ], {
          env: { HOME: home },
        });
        const control = await load(home, `https://example.com:${openServer.addr.port}/`, [
          "--host-resolver-rules=MAP example.com 127.0.0.1",
        ]);
        assert.ok(control.dom.includes(PAGE), `control did not load: ${control.log.slice(-2000)}`);
      } finally {
        await openServer.shutdown();
      }
    } finally {
      await server.shutdown();
    }
  });
});
