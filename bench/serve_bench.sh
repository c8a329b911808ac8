#!/bin/sh
# tlsmith's serving speed, side by side with references on the same certificate (ECDSA P-256),
# loopback only, in interleaved rounds (every server once per round; medians over the rounds;
# the hello servers of one runtime run side by side, so each round loads them seconds apart):
#
#   hello     `new Response("hello world")`: raw node:http2 (allowHTTP1) vs tlsmith serve() (and
#             with `fastResponse: false`, a native Response) vs srvx
#             (its FastResponse, and a plain Response) on every Node given; raw Deno.serve vs
#             tlsmith serve() on Deno (its own listeners, node:tls and a relay to an internal
#             Deno.serve: see src/serve/runtime/deno_server.ts). wrk (HTTP/1.1 keep-alive, 16
#             connections) and h2load (HTTP/2, 16 connections x 10 streams).
#   static    one small file (1 KiB): tlsmith serveDir() on Node and on Deno vs http-server -S
#             (npm, HTTP/1.1 only); and raw Deno.serve answering 1 KiB from memory (its stall).
#   sequence  1,000 different small files fetched one after another over ONE keep-alive
#             HTTP/1.1 connection (curl): total time. A per-response stall shows here.
#   start-up  whole process `tlsmith cert localhost` (from an existing CA) and `tlsmith --version`
#             on every Node given and on Deno, vs the bare runtime (`node -e 0`, an empty
#             `deno run`), hyperfine medians; and the
#             in-process cost of loading the CA and issuing (the crypto work itself), and the floor:
#             a bare process doing that WebCrypto work cold with the runtime's own APIs.
#
# Every load run prints requests/s and the server's CPU time per request (user+system from
# /proc/PID/stat), and each ratio against its reference. A ratio is the median of the per-round
# ratios (each server against its reference measured in the same round, moments apart), so a
# machine that is slower in one round than in another moves both sides of that round's ratio;
# the servers of a part run in the opposite order every other round, so none is always first
# after a cold start or always last. The server runs on CPU 0 and wrk/h2load on CPU 1 (taskset,
# when there are two or more CPUs), so they never compete for one core. The CPU ratio (the
# reference's CPU per request over the server's) is the req/s ratio a server bound by its own
# CPU would reach; when the two disagree, the machine's other work moved req/s.
# srvx and http-server are installed privately into .tmp/bench-deps/ on first use (npm).
#
# Usage: bench/serve_bench.sh [seconds per load run, default 5] [rounds, default 3]
#   TLSMITH_BENCH_NODES="node /path/to/node24"  Node binaries (default: node, and the Node 22/24
#                                                of .tmp/toolchains/ when present)
#   TLSMITH_BENCH_ONLY="hello static sequence startup"  parts to run (default all)
#   TLSMITH_BENCH_SKIP_DENO=1                     no Deno rows
#   TLSMITH_BENCH_NO_BUILD=1                      reuse .tmp/bench/npm (the npm build) as it is
#   TLSMITH_BENCH_NO_PIN=1                        no taskset: servers and load tools float
set -eu
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
SECS="${1:-5}"
ROUNDS="${2:-3}"
ONLY="${TLSMITH_BENCH_ONLY:-hello static sequence startup}"
DENO="$ROOT/node_modules/.bin/deno"
DEPS="$ROOT/.tmp/bench-deps"
NPM_BUILD="$ROOT/.tmp/bench/npm"
WORK="$(mktemp -d)"
SERVER_PID=""
SIDE_PIDS="" # servers kept running side by side (the hello part)
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  for pid in $SIDE_PIDS; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
have() { command -v "$1" >/dev/null 2>&1; }

for tool in wrk curl openssl; do have "$tool" || { echo "serve_bench: $tool is not installed" >&2; exit 1; }; done
if [ -z "${TLSMITH_BENCH_NODES+x}" ]; then
  NODES="$(command -v node)"
  for v in 22 24; do
    b="$ROOT/.tmp/toolchains/node$v/node_modules/.bin/node"
    [ -x "$b" ] && NODES="$NODES $b"
  done
