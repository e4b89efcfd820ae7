#!/usr/bin/env bash
# Where the CPU goes when a separate load generator drives a batching server (issue 3's batching
# target, docs/benchmarks.md §5.2): 'outpost serve' with mobilenetv2-12-int8 (batches of up to 8,
# 10 ms delay) and 'outpost loadgen' in two processes, at fixed Poisson rates. Reports each
# process's CPU seconds per second of load (utime + stime from /proc/PID/stat) and the served rate.
# Usage: scripts/bench-serving-cpu.sh [RATE...]   (default 300 450; 20 s each; REST binary tensors)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
models=${OUTPOST_MODELS:-$root/../shared/models}
[ $# -gt 0 ] || set -- 300 450
./outpost --version >/dev/null
repo=$(mktemp -d)
log=$(mktemp)
trap 'kill $server 2>/dev/null || true; rm -rf "$repo" "$log"' EXIT
mkdir -p "$repo/mobilenetv2-12-int8/1"
cp "$models/mobilenetv2-12-int8.onnx" "$repo/mobilenetv2-12-int8/1/model.onnx"
printf 'max-batch-size=8\nmax-queue-delay-ms=10\nmax-queue-size=256\n' >"$repo/mobilenetv2-12-int8/config.properties"
./outpost serve --repository "$repo" --http-port 0 --no-grpc >"$log" 2>&1 &
server=$!
for _ in $(seq 1 600); do grep -q 'process start to ready' "$log" && break; sleep 0.1; done
port=$(sed -n 's|.*on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log" | head -n 1)
ticks=$(getconf CLK_TCK)
cpu() { awk -v t="$ticks" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
echo "# $(date -u +%Y-%m-%dT%H:%MZ)  commit $(git rev-parse --short HEAD); $(nproc) CPU(s); load $(cut -d' ' -f1-3 /proc/loadavg)"
./outpost loadgen "127.0.0.1:$port" --model mobilenetv2-12-int8 --clients 4 --duration 10s >/dev/null 2>&1 # warm-up
for rate in "$@"; do
  out=$(mktemp)
  ./outpost loadgen "127.0.0.1:$port" --model mobilenetv2-12-int8 --rate "$rate" --duration 20s >"$out" 2>/dev/null &
  client=$!
  sleep 3 # the client's JVM start and warm-up are not counted
  s0=$(cpu $server); c0=$(cpu $client); t0=$(date +%s.%N)
  sleep 15
  s1=$(cpu $server); c1=$(cpu $client); t1=$(date +%s.%N)
  wait $client
  awk -v r="$rate" -v n="$(nproc)" -v ds="$(echo "$s1 - $s0" | bc)" -v dc="$(echo "$c1 - $c0" | bc)" \
    -v dt="$(echo "$t1 - $t0" | bc)" \
    'BEGIN { printf "rate %s/s: server %.2f CPU s/s, load generator %.2f CPU s/s (of %d)\n", r, ds / dt, dc / dt, n }'
  grep -E 'Poisson' "$out" | tail -n 1
  rm -f "$out"
done
