"""Helpers shared by the synthetic ABI and MODIS writers.

Time handling, the Earth–Sun distance, quantisation of physical values to the scaled
integers of L1b files, the band ↔ quantity look-up from :mod:`cloudorg.quantities`,
checks of a fields dataset, and the YAML attribute tables of the writers
(:func:`load_table`, :func:`render`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

import numpy as np
import xarray as xr
import yaml

from cloudorg.errors import ConfigError
from cloudorg.quantities import QUANTITIES

J2000 = dt.datetime(2000, 1, 1, 12, 0, 0)
"""Epoch of ABI time variables (``seconds since 2000-01-01 12:00:00``)."""


def as_utc(time: dt.datetime, name: str = "start_time") -> dt.datetime:
    """Return ``time`` as a naive UTC datetime (aware datetimes are converted)."""
    if not isinstance(time, dt.datetime):
        raise ConfigError(f"{name}: expected a datetime.datetime, got {type(time).__name__}")
    if time.tzinfo is not None:
        time = time.astimezone(dt.UTC).replace(tzinfo=None)
    return time


def earth_sun_distance(time: dt.datetime) -> float:
    """Earth–Sun distance in astronomical units (first-order eccentricity formula)."""
    doy = time.timetuple().tm_yday + time.hour / 24.0
    return 1.0 - 0.01672 * math.cos(math.radians(0.9856 * (doy - 4.0)))


def to_counts(
    values: np.ndarray,
    scale: float,
    offset: float,
    *,
    valid_max: int,
    fill: int,
    modis: bool = False,
) -> np.ndarray:
    """Quantise physical values to the scaled integers of an L1b file (uint16).

    ``modis=False`` inverts the CF/ABI convention ``value = count * scale + offset``;
    ``modis=True`` inverts the MODIS convention ``value = (count - offset) * scale``.
    NaN becomes ``fill``; other values are rounded and clipped to ``[0, valid_max]``.
    """
    values = np.asarray(values, dtype=np.float64)
    counts = values / scale + offset if modis else (values - offset) / scale
    good = np.isfinite(counts)
    counts = np.clip(np.rint(np.where(good, counts, 0.0)), 0, valid_max)
    return np.where(good, counts, fill).astype(np.uint16)


def band_quantities(sensor: str) -> dict[str, str]:
    """Map each band of ``sensor`` in :data:`cloudorg.quantities.QUANTITIES` to its quantity."""
    return {band: q.name for q in QUANTITIES.values() for band in q.bands.get(sensor, ())}


def check_fields(fields: xr.Dataset, variables: Iterable[str]) -> None:
    """Raise :class:`ConfigError` unless ``fields`` is a lat/lon grid holding ``variables``."""
    if not isinstance(fields, xr.Dataset):
        raise ConfigError(f"fields: expected an xarray.Dataset, got {type(fields).__name__}")
    for coord in ("lat", "lon"):
        if coord not in fields.coords or fields[coord].size < 2:
            raise ConfigError(f"fields: expected a 1-D coordinate {coord!r} of 2 or more values")
    missing = sorted(set(variables) - set(fields.data_vars))
    if missing:
        raise ConfigError(f"fields: missing variables {missing} (see synthesize_fields)")


def fields_extent(fields: xr.Dataset) -> tuple[float, float, float, float]:
    """Outer edges ``(lon_min, lon_max, lat_min, lat_max)`` of a regular fields grid."""
    lon, lat = fields["lon"].values, fields["lat"].values
    half_x, half_y = abs(lon[1] - lon[0]) / 2, abs(lat[1] - lat[0]) / 2
    return (
        float(lon.min() - half_x),
        float(lon.max() + half_x),
        float(lat.min() - half_y),
        float(lat.max() + half_y),
    )


def check_bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    """Validate ``(lon_min, lon_max, lat_min, lat_max)`` and return it as floats."""
    try:
        lon_min, lon_max, lat_min, lat_max = (float(b) for b in bounds)
    except (TypeError, ValueError) as err:
        raise ConfigError(
            f"bounds: expected (lon_min, lon_max, lat_min, lat_max), got {bounds!r}"
        ) from err
    if not (-180.0 <= lon_min < lon_max <= 180.0 and -90.0 <= lat_min < lat_max <= 90.0):
        raise ConfigError(
            f"bounds: expected -180 <= lon_min < lon_max <= 180 and "
            f"-90 <= lat_min < lat_max <= 90, got {bounds!r}"
        )
    return lon_min, lon_max, lat_min, lat_max


def _typed(node: Any) -> Any:
    """Replace every ``{dtype: ..., value: ...}`` mapping of a YAML tree by a numpy value."""
    if isinstance(node, dict):
        if set(node) == {"dtype", "value"}:
            if isinstance(node["value"], list):
                return np.array(node["value"], dtype=node["dtype"])
            return np.dtype(node["dtype"]).type(node["value"])
        return {key: _typed(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_typed(value) for value in node]
    return node


def load_table(name: str) -> dict[str, Any]:
    """Read a YAML attribute table shipped with :mod:`cloudorg.synthetic`.

    A mapping of exactly the keys ``dtype`` and ``value`` becomes a numpy scalar (or an
    array, for a list value) of that dtype; everything else keeps its YAML type.

    Parameters
    ----------
    name : str
        File name inside the package, e.g. ``abi.yaml``.

    Returns
    -------
    dict
        The table, in file order.

    Examples
    --------
    >>> table = load_table("abi.yaml")
    >>> dqf = table["variables"]["DQF"]["attrs"]
    >>> dqf["valid_range"], type(dqf["number_of_qf_values"]).__name__
    (array([0, 4], dtype=int8), 'int8')
    """
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return _typed(yaml.safe_load(text))


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(node: Any, context: dict[str, Any]) -> Any:
    """Fill the ``{placeholders}`` of the strings of a table from ``context``.

    A string that is a single bare placeholder (``"{kappa0}"``) becomes the context value
    itself, of whatever type; other strings are filled with :meth:`str.format`. Mappings
    and lists are rendered item by item; other values are returned unchanged.

    Parameters
    ----------
    node : object
        A table, or part of one (see :func:`load_table`).
    context : dict
        Values of the placeholders.

    Returns
    -------
    object
        A rendered copy of ``node``.

    Examples
    --------
    >>> render({"a": "{x}", "b": "{x:g} km", "c": [1, "{y}"]}, {"x": 2.0, "y": "two"})
    {'a': 2.0, 'b': '2 km', 'c': [1, 'two']}
    """
    if isinstance(node, dict):
        return {key: render(value, context) for key, value in node.items()}
    if isinstance(node, list):
        return [render(value, context) for value in node]
    if isinstance(node, str):
        whole = _PLACEHOLDER.fullmatch(node)
        return context[whole[1]] if whole else node.format_map(context)
    return node
