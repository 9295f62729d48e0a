"""Find satellite files and group them into scenes (one scan or granule each).

Files are recognised by their official names, as the sensors of
:data:`cloudorg.io.sensors.SENSORS` describe them:

- GOES ABI L1b: ``OR_ABI-L1b-RadM1-M6C01_G16_s20200201300000_e…_c….nc``; the bands of one
  scan (platform, sector, start time) form a scene read by satpy's ``abi_l1b``.
- MODIS L1b: ``MYD021KM.A2020020.1430.061.….hdf`` with its geolocation ``MYD03.A…`` (``MOD``
  for Terra), read by ``modis_l1b``; a cloud mask ``MYD35_L2.A…`` of the same granule joins
  the scene through ``modis_l2``.
- EUREC4A-style netCDF (:mod:`cloudorg.io.eurec4a`): any other ``.nc`` whose global
  attributes carry ``time_coverage_start`` and which has ``lat``/``lon``.
- Ground truth of synthetic scenes: ``cloudorg-truth_{platform}_{%Y%m%dT%H%M%S}.nc``,
  attached to the scene of the same platform and start time.

Inputs are local files and folders or URLs of files and prefixes (``s3://bucket/dir/``,
any fsspec protocol; see :mod:`cloudorg.io.remote`), mixed freely; every file's size and
version (ETag, or modification time) is kept for the manifest. Anything else is reported
back as unrecognised, with the reason.

Examples
--------
>>> scenes, unrecognised = discover(["../shared/data/goes17_abi_l1b_radm1_2019300_day"])
>>> scenes[0].scene_id, scenes[0].readers, len(scenes[0].files["abi_l1b"])
('G17_abi_M1_20191027T200027', ('abi_l1b',), 15)
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import netCDF4

from ..errors import InputFileError
from .remote import FileInfo, InputOptions, is_url, list_url
from .sensors import SENSORS, SensorFile

__all__ = ["SceneFiles", "abi_channel", "discover", "find_files", "group_files", "recognise"]

_TRUTH = re.compile(r"^cloudorg-truth_(?P<platform>[^_]+)_(?P<start>\d{8}T\d{6})\.nc$")
_EUREC4A_SENSOR = "abi"
"""The sensor of EUREC4A netCDF scenes (GOES ABI channels on a lat/lon grid)."""


@dataclass(frozen=True)
class SceneFiles:
    """The files of one scene and how to read them.

    Attributes
    ----------
    scene_id : str
        ``{platform}_{sensor}[_{sector}]_{%Y%m%dT%H%M%S}``, unique within a campaign.
    platform, sensor : str
        E.g. ``G16``/``abi`` or ``aqua``/``modis``.
    start_time : datetime
        Nominal scan start (UTC, naive).
    files : dict
        Reader name → file paths (satpy reader names, or ``eurec4a_nc``).
    truth : str or None
        Ground-truth pattern map of a synthetic scene.
    info : dict
        Path or URL → :class:`~cloudorg.io.remote.FileInfo` (size and version), where
        known.
    """

    scene_id: str
    platform: str
    sensor: str
    start_time: datetime
    files: dict[str, tuple[str, ...]] = field(hash=False)
    truth: str | None = None
    info: dict[str, FileInfo] = field(default_factory=dict, hash=False, compare=False)

    @property
    def readers(self) -> tuple[str, ...]:
        """The reader names, sorted."""
        return tuple(sorted(self.files))

    @property
    def all_files(self) -> tuple[str, ...]:
        """Every file of the scene (truth included), sorted."""
        paths = [p for group in self.files.values() for p in group]
        if self.truth:
            paths.append(self.truth)
        return tuple(sorted(paths))


def _expand(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """Files under the paths (absolute, sorted) and the folders that could not be read."""
    found: set[str] = set()
    unreadable: list[tuple[str, str]] = []

    def note(err: OSError) -> None:
        unreadable.append((str(err.filename), f"cannot be read: {err.strerror}; its files are "
                                              "not ingested"))  # fmt: skip

    for entry in paths:
        path = Path(entry)
        if not path.is_dir():
            found.add(str(path.resolve()))
            continue
        for folder, _, names in os.walk(path, onerror=note, followlinks=True):
            found.update(str((Path(folder) / n).resolve()) for n in names)
    return sorted(found), sorted(unreadable)


def find_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Expand files and directories (recursively) into a sorted list of absolute file paths.

    Examples
    --------
    >>> len(find_files(["../shared/data/modis_myd35_l2"]))
    1
    """
    return _expand(paths)[0]


