"""Figures of scores: confusion matrices, silhouette curve, metrics per cluster, NMI by scale.

Report figures 12, 17 and 34c–d (:func:`plot_confusion`), 16a
(:func:`plot_silhouette_curve`), 37 (:func:`plot_metric_summary`) and 35
(:func:`plot_nmi_vs_scale`).

Examples
--------
>>> import xarray as xr
>>> from cloudorg.analysis import confusion_matrix
>>> cm = confusion_matrix(xr.DataArray([1, 2, 3, 4], dims="tile"),
...                       xr.DataArray([0, 0, 1, 1], dims="tile"))
>>> [ax.get_title() for ax in plot_confusion(cm).axes[:2]]
['tiles', 'share of each class (%)']
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cloudorg.analysis.checks import check_int
from cloudorg.errors import ConfigError
from cloudorg.plots._style import group_colours, new_figure

__all__ = ["plot_confusion", "plot_metric_summary", "plot_nmi_vs_scale", "plot_silhouette_curve"]


def _require(result: object, variables: tuple[str, ...], what: str) -> xr.Dataset:
    if not isinstance(result, xr.Dataset) or any(v not in result for v in variables):
        raise ConfigError(f"result: expected {what} (variables {list(variables)})")
    return result


def _heatmap(ax: Axes, table: xr.DataArray, fmt: str) -> None:
    values = table.values.astype(np.float64)
    image = ax.imshow(values, cmap="Blues", aspect="auto")
    high = np.nanmax(values) if np.isfinite(values).any() else 0.0
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value):
            colour = "white" if value > 0.6 * high else "black"
            ax.text(j, i, format(value, fmt), ha="center", va="center", color=colour, fontsize=8)
    ax.set_xticks(range(table.sizes["cluster"]), [str(c) for c in table["cluster"].values])
    ax.set_yticks(range(table.sizes["class"]), [str(c) for c in table["class"].values])
    ax.set_xlabel("cluster")
    ax.set_ylabel("class")
    ax.figure.colorbar(image, ax=ax, shrink=0.8)


def plot_confusion(confusion: xr.Dataset) -> Figure:
    """Confusion matrices of classes against clusters: counts and row percentages.

    Parameters
    ----------
    confusion : xarray.Dataset
        A :func:`~cloudorg.analysis.confusion_matrix` result.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels; the title gives the NMI and the number of tiles.

    Examples
    --------
    >>> import xarray as xr
    >>> from cloudorg.analysis import confusion_matrix
    >>> cm = confusion_matrix(xr.DataArray([1, 1, 2], dims="tile"),
    ...                       xr.DataArray([0, 1, 1], dims="tile"))
    >>> plot_confusion(cm).get_suptitle()
    'NMI 0.274 over 3 tiles'
    """
    _require(confusion, ("counts", "percent"), "a confusion_matrix result")
    n_clusters = confusion.sizes["cluster"]
    fig = new_figure(max(8.0, 1.1 * n_clusters), 3.5)
    left, right = fig.subplots(1, 2)
    _heatmap(left, confusion["counts"], ".0f")
    left.set_title("tiles")
    _heatmap(right, confusion["percent"], ".0f")
    right.set_title("share of each class (%)")
    fig.suptitle(f"NMI {confusion.attrs['nmi']:.3f} over {confusion.attrs['n_tiles']} tiles")
    return fig


def plot_silhouette_curve(result: xr.Dataset) -> Figure:
    """Mean silhouette against the number of clusters, the chosen K marked (figure 16a);
    with the stability of each K when the result has it.

    Parameters
    ----------
    result : xarray.Dataset
        A :func:`~cloudorg.analysis.kmeans` or :func:`~cloudorg.analysis.ward` result
        computed with ``k="auto"``, or a :func:`~cloudorg.analysis.k_stability` result
        (then the stability, mean ± standard deviation of the adjusted Rand index, is
        drawn on a second axis from 0 to 1).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cloudorg.analysis import k_stability, kmeans
    >>> from cloudorg.synthetic.analysis import example_embeddings
    >>> result = kmeans(example_embeddings(10)[0], k="auto", k_range=range(2, 6))
    >>> plot_silhouette_curve(result).axes[0].get_title()
    'K = 4 by silhouette'
    >>> curve = k_stability(example_embeddings(10)[0], k_range=range(2, 6), n_resamples=3)
    >>> plot_silhouette_curve(curve).axes[1].get_ylabel()
    'stability (adjusted Rand index)'
    """
    _require(result, ("silhouette",), 'a clustering with k="auto" or a k_stability result')
    curve = result["silhouette"]
    k = int(result.attrs["k"])
    fig = new_figure(6.0 if "stability" in result else 5.5, 4)
    ax = fig.subplots()
    ax.plot(curve["k"], curve, marker="o", label="silhouette")
    ax.plot([k], [float(curve.sel(k=k))], marker="o", markersize=12, mfc="none", color="tab:red")
    ax.set_xlabel("number of clusters K")
    ax.set_ylabel("mean silhouette coefficient")
    ax.set_title(f"K = {k} by silhouette")
    if "stability" in result:
        right = ax.twinx()
        right.errorbar(curve["k"], result["stability"], yerr=result["stability_std"],
                       color="tab:green", marker="s", capsize=3, label="stability")  # fmt: skip
        right.set_ylim(0, 1.05)
        right.set_ylabel("stability (adjusted Rand index)")
        handles = [*ax.get_legend_handles_labels()[0], *right.get_legend_handles_labels()[0]]
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize="small")
    return fig


def plot_metric_summary(summary: xr.Dataset, *, n_metrics: int = 6) -> Figure:
    """Mean ± standard deviation of the metrics that differ most between groups (figure 37).

    Parameters
    ----------
    summary : xarray.Dataset
        A :func:`~cloudorg.analysis.metric_summary` result.
    n_metrics : int, default 6
        Metrics shown: those with the largest ANOVA F statistic.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per metric, a bar per group.

    Examples
    --------
    >>> from cloudorg.analysis import metric_summary
    >>> from cloudorg.synthetic.analysis import example_embeddings, example_metrics
    >>> labels = example_embeddings(10)[1]
    >>> fig = plot_metric_summary(metric_summary(example_metrics(labels), labels), n_metrics=2)
    >>> [ax.get_title().split()[0] for ax in fig.axes]
    ['mean_length_scale', 'cloud_fraction']
    """
    _require(summary, ("group_mean", "group_variance", "f_statistic"), "a metric_summary result")
    n_metrics = check_int(n_metrics, "n_metrics", 1)
    dim = next(str(d) for d in summary["group_mean"].dims if d != "metric")
    order = np.argsort(-np.nan_to_num(summary["f_statistic"].values, nan=-np.inf), kind="stable")
    shown = summary["metric"].values[order[:n_metrics]]
    names = [str(g) for g in summary[dim].values]
    colours = group_colours(dim, names)
    n_cols = min(3, len(shown))
    n_rows = math.ceil(len(shown) / n_cols)
    fig = new_figure(4.0 * n_cols, 3.2 * n_rows)
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax, metric in zip(axes, shown, strict=False):
        mean = summary["group_mean"].sel(metric=metric).values
        std = np.sqrt(summary["group_variance"].sel(metric=metric).values)
        ax.bar(range(len(names)), mean, yerr=std, color=colours, capsize=3)
        ax.set_xticks(range(len(names)), names, rotation=45 if dim == "class" else 0)
        ax.set_xlabel(dim)
        units = str(summary["metric_units"].sel(metric=metric).values)
        ax.set_ylabel(units if units else "value")
        f_value = float(summary["f_statistic"].sel(metric=metric))
        ax.set_title(f"{metric} (F = {f_value:.3g})", fontsize="medium")
    for ax in axes[len(shown) :]:
        ax.set_axis_off()
    fig.suptitle(f"cloud metrics per {dim}: mean ± standard deviation")
    return fig


def plot_nmi_vs_scale(study: xr.Dataset) -> Figure:
    """NMI of the clusters against the classes by tile size, with its confidence band, the
    chance band and the tiles scored (figure 35). The NMI axis runs from 0 to 1.

    Parameters
    ----------
    study : xarray.Dataset
        A :func:`~cloudorg.analysis.scale_study` result (bands drawn when it has
        ``nmi_low``/``nmi_high`` and ``nmi_chance_low``/``nmi_chance_high``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cloudorg.analysis import scale_study
    >>> from cloudorg.synthetic.analysis import example_embeddings
    >>> study = scale_study({64: example_embeddings(8), 128: example_embeddings(8, seed=1)})
    >>> ax = plot_nmi_vs_scale(study).axes[0]
    >>> ax.get_xlabel(), [float(y) for y in ax.get_ylim()]
    ('tile size (pixel)', [0.0, 1.0])
    """
    _require(study, ("nmi", "n_tiles"), "a scale_study result")
    fig = new_figure(6.5, 4)
    ax = fig.subplots()
    counts = ax.twinx()
    scored = study["n_scored"] if "n_scored" in study else study["n_tiles"]
    counts.bar(
        study["scale"],
        scored,
        width=0.6 * np.min(np.diff(study["scale"]), initial=32),
        color="0.88",
        label="tiles scored",
    )
    counts.set_ylabel("number of tiles scored")
    ax.set_zorder(counts.get_zorder() + 1)
    ax.patch.set_visible(False)
    scale = study["scale"].values
    if "nmi_low" in study:
        ax.fill_between(scale, study["nmi_low"], study["nmi_high"], color="tab:blue",
                        alpha=0.25, label="95 % interval (scenes resampled)")  # fmt: skip
    if "nmi_chance_low" in study:
        ax.fill_between(scale, study["nmi_chance_low"], study["nmi_chance_high"], color="0.5",
                        alpha=0.35, label="chance (labels permuted within scenes)")  # fmt: skip
        ax.plot(scale, study["nmi_chance"], color="0.4", linestyle="--", linewidth=1)
    ax.plot(scale, study["nmi"], marker="o", color="tab:blue", label="NMI")
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel(f"tile size ({study['scale'].attrs.get('units', 'pixel')})")
    ax.set_ylabel("NMI (classes vs clusters)")
    ax.set_title(f"clustering quality by tile size ({study.attrs.get('method', '')})")
    fig.legend(loc="outside lower center", ncols=3, fontsize="small")
    return fig
