# Sourced by the bench-*.sh scripts that run classes from target/ with a hand-built class path ($root
# must be the project root): finds a JDK >= 21, moves to the root, and names the jars they need.

. "$root/scripts/jdk.sh"
outpost_find_jdk || exit 1
export JAVA_HOME=$OUTPOST_JAVA_HOME
cd "$root"
m2=${MAVEN_REPO:-$HOME/.m2/repository}

# pom_version NAME [POM]: the value of <NAME> in POM (default: the root pom.xml).
pom_version() { sed -n "s:.*<$1>\\(.*\\)</$1>.*:\\1:p" "${2:-pom.xml}" | head -n 1; }
# m2_jar GROUP/AS/PATH ARTIFACT VERSION: that jar in the local Maven repository.
m2_jar() { echo "$m2/$1/$2/$3/$2-$3.jar"; }
# m2_newest_jar GROUP/AS/PATH/ARTIFACT: its newest jar there (for a dependency no pom of ours pins).
m2_newest_jar() { ls "$m2"/$1/*/*.jar | grep -v -e sources -e javadoc | sort -V | tail -n 1; }
ort_jar() { m2_jar com/microsoft/onnxruntime onnxruntime "$(pom_version onnxruntime.version)"; }
protobuf_jar() { m2_jar com/google/protobuf protobuf-java "$(pom_version protobuf.version)"; }
