"""Scene images side by side, with their ground-truth pattern maps when known.

Examples
--------
>>> from cloudorg.synthetic.analysis import example_tiles
>>> _, scenes = example_tiles(40)
>>> len(plot_scenes(scenes, [0, 1]).axes)
2
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from cloudorg.errors import ConfigError
from cloudorg.io.labels import CLASSES
from cloudorg.plots._images import scene_image, show
from cloudorg.plots._style import NONE_COLOUR, group_colours, new_figure
from cloudorg.plots.maps import _scene_name

__all__ = ["plot_scenes"]


def plot_scenes(
    scenes: xr.Dataset,
    indices: Sequence[int] = (0,),
    *,
    image: str = "rgb",
    truth: str | None = "pattern",
) -> Figure:
    """Thumbnails of scenes, one column each, over their ground-truth class maps.

    Parameters
    ----------
    scenes : xarray.Dataset
        Scenes holding ``image`` (e.g. a store's ``open_scenes()``).
    indices : sequence of int, default (0,)
        Positions of the scenes along ``scene``.
    image : str, default "rgb"
        RGB ``(scene, band, y, x)`` (uint8, 0 = no data) or greyscale ``(scene, y, x)``.
    truth : str or None, default "pattern"
        Variable of class codes ``(scene, y, x)`` (0 clear, 1–4 Sugar … Flower, negative
        or NaN: unknown) drawn in a second row when the scenes hold it.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from cloudorg.synthetic.analysis import example_tiles
    >>> _, scenes = example_tiles(20)
    >>> scenes["pattern"] = (("scene", "y", "x"), np.ones((1, 64, 80), np.int8))
    >>> len(plot_scenes(scenes).axes)
    2
    """
    if not indices:
        raise ConfigError("indices: expected at least one scene")
    with_truth = truth is not None and truth in scenes
    rows = 2 if with_truth else 1
    fig = new_figure(3.0 * len(indices), 2.9 * rows)
    axes = fig.subplots(rows, len(indices), squeeze=False)
    colours = ListedColormap([NONE_COLOUR, *group_colours("class", CLASSES)])
    norm = BoundaryNorm(np.arange(-0.5, len(CLASSES) + 1), colours.N)
    for column, scene in enumerate(indices):
        show(axes[0, column], scene_image(scenes, int(scene), image))
        axes[0, column].set_title(_scene_name(scenes, int(scene)), fontsize="small")
        if with_truth:
            codes = scenes[truth].isel(scene=int(scene)).values.astype(np.float64)
            codes = np.where(codes >= 0, codes, np.nan)
            axes[1, column].imshow(codes, cmap=colours, norm=norm, interpolation="nearest")
            axes[1, column].set_xticks([])
            axes[1, column].set_yticks([])
    if with_truth:
        axes[1, 0].set_ylabel(f"truth ({truth})")
        names = ["clear", *CLASSES]
        handles = [Patch(color=colours(i), label=n) for i, n in enumerate(names)]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(names))
    return fig
