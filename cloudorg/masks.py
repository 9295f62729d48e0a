"""Cloud masks from a campaign's scenes: thresholds on a quantity, or a product's flags.

A mask is float32: 1 cloud, 0 clear, NaN where the input has no data (outside the swath,
off the disc, black RGB pixels). Missing pixels stay missing: the metrics treat them as
missing, never as clear (see :mod:`cloudorg.metrics`).

Recipes (:class:`MaskRecipe`):

- ``greyscale`` (default): the report's recipe, the 8-bit greyscale of the RGB thresholded
  at 127 (cloud where grey > 127, as OpenCV's ``THRESH_BINARY``);
- ``reflectance``: cloud where a reflectance (default ``reflectance_0p64``) exceeds a
  threshold in %;
- ``brightness_temperature``: cloud where the 11 µm brightness temperature is below a
  threshold in K;
- ``product``: a product cloud mask; for MODIS MOD35/MYD35 cloud is "cloudy" (0) or
  "uncertain / probably cloudy" (1).

Examples
--------
>>> import numpy as np, xarray as xr
>>> ds = xr.Dataset({"greyscale": (("y", "x"), np.array([[0, 100, 128]], dtype="uint8"))})
>>> cloud_mask(ds).values.tolist()
[[nan, 0.0, 1.0]]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import xarray as xr

from .errors import ConfigError, MissingBandError

__all__ = ["METHODS", "RECIPES", "MaskRecipe", "cloud_mask"]

METHODS = ("greyscale", "reflectance", "brightness_temperature", "product")


@dataclass(frozen=True)
class MaskRecipe:
    """How to make a cloud mask.

    Attributes
    ----------
    method : str
        ``greyscale``, ``reflectance``, ``brightness_temperature`` or ``product``.
    quantity : str
        Store variable the mask is made from.
    threshold : float or None
        Grey level (0–255), reflectance (%) or brightness temperature (K).
    cloudy_flags : tuple of int
        Product flag values that count as cloud (``product`` only).

    Examples
    --------
    >>> MaskRecipe.named("reflectance").threshold
    10.0
    """

    method: str = "greyscale"
    quantity: str = "greyscale"
    threshold: float | None = 127.0
    cloudy_flags: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"mask method {self.method!r}: expected one of {METHODS}")
        if self.method == "product" and not self.cloudy_flags:
            raise ConfigError("a product mask needs cloudy_flags (e.g. (0, 1) for MYD35)")
        if self.method != "product" and self.threshold is None:
            raise ConfigError(f"a {self.method} mask needs a threshold")

    @classmethod
    def named(cls, name: str, **overrides: object) -> MaskRecipe:
        """The default recipe of a method, with fields overridden.

        Examples
        --------
        >>> MaskRecipe.named("brightness_temperature", threshold=288.0).threshold
        288.0
        """
        if name not in RECIPES:
            raise ConfigError(f"mask recipe {name!r}: expected one of {sorted(RECIPES)}")
        return cls(**{**asdict(RECIPES[name]), **overrides})

    def describe(self) -> str:
        """A one-line description for attributes and reports.

        Examples
        --------
        >>> MaskRecipe().describe()
        'greyscale > 127'
        """
        if self.method == "product":
            return f"{self.quantity} in {list(self.cloudy_flags)}"
        op = "<" if self.method == "brightness_temperature" else ">"
        return f"{self.quantity} {op} {self.threshold:g}"


RECIPES: dict[str, MaskRecipe] = {
    "greyscale": MaskRecipe("greyscale", "greyscale", 127.0),
    "reflectance": MaskRecipe("reflectance", "reflectance_0p64", 10.0),
    "brightness_temperature": MaskRecipe(
        "brightness_temperature", "brightness_temperature_11", 290.0
    ),
    "product": MaskRecipe("product", "cloud_mask", None, (0, 1)),
}
"""Default recipes by method."""


def _missing(data: xr.DataArray, method: str) -> xr.DataArray:
    if method == "greyscale":
        return data == 0  # 8-bit images: 0 = no data
    return data.isnull()


def cloud_mask(scenes: xr.Dataset, recipe: str | MaskRecipe = "greyscale") -> xr.DataArray:
    """The cloud mask of scenes (lazy when the scenes are).

    Parameters
    ----------
    scenes : xarray.Dataset
        Scenes of a campaign store (any dims; the recipe's quantity must be present).
    recipe : str or MaskRecipe
        A method name (its default recipe) or a recipe.

    Returns
    -------
    xarray.DataArray
        float32: 1 cloud, 0 clear, NaN missing; ``attrs["mask_recipe"]`` describes it.

    Raises
    ------
    MissingBandError
        When the scenes lack the recipe's quantity.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"brightness_temperature_11": (("y", "x"), [[285.0, 297.0, np.nan]])})
    >>> cloud_mask(ds, "brightness_temperature").values.tolist()
    [[1.0, 0.0, nan]]
    """
    if isinstance(recipe, str):
        recipe = MaskRecipe.named(recipe)
    if recipe.quantity not in scenes:
        raise MissingBandError(
            f"cloud mask '{recipe.describe()}' needs {recipe.quantity!r}, which the scenes lack "
            f"(they hold {sorted(map(str, scenes.data_vars))})"
        )
    data = scenes[recipe.quantity]
    if recipe.method == "product":
        cloudy = data.isin(list(recipe.cloudy_flags))
    elif recipe.method == "brightness_temperature":
        cloudy = data < recipe.threshold
    else:
        cloudy = data > recipe.threshold
    mask = xr.where(_missing(data, recipe.method), np.float32(np.nan), cloudy.astype(np.float32))
    return (
        mask.astype(np.float32)
        .rename("cloud_mask_binary")
        .assign_attrs(
            long_name="cloud mask (1 cloud, 0 clear, NaN missing)",
            units="1",
            mask_recipe=recipe.describe(),
            mask_method=recipe.method,
        )
    )
