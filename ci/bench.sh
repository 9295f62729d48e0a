#!/usr/bin/env bash
# Every asv benchmark once, in the project's environment, quick (CLOUDORG_BENCH_QUICK=1:
# small scenes, one round of each comparison); a benchmark that fails makes this script
# fail. A missed goal does not: the goals table printed at the end shows it.
#
# asv saves no results in a --dry-run, so the run records its results for the commit
# checked out (--set-commit-hash) under .asv/results; `asv publish` makes the HTML pages
# of them in .asv/html (CI's artifact) and benchmarks/collect.py prints the goals table.
# The GPU benchmark script runs once on the CPU with tiny settings, so that it cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
export SATPY_DOWNLOAD_AUX=False MPLBACKEND=Agg CLOUDORG_BENCH_QUICK=1
.venv/bin/asv machine --yes >/dev/null
.venv/bin/asv run --quick --show-stderr --launch-method forkserver --durations 15 \
    --set-commit-hash "$(git rev-parse HEAD)" \
    --environment "existing:$(pwd)/.venv/bin/python" "$@"
.venv/bin/asv publish
.venv/bin/python -m benchmarks.collect --asv .asv/results
.venv/bin/python -m benchmarks.gpu_throughput --quick --arch resnet18 --size 128 --precision fp32
