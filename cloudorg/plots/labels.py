"""Coverage of the human labels (report section 6.1, figures 9 and 10), from
:func:`cloudorg.io.labels.coverage_statistics`.

Examples
--------
>>> import pandas as pd
>>> from cloudorg.io.labels import coverage_statistics
>>> from cloudorg.plots import plot_class_coverage
>>> df = pd.DataFrame({"image": ["a"], "x0": [0.0], "y0": [0.0], "x1": [10.0], "y1": [10.0],
...                    "label": ["Fish"]})
>>> len(plot_class_coverage(coverage_statistics(df, shape=(20, 20))).axes)
4
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from cloudorg.errors import ConfigError
from cloudorg.io.labels import CLASS_COLOURS
from cloudorg.plots._style import new_figure

__all__ = ["plot_biggest_class_coverage", "plot_class_coverage"]

_REPORT_ORDER = ("Flower", "Fish", "Gravel", "Sugar")


def _check_stats(stats: xr.Dataset, names: list[str]) -> None:
    if not isinstance(stats, xr.Dataset) or any(n not in stats for n in names):
        raise ConfigError(f"stats must be the Dataset of coverage_statistics (needs {names})")


def plot_class_coverage(
    stats: xr.Dataset,
    *,
    kind: Literal["union", "box"] = "union",
) -> Figure:
    """Histograms of each class's coverage with mode and skewness (report figure 10).

    Parameters
    ----------
    stats : xarray.Dataset
        From :func:`cloudorg.io.labels.coverage_statistics`.
    kind : {"union", "box"}
        Per image (union of the class's boxes) or per single box.

    Returns
    -------
    matplotlib.figure.Figure
        2 x 2 panels (Flower, Fish, Gravel, Sugar); no pyplot state is touched.

    Examples
    --------
    >>> import pandas as pd
    >>> from cloudorg.io.labels import coverage_statistics
    >>> df = pd.DataFrame({"image": ["a", "b"], "x0": [0.0, 0.0], "y0": [0.0, 0.0],
    ...                    "x1": [10.0, 5.0], "y1": [10.0, 5.0], "label": ["Fish", "Fish"]})
    >>> fig = plot_class_coverage(coverage_statistics(df, shape=(20, 20)))
    >>> len(fig.axes)
    4
    """
    prefix = {"union": "coverage", "box": "box_coverage"}.get(kind)
    if prefix is None:
        raise ConfigError(f"kind must be 'union' or 'box', got {kind!r}")
    _check_stats(stats, [f"{prefix}_histogram", f"{prefix}_mode", f"{prefix}_skewness"])
    fig = new_figure(10, 7)
    axes = fig.subplots(2, 2).ravel()
    lower, upper = stats["bin_lower"].values, stats["bin_upper"].values
    for ax, name in zip(axes, _REPORT_ORDER, strict=True):
        hist = stats[f"{prefix}_histogram"].sel({"class": name}).values
        ax.bar(
            100 * lower,
            hist,
            width=100 * (upper - lower),
            align="edge",
            color=CLASS_COLOURS[name],
            edgecolor="none",
        )
        mode = float(stats[f"{prefix}_mode"].sel({"class": name}))
        skew = float(stats[f"{prefix}_skewness"].sel({"class": name}))
        ax.set_title(f"{name}'s coverage | mode = {mode:.2f} skewness = {skew:.3f}")
        ax.set_xlim(0, 100)
        ax.set_xlabel("coverage of the image (%)" if kind == "union" else "box area (% of image)")
        ax.set_ylabel("images" if kind == "union" else "boxes")
    return fig


def plot_biggest_class_coverage(
    stats: xr.Dataset,
    *,
    quantity: Literal["share", "coverage"] = "share",
) -> Figure:
    """Histogram and CDF of the biggest class per image (report figure 9).

    Parameters
    ----------
    stats : xarray.Dataset
        From :func:`cloudorg.io.labels.coverage_statistics`.
    quantity : {"share", "coverage"}
        ``share``: biggest class coverage over the summed class coverages (25–100 %, as in
        the report); ``coverage``: biggest class coverage of the image.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: (a) images per bin, (b) cumulative distribution.

    Examples
    --------
    >>> import pandas as pd
    >>> from cloudorg.io.labels import coverage_statistics
    >>> df = pd.DataFrame({"image": ["a", "a"], "x0": [0.0, 10.0], "y0": [0.0, 0.0],
    ...                    "x1": [10.0, 15.0], "y1": [10.0, 10.0], "label": ["Fish", "Sugar"]})
    >>> fig = plot_biggest_class_coverage(coverage_statistics(df, shape=(20, 20)))
    >>> [ax.get_title() for ax in fig.axes]
    ['(a) images per bin', '(b) cumulative distribution']
    """
    if quantity not in ("share", "coverage"):
        raise ConfigError(f"quantity must be 'share' or 'coverage', got {quantity!r}")
    hist_name, cdf_name = f"biggest_{quantity}_histogram", f"biggest_{quantity}_cdf"
    _check_stats(stats, [hist_name, cdf_name])
    lower, upper = stats["bin_lower"].values, stats["bin_upper"].values
    hist, cdf = stats[hist_name].values, stats[cdf_name].values
    label = (
        "biggest class coverage / summed class coverages (%)"
        if quantity == "share"
        else "biggest class coverage of the image (%)"
    )
    fig = new_figure(11, 4.5)
    ax_h, ax_c = fig.subplots(1, 2)
    ax_h.bar(100 * lower, hist, width=100 * (upper - lower), align="edge", color="tab:gray")
    ax_h.set_title("(a) images per bin")
    ax_h.set_ylabel("images")
    ax_c.plot(100 * np.r_[lower[0], upper], np.r_[0.0, cdf], color="k")  # at bin upper edges
    ax_c.set_title("(b) cumulative distribution")
    ax_c.set_ylabel("fraction of labelled images")
    ax_c.set_ylim(0, 1.02)
    for ax in (ax_h, ax_c):
        ax.set_xlabel(label)
        ax.set_xlim(25 if quantity == "share" else 0, 100)
    return fig
