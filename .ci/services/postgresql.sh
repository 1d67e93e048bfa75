# PostgreSQL server binaries for @trek/tune's storage tests. The tests start and stop their own
# throwaway server (initdb + pg_ctl on loopback, in a temporary directory), so this only makes
# sure the binaries are installed. Sourced by .ci/run under `set -euo pipefail`: never exit, and
# a failed install only means those tests skip with a line saying why.
trek_pg_initdb="$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$trek_pg_initdb" ]; then
  echo "ci: installing PostgreSQL server binaries"
  trek_pg_sudo=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then trek_pg_sudo="sudo"; fi
  if $trek_pg_sudo apt-get update -qq >/dev/null 2>&1 &&
    DEBIAN_FRONTEND=noninteractive $trek_pg_sudo apt-get install -y -qq postgresql >/dev/null 2>&1; then
    trek_pg_initdb="$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)"
  else
    echo "ci: could not install postgresql; @trek/tune's PostgreSQL tests will skip"
  fi
  unset trek_pg_sudo
fi
if [ -n "$trek_pg_initdb" ]; then
  export TREK_PG_BIN="$(dirname "$trek_pg_initdb")"
  echo "ci: PostgreSQL binaries in $TREK_PG_BIN"
fi
unset trek_pg_initdb
