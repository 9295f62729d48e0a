#!/usr/bin/env bash
# Create .venv (if needed) and install cloudorg with its extras.
# torch is installed first from its pinned CPU wheel, so that no requirement pulls a CUDA
# build; ci/constraints.txt keeps it pinned while the package installs.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c ci/constraints.txt torch
.venv/bin/python -m pip install --quiet -c ci/constraints.txt -e ".[dev,bench,docs]"
