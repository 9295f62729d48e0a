"""k-means and Ward hierarchical clustering, K forced or chosen by silhouette.

Report sections 3.1.1 (hierarchical clustering), 6.2–6.3 (k-means, K by silhouette,
forced K) and 9. For a campaign's dendrogram (Denby 2020), :func:`ward_sample` builds the
tree of a random sample of the tiles and :func:`dendrogram_leaves` gives the tiles under
each of its K leaves. Both return the per-tile ``cluster`` and the cluster ``centroids`` in
the original feature units, which is all a fitted model needs to assign new tiles to
their nearest centroid (:func:`~cloudorg.analysis.apply_model`).

Examples
--------
>>> from cloudorg.synthetic.analysis import example_embeddings
>>> embeddings, labels = example_embeddings(n_per_class=15, seed=0)
>>> int(kmeans(embeddings, k="auto", k_range=range(2, 7)).attrs["k"])
4
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Literal

import numpy as np
import xarray as xr
from scipy.cluster.hierarchy import dendrogram, fcluster, linkage, to_tree
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from cloudorg.analysis._fitting import Rows, count_attrs, fit_rows, tile_coords
from cloudorg.analysis.checks import TILE, check_int, check_seed
from cloudorg.analysis.features import feature_matrix
from cloudorg.errors import ConfigError

__all__ = ["DEFAULT_K_RANGE", "dendrogram_leaves", "kmeans", "ward", "ward_sample"]

DEFAULT_K_RANGE = range(2, 13)
"""Numbers of clusters tried with ``k="auto"`` (the report goes from 2 to 12)."""

CENTROID = "centroid"
K = int | Literal["auto"]


def assign_dataset(model: xr.Dataset, rows: Rows, labels: np.ndarray | None = None) -> xr.Dataset:
    """The model with the cluster of each tile (-1 for tiles left out).

    ``labels`` of the finite rows default to each tile's nearest centroid.
    """
    if labels is None:
        centroids = (model["centroids"].values - model["center"].values) / model["scale"].values
        labels = cdist(rows.x, centroids, "sqeuclidean").argmin(axis=1)
    return model.assign(
        cluster=xr.DataArray(
            rows.per_tile(labels.astype(np.int32), np.int32(-1)),
            dims=TILE,
            coords=tile_coords(rows),
            attrs={
                "long_name": f"{model.attrs['model']} cluster",
                "units": "1",
                "comment": "-1: tile left out (non-finite features)",
            },
        )
    ).assign_attrs(count_attrs(rows))


def _check_k(k: Any, n: int) -> K:
    if k == "auto":
        return k
    k = check_int(k, "k", 2)
    if k >= n:
        raise ConfigError(f"k: {k} clusters need more than {k} tiles with finite features")
    return k


def _silhouette_curve(
    x: np.ndarray,
    k_range: Iterable[int],
    cluster: Callable[[int], np.ndarray],
    sample: int,
    seed: int,
) -> xr.DataArray:
    ks = sorted({_check_k(k, x.shape[0]) for k in k_range})
    if not ks:
        raise ConfigError("k_range: expected at least one number of clusters")
    scores = []
    for k in ks:
        labels = cluster(k)
        scores.append(
            silhouette_score(
                x, labels, sample_size=sample if sample < x.shape[0] else None, random_state=seed
            )
            if np.unique(labels).size > 1
            else np.nan
        )
    return xr.DataArray(
        np.array(scores),
        dims="k",
        coords={"k": ks},
        attrs={"long_name": "mean silhouette coefficient", "units": "1"},
    )


def _fit_clusters(
    kind: str,
    model: xr.Dataset,
    rows: Rows,
    k: K,
    k_range: Iterable[int],
    fit_k: Callable[[int], tuple[np.ndarray, np.ndarray]],
    silhouette_sample: int,
    seed: int,
) -> tuple[xr.Dataset, np.ndarray]:
    """Choose K when asked, fit it, and store the centroids in the original units.

    ``fit_k(k)`` gives the labels of the finite rows and the centroids (scaled space).
    """
    silhouette_sample = check_int(silhouette_sample, "silhouette_sample", 2)
    k = _check_k(k, rows.x.shape[0])
    fit_k = cache(fit_k)  # the chosen K is not fitted twice
    curve = None
    if k == "auto":
        curve = _silhouette_curve(rows.x, k_range, lambda kk: fit_k(kk)[0], silhouette_sample, seed)
        k = int(curve.k[int(np.nanargmax(curve.values))])
    labels, centroids = fit_k(k)
    model = model.assign_coords({CENTROID: np.arange(centroids.shape[0])}).assign(
        centroids=(
            (CENTROID, rows.feature),
            centroids * model["scale"].values + model["center"].values,
            {"long_name": "cluster centroid in the units of the features"},
        )
    )
    model.attrs.update(
        model=kind, k=k, k_selection="fixed" if curve is None else "silhouette", seed=seed
    )
    if curve is not None:
        model["silhouette"] = curve
    return model, labels


def kmeans(
    data: Any,
    k: K = 4,
    *,
    k_range: Iterable[int] = DEFAULT_K_RANGE,
    standardise: bool | None = None,
    seed: int = 0,
    n_init: int = 10,
    silhouette_sample: int = 10_000,
) -> xr.Dataset:
    """k-means clustering of embeddings or metrics, with K forced or chosen by silhouette.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        Embeddings ``(tile, embedding)``, any ``(tile, feature)`` matrix, or a metrics
        Dataset. Tiles with a non-finite feature are left out (cluster -1) and counted
        in ``n_dropped_nan``.
    k : int or "auto", default 4
        Number of clusters, or ``"auto"``: the K of ``k_range`` with the highest mean
        silhouette coefficient.
    k_range : iterable of int, default ``range(2, 13)``
        Candidates of ``k="auto"``.
    standardise : bool, optional
        Divide each centred feature by its standard deviation; default ``True`` for
        metrics (a Dataset, or a :func:`~cloudorg.analysis.metric_matrix`), ``False``
        for embeddings.
    seed : int, default 0
        Seed of the k-means initialisations and of the silhouette sample.
    n_init : int, default 10
        k-means runs per K (the best inertia is kept).
    silhouette_sample : int, default 10000
        Tiles drawn (with ``seed``) to compute each silhouette when there are more.

    Returns
    -------
    xarray.Dataset
        ``cluster`` ``(tile)`` int32 (-1 for tiles left out), ``centroids``
        ``(centroid, feature)`` in the units of the features, the scaler ``center`` and
        ``scale``, and with ``k="auto"`` the ``silhouette`` curve ``(k)``; attrs
        ``model="kmeans"``, ``k``, ``k_selection``, ``seed``, ``feature_dim``,
        ``standardised``, ``n_tiles_used``, ``n_dropped_nan``. The dataset is also the
        fitted model (:func:`~cloudorg.analysis.apply_model`,
        :func:`~cloudorg.analysis.save_model`).

    Raises
    ------
    cloudorg.errors.ConfigError
        For invalid arguments or fewer finite tiles than clusters.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> x = xr.DataArray([[0.0], [0.1], [5.0], [5.1]], dims=("tile", "embedding"))
    >>> result = kmeans(x, k=2)
    >>> result.cluster.values.tolist() in ([0, 0, 1, 1], [1, 1, 0, 0])
    True
    """
    seed = check_seed(seed)
    n_init = check_int(n_init, "n_init", 1)
    rows, model = fit_rows(data, standardise, min_rows=3)

    def fit_k(kk: int) -> tuple[np.ndarray, np.ndarray]:
        centres = KMeans(kk, n_init=n_init, random_state=seed).fit(rows.x).cluster_centers_
        return cdist(rows.x, centres, "sqeuclidean").argmin(axis=1), centres

    model, _ = _fit_clusters("kmeans", model, rows, k, k_range, fit_k, silhouette_sample, seed)
    model.attrs["n_init"] = n_init
    return assign_dataset(model, rows)


def ward(
    data: Any,
    k: K = 4,
    *,
    k_range: Iterable[int] = DEFAULT_K_RANGE,
    standardise: bool | None = None,
    seed: int = 0,
    silhouette_sample: int = 10_000,
    max_tiles: int = 20_000,
) -> xr.Dataset:
    """Agglomerative (Ward) hierarchical clustering with its dendrogram and a K cut.

    The tree (SciPy ``linkage(method="ward")`` on Euclidean distances of the scaled
    features) is cut into ``k`` clusters (``fcluster`` ``maxclust``). Memory grows as the
    square of the number of tiles, hence ``max_tiles``.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        As for :func:`kmeans`; tiles with a non-finite feature are left out.
    k : int or "auto", default 4
        Number of clusters, or ``"auto"``: the cut of ``k_range`` with the highest mean
        silhouette coefficient.
    k_range : iterable of int, default ``range(2, 13)``
        Candidates of ``k="auto"``.
    standardise : bool, optional
        As for :func:`kmeans`.
    seed : int, default 0
        Seed of the silhouette sample (the tree itself is deterministic).
    silhouette_sample : int, default 10000
        Tiles drawn to compute each silhouette when there are more.
    max_tiles : int, default 20000
        Largest number of finite tiles accepted (subsample beyond it).

    Returns
    -------
    xarray.Dataset
        As :func:`kmeans` (``model="ward"``; centroids are the cluster means), plus
        ``linkage`` ``(merge, linkage_field)``: the SciPy linkage matrix over the tiles
        with finite features, in tile order (those with ``cluster >= 0``).

    Raises
    ------
    cloudorg.errors.ConfigError
        For invalid arguments, fewer finite tiles than clusters, or more than
        ``max_tiles``.

    Examples
    --------
    >>> import xarray as xr
    >>> x = xr.DataArray([[0.0], [0.2], [5.0], [5.1], [9.0]], dims=("tile", "embedding"))
    >>> result = ward(x, k=3)
    >>> result.linkage.shape, len(set(result.cluster.values.tolist()))
    ((4, 4), 3)
    """
    seed = check_seed(seed)
    max_tiles = check_int(max_tiles, "max_tiles", 3)
    rows, model = fit_rows(data, standardise, min_rows=3)
    if rows.x.shape[0] > max_tiles:
        raise ConfigError(
            f"data: {rows.x.shape[0]} tiles exceed max_tiles={max_tiles} for Ward clustering "
            "(memory grows as n²); subsample the tiles or raise max_tiles"
        )
    tree = linkage(rows.x, method="ward")

    def cut(kk: int) -> tuple[np.ndarray, np.ndarray]:
        labels = fcluster(tree, kk, criterion="maxclust") - 1
        centres = np.stack([rows.x[labels == c].mean(axis=0) for c in range(labels.max() + 1)])
        return labels, centres

    model, labels = _fit_clusters("ward", model, rows, k, k_range, cut, silhouette_sample, seed)
    model = model.assign(
        linkage=(
            ("merge", "linkage_field"),
            tree,
            {"long_name": "SciPy linkage matrix (Ward) over the tiles with cluster >= 0"},
        )
    ).assign_coords(linkage_field=["left", "right", "distance", "size"])
    return assign_dataset(model, rows, labels)


def ward_sample(
    data: Any,
    k: K = 4,
    *,
    max_tiles: int = 500,
    standardise: bool | None = None,
    seed: int = 0,
) -> xr.Dataset:
    """:func:`ward` on a random sample of the tiles with finite features (a dendrogram of
    a campaign of any size).

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        As for :func:`ward`.
    k : int or "auto", default 4
        Clusters (leaves of the dendrogram).
    max_tiles : int, default 500
        Tiles drawn (with ``seed``) when there are more.
    standardise : bool, optional
        As for :func:`kmeans`.
    seed : int, default 0
        Seed of the draw and of the silhouettes.

    Returns
    -------
    xarray.Dataset
        The :func:`ward` result over the sample; its ``tile`` coordinate holds the drawn
        tiles' coordinate (or positions); attr ``n_tiles_sampled_from`` (the tiles with
        finite features).

    Examples
    --------
    >>> from cloudorg.synthetic.analysis import example_embeddings
    >>> result = ward_sample(example_embeddings(50)[0], max_tiles=40)
    >>> result.sizes["tile"], result.attrs["n_tiles_sampled_from"]
    (40, 200)
    """
    max_tiles = check_int(max_tiles, "max_tiles", 3)
    matrix = feature_matrix(data)
    if TILE not in matrix.coords:
        matrix = matrix.assign_coords({TILE: np.arange(matrix.sizes[TILE])})
    rows = np.flatnonzero(np.isfinite(matrix.values).all(axis=1))
    n_finite = rows.size
    if rows.size > max_tiles:
        draw = np.random.default_rng(check_seed(seed)).choice(rows, max_tiles, replace=False)
        rows = np.sort(draw)
    result = ward(matrix.isel({TILE: rows}), k, standardise=standardise, seed=seed)
    return result.assign_attrs(n_tiles_sampled_from=int(n_finite))


def dendrogram_leaves(result: xr.Dataset) -> list[tuple[int, np.ndarray]]:
    """The leaves of a Ward tree truncated to its K clusters, left to right.

    Parameters
    ----------
    result : xarray.Dataset
        A :func:`ward` (or :func:`ward_sample`) result.

    Returns
    -------
    list of (int, numpy.ndarray)
        For each leaf as SciPy's ``dendrogram(truncate_mode="lastp", p=K)`` draws them:
        its cluster id and the positions (along ``tile``) of the tiles under it.

    Raises
    ------
    cloudorg.errors.ConfigError
        When ``result`` is not a Ward result.

    Examples
    --------
    >>> import xarray as xr
    >>> x = xr.DataArray([[0.0], [0.3], [4.0], [4.2], [9.0]], dims=("tile", "embedding"))
    >>> [(c, m.tolist()) for c, m in dendrogram_leaves(ward(x, k=3))]
    [(2, [4]), (0, [2, 3]), (1, [0, 1])]
    """
    if not isinstance(result, xr.Dataset) or "linkage" not in result or "cluster" not in result:
        raise ConfigError("result: expected a ward result with 'linkage' and 'cluster'")
    tree = result["linkage"].values
    cluster = result["cluster"].values
    fitted = np.flatnonzero(cluster >= 0)
    leaves = dendrogram(tree, truncate_mode="lastp", p=int(result.attrs["k"]), no_plot=True)
    _, nodes = to_tree(tree, rd=True)
    out = []
    for node in leaves["leaves"]:
        members = fitted[np.sort(nodes[node].pre_order())]
        out.append((int(cluster[members[0]]), members))
    return out
