"""The scale study: clustering quality against tile size (section 9.1, Table 1, figure 35).

For each tile size, the embeddings of the tiles cut at that size are clustered and the
clusters scored against the tiles' classes (NMI, equation 4, with a confidence interval
from a bootstrap over scenes and a chance level from labels permuted within scenes), with
the number of tiles scored per class and the variance ratio explained by the first two
principal components.

Examples
--------
>>> from cloudorg.synthetic.analysis import example_embeddings
>>> per_scale = {64: example_embeddings(10, separation=1.0), 256: example_embeddings(10)}
>>> study = scale_study(per_scale, k=4)
>>> study.nmi.values.round(1).tolist()
[0.2, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr

from cloudorg.analysis.checks import TILE, check_int, check_seed
from cloudorg.analysis.clustering import DEFAULT_K_RANGE, K, kmeans, ward
from cloudorg.analysis.decomposition import pca
from cloudorg.analysis.groupings import class_groups
from cloudorg.analysis.uncertainty import nmi_chance, nmi_interval
from cloudorg.errors import ConfigError
from cloudorg.io.labels import CLASSES

__all__ = ["scale_study"]

Inputs = tuple[xr.DataArray, xr.DataArray] | tuple[xr.DataArray, xr.DataArray, xr.DataArray]
"""``(embeddings, labels)`` or ``(embeddings, labels, scenes)`` of one tile size."""
PerScale = Mapping[int, Inputs] | Callable[[int], Inputs]

_CLUSTERINGS = {"kmeans": kmeans, "ward": ward}
_CHANCE = ("nmi_chance_low", "nmi_chance", "nmi_chance_high")


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
    inputs: Inputs,
    clustering: Callable[..., xr.Dataset],
    options: _Options,
) -> dict[str, object]:
    embeddings, labels, *rest = inputs
    if not isinstance(embeddings, xr.DataArray) or TILE not in embeddings.dims:
        raise ConfigError("expected embeddings as an xarray.DataArray (tile, embedding)")
    class_groups(labels, embeddings)  # checks the labels before any subsampling
    n = embeddings.sizes[TILE]
    # without scenes each tile is its own scene (resampled alone), and permutations mix all
    scenes = rest[0] if rest else xr.DataArray(np.arange(n), dims=TILE)
    chance_blocks = rest[0] if rest else xr.DataArray(np.zeros(n, dtype=np.int64), dims=TILE)
    if options.max_tiles is not None and n > options.max_tiles:
        rng = np.random.default_rng(options.seed)
        keep = np.sort(rng.choice(n, options.max_tiles, replace=False))
        embeddings, labels = embeddings.isel({TILE: keep}), labels.isel({TILE: keep})
        scenes, chance_blocks = scenes.isel({TILE: keep}), chance_blocks.isel({TILE: keep})
    clusters = clustering(embeddings, options.k, k_range=options.k_range, seed=options.seed)
    cluster = clusters["cluster"]
    classes = class_groups(labels, embeddings)
    scored = (classes.index >= 0) & (cluster.values >= 0)
    ratio = np.full(2, np.nan)
    explained = pca(embeddings, n_components=2, seed=options.seed)["explained_variance_ratio"]
    ratio[: explained.size] = explained.values
    interval = nmi_interval(labels, cluster, scenes, n_resamples=options.n_bootstrap,
                            seed=options.seed, average_method=options.average_method)  # fmt: skip
    chance = nmi_chance(labels, cluster, chance_blocks, n_permutations=options.n_permutations,
                        seed=options.seed, average_method=options.average_method)  # fmt: skip
    return {
        "n_tiles": int(clusters.attrs["n_tiles_used"]),
        "n_scored": int(scored.sum()),
        "n_per_class": np.bincount(classes.index[scored], minlength=len(CLASSES)),
        "explained_variance_ratio": ratio,
        "k": clusters.attrs["k"],
        **{name: float(interval[name]) for name in ("nmi", "nmi_low", "nmi_high")},
        **{name: float(chance[name]) for name in _CHANCE},
    }


@dataclass(frozen=True)
class _Options:
    k: K
    k_range: Iterable[int]
    max_tiles: int | None
    seed: int
    average_method: str
    n_bootstrap: int
    n_permutations: int


_VARIABLES = {
    "n_tiles": ("scale", "number of tiles clustered"),
    "n_scored": ("scale", "number of tiles scored (a class and a cluster)"),
    "n_per_class": (("scale", "class"), "number of tiles scored of each class"),
    "explained_variance_ratio": (
        ("scale", "component"),
        "variance ratio explained by principal component",
    ),
    "k": ("scale", "number of clusters"),
    "nmi": ("scale", "normalised mutual information of classes and clusters"),
    "nmi_low": ("scale", "lower end of the NMI's confidence interval"),
    "nmi_high": ("scale", "upper end of the NMI's confidence interval"),
    "nmi_chance_low": ("scale", "2.5th percentile of the NMI of permuted labels"),
    "nmi_chance": ("scale", "mean NMI of permuted labels"),
    "nmi_chance_high": ("scale", "97.5th percentile of the NMI of permuted labels"),
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
    n_bootstrap: int = 1000,
    n_permutations: int = 200,
) -> xr.Dataset:
    """Tiles scored per class, explained variance and NMI with its uncertainty per tile
    size (Table 1, figure 35).

    Parameters
    ----------
    per_scale : mapping or callable
        ``{tile size in px: (embeddings, labels[, scenes])}`` with embeddings ``(tile,
        embedding)``, class labels ``(tile)`` (0 none, 1–4, -1/NaN unknown) and the scene
        of each tile; or a callable ``size -> (embeddings, labels[, scenes])`` called
        once per size, so that only one size is in memory at a time. With scenes, the
        NMI's interval resamples scenes and its chance level permutes labels within
        scenes (:mod:`cloudorg.analysis.uncertainty`); without, tiles count as
        independent.
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
        Seed of the sample, the PCA, the clustering and the resamples.
    average_method : str, default "arithmetic"
        NMI denominator (equation 4: arithmetic).
    n_bootstrap, n_permutations : int, default 1000 and 200
        Resamples of the interval and permutations of the chance level.

    Returns
    -------
    xarray.Dataset
        Dim ``scale`` (tile edge, pixels), sorted: ``n_tiles`` (clustered), ``n_scored``
        (with a class and a cluster), ``n_per_class`` ``(scale, class)`` (scored),
        ``explained_variance_ratio`` ``(scale, component)`` of components 1 and 2, ``k``,
        ``nmi`` with its 95 % interval ``nmi_low``/``nmi_high``, and the chance level
        ``nmi_chance`` with its 2.5–97.5 % range ``nmi_chance_low``/``nmi_chance_high``.

    Raises
    ------
    cloudorg.errors.ConfigError
        For invalid arguments or inputs, naming the scale at fault.

    Examples
    --------
    >>> from cloudorg.synthetic.analysis import example_embeddings
    >>> study = scale_study(lambda size: example_embeddings(size // 16), scales=[128, 64])
    >>> study.scale.values.tolist(), study.n_per_class.sel(scale=128).values.tolist()
    ([64, 128], [8, 8, 8, 8])
    """
    if method not in _CLUSTERINGS:
        raise ConfigError(f"method: expected one of {sorted(_CLUSTERINGS)}, got {method!r}")
    options = _Options(
        k=k,
        k_range=k_range,
        max_tiles=None if max_tiles is None else check_int(max_tiles, "max_tiles", 3),
        seed=check_seed(seed),
        average_method=average_method,
        n_bootstrap=check_int(n_bootstrap, "n_bootstrap", 1),
        n_permutations=check_int(n_permutations, "n_permutations", 1),
    )
    chosen = _scales(per_scale, scales)
    rows = []
    for scale in chosen:
        inputs = per_scale(scale) if callable(per_scale) else per_scale[scale]
        try:
            rows.append(_one_scale(inputs, _CLUSTERINGS[method], options))
        except ConfigError as err:
            raise ConfigError(f"per_scale[{scale}]: {err}") from err
    ratio = {"units": "1"}
    return xr.Dataset(
        {
            name: (dims, np.stack([row[name] for row in rows]),
                   {"long_name": long_name, **(ratio if name.startswith(("nmi", "expl")) else {})})
            for name, (dims, long_name) in _VARIABLES.items()
        },
        coords={
            "scale": ("scale", chosen, {"long_name": "tile edge", "units": "pixel"}),
            "class": list(CLASSES),
            "component": [1, 2],
        },
        attrs={"method": method, "k": str(k), "seed": options.seed,
               "average_method": average_method, "n_bootstrap": options.n_bootstrap,
               "n_permutations": options.n_permutations},
    )  # fmt: skip
