"""The analyses of a campaign store: clusters, PCA and scores of a tiling, and the scale study.

:func:`analyse` reads what the store holds for one tiling — the tile table
(``tiles/<tiling>``, with its labels when known), the cloud metrics
(``metrics/<tiling>_<mask>``) and the embeddings (``embeddings/<tiling>``) — and for each
feature set fits a PCA and k-means (K forced, and K by silhouette), scores the clusters
against the labels (NMI with a shuffled-label chance level, confusion matrices), and
describes the metric space by class and by cluster (Table 2, figure 37). The result is
written into the store as ``analysis/<tiling>`` in one step (complete or absent); a rerun
with the same inputs and arguments reads it back instead of fitting again.

:func:`store_scale_study` tiles, embeds and clusters a store at several tile sizes
(Table 1, figure 35) and writes the study as ``analysis/scale_study``.

Layout of ``analysis/<tiling>``: the per-feature-set summary along ``features`` (``k``,
``k_silhouette``, ``nmi``, ``nmi_chance``, ``nmi_chance_p95``), the tile ``label``, and
each result of a feature set under the prefix ``<features>_<part>_`` (parts ``pca``,
``kmeans``, ``silhouette``, ``confusion``, ``silhouettes``, ``summary``; plus
``metrics_classes`` for the metrics per class). :func:`analysis_result` returns one
result as computed: ``pca`` and ``kmeans`` are fitted models for
:func:`~cloudorg.analysis.apply_model` and :func:`~cloudorg.analysis.save_model`.

Examples
--------
>>> analysis_group("256px"), FEATURE_SETS
('analysis/256px', ('embeddings', 'metrics'))
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr
from dask.base import tokenize
from tqdm.auto import tqdm

from cloudorg import __version__
from cloudorg.analysis._inputs import TILE, check_int, check_seed
from cloudorg.analysis._layout import RESULTS, jsonable, prefixed, unprefixed
from cloudorg.analysis.clustering import DEFAULT_K_RANGE, K, kmeans
from cloudorg.analysis.decomposition import pca
from cloudorg.analysis.metric_space import metric_silhouettes, metric_summary
from cloudorg.analysis.scales import scale_study
from cloudorg.analysis.scores import confusion_matrix, contingency_table, nmi_from_table
from cloudorg.errors import ConfigError, StoreError
from cloudorg.store import CampaignStore, layout

__all__ = [
    "ANALYSIS_GROUP",
    "FEATURE_SETS",
    "analyse",
    "analysis_group",
    "analysis_result",
    "open_analysis",
    "open_scale_study",
    "store_scale_study",
]

ANALYSIS_GROUP = layout.ANALYSIS
FEATURE_SETS = ("embeddings", "metrics")
"""Feature sets an analysis can cluster: the tiles' embeddings and their cloud metrics."""
N_SHUFFLES = 200
"""Label shuffles of the chance level of the NMI."""
N_COMPONENTS = 10


def analysis_group(tiling: str) -> str:
    """The store group of the analysis of a tiling: ``analysis/<tiling>``.

    Examples
    --------
    >>> analysis_group("256px_stride128")
    'analysis/256px_stride128'
    """
    return layout.analysis(tiling)


def _metrics_group(store: CampaignStore, tiling: str, mask: str | None) -> str | None:
    """The metrics group of a tiling: of mask method ``mask``, else greyscale, else any."""
    from cloudorg.masks import METHODS

    names = {f"{layout.METRICS}/{name}" for name in store.subgroups(layout.METRICS)}
    methods = [mask] if mask else [m for m in ("greyscale", *METHODS)]
    found = [layout.metrics(tiling, m) for m in methods if layout.metrics(tiling, m) in names]
    return found[0] if found else None


def _has_embeddings(store: CampaignStore, tiling: str) -> bool:
    return tiling in store.subgroups(layout.EMBEDDINGS)


def _resolve_tiling(store: CampaignStore, tiling: str | None) -> str:
    from cloudorg.tiles import list_tile_tables

    tables = list_tile_tables(store)
    if not tables:
        raise ConfigError(
            f"{store.url}: nothing to analyse: the store has no tile table; build one with "
            "`cloudorg tiles` (cloudorg.tiles.build_tile_table), then compute metrics "
            "(`cloudorg metrics`) or embeddings (`cloudorg embed`)"
        )
    if tiling is not None:
        if tiling not in tables:
            raise ConfigError(f"tiling: {tiling!r} has no tile table in {store.url}; "
                              f"the store has {tables}")  # fmt: skip
        return tiling
    featured = [t for t in tables if _has_embeddings(store, t) or _metrics_group(store, t, None)]
    if len(featured) == 1 or len(tables) == 1:
        return (featured or tables)[0]
    raise ConfigError(
        f"tiling: the store has several tilings {featured or tables}; choose one (--tiling)"
    )


