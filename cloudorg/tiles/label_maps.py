"""Labels of tiles: the majority class of each tile, from a store's ground-truth ``pattern``
(synthetic scenes) or from human Zooniverse boxes put on the domain grid.

Class codes are those of :mod:`cloudorg.io.labels`: 0 none, 1 Sugar, 2 Gravel, 3 Fish,
4 Flower (the synthetic ``pattern`` uses the same codes with 0 for clear sky, which counts
as no label, and -1 for no data).

Zooniverse boxes are matched to scenes by date: every box of an image of the scene's UTC
date votes on the domain grid (:func:`cloudorg.io.labels.labels_to_grid`), and the
per-pixel class with most votes is the label map that tiles are cut from.

Examples
--------
>>> import numpy as np
>>> tiles = np.array([[[1, 1], [1, 2]], [[0, 0], [0, 4]]], dtype=np.int8)
>>> majority_labels(tiles)
(array([1, 4], dtype=int8), array([0.75, 0.25], dtype=float32))
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import xarray as xr
from tqdm.auto import tqdm

from ..domains import Domain
from ..errors import ConfigError
from ..io.labels import CLASSES, labels_to_grid, tile_labels

__all__ = ["boxes_by_scene", "domain_label_fractions", "domain_label_map", "majority_labels"]

_BOX_COLUMNS = ["date", "box_lon_min", "box_lon_max", "box_lat_min", "box_lat_max", "label"]


def majority_labels(class_tiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Majority class of each tile of a class map and the fraction of the tile it covers.

    Parameters
    ----------
    class_tiles : numpy.ndarray, shape ``(n, t, t)``
        Class codes per pixel (1–4; anything else is no class).

    Returns
    -------
    label : numpy.ndarray of int8, shape ``(n,)``
        Ties go to the lower code; 0 when no pixel has a class.
    fraction : numpy.ndarray of float32, shape ``(n,)``

    Examples
    --------
    >>> import numpy as np
    >>> majority_labels(np.full((1, 3, 3), -1, np.int8))
    (array([0], dtype=int8), array([0.], dtype=float32))
    """
    n, t = class_tiles.shape[0], class_tiles.shape[-1]
    if n == 0:
        return np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.float32)
    stacked = tile_labels(class_tiles.reshape(n * t, t), (t, t))
    return stacked["label"].values[:, 0], stacked["coverage"].values[:, 0].astype(np.float32)


