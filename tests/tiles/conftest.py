"""Campaign stores for the tile tests: example scenes written directly, and the real ABI scan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cloudorg.domains import Domain
from cloudorg.ingest import ingest
from cloudorg.store import CampaignStore
from cloudorg.synthetic.stores import example_store

REAL_DOMAIN = Domain.from_bounds("calwide", -128.0, -118.0, 35.0, 43.0, resolution_km=4.0)
"""Wider than the real mesoscale scan: its western columns have no data (NaN edge)."""
REAL_QUANTITIES = ["reflectance_0p47", "reflectance_0p86", "brightness_temperature_11"]


@pytest.fixture(scope="module")
def store4(tmp_path_factory) -> CampaignStore:
    """Four example scenes with a 4-pixel border without data (read-only in tests)."""
    return example_store(tmp_path_factory.mktemp("store4") / "c.zarr", 4, missing_border=4)


@pytest.fixture(scope="session")
def real_store(tmp_path_factory, abi_real_dir) -> Path:
    """The real GOES-17 ABI scan ingested on a domain wider than the scan (no RGB)."""
    path = tmp_path_factory.mktemp("real") / "real.zarr"
    ingest(
        [abi_real_dir],
        path,
        domain=REAL_DOMAIN,
        quantities=REAL_QUANTITIES,
        client="synchronous",
        progress=False,
        chunk_size=64,
    )
    return path


def window(store: CampaignStore, name: str, scene: int, row0: int, col0: int, size: int):
    """Pixels of a tile read directly with numpy indexing of the loaded scene (reference)."""
    values = store.open_scenes()[name][scene].values
    return np.asarray(values[..., row0 : row0 + size, col0 : col0 + size])
