"""Tiles coloured on the grid of their scene (report figures 13, 15 and 23).

Examples
--------
>>> from cloudorg.analysis import kmeans
>>> from cloudorg.synthetic.analysis import example_embeddings, example_tiles
>>> embeddings, labels = example_embeddings(5)
>>> tiles, scenes = example_tiles(20)
>>> plot_cluster_map(kmeans(embeddings).cluster, tiles, scenes).axes[0].get_title()
'clusters on scene 2020-02-01T14:00:00'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from cloudorg.analysis.checks import tile_values
from cloudorg.analysis.groupings import groups_of
from cloudorg.errors import ConfigError
from cloudorg.plots._images import check_tiles, scene_image
from cloudorg.plots._style import group_colours, new_figure

__all__ = ["plot_cluster_map", "plot_component_map"]


def _scene_axes(
    ax: Axes, tiles: xr.Dataset, scenes: xr.Dataset, scene: int, image: str
) -> tuple[np.ndarray, PatchCollection]:
    """Draw the scene; return its tiles' positions and their (uncoloured) rectangles."""
    size = check_tiles(tiles)
    picture = scene_image(scenes, scene, image)
    ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None, vmin=0, vmax=1)
    chosen = np.flatnonzero(tiles["scene_index"].values == scene)
    if chosen.size == 0:
        raise ConfigError(f"scene: no tile of the tile table lies on scene {scene}")
    rectangles = [
        Rectangle((c - 0.5, r - 0.5), size, size)
        for r, c in zip(tiles["row0"].values[chosen], tiles["col0"].values[chosen], strict=True)
    ]
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")
    return chosen, PatchCollection(rectangles, edgecolor="white", linewidth=0.3)


def _scene_name(scenes: xr.Dataset, scene: int) -> str:
    if "scene" not in scenes.coords:
        return str(scene)
    value = scenes["scene"].values[scene]
    return (
        np.datetime_as_string(value, unit="s")
        if np.issubdtype(value.dtype, np.datetime64)
        else str(value)
    )


def plot_cluster_map(
    clusters: xr.DataArray,
    tiles: xr.Dataset,
    scenes: xr.Dataset,
    *,
    scene: int = 0,
    image: str = "rgb",
    alpha: float = 0.45,
) -> Figure:
    """Cluster (or class) of each tile drawn over its scene (figure 13).

    Parameters
    ----------
    clusters : xarray.DataArray
        Per-tile cluster ids (e.g. ``kmeans(...).cluster``), or class labels (recognised
        by their ``flag_meanings``), along the tiles of ``tiles``.
    tiles : xarray.Dataset
        Tile table: ``scene_index``, ``row0``, ``col0`` along ``tile``, attr ``tile_size``.
    scenes : xarray.Dataset
        Scenes the tiles were cut from, holding ``image``.
    scene : int, default 0
        Position of the scene along ``scene`` (the tiles' ``scene_index``).
    image : str, default "rgb"
        Background: ``(scene, band, y, x)`` RGB or ``(scene, y, x)`` greyscale variable.
    alpha : float, default 0.45
        Opacity of the tile colours.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import xarray as xr
    >>> from cloudorg.synthetic.analysis import example_tiles
    >>> tiles, scenes = example_tiles(3, tile_size=8)
    >>> fig = plot_cluster_map(xr.DataArray([0, 1, 1], dims="tile"), tiles, scenes)
    >>> len(fig.axes[0].get_legend().get_texts())
    2
    """
    groups = groups_of(clusters, tiles, "clusters")
    colours = np.array([*group_colours(groups.dim, groups.names), "none"])
    fig = new_figure(8, 6)
    ax = fig.subplots()
    chosen, patches = _scene_axes(ax, tiles, scenes, scene, image)
    index = groups.index[chosen]
    patches.set_facecolor(colours[index])  # -1 (no cluster) picks "none": transparent
    patches.set_alpha(alpha)
    ax.add_collection(patches)
    present = np.unique(index[index >= 0])
    ax.legend(
        handles=[Patch(color=colours[g], label=groups.names[g]) for g in present],
        title=groups.dim,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
    )
    plural = {"class": "classes", "cluster": "clusters"}.get(groups.dim, "groups")
    ax.set_title(f"{plural} on scene {_scene_name(scenes, scene)}")
    return fig


def plot_component_map(
    result: xr.Dataset,
    tiles: xr.Dataset,
    scenes: xr.Dataset,
    *,
    scene: int = 0,
    components: Sequence[int] = (1, 2),
    image: str = "rgb",
    alpha: float = 0.6,
    cmap: str = "viridis",
) -> Figure:
    """Principal component scores as heat maps over a scene, one panel per component.

    Figures 15 and 23; the titles give each component's explained-variance ratio.

    Parameters
    ----------
    result : xarray.Dataset
        A :func:`~cloudorg.analysis.pca` result (``scores``, ``explained_variance_ratio``)
        over the tiles of ``tiles``.
    tiles, scenes, scene, image, alpha
        As for :func:`plot_cluster_map`.
    components : sequence of int, default (1, 2)
        Components drawn (numbered from 1).
    cmap : str, default "viridis"
        Colour map of the scores.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cloudorg.analysis import pca
    >>> from cloudorg.synthetic.analysis import example_embeddings, example_tiles
    >>> tiles, scenes = example_tiles(20)
    >>> fig = plot_component_map(pca(example_embeddings(5)[0]), tiles, scenes)
    >>> [ax.get_title()[:3] for ax in fig.axes[:2]]
    ['PC1', 'PC2']
    """
    if not isinstance(result, xr.Dataset) or "scores" not in result:
        raise ConfigError("result: expected a pca result with 'scores'")
    missing = [c for c in components if c not in result["component"].values]
    if missing or not components:
        raise ConfigError(f"components: {missing or 'none'} not among the result's components")
    scores = result["scores"]
    fig = new_figure(6.5 * len(components), 5.5)
    for ax, component in zip(
        fig.subplots(1, len(components), squeeze=False)[0], components, strict=True
    ):
        values = tile_values(scores.sel(component=component), tiles, "result.scores")
        chosen, patches = _scene_axes(ax, tiles, scenes, scene, image)
        shown = np.ma.masked_invalid(values[chosen])
        patches.set_array(shown)
        patches.set_cmap(cmap)
        patches.set_norm(Normalize(np.nanmin(values), np.nanmax(values)))
        patches.set_alpha(alpha)
        ax.add_collection(patches)
        fig.colorbar(patches, ax=ax, shrink=0.8, label=f"PC{component} score")
        ratio = float(result["explained_variance_ratio"].sel(component=component))
        ax.set_title(f"PC{component} (explained variance {ratio:.3f})")
    fig.suptitle(f"scene {_scene_name(scenes, scene)}")
    return fig