else
  NODES="$TLSMITH_BENCH_NODES"
fi
DENO_ON=1
[ -n "${TLSMITH_BENCH_SKIP_DENO:-}" ] && DENO_ON=""
# The server on CPU 0, the load generator on CPU 1 (taskset execs: the server keeps its PID).
PIN_SERVER=""
PIN_LOAD=""
if [ -z "${TLSMITH_BENCH_NO_PIN:-}" ] && have taskset && [ "$(nproc)" -ge 2 ]; then
  PIN_SERVER="taskset -c 0"
  PIN_LOAD="taskset -c 1"
fi

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" \
  -out "$WORK/cert.pem" -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null

# Node runs the npm build (what users install); Deno runs the source.
if [ -z "${TLSMITH_BENCH_NO_BUILD:-}" ] || [ ! -d "$NPM_BUILD/esm" ]; then
  echo "building the npm package into .tmp/bench/npm …" >&2
  TLSMITH_NPM_DIR="$NPM_BUILD" "$DENO" run -A scripts/build_npm.ts >"$WORK/build.log" 2>&1 ||
    { cat "$WORK/build.log" >&2; exit 1; }
fi
if [ ! -d "$DEPS/node_modules/srvx" ] || [ ! -d "$DEPS/node_modules/http-server" ]; then
  echo "installing srvx and http-server into .tmp/bench-deps …" >&2
  mkdir -p "$DEPS"
  npm install --prefix "$DEPS" --no-save --no-package-lock --no-audit --no-fund \
    --loglevel=error srvx http-server >&2
fi
SRVX="$DEPS/node_modules/srvx/dist/adapters/node.mjs"
HTTP_SERVER="$DEPS/node_modules/http-server/bin/http-server"

# A site: index.html and 1,000 small files (1 KiB each).
SITE="$WORK/site"
mkdir -p "$SITE"
echo "<h1>bench</h1>" > "$SITE/index.html"
head -c 1024 /dev/zero | tr '\0' 'x' > "$WORK/kib"
i=0
while [ "$i" -lt 1000 ]; do cp "$WORK/kib" "$SITE/f$i.txt"; i=$((i + 1)); done
export TLSMITH_BENCH_SITE="$SITE"

# --- servers ---------------------------------------------------------------------------------
start() { # command... ; ours print "PORT n"; http-server gets a free port in $FIXED_PORT
  rm -f "$WORK/server.out" # a new file: a server left running keeps writing to its own
  $PIN_SERVER "$@" > "$WORK/server.out" 2>&1 &
  SERVER_PID=$!
  i=0
  PORT=""
  while [ -z "$PORT" ]; do
    if [ -n "${FIXED_PORT:-}" ]; then
      curl -sk -o /dev/null "https://127.0.0.1:$FIXED_PORT/" && PORT="$FIXED_PORT"
    else
      PORT="$(sed -n 's/^PORT //p' "$WORK/server.out" | head -1)"
    fi
    i=$((i + 1))
    if [ "$i" -gt 400 ]; then echo "server did not start: $*" >&2; cat "$WORK/server.out" >&2; exit 1; fi
    [ -n "$PORT" ] || sleep 0.05
  done
}
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
# http-server -S, quiet (it logs every request otherwise), on a free port.
http_server() { # kind key [path protocols]
  FIXED_PORT="$(free_port)"
  if [ "$1" = measure ]; then
    measure "$2" "$3" "$4" "$NODE1" "$HTTP_SERVER" "$SITE" -S -C "$WORK/cert.pem" -K "$WORK/key.pem" -a 127.0.0.1 -p "$FIXED_PORT" -d false -s
  else
    sequence "$2" "$NODE1" "$HTTP_SERVER" "$SITE" -S -C "$WORK/cert.pem" -K "$WORK/key.pem" -a 127.0.0.1 -p "$FIXED_PORT" -d false -s
  fi
  FIXED_PORT=""
}
stop() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }

