"""Campaigns straight from the satellite archives: which files a time range needs.

A campaign is a time range over an archive. :class:`ArchiveQuery` lists the archive for
a platform, a product and a time range (optionally a time-of-day window and a step, e.g.
one scan per hour between 12 and 18 UTC), keeps only the bands the quantities need and
the scenes that can overlap the domain, and returns the scenes as
:class:`~cloudorg.io.discover.SceneFiles` of URLs, before reading any pixel. The workers
of an ingest then read them remotely (:mod:`cloudorg.io.remote`).

Archives and their layout (the base URL is configurable, e.g. for a mirror):

- GOES-16/17/18/19 ABI L1b radiances in the NOAA open-data buckets (anonymous access):
  ``s3://noaa-goes16/ABI-L1b-RadC/2020/020/14/OR_ABI-L1b-RadC-M6C02_G16_s…nc``, one
  folder per product (``RadF``, ``RadC``, ``RadM`` holding both mesoscale sectors), year,
  day of year and hour;
- Aqua (``MYD``) and Terra (``MOD``) MODIS in NASA's LAADS archive:
  ``{base}/allData/61/MYD021KM/2020/020/MYD021KM.A2020020.1430.061.….hdf`` (with its
  geolocation ``MYD03``) or ``MYD35_L2``, one folder per product, year and day of year;
  the daily geoMeta tables ``{base}/geoMeta/61/AQUA/2020/MYD03_2020-01-20.txt`` give each
  granule's bounding box. LAADS needs an Earthdata token:
  ``storage_options={"headers": {"Authorization": "Bearer <token>"}}``.

Domain: full-disk and CONUS/PACUS sectors have fixed extents, compared with the domain in
the satellite's scan-angle coordinates; a mesoscale sector moves, so one file header per
scan is read (``geospatial_lat_lon_extent``, a few kB); a MODIS granule is kept when its
geoMeta bounding box meets the domain (all granules are kept, with a note, when the
archive has no geoMeta table for the day).

Examples
--------
>>> q = ArchiveQuery("goes16", "RadF", "2020-01-20T12", "2020-01-25T18", every="1h",
...                  hours=(12, 18), domain="eurec4a")
>>> q.bands(), q.prefixes()[0], len(q.prefixes())  # one listing per day
(('C01', 'C02', 'C03', 'C14'), 's3://noaa-goes16/ABI-L1b-RadF/2020/020/', 6)
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyproj

from ..domains import Domain, get_domain
from ..errors import ConfigError, InputFileError
from ..quantities import QUANTITIES
from .discover import SceneFiles, abi_channel, group_files, recognise
from .readers import PRODUCTS
from .remote import FileInfo, InputOptions, is_network_error, list_url
from .sensors import SENSORS

__all__ = ["ARCHIVES", "Archive", "ArchiveListing", "ArchiveQuery", "parse_geo_meta", "scene_table"]

DEFAULT_READ = (
    "brightness_temperature_11",
    "reflectance_0p47",
    "reflectance_0p64",
    "reflectance_0p86",
)
"""Quantities read for the default ingest (its RGB and greyscale come from them)."""


@dataclass(frozen=True)
class Archive:
    """A platform's files in an archive.

    Attributes
    ----------
    name : str
        ``goes16``, ``aqua``, ...
    sensor : str
        ``abi`` or ``modis``.
    platform : str
        ``G16`` ... for ABI, ``MYD``/``MOD`` (the product prefix) for MODIS.
    base_url : str
        Where the archive is (a bucket or the LAADS ``archive`` folder).
    storage_options : dict
        fsspec options it needs by default (anonymous access to the NOAA buckets).
    sub_longitude : float
        Longitude of the projection origin of a geostationary platform (degrees).
    """

    name: str
    sensor: str
    platform: str
    base_url: str
    storage_options: dict[str, Any] = field(default_factory=dict)
    sub_longitude: float = math.nan

    def key(self, name: str, collection: str = "61") -> str:
        """Where the archive keeps a file of this name (relative to :attr:`base_url`).

        Raises
        ------
        ConfigError
            For a name that is not one of the archive's products.

        Examples
        --------
        >>> name = "OR_ABI-L1b-RadM1-M6C01_G17_s20193002000275_e20193002000332_c20193002000379.nc"
        >>> ARCHIVES["goes17"].key(name)
        'ABI-L1b-RadM/2019/300/20/OR_ABI-L1b-RadM1-M6C01_G17_s20193002000275_e20193002000332_c20193002000379.nc'
        >>> ARCHIVES["aqua"].key("MYD03.A2020020.1430.061.2020021000000.hdf")
        'allData/61/MYD03/2020/020/MYD03.A2020020.1430.061.2020021000000.hdf'
        """
        found = recognise(name)
        if found is None or (self.sensor == "abi") != (found[1][3] == "abi"):
            raise ConfigError(f"{name}: not a file of the {self.name} archive")
        start = found[1][2]
        if self.sensor == "abi":
            folder = _ABI_SECTORS[f"Rad{found[0][2]}"][0]
            return f"ABI-L1b-{folder}/{start:%Y/%j/%H}/{name}"
        return f"allData/{collection}/{name.split('.', 1)[0]}/{start:%Y/%j}/{name}"

    @property
    def products(self) -> tuple[str, ...]:
        """The products a query may ask for."""
        if self.sensor == "abi":
            return tuple(_ABI_SECTORS)
        return (f"{self.platform}021KM", f"{self.platform}35_L2")


_LAADS = "https://ladsweb.modaps.eosdis.nasa.gov/archive"
ARCHIVES: dict[str, Archive] = {
    **{
        f"goes{n}": Archive(f"goes{n}", "abi", f"G{n}", f"s3://noaa-goes{n}", {"anon": True}, lon)
        for n, lon in ((16, -75.0), (17, -137.0), (18, -137.0), (19, -75.0))
    },
    "aqua": Archive("aqua", "modis", "MYD", _LAADS),
    "terra": Archive("terra", "modis", "MOD", _LAADS),
}
"""The archives a query can list, by name."""

_ABI_SECTORS = {"RadF": ("RadF", "F"), "RadC": ("RadC", "C"), "RadM1": ("RadM", "M1"),
                "RadM2": ("RadM", "M2")}  # fmt: skip
"""Product → (archive folder, file-name sector)."""

_FIXED_EXTENT = {  # scan-angle bounds (radians, x then y) of the fixed sectors, GOES-R PUG
    ("F", "east"): (-0.151844, 0.151844, -0.151844, 0.151844),
    ("F", "west"): (-0.151844, 0.151844, -0.151844, 0.151844),
    ("C", "east"): (-0.101332, 0.038612, 0.044268, 0.128212),
    ("C", "west"): (-0.069972, 0.070028, 0.044268, 0.128212),
}
_ABI_BANDS = 16
_SCANS_PER_DAY = {"RadF": 144, "RadC": 288, "RadM1": 2 * 1440, "RadM2": 2 * 1440}
"""Scans a day (mode 6) in an ABI product's folder (RadM holds both mesoscale sectors)."""
_LIST_PAGE = 1000
"""Keys per page of an S3 listing: a day's folder is listed in one go (recursively) when
that takes fewer requests than its wanted hours one by one."""
_GEOS_HEIGHT_M = 35786023.0
HEADER_BLOCK = 2**15
"""Bytes per range request when only a file's header is read into a ``cache_dir`` (without
one, reads fetch what they ask for: :class:`~cloudorg.io.remote.ByteRanges`)."""
_GEO_META = {"MYD": "AQUA", "MOD": "TERRA"}


