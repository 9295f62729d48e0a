"""Every figure renders to a non-blank PNG; maps put the right colour on the right tile."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from cloudorg import plots
from cloudorg.analysis import (
    confusion_matrix,
    kmeans,
    labelled_vs_unlabelled,
    metric_pca,
    metric_summary,
    pca,
    scale_study,
    ward,
)
from cloudorg.errors import ConfigError
from cloudorg.io.labels import CLASS_COLOURS
from cloudorg.synthetic import example_embeddings, example_metrics, example_tiles


@pytest.fixture(scope="module")
def inputs() -> dict[str, xr.Dataset | xr.DataArray]:
    embeddings, labels = example_embeddings(20, seed=0)
    tiles, scenes = example_tiles(80, tile_size=12)
    return {
        "embeddings": embeddings,
        "labels": labels,
        "tiles": tiles,
        "scenes": scenes,
        "pca": pca(embeddings),
        "kmeans": kmeans(embeddings, k="auto", k_range=range(2, 7)),
        "ward": ward(embeddings, k=4),
        "metrics": example_metrics(labels),
    }


FIGURES: dict[str, Callable[[dict], Figure]] = {
    "cluster_map": lambda i: plots.plot_cluster_map(i["kmeans"].cluster, i["tiles"], i["scenes"]),
    "class_map": lambda i: plots.plot_cluster_map(i["labels"], i["tiles"], i["scenes"], scene=2),
    "component_map": lambda i: plots.plot_component_map(i["pca"], i["tiles"], i["scenes"]),
    "examples": lambda i: plots.plot_cluster_examples(i["kmeans"].cluster, i["tiles"], i["scenes"]),
    "dendrogram": lambda i: plots.plot_dendrogram(i["ward"], tiles=i["tiles"], scenes=i["scenes"]),
    "dendrogram_alone": lambda i: plots.plot_dendrogram(i["ward"]),
    "pc_scatter_kde": lambda i: plots.plot_pc_scatter(i["pca"], i["labels"]),
    "pc_scatter_hist": lambda i: plots.plot_pc_scatter(
        i["pca"], i["kmeans"].cluster, density="hist", components=(2, 3)
    ),
    "confusion": lambda i: plots.plot_confusion(confusion_matrix(i["labels"], i["kmeans"].cluster)),
    "silhouette": lambda i: plots.plot_silhouette_curve(i["kmeans"]),
    "metric_summary": lambda i: plots.plot_metric_summary(
        metric_summary(i["metrics"], i["ward"].cluster)
    ),
    "metric_biplot": lambda i: plots.plot_metric_biplot(metric_pca(i["metrics"]), i["labels"]),
    "nmi_vs_scale": lambda i: plots.plot_nmi_vs_scale(
        scale_study({64: example_embeddings(10, separation=1.0), 128: example_embeddings(10)})
    ),
    "group_distributions": lambda i: plots.plot_group_distributions(
        labelled_vs_unlabelled(i["embeddings"], i["labels"].where(i["labels"] != 2, 0))
    ),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_figure_is_written_and_not_blank(name, inputs, tmp_path):
    figure = FIGURES[name](inputs)
    assert isinstance(figure, Figure)
    path = tmp_path / f"{name}.png"
    figure.savefig(path, dpi=50)
    pixels = mpimg.imread(path)[..., :3]
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels.var() > 1e-3


def _pixel(figure: Figure, x: float, y: float) -> np.ndarray:
    """RGB of the rendered figure at data coordinates of its first axes."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3] / 255.0
    col, row = figure.axes[0].transData.transform((x, y))
    return image[image.shape[0] - round(row), round(col)]


def test_tiles_are_coloured_on_their_grid_position(inputs):
    tiles, scenes = inputs["tiles"], inputs["scenes"]
    grey = scenes.copy(data={"rgb": np.full_like(scenes.rgb.values, 128)})
    labels = xr.DataArray(np.tile([1, 2, 3, 4], 20), dims="tile")
    labels.attrs.update(inputs["labels"].attrs)
    figure = plots.plot_cluster_map(labels, tiles, grey, scene=1, alpha=1.0)
    for tile in (20, 27, 33):  # tiles of scene 1, centres at row0/col0 + 6
        centre = (int(tiles.col0[tile]) + 6, int(tiles.row0[tile]) + 6)
        expected = to_rgb(CLASS_COLOURS[["Sugar", "Gravel", "Fish", "Flower"][tile % 4]])
        np.testing.assert_allclose(_pixel(figure, *centre), expected, atol=0.02)


def test_greyscale_backgrounds_and_unclustered_tiles(inputs):
    tiles = inputs["tiles"]
    grey = xr.Dataset(
        {"reflectance_0p64": (("scene", "y", "x"), inputs["scenes"].rgb.values[:, 0] * 0.3)}
    )
    clusters = inputs["kmeans"].cluster.copy()
    clusters[:10] = -1
    figure = plots.plot_cluster_map(clusters, tiles, grey, image="reflectance_0p64", alpha=1.0)
    inside = _pixel(figure, int(tiles.col0[0]) + 6, int(tiles.row0[0]) + 6)
    assert np.allclose(inside, inside[0])  # grey scene shows through the unclustered tile


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda i: plots.plot_cluster_map(
                i["kmeans"].cluster, i["tiles"].drop_attrs(), i["scenes"]
            ),
            "tile_size",
        ),
        (
            lambda i: plots.plot_cluster_map(i["kmeans"].cluster, i["tiles"], i["scenes"], scene=9),
            "scene: index 9",
        ),
        (
            lambda i: plots.plot_cluster_map(
                i["kmeans"].cluster, i["tiles"], i["scenes"], image="ir"
            ),
            "variable 'ir'",
        ),
        (
            lambda i: plots.plot_component_map(
                i["pca"], i["tiles"], i["scenes"], components=(1, 40)
            ),
            r"\[40\] not among",
        ),
        (lambda i: plots.plot_silhouette_curve(i["ward"]), 'k="auto"'),
        (lambda i: plots.plot_pc_scatter(i["pca"], density="violin"), "density"),
        (lambda i: plots.plot_pc_scatter(i["kmeans"]), "expected a pca result"),
        (lambda i: plots.plot_dendrogram(i["kmeans"]), "expected a ward result"),
        (lambda i: plots.plot_group_distributions(i["pca"]), "labelled_vs_unlabelled"),
        (lambda i: plots.plot_confusion(i["pca"]), "confusion_matrix"),
    ],
)
def test_figure_errors_name_the_argument(call, message, inputs):
    with pytest.raises(ConfigError, match=message):
        call(inputs)
