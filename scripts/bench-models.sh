#!/usr/bin/env bash
# Issue 5's model table: every model in the models folder, SingleStream and Offline, on one pinned
# thread and on two threads, each run repeated; prints a Markdown table (also written to
# target/bench-models/table.md, with one JSON per run beside it).
#   scripts/bench-models.sh [DURATION [REPEAT]]      defaults: 3s 3
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
models=${OUTPOST_MODELS:-$root/../shared/models}
duration=${1:-3s}
repeat=${2:-3}
out=target/bench-models
mkdir -p "$out"
./outpost --version >/dev/null
# TABLE_ONLY=1 rebuilds the table from the JSON files of an earlier run
for model in $([ "${TABLE_ONLY:-0}" = 1 ] || echo "$models"/*.onnx); do
  name=$(basename "$model" .onnx)
  for t in 1 2; do
    pin=0; [ "$t" = 2 ] && pin=0-1
    for scenario in single-stream offline; do
      echo "bench: $name threads=$t $scenario" >&2
      ./outpost bench "$model" --scenario "$scenario" --threads "$t" --pin "$pin" --duration "$duration" \
        --repeat "$repeat" --no-cold-start --json "$out/$name-t$t-$scenario.json" >/dev/null 2>>"$out/bench.log" \
        || echo "bench: $name threads=$t $scenario failed (see $out/bench.log)" >&2
    done
  done
done
{
  echo "| model | size | threads | SingleStream p50 | p90 | cv (p90) | Offline samples/s | cv | warm load | peak RSS | GMAC/s | INT8 MACs | of peak |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for model in "$models"/*.onnx; do
    name=$(basename "$model" .onnx)
    for t in 1 2; do
      ss="$out/$name-t$t-single-stream.json"; off="$out/$name-t$t-offline.json"
      [ -f "$ss" ] && [ -f "$off" ] || { echo "| $name | | $t | failed | | | | | | | | | |"; continue; }
      jq -r --slurpfile off "$off" --arg t "$t" '.reports[0] as $r | $off[0].reports[0] as $o |
        "| \($r.model.path | split("/") | last) | \(($r.model.sizeBytes/1048576*100|round)/100) MiB | \($t) | " +
        "\(($r.summary.latency.p50Ns/1e3|round)/1000) ms | \(($r.summary.latency.p90Ns/1e3|round)/1000) ms | " +
        "\(if $r.summary.cv == null then "-" else (($r.summary.cv*1000|round)/10|tostring) + " %" end) | " +
        "\($o.summary.samplesPerSecond|round) | " +
        "\(if $o.summary.cv == null then "-" else (($o.summary.cv*1000|round)/10|tostring) + " %" end) | " +
        "\(($r.load.warmNs/1e5|round)/10) ms | \(($r.memory.peakRssBytes/1048576)|round) MiB | " +
        "\(if $o.summary.gmacsPerSecond == null then "-" else (($o.summary.gmacsPerSecond*10|round)/10|tostring) end) | " +
        "\(if $o.model.macsPerSample == 0 then "-" else (($o.model.integerMacsPerSample / $o.model.macsPerSample * 100 | floor | tostring) + " %") end) | " +
        "\(if $o.summary.fractionOfPeak == null then "-" else (($o.summary.fractionOfPeak*1000|round)/10|tostring) + " %" end) |"' "$ss"
    done
  done
} | tee "$out/table.md"
