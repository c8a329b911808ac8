// The CLI a newcomer meets (issue 14, and issue 11's --dir bullet): the Flask tutorial's
// self-signed pair made by `tlsmith cert --self-signed` and judged by openssl, curl and
// Chromium; exit code 2 for every mistake on the command line; suggestions that fit the input
// (each one run); a certificate that names its host only in the CN explained client by client
// (each claim checked with that client where it is installed); `Try:` lines that teach trusting
// the CA; progress for slow key generation; the grouped --help; --dir in every next step.
// Loopback only, port 0; every process is bounded in time and stopped by pid.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import {
  chromiumDumpDom,
  cliCommand,
  curl,
  fileMode,
  have,
  isDeno,
  nssHome,
  onTerminal,
  openssl,
  opensslCert,
  opensslVerifyStrict,
  run,
  type RunResult,
  shellQuote,
  startServe,
  tempDir,
} from "./helpers.ts";
import { derToPemCommand } from "../src/_internal/commands.ts";

let root = "";
let cleanup: () => Promise<void> = async () => {};
/** The default CA directory of every run here (each test that wants a CA names its own). */
let defaultCa = "";

before(async () => {
  ({ path: root, cleanup } = await tempDir());
  defaultCa = join(root, "default-ca");
});
after(() => cleanup());

/** Run the CLI in `cwd` with TLSMITH_CA_DIR = `defaultCa` unless `env` says otherwise. */
function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  const { cmd, args: pre } = cliCommand();
  return run(cmd, [...pre, ...args], {
    cwd,
    env: { TLSMITH_CA_DIR: defaultCa, TLSMITH_PASSPHRASE: "", ...env },
    timeoutMs: 60_000,
  });
}

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** A mistake on the command line: exit 2, the message (verbatim when a string), the hint. */
function usage(r: RunResult, message: string | RegExp, command: string): void {
  assert.equal(r.code, 2, `exit code 2 expected:\n${r.stdout}\n${r.stderr}`);
  const first = r.stderr.split("\n")[0];
  if (typeof message === "string") assert.equal(first, `tlsmith: ${message}`);
  else assert.match(first, message);
  assert.ok(r.stderr.includes(`Run "tlsmith ${command} --help" for usage.`), r.stderr);
}

async function exists(path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false);
}

async function workDir(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** The SHA-256 of the public key in a certificate or key file, as openssl sees it. */
async function publicKeyOf(file: string, kind: "cert" | "key", pass?: string): Promise<string> {
  return kind === "cert"
    ? await openssl(["x509", "-in", file, "-noout", "-pubkey"])
    : await openssl(["pkey", "-in", file, "-pubout", ...(pass ? ["-passin", `pass:${pass}`] : [])]);
}

/** Chromium, when one is installed. */
async function findChromium(): Promise<string | undefined> {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    if (await have(name)) return name;
  }
  return undefined;
}

const PAGE = "hello from a tlsmith newcomer test";

/** A directory with an index.html to serve. */
async function site(): Promise<string> {
  const dir = await workDir("site");
  await writeFile(join(dir, "index.html"), `<html><body><p>${PAGE}</p></body></html>\n`);
  return dir;
}

/** `tlsmith serve ARGS… --port 0 --quiet SITE` (TLSMITH_CA_DIR as `env` says); stop() it. */
async function serveSite(args: string[], env: Record<string, string> = {}) {
  return await startServe(
    [...args, "--port", "0", "--quiet", await site()],
    /https:\/\/localhost:(\d+)\//,
    { TLSMITH_CA_DIR: defaultCa, ...env },
  );
}

/** Headless Chromium with `certFile` trusted as a peer (`P,,`: a self-signed server certificate). */
async function chromiumLoads(
  chromium: string,
  certFile: string,
  url: string,
  name: string,
): Promise<{ loaded: boolean; log: string }> {
  const home = join(root, `chromium-${name}`);
  await nssHome(home);
  const db = join(home, ".pki", "nssdb");
  const add = await run("certutil", [
    "-A",
    "-n",
    name,
    "-t",
    "P,,",
    "-i",
    certFile,
    "-d",
    `sql:${db}`,
  ], {
    env: { HOME: home },
  });
  assert.equal(add.code, 0, add.stderr);
  const r = await chromiumDumpDom(url, { chromium, home, profile: join(root, `profile-${name}`) });
  return { loaded: r.stdout.includes(PAGE), log: r.stderr };
}

// ---------------------------------------------------------------------------

