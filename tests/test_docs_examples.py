"""The Python examples of every documentation page run as one script per page.

A page's ```python blocks, concatenated in order, run in a new process in a work folder of
their own (see ``tests/docs_workdir.py`` for what it holds); each page's script must exit
with 0 and leave what the page says it makes. A new page with Python blocks is picked up
by the glob; add what its script should leave to ``CHECKS``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from .docs_workdir import (
    ROOT,
    S3_STORE_URL,
    make_inputs,
    page_script,
    publish_store,
    run,
    work_folder,
)

PAGES = sorted(page for page in (ROOT / "docs").glob("*.md") if "```python" in page.read_text())

# The one list of pages whose examples do not run here yet, each with the reason.
NOT_RUNNABLE: dict[str, str] = {
    # Lists and reads NOAA's public bucket noaa-goes16 itself: without a network the script
    # waits on connections. Its owner is to point it at the local S3 server (s3_endpoint).
    "archives.md": "reads NOAA's bucket over the network",
    # Not yet rewritten into scripts: fragments with names defined nowhere.
    "labels.md": "fragments (Kaggle files, names defined nowhere)",
    "models.md": "fragments (tile2vec.json, ShuffledBatches, names defined nowhere)",
    "supervised.md": "fragments (images, labels, tiles defined nowhere)",
    "scaling.md": "SLURM and Kubernetes clusters",
    "pipeline.md": "needs a run.yaml",
}


def _has(*names: str) -> Callable[[CompletedProcess, Path], None]:
    def check(done: CompletedProcess, folder: Path) -> None:
        for name in names:
            assert (folder / name).exists(), f"{name} not written"

    return check


def _prints(*texts: str) -> Callable[[CompletedProcess, Path], None]:
    def check(done: CompletedProcess, folder: Path) -> None:
        for text in texts:
            assert text in done.stdout, f"{text!r} not printed"

    return check


def _both(*checks: Callable[[CompletedProcess, Path], None]):
    def check(done: CompletedProcess, folder: Path) -> None:
        for one in checks:
            one(done, folder)

    return check


CHECKS: dict[str, Callable[[CompletedProcess, Path], None]] = {
    "analysis.md": _both(_has("fig17.png", "fig24.png", "kmeans.npz"), _prints("k_silhouette")),
    "getting-started.md": _prints("cloud fraction", "16 metrics; (75, 8)"),
    "ingest.md": _both(_has("barbados.zarr/manifest.json"), _prints("ingested    12")),
    "metrics.md": _prints("km ", "{'cloud_edge_fraction': 0."),
    "report.md": _has("report.html"),
    "store.md": _both(_has("mine.zarr"), _prints("'scene': 3", "['example_00']")),
    "tiles.md": _both(_has("triplets/00000_anchor.png"), _prints("75 usable tiles")),
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    return make_inputs(tmp_path_factory.mktemp("docs-inputs"))


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_the_examples_of_a_page_run_as_a_script(page: Path, inputs: Path, tmp_path: Path,
                                                request) -> None:  # fmt: skip
    if page.name in NOT_RUNNABLE:
        pytest.skip(NOT_RUNNABLE[page.name])
    script = page_script(page)
    folder = work_folder(inputs, tmp_path / "work")
    if S3_STORE_URL in script:
        request.getfixturevalue("s3_endpoint")  # AWS_ENDPOINT_URL names the local server
        publish_store(inputs / "campaign.zarr")
    done = run(script, folder, name=f"{page.stem}.py", timeout=240)
    assert done.returncode == 0, f"{page.name}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    CHECKS.get(page.name, lambda done, folder: None)(done, folder)
