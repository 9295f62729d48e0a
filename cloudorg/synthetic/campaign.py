"""Ground-truth pattern maps and whole synthetic campaigns.

A campaign is a folder of real-format satellite files (ABI L1b netCDF, MODIS L1b HDF4)
plus, for every scene, a truth file ``cloudorg-truth_{platform}_{%Y%m%dT%H%M%S}.nc``
holding the pattern map (and cloud mask) on the fields' lat/lon grid.

Examples
--------
>>> import tempfile
>>> paths = synthesize_campaign(tempfile.mkdtemp(), 1, bounds=(-55.0, -54.0, 14.0, 15.0),
...                             resolution_deg=0.02)
>>> sorted(p.name[:14] for p in paths)[-1]
'cloudorg-truth'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from pyorbital.astronomy import sun_zenith_angle
from tqdm.auto import tqdm

from cloudorg.errors import ConfigError
from cloudorg.synthetic.abi import write_abi_scene
from cloudorg.synthetic.fields import EUREC4A_BOUNDS, FIELD_QUANTITIES, synthesize_fields
from cloudorg.synthetic.l1b import as_utc, check_bounds, check_fields
from cloudorg.synthetic.modis import write_modis_granule


@dataclass(frozen=True)
class _Writer:
    """How a campaign writes one scene of a sensor: its default platform, its files'
    writer and the time step its start times fall on (MODIS granules: 5 minutes)."""

    platform: str
    write: Callable[..., list[Path]]
    step_minutes: int = 0

    def start_of(self, time: dt.datetime) -> dt.datetime:
        if not self.step_minutes:
            return time
        return time.replace(minute=time.minute - time.minute % self.step_minutes, second=0,
                            microsecond=0)  # fmt: skip


WRITERS = {"abi": _Writer("G16", write_abi_scene),
           "modis": _Writer("aqua", write_modis_granule, step_minutes=5)}  # fmt: skip
"""The sensors (names of :data:`cloudorg.io.sensors.SENSORS`) whose files a campaign can
write, and how."""


def truth_filename(platform: str, start_time: dt.datetime) -> str:
    """File name of a truth file.

    Examples
    --------
    >>> truth_filename("G16", dt.datetime(2020, 1, 20, 13))
    'cloudorg-truth_G16_20200120T130000.nc'
    """
    return f"cloudorg-truth_{platform}_{as_utc(start_time):%Y%m%dT%H%M%S}.nc"


def write_truth(
    fields: xr.Dataset,
    directory: str | Path,
    *,
    platform: str,
    sensor: str,
    start_time: dt.datetime,
    include_fields: bool = False,
) -> Path:
    """Write the ground-truth pattern map of a scene as CF netCDF.

    Parameters
    ----------
    fields : xarray.Dataset
        Output of :func:`~cloudorg.synthetic.synthesize_fields`.
    directory : str or Path
        Output folder (created if missing).
    platform : str
        Platform of the scene's files, e.g. ``G16`` or ``aqua``.
    sensor : str
        ``abi`` or ``modis``.
    start_time : datetime.datetime
        Scene start time (UTC), as in the satellite files.
    include_fields : bool
        Also store the reflectance and brightness-temperature fields.

    Returns
    -------
    Path
        ``directory / "cloudorg-truth_{platform}_{%Y%m%dT%H%M%S}.nc"`` holding ``pattern``
        (int8 with ``flag_values``/``flag_meanings``) and ``cloud_mask`` on the fields'
        ``lat`` (descending) / ``lon`` grid, and global attributes ``platform``, ``sensor``
        and ``start_time`` (ISO 8601, UTC) besides those of ``fields``.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic import synthesize_fields
    >>> ds = synthesize_fields((-55.0, -54.0, 14.0, 15.0), resolution_deg=0.02)
    >>> path = write_truth(ds, tempfile.mkdtemp(), platform="G16", sensor="abi",
    ...                    start_time=dt.datetime(2020, 1, 20, 13))
    >>> with xr.open_dataset(path) as truth:
    ...     str(truth.pattern.dtype), truth.attrs["start_time"]
    ('int8', '2020-01-20T13:00:00')
    """
    start = as_utc(start_time)
    for name, value in (("platform", platform), ("sensor", sensor)):
        if not isinstance(value, str) or not value or "_" in value or "/" in value:
            raise ConfigError(
                f"{name}: expected a non-empty name without '_' or '/', got {value!r}"
            )
    check_fields(fields, ["pattern"])
    names = ["pattern"] + (["cloud_mask"] if "cloud_mask" in fields else [])
    if include_fields:
        check_fields(fields, FIELD_QUANTITIES)
        names += list(FIELD_QUANTITIES)
    truth = fields[names]
    truth.attrs = {
        **fields.attrs,
        "title": "cloudorg synthetic ground truth",
        "Conventions": "CF-1.8",
        "platform": platform,
        "sensor": sensor,
        "start_time": f"{start:%Y-%m-%dT%H:%M:%S}",
    }
    encoding: dict[str, dict[str, object]] = {n: {"zlib": True, "complevel": 4} for n in names}
    encoding.update(lat={"_FillValue": None}, lon={"_FillValue": None})
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / truth_filename(platform, start)
    truth.to_netcdf(path, engine="netcdf4", encoding=encoding)
    return path


def next_daytime(
    time: dt.datetime, bounds: Sequence[float], max_solar_zenith: float = 75.0
) -> dt.datetime:
    """First time at or after ``time`` (10-minute steps) when the box is in daylight.

    Daylight means a solar zenith angle below ``max_solar_zenith`` at the corners and
    the centre of ``bounds``.

    Examples
    --------
    >>> next_daytime(dt.datetime(2020, 1, 20, 2, 0), EUREC4A_BOUNDS)
    datetime.datetime(2020, 1, 20, 12, 0)
    """
    lon_min, lon_max, lat_min, lat_max = bounds
    lons = np.array([lon_min, lon_max, lon_min, lon_max, 0.5 * (lon_min + lon_max)])
    lats = np.array([lat_min, lat_min, lat_max, lat_max, 0.5 * (lat_min + lat_max)])
    for step in range(0, 6 * 48):
        candidate = time + dt.timedelta(minutes=10 * step)
        if np.all(sun_zenith_angle(candidate, lons, lats) < max_solar_zenith):
            return candidate
    raise ConfigError(f"bounds {tuple(bounds)}: no daylight within 48 h of {time}")


def synthesize_campaign(
    directory: str | Path,
    n_scenes: int,
    *,
    sensors: Sequence[str] = ("abi",),
    bounds: Sequence[float] = EUREC4A_BOUNDS,
    resolution_deg: float = 0.01,
    start: dt.datetime = dt.datetime(2020, 1, 20, 13, 0),
    interval: dt.timedelta = dt.timedelta(hours=1),
    seed: int = 0,
    progress: bool = False,
    patterns: str | Sequence[str] | None = None,
    high_cloud_scenes: Collection[int] = (),
    max_solar_zenith: float = 75.0,
    sensor_kwargs: Mapping[str, Mapping[str, object]] | None = None,
) -> list[Path]:
    """Write a campaign of synthetic scenes and their truth files into one folder.

    Scene ``i`` uses the sensor ``sensors[i % len(sensors)]`` and fields drawn with seed
    ``seed + i``. Scene times follow ``start`` in steps of ``interval``; a time at which
    the box is not in daylight (see :func:`next_daytime`) moves to the next daylight time
    and the following scenes continue from there. MODIS granules start on whole 5 minutes.

    Parameters
    ----------
    directory : str or Path
        Output folder (created if missing); all files go directly into it.
    n_scenes : int
        Number of scenes.
    sensors : sequence of str
        Among ``"abi"`` and ``"modis"``, cycled through.
    bounds : sequence of float
        ``(lon_min, lon_max, lat_min, lat_max)`` of the fields.
    resolution_deg : float
        Grid spacing of the fields and truth maps.
    start : datetime.datetime
        Nominal time of the first scene (UTC).
    interval : datetime.timedelta
        Nominal time between scenes (at least 5 minutes when MODIS is used).
    seed : int
        Seed of scene 0.
    progress : bool
        Show a tqdm progress bar.
    patterns : str, sequence of str or None
        Passed to :func:`~cloudorg.synthetic.synthesize_fields` for every scene.
    high_cloud_scenes : collection of int
        Indices of scenes with cold cirrus (``high_cloud=True``).
    max_solar_zenith : float
        Daylight threshold (degrees) of the scene times.
    sensor_kwargs : mapping, optional
        Extra keyword arguments per sensor for :func:`write_abi_scene` or
        :func:`write_modis_granule`, e.g. ``{"abi": {"bands": ("C02", "C13")}}``.

    Returns
    -------
    list of Path
        Every file written: per scene its satellite files, then its truth file.

    Examples
    --------
    >>> import tempfile
    >>> paths = synthesize_campaign(tempfile.mkdtemp(), 2, sensors=("abi", "modis"),
    ...                             bounds=(-55.0, -54.0, 14.0, 15.0), resolution_deg=0.02,
    ...                             sensor_kwargs={"modis": {"n_columns": 200}})
    >>> [p.name.split("_")[0].split(".")[0] for p in paths][-3:]
    ['MYD021KM', 'MYD03', 'cloudorg-truth']
    """
    if not isinstance(n_scenes, int | np.integer) or n_scenes < 0:
        raise ConfigError(f"n_scenes: expected a non-negative integer, got {n_scenes!r}")
    if not sensors or any(s not in WRITERS for s in sensors):
        raise ConfigError(f"sensors: expected a non-empty sequence of {tuple(WRITERS)}, "
                          f"got {sensors!r}")  # fmt: skip
    if not isinstance(interval, dt.timedelta) or interval <= dt.timedelta(0):
        raise ConfigError(f"interval: expected a positive timedelta, got {interval!r}")
    if "modis" in sensors and interval < dt.timedelta(minutes=5):
        raise ConfigError("interval: MODIS granules need at least 5 minutes between scenes")
    unknown = set(sensor_kwargs or {}) - set(WRITERS)
    if unknown:
        raise ConfigError(f"sensor_kwargs: unknown sensors {sorted(unknown)}")
    bounds = check_bounds(bounds)
    time = as_utc(start, "start")
    directory = Path(directory)
    paths: list[Path] = []
    for i in tqdm(range(n_scenes), disable=not progress, desc="synthetic scenes", unit="scene"):
        sensor = sensors[i % len(sensors)]
        time = next_daytime(time, bounds, max_solar_zenith)
        fields = synthesize_fields(
            bounds,
            resolution_deg=resolution_deg,
            patterns=patterns,
            seed=seed + i,
            high_cloud=i in high_cloud_scenes,
        )
        kwargs = dict((sensor_kwargs or {}).get(sensor, {}))
        writer = WRITERS[sensor]
        platform = str(kwargs.pop("platform", writer.platform))
        scene_time = writer.start_of(time)
        paths += writer.write(fields, directory, start_time=scene_time, platform=platform,
                              **kwargs)  # fmt: skip
        paths.append(
            write_truth(fields, directory, platform=platform, sensor=sensor, start_time=scene_time)
        )
        time += interval
    return paths
