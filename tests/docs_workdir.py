"""Run the Python examples of the Markdown pages as scripts, in a prepared work folder.

A page's ```python blocks, in order, are one script. It runs in a folder that holds the
small inputs the pages name:

- ``campaign.zarr``: a campaign store of three synthetic scenes with 64-px tiles, their
  ground-truth labels and greyscale metrics (``cloudorg.synthetic.example_campaign``);
- ``data/``: synthetic GOES-16 ABI L1b files of two scenes east of Barbados, with their
  ground-truth maps (``cloudorg.synthetic.synthesize_campaign``);
- ``annotations_fulldataset_IRchecked_285.csv``: the real Zooniverse labels of
  ``../shared/data/sffg_labels``;
- with ``S3_STORE_URL``, that store again in object storage (a local S3 server, reached
  through ``AWS_ENDPOINT_URL``);
- with ``ARCHIVE_BUCKET``, two synthetic GOES-16 full-disk scans (bands C01, C02, C03 and
  C14) at their NOAA key names in a bucket of that server named as NOAA's
  (:func:`publish_archive`).

A page's doctest blocks (``>>>``) run as doctests in their place in the script, with the
names the blocks before them defined.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS_REAL = (
    ROOT.parent / "shared" / "data" / "sffg_labels" / "annotations_fulldataset_IRchecked_285.csv"
)
DATA_BOUNDS = (-56.2, -53.8, 12.8, 15.2)
"""The box of the synthetic files in ``data/`` (lon_min, lon_max, lat_min, lat_max)."""
S3_STORE_URL = "s3://my-bucket/campaign.zarr"
"""Where the pages read the campaign store from object storage."""
ARCHIVE_BUCKET = "s3://noaa-goes16"
"""NOAA's GOES-16 bucket, as the pages name it; served by the local S3 server."""
ARCHIVE_START = "2020-01-20T13:00"
"""The first scan of the archive's synthetic scans (one an hour)."""

_BLOCK = re.compile(r"^([ \t]*)```python\n(.*?)^\1```", re.M | re.S)


def python_blocks(page: Path) -> list[str]:
    """The Python code blocks of a Markdown page (blocks in list items dedented)."""
    blocks = []
    for indent, body in _BLOCK.findall(page.read_text()):
        lines = body.splitlines(keepends=True)
        blocks.append("".join(line.removeprefix(indent) for line in lines))
    return blocks


_DOCTEST_RUNNER = '''import doctest as _doctest


def _doctest_block(text: str) -> None:
    """Run a doctest block of the page with the script's names; stop at a failure."""
    test = _doctest.DocTestParser().get_doctest(text, dict(globals()), "block", None, 0)
    runner = _doctest.DocTestRunner(optionflags=_doctest.ELLIPSIS | _doctest.NORMALIZE_WHITESPACE)
    runner.run(test, clear_globs=False)
    globals().update({k: v for k, v in test.globs.items() if not k.startswith("__")})
    if runner.failures:
        raise SystemExit("a doctest block of the page failed (its report is above)")

'''


def page_script(page: Path) -> str:
    """A page's Python blocks, in order, as one script (doctest blocks run as doctests)."""
    blocks = python_blocks(page)
    doctests = [block.lstrip().startswith(">>>") for block in blocks]
    parts = [_DOCTEST_RUNNER] if any(doctests) else []
    for block, doctest in zip(blocks, doctests, strict=True):
        parts.append(f"_doctest_block({block!r})\n" if doctest else block)
    return "\n".join(parts)


def run(script: str, cwd: Path, *, name: str = "example.py", timeout: float = 300,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:  # fmt: skip
    """Run ``script`` as the file ``cwd/name`` in a new Python process, in ``cwd``."""
    path = cwd / name
    path.write_text(script)
    environ = {**os.environ, "MPLBACKEND": "Agg", "SATPY_DOWNLOAD_AUX": "False", **(env or {})}
    return subprocess.run([sys.executable, str(path)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=environ)  # fmt: skip


def make_inputs(folder: Path) -> Path:
    """Write the inputs the pages use into ``folder`` (about 10 s)."""
    from cloudorg.synthetic import example_campaign, synthesize_campaign

    folder.mkdir(parents=True, exist_ok=True)
    example_campaign(folder / "campaign.zarr", n_scenes=3)
    synthesize_campaign(folder / "data", 2, bounds=DATA_BOUNDS, resolution_deg=0.02,
                        progress=False)  # fmt: skip
    return folder


def work_folder(inputs: Path, folder: Path) -> Path:
    """A folder of its own for one page: a copy of the store, the read-only inputs linked."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(inputs / "campaign.zarr", folder / "campaign.zarr", symlinks=True)
    (folder / "data").symlink_to(inputs / "data", target_is_directory=True)
    (folder / LABELS_REAL.name).symlink_to(LABELS_REAL)
    return folder


def publish_archive(inputs: Path, bucket: str = ARCHIVE_BUCKET) -> list[str]:
    """Two synthetic GOES-16 full-disk scans, an hour apart from :data:`ARCHIVE_START`, at
    their NOAA keys in ``bucket`` of the S3 server that ``AWS_ENDPOINT_URL`` names.

    The files (real ABI L1b format, bands C01, C02, C03 and C14 over the EUREC4A box at
    0.05°) are written once into ``inputs/archive``.
    """
    import datetime as dt

    import s3fs

    from cloudorg.io.archive import ARCHIVES
    from cloudorg.synthetic import synthesize_campaign
    from cloudorg.testing import publish

    folder = inputs / "archive"
    if not folder.exists():
        full_disk = {"abi": {"sector": "F", "bands": ("C01", "C02", "C03", "C14")}}
        synthesize_campaign(folder, 2, bounds=(-60.0, -48.0, 10.0, 20.0), resolution_deg=0.05,
                            start=dt.datetime.fromisoformat(ARCHIVE_START),
                            interval=dt.timedelta(hours=1), seed=5, progress=False,
                            sensor_kwargs=full_disk)  # fmt: skip
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    return publish(fs, sorted(folder.glob("OR_ABI*.nc")), bucket, ARCHIVES["goes16"].key)


def publish_store(store: Path, url: str = S3_STORE_URL) -> str:
    """Upload a local store to the S3 server that ``AWS_ENDPOINT_URL`` names."""
    import s3fs

    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    bucket = url.split("://", 1)[1].split("/", 1)[0]
    if not fs.exists(bucket):
        fs.mkdir(bucket)
    if not fs.exists(url):
        fs.put(str(store), url, recursive=True)
    return url
