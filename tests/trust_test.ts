/**
 * The trust layer's parts without changing any store of the machine:
 * - macOS, Windows and Linux stores: the exact command lines they run (macOS and Windows are
 *   untested on those systems; these lines are what the code runs there);
 * - reading real tools' output: NSS `certutil -L` of a temporary database, `keytool -list -rfc`
 *   of a temporary keystore;
 * - exact-match rules (only our CA, alone in an entry, is ours);
 * - `formatEnv` evaluated by a real shell; the record; expiry warnings; the doctor's wording.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { have, run, withTempDir } from "./helpers.ts";
import { CertificateAuthority } from "../src/ca/authority.ts";
import { certificatesIn, expiryWarning, holdsCa, trustCaFromPem } from "../src/trust/ca.ts";
import { darwinCommands, parseDarwinFind } from "../src/trust/system_darwin.ts";
import { windowsCommands, windowsStoreLists } from "../src/trust/system_windows.ts";
import {
  LINUX_SYSTEM_LAYOUTS,
  linuxInstallCommands,
  linuxRemoveCommands,
} from "../src/trust/system_linux.ts";
import { nssCommands, parseNssList } from "../src/trust/nss.ts";
import { keytoolCommands, parseKeytoolList } from "../src/trust/java.ts";
import { parseRecord, recordAdded } from "../src/trust/record.ts";
import { formatEnv, type TrustEnv } from "../src/trust/env.ts";
import { certificateError } from "../src/trust/doctor.ts";
import { assertConstrained } from "../src/trust/install.ts";
import { outcome } from "../src/trust/store.ts";
import { commandLine } from "../src/trust/util.ts";

const ca = await CertificateAuthority.create({ owner: "trust@test" });
const other = await CertificateAuthority.create({ owner: "other@test" });
const trustCa = await trustCaFromPem(ca.certPem, "/home/a/.local/share/tlsmith/ca.pem");

describe("trust: the command lines of each store", () => {
  it("macOS: the login keychain through `security`", () => {
    const keychain = "/Users/a/Library/Keychains/login.keychain-db";
    const c = darwinCommands(keychain);
    assert.equal(
      commandLine(["security", ...c.add(trustCa.file)]),
      `security add-trusted-cert -r trustRoot -k ${keychain} /home/a/.local/share/tlsmith/ca.pem`,
    );
    assert.equal(
      commandLine(["security", ...c.find()]),
      `security find-certificate -a -Z -p ${keychain}`,
    );
    assert.equal(
      commandLine(["security", ...c.untrust(trustCa.file)]),
      "security remove-trusted-cert /home/a/.local/share/tlsmith/ca.pem",
    );
    assert.equal(
      commandLine(["security", ...c.remove(trustCa.sha1)]),
      `security delete-certificate -Z ${trustCa.sha1} ${keychain}`,
    );
    assert.match(trustCa.sha1, /^[0-9A-F]{40}$/);
  });

  it("macOS: entries are found by exact DER in `security find-certificate -a -Z -p` output", () => {
    const output = [
      `SHA-256 hash: 00\nSHA-1 hash: 1111111111111111111111111111111111111111\nkeychain: "/k"\n${other.certPem}`,
      `SHA-256 hash: 00\nSHA-1 hash: ${trustCa.sha1}\nkeychain: "/k"\nversion: 512\n${ca.certPem}`,
    ].join("");
    const found = parseDarwinFind(output);
    assert.deepEqual(found.map((f) => f.sha1), [
      "1111111111111111111111111111111111111111",
      trustCa.sha1,
    ]);
    assert.deepEqual(found[1].der, trustCa.der);
  });

  it("Windows: the user's Root store through certutil", () => {
    const c = windowsCommands();
    assert.equal(
      commandLine(["certutil", ...c.add("C:\\Users\\a\\AppData\\Local\\tlsmith\\ca.pem")]),
      "certutil -user -addstore Root 'C:\\Users\\a\\AppData\\Local\\tlsmith\\ca.pem'",
    );
    assert.deepEqual(c.find(trustCa.sha1), ["-user", "-store", "Root", trustCa.sha1]);
    assert.deepEqual(c.remove(trustCa.sha1), ["-user", "-delstore", "Root", trustCa.sha1]);
    const spaced = trustCa.sha1.toLowerCase().match(/../g)!.join(" ");
    assert.equal(
      windowsStoreLists(
        `================ Certificate 0 ================\r\nCert Hash(sha1): ${spaced}\r\n`,
        trustCa.sha1,
      ),
      true,
    );
    assert.equal(windowsStoreLists("Cert Hash(sha1): 11 22\r\n", trustCa.sha1), false);
  });

  it("Linux: each distribution's anchor file and update command", () => {
    const by = (id: string) => LINUX_SYSTEM_LAYOUTS.find((l) => l.id === id)!;
    const lines = (cmds: string[][]) => cmds.map(commandLine);
    assert.deepEqual(
      lines(
        linuxInstallCommands(
          by("debian"),
          "/ca.pem",
          `/usr/local/share/ca-certificates/${trustCa.label}.crt`,
        ),
      ),
      [
        `install -m 644 /ca.pem /usr/local/share/ca-certificates/${trustCa.label}.crt`,
        "update-ca-certificates",
      ],
    );
    assert.deepEqual(
      lines(
        linuxInstallCommands(by("fedora"), "/ca.pem", "/etc/pki/ca-trust/source/anchors/x.pem"),
      ),
      [
        "install -m 644 /ca.pem /etc/pki/ca-trust/source/anchors/x.pem",
        "update-ca-trust extract",
      ],
    );
    assert.deepEqual(
      lines(linuxRemoveCommands(by("arch"), ["/etc/ca-certificates/trust-source/anchors/x.crt"])),
      [
        "rm -f /etc/ca-certificates/trust-source/anchors/x.crt",
        "trust extract-compat",
      ],
    );
    assert.equal(by("suse").anchorDir, "/usr/share/pki/trust/anchors");
  });

  it("Java: keytool on the keystore, with the public default password", () => {
    const k = keytoolCommands("/etc/ssl/certs/java/cacerts");
    assert.equal(
      commandLine(["keytool", ...k.add(trustCa.label, trustCa.file)]),
      `keytool -importcert -noprompt -alias ${trustCa.label} -file ${trustCa.file} -keystore /etc/ssl/certs/java/cacerts -storepass changeit`,
    );
    assert.equal(
      commandLine(["keytool", ...k.remove(`debian:${trustCa.label}.pem`)]),
      `keytool -delete -alias debian:${trustCa.label}.pem -keystore /etc/ssl/certs/java/cacerts -storepass changeit`,
    );
  });

  it("NSS: certutil on sql: databases, trust C,,", () => {
    const c = nssCommands("/home/a/.pki/nssdb");
    assert.equal(
      commandLine(["certutil", ...c.add(trustCa.label, "/ca.pem")]),
      `certutil -A -d sql:/home/a/.pki/nssdb -t C,, -n ${trustCa.label} -i /ca.pem`,
    );
    assert.equal(
      commandLine(["certutil", ...c.create()]),
      "certutil -N -d sql:/home/a/.pki/nssdb --empty-password",
    );
  });
});

describe("trust: reading the real tools' output", () => {
  it("NSS certutil -L of a real database: nicknames with spaces and their trust", async (t) => {
    if (!(await have("certutil"))) return t.skip("certutil (libnss3-tools) is not installed");
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "ca.pem"), ca.certPem);
      await writeFile(join(dir, "other.pem"), other.certPem);
      for (
        const args of [
          ["-N", "-d", `sql:${dir}`, "--empty-password"],
          ["-A", "-d", `sql:${dir}`, "-n", "my local CA", "-t", "C,,", "-i", join(dir, "ca.pem")],
          ["-A", "-d", `sql:${dir}`, "-n", "other", "-t", ",,", "-i", join(dir, "other.pem")],
        ]
      ) {
        const r = await run("certutil", args);
        assert.equal(r.code, 0, r.stderr);
      }
      const list = await run("certutil", ["-L", "-d", `sql:${dir}`]);
      assert.deepEqual(parseNssList(list.stdout), [
        { nickname: "my local CA", trust: "C,," },
        { nickname: "other", trust: ",," },
      ]);
      const shown = await run("certutil", nssCommands(dir).show("my local CA"));
      assert.equal(holdsCa(shown.stdout, trustCa), "only");
    });
  });

  it("keytool -list -rfc of a real keystore: aliases and certificates", async (t) => {
    if (!(await have("keytool"))) return t.skip("keytool (a JDK) is not installed");
    await withTempDir(async (dir) => {
      const store = join(dir, "cacerts");
      await writeFile(join(dir, "ca.pem"), ca.certPem);
      await writeFile(join(dir, "other.pem"), other.certPem);
      for (const [alias, file] of [["debian:tlsmith.pem", "ca.pem"], ["other", "other.pem"]]) {
        const r = await run("keytool", keytoolCommands(store).add(alias, join(dir, file)), {
          timeoutMs: 60_000,
        });
        assert.equal(r.code, 0, r.stderr);
      }
      const list = await run("keytool", keytoolCommands(store).list(), { timeoutMs: 60_000 });
      const entries = parseKeytoolList(list.stdout);
      assert.deepEqual(entries.map((e) => e.alias).sort(), ["debian:tlsmith.pem", "other"]);
      const ours = entries.find((e) => e.alias === "debian:tlsmith.pem")!;
      assert.deepEqual(ours.certificates, [trustCa.der]);
    });
  });
});

describe("trust: only our CA, byte for byte", () => {
  it("holdsCa tells a file of our CA alone from one that also holds others, and from none", () => {
    assert.equal(holdsCa(ca.certPem, trustCa), "only");
    assert.equal(holdsCa(`# comment\n${ca.certPem}\n${ca.certPem}`, trustCa), "only");
    assert.equal(holdsCa(ca.certPem + other.certPem, trustCa), "among");
    assert.equal(holdsCa(other.certPem, trustCa), "none");
    assert.equal(holdsCa(trustCa.der, trustCa), "only");
    // The same subject and key but another certificate (a re-issue) is not ours.
    const flipped = new Uint8Array(trustCa.der);
    flipped[flipped.length - 1] ^= 1;
    assert.equal(holdsCa(flipped, trustCa), "none");
    assert.deepEqual(certificatesIn("-----BEGIN CERTIFICATE-----\n!!!\n"), []);
  });

  it("refuses a CA without name constraints unless forced, saying why", async () => {
    const open = await CertificateAuthority.create({ nameConstraints: false });
    const model = await trustCaFromPem(open.certPem, "open/ca.pem");
    assert.equal(model.constrained, false);
    assert.throws(() => assertConstrained(model, false), (err: Error & { code?: string }) => {
      assert.equal(err.code, "CA_UNCONSTRAINED");
      assert.match(err.message, /open\/ca\.pem has no name constraints.*ANY web site.*--force/);
      return true;
    });
    assertConstrained(model, true);
    assert.equal(trustCa.constrained, true);
    assert.match(trustCa.permitted, /localhost/);
  });

  it("refuses a leaf as the CA to trust", async () => {
    const leaf = await ca.issue(["localhost"]);
    await assert.rejects(trustCaFromPem(leaf.cert, "leaf.pem"), { code: "BAD_CERTIFICATE" });
    await assert.rejects(trustCaFromPem(leaf.chain, "chain.pem"), /exactly one CA certificate/);
  });
});

describe("trust: environment, record, expiry, doctor wording", () => {
  it("formatEnv's sh output sets exactly the values in a real shell, quotes and all", async () => {
    const env: TrustEnv = {
      caFile: "/x/ca.pem",
      vars: [
        { name: "NODE_EXTRA_CA_CERTS", value: "/tmp/it's a $HOME `dir`/ca.pem", readBy: "Node" },
        { name: "DENO_CERT", value: "/x/ca.pem", readBy: "Deno" },
      ],
      notes: ["a note; with `backticks`"],
      unset: ["REQUESTS_CA_BUNDLE"],
    };
    const script =
      `REQUESTS_CA_BUNDLE=set; eval "$(cat)"; printf '%s|%s|%s' "$NODE_EXTRA_CA_CERTS" "$DENO_CERT" "\${REQUESTS_CA_BUNDLE-unset}"`;
    const r = await run("sh", ["-c", script], { input: formatEnv(env, "sh") });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "/tmp/it's a $HOME `dir`/ca.pem|/x/ca.pem|unset");
    assert.match(formatEnv(env, "fish"), /^set -e REQUESTS_CA_BUNDLE$/m);
    assert.match(formatEnv(env, "powershell"), /^\$env:DENO_CERT = '\/x\/ca\.pem'/m);
  });

  it("the record: round trip, damage refused", () => {
    const store = {
      id: "nss:/h/.pki/nssdb",
      kind: "nss" as const,
      name: "Chromium",
      location: "/h/.pki/nssdb",
      clients: "Chromium",
    };
    const changes = recordAdded([], trustCa.sha256, [
      outcome(store, "added", "added", { entries: [trustCa.label], createdDatabase: true }),
      outcome(store, "already-trusted", "already"),
    ]);
    assert.equal(changes.length, 1);
    assert.equal(changes[0].createdDatabase, true);
    const text = JSON.stringify({ version: 1, changes, untrusted: [] });
    assert.deepEqual(parseRecord(text), { changes, untrusted: [] });
    assert.equal(parseRecord(JSON.stringify({ version: 2, changes })), null);
    assert.equal(parseRecord(JSON.stringify({ version: 1, changes: [{ ca: 1 }] })), null);
    assert.equal(parseRecord("not json"), null);
  });

  it("expiry: warns within 30 days and after, not before", () => {
    const now = new Date("2030-06-01T00:00:00Z");
    assert.equal(expiryWarning("ca.pem", new Date("2030-07-02T00:00:00Z"), now), null);
    assert.equal(
      expiryWarning("ca.pem", new Date("2030-07-01T00:00:00Z"), now),
      "ca.pem expires in 30 days (2030-07-01).",
    );
    assert.equal(
      expiryWarning("ca.pem", new Date("2030-06-01T12:00:00Z"), now),
      "ca.pem expires in 1 day (2030-06-01).",
    );
    assert.equal(
      expiryWarning("ca.pem", new Date("2030-05-01T00:00:00Z"), now),
      "ca.pem expired on 2030-05-01.",
    );
  });

  it("the doctor recognises each client's words for a refused certificate", () => {
    const refusals = [
      "curl: (60) SSL certificate problem: unable to get local issuer certificate",
      "verify error:num=20:unable to get local issuer certificate",
      "SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain",
      "error sending request for url (https://127.0.0.1:1/): client error (Connect): invalid peer certificate: UnknownIssuer",
      "<urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:1006)>",
      "javax.net.ssl.SSLHandshakeException: PKIX path building failed",
      "[1:1:1203/105445.973476:ERROR:headless_command_handler.cc:403] Page load failed: net::ERR_CERT_AUTHORITY_INVALID",
      "  ERROR -8179: Peer's Certificate issuer is not recognized.",
      "UNSUPPORTED_CONSTRAINT_TYPE: unsupported name constraint type",
    ];
    for (const line of refusals) assert.ok(certificateError(`noise\n${line}\n`), line);
    assert.equal(
      certificateError(
        "[1:1:1203/1.1:ERROR:x.cc:1] Page load failed: net::ERR_CERT_AUTHORITY_INVALID",
      ),
      "Page load failed: net::ERR_CERT_AUTHORITY_INVALID",
    );
    for (
      const line of ["connect ECONNREFUSED 127.0.0.1:1", "Could not resolve host", "timed out"]
    ) {
      assert.equal(certificateError(line), null, line);
    }
  });
});
