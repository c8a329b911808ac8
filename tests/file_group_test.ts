// Groups of files written as a unit (src/_internal/file_group.ts): a run that dies at any moment
// leaves the old group or the new one (after the next run's recovery), never a mix, never a
// stray temporary file holding a key; and the CA store never silently replaces a half-written
// CA. Judged by the files on disk and by openssl (does the key belong to the certificate?).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { watch } from "node:fs";
import {
  type GroupFiles,
  JOURNAL_NAME,
  recoverFileGroup,
  writeFileGroup,
} from "../src/_internal/file_group.ts";
import { caStore, createStoredCa, loadStoredCa, openStoredCa } from "../src/ca/store.ts";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import { serve } from "../src/serve/serve.ts";
import { cliCommand, errorOf, openssl, rejectsWith, run, withTempDir } from "./helpers.ts";

/** Above Linux's largest pid_max (2^22): no process has it, so its journal's writer is gone. */
const DEAD_PID = 4_194_305;

class Killed extends Error {}

/**
 * The runtime's file calls, but the process "dies" at call number `at`: that call and every later
 * one throw, so nothing runs after the crash (no clean-up, as with kill -9). Its journals carry a
 * pid that no process has.
 */
async function dyingFiles(at: number): Promise<GroupFiles & { calls: () => number }> {
  const rt = await getRuntime();
  let n = 0;
  const step = () => {
    if (n++ >= at) throw new Killed(`killed at call ${at}`);
  };
  return {
    calls: () => n,
    platform: () => rt.platform(),
    hostName: () => rt.hostName(),
    pid: () => DEAD_PID,
    processAlive: (pid) => rt.processAlive(pid),
    readFile: (p) => (step(), rt.readFile(p)),
    writeFile: (p, d, o) => (step(), rt.writeFile(p, d, o)),
    rename: (a, b) => (step(), rt.rename(a, b)),
    remove: (p) => (step(), rt.remove(p)),
    stat: (p) => (step(), rt.stat(p)),
    realPath: (p) => (step(), rt.realPath(p)),
    readDir: (p) => (step(), rt.readDir(p)),
  };
}

async function contentOf(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}

