#!/usr/bin/env bash
# Does the harness agree with JMH? Runs a JMH sample-time benchmark of a plain ONNX Runtime Java run
# (benchmark/src/test/.../jmh/PlainOrtRun.java) and 'outpost bench --scenario single-stream' on the same
# model, both on one pinned thread, and prints both p50s and their ratio (issue 5: within 3 %).
#   scripts/bench-jmh.sh [MODEL]        default: squeezenet1.0-fp32 from the models folder
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
outpost_find_jdk || exit 1
export JAVA_HOME=$OUTPOST_JAVA_HOME
cd "$root"
model=${1:-${OUTPOST_MODELS:-$root/../shared/models}/squeezenet1.0-fp32.onnx}
out=target/bench-jmh
mkdir -p "$out"
mvn -B -ntp -q -o -pl benchmark -am test-compile
m2=${MAVEN_REPO:-$HOME/.m2/repository}
version() { sed -n "s:.*<$1>\\(.*\\)</$1>.*:\\1:p" "$2" | head -n 1; }
ort=$(version onnxruntime.version pom.xml)
jmh=$(version jmh.version benchmark/pom.xml)
cp="benchmark/target/test-classes:benchmark/target/classes:runtime/target/classes"
cp="$cp:$m2/com/microsoft/onnxruntime/onnxruntime/$ort/onnxruntime-$ort.jar:$m2/org/openjdk/jmh/jmh-core/$jmh/jmh-core-$jmh.jar"
cp="$cp:$(ls "$m2"/net/sf/jopt-simple/jopt-simple/*/jopt-simple-*.jar | grep -v sources | tail -n 1)"
cp="$cp:$(ls "$m2"/org/apache/commons/commons-math3/*/commons-math3-*.jar | grep -v sources | tail -n 1)"
rounds=${ROUNDS:-3}
# The two run one after the other, so they alternate for ROUNDS rounds (default 3): this VM drifts by
# more than the 3 % under test between minutes; the per-round ratio and its median are what count.
: > "$out/ratios.txt"
for round in $(seq 1 "$rounds"); do
  taskset -c 0 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main PlainOrtRun \
    -p "model=$model" -wi 2 -w 1 -i 3 -r 2 -rf json -rff "$out/jmh-$round.json" > "$out/jmh-$round.log"
  ./outpost bench "$model" --scenario single-stream --threads 1 --pin 0 --duration 6s --no-cold-start \
    --json "$out/outpost-$round.json" > "$out/outpost-$round.log" 2>/dev/null
  jmh_p50=$(jq '.[0].primaryMetric.scorePercentiles["50.0"] * 1000' "$out/jmh-$round.json")
  outpost_p50=$(jq '.reports[0].summary.latency.p50Ns' "$out/outpost-$round.json")
  jq -n --argjson j "$jmh_p50" --argjson o "$outpost_p50" --arg r "$round" \
    '"round \($r): JMH p50 \($j/1e6*1000|round/1000) ms, outpost bench p50 \($o/1e6*1000|round/1000) ms, outpost/JMH \(($o/$j)*1000|round/1000)"' -r
  jq -n --argjson j "$jmh_p50" --argjson o "$outpost_p50" '$o/$j' >> "$out/ratios.txt"
done
sort -g "$out/ratios.txt" | awk -v m="$(basename "$model")" '{r[NR]=$1} END {printf "%s: outpost/JMH p50 median %.3f (range %.3f-%.3f) over %d alternating rounds\n", m, r[int((NR+1)/2)], r[1], r[NR], NR}'
