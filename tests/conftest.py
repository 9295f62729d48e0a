"""Shared fixtures: paths of the real data files, small domains, synthetic campaigns."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

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
