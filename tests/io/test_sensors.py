"""Sensor records: the bands of each quantity, file names recognised and grouped through
the registry, and records that could not work refused."""

from __future__ import annotations

import dataclasses
import re

import pytest

from cloudorg.errors import ConfigError
from cloudorg.io.discover import group_files
from cloudorg.io.remote import FileInfo
from cloudorg.io.sensors import SENSORS
from cloudorg.quantities import QUANTITIES


def test_each_quantity_has_the_bands_of_each_sensor():
    assert {name: q.bands for name, q in QUANTITIES.items()} == {
        "reflectance_0p47": {"abi": ("C01",), "modis": ("3",)},
        "reflectance_0p64": {"abi": ("C02",), "modis": ("1",)},
        "reflectance_0p86": {"abi": ("C03",), "modis": ("2",)},
        "reflectance_1p6": {"abi": ("C05",), "modis": ("6",)},
        "brightness_temperature_11": {"abi": ("C14", "C13"), "modis": ("31",)},
    }


def test_modis_geolocation_alone_is_no_scene_and_joins_a_cloud_mask():
    info = FileInfo(1, "v")
    geolocation = "MYD03.A2020020.1430.061.2020021000000.hdf"
    mask = "MYD35_L2.A2020020.1430.061.2020021000000.hdf"
    scenes, left = group_files([(geolocation, info)])
    assert scenes == [] and left == [(geolocation, "MODIS geolocation without its L1b granule")]
    scenes, left = group_files([(geolocation, info), (mask, info)])
    assert left == [] and scenes[0].files == {"modis_l1b": (geolocation,), "modis_l2": (mask,)}


def test_records_that_cannot_work_are_refused():
    abi = SENSORS["abi"]
    with pytest.raises(ConfigError, match="missing part"):
        dataclasses.replace(abi, file_pattern=re.compile(
            r"(?P<platform>G\d\d)_(?P<product>L1b)_(?P<start>\d{14})"))  # fmt: skip
    with pytest.raises(ConfigError, match=r"unknown quantities \['reflectance_2p1'\]"):
        dataclasses.replace(abi, bands={"reflectance_2p1": ("C06",)})
    with pytest.raises(ConfigError, match=r"products \['L2'\] have no reader"):
        dataclasses.replace(abi, auxiliary={"L2": "a level-2 product alone"})
    with pytest.raises(TypeError, match=r"expected a cloudorg\.io\.sensors\.Sensor, got dict"):
        SENSORS.add("dict", {"readers": {}})
    assert "dict" not in SENSORS
