#!/usr/bin/env bash
# Set up and run the platform on the embedded default: SQLite under .data/, embedded search, demo data.
# Open http://127.0.0.1:8000 (IPP_PORT to change). Demo logins are listed in README.md.
# IPP_SECRET_KEY and IPP_ENV are left unset on purpose: the first start generates the signing key in
# .data/secret_key (mode 0600) and every later start reuses it; a weak key set by hand is refused.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/bootstrap.sh
.venv/bin/python -m ipplatform.migrate upgrade
.venv/bin/python -m ipplatform.seed
# Build the search index from the database (embeddings are cached, so later runs are quick).
.venv/bin/python -m ipplatform.search.reindex
# Match every published demand once (afterwards matching follows each change, and runs nightly).
.venv/bin/python -m ipplatform.matching.run --all
# A demo matchmaking event of the organiser's, in its booking phase, with pairs from those matches.
.venv/bin/python -m ipplatform.events.demo
echo "run: http://${IPP_HOST:-127.0.0.1}:${IPP_PORT:-8000}  (API docs at /docs)"
exec .venv/bin/uvicorn --factory ipplatform.main:create_app --host "${IPP_HOST:-127.0.0.1}" --port "${IPP_PORT:-8000}"
