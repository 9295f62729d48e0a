"""The class of each tile, from the tile table or from any label source.

Every tile gets the majority class of its pixels (:func:`cloudorg.tiles.majority_labels`)
when that class covers at least ``min_coverage`` of the tile; a tile below the minimum,
or without any labelled pixel, gets 0 (none); a tile of a scene the labels do not cover
gets -1 (unknown). Only classes 1–4 are scored.

- :func:`table_labels`: the labels the tile table holds (a store's ground-truth
  ``pattern``, or boxes given to ``cloudorg tiles``), with the coverage rule applied to
  their ``label_fraction``;
- :func:`source_labels`: the labels of a :class:`~cloudorg.io.labels.LabelSource` (any
  label file, :func:`~cloudorg.io.labels.read_labels`), cut per tile from each scene's
  class map on the domain grid.

Examples
--------
>>> import numpy as np, xarray as xr
>>> table = xr.Dataset({"label": ("tile", np.array([1, 3, 0], np.int8)),
...                     "label_fraction": ("tile", [0.9, 0.4, 0.0])},
...                    attrs={"label_source": "pattern"})
>>> table_labels(table, min_coverage=0.5)["label"].values.tolist()
[1, 0, 0]
"""

from __future__ import annotations

import numbers
from functools import lru_cache
from typing import Any

import numpy as np
import xarray as xr

from cloudorg.analysis.checks import TILE
from cloudorg.domains import Domain
from cloudorg.errors import ConfigError
from cloudorg.io.labels import FLAG_MEANINGS, FLAG_VALUES, LabelSource
from cloudorg.tiles.cutting import cut_tiles
from cloudorg.tiles.label_maps import majority_labels

__all__ = ["DEFAULT_MIN_COVERAGE", "source_labels", "table_labels"]

DEFAULT_MIN_COVERAGE = 0.5
"""Smallest fraction of a tile its majority class must cover for the tile to take it."""


def _check_coverage(value: Any) -> float:
    if not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ConfigError(f"min_coverage: expected a fraction in [0, 1], got {value!r}")
    return float(value)


def _labels(label: np.ndarray, fraction: np.ndarray, table: xr.Dataset, source: str,
            min_coverage: float) -> xr.Dataset:  # fmt: skip
    """The per-tile dataset, with the coverage rule applied."""
    label = np.where((label >= 1) & (fraction < min_coverage), 0, label).astype(np.int8)
    coords = {TILE: table[TILE].values} if TILE in table.coords else {}
    return xr.Dataset(
        {
            "label": (TILE, label, {
                "long_name": "organisation class of the tile (majority of its pixels)",
                "flag_values": FLAG_VALUES.copy(),
                "flag_meanings": FLAG_MEANINGS,
                "comment": "-1: unknown (no label for the tile's scene)",
            }),
            "label_fraction": (TILE, fraction.astype(np.float32), {
                "long_name": "fraction of the tile covered by its majority class",
                "units": "1",
            }),
        },
        coords=coords,
        attrs={"label_source": source, "min_coverage": min_coverage},
    )  # fmt: skip


def table_labels(table: xr.Dataset, *, min_coverage: float = DEFAULT_MIN_COVERAGE) -> xr.Dataset:
    """The labels of a tile table under the coverage rule.

    Parameters
    ----------
    table : xarray.Dataset
        A tile table with ``label`` (and ``label_fraction``; without it every label
        counts as covering its tile).
    min_coverage : float, default 0.5
        Smallest fraction of the tile the majority class must cover.

    Returns
    -------
    xarray.Dataset
        ``label`` (int8: -1 unknown, 0 none, 1–4) and ``label_fraction`` along ``tile``;
        attrs ``label_source`` and ``min_coverage``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When the table has no labels, or for a bad ``min_coverage``.

    Examples
    --------
    >>> import xarray as xr
    >>> table_labels(xr.Dataset({"flags": ("tile", [0])}))
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: table: the tile table has no labels; give a label file ...
    """
    min_coverage = _check_coverage(min_coverage)
    if "label" not in table:
        raise ConfigError("table: the tile table has no labels; give a label file (labels=)")
    label = table["label"].values.astype(np.int8)
    if "label_fraction" in table:
        fraction = table["label_fraction"].values
    else:
        fraction = np.where(label >= 1, 1.0, 0.0)
    source = f"the tile table ({table.attrs.get('label_source', 'labels')})"
    return _labels(label, fraction, table, source, min_coverage)


