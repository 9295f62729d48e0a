"""The cloud-metric space: per-group means and variances, PCA, silhouettes (section 9.2).

Figure 37 (:func:`metric_summary`), figure 38 (:func:`metric_pca`) and Table 2
(:func:`metric_silhouettes`: how well the human classes and the embedding clusters
separate in the standardised metric space).

Examples
--------
>>> from cloudorg.synthetic.analysis import example_embeddings, example_metrics
>>> _, labels = example_embeddings(10)
>>> metrics = example_metrics(labels)
>>> table = metric_silhouettes(metrics, labels, labels - 1)
>>> bool(table.silhouette_class == table.silhouette_cluster)
True
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import xarray as xr
from sklearn.metrics import silhouette_samples

from cloudorg.analysis.checks import check_int, check_seed
from cloudorg.analysis.decomposition import pca
from cloudorg.analysis.features import METRIC, metric_matrix, stack_metrics
from cloudorg.analysis.groupings import Groups, class_groups, cluster_groups, groups_of
from cloudorg.errors import ConfigError

__all__ = ["metric_pca", "metric_silhouettes", "metric_summary"]


def metric_pca(
    metrics: xr.Dataset,
    *,
    n_components: int = 2,
    variables: Iterable[str] | None = None,
    missing: str = "impute",
    max_nan_fraction: float | None = None,
    seed: int = 0,
) -> xr.Dataset:
    """PCA of the standardised cloud metrics with their loadings (figure 38).

    Parameters
    ----------
    metrics : xarray.Dataset
        One variable per metric along ``tile``.
    n_components : int, default 2
        Components kept.
    variables : iterable of str, optional
        Metrics used; default all numeric per-tile variables.
    missing : {"impute", "drop_metric", "drop_tile"}, default "impute"
        Rule for metrics undefined on some tiles (:func:`~cloudorg.analysis.metric_matrix`).
    max_nan_fraction : float, optional
        Largest fraction of NaN of a kept metric (default by rule).
    seed : int, default 0
        Seed of the PCA solver.

    Returns
    -------
    xarray.Dataset
        As :func:`~cloudorg.analysis.pca`, with feature dimension ``metric`` (loadings
        per metric) and attr ``dropped_metrics``.

    Examples
    --------
    >>> from cloudorg.synthetic.analysis import example_embeddings, example_metrics
    >>> result = metric_pca(example_metrics(example_embeddings(10)[1]))
    >>> result.loadings.dims, result.attrs["dropped_metrics"]
    (('component', 'metric'), [])
    """
    matrix = metric_matrix(
        metrics, variables=variables, missing=missing, max_nan_fraction=max_nan_fraction
    )
    result = pca(matrix, n_components=n_components, standardise=True, seed=seed)
    return result.assign_attrs(dropped_metrics=matrix.attrs["dropped_metrics"])


def _group_means(values: np.ndarray, groups: Groups, use: np.ndarray) -> xr.DataArray:
    sums = np.bincount(groups.index[use], weights=values, minlength=groups.coord.size)
    counts = np.bincount(groups.index[use], minlength=groups.coord.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    return xr.DataArray(
        means,
        dims=groups.dim,
        coords={groups.dim: groups.coord},
        attrs={"long_name": f"mean silhouette coefficient of the tiles of each {groups.dim}"},
    )


def metric_silhouettes(
    metrics: xr.Dataset,
    labels: xr.DataArray,
    clusters: xr.DataArray,
    *,
    variables: Iterable[str] | None = None,
    missing: str = "impute",
    max_nan_fraction: float | None = None,
    include_none: bool = False,
    sample_size: int | None = None,
    seed: int = 0,
) -> xr.Dataset:
    """Silhouettes of the metric space grouped by class and by cluster (Table 2).

    Metrics go through :func:`~cloudorg.analysis.metric_matrix` (its rule for NaN, and
    constant columns dropped); the tiles with finite metrics, a class and a cluster are
    standardised and the silhouette coefficient of each tile is computed twice: with
    the classes as groups and with the clusters as groups.

    Parameters
    ----------
    metrics : xarray.Dataset
        One variable per metric along ``tile``.
    labels : xarray.DataArray
        Class codes along ``tile`` (0 none, 1–4 classes, -1/NaN unknown).
    clusters : xarray.DataArray
        Cluster ids along ``tile`` (-1: not clustered).
    variables : iterable of str, optional
        Metrics used; default all.
    missing : {"impute", "drop_metric", "drop_tile"}, default "impute"
        Rule for metrics undefined on some tiles (:func:`~cloudorg.analysis.metric_matrix`).
    max_nan_fraction : float, optional
        Largest fraction of NaN of a kept metric (default by rule).
    include_none : bool, default False
        Treat code 0 as a class.
    sample_size : int, optional
        Draw this many of the tiles (with ``seed``) when there are more (the cost grows
        as the square of the number of tiles).
    seed : int, default 0
        Seed of the sample.

    Returns
    -------
    xarray.Dataset
        ``silhouette_class`` and ``silhouette_cluster`` (mean over the tiles),
        ``class_silhouette`` ``(class)`` and ``cluster_silhouette`` ``(cluster)`` (mean
        per group, NaN for an empty group); attrs ``n_tiles`` and ``dropped_metrics``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When fewer than 2 groups or too few tiles remain.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> metrics = xr.Dataset({"cloud_fraction": ("tile", [0.1, 0.12, 0.8, 0.82]),
    ...                       "iorg": ("tile", [0.5, 0.52, 0.7, 0.69])})
    >>> table = metric_silhouettes(metrics, xr.DataArray([1, 1, 2, 2], dims="tile"),
    ...                            xr.DataArray([0, 1, 0, 1], dims="tile"))
    >>> bool(table.silhouette_class > 0.9), bool(table.silhouette_cluster < 0)
    (True, True)
    """
    seed = check_seed(seed)
    matrix = metric_matrix(
        metrics, variables=variables, missing=missing, max_nan_fraction=max_nan_fraction
    )
    classes = class_groups(labels, matrix, include_none)
    groups = cluster_groups(clusters, matrix)
    use = np.isfinite(matrix.values).all(axis=1) & (classes.index >= 0) & (groups.index >= 0)
    if sample_size is not None and use.sum() > check_int(sample_size, "sample_size", 4):
        keep = np.random.default_rng(seed).choice(np.flatnonzero(use), sample_size, False)
        use = np.isin(np.arange(use.size), keep)
    x = matrix.values[use]
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    out: dict[str, xr.DataArray] = {}
    for grouping in (classes, groups):
        index = grouping.index[use]
        if not 2 <= np.unique(index).size < index.size:
            raise ConfigError(
                f"{grouping.dim}: silhouettes need 2 to n-1 groups among the {index.size} "
                f"usable tiles, got {np.unique(index).size}"
            )
        samples = silhouette_samples(x, index)
        out[f"silhouette_{grouping.dim}"] = xr.DataArray(
            samples.mean(), attrs={"long_name": f"mean silhouette, grouped by {grouping.dim}"}
        )
        out[f"{grouping.dim}_silhouette"] = _group_means(samples, grouping, use)
    return xr.Dataset(
        out,
        attrs={"n_tiles": int(use.sum()), "dropped_metrics": matrix.attrs["dropped_metrics"]},
    )


def metric_summary(
    metrics: xr.Dataset,
    groups: xr.DataArray,
    *,
    variables: Iterable[str] | None = None,
    include_none: bool = False,
) -> xr.Dataset:
    """Mean and variance of each metric per cluster or class (figure 37).

    NaN values of a metric are left out of that metric only. The one-way ANOVA F
    statistic of each metric (variance between the group means over the variance within
    groups) ranks the metrics that differ most between the groups.

    Parameters
    ----------
    metrics : xarray.Dataset
        One variable per metric along ``tile``.
    groups : xarray.DataArray
        Cluster ids, or class labels (recognised by their ``flag_meanings``), or any CF
        flag variable, along ``tile``.
    variables : iterable of str, optional
        Metrics; default all numeric per-tile variables (none dropped).
    include_none : bool, default False
        With class labels, keep code 0 as a group ``none``.

    Returns
    -------
    xarray.Dataset
        ``group_mean``, ``group_variance`` (ddof 0) and ``n_values`` (tiles with a value)
        ``(group dim, metric)``,
        ``f_statistic`` ``(metric)``; coordinate ``metric_units``. The group dimension is
        ``cluster``, ``class`` or ``group``.

    Examples
    --------
    >>> import xarray as xr
    >>> metrics = xr.Dataset({"cloud_fraction": ("tile", [0.1, 0.2, 0.6, 0.8], {"units": "1"})})
    >>> s = metric_summary(metrics, xr.DataArray([0, 0, 1, 1], dims="tile"))
    >>> s.group_mean.sel(metric="cloud_fraction").values.round(2).tolist(), s.group_mean.dims
    ([0.15, 0.7], ('cluster', 'metric'))
    """
    matrix = stack_metrics(metrics, variables)
    grouping = groups_of(groups, matrix, "groups", include_none)
    shape = (grouping.coord.size, matrix.sizes[METRIC])
    count, mean, variance = np.zeros(shape), np.full(shape, np.nan), np.full(shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        for g in range(shape[0]):
            block = matrix.values[grouping.index == g]
            count[g] = np.isfinite(block).sum(axis=0)
            mean[g] = np.nansum(block, axis=0) / count[g]
            variance[g] = np.nansum((block - mean[g]) ** 2, axis=0) / count[g]
        present = count > 0
        total, n_groups = count.sum(axis=0), present.sum(axis=0)
        grand = np.nansum(count * mean, axis=0) / total
        between = np.nansum(count * (mean - grand) ** 2, axis=0) / (n_groups - 1)
        within = np.nansum(count * variance, axis=0) / (total - n_groups)
        f_statistic = between / within
    dims = (grouping.dim, METRIC)
    coords = {grouping.dim: grouping.coord, METRIC: matrix[METRIC].values}
    return xr.Dataset(
        {
            "group_mean": (dims, mean, {"long_name": "mean of the metric per group"}),
            "group_variance": (
                dims,
                variance,
                {"long_name": "variance of the metric per group (ddof 0)"},
            ),
            "n_values": (dims, count.astype(np.int64), {"long_name": "tiles with a value"}),
            "f_statistic": (
                METRIC,
                f_statistic,
                {"long_name": "one-way ANOVA F statistic between the groups", "units": "1"},
            ),
        },
        coords={**coords, "metric_units": (METRIC, matrix["metric_units"].values)},
    )
