"""The sections of the campaign report, each made from what the store holds.

Each function returns the HTML of one section (see ``docs/report.md`` for what each
shows); the figures come from :mod:`cloudorg.plots`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from cloudorg.analysis.campaign import analysis_result
from cloudorg.io.labels import CLASSES
from cloudorg.plots import (
    plot_cluster_examples,
    plot_cluster_map,
    plot_confusion,
    plot_metric_biplot,
    plot_metric_summary,
    plot_nmi_vs_scale,
    plot_pc_scatter,
    plot_scenes,
    plot_silhouette_curve,
)
from cloudorg.report._html import figure, note, paragraph, table
from cloudorg.store import CampaignStore, read_manifest

N_THUMBNAILS = 3
N_PCS_SHOWN = 5


@dataclass
class Campaign:
    """What the report is made of: the store, its scenes, and the tiling's table and
    analysis (``None`` when absent)."""

    store: CampaignStore
    scenes: xr.Dataset
    table: xr.Dataset | None
    analysis: xr.Dataset | None
    scale_study: xr.Dataset | None

    @property
    def feature_sets(self) -> list[str]:
        """Feature sets of the analysis."""
        return [] if self.analysis is None else [str(f) for f in self.analysis.features.values]

    @property
    def labels(self) -> xr.DataArray | None:
        """Tile labels of the analysis, when known."""
        return (
            None
            if self.analysis is None or "label" not in self.analysis
            else (self.analysis["label"])
        )

    def result(self, features: str, part: str) -> xr.Dataset | None:
        """One result of the analysis, or ``None``."""
        if self.analysis is None or f"{features}_{part}" not in self.analysis.attrs["results"]:
            return None
        return analysis_result(self.analysis, features, part)


def _time(value: np.datetime64) -> str:
    return np.datetime_as_string(value, unit="m").replace("T", " ")


def scenes_section(campaign: Campaign) -> list[str]:
    """Scenes: number, times, platforms, the manifest's outcome and thumbnails."""
    scenes, store = campaign.scenes, campaign.store
    times = scenes["scene"].values
    platforms = Counter(str(p) for p in scenes["platform"].values) if "platform" in scenes else {}
    manifest = read_manifest(store)
    status = manifest["status"].value_counts() if len(manifest) else pd.Series(dtype=int)
    domain = store.domain
    body = [
        paragraph(
            f"The campaign store holds {times.size} scenes from {_time(times.min())} to "
            f"{_time(times.max())} UTC on the domain {domain.name} ({domain.shape[0]} × "
            f"{domain.shape[1]} pixels of {domain.resolution_km:g} km). Each scene is one "
            "satellite overpass resampled onto this grid."
        ),
        table(["platform", "scenes"], sorted(platforms.items())),
        table(
            ["input files", "count"],
            [(s, int(status.get(s, 0))) for s in ("ingested", "skipped", "failed")],
        ),
    ]
    problems = manifest[manifest["status"] != "ingested"] if len(manifest) else manifest
    if len(problems):
        reasons = problems.groupby(["status", "reason"]).size().reset_index().values.tolist()
        body.append(table(["status", "reason", "files"], reasons))
    if "rgb" in scenes:
        shown = np.unique(np.linspace(0, times.size - 1, min(N_THUMBNAILS, times.size)).round())
        has_truth = "pattern" in scenes
        caption = "True-colour RGB of some scenes (black: no data)" + (
            "; below, the ground-truth pattern of each pixel" if has_truth else ""
        )
        body.append(figure(plot_scenes(scenes, shown.astype(int).tolist()), caption))
    return body


