"""compute_metrics, the registry, the missing-pixel policy and the edge cases."""

from __future__ import annotations

import doctest
import importlib
import math

import numba
import numpy as np
import pytest
import xarray as xr

import cloudorg.metrics as cm
from cloudorg.errors import ConfigError
from cloudorg.metrics import METRIC_INFO, compute_metrics, metric_names

MODULES = [
    "cloudorg.metrics",
    "cloudorg.metrics.core",
    "cloudorg.metrics.field",
    "cloudorg.metrics.inputs",
    "cloudorg.metrics.components",
    "cloudorg.metrics.objects",
    "cloudorg.metrics.organisation",
    "cloudorg.metrics.registry",
    "cloudorg.metrics.spectral",
]

# metric name -> (public function, the compute_metrics arguments it takes)
FUNCTIONS = {
    "cloud_fraction": (cm.cloud_fraction, ()),
    "num_objects": (cm.num_objects, ("connectivity", "periodic")),
    "max_length_scale": (cm.max_length_scale, ("connectivity", "periodic", "min_area", "dx")),
    "mean_length_scale": (cm.mean_length_scale, ("connectivity", "periodic", "min_area", "dx")),
    "mean_perimeter": (cm.mean_perimeter, ("connectivity", "periodic", "min_area", "dx")),
    "total_perimeter": (cm.total_perimeter, ("connectivity", "periodic", "min_area", "dx")),
    "size_distribution_exponent": (
        cm.size_distribution_exponent,
        ("connectivity", "periodic", "min_area"),
    ),
    "spectral_length_scale": (cm.spectral_length_scale, ("dx", "periodic")),
    "cop": (cm.cop, ("connectivity", "periodic", "min_area")),
    "scai": (cm.scai, ("connectivity", "periodic", "min_area", "dx")),
    "iorg": (cm.iorg, ("connectivity", "periodic", "min_area")),
    "iorg_inhibition": (cm.iorg_inhibition, ("connectivity", "periodic", "min_area", "seed")),
    "fractal_dimension": (cm.fractal_dimension, ()),
    "orientation": (cm.orientation, ()),
    "open_sky": (cm.open_sky, ("periodic",)),
    "mean_eccentricity": (cm.mean_eccentricity, ("connectivity", "periodic", "min_area")),
}


def test_every_metric_of_the_definitions_is_registered():
    assert set(FUNCTIONS) == set(METRIC_INFO)
    assert metric_names() == tuple(METRIC_INFO)
    assert set(metric_names(periodic=True)) == set(METRIC_INFO) - {
        "orientation",
        "fractal_dimension",
    }


def test_registry_metadata():
    for name, info in METRIC_INFO.items():
        assert info.name == name
        assert info.long_name and info.citation
        assert info.units in ("1", "pixel")
    assert METRIC_INFO["mean_perimeter"].units_for("km") == "km"
    assert METRIC_INFO["cop"].units_for("km") == "1"
    assert not METRIC_INFO["num_objects"].min_area
    assert METRIC_INFO["iorg"].min_area and METRIC_INFO["iorg"].objects
    assert "10.1175/JAS-D-16-0307.1" in METRIC_INFO["cop"].citation


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"connectivity": 8},
        {"periodic": True},
        {"min_area": 10, "dx": 0.5, "seed": 3},
    ],
)
def test_compute_metrics_equals_individual_functions(options, cloud_mask):
    values = compute_metrics(cloud_mask, **options)
    assert tuple(values) == metric_names(periodic=options.get("periodic", False))
    for name, value in values.items():
        function, accepted = FUNCTIONS[name]
        kwargs = {k: v for k, v in options.items() if k in accepted}
        expected = function(cloud_mask, **kwargs)
        assert isinstance(value, float)
        assert value == pytest.approx(expected, nan_ok=True), name
        if name != "size_distribution_exponent":
            assert math.isfinite(value), name


def test_sane_ranges_on_a_cloud_field(cloud_mask):
    v = compute_metrics(cloud_mask)
    assert v["cloud_fraction"] == pytest.approx(0.25, abs=1e-3)
    for name in ("iorg", "iorg_inhibition", "open_sky", "orientation", "mean_eccentricity"):
        assert 0 <= v[name] <= 1, name
    assert 1 < v["fractal_dimension"] < 2
    assert v["mean_length_scale"] < v["max_length_scale"] < 256
    assert v["cop"] > 0 and v["scai"] > 0
    assert v["size_distribution_exponent"] < 0


