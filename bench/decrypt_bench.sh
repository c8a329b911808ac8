#!/bin/sh
# Decrypting an encrypted key at 600 000 PBKDF2-HMAC-SHA256 iterations (our default):
# whole-process wall time of `openssl pkey -passin` vs `tlsmith key decrypt` on Deno
# (source) and Node (the npm build, if npm/ exists), on the same file.
#
#   sh bench/decrypt_bench.sh [RUNS]      (default 15 runs each; prints the medians)
#
# Goal: tlsmith is not slower than OpenSSL's CLI. Also prints the in-process time of
# decryptPrivateKey() alone (no process start-up) on each runtime.
set -eu
cd "$(dirname "$0")/.."
RUNS="${1:-15}"
DENO="${DENO:-node_modules/.bin/deno}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT INT TERM

export TLSMITH_PASSPHRASE="bench pass phrase"
"$DENO" run -A mod.ts key generate --type ec --encrypt --out "$TMP/enc.pem" 2>/dev/null
openssl asn1parse -in "$TMP/enc.pem" | grep -q ":0927C0" || { echo "not 600000 iterations" >&2; exit 1; }

now_ms() { date +%s%3N; }

# The commands, run in turn (interleaved, so machine noise hits all of them alike).
set -- \
  "openssl pkey -passin (OpenSSL $(openssl version | cut -d' ' -f2))" \
  "openssl pkey -in $TMP/enc.pem -passin env:TLSMITH_PASSPHRASE -out $TMP/o.pem" \
  "tlsmith key decrypt (Deno $("$DENO" --version | head -1 | cut -d' ' -f2))" \
  "$DENO run -A mod.ts key decrypt $TMP/enc.pem --out $TMP/d.pem --force"
if [ -f npm/bin/tlsmith.cjs ]; then
  set -- "$@" "tlsmith key decrypt (Node $(node --version), npm build)" \
    "node npm/bin/tlsmith.cjs key decrypt $TMP/enc.pem --out $TMP/n.pem --force"
else
  echo "(no npm/ build: run 'deno task build' to include Node)"
fi

echo "decrypt an EC P-256 key, PBES2 PBKDF2-HMAC-SHA256 600000 iterations, AES-256-CBC"
n=0
for arg in "$@"; do
  n=$((n + 1))
  if [ $((n % 2)) -eq 0 ]; then
    $arg >/dev/null 2>&1 || { echo "command failed: $arg" >&2; exit 1; } # warm-up
    : >"$TMP/times.$n"
  fi
done
i=0
while [ "$i" -lt "$RUNS" ]; do
  n=0
  for arg in "$@"; do
    n=$((n + 1))
    [ $((n % 2)) -eq 0 ] || continue
    t0=$(now_ms); $arg >/dev/null 2>&1; t1=$(now_ms)
    echo $((t1 - t0)) >>"$TMP/times.$n"
  done
  i=$((i + 1))
done
n=0
for arg in "$@"; do
  n=$((n + 1))
  if [ $((n % 2)) -eq 1 ]; then name="$arg"; continue; fi
  sort -n "$TMP/times.$n" | awk -v n="$name" '{ a[NR] = $1 } END {
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    printf "%-46s median %6.1f ms  (min %d, max %d, %d runs)\n", n, m, a[1], a[NR], NR }'
done

# In-process: decryptPrivateKey() only, median of $RUNS.
cat >"$TMP/inproc.mjs" <<EOF
import process from "node:process";
const mod = await import(process.argv[2]);
const { readFile } = await import("node:fs/promises");
const pem = await readFile(process.argv[3], "utf8");
const times = [];
for (let i = 0; i < Number(process.argv[4]); i++) {
  const t = performance.now();
  await mod.decryptPrivateKey(pem, process.env.TLSMITH_PASSPHRASE);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(times[Math.floor(times.length / 2)].toFixed(1));
EOF
echo "in-process decryptPrivateKey() median: Deno $("$DENO" run -A --config deno.json "$TMP/inproc.mjs" "$PWD/mod.ts" "$TMP/enc.pem" "$RUNS") ms" \
  "$( [ -f npm/esm/mod.js ] && echo "| Node $(node "$TMP/inproc.mjs" "$PWD/npm/esm/mod.js" "$TMP/enc.pem" "$RUNS") ms")"
