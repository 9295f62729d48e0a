"""NMI (equation 4), contingency tables and confusion matrices."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from sklearn.metrics import normalized_mutual_info_score

from cloudorg.analysis import AVERAGE_METHODS, confusion_matrix, contingency_table, nmi
from cloudorg.errors import ConfigError


def tiles(values) -> xr.DataArray:
    return xr.DataArray(np.asarray(values), dims="tile")


@pytest.mark.parametrize("method", AVERAGE_METHODS)
@pytest.mark.parametrize("seed", range(5))
def test_equation_4_equals_sklearn(method, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(1, 5, 300)
    clusters = np.where(rng.random(300) < 0.6, labels * 2 % 7, rng.integers(0, 7, 300))
    ours = nmi(tiles(labels), tiles(clusters), average_method=method)
    assert ours == pytest.approx(
        normalized_mutual_info_score(labels, clusters, average_method=method), abs=1e-12
    )
    assert 0.1 < ours < 1.0


def test_only_tiles_with_a_class_and_a_cluster_count():
    labels = np.array([1, 1, 2, 2, 0, -1, 3, 3])
    clusters = np.array([5, 5, 6, 6, 5, 6, -1, 7])
    keep = (labels > 0) & (clusters >= 0)
    expected = normalized_mutual_info_score(labels[keep], clusters[keep])
    assert nmi(tiles(labels), tiles(clusters)) == pytest.approx(expected)
    with_none = (labels >= 0) & (clusters >= 0)
    assert nmi(tiles(labels), tiles(clusters), include_none=True) == pytest.approx(
        normalized_mutual_info_score(labels[with_none], clusters[with_none])
    )
    float_labels = tiles(np.where(labels < 0, np.nan, labels).astype(float))
    assert nmi(float_labels, tiles(clusters)) == pytest.approx(expected)


def test_perfect_clustering_is_one_and_random_labels_near_zero():
    rng = np.random.default_rng(0)
    labels = rng.integers(1, 5, 5000)
    relabelled = (labels * 3 + 1) % 5  # a permutation of the cluster ids
    assert nmi(tiles(labels), tiles(relabelled)) == pytest.approx(1.0)
    assert nmi(tiles(labels), tiles(rng.integers(0, 4, 5000))) < 0.005
    assert nmi(tiles([2, 2, 2]), tiles([1, 1, 1])) == 1.0  # one class, one cluster
    assert nmi(tiles([1, 2, 3, 4]), tiles([0, 0, 0, 0])) == 0.0


def test_contingency_and_confusion_axes():
    labels = tiles([1, 1, 1, 2, 4, 0, -1])
    clusters = tiles([0, 0, 3, 3, 3, 0, 9])
    table = contingency_table(labels, clusters)
    assert table.dims == ("class", "cluster")
    assert table["class"].values.tolist() == ["Sugar", "Gravel", "Fish", "Flower"]
    assert table["cluster"].values.tolist() == [0, 3, 9]  # every cluster, even unlabelled
    assert table.values.tolist() == [[2, 1, 0], [0, 1, 0], [0, 0, 0], [0, 1, 0]]
    confusion = confusion_matrix(labels, clusters, include_none=True)
    assert confusion["class"].values.tolist()[0] == "none"
    assert confusion.counts.sel({"class": "none", "cluster": 0}) == 1
    percent = confusion.percent
    assert percent.attrs["units"] == "%"
    np.testing.assert_allclose(percent.sel({"class": "Sugar"}), [200 / 3, 100 / 3, 0])
    assert np.isnan(percent.sel({"class": "Fish"})).all()
    assert confusion.attrs["n_tiles"] == 6
    assert confusion.attrs["nmi"] == pytest.approx(nmi(labels, clusters, include_none=True))


@pytest.mark.parametrize(
    ("labels", "clusters", "kwargs", "message"),
    [
        ([1, 5], [0, 1], {}, "class codes 0"),
        ([1.5, 2], [0, 1], {}, "integer codes"),
        ([1, 2], [0, 1, 1], {}, "has 3 tiles where 2"),
        ([0, -1], [0, 1], {}, "no tile has both"),
        ([1, 2], [0, 1], {"average_method": "mean"}, "average_method"),
    ],
)
def test_bad_inputs(labels, clusters, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        nmi(tiles(labels), tiles(clusters), **kwargs)


def test_tile_coordinates_must_agree():
    labels = xr.DataArray([1, 2], dims="tile", coords={"tile": [10, 11]})
    clusters = xr.DataArray([0, 1], dims="tile", coords={"tile": [11, 10]})
    with pytest.raises(ConfigError, match="'tile' coordinate differs"):
        nmi(labels, clusters)
