"""GOES-R ABI L1b radiance files (netCDF4) made from synthetic fields.

The files mirror NOAA's ``OR_ABI-L1b-Rad*`` products (PUG L1b vol. 3) as far as satpy's
``abi_l1b`` reader and a careful user can tell: scaled ``int16`` radiances with
``_Unsigned``, ``scale_factor``, ``add_offset`` and ``_FillValue``; the ``DQF`` flags;
the ``goes_imager_projection`` grid mapping; ``x``/``y`` scan angles (radians, scaled
``int16``) on the ABI fixed grid; ``t``, ``time_bounds``, ``band_id``, ``band_wavelength``,
``esun``, ``kappa0``, ``earth_sun_distance_anomaly_in_AU``, ``planck_fk1/fk2/bc1/bc2`` and
NOAA's global attributes.

The sector is cut from the full-disk fixed grid (edges on the 2 km grid, as NOAA's are)
so that it covers the fields' extent plus a margin; pixels off that extent hold the fill
value (NaN in satpy). Radiances invert satpy's calibration exactly:
``reflectance[%] = Rad * pi * d**2 / esun * 100`` for reflective bands and
``BT = (fk2 / ln(fk1 / Rad + 1) - bc1) / bc2`` for emissive bands.

Examples
--------
>>> import datetime as dt, tempfile
>>> from cloudorg.io.synthetic import synthesize_fields
>>> ds = synthesize_fields((-55.0, -54.0, 14.0, 15.0), resolution_deg=0.02, patterns="sugar")
>>> paths = write_abi_scene(ds, tempfile.mkdtemp(), start_time=dt.datetime(2020, 1, 20, 15),
...                         bands=("C13",))
>>> paths[0].name
'OR_ABI-L1b-RadM1-M6C13_G16_s20200201500000_e20200201500570_c20200201501000.nc'
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import netCDF4
import numpy as np
import pyproj
import xarray as xr

from cloudorg.errors import ConfigError
from cloudorg.io.synthetic._common import (
    J2000,
    as_utc,
    band_quantities,
    check_fields,
    earth_sun_distance,
    fields_extent,
    to_counts,
)
from cloudorg.io.synthetic.fields import sample_fields

PERSPECTIVE_POINT_HEIGHT = 35786023.0
"""GOES-R satellite height above the ellipsoid (m), as in ``goes_imager_projection``."""
SEMI_MAJOR_AXIS = 6378137.0
SEMI_MINOR_AXIS = 6356752.31414
INVERSE_FLATTENING = 298.2572221

_FULL_DISK_HALF = 0.151872  # rad: half of the 5424 x 56 µrad full-disk fixed grid
_GRID_2KM = 56e-6  # rad


@dataclass(frozen=True)
class AbiBand:
    """Radiometric and geometric constants of one ABI band.

    Attributes
    ----------
    number : int
        ABI channel number.
    wavelength_um : float
        Central wavelength (``band_wavelength``).
    resolution_km : float
        Nominal resolution at the sub-satellite point (0.5, 1 or 2 km).
    bit_depth : int
        ``sensor_band_bit_depth``: counts run 0 … 2**bit_depth - 2, the top value is fill.
    scale_factor, add_offset : float
        ``Rad = count * scale_factor + add_offset``.
    esun : float or None
        Band solar irradiance (W m-2 um-1) of a reflective band.
    planck : tuple of float or None
        ``(fk1, fk2, bc1, bc2)`` of an emissive band.
    """

    number: int
    wavelength_um: float
    resolution_km: float
    bit_depth: int
    scale_factor: float
    add_offset: float
    esun: float | None = None
    planck: tuple[float, float, float, float] | None = None

    @property
    def name(self) -> str:
        """Channel name, e.g. ``C01``."""
        return f"C{self.number:02d}"

    @property
    def fill(self) -> int:
        """``_FillValue`` of ``Rad`` (as unsigned)."""
        return 2**self.bit_depth - 1

    @property
    def ifov_rad(self) -> float:
        """Pixel size in scan angle (28 µrad per km of nominal resolution)."""
        return 28e-6 * self.resolution_km


ABI_BANDS: dict[str, AbiBand] = {
    b.name: b
    for b in (
        AbiBand(1, 0.47, 1.0, 10, 0.8121064, -25.936647, esun=2017.1648),
        AbiBand(2, 0.64, 0.5, 12, 0.15859237, -20.289911, esun=1631.3351),
        AbiBand(3, 0.86, 1.0, 10, 0.37691253, -12.037643, esun=957.0699),
        AbiBand(5, 1.61, 1.0, 10, 0.09580004, -3.0596137, esun=242.54),
        AbiBand(
            13, 10.33, 2.0, 12, 0.04572892, -1.6443, planck=(10803.3, 1392.74, 0.0755, 0.99975)
        ),
        AbiBand(
            14, 11.19, 2.0, 12, 0.049492206, -1.7187, planck=(8510.22, 1286.27, 0.22516, 0.9992)
        ),
    )
}
"""Bands the writer can make (representative GOES-16 calibration constants)."""


@dataclass(frozen=True)
class _Platform:
    orbital_slot: str
    projection_lon: float
    nominal_lon: float
    instrument_id: str


_PLATFORMS = {
    "G16": _Platform("GOES-East", -75.0, -75.2, "FM1"),
    "G17": _Platform("GOES-West", -137.0, -137.2, "FM2"),
    "G18": _Platform("GOES-West", -137.0, -137.0, "FM3"),
    "G19": _Platform("GOES-East", -75.0, -75.2, "FM4"),
}
# scene_id and scan duration (s) per sector; the file is created 3 s after the scan ends
_SECTORS = {
    "M1": ("Mesoscale", 57.0),
    "M2": ("Mesoscale", 57.0),
    "C": ("CONUS", 297.0),
    "F": ("Full Disk", 597.0),
}
_DQF_MEANINGS = (
    "good_pixel_qf",
    "conditionally_usable_pixel_qf",
    "out_of_range_pixel_qf",
    "no_value_pixel_qf",
    "focal_plane_temperature_threshold_exceeded_qf",
)


@dataclass(frozen=True)
class FixedGrid:
    """A rectangle of the ABI fixed grid, in scan-angle radians.

    Attributes
    ----------
    x_west, y_north : float
        Outer western and northern edges (multiples of 1 µrad on the 2 km grid).
    n_x, n_y : int
        Size in 2 km pixels.
    """

    x_west: float
    y_north: float
    n_x: int
    n_y: int


def abi_projection(lon_0: float) -> pyproj.Proj:
    """The GOES-R fixed-grid projection (metres = scan angle × perspective point height).

    Parameters
    ----------
    lon_0 : float
        ``longitude_of_projection_origin`` (degrees east).

    Returns
    -------
    pyproj.Proj

    Examples
    --------
    >>> x, y = abi_projection(-75.0)(-75.0, 0.0)
    >>> round(x), round(y)
    (0, 0)
    """
    return pyproj.Proj(
        proj="geos",
        lon_0=lon_0,
        h=PERSPECTIVE_POINT_HEIGHT,
        a=SEMI_MAJOR_AXIS,
        b=SEMI_MINOR_AXIS,
        sweep="x",
        units="m",
    )


def fixed_grid_for(bounds: Sequence[float], lon_0: float, margin_km: float = 10.0) -> FixedGrid:
    """The smallest 2 km-aligned fixed-grid rectangle covering a lon/lat box plus a margin.

    Parameters
    ----------
    bounds : sequence of float
        ``(lon_min, lon_max, lat_min, lat_max)``.
    lon_0 : float
        ``longitude_of_projection_origin``.
    margin_km : float
        Margin added on each side, in km at the sub-satellite point.

    Returns
    -------
    FixedGrid

    Examples
    --------
    >>> g = fixed_grid_for((-60.0, -48.0, 10.0, 20.0), -75.0)
    >>> g.n_x > 500 and g.n_y > 500
    True
    """
    lon_min, lon_max, lat_min, lat_max = bounds
    t = np.linspace(0.0, 1.0, 201)
    lons = np.concatenate(
        [lon_min + t * (lon_max - lon_min)] * 2
        + [np.full_like(t, lon_min), np.full_like(t, lon_max)]
    )
    lats = np.concatenate(
        [np.full_like(t, lat_min), np.full_like(t, lat_max)]
        + [lat_min + t * (lat_max - lat_min)] * 2
    )
    x, y = abi_projection(lon_0)(lons, lats)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ConfigError(f"bounds {tuple(bounds)} are not all visible from longitude {lon_0}")
    margin = margin_km * 1000.0 / PERSPECTIVE_POINT_HEIGHT
    x, y = x / PERSPECTIVE_POINT_HEIGHT, y / PERSPECTIVE_POINT_HEIGHT
    k0 = max(0, math.floor((x.min() - margin + _FULL_DISK_HALF) / _GRID_2KM))
    k1 = min(5424, math.ceil((x.max() + margin + _FULL_DISK_HALF) / _GRID_2KM))
    m0 = max(0, math.floor((_FULL_DISK_HALF - y.max() - margin) / _GRID_2KM))
    m1 = min(5424, math.ceil((_FULL_DISK_HALF - y.min() + margin) / _GRID_2KM))
    return FixedGrid(
        round(-_FULL_DISK_HALF + k0 * _GRID_2KM, 6),
        round(_FULL_DISK_HALF - m0 * _GRID_2KM, 6),
        k1 - k0,
        m1 - m0,
    )


def _pixel_axes(grid: FixedGrid, band: AbiBand) -> tuple[np.ndarray, np.ndarray]:
    """Scan angles (rad) of the pixel centres along x and y, as satpy will decode them."""
    ifov = band.ifov_rad
    factor = round(_GRID_2KM / ifov)
    x0 = round(grid.x_west + ifov / 2, 6)
    y0 = round(grid.y_north - ifov / 2, 6)
    step = round(ifov, 6)
    return x0 + step * np.arange(grid.n_x * factor), y0 - step * np.arange(grid.n_y * factor)


@functools.lru_cache(maxsize=3)
def pixel_lonlats(
    grid: FixedGrid, resolution_km: float, lon_0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (degrees) of every pixel of a band; NaN/inf off the Earth disc.

    Cached for the three ABI resolutions of the last grid (read-only arrays), since a
    campaign writes many scenes on the same grid.

    Examples
    --------
    >>> g = fixed_grid_for((-55.0, -54.0, 14.0, 15.0), -75.0)
    >>> lon, lat = pixel_lonlats(g, 2.0, -75.0)
    >>> lon.shape == (g.n_y, g.n_x)
    True
    """
    band = AbiBand(0, 0.0, resolution_km, 12, 1.0, 0.0)
    x, y = _pixel_axes(grid, band)
    xx, yy = np.meshgrid(x * PERSPECTIVE_POINT_HEIGHT, y * PERSPECTIVE_POINT_HEIGHT)
    lon, lat = abi_projection(lon_0)(xx, yy, inverse=True)
    lon.flags.writeable = False
    lat.flags.writeable = False
    return lon, lat