# load TOOL PATH -> "rps cpu_us_per_request"
load() {
  t0="$(cpu_ticks)"
  if [ "$1" = h2 ]; then
    out="$($PIN_LOAD h2load -c16 -m10 -D"$SECS" "https://127.0.0.1:$PORT$2" 2>/dev/null || true)"
  else
    out="$($PIN_LOAD wrk -t1 -c16 -d"${SECS}s" "https://127.0.0.1:$PORT$2" 2>/dev/null || true)"
  fi
  t1="$(cpu_ticks)"
  printf '%s\n' "$out" | awk -v ticks="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" '
    /requests in/ { n = $1 }                                  # wrk
    /^Requests\/sec/ { rps = $2 }
    /^requests:/ { n = $8 }                                   # h2load: succeeded
    /^finished in/ { gsub(",", "", $4); rps = $4 }
    / Non-2xx or 3xx responses/ { bad = 1 }
    END { if (n > 0 && !bad) printf "%d %.1f\n", rps, ticks * 1e6 / hz / n; else print "0 0" }'
}
warm() { $PIN_LOAD wrk -t1 -c4 -d1s "https://127.0.0.1:$PORT$1" >/dev/null 2>&1 || true; }

RES="$WORK/results" # lines: "<key> <metric> <value> <round>"
: > "$RES"
record() { echo "$1 $2 $3 ${round:-0}" >> "$RES"; }

# measure KEY PATH PROTOCOLS command...
measure() {
  key="$1"; path="$2"; protos="$3"; shift 3
  start "$@"
  warm "$path"
  for proto in $protos; do
    if [ "$proto" = h2 ] && ! have h2load; then continue; fi
    set -- $(load "$proto" "$path")
    record "$key" "$proto-rps" "$1"
    record "$key" "$proto-cpu" "$2"
  done
  stop
}

# sequence KEY command...: 1,000 files over one connection, total ms
sequence() {
  key="$1"; shift
  start "$@"
  : > "$WORK/curl.cfg"
  i=0
  while [ "$i" -lt 1000 ]; do
    printf 'url = "https://127.0.0.1:%s/f%s.txt"\noutput = "/dev/null"\n' "$PORT" "$i" >> "$WORK/curl.cfg"
    i=$((i + 1))
  done
  curl -sk --http1.1 "https://127.0.0.1:$PORT/index.html" -o /dev/null
  t0="$(date +%s%N)"
  curl -sk --http1.1 -K "$WORK/curl.cfg" || true
  t1="$(date +%s%N)"
  record "$key" seq-ms "$(( (t1 - t0) / 1000000 ))"
  stop
}

node_label() { "$1" --version; }

