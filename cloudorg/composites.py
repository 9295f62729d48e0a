"""Image recipes built from calibrated quantities: the report's true-colour RGB and greyscale.

The RGB follows the recipe of the report's appendix (after the OCC GOES-16 notebook):
reflectances in percent are scaled to ``[0, 1]`` (``max_reflectance`` maps to 1), each
channel gets a gamma correction ``v ** (1 / gamma)``, and the green channel, which ABI
lacks, is synthesised from the corrected channels as

    true_green = 0.48358168 · R + 0.45706946 · B + 0.06038137 · NIR

with R = 0.64 µm, B = 0.47 µm, NIR = 0.86 µm. Images are stored as 8-bit like the
images the report works on; valid pixels take values 1–255 so that 0 in every channel
marks a pixel without data (the report's "black pixels").

Examples
--------
>>> import numpy as np, xarray as xr
>>> ds = xr.Dataset({q: (("y", "x"), np.full((2, 2), 20.0)) for q in RGBRecipe().requires})
>>> rgb = rgb_composite(ds)
>>> rgb.dims, rgb.dtype.name
(('band', 'y', 'x'), 'uint8')
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import xarray as xr

from .errors import ConfigError, MissingBandError

__all__ = ["RGBRecipe", "greyscale_composite", "rgb_composite", "to_uint8", "true_green"]

TRUE_GREEN_WEIGHTS = (0.48358168, 0.45706946, 0.06038137)
"""Weights of R (0.64 µm), B (0.47 µm) and NIR (0.86 µm) in the synthetic green."""

LUMA_WEIGHTS = (0.299, 0.587, 0.114)
"""ITU-R BT.601 weights of R, G, B in the greyscale."""


@dataclass(frozen=True)
class RGBRecipe:
    """Parameters of the true-colour RGB.

    Attributes
    ----------
    red, blue, nir : str
        Store quantities used as R, B and the NIR input of the synthetic green.
    green_weights : tuple of float
        Weights of (R, B, NIR) in the synthetic green.
    max_reflectance : float
        Reflectance (%) mapped to full brightness.
    gamma : float
        Gamma; channels become ``v ** (1 / gamma)``. The report uses 2.2 (and 1/0.25 = 4
        for the darker EUREC4A files).

    Examples
    --------
    >>> RGBRecipe(gamma=4.0).requires
    ('reflectance_0p64', 'reflectance_0p47', 'reflectance_0p86')
    """

    red: str = "reflectance_0p64"
    blue: str = "reflectance_0p47"
    nir: str = "reflectance_0p86"
    green_weights: tuple[float, float, float] = TRUE_GREEN_WEIGHTS
    max_reflectance: float = 100.0
    gamma: float = 2.2

    def __post_init__(self) -> None:
        if not self.gamma > 0:
            raise ConfigError(f"RGBRecipe.gamma must be > 0, got {self.gamma}")
        if not self.max_reflectance > 0:
            raise ConfigError(
                f"RGBRecipe.max_reflectance must be > 0 (%), got {self.max_reflectance}"
            )

    @property
    def requires(self) -> tuple[str, str, str]:
        """The quantities the recipe reads."""
        return (self.red, self.blue, self.nir)

    def to_attrs(self) -> dict[str, object]:
        """The recipe as JSON-able attributes.

        Examples
        --------
        >>> RGBRecipe().to_attrs()["gamma"]
        2.2
        """
        attrs = asdict(self)
        attrs["green_weights"] = list(self.green_weights)
        return attrs


def true_green(
    red: np.ndarray, blue: np.ndarray, nir: np.ndarray, weights=TRUE_GREEN_WEIGHTS
) -> np.ndarray:
    """Synthetic green from red, blue and near-infrared (report's equation 9).

    Examples
    --------
    >>> float(true_green(1.0, 1.0, 1.0))
    1.00103251
    """
    wr, wb, wn = weights
    return wr * np.asarray(red) + wb * np.asarray(blue) + wn * np.asarray(nir)


def to_uint8(value: np.ndarray) -> np.ndarray:
    """Map ``[0, 1]`` to 1–255, NaN to 0 (no data).

    Examples
    --------
    >>> to_uint8(np.array([0.0, 1.0, np.nan]))
    array([  1, 255,   0], dtype=uint8)
    """
    scaled = np.clip(np.asarray(value, dtype=np.float32), 0.0, 1.0)  # NaN stays NaN
    scaled *= 254.0
    scaled += 1.5  # 1 + round half up by truncation below
    scaled[np.isnan(scaled)] = 0.0
    return scaled.astype(np.uint8)


def _require(ds: xr.Dataset, names: tuple[str, ...], what: str) -> None:
    missing = [n for n in names if n not in ds]
    if missing:
        raise MissingBandError(f"{what} needs {missing}, absent from the scene")


def _normalised(ds: xr.Dataset, name: str, recipe: RGBRecipe) -> np.ndarray:
    value = np.asarray(ds[name], dtype=np.float32) / recipe.max_reflectance
    return np.clip(value, 0.0, 1.0) ** (1.0 / recipe.gamma)


def rgb_composite(ds: xr.Dataset, recipe: RGBRecipe | None = None) -> xr.DataArray:
    """The report's true-colour RGB of a scene, as 8-bit ``(band, y, x)``.

    Parameters
    ----------
    ds : xarray.Dataset
        Reflectances (%) named as in :data:`cloudorg.quantities.QUANTITIES`.
    recipe : RGBRecipe, optional
        Defaults to ``RGBRecipe()``.

    Raises
    ------
    MissingBandError
        When a quantity of the recipe is absent.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({q: (("y", "x"), np.full((1, 1), 100.0)) for q in RGBRecipe().requires})
    >>> rgb_composite(ds).values.ravel().tolist()
    [255, 255, 255]
    """
    recipe = recipe or RGBRecipe()
    _require(ds, recipe.requires, "the true-colour RGB")
    r = _normalised(ds, recipe.red, recipe)
    b = _normalised(ds, recipe.blue, recipe)
    n = _normalised(ds, recipe.nir, recipe)
    g = np.clip(true_green(r, b, n, recipe.green_weights), 0.0, 1.0)
    channels = np.stack([r, g, b])
    channels[:, ~np.isfinite(channels).all(axis=0)] = np.nan  # a pixel is whole or black
    data = to_uint8(channels)
    dims = ("band", *ds[recipe.red].dims)
    return xr.DataArray(
        data,
        dims=dims,
        coords={"band": ["R", "G", "B"], **{d: ds[d] for d in dims[1:] if d in ds.coords}},
        name="rgb",
        attrs={
            "long_name": "true-colour RGB with synthetic green",
            "units": "1",
            "comment": "8-bit; valid pixels 1-255, 0 in every band = no data",
            "recipe": str(recipe.to_attrs()),
        },
    )


def greyscale_composite(rgb: xr.DataArray) -> xr.DataArray:
    """8-bit luma of an RGB (ITU-R BT.601), 0 where the RGB has no data.

    The report thresholds this image at 127 to make cloud masks.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rgb = xr.DataArray(np.full((3, 1, 1), 255, "uint8"), dims=("band", "y", "x"))
    >>> int(greyscale_composite(rgb).values[0, 0])
    255
    """
    values = np.asarray(rgb, dtype=np.float32)
    missing = ~values.any(axis=0)
    luma = sum(w * values[i] for i, w in enumerate(LUMA_WEIGHTS))
    grey = np.where(missing, 0.0, np.clip(np.rint(luma), 1.0, 255.0)).astype(np.uint8)
    return xr.DataArray(
        grey,
        dims=rgb.dims[1:],
        coords={d: rgb[d] for d in rgb.dims[1:] if d in rgb.coords},
        name="greyscale",
        attrs={
            "long_name": "greyscale (BT.601 luma) of the true-colour RGB",
            "units": "1",
            "comment": "8-bit; valid pixels 1-255, 0 = no data",
        },
    )
