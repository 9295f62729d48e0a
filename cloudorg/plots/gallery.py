"""Example tiles of each cluster, and the Ward dendrogram with a tile per leaf.

Report figures 11, 21, 22 and 34 (tiles per cluster) and section 3.1.1 / figure 37's
hierarchical clusters (dendrogram).

Examples
--------
>>> from cloudorg.analysis import ward
>>> from cloudorg.synthetic.analysis import example_embeddings, example_tiles
>>> tiles, scenes = example_tiles(20)
>>> fig = plot_dendrogram(ward(example_embeddings(5)[0]), tiles=tiles, scenes=scenes)
>>> len(fig.axes)
5
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import dendrogram

from cloudorg.analysis.checks import check_int, check_seed
from cloudorg.analysis.clustering import dendrogram_leaves
from cloudorg.analysis.groupings import groups_of
from cloudorg.errors import ConfigError
from cloudorg.plots._images import check_tiles, show, tile_image
from cloudorg.plots._style import group_colours, new_figure

__all__ = ["plot_cluster_examples", "plot_dendrogram"]


def plot_cluster_examples(
    clusters: xr.DataArray,
    tiles: xr.Dataset,
    scenes: xr.Dataset,
    *,
    n_examples: int = 6,
    image: str = "rgb",
    seed: int = 0,
) -> Figure:
    """A grid of example tiles: one row per cluster (or class), drawn at random.

    Parameters
    ----------
    clusters : xarray.DataArray
        Per-tile cluster ids or class labels along the tiles of ``tiles``.
    tiles : xarray.Dataset
        Tile table (``scene_index``, ``row0``, ``col0``, attr ``tile_size``).
    scenes : xarray.Dataset
        Scenes holding ``image``.
    n_examples : int, default 6
        Tiles per row (fewer when a cluster is smaller).
    image : str, default "rgb"
        RGB ``(scene, band, y, x)`` or greyscale ``(scene, y, x)`` variable.
    seed : int, default 0
        Seed of the draw.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import xarray as xr
    >>> from cloudorg.synthetic.analysis import example_tiles
    >>> tiles, scenes = example_tiles(6)
    >>> fig = plot_cluster_examples(xr.DataArray([0, 0, 0, 1, 1, 2], dims="tile"), tiles, scenes,
    ...                             n_examples=3)
    >>> len(fig.axes)
    9
    """
    n_examples = check_int(n_examples, "n_examples", 1)
    rng = np.random.default_rng(check_seed(seed))
    check_tiles(tiles)
    groups = groups_of(clusters, tiles, "clusters")
    colours = group_colours(groups.dim, groups.names)
    size = len(groups.names)
    if size == 0:
        raise ConfigError("clusters: no tile has a cluster")
    fig = new_figure(1.6 * n_examples, 1.7 * size)
    axes = fig.subplots(size, n_examples, squeeze=False)
    for g, row in enumerate(axes):
        members = np.flatnonzero(groups.index == g)
        drawn = np.sort(rng.choice(members, min(n_examples, members.size), replace=False))
        for ax, tile in zip(row, drawn, strict=False):
            show(ax, tile_image(tiles, scenes, int(tile), image))
        for ax in row[drawn.size :]:
            ax.set_axis_off()
        row[0].set_ylabel(f"{groups.names[g]}\n(n={members.size})", color=colours[g])
    fig.suptitle(f"example tiles per {groups.dim}")
    return fig


def plot_dendrogram(
    result: xr.Dataset,
    *,
    tiles: xr.Dataset | None = None,
    scenes: xr.Dataset | None = None,
    image: str = "rgb",
    seed: int = 0,
) -> Figure:
    """The Ward dendrogram cut into its K clusters, with an example tile under each leaf.

    Parameters
    ----------
    result : xarray.Dataset
        A :func:`~cloudorg.analysis.ward` or :func:`~cloudorg.analysis.ward_sample`
        result (``linkage``, ``cluster``, attr ``k``).
    tiles, scenes : xarray.Dataset, optional
        Tile table of the tiles of ``result`` (the same tiles, in order) and the scenes;
        when both are given a random tile under each leaf is drawn below it.
    image : str, default "rgb"
        Image variable of ``scenes``.
    seed : int, default 0
        Seed of the example draw.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import xarray as xr
    >>> from cloudorg.analysis import ward
    >>> x = xr.DataArray([[0.0], [0.3], [4.0], [4.2], [9.0]], dims=("tile", "embedding"))
    >>> fig = plot_dendrogram(ward(x, k=3))
    >>> [t.get_text().split() for t in fig.axes[0].get_xticklabels()]
    [['cluster', '2', '(n=1)'], ['cluster', '0', '(n=2)'], ['cluster', '1', '(n=2)']]
    """
    leaves = dendrogram_leaves(result)
    rng = np.random.default_rng(check_seed(seed))
    k = len(leaves)
    with_tiles = tiles is not None and scenes is not None
    fig = new_figure(max(6.0, 1.5 * k), 6.0 if with_tiles else 4.5)
    grid = fig.add_gridspec(2 if with_tiles else 1, k, height_ratios=[3, 1] if with_tiles else [1])
    ax = fig.add_subplot(grid[0, :])
    labels = iter([f"cluster {c}\n(n={members.size})" for c, members in leaves])
    dendrogram(
        result["linkage"].values,
        truncate_mode="lastp",
        p=k,
        ax=ax,
        leaf_label_func=lambda _: next(labels),
        leaf_rotation=0,
        link_color_func=lambda _: "0.3",
    )
    colours = group_colours("cluster", [str(c) for c in range(k)])
    for text, (cluster, _) in zip(ax.get_xticklabels(), leaves, strict=True):
        text.set_color(colours[cluster % len(colours)])
    ax.set_ylabel("Ward distance")
    n_sampled = result.attrs.get("n_tiles_sampled_from")
    sample = f" ({result.sizes['tile']} of {n_sampled} tiles)" if n_sampled else ""
    ax.set_title(f"Ward hierarchical clustering{sample}, cut into {k} clusters")
    if with_tiles:
        for i, (_, members) in enumerate(leaves):
            tile_ax = fig.add_subplot(grid[1, i])
            show(tile_ax, tile_image(tiles, scenes, int(rng.choice(members)), image))
    return fig
