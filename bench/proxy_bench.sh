#!/bin/sh
# tlsmith proxy against local-ssl-proxy (npm; http-proxy on node:https) and a direct connection,
# in front of the same plain node:http upstream answering "hello", on loopback:
#   keep-alive HTTP/1.1 requests/s and p99 latency with N connections, and p50 latency of one
#   connection's sequential requests (what a proxy adds to each request), wrk --latency, rounds
#   interleaved.
# tlsmith proxy runs on Deno (the source) and on Node (the npm build). All proxies use the same
# ECDSA P-256 certificate. Goals: >= 1.5x local-ssl-proxy's requests/s, <= 1 ms added p50.
# Usage: bench/proxy_bench.sh [seconds per run, default 5] [connections, default 10] [rounds, default 3]
#   local-ssl-proxy is installed privately into .tmp/bench-deps/ on first use (or set
#   TLSMITH_LOCAL_SSL_PROXY to its build/main.js).
set -eu
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
SECS="${1:-5}"
CONNS="${2:-10}"
ROUNDS="${3:-3}"
DENO="$ROOT/node_modules/.bin/deno"
WORK="$(mktemp -d)"
cleanup() {
  # The servers' PIDs, written by start() (it runs in a command substitution's subshell).
  if [ -f "$WORK/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$WORK/pids"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

command -v wrk >/dev/null || { echo "proxy_bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
LSP="${TLSMITH_LOCAL_SSL_PROXY:-$ROOT/.tmp/bench-deps/node_modules/local-ssl-proxy/build/main.js}"
if [ ! -f "$LSP" ]; then
  echo "proxy_bench: installing local-ssl-proxy into .tmp/bench-deps/ (private, not a dependency)" >&2
  npm install --prefix "$ROOT/.tmp/bench-deps" --no-save --no-audit --no-fund --loglevel=error \
    local-ssl-proxy >&2
fi
# Node runs the npm build (as users get it), built into .tmp/proxy-bench-npm/.
NPM_DIR="$ROOT/.tmp/proxy-bench-npm"
TLSMITH_NPM_DIR="$NPM_DIR" "$DENO" run -A scripts/build_npm.ts >/dev/null

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" \
  -out "$WORK/cert.pem" -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
# Start a background process; wait until its output matches a pattern whose first group is the port.
start() { # name pattern command...
  name="$1"; pattern="$2"; shift 2
  "$@" > "$WORK/$name.out" 2>&1 &
  echo "$!" >> "$WORK/pids"
  i=0
  while ! grep -Eq "$pattern" "$WORK/$name.out" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 400 ]; then echo "$name did not start:" >&2; cat "$WORK/$name.out" >&2; exit 1; fi
    sleep 0.05
  done
  sed -En "s|.*$pattern.*|\\1|p" "$WORK/$name.out" | head -1
}

UP=$(start upstream 'PORT ([0-9]+)' node -e '
  const s = require("http").createServer((req, res) => res.end("hello"));
  s.listen(0, "127.0.0.1", () => console.log("PORT " + s.address().port));')
LSP_PORT=$(free_port)
start local-ssl-proxy "(Started)" node "$LSP" --source "$LSP_PORT" --target "$UP" \
  --cert "$WORK/cert.pem" --key "$WORK/key.pem" >/dev/null
DENO_PORT=$(start tlsmith-deno 'https://127\.0\.0\.1:([0-9]+)/' "$DENO" run -A mod.ts proxy \
  --quiet --port 0 --cert "$WORK/cert.pem" --key "$WORK/key.pem" "http://127.0.0.1:$UP")
NODE_PORT=$(start tlsmith-node 'https://127\.0\.0\.1:([0-9]+)/' node "$NPM_DIR/bin/tlsmith.cjs" \
  proxy --quiet --port 0 --cert "$WORK/cert.pem" --key "$WORK/key.pem" "http://127.0.0.1:$UP")

# One wrk run: "<requests/s> <p50 ms> <p99 ms>".
measure() { # connections url
  wrk -t1 -c"$1" -d"${SECS}s" --latency "$2" 2>/dev/null | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%d %.3f %.3f\n", rps, p50, p99 }'
}

TARGETS="direct local-ssl-proxy tlsmith-deno tlsmith-node"
url_of() {
  case "$1" in
    direct) echo "http://127.0.0.1:$UP/" ;;
    local-ssl-proxy) echo "https://127.0.0.1:$LSP_PORT/" ;;
    tlsmith-deno) echo "https://127.0.0.1:$DENO_PORT/" ;;
    tlsmith-node) echo "https://127.0.0.1:$NODE_PORT/" ;;
  esac
}
echo "proxy_bench: $ROUNDS interleaved rounds of ${SECS}s, $CONNS keep-alive connections, wrk -t1"
for target in $TARGETS; do curl -sk --max-time 5 "$(url_of "$target")" >/dev/null || { echo "$target does not answer" >&2; exit 1; }; done
r=1
while [ "$r" -le "$ROUNDS" ]; do
  for target in $TARGETS; do
    many="$(measure "$CONNS" "$(url_of "$target")")"
    one="$(measure 1 "$(url_of "$target")")"
    # target, req/s and p99 with $CONNS connections, p50 of one connection
    echo "$target $(echo "$many" | cut -d" " -f1) $(echo "$one" | cut -d" " -f2) $(echo "$many" | cut -d" " -f3)" >> "$WORK/results"
    echo "  round $r  $target: $CONNS conns: $many, 1 conn: $one (req/s p50-ms p99-ms)"
  done
  r=$((r + 1))
done

# Medians per target, then the ratios.
awk -v rounds="$ROUNDS" '
  function median(list, n,   a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { rps[$1] = rps[$1] " " $2; p50[$1] = p50[$1] " " $3; p99[$1] = p99[$1] " " $4; if (!seen[$1]++) order[++k] = $1 }
  END {
    printf "\n%-16s %10s %12s %12s\n", "median of " rounds, "req/s", "p50 ms (1)", "p99 ms"
    for (i = 1; i <= k; i++) {
      t = order[i]; R[t] = median(rps[t]); P50[t] = median(p50[t]); P99[t] = median(p99[t])
      printf "%-16s %10d %12.3f %12.3f\n", t, R[t], P50[t], P99[t]
    }
    printf "\n"
    for (i = 1; i <= k; i++) {
      t = order[i]; if (t !~ /^tlsmith/) continue
      printf "%s: %.2fx local-ssl-proxy req/s (goal >= 1.5x); p99 %.2fx local-ssl-proxy; added p50 vs direct %+.3f ms (goal <= 1 ms)\n",
        t, R[t] / R["local-ssl-proxy"], P99[t] / P99["local-ssl-proxy"], P50[t] - P50["direct"]
    }
  }' "$WORK/results"