def _time_label(time: dt.datetime) -> str:
    return f"{time:%Y%j%H%M%S}{time.microsecond // 100_000}"


def _iso(time: dt.datetime) -> str:
    return f"{time:%Y-%m-%dT%H:%M:%S}.{time.microsecond // 100_000}Z"


def abi_filename(
    band: str,
    platform: str,
    sector: str,
    start: dt.datetime,
    end: dt.datetime,
    created: dt.datetime,
    scan_mode: str = "M6",
) -> str:
    """NOAA's file name of an ABI L1b radiance file.

    Times are written as ``%Y%j%H%M%S`` plus a tenths-of-second digit.

    Parameters
    ----------
    band : str
        Channel, e.g. ``C01``.
    platform : str
        ``G16`` … ``G19``.
    sector : str
        ``M1``, ``M2``, ``C`` or ``F``.
    start, end, created : datetime.datetime
        Scan start and end, and file creation time (UTC).
    scan_mode : str
        ABI scan mode (``M6``: 10-minute full disk).

    Returns
    -------
    str

    Examples
    --------
    >>> t, s = dt.datetime(2020, 1, 20, 13), dt.timedelta(seconds=1)
    >>> abi_filename("C01", "G16", "M1", t, t + 57 * s, t + 60 * s)
    'OR_ABI-L1b-RadM1-M6C01_G16_s20200201300000_e20200201300570_c20200201301000.nc'
    """
    return (
        f"OR_ABI-L1b-Rad{sector}-{scan_mode}{band}_{platform}_s{_time_label(start)}"
        f"_e{_time_label(end)}_c{_time_label(created)}.nc"
    )