# --- hello: the servers of one runtime side by side -----------------------------------------
# All the servers of a runtime run at once (idle but one); each round loads each of them in
# turn, for one protocol after the other, so a server and its reference are measured seconds
# apart, under the same conditions. Every other round takes them in the opposite order.
side() { # NAME command... : start a server beside the others; its PID and port in $NAME_pid/_port
  name="$1"; shift
  start "$@"
  warm /
  eval "${name}_pid=\$SERVER_PID ${name}_port=\$PORT"
  SIDE_PIDS="$SIDE_PIDS $SERVER_PID"
  SERVER_PID=""
}
side_rounds() { # KEY-PREFIX NAMES... : ROUNDS rounds over the running servers NAMES
  prefix="$1"; shift
  forward="$*"
  backward=""
  for name in "$@"; do backward="$name $backward"; done
  round=0
  while [ "$round" -lt "$ROUNDS" ]; do
    round=$((round + 1))
    order="$forward"
    [ $((round % 2)) -eq 1 ] || order="$backward"
    for proto in h1 h2; do
      if [ "$proto" = h2 ] && ! have h2load; then continue; fi
      for name in $order; do
        eval "SERVER_PID=\$${name}_pid PORT=\$${name}_port"
        set -- $(load "$proto" /)
        record "$prefix/$(echo "$name" | tr _ -)" "$proto-rps" "$1"
        record "$prefix/$(echo "$name" | tr _ -)" "$proto-cpu" "$2"
      done
    done
  done
  SERVER_PID=""
  for pid in $SIDE_PIDS; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  SIDE_PIDS=""
}
if want hello; then
  for NODE in $NODES; do
    v="$(node_label "$NODE")"
    echo "hello on Node $v: $ROUNDS rounds …" >&2
    side raw "$NODE" bench/serve_bench_server.mjs raw-http2 "$WORK/cert.pem" "$WORK/key.pem"
    side tlsmith "$NODE" bench/serve_bench_server.mjs tlsmith "$WORK/cert.pem" "$WORK/key.pem" "$NPM_BUILD/esm"
    side tlsmith_native "$NODE" bench/serve_bench_server.mjs tlsmith-native "$WORK/cert.pem" "$WORK/key.pem" "$NPM_BUILD/esm"
    side srvx "$NODE" bench/serve_bench_server.mjs srvx "$WORK/cert.pem" "$WORK/key.pem" "$SRVX"
    side srvx_plain "$NODE" bench/serve_bench_server.mjs srvx-plain "$WORK/cert.pem" "$WORK/key.pem" "$SRVX"
    side_rounds "hello/node-$v" raw tlsmith tlsmith_native srvx srvx_plain
  done
  if [ -n "$DENO_ON" ]; then
    echo "hello on Deno: $ROUNDS rounds …" >&2
    side raw "$DENO" run -A bench/serve_bench_server.mjs raw-deno "$WORK/cert.pem" "$WORK/key.pem"
    side tlsmith "$DENO" run -A bench/serve_bench_server.mjs tlsmith "$WORK/cert.pem" "$WORK/key.pem" "$ROOT"
    side_rounds hello/deno raw tlsmith
  fi
fi

# --- rounds ----------------------------------------------------------------------------------
round=0
while [ "$round" -lt "$ROUNDS" ] && { want static || want sequence; }; do
  round=$((round + 1))
  echo "round $round of $ROUNDS …" >&2
  NODE1="$(echo "$NODES" | awk '{ print $1 }')"
  if want static; then
    http_server measure static/http-server /f1.txt h1
    measure "static/tlsmith-node" /f1.txt "h1 h2" "$NODE1" bench/serve_bench_server.mjs static "$WORK/cert.pem" "$WORK/key.pem" "$NPM_BUILD/esm"
    [ -z "$DENO_ON" ] || measure "static/tlsmith-deno" /f1.txt "h1 h2" "$DENO" run -A bench/serve_bench_server.mjs static "$WORK/cert.pem" "$WORK/key.pem" "$ROOT"
    [ -z "$DENO_ON" ] || measure "static/deno-serve-1k" / "h1 h2" env TLSMITH_BENCH_BODY=1024 "$DENO" run -A bench/serve_bench_server.mjs raw-deno "$WORK/cert.pem" "$WORK/key.pem"
  fi
  if want sequence; then
    http_server sequence sequence/http-server
    sequence "sequence/tlsmith-node" "$NODE1" bench/serve_bench_server.mjs static "$WORK/cert.pem" "$WORK/key.pem" "$NPM_BUILD/esm"
    [ -z "$DENO_ON" ] || sequence "sequence/tlsmith-deno" "$DENO" run -A bench/serve_bench_server.mjs static "$WORK/cert.pem" "$WORK/key.pem" "$ROOT"
  fi
done

