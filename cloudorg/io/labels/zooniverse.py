"""Reader of the Zooniverse Sugar/Flower/Fish/Gravel box labels (Rasp et al. 2020).

The file ``annotations_fulldataset_IRchecked_285.csv`` has no header and one row per box
(or per "nothing here" answer) with the columns: row id, image path, x0, y0, x1, y1, label.

Pixel geometry (checked on the 36,055 rows of the real file):

* ``x`` is the column (0..2100, west to east), ``y`` the row (0..1400, north to south);
  the images are 2100 x 1400 px NASA Worldview snapshots in plate carrée, north up, at
  0.01° per pixel.
* ``x0 <= x1`` and ``y0 <= y1`` always (one box has ``x0 == x1``, zero width).
* A box covers the continuous pixel coordinates ``[x0, x1) x [y0, y1)``: pixel column
  ``i`` spans ``[i, i + 1)``, so integer edges cover columns ``x0 .. x1 - 1`` (as in
  Rasp's own mask code, ``mask[x0:x1, y0:y1]``).
* ``x0`` and ``y0`` can be negative (boxes dragged beyond the image: 63 and 22 rows);
  ``x1`` and ``y1`` never exceed 2099 and 1399. With ``clip=True`` boxes are clipped
  to the image.

Longitude/latitude of a pixel coordinate, with the image extent from its path::

    lon = lon_min + x * (lon_max - lon_min) / 2100
    lat = lat_max - y * (lat_max - lat_min) / 1400
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ConfigError, InputFileError
from .classes import CLASSES, IMAGE_SHAPE, LABEL_DTYPE, check_shape

__all__ = [
    "EQUATOR_CROSSING_HOURS",
    "REGIONS",
    "SEASONS",
    "lonlat_to_pixel",
    "overpass_time",
    "parse_image_path",
    "pixel_to_lonlat",
    "read_zooniverse",
]

REGIONS: dict[int, tuple[float, float, float, float]] = {
    1: (-61.0, -40.0, 10.0, 24.0),
    2: (159.0, 180.0, 8.0, 22.0),
    3: (-135.0, -114.0, -15.0, -1.0),
}
"""Extent ``(lon_min, lon_max, lat_min, lat_max)`` of the three Zooniverse regions:
1 east of Barbados (North Atlantic trades), 2 North Pacific west of the date line,
3 South-East Pacific."""

SEASONS: dict[str, tuple[int, int, int]] = {
    "DJF": (12, 1, 2),
    "MAM": (3, 4, 5),
    "JJA": (6, 7, 8),
    "SON": (9, 10, 11),
}
"""Months of each season code used in the image folders."""

_MONTH_SEASON = {m: s for s, months in SEASONS.items() for m in months}

_NUM = r"-?\d+(?:\.\d+)?"
_DIR = r"Region(?P<region>\d+)_(?P<season>DJF|MAM|JJA|SON)_(?P<dir_satellite>Aqua|Terra)"
_NAME = (
    r"(?P<satellite>Aqua|Terra)_CorrectedReflectance(?P<date>\d{8})_"
    rf"(?P<lon_min>{_NUM})-(?P<lon_max>{_NUM})_(?P<lat_min>{_NUM})-(?P<lat_max>{_NUM})"
    r"\.(?:jpe?g|png)"
)
_PATH_RE = re.compile(rf"^(?:(?:.*/)?{_DIR}/|.*/)?{_NAME}$")

_PATH_COLUMNS = (
    "region",
    "season",
    "satellite",
    "date",
    "lon_min",
    "lon_max",
    "lat_min",
    "lat_max",
)


def _parse_paths(paths: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Parse image paths (vectorised).

    Returns the parsed columns and, per path, the reason it is malformed ("" when fine).
    """
    norm = paths.astype(str).str.replace("\\", "/", regex=False)
    parts = norm.str.extract(_PATH_RE)
    problem = pd.Series("", index=paths.index, dtype=object)
    unmatched = parts["satellite"].isna()
    problem[unmatched] = (
        "image path does not look like "
        "'RegionN_SSS_Sat/Sat_CorrectedReflectanceYYYYMMDD_lon0-lon1_lat0-lat1.jpeg'"
    )

    date = pd.to_datetime(parts["date"], format="%Y%m%d", errors="coerce")
    bad_date = ~unmatched & date.isna()
    problem[bad_date & (problem == "")] = "invalid date in image path"

    ext = {c: pd.to_numeric(parts[c], errors="coerce") for c in _PATH_COLUMNS[4:]}
    bad_ext = ~unmatched & (
        ~(ext["lon_min"] < ext["lon_max"])
        | ~(ext["lat_min"] < ext["lat_max"])
        | (ext["lat_min"] < -90)
        | (ext["lat_max"] > 90)
    )
    problem[bad_ext & (problem == "")] = "invalid lon/lat extent in image path"

    has_dir = parts["dir_satellite"].notna()
    bad_sat = has_dir & (parts["dir_satellite"] != parts["satellite"])
    problem[bad_sat & (problem == "")] = "satellite of the folder and of the file name differ"

    month_season = date.dt.month.map(_MONTH_SEASON)
    season = parts["season"].where(has_dir, month_season)
    bad_season = has_dir & date.notna() & (parts["season"] != month_season)
    problem[bad_season & (problem == "")] = "date is not in the season of the folder"

    region = pd.to_numeric(parts["region"], errors="coerce")
    known = pd.Series(pd.NA, index=paths.index, dtype="Int8")
    for number, (lon0, lon1, lat0, lat1) in REGIONS.items():
        hit = (
            (ext["lon_min"] == lon0)
            & (ext["lon_max"] == lon1)
            & (ext["lat_min"] == lat0)
            & (ext["lat_max"] == lat1)
        )
        known[hit] = number
    region = region.astype("Int8").where(has_dir, known)

    out = pd.DataFrame(
        {
            "region": region,
            "season": season.astype(pd.CategoricalDtype(list(SEASONS))),
            "satellite": parts["satellite"].astype(pd.CategoricalDtype(["Aqua", "Terra"])),
            "date": date,
            **{c: ext[c].astype(np.float64) for c in _PATH_COLUMNS[4:]},
        },
        index=paths.index,
    )
    return out, problem