def _time(value: str | datetime | np.datetime64 | pd.Timestamp, what: str) -> datetime:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{what}: expected an ISO time like 2020-01-20T12, got {value!r}") \
            from err  # fmt: skip
    if stamp is pd.NaT:
        raise ConfigError(f"{what}: expected an ISO time like 2020-01-20T12, got {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_pydatetime()


def _step(value: str | timedelta | None) -> timedelta | None:
    if value is None:
        return None
    try:
        step = pd.Timedelta(value).to_pytimedelta()
    except (ValueError, TypeError) as err:
        raise ConfigError(f"every: expected a duration like 1h or 30min, got {value!r}") \
            from err  # fmt: skip
    if step <= timedelta(0):
        raise ConfigError(f"every: expected a positive duration, got {value!r}")
    return step


@dataclass(frozen=True)
class ArchiveQuery:
    """The files of a campaign in an archive.

    Parameters
    ----------
    archive : str
        A name of :data:`ARCHIVES` (``goes16``, ``goes17``, ``goes18``, ``goes19``,
        ``aqua``, ``terra``).
    product : str
        ``RadF``, ``RadC``, ``RadM1`` or ``RadM2`` (ABI); ``MYD021KM`` (with ``MYD03``)
        or ``MYD35_L2`` (Aqua MODIS; ``MOD`` for Terra).
    start, end : str or datetime
        Time range of the scan starts, inclusive (UTC).
    every : str or timedelta, optional
        One scene per step (the first scan of each step, steps counted from midnight),
        e.g. ``"1h"``; default every scan.
    hours : (int, int), optional
        Time-of-day window of the scan starts: the UTC hours ``first`` to ``last``,
        inclusive (``(12, 18)`` keeps scans from 12:00 to 18:59).
    domain : str or Domain
        Scenes that cannot overlap it are left out.
    quantities : sequence of str
        Quantities to be read (the bands they need are listed, never more).
    base_url : str, optional
        The archive's place (default: the archive's own, see :data:`ARCHIVES`).
    storage_options : mapping, optional
        fsspec options (default: the archive's, e.g. anonymous S3 for NOAA).
    collection : str
        MODIS collection (LAADS folder).

    Examples
    --------
    >>> ArchiveQuery("goes16", "RadX", "2020-01-20", "2020-01-21")
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: product 'RadX': goes16 has RadF, RadC, RadM1, RadM2
    """

    archive: str
    product: str
    start: str | datetime
    end: str | datetime
    every: str | timedelta | None = None
    hours: tuple[int, int] | None = None
    domain: str | Domain = "eurec4a"
    quantities: Sequence[str] = DEFAULT_READ
    base_url: str | None = None
    storage_options: Mapping[str, Any] | None = None
    collection: str = "61"

    def __post_init__(self) -> None:
        if self.archive not in ARCHIVES:
            raise ConfigError(f"archive {self.archive!r}: expected one of {sorted(ARCHIVES)}")
        products = self.source.products
        if self.product not in products:
            raise ConfigError(f"product {self.product!r}: {self.archive} has "
                              f"{', '.join(products)}")  # fmt: skip
        start, end = _time(self.start, "start"), _time(self.end, "end")
        if end < start:
            raise ConfigError(f"end {end:%Y-%m-%dT%H:%M} is before start {start:%Y-%m-%dT%H:%M}")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "every", _step(self.every))
        object.__setattr__(self, "domain", get_domain(self.domain))
        object.__setattr__(self, "quantities", tuple(self.quantities))
        if self.hours is not None:
            try:
                lo, hi = (int(h) for h in self.hours)
            except (TypeError, ValueError):
                lo, hi = -1, -1
            if not 0 <= lo <= hi <= 23 or tuple(self.hours) != (lo, hi):
                raise ConfigError(f"hours: expected (first, last) UTC hours with 0 <= first <= "
                                  f"last <= 23, got {self.hours!r}")  # fmt: skip
            object.__setattr__(self, "hours", (lo, hi))
        self.bands()  # unknown quantities fail here
        self._check_fixed_coverage()

    # -- what to list ---------------------------------------------------------------------
    @property
    def source(self) -> Archive:
        """The archive."""
        return ARCHIVES[self.archive]

    @property
    def url(self) -> str:
        """The archive's base URL."""
        return (self.base_url or self.source.base_url).rstrip("/")

    @property
    def options(self) -> InputOptions:
        """How the archive is listed and read."""
        options = self.source.storage_options if self.storage_options is None else \
            self.storage_options  # fmt: skip
        return InputOptions(dict(options))

    def bands(self) -> tuple[str, ...]:
        """The bands (ABI) or products (MODIS) the quantities need, sorted.

        Raises
        ------
        ConfigError
            For a quantity the sensor cannot give.
        """
        sensor = self.source.sensor
        if sensor == "modis":
            return self._modis_products()
        bands = set()
        for name in self.quantities:
            candidates = QUANTITIES[name].bands.get(sensor, ()) if name in QUANTITIES else ()
            if not candidates:
                raise ConfigError(f"quantities: {name!r} cannot be read from {sensor} files; "
                                  f"expected some of {sorted(q for q in QUANTITIES)}")  # fmt: skip
            bands.add(candidates[0])
        return tuple(sorted(bands))

    def _modis_products(self) -> tuple[str, ...]:
        prefix = self.source.platform
        if self.product.endswith("35_L2"):
            wrong = [q for q in self.quantities if q not in PRODUCTS]
            if wrong:
                raise ConfigError(f"quantities {wrong}: {self.product} holds the cloud mask "
                                  "only (quantities: cloud_mask)")  # fmt: skip
            return (self.product,)
        wrong = [q for q in self.quantities if q in PRODUCTS]
        if wrong:
            raise ConfigError(f"quantities {wrong}: not in {self.product}; query "
                              f"{prefix}35_L2 for the cloud mask")  # fmt: skip
        return (f"{prefix}021KM", f"{prefix}03")

    def _days(self) -> list[datetime]:
        day = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
        days = []
        while day <= self.end:
            days.append(day)
            day += timedelta(days=1)
        return days

    def _hour_wanted(self, hour: datetime) -> bool:
        if (
            hour + timedelta(hours=1) <= self.start.replace(minute=0, second=0, microsecond=0)
            or hour > self.end
        ):
            return False  # fmt: skip
        if self.hours is None:
            return True
        return self.hours[0] <= hour.hour <= self.hours[1]

    def prefixes(self) -> list[str]:
        """The archive folders the query lists (URLs ending in ``/``): ABI hour folders, or
        day folders where a day's listing takes fewer requests than its wanted hours.

        Examples
        --------
        >>> q = ArchiveQuery("aqua", "MYD021KM", "2020-01-20", "2020-01-20T23:59")
        >>> ArchiveQuery("goes16", "RadM1", "2020-01-20T12", "2020-01-20T13",
        ...              domain="eurec4a").prefixes()[-1]
        's3://noaa-goes16/ABI-L1b-RadM/2020/020/13/'
        >>> q.prefixes()
        ['https://ladsweb.modaps.eosdis.nasa.gov/archive/allData/61/MYD021KM/2020/020/', \
'https://ladsweb.modaps.eosdis.nasa.gov/archive/allData/61/MYD03/2020/020/']
        """
        if self.source.sensor == "modis":
            return [f"{self.url}/allData/{self.collection}/{product}/{day:%Y/%j}/"
                    for day in self._days() for product in self.bands()]  # fmt: skip
        folder = f"{self.url}/ABI-L1b-{_ABI_SECTORS[self.product][0]}"
        pages = math.ceil(_ABI_BANDS * _SCANS_PER_DAY[self.product] / _LIST_PAGE)
        prefixes = []
        for day in self._days():
            hours = [day + timedelta(hours=h) for h in range(24)]
            hours = [h for h in hours if self._hour_wanted(h)]
            if len(hours) > pages:  # one listing of the day takes fewer requests
                prefixes.append(f"{folder}/{day:%Y/%j}/")
            else:
                prefixes.extend(f"{folder}/{h:%Y/%j/%H}/" for h in hours)
        return prefixes

    # -- listing --------------------------------------------------------------------------
    def _wanted_file(self, url: str) -> bool:
        name = os.path.basename(url)
        if self.source.sensor == "modis":
            return name.startswith(tuple(f"{p}." for p in self.bands()))
        sector = _ABI_SECTORS[self.product][1]
        return (abi_channel(name) in self.bands() and f"-Rad{sector}-" in name
                and f"_{self.source.platform}_" in name)  # fmt: skip

    def _part_of(self, url: str) -> str | None:
        """What a listed file is of its scene, as the sensor's record reads its name: a
        band (``C02``) or a product (``MYD021KM``)."""
        found = SENSORS[self.source.sensor].match(os.path.basename(url))
        return found.part if found else None

    def _in_time(self, start: datetime) -> bool:
        if not self.start <= start <= self.end:
            return False
        return self.hours is None or self.hours[0] <= start.hour <= self.hours[1]

    def _thinned(self, scenes: list[SceneFiles]) -> list[SceneFiles]:
        """The first scene of each step of ``every`` (steps counted from midnight)."""
        if self.every is None:
            return scenes
        kept: dict[tuple, SceneFiles] = {}
        for scene in scenes:
            midnight = scene.start_time.replace(hour=0, minute=0, second=0, microsecond=0)
            step = (scene.start_time - midnight) // self.every
            kept.setdefault((midnight, step), scene)
        return list(kept.values())

    def listing(self) -> list[tuple[str, FileInfo]]:
        """Every wanted file of the prefixes, with size and ETag (listed concurrently)."""
        options = self.options

        def one(prefix: str) -> list[tuple[str, FileInfo]]:
            try:
                return list_url(prefix, options)
            except InputFileError:
                return []  # an empty hour or day of the archive

        with ThreadPoolExecutor(max_workers=8) as pool:
            found = [f for files in pool.map(one, self.prefixes()) for f in files]
        return [(url, info) for url, info in found if self._wanted_file(url)]

    def scenes(self) -> ArchiveListing:
        """The scenes the query would ingest, those it leaves out and why."""
        grouped, _ = group_files(self.listing())
        listing = ArchiveListing()
        wanted = set(self.bands())
        scenes = []
        for scene in grouped:
            if not self._in_time(scene.start_time):
                continue
            have = {self._part_of(p) for group in scene.files.values() for p in group}
            if have != wanted:
                listing.leave_out(scene, f"incomplete in the archive: has {sorted(have)}, "
                                         f"needs {sorted(wanted)}")  # fmt: skip
                continue
            scenes.append(scene)
        scenes = self._thinned(scenes)
        if self.source.sensor == "modis":
            scenes = self._modis_overlapping(scenes, listing)
        elif self.product.startswith("RadM"):
            scenes = self._sectors_overlapping(scenes, listing)
        listing.scenes.extend(scenes)
        return listing

    # -- the domain -----------------------------------------------------------------------
    def _check_fixed_coverage(self) -> None:
        if self.source.sensor != "abi" or self.product.startswith("RadM"):
            return
        lon0 = self.source.sub_longitude
        side = "east" if lon0 > -100 else "west"
        x0, x1, y0, y1 = _FIXED_EXTENT[(_ABI_SECTORS[self.product][1], side)]
        xs, ys = _scan_angles(self.domain, lon0)
        if not len(xs) or xs.max() < x0 or xs.min() > x1 or ys.max() < y0 or ys.min() > y1:
            raise ConfigError(
                f"domain {self.domain.name}: outside the coverage of {self.archive} "
                f"{self.product}; choose another product or platform"
            )

    def _sectors_overlapping(
        self, scenes: list[SceneFiles], listing: ArchiveListing
    ) -> list[SceneFiles]:
        """Mesoscale scans whose sector (from one file header each) meets the domain."""

        def meets(scene: SceneFiles) -> bool | None:
            url = scene.all_files[0]
            try:
                box = self.options.with_retries(lambda: _abi_extent(self.options, url), url)
            except Exception as err:  # an unreadable header: let the ingest record it
                if not is_network_error(err) and not isinstance(err, OSError | KeyError):
                    raise
                return None
            return _boxes_meet(box, self.domain)

        with ThreadPoolExecutor(max_workers=8) as pool:
            found = list(pool.map(meets, scenes))
        kept = []
        for scene, ok in zip(scenes, found, strict=True):
            if ok is False:
                listing.leave_out(scene, f"the mesoscale sector does not meet domain "
                                         f"{self.domain.name}")  # fmt: skip
            else:
                kept.append(scene)
        return kept

    def _modis_overlapping(
        self, scenes: list[SceneFiles], listing: ArchiveListing
    ) -> list[SceneFiles]:
        """Granules whose geoMeta bounding box meets the domain."""
        boxes: dict[datetime, tuple[float, float, float, float]] = {}
        for day in {s.start_time.date() for s in scenes}:
            found = self._geo_meta(day)
            if found is None:
                listing.notes.append(f"{day}: no geoMeta table in the archive; granules of "
                                     "the day are not filtered by domain")  # fmt: skip
            else:
                boxes.update(found)
        kept = []
        for scene in scenes:
            box = boxes.get(scene.start_time)
            if box is not None and not _boxes_meet(box, self.domain):
                listing.leave_out(scene, f"the granule does not meet domain {self.domain.name}")
                continue
            kept.append(scene)
        return kept

    def _geo_meta(self, day: Any) -> dict[datetime, tuple[float, float, float, float]] | None:
        prefix = self.source.platform
        url = (f"{self.url}/geoMeta/{self.collection}/{_GEO_META[prefix]}/{day:%Y}/"
               f"{prefix}03_{day:%Y-%m-%d}.txt")  # fmt: skip
        fs = self.options.filesystem(url.split("://", 1)[0])
        try:
            text = self.options.with_retries(lambda: fs.cat_file(url), url)
        except FileNotFoundError:
            return None
        return parse_geo_meta(text.decode())