def abi_channel(name: str) -> str | None:
    """The channel of an ABI L1b file name (``C02``), or None for other names.

    Examples
    --------
    >>> abi_channel("OR_ABI-L1b-RadC-M6C02_G16_s20200201401170_e20200201403543_c20200201403587.nc")
    'C02'
    """
    found = SENSORS["abi"].match(name)
    return found.part if found else None


def _is_eurec4a_netcdf(path: str) -> bool:
    try:
        with netCDF4.Dataset(path) as nc:
            return "time_coverage_start" in nc.ncattrs() and {"lat", "lon"} <= set(nc.variables)
    except OSError:
        return False


def _sensor_file(name: str) -> tuple[str, SensorFile] | None:
    """The sensor of a file name (the first of :data:`~cloudorg.io.sensors.SENSORS` that
    recognises it) and what the name says; None for other names."""
    for sensor, record in SENSORS.items():
        if (found := record.match(name)) is not None:
            return sensor, found
    return None


def _scene_of(sensor: str, found: SensorFile) -> tuple[tuple, tuple[str, str, datetime, str]]:
    """Scene key and (scene id, platform, start, sensor) of a sensor's file."""
    sector = f"_{found.sector}" if found.sector else ""
    sid = f"{found.platform}_{sensor}{sector}_{found.start:%Y%m%dT%H%M%S}"
    return (sensor, found.platform, found.sector, found.start), \
        (sid, found.platform, found.start, sensor)  # fmt: skip


def recognise(name: str) -> tuple[tuple, tuple[str, str, datetime, str], str] | None:
    """Scene key, (scene id, platform, start, sensor) and reader of a file name of a
    sensor of :data:`~cloudorg.io.sensors.SENSORS`; None for other names.

    Examples
    --------
    >>> recognise("MYD03.A2020020.1430.061.2020021000000.hdf")[1:]
    (('aqua_modis_20200120T143000', 'aqua', datetime.datetime(2020, 1, 20, 14, 30), 'modis'), \
'modis_l1b')
    >>> recognise("notes.txt") is None
    True
    """
    if (recognised := _sensor_file(name)) is None:
        return None
    return *_scene_of(*recognised), recognised[1].reader


