"""The Python examples of every documentation page run as one script per page.

A page's ```python blocks, concatenated in order, run in a new process in a work folder of
their own (see ``tests/docs_workdir.py`` for what it holds); each page's script must exit
with 0 and leave what the page says it makes. A new page with Python blocks is picked up
by the glob, and fails until ``CHECKS`` says what its script should leave or print.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from cloudorg.testing import local_s3_server

from .docs_workdir import (
    ARCHIVE_BUCKET,
    ROOT,
    S3_STORE_URL,
    make_inputs,
    page_script,
    publish_archive,
    publish_store,
    run,
    work_folder,
)

PAGES = sorted(page for page in (ROOT / "docs").glob("*.md") if "```python" in page.read_text())


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
    "archives.md": _both(
        _has("eurec4a-2020.zarr/manifest.json", "goes-cache/cache"),
        _prints("G16_abi_F_20200120T130000", "G16_abi_F_20200120T140000", "'scene': 2"),
    ),
    "getting-started.md": _prints("cloud fraction", "16 metrics; (75, 8)"),
    "ingest.md": _both(_has("barbados.zarr/manifest.json"), _prints("ingested    12")),
    "labels.md": _both(
        _has("coverage_per_class.png", "train.csv", "images.csv"),
        _prints(
            "36055 rows, 8686 images",
            "train.csv (Kaggle run-length encoded masks",
            "27 tiles scored",
        ),
    ),
    "metrics.md": _prints("km ", "{'cloud_edge_fraction': 0."),
    "models.md": _both(
        _has("tile2vec.json", "run.pt", "curves.png", "classifier.pt", "ae.pt"),
        _prints("{'tile': 27, 'embedding': 8}", "1024 latent values per tile"),
    ),
    "pipeline.md": _both(
        _has("run.yaml", "barbados.zarr/manifest.json", "model.pt", "report.html"),
        _prints("['ingest', 'tiles', 'metrics', 'train', 'embed', 'analyse', 'report']"),
    ),
    "report.md": _has("report.html"),
    "scaling.md": _prints("3 scenes committed", "75 tiles of 64 px at half overlap", "16 metrics"),
    "store.md": _both(_has("mine.zarr"), _prints("'scene': 3", "['example_00']")),
    "supervised.md": _both(
        _has(
            "classifier.pt",
            "gradcam.png",
            "feature_maps.png",
            "reconstructions.png",
            "deepcluster.pt",
        ),
        _prints("held-out tiles", "{'tile': 27, 'embedding': 512}", "32 features"),
    ),
    "tiles.md": _both(_has("triplets/00000_anchor.png"), _prints("75 usable tiles")),
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    return make_inputs(tmp_path_factory.mktemp("docs-inputs"))


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_the_examples_of_a_page_run_as_a_script(page: Path, inputs: Path, tmp_path: Path) -> None:
    assert page.name in CHECKS, (
        f"{page.name} has Python examples but no entry in CHECKS: add one saying what its "
        "script should write or print"
    )
    script = page_script(page)
    folder = work_folder(inputs, tmp_path / "work")
    with contextlib.ExitStack() as stack:
        if S3_STORE_URL in script or ARCHIVE_BUCKET in script:
            # A server of the page's own (AWS_ENDPOINT_URL names it): its buckets hold what
            # the page reads and nothing that other tests put there.
            stack.enter_context(local_s3_server())
        if S3_STORE_URL in script:
            publish_store(inputs / "campaign.zarr")
        if ARCHIVE_BUCKET in script:
            publish_archive(inputs)
        done = run(script, folder, name=f"{page.stem}.py", timeout=240)
    assert done.returncode == 0, f"{page.name}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    CHECKS[page.name](done, folder)
