#!/usr/bin/env bash
# Run every asv benchmark once (`--quick`) in the project's environment; a benchmark that
# fails makes asv exit non-zero. Results are not saved (`--dry-run`).
set -euo pipefail
cd "$(dirname "$0")/.."
export SATPY_DOWNLOAD_AUX=False MPLBACKEND=Agg
.venv/bin/asv machine --yes >/dev/null
.venv/bin/asv run --quick --dry-run --show-stderr \
    --environment "existing:$(pwd)/.venv/bin/python" "$@"