def brightness_temperature_to_radiance(bt: np.ndarray, band: AbiBand) -> np.ndarray:
    """Invert satpy's ABI brightness temperature: radiance in mW m-2 sr-1 (cm-1)-1.

    satpy computes ``BT = (fk2 / ln(fk1 / L + 1) - bc1) / bc2``; this returns ``L``.

    Parameters
    ----------
    bt : numpy.ndarray
        Brightness temperature (K).
    band : AbiBand
        An emissive band (with ``planck`` constants).

    Returns
    -------
    numpy.ndarray
        Radiance, float64.

    Examples
    --------
    >>> rad = brightness_temperature_to_radiance(np.array([297.0]), ABI_BANDS["C13"])
    >>> fk1, fk2, bc1, bc2 = ABI_BANDS["C13"].planck
    >>> round(float((fk2 / np.log(fk1 / rad[0] + 1) - bc1) / bc2), 6)
    297.0
    """
    if band.planck is None:
        raise ConfigError(f"band {band.name} is reflective: it has no Planck constants")
    fk1, fk2, bc1, bc2 = band.planck
    return fk1 / np.expm1(fk2 / (bc1 + bc2 * np.asarray(bt, dtype=np.float64)))


def _radiance(
    values: np.ndarray, band: AbiBand, esd: float, night: bool
) -> tuple[np.ndarray, float]:
    """Radiance of each pixel and kappa0 (or NaN for emissive bands)."""
    if band.planck is not None:
        return brightness_temperature_to_radiance(values, band), math.nan
    kappa0 = float(np.float32(math.pi * esd**2 / band.esun))
    if night:
        values = np.where(np.isfinite(values), 0.0, np.nan)
    return values / 100.0 / kappa0, kappa0


