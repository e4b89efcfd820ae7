#!/usr/bin/env bash
# Reproduces the foundation benchmarks of docs/benchmarks.md:
#   1. ModelSession.run against a plain ONNX Runtime Java run loop (one JVM, one pinned thread) on
#      squeezenet1.0-fp32 and the builder's ResNet-50 and MobileNetV2 (random weights);
#   2. image preprocessing (decode + resize + normalize a 640x480 JPEG to 1x3x224x224) against
#      squeezenet1.0-fp32 inference on the same core.
# Usage: scripts/bench-foundation.sh [CPU]   (default CPU 0; output also saved to target/bench-foundation.txt)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
outpost_find_jdk || exit 1
export JAVA_HOME=$OUTPOST_JAVA_HOME
cpu=${1:-0}
cd "$root"
models=${OUTPOST_MODELS:-$root/../shared/models}
mvn -B -q -o -pl runtime -am test-compile 2>/dev/null || mvn -B -q -pl runtime -am test-compile
version() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" pom.xml | head -n 1; }
m2=${MAVEN_REPO:-$HOME/.m2/repository}
cp="runtime/target/classes:runtime/target/test-classes:testing/target/classes:model-format/target/classes"
cp="$cp:$m2/com/microsoft/onnxruntime/onnxruntime/$(version onnxruntime.version)/onnxruntime-$(version onnxruntime.version).jar"
cp="$cp:$m2/com/google/protobuf/protobuf-java/$(version protobuf.version)/protobuf-java-$(version protobuf.version).jar"
java_opts=(--enable-native-access=ALL-UNNAMED -Doutpost.models="$models")
[ "$(outpost_java_major "$JAVA_HOME")" -ge 23 ] && java_opts+=(--sun-misc-unsafe-memory-access=allow)
mkdir -p target
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ)  commit $(git rev-parse --short HEAD)  cpu $cpu"
  echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPU(s), $(uname -r)"
  echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  taskset -c "$cpu" "$JAVA_HOME/bin/java" "${java_opts[@]}" -cp "$cp" dev.outpost.runtime.RunOverheadBenchmark \
    builder:resnet50 builder:mobilenetv2
  taskset -c "$cpu" "$JAVA_HOME/bin/java" "${java_opts[@]}" -cp "$cp" dev.outpost.runtime.PreprocessBenchmark \
    "${OUTPOST_DATA:-$root/../shared/data}/imagenet-samples/images/n01440764_tench.JPEG"
} 2>&1 | tee target/bench-foundation.txt
