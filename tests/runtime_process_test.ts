/**
 * The runtime's process and file additions used by the trust layer — `run`, `exec`, `which`,
 * `userId`, `remove`, `makeTempDir` — on the runtime the tests run on (Deno from source, Node
 * compiled), against real programs (sh, sleep).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import { rejectsWith, withTempDir } from "./helpers.ts";

describe("runtime: running programs", () => {
  it("run: exit code, standard output and error, input, environment set and removed", async () => {
    const rt = await getRuntime();
    const r = await rt.run("sh", [
      "-c",
      'cat; echo "err" >&2; printf "[%s|%s]" "$A" "${HOME-unset}"; exit 3',
    ], {
      input: "in:",
      env: { A: "it's", HOME: undefined },
    });
    assert.deepEqual(r, { code: 3, stdout: "in:[it's|unset]", stderr: "err\n", timedOut: false });
  });

  it("run: kills at the time limit and says so", async () => {
    const rt = await getRuntime();
    const started = Date.now();
    const r = await rt.run("sleep", ["30"], { timeoutMs: 300 });
    assert.equal(r.timedOut, true);
    assert.equal(r.code, null);
    assert.ok(Date.now() - started < 10_000);
  });

  it("run and exec: a missing program is COMMAND_FAILED naming it", async () => {
    const rt = await getRuntime();
    await rejectsWith(
      rt.run("tlsmith-no-such-program", []),
      "COMMAND_FAILED",
      "tlsmith-no-such-program",
      "not found",
    );
    await rejectsWith(rt.exec("tlsmith-no-such-program", []), "COMMAND_FAILED", "not found");
  });

  it("exec: resolves to the exit code, 128 + signal when killed", async () => {
    const rt = await getRuntime();
    assert.equal(await rt.exec("sh", ["-c", "exit 7"]), 7);
    assert.equal(await rt.exec("sh", ["-c", 'test "$X" = y'], { env: { X: "y" } }), 0);
    assert.equal(await rt.exec("sh", ["-c", "kill -TERM $$"]), 143);
  });

  it("which: finds executables on PATH, not plain files or missing names", async () => {
    const rt = await getRuntime();
    assert.match((await rt.which("sh")) ?? "", /\/sh$/);
    assert.equal(await rt.which("tlsmith-no-such-program"), null);
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "plain"), "not executable");
      assert.equal(await rt.which(join(dir, "plain")), null);
      await chmod(join(dir, "plain"), 0o755);
      assert.equal(await rt.which(join(dir, "plain")), join(dir, "plain"));
    });
  });

  it("userId: a number on Linux", async () => {
    const rt = await getRuntime();
    assert.equal(rt.userId(), process.getuid?.() ?? null);
  });

  it("makeTempDir and remove: a private directory, removed with its contents; missing is fine", async () => {
    const rt = await getRuntime();
    const dir = await rt.makeTempDir("tlsmith-rt-");
    assert.match(dir, /tlsmith-rt-/);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    await mkdir(join(dir, "a", "b"), { recursive: true });
    await writeFile(join(dir, "a", "b", "f"), "x");
    await rt.remove(join(dir, "a", "b", "f"));
    assert.equal(await rt.stat(join(dir, "a", "b", "f")), null);
    await rt.remove(dir, { recursive: true });
    assert.equal(await rt.stat(dir), null);
    await rt.remove(dir, { recursive: true });
  });
});