def write_abi_scene(
    fields: xr.Dataset,
    directory: str | Path,
    *,
    start_time: dt.datetime,
    platform: str = "G16",
    sector: str = "M1",
    bands: Sequence[str] = ("C01", "C02", "C03", "C05", "C13"),
    night: bool = False,
    sampling: str = "nearest",
    margin_km: float = 10.0,
    projection_longitude: float | None = None,
) -> list[Path]:
    """Write one ABI L1b radiance file per band, covering the fields' extent.

    Parameters
    ----------
    fields : xarray.Dataset
        Output of :func:`~cloudorg.io.synthetic.synthesize_fields`.
    directory : str or Path
        Output folder (created if missing).
    start_time : datetime.datetime
        Scan start (UTC; naive datetimes are taken as UTC). The scan lasts 57 s for
        mesoscale sectors and the file is created 3 s after it ends.
    platform : {"G16", "G17", "G18", "G19"}
        Satellite; GOES-East platforms use ``longitude_of_projection_origin = -75.0``
        (nominal sub-satellite longitude -75.2), GOES-West ones -137.0.
    sector : {"M1", "M2", "C", "F"}
        Sector in the file name and ``scene_id``; the grid always covers the fields.
    bands : sequence of str
        Channels among :data:`ABI_BANDS`; reflective ones take the quantity of
        :data:`cloudorg.quantities.QUANTITIES` (C01 0.47, C02 0.64, C03 0.86, C05 1.6 µm),
        C13 and C14 the 11 µm brightness temperature.
    night : bool
        Write ~0 visible radiances. A night-time ``start_time`` is the caller's business.
    sampling : {"nearest", "bilinear"}
        How fields are sampled at each pixel's longitude/latitude.
    margin_km : float
        Extra fixed-grid margin around the fields' extent.
    projection_longitude : float, optional
        Override of ``longitude_of_projection_origin``.

    Returns
    -------
    list of Path
        The files written, in the order of ``bands``.

    Raises
    ------
    cloudorg.errors.ConfigError
        For an unknown band, platform or sector, or fields lacking a variable.

    Examples
    --------
    >>> import datetime as dt, tempfile
    >>> from cloudorg.io.synthetic import synthesize_fields
    >>> ds = synthesize_fields((-55.0, -54.0, 14.0, 15.0), resolution_deg=0.02)
    >>> paths = write_abi_scene(ds, tempfile.mkdtemp(), start_time=dt.datetime(2020, 1, 20, 15))
    >>> [p.name[19:22] for p in paths]
    ['C01', 'C02', 'C03', 'C05', 'C13']
    """
    start = as_utc(start_time)
    unknown = [b for b in bands if b not in ABI_BANDS]
    if unknown or not bands or len(set(bands)) != len(bands):
        raise ConfigError(
            f"bands: expected distinct names among {sorted(ABI_BANDS)}, got {bands!r}"
        )
    if platform not in _PLATFORMS:
        raise ConfigError(f"platform: expected one of {sorted(_PLATFORMS)}, got {platform!r}")
    if sector not in _SECTORS:
        raise ConfigError(f"sector: expected one of {sorted(_SECTORS)}, got {sector!r}")
    quantity = band_quantities("abi")
    check_fields(fields, {quantity[b] for b in bands})
    plat = _PLATFORMS[platform]
    lon_0 = plat.projection_lon if projection_longitude is None else float(projection_longitude)
    grid = fixed_grid_for(fields_extent(fields), lon_0, margin_km)
    scene_id, duration = _SECTORS[sector]
    end = start + dt.timedelta(seconds=duration)
    created = end + dt.timedelta(seconds=3)
    esd = earth_sun_distance(start + (end - start) / 2)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    paths = []
    for name in bands:
        band = ABI_BANDS[name]
        lon, lat = pixel_lonlats(grid, band.resolution_km, lon_0)
        values = sample_fields(fields, lon, lat, variables=[quantity[name]], method=sampling)
        radiance, kappa0 = _radiance(values[quantity[name]], band, esd, night)
        counts = to_counts(
            radiance, band.scale_factor, band.add_offset, valid_max=band.fill - 1, fill=band.fill
        )
        path = directory / abi_filename(name, platform, sector, start, end, created)
        _write_file(
            path,
            band,
            grid,
            counts,
            (lon, lat),
            kappa0,
            esd,
            (start, end, created),
            platform,
            plat,
            lon_0,
            scene_id,
        )
        paths.append(path)
    return paths


