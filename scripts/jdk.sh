# Sourced by ./outpost and scripts/test.sh: sets OUTPOST_JAVA_HOME to a JDK >= 21.
# Order: $JAVA_HOME when it is a JDK >= 21; else the newest JDK >= 21 under /usr/lib/jvm
# (or $OUTPOST_JVM_DIR); else a message on how to get one, and exit 1.

outpost_java_major() {
  # Prints the feature version of the JDK at $1 (e.g. 21, 25), or nothing if it is not a JDK.
  local home=$1 version=""
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  if [ -f "$home/release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)"/\1/p' "$home/release")
  fi
  if [ -z "$version" ]; then
    version=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  version=${version#1.}
  echo "${version%%[.+-]*}"
}

outpost_find_jdk() {
  local major best="" best_major=0 dir
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(outpost_java_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      OUTPOST_JAVA_HOME=$JAVA_HOME
      return 0
    fi
    local found="not a JDK"
    [ -n "$major" ] && found="JDK $major"
    echo "outpost: JAVA_HOME=$JAVA_HOME is $found; looking for a JDK >= 21 instead." >&2
  fi
  for dir in "${OUTPOST_JVM_DIR:-/usr/lib/jvm}"/*; do
    [ -d "$dir" ] || continue
    major=$(outpost_java_major "$dir") || continue
    [ -n "$major" ] || continue
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best=$dir
      best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    cat >&2 <<MSG
outpost: no JDK 21 or newer found.
  Looked at: JAVA_HOME (${JAVA_HOME:-unset}) and ${OUTPOST_JVM_DIR:-/usr/lib/jvm}/*.
  Install one, for example:  sudo apt-get install openjdk-21-jdk-headless
  or point JAVA_HOME at an existing JDK 21+:  JAVA_HOME=/path/to/jdk ./outpost ...
MSG
    return 1
  fi
  OUTPOST_JAVA_HOME=$(readlink -f "$best")
}
