import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFile, stat } from "node:fs/promises";
import {
  confirmPromptFor,
  obtainPassphrase,
  promptFor,
  readPassphrase,
  withPassphrase,
} from "../src/cli/passphrase.ts";
import { SecretLine } from "../src/serve/runtime/common.ts";
import { encryptPrivateKey, exportPrivateKey, importPrivateKey } from "../src/keys/formats.ts";
import { generateKeyPair } from "../src/keys/keys.ts";
import { serve } from "../src/serve/serve.ts";
import { adhocCert } from "../src/ca/adhoc.ts";
import { TlsmithError } from "../src/errors.ts";
import type { Runtime } from "../src/serve/runtime/types.ts";
import {
  cliCommand,
  errorOf,
  have,
  onTerminal,
  openssl,
  opensslCert,
  rejectsWith,
  run,
  shellQuote,
  tempDir,
  type TerminalStep,
  writeFiles,
} from "./helpers.ts";

/** A Runtime with just what passphrase.ts uses: env, files, a scripted terminal. */
function fakeRuntime(opts: {
  env?: Record<string, string>;
  files?: Record<string, string>;
  tty?: boolean;
  answers?: string[];
}) {
  const prompts: string[] = [];
  const errors: string[] = [];
  const answers = [...(opts.answers ?? [])];
  const rt = {
    env: (name: string) => opts.env?.[name],
    unsetEnv: (name: string) => {
      if (opts.env) delete opts.env[name];
    },
    readTextFile: (path: string) => {
      const text = opts.files?.[path];
      if (text === undefined) {
        return Promise.reject(new TlsmithError("FILE_NOT_FOUND", `${path}: no such file`));
      }
      return Promise.resolve(text);
    },
    stdinIsTerminal: () => opts.tty === true,
    promptSecret: (prompt: string) => {
      prompts.push(prompt);
      if (!opts.tty) return Promise.resolve(null);
      return Promise.resolve(answers.shift() ?? null);
    },
    printError: (text: string) => errors.push(text),
  } as unknown as Runtime;
  return { rt, prompts, errors };
}

describe("the secret line editor", () => {
  const feed = (line: SecretLine, text: string) =>
    Array.from(new TextEncoder().encode(text), (b) => line.feed(b)).filter((e) => e !== null);

  it("Enter ends the line; Ctrl-D cancels (nothing entered); Ctrl-C interrupts", () => {
    const line = new SecretLine();
    assert.deepEqual(feed(line, "secret\r"), ["enter"]);
    assert.equal(line.take(), "secret");
    assert.deepEqual(feed(line, "half typed\x04"), ["cancel"]);
    assert.equal(line.take(), "", "what was typed before Ctrl-D is dropped");
    assert.deepEqual(feed(line, "\x03"), ["interrupt"]);
  });
});

