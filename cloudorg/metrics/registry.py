"""The cloud-mask metrics by name: :data:`METRICS`, with the library's metrics declared here
and those of other packages found through entry points.

A metric is one function of the :class:`~cloudorg.metrics.state.MaskState` of a mask,
declared with :func:`~cloudorg.metrics.metric` (name, long name, units, citation, what it
depends on) and registered with :func:`register_metric`. The library's metrics come first,
in the order declared below, which is the order of ``compute_metrics``' output; another
package names its metrics in entry points of the group ``cloudorg.metrics`` (see
:mod:`cloudorg.registry`), registered under the entry point's name on the first lookup.
The registry drives :func:`~cloudorg.metrics.compute_metrics`, the documentation and the
attributes of metric variables in a campaign store.

Examples
--------
>>> METRICS["max_length_scale"].units_for("km")
'km'
>>> METRIC_INFO["iorg"].units
'1'
>>> metric_names()[:3]
('cloud_fraction', 'num_objects', 'max_length_scale')
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping

from cloudorg.metrics import field, objects, organisation, spectral
from cloudorg.metrics.definition import Metric, metric
from cloudorg.metrics.state import MaskState
from cloudorg.registry import Registry

__all__ = ["METRICS", "METRIC_INFO", "MetricInfo", "metric_names", "register_metric"]

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

SCAI_REFERENCE_LENGTH = 1000.0
"""SCAI's reference length ``L_ref`` in ``compute_metrics`` (unit of dx, pixels without)."""


def _check_metric(entry: object) -> None:
    if not isinstance(entry, Metric):
        raise TypeError(
            "expected a cloudorg.metrics.Metric (a function decorated with "
            f"@cloudorg.metrics.metric), got {type(entry).__name__}"
        )


METRICS: Registry[Metric] = Registry("metric", group="cloudorg.metrics", check=_check_metric)
"""Every metric by name: the library's, then those of the installed plug-ins."""


def register_metric(entry: Metric, *, replace: bool = False) -> Metric:
    """Register a metric under its name (the library's, or your own in a session).

    A package's metrics are registered through entry points instead (see
    ``docs/metrics.md``). Use it as a decorator above :func:`~cloudorg.metrics.metric`, or
    call it with a declared metric.

    Parameters
    ----------
    entry : Metric
        The declared metric.
    replace : bool, default False
        Replace a metric registered under the same name.

    Returns
    -------
    Metric
        ``entry``.

    Raises
    ------
    ConfigError
        When the name is taken (without ``replace``) or not identifier-like.
    TypeError
        When ``entry`` is not a :class:`~cloudorg.metrics.Metric`.

    Examples
    --------
    >>> register_metric(METRICS["iorg"])
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: a metric named 'iorg' is registered already; ...
    """
    _check_metric(entry)
    return METRICS.add(entry.name, entry, replace=replace)


class _MetricTable(Mapping[str, Metric]):
    """The registry read as a mapping from name to :class:`Metric` (``KeyError`` for an
    unknown name, as a ``dict``).

    Examples
    --------
    >>> "cop" in METRIC_INFO, METRIC_INFO.get("nothing"), len(METRIC_INFO) >= 16
    (True, None, True)
    """

    def __getitem__(self, name: str) -> Metric:
        entry = METRICS.get(name)
        if entry is None:
            raise KeyError(name)
        return entry

    def __iter__(self) -> Iterator[str]:
        return iter(METRICS)

    def __len__(self) -> int:
        return len(METRICS)


METRIC_INFO: Mapping[str, Metric] = _MetricTable()
"""The metrics by name, as a read-only mapping (a view of :data:`METRICS`)."""

MetricInfo = Metric
"""The former name of :class:`~cloudorg.metrics.Metric`."""


def metric_names(*, periodic: bool = False) -> tuple[str, ...]:
    """Names of the metrics, in the order of ``compute_metrics``' output.

    Parameters
    ----------
    periodic : bool, default False
        Only the metrics defined on periodic domains.

    Returns
    -------
    tuple of str
        Metric names: the library's, then those of plug-ins.

    Examples
    --------
    >>> metric_names()[:16][-1], "orientation" in metric_names(periodic=True)
    ('mean_eccentricity', False)
    """
    return tuple(name for name, entry in METRICS.items() if entry.periodic or not periodic)


# The library's metrics, in the order of compute_metrics' output.


@register_metric
@metric("cloud_fraction", long_name="cloud fraction of the valid pixels", citation=JANSSENS_2021)
def _cloud_fraction(state: MaskState) -> float:
    return field._cloud_fraction(state.mask)