def _check_boxes(boxes: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(boxes, pd.DataFrame) or any(c not in boxes for c in _BOX_COLUMNS):
        raise ConfigError(
            f"boxes must be a DataFrame with columns {_BOX_COLUMNS} (as from "
            "cloudorg.io.labels.read_zooniverse)"
        )
    return boxes[boxes[_BOX_COLUMNS].notna().all(axis=1)]


def boxes_by_scene(boxes: pd.DataFrame, times: np.ndarray) -> list[pd.DataFrame]:
    """The label boxes of each scene: those of images of the scene's UTC date.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> boxes = pd.DataFrame({"date": pd.to_datetime(["2020-01-20", "2020-01-21"]),
    ...     "box_lon_min": [-55.0, -55.0], "box_lon_max": [-54.0, -54.0],
    ...     "box_lat_min": [14.0, 14.0], "box_lat_max": [15.0, 15.0], "label": ["Fish", "Sugar"]})
    >>> times = np.array(["2020-01-21T13:00", "2020-01-22T13:00"], dtype="datetime64[ms]")
    >>> [b["label"].tolist() for b in boxes_by_scene(boxes, times)]
    [['Sugar'], []]
    """
    boxes = _check_boxes(boxes)
    groups = dict(list(boxes.groupby(boxes["date"].dt.normalize())))
    empty = boxes.iloc[:0]
    return [groups.get(pd.Timestamp(t).normalize(), empty) for t in np.asarray(times)]


@lru_cache(maxsize=4)
def _lonlats(domain: Domain, step: int) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = domain.lonlats()
    return lon[::step, ::step], lat[::step, ::step]


def domain_label_map(boxes: pd.DataFrame, domain: Domain, *, step: int = 1) -> np.ndarray:
    """The per-pixel majority class of label boxes on a domain grid.

    Parameters
    ----------
    boxes : pandas.DataFrame
        Lon/lat boxes (``box_lon_min`` … ``label``), e.g. those of one date.
    domain : Domain
        The grid.
    step : int
        Take every ``step``-th pixel along both axes (coarser maps for statistics).

    Returns
    -------
    numpy.ndarray of int8, shape ``domain.shape`` (subsampled by ``step``)

    Examples
    --------
    >>> import pandas as pd
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=10)
    >>> boxes = pd.DataFrame({"box_lon_min": [-56.0], "box_lon_max": [-54.5],
    ...                       "box_lat_min": [13.0], "box_lat_max": [16.0], "label": ["Fish"]})
    >>> m = domain_label_map(boxes, dom)
    >>> m.shape, sorted(set(m[:, 0].tolist())), sorted(set(m[:, -1].tolist()))
    ((12, 12), [3], [0])
    """
    if int(step) != step or step < 1:
        raise ConfigError(f"step must be a positive integer, got {step!r}")
    lon, lat = _lonlats(domain, int(step))
    return labels_to_grid(boxes, lon, lat)["label"].values


def domain_label_fractions(
    boxes: pd.DataFrame, domain: Domain, *, step: int = 4, progress: bool = False
) -> xr.Dataset:
    """Per date, the fraction of a domain's pixels whose majority label is each class.

    Only images whose extent overlaps the domain's lon/lat box are used.

    Parameters
    ----------
    boxes : pandas.DataFrame
        As from :func:`cloudorg.io.labels.read_zooniverse`.
    domain : Domain
        The grid.
    step : int
        Pixel subsampling of the grid (fractions are estimated on every ``step``-th pixel).
    progress : bool
        Show a progress bar over the dates.

    Returns
    -------
    xarray.Dataset
        ``fraction (date, class)`` and ``labelled_fraction (date)``; dims ``date`` (the
        dates with a box overlapping the domain) and ``class``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=10)
    >>> boxes = pd.DataFrame({"date": pd.to_datetime(["2020-01-20"]),
    ...     "lon_min": [-61.0], "lon_max": [-40.0], "lat_min": [10.0], "lat_max": [24.0],
    ...     "box_lon_min": [-56.0], "box_lon_max": [-50.0], "box_lat_min": [13.0],
    ...     "box_lat_max": [16.0], "label": ["Fish"]})
    >>> domain_label_fractions(boxes, dom, step=1)["fraction"].sel({"class": "Fish"}).values
    array([1.])
    """
    boxes = _check_boxes(boxes)
    if {"lon_min", "lon_max", "lat_min", "lat_max"} <= set(boxes.columns):
        overlaps = (
            (boxes["lon_min"] < domain.lon_max)
            & (boxes["lon_max"] > domain.lon_min)
            & (boxes["lat_min"] < domain.lat_max)
            & (boxes["lat_max"] > domain.lat_min)
        )
        boxes = boxes[overlaps]
    dates, fractions = [], []
    groups = boxes.groupby(boxes["date"].dt.normalize())
    for date, group in tqdm(
        groups, total=groups.ngroups, desc="labels", unit="date", disable=not progress
    ):
        label = domain_label_map(group, domain, step=step)
        counts = np.bincount(label.ravel(), minlength=len(CLASSES) + 1)[1:]
        dates.append(date)
        fractions.append(counts / label.size)
    frac = np.asarray(fractions, dtype=np.float64).reshape(len(dates), len(CLASSES))
    return xr.Dataset(
        {
            "fraction": (
                ("date", "class"),
                frac,
                {
                    "units": "1",
                    "long_name": "fraction of the domain labelled as the "
                    "class (majority of the boxes of the date)",
                },
            ),
            "labelled_fraction": (
                "date",
                frac.sum(axis=1),
                {"units": "1", "long_name": "fraction of the domain with any label"},
            ),
        },
        coords={"date": np.asarray(dates, dtype="datetime64[ns]"), "class": list(CLASSES)},
        attrs={"domain": domain.name, "step": int(step)},
    )