describe("obtainPassphrase", () => {
  it("prefers --passphrase-file (first line) over TLSMITH_PASSPHRASE over the prompt", async () => {
    const f = fakeRuntime({
      env: { TLSMITH_PASSPHRASE: "env" },
      files: { "pw.txt": "file pass\r\nignored\n" },
      tty: true,
      answers: ["typed"],
    });
    assert.deepEqual(
      await readPassphrase(f.rt, { passphraseFile: "pw.txt", purpose: "to test" }),
      { passphrase: "file pass", source: "file" },
    );
    assert.deepEqual(await readPassphrase(f.rt, { purpose: "to test" }), {
      passphrase: "env",
      source: "env",
    });
    const g = fakeRuntime({ env: { TLSMITH_PASSPHRASE: "" }, tty: true, answers: ["typed"] });
    assert.equal(await obtainPassphrase(g.rt, { purpose: "to test" }), "typed");
    assert.deepEqual(g.prompts, ["Enter pass phrase to test:"]);
  });

  it("takes TLSMITH_PASSPHRASE out of the environment once read, and keeps it for the run", async () => {
    const env: Record<string, string> = { TLSMITH_PASSPHRASE: "from env", OTHER: "kept" };
    const f = fakeRuntime({ env });
    assert.equal(await obtainPassphrase(f.rt, { purpose: "to decrypt a.pem" }), "from env");
    assert.deepEqual(env, { OTHER: "kept" }); // children no longer inherit it
    // A second pass phrase in the same run (a .p12 and its key) still gets it.
    assert.equal(await obtainPassphrase(f.rt, { purpose: "to open b.p12" }), "from env");
    // Another run (runtime) does not.
    await rejectsWith(
      obtainPassphrase(fakeRuntime({}).rt, { purpose: "x" }),
      "PASSPHRASE_REQUIRED",
    );
  });

  it("without a terminal: PASSPHRASE_REQUIRED naming the three ways", async () => {
    const f = fakeRuntime({});
    await rejectsWith(
      obtainPassphrase(f.rt, { purpose: "to decrypt key.pem" }),
      "PASSPHRASE_REQUIRED",
      /to decrypt key\.pem/,
      /--passphrase-file/,
      /TLSMITH_PASSPHRASE/,
      /prompt/,
    );
  });

  it("Ctrl-D at the prompt cancels: CANCELLED, not a wrong pass phrase, and no second prompt", async () => {
    // The runtime's prompt answers null for Ctrl-D.
    const f = fakeRuntime({ tty: true, answers: [] });
    await rejectsWith(
      obtainPassphrase(f.rt, { purpose: "to decrypt key.pem" }),
      "CANCELLED",
      /^cancelled \(Ctrl-D\): no pass phrase was entered to decrypt key\.pem/,
    );
    assert.equal(f.prompts.length, 1);
    const g = fakeRuntime({ tty: true, answers: [] });
    let calls = 0;
    await rejectsWith(
      withPassphrase(g.rt, { purpose: "to decrypt key.pem" }, () => Promise.resolve(calls++)),
      "CANCELLED",
    );
    assert.equal(calls, 0);
    assert.deepEqual(g.errors, []);
  });

  it("an empty or missing pass phrase file is an error", async () => {
    const f = fakeRuntime({ files: { "empty.txt": "\nsecond\n" } });
    assert.equal(
      (await errorOf(obtainPassphrase(f.rt, { passphraseFile: "empty.txt", purpose: "x" }))).code,
      "BAD_OPTION",
    );
    assert.equal(
      (await errorOf(obtainPassphrase(f.rt, { passphraseFile: "nope.txt", purpose: "x" }))).code,
      "FILE_NOT_FOUND",
    );
  });

  it("confirm asks twice, retries on a mismatch or a too-short one, then gives up", async () => {
    const f = fakeRuntime({ tty: true, answers: ["abc", "abcd", "abce", "good one", "good one"] });
    assert.equal(await obtainPassphrase(f.rt, { purpose: "x", confirm: true }), "good one");
    const [P, C] = [promptFor("x"), confirmPromptFor("x")];
    assert.deepEqual(f.prompts, [P, P, C, P, C]);
    assert.equal(C, "Verifying - Enter pass phrase x again:");
    assert.equal(f.errors.length, 2);
    const g = fakeRuntime({ tty: true, answers: ["aaaa", "bbbb", "aaaa", "bbbb", "aaaa", "bbbb"] });
    await rejectsWith(obtainPassphrase(g.rt, { purpose: "x", confirm: true }), "BAD_OPTION");
    assert.equal(g.prompts.length, 6);
  });
});

/** An encrypted key decrypted for a server, with the CLI's pass-phrase flow. */
function decrypted(rt: Runtime, pem: string, file: string): Promise<string> {
  return withPassphrase(
    rt,
    { purpose: `to decrypt ${file}` },
    async (passphrase) =>
      await exportPrivateKey(await importPrivateKey(pem, { passphrase, source: file })),
  );
}

