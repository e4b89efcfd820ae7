#!/usr/bin/env bash
# The least any TCP inference server can add to an in-process run on this machine (issue 3's REST and
# gRPC overhead target): serving/src/test/.../floor/RawTcpFloor.java, a raw socket that reads the input
# straight into the tensor's buffer, runs the model and writes the output back.
#   scripts/bench-serving-floor.sh [MODEL...]   default: squeezenet1.0-fp32, mobilenetv2-12-int8, yolox_nano
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/bench-env.sh"
models_dir=${OUTPOST_MODELS:-$root/../shared/models}
[ $# -gt 0 ] || set -- "$models_dir/squeezenet1.0-fp32.onnx" "$models_dir/mobilenetv2-12-int8.onnx" "$models_dir/yolox_nano.onnx"
mvn -B -ntp -q -o -pl serving -am test-compile
cp="serving/target/test-classes:runtime/target/classes:$(ort_jar)"
for model in "$@"; do
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" dev.outpost.serving.floor.RawTcpFloor "$model" 8 100 | tail -n 1
done