describe("tlsmith cert --self-signed: the Flask tutorial's pair, with names in subjectAltName", () => {
  it("writes cert.pem + key.pem (0600) that openssl verify -x509_strict accepts; curl and Chromium get the page", async (t) => {
    const dir = await workDir("self-signed");
    const r = ok(
      await cli([
        "cert",
        "--self-signed",
        "localhost",
        "127.0.0.1",
        "::1",
        "--out-cert",
        "cert.pem",
        "--out-key",
        "key.pem",
      ], dir),
      "cert --self-signed",
    );
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines[0], "Created a self-signed certificate valid for localhost, 127.0.0.1, ::1");
    assert.equal(lines[1], "  Certificate: cert.pem");
    assert.equal(lines[2], "  Key:         key.pem  (mode 0600)");
    assert.equal(lines[4], "  Issuer:      itself (self-signed)");
    assert.equal(lines[5], "Use it:  tlsmith serve --cert cert.pem --key key.pem");
    assert.equal(
      lines[6],
      "Clients trust it by trusting this file, e.g. curl --cacert cert.pem https://localhost:8443/ (browsers warn unless you import it).",
    );
    assert.equal(await exists(defaultCa), false, "no CA was made");
    assert.equal(await fileMode(join(dir, "key.pem")), 0o600);
    const cert = join(dir, "cert.pem");
    assert.equal(await publicKeyOf(cert, "cert"), await publicKeyOf(join(dir, "key.pem"), "key"));
    for (
      const check of [["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"], [
        "-verify_ip",
        "::1",
      ]]
    ) {
      const v = await opensslVerifyStrict(cert, cert, check);
      assert.equal(v.code, 0, `${check.join(" ")}: ${v.stdout}${v.stderr}`);
    }
    const text = await openssl(["x509", "-in", cert, "-noout", "-text"]);
    assert.match(text, /CA:FALSE/);
    assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);

    const served = await serveSite(["--cert", cert, "--key", join(dir, "key.pem")]);
    try {
      assert.ok(
        served.stdout().includes(`Try:  curl --cacert ${cert} https://localhost:${served.port}/\n`),
        served.stdout(),
      );
      for (const host of ["localhost", "127.0.0.1", "[::1]"]) {
        const c = await curl(["--cacert", cert, `https://${host}:${served.port}/`]);
        assert.ok(c.stdout.includes(PAGE), `${host}: ${c.stderr}`);
      }
      const chromium = isDeno ? await findChromium() : undefined;
      if (!chromium || !(await have("certutil"))) {
        t.diagnostic(
          "Chromium runs once per suite run (under Deno) when chromium and certutil are installed",
        );
        return;
      }
      for (const host of ["localhost", "127.0.0.1"]) {
        const got = await chromiumLoads(
          chromium,
          cert,
          `https://${host}:${served.port}/`,
          `ss-${host}`,
        );
        assert.ok(got.loaded, `${host}: ${got.log.slice(-1500)}`);
      }
    } finally {
      await served.stop();
    }
  });

  it("--encrypt writes the key encrypted (openssl reads it with the pass phrase); serve unlocks it", async () => {
    const dir = await workDir("self-signed-encrypted");
    await writeFile(join(dir, "pass.txt"), "flask lesson\n");
    const r = ok(
      await cli([
        "cert",
        "--self-signed",
        "--encrypt",
        "--key-passphrase-file",
        "pass.txt",
        "localhost",
      ], dir),
      "cert --self-signed --encrypt",
    );
    assert.ok(
      r.stdout.includes("  Key:         ./localhost-key.pem  (mode 0600, encrypted)"),
      r.stdout,
    );
    const key = join(dir, "localhost-key.pem");
    assert.match(await readFile(key, "utf8"), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    assert.equal(
      await publicKeyOf(join(dir, "localhost.pem"), "cert"),
      await publicKeyOf(key, "key", "flask lesson"),
    );
    const wrong = await run("openssl", ["pkey", "-in", key, "-passin", "pass:wrong", "-noout"]);
    assert.notEqual(wrong.code, 0, "a wrong pass phrase must not open it");
    // With TLSMITH_PASSPHRASE (the same flag set, another run).
    ok(
      await cli(["cert", "--self-signed", "--encrypt", "app.localhost"], dir, {
        TLSMITH_PASSPHRASE: "from env",
      }),
      "--encrypt with TLSMITH_PASSPHRASE",
    );
    await publicKeyOf(join(dir, "app.localhost-key.pem"), "key", "from env");
    const served = await serveSite([
      "--cert",
      join(dir, "localhost.pem"),
      "--key",
      key,
      "--passphrase-file",
      join(dir, "pass.txt"),
    ]);
    try {
      const c = await curl([
        "--cacert",
        join(dir, "localhost.pem"),
        `https://localhost:${served.port}/`,
      ]);
      assert.ok(c.stdout.includes(PAGE), c.stderr);
    } finally {
      await served.stop();
    }
  });

  it("options for the local CA are mistakes with --self-signed (exit 2), and nothing is made", async () => {
    const dir = await workDir("self-signed-usage");
    usage(
      await cli(["cert", "--self-signed", "--dir", "ca", "localhost"], dir),
      "--dir is for a certificate from the local CA; --self-signed uses no CA",
      "cert",
    );
    usage(
      await cli(["cert", "--self-signed", "--client", "localhost"], dir),
      "--client is for a certificate from the local CA; --self-signed uses no CA",
      "cert",
    );
    usage(
      await cli(["cert", "--self-signed", "--passphrase-file", "p.txt", "localhost"], dir),
      "--passphrase-file is for a certificate from the local CA; --self-signed uses no CA (the new key's pass phrase: --key-passphrase-file)",
      "cert",
    );
    usage(
      await cli(["cert", "--key-passphrase-file", "p.txt", "localhost"], dir),
      "--key-passphrase-file is the pass phrase of --encrypt; add --encrypt",
      "cert",
    );
    assert.deepEqual(await readdir(dir), []);
    assert.equal(await exists(defaultCa), false);
  });
});

