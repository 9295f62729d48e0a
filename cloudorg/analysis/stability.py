"""How many clusters: the silhouette and the stability of k-means for each K.

The silhouette (Rousseeuw 1987) says how much closer a tile is to its own cluster than
to the next one; it often prefers few, well separated clusters. The stability says
whether k-means finds the same K clusters again on other data of the same kind: k-means
is fitted on bootstrap resamples (of scenes when given, since tiles of one scene are not
independent), every tile is assigned to its nearest resampled centroid, and the
agreement with the reference clusters (k-means of all the tiles, or of 10 000 drawn at
random with every tile assigned to its nearest centroid) is the adjusted Rand index (ARI; 1 the same
partition, 0 chance; Hubert & Arabie 1985). A K with a high silhouette and a stability
near 1 is a choice the data support; a K whose stability is low splits the tiles
differently from one sample to the next.

Examples
--------
>>> from cloudorg.synthetic.analysis import example_embeddings
>>> embeddings, _ = example_embeddings(25, separation=8.0)
>>> curve = k_stability(embeddings, k_range=range(2, 6), n_resamples=5)
>>> curve.attrs["k_silhouette"], round(float(curve.stability.sel(k=4)), 2)
(4, 1.0)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import xarray as xr
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, silhouette_score
from threadpoolctl import threadpool_limits

from cloudorg.analysis._distances import nearest
from cloudorg.analysis._fitting import fit_rows
from cloudorg.analysis.checks import check_int, check_seed, integer_codes, tile_values
from cloudorg.analysis.clustering import DEFAULT_K_RANGE
from cloudorg.errors import ConfigError

__all__ = ["k_stability"]

MAX_ITER = 50
"""Lloyd iterations of each k-means fit (enough to settle the partition)."""


def _resample(
    rng: np.random.Generator, scene: np.ndarray | None, n: int, max_tiles: int
) -> np.ndarray:
    """Row indices of one bootstrap resample (of scenes when known), at most ``max_tiles``."""
    if scene is None:
        rows = rng.integers(0, n, n)
    else:
        ids = np.unique(scene)
        drawn = rng.choice(ids, ids.size, replace=True)
        order = np.argsort(scene, kind="stable")
        starts = np.searchsorted(scene[order], drawn)
        ends = np.searchsorted(scene[order], drawn, side="right")
        rows = np.concatenate([order[a:b] for a, b in zip(starts, ends, strict=True)])
    return rng.choice(rows, max_tiles, replace=False) if rows.size > max_tiles else rows


def _kmeans(k: int, n_init: int, seed: int) -> KMeans:
    return KMeans(k, n_init=n_init, max_iter=MAX_ITER, random_state=seed)


def _fit_assign(x: np.ndarray, part: np.ndarray, k: int, n_init: int, seed: int) -> np.ndarray:
    """Every tile's nearest centre of k-means fitted on ``part``."""
    with warnings.catch_warnings():  # a resample of few distinct tiles
        warnings.simplefilter("ignore", ConvergenceWarning)
        return nearest(x, _kmeans(k, n_init, seed).fit(part).cluster_centers_)


