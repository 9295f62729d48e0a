"""The pattern fields shared by the tests of cloudorg.synthetic's fields and files."""

from __future__ import annotations

import datetime as dt

import pytest
import xarray as xr

from cloudorg.synthetic import synthesize_fields

BOUNDS = (-56.0, -54.0, 13.0, 15.0)
RES = 0.02
T_ABI = dt.datetime(2020, 1, 20, 15, 40)


@pytest.fixture(scope="session")
def fields() -> xr.Dataset:
    """Gravel and flowers on a 2° box at 0.02° (100 x 100 pixels)."""
    return synthesize_fields(BOUNDS, resolution_deg=RES, seed=7, patterns=["gravel", "flower"])
