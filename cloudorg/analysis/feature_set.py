"""Everything the analysis of a campaign computes for one feature set (embeddings or metrics).

:func:`analyse_feature_set` fits the PCA, chooses K (silhouette and stability,
:func:`~cloudorg.analysis.k_stability`), fits k-means and a Ward tree of a sample of the
tiles (the dendrogram), describes the space (effective dimension, triplet distances,
nearest-neighbour agreement with the labels) and, with labels, scores the clusters: NMI
with a confidence interval from a bootstrap over scenes and a chance level from labels
permuted within scenes, confusion matrix, silhouettes of the metric space.

Examples
--------
>>> sorted(SUMMARY)[:4]
['effective_dimension', 'k', 'k_silhouette', 'n_scenes_scored']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from threadpoolctl import threadpool_limits

from cloudorg.analysis.checks import TILE
from cloudorg.analysis.clustering import DEFAULT_K_RANGE, K, kmeans, ward_sample
from cloudorg.analysis.decomposition import pca
from cloudorg.analysis.diagnostics import (
    neighbour_agreement,
    participation_ratio,
    triplet_distance_ratio,
)
from cloudorg.analysis.metric_space import metric_silhouettes, metric_summary
from cloudorg.analysis.scores import confusion_matrix
from cloudorg.analysis.stability import k_stability
from cloudorg.analysis.uncertainty import nmi_chance, nmi_interval
from cloudorg.errors import ConfigError

__all__ = ["SUMMARY", "AnalysisOptions", "analyse_feature_set"]

N_COMPONENTS = 10
SAMPLE = "sample"
"""Dimension of the tiles of the dendrogram (a sample of the tiles; coordinate: their
tile numbers)."""

SUMMARY = {
    "k": "number of k-means clusters",
    "k_silhouette": "number of clusters with the highest mean silhouette",
    "nmi": "normalised mutual information of labels and clusters",
    "nmi_low": "lower end of the confidence interval of the NMI (bootstrap over scenes)",
    "nmi_high": "upper end of the confidence interval of the NMI (bootstrap over scenes)",
    "nmi_chance": "mean NMI of labels permuted within scenes",
    "nmi_chance_low": "2.5th percentile of the NMI of labels permuted within scenes",
    "nmi_chance_high": "97.5th percentile of the NMI of labels permuted within scenes",
    "nmi_chance_p95": "95th percentile of the NMI of labels permuted within scenes",
    "nmi_p_value": "share of within-scene permutations with an NMI at least the observed",
    "n_tiles_used": "tiles clustered (finite features)",
    "n_tiles_scored": "tiles scored (a class and a cluster)",
    "n_scenes_scored": "scenes with scored tiles",
    "effective_dimension": "participation ratio of the PCA spectrum",
    "pc1_variance_ratio": "variance ratio explained by the first principal component",
    "triplet_distance_ratio": "mean anchor-neighbour over mean anchor-distant distance",
    "triplet_neighbour_nearer": "share of triplets whose neighbour is nearer than the distant",
    "neighbour_agreement": "share of tiles whose nearest tile of another scene shares the class",
    "neighbour_agreement_chance": "class agreement of a random tile",
}
"""The per-feature-set summary of an analysis: variable and long name."""


@dataclass(frozen=True)
class AnalysisOptions:
    """The settings of an analysis (see :func:`cloudorg.analysis.campaign.analyse`).

    Examples
    --------
    >>> AnalysisOptions(k="auto").n_bootstrap
    1000
    """

    k: K = 4
    seed: int = 0
    n_bootstrap: int = 1000
    n_permutations: int = 200
    n_stability: int = 8
    dendrogram_tiles: int = 500


@dataclass(frozen=True)
class FeatureSetInputs:
    """What one feature set's analysis reads: the features, the tile table, the labels
    (None when unknown) and the raw metrics dataset (None without metrics)."""

    data: xr.DataArray
    table: xr.Dataset
    labels: xr.DataArray | None
    metrics: xr.Dataset | None
    missing: str


def _scored_row(
    inputs: FeatureSetInputs, clusters: xr.DataArray, options: AnalysisOptions
) -> tuple[dict[str, Any], xr.Dataset]:
    """The NMI, its interval and chance level, and the confusion matrix."""
    scenes = inputs.table["scene_index"]
    interval = nmi_interval(inputs.labels, clusters, scenes, n_resamples=options.n_bootstrap,
                            seed=options.seed)  # fmt: skip
    chance = nmi_chance(inputs.labels, clusters, scenes, n_permutations=options.n_permutations,
                        seed=options.seed)  # fmt: skip
    row = {name: float(interval[name]) for name in ("nmi", "nmi_low", "nmi_high")}
    row |= {name: float(chance[name]) for name in chance.data_vars if name != "p_value"}
    row |= {
        "nmi_p_value": float(chance["p_value"]),
        "n_tiles_scored": interval.attrs["n_tiles"],
        "n_scenes_scored": interval.attrs["n_scenes"],
    }
    return row, confusion_matrix(inputs.labels, clusters)


def _diagnostics(inputs: FeatureSetInputs, seed: int, notes: list[str], name: str) -> dict:
    row = {"effective_dimension": participation_ratio(inputs.data)}
    try:
        triplets = triplet_distance_ratio(inputs.data, inputs.table, seed=seed)
        row["triplet_distance_ratio"] = float(triplets["distance_ratio"])
        row["triplet_neighbour_nearer"] = float(triplets["neighbour_nearer"])
    except ConfigError as err:
        notes.append(f"no triplet distances ({name}): {err}")
    if inputs.labels is not None:
        try:
            agreement = neighbour_agreement(inputs.data, inputs.labels,
                                            inputs.table["scene_index"], seed=seed)  # fmt: skip
            row["neighbour_agreement"] = float(agreement["agreement"])
            row["neighbour_agreement_chance"] = float(agreement["chance"])
        except ConfigError as err:
            notes.append(f"no nearest-neighbour agreement ({name}): {err}")
    return row


def analyse_feature_set(
    name: str, inputs: FeatureSetInputs, options: AnalysisOptions
) -> tuple[dict[str, xr.Dataset], dict[str, Any], list[str]]:
    """Every result of one feature set, its row of the summary (:data:`SUMMARY`) and notes.

    Results (the parts of ``analysis/<tiling>``): ``pca``, ``k_choice`` (silhouette and
    stability by K), ``kmeans``, ``dendrogram`` (a :func:`~cloudorg.analysis.ward_sample`
    result along :data:`SAMPLE`); with labels ``confusion`` and, with metrics,
    ``silhouettes``; with metrics ``summary`` (the metrics by cluster). Runs in one thread.
    """
    with threadpool_limits(1):  # see cloudorg.analysis.stability: threads wait on each other
        return _analyse(name, inputs, options)


def _analyse(
    name: str, inputs: FeatureSetInputs, options: AnalysisOptions
) -> tuple[dict[str, xr.Dataset], dict[str, Any], list[str]]:
    seed = options.seed
    notes: list[str] = []
    results = {"pca": pca(inputs.data, n_components=N_COMPONENTS, seed=seed)}
    choice = k_stability(inputs.data, k_range=DEFAULT_K_RANGE, scenes=inputs.table["scene_index"],
                         n_resamples=options.n_stability, seed=seed)  # fmt: skip
    k = int(choice.attrs["k_silhouette"]) if options.k == "auto" else options.k
    results["k_choice"] = choice
    results["kmeans"] = kmeans(inputs.data, k, seed=seed)
    results["dendrogram"] = ward_sample(
        inputs.data, k, max_tiles=options.dendrogram_tiles, seed=seed
    ).rename({TILE: SAMPLE})
    clusters = results["kmeans"]["cluster"]
    ratio = results["pca"]["explained_variance_ratio"].values
    row: dict[str, Any] = dict.fromkeys(SUMMARY, np.nan)
    row |= {
        "k": k,
        "k_silhouette": int(choice.attrs["k_silhouette"]),
        "n_tiles_used": int(results["kmeans"].attrs["n_tiles_used"]),
        "n_tiles_scored": 0,
        "n_scenes_scored": 0,
        "pc1_variance_ratio": float(ratio[0]),
    }
    row |= _diagnostics(inputs, seed, notes, name)
    if inputs.labels is not None:
        scored, results["confusion"] = _scored_row(inputs, clusters, options)
        row |= scored
        if inputs.metrics is not None:
            try:
                results["silhouettes"] = metric_silhouettes(
                    inputs.metrics, inputs.labels, clusters, missing=inputs.missing,
                    sample_size=5000, seed=seed,
                )  # fmt: skip
            except ConfigError as err:  # e.g. a single class among the tiles
                notes.append(f"no silhouettes of the metric space ({name}): {err}")
    if inputs.metrics is not None:
        results["summary"] = metric_summary(inputs.metrics, clusters)
    return results, row, notes
