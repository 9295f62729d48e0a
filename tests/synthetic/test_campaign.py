"""cloudorg.synthetic.campaign: ground-truth files and campaigns of scenes in daylight."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from pyorbital.astronomy import sun_zenith_angle

from cloudorg.errors import ConfigError
from cloudorg.synthetic import synthesize_campaign, write_truth

from .conftest import BOUNDS, T_ABI

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_write_truth(fields: xr.Dataset, tmp_path: Path) -> None:
    path = write_truth(fields, tmp_path, platform="G16", sensor="abi", start_time=T_ABI)
    assert path.name == "cloudorg-truth_G16_20200120T154000.nc"
    with xr.open_dataset(path) as truth:
        assert truth.pattern.dtype == np.int8
        np.testing.assert_array_equal(truth.pattern.values, fields.pattern.values)
        np.testing.assert_allclose(truth.lat.values, fields.lat.values)
        assert truth.pattern.attrs["flag_meanings"] == "clear sugar gravel fish flower"
        assert list(truth.pattern.attrs["flag_values"]) == [0, 1, 2, 3, 4]
        assert truth.attrs["platform"] == "G16" and truth.attrs["sensor"] == "abi"
        assert truth.attrs["start_time"] == "2020-01-20T15:40:00"
        assert "reflectance_0p64" not in truth


def test_synthesize_campaign(tmp_path: Path) -> None:
    paths = synthesize_campaign(
        tmp_path,
        4,
        sensors=("abi", "modis"),
        bounds=BOUNDS,
        resolution_deg=0.05,
        start=dt.datetime(2020, 1, 20, 19, 0),
        interval=dt.timedelta(hours=1),
        seed=10,
        progress=True,
        high_cloud_scenes=(2,),
        sensor_kwargs={"abi": {"bands": ("C02", "C13")}, "modis": {"n_columns": 200}},
    )
    assert all(p.exists() and p.parent == tmp_path for p in paths)
    assert sorted(paths) == sorted(tmp_path.iterdir())
    truths = [p for p in paths if p.name.startswith("cloudorg-truth_")]
    assert len(paths) == 12 and len(truths) == 4
    assert len([p for p in paths if p.name.startswith("OR_ABI-L1b-RadM1")]) == 4
    assert len([p for p in paths if p.name.startswith(("MYD021KM", "MYD03"))]) == 4
    times, seeds = [], []
    for i, path in enumerate(truths):
        with xr.open_dataset(path) as truth:
            assert truth.attrs["sensor"] == ("abi", "modis")[i % 2]
            assert truth.attrs["high_cloud"] == int(i == 2)
            times.append(dt.datetime.fromisoformat(truth.attrs["start_time"]))
            seeds.append(truth.attrs["seed"])
    assert seeds == [10, 11, 12, 13]
    assert times == sorted(times) and len(set(times)) == 4
    # every scene is in daylight; 21:00 and later are moved to the next morning
    for time in times:
        assert np.all(sun_zenith_angle(time, np.array([-56.0, -54.0]), np.array([13.0, 15.0])) < 75)
    assert times[0] == dt.datetime(2020, 1, 20, 19, 0) and times[-1].day == 21
    # the MODIS granule starts on a whole 5 minutes and names its files after it
    assert times[1].minute % 5 == 0
    assert any(p.name == f"MYD03.A{times[1]:%Y%j.%H%M}.061.2020021000000.hdf" for p in paths)


def test_campaign_rejects_bad_arguments(tmp_path: Path) -> None:
    for kwargs in (
        {"sensors": ("viirs",)},
        {"sensors": ()},
        {"interval": dt.timedelta(0)},
        {"sensors": ("modis",), "interval": dt.timedelta(minutes=1)},
    ):
        with pytest.raises(ConfigError):
            synthesize_campaign(tmp_path, 1, bounds=BOUNDS, **kwargs)
    with pytest.raises(ConfigError):
        synthesize_campaign(tmp_path, -1, bounds=BOUNDS)
