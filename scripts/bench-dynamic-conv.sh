#!/usr/bin/env bash
# Does dynamic int8 pay for convolutions on this CPU? optimizer/src/test/.../probe/DynamicConvProbe.java
# times one 3x3 convolution in fp32 against DynamicQuantizeLinear + ConvInteger, pinned to CPU 0.
#   scripts/bench-dynamic-conv.sh        (three layer shapes of a ResNet-style network)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/bench-env.sh"
mvn -B -ntp -q -o -pl optimizer -am test-compile
cp="optimizer/target/test-classes:model-format/target/classes:runtime/target/classes:$(ort_jar):$(protobuf_jar)"
for shape in "64 56" "128 28" "256 14"; do
  # shellcheck disable=SC2086
  taskset -c 0 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" \
    dev.outpost.optimizer.probe.DynamicConvProbe $shape 3
done