describe("withPassphrase", () => {
  it("asks again on a wrong pass phrase at the terminal, 3 tries, then WRONG_PASSPHRASE", async () => {
    const pem = await encryptPrivateKey(await generateKeyPair("ec-p256"), "right", {
      iterations: 1000,
    });
    const f = fakeRuntime({ tty: true, answers: ["wrong1", "right"] });
    const plain = await decrypted(f.rt, pem, "key.pem");
    assert.match(plain, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.deepEqual(f.errors, ["Wrong pass phrase, try again.\n"]);
    const g = fakeRuntime({ tty: true, answers: ["a", "b", "c", "right"] });
    await rejectsWith(decrypted(g.rt, pem, "key.pem"), "WRONG_PASSPHRASE");
    assert.equal(g.prompts.length, 3);
    // From the environment: one attempt, no prompt.
    const h = fakeRuntime({ tty: true, env: { TLSMITH_PASSPHRASE: "bad" }, answers: ["right"] });
    assert.equal((await errorOf(decrypted(h.rt, pem, "key.pem"))).code, "WRONG_PASSPHRASE");
    assert.equal(h.prompts.length, 0);
    // Other errors are not retried.
    const i = fakeRuntime({ tty: true, answers: ["x", "y"] });
    let calls = 0;
    await rejectsWith(
      withPassphrase(i.rt, { purpose: "x" }, () => {
        calls++;
        return Promise.reject(new TlsmithError("BAD_KEY", "damaged"));
      }),
      "BAD_KEY",
    );
    assert.equal(calls, 1);
  });
});

describe("serve({ passphrase })", () => {
  it("serves with an encrypted key decrypted in memory; curl gets the answer", async (t) => {
    if (!(await have("curl"))) {
      t.skip("curl is not installed");
      return;
    }
    const { cert, key } = await adhocCert();
    const encrypted = await encryptPrivateKey(key, "lib pass", { iterations: 1000 });
    await rejectsWith(
      serve(() => new Response("x"), {
        cert: { cert, key: encrypted },
        port: 0,
      }),
      "PASSPHRASE_REQUIRED",
      /passphrase/,
    );
    await rejectsWith(
      serve(() => new Response("x"), {
        cert: { cert, key: encrypted },
        passphrase: "nope",
        port: 0,
      }),
      "WRONG_PASSPHRASE",
    );
    const server = await serve(() => new Response("hello from an encrypted key"), {
      cert: { cert, key: encrypted },
      passphrase: "lib pass",
      port: 0,
    });
    try {
      const dir = await tempDir();
      try {
        const files = await writeFiles(dir.path, { "ca.pem": cert });
        const r = await run("curl", [
          "-sS",
          "--max-time",
          "10",
          "--cacert",
          files["ca.pem"],
          `https://localhost:${server.addr.port}/`,
        ]);
        assert.equal(r.stdout, "hello from an encrypted key", r.stderr);
      } finally {
        await dir.cleanup();
      }
    } finally {
      await server.shutdown();
    }
  });
});

// ---------------------------------------------------------------------------
// A real pseudo-terminal (util-linux `script`).

/** Run `tlsmith CLIARGS` on a pseudo-terminal with no TLSMITH_PASSPHRASE unless `env` sets it. */
function cliOnTerminal(
  cliArgs: string[],
  steps: TerminalStep[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const { cmd, args } = cliCommand();
  return onTerminal([cmd, ...args, ...cliArgs].map(shellQuote).join(" "), steps, {
    env: { TLSMITH_PASSPHRASE: "", ...env },
    timeoutMs: 60_000,
    delayMs: 250,
  });
}

describe("pass phrase prompt on a real terminal", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let files: Record<string, string>;
  before(async () => {
    dir = await tempDir();
    const key = join(dir.path, "plain.key");
    const cert = join(dir.path, "cert.pem");
    await opensslCert({ key, cert, addext: ["subjectAltName=DNS:localhost,IP:127.0.0.1"] });
    const encrypted = await encryptPrivateKey(await readFile(key, "utf8"), "open sesame", {
      iterations: 1000,
    });
    files = await writeFiles(dir.path, {
      "enc.key": encrypted,
      "index.html": "served from an encrypted key\n",
    });
    files.cert = cert;
  });
  after(async () => {
    await dir.cleanup();
  });
  /** The prompt for the server key: it names the file. */
  const keyPrompt = () => `Enter pass phrase to decrypt ${files["enc.key"]}:`;

  it("serve: the pass phrase is not echoed, a wrong one is asked again, then curl gets the page", async (t) => {
    if (!(await have("script")) || !(await have("curl"))) {
      t.skip("util-linux script or curl is not installed");
      return;
    }
    let body = "";
    const r = await cliOnTerminal(
      [
        "serve",
        "--cert",
        files.cert,
        "--key",
        files["enc.key"],
        "--port",
        "0",
        "--quiet",
        dir.path,
      ],
      [
        { waitFor: keyPrompt(), type: "wr0ngPhrase\r" },
        { waitFor: keyPrompt(), count: 2, type: "open sesame\r" },
        {
          waitFor: "https://",
          act: async (output) => {
            // Wait for the whole banner line with the port.
            const m = /https:\/\/(?:127\.0\.0\.1|localhost):(\d+)\//.exec(output);
            assert.ok(m, output);
            const c = await run("curl", [
              "-sS",
              "--max-time",
              "10",
              "--cacert",
              files.cert,
              `https://localhost:${m[1]}/`,
            ]);
            body = c.stdout + c.stderr;
          },
          type: "\x03", // Ctrl-C: graceful stop
        },
      ],
    );
    assert.equal(body, "served from an encrypted key\n", r.output);
    assert.ok(r.output.includes("Wrong pass phrase, try again."), r.output);
    assert.equal(r.output.split(keyPrompt()).length - 1, 2, r.output);
    // Nothing typed was echoed.
    assert.ok(!r.output.includes("wr0ngPhrase"), r.output);
    assert.ok(!r.output.includes("open sesame"), r.output);
  });

  it("serve: three wrong pass phrases end with WRONG_PASSPHRASE and exit 1", async (t) => {
    if (!(await have("script"))) {
      t.skip("util-linux script is not installed");
      return;
    }
    const r = await cliOnTerminal(
      ["serve", "--cert", files.cert, "--key", files["enc.key"], "--port", "0"],
      [
        { waitFor: keyPrompt(), type: "one\r" },
        { waitFor: keyPrompt(), count: 2, type: "two\r" },
        { waitFor: keyPrompt(), count: 3, type: "three\r" },
      ],
    );
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /wrong pass phrase/);
    assert.ok(!r.output.includes("https://"), r.output);
  });

  it("key generate --encrypt asks twice; a mismatch is asked again; openssl reads the key", async (t) => {
    if (!(await have("script"))) {
      t.skip("util-linux script is not installed");
      return;
    }
    const out = join(dir.path, "typed.pem");
    const r = await cliOnTerminal(
      ["key", "generate", "--encrypt", "--iterations", "1000", "--out", out],
      [
        { waitFor: promptFor(`to encrypt ${out}`), type: "first try\r" },
        { waitFor: confirmPromptFor(`to encrypt ${out}`), type: "first tyr\r" },
        { waitFor: promptFor(`to encrypt ${out}`), count: 2, type: "second try\r" },
        { waitFor: confirmPromptFor(`to encrypt ${out}`), count: 2, type: "second try\r" },
      ],
    );
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Verify failure/);
    assert.ok(!r.output.includes("second try"), r.output);
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    await openssl(["pkey", "-in", out, "-passin", "pass:second try", "-noout"]);
  });

  it("serve: Ctrl-D at the prompt cancels (exit 1, not a wrong pass phrase)", async (t) => {
    if (!(await have("script"))) {
      t.skip("util-linux script is not installed");
      return;
    }
    const r = await cliOnTerminal(
      ["serve", "--cert", files.cert, "--key", files["enc.key"], "--port", "0"],
      [{ waitFor: keyPrompt(), type: "half\x04" }],
    );
    assert.equal(r.code, 1, r.output);
    assert.ok(
      r.output.includes(
        `tlsmith: cancelled (Ctrl-D): no pass phrase was entered to decrypt ${files["enc.key"]}`,
      ),
      r.output,
    );
    assert.ok(!/wrong pass phrase/i.test(r.output), r.output);
    assert.equal(r.output.split(keyPrompt()).length - 1, 1, r.output);
  });

  it("cert with an encrypted CA key and --encrypt: each prompt names its file", async (t) => {
    if (!(await have("script"))) {
      t.skip("util-linux script is not installed");
      return;
    }
    const caDir = join(dir.path, "enc-ca");
    const init = await run(cliCommand().cmd, [
      ...cliCommand().args,
      "ca",
      "init",
      "--dir",
      caDir,
      "--encrypt",
    ], { env: { TLSMITH_PASSPHRASE: "ca secret" } });
    assert.equal(init.code, 0, init.stderr);
    const out = join(dir.path, "both");
    const caKey = join(caDir, "ca-key.pem");
    const r = await cliOnTerminal(
      [
        "cert",
        "--dir",
        caDir,
        "--encrypt",
        "--out-cert",
        `${out}.pem`,
        "--out-key",
        `${out}-key.pem`,
        "localhost",
      ],
      [
        { waitFor: promptFor(`to decrypt the CA key ${caKey}`), type: "ca secret\r" },
        { waitFor: promptFor(`to encrypt ${out}-key.pem`), type: "leaf secret\r" },
        { waitFor: confirmPromptFor(`to encrypt ${out}-key.pem`), type: "leaf secret\r" },
      ],
    );
    assert.equal(r.code, 0, r.output);
    await openssl(["pkey", "-in", `${out}-key.pem`, "-passin", "pass:leaf secret", "-noout"]);
    assert.ok(!r.output.includes("secret"), r.output);
  });
});
