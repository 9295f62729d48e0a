"""Training histories: one panel per logged metric (the report's figure 20 for Tile2Vec).

Examples
--------
>>> from cloudorg.models.history import history_dataset
>>> from cloudorg.plots import plot_history
>>> h = history_dataset({"step": [1, 2], "loss": [0.9, 0.7], "val_step": [2], "val_loss": [0.8]})
>>> len(plot_history(h).axes)
1
"""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr
from matplotlib.figure import Figure

from cloudorg.models.history import VAL
from cloudorg.plots._style import new_figure

__all__ = ["plot_history"]


def plot_history(history: xr.Dataset, variables: Sequence[str] | None = None) -> Figure:
    """One panel per training metric against step, its validation values as markers.

    Parameters
    ----------
    history : xarray.Dataset
        From :func:`cloudorg.models.history.history_dataset` (e.g.
        ``train_tile2vec(...).history``).
    variables : sequence of str, optional
        Metrics to draw (default: every training metric but the learning rate).

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot; save it with ``fig.savefig(path)`` (Agg).

    Examples
    --------
    >>> from cloudorg.models.history import history_dataset
    >>> h = history_dataset({"step": [1, 2], "loss": [1.0, 0.5], "d_distant": [2.0, 3.0]})
    >>> [ax.get_title() for ax in plot_history(h).axes]
    ['loss', 'd_distant']
    """
    if variables is None:
        variables = [v for v in history.data_vars if history[v].dims == ("step",) and v != "lr"]
    fig = new_figure(4.0 * max(1, len(variables)), 3.2)
    axes = fig.subplots(1, max(1, len(variables)), squeeze=False)[0]
    for ax, name in zip(axes, variables, strict=False):
        ax.plot(history["step"], history[name], lw=1, label="training")
        if VAL + name in history:
            ax.plot(history["val_step"], history[VAL + name], "o--", ms=3, label="validation")
            ax.legend(fontsize="small")
        ax.set_title(name)
        ax.set_xlabel("step")
        ax.set_ylabel(history[name].attrs.get("long_name", name), fontsize="small")
    return fig
