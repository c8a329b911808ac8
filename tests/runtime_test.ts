import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import { TlsmithError } from "../src/errors.ts";
import {
  errorOf,
  have,
  isDeno,
  onTerminal,
  rejectsWith,
  run,
  shellQuote,
  tempDir,
  withTempDir,
} from "./helpers.ts";

/** The runtime module as the current runtime loads it (source under Deno, build under Node). */
const runtimeModule = new URL(
  `../src/serve/runtime/mod.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`,
  import.meta.url,
).href;

/** How to run a script file with the current runtime. */
function selfCommand(script: string): string[] {
  if (isDeno) {
    const deno = (globalThis as unknown as { Deno: { execPath(): string } }).Deno;
    return [deno.execPath(), "run", "-A", script];
  }
  return [process.execPath, script];
}

/** A child script that loads the runtime and runs `body` (with `rt` in scope). */
async function writeScript(dir: string, body: string): Promise<string> {
  const file = join(dir, `child-${crypto.randomUUID()}.mjs`);
  await writeFile(
    file,
    `const { getRuntime } = await import(${JSON.stringify(runtimeModule)});\n` +
      `const rt = await getRuntime();\n${body}\n`,
  );
  return file;
}

/** Run `command` on a pseudo-terminal, type `input` once `waitFor` appears, collect its output. */
function typeOnTerminal(
  command: string,
  waitFor: string,
  input: string,
): Promise<{ code: number | null; output: string }> {
  // The terminal is raw before the prompt shows; type a little later anyway.
  return onTerminal(command, [{ waitFor, type: input }], { timeoutMs: 20_000, delayMs: 100 });
}

/** Write a child script (see {@linkcode writeScript}) into a fresh temporary directory, run `fn` with its path, remove the directory. */
async function withScript(body: string, fn: (script: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => fn(await writeScript(dir, body)));
}

/** Skip the test (and return true) when util-linux `script` or `stty` is missing. */
async function noTerminal(t: { skip(message?: string): void }): Promise<boolean> {
  if ((await have("script")) && (await have("stty"))) return false;
  t.skip("util-linux script is not installed");
  return true;
}