# --- start-up --------------------------------------------------------------------------------
if want startup && have hyperfine; then
  echo "start-up …" >&2
  export TLSMITH_CA_DIR="$WORK/ca"
  mkdir -p "$WORK/out"
  NODE1="$(echo "$NODES" | awk '{ print $1 }')"
  BIN="$NPM_BUILD/bin/tlsmith.cjs"
  # Every Node given (start-up differs between Node versions), each named by its major version
  # (node20, node22, …; a second binary of the same major is left out): "key=binary" pairs.
  STARTUP_NODES=""
  for NODE in $NODES; do
    key="node$("$NODE" -p 'process.versions.node.split(".")[0]')"
    case " $STARTUP_NODES " in *" $key="*) continue ;; esac
    STARTUP_NODES="${STARTUP_NODES:+$STARTUP_NODES }$key=$NODE"
  done
  # A CA bundle in NODE_EXTRA_CA_CERTS (some machines set one) is parsed by every Node process
  # at start: it would add the same tens of ms to the bare runtime, the floor and tlsmith alike.
  unset NODE_EXTRA_CA_CERTS
  "$NODE1" "$BIN" ca init >/dev/null
  echo "" > "$WORK/empty.mjs"
  # The floor: a bare process doing the same work cold with the runtime's own APIs — read the CA
  # key, import it into WebCrypto, make a P-256 key, sign once, write two files (no tlsmith).
  cat > "$WORK/floor.mjs" <<'JS'
const dir = typeof Deno === "undefined" ? process.env.TLSMITH_CA_DIR : Deno.env.get("TLSMITH_CA_DIR");
const fs = typeof Deno === "undefined" ? await import("node:fs") : null;
const read = (p) => fs ? fs.readFileSync(p, "utf8") : Deno.readTextFileSync(p);
const write = (p, d, mode) => fs ? fs.writeFileSync(p, d, { mode }) : Deno.writeFileSync(p, d, { mode });
const pem = read(`${dir}/ca-key.pem`);
const der = Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, "")), (c) => c.charCodeAt(0));
const ec = { name: "ECDSA", namedCurve: "P-256" };
const caKey = await crypto.subtle.importKey("pkcs8", der, ec, false, ["sign"]);
const pair = await crypto.subtle.generateKey(ec, true, ["sign", "verify"]);
const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
const key = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
const sig = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, caKey, spki));
write("floor-cert.der", sig, 0o644);
write("floor-key.der", key, 0o600);
JS
  # ROUNDS rounds of 7 runs each, every command in each round, so that a slow spell of this shared
  # machine falls on all of them; each figure is the median of its rounds' medians.
  for round in $(seq 1 "$ROUNDS"); do
    # The hyperfine commands, as its "-n NAME COMMAND" arguments.
    set --
    for pair in $STARTUP_NODES; do
      key="${pair%%=*}" NODE="${pair#*=}"
      set -- "$@" -n "$key-bare" "$NODE -e 0" -n "$key-floor" "$NODE $WORK/floor.mjs" \
        -n "$key-version" "$NODE $BIN --version" -n "$key-cert" "$NODE $BIN cert localhost --force"
    done
    if [ -n "$DENO_ON" ]; then
      set -- "$@" -n deno-bare "$DENO run -A $WORK/empty.mjs" -n deno-floor "$DENO run -A $WORK/floor.mjs" \
        -n deno-version "$DENO run -A $ROOT/cli.ts --version" \
        -n deno-cert "$DENO run -A $ROOT/cli.ts cert localhost --force"
    fi
    (cd "$WORK/out" && hyperfine -N -w 2 -r 7 --export-json "$WORK/startup.json" "$@" >/dev/null)
    "$NODE1" -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
      for (const x of r) console.log(`startup/${x.command} ms ${(x.median * 1000).toFixed(1)}`);
    ' "$WORK/startup.json" | while read -r k m v; do record "$k" "$m" "$v"; done
  done
  # The crypto work itself: load the CA and issue one leaf, in process, modules already loaded.
  cat > "$WORK/crypto.mjs" <<'JS'