def parse_image_path(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse a Zooniverse / Worldview image path into region, season, satellite, date, extent.

    Parameters
    ----------
    path : str or path-like
        e.g. ``Region1_DJF_Aqua/Aqua_CorrectedReflectance20110118_-61--40_10-24.jpeg``. The
        folder (``RegionN_SSS_Sat``) is optional: without it the season comes from the
        month and the region from the extent (``None`` for an unknown extent).

    Returns
    -------
    dict
        ``image`` (the path as given), ``region`` (int or None), ``season`` (``DJF``,
        ``MAM``, ``JJA`` or ``SON``), ``satellite`` (``Aqua`` or ``Terra``), ``date``
        (``pandas.Timestamp``), ``lon_min``, ``lon_max``, ``lat_min``, ``lat_max``
        (degrees east / north, the image extent).

    Raises
    ------
    ConfigError
        The path does not follow the naming scheme, or is inconsistent (bad date,
        empty extent, folder and file satellites differ, date outside the season).

    Examples
    --------
    >>> info = parse_image_path(
    ...     "Region1_DJF_Aqua/Aqua_CorrectedReflectance20110118_-61--40_10-24.jpeg")
    >>> info["region"], info["season"], info["satellite"], str(info["date"].date())
    (1, 'DJF', 'Aqua', '2011-01-18')
    >>> info["lon_min"], info["lon_max"], info["lat_min"], info["lat_max"]
    (-61.0, -40.0, 10.0, 24.0)
    """
    text = os.fspath(path)
    parsed, problem = _parse_paths(pd.Series([text], dtype=object))
    if problem.iloc[0]:
        raise ConfigError(f"{problem.iloc[0]}: {text!r}")
    row = parsed.iloc[0]
    region = row["region"]
    return {
        "image": text,
        "region": None if pd.isna(region) else int(region),
        "season": str(row["season"]),
        "satellite": str(row["satellite"]),
        "date": pd.Timestamp(row["date"]),
        **{c: float(row[c]) for c in _PATH_COLUMNS[4:]},
    }


def pixel_to_lonlat(
    x: Any,
    y: Any,
    lon_min: Any,
    lon_max: Any,
    lat_min: Any,
    lat_max: Any,
    shape: tuple[int, int] = IMAGE_SHAPE,
) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of continuous pixel coordinates of a plate-carrée image.

    ``x`` is the column coordinate (0 at the west edge, ``shape[1]`` at the east edge),
    ``y`` the row coordinate (0 at the north edge, ``shape[0]`` at the south edge); the
    pixel centre of column ``i`` is ``x = i + 0.5``. Arguments broadcast.

    Parameters
    ----------
    x, y : array-like
        Pixel coordinates.
    lon_min, lon_max, lat_min, lat_max : array-like
        Image extent in degrees.
    shape : (int, int)
        Image (rows, columns).

    Returns
    -------
    lon, lat : numpy.ndarray
        Degrees east and north.

    Examples
    --------
    >>> lon, lat = pixel_to_lonlat(1050, 700, -61, -40, 10, 24)
    >>> float(lon), float(lat)
    (-50.5, 17.0)
    >>> lon, lat = pixel_to_lonlat(0, 0, -61, -40, 10, 24)
    >>> float(lon), float(lat)
    (-61.0, 24.0)
    """
    rows, cols = check_shape(shape)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    lon0 = np.asarray(lon_min, dtype=np.float64)
    lon1 = np.asarray(lon_max, dtype=np.float64)
    lat0 = np.asarray(lat_min, dtype=np.float64)
    lat1 = np.asarray(lat_max, dtype=np.float64)
    lon = lon0 + x * ((lon1 - lon0) / cols)
    lat = lat1 - y * ((lat1 - lat0) / rows)
    return lon, lat


def lonlat_to_pixel(
    lon: Any,
    lat: Any,
    lon_min: Any,
    lon_max: Any,
    lat_min: Any,
    lat_max: Any,
    shape: tuple[int, int] = IMAGE_SHAPE,
) -> tuple[np.ndarray, np.ndarray]:
    """Continuous pixel coordinates ``(x, y)`` of longitudes/latitudes; the inverse of
    :func:`pixel_to_lonlat`.

    Parameters
    ----------
    lon, lat : array-like
        Degrees east and north.
    lon_min, lon_max, lat_min, lat_max : array-like
        Image extent in degrees.
    shape : (int, int)
        Image (rows, columns).

    Returns
    -------
    x, y : numpy.ndarray
        Column and row coordinates (floats; not clipped to the image).

    Examples
    --------
    >>> x, y = lonlat_to_pixel(-50.5, 17.0, -61, -40, 10, 24)
    >>> round(float(x), 6), round(float(y), 6)
    (1050.0, 700.0)
    """
    rows, cols = check_shape(shape)
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    lon0 = np.asarray(lon_min, dtype=np.float64)
    lon1 = np.asarray(lon_max, dtype=np.float64)
    lat0 = np.asarray(lat_min, dtype=np.float64)
    lat1 = np.asarray(lat_max, dtype=np.float64)
    x = (lon - lon0) * (cols / (lon1 - lon0))
    y = (lat1 - lat) * (rows / (lat1 - lat0))
    return x, y


EQUATOR_CROSSING_HOURS: dict[str, float] = {"Terra": 10.5, "Aqua": 13.5}
"""Local solar time (hours) of the sun-synchronous MODIS platforms' equator crossings:
Terra descending at 10:30, Aqua ascending at 13:30."""


def overpass_time(satellite: Any, date: Any, lon: Any) -> np.ndarray:
    """UTC time at which Terra or Aqua passes over a longitude on a date.

    A sun-synchronous platform crosses every longitude at about the same local solar
    time (:data:`EQUATOR_CROSSING_HOURS`), so the UTC time of the overpass at ``lon`` is
    ``date + crossing - lon / 15 h``: within about half an hour over the trades, which
    is how the Worldview images of the Zooniverse labels are matched to scenes by time.

    Parameters
    ----------
    satellite : str or array-like of str
        ``Terra`` or ``Aqua``.
    date : datetime-like or array-like
        UTC dates of the images (their time of day is ignored).
    lon : float or array-like
        Longitudes in degrees east (e.g. a box centre). Arguments broadcast.

    Returns
    -------
    numpy.ndarray of datetime64[ns]

    Raises
    ------
    ConfigError
        For another satellite.

    Examples
    --------
    >>> str(overpass_time("Aqua", "2020-02-02", -50.0)[0])
    '2020-02-02T16:50:00.000000000'
    >>> str(overpass_time("Terra", "2020-02-02", -50.0)[0])
    '2020-02-02T13:50:00.000000000'
    """
    sats = np.atleast_1d(np.asarray(satellite, dtype=object)).astype(str)
    unknown = sorted(set(sats.tolist()) - set(EQUATOR_CROSSING_HOURS))
    if unknown:
        raise ConfigError(
            f"satellite: expected one of {sorted(EQUATOR_CROSSING_HOURS)}, got {unknown[0]!r}"
        )
    crossing = np.vectorize(EQUATOR_CROSSING_HOURS.__getitem__, otypes=[float])(sats)
    days = np.asarray(date, dtype="datetime64[D]").astype("datetime64[ns]")
    hours = crossing - np.asarray(lon, dtype=np.float64) / 15.0
    seconds = np.round(np.asarray(hours) * 3600).astype(np.int64)
    return np.atleast_1d(days + seconds * np.timedelta64(1, "s"))


def _fail(path: Path, lines: pd.Series, index: Any, reason: str, count: int = 1) -> None:
    """Raise InputFileError for the row at ``index`` (0-based line index)."""
    line_no = int(index) + 1
    text = lines.iloc[int(index)]
    more = f" ({count - 1} more malformed line(s) of this kind)" if count > 1 else ""
    raise InputFileError(f"{path}, line {line_no}: {reason}: {text!r}{more}")


def _read_lines(path: Path) -> pd.Series:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputFileError(f"{path}: cannot read the label file: {err}") from err
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line_no = raw[: err.start].count(b"\n") + 1
        raise InputFileError(f"{path}, line {line_no}: not UTF-8 text") from err
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise InputFileError(f"{path}: empty label file")
    return pd.Series(lines, dtype=object).str.rstrip("\r")


def read_zooniverse(
    path: str | os.PathLike[str],
    *,
    clip: bool = True,
    shape: tuple[int, int] = IMAGE_SHAPE,
) -> pd.DataFrame:
    """Read the Zooniverse box labels (no header; row id, image, x0, y0, x1, y1, label).

    Parameters
    ----------
    path : str or path-like
        The CSV file, e.g. ``annotations_fulldataset_IRchecked_285.csv``.
    clip : bool
        Clip boxes to the image (``0 <= x <= shape[1]``, ``0 <= y <= shape[0]``); the
        ``clipped`` column says which were changed. Without clipping, box lon/lat can lie
        outside the image extent.
    shape : (int, int)
        Image (rows, columns); 1400 x 2100 for the Zooniverse images.

    Returns
    -------
    pandas.DataFrame
        One row per file row, in file order. Columns: ``row_id`` (int), ``image`` (the
        path), ``region`` (Int8: 1, 2, 3), ``season`` and ``satellite`` (categorical),
        ``date`` (datetime64), ``lon_min``, ``lon_max``, ``lat_min``, ``lat_max`` (image
        extent, degrees), ``x0``, ``y0``, ``x1``, ``y1`` (pixel edges, float, NaN for a
        row without box), ``label`` (categorical Sugar, Gravel, Fish, Flower in code
        order; NaN without box), ``clipped`` (bool) and ``box_lon_min``, ``box_lon_max``,
        ``box_lat_min``, ``box_lat_max`` (the box in degrees).

    Raises
    ------
    InputFileError
        The file cannot be read, or a row is malformed (wrong number of fields, bad image
        path, non-numeric coordinate, incomplete box, unknown label, ``x0 > x1`` or
        ``y0 > y1``); the message names the file and the 1-based line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp()) / "labels.csv"
    >>> _ = tmp.write_text(
    ...     "3,Region1_DJF_Aqua/Aqua_CorrectedReflectance20110118_-61--40_10-24.jpeg,"
    ...     "1172,436,2088,945,Fish\\n"
    ...     "64,Region3_DJF_Terra/Terra_CorrectedReflectance20141226_-135--114_-15--1.jpeg,"
    ...     ",,,,\\n")
    >>> df = read_zooniverse(tmp)
    >>> df[["region", "satellite", "label", "x0", "box_lon_min", "box_lat_max"]]
       region satellite label      x0  box_lon_min  box_lat_max
    0       1      Aqua  Fish  1172.0       -49.28        19.64
    1       3     Terra   NaN     NaN          NaN          NaN
    """
    path = Path(path)
    rows, cols = check_shape(shape)
    lines = _read_lines(path)

    n_fields = lines.str.count(",") + 1
    bad = n_fields != 7
    if bad.any():
        first = bad.to_numpy().nonzero()[0][0]
        _fail(
            path,
            lines,
            first,
            f"expected 7 comma-separated fields (row id, image, x0, y0, x1, y1, label), "
            f"found {int(n_fields.iloc[first])}",
            int(bad.sum()),
        )

    names = ["row_id", "image", *("x0", "y0", "x1", "y1"), "label"]
    table = pd.read_csv(
        io.StringIO("\n".join(lines)),
        header=None,
        names=names,
        dtype=str,
        na_filter=False,
        quoting=csv.QUOTE_NONE,
        skip_blank_lines=False,
        engine="c",
    )
    if len(table) != len(lines):  # pragma: no cover - guarded by the field count above
        raise InputFileError(f"{path}: {len(lines)} lines but {len(table)} rows parsed")

    def check(mask: pd.Series, reason: str) -> None:
        if mask.any():
            first = mask.to_numpy().nonzero()[0][0]
            _fail(path, lines, first, reason, int(mask.sum()))

    row_id = pd.to_numeric(table["row_id"].str.strip(), errors="coerce")
    check(row_id.isna() | (row_id % 1 != 0), "row id is not an integer")

    image = table["image"].str.strip()
    codes, uniques = pd.factorize(image)
    parsed, problem = _parse_paths(pd.Series(uniques, dtype=object))
    row_problem = pd.Series(problem.to_numpy()[codes], index=table.index)
    for reason in pd.unique(row_problem[row_problem != ""]):
        check(row_problem == reason, reason)
    parsed = parsed.iloc[codes].reset_index(drop=True)

    coords = {}
    missing = {}
    for c in ("x0", "y0", "x1", "y1"):
        raw = table[c].str.strip()
        miss = (raw == "") | (raw.str.lower() == "nan")
        value = pd.to_numeric(raw.where(~miss), errors="coerce")
        check(~miss & value.isna(), f"{c} is not a number")
        check(~miss & ~np.isfinite(value.fillna(0.0)), f"{c} is not finite")
        coords[c] = value.astype(np.float64)
        missing[c] = miss
    label_raw = table["label"].str.strip()
    missing["label"] = (label_raw == "") | (label_raw.str.lower() == "nan")
    n_missing = sum(m.astype(int) for m in missing.values())
    check((n_missing > 0) & (n_missing < 5), "incomplete box (some of x0, y0, x1, y1, label)")
    check(
        ~missing["label"] & ~label_raw.isin(CLASSES),
        f"unknown label (expected one of {', '.join(CLASSES)})",
    )
    label = label_raw.where(~missing["label"]).astype(LABEL_DTYPE)
    check(coords["x0"] > coords["x1"], "x0 > x1 (expected x0 <= x1, x the column)")
    check(coords["y0"] > coords["y1"], "y0 > y1 (expected y0 <= y1, y the row from the top)")

    x0, y0, x1, y1 = (coords[c].to_numpy() for c in ("x0", "y0", "x1", "y1"))
    if clip:
        cx0, cx1 = np.clip(x0, 0, cols), np.clip(x1, 0, cols)
        cy0, cy1 = np.clip(y0, 0, rows), np.clip(y1, 0, rows)
        with np.errstate(invalid="ignore"):
            clipped = (cx0 != x0) | (cx1 != x1) | (cy0 != y0) | (cy1 != y1)
        clipped &= ~np.isnan(x0)
        x0, x1, y0, y1 = cx0, cx1, cy0, cy1
    else:
        clipped = np.zeros(len(table), dtype=bool)

    ext = [parsed[c].to_numpy() for c in ("lon_min", "lon_max", "lat_min", "lat_max")]
    blon0, blat_max = pixel_to_lonlat(x0, y0, *ext, shape=(rows, cols))
    blon1, blat_min = pixel_to_lonlat(x1, y1, *ext, shape=(rows, cols))

    out = pd.DataFrame(
        {
            "row_id": row_id.astype(np.int64),
            "image": image,
            **{c: parsed[c] for c in _PATH_COLUMNS},
            "x0": x0,
            "y0": y0,
            "x1": x1,
            "y1": y1,
            "label": label,
            "clipped": clipped,
            "box_lon_min": blon0,
            "box_lon_max": blon1,
            "box_lat_min": blat_min,
            "box_lat_max": blat_max,
        }
    )
    out.attrs["source"] = str(path)
    out.attrs["image_shape"] = (rows, cols)
    return out
