"""How sure an NMI is: a confidence interval from scenes, a chance level from permutations.

Tiles of one scene are not independent samples: they share the day's weather, and
neighbouring tiles overlap. Both estimates therefore resample whole scenes, on the
clusters as fitted (the variability of the clustering itself is measured by
:func:`~cloudorg.analysis.k_stability`):

- :func:`nmi_interval`: the percentile bootstrap over scenes. Each resample draws as
  many scenes as there are, with replacement, and scores the tiles of the drawn scenes
  (a scene drawn twice counts twice).
- :func:`nmi_chance`: the NMI the same clusters reach with labels that carry no
  information about them beyond each scene's mix of classes: the labels are permuted
  among the scored tiles of each scene (a restricted permutation test), so every scene
  keeps its class counts and every cluster its tiles. The p-value is the share of
  permutations at least as high as the observed NMI (counting the observation).

Both work on per-scene contingency tables, so thousands of resamples of 20 000 tiles
take a fraction of a second.

Examples
--------
>>> import numpy as np, xarray as xr
>>> labels = xr.DataArray(np.tile([1, 2, 3, 4], 10), dims="tile")
>>> clusters = xr.DataArray(np.tile([0, 1, 2, 3], 10), dims="tile")
>>> scenes = xr.DataArray(np.repeat(np.arange(10), 4), dims="tile")
>>> ci = nmi_interval(labels, clusters, scenes, n_resamples=100)
>>> float(ci.nmi), float(ci.nmi_low), float(ci.nmi_high)
(1.0, 1.0, 1.0)
>>> float(nmi_chance(labels, clusters, scenes, n_permutations=100).p_value)
0.009900990099009901
"""

from __future__ import annotations

import numbers

import numpy as np
import xarray as xr

from cloudorg.analysis.checks import check_int, check_seed, integer_codes, tile_values
from cloudorg.analysis.groupings import class_groups, cluster_groups
from cloudorg.analysis.scores import nmi_from_tables
from cloudorg.errors import ConfigError

__all__ = ["nmi_chance", "nmi_interval"]