def test_metric_selection_and_order(cloud_mask):
    values = compute_metrics(cloud_mask, metrics=["iorg", "cloud_fraction"])
    assert list(values) == ["iorg", "cloud_fraction"]
    assert list(compute_metrics(cloud_mask, metrics="cop")) == ["cop"]


def test_bad_arguments_raise_config_errors(cloud_mask):
    cases = [
        ({"metrics": ["iorg", "organisation"]}, "unknown"),
        ({"metrics": ["orientation"], "periodic": True}, "periodic"),
        ({"connectivity": 6}, "connectivity"),
        ({"min_area": -1}, "min_area"),
        ({"dx": 0.0}, "dx"),
        ({"seed": -2}, "seed"),
        ({"max_missing_fraction": 1.5}, "max_missing_fraction"),
    ]
    for kwargs, match in cases:
        with pytest.raises(ConfigError, match=match):
            compute_metrics(cloud_mask, **kwargs)
    with pytest.raises(ConfigError, match="2-D"):
        compute_metrics(np.zeros((2, 3, 4), bool))
    with pytest.raises(ConfigError, match="2-D"):
        compute_metrics(np.zeros((0, 4), bool))
    with pytest.raises(ConfigError, match="found 2"):
        compute_metrics(np.array([[0, 1], [2, 1]]))
    with pytest.raises(ConfigError, match="dtype"):
        compute_metrics(np.array([["a", "b"]]))


def test_missing_pixels_policy(cloud_mask):
    mask = cloud_mask.astype(np.float64)
    mask[:, :8] = np.nan  # 1/32 of the pixels missing
    values = compute_metrics(mask)
    valid = cloud_mask[:, 8:]
    assert values["cloud_fraction"] == pytest.approx(valid.mean())
    assert all(np.isnan(v) for k, v in values.items() if k != "cloud_fraction")
    assert np.isnan(compute_metrics(mask, max_missing_fraction=0.03)["num_objects"])
    tolerated = compute_metrics(mask, max_missing_fraction=0.04)
    as_clear = np.where(np.isnan(mask), 0.0, mask)
    expected = compute_metrics(as_clear)
    assert tolerated["cloud_fraction"] == pytest.approx(valid.mean())
    for name in metric_names()[1:]:
        assert tolerated[name] == pytest.approx(expected[name]), name
    all_missing = compute_metrics(np.full((8, 8), np.nan))
    assert all(np.isnan(v) for v in all_missing.values())


def test_missing_pixels_are_reported_once_per_mask_and_once_per_stack(cloud_mask):
    from cloudorg.metrics import MissingPixelsWarning, metrics_for_tiles

    mask = cloud_mask.astype(np.float64)
    mask[:, :8] = np.nan
    with pytest.warns(MissingPixelsWarning, match=r"3\.1% of the mask's pixels") as one:
        compute_metrics(mask)
    assert len(one) == 1
    tiles = np.stack([np.where(np.isnan(mask), 0.0, mask), mask, mask])
    stack = xr.DataArray(tiles, dims=("tile", "y", "x"))
    with pytest.warns(MissingPixelsWarning) as caught:
        values = metrics_for_tiles(stack, metrics=["cloud_fraction", "num_objects"])
    assert [str(w.message).split(":")[0] for w in caught] == [
        "2 of 3 tiles have more missing pixels than max_missing_fraction=0"
    ]
    assert np.isnan(values["num_objects"].values).tolist() == [False, True, True]


def test_accepts_xarray_dataarray(cloud_mask):
    da = xr.DataArray(cloud_mask, dims=("y", "x"), attrs={"units": "1"})
    assert compute_metrics(da) == compute_metrics(cloud_mask)


def _nan_names(values: dict[str, float]) -> set[str]:
    return {k for k, v in values.items() if np.isnan(v)}


def test_empty_mask():
    v = compute_metrics(np.zeros((32, 32), bool))
    assert v["cloud_fraction"] == 0 and v["num_objects"] == 0
    assert v["total_perimeter"] == 0 and v["open_sky"] == 1
    assert _nan_names(v) == set(metric_names()) - {
        "cloud_fraction",
        "num_objects",
        "total_perimeter",
        "open_sky",
    }


