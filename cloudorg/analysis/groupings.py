"""Groupings of tiles: human classes, clusters, or any CF flag variable.

A per-tile DataArray is read as

- **classes** when its ``flag_meanings`` are the label convention
  (``"none sugar gravel fish flower"``): dimension ``class``, names ``Sugar`` … ``Flower``
  (and ``none`` for code 0 when ``include_none``);
- **groups** of another CF flag variable (``flag_values`` and ``flag_meanings``):
  dimension ``group``, named by the meanings;
- **clusters** otherwise: dimension ``cluster``, the ids ``>= 0`` present.

Negative or NaN values are unknown and left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from cloudorg.analysis.checks import class_codes, integer_codes, tile_values
from cloudorg.errors import ConfigError
from cloudorg.io.labels import CLASSES, FLAG_MEANINGS

NONE = "none"


@dataclass(frozen=True)
class Groups:
    """One grouping of the tiles.

    Attributes
    ----------
    dim : str
        Name of the dimension of per-group results (``class``, ``cluster``, ``group``).
    index : numpy.ndarray
        Per tile, the position of its group in ``coord``; -1 when left out.
    coord : numpy.ndarray
        Coordinate values of ``dim`` (class names, cluster ids, flag meanings).
    """

    dim: str
    index: np.ndarray
    coord: np.ndarray

    @property
    def names(self) -> list[str]:
        """Display names of the groups."""
        return [str(c) for c in self.coord]


def class_groups(
    labels: xr.DataArray, like: xr.DataArray | xr.Dataset, include_none: bool = False
) -> Groups:
    """The four classes (and ``none`` when asked) of label codes 0–4."""
    codes = class_codes(labels, like)
    first = 0 if include_none else 1
    names = ((NONE,) if include_none else ()) + CLASSES
    return Groups("class", np.where(codes >= first, codes - first, -1), np.array(names))


def cluster_groups(
    clusters: xr.DataArray, like: xr.DataArray | xr.Dataset, name: str = "clusters"
) -> Groups:
    """Cluster ids ``>= 0`` (negative or NaN: left out)."""
    codes = integer_codes(tile_values(clusters, like, name), name)
    ids = np.unique(codes[codes >= 0])
    index = np.where(codes >= 0, np.searchsorted(ids, codes), -1)
    return Groups("cluster", index, ids)


def flag_groups(flags: xr.DataArray, like: xr.DataArray | xr.Dataset, name: str) -> Groups:
    """Groups of a CF flag variable, named by its ``flag_meanings``."""
    meanings = str(flags.attrs["flag_meanings"]).split()
    values = np.asarray(flags.attrs.get("flag_values", np.arange(len(meanings)))).ravel()
    if values.size != len(meanings):
        raise ConfigError(f"{name}: flag_values and flag_meanings differ in length")
    codes = integer_codes(tile_values(flags, like, name), name)
    order = np.argsort(values)
    position = np.clip(np.searchsorted(values[order], codes), 0, values.size - 1)
    index = np.where(values[order][position] == codes, order[position], -1)
    return Groups("group", index, np.array(meanings))


def groups_of(
    values: xr.DataArray, like: xr.DataArray | xr.Dataset, name: str, include_none: bool = False
) -> Groups:
    """Classes, flag groups or clusters, by the attrs of ``values`` (see module doc)."""
    meanings = getattr(values, "attrs", {}).get("flag_meanings")
    if meanings == FLAG_MEANINGS:
        return class_groups(values, like, include_none)
    if meanings:
        return flag_groups(values, like, name)
    return cluster_groups(values, like, name)
