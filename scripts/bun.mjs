#!/usr/bin/env node
/**
 * Finds a Bun binary for the tests: $TLSMITH_BUN, else the npm package `@oven/bun-<os>-<arch>`
 * (the binary is in the package: no install script has to run), installed once into
 * .tmp/toolchains/bun/. Used by scripts/consumer_test.mjs (imported) and by the Deno/Node tests
 * (run as `node scripts/bun.mjs`, which prints `{"bin": …}` or `{"why": …}` as JSON).
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { installInto, TOOLCHAINS } from "./toolchains.mjs";

function cpuHasAvx2() {
  try {
    return /\bavx2\b/.test(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    return true;
  }
}

/** `{ bin }` of a runnable Bun, or `{ why }` it cannot be had. */
export function findBun() {
  if (process.env.TLSMITH_BUN) return { bin: process.env.TLSMITH_BUN };
  const os = process.platform === "win32" ? "windows" : process.platform;
  const arch = process.arch === "x64" ? "x64" : process.arch === "arm64" ? "aarch64" : null;
  if (!arch) return { why: `no Bun npm build for ${process.platform}/${process.arch}` };
  const baseline = arch === "x64" && process.platform === "linux" && !cpuHasAvx2();
  const name = `@oven/bun-${os}-${arch}${baseline ? "-baseline" : ""}`;
  const prefix = join(TOOLCHAINS, "bun");
  const bin = join(
    prefix,
    "node_modules",
    ...name.split("/"),
    "bin",
    os === "windows" ? "bun.exe" : "bun",
  );
  if (!existsSync(bin)) {
    const r = installInto(prefix, `${name}@^1`);
    if (r.status !== 0) {
      return {
        why: `npm install ${name} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`,
      };
    }
    if (!existsSync(bin)) return { why: `${name} installed but has no ${bin}` };
  }
  return { bin };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(findBun()));
}
