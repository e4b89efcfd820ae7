#!/usr/bin/env bash
# Does the harness agree with JMH? Per round, on one pinned CPU and in this order:
#   1. JMH sample-time of a plain ONNX Runtime Java run (benchmark/src/test/.../jmh/PlainOrtRun.java);
#   2. JMH sample-time of exactly what the harness's loop calls, ModelSut.issue -> ModelSession.run
#      (ModelSessionRun.java): the runtime layer's cost, apart from the harness;
#   3. 'outpost bench --scenario single-stream' on the same model.
# Prints the three p50s and the ratios outpost/JMH-plain (issue 5: within 3 %) and session/plain.
#   ROUNDS=5 scripts/bench-jmh.sh [MODEL]    default: squeezenet1.0-fp32 from the models folder
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/bench-env.sh"
model=${1:-${OUTPOST_MODELS:-$root/../shared/models}/squeezenet1.0-fp32.onnx}
out=target/bench-jmh
mkdir -p "$out"
mvn -B -ntp -q -o -pl benchmark -am test-compile
cp="benchmark/target/test-classes:benchmark/target/classes:runtime/target/classes"
cp="$cp:$(ort_jar):$(m2_jar org/openjdk/jmh jmh-core "$(pom_version jmh.version benchmark/pom.xml)")"
cp="$cp:$(m2_newest_jar net/sf/jopt-simple/jopt-simple):$(m2_newest_jar org/apache/commons/commons-math3)"
cp="$cp:$(m2_newest_jar org/hdrhistogram/HdrHistogram)"
rounds=${ROUNDS:-3}
jmh_p50() { # BENCHMARK ROUND -> p50 in ns
  taskset -c 0 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main "$1" \
    -p "model=$model" -wi 2 -w 1 -i 3 -r 2 -rf json -rff "$out/$1-$2.json" > "$out/$1-$2.log"
  jq '.[0].primaryMetric.scorePercentiles["50.0"] * 1000' "$out/$1-$2.json"
}
# The three alternate for ROUNDS rounds (default 3): this VM drifts by more than the 3 % under test
# between minutes, so the per-round ratios and their medians are what count.
: > "$out/ratios.txt"
for round in $(seq 1 "$rounds"); do
  plain=$(jmh_p50 PlainOrtRun "$round")
  session=$(jmh_p50 ModelSessionRun "$round")
  ./outpost bench "$model" --scenario single-stream --threads 1 --pin 0 --duration 6s --no-cold-start \
    --json "$out/outpost-$round.json" > "$out/outpost-$round.log" 2>/dev/null
  bench=$(jq '.reports[0].summary.latency.p50Ns' "$out/outpost-$round.json")
  jq -n -r --argjson p "$plain" --argjson s "$session" --argjson o "$bench" --arg r "$round" \
    'def ms: ./1e6*1000|round/1000; def r3: .*1000|round/1000;
     "round \($r): p50 JMH plain ORT \($p|ms) ms, JMH ModelSession.run \($s|ms) ms, outpost bench \($o|ms) ms;"
     + " outpost/plain \($o/$p|r3), session/plain \($s/$p|r3), outpost/session \($o/$s|r3)"'
  jq -n -r --argjson p "$plain" --argjson s "$session" --argjson o "$bench" '"\($o/$p) \($s/$p) \($o/$s)"' >> "$out/ratios.txt"
done
for column in 1 2 3; do
  name=$(echo "outpost/plain session/plain outpost/session" | cut -d' ' -f"$column")
  cut -d' ' -f"$column" "$out/ratios.txt" | sort -g | awk -v m="$(basename "$model")" -v n="$name" \
    '{r[NR]=$1} END {printf "%s: %s p50 median %.3f (range %.3f-%.3f) over %d alternating rounds\n", m, n, r[int((NR+1)/2)], r[1], r[NR], NR}'
done
