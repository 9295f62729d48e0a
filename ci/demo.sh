#!/usr/bin/env bash
# Set up from a clean clone and run the demo on built-in synthetic data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
export SATPY_DOWNLOAD_AUX=False MPLBACKEND=Agg
.venv/bin/cloudorg demo "$@"
