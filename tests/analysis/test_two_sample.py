"""Two-sample statistics and the labelled-vs-unlabelled comparison (section 10)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy.stats import energy_distance, ks_2samp

from cloudorg.analysis import labelled_vs_unlabelled, two_sample_test
from cloudorg.errors import ConfigError
from cloudorg.synthetic import example_embeddings


def sample(shift: float, n: int = 300, seed: int = 0) -> tuple[xr.DataArray, xr.DataArray]:
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(2 * n, 3))
    points[:n, 1] += shift
    group = np.repeat([1, 0], n)
    return xr.DataArray(points, dims=("tile", "component")), xr.DataArray(group, dims="tile")


def test_a_shifted_group_is_detected():
    points, group = sample(0.5)
    result = two_sample_test(points, group, seed=1)
    assert float(result.energy_pvalue) == pytest.approx(1 / 200)  # no permutation beats it
    assert float(result.ks_pvalue.isel(component=1)) < 1e-3
    assert float(result.ks_pvalue.isel(component=0)) > 0.01
    assert result.attrs["n_group_1"] == result.attrs["n_group_0"] == 300


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_identical_distribution_is_not_flagged(seed):
    points, group = sample(0.0, seed=seed)
    result = two_sample_test(points, group, seed=seed)
    assert float(result.energy_pvalue) > 0.05
    assert float(result.ks_pvalue.min()) > 0.01


def test_statistics_equal_scipy():
    points, group = sample(0.3, n=100)
    result = two_sample_test(points, group, max_samples=100, n_permutations=5)
    x = points.values
    for j in range(3):
        reference = ks_2samp(x[:100, j], x[100:, j])
        assert float(result.ks_statistic[j]) == pytest.approx(reference.statistic)
        assert float(result.ks_pvalue[j]) == pytest.approx(reference.pvalue)
    one_d = two_sample_test(points.isel(component=[1]), group, n_permutations=5)
    # scipy's energy distance is the square root of the E-statistic used here
    assert float(one_d.energy_distance) == pytest.approx(
        energy_distance(x[:100, 1], x[100:, 1]) ** 2
    )


def test_unknown_and_non_finite_tiles_are_left_out():
    points, group = sample(0.0, n=50)
    group = group.copy()
    group[:5] = -1
    points = points.copy()
    points[60, 0] = np.nan
    result = two_sample_test(points, group, n_permutations=9)
    assert (result.attrs["n_group_1"], result.attrs["n_group_0"]) == (45, 49)
    bools = two_sample_test(points, group > 0, n_permutations=9)
    assert bools.attrs["n_group_0"] == 54  # False is the second group


def test_errors():
    points, group = sample(0.0, n=10)
    with pytest.raises(ConfigError, match="at least 2 tiles"):
        two_sample_test(points, xr.ones_like(group))
    with pytest.raises(ConfigError, match="group: expected 1/True"):
        two_sample_test(points, group * 2)
    with pytest.raises(ConfigError, match="n_permutations"):
        two_sample_test(points, group, n_permutations=0)


def test_labelled_vs_unlabelled_in_pc_space():
    embeddings, labels = example_embeddings(40)
    unlabelled = labels.where(labels != 3, 0).astype(np.int8)  # fish tiles lose their label
    unlabelled[0] = -1
    result = labelled_vs_unlabelled(embeddings, unlabelled, n_components=3)
    assert result.scores.dims == ("tile", "component")
    assert result.group.values[0] == -1
    assert np.count_nonzero(result.group.values == 0) == 40
    assert np.count_nonzero(result.group.values == 1) == 119
    assert result.group.attrs["flag_meanings"] == "unlabelled labelled"
    assert float(result.energy_pvalue) < 0.01 and result.ks_statistic.sizes["component"] == 3
    # a random half of the tiles without labels is not distinguishable from the rest
    rng = np.random.default_rng(0)
    random = xr.DataArray(rng.integers(0, 2, labels.size), dims="tile") * labels
    same = labelled_vs_unlabelled(embeddings, random, seed=1)
    assert float(same.energy_pvalue) > 0.05
