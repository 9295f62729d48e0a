"""PCA, k-means and Ward clustering on Gaussian blobs of known structure."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from sklearn.decomposition import PCA

from cloudorg.analysis import dendrogram_leaves, kmeans, metric_matrix, nmi, pca, ward, ward_sample
from cloudorg.errors import CloudorgError, ConfigError
from cloudorg.plots import plot_dendrogram
from cloudorg.synthetic import example_embeddings, example_metrics


def blobs(k: int, n_per_blob: int = 30, dim: int = 5, seed: int = 0) -> xr.DataArray:
    """k well-separated Gaussian blobs, tile i in blob i // n_per_blob."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=10.0, size=(k, dim))
    points = np.repeat(centres, n_per_blob, axis=0) + rng.normal(size=(k * n_per_blob, dim))
    return xr.DataArray(points.astype(np.float32), dims=("tile", "embedding"))


def truth(k: int, n_per_blob: int = 30) -> xr.DataArray:
    return xr.DataArray(np.repeat(np.arange(1, k + 1), n_per_blob), dims="tile")


@pytest.mark.parametrize("k", [3, 4, 5])
@pytest.mark.parametrize("method", [kmeans, ward])
def test_k_by_silhouette_recovers_the_number_of_blobs(method, k):
    data = blobs(k, seed=k)
    result = method(data, k="auto", k_range=range(2, 9))
    assert result.attrs["k"] == k and result.attrs["k_selection"] == "silhouette"
    assert result.silhouette.k.values.tolist() == list(range(2, 9))
    assert int(result.silhouette.idxmax()) == k
    assert result.centroids.shape == (k, 5)
    labels = truth(k) if k < 5 else truth(k).where(truth(k) < 5, 0)  # codes above 4 are invalid
    assert nmi(labels, result.cluster) == pytest.approx(1.0)


def test_forced_k_and_determinism():
    data = blobs(4)
    first = kmeans(data, k=6, seed=3)
    again = kmeans(data, k=6, seed=3)
    assert first.attrs["k"] == 6 and first.attrs["k_selection"] == "fixed"
    assert "silhouette" not in first
    np.testing.assert_array_equal(first.cluster, again.cluster)
    np.testing.assert_array_equal(first.centroids, again.centroids)
    assert sorted(np.unique(first.cluster).tolist()) == list(range(6))


def test_kmeans_centroids_are_cluster_means_in_feature_units():
    data = blobs(3) + 100.0
    result = kmeans(data, k=3)
    for c in range(3):
        members = data.values[result.cluster.values == c]
        np.testing.assert_allclose(result.centroids[c], members.mean(axis=0), rtol=1e-5)


def test_nan_rows_are_left_out_and_counted():
    data = blobs(4).copy()
    data[[0, 7], 2] = np.nan
    result = kmeans(data, k=4)
    assert result.attrs["n_dropped_nan"] == 2 and result.attrs["n_tiles_used"] == 118
    assert result.cluster.values[[0, 7]].tolist() == [-1, -1]
    assert (result.cluster.values[1:7] >= 0).all()
    scores = pca(data)
    assert np.isnan(scores.scores.values[[0, 7]]).all()
    assert np.isfinite(scores.scores.values[1:7]).all()
    assert ward(data, k=4).cluster.values[0] == -1


def test_pca_matches_sklearn_and_explains_the_blob_structure():
    data = blobs(2, n_per_blob=50, dim=6)
    result = pca(data, n_components=3)
    reference = PCA(n_components=3).fit(data.values.astype(np.float64))
    np.testing.assert_allclose(
        result.explained_variance_ratio, reference.explained_variance_ratio_, rtol=1e-10
    )
    np.testing.assert_allclose(
        np.abs(result.scores.values),
        np.abs(reference.transform(data.values.astype(np.float64))),
        atol=1e-8,
    )
    assert float(result.explained_variance_ratio[0]) > 0.8  # two blobs: one dominant axis
    assert result.component.values.tolist() == [1, 2, 3]
    assert result.attrs["model"] == "pca" and result.attrs["standardised"] == 0


