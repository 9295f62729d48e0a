"""Keep satpy offline: refuse composites whose recipe would download auxiliary data.

cloudorg never downloads at run time. ``SATPY_DOWNLOAD_AUX`` is set to ``False`` when this
module is imported (before satpy reads its configuration), and composites are checked
before loading: a composite is refused when anything in its dependency tree uses a
modifier or compositor that needs files fetched from the internet (pyspectral's Rayleigh
look-up tables and relative spectral responses, CREFL's elevation data, static background
images).

Examples
--------
>>> assert_offline("abi", "true_color_nocorr")
>>> assert_offline("abi", "true_color")
Traceback (most recent call last):
...
cloudorg.errors.CompositeError: satpy composite 'true_color' for abi needs 'rayleigh_corrected' \
(satpy.modifiers.atmosphere.PSPRayleighReflectance), which downloads auxiliary data; cloudorg \
never downloads at run time: choose an offline composite (e.g. 'true_color_nocorr') or the \
library's own 'rgb'
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache

os.environ["SATPY_DOWNLOAD_AUX"] = "False"
os.environ.setdefault("PSP_DATA_DOWNLOAD", "False")

from ..errors import CompositeError

__all__ = ["assert_offline"]

_DOWNLOADING_MODULES = (
    "satpy.modifiers.atmosphere",
    "satpy.modifiers.spectral",
    "satpy.modifiers._crefl",
)


def _downloads(cls: type) -> bool:
    return cls.__module__.startswith(_DOWNLOADING_MODULES) or "StaticImage" in cls.__name__


@cache
def _configs(sensor: str) -> tuple[dict, dict]:
    from satpy.composites.config_loader import load_compositor_configs_for_sensors

    comps, mods = load_compositor_configs_for_sensors([sensor])
    return comps.get(sensor, {}), mods.get(sensor, {})


def _query_parts(item: object) -> tuple[str | None, tuple[str, ...]]:
    if isinstance(item, str):
        return item, ()
    if not hasattr(item, "get"):
        return None, ()
    name = item.get("name")
    modifiers = item.get("modifiers") or ()
    if not isinstance(name, str):
        name = None
    return name, tuple(modifiers) if isinstance(modifiers, tuple | list) else ()


def _walk(sensor: str, name: str, seen: set[str]) -> Iterable[tuple[str, type]]:
    comps, mods = _configs(sensor)
    if name in seen:
        return
    seen.add(name)
    for key, compositor in comps.items():
        if key["name"] != name:
            continue
        yield name, type(compositor)
        attrs = getattr(compositor, "attrs", {})
        deps = list(attrs.get("prerequisites") or []) + list(
            attrs.get("optional_prerequisites") or []
        )
        for dep in deps:
            dep_name, modifiers = _query_parts(dep)
            for mod in modifiers:
                if mod in mods:
                    yield mod, mods[mod][0]
            if dep_name:
                yield from _walk(sensor, dep_name, seen)


def assert_offline(sensor: str, name: str) -> None:
    """Raise unless the satpy composite can be made without downloading anything.

    Parameters
    ----------
    sensor : str
        satpy sensor name (``abi``, ``modis``).
    name : str
        Composite name.

    Raises
    ------
    CompositeError
        For an unknown composite, or one that needs auxiliary downloads.

    Examples
    --------
    >>> assert_offline("abi", "airmass")
    """
    parts = list(_walk(sensor, name, set()))
    if not parts:
        raise CompositeError(f"satpy has no composite {name!r} for sensor {sensor!r}")
    for part, cls in parts:
        if _downloads(cls):
            raise CompositeError(
                f"satpy composite {name!r} for {sensor} needs {part!r} "
                f"({cls.__module__}.{cls.__name__}), which downloads auxiliary data; "
                "cloudorg never downloads at run time: choose an offline composite "
                "(e.g. 'true_color_nocorr') or the library's own 'rgb'"
            )
