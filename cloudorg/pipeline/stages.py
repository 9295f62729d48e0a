"""The stages of a pipeline run, one function each.

Every stage calls one of the library's resumable functions, so a rerun after an
interruption (or after new files arrived) does only what is missing: ingest adds the
scenes not in the store, the tile table and the metrics are brought up to date, training
resumes from its checkpoint, embedding from its last finished block, and the analysis is
reused when its inputs did not change. Each function returns a one-line summary.

Examples
--------
>>> from cloudorg.pipeline import STAGES
>>> sorted(STAGE_FUNCTIONS) == sorted(STAGES)
True
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError, OtherResultsError
from .config import PipelineConfig

__all__ = ["DESCRIPTIONS", "STAGE_FUNCTIONS", "StageFunction", "tiling_name"]

StageFunction = Callable[[PipelineConfig, Any, bool], str]
"""``stage(config, client, progress) -> summary``."""

DESCRIPTIONS = {
    "ingest": "satellite files -> campaign store",
    "tiles": "tile table with quality flags and labels",
    "metrics": "cloud-mask metrics of every tile",
    "train": "Tile2Vec embedding model",
    "embed": "embeddings of every usable tile",
    "analyse": "PCA, clusters and scores",
    "report": "HTML campaign report",
}
"""What each stage makes, as the run prints it."""


def tiling_name(config: PipelineConfig) -> str:
    """The name of the run's tiling in the store (``tiles/<name>``, ``embeddings/<name>``).

    Examples
    --------
    >>> tiling_name(PipelineConfig.from_dict({"tiles": {"size": 128, "stride": 64}}))
    '128px_stride64'
    """
    return config.tiles.spec.name


def _ingest(config: PipelineConfig, client: Any, progress: bool) -> str:
    from ..ingest import ingest
    from ..io.remote import InputOptions
    from ..store import CampaignStore, read_manifest

    section = config.ingest
    domain = config.domain.build()
    if not section.inputs and section.archive is None:
        if not config.location.exists():
            raise ConfigError(
                "ingest: no inputs (files, directories, URLs) and no archive given, and the "
                f"store {config.store} does not exist yet"
            )
        count = len(CampaignStore.open(config.location).scene_ids())
        return f"no inputs configured: {count} scenes"
    inputs = section.inputs or section.archive.query(domain, tuple(section.quantities))
    ds = ingest(
        inputs, config.location, domain=domain, quantities=section.quantities,
        composites=section.composites, max_solar_zenith=section.max_solar_zenith,
        chunk_size=section.chunk_size, client=client, progress=progress,
        input_options=InputOptions(cache_dir=section.cache_dir, retries=section.retries),
    )  # fmt: skip
    counts = read_manifest(config.location)["status"].value_counts().to_dict()
    files = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    n = ds.sizes.get("scene", 0)
    return f"{n} scene{'' if n == 1 else 's'} in the store; files: {files}"


def _tiles(config: PipelineConfig, client: Any, progress: bool) -> str:
    from ..tiles import build_tile_table, flag_counts, usable

    t = config.tiles
    table = build_tile_table(config.location, t.spec, filters=t.filter_config(), client=client,
                             progress=progress)  # fmt: skip
    n_usable = int(usable(table).sum())
    flags = ", ".join(f"{k} {v}" for k, v in flag_counts(table).items() if v)
    return f"{table.sizes['tile']} tiles of {t.size} px, {n_usable} usable" + (
        f" (flagged: {flags})" if flags else ""
    )


def _metrics(config: PipelineConfig, client: Any, progress: bool) -> str:
    from ..metrics import metrics_for_store

    m, t = config.metrics, config.tiles
    ds = metrics_for_store(
        config.location, tiling=t.spec, metrics=m.metrics, mask=m.mask,
        max_missing_fraction=m.max_missing_fraction, client=client, progress=progress,
    )  # fmt: skip
    names = [v for v in ds.data_vars if ds[v].dims == ("tile",) and v != "scene_id"]
    return f"{len(names)} metrics of {ds.sizes['tile']} tiles ({m.mask} mask)"


def _train(config: PipelineConfig, client: Any, progress: bool) -> str:
    from ..models import train_tile2vec, triplets_from_store

    path = Path(config.model.checkpoint)
    if not config.model.train:
        if not path.exists():
            raise ConfigError(
                f"model.checkpoint {path}: not found; set model.train: true to train it"
            )
        return f"using the trained model {path}"
    tile2vec = config.tile2vec
    path.parent.mkdir(parents=True, exist_ok=True)
    train, val = triplets_from_store(config.location, tile2vec, client=client, progress=progress)
    result = train_tile2vec(train, tile2vec, val=val, checkpoint=path, device=config.embed.device,
                            progress=progress)  # fmt: skip
    h = result.history
    return (
        f"model {result.model.model_id}: {int(h.step[-1])} steps on {len(train)} triplets, "
        f"loss {float(h['loss'][-1]):.3g}; checkpoint {path}"
    )


def _replacing(write: Callable[[bool], Any]) -> tuple[Any, str]:
    """``write(overwrite=False)``, and again with ``overwrite=True`` when the store holds
    embeddings of another model or of an older tile table: the run's model replaces them.
    Returns the result and a note for the summary."""
    try:
        return write(False), ""
    except OtherResultsError:
        return write(True), " (replacing embeddings of another model or tile table)"


def _embed(config: PipelineConfig, client: Any, progress: bool) -> str:
    from ..models import embed

    t, e = config.tiles, config.embed

    def write(overwrite: bool) -> Any:
        return embed(config.location, config.model.checkpoint, tiling=t.spec,
                     batch_size=e.batch_size, device=e.device, client=client,
                     overwrite=overwrite, progress=progress)  # fmt: skip

    emb, replaced = _replacing(write)
    n_ok = int(emb.notnull().all("embedding").sum())
    return f"{n_ok} of {emb.sizes['tile']} tiles in {emb.sizes['embedding']} dimensions{replaced}"


def _analyse(config: PipelineConfig, client: Any, progress: bool) -> str:
    from ..analysis.campaign import analyse, store_scale_study

    a = config.analysis
    labels = None if a.labels is None else a.labels.source()
    ds = analyse(config.location, tiling=tiling_name(config), k=a.k, seed=a.seed, labels=labels,
                 min_coverage=a.min_coverage, missing=a.missing, n_bootstrap=a.n_bootstrap,
                 progress=progress)  # fmt: skip
    scores = [
        f"{f}: K {int(row.k)}, NMI {float(row.nmi):.2f} [{float(row.nmi_low):.2f}, "
        f"{float(row.nmi_high):.2f}] (chance {float(row.nmi_chance):.2f})"
        for f, row in ((f, ds.sel(features=f)) for f in ds.features.values)
    ]
    summary = "; ".join(scores) or "; ".join(ds.attrs["notes"])
    if a.scales:

        def study(overwrite: bool) -> Any:
            return store_scale_study(config.location, config.model.checkpoint, a.scales,
                                     overlap=a.scale_overlap, k=a.k, seed=a.seed, labels=labels,
                                     min_coverage=a.min_coverage, client=client,
                                     overwrite=overwrite, progress=progress)  # fmt: skip

        table, replaced = _replacing(study)
        nmis = ", ".join(f"{int(size)} px {float(table.nmi.sel(scale=size)):.2f}"
                         for size in table.scale.values)  # fmt: skip
        summary += f"; NMI by tile size: {nmis}{replaced}"
    return summary


def _report(config: PipelineConfig, client: Any, progress: bool) -> str:
    from ..report import write_report

    path = write_report(config.location, config.report.out, tiling=tiling_name(config),
                        k=config.analysis.k, seed=config.analysis.seed)  # fmt: skip
    return f"report {path}"


STAGE_FUNCTIONS: dict[str, StageFunction] = {
    "ingest": _ingest,
    "tiles": _tiles,
    "metrics": _metrics,
    "train": _train,
    "embed": _embed,
    "analyse": _analyse,
    "report": _report,
}
"""The function of each stage."""
