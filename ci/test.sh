#!/usr/bin/env bash
# Set up from a clean clone and run the checks: ruff, then the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
export SATPY_DOWNLOAD_AUX=False MPLBACKEND=Agg
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -p no:cacheprovider "$@"