def _scored(
    labels: xr.DataArray, clusters: xr.DataArray, scenes: xr.DataArray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Class, cluster and scene index (0..S-1) of the tiles with a class and a cluster."""
    classes = class_groups(labels, labels)
    groups = cluster_groups(clusters, labels)
    scene = integer_codes(tile_values(scenes, labels, "scenes"), "scenes")
    use = (classes.index >= 0) & (groups.index >= 0) & (scene >= 0)
    if not use.any():
        raise ConfigError("labels/clusters: no tile has a class, a cluster and a scene")
    _, scene_index = np.unique(scene[use], return_inverse=True)
    return (
        classes.index[use],
        groups.index[use],
        scene_index,
        classes.coord.size,
        groups.coord.size,
    )


def _scene_tables(
    y: np.ndarray, c: np.ndarray, s: np.ndarray, n_classes: int, n_clusters: int
) -> np.ndarray:
    """Contingency tables ``(scene, class, cluster)``."""
    n_scenes = int(s.max()) + 1
    flat = (s * n_classes + y) * n_clusters + c
    counts = np.bincount(flat, minlength=n_scenes * n_classes * n_clusters)
    return counts.reshape(n_scenes, n_classes, n_clusters)


def _confidence(value: object) -> float:
    if not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ConfigError(f"confidence: expected a number in (0, 1), got {value!r}")
    return float(value)


def _scalar(value: float, long_name: str) -> xr.DataArray:
    return xr.DataArray(value, attrs={"long_name": long_name, "units": "1"})


def nmi_interval(
    labels: xr.DataArray,
    clusters: xr.DataArray,
    scenes: xr.DataArray,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    average_method: str = "arithmetic",
) -> xr.Dataset:
    """The NMI of classes and clusters with a bootstrap confidence interval over scenes.

    Parameters
    ----------
    labels : xarray.DataArray
        Class codes along ``tile`` (0 none, 1–4, -1/NaN unknown; only 1–4 are scored).
    clusters : xarray.DataArray
        Cluster ids along the same tiles (-1: not clustered).
    scenes : xarray.DataArray
        The scene of each tile (any integer id; -1 unknown), e.g. the tile table's
        ``scene_index``. Pass a distinct id per tile to resample tiles instead.
    n_resamples : int, default 1000
        Bootstrap resamples.
    confidence : float, default 0.95
        Coverage of the percentile interval.
    seed : int, default 0
        Seed of the resampling.
    average_method : str, default "arithmetic"
        NMI denominator (see :func:`~cloudorg.analysis.nmi`).

    Returns
    -------
    xarray.Dataset
        Scalars ``nmi`` (of all scored tiles), ``nmi_low`` and ``nmi_high`` (the interval)
        and ``nmi_std`` (standard deviation of the resamples); attrs ``n_tiles``,
        ``n_scenes``, ``n_resamples``, ``confidence``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When no tile has a class, a cluster and a scene, or for invalid arguments.

    Examples
    --------
    >>> from cloudorg.analysis import kmeans
    >>> from cloudorg.synthetic.analysis import example_embeddings
    >>> embeddings, labels = example_embeddings(30, separation=2.0)
    >>> scenes = xr.DataArray(np.arange(labels.size) % 12, dims="tile")
    >>> ci = nmi_interval(labels, kmeans(embeddings).cluster, scenes)
    >>> bool(ci.nmi_low < ci.nmi < ci.nmi_high), ci.attrs["n_scenes"]
    (True, 12)
    """
    n_resamples = check_int(n_resamples, "n_resamples", 1)
    confidence = _confidence(confidence)
    rng = np.random.default_rng(check_seed(seed))
    y, c, s, n_classes, n_clusters = _scored(labels, clusters, scenes)
    tables = _scene_tables(y, c, s, n_classes, n_clusters)
    n_scenes = tables.shape[0]
    weights = rng.multinomial(n_scenes, np.full(n_scenes, 1.0 / n_scenes), size=n_resamples)
    resampled = (weights @ tables.reshape(n_scenes, -1)).reshape(-1, n_classes, n_clusters)
    values = nmi_from_tables(resampled, average_method)
    tail = 100 * (1 - confidence) / 2
    low, high = np.nanpercentile(values, [tail, 100 - tail])
    observed = float(nmi_from_tables(tables.sum(axis=0), average_method))
    return xr.Dataset(
        {
            "nmi": _scalar(observed, "normalised mutual information of classes and clusters"),
            "nmi_low": _scalar(float(low), f"lower end of the {confidence:.0%} interval"),
            "nmi_high": _scalar(float(high), f"upper end of the {confidence:.0%} interval"),
            "nmi_std": _scalar(float(np.nanstd(values)), "standard deviation of the resamples"),
        },
        attrs={
            "n_tiles": int(y.size),
            "n_scenes": n_scenes,
            "n_resamples": n_resamples,
            "confidence": confidence,
            "method": "percentile bootstrap over scenes",
        },
    )


def _permuted_within(s: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` index permutations ``(size, n)`` that move tiles only within their scene."""
    base = np.argsort(s, kind="stable")
    keys = s[base] + rng.random((size, s.size))  # the integer part keeps the scene blocks
    return base[np.argsort(keys, axis=1)]


def nmi_chance(
    labels: xr.DataArray,
    clusters: xr.DataArray,
    scenes: xr.DataArray,
    *,
    n_permutations: int = 200,
    seed: int = 0,
    average_method: str = "arithmetic",
) -> xr.Dataset:
    """The chance level of an NMI: labels permuted among the tiles of each scene.

    Parameters
    ----------
    labels, clusters, scenes : xarray.DataArray
        As for :func:`nmi_interval`.
    n_permutations : int, default 200
        Permutations.
    seed : int, default 0
        Seed of the permutations.
    average_method : str, default "arithmetic"
        NMI denominator.

    Returns
    -------
    xarray.Dataset
        Scalars ``nmi_chance`` (mean over the permutations), ``nmi_chance_low`` and
        ``nmi_chance_high`` (their 2.5th and 97.5th percentiles), ``nmi_chance_p95`` (95th
        percentile) and ``p_value`` (share of permutations, the observation included, with
        an NMI at least the observed one); attrs ``n_permutations``, ``n_tiles``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When no tile has a class, a cluster and a scene, or for invalid arguments.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(0)
    >>> labels = xr.DataArray(rng.integers(1, 5, 400), dims="tile")
    >>> clusters = xr.DataArray(rng.integers(0, 4, 400), dims="tile")
    >>> chance = nmi_chance(labels, clusters, xr.DataArray(np.arange(400) // 40, dims="tile"))
    >>> bool(chance.p_value > 0.05), bool(chance.nmi_chance < 0.02)
    (True, True)
    """
    n_permutations = check_int(n_permutations, "n_permutations", 1)
    rng = np.random.default_rng(check_seed(seed))
    y, c, s, n_classes, n_clusters = _scored(labels, clusters, scenes)
    observed = nmi_from_tables(_scene_tables(y, c, s, n_classes, n_clusters).sum(axis=0))
    order = _permuted_within(s, n_permutations, rng)
    flat = (np.arange(n_permutations)[:, None] * n_classes + y[order]) * n_clusters + c
    size = n_permutations * n_classes * n_clusters
    tables = np.bincount(flat.ravel(), minlength=size).reshape(-1, n_classes, n_clusters)
    values = nmi_from_tables(tables, average_method)
    low, high, p95 = np.percentile(values, [2.5, 97.5, 95])
    p_value = (1 + np.count_nonzero(values >= observed - 1e-12)) / (1 + n_permutations)
    return xr.Dataset(
        {
            "nmi_chance": _scalar(float(values.mean()), "mean NMI of permuted labels"),
            "nmi_chance_low": _scalar(float(low), "2.5th percentile of the permuted NMI"),
            "nmi_chance_high": _scalar(float(high), "97.5th percentile of the permuted NMI"),
            "nmi_chance_p95": _scalar(float(p95), "95th percentile of the permuted NMI"),
            "p_value": _scalar(float(p_value), "permutation p-value of the observed NMI"),
        },
        attrs={
            "n_permutations": n_permutations,
            "n_tiles": int(y.size),
            "method": "labels permuted among the tiles of each scene",
        },
    )