def tiles_section(campaign: Campaign) -> list[str]:
    """Tiles: the tiling, counts, quality flags and labels."""
    from cloudorg.tiles import flag_counts

    t = campaign.table
    if t is None:
        return [note("The store has no tile table: build one with `cloudorg tiles`.")]
    a = t.attrs
    body = [
        paragraph(
            f"Scenes are cut into {a['tile_size']} px tiles (about "
            f"{a.get('tile_size_km', float('nan')):.0f} km) with a stride of {a['stride']} px: "
            f"{t.sizes['tile']} tiles, {a.get('tiles_per_scene', '?')} per scene. Quality flags "
            "mark tiles with missing data, high cloud, a badly balanced colour or at night; "
            "labels come from " + str(a.get("label_source", "none")) + "."
        ),
        table(
            ["flag", "tiles"],
            [("none (usable)", int((t["flags"] == 0).sum())), *flag_counts(t).items()],
        ),
    ]
    if "label" in t:
        codes = t["label"].values
        rows = [(name, int((codes == i + 1).sum())) for i, name in enumerate(CLASSES)]
        body.append(table(["class", "tiles"], [*rows, ("none / unknown", int((codes < 1).sum()))]))
    return body


def metrics_section(campaign: Campaign) -> list[str]:
    """Metrics: a summary table, the metrics by class or cluster and the biplot."""
    summary = campaign.result("metrics", "classes") or campaign.result("metrics", "summary")
    if summary is None:
        return [
            note(
                "No cloud metrics were analysed: compute them with `cloudorg metrics`, "
                "then run `cloudorg analyse`."
            )
        ]
    n = summary["n_values"].sum(summary["group_mean"].dims[0])
    mean = (summary["group_mean"] * summary["n_values"]).sum(summary["group_mean"].dims[0]) / n
    rows = [
        (
            str(m),
            str(u),
            float(mean.sel(metric=m)),
            int(n.sel(metric=m)),
            float(summary["f_statistic"].sel(metric=m)),
        )
        for m, u in zip(summary.metric.values, summary.metric_units.values, strict=True)
    ]
    dim = summary["group_mean"].dims[0]
    plural = {"class": "classes", "cluster": "clusters"}.get(dim, f"{dim} groups")
    body = [
        paragraph(
            "Organisation metrics of each tile's cloud mask (lengths in km). The F statistic "
            f"compares the spread between {plural} with the spread within them: the larger it "
            f"is, the better the metric separates the {plural}."
        ),
        table(["metric", "units", "mean", "tiles with a value", f"F ({dim})"], rows),
        figure(plot_metric_summary(summary), f"Metrics per {dim}: mean ± standard deviation"),
    ]
    metric_pca = campaign.result("metrics", "pca")
    if metric_pca is not None and metric_pca.sizes["component"] < 2:
        body.append(note("The PCA of the metrics has a single component (too few metrics "
                         "with values on enough tiles): no biplot."))  # fmt: skip
    elif metric_pca is not None:
        groups = campaign.labels
        body.append(
            figure(
                plot_metric_biplot(metric_pca, groups),
                "PCA of the standardised metrics: tiles (coloured by class when known) and each "
                "metric's loading",
            )
        )
    return body


def embeddings_section(campaign: Campaign) -> list[str]:
    """Embeddings: explained variance and the PC scatter coloured by label."""
    result = campaign.result("embeddings", "pca")
    if result is None:
        return [
            note(
                "No embeddings were analysed: embed the tiles with `cloudorg embed`, "
                "then run `cloudorg analyse`."
            )
        ]
    model = campaign.analysis.attrs["sources"].get("embeddings", "")
    ratio = result["explained_variance_ratio"].values[:N_PCS_SHOWN]
    return [
        paragraph(
            f"Each tile is embedded by a neural network ({model}) as a vector of "
            f"{result.sizes[str(result.attrs['feature_dim'])]} numbers; tiles that look alike "
            "lie close together. The principal components are the directions of largest "
            "variance of the embeddings."
        ),
        table(
            ["component", *(f"PC{i + 1}" for i in range(ratio.size))],
            [("explained variance ratio", *ratio.tolist())],
        ),
        figure(
            plot_pc_scatter(result, campaign.labels),
            "Tiles on the first two principal components of their embeddings, coloured "
            "by class when labels are known, with each group's density",
        ),
    ]


