"""EUREC4A-style netCDF: GOES ABI channels on a lon/lat grid (the report's appendix).

The campaign's GOES-16 files are netCDF with the channels already calibrated and put on
a latitude/longitude grid. cloudorg reads and writes this layout:

- coordinates ``lat`` and ``lon``: 1-D (a regular grid) or 2-D (any grid), degrees;
- one variable per ABI channel, named ``C01`` … ``C16`` (or directly by a cloudorg
  quantity name), reflectance in ``%`` (or ``1``, scaled to %) or brightness temperature
  in ``K``;
- global attributes ``time_coverage_start`` / ``time_coverage_end`` (ISO 8601) and
  ``platform`` (``G16`` when absent).

Examples
--------
>>> import tempfile, numpy as np, xarray as xr
>>> from datetime import datetime
>>> lat, lon = np.linspace(15, 14, 11), np.linspace(-55, -54, 11)
>>> fields = xr.Dataset({"reflectance_0p64": (("lat", "lon"), np.full((11, 11), 30.0))},
...                     coords={"lat": lat, "lon": lon})
>>> path = write_eurec4a_netcdf(fields, tempfile.mkdtemp(), start_time=datetime(2020, 2, 2, 14))
>>> bands = open_eurec4a(path, ["reflectance_0p64"])
>>> float(bands["reflectance_0p64"].max()), bands["reflectance_0p64"].attrs["source_band"]
(30.0, 'C02')
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import xarray as xr
from pyresample.geometry import AreaDefinition, SwathDefinition

from ..errors import InputFileError, MissingBandError
from ..quantities import QUANTITIES

__all__ = ["lonlat_geometry", "open_eurec4a", "write_eurec4a_netcdf"]


def lonlat_geometry(ds: xr.Dataset, path: str) -> AreaDefinition | SwathDefinition:
    """The pyresample grid of a dataset with ``lat``/``lon`` coordinates.

    A regular 1-D grid (rows north to south) becomes an ``EPSG:4326`` area, anything else
    a swath.

    Examples
    --------
    >>> ds = xr.Dataset(coords={"lat": [15.0, 14.5, 14.0], "lon": [-55.0, -54.5, -54.0]})
    >>> lonlat_geometry(ds, "x.nc").area_extent
    (-55.25, 13.75, -53.75, 15.25)
    """
    lat, lon = ds["lat"], ds["lon"]
    if lat.ndim == 2 and lon.ndim == 2:
        return SwathDefinition(lons=lon.values, lats=lat.values)
    if lat.ndim != 1 or lon.ndim != 1 or lat.size < 2 or lon.size < 2:
        raise InputFileError(f"{path}: expected 1-D or 2-D lat/lon coordinates")
    dlat, dlon = np.diff(lat.values), np.diff(lon.values)
    if not (np.allclose(dlat, dlat[0], rtol=1e-3) and np.allclose(dlon, dlon[0], rtol=1e-3)):
        lon2, lat2 = np.meshgrid(lon.values, lat.values)
        return SwathDefinition(lons=lon2, lats=lat2)
    hy, hx = abs(dlat[0]) / 2, abs(dlon[0]) / 2
    extent = (lon.min() - hx, lat.min() - hy, lon.max() + hx, lat.max() + hy)
    return AreaDefinition(
        "eurec4a_nc", "lon/lat grid", "lonlat", "EPSG:4326", lon.size, lat.size,
        tuple(float(v) for v in extent),
    )  # fmt: skip


def _variable_for(ds: xr.Dataset, quantity: str) -> str | None:
    if quantity in ds:
        return quantity
    return next((b for b in QUANTITIES[quantity].bands["abi"] if b in ds), None)


def open_eurec4a(
    path: str, quantities: Sequence[str], *, scene_id: str | None = None
) -> dict[str, xr.DataArray]:
    """Open a EUREC4A-style netCDF file's channels as cloudorg quantities.

    Parameters
    ----------
    path : str
        The netCDF file.
    quantities : sequence of str
        Band quantities of :data:`cloudorg.quantities.QUANTITIES`.
    scene_id : str, optional
        Used in error messages.

    Returns
    -------
    dict
        Quantity → lazy DataArray in ``%`` or ``K``, rows north to south, with the grid in
        ``attrs["area"]`` and the variable name in ``attrs["source_band"]``.

    Examples
    --------
    >>> open_eurec4a("missing.nc", ["reflectance_0p64"])
    Traceback (most recent call last):
    ...
    cloudorg.errors.InputFileError: missing.nc: cannot be read as EUREC4A netCDF ...
    """
    try:
        ds = xr.open_dataset(path, engine="netcdf4", chunks={})
    except (OSError, ValueError) as err:
        raise InputFileError(f"{path}: cannot be read as EUREC4A netCDF ({err})") from err
    if ds["lat"].ndim == 1 and ds["lat"].size > 1 and ds["lat"][0] < ds["lat"][-1]:
        ds = ds.isel(lat=slice(None, None, -1))
    area = lonlat_geometry(ds, path)
    bands = {}
    for quantity in quantities:
        q = QUANTITIES.get(quantity)
        name = _variable_for(ds, quantity) if q else None
        if name is None:
            wanted = [quantity, *(q.bands["abi"] if q else ())]
            raise MissingBandError(
                f"{scene_id or path}: {quantity} needs a variable named one of {wanted}, "
                f"absent from {path}"
            )
        data = ds[name].astype(np.float32)
        if q.units == "%" and ds[name].attrs.get("units") == "1":
            data = data * 100.0
        data.attrs = {"area": area, "source_band": name, "units": q.units}
        bands[quantity] = data
    return bands


def write_eurec4a_netcdf(
    fields: xr.Dataset,
    directory: str | os.PathLike[str],
    *,
    start_time: datetime,
    platform: str = "G16",
    duration: timedelta = timedelta(minutes=10),
) -> Path:
    """Write quantities on a lon/lat grid as a EUREC4A-style netCDF file.

    Quantities are renamed to the ABI channel that provides them (the 11 µm brightness
    temperature becomes ``C13``).

    Parameters
    ----------
    fields : xarray.Dataset
        Quantities with ``lat``/``lon`` coordinates (e.g. from
        :func:`cloudorg.synthetic.synthesize_fields`).
    directory : path
        Output directory (created).
    start_time : datetime
        Scan start (UTC).
    platform : str
        Platform name.
    duration : timedelta
        Scan duration, for ``time_coverage_end``.

    Returns
    -------
    pathlib.Path
        ``{platform}_ABI_{%Y%m%dT%H%M%S}_eurec4a.nc``.

    Examples
    --------
    >>> import tempfile, numpy as np, xarray as xr
    >>> f = xr.Dataset({"brightness_temperature_11": (("lat", "lon"), np.full((2, 2), 290.0))},
    ...                coords={"lat": [15.0, 14.0], "lon": [-55.0, -54.0]})
    >>> write_eurec4a_netcdf(f, tempfile.mkdtemp(), start_time=datetime(2020, 2, 2, 14)).name
    'G16_ABI_20200202T140000_eurec4a.nc'
    """
    out = xr.Dataset(coords={"lat": fields["lat"], "lon": fields["lon"]})
    for name, q in QUANTITIES.items():
        if name in fields:
            channel = q.bands["abi"][-1]
            out[channel] = fields[name].astype(np.float32)
            out[channel].attrs = {"long_name": q.long_name, "units": q.units}
    out["lat"].attrs = {"standard_name": "latitude", "units": "degrees_north"}
    out["lon"].attrs = {"standard_name": "longitude", "units": "degrees_east"}
    out.attrs = {
        "title": "GOES ABI channels on a lon/lat grid (EUREC4A layout)",
        "platform": platform,
        "time_coverage_start": start_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "time_coverage_end": (start_time + duration).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "Conventions": "CF-1.8",
    }
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{platform}_ABI_{start_time:%Y%m%dT%H%M%S}_eurec4a.nc"
    encoding = {v: {"zlib": True, "complevel": 4} for v in out.data_vars}
    out.to_netcdf(path, engine="netcdf4", encoding=encoding)
    return path
