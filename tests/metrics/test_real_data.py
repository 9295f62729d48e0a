"""Metrics of real cloud masks: Aqua MODIS MYD35 and GOES-17 ABI C01 reflectance."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from satpy import Scene
from scipy import ndimage
from skimage.measure import regionprops

from cloudorg.metrics import compute_metrics, label_objects, metric_names

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
MYD35 = DATA / "modis_myd35_l2" / "MYD35_L2.A2002185.1910.005.2007206043609.hdf"
ABI_DIR = DATA / "goes17_abi_l1b_radm1_2019300_day"
# A 512 x 512 crop of the granule with a broken cloud field (cloud fraction ~0.71).
CROP = (slice(64, 576), slice(832, 1344))
# C01 (0.47 um) reflectance threshold of the GOES-17 mask, in %.
REFLECTANCE_THRESHOLD = 25.0


def _load(reader: str, files: list[Path], dataset: str, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scene = Scene(reader=reader, filenames=[str(f) for f in files])
        scene.load([dataset], **kwargs)
    return scene[dataset]


@pytest.fixture(scope="module")
def myd35_cloudy() -> np.ndarray:
    cloud_mask = _load("modis_l2", [MYD35], "cloud_mask", resolution=1000).values
    assert cloud_mask.shape == (2030, 1354)
    assert set(np.unique(cloud_mask)) <= {0, 1, 2, 3}
    return cloud_mask[CROP] <= 1  # 0 cloudy, 1 uncertain


@pytest.fixture(scope="module")
def abi_reflectance():
    files = sorted(ABI_DIR.glob("OR_ABI-L1b-RadM1-M6C01_G17_*.nc"))
    assert len(files) == 1
    return _load("abi_l1b", files, "C01")


def _assert_sane(values: dict[str, float], mask: np.ndarray) -> None:
    assert list(values) == list(metric_names())
    assert values["cloud_fraction"] == pytest.approx(np.count_nonzero(mask) / mask.size)
    labels, n = ndimage.label(mask)
    assert values["num_objects"] == n
    areas = np.bincount(labels.ravel())[1:]
    assert values["max_length_scale"] == pytest.approx(np.sqrt(areas.max()))
    assert values["mean_length_scale"] == pytest.approx(np.sqrt(areas.mean()))
    perimeter = sum(p.perimeter for p in regionprops(labels))
    assert values["total_perimeter"] == pytest.approx(perimeter)
    for name in ("iorg", "iorg_inhibition", "open_sky", "orientation", "mean_eccentricity"):
        assert 0 <= values[name] <= 1, name
    assert 1 <= values["fractal_dimension"] <= 2
    assert 1 < values["spectral_length_scale"] < min(mask.shape)
    assert values["cop"] > 0 and values["scai"] > 0
    assert -5 < values["size_distribution_exponent"] < 0


def test_myd35_cloud_mask(myd35_cloudy):
    assert myd35_cloudy.shape == (512, 512)
    values = compute_metrics(myd35_cloudy)
    _assert_sane(values, myd35_cloudy)
    assert 0.6 < values["cloud_fraction"] < 0.8
    assert values["num_objects"] > 100


def test_myd35_periodic_and_8_connectivity(myd35_cloudy):
    flat = compute_metrics(myd35_cloudy)
    eight = compute_metrics(myd35_cloudy, connectivity=8)
    periodic = compute_metrics(myd35_cloudy, periodic=True)
    assert eight["num_objects"] < flat["num_objects"]
    assert periodic["num_objects"] <= flat["num_objects"]
    assert periodic["num_objects"] == label_objects(myd35_cloudy, periodic=True)[1].num
    assert 0 <= periodic["iorg"] <= 1


def test_goes17_reflectance_mask(abi_reflectance):
    assert abi_reflectance.attrs["units"] == "%"
    mask = abi_reflectance > REFLECTANCE_THRESHOLD  # an xarray DataArray
    values = compute_metrics(mask, dx=1.0)
    _assert_sane(values, mask.values)
    assert 0.05 < values["cloud_fraction"] < 0.5


def test_goes17_missing_pixels(abi_reflectance):
    field = np.where(abi_reflectance.values > REFLECTANCE_THRESHOLD, 1.0, 0.0)
    field[:, :100] = np.nan  # a swath edge
    values = compute_metrics(field)
    assert values["cloud_fraction"] == pytest.approx(np.nanmean(field))
    assert np.isnan(values["iorg"]) and np.isnan(values["num_objects"])
    tolerated = compute_metrics(field, max_missing_fraction=0.1)
    assert tolerated["num_objects"] == ndimage.label(np.nan_to_num(field) > 0)[1]
