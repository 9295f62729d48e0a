"""GOES-R ABI L1b radiance files (netCDF4) made from synthetic fields.

The files mirror NOAA's ``OR_ABI-L1b-Rad*`` products (PUG L1b vol. 3) as far as satpy's
``abi_l1b`` reader and a careful user can tell: scaled ``int16`` radiances with
``_Unsigned``, ``scale_factor``, ``add_offset`` and ``_FillValue``; the ``DQF`` flags;
the ``goes_imager_projection`` grid mapping; ``x``/``y`` scan angles (radians, scaled
``int16``) on the ABI fixed grid; ``t``, ``time_bounds``, ``band_id``, ``band_wavelength``,
``esun``, ``kappa0``, ``earth_sun_distance_anomaly_in_AU``, ``planck_fk1/fk2/bc1/bc2`` and
NOAA's global attributes. The bands, platforms, sectors and every attribute are tables in
``abi.yaml`` beside this module; the values that depend on the band, the times or the
file fill their ``{placeholders}`` (see :func:`cloudorg.synthetic.l1b.render`).

The sector is cut from the full-disk fixed grid (edges on the 2 km grid, as NOAA's are)
so that it covers the fields' extent plus a margin; pixels off that extent hold the fill
value (NaN in satpy). Radiances invert satpy's calibration exactly:
``reflectance[%] = Rad * pi * d**2 / esun * 100`` for reflective bands and
``BT = (fk2 / ln(fk1 / Rad + 1) - bc1) / bc2`` for emissive bands.

Examples
--------
>>> import datetime as dt, tempfile
>>> from cloudorg.synthetic import synthesize_fields
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
from typing import Any

import netCDF4
import numpy as np
import pyproj
import xarray as xr

from cloudorg.errors import ConfigError
from cloudorg.synthetic.fields import sample_fields
from cloudorg.synthetic.l1b import (
    J2000,
    as_utc,
    band_quantities,
    check_fields,
    earth_sun_distance,
    fields_extent,
    load_table,
    render,
    to_counts,
)

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


_TABLE = load_table("abi.yaml")
"""Bands, platforms, sectors and the attributes of every variable (``abi.yaml``)."""

ABI_BANDS: dict[str, AbiBand] = {
    f"C{spec['number']:02d}": AbiBand(**{**spec, "planck": tuple(spec.get("planck", ())) or None})
    for spec in _TABLE["bands"]
}
"""Bands the writer can make (representative GOES-16 calibration constants)."""


@dataclass(frozen=True)
class _Platform:
    orbital_slot: str
    projection_lon: float
    nominal_lon: float
    instrument_id: str


_PLATFORMS = {name: _Platform(**spec) for name, spec in _TABLE["platforms"].items()}
# scene_id and scan duration (s) per sector; the file is created 3 s after the scan ends
_SECTORS = {
    name: (spec["scene_id"], spec["duration_s"]) for name, spec in _TABLE["sectors"].items()
}


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
        Output of :func:`~cloudorg.synthetic.synthesize_fields`.
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
    >>> from cloudorg.synthetic import synthesize_fields
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
    context = {
        **_TABLE["kinds"]["reflective" if band.esun is not None else "emissive"],
        **_file_context(path.name, platform, plat, scene_id, lon_0, times),
        **_band_context(band, kappa0, esd),
        **_grid_context(grid, band, lonlat),
        **_pixel_context(band, counts),
    }
    ny, nx = counts.shape
    chunks = {"zlib": True, "complevel": 1, "chunksizes": (min(250, ny), min(250, nx))}
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.setncatts(render(_TABLE["global_attributes"], context))
        for dim, size in render(_TABLE["dimensions"], context).items():
            nc.createDimension(dim, size)
        for name, spec in render(_TABLE["variables"], context).items():
            var = nc.createVariable(
                name,
                spec["datatype"],
                tuple(spec.get("dims", ())),
                fill_value=spec.get("fill"),
                **(chunks if spec.get("compress") else {}),
            )
            var.set_auto_maskandscale(False)
            var.setncatts(spec["attrs"])
            if "value" in spec:
                var[...] = spec["value"]


def _file_context(
    filename: str,
    platform: str,
    plat: _Platform,
    scene_id: str,
    lon_0: float,
    times: tuple[dt.datetime, dt.datetime, dt.datetime],
) -> dict[str, Any]:
    """Names, times and projection of a file."""
    start, end, created = times
    l0_files = re.sub(r"L1b-Rad(\w+)-(M\d)C\d\d_", r"L0-\1-\2_", filename)
    return {
        "filename": filename,
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, filename)),
        "l0_files": re.sub(r"_c\d+\.nc$", "_c*.nc", l0_files),
        "platform": platform,
        "orbital_slot": plat.orbital_slot,
        "instrument_id": plat.instrument_id,
        "scene_id": scene_id,
        "date_created": _iso(created),
        "time_coverage_start": _iso(start),
        "time_coverage_end": _iso(end),
        "t": (start + (end - start) / 2 - J2000).total_seconds(),
        "time_bounds": [(start - J2000).total_seconds(), (end - J2000).total_seconds()],
        "perspective_point_height": PERSPECTIVE_POINT_HEIGHT,
        "semi_major_axis": SEMI_MAJOR_AXIS,
        "semi_minor_axis": SEMI_MINOR_AXIS,
        "inverse_flattening": INVERSE_FLATTENING,
        "satellite_height_km": np.float32(PERSPECTIVE_POINT_HEIGHT / 1000),
        "lon_0": lon_0,
        "lon_nadir": np.float32(lon_0),
        "nominal_lon": np.float32(plat.nominal_lon),
    }


def _band_context(band: AbiBand, kappa0: float, esd: float) -> dict[str, Any]:
    """Radiometric constants of a band; emissive bands have no esun/kappa0, reflective no Planck."""
    planck = band.planck if band.planck is not None else (-999.0,) * 4
    top = band.add_offset + (band.fill - 1) * band.scale_factor
    return {
        "resolution_km": band.resolution_km,
        "ifov_rad": band.ifov_rad,
        "interval_rad": 2 * band.ifov_rad,
        "rad_fill": np.int16(band.fill),
        "bit_depth": np.int8(band.bit_depth),
        "rad_valid_range": np.array([0, band.fill - 1], dtype=np.int16),
        "rad_scale_factor": np.float32(band.scale_factor),
        "rad_add_offset": np.float32(band.add_offset),
        "radiance_valid_range": np.array([band.add_offset, top], dtype=np.float32),
        "band_id": np.array([band.number], dtype=np.int8),
        "band_wavelength": np.array([band.wavelength_um], np.float32),
        "esun": np.float32(band.esun if band.esun is not None else -999.0),
        "kappa0": np.float32(kappa0 if band.esun is not None else -999.0),
        **{
            f"planck_{name}": np.float32(value)
            for name, value in zip(("fk1", "fk2", "bc1", "bc2"), planck, strict=True)
        },
        "esd": np.float32(esd),
    }


def _grid_context(
    grid: FixedGrid, band: AbiBand, lonlat: tuple[np.ndarray, np.ndarray]
) -> dict[str, Any]:
    """Scan-angle axes, image centre and bounds, and the lon/lat extent of the pixels."""
    x, y = _pixel_axes(grid, band)
    step = np.float32(round(band.ifov_rad, 6))
    x_edges = (grid.x_west, round(grid.x_west + grid.n_x * _GRID_2KM, 6))
    y_edges = (grid.y_north, round(grid.y_north - grid.n_y * _GRID_2KM, 6))
    lon, lat = lonlat
    ok = np.isfinite(lon) & np.isfinite(lat)
    return {
        "ny": y.size,
        "nx": x.size,
        "y_index": np.arange(y.size, dtype=np.int16),
        "x_index": np.arange(x.size, dtype=np.int16),
        "y_scale_factor": np.float32(-step),
        "y_add_offset": np.float32(y[0]),
        "x_scale_factor": np.float32(step),
        "x_add_offset": np.float32(x[0]),
        "y_image": np.float32(np.mean(y_edges)),
        "y_image_bounds": np.asarray(y_edges, dtype=np.float32),
        "x_image": np.float32(np.mean(x_edges)),
        "x_image_bounds": np.asarray(x_edges, dtype=np.float32),
        "lon_min": np.float32(lon[ok].min()),
        "lon_max": np.float32(lon[ok].max()),
        "lat_min": np.float32(lat[ok].min()),
        "lat_max": np.float32(lat[ok].max()),
        "lon_mean": np.float32(lon[ok].mean()),
        "lat_mean": np.float32(lat[ok].mean()),
    }


def _pixel_context(band: AbiBand, counts: np.ndarray) -> dict[str, Any]:
    """Radiance counts, quality flags, pixel counts and radiance statistics, as NOAA's."""
    valid = counts != band.fill
    radiance = counts[valid] * np.float64(band.scale_factor) + band.add_offset
    stats = [radiance.min(), radiance.max(), radiance.mean(), radiance.std()]
    if not radiance.size:
        stats = [-999.0] * 4
    frac_missing = float((~valid).mean())
    return {
        "counts": counts.view(np.int16),
        "dqf": np.where(valid, 0, 3).astype(np.int8),
        "percent_good": np.float32(1.0 - frac_missing),
        "percent_missing": np.float32(frac_missing),
        "valid_pixel_count": np.int32(valid.sum()),
        "missing_pixel_count": np.int32((~valid).sum()),
        **{
            f"{name}_radiance": np.float32(value)
            for name, value in zip(("min", "max", "mean", "std"), stats, strict=True)
        },
    }
