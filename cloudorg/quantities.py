"""The physical quantities a campaign store holds, and the sensor bands behind them.

A quantity has one name across sensors (``reflectance_0p64`` is ABI C02 and MODIS band 1),
so that a store can mix GOES ABI scenes and MODIS granules. Each sensor's record
(:data:`cloudorg.io.sensors.SENSORS`) names the bands that give each quantity.

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
    """

    name: str
    long_name: str
    standard_name: str
    units: str
    calibration: str
    wavelength_um: float

    @property
    def bands(self) -> dict[str, tuple[str, ...]]:
        """Per sensor of :data:`cloudorg.io.sensors.SENSORS` that gives the quantity, its
        band names that give it, in order of preference.

        Examples
        --------
        >>> QUANTITIES["brightness_temperature_11"].bands
        {'abi': ('C14', 'C13'), 'modis': ('31',)}
        """
        from .io.sensors import SENSORS  # the sensor records name the quantities they give

        return {name: s.bands[self.name] for name, s in SENSORS.items() if self.name in s.bands}

    @property
    def needs_sunlight(self) -> bool:
        """Whether the quantity is reflected sunlight (meaningless at night).

        Examples
        --------
        >>> QUANTITIES["reflectance_0p47"].needs_sunlight
        True
        """
        return self.calibration == "reflectance"


def _reflectance(um: float) -> Quantity:
    tag = f"{um:.2f}".rstrip("0").replace(".", "p")
    return Quantity(
        name=f"reflectance_{tag}",
        long_name=f"top-of-atmosphere reflectance at {um:g} um",
        standard_name="toa_bidirectional_reflectance",
        units="%",
        calibration="reflectance",
        wavelength_um=um,
    )


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        _reflectance(0.47),
        _reflectance(0.64),
        _reflectance(0.86),
        _reflectance(1.6),
        Quantity(
            name="brightness_temperature_11",
            long_name="brightness temperature at 11 um",
            standard_name="toa_brightness_temperature",
            units="K",
            calibration="brightness_temperature",
            wavelength_um=11.0,
        ),
    )
}
"""Band quantities by store variable name."""

DERIVED = ("rgb", "greyscale")
"""Quantities made from band quantities: the report's RGB and its greyscale."""

DEFAULT_QUANTITIES = (
    "reflectance_0p47",
    "reflectance_0p64",
    "reflectance_0p86",
    "brightness_temperature_11",
    "rgb",
    "greyscale",
)
"""Quantities ingested unless told otherwise: the RGB's bands, the 11 µm brightness
temperature (for the high-cloud filter), the RGB and its greyscale."""
