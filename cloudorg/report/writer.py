"""Write the campaign report: one self-contained HTML file.

Examples
--------
>>> [anchor for anchor, _, _ in SECTIONS]
['scenes', 'tiles', 'metrics', 'embeddings', 'clusters', 'scores', 'scale', 'methods']
"""

from __future__ import annotations

import os
from pathlib import Path

from cloudorg.analysis.campaign import analyse, open_analysis, open_scale_study
from cloudorg.errors import ConfigError, StoreError
from cloudorg.report import _sections as sections
from cloudorg.report._html import escape, note, page, paragraph, section
from cloudorg.store import CampaignStore

__all__ = ["write_report"]

SECTIONS = (
    ("scenes", "Scenes", sections.scenes_section),
    ("tiles", "Tiles", sections.tiles_section),
    ("metrics", "Cloud metrics", sections.metrics_section),
    ("embeddings", "Embeddings", sections.embeddings_section),
    ("clusters", "Clusters", sections.clusters_section),
    ("scores", "Scores", sections.scores_section),
    ("scale", "Scale study", sections.scale_section),
    ("methods", "Methods and references", sections.methods),
)
"""Anchor, title and maker of each section, in page order."""


def _campaign(
    store: CampaignStore, tiling: str | None, k: int | str, seed: int, progress: bool
) -> tuple[sections.Campaign, list[str]]:
    try:
        scenes = store.open_scenes()
    except StoreError as err:
        raise ConfigError(f"store: nothing to report: {err}") from err
    notes: list[str] = []
    try:
        analysis = open_analysis(store, tiling)
    except StoreError:
        try:
            analysis = analyse(store, tiling=tiling, k=k, seed=seed, progress=progress)
        except ConfigError as err:
            analysis = None
            notes.append(f"No analysis: {err}")
    if analysis is not None:
        notes += list(analysis.attrs.get("notes", []))
    table = None
    if analysis is not None:
        table = store.group(analysis.attrs["tile_table"]).open("run `cloudorg tiles` first")
    try:
        study = open_scale_study(store)
    except StoreError:
        study = None
    return sections.Campaign(store, scenes, table, analysis, study), notes


def write_report(
    store: str | os.PathLike[str] | CampaignStore,
    out: str | os.PathLike[str] = "report.html",
    *,
    tiling: str | None = None,
    k: int | str = 4,
    seed: int = 0,
    progress: bool = False,
) -> Path:
    """Write an HTML report of a campaign store: scenes, tiles, metrics, embeddings,
    clusters and scores.

    The report is one file: figures are embedded as PNG images and the style is inline,
    so it opens anywhere without a network. When the store holds no analysis of the
    tiling, :func:`~cloudorg.analysis.campaign.analyse` runs first (and is written into
    the store); sections whose inputs are absent say so and how to add them.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    out : path, default "report.html"
        The HTML file to write (replaced when it exists; written beside it first).
    tiling : str, optional
        Tiling of the analysis (default: the store's only one).
    k : int or "auto", default 4
        Clusters, when the analysis has to be made.
    seed : int, default 0
        Seed, when the analysis has to be made.
    progress : bool, default False
        Show the progress of an analysis made here.

    Returns
    -------
    pathlib.Path
        The report.

    Raises
    ------
    cloudorg.errors.ConfigError
        When the store holds no scene.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic import example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1)
    >>> "No analysis" in write_report(store, store.path.parent / "r.html").read_text()
    True
    """
    from cloudorg.store import CampaignStore

    store = CampaignStore.open(store)
    campaign, notes = _campaign(store, tiling, k, seed, progress)
    title = f"Campaign report: {store.url.rsplit('/', 1)[-1]}"
    tiling_name = "" if campaign.analysis is None else campaign.analysis.attrs["tiling"]
    intro = [
        paragraph(
            "This report describes a cloudorg campaign store: the satellite scenes it holds, "
            "the tiles cut from them, the tiles' cloud metrics and embeddings, the clusters "
            "found in each, and how well the clusters match the labelled organisation "
            "classes (Sugar, Gravel, Fish, Flower)."
            + (f" Analysis of the tiling {tiling_name}." if tiling_name else "")
        ),
        f"<p>Store: <code>{escape(store.url)}</code></p>",
        *(note(n) for n in notes),
    ]
    body = [(a, n, section(a, n, make(campaign))) for a, n, make in SECTIONS]
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page(title, body, intro), encoding="utf-8")
    partial.replace(out)
    return out