def _write_file(
    path: Path,
    band: AbiBand,
    grid: FixedGrid,
    counts: np.ndarray,
    lonlat: tuple[np.ndarray, np.ndarray],
    kappa0: float,
    esd: float,
    times: tuple[dt.datetime, dt.datetime, dt.datetime],
    platform: str,
    plat: _Platform,
    lon_0: float,
    scene_id: str,
) -> None:
    start, end, _ = times
    ny, nx = counts.shape
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.setncatts(_global_attrs(path.name, band, plat, platform, scene_id, times))
        for dim, size in (
            ("y", ny),
            ("x", nx),
            ("number_of_time_bounds", 2),
            ("band", 1),
            ("number_of_image_bounds", 2),
        ):
            nc.createDimension(dim, size)
        _write_rad(nc, band, counts)
        _write_dqf(nc, counts == band.fill)
        mid = (start + (end - start) / 2 - J2000).total_seconds()
        _var(
            nc,
            "t",
            "f8",
            (),
            mid,
            long_name="J2000 epoch mid-point between the start and end image scan in seconds",
            standard_name="time",
            units="seconds since 2000-01-01 12:00:00",
            axis="T",
            bounds="time_bounds",
        )
        _write_axes(nc, grid, band)
        _var(
            nc,
            "time_bounds",
            "f8",
            ("number_of_time_bounds",),
            [(start - J2000).total_seconds(), (end - J2000).total_seconds()],
            long_name="Scan start and end times in seconds since epoch (2000-01-01 12:00:00)",
        )
        _write_projection(nc, lon_0, plat, lonlat)
        _write_band_info(nc, band, kappa0, esd)
        _write_statistics(nc, band, counts)
        l0_files = re.sub(r"L1b-Rad(\w+)-(M\d)C\d\d_", r"L0-\1-\2_", path.name)
        _write_containers(nc, re.sub(r"_c\d+\.nc$", "_c*.nc", l0_files))


def _var(
    nc: netCDF4.Dataset,
    name: str,
    dtype: str,
    dims: tuple[str, ...],
    value: object,
    fill: object = None,
    **attrs: object,
) -> netCDF4.Variable:
    var = nc.createVariable(name, dtype, dims, fill_value=fill)
    var.set_auto_maskandscale(False)
    var.setncatts(attrs)
    if value is not None:
        var[...] = value
    return var


def _global_attrs(
    filename: str,
    band: AbiBand,
    plat: _Platform,
    platform: str,
    scene_id: str,
    times: tuple[dt.datetime, dt.datetime, dt.datetime],
) -> dict[str, str]:
    start, end, created = times
    reflective = band.esun is not None
    kind = "reflective" if reflective else "emissive"
    res = f"{band.resolution_km:g}km at nadir"
    return {
        "naming_authority": "gov.nesdis.noaa",
        "Conventions": "CF-1.7",
        "standard_name_vocabulary": "CF Standard Name Table (v35, 20 July 2016)",
        "institution": "DOC/NOAA/NESDIS > U.S. Department of Commerce, National Oceanic and "
        "Atmospheric Administration, National Environmental Satellite, Data, and Information "
        "Services",
        "project": "GOES",
        "production_site": "WCDAS",
        "production_environment": "OE",
        "spatial_resolution": res,
        "Metadata_Conventions": "Unidata Dataset Discovery v1.0",
        "orbital_slot": plat.orbital_slot,
        "platform_ID": platform,
        "instrument_type": "GOES R Series Advanced Baseline Imager",
        "scene_id": scene_id,
        "instrument_ID": plat.instrument_id,
        "title": "ABI L1b Radiances",
        "summary": f"Single {kind} band ABI L1b Radiance Products are digital maps of outgoing "
        "radiance values at the top of the atmosphere for "
        + ("visible and near-IR bands." if reflective else "IR bands."),
        "keywords": "SPECTRAL/ENGINEERING > "
        + (
            "VISIBLE WAVELENGTHS > VISIBLE RADIANCE"
            if reflective
            else "INFRARED WAVELENGTHS > INFRARED RADIANCE"
        ),
        "keywords_vocabulary": "NASA Global Change Master Directory (GCMD) Earth Science "
        "Keywords, Version 7.0.0.0.0",
        "iso_series_metadata_id": "a70be540-c38b-11e0-962b-0800200c9a66",
        "license": "Unclassified data.  Access is restricted to approved users only.",
        "processing_level": "National Aeronautics and Space Administration (NASA) L1b",
        "cdm_data_type": "Image",
        "dataset_name": filename,
        "production_data_source": "Realtime",
        "timeline_id": "ABI Mode 6",
        "date_created": _iso(created),
        "time_coverage_start": _iso(start),
        "time_coverage_end": _iso(end),
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, filename)),
        "comment": "Synthetic file written by cloudorg.io.synthetic (not NOAA data).",
    }


def _write_rad(nc: netCDF4.Dataset, band: AbiBand, counts: np.ndarray) -> None:
    reflective = band.esun is not None
    ny, nx = counts.shape
    rad = nc.createVariable(
        "Rad",
        "i2",
        ("y", "x"),
        zlib=True,
        complevel=1,
        chunksizes=(min(250, ny), min(250, nx)),
        fill_value=np.int16(band.fill),
    )
    rad.set_auto_maskandscale(False)
    step = f"{band.ifov_rad:.6f}"
    rad.setncatts(
        {
            "long_name": "ABI L1b Radiances",
            "standard_name": "toa_outgoing_radiance_per_unit_wavelength"
            if reflective
            else "toa_outgoing_radiance_per_unit_wavenumber",
            "_Unsigned": "true",
            "sensor_band_bit_depth": np.int8(band.bit_depth),
            "valid_range": np.array([0, band.fill - 1], dtype=np.int16),
            "scale_factor": np.float32(band.scale_factor),
            "add_offset": np.float32(band.add_offset),
            "units": "W m-2 sr-1 um-1" if reflective else "mW m-2 sr-1 (cm-1)-1",
            "resolution": f"y: {step} rad x: {step} rad",
            "coordinates": "band_id band_wavelength t y x",
            "grid_mapping": "goes_imager_projection",
            "cell_methods": "t: point area: point",
            "ancillary_variables": "DQF",
        }
    )
    rad[:] = counts.view(np.int16)


