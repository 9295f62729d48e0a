"""Real-format satellite files written by cloudorg.synthetic, shared by the tests of file
discovery and reading."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

ABI_START = dt.datetime(2020, 1, 20, 15, 40)
MODIS_START = dt.datetime(2020, 1, 20, 17, 30)


@pytest.fixture(scope="session")
def synthetic_files(tmp_path_factory) -> SimpleNamespace:
    """One pattern field (a 1° box at 0.05°) written as a GOES-16 ABI mesoscale scan (C01,
    C02, C03, C05, C13) with its truth map, and as an Aqua MODIS granule (MYD021KM with
    MYD03, 200 columns), all in one folder: ``folder``, ``fields``, ``abi``, ``modis`` and
    ``truth`` (paths)."""
    from cloudorg.synthetic import (
        synthesize_fields,
        write_abi_scene,
        write_modis_granule,
        write_truth,
    )

    folder = tmp_path_factory.mktemp("synthetic_files")
    fields = synthesize_fields((-55.5, -54.5, 13.5, 14.5), resolution_deg=0.05, seed=5)
    abi = write_abi_scene(fields, folder, start_time=ABI_START)
    modis = write_modis_granule(fields, folder, start_time=MODIS_START, n_columns=200)
    truth = write_truth(fields, folder, platform="G16", sensor="abi", start_time=ABI_START)
    return SimpleNamespace(folder=folder, fields=fields, abi=abi, modis=modis, truth=truth)
