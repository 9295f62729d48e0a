"""cloudorg.io.readers: a scene's files opened with satpy's real readers, the band of each
quantity chosen and calibrated, and bad files and missing bands named before satpy reads."""

from __future__ import annotations

import shutil

import dask.array as da
import numpy as np
import pytest
from pyresample.geometry import AreaDefinition, SwathDefinition

from cloudorg.errors import CompositeError, ConfigError, InputFileError, MissingBandError
from cloudorg.io.discover import discover
from cloudorg.io.readers import check_readable, open_scene, reading
from cloudorg.synthetic import sample_fields

QUANTITIES = ["reflectance_0p47", "reflectance_0p64", "brightness_temperature_11"]
BANDS = {"abi": ["C01", "C02", "C13"], "modis": ["3", "1", "31"]}
GEOMETRY = {"abi": AreaDefinition, "modis": SwathDefinition}


@pytest.fixture(scope="module")
def scenes(synthetic_files):
    """The ABI scene and the MODIS scene of the synthetic files."""
    scenes, _ = discover([synthetic_files.folder])
    return {scene.sensor: scene for scene in scenes}


@pytest.mark.parametrize("sensor", ["abi", "modis"])
def test_each_quantity_comes_from_its_band_calibrated_as_the_fields(sensor, scenes,
                                                                    synthetic_files):  # fmt: skip
    bands = open_scene(scenes[sensor], QUANTITIES)
    assert list(bands) == QUANTITIES
    assert [bands[q].attrs["source_band"] for q in QUANTITIES] == BANDS[sensor]
    for name, band in bands.items():
        assert isinstance(band.data, da.Array)  # lazy: nothing read yet
        assert isinstance(band.attrs["area"], GEOMETRY[sensor])
        assert band.attrs["units"] == ("K" if name.startswith("brightness") else "%")
        lon, lat = (np.asarray(a) for a in band.attrs["area"].get_lonlats())
        expected = sample_fields(synthetic_files.fields, lon, lat, variables=[name])[name]
        values = band.values
        inside = np.isfinite(expected)
        assert inside.mean() > 0.3
        np.testing.assert_array_equal(np.isfinite(values), inside)
        tolerance = 0.05 if name.startswith("brightness") else 0.1  # the files' quantisation
        assert np.abs(values[inside] - expected[inside]).max() < tolerance, name


def test_local_files_are_read_where_they_are(scenes):
    with reading(scenes["abi"]) as local:
        assert local is scenes["abi"]


def test_missing_bands_and_unknown_quantities_are_named(synthetic_files, tmp_path):
    for path in synthetic_files.abi:
        if "M6C02_" not in path.name:
            shutil.copy(path, tmp_path / path.name)
    (scene,) = discover([tmp_path])[0]
    with pytest.raises(MissingBandError, match=r"reflectance_0p64 \(0.64 um\) needs abi band C02"):
        open_scene(scene, ["reflectance_0p47", "reflectance_0p64"])
    with pytest.raises(MissingBandError, match="cloud_mask needs a modis_l2 file"):
        open_scene(scene, ["cloud_mask"])
    with pytest.raises(ConfigError, match=r"unknown quantities \['reflectance_9p99'\]"):
        open_scene(scene, ["reflectance_9p99"])
    assert open_scene(scene, ["reflectance_0p47"])["reflectance_0p47"].attrs["source_band"] == "C01"


def test_truncated_and_renamed_files_are_refused_before_satpy(synthetic_files, tmp_path):
    for path in (*synthetic_files.abi, *synthetic_files.modis):
        assert check_readable(str(path)) is None
    c13 = next(p for p in synthetic_files.abi if "M6C13_" in p.name)
    renamed = tmp_path / "renamed" / c13.name.replace("M6C13_", "M6C14_")
    renamed.parent.mkdir()
    shutil.copy(c13, renamed)
    said = "the file name says band C14, but the file holds band C13"
    with pytest.raises(InputFileError, match=said):
        check_readable(str(renamed))
    data = tmp_path / "data"
    data.mkdir()
    for path in synthetic_files.abi:
        shutil.copy(path, data / path.name)
    victim = data / synthetic_files.abi[0].name
    victim.write_bytes(victim.read_bytes()[:2000])
    (scene,) = discover([data])[0]
    with pytest.raises(InputFileError, match=r"C01_G16.*cannot be opened.*truncated or corrupt"):
        open_scene(scene, ["brightness_temperature_11"])  # a band of another file: all checked


def test_offline_composites_are_loaded_and_downloading_ones_refused(scenes):
    bands = open_scene(scenes["abi"], ["reflectance_0p64"], composites=["true_color_nocorr"])
    rgb = bands["composite_true_color_nocorr"]
    assert rgb.dims == ("bands", "y", "x") and rgb.shape[1:] == bands["reflectance_0p64"].shape
    with pytest.raises(CompositeError, match="downloads auxiliary data"):
        open_scene(scenes["abi"], ["reflectance_0p64"], composites=["true_color"])