def _write_dqf(nc: netCDF4.Dataset, missing: np.ndarray) -> None:
    ny, nx = missing.shape
    dqf = nc.createVariable(
        "DQF",
        "i1",
        ("y", "x"),
        zlib=True,
        complevel=1,
        chunksizes=(min(250, ny), min(250, nx)),
        fill_value=np.int8(-1),
    )
    dqf.set_auto_maskandscale(False)
    frac_missing = float(missing.mean())
    dqf.setncatts(
        {
            "long_name": "ABI L1b Radiances data quality flags",
            "standard_name": "status_flag",
            "_Unsigned": "true",
            "valid_range": np.array([0, 4], dtype=np.int8),
            "units": "1",
            "coordinates": "band_id band_wavelength t y x",
            "grid_mapping": "goes_imager_projection",
            "cell_methods": "t: point area: point",
            "flag_values": np.arange(5, dtype=np.int8),
            "flag_meanings": " ".join(_DQF_MEANINGS),
            "number_of_qf_values": np.int8(5),
            "percent_good_pixel_qf": np.float32(1.0 - frac_missing),
            "percent_conditionally_usable_pixel_qf": np.float32(0.0),
            "percent_out_of_range_pixel_qf": np.float32(0.0),
            "percent_no_value_pixel_qf": np.float32(frac_missing),
            "percent_focal_plane_temperature_threshold_exceeded_qf": np.float32(0.0),
        }
    )
    dqf[:] = np.where(missing, 3, 0).astype(np.int8)


def _write_axes(nc: netCDF4.Dataset, grid: FixedGrid, band: AbiBand) -> None:
    x, y = _pixel_axes(grid, band)
    step = np.float32(round(band.ifov_rad, 6))
    for name, axis, sign in (("y", y, -1), ("x", x, 1)):
        var = nc.createVariable(name, "i2", (name,))
        var.set_auto_maskandscale(False)
        var.setncatts(
            {
                "scale_factor": np.float32(sign * step),
                "add_offset": np.float32(axis[0]),
                "units": "rad",
                "axis": name.upper(),
                "long_name": f"GOES fixed grid projection {name}-coordinate",
                "standard_name": f"projection_{name}_coordinate",
            }
        )
        var[:] = np.arange(axis.size, dtype=np.int16)
    x_edges = (grid.x_west, round(grid.x_west + grid.n_x * _GRID_2KM, 6))
    y_edges = (grid.y_north, round(grid.y_north - grid.n_y * _GRID_2KM, 6))
    for name, edges, long in (("y", y_edges, "north/south"), ("x", x_edges, "west/east")):
        _var(
            nc,
            f"{name}_image",
            "f4",
            (),
            np.float32(np.mean(edges)),
            long_name=f"GOES-R fixed grid projection {name}-coordinate center of image",
            standard_name=f"projection_{name}_coordinate",
            units="rad",
            axis=name.upper(),
        )
        _var(
            nc,
            f"{name}_image_bounds",
            "f4",
            ("number_of_image_bounds",),
            np.asarray(edges, dtype=np.float32),
            long_name=f"GOES-R fixed grid projection {name}-coordinate {long} extent of image",
            units="rad",
        )


