#!/usr/bin/env bash
# Set up and run the whole test suite. PostgreSQL (Debian package) and the Elasticsearch node are
# installed if missing and started by the tests' fixtures once per run, then stopped (a service that
# was already running is reused and left running).
# Extra arguments go to pytest, e.g. scripts/test.sh -k journey
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/bootstrap.sh --test
export CI="${CI:-false}"
cleanup() {
  # The fixtures stop what they started; this only catches a run interrupted before their teardown.
  .venv/bin/python scripts/engine.py stop --home .data/engine-test >/dev/null 2>&1 || true
  .venv/bin/python scripts/pg.py stop >/dev/null 2>&1 || true
}
if [ "${IPP_KEEP_SERVICES:-}" != "1" ]; then  # IPP_KEEP_SERVICES=1 leaves them running for the next run
  trap cleanup INT TERM
fi
.venv/bin/pytest "$@"