@register_metric
@metric("num_objects", long_name="number of cloud objects", citation=JANSSENS_2021, objects=True)
def _num_objects(state: MaskState) -> float:
    return float(state.all_objects.num)


@register_metric
@metric(
    "max_length_scale",
    long_name="square root of the largest object area",
    length_power=1,
    citation=JANSSENS_2021,
    objects=True,
    min_area=True,
)
def _max_length_scale(state: MaskState) -> float:
    return objects._max_length_scale(state.objects, state.pixel_size)


@register_metric
@metric(
    "mean_length_scale",
    long_name="square root of the mean object area",
    length_power=1,
    citation=JANSSENS_2021,
    objects=True,
    min_area=True,
)
def _mean_length_scale(state: MaskState) -> float:
    return objects._mean_length_scale(state.objects, state.pixel_size)


@register_metric
@metric(
    "mean_perimeter",
    long_name="mean object contour perimeter",
    length_power=1,
    citation=JANSSENS_2021,
    objects=True,
    min_area=True,
)
def _mean_perimeter(state: MaskState) -> float:
    return objects._mean_perimeter(state.objects, state.pixel_size)


@register_metric
@metric(
    "total_perimeter",
    long_name="total object contour perimeter",
    length_power=1,
    citation=JANSSENS_2021,
    objects=True,
    min_area=True,
)
def _total_perimeter(state: MaskState) -> float:
    return objects._total_perimeter(state.objects, state.pixel_size)


@register_metric
@metric(
    "size_distribution_exponent",
    long_name="power-law exponent of the cloud size distribution",
    citation=JANSSENS_2021,
    objects=True,
    min_area=True,
)
def _size_distribution_exponent(state: MaskState) -> float:
    return objects._size_distribution_exponent(state.objects)


@register_metric
@metric(
    "spectral_length_scale",
    long_name="spectral length scale of the cloud mask",
    length_power=1,
    citation=JANSSENS_2021,
)
def _spectral_length_scale(state: MaskState) -> float:
    return spectral._spectral_length_scale(state.mask, state.pixel_size)


@register_metric
@metric(
    "cop",
    long_name="convective organisation potential",
    citation=WHITE_2018,
    objects=True,
    min_area=True,
)
def _cop(state: MaskState) -> float:
    return organisation._cop(state.pairs)


@register_metric
@metric(
    "scai",
    long_name="simple convective aggregation index",
    citation=TOBIN_2012,
    objects=True,
    min_area=True,
)
def _scai(state: MaskState) -> float:
    return organisation._scai(
        state.pairs, state.mask.shape, state.pixel_size, SCAI_REFERENCE_LENGTH
    )


@register_metric
@metric(
    "iorg",
    long_name="organisation index with a Poisson reference",
    citation=TOMPKINS_2017,
    objects=True,
    min_area=True,
)
def _iorg(state: MaskState) -> float:
    return organisation._iorg(state.nearest, state.mask.shape, False)


@register_metric
@metric(
    "iorg_inhibition",
    long_name="organisation index with an inhibition reference",
    citation=f"{BENNER_1998}; {ANTONISSEN_2019}",
    objects=True,
    min_area=True,
)
def _iorg_inhibition(state: MaskState) -> float:
    try:
        return organisation._iorg_inhibition(state.nearest, state.objects, False, state.seed)
    except organisation.PlacementError as err:
        warnings.warn(f"{err}; iorg_inhibition is NaN", RuntimeWarning, stacklevel=3)
        return float("nan")


@register_metric
@metric(
    "fractal_dimension",
    long_name="box-counting (Minkowski-Bouligand) dimension",
    citation=JANSSENS_2021,
    periodic=False,
)
def _fractal_dimension(state: MaskState) -> float:
    return field._fractal_dimension(state.mask)


@register_metric
@metric(
    "orientation",
    long_name="image-moment orientation of the cloud mask",
    citation=JANSSENS_2021,
    periodic=False,
)
def _orientation(state: MaskState) -> float:
    return field._orientation(state.mask)


@register_metric
@metric("open_sky", long_name="largest open-sky rectangle area fraction", citation=ANTONISSEN_2019)
def _open_sky(state: MaskState) -> float:
    return field._open_sky_value(state.mask, state.periodic, "max")


@register_metric
@metric(
    "mean_eccentricity",
    long_name="area-weighted mean object eccentricity",
    citation=JANSSENS_2021,
    objects=True,
    min_area=True,
)
def _mean_eccentricity(state: MaskState) -> float:
    return objects._mean_eccentricity(state.objects)
