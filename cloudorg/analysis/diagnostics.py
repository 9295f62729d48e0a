r"""Diagnostics of an embedding (or any feature space): does it use its dimensions, does it
keep neighbours close, do similar tiles share a class?

- :func:`participation_ratio`: the effective number of dimensions of the PCA spectrum,
  :math:`\mathrm{PR} = (\sum_i \lambda_i)^2 / \sum_i \lambda_i^2` with :math:`\lambda_i`
  the variances along the principal axes (1 when all the variance lies along one axis,
  D when it is spread evenly over D). An embedding whose first component explains 99 %
  of the variance has a PR near 1: it has collapsed onto a line.
- :func:`triplet_distance_ratio`: on triplets drawn from the tiles (an anchor, a
  neighbour overlapping or next to it in the same scene, a tile of another scene), the
  mean anchor–neighbour distance over the mean anchor–distant distance (below 1: the
  Tile2Vec objective of Jean et al. 2019 holds on these tiles) and the share of triplets
  whose neighbour is the nearer.
- :func:`neighbour_agreement`: the share of labelled tiles whose nearest labelled tile of
  another scene has the same class, against the agreement of a random tile
  (:math:`\sum_c p_c^2`).

Examples
--------
>>> from cloudorg.synthetic.analysis import example_embeddings
>>> embeddings, labels = example_embeddings(20, n_features=8)
>>> round(participation_ratio(embeddings), 1)
3.3
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from cloudorg.analysis._distances import squared_distances
from cloudorg.analysis._fitting import fit_rows
from cloudorg.analysis.checks import check_int, check_seed, integer_codes, tile_values
from cloudorg.analysis.groupings import class_groups
from cloudorg.errors import ConfigError

__all__ = ["neighbour_agreement", "participation_ratio", "triplet_distance_ratio"]

_CHUNK = 512
"""Query tiles per block of distances."""


def participation_ratio(data: Any, *, standardise: bool | None = None) -> float:
    """The effective dimension of a feature space: the participation ratio of its spectrum.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        Embeddings ``(tile, embedding)``, a ``(tile, feature)`` matrix or metrics (tiles
        with a non-finite feature are left out).
    standardise : bool, optional
        As for :func:`~cloudorg.analysis.pca` (default: metrics yes, embeddings no).

    Returns
    -------
    float
        Between 1 and the number of features.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> line = np.outer(np.arange(50.0), [1.0, 2.0, 3.0])
    >>> participation_ratio(xr.DataArray(line, dims=("tile", "embedding")))
    1.0
    """
    rows, _ = fit_rows(data, standardise)
    variances = np.clip(np.linalg.eigvalsh(np.cov(rows.x, rowvar=False).reshape(
        rows.x.shape[1], rows.x.shape[1])), 0, None)  # fmt: skip
    total = variances.sum()
    return float(total**2 / (variances**2).sum()) if total > 0 else 1.0


def _scene_codes(scenes: xr.DataArray, like: Any) -> np.ndarray:
    return integer_codes(tile_values(scenes, like, "scenes"), "scenes")


def neighbour_agreement(
    data: Any,
    labels: xr.DataArray,
    scenes: xr.DataArray,
    *,
    max_queries: int = 2000,
    standardise: bool | None = None,
    seed: int = 0,
) -> xr.Dataset:
    """Share of labelled tiles whose nearest labelled tile of another scene shares its class.

    Neighbours in the same scene are left out: they overlap or share the day's weather,
    which would make the agreement easy.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        The features, as for :func:`participation_ratio`.
    labels : xarray.DataArray
        Class codes along ``tile`` (only 1–4 count).
    scenes : xarray.DataArray
        Scene of each tile.
    max_queries : int, default 2000
        Labelled tiles drawn (with ``seed``) as queries when there are more.
    standardise : bool, optional
        As for :func:`participation_ratio`.
    seed : int, default 0
        Seed of the draw.

    Returns
    -------
    xarray.Dataset
        Scalars ``agreement`` and ``chance`` (:math:`\\sum_c p_c^2` of the labelled tiles);
        attr ``n_queries``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When fewer than two scenes have labelled tiles with finite features.

    Examples
    --------
    >>> from cloudorg.synthetic.analysis import example_embeddings
    >>> embeddings, labels = example_embeddings(20)
    >>> scenes = xr.DataArray(np.arange(80) % 5, dims="tile")
    >>> result = neighbour_agreement(embeddings, labels, scenes)
    >>> float(result.agreement), float(result.chance)
    (1.0, 0.25)
    """
    max_queries = check_int(max_queries, "max_queries", 1)
    rows, _ = fit_rows(data, standardise)
    classes = class_groups(labels, rows.matrix).index[rows.finite]
    scene = _scene_codes(scenes, rows.matrix)[rows.finite]
    use = classes >= 0
    x, classes, scene = rows.x[use], classes[use], scene[use]
    if np.unique(scene).size < 2:
        raise ConfigError("scenes: nearest neighbours of other scenes need labelled tiles "
                          "of at least two scenes")  # fmt: skip
    rng = np.random.default_rng(check_seed(seed))
    queries = np.arange(x.shape[0])
    if queries.size > max_queries:
        queries = np.sort(rng.choice(queries, max_queries, replace=False))
    nearest = np.empty(queries.size, dtype=np.int64)
    for start in range(0, queries.size, _CHUNK):
        block = queries[start : start + _CHUNK]
        distance = squared_distances(x[block], x)
        distance[scene[block][:, None] == scene[None, :]] = np.inf
        nearest[start : start + _CHUNK] = distance.argmin(axis=1)
    share = np.bincount(classes) / classes.size
    return xr.Dataset(
        {
            "agreement": ((), float(np.mean(classes[queries] == classes[nearest])),
                          {"long_name": "share of tiles whose nearest tile of another scene "
                           "has the same class", "units": "1"}),
            "chance": ((), float((share**2).sum()),
                       {"long_name": "agreement of a random tile", "units": "1"}),
        },
        attrs={"n_queries": int(queries.size)},
    )  # fmt: skip


def _draw_triplets(
    table: xr.Dataset, usable: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``(n, 3)`` tile indices: anchor, neighbour (same scene, within one tile edge),
    distant (another scene); fewer rows when few anchors have a neighbour."""
    size = int(table.attrs["tile_size"])
    scene = table["scene_index"].values
    row0, col0 = table["row0"].values, table["col0"].values
    candidates = np.flatnonzero(usable)
    anchors = rng.choice(candidates, min(n, candidates.size), replace=False)
    triplets = []
    for s in np.unique(scene[anchors]):
        mine = anchors[scene[anchors] == s]
        pool = candidates[scene[candidates] == s]
        others = candidates[scene[candidates] != s]
        if not others.size:
            continue
        gap = np.maximum(np.abs(row0[mine][:, None] - row0[pool][None]),
                         np.abs(col0[mine][:, None] - col0[pool][None]))  # fmt: skip
        near = (gap > 0) & (gap <= size)
        has = near.any(axis=1)
        pick = (rng.random(near.shape) * near).argmax(axis=1)
        triplets.append(np.column_stack([mine[has], pool[pick[has]],
                                         rng.choice(others, int(has.sum()))]))  # fmt: skip
    return np.concatenate(triplets) if triplets else np.zeros((0, 3), dtype=np.int64)