describe("writeFileGroup: killed at every step", () => {
  for (const replacing of [false, true]) {
    it(`${replacing ? "replacing a pair (with backups)" : "a new pair"}: old or new, never a mix, nothing left over`, async () => {
      const rt = await getRuntime();
      const outcomes = { old: 0, new: 0, completed: 0, discarded: 0 };
      for (let at = 0;; at++) {
        const done = await withTempDir(async (dir) => {
          const key = join(dir, "k.pem");
          const cert = join(dir, "c.pem");
          if (replacing) {
            await writeFile(key, "old key\n", { mode: 0o600 });
            await writeFile(cert, "old cert\n");
          }
          const fs = await dyingFiles(at);
          let finished = true;
          try {
            await writeFileGroup(fs, [
              {
                path: key,
                data: "new key -----BEGIN PRIVATE KEY-----\n",
                mode: 0o600,
                backup: true,
              },
              { path: cert, data: "new cert\n", mode: 0o644, backup: true },
            ], { overwrite: replacing });
          } catch (err) {
            if (!(err instanceof Killed)) throw err;
            finished = false;
          }
          // Right after the crash: a mix exists only under a committed journal.
          const journal = await contentOf(join(dir, JOURNAL_NAME));
          const pair = [await contentOf(key), await contentOf(cert)].map((c) => c?.slice(0, 3));
          if (!(journal?.includes('"commit"'))) {
            assert.equal(pair[0], pair[1], `call ${at}: a mix without a committed journal`);
          }
          // The next run.
          const recovered = await recoverFileGroup(rt, dir);
          if (recovered) outcomes[recovered.action]++;
          const after = [await contentOf(key), await contentOf(cert)];
          const names = (await readdir(dir)).sort();
          if (after[0] === null) {
            assert.ok(!replacing);
            assert.deepEqual(after, [null, null], `call ${at}`);
            assert.deepEqual(names, [], `call ${at}: left ${names}`);
            outcomes.old++;
          } else if (after[0].startsWith("old")) {
            assert.deepEqual(after, ["old key\n", "old cert\n"], `call ${at}`);
            assert.deepEqual(names, ["c.pem", "k.pem"], `call ${at}: left ${names}`);
            outcomes.old++;
          } else {
            assert.deepEqual(after, ["new key -----BEGIN PRIVATE KEY-----\n", "new cert\n"]);
            const expected = replacing
              ? ["c.pem", "c.pem.bak", "k.pem", "k.pem.bak"]
              : ["c.pem", "k.pem"];
            assert.deepEqual(names, expected, `call ${at}: left ${names}`);
            if (replacing) {
              assert.equal(await contentOf(`${key}.bak`), "old key\n");
              assert.equal(await contentOf(`${cert}.bak`), "old cert\n");
            }
            outcomes.new++;
          }
          return finished;
        });
        if (done) break;
        assert.ok(at < 200, "the write should finish within 200 file calls");
      }
      // Both recoveries were exercised: an unfinished group discarded, a committed one completed.
      assert.ok(outcomes.discarded > 0 && outcomes.completed > 0, JSON.stringify(outcomes));
      assert.ok(outcomes.old > 0 && outcomes.new > 0, JSON.stringify(outcomes));
    });
  }

  it("a live writer's unfinished group is left alone; a second writer waits, then says so", async () => {
    await withTempDir(async (dir) => {
      const rt = await getRuntime();
      const temp = join(dir, `.a.pem.tlsmith-${rt.pid()}-abcdef.new`);
      await writeFile(temp, "half");
      await writeFile(
        join(dir, JOURNAL_NAME),
        JSON.stringify({
          version: 1,
          state: "prepare",
          pid: rt.pid(), // alive: this process
          host: rt.hostName() ?? "",
          time: Date.now(),
          files: [{ target: join(dir, "a.pem"), temp, mode: 0o644 }],
        }),
      );
      assert.equal(await recoverFileGroup(rt, dir), null);
      assert.equal(await contentOf(temp), "half");
      await rejectsWith(
        writeFileGroup(rt, [{ path: join(dir, "b.pem"), data: "b", mode: 0o644 }], {
          waitMs: 300,
        }),
        "FILE_ERROR",
        `another tlsmith (process ${rt.pid()}) is writing files here; nothing was written`,
      );
      assert.equal(await contentOf(join(dir, "b.pem")), null);
    });
  });

  it("a damaged journal, or one that would move a file elsewhere, is refused, naming it", async () => {
    await withTempDir(async (dir) => {
      const rt = await getRuntime();
      const journal = join(dir, JOURNAL_NAME);
      await writeFile(journal, "{not json");
      await rejectsWith(recoverFileGroup(rt, dir), "FILE_ERROR", journal, "remove");
      await writeFile(
        journal,
        JSON.stringify({
          version: 1,
          state: "commit",
          pid: DEAD_PID,
          host: "",
          time: Date.now(),
          files: [{
            target: "/etc/x.pem",
            temp: join(dir, `.x.pem.tlsmith-${DEAD_PID}-abcdef.new`),
            mode: 0o644,
          }],
        }),
      );
      await rejectsWith(recoverFileGroup(rt, dir), "FILE_ERROR", "not a tlsmith journal");
    });
  });

  it("the same file twice, or a missing directory: BAD_OPTION / FILE_NOT_FOUND, nothing written", async () => {
    await withTempDir(async (dir) => {
      const rt = await getRuntime();
      const a = join(dir, "a.pem");
      await rejectsWith(
        writeFileGroup(rt, [
          { path: a, data: "1", mode: 0o600 },
          { path: join(dir, ".", "a.pem"), data: "2", mode: 0o600 },
        ]),
        "BAD_OPTION",
      );
      await rejectsWith(
        writeFileGroup(rt, [{ path: join(dir, "no", "b.pem"), data: "1", mode: 0o600 }]),
        "FILE_NOT_FOUND",
        "does not exist",
      );
      assert.deepEqual(await readdir(dir), []);
    });
  });
});

// ---------------------------------------------------------------------------
// The CA store: half-written CAs are never replaced silently.

