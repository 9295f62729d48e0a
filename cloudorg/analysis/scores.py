r"""Agreement of clusters with human classes: contingency, NMI (equation 4), confusion.

Report sections 4.1 and 6.2 (figures 12, 17, 34). With :math:`n_{yc}` the number of
tiles of class :math:`y` in cluster :math:`c` and :math:`N` their total,
:math:`p_{yc} = n_{yc}/N`, :math:`p_y = \sum_c p_{yc}`, :math:`p_c = \sum_y p_{yc}`:

.. math::

    I(Y;C) = \sum_{y,c} p_{yc} \ln\frac{p_{yc}}{p_y p_c}, \quad
    H(Y) = -\sum_y p_y \ln p_y, \quad
    \mathrm{NMI}(Y, C) = \frac{2\, I(Y;C)}{H(Y) + H(C)}

(the arithmetic mean of the entropies in the denominator; geometric, min and max are
options). Only tiles with a class (codes 1–4, and 0 "none" with ``include_none``) and a
cluster (``>= 0``) count.

Examples
--------
>>> import xarray as xr
>>> labels = xr.DataArray([1, 1, 2, 2, 3, 3], dims="tile")
>>> nmi(labels, xr.DataArray([0, 0, 1, 1, 2, 2], dims="tile"))
1.0
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from cloudorg.analysis.groupings import class_groups, cluster_groups
from cloudorg.errors import ConfigError

__all__ = ["AVERAGE_METHODS", "confusion_matrix", "contingency_table", "nmi"]

AVERAGE_METHODS = ("arithmetic", "geometric", "min", "max")
"""Means of H(Y) and H(C) accepted as NMI denominators (equation 4: arithmetic)."""


def contingency_table(
    labels: xr.DataArray, clusters: xr.DataArray, *, include_none: bool = False
) -> xr.DataArray:
    """Number of tiles of each class in each cluster.

    Parameters
    ----------
    labels : xarray.DataArray
        Class codes along ``tile``: 0 none, 1 Sugar, 2 Gravel, 3 Fish, 4 Flower; -1 or
        NaN unknown.
    clusters : xarray.DataArray
        Cluster ids along the same tiles (-1 or NaN: not clustered).
    include_none : bool, default False
        Count the tiles of code 0 as a class ``none``.

    Returns
    -------
    xarray.DataArray
        int64 ``(class, cluster)``: class names (``Sugar`` … ``Flower``) by every cluster
        id present in ``clusters``.

    Examples
    --------
    >>> import xarray as xr
    >>> table = contingency_table(xr.DataArray([1, 1, 4, 0], dims="tile"),
    ...                           xr.DataArray([0, 1, 1, 1], dims="tile"))
    >>> table.sel(cluster=1).values.tolist(), table.dims
    ([1, 0, 0, 1], ('class', 'cluster'))
    """
    classes = class_groups(labels, labels, include_none)
    groups = cluster_groups(clusters, labels)
    both = (classes.index >= 0) & (groups.index >= 0)
    counts = np.zeros((classes.coord.size, groups.coord.size), dtype=np.int64)
    np.add.at(counts, (classes.index[both], groups.index[both]), 1)
    return xr.DataArray(
        counts,
        dims=("class", "cluster"),
        coords={"class": classes.coord, "cluster": groups.coord},
        name="counts",
        attrs={"long_name": "number of tiles of each class in each cluster", "units": "1"},
    )


def _check_average(average_method: str) -> None:
    if average_method not in AVERAGE_METHODS:
        raise ConfigError(
            f"average_method: expected one of {AVERAGE_METHODS}, got {average_method!r}"
        )


def _entropy(p: np.ndarray) -> np.ndarray:
    """Entropies along the last axis (0 log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(axis=-1)


def nmi_from_tables(tables: np.ndarray, average_method: str = "arithmetic") -> np.ndarray:
    """Normalised mutual information of a stack of contingency tables ``(..., class, cluster)``.

    Tables without any tile give NaN; a table of one class and one cluster gives 1
    (identical, trivial partitions).

    Examples
    --------
    >>> import numpy as np
    >>> nmi_from_tables(np.array([[[2, 0], [0, 2]], [[1, 1], [1, 1]]])).tolist()
    [1.0, 0.0]
    """
    _check_average(average_method)
    tables = np.asarray(tables, dtype=np.float64)
    total = tables.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = tables / total[..., None, None]
        p_class, p_cluster = p.sum(axis=-1), p.sum(axis=-2)
        outer = p_class[..., :, None] * p_cluster[..., None, :]
        ratio = np.where(p > 0, p / np.where(outer > 0, outer, 1.0), 1.0)
        mutual = np.maximum((p * np.log(ratio)).sum(axis=(-2, -1)), 0.0)
        h_class, h_cluster = _entropy(p_class), _entropy(p_cluster)
        normaliser = {
            "arithmetic": (h_class + h_cluster) / 2,
            "geometric": np.sqrt(h_class * h_cluster),
            "min": np.minimum(h_class, h_cluster),
            "max": np.maximum(h_class, h_cluster),
        }[average_method]
        score = np.where(mutual > 0, mutual / normaliser, 0.0)
    trivial = ((p_class > 0).sum(axis=-1) == 1) & ((p_cluster > 0).sum(axis=-1) == 1)
    return np.where(total > 0, np.where(trivial, 1.0, score), np.nan)


def nmi_from_table(table: np.ndarray, average_method: str = "arithmetic") -> float:
    """Normalised mutual information of a contingency table (equation 4)."""
    _check_average(average_method)
    if np.asarray(table).sum() == 0:
        raise ConfigError("labels/clusters: no tile has both a class and a cluster")
    return float(nmi_from_tables(np.asarray(table)[None], average_method)[0])


def nmi(
    labels: xr.DataArray,
    clusters: xr.DataArray,
    *,
    average_method: str = "arithmetic",
    include_none: bool = False,
) -> float:
    """Normalised mutual information between classes and clusters (equation 4).

    Parameters
    ----------
    labels : xarray.DataArray
        Class codes along ``tile`` (see :func:`contingency_table`).
    clusters : xarray.DataArray
        Cluster ids along the same tiles.
    average_method : {"arithmetic", "geometric", "min", "max"}, default "arithmetic"
        Mean of the two entropies in the denominator; "arithmetic" is equation 4 and
        scikit-learn's default.
    include_none : bool, default False
        Count code 0 as a class ``none``.

    Returns
    -------
    float
        In [0, 1]; 1 for one class and one cluster.

    Raises
    ------
    cloudorg.errors.ConfigError
        When no tile has both a class and a cluster, or for invalid codes or arguments.

    Examples
    --------
    >>> import xarray as xr
    >>> labels = xr.DataArray([1, 1, 2, 2], dims="tile")
    >>> nmi(labels, xr.DataArray([0, 1, 0, 1], dims="tile"))
    0.0
    >>> round(nmi(labels, xr.DataArray([0, 0, 0, 1], dims="tile"), average_method="max"), 4)
    0.3113
    """
    table = contingency_table(labels, clusters, include_none=include_none)
    return nmi_from_table(table.values, average_method)


def confusion_matrix(
    labels: xr.DataArray, clusters: xr.DataArray, *, include_none: bool = False
) -> xr.Dataset:
    """Confusion matrices of classes (rows) against clusters (columns), counts and %.

    Parameters
    ----------
    labels, clusters : xarray.DataArray
        As for :func:`contingency_table`.
    include_none : bool, default False
        Add a row ``none`` for tiles of code 0.

    Returns
    -------
    xarray.Dataset
        ``counts`` and ``percent`` (each row divided by its total, NaN for a class without
        tiles) ``(class, cluster)``; attrs ``n_tiles`` and ``nmi`` (equation 4).

    Examples
    --------
    >>> import xarray as xr
    >>> cm = confusion_matrix(xr.DataArray([1, 1, 1, 2], dims="tile"),
    ...                       xr.DataArray([0, 0, 1, 1], dims="tile"))
    >>> cm.percent.sel({"class": "Sugar"}).values.round(1).tolist(), cm.attrs["n_tiles"]
    ([66.7, 33.3], 4)
    """
    counts = contingency_table(labels, clusters, include_none=include_none)
    totals = counts.sum("cluster")
    percent = 100.0 * counts / totals.where(totals > 0)
    percent.attrs = {"long_name": "share of the class's tiles in each cluster", "units": "%"}
    return xr.Dataset(
        {"counts": counts, "percent": percent},
        attrs={"n_tiles": int(counts.sum()), "nmi": nmi_from_table(counts.values)},
    )
