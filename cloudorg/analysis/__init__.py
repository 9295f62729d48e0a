"""Analyses of embeddings and cloud metrics: PCA, clustering, NMI, scale study, label comparison.

Every analysis of the report (sections 6–10) is one call taking and returning xarray
objects (see ``docs/analysis.md``):

- :func:`pca`, :func:`kmeans` (K forced or by silhouette), :func:`ward` (dendrogram and
  K cut; :func:`ward_sample` and :func:`dendrogram_leaves` for a campaign); their
  results are fitted models for :func:`apply_model` (fit on one data set, use on
  another) and :func:`save_model` / :func:`load_model` (``.npz`` of plain arrays, no
  pickle); :func:`k_stability` (silhouette and bootstrap stability of every K);
- :func:`nmi` (equation 4), :func:`contingency_table`, :func:`confusion_matrix`;
  :func:`nmi_interval` (bootstrap over scenes) and :func:`nmi_chance` (labels permuted
  within scenes);
- the space itself: :func:`participation_ratio` (effective dimension),
  :func:`triplet_distance_ratio`, :func:`neighbour_agreement`;
- tile labels: :func:`table_labels` and :func:`source_labels` (any label file);
- the metric space: :func:`metric_matrix` (rule for NaN: :data:`MISSING_POLICIES`),
  :func:`metric_pca`, :func:`metric_silhouettes` (Table 2), :func:`metric_summary`
  (figure 37);
- :func:`scale_study` (Table 1, figure 35);
- :func:`two_sample_test` and :func:`labelled_vs_unlabelled` (section 10);
- for a campaign store, :func:`analyse` (written into the store as ``analysis/<tiling>``,
  read with :func:`open_analysis` and :func:`analysis_result`) and
  :func:`store_scale_study` (module :mod:`cloudorg.analysis.campaign`).

Public names are imported on first use, so that the ``cloudorg`` command, which registers
the ``analyse`` and ``report`` commands, starts without scikit-learn and the rest.

Examples
--------
>>> from cloudorg.analysis import kmeans, nmi
>>> from cloudorg.synthetic.analysis import example_embeddings
>>> embeddings, labels = example_embeddings(n_per_class=20, seed=0)
>>> nmi(labels, kmeans(embeddings, k=4).cluster)
1.0
"""

# The imports under TYPE_CHECKING list the exports for type checkers and the API docs.
# ruff: noqa: F401

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudorg._lazy import lazy_exports

if TYPE_CHECKING:
    from cloudorg.analysis.campaign import (
        analyse,
        analysis_result,
        open_analysis,
        open_scale_study,
        store_scale_study,
    )
    from cloudorg.analysis.clustering import (
        DEFAULT_K_RANGE,
        dendrogram_leaves,
        kmeans,
        ward,
        ward_sample,
    )
    from cloudorg.analysis.decomposition import pca
    from cloudorg.analysis.diagnostics import (
        neighbour_agreement,
        participation_ratio,
        triplet_distance_ratio,
    )
    from cloudorg.analysis.features import MISSING_POLICIES, metric_matrix
    from cloudorg.analysis.fitted import (
        MODEL_KINDS,
        ModelFileError,
        apply_model,
        load_model,
        save_model,
    )
    from cloudorg.analysis.metric_space import metric_pca, metric_silhouettes, metric_summary
    from cloudorg.analysis.scales import scale_study
    from cloudorg.analysis.scores import AVERAGE_METHODS, confusion_matrix, contingency_table, nmi
    from cloudorg.analysis.stability import k_stability
    from cloudorg.analysis.tile_classes import source_labels, table_labels
    from cloudorg.analysis.two_sample import labelled_vs_unlabelled, two_sample_test
    from cloudorg.analysis.uncertainty import nmi_chance, nmi_interval

_EXPORTS = {
    "DEFAULT_K_RANGE": "clustering",
    "dendrogram_leaves": "clustering",
    "kmeans": "clustering",
    "ward": "clustering",
    "ward_sample": "clustering",
    "pca": "decomposition",
    "neighbour_agreement": "diagnostics",
    "participation_ratio": "diagnostics",
    "triplet_distance_ratio": "diagnostics",
    "MISSING_POLICIES": "features",
    "metric_matrix": "features",
    "source_labels": "tile_classes",
    "table_labels": "tile_classes",
    "metric_pca": "metric_space",
    "metric_silhouettes": "metric_space",
    "metric_summary": "metric_space",
    "MODEL_KINDS": "fitted",
    "ModelFileError": "fitted",
    "apply_model": "fitted",
    "load_model": "fitted",
    "save_model": "fitted",
    "scale_study": "scales",
    "AVERAGE_METHODS": "scores",
    "confusion_matrix": "scores",
    "contingency_table": "scores",
    "nmi": "scores",
    "k_stability": "stability",
    "labelled_vs_unlabelled": "two_sample",
    "two_sample_test": "two_sample",
    "nmi_chance": "uncertainty",
    "nmi_interval": "uncertainty",
    "analyse": "campaign",
    "analysis_result": "campaign",
    "open_analysis": "campaign",
    "open_scale_study": "campaign",
    "store_scale_study": "campaign",
}
"""Public names and their modules (as imported above for type checkers)."""

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
