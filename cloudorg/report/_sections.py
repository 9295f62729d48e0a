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
from cloudorg.analysis.feature_set import SAMPLE
from cloudorg.io.labels import CLASSES
from cloudorg.plots import (
    plot_cluster_examples,
    plot_cluster_map,
    plot_confusion,
    plot_dendrogram,
    plot_metric_biplot,
    plot_metric_summary,
    plot_nmi_vs_scale,
    plot_pc_scatter,
    plot_scenes,
    plot_silhouette_curve,
)
from cloudorg.report._html import figure, note, paragraph, table
from cloudorg.report._methods import methods_section
from cloudorg.store import CampaignStore, read_manifest

N_THUMBNAILS = 3
N_PCS_SHOWN = 5
COLLAPSED = 2.0
"""Effective dimension below which the report calls a feature space nearly one-dimensional."""


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
            "mark tiles with missing data, high cloud, a badly balanced colour or at night."
        ),
        table(
            ["flag", "tiles"],
            [("none (usable)", int((t["flags"] == 0).sum())), *flag_counts(t).items()],
        ),
    ]
    labels = campaign.labels
    if labels is not None:
        codes = labels.values
        source = campaign.analysis.attrs.get("label_source", "")
        coverage = float(campaign.analysis.attrs.get("min_coverage", 0.0))
        body.append(
            paragraph(
                f"Labels: {source}. A tile takes the class covering most of its pixels when "
                f"that class covers at least {100 * coverage:.0f} % of it."
            )
        )
        rows = [(name, int((codes == i + 1).sum())) for i, name in enumerate(CLASSES)]
        rows += [("none or below the coverage", int((codes == 0).sum())),
                 ("unknown (no label for the scene)", int((codes < 0).sum()))]  # fmt: skip
        body.append(table(["class", "tiles"], rows))
    return body


_RULES = {
    "impute": "a metric undefined on a tile takes the metric's median over the tiles",
    "drop_metric": "tiles with an undefined metric are left out",
    "drop_tile": "every tile with an undefined metric is left out; no metric is dropped for "
    "being undefined",
}


def _metric_rule(rule: dict) -> list[str]:
    """Which metrics the clustering used, which it dropped and why, and the rule for NaN."""
    if not rule:
        return []
    limit = 100 * float(rule["max_nan_fraction"])
    text = (
        f"Rule for undefined metrics: {rule['missing']} — {_RULES[rule['missing']]}; "
        f"metrics undefined on more than {limit:.0f} % of the tiles are dropped "
        f"({rule['n_imputed']} values imputed, {rule['n_tiles_incomplete']} tiles left out)."
    )
    rows = [(m, f"{100 * f:.0f} %", "used") for m, f in zip(rule["used"], rule["nan_fraction"],
                                                          strict=True)]  # fmt: skip
    rows += [(m, "", f"dropped: {why}") for m, why in rule["dropped"].items()]
    return [paragraph(text), table(["metric clustered", "tiles without a value", ""], rows)]


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
        *_metric_rule(campaign.analysis.attrs.get("metric_rule", {})),
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


_DIAGNOSTICS = (
    "effective_dimension",
    "pc1_variance_ratio",
    "triplet_distance_ratio",
    "triplet_neighbour_nearer",
    "neighbour_agreement",
    "neighbour_agreement_chance",
)
"""Summary variables of the diagnostics table, in its column order."""


