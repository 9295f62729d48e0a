"""What a convolutional model looks at: Grad-CAM overlays and feature maps (report 3.1.2,
8), from the maps of :func:`cloudorg.models.gradcam.grad_cam` and
:func:`cloudorg.models.gradcam.feature_maps`.

Examples
--------
>>> import numpy as np
>>> import xarray as xr
>>> from cloudorg.plots import plot_feature_maps
>>> fm = xr.DataArray(np.random.rand(3, 4, 4), dims=("channel", "y", "x"))
>>> [ax.get_title() for ax in plot_feature_maps(fm).axes if ax.get_visible()]
['channel 0', 'channel 1', 'channel 2']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from cloudorg.errors import ConfigError
from cloudorg.plots._images import hide_ticks
from cloudorg.plots._style import new_figure

__all__ = ["plot_feature_maps", "plot_gradcam"]


def _image2d(image: Any) -> np.ndarray:
    """A tile as a greyscale ``(H, W)`` image, or RGB ``(H, W, 3)`` scaled to [0, 1]."""
    if hasattr(image, "detach"):  # a torch tensor
        image = image.detach().cpu()
    a = np.asarray(image, dtype=float)
    if a.ndim == 3:
        a = a[0] if a.shape[0] in (1, 2) or a.shape[0] > 4 else np.moveaxis(a[:3], 0, -1)
    if a.ndim == 3:
        lo, hi = np.nanmin(a), np.nanmax(a)
        a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return a


def _one_sample(maps: xr.DataArray, name: str, kind: str) -> xr.DataArray:
    """The ``(kind, y, x)`` maps of one sample (a ``sample`` dimension of length 1 dropped)."""
    if "sample" in maps.dims:
        if maps.sizes["sample"] != 1:
            raise ConfigError(f"{name}: expected the maps of one sample; select it with .isel")
        maps = maps.isel(sample=0)
    if maps.dims != (kind, "y", "x"):
        raise ConfigError(f"{name}: expected dims ({kind}, y, x), got {maps.dims}")
    return maps


def plot_gradcam(
    image: Any,
    cam: xr.DataArray,
    *,
    inverted: bool = False,
    alpha: float = 0.5,
    cmap: str = "jet",
    probabilities: Sequence[float] | None = None,
) -> Figure:
    """The image and its Grad-CAM overlay for each class of ``cam``.

    Parameters
    ----------
    image : array ``(C, H, W)`` or ``(H, W)``
        One tile (a single channel is shown in grey, three as RGB).
    cam : xarray.DataArray
        ``(class, y, x)`` maps of this tile (one ``sample`` of
        :func:`cloudorg.models.gradcam.grad_cam`).
    inverted : bool
        Use the reversed colour map, as the report's figures do (red: low relevance).
    alpha : float
        Opacity of the heat map.
    cmap : str
        Colour map of the heat map.
    probabilities : sequence of float, optional
        Predicted probability of each class, shown in the panel titles.

    Returns
    -------
    matplotlib.figure.Figure
        A figure not attached to pyplot (no GUI backend needed).

    Examples
    --------
    >>> cam = xr.DataArray(np.random.rand(2, 8, 8), dims=("class", "y", "x"),
    ...                    coords={"class": ["sugar", "flower"]})
    >>> len(plot_gradcam(np.random.rand(1, 8, 8), cam, inverted=True).axes)
    3
    """
    cam = _one_sample(cam, "cam", "class")
    img = _image2d(image)
    n = cam.sizes["class"]
    colours = cmap + "_r" if inverted and not cmap.endswith("_r") else cmap
    fig = new_figure(2.6 * (n + 1), 2.8, layout=None)
    axes = fig.subplots(1, n + 1, squeeze=False)[0]
    axes[0].imshow(img, cmap="gray" if img.ndim == 2 else None)
    axes[0].set_title("tile")
    for i, ax in enumerate(axes[1:]):
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        ax.imshow(cam.values[i], cmap=colours, alpha=alpha, vmin=0,
                  vmax=max(float(cam.values[i].max()), 1e-12))  # fmt: skip
        title = str(cam["class"].values[i])
        if probabilities is not None:
            title += f" ({probabilities[i]:.2f})"
        ax.set_title(title)
    for ax in axes:
        hide_ticks(ax)
    fig.tight_layout()
    return fig


def plot_feature_maps(maps: xr.DataArray, *, max_maps: int = 16, cmap: str = "viridis") -> Figure:
    """The first ``max_maps`` feature maps of one tile, in a grid.

    Parameters
    ----------
    maps : xarray.DataArray
        ``(channel, y, x)``, or ``(sample, channel, y, x)`` with one sample (from
        :func:`cloudorg.models.gradcam.feature_maps`).
    max_maps : int
        Channels to draw at most (the first ones).
    cmap : str
        Colour map of the maps.

    Returns
    -------
    matplotlib.figure.Figure
        A figure not attached to pyplot; unused grid cells are hidden.

    Examples
    --------
    >>> fm = xr.DataArray(np.random.rand(5, 4, 4), dims=("channel", "y", "x"))
    >>> sum(ax.get_visible() for ax in plot_feature_maps(fm).axes)
    5
    """
    maps = _one_sample(maps, "maps", "channel")
    if max_maps < 1:
        raise ConfigError(f"max_maps: expected a positive integer, got {max_maps}")
    n = min(max_maps, maps.sizes["channel"])
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    fig = new_figure(1.8 * cols, 1.8 * rows, layout=None)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_visible(False)
            continue
        ax.imshow(maps.values[i], cmap=cmap)
        ax.set_title(f"channel {i}", fontsize=8)
        hide_ticks(ax)
    fig.tight_layout()
    return fig
