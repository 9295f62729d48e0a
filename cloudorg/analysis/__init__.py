"""Analyses of embeddings and cloud metrics: PCA, clustering, NMI, scale study, label comparison.

Every analysis of the report (sections 6–10) is one call taking and returning xarray
objects (see ``docs/analysis.md``):

- :func:`pca`, :func:`kmeans` (K forced or by silhouette), :func:`ward` (dendrogram and
  K cut); their results are fitted models for :func:`apply_model` (fit on one data
  set, use on another) and :func:`save_model` / :func:`load_model` (``.npz`` of plain
  arrays, no pickle);
- :func:`nmi` (equation 4), :func:`contingency_table`, :func:`confusion_matrix`;
- the metric space: :func:`metric_matrix`, :func:`metric_pca`,
  :func:`metric_silhouettes` (Table 2), :func:`metric_summary` (figure 37);
- :func:`scale_study` (Table 1, figure 35);
- :func:`two_sample_test` and :func:`labelled_vs_unlabelled` (section 10).

Examples
--------
>>> from cloudorg.analysis import kmeans, nmi
>>> from cloudorg.analysis.examples import example_embeddings
>>> embeddings, labels = example_embeddings(n_per_class=20, seed=0)
>>> nmi(labels, kmeans(embeddings, k=4).cluster)
1.0
"""

from __future__ import annotations

from cloudorg.analysis.clustering import DEFAULT_K_RANGE, kmeans, ward
from cloudorg.analysis.decomposition import pca
from cloudorg.analysis.examples import example_embeddings, example_metrics, example_tiles
from cloudorg.analysis.features import metric_matrix
from cloudorg.analysis.metric_space import metric_pca, metric_silhouettes, metric_summary
from cloudorg.analysis.models import (
    MODEL_KINDS,
    ModelFileError,
    apply_model,
    load_model,
    save_model,
)
from cloudorg.analysis.scale_study import scale_study
from cloudorg.analysis.scores import AVERAGE_METHODS, confusion_matrix, contingency_table, nmi
from cloudorg.analysis.two_sample import labelled_vs_unlabelled, two_sample_test

__all__ = [
    "AVERAGE_METHODS",
    "DEFAULT_K_RANGE",
    "MODEL_KINDS",
    "ModelFileError",
    "apply_model",
    "confusion_matrix",
    "contingency_table",
    "example_embeddings",
    "example_metrics",
    "example_tiles",
    "kmeans",
    "labelled_vs_unlabelled",
    "load_model",
    "metric_matrix",
    "metric_pca",
    "metric_silhouettes",
    "metric_summary",
    "nmi",
    "pca",
    "save_model",
    "scale_study",
    "two_sample_test",
    "ward",
]
