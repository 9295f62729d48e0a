"""The physical quantities a campaign store holds, and the sensor bands behind them.

A quantity has one name across sensors (``reflectance_0p64`` is ABI C02 and MODIS band 1),
so that a store can mix GOES ABI scenes and MODIS granules.

Examples
--------
>>> QUANTITIES["reflectance_0p64"].bands["abi"]
('C02',)
>>> QUANTITIES["brightness_temperature_11"].units
'K'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    """A calibrated band quantity.

    Attributes
    ----------
    name : str
        Variable name in the campaign store.
    long_name : str
        CF ``long_name``.
    standard_name : str
        CF ``standard_name``.
    units : str
        CF units: ``%`` for reflectance, ``K`` for brightness temperature.
    calibration : str
        satpy calibration name (``reflectance`` or ``brightness_temperature``).
    wavelength_um : float
        Nominal central wavelength in micrometres.
    bands : dict
        Per sensor, the band names that provide it, in order of preference.
    """

    name: str
    long_name: str
    standard_name: str
    units: str
    calibration: str
    wavelength_um: float
    bands: dict[str, tuple[str, ...]]

    @property
    def needs_sunlight(self) -> bool:
        """Whether the quantity is reflected sunlight (meaningless at night).

        Examples
        --------
        >>> QUANTITIES["reflectance_0p47"].needs_sunlight
        True
        """
        return self.calibration == "reflectance"


def _reflectance(um: float, abi: tuple[str, ...], modis: tuple[str, ...]) -> Quantity:
    tag = f"{um:.2f}".rstrip("0").replace(".", "p")
    return Quantity(
        name=f"reflectance_{tag}",
        long_name=f"top-of-atmosphere reflectance at {um:g} um",
        standard_name="toa_bidirectional_reflectance",
        units="%",
        calibration="reflectance",
        wavelength_um=um,
        bands={"abi": abi, "modis": modis},
    )


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        _reflectance(0.47, ("C01",), ("3",)),
        _reflectance(0.64, ("C02",), ("1",)),
        _reflectance(0.86, ("C03",), ("2",)),
        _reflectance(1.6, ("C05",), ("6",)),
        Quantity(
            name="brightness_temperature_11",
            long_name="brightness temperature at 11 um",
            standard_name="toa_brightness_temperature",
            units="K",
            calibration="brightness_temperature",
            wavelength_um=11.0,
            bands={"abi": ("C14", "C13"), "modis": ("31",)},
        ),
    )
}
"""Band quantities by store variable name."""