def triplet_distance_ratio(
    data: Any,
    table: xr.Dataset,
    *,
    n_triplets: int = 2000,
    standardise: bool | None = None,
    seed: int = 0,
) -> xr.Dataset:
    """Mean anchor–neighbour over mean anchor–distant distance on triplets of the tiles.

    Triplets are drawn afresh from the tile table (with ``seed``): an anchor among the
    tiles with finite features, a neighbour of the same scene starting at most one tile
    edge away, a distant tile of another scene.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        The features of the tiles of ``table``, as for :func:`participation_ratio`.
    table : xarray.Dataset
        Tile table (``scene_index``, ``row0``, ``col0``, attr ``tile_size``).
    n_triplets : int, default 2000
        Anchors drawn.
    standardise : bool, optional
        As for :func:`participation_ratio`.
    seed : int, default 0
        Seed of the draw.

    Returns
    -------
    xarray.Dataset
        Scalars ``distance_ratio``, ``d_neighbour``, ``d_distant`` and ``neighbour_nearer``
        (share of triplets whose neighbour is nearer than the distant tile); attr
        ``n_triplets``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When no triplet can be drawn (one scene, or no tile with a neighbour).

    Examples
    --------
    >>> from cloudorg.synthetic.analysis import example_tiles
    >>> table, _ = example_tiles(40)
    >>> smooth = xr.DataArray(np.column_stack([table.scene_index * 100.0, table.row0,
    ...                       table.col0]), dims=("tile", "embedding"))
    >>> result = triplet_distance_ratio(smooth, table.assign_attrs(tile_size=16))
    >>> bool(result.distance_ratio < 0.5), float(result.neighbour_nearer)
    (True, 1.0)
    """
    n_triplets = check_int(n_triplets, "n_triplets", 1)
    rows, _ = fit_rows(data, standardise)
    x = np.full((rows.finite.size, rows.x.shape[1]), np.nan)
    x[rows.finite] = rows.x
    triplets = _draw_triplets(table, rows.finite, n_triplets, np.random.default_rng(seed))
    if not triplets.shape[0]:
        raise ConfigError("table: no triplet (anchor, neighbour in its scene, tile of "
                          "another scene) can be drawn from these tiles")  # fmt: skip
    anchor, neighbour, distant = (x[triplets[:, i]] for i in range(3))
    d_n = np.linalg.norm(anchor - neighbour, axis=1)
    d_d = np.linalg.norm(anchor - distant, axis=1)

    def scalar(value: float, long_name: str) -> xr.DataArray:
        return xr.DataArray(value, attrs={"long_name": long_name, "units": "1"})

    return xr.Dataset(
        {
            "distance_ratio": scalar(float(d_n.mean() / d_d.mean()) if d_d.mean() > 0
                                     else np.nan, "mean anchor-neighbour over mean "
                                     "anchor-distant distance"),
            "d_neighbour": scalar(float(d_n.mean()), "mean anchor-neighbour distance"),
            "d_distant": scalar(float(d_d.mean()), "mean anchor-distant distance"),
            "neighbour_nearer": scalar(float(np.mean(d_n < d_d)),
                                       "share of triplets whose neighbour is the nearer"),
        },
        attrs={"n_triplets": int(triplets.shape[0])},
    )  # fmt: skip
