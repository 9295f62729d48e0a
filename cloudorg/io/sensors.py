"""The satellite instruments cloudorg reads, one record each, in the registry :data:`SENSORS`.

A :class:`Sensor` holds what the library knows of an instrument: the names of its files
(so that discovery recognises them and groups them into scenes), the satpy reader of each
of its products, the bands that give each quantity of :data:`cloudorg.quantities.QUANTITIES`,
and the resolution to load. :data:`SENSORS` maps satpy's sensor names to records: GOES ABI
(``abi``) and MODIS (``modis``) here, others through the ``cloudorg.sensors`` entry-point
group (:mod:`cloudorg.registry`).

Examples
--------
>>> SENSORS.names()[:2], SENSORS["modis"].bands["reflectance_0p64"]
(('abi', 'modis'), ('1',))
>>> SENSORS["modis"].match("MYD35_L2.A2002185.1910.005.2007206043609.hdf")
SensorFile(platform='aqua', sector='', start=datetime.datetime(2002, 7, 4, 19, 10), \
product='35_L2', reader='modis_l2', part='MYD35_L2')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import ConfigError
from ..quantities import QUANTITIES
from ..registry import Registry

__all__ = ["SENSORS", "Sensor", "SensorFile"]

_GROUPS = ("platform", "start", "product", "part")
"""Named groups every file pattern has (``sector`` is optional)."""


@dataclass(frozen=True)
class SensorFile:
    """What the name of a sensor's file says.

    Attributes
    ----------
    platform : str
        The satellite (``G16``, ``aqua``).
    sector : str
        The scan sector (``F``, ``C``, ``M1``, ``M2``), or ``""`` for sensors without one.
    start : datetime
        Nominal scan start (UTC, naive).
    product : str
        The product (a key of :attr:`Sensor.readers`).
    reader : str
        The satpy reader of the file.
    part : str
        What the file is of its scene (a band or a product): a scene has one file of each.

    Examples
    --------
    >>> SensorFile("G16", "C", datetime(2020, 1, 20, 14), "L1b", "abi_l1b", "C02").part
    'C02'
    """

    platform: str
    sector: str
    start: datetime
    product: str
    reader: str
    part: str


@dataclass(frozen=True)
class Sensor:
    """A satellite instrument: its file names, satpy readers and bands.

    Attributes
    ----------
    description : str
        The products of the sensor discovery recognises, for messages
        (``"GOES ABI L1b radiances"``).
    file_pattern : re.Pattern
        The names of its files, with the named groups ``platform`` (as the name writes it),
        ``start`` (scan start), ``product`` (a key of ``readers``), ``part`` (what a file
        is of its scene: a band, or a product) and, for sensors that scan sectors,
        ``sector``.
    start_format : str
        :func:`~datetime.datetime.strptime` format of the ``start`` group.
    readers : mapping
        Product → satpy reader.
    bands : mapping
        Quantity name (of :data:`cloudorg.quantities.QUANTITIES`) → the sensor's band names
        that give it, in order of preference.
    platforms : mapping
        Platform as the file name writes it → platform name (``MYD`` → ``aqua``); names
        not listed are kept as written.
    resolution : int or None
        Resolution (m) of the bands satpy loads; ``None``: the reader's default.
    auxiliary : mapping
        Products that do not make a scene on their own → why (e.g. geolocation without
        its granule).

    Raises
    ------
    cloudorg.errors.ConfigError
        For a file pattern without the named groups, a band of an unknown quantity, or an
        auxiliary product that is not one of ``readers``.

    Examples
    --------
    >>> Sensor("X", re.compile(r"x(?P<start>\\d+)\\.nc"), "%Y", {"L1": "x_l1"}, {})
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: Sensor.file_pattern: expected the named groups platform, \
start, product, part; missing platform, product, part
    """

    description: str
    file_pattern: re.Pattern[str]
    start_format: str
    readers: Mapping[str, str]
    bands: Mapping[str, tuple[str, ...]]
    platforms: Mapping[str, str] = field(default_factory=dict)
    resolution: int | None = None
    auxiliary: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [g for g in _GROUPS if g not in self.file_pattern.groupindex]
        if missing:
            raise ConfigError(f"Sensor.file_pattern: expected the named groups "
                              f"{', '.join(_GROUPS)}; missing {', '.join(missing)}")  # fmt: skip
        unknown = sorted(set(self.bands) - set(QUANTITIES))
        if unknown:
            raise ConfigError(f"Sensor.bands: unknown quantities {unknown}; expected names from "
                              f"{sorted(QUANTITIES)}")  # fmt: skip
        alone = sorted(set(self.auxiliary) - set(self.readers))
        if alone:
            raise ConfigError(f"Sensor.auxiliary: products {alone} have no reader; expected "
                              f"some of {sorted(self.readers)}")  # fmt: skip

    def match(self, name: str) -> SensorFile | None:
        """What a file name of this sensor says; ``None`` for other names.

        Examples
        --------
        >>> SENSORS["abi"].match("OR_ABI-L1b-RadM1-M6C01_G17_s20193002000275_e2019300200033"
        ...                      "2_c20193002000379.nc").start
        datetime.datetime(2019, 10, 27, 20, 0, 27, 500000)
        >>> SENSORS["abi"].match("MYD03.A2020020.1430.061.2020021000000.hdf") is None
        True
        """
        m = self.file_pattern.match(name)
        if m is None or m["product"] not in self.readers:
            return None
        return SensorFile(
            platform=self.platforms.get(m["platform"], m["platform"]),
            sector=m.groupdict().get("sector") or "",
            start=datetime.strptime(m["start"], self.start_format),
            product=m["product"],
            reader=self.readers[m["product"]],
            part=m["part"],
        )


def _check_sensor(entry: object) -> None:
    if not isinstance(entry, Sensor):
        raise TypeError(f"expected a cloudorg.io.sensors.Sensor, got {type(entry).__name__}")


SENSORS: Registry[Sensor] = Registry("sensor", group="cloudorg.sensors", check=_check_sensor)
"""Sensors by satpy sensor name (the ``sensor`` of scenes)."""

SENSORS.add("abi", Sensor(
    description="GOES ABI L1b radiances",
    file_pattern=re.compile(
        r"^OR_ABI-(?P<product>L1b)-Rad(?P<sector>F|C|M1|M2)-M\d+(?P<part>C\d\d)"
        r"_(?P<platform>G\d\d)_s(?P<start>\d{14})_e\d{14}_c\d{14}\.nc$"
    ),
    start_format="%Y%j%H%M%S%f",  # year, day of year, time, tenths of a second
    readers={"L1b": "abi_l1b"},
    bands={"reflectance_0p47": ("C01",), "reflectance_0p64": ("C02",),
           "reflectance_0p86": ("C03",), "reflectance_1p6": ("C05",),
           "brightness_temperature_11": ("C14", "C13")},
))  # fmt: skip

SENSORS.add("modis", Sensor(
    description="MODIS L1b (021KM + 03), MODIS L2 cloud mask (35_L2)",
    file_pattern=re.compile(
        r"^(?P<part>(?P<platform>MOD|MYD)(?P<product>021KM|03|35_L2))"
        r"\.A(?P<start>\d{7}\.\d{4})\.\d{3}\.\d+\.hdf$"
    ),
    start_format="%Y%j.%H%M",
    readers={"021KM": "modis_l1b", "03": "modis_l1b", "35_L2": "modis_l2"},
    bands={"reflectance_0p47": ("3",), "reflectance_0p64": ("1",), "reflectance_0p86": ("2",),
           "reflectance_1p6": ("6",), "brightness_temperature_11": ("31",)},
    platforms={"MOD": "terra", "MYD": "aqua"},
    resolution=1000,
    auxiliary={"03": "MODIS geolocation without its L1b granule"},
))  # fmt: skip
