import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { COMMANDS } from "../src/cli/main.ts";
import { parseCommandArgs, parsePort } from "../src/cli/args.ts";
import { ExitCode, reportError } from "../src/cli/output.ts";
import { TlsmithError } from "../src/errors.ts";
import { VERSION } from "../src/_internal/version.ts";
import { adhocCert } from "../src/ca/adhoc.ts";
import {
  cliCommand,
  openssl,
  opensslCert,
  opensslEcKey,
  run,
  type RunResult,
  tempDir,
  withTempDir,
  writeFiles,
} from "./helpers.ts";

/** Run the real CLI with args (bounded). */
function cli(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const { cmd, args: pre } = cliCommand();
  return run(cmd, [...pre, ...args], { timeoutMs: 60_000, env });
}

/** No stack trace lines in the output. */
function assertNoStack(text: string): void {
  assert.ok(!/^\s+at\s/m.test(text), `unexpected stack trace:\n${text}`);
}

/** A usage error: exit 2, `tlsmith: <message>` and the usage hint, no stack. */
function assertUsage(r: RunResult, message: RegExp, command = "serve"): void {
  assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
  assert.match(r.stderr, /^tlsmith: /);
  assert.match(r.stderr, message);
  assert.ok(r.stderr.includes(`Run "tlsmith ${command} --help" for usage.`), r.stderr);
  assertNoStack(r.stderr);
}

/** The version in deno.json (source tree, or three levels up from the compiled tests). */
async function denoJsonVersion(): Promise<string> {
  for (const rel of ["../deno.json", "../../../deno.json"]) {
    try {
      const text = await readFile(new URL(rel, import.meta.url), "utf8");
      return JSON.parse(text).version;
    } catch {
      // try the next place
    }
  }
  throw new Error("deno.json not found");
}