def k_stability(
    data: Any,
    *,
    k_range: Iterable[int] = DEFAULT_K_RANGE,
    scenes: xr.DataArray | None = None,
    n_resamples: int = 8,
    max_tiles: int = 2000,
    reference_tiles: int = 10_000,
    silhouette_sample: int = 2000,
    standardise: bool | None = None,
    n_init: int = 2,
    seed: int = 0,
) -> xr.Dataset:
    """Silhouette and bootstrap stability of k-means for every K of a range.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        Embeddings ``(tile, embedding)``, any ``(tile, feature)`` matrix or a metrics
        Dataset, as for :func:`~cloudorg.analysis.kmeans` (tiles with a non-finite
        feature are left out).
    k_range : iterable of int, default ``range(2, 13)``
        Numbers of clusters.
    scenes : xarray.DataArray, optional
        Scene of each tile; resamples draw scenes (with their tiles) instead of tiles.
    n_resamples : int, default 8
        Bootstrap resamples per K.
    max_tiles : int, default 2000
        Tiles a resample's k-means is fitted on at most (drawn from the resample).
    reference_tiles : int, default 10000
        Tiles the reference k-means of each K is fitted on at most (drawn with ``seed``);
        every tile is then assigned to its nearest reference centroid.
    silhouette_sample : int, default 2000
        Tiles drawn to compute each silhouette when there are more.
    standardise : bool, optional
        As for :func:`~cloudorg.analysis.kmeans` (default: metrics yes, embeddings no).
    n_init : int, default 2
        k-means runs of the reference fit of each K.
    seed : int, default 0
        Seed of the fits, resamples and silhouette samples.

    Returns
    -------
    xarray.Dataset
        Along ``k``: ``silhouette`` (mean silhouette coefficient of the reference fit),
        ``stability`` (mean ARI of the resampled clusterings with the reference) and
        ``stability_std``; attrs ``k_silhouette`` (K of the highest silhouette),
        ``n_resamples``, ``resampling`` (``scenes`` or ``tiles``), ``n_tiles_used``.

    Raises
    ------
    cloudorg.errors.ConfigError
        For invalid arguments, or a K not below the number of finite tiles.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from cloudorg.synthetic.analysis import example_embeddings
    >>> embeddings, labels = example_embeddings(50, n_features=2, separation=4.0)
    >>> scenes = xr.DataArray(np.arange(200) % 10, dims="tile")
    >>> curve = k_stability(embeddings, k_range=[4, 9], scenes=scenes, n_resamples=5)
    >>> bool(curve.stability.sel(k=4) > curve.stability.sel(k=9)), curve.attrs["resampling"]
    (True, 'scenes')
    """
    seed = check_seed(seed)
    n_resamples = check_int(n_resamples, "n_resamples", 1)
    max_tiles = check_int(max_tiles, "max_tiles", 2)
    reference_tiles = check_int(reference_tiles, "reference_tiles", 2)
    silhouette_sample = check_int(silhouette_sample, "silhouette_sample", 2)
    n_init = check_int(n_init, "n_init", 1)
    rows, _ = fit_rows(data, standardise, min_rows=3)
    x = rows.x.astype(np.float32)  # k-means runs twice as fast; the partitions are the same
    ks = sorted({check_int(k, "k_range", 2) for k in k_range})
    if not ks or ks[-1] >= x.shape[0]:
        raise ConfigError(
            f"k_range: expected numbers of clusters from 2 to {x.shape[0] - 1} (the finite "
            f"tiles), got {ks}"
        )
    scene = None
    if scenes is not None:
        scene = integer_codes(tile_values(scenes, rows.matrix, "scenes"), "scenes")[rows.finite]
    rng = np.random.default_rng(seed)
    sample = None if x.shape[0] <= silhouette_sample else silhouette_sample
    fitted = x if x.shape[0] <= reference_tiles else x[rng.choice(x.shape[0], reference_tiles,
                                                                  replace=False)]  # fmt: skip
    silhouette, stability, spread = [], [], []
    # one thread: k-means nests BLAS calls in OpenMP loops, and on a busy machine their
    # threads wait on each other (measured 2-7 times slower on two shared cores)
    with threadpool_limits(1):
        for k in ks:
            reference = _fit_assign(x, fitted, k, n_init, seed)
            silhouette.append(
                silhouette_score(x, reference, sample_size=sample, random_state=seed)
                if np.unique(reference).size > 1
                else np.nan
            )
            parts = (x[_resample(rng, scene, x.shape[0], max_tiles)] for _ in range(n_resamples))
            scores = [adjusted_rand_score(reference, _fit_assign(x, p, k, 1, seed + b))
                      for b, p in enumerate(parts)]  # fmt: skip
            stability.append(np.mean(scores))
            spread.append(np.std(scores))
    curve = np.asarray(silhouette, dtype=np.float64)
    k_best = ks[int(np.nanargmax(curve))] if np.isfinite(curve).any() else ks[0]

    def along_k(values: list[float], long_name: str) -> xr.DataArray:
        return xr.DataArray(np.asarray(values, dtype=np.float64), dims="k",
                            attrs={"long_name": long_name, "units": "1"})  # fmt: skip

    return xr.Dataset(
        {
            "silhouette": along_k(silhouette, "mean silhouette coefficient"),
            "stability": along_k(
                stability, "mean adjusted Rand index of resampled and full k-means"
            ),
            "stability_std": along_k(spread, "standard deviation of the adjusted Rand index"),
        },
        coords={"k": ("k", ks, {"long_name": "number of clusters"})},
        attrs={
            "k": k_best,
            "k_silhouette": k_best,
            "n_resamples": n_resamples,
            "resampling": "tiles" if scene is None else "scenes",
            "n_tiles_used": int(x.shape[0]),
            "seed": seed,
        },
    )
