r"""Do two groups of tiles differ? Labelled against unlabelled tiles (section 10, figure 39).

Two statistics compare the distributions of two groups of points (e.g. principal
component scores):

- per component, the two-sample Kolmogorov–Smirnov statistic and p-value
  (``scipy.stats.ks_2samp``);
- jointly, the energy distance (Székely & Rizzo 2013)

  .. math:: \mathcal{E} = 2\,\mathrm{E}\lVert X-Y\rVert - \mathrm{E}\lVert X-X'\rVert
            - \mathrm{E}\lVert Y-Y'\rVert

  (V-statistic over all pairs of a sample of at most ``max_samples`` points per group)
  with a permutation p-value ``(1 + #{E_perm >= E}) / (1 + n_permutations)``.

Examples
--------
>>> import numpy as np, xarray as xr
>>> rng = np.random.default_rng(0)
>>> shift = np.repeat([[1.0, 0.0], [0.0, 0.0]], 100, axis=0)
>>> points = xr.DataArray(rng.normal(size=(200, 2)) + shift, dims=("tile", "component"))
>>> group = xr.DataArray(np.repeat([1, 0], 100), dims="tile")
>>> bool(two_sample_test(points, group).energy_pvalue < 0.01)
True
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.spatial.distance import cdist
from scipy.stats import ks_2samp

from cloudorg.analysis.checks import (
    TILE,
    check_int,
    check_seed,
    class_codes,
    integer_codes,
    tile_values,
)
from cloudorg.analysis.decomposition import pca
from cloudorg.analysis.features import feature_matrix
from cloudorg.errors import ConfigError

__all__ = ["labelled_vs_unlabelled", "two_sample_test"]

GROUP_MEANINGS = "unlabelled labelled"
"""``flag_meanings`` of the ``group`` variable of :func:`labelled_vs_unlabelled`."""


def _energy(distances: np.ndarray, first: np.ndarray) -> float:
    """Energy distance from the pooled distance matrix and a mask of the first group."""
    a, b = first.astype(np.float64), (~first).astype(np.float64)
    na, nb = a.sum(), b.sum()
    to_a = distances @ a
    within_a = a @ to_a / na**2
    between = b @ to_a / (na * nb)
    within_b = b @ (distances @ b) / nb**2
    return float(2 * between - within_a - within_b)


def two_sample_test(
    points: xr.DataArray,
    group: xr.DataArray,
    *,
    max_samples: int = 1000,
    n_permutations: int = 199,
    seed: int = 0,
) -> xr.Dataset:
    """Compare the distributions of two groups of tiles (KS per feature, energy distance).

    Parameters
    ----------
    points : xarray.DataArray
        ``(tile, feature)`` values, e.g. principal component scores. Tiles with a
        non-finite value are left out.
    group : xarray.DataArray
        Per tile: 1 (or True) first group, 0 (or False) second group, -1/NaN neither.
    max_samples : int, default 1000
        Points per group drawn (with ``seed``) for the energy distance, whose cost grows
        as the square of the number of points.
    n_permutations : int, default 199
        Permutations of the group labels for the energy-distance p-value.
    seed : int, default 0
        Seed of the samples and permutations.

    Returns
    -------
    xarray.Dataset
        ``ks_statistic`` and ``ks_pvalue`` ``(feature)``; ``energy_distance`` and
        ``energy_pvalue``; attrs ``n_group_1``, ``n_group_0`` (tiles compared),
        ``n_permutations``, ``max_samples``, ``seed``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When a group has fewer than 2 tiles, or for invalid arguments.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(1)
    >>> points = xr.DataArray(rng.normal(size=(300, 2)), dims=("tile", "component"))
    >>> same = two_sample_test(points, xr.DataArray(np.arange(300) % 2, dims="tile"))
    >>> bool(same.energy_pvalue > 0.05), same.ks_statistic.dims
    (True, ('component',))
    """
    seed = check_seed(seed)
    max_samples = check_int(max_samples, "max_samples", 2)
    n_permutations = check_int(n_permutations, "n_permutations", 1)
    matrix = feature_matrix(points, "points")
    codes = integer_codes(tile_values(group, matrix, "group"), "group")
    if np.any(codes > 1):
        raise ConfigError("group: expected 1/True, 0/False or -1/NaN per tile")
    finite = np.isfinite(matrix.values).all(axis=1)
    members = [np.flatnonzero(finite & (codes == g)) for g in (1, 0)]
    if min(m.size for m in members) < 2:
        raise ConfigError(
            f"group: each group needs at least 2 tiles with finite values, got "
            f"{members[0].size} (1) and {members[1].size} (0)"
        )
    x = matrix.values
    ks = [ks_2samp(x[members[0], j], x[members[1], j]) for j in range(x.shape[1])]
    rng = np.random.default_rng(seed)
    drawn = [
        rng.choice(m, max_samples, replace=False) if m.size > max_samples else m for m in members
    ]
    pooled = x[np.concatenate(drawn)]
    distances = cdist(pooled, pooled)
    first = np.arange(pooled.shape[0]) < drawn[0].size
    observed = _energy(distances, first)
    permuted = np.array([_energy(distances, rng.permutation(first)) for _ in range(n_permutations)])
    feature = matrix.dims[1]
    return xr.Dataset(
        {
            "ks_statistic": (
                feature,
                np.array([r.statistic for r in ks]),
                {"long_name": "two-sample Kolmogorov-Smirnov statistic", "units": "1"},
            ),
            "ks_pvalue": (feature, np.array([r.pvalue for r in ks]), {"units": "1"}),
            "energy_distance": ((), observed, {"long_name": "energy distance"}),
            "energy_pvalue": (
                (),
                (1 + np.count_nonzero(permuted >= observed)) / (1 + n_permutations),
                {"long_name": "permutation p-value of the energy distance", "units": "1"},
            ),
        },
        coords={feature: matrix[feature].values},
        attrs={
            "n_group_1": int(members[0].size),
            "n_group_0": int(members[1].size),
            "n_permutations": n_permutations,
            "max_samples": max_samples,
            "seed": seed,
        },
    )


def labelled_vs_unlabelled(
    embeddings: xr.DataArray,
    labels: xr.DataArray,
    *,
    n_components: int = 2,
    max_samples: int = 1000,
    n_permutations: int = 199,
    seed: int = 0,
) -> xr.Dataset:
    """Labelled against unlabelled tiles in the principal components of their embeddings.

    One PCA is fitted on all tiles; tiles of class 1–4 form the labelled group, tiles
    of code 0 (none) the unlabelled one, unknown tiles (-1/NaN) neither. The groups'
    score distributions are compared with :func:`two_sample_test`.

    Parameters
    ----------
    embeddings : xarray.DataArray
        ``(tile, embedding)``.
    labels : xarray.DataArray
        Class codes along ``tile``.
    n_components : int, default 2
        Components compared.
    max_samples, n_permutations, seed
        As for :func:`two_sample_test` (``seed`` also seeds the PCA).

    Returns
    -------
    xarray.Dataset
        The PCA result (``scores``, ``explained_variance_ratio``, ...), ``group``
        ``(tile)`` int8 (1 labelled, 0 unlabelled, -1 unknown; CF flag attrs), and the
        statistics of :func:`two_sample_test` along ``component``.

    Examples
    --------
    >>> from cloudorg.synthetic.analysis import example_embeddings
    >>> embeddings, labels = example_embeddings(20)
    >>> result = labelled_vs_unlabelled(embeddings, labels.where(labels != 4, 0))
    >>> result.group.attrs["flag_meanings"], bool(result.energy_pvalue < 0.05)
    ('unlabelled labelled', True)
    """
    scores = pca(embeddings, n_components=n_components, seed=seed)
    codes = class_codes(labels, scores)
    group = xr.DataArray(
        np.where(codes < 0, -1, codes > 0).astype(np.int8),
        dims=TILE,
        coords={TILE: scores[TILE].values} if TILE in scores.coords else {},
        attrs={
            "long_name": "labelled (class 1–4) or unlabelled (none) tile",
            "flag_values": np.array([0, 1], dtype=np.int8),
            "flag_meanings": GROUP_MEANINGS,
        },
    )
    tests = two_sample_test(
        scores["scores"],
        group,
        max_samples=max_samples,
        n_permutations=n_permutations,
        seed=seed,
    )
    return xr.merge([scores, tests], combine_attrs="drop_conflicts").assign(group=group)
