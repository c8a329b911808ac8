#!/bin/sh
# Cold start of `tlsmith serve --cert=adhoc`: from spawning the CLI to the first
# HTTPS response (warm module cache), median of N runs, on Deno (source) and on
# Node (the npm build in npm/, if built with `deno task build`).
# Usage: bench/cold_start.sh [N]   (default 11)
set -eu
cd "$(dirname "$0")/.."
N="${1:-11}"
SITE="$(mktemp -d)"
trap 'rm -rf "$SITE"' EXIT
echo "hello" > "$SITE/index.html"

measure() { # label, then the command
  label="$1"; shift
  node --input-type=module - "$N" "$SITE" "$label" "$@" <<'JS'
import { spawn } from "node:child_process";
import https from "node:https";
const [n, site, label, cmd, ...args] = process.argv.slice(2);
function once() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, [...args, "serve", "--cert=adhoc", "--port", "0", "--quiet", site], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error("timeout")); }, 30000);
    let out = "";
    let asked = false;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => {
      out += d;
      const m = /https:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (!m || asked) return;
      asked = true;
      https.get({ host: "127.0.0.1", port: Number(m[1]), path: "/", rejectUnauthorized: false, agent: false }, (res) => {
        res.resume();
        res.on("end", () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          clearTimeout(timer);
          child.on("exit", () => resolve(ms));
          child.kill("SIGINT");
        });
      }).on("error", reject);
    });
  });
}
await once(); // warm the module cache
const times = [];
for (let i = 0; i < Number(n); i++) times.push(await once());
times.sort((a, b) => a - b);
const med = times[Math.floor(times.length / 2)];
console.log(`${label.padEnd(6)} median ${med.toFixed(0)} ms  (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}, n=${n})`);
JS
}

measure deno node_modules/.bin/deno run -A mod.ts
if [ -f npm/bin/tlsmith.cjs ]; then
  measure node node npm/bin/tlsmith.cjs
else
  echo "node   skipped: npm/bin/tlsmith.cjs not built (deno task build)"
fi
