"""Quality filters of tiles: per-tile statistics (vectorised over the tiles of a block) and
flags.

Statistics, computed from the pixels:

``valid_fraction``
    Fraction of the tile's pixels with data in every checked variable (``rgb`` not black
    in all bands, float quantities not NaN; pixels beyond the domain of ``pad`` tiles have
    none).
``hue``
    HSV hue in degrees (0–360, ``matplotlib.colors.rgb_to_hsv`` × 360) of the tile's
    **mean colour**: the mean ``rgb`` over its non-black pixels. A mean colour is stable
    where per-pixel hues are not (near-grey cloud and dark-sea pixels have arbitrary
    hues); adding white cloud to a sea colour keeps its hue. The cloud-free sea of the
    report's images is dark blue (hue ~220°); a green-tinted image (a badly balanced
    synthetic green) has hues near 90°.
``brightness_temperature_11_p25``
    25th percentile of the tile's 11 µm brightness temperature (K).

Flags (bits of ``flags``; a tile is *usable* when none of the chosen flags is set):

=====================  ===  ===========================================================
flag                   bit  set when
=====================  ===  ===========================================================
``missing_pixels``     1    any pixel has no data — the report drops tiles with black
                            pixels
``low_valid_fraction`` 2    ``valid_fraction < min_valid_fraction`` (0.5): a lenient
                            alternative to ``missing_pixels``
``high_cloud``         4    ``brightness_temperature_11_p25 <= 285 K`` (Stevens et al.
                            2019 keep scenes whose 25th percentile exceeds 285 K)
``hue``                8    ``80 <= hue <= 100`` degrees (report appendix: "delete tiles
                            whose hue level is between 80 and 100")
``night``              16   solar zenith angle at the tile centre > 80°
=====================  ===  ===========================================================

The report does not say on which scale its hue levels are; degrees are assumed. Read as
PIL's 0–255 hue scale the same words mean 113–141°: ``FilterConfig(hue_range=(113, 141))``.

Examples
--------
>>> import numpy as np
>>> green = np.broadcast_to(np.array([130, 200, 60], np.uint8)[:, None, None], (3, 4, 4))
>>> tile_hue(green[None]).round(1)
array([90.], dtype=float32)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ConfigError

__all__ = ["FLAGS", "FilterConfig", "flag_tiles", "pixel_statistics", "tile_hue", "usable"]

FLAGS: dict[str, int] = {
    "missing_pixels": 1,
    "low_valid_fraction": 2,
    "high_cloud": 4,
    "hue": 8,
    "night": 16,
}
"""Flag bits of the tile table's ``flags``."""

BT = "brightness_temperature_11"
NOT_IMAGES = ("pattern", "cloud_mask")
"""Scene variables that are not images, not checked for missing pixels (except the
``cloud_mask`` of a store that holds nothing else)."""


@dataclass(frozen=True)
class FilterConfig:
    """Thresholds of the quality flags.

    Parameters
    ----------
    min_valid_fraction : float
        ``low_valid_fraction`` below this fraction of pixels with data.
    high_cloud_bt_p25 : float
        ``high_cloud`` when the tile's 25th percentile of the 11 µm brightness temperature
        is at or below this (K).
    hue_range : (float, float)
        ``hue`` when the mean-colour hue lies in this closed range (degrees).
    max_solar_zenith : float
        ``night`` when the solar zenith angle at the tile centre exceeds this (degrees).

    Examples
    --------
    >>> FilterConfig(hue_range=(100, 80))
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: hue_range must be (low, high) in degrees with low <= high, ...
    """

    min_valid_fraction: float = 0.5
    high_cloud_bt_p25: float = 285.0
    hue_range: tuple[float, float] = (80.0, 100.0)
    max_solar_zenith: float = 80.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_valid_fraction <= 1.0:
            raise ConfigError(
                f"min_valid_fraction must be in [0, 1], got {self.min_valid_fraction!r}"
            )
        lo, hi = (float(v) for v in self.hue_range)
        if not lo <= hi:
            raise ConfigError(
                f"hue_range must be (low, high) in degrees with low <= high, got {self.hue_range!r}"
            )
        object.__setattr__(self, "hue_range", (lo, hi))

    def to_attrs(self) -> dict[str, Any]:
        """Attributes (``filter_<name>``) recording the thresholds.

        Examples
        --------
        >>> FilterConfig.from_attrs(FilterConfig().to_attrs()) == FilterConfig()
        True
        """
        return {
            f"filter_{k}": list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()
        }

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, Any]) -> FilterConfig:
        """Thresholds from :meth:`to_attrs` (or a tile table's attributes)."""
        values = {k[len("filter_") :]: v for k, v in attrs.items() if k.startswith("filter_")}
        if "hue_range" in values:
            values["hue_range"] = tuple(values["hue_range"])
        return cls(**values)