@lru_cache(maxsize=2)
def _lonlats(domain: Domain) -> tuple[np.ndarray, np.ndarray]:
    return domain.lonlats()


def source_labels(
    source: LabelSource,
    table: xr.Dataset,
    domain: Domain,
    *,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
) -> xr.Dataset:
    """The class of every tile of a tile table, from a label source.

    Parameters
    ----------
    source : LabelSource
        From :func:`cloudorg.io.labels.read_labels`.
    table : xarray.Dataset
        A tile table (``scene_index``, ``scene_id``, ``time``, ``row0``, ``col0``, attr
        ``tile_size``).
    domain : Domain
        The store's domain grid (the label maps' grid).
    min_coverage : float, default 0.5
        Smallest fraction of the tile the majority class must cover.

    Returns
    -------
    xarray.Dataset
        As :func:`table_labels`; tiles of scenes the source does not cover are -1.

    Raises
    ------
    cloudorg.errors.ConfigError
        For a table without tile geometry or a bad ``min_coverage``.
    cloudorg.errors.InputFileError
        When the labels do not fit the domain (e.g. a raster of another grid).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from cloudorg.io.labels import SceneTable
    >>> from cloudorg.synthetic.stores import EXAMPLE_DOMAIN
    >>> table = xr.Dataset({"scene_index": ("tile", [0, 1]), "scene_id": ("tile", ["a", "b"]),
    ...     "time": ("tile", np.array(["2020-02-01T14", "2020-02-01T15"], "datetime64[ns]")),
    ...     "row0": ("tile", [0, 0]), "col0": ("tile", [0, 0])}, attrs={"tile_size": 64})
    >>> source = SceneTable("s.csv", np.timedelta64(0, "s"), "scene_id", np.array(["b"]),
    ...                     np.array([2], np.int8))
    >>> source_labels(source, table, EXAMPLE_DOMAIN)["label"].values.tolist()
    [-1, 2]
    """
    min_coverage = _check_coverage(min_coverage)
    needed = ("scene_index", "scene_id", "time", "row0", "col0")
    if any(c not in table for c in needed) or "tile_size" not in table.attrs:
        raise ConfigError(f"table: expected a tile table with {list(needed)} and attr tile_size")
    size = int(table.attrs["tile_size"])
    scene = table["scene_index"].values
    label = np.full(scene.size, -1, dtype=np.int8)
    fraction = np.zeros(scene.size, dtype=np.float32)
    lon = lat = None
    for s in np.unique(scene):
        members = np.flatnonzero(scene == s)
        first = members[0]
        if source.kind != "scenes" and lon is None:
            lon, lat = _lonlats(domain)
        classes = source.class_map(table["time"].values[first],
                                   str(table["scene_id"].values[first]), lon, lat)  # fmt: skip
        if classes is None:
            continue
        if np.ndim(classes) == 0:
            label[members] = int(classes)
            fraction[members] = 1.0 if int(classes) >= 1 else 0.0
            continue
        padded = np.pad(classes, size, constant_values=-1)  # tiles reaching past the edge
        rows = table["row0"].values[members] + size
        cols = table["col0"].values[members] + size
        label[members], fraction[members] = majority_labels(cut_tiles(padded, rows, cols, size))
    return _labels(label, fraction, table, source.description, min_coverage)
