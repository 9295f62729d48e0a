"""Figures of trained models: a classifier's scores and an autoencoder's reconstructions.

Examples
--------
>>> from cloudorg.models.classifier import classification_metrics
>>> from cloudorg.plots import plot_classification
>>> fig = plot_classification(classification_metrics([1, 1, 4, 4], [1, 4, 4, 4]))
>>> fig.axes[0].get_title()
'confusion matrix (tiles)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from cloudorg.errors import ConfigError
from cloudorg.plots._images import hide_ticks
from cloudorg.plots._style import new_figure

if TYPE_CHECKING:
    import torch

    from cloudorg.models.autoencoder import Autoencoder

__all__ = ["plot_classification", "plot_reconstructions"]


def plot_classification(metrics: xr.Dataset, *, title: str | None = None) -> Figure:
    """The confusion matrix (counts, rows: true classes) and per-class precision and
    recall of :func:`~cloudorg.models.classifier.classification_metrics`.

    Classes without true or predicted tiles are left out of both panels.

    Parameters
    ----------
    metrics : xarray.Dataset
        ``confusion`` ``(true, predicted)``, ``precision``, ``recall`` along ``class`` and
        ``accuracy``.
    title : str, optional
        Figure title (default: the accuracy and the number of tiles).

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot.

    Examples
    --------
    >>> from cloudorg.models.classifier import classification_metrics
    >>> fig = plot_classification(classification_metrics([1, 1, 4, 4], [1, 4, 4, 4]))
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['confusion matrix (tiles)', 'precision and recall']
    """
    cm = metrics.confusion
    seen = (cm.sum("predicted").values + cm.sum("true").values) > 0
    if not seen.any():
        raise ConfigError("metrics: no tile in the confusion matrix")
    names = [str(c) for c in metrics["class"].values[seen]]
    counts = cm.values[np.ix_(seen, seen)]
    fig = new_figure(4.0 + 1.6 * len(names), 3.8)
    left, right = fig.subplots(1, 2, width_ratios=(1.2, 1.0))
    image = left.imshow(counts, cmap="Blues")
    for (i, j), value in np.ndenumerate(counts):
        colour = "white" if value > 0.6 * counts.max() else "black"
        left.text(j, i, str(value), ha="center", va="center", color=colour, fontsize=9)
    left.set_xticks(range(len(names)), names, rotation=30)
    left.set_yticks(range(len(names)), names)
    left.set_xlabel("predicted class")
    left.set_ylabel("true class")
    left.set_title("confusion matrix (tiles)")
    fig.colorbar(image, ax=left, shrink=0.8)
    x = np.arange(len(names))
    for offset, var in ((-0.2, "precision"), (0.2, "recall")):
        values = np.nan_to_num(metrics[var].values[seen])
        right.bar(x + offset, values, width=0.4, label=var)
    right.set_xticks(x, names, rotation=30)
    right.set_ylim(0, 1.05)
    right.set_title("precision and recall")
    right.legend(fontsize="small")
    fig.suptitle(title or f"accuracy {float(metrics.accuracy):.3f} over {int(cm.sum())} tiles")
    return fig


def plot_reconstructions(
    model: Autoencoder, images: Any, *, n: int = 4, device: str | torch.device = "cpu"
) -> Figure:
    """Tiles (top row) and their reconstructions (bottom row), as the report's figure 44.

    Parameters
    ----------
    model : cloudorg.models.Autoencoder
        The trained autoencoder.
    images : array, tensor or TensorDataset
        Tiles ``(N, C, H, W)``; the first ``n`` are shown.
    n : int
        Tiles to show.
    device : str or torch.device
        Where the model runs (:func:`cloudorg.models.autoencoder.reconstruct`).

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot. Three or more channels are shown as RGB (the first
        three), fewer as the first channel in grey, both on the tile's value range.

    Examples
    --------
    >>> import torch
    >>> from cloudorg.models.autoencoder import AutoencoderConfig, build_autoencoder
    >>> ae = build_autoencoder(AutoencoderConfig(in_channels=1, channels=(2,)))
    >>> len(plot_reconstructions(ae, torch.rand(3, 1, 8, 8)).axes)
    6
    """
    from cloudorg.models.autoencoder import reconstruct

    if n < 1:
        raise ConfigError("images: no tile to show")
    rec = reconstruct(model, images, n=n, device=device)
    tiles, outputs = rec["image"].values, rec["reconstruction"].values
    fig = new_figure(2.2 * len(tiles), 4.6, layout=None)
    axes = fig.subplots(2, len(tiles), squeeze=False)
    for j in range(len(tiles)):
        lo, hi = float(tiles[j].min()), float(tiles[j].max())
        for i, (a, title) in enumerate(((tiles[j], "tile"), (outputs[j], "reconstruction"))):
            if a.shape[0] >= 3:
                img = np.clip((np.moveaxis(a[:3], 0, -1) - lo) / max(hi - lo, 1e-12), 0, 1)
                axes[i, j].imshow(img)
            else:
                axes[i, j].imshow(a[0], cmap="gray", vmin=lo, vmax=hi)
            axes[i, j].set_title(title, fontsize=8)
            hide_ticks(axes[i, j])
    fig.tight_layout()
    return fig