def tile_hue(rgb: np.ndarray) -> np.ndarray:
    """HSV hue (degrees) of the mean colour of each tile's non-black pixels.

    Parameters
    ----------
    rgb : numpy.ndarray of uint8, shape ``(n, 3, t, t)``

    Returns
    -------
    numpy.ndarray of float32, shape ``(n,)``
        NaN for a tile without a non-black pixel; 0 for a grey mean colour.

    Examples
    --------
    >>> import numpy as np
    >>> sea = np.zeros((1, 3, 2, 2), np.uint8); sea[0, :, 0, 0] = (30, 45, 80)
    >>> tile_hue(sea).round(), tile_hue(np.zeros((1, 3, 2, 2), np.uint8))
    (array([222.], dtype=float32), array([nan], dtype=float32))
    """
    n = rgb.shape[0]
    flat = rgb.reshape(n, 3, -1)
    count = flat.any(axis=1).sum(axis=1)
    sums = flat.sum(axis=2, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / (255.0 * count[:, None])
    from matplotlib.colors import rgb_to_hsv  # here, not at import: commands start faster

    hue = rgb_to_hsv(np.nan_to_num(mean))[:, 0] * 360.0
    return np.where(count > 0, hue, np.nan).astype(np.float32)


def pixel_statistics(tiles: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-tile statistics of the filters, from the tiles of one block.

    Parameters
    ----------
    tiles : mapping of str to numpy.ndarray
        Tiles ``(n, [band,] t, t)`` of scene variables by name: ``rgb`` (uint8; black = no
        data), float quantities (NaN = no data; ``brightness_temperature_11`` also gives
        its 25th percentile; a product ``cloud_mask``), other 8-bit images (0 = no data);
        a ``pattern`` is left out.

    Returns
    -------
    dict
        ``valid_fraction`` (float32) and, when their variables are given, ``hue`` and
        ``brightness_temperature_11_p25`` (float32, NaN without data).

    Examples
    --------
    >>> import numpy as np
    >>> bt = np.full((2, 4, 4), 290.0, np.float32); bt[1, 0, :2] = np.nan
    >>> stats = pixel_statistics({"brightness_temperature_11": bt})
    >>> stats["valid_fraction"], stats["brightness_temperature_11_p25"]
    (array([1.   , 0.875], dtype=float32), array([290., 290.], dtype=float32))
    """
    missing = None
    out: dict[str, np.ndarray] = {}
    for name, arr in tiles.items():
        if name == "pattern":
            continue
        none = np.isnan(arr) if arr.dtype.kind == "f" else arr == 0
        if arr.ndim == 4:
            none = none.all(axis=1) if name == "rgb" else none.any(axis=1)
        missing = none if missing is None else missing | none
        if name == "rgb":
            out["hue"] = tile_hue(arr)
        if name == BT:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="All-NaN slice")
                p25 = np.nanpercentile(arr.reshape(arr.shape[0], -1), 25, axis=1)
            out[f"{BT}_p25"] = p25.astype(np.float32)
    if missing is None:
        raise ConfigError(f"no image variable among {sorted(tiles)} to compute statistics of")
    out["valid_fraction"] = 1.0 - missing.reshape(missing.shape[0], -1).mean(
        axis=1, dtype=np.float32
    )
    return out


def flag_tiles(table: xr.Dataset, config: FilterConfig | None = None) -> xr.Dataset:
    """Set the table's ``flags`` from its statistics and the thresholds (no pixel read).

    Parameters
    ----------
    table : xarray.Dataset
        A tile table with ``valid_fraction``, ``solar_zenith_angle`` and, when the store
        has their variables, ``hue`` and ``brightness_temperature_11_p25``.
    config : FilterConfig, optional
        Thresholds (default ``FilterConfig()``).

    Returns
    -------
    xarray.Dataset
        ``table`` with ``flags`` (uint8, CF ``flag_masks``/``flag_meanings``) and the
        thresholds in its attributes.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> t = xr.Dataset({"valid_fraction": ("tile", [1.0, 0.4]),
    ...                 "solar_zenith_angle": ("tile", [30.0, 85.0]),
    ...                 "hue": ("tile", [220.0, 90.0])})
    >>> flag_tiles(t)["flags"].values
    array([ 0, 27], dtype=uint8)
    """
    config = config or FilterConfig()
    n = table.sizes["tile"]
    nan = xr.DataArray(np.full(n, np.nan), dims="tile")
    valid = table["valid_fraction"]
    hue = table.get("hue", nan)
    p25 = table.get(f"{BT}_p25", nan)
    lo, hi = config.hue_range
    conditions = {
        "missing_pixels": valid < 1.0,
        "low_valid_fraction": valid < config.min_valid_fraction,
        "high_cloud": p25 <= config.high_cloud_bt_p25,
        "hue": (hue >= lo) & (hue <= hi),
        "night": table["solar_zenith_angle"] > config.max_solar_zenith,
    }
    flags = np.zeros(n, dtype=np.uint8)
    for name, cond in conditions.items():
        flags |= np.where(cond.values, np.uint8(FLAGS[name]), np.uint8(0))
    out = table.assign(
        flags=(
            "tile",
            flags,
            {
                "long_name": "quality flags of the tile",
                "flag_masks": np.array(list(FLAGS.values()), dtype=np.uint8),
                "flag_meanings": " ".join(FLAGS),
            },
        )
    )
    out.attrs.update(config.to_attrs())
    return out


def _filter_mask(filters: Sequence[str] | None) -> int:
    names = list(FLAGS) if filters is None else list(filters)
    unknown = [f for f in names if f not in FLAGS]
    if unknown or isinstance(filters, str):
        raise ConfigError(
            f"filters must be a list of flag names from {list(FLAGS)}, got {filters!r}"
        )
    return int(sum(FLAGS[f] for f in set(names)))


def usable(table: xr.Dataset, filters: Sequence[str] | None = None) -> xr.DataArray:
    """Whether each tile passes the chosen filters.

    Parameters
    ----------
    table : xarray.Dataset
        A tile table with ``flags``.
    filters : sequence of str, optional
        Flags that exclude a tile (default: all of :data:`FLAGS`). For ``pad`` tilings,
        ``[f for f in FLAGS if f != "missing_pixels"]`` keeps partly padded tiles.

    Returns
    -------
    xarray.DataArray of bool, dim ``tile``

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> t = xr.Dataset({"flags": ("tile", np.array([0, 1, 4], np.uint8))})
    >>> usable(t).values, usable(t, ["high_cloud"]).values
    (array([ True, False, False]), array([ True,  True, False]))
    """
    mask = _filter_mask(filters)
    return (table["flags"] & mask) == 0


def flag_counts(table: xr.Dataset) -> dict[str, int]:
    """Number of tiles carrying each flag.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> flag_counts(xr.Dataset({"flags": ("tile", np.array([0, 5, 4], np.uint8))}))["high_cloud"]
    2
    """
    flags = table["flags"].values
    return {name: int(((flags & bit) != 0).sum()) for name, bit in FLAGS.items()}
