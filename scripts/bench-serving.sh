#!/usr/bin/env bash
# Reproduces the serving benchmarks of docs/benchmarks.md (issue 3):
#   1. the p50 that REST with binary tensors, REST with JSON tensors and gRPC add to an in-process
#      ModelSession.run of the same model, one request at a time, one intra-op thread, interleaved in
#      10 blocks (outpost loadgen --serve MODEL --overhead), on squeezenet1.0-fp32,
#      mobilenetv2-12-int8 and yolox_nano;
#   2. dynamic batching: the highest Poisson rate whose p99 meets a bound, against the in-process
#      offline throughput at the largest batch (mobilenetv2-12-int8, batch 8), for two layouts of the
#      cores (one run with every core; two concurrent one-thread runs);
#   3. a real 'outpost serve' process with mobilenetv2-12-int8: process start to ready, and its RSS
#      idle and after 30 s of load.
# Usage: scripts/bench-serving.sh [DURATION]   (default 20s per contender and row; output also saved
#        to target/bench-serving.txt)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
duration=${1:-20s}
models=${OUTPOST_MODELS:-$root/../shared/models}
./outpost --version >/dev/null # builds outpost.jar when the sources changed
mkdir -p target
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ)  commit $(git rev-parse --short HEAD)"
  echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPU(s), $(uname -r)"
  echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  for model in squeezenet1.0-fp32 mobilenetv2-12-int8 yolox_nano; do
    ./outpost loadgen --serve "$models/$model.onnx" --threads 1 --overhead --protocol rest,rest-json,grpc \
      --duration "$duration" 2>/dev/null
  done
  # two layouts of the 2 vCPUs: one run at a time with every core, and two concurrent runs of one thread
  for layout in "--max-concurrent-runs 1" "--max-concurrent-runs 2 --threads 1"; do
    # shellcheck disable=SC2086
    ./outpost loadgen --serve "$models/mobilenetv2-12-int8.onnx" --max-batch-size 8 --max-queue-delay 10ms $layout \
      --search --latency-bound 250ms --offline-batch 8 --protocol grpc,rest --workers 32 --duration "$duration" \
      2>/dev/null
  done

  echo
  echo "# outpost serve mobilenetv2-12-int8: start to ready, RSS"
  log=$(mktemp)
  ./outpost serve "$models/mobilenetv2-12-int8.onnx" --http-port 0 --grpc-port 0 >"$log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
  for _ in $(seq 1 600); do
    grep -q 'process start to ready' "$log" && break
    kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
  done
  grep -E 'Loaded|process start to ready' "$log"
  port=$(sed -n 's|.*on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log" | head -n 1)
  pid=$server # the launcher execs java in its own process
  echo "RSS idle after start: $(( $(rss_kib "$pid") / 1024 )) MiB"
  ./outpost loadgen "127.0.0.1:$port" --model mobilenetv2-12-int8 --clients 4 --duration 30s 2>/dev/null
  echo "RSS after 30 s of 4 clients: $(( $(rss_kib "$pid") / 1024 )) MiB"
  kill -TERM $server
  wait $server || true
} 2>&1 | tee target/bench-serving.txt
