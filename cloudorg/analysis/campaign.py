"""The analyses of a campaign store: clusters, PCA and scores of a tiling, and the scale study.

:func:`analyse` reads what the store holds for one tiling — the tile table
(``tiles/<tiling>``, with its labels when known), the cloud metrics
(``metrics/<tiling>_<mask>``) and the embeddings (``embeddings/<tiling>``) — and for each
feature set (:func:`~cloudorg.analysis.feature_set.analyse_feature_set`) fits a PCA,
chooses K (silhouette and bootstrap stability), fits k-means and a Ward tree, describes
the space (effective dimension, triplet distances, nearest-neighbour agreement), scores
the clusters against the labels (NMI with a confidence interval from a bootstrap over
scenes and a chance level from labels permuted within scenes, confusion matrices), and
describes the metric space by class and by cluster. Labels come from the tile table or
from any label file (``labels=``, :func:`cloudorg.io.labels.read_labels`); metrics
undefined on some tiles follow a stated rule (``missing=``,
:func:`~cloudorg.analysis.metric_matrix`). The result is written into the store as
``analysis/<tiling>`` in one step (complete or absent); a rerun with the same inputs and
arguments reads it back instead of fitting again.

:func:`store_scale_study` tiles, embeds and clusters a store at several tile sizes
(Table 1, figure 35) and writes the study as ``analysis/scale_study``.

Layout of ``analysis/<tiling>``: the per-feature-set summary along ``features`` (the
variables of :data:`~cloudorg.analysis.feature_set.SUMMARY`: ``k``, ``nmi``,
``nmi_low``/``nmi_high``, ``nmi_chance``..., ``effective_dimension``...), the tile
``label`` and ``label_fraction`` scored, and each result of a feature set under the
prefix ``<features>_<part>_`` (parts ``pca``, ``k_choice``, ``kmeans``, ``dendrogram``,
``confusion``, ``silhouettes``, ``summary``; plus ``metrics_classes`` for the metrics per
class). :func:`analysis_result` returns one result as computed: ``pca`` and ``kmeans``
are fitted models for :func:`~cloudorg.analysis.apply_model` and
:func:`~cloudorg.analysis.save_model`. The attrs ``label_source`` and ``metric_rule``
say which labels were scored and which metrics were used, and why others were not.

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
from cloudorg.analysis.checks import TILE, check_int, check_seed
from cloudorg.analysis.clustering import K
from cloudorg.analysis.feature_set import (
    SUMMARY,
    AnalysisOptions,
    FeatureSetInputs,
    analyse_feature_set,
)
from cloudorg.analysis.features import METRIC, metric_matrix
from cloudorg.analysis.metric_space import metric_summary
from cloudorg.analysis.result_layout import RESULTS, jsonable, prefixed, unprefixed
from cloudorg.analysis.scales import scale_study
from cloudorg.analysis.tile_classes import DEFAULT_MIN_COVERAGE, source_labels, table_labels
from cloudorg.errors import ConfigError, StoreError
from cloudorg.store import CampaignStore, layout
from cloudorg.tiles.grid import TileSpec, Tiling

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


def _resolve_tiling(store: CampaignStore, tiling: Tiling | None) -> str:
    from cloudorg.tiles import list_tile_tables

    tables = list_tile_tables(store)
    if not tables:
        raise ConfigError(
            f"{store.url}: nothing to analyse: the store has no tile table; build one with "
            "`cloudorg tiles` (cloudorg.tiles.build_tile_table), then compute metrics "
            "(`cloudorg metrics`) or embeddings (`cloudorg embed`)"
        )
    if tiling is not None:
        tiling = str(TileSpec.of(tiling))
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
    """What a store holds for one tiling, and the labels scored."""

    tiling: str
    table: xr.Dataset
    labels: xr.Dataset | None
    features: dict[str, xr.DataArray]
    metrics: xr.Dataset | None
    sources: dict[str, str]
    notes: list[str] = field(default_factory=list)


def _only_tiles(data: Any) -> Any:
    """Loaded, with ``tile`` as its only per-tile coordinate."""
    drop = [n for n, c in data.coords.items() if TILE in c.dims and n != TILE]
    return data.drop_vars(drop).load()


def _tile_labels(
    store: CampaignStore, table: xr.Dataset, labels: Any, min_coverage: float
) -> xr.Dataset | None:
    """The scored labels: of a label source when given, else of the tile table."""
    from cloudorg.io.labels import LabelSource, read_labels

    if labels is not None:
        source = labels if isinstance(labels, LabelSource) else read_labels(labels)
        return source_labels(source, table, store.domain, min_coverage=min_coverage)
    return table_labels(table, min_coverage=min_coverage) if "label" in table else None


def _read_inputs(
    store: CampaignStore,
    tiling: str,
    features: Sequence[str],
    mask: str | None,
    labels: Any,
    min_coverage: float,
    missing: str,
) -> _Inputs:
    from cloudorg.models import open_embeddings
    from cloudorg.tiles.filters import usable
    from cloudorg.tiles.grid import TileSpec

    table = store.group(layout.tile_table(tiling)).open("build it with `cloudorg tiles`")
    spec = TileSpec.from_attrs(table.attrs)
    inputs = _Inputs(tiling, table, None, {}, None, {})
    tile_labels = _tile_labels(store, table, labels, min_coverage)
    if tile_labels is not None and bool((tile_labels["label"] >= 1).any()):
        inputs.labels = tile_labels
    else:
        inputs.notes.append(
            f"the tiles of {tiling} have no labels"
            + ("" if tile_labels is None else f" from {tile_labels.attrs['label_source']}")
            + ": NMI, confusion matrices and the silhouettes by class are left out; give "
            "a label file (`cloudorg analyse --labels FILE`)"
        )
    if "embeddings" in features:
        if _has_embeddings(store, tiling):
            emb = open_embeddings(store, spec)
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
            inputs.metrics = metrics.where(xr.DataArray(usable(table).values, dims=TILE))
            inputs.features["metrics"] = metric_matrix(inputs.metrics, missing=missing)
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


def _metric_rule(matrix: xr.DataArray) -> dict[str, Any]:
    """Which metrics the analysis used, which it dropped and why, and the rule for NaN."""
    return {
        "missing": matrix.attrs["missing"],
        "max_nan_fraction": matrix.attrs["max_nan_fraction"],
        "used": [str(m) for m in matrix[METRIC].values],
        "nan_fraction": [float(f) for f in matrix["nan_fraction"].values],
        "dropped": dict(matrix.attrs["dropped_reasons"]),
        "n_imputed": matrix.attrs["n_imputed"],
        "n_tiles_incomplete": matrix.attrs["n_tiles_incomplete"],
    }


def _summary(rows: dict[str, dict[str, Any]]) -> xr.Dataset:
    names = list(rows)
    return xr.Dataset(
        {
            var: ("features", [rows[n][var] for n in names], {"long_name": long, "units": "1"})
            for var, long in SUMMARY.items()
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


def _token(inputs: _Inputs, options: AnalysisOptions, features: Sequence[str]) -> str:
    labels = None
    if inputs.labels is not None:
        labels = (_native(inputs.labels["label"].values), inputs.labels.attrs["label_source"])
    data = {n: _native(d.values) for n, d in inputs.features.items()}
    rules = inputs.features["metrics"].attrs if "metrics" in inputs.features else None
    return tokenize(__version__, labels, data, inputs.sources, str(options), rules,
                    list(features))  # fmt: skip


def open_analysis(
    store: str | os.PathLike[str] | CampaignStore, tiling: Tiling | None = None
) -> xr.Dataset:
    """Open (and load) the analysis of a tiling written by :func:`analyse`.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    tiling : TileSpec or str, optional
        The tiling (``TileSpec(256)``, ``"256px"``, ``"128px_stride64"``); default the
        store's only analysis.

    Raises
    ------
    cloudorg.errors.StoreError
        When the store holds no (complete) analysis of the tiling.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic import example_store
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
    return store.group(analysis_group(str(TileSpec.of(tiling)))).open(
        "run `cloudorg analyse` first"
    )


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
        :func:`~cloudorg.analysis.kmeans` results), ``k_choice``
        (:func:`~cloudorg.analysis.k_stability`: silhouette and stability by K),
        ``dendrogram`` (:func:`~cloudorg.analysis.ward_sample` of a sample of the tiles,
        along ``sample``: its coordinate holds their tile numbers), ``confusion``
        (:func:`~cloudorg.analysis.confusion_matrix`),
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
    >>> from cloudorg.synthetic.analysis import example_campaign
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
    tiling: Tiling | None = None,
    k: K = 4,
    seed: int = 0,
    features: Iterable[str] = FEATURE_SETS,
    mask: str | None = None,
    labels: Any = None,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    missing: str = "impute",
    n_bootstrap: int = 1000,
    n_permutations: int = 200,
    overwrite: bool = False,
    progress: bool = True,
) -> xr.Dataset:
    """Cluster the tiles of a store and score the clusters; write the analysis into the store.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    tiling : TileSpec or str, optional
        The tiling (``TileSpec(256)``, ``"256px"``, ``"128px_stride64"``, ...); default the
        store's only tile table with metrics or embeddings.
    k : int or "auto", default 4
        Clusters of k-means (``"auto"``: the K of best mean silhouette over 2–12). The
        silhouette and stability of every K are recorded in either case (``k_choice``).
    seed : int, default 0
        Seed of the fits, resamples, permutations and samples.
    features : iterable of {"embeddings", "metrics"}
        Feature sets to analyse, when the store holds them.
    mask : str, optional
        Mask method of the metrics group (default ``greyscale`` when present, else any).
    labels : path or LabelSource, optional
        The labels to score against: any label file
        (:func:`cloudorg.io.labels.read_labels`: a class per scene, boxes with times,
        Zooniverse boxes, a label raster, Kaggle masks with their image table as a
        :class:`~cloudorg.io.labels.LabelSource`). Default: the tile table's labels.
    min_coverage : float, default 0.5
        Smallest fraction of a tile its majority class must cover for the tile to be
        scored with it.
    missing : {"impute", "drop_metric", "drop_tile"}, default "impute"
        Rule for metrics undefined on some tiles (:func:`~cloudorg.analysis.metric_matrix`).
    n_bootstrap : int, default 1000
        Resamples of scenes of the NMI's confidence interval.
    n_permutations : int, default 200
        Within-scene label permutations of the NMI's chance level.
    overwrite : bool, default False
        Fit again even when the store holds an analysis of the same inputs.
    progress : bool, default True
        Show a progress bar (feature sets).

    Returns
    -------
    xarray.Dataset
        As written into the store as ``analysis/<tiling>`` (see the module docstring):
        the summary along ``features``, ``label`` and ``label_fraction`` along ``tile``
        (when known), and the prefixed results; attrs ``tiling``, ``sources``,
        ``label_source``, ``metric_rule``, ``notes`` (what is absent and how to add it),
        ``k``, ``seed``, ``n_bootstrap``, ``n_permutations``, ``inputs_token``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When there is nothing to analyse (no tile table, or neither metrics nor
        embeddings of the tiling) or for invalid arguments.
    cloudorg.errors.InputFileError
        For a label file that cannot be used.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.tiles import build_tile_table
    >>> from cloudorg.synthetic import example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1)
    >>> _ = build_tile_table(store, 64, client="synchronous", progress=False)
    >>> analyse(store, progress=False)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: ...: nothing to analyse for tiling 64px: ...
    """
    store = CampaignStore.open(store)
    options = AnalysisOptions(
        k=k if k == "auto" else check_int(k, "k", 2),
        seed=check_seed(seed),
        n_bootstrap=check_int(n_bootstrap, "n_bootstrap", 1),
        n_permutations=check_int(n_permutations, "n_permutations", 1),
    )
    features = list(dict.fromkeys([features] if isinstance(features, str) else features))
    unknown = sorted(set(features) - set(FEATURE_SETS))
    if unknown or not features:
        raise ConfigError(f"features: expected some of {FEATURE_SETS}, got {features}")
    tiling = _resolve_tiling(store, tiling)
    inputs = _read_inputs(store, tiling, features, mask, labels, min_coverage, missing)
    token = _token(inputs, options, features)
    group = store.group(analysis_group(tiling))
    if not overwrite:
        try:
            old = group.open("")
        except StoreError:
            old = None
        if old is not None and old.attrs.get("inputs_token") == token:
            return old
    scored = None if inputs.labels is None else inputs.labels["label"]
    results: dict[str, xr.Dataset] = {}
    rows: dict[str, dict[str, Any]] = {}
    notes = list(inputs.notes)
    for name in tqdm(list(inputs.features), desc="analyse", disable=not progress):
        one = FeatureSetInputs(inputs.features[name], inputs.table, scored, inputs.metrics,
                               missing)  # fmt: skip
        parts, rows[name], more = analyse_feature_set(name, one, options)
        notes += more
        results.update({f"{name}_{part}": result for part, result in parts.items()})
    if inputs.metrics is not None and scored is not None:
        results["metrics_classes"] = metric_summary(inputs.metrics, scored)
    ds = xr.merge(
        [_summary(rows), *(prefixed(r, prefix) for prefix, r in results.items())],
        combine_attrs="drop_conflicts",
    )
    if inputs.labels is not None:
        ds = ds.assign(inputs.labels.drop_attrs(deep=False).data_vars)
    ds.attrs = {
        "title": f"cloudorg analysis of the tiling {tiling}",
        "Conventions": "CF-1.10",
        "cloudorg_version": __version__,
        "tiling": tiling,
        "tile_table": layout.tile_table(tiling),
        "sources": inputs.sources,
        "label_source": "" if inputs.labels is None else inputs.labels.attrs["label_source"],
        "min_coverage": float(min_coverage),
        "metric_rule": (
            _metric_rule(inputs.features["metrics"]) if "metrics" in inputs.features else {}
        ),
        "notes": notes,
        "k": str(k),
        "seed": options.seed,
        "n_bootstrap": options.n_bootstrap,
        "n_permutations": options.n_permutations,
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
    >>> from cloudorg.synthetic import example_store
    >>> open_scale_study(example_store(tempfile.mkdtemp() + "/c.zarr", 1))
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: no group analysis/scale_study; run a scale study first: ...
    """
    return (
        CampaignStore.open(store)
        .group(layout.SCALE_STUDY)
        .open(
            "run a scale study first: `analysis: {scales: [...]}` in run.yaml, or "
            "cloudorg.analysis.store_scale_study"
        )
    )


def store_scale_study(
    store: str | os.PathLike[str] | CampaignStore,
    model: Any,
    sizes: Sequence[int] = (64, 128, 256),
    *,
    overlap: float | None = None,
    k: K = 4,
    seed: int = 0,
    labels: Any = None,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    client: Any = None,
    overwrite: bool = False,
    progress: bool = True,
) -> xr.Dataset:
    """The scale study of a store: tile, embed and cluster at each tile size (Table 1).

    For each size the tile table is built (or brought up to date), its tiles are
    embedded with ``model`` (:func:`cloudorg.models.embed`; a ResNet embedder takes any
    tile size) and :func:`~cloudorg.analysis.scale_study` clusters them and scores the
    clusters against the labels (the table's, or a label file's, under the coverage
    rule), resampling and permuting within scenes. The study is written into the store
    as ``analysis/scale_study``.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store; its tile tables need labels (a ``pattern`` or label boxes)
        unless ``labels`` gives them.
    model : Embedder or path
        The embedding model or its checkpoint.
    sizes : sequence of int, default (64, 128, 256)
        Tile edges in pixels; each must fit the domain.
    overlap : float, optional
        Overlap fraction of neighbouring tiles at every size (default none).
    k : int or "auto", default 4
        Clusters per size.
    seed : int, default 0
        Seed of the clustering, the PCA and the resamples.
    labels : path or LabelSource, optional
        Labels to score against (see :func:`analyse`); default the tile tables'.
    min_coverage : float, default 0.5
        Smallest fraction of a tile its majority class must cover.
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
    >>> from cloudorg.synthetic import example_store
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

    def per_size(size: int) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
        table = build_tile_table(store, size, overlap=overlap, client=client, progress=progress)
        if table.sizes[TILE] == 0:
            raise ConfigError(f"sizes: {size} px tiles do not fit the domain "
                              f"{store.domain.shape}")  # fmt: skip
        scored = _tile_labels(store, table, labels, min_coverage)
        if scored is None:
            raise ConfigError(f"the tile table of {size} px tiles has no labels (a store "
                              "with a pattern, label boxes, or labels=) is needed")  # fmt: skip
        stride = int(table.attrs["stride"])
        emb = embed(store, model, tile_size=size, stride=stride, client=client,
                    overwrite=overwrite, progress=progress)  # fmt: skip
        tilings.append(str(emb.attrs["tile_table"]))
        model_ids.add(str(emb.attrs["model_id"]))
        return _only_tiles(emb), scored["label"], _only_tiles(table["scene_index"])

    study = scale_study(per_size, scales=sorted(set(sizes)), k=k, seed=check_seed(seed))
    study = study.assign_coords({"class": study["class"].astype(object)})
    study.attrs.update(
        title="cloudorg scale study: clusters of embeddings against labels by tile size",
        model_id=sorted(model_ids),
        tilings=tilings,
        overlap=0.0 if overlap is None else float(overlap),
        min_coverage=float(min_coverage),
    )
    with store.writing():
        store.group(layout.SCALE_STUDY).replace(study)
    return open_scale_study(store)