describe("runtime", () => {
  it("is picked for the current runtime and cached", async () => {
    const rt = await getRuntime();
    assert.equal(rt.name, isDeno ? "deno" : "node");
    assert.equal(await getRuntime(), rt);
    assert.equal(rt.platform(), process.platform);
    assert.equal(rt.cwd(), process.cwd());
    assert.equal(rt.env("PATH"), process.env.PATH);
    assert.equal(rt.env("TLSMITH_SURELY_UNSET_VARIABLE"), undefined);
    assert.equal(typeof rt.homeDir(), "string");
    assert.ok(Array.isArray(rt.args()));
  });

  it("writeFile is atomic, honours the mode and never overwrites without asking", async () => {
    const rt = await getRuntime();
    await withTempDir(async (dir) => {
      const key = join(dir, "key.pem");
      await rt.writeFile(key, "secret one\n", { mode: 0o600 });
      assert.equal(await readFile(key, "utf8"), "secret one\n");
      assert.equal((await stat(key)).mode & 0o777, 0o600);
      assert.equal(await rt.fileMode(key), 0o600);

      await rejectsWith(rt.writeFile(key, "secret two\n", { mode: 0o600 }), "FILE_EXISTS", key);
      assert.equal(await readFile(key, "utf8"), "secret one\n");

      await rt.writeFile(key, new TextEncoder().encode("secret three\n"), {
        mode: 0o600,
        overwrite: true,
      });
      assert.equal(await readFile(key, "utf8"), "secret three\n");
      assert.equal((await stat(key)).mode & 0o777, 0o600);

      const cert = join(dir, "cert.pem");
      await rt.writeFile(cert, "public");
      assert.equal((await stat(cert)).mode & 0o777, 0o644);
      await rt.writeFile(cert, "public 2", { overwrite: true, mode: 0o640 });
      assert.equal((await stat(cert)).mode & 0o777, 0o640);

      assert.deepEqual((await readdir(dir)).sort(), ["cert.pem", "key.pem"]);
    });
  });

  it("writeFile: of concurrent writers without overwrite exactly one wins", async () => {
    const rt = await getRuntime();
    await withTempDir(async (dir) => {
      const target = join(dir, "ca.pem");
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => rt.writeFile(target, `writer ${i}`)),
      );
      const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
      assert.equal(won.length, 1);
      for (const r of results) {
        if (r.status === "rejected") {
          assert.ok(r.reason instanceof TlsmithError);
          assert.equal(r.reason.code, "FILE_EXISTS");
        }
      }
      assert.equal(await readFile(target, "utf8"), `writer ${won[0]}`);
      assert.deepEqual(await readdir(dir), ["ca.pem"]);
    });
  });

  it("unsetEnv takes a variable out of this process: children do not inherit it", async () => {
    const rt = await getRuntime();
    process.env.TLSMITH_UNSET_TEST = "secret";
    assert.equal(rt.env("TLSMITH_UNSET_TEST"), "secret");
    rt.unsetEnv("TLSMITH_UNSET_TEST");
    assert.equal(rt.env("TLSMITH_UNSET_TEST"), undefined);
    const child = await run("sh", ["-c", 'echo "${TLSMITH_UNSET_TEST-unset}"']);
    assert.equal(child.stdout.trim(), "unset");
  });

  it("file errors name the path", async () => {
    const rt = await getRuntime();
    const dir = await tempDir();
    try {
      const missing = join(dir.path, "nope.pem");
      for (
        const read of [
          () => rt.readFile(missing),
          () => rt.readTextFile(missing),
          () => rt.openRead(missing),
        ]
      ) {
        await rejectsWith(read(), "FILE_NOT_FOUND", missing);
      }
      const inMissingDir = join(dir.path, "no-such-dir", "key.pem");
      await rejectsWith(rt.writeFile(inMissingDir, "x"), "FILE_NOT_FOUND", inMissingDir);

      await rejectsWith(rt.readFile(dir.path), "FILE_ERROR", dir.path);

      assert.equal(await rt.stat(missing), null);
      assert.equal(await rt.realPath(missing), null);
      assert.equal((await errorOf(rt.readDir(missing))).code, "FILE_NOT_FOUND");
      assert.equal((await errorOf(rt.rename(missing, missing + ".2"))).code, "FILE_NOT_FOUND");
      assert.deepEqual(await readdir(dir.path), []);
    } finally {
      await dir.cleanup();
    }
  });

  it("reads, lists, stats, renames and creates directories", async () => {
    const rt = await getRuntime();
    await withTempDir(async (dir) => {
      const nested = join(dir, "a", "b");
      await rt.mkdir(nested, { mode: 0o700 });
      assert.equal((await stat(nested)).mode & 0o777, 0o700);
      await rt.mkdir(nested); // exists: fine
      const file = join(nested, "data.bin");
      const bytes = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
      await writeFile(file, bytes);
      assert.deepEqual(await rt.readFile(file), bytes);
      await writeFile(join(nested, "t.txt"), "héllo");
      assert.equal(await rt.readTextFile(join(nested, "t.txt")), "héllo");

      const info = await rt.stat(file);
      assert.ok(info);
      assert.equal(info.isFile, true);
      assert.equal(info.isDirectory, false);
      assert.equal(info.size, 200_000);
      assert.ok(info.mtime instanceof Date);
      assert.equal((await rt.stat(nested))?.isDirectory, true);

      const entries = (await rt.readDir(nested)).sort((x, y) => x.name.localeCompare(y.name));
      assert.deepEqual(entries.map((e) => [e.name, e.isFile, e.isDirectory]), [
        ["data.bin", true, false],
        ["t.txt", true, false],
      ]);
      const real = await rt.realPath(join(dir, "a", ".", "b", "..", "b"));
      assert.equal(real, await rt.realPath(nested));
      assert.ok(real?.endsWith(join("a", "b")));

      const moved = join(nested, "moved.bin");
      await rt.rename(file, moved);
      assert.equal(await rt.stat(file), null);
      assert.equal((await rt.stat(moved))?.size, 200_000);

      const all = new Uint8Array(await new Response(await rt.openRead(moved)).arrayBuffer());
      assert.deepEqual(all, bytes);
      const part = new Uint8Array(
        await new Response(await rt.openRead(moved, { start: 70_000, end: 139_999 }))
          .arrayBuffer(),
      );
      assert.deepEqual(part, bytes.subarray(70_000, 140_000));
      const last = new Uint8Array(
        await new Response(await rt.openRead(moved, { start: 199_999, end: 199_999 }))
          .arrayBuffer(),
      );
      assert.deepEqual(last, bytes.subarray(199_999));
      // A stream that is cancelled early closes its file.
      const stream = await rt.openRead(moved);
      const reader = stream.getReader();
      assert.equal((await reader.read()).done, false);
      await reader.cancel();
    });
  });

  it("promptSecret returns null when standard input is not a terminal", async () => {
    await withScript(
      `const s = await rt.promptSecret("Pass phrase: ");\n` +
        `rt.print("RESULT=" + JSON.stringify(s) + " TTY=" + rt.stdinIsTerminal() + "\\n");`,
      async (script) => {
        const [cmd, ...args] = selfCommand(script);
        const r = await run(cmd, args, { input: "typed\n" });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "RESULT=null TTY=false\n");
        assert.equal(r.stderr.includes("Pass phrase"), false);
      },
    );
  });

  it("promptSecret reads without echo, handles Backspace, restores the terminal", async (t) => {
    if (await noTerminal(t)) return;
    await withScript(
      `const s = await rt.promptSecret("Pass phrase: ");\n` +
        `rt.print("RESULT=" + JSON.stringify(s) + "\\n");`,
      async (script) => {
        const command = `${selfCommand(script).map(shellQuote).join(" ")} && stty -a`;
        const r = await typeOnTerminal(command, "Pass phrase: ", "sec\x7fXrét\r");
        assert.equal(r.code, 0, r.output);
        assert.ok(r.output.includes('RESULT="seXrét"'), r.output);
        // Nothing typed was echoed: the only occurrence is the RESULT line.
        assert.equal(r.output.split("Xr").length, 2, r.output);
        assert.match(r.output, /(^|\s)echo(\s|$)/);
        assert.match(r.output, /(^|\s)icanon(\s|$)/);

        const backspaceAll = await typeOnTerminal(command, "Pass phrase: ", "ab\x7f\x7f\x7fok\r");
        assert.ok(backspaceAll.output.includes('RESULT="ok"'), backspaceAll.output);
      },
    );
  });

  it("promptSecret: Ctrl-C restores the terminal and exits with 130", async (t) => {
    if (await noTerminal(t)) return;
    await withScript(
      `await rt.promptSecret("Pass phrase: ");\nrt.print("NOT REACHED\\n");`,
      async (script) => {
        const command = `${selfCommand(script).map(shellQuote).join(" ")}; echo "EXIT=$?"; stty -a`;
        const r = await typeOnTerminal(command, "Pass phrase: ", "abc\x03");
        assert.ok(r.output.includes("EXIT=130"), r.output);
        assert.equal(r.output.includes("NOT REACHED"), false);
        assert.equal(r.output.includes("abc"), false);
        assert.match(r.output, /(^|\s)echo(\s|$)/);
      },
    );
  });

  it("onShutdownSignal sees SIGTERM and SIGINT and can be removed", async () => {
    await withScript(
      `let n = 0;\n` +
        `const off = rt.onShutdownSignal(() => { n++; rt.print("GOT " + n + "\\n"); if (n === 2) { off(); rt.exit(7); } });\n` +
        `rt.printError("to stderr\\n");\n` +
        `rt.print("READY\\n");\n` +
        `setTimeout(() => rt.exit(3), 15000);`,
      async (script) => {
        const [cmd, ...args] = selfCommand(script);
        const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.setEncoding("utf8");
        child.stderr.setEncoding("utf8");
        const ready = new Promise<void>((resolve) => {
          child.stdout.on("data", (d: string) => {
            out += d;
            if (out.includes("READY")) resolve();
          });
        });
        child.stderr.on("data", (d: string) => (err += d));
        const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
        const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        await ready;
        process.kill(child.pid!, "SIGTERM");
        await new Promise((r) => setTimeout(r, 300));
        process.kill(child.pid!, "SIGINT");
        const code = await closed;
        clearTimeout(timer);
        assert.equal(code, 7, out + err);
        assert.ok(out.includes("GOT 1") && out.includes("GOT 2"), out);
        assert.ok(err.includes("to stderr"), err);
      },
    );
  });

  it("mkdir into a file is a FILE_ERROR naming it", async () => {
    const rt = await getRuntime();
    await withTempDir(async (dir) => {
      const file = join(dir, "plain");
      await writeFile(file, "x");
      await mkdir(join(dir, "ok"));
      const err = await errorOf(rt.mkdir(join(file, "sub")));
      assert.ok(err.code === "FILE_ERROR" || err.code === "FILE_NOT_FOUND", err.code);
      assert.ok(err.message.includes(file), err.message);
    });
  });
});
