#!/bin/sh
# Cold start of `tlsmith serve --cert=adhoc`: from spawning the CLI to the first
# HTTPS response (warm module cache), on Deno (`deno run -A mod.ts`, the headline
# command) and on Node (the npm build in npm/, if built with `deno task build`),
# each beside its floor: a bare process of the same runtime doing the same crypto
# work cold (make a P-256 key, sign once) and answering HTTPS with the runtime's own
# server (`Deno.serve`, `node:https`) from certificate files made beforehand.
# Rounds are interleaved (every command once per round), so a slow spell of this
# shared machine falls on all of them; each ratio is the median of per-round ratios.
# Usage: bench/cold_start.sh [N]   (N rounds, default 11)
set -eu
cd "$(dirname "$0")/.."
N="${1:-11}"
DENO="${DENO:-node_modules/.bin/deno}"
SITE="$(mktemp -d)"
trap 'rm -rf "$SITE"' EXIT
mkdir "$SITE/site" "$SITE/tls"
echo "hello" > "$SITE/site/index.html"
"$DENO" run -A mod.ts cert --self-signed localhost 127.0.0.1 \
  --out-cert "$SITE/tls/cert.pem" --out-key "$SITE/tls/key.pem" >/dev/null
cat > "$SITE/floor.mjs" <<'JS'
// The floor: the same crypto work cold, then the runtime's own HTTPS server.
const [certFile, keyFile] = typeof Deno === "undefined" ? process.argv.slice(2) : Deno.args;
const ec = { name: "ECDSA", namedCurve: "P-256" };
const pair = await crypto.subtle.generateKey(ec, true, ["sign", "verify"]);
const spki = await crypto.subtle.exportKey("spki", pair.publicKey);
await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, spki);
await crypto.subtle.exportKey("pkcs8", pair.privateKey);
const say = (port) => console.log(`https://127.0.0.1:${port}/`);
if (typeof Deno !== "undefined") {
  const cert = Deno.readTextFileSync(certFile), key = Deno.readTextFileSync(keyFile);
  Deno.serve({ port: 0, hostname: "127.0.0.1", cert, key, onListen: (a) => say(a.port) }, () =>
    new Response("hello\n"));
} else {
  const { readFileSync } = await import("node:fs");
  const { createServer } = await import("node:https");
  const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) },
    (_req, res) => res.end("hello\n"));
  server.listen(0, "127.0.0.1", () => say(server.address().port));
}
JS

# label<TAB>command lines; a floor's label is the runtime's label with "-floor".
COMMANDS="deno-floor	$DENO run -A $SITE/floor.mjs $SITE/tls/cert.pem $SITE/tls/key.pem
deno	$DENO run -A mod.ts serve --cert=adhoc --port 0 --quiet $SITE/site"
if [ -f npm/bin/tlsmith.cjs ]; then
  COMMANDS="$COMMANDS
node-floor	node $SITE/floor.mjs $SITE/tls/cert.pem $SITE/tls/key.pem
node	node npm/bin/tlsmith.cjs serve --cert=adhoc --port 0 --quiet $SITE/site"
else
  echo "node   skipped: npm/bin/tlsmith.cjs not built (deno task build)"
fi

COMMANDS="$COMMANDS" node --input-type=module - "$N" <<'JS'
import { spawn } from "node:child_process";
import https from "node:https";
const rounds = Number(process.argv[2]);
const commands = process.env.COMMANDS.trim().split("\n").map((line) => {
  const [label, command] = line.split("\t");
  return { label, argv: command.split(" "), times: [] };
});
// Spawn, wait for the URL on standard output, fetch it once; the time to the end of that response.
function once(argv) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`timeout: ${argv.join(" ")}`)); }, 30000);
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
for (const c of commands) await once(c.argv); // warm the module caches
for (let round = 0; round < rounds; round++) {
  for (const c of commands) c.times.push(await once(c.argv));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const c of commands) {
  const sorted = [...c.times].sort((a, b) => a - b);
  let line = `${c.label.padEnd(10)} median ${median(c.times).toFixed(0).padStart(4)} ms  (min ${sorted[0].toFixed(0)}, max ${sorted.at(-1).toFixed(0)}, n=${rounds})`;
  const floor = commands.find((f) => f.label === `${c.label}-floor`);
  if (floor) {
    const ratios = c.times.map((t, i) => t / floor.times[i]);
    const r = [...ratios].sort((a, b) => a - b);
    line += `  ${median(ratios).toFixed(2)}× its floor (rounds ${r[0].toFixed(2)}–${r.at(-1).toFixed(2)})`;
  }
  console.log(line);
}
JS
