#!/usr/bin/env bash
# Make sure `uv` is available; print the path of the uv binary to use.
# On a fresh Debian box there is no uv and pip refuses system installs (PEP 668),
# so uv goes into a private virtual environment under .tools/.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v uv >/dev/null 2>&1; then
  command -v uv
  exit 0
fi
if [ -x .tools/bin/uv ]; then
  echo "$PWD/.tools/bin/uv"
  exit 0
fi
if ! python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "TestAble needs Python 3.11 or newer (python3 on PATH is older or missing)." >&2
  exit 1
fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing python3-venv ..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
  fi
fi
echo "installing uv into .tools/ ..." >&2
python3 -m venv .tools >&2
.tools/bin/pip install --quiet --disable-pip-version-check uv >&2
echo "$PWD/.tools/bin/uv"