def _diagnostics(campaign: Campaign) -> list[str]:
    """The diagnostics of each feature space, and a note on any nearly one-dimensional one."""
    a = campaign.analysis
    rows, body = [], []
    for f in campaign.feature_sets:
        row = a.sel(features=f)
        rows.append((f, *(float(row[v]) for v in _DIAGNOSTICS)))
        if float(row.effective_dimension) < COLLAPSED:
            body.append(
                note(
                    f"The {f} are nearly one-dimensional (effective dimension "
                    f"{float(row.effective_dimension):.2f}; the first principal component "
                    f"explains {100 * float(row.pc1_variance_ratio):.1f} % of the variance): "
                    "clusters then order the tiles along one axis. Train with normalised "
                    "embeddings (model.normalise: true, margin 0.5; see the models "
                    "documentation, embedding collapse)."
                )
            )
    header = ["features", "effective dimension", "PC1 ratio", "triplet distance ratio",
              "neighbour nearer", "nearest-neighbour agreement", "agreement by chance"]  # fmt: skip
    return [
        paragraph(
            "How each feature space is used: its effective dimension (participation ratio of "
            "the PCA spectrum), the anchor-neighbour over anchor-distant distance on triplets "
            "drawn from the tiles (below 1: neighbours are closer), and how often a tile's "
            "nearest tile of another scene has the same class (see Methods)."
        ),
        table(header, rows),
        *body,
    ]


def embeddings_section(campaign: Campaign) -> list[str]:
    """Embeddings: explained variance, the PC scatter coloured by label, and diagnostics."""
    result = campaign.result("embeddings", "pca")
    if result is None:
        return [
            note(
                "No embeddings were analysed: embed the tiles with `cloudorg embed`, "
                "then run `cloudorg analyse`."
            ),
            *(_diagnostics(campaign) if campaign.feature_sets else []),
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
        *_diagnostics(campaign),
    ]


def _dendrogram(campaign: Campaign, features: str) -> str:
    """The Ward dendrogram of the sample of tiles, an example tile under each leaf."""
    result = campaign.result(features, "dendrogram").rename({SAMPLE: "tile"})
    tiles = campaign.table.sel(tile=result["tile"].values)
    n = result.sizes["tile"]
    return figure(
        plot_dendrogram(result, tiles=tiles, scenes=campaign.scenes),
        f"Ward hierarchical clustering of {n} tiles drawn at random ({features}), cut into "
        "K clusters, with a tile of each leaf (as in Denby 2020)",
    )


def clusters_section(campaign: Campaign) -> list[str]:
    """Clusters: K, silhouette and stability by K, a map, example tiles, the dendrogram."""
    body = [
        paragraph(
            "k-means groups the tiles of each feature set into K clusters. The mean "
            "silhouette (how much closer a tile is to its own cluster than to the next) and "
            "the stability (how alike the clusters of resampled scenes are, adjusted Rand "
            "index) of each K say which numbers of clusters the data support."
        )
    ]
    if campaign.table is None:
        return body
    scene = int(campaign.table["scene_index"].values[0]) if campaign.table.sizes["tile"] else 0
    for features in campaign.feature_sets:
        clusters = campaign.result(features, "kmeans")["cluster"]
        k = int(campaign.analysis["k"].sel(features=features))
        curve = campaign.result(features, "k_choice")
        stability = float(curve["stability"].sel(k=k)) if k in curve["k"] else float("nan")
        body.append(f"<h3>{features}</h3>")
        body.append(
            paragraph(
                f"K = {k} (stability {stability:.2f}); the silhouette is highest for K = "
                f"{int(curve.attrs['k_silhouette'])}."
            )
        )
        body.append(
            figure(
                plot_silhouette_curve(curve),
                f"Mean silhouette and stability (mean ± standard deviation over "
                f"{curve.attrs['n_resamples']} resamples of scenes) by K ({features})",
            )
        )
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
        body.append(_dendrogram(campaign, features))
    return body


_SCORES = ["features", "tiles scored", "scenes", "NMI", "95 % interval", "chance (mean)",
           "chance (95 %)", "p-value", "K"]  # fmt: skip


