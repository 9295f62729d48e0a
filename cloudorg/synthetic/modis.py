"""Aqua/Terra MODIS L1b 1 km granules (HDF4: MYD021KM + MYD03) made from synthetic fields.

The granule follows NASA's Collection 6.1 layout as satpy's ``modis_l1b`` reader needs it:

* ``MYD021KM``: ``EV_250_Aggr1km_RefSB`` (bands 1, 2), ``EV_500_Aggr1km_RefSB`` (3–7),
  ``EV_1KM_RefSB`` (8–19, 26) and ``EV_1KM_Emissive`` (20–36), each a
  ``(band, 10*nscans, Max_EV_frames)`` ``uint16`` array with ``band_names``,
  ``valid_range`` (0–32767), ``_FillValue`` 65535, ``reflectance_scales/offsets``,
  ``radiance_scales/offsets`` and ``corrected_counts_scales/offsets``, and its
  ``*_Uncert_Indexes`` (satpy masks pixels whose index is 15); 5 km tie-point
  ``Latitude``/``Longitude`` (1 km rows 2, 7, … and columns 2, 7, …) and angles;
* ``MYD03``: 1 km ``Latitude``/``Longitude``, ``SensorZenith``/``SensorAzimuth``,
  ``SolarZenith``/``SolarAzimuth`` (``int16``, ``scale_factor`` 0.01), ``Height``,
  ``Range``, ``Land/SeaMask``;
* ECS metadata (``CoreMetadata.0``, ``ArchiveMetadata.0``, ``StructMetadata.0``) in ODL,
  with ``SHORTNAME`` (satpy takes the resolution from it), ``RANGEBEGINNINGDATE/TIME``,
  ``ASSOCIATEDPLATFORMSHORTNAME``, ``DAYNIGHTFLAG`` and the bounding polygon.

The band constants, SDS attributes and ECS metadata trees are tables in ``modis.yaml``
beside this module, filled per granule (see :func:`cloudorg.synthetic.l1b.render`).

The swath is an idealised sun-synchronous pass (705 km, 98.2° inclination, 1.418 mrad
frames, ±55° scan, no bow-tie) whose ground track crosses the centre of the fields.
Aqua's daytime passes are ascending (row 0 in the south), Terra's descending; night
granules take the other node. Pixels off the fields' extent are fill (NaN in satpy).
Scaled integers invert satpy's calibration: ``reflectance[%] = (SI - offset) * scale * 100``
and, for emissive bands, satpy's inverse Planck function with the MODIS effective
wavenumbers and temperature corrections.

Examples
--------
>>> import datetime as dt, tempfile
>>> from cloudorg.synthetic import synthesize_fields
>>> ds = synthesize_fields((-55.0, -54.0, 14.0, 15.0), resolution_deg=0.02)
>>> paths = write_modis_granule(ds, tempfile.mkdtemp(), start_time=dt.datetime(2020, 1, 20, 17, 30))
>>> [p.name for p in paths]
['MYD021KM.A2020020.1730.061.2020021000000.hdf', 'MYD03.A2020020.1730.061.2020021000000.hdf']
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import xarray as xr
from pyhdf.SD import SD, SDC
from pyorbital.astronomy import get_alt_az

from cloudorg.errors import ConfigError
from cloudorg.synthetic.fields import FIELD_QUANTITIES, sample_fields
from cloudorg.synthetic.l1b import (
    as_utc,
    band_quantities,
    check_fields,
    earth_sun_distance,
    fields_extent,
    load_table,
    render,
    to_counts,
)

ALTITUDE_KM = 705.0
EARTH_RADIUS_KM = 6371.0
FRAME_RAD = 1.418e-3  # angular frame size: 1354 frames span ±55°
MAX_FRAMES = 1354
SCAN_PERIOD_S = 1.4771
INCLINATION_DEG = 98.2
_FILL = 65535
_VALID_MAX = 32767
_SI_REFL_OFFSET = 316.9722
_SI_EMIS_OFFSET = 1577.3397

_TABLE = load_table("modis.yaml")
"""Bands, platforms, SDS attributes and ECS metadata of the granules (``modis.yaml``)."""
# satpy's calibrate_bt constants and the offset from band 31 (K) of each emissive band
_EMISSIVE = _TABLE["emissive_bands"]
_PLATFORMS = {
    name: (spec["name"], spec["prefix"], spec["day_ascending"])
    for name, spec in _TABLE["platforms"].items()
}


@dataclass(frozen=True)
class _ReflectiveBand:
    name: str
    wavelength_um: float
    esun: float  # W m-2 um-1
    transmission: float = 1.0  # gaseous absorption


_SDC_TYPES = {
    np.dtype(np.uint8): SDC.UINT8,
    np.dtype(np.int8): SDC.INT8,
    np.dtype(np.uint16): SDC.UINT16,
    np.dtype(np.int16): SDC.INT16,
    np.dtype(np.int32): SDC.INT32,
    np.dtype(np.float32): SDC.FLOAT32,
    np.dtype(np.float64): SDC.FLOAT64,
}


# --------------------------------------------------------------------------- radiometry


def brightness_temperature_to_radiance(bt: np.ndarray, band: str) -> np.ndarray:
    """Invert satpy's MODIS emissive calibration: radiance in W m-2 um-1 sr-1.

    Examples
    --------
    >>> round(float(brightness_temperature_to_radiance(np.array(290.0), "31")), 2)
    8.22
    """
    constants = _EMISSIVE[band]
    cwn, tcs, tci = constants["wavenumber"], constants["slope"], constants["intercept"]
    h, c, k = 6.6260755e-34, 2.9979246e8, 1.380658e-23
    wavelength = 1.0 / (cwn * 100.0)  # m
    temperature = np.asarray(bt, dtype=np.float64) * tcs + tci
    return 2 * h * c * c / (1e6 * wavelength**5 * np.expm1(h * c / k / (wavelength * temperature)))


def _reflective_bands(sds: str) -> list[_ReflectiveBand]:
    return [_ReflectiveBand(**spec) for spec in _TABLE["reflective_sds"][sds]["bands"]]


def _band_reflectance(
    band: _ReflectiveBand, values: dict[str, np.ndarray], exact: dict[str, str]
) -> np.ndarray:
    """Reflectance (%) of a band: the field itself, or interpolated in wavelength."""
    if band.name in exact:
        return values[exact[band.name]]
    names = ("reflectance_0p47", "reflectance_0p64", "reflectance_0p86", "reflectance_1p6")
    waves = (0.47, 0.64, 0.86, 1.6)
    k = int(np.clip(np.searchsorted(waves, band.wavelength_um) - 1, 0, 2))
    w = (band.wavelength_um - waves[k]) / (waves[k + 1] - waves[k])
    if w > 1.0:  # beyond 1.6 µm: ice and liquid absorb more
        return 0.6 * values[names[3]] * band.transmission
    w = max(w, 0.0)
    return ((1 - w) * values[names[k]] + w * values[names[k + 1]]) * band.transmission


# --------------------------------------------------------------------------- geometry


@dataclass
class SwathGeometry:
    """Geolocation and viewing geometry of a synthetic 1 km MODIS swath (degrees, km)."""

    lon: np.ndarray
    lat: np.ndarray
    sensor_zenith: np.ndarray
    sensor_azimuth: np.ndarray
    range_km: np.ndarray
    solar_zenith: np.ndarray
    solar_azimuth: np.ndarray


def _track_heading(lat: float, ascending: bool) -> float:
    """Ground-track azimuth (deg) of a sun-synchronous orbit over the rotating Earth."""
    cos_lat = math.cos(math.radians(lat))
    inertial = math.asin(max(-1.0, min(1.0, math.cos(math.radians(INCLINATION_DEG)) / cos_lat)))
    speed = 6.76  # km/s ground speed of the sub-satellite point
    north = speed * math.cos(inertial) * (1 if ascending else -1)
    east = speed * math.sin(inertial) - 0.4651 * cos_lat
    return math.degrees(math.atan2(east, north)) % 360.0


def swath_geometry(
    centre: tuple[float, float],
    n_lines: int,
    n_columns: int,
    *,
    ascending: bool,
    time: dt.datetime,
    track_offset_km: float = 0.0,
) -> SwathGeometry:
    """Pixel positions and angles of an idealised MODIS swath centred on ``centre``.

    Parameters
    ----------
    centre : tuple of float
        ``(lon, lat)`` of the swath centre (degrees).
    n_lines, n_columns : int
        Swath size in 1 km lines and frames.
    ascending : bool
        Northbound pass (row 0 in the south) or southbound.
    time : datetime.datetime
        Time for the solar angles.
    track_offset_km : float
        Shift of the ground track to the right of the swath centre (km).

    Returns
    -------
    SwathGeometry

    Examples
    --------
    >>> g = swath_geometry((-54.0, 15.0), 20, 1354, ascending=True,
    ...                    time=dt.datetime(2020, 1, 20, 17, 30))
    >>> g.lat.shape, bool(g.lat[-1, 677] > g.lat[0, 677]), round(float(g.sensor_zenith.max()))
    ((20, 1354), True, 65)
    """
    geod = pyproj.Geod(ellps="WGS84")
    heading = _track_heading(centre[1], ascending)
    lon_c, lat_c, _ = geod.fwd(centre[0], centre[1], heading - 90.0, -track_offset_km * 1000.0)
    along = (np.arange(n_lines) - (n_lines - 1) / 2) * 1000.0
    t_lon, t_lat, back = geod.fwd(
        np.full(n_lines, lon_c), np.full(n_lines, lat_c), np.full(n_lines, heading), along
    )
    forward = back + 180.0
    scan = (np.arange(n_columns) - (n_columns - 1) / 2) * FRAME_RAD
    ratio = (EARTH_RADIUS_KM + ALTITUDE_KM) / EARTH_RADIUS_KM
    central = np.arcsin(ratio * np.sin(scan)) - scan  # Earth-central angle (signed)
    ground = EARTH_RADIUS_KM * central * 1000.0
    shape = (n_lines, n_columns)
    azimuth = forward[:, None] - 90.0 * np.sign(ground)[None, :]
    lon, lat, sat_az = geod.fwd(
        np.broadcast_to(t_lon[:, None], shape),
        np.broadcast_to(t_lat[:, None], shape),
        np.broadcast_to(azimuth, shape),
        np.broadcast_to(np.abs(ground)[None, :], shape),
    )
    r, rs = EARTH_RADIUS_KM, EARTH_RADIUS_KM + ALTITUDE_KM
    slant = np.sqrt(r**2 + rs**2 - 2 * r * rs * np.cos(central))
    altitude, sun_az = get_alt_az(time, lon, lat)
    return SwathGeometry(
        lon=lon,
        lat=lat,
        sensor_zenith=np.broadcast_to(np.degrees(np.abs(scan + central)), shape),
        sensor_azimuth=(sat_az + 180.0) % 360.0 - 180.0,
        range_km=np.broadcast_to(slant, shape),
        solar_zenith=90.0 - np.degrees(altitude),
        solar_azimuth=(np.degrees(sun_az) + 180.0) % 360.0 - 180.0,
    )


def _scans_to_cover(extent: tuple[float, float, float, float], heading: float) -> int:
    """Number of 10-line scans whose along-track span covers the extent plus 20 km."""
    lon_min, lon_max, lat_min, lat_max = extent
    lat_c = 0.5 * (lat_min + lat_max)
    dx = (np.array([lon_min, lon_max, lon_min, lon_max]) - 0.5 * (lon_min + lon_max)) * 111.32
    dx *= math.cos(math.radians(lat_c))
    dy = (np.array([lat_min, lat_min, lat_max, lat_max]) - lat_c) * 110.57
    h = math.radians(heading)
    along = np.abs(dx * math.sin(h) + dy * math.cos(h)).max()
    return max(2, math.ceil((2 * along + 20.0) / 10.0))


# --------------------------------------------------------------------------- HDF4 writing


@dataclass
class _Sds:
    """One scientific dataset: dimension names (without the swath suffix), data, attributes."""

    name: str
    dims: tuple[str, ...]
    data: np.ndarray
    attrs: dict[str, object]
    fill: object | None = None
    valid_range: np.ndarray | None = None
    geo: bool = False


def _sds(
    name: str,
    dims: tuple[str, ...],
    data: np.ndarray,
    kind: str | None = None,
    context: dict[str, Any] | None = None,
    *,
    geo: bool = False,
    **attrs: object,
) -> _Sds:
    """An SDS with the attributes, fill and valid range of table entry ``kind`` (or ``name``)."""
    spec = render(_TABLE["sds"][kind or name], context or {})
    attrs = {**spec["attrs"], **attrs}
    return _Sds(name, dims, data, attrs, spec.get("fill"), spec.get("valid_range"), geo)


def _set_attr(obj: object, name: str, value: object) -> None:
    if isinstance(value, str):
        obj.attr(name).set(SDC.CHAR8, value)
        return
    array = np.atleast_1d(np.asarray(value))
    obj.attr(name).set(_SDC_TYPES[array.dtype], array.tolist())


def _odl_value(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_odl_value(v) for v in value) + ")"
    return repr(value)


def _odl(tree: dict[str, object], depth: int = 0) -> str:
    """ECS ODL text of a nested dict.

    Keys ``"GROUP X"`` / ``"OBJECT X"`` open groups and container objects (a dict value);
    an ``"OBJECT X"`` key with a plain value is a metadata object holding ``VALUE``.
    """
    pad = "  " * depth
    lines = []
    for key, value in tree.items():
        kind, _, name = key.partition(" ")
        if kind in ("GROUP", "OBJECT") and isinstance(value, dict):
            lines.append(f"{pad}{kind:<23}= {name}")
            if kind == "OBJECT":
                lines.append(f'{pad}  {"CLASS":<21}= "1"')
            lines.append(_odl(value, depth + 1))
            lines.append(f"{pad}END_{kind:<19}= {name}\n")
        elif kind == "OBJECT":
            n_val = len(value) if isinstance(value, tuple | list) else 1
            lines += [
                f"{pad}{'OBJECT':<23}= {name}",
                f"{pad}  {'NUM_VAL':<21}= {n_val}",
                f"{pad}  {'VALUE':<21}= {_odl_value(value)}",
                f"{pad}{'END_OBJECT':<23}= {name}\n",
            ]
        else:
            lines.append(f"{pad}{key:<23}= {value}")
    return "\n".join(lines)


def _struct_metadata(
    swath: str, dims: dict[str, int], sds: list[_Sds], maps: list[dict[str, object]]
) -> str:
    """HDF-EOS ``StructMetadata.0`` of one swath."""
    out = [
        "GROUP=SwathStructure",
        "\tGROUP=SWATH_1",
        f'\t\tSwathName="{swath}"',
        "\t\tGROUP=Dimension",
    ]
    for i, (name, size) in enumerate(dims.items(), 1):
        out += [
            f"\t\t\tOBJECT=Dimension_{i}",
            f'\t\t\t\tDimensionName="{name}"',
            f"\t\t\t\tSize={size}",
            f"\t\t\tEND_OBJECT=Dimension_{i}",
        ]
    out += ["\t\tEND_GROUP=Dimension", "\t\tGROUP=DimensionMap"]
    for i, dim_map in enumerate(maps, 1):
        out += [
            f"\t\t\tOBJECT=DimensionMap_{i}",
            f'\t\t\t\tGeoDimension="{dim_map["GeoDimension"]}"',
            f'\t\t\t\tDataDimension="{dim_map["DataDimension"]}"',
            f"\t\t\t\tOffset={dim_map['Offset']}",
            f"\t\t\t\tIncrement={dim_map['Increment']}",
            f"\t\t\tEND_OBJECT=DimensionMap_{i}",
        ]
    out += [
        "\t\tEND_GROUP=DimensionMap",
        "\t\tGROUP=IndexDimensionMap",
        "\t\tEND_GROUP=IndexDimensionMap",
    ]
    for group, kind in (("GeoField", True), ("DataField", False)):
        out.append(f"\t\tGROUP={group}")
        for i, s in enumerate((s for s in sds if s.geo == kind), 1):
            dtype = f"DFNT_{np.dtype(s.data.dtype).name.upper()}"
            dim_list = ",".join(f'"{d}"' for d in s.dims)
            out += [
                f"\t\t\tOBJECT={group}_{i}",
                f'\t\t\t\t{group}Name="{s.name}"',
                f"\t\t\t\tDataType={dtype}",
                f"\t\t\t\tDimList=({dim_list})",
                f"\t\t\tEND_OBJECT={group}_{i}",
            ]
        out.append(f"\t\tEND_GROUP={group}")
    out += [
        "\t\tGROUP=MergedFields",
        "\t\tEND_GROUP=MergedFields",
        "\tEND_GROUP=SWATH_1",
        "END_GROUP=SwathStructure",
        "GROUP=GridStructure",
        "END_GROUP=GridStructure",
        "GROUP=PointStructure",
        "END_GROUP=PointStructure",
        "END",
        "",
    ]
    return "\n".join(out)


def _write_hdf(
    path: Path,
    swath: str,
    sds: list[_Sds],
    metadata: dict[str, str],
    global_attrs: dict[str, object],
    dim_maps: list[dict[str, object]],
    compress: bool,
) -> None:
    dims: dict[str, int] = {}
    for s in sds:
        dims.update(zip(s.dims, s.data.shape, strict=True))
    path.unlink(missing_ok=True)
    sd = SD(str(path), SDC.WRITE | SDC.CREATE | SDC.TRUNC)
    try:
        metadata = {**metadata, "StructMetadata.0": _struct_metadata(swath, dims, sds, dim_maps)}
        for name, value in {"HDFEOSVersion": "HDFEOS_V2.19", **metadata, **global_attrs}.items():
            _set_attr(sd, name, value)
        for s in sds:
            var = sd.create(s.name, _SDC_TYPES[s.data.dtype], list(s.data.shape))
            for i, dim in enumerate(s.dims):
                var.dim(i).setname(f"{dim}:{swath}")
            if s.fill is not None:
                var.setfillvalue(np.asarray(s.fill).item())
            if s.valid_range is not None:
                var.setrange(*(np.asarray(v).item() for v in s.valid_range))
            for name, value in s.attrs.items():
                _set_attr(var, name, value)
            if compress and s.data.size > 100_000:
                var.setcompress(SDC.COMP_DEFLATE, 1)
            var[:] = s.data
            var.endaccess()
    finally:
        sd.end()


# --------------------------------------------------------------------------- granule content


def _centidegrees(values: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(values) * 100).astype(np.int16)


def _geo_sds(
    g: SwathGeometry, rows: slice, cols: slice, dims: tuple[str, str], **ll_attrs: str
) -> list[_Sds]:
    """Latitude/Longitude (GeoFields) and the angles, height and range at ``rows, cols``."""

    def sub(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(a)[rows, cols])

    slant = np.clip(np.rint(sub(g.range_km) * 1000 / 25.0), 27000, 65535).astype(np.uint16)
    return [
        _sds("Latitude", dims, sub(g.lat).astype(np.float32), geo=True, **ll_attrs),
        _sds("Longitude", dims, sub(g.lon).astype(np.float32), geo=True, **ll_attrs),
        _sds("Height", dims, np.zeros(sub(g.lat).shape, dtype=np.int16)),
        _sds("SensorZenith", dims, _centidegrees(sub(g.sensor_zenith))),
        _sds("SensorAzimuth", dims, _centidegrees(sub(g.sensor_azimuth))),
        _sds("Range", dims, slant),
        _sds("SolarZenith", dims, _centidegrees(sub(g.solar_zenith))),
        _sds("SolarAzimuth", dims, _centidegrees(sub(g.solar_azimuth))),
    ]


def _band_sds(
    name: str,
    band_dim: str,
    long_name: str,
    bands: Sequence[str],
    si: np.ndarray,
    scales: dict[str, object],
) -> list[_Sds]:
    """A band-stacked SDS with its ``*_Uncert_Indexes`` (and ``*_Samples_Used``) companions."""
    dims = (band_dim, "10*nscans", "Max_EV_frames")
    n = len(bands)
    samples = 16 if "250" in name else 4
    context = {
        "sds": name,
        "long_name": long_name,
        "band_names": ",".join(bands),
        "fill": np.uint16(_FILL),
        "valid_range": np.array([0, _VALID_MAX], dtype=np.uint16),
        "specified_uncertainty": np.full(n, _TABLE["specified_uncertainty"], np.float32),
        "scaling_factor": np.full(n, _TABLE["uncertainty_scaling_factor"], np.float32),
        "samples_valid_range": np.array([0, samples], dtype=np.int8),
    }
    uncert = np.where(si == _FILL, 15, 2).astype(np.uint8)
    out = [
        _sds(name, dims, si, "bands", context, **scales),
        _sds(f"{name}_Uncert_Indexes", dims, uncert, "uncertainty", context),
    ]
    if "Aggr" in name:
        used = np.full(si.shape, samples, dtype=np.int8)
        used[si == _FILL] = -1
        out.append(_sds(f"{name}_Samples_Used", dims, used, "samples_used", context))
    return out


def _reflective_sds(
    sds_name: str, values: dict[str, np.ndarray], night: bool, esd: float
) -> list[_Sds]:
    bands = _reflective_bands(sds_name)
    exact = band_quantities("modis")
    refl_scale = np.float32(1.6 / (_VALID_MAX - _SI_REFL_OFFSET))
    si = np.empty((len(bands), *values[FIELD_QUANTITIES[0]].shape), dtype=np.uint16)
    for k, band in enumerate(bands):
        reflectance = _band_reflectance(band, values, exact)
        if night:
            reflectance = np.full_like(reflectance, np.nan)
        si[k] = to_counts(
            reflectance / 100.0,
            float(refl_scale),
            _SI_REFL_OFFSET,
            valid_max=_VALID_MAX,
            fill=_FILL,
            modis=True,
        )
    n = len(bands)
    esun = np.array([b.esun for b in bands], dtype=np.float32)
    context = {
        "radiance_scales": (refl_scale * esun / (math.pi * esd**2)).astype(np.float32),
        "reflectance_scales": np.full(n, refl_scale, np.float32),
        "corrected_counts_scales": np.full(n, _TABLE["corrected_counts_scale"], np.float32),
        "offsets": np.full(n, _SI_REFL_OFFSET, np.float32),
    }
    table = _TABLE["reflective_sds"][sds_name]
    long_name = f"Earth View {table['resolution']} Reflective Solar Bands Scaled Integers"
    scales = render(_TABLE["reflective_scales"], context)
    return _band_sds(
        sds_name, table["band_dimension"], long_name, [b.name for b in bands], si, scales
    )


def _emissive_sds(bt11: np.ndarray) -> list[_Sds]:
    bands = list(_EMISSIVE)
    si = np.empty((len(bands), *bt11.shape), dtype=np.uint16)
    scales = np.empty(len(bands), dtype=np.float32)
    for k, band in enumerate(bands):
        top = brightness_temperature_to_radiance(np.array(345.0), band)
        scales[k] = np.float32(top / (_VALID_MAX - _SI_EMIS_OFFSET))
        radiance = brightness_temperature_to_radiance(bt11 + _EMISSIVE[band]["delta_k"], band)
        si[k] = to_counts(
            radiance,
            float(scales[k]),
            _SI_EMIS_OFFSET,
            valid_max=_VALID_MAX,
            fill=_FILL,
            modis=True,
        )
    context = {
        "radiance_scales": scales,
        "offsets": np.full(len(bands), _SI_EMIS_OFFSET, np.float32),
    }
    return _band_sds(
        "EV_1KM_Emissive",
        "Band_1KM_Emissive",
        "Earth View 1KM Emissive Bands Scaled Integers",
        bands,
        si,
        render(_TABLE["emissive_scales"], context),
    )


def _band_number_sds() -> list[_Sds]:
    return [_Sds(name, (name,), v, {}) for name, v in _TABLE["band_numbers"].items()]


def modis_filenames(
    start_time: dt.datetime, platform: str = "aqua", collection: int = 61
) -> tuple[str, str]:
    """NASA file names of the 1 km L1b and geolocation files of a granule.

    The processing time in the names is midnight after the granule's day.

    Examples
    --------
    >>> modis_filenames(dt.datetime(2020, 1, 20, 14, 30))
    ('MYD021KM.A2020020.1430.061.2020021000000.hdf', 'MYD03.A2020020.1430.061.2020021000000.hdf')
    """
    if platform not in _PLATFORMS:
        raise ConfigError(f"platform: expected one of {sorted(_PLATFORMS)}, got {platform!r}")
    prefix = _PLATFORMS[platform][1]
    processed = dt.datetime.combine(start_time.date() + dt.timedelta(days=1), dt.time())
    tail = f".A{start_time:%Y%j.%H%M}.{collection:03d}.{processed:%Y%j%H%M%S}.hdf"
    return f"{prefix}021KM{tail}", f"{prefix}03{tail}"


def write_modis_granule(
    fields: xr.Dataset,
    directory: str | Path,
    *,
    start_time: dt.datetime,
    platform: str = "aqua",
    night: bool = False,
    n_columns: int = MAX_FRAMES,
    n_scans: int | None = None,
    track_offset_km: float = 0.0,
    sampling: str = "nearest",
    compress: bool = True,
) -> list[Path]:
    """Write a MODIS L1b 1 km granule (``M?D021KM``) and its geolocation (``M?D03``).

    Parameters
    ----------
    fields : xarray.Dataset
        Output of :func:`~cloudorg.synthetic.synthesize_fields`.
    directory : str or Path
        Output folder (created if missing).
    start_time : datetime.datetime
        Granule start (UTC); it names the files (``A%Y%j.%H%M``) and sets
        ``RANGEBEGINNINGDATE/TIME``. The granule lasts ``n_scans`` × 1.4771 s.
    platform : {"aqua", "terra"}
        ``MYD`` or ``MOD`` files.
    night : bool
        Night granule: reflective bands are fill (as in NASA's night-mode scans), the
        pass uses the night node and ``DAYNIGHTFLAG`` is ``Night``. A night-time
        ``start_time`` is the caller's business.
    n_columns : int
        Frames per line (at most 1354), centred on nadir. Fewer frames make smaller test
        files that satpy reads at 1 km with the ``M?D03`` file, but python-geotiepoints
        (5 km → 1 km without ``M?D03``, 1 km → 500/250 m) needs the full 1354.
    n_scans : int, optional
        Number of 10-line scans; by default just enough to cover the fields plus 20 km.
    track_offset_km : float
        Shift of the ground track to the right of the fields' centre.
    sampling : {"nearest", "bilinear"}
        How fields are sampled at each pixel's longitude/latitude.
    compress : bool
        Deflate the large SDS (files ~4x smaller; satpy reads them as fast).

    Returns
    -------
    list of Path
        ``[M?D021KM file, M?D03 file]``.

    Raises
    ------
    cloudorg.errors.ConfigError
        For an unknown platform, a size out of range or fields lacking a variable.

    Examples
    --------
    >>> import datetime as dt, tempfile
    >>> from cloudorg.synthetic import synthesize_fields
    >>> ds = synthesize_fields((-55.0, -54.0, 14.0, 15.0), resolution_deg=0.02)
    >>> l1b, geo = write_modis_granule(ds, tempfile.mkdtemp(), n_columns=200,
    ...                                start_time=dt.datetime(2020, 1, 20, 17, 30))
    >>> geo.name
    'MYD03.A2020020.1730.061.2020021000000.hdf'
    """
    start = as_utc(start_time)
    l1b_name, geo_name = modis_filenames(start, platform)
    if not 10 <= n_columns <= MAX_FRAMES:
        raise ConfigError(f"n_columns: expected 10 to {MAX_FRAMES}, got {n_columns!r}")
    if n_scans is not None and not 1 <= n_scans <= 1000:
        raise ConfigError(f"n_scans: expected 1 to 1000 or None, got {n_scans!r}")
    check_fields(fields, FIELD_QUANTITIES)
    platform_name, prefix, day_ascending = _PLATFORMS[platform]
    ascending = day_ascending != night
    extent = fields_extent(fields)
    centre = (0.5 * (extent[0] + extent[1]), 0.5 * (extent[2] + extent[3]))
    if n_scans is None:
        n_scans = _scans_to_cover(extent, _track_heading(centre[1], ascending))
    end = start + dt.timedelta(seconds=n_scans * SCAN_PERIOD_S)
    geometry = swath_geometry(
        centre,
        10 * n_scans,
        n_columns,
        ascending=ascending,
        time=start + (end - start) / 2,
        track_offset_km=track_offset_km,
    )
    # sample where the file says the pixels are (float32), so satpy's lon/lats reproduce it
    lon32, lat32 = geometry.lon.astype(np.float32), geometry.lat.astype(np.float32)
    values = sample_fields(fields, lon32, lat32, method=sampling)
    esd = earth_sun_distance(start)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time())
    lon_corners, lat_corners = _gring(geometry)
    metadata = {
        "created": created,
        "start": start,
        "end": end,
        "day_night": "Night" if night else "Day",
        "platform": platform_name,
        "ring_lon": lon_corners,
        "ring_lat": lat_corners,
        "lon_min": float(np.nanmin(geometry.lon)),
        "lon_max": float(np.nanmax(geometry.lon)),
        "lat_min": float(np.nanmin(geometry.lat)),
        "lat_max": float(np.nanmax(geometry.lat)),
    }
    archive = _odl(render(_TABLE["archive_metadata"], metadata)) + "\nEND\n"
    common = {
        "Number of Scans": np.int32(n_scans),
        "Number of Day mode scans": np.int32(0 if night else n_scans),
        "Number of Night mode scans": np.int32(n_scans if night else 0),
        "Incomplete Scans": np.int32(0),
        "Max Earth Frames": np.int32(n_columns),
    }

    tie = (slice(2, None, 5), slice(2, None, 5))
    l1b_sds = [
        *_reflective_sds("EV_250_Aggr1km_RefSB", values, night, esd),
        *_reflective_sds("EV_500_Aggr1km_RefSB", values, night, esd),
        *_reflective_sds("EV_1KM_RefSB", values, night, esd),
        *_emissive_sds(values["brightness_temperature_11"]),
        *_geo_sds(
            geometry,
            *tie,
            ("2*nscans", "1KM_geo_dim"),
            line_numbers="3,8",
            frame_numbers=",".join(str(c + 1) for c in range(2, n_columns, 5)),
        ),
        *_band_number_sds(),
    ]
    core = _core_metadata(metadata, f"{prefix}021KM", l1b_name)
    _write_hdf(
        directory / l1b_name,
        "MODIS_SWATH_Type_L1B",
        l1b_sds,
        {"CoreMetadata.0": core, "ArchiveMetadata.0": archive},
        {**common, "Earth-Sun Distance": np.float32(esd)},
        _TABLE["l1b_dimension_maps"],
        compress,
    )

    full = (slice(None), slice(None))
    geo_sds = _geo_sds(geometry, *full, ("nscans*10", "mframes"))
    ocean = np.full(geometry.lat.shape, 7, dtype=np.uint8)  # 7: deep ocean
    geo_sds += [
        _sds("Land/SeaMask", ("nscans*10", "mframes"), ocean),
        _sds("Scan number", ("nscans",), np.arange(1, n_scans + 1, dtype=np.int32)),
        _sds("Mirror side", ("nscans",), (np.arange(n_scans) % 2).astype(np.int16)),
    ]
    core = _core_metadata(metadata, f"{prefix}03", geo_name)
    _write_hdf(
        directory / geo_name,
        "MODIS_Swath_Type_GEO",
        geo_sds,
        {"CoreMetadata.0": core, "ArchiveMetadata.0": archive},
        common,
        [],
        compress,
    )
    return [directory / l1b_name, directory / geo_name]


def _gring(g: SwathGeometry) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Corner points of the swath, clockwise from the first line's first frame."""
    corners = ((0, 0), (0, -1), (-1, -1), (-1, 0))
    return (
        tuple(round(float(g.lon[i, j]), 4) for i, j in corners),
        tuple(round(float(g.lat[i, j]), 4) for i, j in corners),
    )


def _core_metadata(metadata: dict[str, Any], short_name: str, granule: str) -> str:
    """ECS ``CoreMetadata.0`` of one file of a granule."""
    context = {**metadata, "short_name": short_name, "granule": granule}
    return _odl(render(_TABLE["core_metadata"], context)) + "\nEND\n"