describe("cli: help and version", () => {
  it("--help lists every command and exits 0", async () => {
    const r = await cli(["--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^tlsmith \d+\.\d+\.\d+/);
    for (const c of COMMANDS) assert.ok(r.stdout.includes(`  ${c.name} `), c.name);
    assert.equal(r.stderr, "");
  });

  it("--version and -V print the version, equal to deno.json's", async () => {
    assert.equal(VERSION, await denoJsonVersion());
    for (const flag of ["--version", "-V"]) {
      const r = await cli([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `tlsmith ${VERSION}\n`);
    }
  });

  it("<command> --help, -h and help <command> work for every command", async () => {
    for (const c of COMMANDS) {
      for (const args of [[c.name, "--help"], [c.name, "-h"], ["help", c.name]]) {
        const r = await cli(args);
        assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^Usage: tlsmith ${c.name}\\b`), args.join(" "));
        assert.equal(r.stderr, "", args.join(" "));
      }
    }
  });

  it("serve --help names every --cert choice, and --passphrase-file for a local CA key", async () => {
    const r = await cli(["serve", "--help"]);
    assert.match(r.stdout, /--cert adhoc\|local\|FILE\n/);
    for (const choice of ["adhoc (default):", "local:", "FILE:"]) {
      assert.ok(r.stdout.includes(choice), choice);
    }
    assert.match(
      r.stdout,
      /--passphrase-file FILE\n.*encrypted --key, or with --cert local\n.*CA key/,
    );
  });

  it("no command: help on stderr, exit 2", async () => {
    const r = await cli([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Usage: tlsmith <command>/);
    assert.equal(r.stdout, "");
  });

  it("unknown command or top-level option: exit 2 with a hint, no stack", async () => {
    let r = await cli(["sevre"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /tlsmith: unknown command "sevre"\. Did you mean "serve"\?/);
    assert.ok(r.stderr.includes('Run "tlsmith --help" for usage.'));
    assertNoStack(r.stderr);
    r = await cli(["frobnicate"]);
    assert.equal(r.code, 2);
    assert.ok(!r.stderr.includes("Did you mean"));
    r = await cli(["--port", "1"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option --port/);
    r = await cli(["help", "nope"]);
    assert.equal(r.code, 2);
  });
});

describe("cli: serve usage errors (exit 2)", () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await tmp.cleanup();
  });

  it("unknown flags, missing values, values for booleans", async () => {
    assertUsage(await cli(["serve", "--bogus"]), /unknown option --bogus/);
    assertUsage(await cli(["serve", "--port"]), /option --port needs a value/);
    assertUsage(await cli(["serve", "--port", "--host", "x"]), /option --port needs a value/);
    assertUsage(await cli(["serve", "--cert"]), /option --cert needs a value/);
    assertUsage(await cli(["serve", "--quiet=yes"]), /option --quiet does not take a value/);
    assertUsage(await cli(["serve", "a", "b"]), /too many arguments/);
  });

  it("a pass phrase on the command line is refused, says where it goes, and is never echoed", async () => {
    for (
      const args of [
        ["serve", "--cert", "c.pem", "--key", "k.pem", "--passphrase", "hunter2-secret"],
        ["key", "decrypt", "k.pem", "--out", "x.pem", "--passphrase=hunter2-secret"],
        ["cert", "localhost", "--password", "hunter2-secret"],
        ["p12", "import", "a.p12", "-passin", "pass:hunter2-secret"],
      ]
    ) {
      const r = await cli(args);
      const option = args.find((a) => /^-+pass/.test(a))!.split("=")[0];
      assertUsage(
        r,
        new RegExp(
          `^tlsmith: ${option}: pass phrases are never taken on the command line .*` +
            "--passphrase-file FILE, the TLSMITH_PASSPHRASE environment variable, or type it",
        ),
        args[0],
      );
      assert.ok(!(r.stdout + r.stderr).includes("hunter2"), r.stderr);
    }
  });

  it("bad ports", async () => {
    for (const port of ["70000", "65536", "abc", "-1", "1.5", "", "0x10"]) {
      assertUsage(
        await cli(["serve", `--port=${port}`]),
        /--port must be a whole number from 0 to 65535/,
      );
    }
  });

  it("--key without --cert FILE, --cert FILE without --key (as Flask)", async () => {
    assertUsage(await cli(["serve", "--key", "k.pem"]), /"--key" is used only with "--cert FILE"/);
    assertUsage(
      await cli(["serve", "--cert=adhoc", "--key", "k.pem"]),
      /when "--cert" is "adhoc", "--key" is not used/,
    );
    assertUsage(
      await cli(["serve", "--cert", "c.pem"]),
      /"--key FILE" is required with "--cert c.pem"/,
    );
  });

  it("--save-cert only with adhoc, --force only with --save-cert, one directory", async () => {
    assertUsage(
      await cli(["serve", "--cert", "c.pem", "--key", "k.pem", "--save-cert", "x.pem"]),
      /"--save-cert" is only for "--cert adhoc"/,
    );
    assertUsage(
      await cli(["serve", "--cert", "local", "--save-cert", "x.pem"]),
      /"--save-cert" is only for "--cert adhoc"; with "--cert local" clients trust the local CA/,
    );
    assertUsage(await cli(["serve", "--force"]), /"--force" only applies to "--save-cert FILE"/);
    assertUsage(await cli(["serve", "--dir", tmp.path, tmp.path]), /give the directory once/);
    assertUsage(await cli(["serve", "--host", ""]), /"--host" is the address to listen on/);
    assertUsage(await cli(["serve", "--port", "0", "--save-cert", "-"]), /"-" is not a file name/);
  });
});

describe("cli: serve failures (exit 1) name the file and never start", () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let files: Record<string, string>;
  before(async () => {
    tmp = await tempDir();
    const certA = join(tmp.path, "a.pem");
    const keyA = join(tmp.path, "a-key.pem");
    const keyB = join(tmp.path, "b-key.pem");
    await opensslCert({ key: keyA, cert: certA, addext: ["subjectAltName=DNS:localhost"] });
    await opensslEcKey(keyB);
    const encrypted = join(tmp.path, "enc-key.pem");
    await openssl([
      "pkcs8",
      "-topk8",
      "-in",
      keyA,
      "-out",
      encrypted,
      "-passout",
      "pass:secret-pw",
      "-v2",
      "aes-256-cbc",
    ]);
    files = {
      certA,
      keyA,
      keyB,
      encrypted,
      ...(await writeFiles(tmp.path, { "existing.pem": "keep me\n", "plain.txt": "not a cert\n" })),
    };
  });
  after(async () => {
    await tmp.cleanup();
  });

  /** `tlsmith serve --port 0 --dir <tmp> --cert CERT --key KEY`. */
  function serveCertKey(cert: string, key: string): Promise<RunResult> {
    return cli(["serve", "--port", "0", "--dir", tmp.path, "--cert", cert, "--key", key]);
  }

  function assertFailure(r: RunResult, message: RegExp): void {
    assert.equal(r.code, 1, `exit code; stderr:\n${r.stderr}`);
    assert.match(r.stderr, /^tlsmith: /);
    assert.match(r.stderr, message);
    assert.ok(!r.stderr.includes("--help"), "no usage hint for a non-usage error");
    assert.ok(!r.stdout.includes("https://"), "must not have started serving");
    assertNoStack(r.stderr);
  }

  it("a missing directory or a file given as directory", async () => {
    const missing = join(tmp.path, "no-such-dir");
    assertFailure(
      await cli(["serve", "--port", "0", missing]),
      new RegExp(`${missing}: no such directory`),
    );
    assertFailure(
      await cli(["serve", "--port", "0", "--dir", files["plain.txt"]]),
      /is not a directory/,
    );
  });

  it("missing certificate or key files are named", async () => {
    const missing = join(tmp.path, "missing-cert.pem");
    assertFailure(await serveCertKey(missing, files.keyA), /missing-cert\.pem/);
    assertFailure(await serveCertKey(files.certA, missing), /missing-cert\.pem/);
  });

  it("a non-certificate, a key that does not match, an encrypted key", async () => {
    assertFailure(await serveCertKey(files["plain.txt"], files.keyA), /plain\.txt/);
    assertFailure(
      await serveCertKey(files.certA, files.keyB),
      /b-key\.pem is not the private key of the certificate in .*a\.pem/,
    );
    // No pass phrase available (no TTY, no TLSMITH_PASSPHRASE): a clear error naming the key file.
    assertFailure(await serveCertKey(files.certA, files.encrypted), /enc-key\.pem.*pass ?phrase/i);
  });

  it("a key or a CSR given as the certificate says what it is and what to do", async () => {
    const csr = join(tmp.path, "a.csr");
    await openssl(["req", "-new", "-key", files.keyA, "-subj", "/CN=localhost", "-out", csr]);
    const r = await serveCertKey(csr, files.keyA);
    assertFailure(r, /a\.csr: not an X\.509 certificate\. .*CSR.*`tlsmith sign CSR`/);
    assert.doesNotMatch(r.stderr, /ca sign/, "there is no `tlsmith ca sign`");
    assertFailure(
      await serveCertKey(files.keyA, files.keyA),
      /a-key\.pem: not an X\.509 certificate\. This is a private key; pass the certificate/,
    );
  });

  it("--save-cert refuses to overwrite an existing file without --force", async () => {
    const r = await cli([
      "serve",
      "--port",
      "0",
      "--dir",
      tmp.path,
      "--save-cert",
      files["existing.pem"],
    ]);
    assertFailure(r, /existing\.pem already exists.*--force/);
    assert.equal(await readFile(files["existing.pem"], "utf8"), "keep me\n");
  });
});

describe("cli: argument helpers and error output", () => {
  it("parseCommandArgs turns parseArgs errors into BAD_USAGE", () => {
    const spec = { port: { type: "string" }, force: { type: "boolean" } } as const;
    const ok = parseCommandArgs(["--port=1", "x"], spec, { max: 1 });
    assert.equal(ok.values.port, "1");
    assert.deepEqual(ok.positionals, ["x"]);
    assert.deepEqual(parseCommandArgs(["--", "--port"], spec, { max: 1 }).positionals, ["--port"]);
    for (const args of [["--nope"], ["--port"], ["--force=1"], ["x"], ["-z"]]) {
      assert.throws(
        () => parseCommandArgs(args, spec),
        (e) => e instanceof TlsmithError && e.code === "BAD_USAGE",
        args.join(" "),
      );
    }
    assert.throws(() => parseCommandArgs([], spec, { min: 1, name: "FILE" }), /missing FILE/);
  });

  it("parsePort accepts 0–65535 only", () => {
    assert.equal(parsePort("0"), 0);
    assert.equal(parsePort("65535"), 65535);
    for (const bad of ["65536", "-1", "", "1e3", " ", "12a"]) {
      assert.throws(
        () => parsePort(bad),
        (e) => e instanceof TlsmithError && e.code === "BAD_USAGE",
      );
    }
  });

  it("reportError: usage → 2 with hint, TlsmithError → 1, bugs → hint, stack only in debug", () => {
    const lines: string[] = [];
    const print = (t: string) => lines.push(t);
    assert.equal(
      reportError(print, new TlsmithError("BAD_USAGE", "bad flag"), { command: "serve" }),
      ExitCode.Usage,
    );
    assert.deepEqual(lines, ["tlsmith: bad flag", 'Run "tlsmith serve --help" for usage.']);

    lines.length = 0;
    assert.equal(
      reportError(print, new TlsmithError("FILE_NOT_FOUND", "x.pem: not found")),
      ExitCode.Error,
    );
    assert.deepEqual(lines, ["tlsmith: x.pem: not found"]);

    lines.length = 0;
    assert.equal(reportError(print, new TypeError("boom")), ExitCode.Error);
    assert.equal(lines[0], "tlsmith: unexpected error: TypeError: boom");
    assert.match(lines[1], /This is a bug in tlsmith.*TLSMITH_DEBUG=1/);
    assertNoStack(lines.join("\n"));

    lines.length = 0;
    reportError(print, new TypeError("boom"), { debug: true });
    assert.match(lines.join("\n"), /^\s+at\s/m);
  });

  it("reportError: a closed standard output (`| head`) is silent, exit 1, not a 'bug'", () => {
    const lines: string[] = [];
    const print = (t: string) => lines.push(t);
    const denoPipe = Object.assign(new Error("Broken pipe (os error 32)"), { name: "BrokenPipe" });
    const nodePipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    for (const err of [denoPipe, nodePipe]) {
      assert.equal(reportError(print, err), ExitCode.Error);
    }
    assert.deepEqual(lines, []);
  });

  it("inspect piped into a reader that closes early prints no error", async () => {
    await withTempDir(async (path) => {
      const { cert } = await adhocCert();
      const files = await writeFiles(path, { "c.pem": cert.repeat(200) });
      const { cmd, args } = cliCommand();
      const quoted = [cmd, ...args, "inspect", files["c.pem"]].map((a) => `'${a}'`).join(" ");
      const r = await run("sh", ["-c", `${quoted} | head -c 10 >/dev/null`], {
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /unexpected error|bug/);
    });
  });
});