@dataclass
class _Inputs:
    """What a store holds for one tiling."""

    tiling: str
    table: xr.Dataset
    labels: xr.DataArray | None
    features: dict[str, xr.DataArray | xr.Dataset]
    sources: dict[str, str]
    notes: list[str] = field(default_factory=list)


def _only_tiles(data: Any) -> Any:
    """Loaded, with ``tile`` as its only per-tile coordinate."""
    drop = [n for n, c in data.coords.items() if TILE in c.dims and n != TILE]
    return data.drop_vars(drop).load()


def _read_inputs(
    store: CampaignStore, tiling: str, features: Sequence[str], mask: str | None
) -> _Inputs:
    from cloudorg.models import open_embeddings
    from cloudorg.tiles.filters import usable
    from cloudorg.tiles.grid import TileSpec

    table = store.group(layout.tile_table(tiling)).open("build it with `cloudorg tiles`")
    spec = TileSpec.from_attrs(table.attrs)
    inputs = _Inputs(tiling, table, None, {}, {})
    if "label" in table and bool((table["label"] >= 1).any()):
        inputs.labels = table["label"].drop_vars([n for n in table["label"].coords if n != TILE])
    else:
        inputs.notes.append(
            f"the tile table {tiling} has no labels: NMI, confusion matrices and the "
            "silhouettes by class are left out"
        )
    if "embeddings" in features:
        if _has_embeddings(store, tiling):
            emb = open_embeddings(store, spec.size, stride=spec.stride, edge=spec.edge)
            inputs.features["embeddings"] = _only_tiles(emb).rename("embeddings")
            source = layout.embeddings(tiling)
            inputs.sources["embeddings"] = f"{source} (model {emb.attrs['model_id']})"
        else:
            inputs.notes.append(
                f"no {layout.embeddings(tiling)} in the store: run `cloudorg embed` "
                "(cloudorg.models.embed) to add the embedding analysis"
            )
    if "metrics" in features:
        group = _metrics_group(store, tiling, mask)
        if group:
            ds = store.group(group).open("compute it with `cloudorg metrics`")
            metrics = _only_tiles(ds[list(ds.attrs["metrics"])])
            # the tiles the quality filters keep, as for the embeddings
            inputs.features["metrics"] = metrics.where(
                xr.DataArray(usable(table).values, dims=TILE)
            )
            inputs.sources["metrics"] = group
        else:
            inputs.notes.append(
                f"no {layout.metrics(tiling, mask or '<mask>')} in the store: run "
                "`cloudorg metrics` (cloudorg.metrics.metrics_for_store) to add the metric "
                "analysis"
            )
    for name, data in inputs.features.items():
        if data.sizes[TILE] != table.sizes[TILE]:
            raise StoreError(
                f"{store.url}: {inputs.sources[name]} has {data.sizes[TILE]} tiles, the tile "
                f"table {tiling} {table.sizes[TILE]}; recompute it for the current table"
            )
    if not inputs.features:
        raise ConfigError(f"{store.url}: nothing to analyse for tiling {tiling}: "
                          + "; ".join(inputs.notes))  # fmt: skip
    return inputs


def _chance(labels: xr.DataArray, clusters: xr.DataArray, seed: int) -> tuple[float, float]:
    """Mean and 95th percentile of the NMI of shuffled labels against the clusters."""
    rng = np.random.default_rng(seed)
    values = labels.values
    shuffled = (labels.copy(data=rng.permutation(values)) for _ in range(N_SHUFFLES))
    scores = [nmi_from_table(contingency_table(s, clusters).values) for s in shuffled]
    return float(np.mean(scores)), float(np.percentile(scores, 95))