const root = process.argv[2];
const ext = typeof Deno === "undefined" ? "js" : "ts";
const { CertificateAuthority } = await import(`${root}/src/ca/authority.${ext}`);
const { readFileSync } = await import("node:fs");
const dir = process.env.TLSMITH_CA_DIR;
const load = () => CertificateAuthority.load({
  cert: readFileSync(`${dir}/ca.pem`, "utf8"), key: readFileSync(`${dir}/ca-key.pem`, "utf8"),
});
await (await load()).issue(["localhost"]); // warm (JIT, WebCrypto)
const times = [];
for (let i = 0; i < 7; i++) {
  const t = performance.now();
  await (await load()).issue(["localhost"]);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(times[3].toFixed(1));
JS
  for pair in $STARTUP_NODES; do
    record "startup/${pair%%=*}-crypto" ms "$("${pair#*=}" "$WORK/crypto.mjs" "$NPM_BUILD/esm" 2>/dev/null || echo 0)"
  done
  [ -z "$DENO_ON" ] || record startup/deno-crypto ms "$(cd "$ROOT" && "$DENO" run -A "$WORK/crypto.mjs" "$ROOT" 2>/dev/null || echo 0)"
fi

# --- report ----------------------------------------------------------------------------------
median() { # key metric
  awk -v k="$1" -v m="$2" '$1 == k && $2 == m { print $3 }' "$RES" | sort -n |
    awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.0f%%", a * 100 / b; else printf "-" }'; }
# paired KEY REF METRIC [inverse] -> "median min max" of the per-round ratios KEY/REF in percent
# (REF/KEY with "inverse": for CPU per request, lower is better); rounds missing a side are skipped.
paired() {
  awk -v k="$1" -v r="$2" -v m="$3" -v inv="${4:-}" '
    $2 == m && $1 == k { a[$4] = $3 }
    $2 == m && $1 == r { b[$4] = $3 }
    END {
      n = 0
      for (i in a) if ((i in b) && a[i] > 0 && b[i] > 0) x[++n] = inv ? b[i] * 100 / a[i] : a[i] * 100 / b[i]
      if (n == 0) { print "- - -"; exit }
      for (i = 2; i <= n; i++) { v = x[i]; for (j = i - 1; j >= 1 && x[j] > v; j--) x[j + 1] = x[j]; x[j + 1] = v }
      med = n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
      printf "%.0f%% %.0f %.0f\n", med, x[1], x[n]
    }' "$RES"
}
COL=44 # the width of one protocol's columns
row() { # label key reference-key protocols
  label="$1"; key="$2"; ref="$3"; protos="$4"
  line="$(printf '%-34s' "$label")"
  for p in $protos; do
    rps="$(median "$key" "$p-rps")"; cpu="$(median "$key" "$p-cpu")"
    if [ -z "$rps" ]; then line="$line$(printf "%${COL}s" '-')"; continue; fi
    if [ "$key" = "$ref" ]; then
      line="$line$(printf "%9s/s %6s µs%$((COL - 20))s" "$rps" "$cpu" "")"
    else
      set -- $(paired "$key" "$ref" "$p-rps")
      spread="$2-$3"
      set -- "$1" "$spread" $(paired "$key" "$ref" "$p-cpu" inverse)
      line="$line$(printf '%9s/s %6s µs %5s %-7s cpu %4s' "$rps" "$cpu" "$1" "$2" "$3")"
    fi
  done
  echo "$line"
}
echo
echo "tlsmith serving benchmark: ${SECS}s per load run, $ROUNDS interleaved rounds, $(nproc) cores${PIN_SERVER:+, server on CPU 0 and load on CPU 1}"
echo "(req/s and server CPU µs per request: medians; then req/s as % of the reference row above it:"
echo " the median of the per-round ratios and their range; cpu: the reference's CPU per request as"
echo " % of this one's, the req/s ratio a CPU-bound server would reach)"
if want hello; then
  echo
  printf "%-34s%${COL}s%${COL}s\n" "hello world" "HTTP/1.1 keep-alive (wrk)" "HTTP/2 (h2load -m10)"
  for NODE in $NODES; do
    v="$(node_label "$NODE")"
    row "node:http2 raw $v" "hello/node-$v/raw" "hello/node-$v/raw" "h1 h2"
    row "  tlsmith serve()" "hello/node-$v/tlsmith" "hello/node-$v/raw" "h1 h2"
    row "  tlsmith, fastResponse: false" "hello/node-$v/tlsmith-native" "hello/node-$v/raw" "h1 h2"
    row "  srvx FastResponse" "hello/node-$v/srvx" "hello/node-$v/raw" "h1 h2"
    row "  srvx plain Response" "hello/node-$v/srvx-plain" "hello/node-$v/raw" "h1 h2"
  done
  if [ -n "$DENO_ON" ]; then
    row "Deno.serve raw" hello/deno/raw hello/deno/raw "h1 h2"
    row "  tlsmith serve() on Deno" hello/deno/tlsmith hello/deno/raw "h1 h2"
  fi
fi
if want static; then
  echo
  printf "%-34s%${COL}s%${COL}s\n" "one small file (1 KiB)" "HTTP/1.1 keep-alive (wrk)" "HTTP/2 (h2load -m10)"
  row "http-server -S (Node)" static/http-server static/http-server "h1 h2"
  row "  tlsmith serveDir() on Node" static/tlsmith-node static/http-server "h1 h2"
  [ -z "$DENO_ON" ] || row "  tlsmith serveDir() on Deno" static/tlsmith-deno static/http-server "h1 h2"
  [ -z "$DENO_ON" ] || row "  Deno.serve raw, 1 KiB in memory" static/deno-serve-1k static/http-server "h1 h2"
fi
if want sequence; then
  echo
  echo "1,000 small files, one after another, one HTTP/1.1 connection (ms; lower is better)"
  for k in http-server tlsmith-node tlsmith-deno; do
    v="$(median "sequence/$k" seq-ms)"
    [ -z "$v" ] || printf '  %-32s %8s ms\n' "$k" "$v"
  done
fi
if want startup && [ -n "${STARTUP_NODES:-}" ]; then
  echo
  echo "start-up, whole process (ms; median of $ROUNDS rounds' hyperfine medians); crypto = loading the CA and issuing, in process"
  for pair in $STARTUP_NODES; do echo "  ${pair%%=*} = $("${pair#*=}" --version)"; done
  for rt in $(for pair in $STARTUP_NODES; do echo "${pair%%=*}"; done) deno; do
    bare="$(median "startup/$rt-bare" ms)"
    [ -n "$bare" ] || continue
    crypto="$(median "startup/$rt-crypto" ms)"
    version="$(median "startup/$rt-version" ms)"
    cert="$(median "startup/$rt-cert" ms)"
    floor="$(median "startup/$rt-floor" ms)"
    printf '  %-6s bare %7s   --version %7s (%s)   cert %7s, crypto %6s: (cert - crypto) / bare = %s\n' \
      "$rt" "$bare" "$version" "$(awk -v a="$version" -v b="$bare" 'BEGIN { printf "%.2fx", a / b }')" \
      "$cert" "$crypto" "$(awk -v a="$cert" -v c="$crypto" -v b="$bare" 'BEGIN { printf "%.2fx", (a - c) / b }')"
    # The per-round ratios (cert and floor ran in the same round): their median and range.
    printf '  %-6s floor (a bare process doing the same WebCrypto work cold) %7s: cert / floor = %s\n' \
      "$rt" "$floor" "$(paired "startup/$rt-cert" "startup/$rt-floor" ms | awk '{ sub(/%/, "", $1);
        printf "%.2fx (rounds %.2f-%.2fx)", $1 / 100, $2 / 100, $3 / 100 }')"
  done
fi