def parse_geo_meta(text: str) -> dict[datetime, tuple[float, float, float, float]]:
    """Granule start → (west, east, south, north) bounding box, from a LAADS geoMeta table.

    Examples
    --------
    >>> table = ("# Collection: 61\\nGranuleID,StartDateTime,ArchiveSet,OrbitNumber,"
    ...          "DayNightFlag,EastBoundingCoord,NorthBoundingCoord,SouthBoundingCoord,"
    ...          "WestBoundingCoord\\nMYD03.A2020020.1430.061.2020021000000.hdf,"
    ...          "2020-01-20 14:30,61,93780,D,-50.1,25.2,4.1,-75.3\\n")
    >>> parse_geo_meta(table)
    {datetime.datetime(2020, 1, 20, 14, 30): (-75.3, -50.1, 4.1, 25.2)}
    """
    table = pd.read_csv(io.StringIO(text), comment="#", skipinitialspace=True)
    boxes = {}
    for row in table.itertuples(index=False):
        start = pd.Timestamp(row.StartDateTime).to_pydatetime()
        boxes[start] = (float(row.WestBoundingCoord), float(row.EastBoundingCoord),
                        float(row.SouthBoundingCoord), float(row.NorthBoundingCoord))  # fmt: skip
    return boxes


def _boxes_meet(box: tuple[float, float, float, float], domain: Domain) -> bool:
    west, east, south, north = box
    if west > east:  # across the date line
        return _boxes_meet((west, 180.0, south, north), domain) or \
            _boxes_meet((-180.0, east, south, north), domain)  # fmt: skip
    return not (east < domain.lon_min or west > domain.lon_max or north < domain.lat_min
                or south > domain.lat_max)  # fmt: skip


