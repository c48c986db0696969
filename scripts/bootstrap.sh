#!/usr/bin/env bash
# Create .venv in the project root and install nianbao into it (editable, with test extras).
# Works on a fresh Debian/Ubuntu machine that has only python3: as root it installs
# python3-venv through apt when the interpreter lacks venv/ensurepip.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "nianbao: error: $PYTHON not found; install Python 3.10 or newer" >&2; exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "nianbao: error: Python 3.10 or newer is needed, $PYTHON is $("$PYTHON" -V 2>&1)" >&2; exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    scripts/system-deps.sh "python3-venv"
  fi
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# Data folders (templates, static files, the sample portal) are package data, not packages:
# setuptools need not warn about each.
PYTHONWARNINGS="ignore:Package ':UserWarning" .venv/bin/python -m pip install --quiet -e '.[test]'
touch .venv/.installed
echo "nianbao installed in .venv ($(.venv/bin/nianbao --version))"
