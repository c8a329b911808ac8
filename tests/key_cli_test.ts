import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFile, stat } from "node:fs/promises";
import {
  cliCommand,
  fileMode,
  openssl,
  opensslPkcs12,
  run,
  type RunResult,
  suiteTempDir,
  writeFiles,
} from "./helpers.ts";
import { adhocCert } from "../src/ca/adhoc.ts";

const dir = suiteTempDir();

function tlsmith(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const { cmd, args: pre } = cliCommand();
  // No TLSMITH_PASSPHRASE from the outer environment unless a test sets it.
  return run(cmd, [...pre, ...args], {
    env: { TLSMITH_PASSPHRASE: "", ...env },
    timeoutMs: 60_000,
  });
}

const p = (name: string) => join(dir.path, name);

function ok(r: RunResult): void {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

describe("tlsmith key", () => {
  for (const type of ["ec", "ec-p384", "rsa", "ed25519"]) {
    it(`generate --type ${type}: PKCS#8, mode 0600, openssl reads it`, async () => {
      const out = p(`gen-${type}.pem`);
      const r = await tlsmith(["key", "generate", "--type", type, "--out", out]);
      ok(r);
      assert.equal(await fileMode(out), 0o600);
      const text = await readFile(out, "utf8");
      assert.match(text, /^-----BEGIN PRIVATE KEY-----\n/);
      await openssl(["pkey", "-in", out, "-noout"]);
    });
  }

  it("generate --encrypt with --passphrase-file / TLSMITH_PASSPHRASE; openssl decrypts", async () => {
    const files = await writeFiles(dir.path, {
      "pass.txt": "from a file\r\nsecond line ignored\n",
    });
    const a = p("enc-file.pem");
    ok(
      await tlsmith([
        "key",
        "generate",
        "--encrypt",
        "--passphrase-file",
        files["pass.txt"],
        "--iterations",
        "1000",
        "--out",
        a,
      ]),
    );
    assert.equal(await fileMode(a), 0o600);
    assert.match(await readFile(a, "utf8"), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    await openssl(["pkey", "-in", a, "-passin", "pass:from a file", "-noout"]);
    const b = p("enc-env.pem");
    ok(
      await tlsmith(["key", "generate", "--type", "rsa", "--encrypt", "--out", b], {
        TLSMITH_PASSPHRASE: "from env",
      }),
    );
    await openssl(["pkey", "-in", b, "-passin", "pass:from env", "-noout"]);
    // The default is 600000 iterations.
    const parsed = await openssl(["asn1parse", "-in", b]);
    assert.match(parsed, /INTEGER\s+:0927C0/);
  });

  it("never overwrites a key without --force, and the content stays intact", async () => {
    const out = p("keep.pem");
    ok(await tlsmith(["key", "generate", "--out", out]));
    const before = await readFile(out, "utf8");
    const again = await tlsmith(["key", "generate", "--out", out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /keep\.pem already exists.*--force/);
    assert.equal(await readFile(out, "utf8"), before);
    // encrypt in place needs --force too.
    const inPlace = await tlsmith(["key", "encrypt", out], { TLSMITH_PASSPHRASE: "pw12" });
    assert.equal(inPlace.code, 1);
    assert.match(inPlace.stderr, /--force/);
    assert.equal(await readFile(out, "utf8"), before);
    // A certificate kept in the same file is never dropped by encrypting in place.
    const combined = p("combined.pem");
    const adhoc = await adhocCert();
    await writeFiles(dir.path, { "combined.pem": adhoc.cert + adhoc.key });
    const drop = await tlsmith(["key", "encrypt", combined, "--force"], {
      TLSMITH_PASSPHRASE: "pw12",
    });
    assert.equal(drop.code, 1);
    assert.match(drop.stderr, /also holds CERTIFICATE/);
    assert.equal(await readFile(combined, "utf8"), adhoc.cert + adhoc.key);
    // --force replaces.
    ok(await tlsmith(["key", "generate", "--out", out, "--force"]));
    assert.notEqual(await readFile(out, "utf8"), before);
    assert.equal(await fileMode(out), 0o600);
  });

  it("encrypt, decrypt and convert round-trip with the same public key", async () => {
    const plain = p("rt-plain.pem");
    await openssl(["genrsa", "-traditional", "-out", plain, "2048"]);
    const pub = await openssl(["pkey", "-in", plain, "-pubout"]);
    const env = { TLSMITH_PASSPHRASE: "round trip" };
    const enc = p("rt-enc.pem");
    ok(await tlsmith(["key", "encrypt", plain, "--out", enc, "--iterations", "1000"], env));
    assert.equal(await fileMode(enc), 0o600);
    assert.equal(
      await openssl(["pkey", "-in", enc, "-passin", "pass:round trip", "-pubout"]),
      pub,
    );
    // decrypt needs an explicit --out.
    const noOut = await tlsmith(["key", "decrypt", enc], env);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /--out/);
    const dec = p("rt-dec.pem");
    ok(await tlsmith(["key", "decrypt", enc, "--out", dec], env));
    assert.equal(await fileMode(dec), 0o600);
    assert.match(await readFile(dec, "utf8"), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(await openssl(["pkey", "-in", dec, "-pubout"]), pub);
    // Wrong pass phrase: exit 1, nothing written.
    const wrong = await tlsmith(["key", "decrypt", enc, "--out", p("rt-wrong.pem")], {
      TLSMITH_PASSPHRASE: "not it",
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong pass phrase/);
    await assert.rejects(stat(p("rt-wrong.pem")));
    // convert: PKCS#1 → PKCS#8 (plain stays plain).
    const conv = p("rt-conv.pem");
    ok(await tlsmith(["key", "convert", plain, "--out", conv]));
    assert.match(await readFile(conv, "utf8"), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(await openssl(["pkey", "-in", conv, "-pubout"]), pub);
  });

  it("convert re-encrypts a legacy encrypted key under the same pass phrase", async () => {
    const legacy = p("legacy.pem");
    await openssl(["ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", p("lg.pem")]);
    await openssl([
      "ec",
      "-in",
      p("lg.pem"),
      "-aes256",
      "-passout",
      "pass:legacy pw",
      "-out",
      legacy,
    ]);
    const out = p("legacy-p8.pem");
    ok(
      await tlsmith(["key", "convert", legacy, "--out", out, "--iterations", "1000"], {
        TLSMITH_PASSPHRASE: "legacy pw",
      }),
    );
    assert.match(await readFile(out, "utf8"), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    assert.equal(
      await openssl(["pkey", "-in", out, "-passin", "pass:legacy pw", "-pubout"]),
      await openssl(["pkey", "-in", p("lg.pem"), "-pubout"]),
    );
  });

  it("without a terminal or pass phrase: PASSPHRASE_REQUIRED says how to give one", async () => {
    const enc = p("need.pem");
    ok(
      await tlsmith(["key", "generate", "--encrypt", "--iterations", "1000", "--out", enc], {
        TLSMITH_PASSPHRASE: "x1234",
      }),
    );
    const r = await tlsmith(["key", "decrypt", enc, "--out", p("need-plain.pem")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pass phrase is needed/);
    assert.match(r.stderr, /--passphrase-file FILE/);
    assert.match(r.stderr, /TLSMITH_PASSPHRASE/);
    assert.match(r.stderr, /prompt/);
  });

  it("a certificate where a key is expected: decrypt says so, not 'not encrypted'", async () => {
    const { cert } = await adhocCert();
    const files = await writeFiles(dir.path, { "not-a-key.pem": cert });
    const r = await tlsmith(["key", "decrypt", files["not-a-key.pem"], "--out", p("nk.pem")]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^tlsmith: .*not-a-key\.pem: expected a private key but found a certificate/,
    );
    assert.doesNotMatch(r.stderr, /not encrypted/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    await assert.rejects(stat(p("nk.pem")));
  });

  it("--out - or into a missing directory: refused before any pass phrase is asked", async () => {
    const dash = await tlsmith(["key", "generate", "--out", "-"]);
    assert.equal(dash.code, 2, dash.stderr);
    assert.match(dash.stderr, /^tlsmith: "-" is not a file name here: private keys .* files only/);
    assert.equal(dash.stdout, "", "no key on standard output");
    // No TLSMITH_PASSPHRASE and no terminal: the directory is the error, not the pass phrase.
    const noDir = await tlsmith(["key", "generate", "--encrypt", "--out", p("nd2/k.pem")]);
    assert.equal(noDir.code, 1);
    assert.match(noDir.stderr, /^tlsmith: \S*nd2\/k\.pem: the directory \S*nd2 does not exist/);
    const isDir = await tlsmith(["key", "generate", "--out", dir.path, "--force"]);
    assert.equal(isDir.code, 1);
    assert.match(isDir.stderr, /is a directory; nothing was written/);
  });

  it("usage mistakes exit 2", async () => {
    for (
      const args of [
        ["key"],
        ["key", "frobnicate"],
        ["key", "generate"],
        ["key", "generate", "--out", p("u.pem"), "--type", "dsa"],
        ["key", "encrypt"],
        ["key", "decrypt", "a.pem", "b.pem", "--out", "c.pem"],
        ["key", "convert", "a.pem", "--encrypt", "--out", "c.pem"],
        ["key", "generate", "--out", p("u.pem"), "--iterations", "lots"],
      ]
    ) {
      const r = await tlsmith(args);
      assert.ok(
        r.code === 2 || (args.includes("dsa") && r.code === 1),
        `${args}: ${r.code} ${r.stderr}`,
      );
      assert.match(r.stderr, /^tlsmith: /);
    }
  });
});

describe("tlsmith p12", () => {
  it("export → openssl reads it; import writes cert + chain and a 0600 key", async () => {
    const leaf = await adhocCert();
    const ca = await adhocCert({ hosts: ["ca.test"] });
    const files = await writeFiles(dir.path, {
      "p12-cert.pem": leaf.cert,
      "p12-key.pem": leaf.key,
      "p12-ca.pem": ca.cert,
      "p12-pass": "p12 secret\n",
    });
    const out = p("bundle.p12");
    /** `tlsmith p12 export` of the leaf and its key into `out`, with `extra` options. */
    const p12Export = (extra: string[]) =>
      tlsmith([
        "p12",
        "export",
        "--cert",
        files["p12-cert.pem"],
        "--key",
        files["p12-key.pem"],
        "--out",
        out,
        "--passphrase-file",
        files["p12-pass"],
        ...extra,
      ]);
    ok(
      await p12Export([
        "--chain",
        files["p12-ca.pem"],
        "--name",
        "my dev cert",
        "--iterations",
        "2048",
      ]),
    );
    const info = await run("openssl", [
      "pkcs12",
      "-info",
      "-nodes",
      "-passin",
      "pass:p12 secret",
      "-in",
      out,
    ]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /friendlyName: my dev cert/);
    // No overwrite.
    const again = await p12Export([]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);

    const outCert = p("imported-cert.pem");
    const outKey = p("imported-key.pem");
    ok(
      await tlsmith(["p12", "import", out, "--out-cert", outCert, "--out-key", outKey], {
        TLSMITH_PASSPHRASE: "p12 secret",
      }),
    );
    assert.equal(await readFile(outCert, "utf8"), leaf.cert + ca.cert);
    assert.equal(await fileMode(outKey), 0o600);
    assert.equal(
      await openssl(["pkey", "-in", outKey, "-pubout"]),
      await openssl(["pkey", "-in", files["p12-key.pem"], "-pubout"]),
    );
    // Not a .p12: said before any pass phrase is needed (none is given here).
    for (const notP12 of [files["p12-cert.pem"], outCert]) {
      const r = await tlsmith([
        "p12",
        "import",
        notP12,
        "--out-cert",
        p("n1.pem"),
        "--out-key",
        p("n2.pem"),
      ]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^tlsmith: \S+ is not a PKCS#12 \(\.p12\/\.pfx\) file but PEM text/);
      assert.doesNotMatch(r.stderr, /pass phrase/);
    }
    // One output in a missing directory: neither file is written.
    const noDir = await tlsmith(
      ["p12", "import", out, "--out-cert", p("nd-cert.pem"), "--out-key", p("nd/key.pem")],
      { TLSMITH_PASSPHRASE: "p12 secret" },
    );
    assert.equal(noDir.code, 1);
    assert.match(noDir.stderr, /^tlsmith: \S*nd\/key\.pem: the directory \S*nd does not exist/);
    await assert.rejects(stat(p("nd-cert.pem")));
    const wrong = await tlsmith(
      ["p12", "import", out, "--out-cert", p("w1.pem"), "--out-key", p("w2.pem")],
      { TLSMITH_PASSPHRASE: "nope" },
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong pass phrase/);
  });

  it("export: a key for another certificate, or a key as --cert, names the files; nothing written", async () => {
    const a = await adhocCert();
    const b = await adhocCert();
    const files = await writeFiles(dir.path, {
      "mm-cert.pem": a.cert,
      "mm-key.pem": b.key,
      "mm-pass": "p12 secret\n",
    });
    const out = p("mm.p12");
    const exportOf = (cert: string, key: string) =>
      tlsmith([
        "p12",
        "export",
        "--cert",
        cert,
        "--key",
        key,
        "--out",
        out,
        "--passphrase-file",
        files["mm-pass"],
      ]);
    const mismatch = await exportOf(files["mm-cert.pem"], files["mm-key.pem"]);
    assert.equal(mismatch.code, 1);
    assert.match(
      mismatch.stderr,
      /^tlsmith: \S*mm-key\.pem is not the private key of the certificate in \S*mm-cert\.pem/,
    );
    const swapped = await exportOf(files["mm-key.pem"], files["mm-key.pem"]);
    assert.equal(swapped.code, 1);
    assert.match(
      swapped.stderr,
      /^tlsmith: \S*mm-key\.pem: expected a CERTIFICATE but found PRIVATE KEY/,
    );
    const badChain = await tlsmith([
      "p12",
      "export",
      "--cert",
      files["mm-cert.pem"],
      "--key",
      files["mm-key.pem"],
      "--chain",
      files["mm-key.pem"],
      "--out",
      out,
      "--passphrase-file",
      files["mm-pass"],
    ]);
    assert.equal(badChain.code, 1);
    assert.match(badChain.stderr, /^tlsmith: \S*mm-key\.pem: expected CA certificates/);
    for (const r of [mismatch, swapped, badChain]) {
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    await assert.rejects(stat(out));
  });

  it("imports OpenSSL's .p12 with --encrypt", async () => {
    const leaf = await adhocCert({ keyType: "rsa" });
    const files = await writeFiles(dir.path, { "o-cert.pem": leaf.cert, "o-key.pem": leaf.key });
    const p12 = p("openssl.p12");
    await openssl([
      "pkcs12",
      "-export",
      "-in",
      files["o-cert.pem"],
      "-inkey",
      files["o-key.pem"],
      "-passout",
      "pass:ossl",
      "-out",
      p12,
    ]);
    const outKey = p("o-imported-key.pem");
    ok(
      await tlsmith(
        [
          "p12",
          "import",
          p12,
          "--out-cert",
          p("o-imported.pem"),
          "--out-key",
          outKey,
          "--encrypt",
          "--iterations",
          "1000",
        ],
        { TLSMITH_PASSPHRASE: "ossl" },
      ),
    );
    assert.match(await readFile(outKey, "utf8"), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    await openssl(["pkey", "-in", outKey, "-passin", "pass:ossl", "-noout"]);
  });

  it("imports a password-less .p12 without asking for a pass phrase", async () => {
    const leaf = await adhocCert();
    const files = await writeFiles(dir.path, { "np.crt": leaf.cert, "np.key": leaf.key });
    const file = p("nopass.p12");
    await opensslPkcs12(files["np.crt"], files["np.key"], file, "");
    const outKey = p("np-out.key");
    ok(await tlsmith(["p12", "import", file, "--out-cert", p("np-out.crt"), "--out-key", outKey]));
    assert.equal(await readFile(p("np-out.crt"), "utf8"), leaf.cert);
    assert.equal(
      await openssl(["pkey", "-in", outKey, "-pubout"]),
      await openssl(["pkey", "-in", files["np.key"], "-pubout"]),
    );
  });
});

describe("tlsmith key with DER files", () => {
  it("convert reads a DER key (PKCS#1 and encrypted PKCS#8) and writes PKCS#8 PEM", async () => {
    const pem = p("der-src.pem");
    await openssl(["genrsa", "-traditional", "-out", pem, "2048"]);
    const der = p("der-src.der");
    await openssl(["rsa", "-in", pem, "-outform", "DER", "-out", der]);
    const out = p("der-out.pem");
    ok(await tlsmith(["key", "convert", der, "--out", out]));
    assert.match(await readFile(out, "utf8"), /^-----BEGIN PRIVATE KEY-----/);
    const pub = await openssl(["pkey", "-in", pem, "-pubout"]);
    assert.equal(await openssl(["pkey", "-in", out, "-pubout"]), pub);
    const enc = p("der-enc.der");
    await openssl([
      "pkcs8",
      "-topk8",
      "-v2",
      "aes-256-cbc",
      "-in",
      pem,
      "-outform",
      "DER",
      "-passout",
      "pass:derpw",
      "-out",
      enc,
    ]);
    const dec = p("der-dec.pem");
    ok(await tlsmith(["key", "decrypt", enc, "--out", dec], { TLSMITH_PASSPHRASE: "derpw" }));
    assert.equal(await openssl(["pkey", "-in", dec, "-pubout"]), pub);
  });
});