def _scan_angles(domain: Domain, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-grid scan angles (radians) of points along the domain's edges that the
    satellite sees."""
    edge = np.linspace(0.0, 1.0, 25)
    lons = np.concatenate(
        [
            domain.lon_min + edge * (domain.lon_max - domain.lon_min),
            np.full(25, domain.lon_max),
            np.full(25, domain.lon_min),
        ]
        * 2
    )
    lats = np.concatenate([np.full(25, domain.lat_min), domain.lat_min + edge *
                           (domain.lat_max - domain.lat_min)] * 3)  # fmt: skip
    geos = pyproj.Proj(proj="geos", h=_GEOS_HEIGHT_M, lon_0=lon0, sweep="x", ellps="GRS80")
    x, y = geos(lons, lats, errcheck=False)
    x, y = np.asarray(x), np.asarray(y)
    seen = np.isfinite(x) & np.isfinite(y) & (np.abs(x) < 1e20)
    return x[seen] / _GEOS_HEIGHT_M, y[seen] / _GEOS_HEIGHT_M


def _abi_extent(options: InputOptions, url: str) -> tuple[float, float, float, float]:
    """(west, east, south, north) of an ABI file's sector, from its header."""
    import h5netcdf

    small = dataclasses.replace(options, block_size=HEADER_BLOCK)
    with small.open_lazily(url).open() as handle, h5netcdf.File(handle, "r") as nc:
        attrs = nc.variables["geospatial_lat_lon_extent"].attrs
        names = ("westbound_longitude", "eastbound_longitude", "southbound_latitude",
                 "northbound_latitude")  # fmt: skip
        west, east, south, north = (float(np.ravel(attrs[f"geospatial_{n}"])[0]) for n in names)
        return west, east, south, north


def scene_table(scenes: Iterable[SceneFiles]) -> pd.DataFrame:
    """A table of scenes: ``scene_id``, ``start``, ``files``, ``bytes`` (as listed).

    Examples
    --------
    >>> scene_table([]).empty
    True
    """
    rows = [(s.scene_id, s.start_time, len(s.all_files),
             sum(i.size or 0 for i in s.info.values())) for s in scenes]  # fmt: skip
    return pd.DataFrame(rows, columns=["scene_id", "start", "files", "bytes"])


@dataclass
class ArchiveListing:
    """What an :class:`ArchiveQuery` found.

    Attributes
    ----------
    scenes : list of SceneFiles
        The scenes to ingest (URLs), sorted by start time.
    left_out : list of (url, reason)
        Files of scenes left out (incomplete in the archive, outside the domain).
    notes : list of str
        What could not be checked (e.g. a day without a geoMeta table).
    """

    scenes: list[SceneFiles] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def leave_out(self, scene: SceneFiles, reason: str) -> None:
        """Leave a scene out, recording each of its files with the reason."""
        self.left_out.extend((p, f"{scene.scene_id}: {reason}") for p in scene.all_files)

    def table(self) -> pd.DataFrame:
        """The scenes as a table (:func:`scene_table`)."""
        return scene_table(self.scenes)