def _write_projection(
    nc: netCDF4.Dataset, lon_0: float, plat: _Platform, lonlat: tuple[np.ndarray, np.ndarray]
) -> None:
    _var(
        nc,
        "goes_imager_projection",
        "i4",
        (),
        None,
        long_name="GOES-R ABI fixed grid projection",
        grid_mapping_name="geostationary",
        perspective_point_height=PERSPECTIVE_POINT_HEIGHT,
        semi_major_axis=SEMI_MAJOR_AXIS,
        semi_minor_axis=SEMI_MINOR_AXIS,
        inverse_flattening=INVERSE_FLATTENING,
        latitude_of_projection_origin=0.0,
        longitude_of_projection_origin=lon_0,
        sweep_angle_axis="x",
    )
    fill = np.float32(-999.0)
    _var(
        nc,
        "nominal_satellite_subpoint_lat",
        "f4",
        (),
        np.float32(0.0),
        fill,
        long_name="nominal satellite subpoint latitude (platform latitude)",
        standard_name="latitude",
        units="degrees_north",
    )
    _var(
        nc,
        "nominal_satellite_subpoint_lon",
        "f4",
        (),
        np.float32(plat.nominal_lon),
        fill,
        long_name="nominal satellite subpoint longitude (platform longitude)",
        standard_name="longitude",
        units="degrees_east",
    )
    _var(
        nc,
        "nominal_satellite_height",
        "f4",
        (),
        np.float32(PERSPECTIVE_POINT_HEIGHT / 1000),
        fill,
        long_name="nominal satellite height above GRS 80 ellipsoid (platform altitude)",
        standard_name="height_above_reference_ellipsoid",
        units="km",
    )
    lon, lat = lonlat
    ok = np.isfinite(lon) & np.isfinite(lat)
    extent = {
        "geospatial_westbound_longitude": lon[ok].min(),
        "geospatial_northbound_latitude": lat[ok].max(),
        "geospatial_eastbound_longitude": lon[ok].max(),
        "geospatial_southbound_latitude": lat[ok].min(),
        "geospatial_lat_center": lat[ok].mean(),
        "geospatial_lon_center": lon[ok].mean(),
        "geospatial_lat_nadir": 0.0,
        "geospatial_lon_nadir": lon_0,
    }
    _var(
        nc,
        "geospatial_lat_lon_extent",
        "f4",
        (),
        None,
        **{k: np.float32(v) for k, v in extent.items()},
        geospatial_lat_units="degrees_north",
        geospatial_lon_units="degrees_east",
        long_name="geospatial latitude and longitude references",
    )
    _var(
        nc,
        "yaw_flip_flag",
        "i1",
        (),
        np.int8(0),
        np.int8(-1),
        long_name="Flag indicating the spacecraft is operating in yaw flip configuration",
        _Unsigned="true",
        valid_range=np.array([0, 1], dtype=np.int8),
        units="1",
        coordinates="t",
        flag_values=np.array([0, 1], dtype=np.int8),
        flag_meanings="false true",
    )


def _write_band_info(nc: netCDF4.Dataset, band: AbiBand, kappa0: float, esd: float) -> None:
    fill = np.float32(-999.0)
    coords = "band_id band_wavelength t"
    _var(
        nc,
        "band_id",
        "i1",
        ("band",),
        np.array([band.number], dtype=np.int8),
        long_name="ABI band number",
        standard_name="sensor_band_identifier",
        units="1",
    )
    _var(
        nc,
        "band_wavelength",
        "f4",
        ("band",),
        np.array([band.wavelength_um], np.float32),
        long_name="ABI band central wavelength",
        standard_name="sensor_band_central_radiation_wavelength",
        units="um",
    )
    reflective = band.esun is not None
    _var(
        nc,
        "esun",
        "f4",
        (),
        np.float32(band.esun if reflective else -999.0),
        fill,
        long_name="bandpass-weighted solar irradiance at the mean Earth-Sun distance",
        standard_name="toa_shortwave_irradiance_per_unit_wavelength",
        units="W m-2 um-1",
        coordinates=coords,
        cell_methods="t: mean",
    )
    _var(
        nc,
        "kappa0",
        "f4",
        (),
        np.float32(kappa0 if reflective else -999.0),
        fill,
        long_name="Inverse of the incoming top of atmosphere radiance at current earth-sun "
        "distance (PI d2 esun-1)-1, where d is the ratio of instantaneous Earth-Sun distance "
        "divided by the mean Earth-Sun distance, esun is the bandpass-weighted solar "
        "irradiance and PI is a standard constant used to convert ABI L1b radiance to "
        "reflectance",
        units="(W m-2 um-1)-1",
        coordinates=coords,
        cell_methods="t: mean",
    )
    planck = band.planck if band.planck is not None else (-999.0,) * 4
    long_names = {
        "planck_fk1": (
            "wavenumber-dependent coefficient (2 h c2/ nu3) used in the ABI emissive "
            "band monochromatic brightness temperature computation, where nu "
            "=central wavenumber and h and c are standard constants",
            "W m-1",
        ),
        "planck_fk2": (
            "wavenumber-dependent coefficient (h c nu/b) used in the ABI emissive "
            "band monochromatic brightness temperature computation, where nu = "
            "central wavenumber and h, c, and b are standard constants",
            "K",
        ),
        "planck_bc1": (
            "spectral bandpass correction offset for brightness temperature (B(nu) - "
            "bc_1)/bc_2 where B()=planck_function() and nu=wavenumber",
            "K",
        ),
        "planck_bc2": (
            "spectral bandpass correction scale factor for brightness temperature "
            "(B(nu) - bc_1)/bc_2 where B()=planck_function() and nu=wavenumber",
            "1",
        ),
    }
    for (name, (long_name, units)), value in zip(long_names.items(), planck, strict=True):
        _var(
            nc,
            name,
            "f4",
            (),
            np.float32(value),
            fill,
            long_name=long_name,
            units=units,
            coordinates="band_id band_wavelength",
        )
    _var(
        nc,
        "earth_sun_distance_anomaly_in_AU",
        "f4",
        (),
        np.float32(esd),
        fill,
        long_name="earth sun distance anomaly in astronomical units",
        units="ua",
        coordinates="t",
        cell_methods="t: mean",
    )