def test_full_mask():
    v = compute_metrics(np.ones((32, 48), bool))
    assert v["cloud_fraction"] == 1 and v["num_objects"] == 1
    assert v["max_length_scale"] == pytest.approx(np.sqrt(32 * 48))
    assert v["total_perimeter"] == pytest.approx(2 * (31 + 47))
    assert v["scai"] == 0 and v["open_sky"] == 0
    assert v["mean_eccentricity"] == pytest.approx(np.sqrt(1 - (32**2 - 1) / (48**2 - 1)))
    assert _nan_names(v) == {
        "size_distribution_exponent",
        "spectral_length_scale",
        "cop",
        "iorg",
        "iorg_inhibition",
        "fractal_dimension",
    }
    periodic = compute_metrics(np.ones((32, 32), bool), periodic=True)
    assert periodic["num_objects"] == 1 and periodic["total_perimeter"] == 0


def test_single_pixel_and_single_object():
    pixel = np.zeros((16, 16), bool)
    pixel[5, 7] = True
    v = compute_metrics(pixel)
    assert v["num_objects"] == 1 and v["max_length_scale"] == 1
    assert v["mean_perimeter"] == 0 and v["orientation"] == 0 and v["mean_eccentricity"] == 0
    assert v["scai"] == 0 and np.isnan(v["cop"]) and np.isnan(v["iorg"])
    blob = np.zeros((16, 16), bool)
    blob[4:9, 3:12] = True
    v = compute_metrics(blob)
    assert v["num_objects"] == 1 and v["total_perimeter"] == pytest.approx(2 * (4 + 8))
    assert v["open_sky"] == pytest.approx(16 * 16 / 256)  # clear rows and columns cross


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (7, 1), (2, 3), (3, 5), (7, 7), (37, 91)])
@pytest.mark.parametrize("periodic", [False, True])
def test_small_and_non_square_domains_give_defined_values(shape, periodic):
    rng = np.random.default_rng(sum(shape))
    mask = rng.random(shape) < 0.4
    values = compute_metrics(mask, periodic=periodic, connectivity=8)
    assert values["cloud_fraction"] == pytest.approx(mask.mean())
    assert all(isinstance(v, float) for v in values.values())
    if min(shape) < 8:
        assert np.isnan(compute_metrics(mask, metrics=["fractal_dimension"])["fractal_dimension"])


def test_edge_straddling_objects_when_periodic():
    mask = np.zeros((20, 20), bool)
    mask[np.ix_([19, 0, 1], [19, 0])] = True  # a 3 x 2 object cut by both edges
    mask[9:11, 9:11] = True
    flat = compute_metrics(mask)
    wrapped = compute_metrics(mask, periodic=True)
    assert flat["num_objects"] == 5 and wrapped["num_objects"] == 2
    assert wrapped["max_length_scale"] == pytest.approx(np.sqrt(6))
    # centroids (0, 19.5) and (9.5, 9.5): minimum-image distance hypot(9.5, 10)
    d = np.hypot(9.5, 10.0)
    assert wrapped["cop"] == pytest.approx((np.sqrt(6) + 2) / (np.sqrt(np.pi) * d))
    assert wrapped["scai"] == pytest.approx(2 / 200 * d)


def test_kernels_compile_once_each(cloud_mask):
    for mask in (cloud_mask, cloud_mask.astype(np.float32), cloud_mask.astype(np.int16)):
        for periodic in (False, True):
            for connectivity in (4, 8):
                compute_metrics(mask, periodic=periodic, connectivity=connectivity)
    kernels = [
        obj
        for name in MODULES
        for obj in vars(importlib.import_module(name)).values()
        if isinstance(obj, numba.core.registry.CPUDispatcher)
    ]
    assert len(kernels) >= 10
    for kernel in kernels:
        assert kernel._cache.__class__.__name__ == "FunctionCache", kernel
        assert len(kernel.signatures) <= 1, (kernel, kernel.signatures)
    # the entry kernels (helpers called only from kernels compile inline)
    assert sum(len(kernel.signatures) for kernel in kernels) >= 8


@pytest.mark.parametrize("module", MODULES)
def test_every_module_has_examples(module):
    """pytest's --doctest-modules runs them; here only their presence is checked."""
    finder = doctest.DocTestFinder()
    assert sum(len(t.examples) for t in finder.find(importlib.import_module(module))) > 0
