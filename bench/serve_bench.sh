#!/bin/sh
# serve() against the raw runtime server on the same certificate (ECDSA P-256), on loopback:
#   keep-alive HTTP/1.1 requests/s (wrk), new TLS connections/s (wrk, "Connection: close"),
#   HTTP/2 requests/s (h2load, 10 streams per connection, when installed).
# Deno: serve() vs Deno.serve. Node: serve() vs node:http2 createSecureServer({ allowHTTP1 })
# (what the bridge runs on), and node:https for reference. Goal: serve() costs <= 5 %.
# Usage: bench/serve_bench.sh [seconds per run, default 5] [connections, default 16] [rounds, default 2]
#   TLSMITH_BENCH_NODES="node /path/to/node24" also measures other Node versions ("" for none);
#   TLSMITH_BENCH_SKIP_DENO=1 skips Deno.
set -eu
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
SECS="${1:-5}"
CONNS="${2:-16}"
ROUNDS="${3:-2}"
# Node binaries to compare (space-separated); default: the node on PATH.
NODES="${TLSMITH_BENCH_NODES-$(command -v node)}"
DENO="$ROOT/node_modules/.bin/deno"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

command -v wrk >/dev/null || { echo "serve_bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" \
  -out "$WORK/cert.pem" -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null

# Node runs the library compiled by tsc (as the npm build does) into .tmp/bench/.
BUILD="$ROOT/.tmp/bench"
mkdir -p "$BUILD"
cat > "$BUILD/tsconfig.json" <<JSON
{ "compilerOptions": { "target": "ES2022", "module": "nodenext", "moduleResolution": "nodenext",
  "lib": ["es2022", "dom", "dom.iterable"], "types": ["node"], "typeRoots": ["$ROOT/node_modules/@types"],
  "strict": true, "skipLibCheck": true, "rewriteRelativeImportExtensions": true,
  "rootDir": "$ROOT", "outDir": "$BUILD/out" }, "files": ["$ROOT/src/serve/serve.ts"] }
JSON
echo '{ "type": "module" }' > "$BUILD/package.json"
"$ROOT/node_modules/.bin/tsc" -p "$BUILD/tsconfig.json"

start() { # runtime kind [module]
  "$@" > "$WORK/server.out" 2>&1 &
  SERVER_PID=$!
  i=0
  while ! grep -q '^PORT ' "$WORK/server.out" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 200 ]; then echo "server did not start:" >&2; cat "$WORK/server.out" >&2; exit 1; fi
    sleep 0.05
  done
  PORT="$(sed -n 's/^PORT //p' "$WORK/server.out")"
}
stop() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cpu_ticks() { # user+system CPU of the server process, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"
}
# Each load run prints "<requests/s> <server CPU µs per request>".
load() { # tool args...
  t0="$(cpu_ticks)"
  out="$("$@" 2>/dev/null || true)"
  t1="$(cpu_ticks)"
  printf '%s\n' "$out" | awk -v ticks="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" '
    /requests in/ { n = $1 }                         # wrk
    /^Requests\/sec/ { rps = $2 }
    /^requests:/ { n = $2 }                          # h2load
    /^finished in/ { gsub(",", "", $4); rps = $4 }
    END { if (n > 0) printf "%d %.0f", rps, ticks * 1e6 / hz / n; else printf "0 0" }'
  if [ -z "$(printf "%s" "$out" | grep "requests")" ]; then printf "%s\n" "load failed: $*" "$out" >&2; cat "$WORK/server.out" >&2; fi
}
wrk_load() { load wrk -t1 -c"$CONNS" -d"${SECS}s" "$@" "https://127.0.0.1:$PORT/"; }
h2_load() {
  if command -v h2load >/dev/null; then
    load h2load -c"$CONNS" -m10 -D"$SECS" "https://127.0.0.1:$PORT/"
  else printf "0 0"; fi
}