def _write_statistics(nc: netCDF4.Dataset, band: AbiBand, counts: np.ndarray) -> None:
    """Pixel counts, radiance statistics and instrument-state scalars, as NOAA writes them."""
    valid = counts != band.fill
    radiance = counts[valid] * np.float64(band.scale_factor) + band.add_offset
    area = {
        "coordinates": "band_id band_wavelength t y_image x_image",
        "grid_mapping": "goes_imager_projection",
    }
    interval = f"interval: {2 * band.ifov_rad:.6f} rad comment:"
    good = "good and conditionally usable quality pixels only"
    for name, value, long_name, comment in (
        (
            "valid_pixel_count",
            int(valid.sum()),
            "number of good and conditionally usable pixels",
            good,
        ),
        (
            "missing_pixel_count",
            int((~valid).sum()),
            "number of missing pixels",
            "missing ABI fixed grid pixels only",
        ),
        (
            "saturated_pixel_count",
            0,
            "number of saturated pixels",
            "radiometrically saturated geolocated/not missing pixels only",
        ),
        (
            "undersaturated_pixel_count",
            0,
            "number of undersaturated pixels",
            "radiometrically undersaturated geolocated/not missing pixels only",
        ),
        (
            "focal_plane_temperature_threshold_exceeded_count",
            0,
            "number of pixels whose temperatures exceeded the threshold",
            "temperature exceeded pixels only",
        ),
    ):
        _var(
            nc,
            name,
            "i4",
            (),
            np.int32(value),
            np.int32(-1),
            long_name=long_name,
            units="count",
            **area,
            cell_methods=f"t: sum area: sum ({interval} {comment})",
        )
    reflective = band.esun is not None
    rad_attrs = {
        "standard_name": "toa_outgoing_radiance_per_unit_wavelength"
        if reflective
        else "toa_outgoing_radiance_per_unit_wavenumber",
        "units": "W m-2 sr-1 um-1" if reflective else "mW m-2 sr-1 (cm-1)-1",
    }
    top = band.add_offset + (band.fill - 1) * band.scale_factor
    valid_range = np.array([band.add_offset, top], dtype=np.float32)
    stats = [radiance.min(), radiance.max(), radiance.mean(), radiance.std()]
    if not radiance.size:
        stats = [-999.0] * 4
    for (name, long_name, method), value in zip(
        (
            ("min_radiance_value_of_valid_pixels", "minimum radiance value of pixels", "minimum"),
            ("max_radiance_value_of_valid_pixels", "maximum radiance value of pixels", "maximum"),
            ("mean_radiance_value_of_valid_pixels", "mean radiance value of pixels", "mean"),
            (
                "std_dev_radiance_value_of_valid_pixels",
                "standard deviation of radiance values of pixels",
                "standard_deviation",
            ),
        ),
        stats,
        strict=True,
    ):
        extra = {} if method == "standard_deviation" else {"valid_range": valid_range}
        _var(
            nc,
            name,
            "f4",
            (),
            np.float32(value),
            np.float32(-999.0),
            long_name=long_name,
            **rad_attrs,
            **extra,
            **area,
            cell_methods=f"t: sum area: {method} ({interval} {good})",
        )
    fill = np.float32(-999.0)
    for name, value, long_name in (
        ("maximum_focal_plane_temperature", 81.0, "maximum focal plane temperature value"),
        (
            "focal_plane_temperature_threshold_increasing",
            100.0,
            "focal plane temperature threshold increasing bounds value",
        ),
        (
            "focal_plane_temperature_threshold_decreasing",
            101.0,
            "focal plane temperature threshold decreasing bounds value",
        ),
    ):
        _var(
            nc,
            name,
            "f4",
            (),
            np.float32(value),
            fill,
            long_name=long_name,
            units="K",
            valid_range=np.array([0.0, 999.0], dtype=np.float32),
        )
    _var(
        nc,
        "percent_uncorrectable_L0_errors",
        "f4",
        (),
        np.float32(0.0),
        fill,
        long_name="percent data lost due to uncorrectable L0 errors",
        units="percent",
        valid_range=np.array([0.0, 1.0], dtype=np.float32),
        coordinates="t y_image x_image",
        grid_mapping="goes_imager_projection",
        cell_methods="t: sum area: sum (uncorrectable L0 errors only)",
    )


def _write_containers(nc: netCDF4.Dataset, l0_files: str) -> None:
    """The empty ``*_container`` variables that carry provenance attributes."""
    containers = {
        "algorithm_dynamic_input_data_container": {
            "long_name": "container for filenames of dynamic algorithm input data",
            "input_ABI_L0_data": l0_files,
        },
        "processing_parm_version_container": {
            "long_name": "container for processing parameter filenames",
            "L1b_processing_parm_version": "OR-PARM-RAD_v01r00.zip",
        },
        "algorithm_product_version_container": {
            "long_name": "container for algorithm package filename and product version",
            "algorithm_version": "OR_ABI-L1b-ALG-RAD_v01r00.zip",
            "product_version": "v01r00",
        },
    }
    for name, attrs in containers.items():
        _var(nc, name, "i4", (), None, **attrs)
