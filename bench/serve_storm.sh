#!/bin/sh
# Load storms (h2load) against serve() and the raw runtime server, side by side, on loopback:
#   handshakes: every request on a new TLS connection (h2load -n N -c N), as a crowd of clients;
#   h2 storm:   many HTTP/2 connections with 10 streams each;
#   h1 storm:   many HTTP/1.1 keep-alive connections.
# Deno: serve() vs Deno.serve; Node: serve() vs node:http2 createSecureServer({ allowHTTP1 }).
# Rounds alternate raw / serve() so that machine noise hits both; the medians and the ratio
# serve()/raw are printed, with failed requests (a storm must fail none).
# Usage: bench/serve_storm.sh [rounds, default 3] [connections, default 400]
#   TLSMITH_BENCH_SKIP_NODE=1 / TLSMITH_BENCH_SKIP_DENO=1 skip a runtime.
set -eu
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
ROUNDS="${1:-3}"
CONNS="${2:-400}"
DENO="$ROOT/node_modules/.bin/deno"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

command -v h2load >/dev/null || { echo "serve_storm: h2load is not installed (apt-get install nghttp2-client)" >&2; exit 1; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" \
  -out "$WORK/cert.pem" -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
# Node runs the npm build (TLSMITH_NPM_DIR=npm deno run -A scripts/build_npm.ts).
NODE_SERVE="$ROOT/npm/esm/src/serve/serve.js"

start() {
  "$@" > "$WORK/server.out" 2>&1 &
  SERVER_PID=$!
  i=0
  while ! grep -q '^PORT ' "$WORK/server.out" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 300 ]; then echo "server did not start:" >&2; cat "$WORK/server.out" >&2; exit 1; fi
    sleep 0.05
  done
  PORT="$(sed -n 's/^PORT //p' "$WORK/server.out")"
}
stop() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
# One h2load run: prints "<requests/s> <failed>".
storm() {
  h2load "$@" "https://127.0.0.1:$PORT/" 2>/dev/null | awk '
    /^finished in/ { gsub(",", "", $4); rps = $4 }
    /^requests:/ { failed = $10 + $12 }
    END { printf "%d %d\n", rps, failed }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else print v[int((NR + 1) / 2)] }'; }

echo "serve() vs raw under load storms: $ROUNDS alternating rounds, $CONNS connections, $(nproc) cores"
RES="$WORK/results"
: > "$RES"
run_round() { # key command...
  key="$1"; shift
  start "$@"
  h2load -n 200 -c 10 "https://127.0.0.1:$PORT/" >/dev/null 2>&1 || true # warm up (JIT)
  echo "$key handshakes $(storm -n "$CONNS" -c "$CONNS" -m 1)" >> "$RES"
  echo "$key h2 $(storm -n $((CONNS * 100)) -c "$CONNS" -m 10)" >> "$RES"
  echo "$key h1 $(storm --h1 -n $((CONNS * 50)) -c "$CONNS")" >> "$RES"
  stop
}
pairs=""
[ -n "${TLSMITH_BENCH_SKIP_DENO:-}" ] || pairs="$pairs deno"
[ -n "${TLSMITH_BENCH_SKIP_NODE:-}" ] || pairs="$pairs node"
round=0
while [ "$round" -lt "$ROUNDS" ]; do
  round=$((round + 1))
  for rt in $pairs; do
    if [ "$rt" = deno ]; then
      run_round deno_raw "$DENO" run -A bench/serve_bench_server.mjs raw-deno "$WORK/cert.pem" "$WORK/key.pem"
      run_round deno_tlsmith "$DENO" run -A bench/serve_bench_server.mjs tlsmith "$WORK/cert.pem" "$WORK/key.pem" "$ROOT/src/serve/serve.ts"
    else
      [ -f "$NODE_SERVE" ] || { echo "serve_storm: build npm/ first" >&2; exit 1; }
      run_round node_raw node bench/serve_bench_server.mjs raw-http2 "$WORK/cert.pem" "$WORK/key.pem"
      run_round node_tlsmith node bench/serve_bench_server.mjs tlsmith "$WORK/cert.pem" "$WORK/key.pem" "$NODE_SERVE"
    fi
  done
done

printf '\n%-22s %14s %14s %14s\n' "median req/s (failed)" "handshakes" "h2 storm" "h1 storm"
for rt in $pairs; do
  for kind in raw tlsmith; do
    row=""
    for load in handshakes h2 h1; do
      rps="$(awk -v k="${rt}_$kind" -v l="$load" '$1 == k && $2 == l { print $3 }' "$RES" | median)"
      failed="$(awk -v k="${rt}_$kind" -v l="$load" '$1 == k && $2 == l { s += $4 } END { print s + 0 }' "$RES")"
      row="$row$(printf '%14s ' "$rps ($failed)")"
    done
    printf '%-22s %s\n' "$rt $kind" "$row"
  done
  row=""
  for load in handshakes h2 h1; do
    raw="$(awk -v k="${rt}_raw" -v l="$load" '$1 == k && $2 == l { print $3 }' "$RES" | median)"
    ours="$(awk -v k="${rt}_tlsmith" -v l="$load" '$1 == k && $2 == l { print $3 }' "$RES" | median)"
    row="$row$(awk -v a="$ours" -v b="$raw" 'BEGIN { if (b > 0) printf "%14.2f ", a / b; else printf "%14s ", "-" }')"
  done
  printf '%-22s %s\n' "$rt serve()/raw" "$row"
done