// ---------------------------------------------------------------------------

describe("exit codes: every mistake on the command line is 2, everything else 1", () => {
  let dir = "";
  before(async () => {
    dir = await workDir("exit-codes");
    await writeFile(join(dir, "some.csr"), "not a csr");
  });

  const LISTEN =
    '"--host" is the address to listen on: an IP address of this machine (127.0.0.1, ::1), 0.0.0.0 or :: for every interface, or a host name that resolves to one (localhost)';
  const usageCases: [string[], string | RegExp, string][] = [
    [["serve", "--host", ""], `${LISTEN}; it is empty.`, "serve"],
    [
      ["serve", "--host", "not_a_host!"],
      `${LISTEN}; "not_a_host!" is neither an IP address nor a host name.`,
      "serve",
    ],
    [
      ["serve", "--host", "localhost:8443"],
      `${LISTEN}, without a port. Use --host localhost --port 8443.`,
      "serve",
    ],
    [
      ["serve", "--host", "[::1]:8443"],
      `${LISTEN}, without a port. Use --host ::1 --port 8443.`,
      "serve",
    ],
    [
      ["serve", "--host", "https://localhost:8443/"],
      `${LISTEN}; not a URL. Use --host localhost --port 8443.`,
      "serve",
    ],
    [
      ["proxy", "5173", "--host", "bad host"],
      `${LISTEN}; "bad host" is neither an IP address nor a host name.`,
      "proxy",
    ],
    [
      ["serve", "--ca-dir", "ca"],
      '"--ca-dir" is the local CA\'s directory, used with "--cert local"; add --cert local',
      "serve",
    ],
    [
      ["cert", "localhost", "--key-type", "bogus"],
      '--key-type: unknown key type "bogus". Use one of: ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096, ed25519 (also accepted: ec, p256, p384, rsa).',
      "cert",
    ],
    [
      ["cert", "bad host!"],
      '"bad host!" is not a valid host name, IP address, e-mail address or URI: the host name contains white space.',
      "cert",
    ],
    [["cert", "localhost", "--days", "0"], "--days must be from 1 to 825, not 0", "cert"],
    [
      ["cert", "localhost", "--days", "ten"],
      '--days must be a whole number of days, not "ten"',
      "cert",
    ],
    [["ca", "init", "--key-type", "ed25519"], /--key-type for a CA must be one of/, "ca"],
    [["ca", "init", "--key-type", "bogus"], /^tlsmith: --key-type: unknown key type "bogus"/, "ca"],
    [["ca", "init", "--permit", "10.0.0.1/8"], /10\.0\.0\.0\/8/, "ca"],
    [["ca", "init", "--permit", "bad name!"], /bad name!/, "ca"],
    [
      ["key", "generate", "--type", "bogus", "--out", "k.pem"],
      /^tlsmith: --type: unknown key type "bogus"/,
      "key",
    ],
    [["sign", "some.csr", "--host", "bad host!"], /"bad host!" is not a valid host name/, "sign"],
    [["serve", "--port", "70000"], /--port must be a whole number from 0 to 65535/, "serve"],
  ];
  for (const [args, message, command] of usageCases) {
    it(`tlsmith ${args.map((a) => (a === "" ? "''" : a)).join(" ")} → 2`, async () => {
      usage(await cli(args, dir), message, command);
      assert.equal(await exists(defaultCa), false, "no CA was made");
      assert.deepEqual((await readdir(dir)).sort(), ["some.csr"], "nothing was written");
    });
  }

  it("failures that are not about the command line exit 1 (and make no CA either)", async () => {
    const notPermitted = await cli(["cert", "example.com"], dir);
    assert.equal(notPermitted.code, 1, notPermitted.stderr);
    assert.match(notPermitted.stderr, /outside the name constraints.*\(No CA was created in /s);
    const missing = await cli(["serve", "--cert", "nope.pem", "--key", "nope-key.pem"], dir);
    assert.equal(missing.code, 1, missing.stderr);
    assert.equal(await exists(defaultCa), false);
  });
});

// ---------------------------------------------------------------------------

describe("suggested commands fit the input, and work (each one is run)", () => {
  it("a DER key, certificate or CSR: pkey, x509 or req -inform DER", async () => {
    const dir = await workDir("der");
    await opensslCert({
      key: join(dir, "orig-key.pem"),
      cert: join(dir, "orig.pem"),
      addext: ["subjectAltName=DNS:localhost"],
    });
    await openssl([
      "pkey",
      "-in",
      join(dir, "orig-key.pem"),
      "-outform",
      "DER",
      "-out",
      join(dir, "key.der"),
    ]);
    await openssl([
      "x509",
      "-in",
      join(dir, "orig.pem"),
      "-outform",
      "DER",
      "-out",
      join(dir, "cert.der"),
    ]);
    await openssl([
      "req",
      "-new",
      "-key",
      join(dir, "orig-key.pem"),
      "-subj",
      "/CN=localhost",
      "-outform",
      "DER",
      "-out",
      join(dir, "req.der"),
    ]);

    const key = await cli(["serve", "--cert", "orig.pem", "--key", "key.der", "--port", "0"], dir);
    assert.equal(key.code, 1);
    const keyHint = "openssl pkey -inform DER -in key.der -out key.pem";
    assert.equal(
      key.stderr.trim(),
      `tlsmith: key.der: no PEM block found: the data looks like binary DER; convert it with \`${keyHint}\`.`,
    );
    const cert = await cli(
      ["serve", "--cert", "cert.der", "--key", "orig-key.pem", "--port", "0"],
      dir,
    );
    const certHint = "openssl x509 -inform DER -in cert.der -out cert.pem";
    assert.equal(
      cert.stderr.trim(),
      `tlsmith: cert.der: no PEM block found: the data looks like binary DER; convert it with \`${certHint}\`.`,
    );
    const p12 = await cli([
      "p12",
      "export",
      "--cert",
      "cert.der",
      "--key",
      "orig-key.pem",
      "--out",
      "x.p12",
    ], dir);
    assert.ok(p12.stderr.includes(certHint), p12.stderr);
    const csrHint = derToPemCommand("certificate request", "req.der");
    assert.equal(csrHint, "openssl req -inform DER -in req.der -out req.pem");
    // Run each suggestion: the results are the same key, certificate and CSR, and tlsmith takes them.
    for (const hint of [keyHint, certHint, csrHint]) {
      const [tool, ...args] = hint.split(" ");
      const r = await run(tool, args, { cwd: dir });
      assert.equal(r.code, 0, `${hint}: ${r.stderr}`);
    }
    assert.equal(
      await publicKeyOf(join(dir, "key.pem"), "key"),
      await publicKeyOf(join(dir, "orig-key.pem"), "key"),
    );
    assert.equal(
      await readFile(join(dir, "cert.pem"), "utf8"),
      await readFile(join(dir, "orig.pem"), "utf8"),
    );
    const inspect = ok(await cli(["inspect", "req.pem"], dir), "inspect req.pem");
    assert.match(inspect.stdout, /^Certificate signing request$/m);
    const served = await serveSite([
      "--cert",
      join(dir, "cert.pem"),
      "--key",
      join(dir, "key.pem"),
    ]);
    await served.stop();
    // inspect reads DER keys itself.
    const der = ok(await cli(["inspect", "key.der"], dir), "inspect key.der");
    assert.match(der.stdout, /Private key \(DER, not encrypted\)/);
  });
});

// ---------------------------------------------------------------------------

describe("a certificate that names its host only in the CN (openssl req -x509 -subj /CN=localhost)", () => {
  it("serve says which clients accept https://localhost and which refuse, and how to fix it; the clients agree", async (t) => {
    const dir = await workDir("cn-only");
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    // The Flask tutorial's command (EC instead of RSA-4096, for speed).
    await opensslCert({ key, cert, subject: "/CN=localhost" });
    const served = await serveSite(["--cert", cert, "--key", key]);
    try {
      const port = served.port;
      assert.ok(
        served.stdout().includes(
          "  names:    (none: no subjectAltName, only the subject CN=localhost)\n",
        ),
        served.stdout(),
      );
      const warning = [
        "warning: the certificate has no subjectAltName; it names localhost only in its subject CN.",
        `  https://localhost:${port}/: curl, OpenSSL, GnuTLS, Node, Python's ssl and Java fall back to the CN and accept it; Chromium, Go and pyca/cryptography refuse it.`,
        `  https://127.0.0.1:${port}/: every client refuses it (IP addresses are matched against subjectAltName only).`,
      ];
      // Standard error is a pipe of its own: wait for the last line of the warning to arrive.
      for (let i = 0; i < 100 && !/--force\n/.test(served.stderr()); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const line of warning) assert.ok(served.stderr().includes(`${line}\n`), served.stderr());
      const fix = `  tlsmith cert --self-signed localhost 127.0.0.1${
        served.stdout().includes("[::1]") ? " ::1" : ""
      } --out-cert ${cert} --out-key ${key} --force\n`;
      assert.ok(served.stderr().includes(fix), served.stderr());

      // The clients, each where it is installed.
      const url = `https://localhost:${port}/`;
      const accepted: Record<string, boolean> = {};
      accepted.curl = (await curl(["--cacert", cert, url])).stdout.includes(PAGE);
      const curlIp = await curl(["--cacert", cert, `https://127.0.0.1:${port}/`]);
      assert.ok(!curlIp.stdout.includes(PAGE), "curl must refuse 127.0.0.1");
      const sClient = (check: string[]) =>
        run("openssl", [
          "s_client",
          "-connect",
          `127.0.0.1:${port}`,
          "-servername",
          "localhost",
          "-CAfile",
          cert,
          "-verify_return_error",
          ...check,
        ], { input: "" });
      accepted.openssl = (await sClient(["-verify_hostname", "localhost"])).code === 0;
      assert.notEqual(
        (await sClient(["-verify_ip", "127.0.0.1"])).code,
        0,
        "openssl must refuse 127.0.0.1",
      );
      const node = await run("node", [
        "-e",
        `require("https").get(${JSON.stringify(url)}, { ca: require("fs").readFileSync(${
          JSON.stringify(cert)
        }) }, (r) => { r.resume(); r.on("end", () => process.exit(r.statusCode === 200 ? 0 : 3)); }).on("error", (e) => { console.error(e.message); process.exit(2); });`,
      ]);
      accepted.node = node.code === 0;
      if (await have("python3")) {
        const py = await run("python3", [
          "-c",
          `import ssl, urllib.request\nurllib.request.urlopen(${
            JSON.stringify(url)
          }, context=ssl.create_default_context(cafile=${JSON.stringify(cert)})).read()`,
        ]);
        accepted.python = py.code === 0;
        const pyca = await run("python3", [
          "-c",
          [
            "from cryptography import x509",
            "from cryptography.x509.verification import PolicyBuilder, Store",
            "from cryptography.x509 import DNSName",
            `c = x509.load_pem_x509_certificate(open(${JSON.stringify(cert)}, 'rb').read())`,
            "PolicyBuilder().store(Store([c])).build_server_verifier(DNSName('localhost')).verify(c, [])",
          ].join("\n"),
        ]);
        if (!/No module named/.test(pyca.stderr)) accepted.pyca = pyca.code === 0;
      }
      if (await have("gnutls-cli")) {
        const g = await run("gnutls-cli", ["--x509cafile", cert, "-p", String(port), "localhost"], {
          input: "",
          timeoutMs: 20_000,
        });
        accepted.gnutls = g.code === 0;
      }
      if (isDeno && await have("go")) {
        const src = join(dir, "client.go");
        await writeFile(
          src,
          `package main
import ("crypto/tls"; "crypto/x509"; "net/http"; "os"; "fmt")
func main() {
  pool := x509.NewCertPool()
  pem, _ := os.ReadFile(os.Args[1])
  pool.AppendCertsFromPEM(pem)
  c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
  r, err := c.Get(os.Args[2])
  if err != nil { fmt.Println(err); os.Exit(1) }
  r.Body.Close()
}
`,
        );
        const g = await run("go", ["run", src, cert, url], {
          timeoutMs: 120_000,
          env: { GOFLAGS: "-mod=mod", GOCACHE: join(root, "gocache"), HOME: root },
        });
        accepted.go = g.code === 0;
        if (!accepted.go) assert.match(g.stdout + g.stderr, /Common Name/, "Go's reason");
      }
      if (isDeno && await have("java") && await have("keytool")) {
        const store = join(dir, "trust.p12");
        const imp = await run("keytool", [
          "-importcert",
          "-noprompt",
          "-alias",
          "cn",
          "-file",
          cert,
          "-keystore",
          store,
          "-storetype",
          "PKCS12",
          "-storepass",
          "changeit",
        ]);
        assert.equal(imp.code, 0, imp.stderr);
        const src = join(dir, "Client.java");
        await writeFile(
          src,
          `import java.net.URI; import java.net.http.*;
public class Client { public static void main(String[] a) throws Exception {
  HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(a[0])).build(), HttpResponse.BodyHandlers.ofString());
  System.exit(r.statusCode() == 200 ? 0 : 3);
} }
`,
        );
        const j = await run("java", [
          `-Djavax.net.ssl.trustStore=${store}`,
          "-Djavax.net.ssl.trustStorePassword=changeit",
          src,
          url,
        ], { timeoutMs: 120_000 });
        accepted.java = j.code === 0;
      }
      const chromium = isDeno ? await findChromium() : undefined;
      if (chromium && await have("certutil")) {
        const got = await chromiumLoads(chromium, cert, url, "cn-only");
        accepted.chromium = got.loaded;
        if (!got.loaded) {
          assert.match(got.log, /ERR_CERT_COMMON_NAME_INVALID/, got.log.slice(-1500));
        }
      }
      t.diagnostic(
        `accepts https://localhost with a CN-only certificate: ${JSON.stringify(accepted)}`,
      );
      // What the warning says, client by client.
      const says: Record<string, boolean> = {
        curl: true,
        openssl: true,
        gnutls: true,
        node: true,
        python: true,
        java: true,
        chromium: false,
        go: false,
        pyca: false,
      };
      for (const [client, got] of Object.entries(accepted)) {
        assert.equal(
          got,
          says[client],
          `${client}: the warning says ${says[client] ? "accepts" : "refuses"}`,
        );
      }
    } finally {
      await served.stop();
    }
    // The suggested fix, run as printed: afterwards the pair names 127.0.0.1 and ::1 too.
    const fixLine = /^ {2}tlsmith cert --self-signed (.*)$/m.exec(served.stderr())![1];
    ok(await cli(["cert", "--self-signed", ...fixLine.split(" ")], dir), "the suggested fix");
    for (const check of [["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"]]) {
      const v = await opensslVerifyStrict(cert, cert, check);
      assert.equal(v.code, 0, `${check.join(" ")}: ${v.stdout}${v.stderr}`);
    }
    assert.equal(await publicKeyOf(cert, "cert"), await publicKeyOf(key, "key"));
  });
});

// ---------------------------------------------------------------------------

describe("the Try: line teaches trusting the CA that issued the certificate", () => {
  it("a local-CA certificate: curl --cacert the CA's ca.pem (which works), or tlsmith trust", async () => {
    const dir = await workDir("try-local");
    const caDir = join(dir, "ca");
    const env = { TLSMITH_CA_DIR: caDir };
    ok(await cli(["cert", "localhost", "127.0.0.1", "::1"], dir, env), "cert");
    const served = await serveSite([
      "--cert",
      join(dir, "localhost+2.pem"),
      "--key",
      join(dir, "localhost+2-key.pem"),
    ], env);
    try {
      const url = `https://localhost:${served.port}/`;
      const caFile = join(caDir, "ca.pem");
      assert.ok(
        served.stdout().includes(`Try:  curl --cacert ${caFile} ${url}\n`),
        served.stdout(),
      );
      assert.ok(
        served.stdout().includes(
          "  (the local CA issued it: trust its ca.pem, or once for this machine: tlsmith trust)\n",
        ),
        served.stdout(),
      );
      const c = await curl(["--cacert", caFile, url]);
      assert.ok(c.stdout.includes(PAGE), c.stderr);
    } finally {
      await served.stop();
    }
  });

  it("another CA's certificate: trust that CA's certificate, not the server's", async () => {
    const dir = await workDir("try-other");
    const otherCa = join(dir, "other-ca");
    ok(await cli(["cert", "--dir", otherCa, "localhost"], dir), "cert from another CA directory");
    const served = await serveSite([
      "--cert",
      join(dir, "localhost.pem"),
      "--key",
      join(dir, "localhost-key.pem"),
    ], { TLSMITH_CA_DIR: join(dir, "no-ca-here") });
    try {
      const out = served.stdout();
      assert.ok(
        out.includes(`Try:  curl --cacert ca.pem https://localhost:${served.port}/\n`),
        out,
      );
      assert.match(
        out,
        / {2}where ca\.pem is the certificate of the CA that issued it \(CN=tlsmith development CA [^)]*\):\n/,
      );
      assert.ok(out.includes("  `tlsmith trust --dir DIR` makes this machine trust it.\n"), out);
      // Following it with that CA's ca.pem works.
      const c = await curl([
        "--cacert",
        join(otherCa, "ca.pem"),
        `https://localhost:${served.port}/`,
      ]);
      assert.ok(c.stdout.includes(PAGE), c.stderr);
    } finally {
      await served.stop();
    }
  });
});

