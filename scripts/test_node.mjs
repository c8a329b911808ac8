#!/usr/bin/env node
/**
 * Runs the compiled test suite (npm/esm/tests/*_test.js, built by scripts/build_npm.ts) with
 * `node --test` under Node 20, 22 and 24, then the consumer test (scripts/consumer_test.mjs).
 *
 * Node binaries: this machine's `node` when its major matches (and is new enough), otherwise
 * the official build from the npm package `node-<os>-<arch>@<major>` (the binary is in the
 * package: no install script has to run), installed once into .tmp/toolchains/node<major>/.
 *
 * Usage: node scripts/test_node.mjs [npm/esm/tests/x_test.js ...]
 * Env:   TLSMITH_NODE_VERSIONS=20,22,24   majors to run (default 20,22,24)
 *        TLSMITH_NODE_FULL=20,24          majors that run every file (default: the oldest and the
 *                                         newest); the others run the runtime-facing files only
 *                                         (serving, the bridge, static files, the proxy, the
 *                                         runtime adapters, testing, the package), since the rest
 *                                         is the same JavaScript on every Node
 *        TLSMITH_TEST_CONCURRENCY=1       test files run at once per Node (default 1; 2 cores)
 *        TLSMITH_TEST_TIMEOUT_MS=180000   per-test timeout
 *        TLSMITH_SKIP_CONSUMER=1          skip the consumer test
 *        TLSMITH_NPM_DIR=npm              the built package (as given to scripts/build_npm.ts)
 * Exits non-zero on any failure. Node's own closing summary lines are printed as they come,
 * and again per version at the end.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join, relative, resolve } from "node:path";
import process from "node:process";
import { installInto, ROOT, TOOLCHAINS } from "./toolchains.mjs";

const TESTS = join(resolve(ROOT, process.env.TLSMITH_NPM_DIR || "npm"), "esm", "tests");
/** Oldest release of each major line tlsmith supports (pkijs 4 and require(esm) need 20.19). */
const MINIMUM = { 20: [20, 19, 0], 22: [22, 12, 0], 24: [24, 0, 0] };

function versionOf(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 30_000 });
  const m = /^v(\d+)\.(\d+)\.(\d+)/.exec(r.stdout ?? "");
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function atLeast(v, min) {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i];
  return true;
}

/** The Node binary for a major version, installing it from npm into the cache if needed. */
function nodeFor(major) {
  const mine = versionOf(process.execPath);
  if (mine && mine[0] === major && atLeast(mine, MINIMUM[major] ?? [major, 0, 0])) {
    return process.execPath;
  }
  const os = process.platform === "win32" ? "win" : process.platform;
  const pkgName = `node-${os}-${process.arch}`;
  const prefix = join(TOOLCHAINS, `node${major}`);
  const bin = os === "win"
    ? join(prefix, "node_modules", pkgName, "bin", "node.exe")
    : join(prefix, "node_modules", pkgName, "bin", "node");
  const cached = existsSync(bin) ? versionOf(bin) : null;
  if (cached && cached[0] === major) return bin;
  console.log(
    `test_node: installing Node ${major} from npm (${pkgName}@${major}) into ${
      relative(ROOT, prefix)
    }/`,
  );
  const r = installInto(prefix, `${pkgName}@${major}`, { stdio: "inherit", timeout: 600_000 });
  const got = existsSync(bin) ? versionOf(bin) : null;
  if (r.status !== 0 || !got || got[0] !== major) {
    throw new Error(`could not install Node ${major} from the npm package ${pkgName}@${major}`);
  }
  return bin;
}

/** Test files that exercise what differs between Node versions: the runtime, TLS, HTTP, the package. */
const RUNTIME_FACING =
  /^(serve|node_bridge|static|proxy|runtime|testing|build|consumer|chromium|trust_cli|passphrase_cli)/;

/** Run `node --test` on the files; stream its output; resolve with exit code and summary. */
function runSuite(bin, files) {
  return new Promise((resolvePromise) => {
    const concurrency = process.env.TLSMITH_TEST_CONCURRENCY ?? "1";
    const timeout = process.env.TLSMITH_TEST_TIMEOUT_MS ?? "180000";
    const child = spawn(bin, [
      "--test",
      `--test-concurrency=${concurrency}`,
      `--test-timeout=${timeout}`,
      "--test-reporter=spec",
      ...files,
    ], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    const summary = [];
    let buffer = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      process.stdout.write(chunk);
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop();
      for (const line of lines) {
        if (/^[ℹ#] (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(line)) {
          summary.push(line.slice(2));
        }
      }
    });
    // A whole run is bounded too: 40 minutes is far beyond the suite, but never forever.
    const timer = setTimeout(() => child.kill("SIGKILL"), 40 * 60_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 1, signal, summary });
    });
  });
}

async function main() {
  const started = Date.now();
  if (!existsSync(TESTS)) {
    console.error(`test_node: ${TESTS} is missing. Build first: npm run build`);
    process.exit(1);
  }
  const files = process.argv.length > 2
    ? process.argv.slice(2).map((f) => resolve(f))
    : readdirSync(TESTS, { recursive: true })
      .filter((f) => /(^|[._])test\.js$/.test(f))
      .sort()
      .map((f) => join(TESTS, f));
  if (files.length === 0) {
    console.error(`test_node: no *_test.js files in ${TESTS}`);
    process.exit(1);
  }
  const majors = (process.env.TLSMITH_NODE_VERSIONS ?? "20,22,24").split(",").map(Number);

  const bins = [];
  for (const major of majors) {
    try {
      bins.push({ major, bin: nodeFor(major) });
    } catch (err) {
      console.error(`test_node: ${err.message}`);
      process.exit(1);
    }
  }

  const full = process.env.TLSMITH_NODE_FULL
    ? process.env.TLSMITH_NODE_FULL.split(",").map(Number)
    : [Math.min(...majors), Math.max(...majors)];
  const chosen = process.argv.length > 2;
  const outcomes = [];
  for (const { major, bin } of bins) {
    const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
    const mine = chosen || full.includes(major)
      ? files
      : files.filter((f) => RUNTIME_FACING.test(relative(TESTS, f)));
    console.log(
      `\n=== node --test ${version}: ${mine.length} test files${
        mine.length < files.length ? " (the runtime-facing ones)" : ""
      } (${bin.startsWith(ROOT) ? relative(ROOT, bin) : bin}) ===`,
    );
    const t0 = Date.now();
    const r = await runSuite(bin, mine);
    outcomes.push({
      name: `node ${version}`,
      ok: r.code === 0,
      summary: r.summary,
      secs: (Date.now() - t0) / 1000,
    });
  }

  if (process.env.TLSMITH_SKIP_CONSUMER !== "1") {
    console.log("\n=== consumer test (npm pack → fresh project) ===");
    const t0 = Date.now();
    const extra = bins.map((b) => b.bin).filter((b) => b !== process.execPath).join(delimiter);
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "consumer_test.mjs")], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, TLSMITH_CONSUMER_NODES: extra },
      timeout: 20 * 60_000,
    });
    outcomes.push({
      name: "consumer",
      ok: r.status === 0,
      summary: [],
      secs: (Date.now() - t0) / 1000,
    });
  }

  console.log("\n=== test_node summary ===");
  for (const o of outcomes) {
    const s = o.summary.filter((l) => /^(tests|pass|fail|cancelled|skipped) /.test(l)).join(", ");
    console.log(`${o.ok ? "ok  " : "FAIL"} ${o.name}${s ? `: ${s}` : ""} (${o.secs.toFixed(0)} s)`);
  }
  console.log(`test_node: ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
}

await main();