def clusters_section(campaign: Campaign) -> list[str]:
    """Clusters: K, the silhouette curve, a cluster map and example tiles per cluster."""
    body = [
        paragraph(
            "k-means groups the tiles of each feature set into K clusters; the mean silhouette "
            "(how much closer a tile is to its own cluster than to the next) suggests a K."
        )
    ]
    if campaign.table is None:
        return body
    scene = int(campaign.table["scene_index"].values[0]) if campaign.table.sizes["tile"] else 0
    for features in campaign.feature_sets:
        clusters = campaign.result(features, "kmeans")["cluster"]
        k = int(campaign.analysis["k"].sel(features=features))
        k_best = int(campaign.analysis["k_silhouette"].sel(features=features))
        body.append(f"<h3>{features}</h3>")
        body.append(paragraph(f"K = {k}; the silhouette is highest for K = {k_best}."))
        curve = campaign.result(features, "silhouette")
        body.append(figure(plot_silhouette_curve(curve), f"Mean silhouette by K ({features})"))
        body.append(
            figure(
                plot_cluster_map(clusters, campaign.table, campaign.scenes, scene=scene),
                f"Clusters of the {features} over a scene",
            )
        )
        body.append(
            figure(
                plot_cluster_examples(clusters, campaign.table, campaign.scenes, n_examples=6),
                f"Example tiles of each cluster ({features})",
            )
        )
    return body


def scores_section(campaign: Campaign) -> list[str]:
    """Scores: NMI against the labels with its chance level, confusion matrices, Table 2."""
    a = campaign.analysis
    if a is None:
        return [note("No analysis: there are no clusters to score.")]
    if campaign.labels is None:
        return [
            note(
                "The tiles have no labels, so the clusters cannot be scored: label "
                "them (a store with a ground-truth pattern, or Zooniverse boxes given "
                "to `cloudorg tiles`)."
            )
        ]
    rows = [
        (
            f,
            float(a.nmi.sel(features=f)),
            float(a.nmi_chance.sel(features=f)),
            float(a.nmi_chance_p95.sel(features=f)),
            int(a.k.sel(features=f)),
        )
        for f in campaign.feature_sets
    ]
    body = [
        paragraph(
            "The normalised mutual information (NMI, equation 4) measures how much the "
            "clusters tell about the labelled classes: 0 for independent, 1 for identical "
            f"partitions. The chance level is the NMI of the same clusters with the labels "
            f"shuffled ({a.attrs['n_shuffles']} shuffles: mean and 95th percentile); a "
            "score well above it means the clusters follow the classes."
        ),
        table(["features", "NMI", "chance (mean)", "chance (95 %)", "K"], rows),
    ]
    for features in campaign.feature_sets:
        confusion = campaign.result(features, "confusion")
        body.append(
            figure(
                plot_confusion(confusion),
                f"Classes against the clusters of the {features}: tile counts and "
                "percentage of each class",
            )
        )
    silhouettes = [(f, campaign.result(f, "silhouettes")) for f in campaign.feature_sets]
    rows = [
        (f, float(s.silhouette_class), float(s.silhouette_cluster))
        for f, s in silhouettes
        if s is not None
    ]
    if rows:
        body.append(
            paragraph(
                "Silhouettes of the metric space (Table 2): how well the classes, and the "
                "clusters of each feature set, separate the tiles' standardised cloud metrics."
            )
        )
        body.append(table(["clusters of", "by class", "by cluster"], rows))
    return body


def scale_section(campaign: Campaign) -> list[str]:
    """The scale study, when the store holds one."""
    study = campaign.scale_study
    if study is None:
        return [note("No scale study in the store (cloudorg.analysis.campaign.store_scale_study).")]
    rows = [
        (
            int(s),
            int(study.n_tiles.sel(scale=s)),
            float(study.nmi.sel(scale=s)),
            *study.explained_variance_ratio.sel(scale=s).values.tolist(),
        )
        for s in study.scale.values
    ]
    return [
        paragraph(
            "Clusters of embeddings at several tile sizes scored against the labels "
            "(Table 1 of the report)."
        ),
        table(["tile size (px)", "tiles", "NMI", "PC1 ratio", "PC2 ratio"], rows),
        figure(plot_nmi_vs_scale(study), "NMI of the clusters against the classes by tile size"),
    ]
