"""The metric space: column policy, metric PCA, silhouettes by class/cluster, summaries."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy.stats import f_oneway
from sklearn.metrics import silhouette_samples, silhouette_score

from cloudorg.analysis import metric_matrix, metric_pca, metric_silhouettes, metric_summary
from cloudorg.errors import ConfigError
from cloudorg.synthetic import example_embeddings, example_metrics


@pytest.fixture(scope="module")
def labelled_metrics() -> tuple[xr.Dataset, xr.DataArray]:
    _, labels = example_embeddings(30, seed=2)
    metrics = example_metrics(labels, seed=2)
    metrics["constant"] = ("tile", np.ones(labels.size), {"units": "1"})
    sparse = np.full(labels.size, np.nan)
    sparse[:10] = np.arange(10.0)
    metrics["sparse"] = ("tile", sparse)
    metrics["nothing"] = ("tile", np.full(labels.size, np.nan))
    metrics["name"] = ("tile", np.array(["x"] * labels.size))
    return metrics, labels


def test_metric_matrix_drops_constant_sparse_and_empty_columns(labelled_metrics):
    metrics, _ = labelled_metrics
    matrix = metric_matrix(metrics, missing="drop_metric")
    assert matrix.dims == ("tile", "metric")
    assert matrix.metric.values.tolist() == [
        "cloud_fraction",
        "num_objects",
        "mean_length_scale",
        "iorg",
    ]
    assert matrix.attrs["dropped_metrics"] == ["constant", "sparse", "nothing"]
    assert matrix.attrs["dropped_reasons"] == {
        "constant": "constant",
        "sparse": "NaN on 92 % of the tiles (more than 10 %)",
        "nothing": "no value",
    }
    assert matrix.metric_units.values.tolist() == ["1", "1", "km", "1"]
    assert np.isnan(matrix.sel(metric="iorg").values[0])  # NaN kept in place
    assert matrix.attrs["n_tiles_incomplete"] == 1 and matrix.attrs["n_imputed"] == 0
    assert "sparse" in metric_matrix(metrics, max_nan_fraction=0.95).metric.values
    with pytest.raises(ConfigError, match="no usable column"):
        metric_matrix(metrics, variables=["constant", "nothing"])
    with pytest.raises(ConfigError, match="not numeric per-tile variables"):
        metric_matrix(metrics, variables=["missing"])
    with pytest.raises(ConfigError, match="max_nan_fraction"):
        metric_matrix(metrics, max_nan_fraction=2)
    with pytest.raises(ConfigError, match="missing: expected one of"):
        metric_matrix(metrics, missing="zero")


def test_each_rule_for_undefined_metrics(labelled_metrics):
    """Median imputation keeps every tile; dropping tiles keeps every metric with values."""
    metrics, _ = labelled_metrics
    imputed = metric_matrix(metrics)
    assert imputed.attrs["missing"] == "impute" and imputed.attrs["max_nan_fraction"] == 0.5
    iorg = metrics.iorg.values
    assert imputed.sel(metric="iorg").values[0] == np.nanmedian(iorg)
    assert np.isfinite(imputed.values).all() and imputed.attrs["n_imputed"] == 1
    np.testing.assert_array_equal(imputed.sel(metric="iorg").values[1:], iorg[1:])
    assert "sparse" not in imputed.metric.values  # NaN on 92 % of the tiles
    kept = metric_matrix(metrics, missing="drop_tile")
    assert "sparse" in kept.metric.values and kept.attrs["dropped_metrics"] == [
        "constant",
        "nothing",
    ]
    assert kept.attrs["n_tiles_incomplete"] == int((~np.isfinite(kept.values).all(axis=1)).sum())
    assert kept.attrs["n_tiles_incomplete"] == metrics.sizes["tile"] - 10 + 1


def test_metric_pca_has_loadings_per_metric(labelled_metrics):
    metrics, _ = labelled_metrics
    result = metric_pca(metrics, missing="drop_metric")
    assert result.loadings.dims == ("component", "metric")
    np.testing.assert_allclose((result.loadings**2).sum("metric"), 1.0)
    assert result.attrs["dropped_metrics"] == ["constant", "sparse", "nothing"]
    # the four metrics all follow the class: one component carries most of the variance
    assert float(result.explained_variance_ratio[0]) > 0.8
    assert result.attrs["standardised"] == 1 and result.attrs["n_dropped_nan"] == 1


def test_silhouettes_by_class_and_by_cluster_match_sklearn(labelled_metrics):
    metrics, labels = labelled_metrics
    rng = np.random.default_rng(0)
    clusters = xr.DataArray(rng.integers(0, 4, labels.size), dims="tile")
    table = metric_silhouettes(metrics, labels, clusters, missing="drop_metric")
    x = metric_matrix(metrics, missing="drop_metric").values[1:]  # tile 0 has a NaN iorg
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    assert float(table.silhouette_class) == pytest.approx(silhouette_score(x, labels.values[1:]))
    assert float(table.silhouette_cluster) == pytest.approx(
        silhouette_score(x, clusters.values[1:])
    )
    per_tile = silhouette_samples(x, labels.values[1:])
    expected = [per_tile[labels.values[1:] == c].mean() for c in range(1, 5)]
    np.testing.assert_allclose(table.class_silhouette, expected)
    assert table.class_silhouette["class"].values.tolist() == ["Sugar", "Gravel", "Fish", "Flower"]
    assert table.cluster_silhouette.cluster.values.tolist() == [0, 1, 2, 3]
    # Table 2's reading: classes separate the metric space better than random clusters
    assert float(table.silhouette_class) > 0.3 > float(table.silhouette_cluster)
    assert table.attrs["n_tiles"] == labels.size - 1


def test_silhouette_sample_and_errors(labelled_metrics):
    metrics, labels = labelled_metrics
    sampled = metric_silhouettes(metrics, labels, labels, sample_size=40, seed=1)
    assert sampled.attrs["n_tiles"] == 40
    assert float(sampled.silhouette_class) == float(sampled.silhouette_cluster)
    with pytest.raises(ConfigError, match="2 to n-1 groups"):
        metric_silhouettes(metrics, labels, xr.zeros_like(labels))


def test_metric_summary_matches_pandas_and_anova(labelled_metrics):
    metrics, labels = labelled_metrics
    clusters = xr.DataArray(np.arange(labels.size) % 3, dims="tile")
    summary = metric_summary(metrics, clusters, variables=["cloud_fraction", "iorg", "sparse"])
    frame = metrics[["cloud_fraction", "iorg", "sparse"]].to_dataframe()
    frame["cluster"] = clusters.values
    grouped = frame.groupby("cluster")
    np.testing.assert_allclose(
        summary.group_mean.transpose("cluster", "metric"), grouped.mean().values
    )
    np.testing.assert_allclose(
        summary.group_variance.sel(metric=["cloud_fraction", "iorg"]),
        grouped.var(ddof=0)[["cloud_fraction", "iorg"]].values,
    )
    assert summary.n_values.sel(metric="iorg").values.tolist() == [39, 40, 40]
    finite = frame.dropna(subset=["iorg"])
    reference = f_oneway(*[g["iorg"].values for _, g in finite.groupby("cluster")])
    assert float(summary.f_statistic.sel(metric="iorg")) == pytest.approx(reference.statistic)


def test_metric_summary_by_class_ranks_the_class_metrics_first(labelled_metrics):
    metrics, labels = labelled_metrics
    summary = metric_summary(metrics, labels)
    assert summary.group_mean.dims == ("class", "metric")
    assert "constant" in summary.metric.values  # no column policy here
    assert np.isnan(summary.group_mean.sel(metric="nothing")).all()
    ranked = summary.f_statistic.fillna(-1).sortby(summary.f_statistic.fillna(-1), ascending=False)
    assert set(ranked.metric.values[:4]) == {
        "cloud_fraction",
        "num_objects",
        "mean_length_scale",
        "iorg",
    }
    assert summary.metric_units.sel(metric="mean_length_scale") == "km"
    means = summary.group_mean.sel(metric="cloud_fraction").values
    assert np.all(np.diff(means) > 0)  # cloud fraction rises with the class code