describe("the CA store and half-written CAs", () => {
  it("only the *.bak copies left: an error with the commands that restore it; no new CA", async () => {
    await withTempDir(async (dir) => {
      const rt = await getRuntime();
      const store = caStore(rt, dir);
      await createStoredCa(rt, store, {});
      await createStoredCa(rt, store, { force: true }); // ca.pem.bak, ca-key.pem.bak
      await rm(store.certFile);
      await rm(store.keyFile);
      const unlock = (files: Parameters<typeof loadStoredCa>[1]) => loadStoredCa(store, files);
      const err = await errorOf(openStoredCa(rt, store, { create: true, unlock }));
      assert.equal(err.code, "CA_NOT_FOUND");
      assert.ok(
        err.message.includes(
          `mv ${store.certFile}.bak ${store.certFile} && mv ${store.keyFile}.bak ${store.keyFile}`,
        ),
        err.message,
      );
      assert.ok(err.message.includes(`\`tlsmith ca init --dir ${dir}\``), err.message);
      // serve --cert local says the same, and makes nothing.
      await rejectsWith(
        serve(() => new Response("x"), { cert: "local", caDir: dir, port: 0 }),
        "CA_NOT_FOUND",
        "no new CA is made in its place",
      );
      assert.deepEqual((await readdir(dir)).sort(), ["ca-key.pem.bak", "ca.pem.bak"]);
      // The restore command, run as printed, brings the old CA back.
      const restore = /\((mv [^)]*)\)/.exec(err.message)![1];
      const sh = await run("sh", ["-c", restore]);
      assert.equal(sh.code, 0, sh.stderr);
      const back = await openStoredCa(rt, store, { create: true, unlock });
      assert.equal(back.created, false);
    });
  });

  it("a key without its certificate names the kept copy to restore", async () => {
    await withTempDir(async (dir) => {
      const rt = await getRuntime();
      const store = caStore(rt, dir);
      await createStoredCa(rt, store, {});
      await createStoredCa(rt, store, { force: true });
      await rm(store.certFile);
      const err = await errorOf(
        openStoredCa(rt, store, { create: true, unlock: (f) => loadStoredCa(store, f) }),
      );
      assert.equal(err.code, "CA_NOT_FOUND");
      assert.match(err.message, /ca-key\.pem exists but the CA certificate .*ca\.pem is missing/);
      assert.ok(err.message.includes(`(mv ${store.certFile}.bak ${store.certFile})`), err.message);
    });
  });
});

// ---------------------------------------------------------------------------
// kill -9 at random moments, through the CLI, on the runtime the tests run on.

/** When to kill: after some milliseconds, or at the n-th change tlsmith makes in a directory. */
type KillAt = { ms: number } | { change: number; dir: string };

/**
 * Start the CLI and SIGKILL it (by pid) at `at` unless it ended before; resolves when it is gone,
 * with the number of changes seen in `at.dir`.
 */
function runKilled(args: string[], env: Record<string, string>, cwd: string, at: KillAt) {
  const { cmd, args: pre } = cliCommand();
  return new Promise<{ killed: boolean; code: number | null; changes: number }>(
    (resolve, reject) => {
      const child = spawn(cmd, [...pre, ...args], {
        cwd,
        env: { ...process.env, TLSMITH_PASSPHRASE: "", ...env },
        stdio: ["ignore", "ignore", "ignore"],
      });
      let killed = false;
      let changes = 0;
      const kill = () => {
        if (!killed && child.exitCode === null && child.pid !== undefined) {
          killed = true;
          process.kill(child.pid, "SIGKILL");
        }
      };
      const timer = "ms" in at ? setTimeout(kill, at.ms) : undefined;
      const watcher = "dir" in at
        ? watch(at.dir, () => {
          if (++changes === at.change) kill();
        })
        : undefined;
      const done = () => {
        clearTimeout(timer);
        watcher?.close();
      };
      child.on("error", (err) => {
        done();
        reject(err);
      });
      child.on("exit", (code) => {
        done();
        resolve({ killed, code, changes });
      });
    },
  );
}

