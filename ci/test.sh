#!/usr/bin/env bash
# Set up from a clean clone and run the checks: ruff, the docs build, the test suite and
# every benchmark once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
export SATPY_DOWNLOAD_AUX=False MPLBACKEND=Agg NO_MKDOCS_2_WARNING=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mkdocs build --strict --quiet
.venv/bin/python -m pytest -p no:cacheprovider "$@"
bash ci/bench.sh
