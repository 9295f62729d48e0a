"""Coverage statistics of the human labels (report section 6.1, figures 9 and 10).

Coverage of a class on an image is the area of the **union** of that class's boxes (all
users together) divided by the image area. Unions are exact at full pixel resolution:
per image and class the boxes' edges cut the image into a small grid of cells (coordinate
compression), a cell is covered when any box covers it, and the covered cells' areas add
up; all images with the same number of boxes are done in one vectorised step.
:func:`cloudorg.plots.plot_class_coverage` and
:func:`cloudorg.plots.plot_biggest_class_coverage` draw the statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ...errors import ConfigError
from .classes import (
    CLASSES,
    IMAGE_SHAPE,
    check_shape,
    class_map_attrs,
    label_codes,
    pixel_index_bounds,
    require_columns,
)

__all__ = [
    "CLASS_COLOURS",
    "coverage_statistics",
    "union_areas",
]

CLASS_COLOURS: dict[str, str] = {
    "Sugar": "tab:purple",
    "Gravel": "tab:red",
    "Fish": "tab:blue",
    "Flower": "tab:green",
}
"""Plot colour of each class (Flower green, Gravel red, Sugar purple as in the report)."""


def union_areas(
    group: Any, x0: Any, y0: Any, x1: Any, y1: Any, n_groups: int | None = None
) -> np.ndarray:
    """Exact area of the union of integer rectangles, per group (vectorised).

    Parameters
    ----------
    group : array-like of int
        Group index (>= 0) of each rectangle.
    x0, y0, x1, y1 : array-like of int
        Half-open rectangles ``[x0, x1) x [y0, y1)``; empty ones are ignored.
    n_groups : int, optional
        Length of the output; default ``max(group) + 1``.

    Returns
    -------
    numpy.ndarray of int64
        Union area of each group (0 for a group without rectangle).

    Examples
    --------
    >>> union_areas([0, 0, 1], [0, 5, 0], [0, 5, 0], [10, 15, 2], [10, 15, 2])
    array([175,   4])
    """
    group = np.asarray(group, dtype=np.int64)
    x0, y0, x1, y1 = (np.asarray(v, dtype=np.int64) for v in (x0, y0, x1, y1))
    if not (group.shape == x0.shape == y0.shape == x1.shape == y1.shape) or group.ndim != 1:
        raise ConfigError("group, x0, y0, x1, y1 must be 1-D arrays of one length")
    if n_groups is None:
        n_groups = int(group.max()) + 1 if group.size else 0
    if group.size and (group.min() < 0 or group.max() >= n_groups):
        raise ConfigError(f"group indices must lie in [0, {n_groups})")
    keep = (x1 > x0) & (y1 > y0)
    group, x0, y0, x1, y1 = group[keep], x0[keep], y0[keep], x1[keep], y1[keep]
    area = np.zeros(n_groups, dtype=np.int64)
    if group.size == 0:
        return area
    order = np.argsort(group, kind="stable")
    group, x0, y0, x1, y1 = group[order], x0[order], y0[order], x1[order], y1[order]
    count = np.bincount(group, minlength=n_groups)
    first = np.cumsum(count) - count
    for m in np.unique(count[count > 0]):
        gids = np.flatnonzero(count == m)
        idx = first[gids][:, None] + np.arange(m)[None, :]  # (G, m) rows of the boxes
        bx0, by0, bx1, by1 = x0[idx], y0[idx], x1[idx], y1[idx]
        if m == 1:
            area[gids] = ((bx1 - bx0) * (by1 - by0))[:, 0]
            continue
        ex = np.sort(np.concatenate([bx0, bx1], axis=1), axis=1)  # (G, 2m) cell edges
        ey = np.sort(np.concatenate([by0, by1], axis=1), axis=1)
        cx, wx = ex[:, :-1], np.diff(ex, axis=1)  # (G, 2m-1) cell starts and widths
        cy, wy = ey[:, :-1], np.diff(ey, axis=1)
        inx = (bx0[:, None, :] <= cx[:, :, None]) & (cx[:, :, None] < bx1[:, None, :])
        iny = (by0[:, None, :] <= cy[:, :, None]) & (cy[:, :, None] < by1[:, None, :])
        covered = np.matmul(inx.astype(np.float32), iny.astype(np.float32).transpose(0, 2, 1))
        area[gids] = np.einsum("gij,gi,gj->g", covered > 0, wx, wy)
    return area


def _histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.histogram(values, bins=edges)[0].astype(np.int64)


def _summary(values: np.ndarray, edges: np.ndarray) -> dict[str, Any]:
    """Histogram, mode (centre of the fullest bin), skewness, mean and median."""
    hist = _histogram(values, edges)
    centres = 0.5 * (edges[:-1] + edges[1:])
    if values.size == 0:
        nan = float("nan")
        return {"hist": hist, "mode": nan, "skew": nan, "mean": nan, "median": nan, "n": 0}
    return {
        "hist": hist,
        "mode": float(centres[int(np.argmax(hist))]),
        "skew": _skew(values),
        "mean": float(np.mean(values)),
        "median": float(np.median(values)),
        "n": int(values.size),
    }


def coverage_statistics(
    df: pd.DataFrame,
    *,
    bins: int = 100,
    shape: tuple[int, int] = IMAGE_SHAPE,
) -> xr.Dataset:
    """Per-image, per-class label coverage and its distributions (report section 6.1).

    Parameters
    ----------
    df : pandas.DataFrame
        ``image``, ``x0, y0, x1, y1``, ``label`` (as from :func:`read_zooniverse`, clipped);
        every image in ``df`` is counted, also those whose rows carry no box.
    bins : int
        Equal-width histogram bins on [0, 1] for the distributions and modes.
    shape : (int, int)
        Image (rows, columns).

    Returns
    -------
    xarray.Dataset
        Dims ``image``, ``class`` (Sugar, Gravel, Fish, Flower) and ``bin`` (centres).

        Per image and class: ``coverage`` (union of the class's boxes / image area),
        ``n_boxes``, ``box_area_sum`` (sum of the boxes' areas / image area, overlaps
        counted twice).
        Per image: ``labelled_fraction`` (union of all boxes), ``biggest_class`` (int8
        code, 0 without box), ``biggest_class_coverage`` (coverage of the biggest class),
        ``biggest_class_share`` (its coverage over the sum of the classes' coverages, in
        [0.25, 1]: the quantity of report figure 9; NaN without box), coordinates
        ``region``, ``season``, ``satellite``, ``date`` when ``df`` has them.
        Per class, over the images where the class is present (coverage > 0):
        ``n_images``, ``coverage_histogram``, ``coverage_mode``, ``coverage_skewness``
        (``scipy.stats.skew``), ``coverage_mean``, ``coverage_median``; over single boxes
        (box area / image area, report figure 10 read per rectangle): ``n_box``,
        ``box_coverage_histogram``, ``box_coverage_mode``, ``box_coverage_skewness``,
        ``box_coverage_median``.
        Over labelled images: ``biggest_coverage_histogram``/``_cdf`` and
        ``biggest_share_histogram``/``_cdf`` (fraction of images <= the bin's upper edge).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"image": ["a", "a", "a", "b"],
    ...                    "x0": [0.0, 5.0, 0.0, None], "y0": [0.0, 5.0, 0.0, None],
    ...                    "x1": [10.0, 15.0, 4.0, None], "y1": [10.0, 15.0, 5.0, None],
    ...                    "label": ["Sugar", "Sugar", "Fish", None]})
    >>> st = coverage_statistics(df, shape=(20, 20))
    >>> st["coverage"].sel(image="a").values     # (100 + 100 - 25) / 400, 20 / 400
    array([0.4375, 0.    , 0.05  , 0.    ])
    >>> float(st["labelled_fraction"].sel(image="a")), int(st["biggest_class"].sel(image="a"))
    (0.4375, 1)
    >>> float(st["coverage"].sel(image="b").sum())
    0.0
    """
    require_columns(df, ["image", "x0", "y0", "x1", "y1", "label"], "df")
    rows, cols = check_shape(shape)
    if int(bins) != bins or bins < 1:
        raise ConfigError(f"bins must be a positive integer, got {bins!r}")
    npix = float(rows * cols)
    ncls = len(CLASSES)
    img_code, images = pd.factorize(df["image"])
    if (img_code < 0).any():
        raise ConfigError("df has rows without image")
    n_img = len(images)

    has = df[["x0", "y0", "x1", "y1"]].notna().all(axis=1).to_numpy() & df["label"].notna()
    has = np.asarray(has, dtype=bool)
    cls = label_codes(df["label"][has]).astype(np.int64) - 1
    c0, c1 = pixel_index_bounds(df["x0"][has], df["x1"][has], cols)
    r0, r1 = pixel_index_bounds(df["y0"][has], df["y1"][has], rows)
    img = img_code[has].astype(np.int64)
    pair = img * ncls + cls
    box_area = (c1 - c0) * (r1 - r0)

    coverage = union_areas(pair, c0, r0, c1, r1, n_img * ncls).reshape(n_img, ncls) / npix
    labelled = union_areas(img, c0, r0, c1, r1, n_img) / npix
    n_boxes = np.bincount(pair, minlength=n_img * ncls).reshape(n_img, ncls)
    area_sum = np.bincount(pair, weights=box_area, minlength=n_img * ncls).reshape(n_img, ncls)

    big = coverage.max(axis=1)
    big_cls = np.where(big > 0, np.argmax(coverage, axis=1) + 1, 0).astype(np.int8)
    total = coverage.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, big / total, np.nan)

    edges = np.linspace(0.0, 1.0, int(bins) + 1)
    per_class = [_summary(coverage[coverage[:, k] > 0, k], edges) for k in range(ncls)]
    box_cov = box_area / npix
    per_box = [_summary(box_cov[(cls == k) & (box_area > 0)], edges) for k in range(ncls)]
    lab = total > 0
    big_hist = _histogram(big[lab], edges)
    share_hist = _histogram(share[lab], edges)
    n_lab = max(int(lab.sum()), 1)

    first = df.drop_duplicates("image")
    image_coords: dict[str, Any] = {"image": ("image", np.asarray(images, dtype=object))}
    for c in ("region", "season", "satellite", "date"):
        if c in first.columns:
            values = first[c]
            if isinstance(values.dtype, pd.CategoricalDtype):
                values = values.astype(object)
            if c == "region":
                values = values.astype("float64")
            image_coords[c] = ("image", values.to_numpy())

    def per(key: str, src: list[dict[str, Any]]) -> np.ndarray:
        return np.array([s[key] for s in src])

    frac = {"units": "1"}
    ds = xr.Dataset(
        {
            "coverage": (
                ("image", "class"),
                coverage,
                {**frac, "long_name": "fraction of the image covered by the class's boxes"},
            ),
            "n_boxes": (("image", "class"), n_boxes, {"long_name": "number of boxes"}),
            "box_area_sum": (
                ("image", "class"),
                area_sum / npix,
                {**frac, "long_name": "summed box area over image area (overlaps twice)"},
            ),
            "labelled_fraction": (
                "image",
                labelled,
                {**frac, "long_name": "fraction of the image covered by any box"},
            ),
            "biggest_class": ("image", big_cls, class_map_attrs()),
            "biggest_class_coverage": (
                "image",
                big,
                {**frac, "long_name": "coverage of the class covering most of the image"},
            ),
            "biggest_class_share": (
                "image",
                share,
                {**frac, "long_name": "biggest class coverage over summed class coverages"},
            ),
            "n_images": (
                "class",
                per("n", per_class),
                {"long_name": "images where the class is present"},
            ),
            "coverage_histogram": (("class", "bin"), per("hist", per_class)),
            "coverage_mode": ("class", per("mode", per_class), frac),
            "coverage_skewness": ("class", per("skew", per_class)),
            "coverage_mean": ("class", per("mean", per_class), frac),
            "coverage_median": ("class", per("median", per_class), frac),
            "n_box": ("class", per("n", per_box), {"long_name": "non-empty boxes"}),
            "box_coverage_histogram": (("class", "bin"), per("hist", per_box)),
            "box_coverage_mode": ("class", per("mode", per_box), frac),
            "box_coverage_skewness": ("class", per("skew", per_box)),
            "box_coverage_median": ("class", per("median", per_box), frac),
            "biggest_coverage_histogram": ("bin", big_hist),
            "biggest_coverage_cdf": ("bin", np.cumsum(big_hist) / n_lab),
            "biggest_share_histogram": ("bin", share_hist),
            "biggest_share_cdf": ("bin", np.cumsum(share_hist) / n_lab),
        },
        coords={
            **image_coords,
            "class": ("class", list(CLASSES)),
            "class_code": ("class", np.arange(1, ncls + 1, dtype=np.int8)),
            "bin": ("bin", 0.5 * (edges[:-1] + edges[1:]), {"long_name": "bin centre"}),
            "bin_lower": ("bin", edges[:-1]),
            "bin_upper": ("bin", edges[1:]),
        },
        attrs={
            "n_images": n_img,
            "n_labelled_images": int(lab.sum()),
            "biggest_coverage_mode": _summary(big[lab], edges)["mode"],
            "biggest_share_mode": _summary(share[lab], edges)["mode"],
            "image_shape": [rows, cols],
        },
    )
    return ds


def _skew(values: np.ndarray) -> float:
    """``scipy.stats.skew`` of ``values`` (NaN for fewer than three); scipy.stats is imported
    here, where it is used: it takes half a second, which every command would pay."""
    if values.size <= 2:
        return float("nan")
    from scipy import stats

    return float(stats.skew(values))
