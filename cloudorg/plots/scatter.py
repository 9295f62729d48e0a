"""Principal component scatter plots with per-group densities, and the metric biplot.

Report figures 14, 16b, 24 and 33 (:func:`plot_pc_scatter`), 38
(:func:`plot_metric_biplot`) and 39 (:func:`plot_group_distributions`).

Examples
--------
>>> from cloudorg.analysis import pca
>>> from cloudorg.synthetic.analysis import example_embeddings
>>> embeddings, labels = example_embeddings(20)
>>> fig = plot_pc_scatter(pca(embeddings), labels)
>>> fig.axes[0].get_xlabel()[:3]
'PC1'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy.stats import gaussian_kde

from cloudorg.analysis.checks import check_int, check_seed
from cloudorg.analysis.groupings import Groups, groups_of
from cloudorg.errors import ConfigError
from cloudorg.plots._style import group_colours, new_figure

__all__ = ["plot_group_distributions", "plot_metric_biplot", "plot_pc_scatter"]

Density = Literal["kde", "hist"] | None
_GRID = 80
_KDE_POINTS = 2000


def _scores(result: xr.Dataset, components: Sequence[int]) -> tuple[np.ndarray, list[str]]:
    """Scores ``(tile, 2)`` of two components and their axis labels."""
    if not isinstance(result, xr.Dataset) or "scores" not in result:
        raise ConfigError("result: expected a pca result with 'scores'")
    if len(components) != 2 or any(c not in result["component"].values for c in components):
        raise ConfigError(
            f"components: expected two of {result['component'].values.tolist()}, "
            f"got {list(components)}"
        )
    ratio = result["explained_variance_ratio"]
    labels = [f"PC{c} ({float(ratio.sel(component=c)):.1%} of the variance)" for c in components]
    return result["scores"].sel(component=list(components)).values, labels


def _grouping(result: xr.Dataset, groups: xr.DataArray | None, include_none: bool) -> Groups:
    if groups is None:
        finite = np.isfinite(result["scores"].values).all(axis=1)
        return Groups("group", np.where(finite, 0, -1), np.array(["all tiles"]))
    return groups_of(groups, result, "groups", include_none)


def _density(
    ax: Axes, points: np.ndarray, extent: np.ndarray, colour: str, density: Density
) -> None:
    """Density contours of one group's points."""
    x = np.linspace(*extent[0], _GRID)
    y = np.linspace(*extent[1], _GRID)
    if density == "kde":
        try:
            kde = gaussian_kde(points.T)
        except (np.linalg.LinAlgError, ValueError):  # too few or collinear points
            return
        xx, yy = np.meshgrid(x, y)
        z = kde(np.vstack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    else:
        z, _, _ = np.histogram2d(points[:, 1], points[:, 0], bins=(y, x))
        x, y = 0.5 * (x[1:] + x[:-1]), 0.5 * (y[1:] + y[:-1])
    if z.max() > 0:
        ax.contour(x, y, z, levels=np.linspace(0.15, 0.85, 4) * z.max(), colors=colour)


def _marginal(
    ax: Axes, values: np.ndarray, extent: np.ndarray, colour: str, kde: bool, vertical: bool
) -> None:
    if kde and values.size > 2 and np.ptp(values) > 0:
        grid = np.linspace(*extent, _GRID)
        density = gaussian_kde(values)(grid)
        if vertical:
            ax.plot(density, grid, color=colour)
        else:
            ax.plot(grid, density, color=colour)
    else:
        ax.hist(
            values,
            bins=30,
            range=tuple(extent),
            density=True,
            histtype="step",
            color=colour,
            orientation="horizontal" if vertical else "vertical",
        )


def _joint(
    fig: Figure,
    scores: np.ndarray,
    groups: Groups,
    axis_labels: list[str],
    density: Density,
    max_points: int,
    seed: int,
) -> Axes:
    """Scatter with per-group density contours and marginal densities; the main axes."""
    if density not in ("kde", "hist", None):
        raise ConfigError(f"density: expected 'kde', 'hist' or None, got {density!r}")
    max_points = check_int(max_points, "max_points", 1)
    rng = np.random.default_rng(check_seed(seed))
    grid = fig.add_gridspec(2, 2, width_ratios=[4, 1], height_ratios=[1, 4])
    ax = fig.add_subplot(grid[1, 0])
    top = fig.add_subplot(grid[0, 0], sharex=ax)
    right = fig.add_subplot(grid[1, 1], sharey=ax)
    top.set_axis_off()
    right.set_axis_off()
    used = np.flatnonzero((groups.index >= 0) & np.isfinite(scores).all(axis=1))
    if used.size == 0:
        raise ConfigError("groups: no tile with finite scores belongs to a group")
    finite = scores[used]
    pad = 0.05 * np.ptp(finite, axis=0) + 1e-9
    extent = np.stack([finite.min(axis=0) - pad, finite.max(axis=0) + pad], axis=1)
    shown = np.sort(rng.choice(used, min(max_points, used.size), replace=False))
    colours = group_colours(groups.dim, groups.names)
    for g, (name, colour) in enumerate(zip(groups.names, colours, strict=True)):
        members = used[groups.index[used] == g]
        if members.size == 0:
            continue
        dots = shown[groups.index[shown] == g]
        ax.scatter(*scores[dots].T, s=6, alpha=0.5, color=colour, label=f"{name} ({members.size})")
        points = scores[members]
        if density is not None and members.size > 2:
            sample = points[rng.choice(members.size, min(_KDE_POINTS, members.size), replace=False)]
            _density(ax, sample, extent, colour, density)
        _marginal(top, points[:, 0], extent[0], colour, density == "kde", vertical=False)
        _marginal(right, points[:, 1], extent[1], colour, density == "kde", vertical=True)
    ax.set_xlim(*extent[0])
    ax.set_ylim(*extent[1])
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.legend(title=groups.dim, fontsize="small", markerscale=2)
    return ax


def plot_pc_scatter(
    result: xr.Dataset,
    groups: xr.DataArray | None = None,
    *,
    components: Sequence[int] = (1, 2),
    density: Density = "kde",
    include_none: bool = False,
    max_points: int = 5000,
    seed: int = 0,
) -> Figure:
    """Tiles in the plane of two principal components, coloured by class or cluster.

    Each group gets density contours (kernel density or 2-D histogram) and marginal
    densities along both axes (figures 14, 24; coloured by cluster, figures 16b and 33).

    Parameters
    ----------
    result : xarray.Dataset
        A :func:`~cloudorg.analysis.pca` result.
    groups : xarray.DataArray, optional
        Per-tile class labels (by their ``flag_meanings``), cluster ids or flags.
    components : sequence of two int, default (1, 2)
        Components on the x and y axes.
    density : {"kde", "hist", None}, default "kde"
        Per-group density: ``scipy.stats.gaussian_kde`` contours (on at most 2000 points
        per group) or 2-D histogram contours, and KDE or histogram marginals.
    include_none : bool, default False
        With class labels, show code 0 as ``none``.
    max_points : int, default 5000
        Points drawn in the scatter (densities use all tiles).
    seed : int, default 0
        Seed of the point and KDE samples.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import xarray as xr
    >>> from cloudorg.analysis import pca
    >>> x = xr.DataArray([[0.0, 1.0], [1.0, 0.0], [2.0, 2.5], [3.0, 1.0]], dims=("tile", "e"))
    >>> fig = plot_pc_scatter(pca(x), density="hist")
    >>> fig.axes[0].get_legend().get_texts()[0].get_text()
    'all tiles (4)'
    """
    scores, labels = _scores(result, components)
    fig = new_figure(7, 6.5)
    grouping = _grouping(result, groups, include_none)
    _joint(fig, scores, grouping, labels, density, max_points, seed)
    return fig


def plot_group_distributions(
    result: xr.Dataset, *, density: Density = "kde", max_points: int = 5000, seed: int = 0
) -> Figure:
    """Labelled and unlabelled tiles in principal-component space, with the test results.

    Figure 39: the result of :func:`~cloudorg.analysis.labelled_vs_unlabelled` drawn as
    in :func:`plot_pc_scatter` (components 1 and 2), titled with the energy distance and
    its permutation p-value and the Kolmogorov–Smirnov statistics per component.

    Parameters
    ----------
    result : xarray.Dataset
        A :func:`~cloudorg.analysis.labelled_vs_unlabelled` result (at least 2 components).
    density, max_points, seed
        As for :func:`plot_pc_scatter`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cloudorg.analysis import labelled_vs_unlabelled
    >>> from cloudorg.synthetic.analysis import example_embeddings
    >>> embeddings, labels = example_embeddings(15)
    >>> fig = plot_group_distributions(labelled_vs_unlabelled(embeddings, labels % 4))
    >>> fig.get_suptitle()[:15]
    'energy distance'
    """
    if not isinstance(result, xr.Dataset) or "energy_distance" not in result:
        raise ConfigError("result: expected a labelled_vs_unlabelled result")
    fig = plot_pc_scatter(
        result, result["group"], density=density, max_points=max_points, seed=seed
    )
    ks = ", ".join(
        f"PC{c}: {float(result.ks_statistic.sel(component=c)):.2f} "
        f"(p={float(result.ks_pvalue.sel(component=c)):.2g})"
        for c in (1, 2)
    )
    fig.suptitle(
        f"energy distance {float(result.energy_distance):.3g} "
        f"(p={float(result.energy_pvalue):.3g})\nKolmogorov–Smirnov {ks}"
    )
    return fig


def plot_metric_biplot(
    result: xr.Dataset,
    groups: xr.DataArray | None = None,
    *,
    components: Sequence[int] = (1, 2),
    include_none: bool = False,
    max_points: int = 5000,
    seed: int = 0,
) -> Figure:
    """Biplot of the metric PCA: tiles coloured by group and each metric's loading arrow.

    Figure 38 (a) with class labels, (b) with clusters.

    Parameters
    ----------
    result : xarray.Dataset
        A :func:`~cloudorg.analysis.metric_pca` (or :func:`~cloudorg.analysis.pca`) result.
    groups : xarray.DataArray, optional
        Per-tile class labels or cluster ids.
    components : sequence of two int, default (1, 2)
        Components on the axes.
    include_none, max_points, seed
        As for :func:`plot_pc_scatter`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cloudorg.analysis import metric_pca
    >>> from cloudorg.synthetic.analysis import example_embeddings, example_metrics
    >>> labels = example_embeddings(10)[1]
    >>> fig = plot_metric_biplot(metric_pca(example_metrics(labels)), labels)
    >>> sorted(t.get_text() for t in fig.axes[0].texts)[:2]
    ['cloud_fraction', 'iorg']
    """
    scores, labels = _scores(result, components)
    fig = new_figure(7, 6.5)
    grouping = _grouping(result, groups, include_none)
    ax = _joint(fig, scores, grouping, labels, None, max_points, seed)
    loadings = result["loadings"].sel(component=list(components))
    feature = str(result.attrs.get("feature_dim", loadings.dims[1]))
    arrows = loadings.transpose(feature, "component").values
    # one factor for both axes keeps the arrows' directions; 0.8 keeps them inside
    spans = np.nanmax(np.abs(scores), axis=0) / np.maximum(np.abs(arrows).max(axis=0), 1e-12)
    reach = 0.8 * spans.min()
    for name, (dx, dy) in zip(loadings[feature].values, arrows * reach, strict=True):
        ax.annotate(
            str(name),
            xy=(0, 0),
            xytext=(dx, dy),
            arrowprops={"arrowstyle": "<-", "color": "k"},
            fontsize="small",
            ha="center",
            va="center",
        )
    ax.set_title("metric PCA: scores and loadings")
    return fig