// ---------------------------------------------------------------------------

describe("--dir works for every command that uses the CA, and every next step carries it", () => {
  it("ca init --dir DIR: each printed next step names DIR; following them uses that CA and makes no other", async () => {
    const dir = await workDir("dir-everywhere");
    const caDir = join(dir, "my ca");
    const empty = join(dir, "default-place");
    const env = { TLSMITH_CA_DIR: empty };
    const init = ok(await cli(["ca", "init", "--dir", caDir], dir, env), "ca init --dir");
    const quoted = shellQuote(caDir);
    assert.ok(
      init.stdout.includes(
        `Trust it on this machine (system store, browsers, Java): tlsmith trust --dir ${quoted}\n`,
      ),
      init.stdout,
    );
    assert.ok(
      init.stdout.includes(
        `Then: tlsmith cert --dir ${quoted} localhost 127.0.0.1 ::1   or   tlsmith serve --cert=local --ca-dir ${quoted}\n`,
      ),
      init.stdout,
    );
    // Follow the cert step as printed.
    ok(
      await cli(["cert", "--dir", caDir, "localhost", "127.0.0.1", "::1"], dir, env),
      "the printed cert step",
    );
    const v = await opensslVerifyStrict(join(caDir, "ca.pem"), join(dir, "localhost+2.pem"), [
      "-verify_hostname",
      "localhost",
    ]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    // ... and the serve step.
    const served = await serveSite(["--cert=local", "--ca-dir", caDir], env);
    try {
      assert.ok(
        served.stdout().includes(`Certificate: fresh, from the local CA ${join(caDir, "ca.pem")}`),
        served.stdout(),
      );
      assert.ok(served.stdout().includes(`tlsmith trust --dir ${quoted})`), served.stdout());
      const c = await curl([
        "--cacert",
        join(caDir, "ca.pem"),
        `https://localhost:${served.port}/`,
      ]);
      assert.ok(c.stdout.includes(PAGE), c.stderr);
    } finally {
      await served.stop();
    }
    assert.equal(await exists(empty), false, "no second CA in the default place");
    // Messages from the CA layers carry --dir too.
    const refused = await cli(["cert", "--dir", caDir, "example.com"], dir, env);
    assert.equal(refused.code, 1);
    assert.ok(
      refused.stderr.includes(`\`tlsmith ca init --dir ${quoted} --force --permit example.com\``),
      refused.stderr,
    );
    // tlsmith run, after the CA was untrusted (as trust.json records it), says how to trust it again.
    const pem = await readFile(join(caDir, "ca.pem"), "utf8");
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    const sha256 = createHash("sha256").update(der).digest("hex");
    await writeFile(
      join(caDir, "trust.json"),
      JSON.stringify({ version: 1, changes: [], untrusted: [sha256] }),
    );
    const untrusted = await cli(["run", "--dir", caDir, "--", "true"], dir, env);
    assert.equal(untrusted.code, 1, untrusted.stderr);
    assert.ok(
      untrusted.stderr.includes(`Run \`tlsmith trust --dir ${quoted}\` to trust it again.`),
      untrusted.stderr,
    );
    const verify = await cli(["verify", "x.pem", "--dir", join(dir, "none")], dir, env);
    assert.ok(
      verify.stderr.includes(`\`tlsmith ca init --dir ${join(dir, "none")}\``),
      verify.stderr,
    );
    const show = await cli(["ca", "show", "--dir", join(dir, "none")], dir, env);
    assert.equal(
      show.stderr.split("\n")[0],
      `tlsmith: no local CA in ${
        join(dir, "none")
      } (no ca.pem). Create one with \`tlsmith ca init --dir ${join(dir, "none")}\`.`,
    );
    assert.equal(await exists(empty), false);
  });

  it("tlsmith cert 'bad host!' fails before any CA is created (exit 2)", async () => {
    const dir = await workDir("bad-host");
    const caDir = join(dir, "ca");
    usage(
      await cli(["cert", "bad host!", "localhost"], dir, { TLSMITH_CA_DIR: caDir }),
      /"bad host!" is not a valid host name/,
      "cert",
    );
    assert.equal(await exists(caDir), false);
  });
});

// ---------------------------------------------------------------------------

describe("tlsmith --help", () => {
  it("leads with the everyday commands and groups the openssl-style ones under their own heading", async () => {
    const r = ok(await cli(["--help"], root), "--help");
    const lines = r.stdout.split("\n");
    const section = (heading: string) => {
      const start = lines.indexOf(heading);
      assert.ok(start > 0, `${heading} missing:\n${r.stdout}`);
      const names: string[] = [];
      for (const line of lines.slice(start + 1)) {
        const m = /^ {2}([a-z0-9]+) {2}/.exec(line);
        if (!m) break;
        names.push(m[1]);
      }
      return { start, names };
    };
    const everyday = section("Everyday commands:");
    const ca = section("The local CA and trust stores:");
    const tools = section("Certificate and key files (openssl-style tools):");
    assert.deepEqual(everyday.names, ["serve", "cert", "trust", "proxy"]);
    assert.deepEqual(ca.names, ["ca", "untrust", "doctor", "env", "run"]);
    assert.deepEqual(tools.names, [
      "key",
      "p12",
      "csr",
      "sign",
      "inspect",
      "verify",
      "fingerprint",
    ]);
    assert.ok(everyday.start < ca.start && ca.start < tools.start);
    assert.ok(lines.indexOf("Usage: tlsmith <command> [options]") < everyday.start);
  });
});

// ---------------------------------------------------------------------------

describe("progress for slow key generation", () => {
  it("on a terminal, RSA-4096 shows progress when it takes more than a second; through a pipe, never", async (t) => {
    if (!(await have("script"))) {
      t.skip("util-linux script is not installed");
      return;
    }
    const dir = await workDir("progress");
    const { cmd, args } = cliCommand();
    const onPty = async (cliArgs: string[]) => {
      const start = Date.now();
      const r = await onTerminal([cmd, ...args, ...cliArgs].map(shellQuote).join(" "), [], {
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, r.output);
      return { output: r.output, ms: Date.now() - start };
    };
    // What a run costs without generating a key (start-up), to tell a quick generation apart.
    const baseline = (await onPty(["--version"])).ms;
    let shown = "";
    const quick: number[] = [];
    for (let attempt = 1; attempt <= 6 && !shown; attempt++) {
      const r = await onPty([
        "key",
        "generate",
        "--type",
        "rsa-4096",
        "--out",
        join(dir, `k${attempt}.pem`),
      ]);
      const m = /Generating an RSA-4096 key\.*\.\.\. done \((\d+\.\d) s\)/.exec(r.output);
      if (m) {
        assert.ok(Number(m[1]) >= 1, `shown only after a second: ${m[0]}`);
        shown = m[0];
      } else {
        // Not shown: then the key took about a second at most (start-up aside, with a margin).
        assert.doesNotMatch(r.output, /Generating/);
        assert.ok(r.ms - baseline < 2500, `${r.ms} ms (start-up ${baseline} ms) and no progress`);
        quick.push(r.ms - baseline);
      }
    }
    t.diagnostic(
      shown || `every RSA-4096 key was quick here: ${quick.join(", ")} ms beyond start-up`,
    );
    const piped = ok(
      await cli(["key", "generate", "--type", "rsa-4096", "--out", "piped.pem"], dir),
      "piped",
    );
    assert.doesNotMatch(piped.stderr, /Generating/);
  });
});