def _analyse_features(
    name: str,
    data: xr.DataArray | xr.Dataset,
    inputs: _Inputs,
    k: K,
    seed: int,
) -> tuple[dict[str, xr.Dataset], dict[str, Any]]:
    """Every result of one feature set and its row of the summary."""
    results = {"pca": pca(data, n_components=N_COMPONENTS, seed=seed)}
    auto = kmeans(data, "auto", k_range=DEFAULT_K_RANGE, seed=seed, n_init=3)
    results["kmeans"] = auto if k == "auto" else kmeans(data, k, seed=seed)
    results["silhouette"] = auto[["silhouette"]].assign_attrs(k=auto.attrs["k"])
    clusters = results["kmeans"]["cluster"]
    row: dict[str, Any] = {
        "k": int(results["kmeans"].attrs["k"]),
        "k_silhouette": int(auto.attrs["k"]),
        "nmi": np.nan,
        "nmi_chance": np.nan,
        "nmi_chance_p95": np.nan,
        "n_tiles_used": int(results["kmeans"].attrs["n_tiles_used"]),
    }
    metrics = inputs.features.get("metrics")
    if inputs.labels is not None:
        confusion = confusion_matrix(inputs.labels, clusters)
        results["confusion"] = confusion
        row["nmi"] = float(confusion.attrs["nmi"])
        row["nmi_chance"], row["nmi_chance_p95"] = _chance(inputs.labels, clusters, seed)
        if metrics is not None:
            try:
                results["silhouettes"] = metric_silhouettes(
                    metrics, inputs.labels, clusters, sample_size=5000, seed=seed
                )
            except ConfigError as err:  # e.g. a single class among the tiles
                inputs.notes.append(f"no silhouettes of the metric space ({name}): {err}")
    if metrics is not None:
        results["summary"] = metric_summary(metrics, clusters)
    return results, row


def _summary(rows: dict[str, dict[str, Any]]) -> xr.Dataset:
    names = list(rows)
    long_names = {
        "k": "number of k-means clusters",
        "k_silhouette": "number of clusters with the highest mean silhouette",
        "nmi": "normalised mutual information of labels and clusters (equation 4)",
        "nmi_chance": "mean NMI of shuffled labels and the clusters",
        "nmi_chance_p95": "95th percentile of the NMI of shuffled labels and the clusters",
        "n_tiles_used": "tiles clustered (finite features)",
    }
    return xr.Dataset(
        {
            var: ("features", [rows[n][var] for n in names], {"long_name": long, "units": "1"})
            for var, long in long_names.items()
        },
        coords={
            "features": (
                "features",
                np.array(names, dtype=object),
                {"long_name": "feature set clustered"},
            )
        },
    )


def _native(values: np.ndarray) -> np.ndarray:
    """In native byte order: dask's tokens tell ``<f4`` (zarr's reads) from ``=f4``
    (arrays computed on Dask workers) though the values are the same."""
    return np.asarray(values, dtype=values.dtype.newbyteorder("="))


def _token(inputs: _Inputs, k: K, seed: int, features: Sequence[str]) -> str:
    labels = None if inputs.labels is None else _native(inputs.labels.values)
    data = {n: _native(d.to_array().values if isinstance(d, xr.Dataset) else d.values)
            for n, d in inputs.features.items()}  # fmt: skip
    return tokenize(__version__, labels, data, inputs.sources, str(k), seed, list(features))


def open_analysis(
    store: str | os.PathLike[str] | CampaignStore, tiling: str | None = None
) -> xr.Dataset:
    """Open (and load) the analysis of a tiling written by :func:`analyse`.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    tiling : str, optional
        Tiling name (``256px``, ``128px_stride64``); default the store's only analysis.

    Raises
    ------
    cloudorg.errors.StoreError
        When the store holds no (complete) analysis of the tiling.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.tiles import example_store
    >>> open_analysis(example_store(tempfile.mkdtemp() + "/c.zarr", 1))
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: no analysis in the store; run `cloudorg analyse` ...
    """
    store = CampaignStore.open(store)
    if tiling is None:
        study = layout.SCALE_STUDY.rpartition("/")[2]
        done = [t for t in store.subgroups(ANALYSIS_GROUP) if t != study]
        if len(done) != 1:
            raise StoreError(
                f"{store.url}: no analysis in the store; run `cloudorg analyse` "
                "(cloudorg.analysis.campaign.analyse)"
                if not done
                else f"{store.url}: analyses of several tilings {done}; choose one (tiling)"
            )
        tiling = done[0]
    return store.group(analysis_group(tiling)).open("run `cloudorg analyse` first")


def analysis_result(analysis: xr.Dataset, features: str, part: str) -> xr.Dataset:
    """One result of an analysis, as it was computed.

    Parameters
    ----------
    analysis : xarray.Dataset
        From :func:`analyse` or :func:`open_analysis`.
    features : {"embeddings", "metrics"}
        Feature set.
    part : str
        ``pca`` and ``kmeans`` (fitted models: :func:`~cloudorg.analysis.pca`,
        :func:`~cloudorg.analysis.kmeans` results), ``silhouette`` (curve of K by
        silhouette), ``confusion`` (:func:`~cloudorg.analysis.confusion_matrix`),
        ``silhouettes`` (:func:`~cloudorg.analysis.metric_silhouettes`), ``summary``
        (:func:`~cloudorg.analysis.metric_summary` by cluster); with
        ``features="metrics"`` also ``classes`` (the metric summary by class).

    Raises
    ------
    cloudorg.errors.ConfigError
        When the analysis holds no such result.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.analysis import apply_model
    >>> from cloudorg.analysis.examples import example_campaign
    >>> from cloudorg.metrics import open_metrics
    >>> store = example_campaign(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> model = analysis_result(analyse(store, k=3, progress=False), "metrics", "kmeans")
    >>> model.attrs["k"], apply_model(model, open_metrics(store, 64)).cluster.dims
    (3, ('tile',))
    """
    return unprefixed(analysis, f"{features}_{part}")