/** True when the key file holds the private key of the (first) certificate in the cert file. */
async function pairMatches(certFile: string, keyFile: string): Promise<boolean> {
  const fromCert = await openssl(["x509", "-in", certFile, "-noout", "-pubkey"]);
  const fromKey = await openssl(["pkey", "-in", keyFile, "-pubout"]);
  return fromCert === fromKey;
}

/** Files in `dir` that are tlsmith's temporary files or journal. */
async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) =>
    n === JOURNAL_NAME || n.endsWith(".new") || n.endsWith(".tmp")
  );
}

/** Time one complete run and count the changes it makes in `dir`, to spread the kills over it. */
async function measure(args: string[], env: Record<string, string>, cwd: string, dir: string) {
  const start = Date.now();
  const r = await runKilled(args, env, cwd, { change: 0, dir });
  assert.equal(r.code, 0);
  return { ms: Date.now() - start, changes: r.changes };
}

/** Even runs: killed at a random moment of the run; odd ones: at a random change in `dir`. */
function killAt(i: number, full: { ms: number; changes: number }, dir: string): KillAt {
  return i % 2 === 0
    ? { ms: full.ms * (0.3 + 0.8 * Math.random()) }
    : { change: 1 + Math.floor(Math.random() * full.changes), dir };
}

describe("kill -9 at random moments (bounded: 20 runs each)", () => {
  it("cert --force: the pair always matches after the next run, no key left in a temporary file", async () => {
    await withTempDir(async (root) => {
      const caDir = join(root, "ca");
      const out = join(root, "out");
      await mkdir(out);
      const env = { TLSMITH_CA_DIR: caDir };
      const args = ["cert", "--force", "--out-cert", "c.pem", "--out-key", "k.pem", "localhost"];
      await measure(args, env, out, out); // makes the CA
      const full = await measure(args, env, out, out);
      let killed = 0;
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await runKilled(args, env, out, killAt(i, full, out));
        if (r.killed) killed++;
        const found = await leftovers(out);
        if (found.length) seen.push(found.length.toString());
        // The next run (into other files of the same directory) finishes or discards what the
        // killed one left; then c.pem and k.pem must be a pair, and no temporary file remain.
        const next = await runKilled(
          ["cert", "--force", "--out-cert", "c2.pem", "--out-key", "k2.pem", "localhost"],
          env,
          out,
          { ms: 60_000 },
        );
        assert.equal(next.code, 0);
        assert.deepEqual(await leftovers(out), [], `run ${i}`);
        assert.ok(await pairMatches(join(out, "c.pem"), join(out, "k.pem")), `run ${i}: mismatch`);
      }
      assert.ok(killed >= 10 && seen.length > 0, `killed ${killed}, left files ${seen.length}`);
    });
  });

  it("ca init --force: always one usable CA after the next run, never a new one made silently", async () => {
    await withTempDir(async (root) => {
      const caDir = join(root, "ca");
      const env = { TLSMITH_CA_DIR: caDir };
      const args = ["ca", "init", "--force"];
      await measure(args, env, root, root); // makes the directory
      const full = await measure(args, env, root, caDir);
      let killed = 0;
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await runKilled(args, env, root, killAt(i, full, caDir));
        if (r.killed) killed++;
        const found = await leftovers(caDir);
        if (found.length) seen.push(found.length.toString());
        // The next run reads the CA (and finishes or discards an interrupted write first).
        const { cmd, args: pre } = cliCommand();
        const show = await run(cmd, [...pre, "ca", "show", "--json"], { cwd: root, env });
        assert.equal(show.code, 0, `run ${i}: ${show.stderr}`);
        assert.equal(JSON.parse(show.stdout).keyPresent, true);
        assert.deepEqual(await leftovers(caDir), [], `run ${i}`);
        assert.ok(
          await pairMatches(join(caDir, "ca.pem"), join(caDir, "ca-key.pem")),
          `run ${i}: the CA key does not belong to ca.pem`,
        );
      }
      assert.ok(killed >= 10 && seen.length > 0, `killed ${killed}, left files ${seen.length}`);
    });
  });
});
