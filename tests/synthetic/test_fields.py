"""cloudorg.synthetic.fields: pattern fields of the four organisation patterns, and their
sampling at arbitrary longitudes and latitudes."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import ndimage

from cloudorg.errors import ConfigError
from cloudorg.synthetic import EUREC4A_BOUNDS, PATTERNS, sample_fields, synthesize_fields

from .conftest import BOUNDS, RES

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# Stats are taken on a 6°x6° box at 0.02°: large enough for fish and flowers.
STATS_BOUNDS = (-58.0, -52.0, 12.0, 18.0)
PATTERNS_CODE = {name: code for code, name in PATTERNS.items()}


def pattern_stats(fields: xr.Dataset, threshold: float = 10.0, min_area: int = 200) -> dict:
    """Cloud fraction, object sizes, clear gaps and anisotropy of a cloud mask."""
    mask = fields["reflectance_0p64"].values > threshold
    labels, _ = ndimage.label(mask)
    sizes = np.bincount(labels.ravel())[1:]
    elongation, angle, weight = [], [], []
    for k, box in enumerate(ndimage.find_objects(labels), start=1):
        if sizes[k - 1] < min_area:
            continue
        yy, xx = np.nonzero(labels[box] == k)
        eigval, eigvec = np.linalg.eigh(np.cov(np.vstack([yy, xx])))
        elongation.append(np.sqrt(eigval[1] / eigval[0]))
        angle.append(np.degrees(np.arctan2(abs(eigvec[0, 1]), abs(eigvec[1, 1]))))
        weight.append(sizes[k - 1])
    return {
        "cloud_fraction": float(mask.mean()),
        "mean_object_px": float(sizes.mean()),
        "clear_gap_px": float(np.percentile(ndimage.distance_transform_edt(~mask), 95)),
        "elongation": float(np.average(elongation, weights=weight)) if weight else 1.0,
        "major_axis_deg": float(np.average(angle, weights=weight)) if weight else 0.0,
        "cloud_reflectance": float(fields["reflectance_0p64"].values[mask].mean()),
    }


@pytest.fixture(scope="module")
def stats() -> dict[str, dict]:
    return {
        name: pattern_stats(synthesize_fields(STATS_BOUNDS, resolution_deg=RES, patterns=name))
        for name in ("sugar", "gravel", "fish", "flower")
    }


def test_fields_grid_and_variables(fields: xr.Dataset) -> None:
    assert fields.sizes == {"lat": 100, "lon": 100}
    assert np.all(np.diff(fields.lat) < 0) and np.all(np.diff(fields.lon) > 0)
    np.testing.assert_allclose(fields.lat[[0, -1]], [14.99, 13.01])
    np.testing.assert_allclose(fields.lon[[0, -1]], [-55.99, -54.01])
    assert fields.lat.attrs["units"] == "degrees_north" and fields.lon.attrs["axis"] == "X"
    for name in ("reflectance_0p47", "reflectance_0p64", "reflectance_0p86", "reflectance_1p6"):
        assert fields[name].attrs["units"] == "%" and fields[name].dtype == np.float32
    assert fields.brightness_temperature_11.attrs["units"] == "K"
    assert fields.pattern.dtype == np.int8
    assert list(fields.pattern.attrs["flag_values"]) == list(PATTERNS)
    assert fields.pattern.attrs["flag_meanings"].split() == list(PATTERNS.values())
    assert set(np.unique(fields.pattern).tolist()) == {2, 4}


def test_clear_ocean_values() -> None:
    clear = synthesize_fields(BOUNDS, resolution_deg=RES, patterns="clear", seed=1)
    expected = {
        "reflectance_0p47": 8.0,
        "reflectance_0p64": 5.0,
        "reflectance_0p86": 3.0,
        "reflectance_1p6": 2.0,
        "brightness_temperature_11": 297.0,
    }
    for name, value in expected.items():
        assert abs(float(clear[name].mean()) - value) < 1.0, name
    assert int(clear.cloud_mask.sum()) == 0 and np.all(clear.pattern == 0)
    assert float(clear.reflectance_0p64.max()) < 7.0


def test_clouds_brighter_and_colder_than_ocean(fields: xr.Dataset) -> None:
    cloudy = fields.cloud_mask.values == 1
    for name in ("reflectance_0p47", "reflectance_0p64", "reflectance_0p86", "reflectance_1p6"):
        assert fields[name].values[cloudy].mean() > fields[name].values[~cloudy].mean() + 10
    assert (
        fields.reflectance_1p6.values[cloudy].mean() < fields.reflectance_0p64.values[cloudy].mean()
    )
    bt = fields.brightness_temperature_11.values
    assert bt[cloudy].mean() < bt[~cloudy].mean() - 2
    assert bt.min() > 285.0


def test_patterns_have_distinct_statistics(stats: dict[str, dict]) -> None:
    sugar, gravel, fish, flower = (stats[k] for k in ("sugar", "gravel", "fish", "flower"))
    # object size: sugar smallest, gravel small cells, fish and flower mesoscale
    assert sugar["mean_object_px"] < 0.7 * gravel["mean_object_px"]
    assert 20 * gravel["mean_object_px"] < min(fish["mean_object_px"], flower["mean_object_px"])
    # flowers: isotropic 50–200 km clumps; equivalent diameter of the mean object
    diameter_km = 2 * np.sqrt(flower["mean_object_px"] / np.pi) * RES * 111.32
    assert 50 < diameter_km < 200 and flower["elongation"] < 1.6
    # fish: elongated, roughly east–west
    assert fish["elongation"] > 2.5 and fish["major_axis_deg"] < 35
    # sugar has no large clear pockets; fish and flowers have wide clear gaps
    assert sugar["clear_gap_px"] <= gravel["clear_gap_px"] < 5
    assert min(fish["clear_gap_px"], flower["clear_gap_px"]) > 5 * gravel["clear_gap_px"]
    # brightness: dim sugar, moderately bright gravel, bright flower cores
    assert 8 < sugar["cloud_reflectance"] < 20
    assert 25 < gravel["cloud_reflectance"] < 45
    assert 40 < flower["cloud_reflectance"] < 70
    assert sugar["cloud_fraction"] > 0.15 and flower["cloud_fraction"] < 0.5


def test_fields_reproducible_for_a_seed_and_different_across_seeds() -> None:
    a = synthesize_fields(BOUNDS, resolution_deg=RES, seed=3)
    b = synthesize_fields(BOUNDS, resolution_deg=RES, seed=3)
    c = synthesize_fields(BOUNDS, resolution_deg=RES, seed=4)
    xr.testing.assert_identical(a, b)
    assert not np.array_equal(a.reflectance_0p64.values, c.reflectance_0p64.values)


def test_default_patterns_are_two_to_four_organised_regions() -> None:
    for seed in range(6):
        ds = synthesize_fields(STATS_BOUNDS, resolution_deg=0.05, seed=seed)
        codes = set(np.unique(ds.pattern).tolist())
        names = ds.attrs["patterns"].split()
        assert 2 <= len(names) <= 4 and codes == {PATTERNS_CODE[n] for n in names}
        assert 0 not in codes


def test_sample_fields_nearest_and_bilinear(fields: xr.Dataset) -> None:
    lon, lat = fields.lon.values, fields.lat.values
    grid = fields.reflectance_0p64.values
    centres = sample_fields(fields, np.array([lon[3], lon[4]]), np.array([lat[5], lat[5]]))
    np.testing.assert_array_equal(centres["reflectance_0p64"], grid[5, 3:5])
    mid = sample_fields(
        fields,
        np.array([0.5 * (lon[3] + lon[4])]),
        np.array([lat[5]]),
        variables=["reflectance_0p64"],
        method="bilinear",
    )
    np.testing.assert_allclose(mid["reflectance_0p64"], grid[5, 3:5].mean(), rtol=1e-5)
    outside = sample_fields(fields, np.array([lon[0] - RES, np.inf]), np.array([lat[0], 0.0]))
    assert np.isnan(outside["brightness_temperature_11"]).all()
    with pytest.raises(ConfigError):
        sample_fields(fields, lon, lat, method="cubic")


def test_high_cloud_fails_the_warm_bt_filter() -> None:
    warm = synthesize_fields(BOUNDS, resolution_deg=RES, seed=2, patterns="flower")
    cold = synthesize_fields(BOUNDS, resolution_deg=RES, seed=2, patterns="flower", high_cloud=True)
    assert float(warm.brightness_temperature_11.quantile(0.25)) > 285
    assert float(cold.brightness_temperature_11.quantile(0.25)) < 285
    assert 215 < float(cold.brightness_temperature_11.min()) < 240


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bounds": (-50.0, -60.0, 10.0, 20.0)},
        {"bounds": (0.0, 1.0)},
        {"resolution_deg": 0.0},
        {"patterns": "cumulonimbus"},
        {"patterns": []},
        {"seed": -1},
    ],
)
def test_synthesize_fields_rejects_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        synthesize_fields(**{"bounds": BOUNDS, **kwargs})


def test_full_eurec4a_scene_shape() -> None:
    ds = synthesize_fields(EUREC4A_BOUNDS, patterns=["sugar", "fish"], seed=0)
    assert ds.sizes == {"lat": 1000, "lon": 1200}
