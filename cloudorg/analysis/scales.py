"""The scale study: clustering quality against tile size (section 9.1, Table 1, figure 35).

For each tile size, the embeddings of the tiles cut at that size are clustered and the
clusters scored against the tiles' classes (NMI, equation 4), with the number of tiles
per class and the variance ratio explained by the first two principal components.

Examples
--------
>>> from cloudorg.analysis.examples import example_embeddings
>>> per_scale = {64: example_embeddings(10, separation=1.0), 256: example_embeddings(10)}
>>> study = scale_study(per_scale, k=4)
>>> study.nmi.values.round(1).tolist()
[0.2, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Literal

import numpy as np
import xarray as xr

from cloudorg.analysis._groups import class_groups
from cloudorg.analysis._inputs import TILE, check_int, check_seed
from cloudorg.analysis.clustering import DEFAULT_K_RANGE, K, kmeans, ward
from cloudorg.analysis.decomposition import pca
from cloudorg.analysis.scores import nmi
from cloudorg.errors import ConfigError
from cloudorg.io.labels import CLASSES

__all__ = ["scale_study"]

Inputs = tuple[xr.DataArray, xr.DataArray]
PerScale = Mapping[int, Inputs] | Callable[[int], Inputs]

_CLUSTERINGS = {"kmeans": kmeans, "ward": ward}


def _scales(per_scale: PerScale, scales: Iterable[int] | None) -> list[int]:
    if callable(per_scale):
        if scales is None:
            raise ConfigError("scales: required when per_scale is a callable")
        chosen = list(scales)
    elif isinstance(per_scale, Mapping):
        chosen = list(per_scale) if scales is None else list(scales)
        missing = [s for s in chosen if s not in per_scale]
        if missing:
            raise ConfigError(f"scales: {missing} are not keys of per_scale")
    else:
        raise ConfigError(
            "per_scale: expected a mapping {tile size in px: (embeddings, labels)} or a "
            f"callable returning (embeddings, labels) for a tile size, got {type(per_scale)}"
        )
    if not chosen:
        raise ConfigError("scales: expected at least one tile size")
    return sorted(check_int(s, "scales", 1) for s in chosen)


def _one_scale(
    embeddings: xr.DataArray,
    labels: xr.DataArray,
    clustering: Callable[..., xr.Dataset],
    k: K,
    k_range: Iterable[int],
    max_tiles: int | None,
    seed: int,
    average_method: str,
) -> dict[str, object]:
    if not isinstance(embeddings, xr.DataArray) or TILE not in embeddings.dims:
        raise ConfigError("expected embeddings as an xarray.DataArray (tile, embedding)")
    class_groups(labels, embeddings)  # checks the labels before any subsampling
    n = embeddings.sizes[TILE]
    if max_tiles is not None and n > max_tiles:
        keep = np.sort(np.random.default_rng(seed).choice(n, max_tiles, replace=False))
        embeddings, labels = embeddings.isel({TILE: keep}), labels.isel({TILE: keep})
    classes = class_groups(labels, embeddings)
    clusters = clustering(embeddings, k, k_range=k_range, seed=seed)
    ratio = np.full(2, np.nan)
    explained = pca(embeddings, n_components=2, seed=seed)["explained_variance_ratio"].values
    ratio[: explained.size] = explained
    return {
        "n_tiles": embeddings.sizes[TILE],
        "n_per_class": np.bincount(classes.index[classes.index >= 0], minlength=len(CLASSES)),
        "explained_variance_ratio": ratio,
        "k": clusters.attrs["k"],
        "nmi": nmi(labels, clusters["cluster"], average_method=average_method),
    }


def scale_study(
    per_scale: PerScale,
    *,
    scales: Iterable[int] | None = None,
    k: K = 4,
    method: Literal["kmeans", "ward"] = "kmeans",
    k_range: Iterable[int] = DEFAULT_K_RANGE,
    max_tiles: int | None = None,
    seed: int = 0,
    average_method: str = "arithmetic",
) -> xr.Dataset:
    """Number of tiles per class, explained variance and NMI per tile size (Table 1).

    Parameters
    ----------
    per_scale : mapping or callable
        ``{tile size in px: (embeddings, labels)}`` with embeddings ``(tile, embedding)``
        and class labels ``(tile)`` (0 none, 1–4, -1/NaN unknown); or a callable
        ``size -> (embeddings, labels)`` called once per size, so that only one size is
        in memory at a time.
    scales : iterable of int, optional
        Tile sizes to study; required with a callable, default all keys of a mapping.
    k : int or "auto", default 4
        Clusters per scale (``"auto"``: by silhouette over ``k_range``).
    method : {"kmeans", "ward"}, default "kmeans"
        Clustering of the embeddings.
    k_range : iterable of int, default ``range(2, 13)``
        Candidates of ``k="auto"``.
    max_tiles : int, optional
        Draw at most this many tiles per scale (with ``seed``); the report used 10 000.
    seed : int, default 0
        Seed of the sample, the PCA and the clustering.
    average_method : str, default "arithmetic"
        NMI denominator (equation 4: arithmetic).

    Returns
    -------
    xarray.Dataset
        Dim ``scale`` (tile edge, pixels), sorted: ``n_tiles``, ``n_per_class``
        ``(scale, class)``, ``explained_variance_ratio`` ``(scale, component)`` of
        components 1 and 2, ``k`` and ``nmi``.

    Raises
    ------
    cloudorg.errors.ConfigError
        For invalid arguments or inputs, naming the scale at fault.

    Examples
    --------
    >>> from cloudorg.analysis.examples import example_embeddings
    >>> study = scale_study(lambda size: example_embeddings(size // 16), scales=[128, 64])
    >>> study.scale.values.tolist(), study.n_per_class.sel(scale=128).values.tolist()
    ([64, 128], [8, 8, 8, 8])
    """
    seed = check_seed(seed)
    if method not in _CLUSTERINGS:
        raise ConfigError(f"method: expected one of {sorted(_CLUSTERINGS)}, got {method!r}")
    if max_tiles is not None:
        max_tiles = check_int(max_tiles, "max_tiles", 3)
    chosen = _scales(per_scale, scales)
    rows = []
    for scale in chosen:
        embeddings, labels = per_scale(scale) if callable(per_scale) else per_scale[scale]
        try:
            rows.append(
                _one_scale(
                    embeddings,
                    labels,
                    _CLUSTERINGS[method],
                    k,
                    k_range,
                    max_tiles,
                    seed,
                    average_method,
                )
            )
        except ConfigError as err:
            raise ConfigError(f"per_scale[{scale}]: {err}") from err
    column = {name: np.stack([row[name] for row in rows]) for name in rows[0]}
    return xr.Dataset(
        {
            "n_tiles": ("scale", column["n_tiles"], {"long_name": "number of tiles"}),
            "n_per_class": (
                ("scale", "class"),
                column["n_per_class"],
                {"long_name": "number of tiles of each class"},
            ),
            "explained_variance_ratio": (
                ("scale", "component"),
                column["explained_variance_ratio"],
                {"long_name": "variance ratio explained by principal component", "units": "1"},
            ),
            "k": ("scale", column["k"], {"long_name": "number of clusters"}),
            "nmi": (
                "scale",
                column["nmi"],
                {"long_name": "normalised mutual information of classes and clusters"},
            ),
        },
        coords={
            "scale": ("scale", chosen, {"long_name": "tile edge", "units": "pixel"}),
            "class": list(CLASSES),
            "component": [1, 2],
        },
        attrs={"method": method, "k": str(k), "seed": seed, "average_method": average_method},
    )
