/**
 * Mutual TLS in serve() and `tlsmith serve --client-ca`: a client CA and client certificates
 * made by openssl; curl with `--cert/--key` is let in and the handler sees the certificate
 * (subject, SANs, fingerprint as openssl prints them), curl without one, or with one from
 * another CA, is refused; `requestClientCert: "optional"` lets clients without one in.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFile, writeFile } from "node:fs/promises";
import { serve, type ServeOptions, type Server } from "../src/serve/serve.ts";
import type { Handler } from "../src/serve/runtime/types.ts";
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

/** A CA (`name`-ca.pem) and a client certificate it issued (`name`-client.pem + key). */
async function clientPki(name: string, subject: string): Promise<void> {
  await opensslCert({
    key: f(`${name}-ca-key.pem`),
    cert: f(`${name}-ca.pem`),
    subject: `/CN=${name} client CA`,
    addext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"],
  });
  await openssl([
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    f(`${name}-client-key.pem`),
    "-out",
    f(`${name}-client.csr`),
    "-subj",
    subject,
  ]);
  await writeFile(
    f(`${name}-ext.cnf`),
    "extendedKeyUsage=clientAuth\nsubjectAltName=email:alice@example.test,DNS:alice.example.test\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    f(`${name}-client.csr`),
    "-CA",
    f(`${name}-ca.pem`),
    "-CAkey",
    f(`${name}-ca-key.pem`),
    "-set_serial",
    "7",
    "-days",
    "2",
    "-extfile",
    f(`${name}-ext.cnf`),
    "-out",
    f(`${name}-client.pem`),
  ]);
}

/** The client's subject as the handler sees it: OpenSSL's RFC 2253 form, ", " between. */
let ALICE = "";

after(async () => {
  await dir?.cleanup();
});

before(async () => {
  dir = await tempDir();
  await clientPki("good", "/O=tlsmith test/CN=alice");
  await clientPki("other", "/CN=mallory");
  const subject = await openssl([
    "x509",
    "-in",
    f("good-client.pem"),
    "-noout",
    "-subject",
    "-nameopt",
    "RFC2253",
  ]);
  ALICE = subject.trim().replace(/^subject=/, "").split(",").join(", ");
});

/** The handler: who the client is, from `info.clientCertificate`. */
const whoami: Handler = (_request, info) => {
  const c = info.clientCertificate;
  return Response.json(
    c
      ? {
        subject: c.subject,
        sans: c.subjectAltNames,
        fingerprint: c.fingerprints.sha256,
        der: info.peerCertificate?.length,
      }
      : { subject: null },
  );
};

function withMtls(
  options: Partial<ServeOptions>,
  fn: (server: Server, serverCa: string) => Promise<void>,
): Promise<void> {
  return withServe(dir.path, whoami, options, fn);
}

function asClient(name: string): string[] {
  return ["--cert", f(`${name}-client.pem`), "--key", f(`${name}-client-key.pem`)];
}

describe("serve() with clientCa (mutual TLS)", () => {
  it("lets a client with a certificate from the CA in and hands the handler its description", async () => {
    const clientCa = await readFile(f("good-ca.pem"), "utf8");
    await withMtls({ clientCa }, async (server, serverCa) => {
      const expectedFingerprint = (await openssl([
        "x509",
        "-in",
        f("good-client.pem"),
        "-noout",
        "-fingerprint",
        "-sha256",
      ])).trim().split("=")[1];
      for (const flag of ["--http2", "--http1.1"]) {
        const r = await curl(["--cacert", serverCa, flag, ...asClient("good"), server.url]);
        assert.equal(r.code, 0, `${flag}: ${r.stderr}`);
        const who = JSON.parse(r.stdout);
        assert.equal(who.subject, ALICE);
        assert.deepEqual(who.sans, ["email:alice@example.test", "DNS:alice.example.test"]);
        assert.equal(who.fingerprint, expectedFingerprint);
        assert.ok(who.der > 100);
      }
    });
  });

  it("refuses a client without a certificate, and one from another CA; keeps serving", async () => {
    const clientCa = await readFile(f("good-ca.pem"), "utf8");
    await withMtls({ clientCa }, async (server, serverCa) => {
      const none = await curl(["--cacert", serverCa, server.url]);
      assert.notEqual(none.code, 0, "no client certificate must be refused");
      assert.equal(none.stdout, "");
      const wrong = await curl(["--cacert", serverCa, ...asClient("other"), server.url]);
      assert.notEqual(wrong.code, 0, "a certificate from another CA must be refused");
      assert.equal(wrong.stdout, "");
      const good = await curl(["--cacert", serverCa, ...asClient("good"), server.url]);
      assert.equal(JSON.parse(good.stdout).subject, ALICE, good.stderr);
    });
  });

  it('requestClientCert: "optional" lets clients without a certificate in, not a wrong one', async () => {
    const clientCa = await readFile(f("good-ca.pem"), "utf8");
    await withMtls({ clientCa, requestClientCert: "optional" }, async (server, serverCa) => {
      const none = await curl(["--cacert", serverCa, server.url]);
      assert.equal(none.code, 0, none.stderr);
      assert.deepEqual(JSON.parse(none.stdout), { subject: null });
      const good = await curl(["--cacert", serverCa, ...asClient("good"), server.url]);
      assert.equal(JSON.parse(good.stdout).subject, ALICE, good.stderr);
      const wrong = await curl(["--cacert", serverCa, ...asClient("other"), server.url]);
      assert.notEqual(wrong.code, 0, "a certificate from another CA must be refused");
    });
  });

  it("bad clientCa / requestClientCert options are BAD_OPTION or BAD_PEM/BAD_CERTIFICATE", async () => {
    await rejectsWith(
      serve(whoami, { cert: "adhoc", port: 0, requestClientCert: "optional" }),
      "BAD_OPTION",
      /needs clientCa/,
    );
    await rejectsWith(
      serve(whoami, {
        cert: "adhoc",
        port: 0,
        clientCa: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        requestClientCert: "sometimes" as "optional",
      }),
      "BAD_OPTION",
      /"required" or "optional"/,
    );
  });
});

describe("tlsmith serve --client-ca", () => {
  it("serves clients with a certificate from the CA, logs their subject, refuses the others", async () => {
    const served = await startServe(
      [
        "--port",
        "0",
        "--save-cert",
        f("cli-server.pem"),
        "--force",
        "--client-ca",
        f("good-ca.pem"),
        dir.path,
      ],
      /https:\/\/localhost:(\d+)\//,
    );
    try {
      assert.match(served.stdout(), /Clients need a certificate issued by a CA in .*good-ca\.pem/);
      const url = `https://localhost:${served.port}/`;
      const good = await curl([
        "--cacert",
        f("cli-server.pem"),
        ...asClient("good"),
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        url,
      ]);
      assert.equal(good.stdout, "200", good.stderr);
      const none = await curl(["--cacert", f("cli-server.pem"), url]);
      assert.notEqual(none.code, 0);
      const deadline = Date.now() + 5000;
      while (
        !/\[CN=alice, O=tlsmith test\] GET \/ 200/.test(served.stdout()) && Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(served.stdout(), /\[CN=alice, O=tlsmith test\] GET \/ 200/);
    } finally {
      await served.stop();
    }
  });
});
