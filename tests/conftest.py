"""Shared fixtures: paths of the real data files, small domains, synthetic campaigns."""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("SATPY_DOWNLOAD_AUX", "False")
# Resampling tables of this session (subprocesses included) in a directory of their own,
# not in the user's cache: no run reads the tables of another.
os.environ["CLOUDORG_CACHE"] = tempfile.mkdtemp(prefix="cloudorg-test-cache-")
atexit.register(shutil.rmtree, os.environ["CLOUDORG_CACHE"], True)

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
ABI_REAL = SHARED_DATA / "goes17_abi_l1b_radm1_2019300_day"
MYD35_REAL = SHARED_DATA / "modis_myd35_l2"
LABELS_REAL = SHARED_DATA / "sffg_labels" / "annotations_fulldataset_IRchecked_285.csv"


def run_command_group(register: Callable[[Any], None], *argv: str) -> int:
    """Run a quiet ``cloudorg`` command of one command group (``cloudorg.cli.<group>``'s
    ``register``), on a fresh parser; return its exit status."""
    parser = argparse.ArgumentParser(prog="cloudorg")
    parser.add_argument("-q", "--quiet", action="store_true")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["-q", *argv])
    return args.func(args)


@pytest.fixture(scope="session")
def abi_real_dir() -> Path:
    """The real GOES-17 ABI L1b mesoscale scan (C02 absent)."""
    assert ABI_REAL.is_dir(), f"real ABI test data missing at {ABI_REAL}"
    return ABI_REAL


@pytest.fixture(scope="session")
def myd35_real_dir() -> Path:
    """The real Aqua MODIS MYD35_L2 cloud-mask granule."""
    assert MYD35_REAL.is_dir(), f"real MYD35 test data missing at {MYD35_REAL}"
    return MYD35_REAL


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    """An S3-compatible server on 127.0.0.1 (moto's, as s3fs tests itself), for the whole
    session; the environment points every S3 client at it, Dask workers and subprocesses
    included."""
    from cloudorg.testing import local_s3_server

    with local_s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    """A new empty bucket on the test server: ``s3://<name>``."""
    import uuid

    import s3fs

    name = f"cloudorg-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem().mkdir(name)
    return f"s3://{name}"


@pytest.fixture
def new_store(tmp_path):
    """Factory of example stores in the test's temporary directory."""
    from cloudorg.synthetic.stores import example_store

    count = iter(range(100))

    def make(n_scenes: int = 2, **kw):
        return example_store(tmp_path / f"s{next(count)}.zarr", n_scenes, **kw)

    return make


@pytest.fixture(scope="session")
def labelled_store(tmp_path_factory):
    """Six example scenes whose tiles carry the pattern labels (the ``classify`` command
    writes its tile table and class probabilities into it)."""
    from cloudorg.synthetic.stores import example_store

    return example_store(tmp_path_factory.mktemp("classify") / "c.zarr", 6)


@pytest.fixture(scope="session")
def abi_scans(tmp_path_factory) -> Path:
    """Two synthetic GOES-16 scans of a small box (no truth maps)."""
    from cloudorg.synthetic import synthesize_campaign

    folder = tmp_path_factory.mktemp("scans")
    synthesize_campaign(folder, 2, bounds=(-56.2, -53.8, 12.8, 15.2), resolution_deg=0.04)
    for truth in folder.glob("cloudorg-truth_*"):
        truth.unlink()
    return folder


EMBEDDED_SCENES = 6
"""The scenes of :func:`embedded_campaign`."""


def tiny_embedder():
    """An untrained ResNet embedder of 8 dimensions (any tile size)."""
    from cloudorg.models import ModelConfig, build_embedder

    return build_embedder(ModelConfig(width=4, embedding_dim=8))


@pytest.fixture(scope="session")
def embedded_campaign(tmp_path_factory):
    """Six synthetic ABI scenes at 2 km, 64-px tiles (54) labelled by the ground-truth
    pattern, with greyscale cloud metrics and the embeddings of an untrained embedder
    (shared by the store-level analysis, ``analyse`` command and report tests)."""
    from cloudorg.models import embed
    from cloudorg.synthetic.analysis import example_campaign

    store = example_campaign(tmp_path_factory.mktemp("campaign") / "c.zarr", EMBEDDED_SCENES)
    embed(store, tiny_embedder(), tile_size=64, client="synchronous", progress=False)
    return store
