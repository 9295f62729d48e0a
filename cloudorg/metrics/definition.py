"""What a cloud-mask metric is: :class:`Metric`, declared with the :func:`metric` decorator.

A metric is a function of the :class:`~cloudorg.metrics.state.MaskState` of a mask
returning a float, with its name, CF long name, units (as a power of length), citation
and what it depends on. The library's metrics and those of other packages are declared
alike; :data:`~cloudorg.metrics.METRICS` registers them by name.

Examples
--------
>>> @metric("cloudy_pixels", long_name="number of cloudy pixels", citation="none")
... def cloudy_pixels(state):
...     return float(state.mask.n_cloud)
>>> cloudy_pixels.name, cloudy_pixels.units, cloudy_pixels.periodic
('cloudy_pixels', '1', True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cloudorg.errors import ConfigError

if TYPE_CHECKING:
    from cloudorg.metrics.state import MaskState

__all__ = ["Metric", "metric"]

Compute = Callable[["MaskState"], float]
"""The computation of a metric from the shared state of a mask."""


@dataclass(frozen=True, kw_only=True)
class Metric:
    """A cloud-mask metric: how to compute it, and what to record with its values.

    Declare one with :func:`metric`.

    Attributes
    ----------
    name : str
        Key in the output of ``compute_metrics`` and variable name in a store.
    long_name : str
        CF-style long name.
    length_power : int
        Power of length in the units: 0 dimensionless, 1 a length (pixel, or the unit
        of ``dx``), 2 an area.
    citation : str
        Reference of the definition.
    objects : bool
        Whether the metric is computed from labelled objects.
    min_area : bool
        Whether ``min_area`` drops objects from it.
    periodic : bool
        Whether it is defined on periodic domains.
    compute : callable
        ``compute(state) -> float`` of a :class:`~cloudorg.metrics.state.MaskState`;
        lengths in the unit of ``state.pixel_size``.

    Examples
    --------
    >>> m = Metric(name="area", long_name="cloudy area", length_power=2, citation="none",
    ...            compute=lambda state: state.mask.n_cloud * state.pixel_size**2)
    >>> m.units_for("km"), m.objects
    ('km^2', False)
    """

    name: str
    long_name: str
    length_power: int = 0
    citation: str
    objects: bool = False
    min_area: bool = False
    periodic: bool = True
    compute: Compute

    def __post_init__(self) -> None:
        for field in ("name", "long_name", "citation"):
            if not isinstance(getattr(self, field), str) or not getattr(self, field):
                raise ConfigError(
                    f"metric {self.name!r}: {field} must be a non-empty string, got "
                    f"{getattr(self, field)!r}"
                )
        if isinstance(self.length_power, bool) or not isinstance(self.length_power, int):
            raise ConfigError(
                f"metric {self.name!r}: length_power must be an integer, got {self.length_power!r}"
            )
        if not callable(self.compute):
            raise ConfigError(
                f"metric {self.name!r}: compute must be a function of the mask state, got "
                f"{type(self.compute).__name__}"
            )

    @property
    def units(self) -> str:
        """Units when lengths are in pixels (``"1"`` for dimensionless)."""
        return self.units_for(None)

    def units_for(self, length_unit: str | None) -> str:
        """Units when lengths are in ``length_unit`` (pixels when None).

        Parameters
        ----------
        length_unit : str or None
            Unit of ``dx``.

        Returns
        -------
        str
            ``"1"``, the length unit, or ``unit^p``.

        Examples
        --------
        >>> from cloudorg.metrics import METRICS
        >>> METRICS["total_perimeter"].units_for(None)
        'pixel'
        """
        unit = length_unit or "pixel"
        if self.length_power == 0:
            return "1"
        if self.length_power == 1:
            return unit
        return f"{unit}^{self.length_power}"


def metric(
    name: str,
    *,
    long_name: str,
    citation: str,
    length_power: int = 0,
    objects: bool = False,
    min_area: bool = False,
    periodic: bool = True,
) -> Callable[[Compute], Metric]:
    """Declare a metric: decorate the function computing it from a mask's state.

    The decorated name becomes the :class:`Metric`. Register it with
    :func:`~cloudorg.metrics.register_metric`, or name it in an entry point of the
    ``cloudorg.metrics`` group of your package (see ``docs/metrics.md``).

    Parameters
    ----------
    name : str
        Key in the output of ``compute_metrics`` (the entry point's name, for a plug-in).
    long_name : str
        CF-style long name.
    citation : str
        Reference of the definition.
    length_power : int, default 0
        Power of length in the units (0 dimensionless, 1 a length, 2 an area).
    objects : bool, default False
        Whether it is computed from labelled objects (``state.objects``).
    min_area : bool, default False
        Whether ``min_area`` drops objects from it (it uses ``state.objects`` rather
        than ``state.all_objects``).
    periodic : bool, default True
        Whether it is defined on periodic domains.

    Returns
    -------
    callable
        Decorator turning ``compute(state) -> float`` into a :class:`Metric`.

    Raises
    ------
    ConfigError
        When a field is empty or of the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> from cloudorg.metrics.state import MaskState
    >>> @metric("largest_area", long_name="area of the largest object", length_power=2,
    ...         citation="none", objects=True, min_area=True)
    ... def largest_area(state):
    ...     areas = state.objects.area
    ...     return float(areas.max()) * state.pixel_size**2 if areas.size else float("nan")
    >>> largest_area.compute(MaskState.of(np.eye(4, dtype=bool), connectivity=8, dx=0.5))
    1.0
    >>> largest_area.units_for("km")
    'km^2'
    """

    def declare(compute: Compute) -> Metric:
        return Metric(
            name=name,
            long_name=long_name,
            length_power=length_power,
            citation=citation,
            objects=objects,
            min_area=min_area,
            periodic=periodic,
            compute=compute,
        )

    return declare