def test_pca_caps_components_and_standardises_metric_datasets():
    embeddings, labels = example_embeddings(5, n_features=3)
    assert pca(embeddings, n_components=50).sizes["component"] == 3
    metrics = example_metrics(labels)
    result = pca(metrics)
    assert result.attrs["standardised"] == 1
    assert result.attrs["n_dropped_nan"] == 0  # the NaN iorg of tile 0 takes the median
    assert set(result.metric.values) == set(metrics.data_vars)
    expected = np.std(metrics.num_objects.values)
    assert float(result.scale.sel(metric="num_objects")) == pytest.approx(expected)
    assert float(result.fill_value.sel(metric="iorg")) == np.nanmedian(metrics.iorg.values)
    left_out = pca(metric_matrix(metrics, missing="drop_tile"))
    assert left_out.attrs["n_dropped_nan"] == 1 and "fill_value" not in left_out.coords
    matrix = metric_matrix(metrics, max_nan_fraction=0.5)
    assert kmeans(matrix).attrs["standardised"] == 1  # a metric matrix is standardised too
    assert kmeans(matrix, standardise=False).attrs["standardised"] == 0


def test_ward_linkage_and_cut():
    data = blobs(3, n_per_blob=10)
    result = ward(data, k=3)
    assert result.linkage.shape == (29, 4)
    assert result.linkage_field.values.tolist() == ["left", "right", "distance", "size"]
    assert float(result.linkage[-1, 3]) == 30
    assert nmi(truth(3, 10), result.cluster) == pytest.approx(1.0)
    for c in range(3):
        np.testing.assert_allclose(
            result.centroids[c], data.values[result.cluster.values == c].mean(axis=0), rtol=1e-5
        )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: kmeans(d, k=1), "k: expected an integer >= 2"),
        (lambda d: kmeans(d, k="many"), "k: expected an integer"),
        (lambda d: kmeans(d, k=200), "k: 200 clusters need more"),
        (lambda d: kmeans(d, k="auto", k_range=[]), "k_range"),
        (lambda d: kmeans(d, seed=-1), "seed"),
        (lambda d: ward(d, max_tiles=10), "max_tiles=10"),
        (lambda d: pca(d, n_components=0), "n_components"),
        (lambda d: pca(d.values), "data: expected an xarray object"),
        (lambda d: pca(d.isel(embedding=0)), "2-D"),
        (lambda d: kmeans(d * np.nan), "0 tiles have finite features"),
    ],
)
def test_invalid_arguments_raise_config_errors(call, message):
    with pytest.raises(ConfigError, match=message) as error:
        call(blobs(2))
    assert isinstance(error.value, CloudorgError)


def test_the_dendrogram_of_a_sample_has_the_cluster_members_under_its_leaves():
    """Ward on 60 of 150 tiles of five blobs, cut into five: every leaf of the truncated
    tree holds exactly the tiles of one cluster, and the figure names each leaf's size."""
    data = blobs(5).assign_coords(tile=np.arange(150) + 1000)
    tree = ward_sample(data, k=5, max_tiles=60, seed=3)
    assert tree.sizes["tile"] == 60 and tree.attrs["n_tiles_sampled_from"] == 150
    assert set(tree.tile.values) <= set(data.tile.values)  # the drawn tiles keep their ids
    leaves = dendrogram_leaves(tree)
    assert sorted(c for c, _ in leaves) == list(range(5))
    for cluster, members in leaves:
        np.testing.assert_array_equal(members, np.flatnonzero(tree.cluster.values == cluster))
    blob = (tree.tile.values - 1000) // 30
    assert len(set(zip(blob, tree.cluster.values, strict=True))) == 5  # a blob per cluster
    labels = [t.get_text() for t in plot_dendrogram(tree).axes[0].get_xticklabels()]
    assert labels == [f"cluster {c}\n(n={m.size})" for c, m in leaves]
