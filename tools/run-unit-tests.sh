#!/usr/bin/env bash
# run-unit-tests.sh - runs every module's GoogleTest binary through CTest. The metadata store's
# PostgreSQL variants run against a throwaway PostgreSQL from ../shared/scripts when that is
# available (CANGKU_TEST_PG_DSN set by hand also works); otherwise they are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/scripts
if [ -z "${CANGKU_TEST_PG_DSN:-}" ] && [ -f "$shared/start-postgres.sh" ]; then
  export PG_DIR=${TMPDIR:-/tmp}/cangku-unit-pg PG_PORT=${PG_PORT:-55433}
  eval "$(bash "$shared/start-postgres.sh" | grep '^PG_DSN=')"
  export CANGKU_TEST_PG_DSN=$PG_DSN
  trap 'bash "$shared/stop-postgres.sh" >/dev/null 2>&1 || true' EXIT
fi
cd build
ctest --output-on-failure -j"$(nproc)" -L unit
