#!/usr/bin/env bash
# Runs the whole test suite: finds a JDK >= 21, starts the local services the tests need
# when they are down, then runs every module's tests with Maven.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=jdk.sh
. "$root/scripts/jdk.sh"
outpost_find_jdk || exit 1
export JAVA_HOME=$OUTPOST_JAVA_HOME
echo "test: JDK $JAVA_HOME" >&2

# PostgreSQL (127.0.0.1:5432) for the storage tests of later modules; start it when it is down.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "test: starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
fi

models=${OUTPOST_MODELS:-$root/../shared/models}
data=${OUTPOST_DATA:-$root/../shared/data}
[ -d "$models" ] || echo "test: no models folder at $models; tests that need real models are skipped" >&2
[ -d "$data" ] || echo "test: no data folder at $data; tests that need real data are skipped" >&2

cd "$root"
exec mvn -B -ntp "-Doutpost.models=$models" "-Doutpost.data=$data" verify "$@"
