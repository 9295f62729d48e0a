"""Names, units, long names and citations of the cloud-mask metrics.

The registry drives :func:`~cloudorg.metrics.compute_metrics`, the documentation and the
attributes of metric variables in a campaign store.

Examples
--------
>>> METRIC_INFO["max_length_scale"].units_for("km")
'km'
>>> METRIC_INFO["iorg"].units
'1'
>>> metric_names()[:3]
('cloud_fraction', 'num_objects', 'max_length_scale')
"""

from __future__ import annotations

from dataclasses import dataclass

JANSSENS_2021 = (
    "Janssens, M. et al. (2021): Cloud patterns in the trades have four interpretable "
    "dimensions. Geophys. Res. Lett., 48, e2020GL091001, doi:10.1029/2020GL091001"
)
WHITE_2018 = (
    "White, B. A. et al. (2018): Quantifying the effects of horizontal grid length and "
    "parameterized convection on the degree of convective organization using a metric of "
    "the potential for convective interaction. J. Atmos. Sci., 75, 425-450, "
    "doi:10.1175/JAS-D-16-0307.1"
)
TOBIN_2012 = (
    "Tobin, I., S. Bony and R. Roca (2012): Observational evidence for relationships "
    "between the degree of aggregation of deep convection, water vapor, surface fluxes, "
    "and radiation. J. Climate, 25, 6885-6904, doi:10.1175/JCLI-D-11-00258.1"
)
TOMPKINS_2017 = (
    "Tompkins, A. M. and A. G. Semie (2017): Organization of tropical convection in low "
    "vertical wind shears: role of updraft entrainment. J. Adv. Model. Earth Syst., 9, "
    "doi:10.1002/2016MS000802"
)
BENNER_1998 = (
    "Benner, T. C. and J. A. Curry (1998): Characteristics of small tropical cumulus "
    "clouds and their impact on the environment. J. Geophys. Res., 103(D22), "
    "28753-28767, doi:10.1029/98JD02579"
)
ANTONISSEN_2019 = (
    "Antonissen, M. (2019): MSc thesis, TU Delft, "
    "http://resolver.tudelft.nl/uuid:d868273a-b028-4273-8380-ff1628ecabd5"
)


@dataclass(frozen=True)
class MetricInfo:
    """Metadata of one metric.

    Attributes
    ----------
    name : str
        Key in the output of ``compute_metrics``.
    long_name : str
        CF-style long name.
    length_power : int
        Power of length in the units: 0 dimensionless, 1 a length (pixel, or the unit
        of ``dx``).
    citation : str
        Reference of the definition.
    objects : bool
        Whether the metric is computed from labelled objects.
    min_area : bool
        Whether ``min_area`` drops objects from it.
    periodic : bool
        Whether it is defined on periodic domains.
    """

    name: str
    long_name: str
    length_power: int
    citation: str
    objects: bool
    min_area: bool
    periodic: bool = True

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
        >>> METRIC_INFO["total_perimeter"].units_for(None)
        'pixel'
        """
        unit = length_unit or "pixel"
        if self.length_power == 0:
            return "1"
        if self.length_power == 1:
            return unit
        return f"{unit}^{self.length_power}"


def _info(*args, **kwargs) -> tuple[str, MetricInfo]:
    info = MetricInfo(*args, **kwargs)
    return info.name, info


METRIC_INFO: dict[str, MetricInfo] = dict(
    [
        _info(
            "cloud_fraction",
            "cloud fraction of the valid pixels",
            0,
            JANSSENS_2021,
            objects=False,
            min_area=False,
        ),
        _info(
            "num_objects", "number of cloud objects", 0, JANSSENS_2021, objects=True, min_area=False
        ),
        _info(
            "max_length_scale",
            "square root of the largest object area",
            1,
            JANSSENS_2021,
            objects=True,
            min_area=True,
        ),
        _info(
            "mean_length_scale",
            "square root of the mean object area",
            1,
            JANSSENS_2021,
            objects=True,
            min_area=True,
        ),
        _info(
            "mean_perimeter",
            "mean object contour perimeter",
            1,
            JANSSENS_2021,
            objects=True,
            min_area=True,
        ),
        _info(
            "total_perimeter",
            "total object contour perimeter",
            1,
            JANSSENS_2021,
            objects=True,
            min_area=True,
        ),
        _info(
            "size_distribution_exponent",
            "power-law exponent of the cloud size distribution",
            0,
            JANSSENS_2021,
            objects=True,
            min_area=True,
        ),
        _info(
            "spectral_length_scale",
            "spectral length scale of the cloud mask",
            1,
            JANSSENS_2021,
            objects=False,
            min_area=False,
        ),
        _info(
            "cop", "convective organisation potential", 0, WHITE_2018, objects=True, min_area=True
        ),
        _info(
            "scai",
            "simple convective aggregation index",
            0,
            TOBIN_2012,
            objects=True,
            min_area=True,
        ),
        _info(
            "iorg",
            "organisation index with a Poisson reference",
            0,
            TOMPKINS_2017,
            objects=True,
            min_area=True,
        ),
        _info(
            "iorg_inhibition",
            "organisation index with an inhibition reference",
            0,
            f"{BENNER_1998}; {ANTONISSEN_2019}",
            objects=True,
            min_area=True,
        ),
        _info(
            "fractal_dimension",
            "box-counting (Minkowski-Bouligand) dimension",
            0,
            JANSSENS_2021,
            objects=False,
            min_area=False,
            periodic=False,
        ),
        _info(
            "orientation",
            "image-moment orientation of the cloud mask",
            0,
            JANSSENS_2021,
            objects=False,
            min_area=False,
            periodic=False,
        ),
        _info(
            "open_sky",
            "largest open-sky rectangle area fraction",
            0,
            ANTONISSEN_2019,
            objects=False,
            min_area=False,
        ),
        _info(
            "mean_eccentricity",
            "area-weighted mean object eccentricity",
            0,
            JANSSENS_2021,
            objects=True,
            min_area=True,
        ),
    ]
)


def metric_names(*, periodic: bool = False) -> tuple[str, ...]:
    """Names of the metrics, in the order of ``compute_metrics``' output.

    Parameters
    ----------
    periodic : bool, default False
        Only the metrics defined on periodic domains.

    Returns
    -------
    tuple of str
        Metric names.

    Examples
    --------
    >>> len(metric_names()), "orientation" in metric_names(periodic=True)
    (16, False)
    """
    return tuple(name for name, info in METRIC_INFO.items() if info.periodic or not periodic)