def analyse(
    store: str | os.PathLike[str] | CampaignStore,
    *,
    tiling: str | None = None,
    k: K = 4,
    seed: int = 0,
    features: Iterable[str] = FEATURE_SETS,
    mask: str | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> xr.Dataset:
    """Cluster the tiles of a store and score the clusters; write the analysis into the store.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    tiling : str, optional
        Tiling name (``256px``, ``128px_stride64``, ...); default the store's only tile
        table with metrics or embeddings.
    k : int or "auto", default 4
        Clusters of k-means (``"auto"``: the K of best mean silhouette over 2–12). The
        silhouette-chosen K is recorded in either case (``k_silhouette``).
    seed : int, default 0
        Seed of the fits, the label shuffles and the silhouette samples.
    features : iterable of {"embeddings", "metrics"}
        Feature sets to analyse, when the store holds them.
    mask : str, optional
        Mask method of the metrics group (default ``greyscale`` when present, else any).
    overwrite : bool, default False
        Fit again even when the store holds an analysis of the same inputs.
    progress : bool, default True
        Show a progress bar (feature sets).

    Returns
    -------
    xarray.Dataset
        As written into the store as ``analysis/<tiling>`` (see the module docstring):
        the summary along ``features``, ``label`` along ``tile`` (when known), and the
        prefixed results; attrs ``tiling``, ``sources``, ``notes`` (what is absent and
        how to add it), ``k``, ``seed``, ``inputs_token``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When there is nothing to analyse (no tile table, or neither metrics nor
        embeddings of the tiling) or for invalid arguments.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.tiles import build_tile_table, example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1)
    >>> _ = build_tile_table(store, 64, client="synchronous", progress=False)
    >>> analyse(store, progress=False)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: ...: nothing to analyse for tiling 64px: ...
    """
    store = CampaignStore.open(store)
    seed = check_seed(seed)
    k = k if k == "auto" else check_int(k, "k", 2)
    features = list(dict.fromkeys([features] if isinstance(features, str) else features))
    unknown = sorted(set(features) - set(FEATURE_SETS))
    if unknown or not features:
        raise ConfigError(f"features: expected some of {FEATURE_SETS}, got {features}")
    tiling = _resolve_tiling(store, tiling)
    inputs = _read_inputs(store, tiling, features, mask)
    token = _token(inputs, k, seed, features)
    group = store.group(analysis_group(tiling))
    if not overwrite:
        try:
            old = group.open("")
        except StoreError:
            old = None
        if old is not None and old.attrs.get("inputs_token") == token:
            return old
    results: dict[str, xr.Dataset] = {}
    rows: dict[str, dict[str, Any]] = {}
    for name in tqdm(list(inputs.features), desc="analyse", disable=not progress):
        parts, rows[name] = _analyse_features(name, inputs.features[name], inputs, k, seed)
        results.update({f"{name}_{part}": result for part, result in parts.items()})
    if "metrics" in inputs.features and inputs.labels is not None:
        results["metrics_classes"] = metric_summary(inputs.features["metrics"], inputs.labels)
    ds = xr.merge(
        [_summary(rows), *(prefixed(r, prefix) for prefix, r in results.items())],
        combine_attrs="drop_conflicts",
    )
    if inputs.labels is not None:
        ds["label"] = inputs.labels.astype(np.int8)
    ds.attrs = {
        "title": f"cloudorg analysis of the tiling {tiling}",
        "Conventions": "CF-1.10",
        "cloudorg_version": __version__,
        "tiling": tiling,
        "tile_table": layout.tile_table(tiling),
        "sources": inputs.sources,
        "notes": inputs.notes,
        "k": str(k),
        "seed": seed,
        "n_shuffles": N_SHUFFLES,
        "inputs_token": token,
        RESULTS: jsonable({prefix: dict(r.attrs) for prefix, r in results.items()}),
    }
    with store.writing():
        group.replace(ds)
    return group.open("")


def open_scale_study(store: str | os.PathLike[str] | CampaignStore) -> xr.Dataset:
    """The scale study written by :func:`store_scale_study`.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.

    Returns
    -------
    xarray.Dataset
        The study along ``scale`` (see :func:`~cloudorg.analysis.scale_study`).

    Raises
    ------
    cloudorg.errors.StoreError
        When the store holds none.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.tiles import example_store
    >>> open_scale_study(example_store(tempfile.mkdtemp() + "/c.zarr", 1))
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: no group analysis/scale_study; run store_scale_study ...
    """
    return (
        CampaignStore.open(store)
        .group(layout.SCALE_STUDY)
        .open("run store_scale_study (cloudorg.analysis.campaign) first")
    )


def store_scale_study(
    store: str | os.PathLike[str] | CampaignStore,
    model: Any,
    sizes: Sequence[int] = (64, 128, 256),
    *,
    overlap: float | None = None,
    k: K = 4,
    seed: int = 0,
    client: Any = None,
    overwrite: bool = False,
    progress: bool = True,
) -> xr.Dataset:
    """The scale study of a store: tile, embed and cluster at each tile size (Table 1).

    For each size the tile table is built (or brought up to date), its tiles are
    embedded with ``model`` (:func:`cloudorg.models.embed`; a ResNet embedder takes any
    tile size) and :func:`~cloudorg.analysis.scale_study` clusters them and scores the
    clusters against the table's labels. The study is written into the store as
    ``analysis/scale_study``.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store; its tile tables need labels (a ``pattern`` or label boxes).
    model : Embedder or path
        The embedding model or its checkpoint.
    sizes : sequence of int, default (64, 128, 256)
        Tile edges in pixels; each must fit the domain.
    overlap : float, optional
        Overlap fraction of neighbouring tiles at every size (default none).
    k : int or "auto", default 4
        Clusters per size.
    seed : int, default 0
        Seed of the clustering and the PCA.
    client : Client, str, None or "synchronous"
        Where tiles are cut and embedded (see :mod:`cloudorg.distributed`).
    overwrite : bool, default False
        Replace embeddings of another model at these tilings.
    progress : bool, default True
        Show progress bars.

    Returns
    -------
    xarray.Dataset
        The :func:`~cloudorg.analysis.scale_study` table along ``scale``, with attrs
        ``model_id`` and ``tilings``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When a size gives no tiles or its tiles have no labels.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.domains import Domain
    >>> from cloudorg.models import ModelConfig, build_embedder
    >>> from cloudorg.tiles import example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1,
    ...                       domain=Domain.from_bounds("d", -56, -54, 14, 16, resolution_km=1))
    >>> model = build_embedder(ModelConfig(width=4, embedding_dim=8))
    >>> study = store_scale_study(store, model, [64], overlap=0.5, client="synchronous",
    ...                           progress=False)
    >>> study.scale.values.tolist(), study.n_tiles.values.tolist()
    ([64], [25])
    """
    from cloudorg.models import embed
    from cloudorg.tiles import build_tile_table

    store = CampaignStore.open(store)
    tilings: list[str] = []
    model_ids: set[str] = set()

    def per_size(size: int) -> tuple[xr.DataArray, xr.DataArray]:
        table = build_tile_table(store, size, overlap=overlap, client=client, progress=progress)
        if table.sizes[TILE] == 0:
            raise ConfigError(f"sizes: {size} px tiles do not fit the domain "
                              f"{store.domain.shape}")  # fmt: skip
        if "label" not in table:
            raise ConfigError(f"the tile table of {size} px tiles has no labels (a store "
                              "with a pattern, or label boxes, is needed)")  # fmt: skip
        stride = int(table.attrs["stride"])
        emb = embed(store, model, tile_size=size, stride=stride, client=client,
                    overwrite=overwrite, progress=progress)  # fmt: skip
        tilings.append(str(emb.attrs["tile_table"]))
        model_ids.add(str(emb.attrs["model_id"]))
        labels = table["label"].drop_vars([n for n in table["label"].coords if n != TILE])
        return _only_tiles(emb), labels

    study = scale_study(per_size, scales=sorted(set(sizes)), k=k, seed=check_seed(seed))
    study = study.assign_coords({"class": study["class"].astype(object)})
    study.attrs.update(
        title="cloudorg scale study: clusters of embeddings against labels by tile size",
        model_id=sorted(model_ids),
        tilings=tilings,
        overlap=0.0 if overlap is None else float(overlap),
    )
    with store.writing():
        store.group(layout.SCALE_STUDY).replace(study)
    return open_scale_study(store)