def group_files(
    files: Iterable[tuple[str, FileInfo]],
) -> tuple[list[SceneFiles], list[tuple[str, str]]]:
    """Group files (paths or URLs, with their size and version) into scenes.

    Returns
    -------
    scenes : list of SceneFiles
        Sorted by start time, then scene id.
    unrecognised : list of (path, reason)
        Files that are none of the supported products.

    Examples
    --------
    >>> name = "OR_ABI-L1b-RadC-M6C02_G16_s20200201401170_e20200201403543_c20200201403587.nc"
    >>> scenes, _ = group_files([("s3://noaa-goes16/ABI-L1b-RadC/2020/020/14/" + name,
    ...                           FileInfo(1000, "etag"))])
    >>> scenes[0].scene_id, scenes[0].info[scenes[0].files["abi_l1b"][0]].size
    ('G16_abi_C_20200120T140117', 1000)
    """
    groups: dict[tuple, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    meta: dict[tuple, tuple[str, str, datetime, str]] = {}
    truths: dict[tuple[str, datetime], str] = {}
    infos: dict[str, FileInfo] = {}
    parts: dict[str, str] = {}  # path -> what the file is of its scene
    alone: dict[str, str] = {}  # path of an auxiliary product -> why it is no scene alone
    unrecognised: list[tuple[str, str]] = []
    for path, info in files:
        name = os.path.basename(path.rstrip("/"))
        infos[path] = info
        if recognised := _sensor_file(name):
            sensor, found = recognised
            key, meta[key] = _scene_of(sensor, found)
            groups[key][found.reader].append(path)
            parts[path] = found.part
            if reason := SENSORS[sensor].auxiliary.get(found.product):
                alone[path] = reason
        elif m := _TRUTH.match(name):
            truths[(m["platform"].lower(), datetime.strptime(m["start"], "%Y%m%dT%H%M%S"))] = path
        elif name.endswith(".nc") and not is_url(path) and _is_eurec4a_netcdf(path):
            with netCDF4.Dataset(path) as nc:
                start = _parse_iso(nc.getncattr("time_coverage_start"))
                platform = str(getattr(nc, "platform", "G16"))
            key = ("eurec4a", platform, path, start)
            sid = f"{platform}_{_EUREC4A_SENSOR}_{start:%Y%m%dT%H%M%S}"
            meta[key] = (sid, platform, start, _EUREC4A_SENSOR)
            groups[key]["eurec4a_nc"].append(path)
            parts[path] = name
        else:
            expected = ", ".join(record.description for _, record in SENSORS.items())
            unrecognised.append((path, f"not a recognised product: expected {expected} or "
                                       "EUREC4A netCDF (local files only)"))  # fmt: skip
    scenes = []
    for key, readers in groups.items():
        sid, platform, start, sensor = meta[key]
        readers, duplicates = _without_duplicates(sid, readers, parts)
        unrecognised.extend(duplicates)
        paths = [p for group in readers.values() for p in group]
        if all(p in alone for p in paths):
            unrecognised.extend((p, alone[p]) for p in paths)
            continue
        truth = truths.get((platform.lower(), start.replace(microsecond=0)))
        scene_files = {r: tuple(sorted(fs)) for r, fs in readers.items()}
        paths = [p for group in scene_files.values() for p in group] + ([truth] if truth else [])
        scenes.append(SceneFiles(sid, platform, sensor, start, scene_files, truth,
                                 {p: infos[p] for p in paths}))  # fmt: skip
    scenes.sort(key=lambda s: (s.start_time, s.scene_id))
    return scenes, unrecognised


def _without_duplicates(
    scene_id: str, readers: dict[str, list[str]], parts: dict[str, str]
) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """The files of a scene with one file per band or product (its ``parts``; the first
    by path), and the others with the reason they are left out."""
    kept: dict[str, list[str]] = {}
    left: list[tuple[str, str]] = []
    for reader, paths in readers.items():
        first: dict[str, str] = {}
        for path in sorted(paths):
            part = parts[path]
            if part in first:
                left.append((path, f"duplicate: scene {scene_id} has its {part} already in "
                                   f"{first[part]}"))  # fmt: skip
            else:
                first[part] = path
        kept[reader] = list(first.values())
    return kept, left


def discover(
    paths: Iterable[str | os.PathLike[str]],
    options: InputOptions | None = None,
) -> tuple[list[SceneFiles], list[tuple[str, str]]]:
    """Group input files into scenes.

    Parameters
    ----------
    paths : iterable of path or URL
        Files and directories; URLs of files and prefixes.
    options : InputOptions, optional
        How URLs are listed (storage options, retries).

    Returns
    -------
    scenes : list of SceneFiles
        Sorted by start time, then scene id.
    unrecognised : list of (path, reason)
        Files that are none of the supported products (a nonexistent path or URL is
        reported here too).

    Examples
    --------
    >>> scenes, _ = discover(["../shared/data/modis_myd35_l2"])
    >>> scenes[0].scene_id, scenes[0].readers
    ('aqua_modis_20020704T191000', ('modis_l2',))
    """
    entries = [os.fspath(p) for p in paths]
    files: list[tuple[str, FileInfo]] = []
    unrecognised: list[tuple[str, str]] = []
    for url in (e for e in entries if is_url(e)):
        try:
            files.extend(list_url(url, options))
        except InputFileError as err:
            unrecognised.append((url, str(err).removeprefix(f"{url}: ")))
    local = [Path(e.split("://", 1)[-1]) for e in entries if not is_url(e)]
    for missing in (p for p in local if not p.exists()):
        unrecognised.append((str(missing), "no such file or directory"))
    found, unreadable = _expand(p for p in local if p.exists())
    files.extend((p, FileInfo.of_path(p)) for p in found)
    scenes, others = group_files(files)
    return scenes, unrecognised + unreadable + others


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(str(text).rstrip("Z")).replace(tzinfo=None)
