"""Figures of the analyses (report sections 6–10), of the labels and of the models, each
one call returning a Figure.

Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot state;
rendered with Agg), so they are safe in scripts, workers and tests; save them with
``fig.savefig(path)``. Classes keep the colours of :data:`cloudorg.io.labels.CLASS_COLOURS`;
clusters take ``tab10`` (``tab20`` beyond ten) in the order of their ids.

| figure of the report | function |
| --- | --- |
| 11, 21, 22, 34a–b: example tiles per cluster | :func:`plot_cluster_examples` |
| 12, 17, 34c–d: confusion matrices | :func:`plot_confusion` |
| 13: clusters over a scene | :func:`plot_cluster_map` |
| 15, 23: principal components over a scene | :func:`plot_component_map` |
| 14, 16b, 24, 33: PC scatter with densities | :func:`plot_pc_scatter` |
| 16a: silhouette curve | :func:`plot_silhouette_curve` |
| 3, 37: dendrogram with example tiles | :func:`plot_dendrogram` |
| 35: NMI against tile size | :func:`plot_nmi_vs_scale` |
| 37: metrics per cluster | :func:`plot_metric_summary` |
| 38: metric PCA biplot | :func:`plot_metric_biplot` |
| 39: labelled vs unlabelled tiles | :func:`plot_group_distributions` |
| scenes and their ground truth | :func:`plot_scenes` |
| 9: biggest class per image | :func:`plot_biggest_class_coverage` |
| 10: coverage per class | :func:`plot_class_coverage` |
| 20: training curves | :func:`plot_history` |
| classifier confusion matrix, precision and recall | :func:`plot_classification` |
| 44: autoencoder reconstructions | :func:`plot_reconstructions` |
| Grad-CAM overlays, feature maps | :func:`plot_gradcam`, :func:`plot_feature_maps` |

Examples
--------
>>> from cloudorg.analysis import kmeans, pca
>>> from cloudorg.synthetic.analysis import example_embeddings
>>> from cloudorg.plots import plot_pc_scatter
>>> embeddings, labels = example_embeddings(10)
>>> fig = plot_pc_scatter(pca(embeddings), kmeans(embeddings).cluster)
>>> type(fig).__name__
'Figure'
"""

from __future__ import annotations

from cloudorg.plots.gallery import plot_cluster_examples, plot_dendrogram
from cloudorg.plots.gradcam import plot_feature_maps, plot_gradcam
from cloudorg.plots.labels import plot_biggest_class_coverage, plot_class_coverage
from cloudorg.plots.maps import plot_cluster_map, plot_component_map
from cloudorg.plots.models import plot_classification, plot_reconstructions
from cloudorg.plots.scatter import plot_group_distributions, plot_metric_biplot, plot_pc_scatter
from cloudorg.plots.scenes import plot_scenes
from cloudorg.plots.scores import (
    plot_confusion,
    plot_metric_summary,
    plot_nmi_vs_scale,
    plot_silhouette_curve,
)
from cloudorg.plots.training import plot_history

__all__ = [
    "plot_biggest_class_coverage",
    "plot_class_coverage",
    "plot_classification",
    "plot_cluster_examples",
    "plot_cluster_map",
    "plot_component_map",
    "plot_confusion",
    "plot_dendrogram",
    "plot_feature_maps",
    "plot_gradcam",
    "plot_group_distributions",
    "plot_history",
    "plot_metric_biplot",
    "plot_metric_summary",
    "plot_nmi_vs_scale",
    "plot_pc_scatter",
    "plot_reconstructions",
    "plot_scenes",
    "plot_silhouette_curve",
]