def scores_section(campaign: Campaign) -> list[str]:
    """Scores: NMI with its interval and chance level, confusion matrices, silhouettes."""
    a = campaign.analysis
    if a is None:
        return [note("No analysis: there are no clusters to score.")]
    if campaign.labels is None:
        return [
            note(
                "The tiles have no labels, so the clusters cannot be scored: give a label "
                "file (`cloudorg analyse --labels FILE`: a class per scene, boxes with times, "
                "the Zooniverse CSV, a label raster or Kaggle masks), or analyse a store with "
                "a ground-truth pattern."
            )
        ]
    rows = []
    for f in campaign.feature_sets:
        row = a.sel(features=f)
        rows.append((f, int(row.n_tiles_scored), int(row.n_scenes_scored), float(row.nmi),
                     f"{float(row.nmi_low):.3f} – {float(row.nmi_high):.3f}",
                     float(row.nmi_chance), float(row.nmi_chance_p95), float(row.nmi_p_value),
                     int(row.k)))  # fmt: skip
    body = [
        paragraph(
            "The normalised mutual information (NMI, see Methods) measures how much the "
            "clusters tell about the labelled classes: 0 for independent, 1 for identical "
            "partitions. Its 95 % interval comes from resampling whole scenes "
            f"({a.attrs['n_bootstrap']} resamples), since tiles of one scene are not "
            "independent; the chance level is the NMI of the same clusters with the labels "
            f"permuted among the tiles of each scene ({a.attrs['n_permutations']} "
            "permutations: mean and 95th percentile), and the p-value the share of "
            "permutations that reach the observed NMI."
        ),
        table(_SCORES, rows),
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
                "Silhouettes of the standardised cloud-metric space (as in Janssens et al. "
                "2021): how well the classes, and the clusters of each feature set, separate "
                "the tiles' metrics."
            )
        )
        body.append(table(["clusters of", "by class", "by cluster"], rows))
    return body


def scale_section(campaign: Campaign) -> list[str]:
    """The scale study, when the store holds one: tiles scored and NMI by tile size."""
    study = campaign.scale_study
    if study is None:
        return [
            note(
                "No scale study in the store: add `analysis: {scales: [64, 128, 256]}` to "
                "run.yaml (cloudorg run), or call cloudorg.analysis.store_scale_study."
            )
        ]
    header = ["tile size (px)", "tiles scored", *CLASSES, "PC1 ratio", "PC2 ratio", "NMI",
              "95 % interval", "chance"]  # fmt: skip
    rows = []
    for size in study.scale.values:
        one = study.sel(scale=size)
        scored = one["n_scored"] if "n_scored" in one else one["n_tiles"]
        interval = (f"{float(one.nmi_low):.3f} – {float(one.nmi_high):.3f}"
                    if "nmi_low" in one else "")  # fmt: skip
        chance = float(one.nmi_chance) if "nmi_chance" in one else float("nan")
        rows.append((int(size), int(scored), *one.n_per_class.values.tolist(),
                     *one.explained_variance_ratio.values.tolist(), float(one.nmi), interval,
                     chance))  # fmt: skip
    return [
        paragraph(
            "The clusters of the embeddings at several tile sizes, scored against the labels: "
            "the tiles scored (with a class and a cluster) per class, the variance ratio of "
            "the first two principal components, and the NMI with its 95 % interval "
            "(scenes resampled) and chance level (labels permuted within scenes)."
        ),
        table(header, rows),
        figure(
            plot_nmi_vs_scale(study),
            "NMI of the clusters against the classes by tile size: the 95 % interval "
            "(blue band), the chance level (grey band: 2.5-97.5 % of the permutations) and "
            "the tiles scored (bars)",
        ),
    ]


def methods(campaign: Campaign) -> list[str]:
    """Methods and references: the equations and the papers the analysis follows."""
    a = campaign.analysis
    if a is None:
        return methods_section("", 0.5, 0, 0)
    return methods_section(str(a.attrs.get("label_source", "")),
                           float(a.attrs.get("min_coverage", 0.5)),
                           int(a.attrs.get("n_bootstrap", 0)),
                           int(a.attrs.get("n_permutations", 0)))  # fmt: skip