echo "serve() vs raw servers: ${SECS}s per run, best of $ROUNDS, $CONNS connections, 'hello world', $(nproc) cores"
echo "(requests/s, and the server's CPU time per request in µs: robust when the machine is busy)"
printf '%-34s %20s %20s %20s\n' "server" "keep-alive/s  µs" "new TLS conn/s  µs" "HTTP/2 req/s  µs"
RES="$WORK/results"
: > "$RES"
best() { # "rps cpu" lines on stdin -> max rps, min cpu
  awk 'NR == 1 || $1 > r { r = $1 } NR == 1 || ($2 < c && $2 > 0) { c = $2 } END { printf "%d %d", r, c }'
}
run_one() { # key label command...
  key="$1"; label="$2"; shift 2
  : > "$WORK/ka"; : > "$WORK/close"; : > "$WORK/h2"
  round=0
  while [ "$round" -lt "$ROUNDS" ]; do
    round=$((round + 1))
    start "$@"
    wrk -t1 -c4 -d1s "https://127.0.0.1:$PORT/" >/dev/null 2>&1 || true # warm up (JIT)
    wrk_load >> "$WORK/ka"; echo >> "$WORK/ka"
    wrk_load -H 'Connection: close' >> "$WORK/close"; echo >> "$WORK/close"
    h2_load >> "$WORK/h2"; echo >> "$WORK/h2"
    stop
  done
  ka="$(best < "$WORK/ka")"; close="$(best < "$WORK/close")"; h2="$(best < "$WORK/h2")"
  printf '%-34s %20s %20s %20s\n' "$label" "$ka" "$close" "$h2"
  echo "$key $ka $close $h2" >> "$RES"
}
[ -n "${TLSMITH_BENCH_SKIP_DENO:-}" ] || run_one deno_raw "Deno.serve (raw)" "$DENO" run -A bench/serve_bench_server.mjs raw-deno "$WORK/cert.pem" "$WORK/key.pem"
[ -n "${TLSMITH_BENCH_SKIP_DENO:-}" ] || run_one deno_tls "tlsmith serve() on Deno" "$DENO" run -A bench/serve_bench_server.mjs tlsmith "$WORK/cert.pem" "$WORK/key.pem" "$ROOT/src/serve/serve.ts"
for NODE in $NODES; do
  v="$("$NODE" --version)"
  run_one "node${v%%.*}_raw" "node:http2 allowHTTP1 (raw) $v" "$NODE" bench/serve_bench_server.mjs raw-http2 "$WORK/cert.pem" "$WORK/key.pem"
  run_one "node${v%%.*}_tls" "tlsmith serve() on Node $v" "$NODE" bench/serve_bench_server.mjs tlsmith "$WORK/cert.pem" "$WORK/key.pem" "$BUILD/out/src/serve/serve.js"
  run_one "node${v%%.*}_naive" "naive fetch adapter (ref.) $v" "$NODE" bench/serve_bench_server.mjs naive-fetch "$WORK/cert.pem" "$WORK/key.pem"
done
[ -z "$NODES" ] || run_one node_https "node:https (reference, HTTP/1 only)" node bench/serve_bench_server.mjs raw-https "$WORK/cert.pem" "$WORK/key.pem"

get() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$RES"; }
echo
echo "serve() cost: extra server CPU per request vs the raw server (goal <= 5 %; req/s above is noisier):"
printf '%-24s%16s %16s %16s\n' "" "keep-alive" "new TLS conn" "HTTP/2"
for rt in $(awk '/_(tls|naive) / { sub(/_(tls|naive)$/, "", $1); print $1 }' "$RES" | uniq); do
  for what in tls naive; do
    [ -n "$(get "${rt}_$what" 2)" ] || continue
    row=""
    for col in 3 5 7; do
      row="$row$(awk -v t="$(get "${rt}_$what" "$col")" -v r="$(get "${rt}_raw" "$col")" \
        'BEGIN { if (r > 0 && t > 0) printf "%16s ", sprintf("%+.0f %%", (t - r) * 100 / r); else printf "%16s ", "-" }')"
    done
    label="tlsmith serve() $rt"; [ "$what" = tls ] || label="naive adapter $rt"
    printf '%-24s%s\n' "$label" "$row"
  done
done
