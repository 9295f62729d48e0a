"""Labels from any source, through one interface: :func:`read_labels`.

A label source tells, for one scene of a campaign (its scan time and id) on the domain
grid (the longitude and latitude of every pixel centre), which class each pixel has. Five
kinds are read:

``scenes``
    A CSV or Parquet table with one class per scene, keyed by ``scene_id`` or by scan
    ``time`` (the nearest row within the tolerance).
``boxes``
    A CSV or Parquet table of lon/lat boxes: ``time``, ``lon_min``, ``lon_max``,
    ``lat_min``, ``lat_max``, ``label``. Every box within the tolerance of a scene's time
    votes on the pixels it covers (:func:`~cloudorg.io.labels.labels_to_grid`).
``zooniverse``
    The Zooniverse box file (:func:`~cloudorg.io.labels.read_zooniverse`); each box's
    time is the platform's overpass time at the box centre
    (:func:`~cloudorg.io.labels.overpass_time`), so scenes are matched by time, not date.
``raster``
    A netCDF file or zarr store with an integer ``label`` variable on the domain grid,
    ``(y, x)`` for every scene or ``(time, y, x)`` / ``(scene_id, y, x)``.
``kaggle``
    A Kaggle "Understanding Clouds" ``train.csv`` (run-length encoded masks,
    :func:`~cloudorg.io.labels.read_kaggle`) with an ``images`` table mapping each image
    to a ``scene_id`` or ``time``, and optionally to its lon/lat extent (``lon_min``,
    ``lon_max``, ``lat_min``, ``lat_max``; plate carrée, north up). Without an extent an
    image covers the domain.

Labels are class names (``Sugar``, ``Gravel``, ``Fish``, ``Flower``, ``none``; any case)
or codes 0–4. A scene no label matches has no labels (unknown), which is not the same as
a labelled scene's pixels outside every box (class 0, none).

Examples
--------
>>> import tempfile, pathlib, numpy as np
>>> path = pathlib.Path(tempfile.mkdtemp()) / "scenes.csv"
>>> _ = path.write_text("scene_id,label\\ng16_0001,Fish\\ng16_0002,sugar\\n")
>>> source = read_labels(path)
>>> source.kind, source.class_map(np.datetime64("2020-02-01T14:00"), "g16_0002", None, None)
('scenes', 1)
"""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import xarray as xr

from ...errors import ConfigError, InputFileError
from .classes import CLASSES, IMAGE_SHAPE
from .geometry import labels_to_grid, votes_to_class_map
from .rle import read_kaggle, rle_decode
from .zooniverse import lonlat_to_pixel, overpass_time, read_zooniverse

__all__ = [
    "LABEL_KINDS",
    "BoxTable",
    "KaggleMasks",
    "LabelRaster",
    "LabelSource",
    "SceneTable",
    "read_labels",
]

SceneClasses = int | np.ndarray | None
"""The labels of one scene: one class code, a class map on the domain grid, or None."""

_NAMES = {"none": 0, **{name.lower(): i + 1 for i, name in enumerate(CLASSES)}}
_EXTENT = ("lon_min", "lon_max", "lat_min", "lat_max")
_RASTER_SUFFIXES = (".nc", ".nc4", ".cdf", ".h5", ".zarr")
_KIND_NAMES = {
    "scenes": "a class per scene",
    "boxes": "lon/lat boxes",
    "zooniverse": "Zooniverse boxes",
    "raster": "class maps on the domain grid",
    "kaggle": "Kaggle run-length encoded masks",
}
LABEL_KINDS = tuple(_KIND_NAMES)
"""The kinds of label file :func:`read_labels` reads."""


def _duration(delta: np.timedelta64) -> str:
    """A duration as hours, minutes and seconds (``1 h 30 min``)."""
    hours, rest = divmod(int(delta // np.timedelta64(1, "s")), 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{v} {unit}" for v, unit in ((hours, "h"), (minutes, "min"), (seconds, "s")) if v]
    return " ".join(parts) or "0 s"


def _tolerance(value: Any) -> np.timedelta64:
    try:
        delta = pd.Timedelta(value)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"tolerance: expected a duration such as '1h', got {value!r}") from err
    if pd.isna(delta) or delta < pd.Timedelta(0):
        raise ConfigError(f"tolerance: expected a non-negative duration, got {value!r}")
    return delta.to_timedelta64()


def _read_table(path: Path) -> pd.DataFrame:
    """A CSV or Parquet table with lower-case column names."""
    try:
        table = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError, ImportError) as err:
        raise InputFileError(f"{path}: cannot read the label table: {err}") from err
    return table.rename(columns=lambda c: str(c).strip().lower())


def _line(path: Path, index: int) -> str:
    """Where a table row is: its line in a CSV (header on line 1), its row in Parquet."""
    return f"row {index}" if path.suffix.lower() == ".parquet" else f"line {index + 2}"


def class_codes(values: pd.Series, path: Path, column: str = "label") -> np.ndarray:
    """Class codes (int8, 0 none … 4 Flower) of class names (any case) or codes 0–4.

    Examples
    --------
    >>> import pandas as pd
    >>> from pathlib import Path
    >>> class_codes(pd.Series(["Flower", "none", 2]), Path("t.csv")).tolist()
    [4, 0, 2]
    """
    text = values.astype(str).str.strip().str.lower()
    codes = text.map(_NAMES)
    numeric = pd.to_numeric(text, errors="coerce")
    codes = codes.fillna(numeric.where(numeric.isin(range(len(CLASSES) + 1))))
    bad = codes.isna().to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputFileError(
            f"{path}, {_line(path, k)}: {column} {values.iloc[k]!r} is not a class; expected "
            f"one of {', '.join(CLASSES)}, none (any case) or a code 0-{len(CLASSES)}"
        )
    return codes.to_numpy().astype(np.int8)


def _times(values: pd.Series, path: Path, column: str = "time") -> np.ndarray:
    """UTC times (naive datetime64[ns]) of a column, or an error naming the row."""
    times = pd.to_datetime(values, utc=True, errors="coerce", format="mixed")
    bad = times.isna().to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputFileError(
            f"{path}, {_line(path, k)}: {column} {values.iloc[k]!r} is not a date and time "
            "(expected e.g. 2020-02-02T14:00Z)"
        )
    return times.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _require(table: pd.DataFrame, columns: tuple[str, ...], path: Path, what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputFileError(
            f"{path}: a {what} needs the columns {list(columns)}; missing {missing} (found "
            f"{list(table.columns)})"
        )


def _scene_key(table: pd.DataFrame, path: Path, what: str) -> str:
    for key in ("scene_id", "time"):
        if key in table.columns:
            return key
    raise InputFileError(
        f"{path}: a {what} needs a 'scene_id' or a 'time' column to match scenes; found "
        f"{list(table.columns)}"
    )


def _within(times: np.ndarray, time: Any, tolerance: np.timedelta64) -> np.ndarray:
    """Which of ``times`` lie within ``tolerance`` of ``time``."""
    return np.abs(times - np.datetime64(time, "ns")) <= tolerance


@dataclass(frozen=True, eq=False)
class LabelSource(abc.ABC):
    """Labels of scenes from one file (see the module docstring for the kinds).

    Attributes
    ----------
    path : str
        The file.
    tolerance : numpy.timedelta64
        Largest difference between a scene's time and a label's time that matches.
    """

    kind: ClassVar[str]
    path: str
    tolerance: np.timedelta64

    @abc.abstractmethod
    def class_map(
        self, time: Any, scene_id: str, lon: np.ndarray | None, lat: np.ndarray | None
    ) -> SceneClasses:
        """The labels of one scene: a class code for the whole scene, an int8 class map
        of the shape of ``lon`` (0 none, 1–4), or None when nothing matches the scene.

        ``lon`` and ``lat`` are the domain's pixel centres (degrees); a scene table needs
        neither.
        """

    @property
    def description(self) -> str:
        """What the labels are and how they match scenes, for reports.

        Examples
        --------
        >>> import numpy as np
        >>> SceneTable("s.csv", np.timedelta64(1, "h"), "scene_id", np.array(["a"]),
        ...            np.array([1], np.int8)).description
        's.csv (a class per scene, matched by scene_id)'
        """
        return f"{Path(self.path).name} ({_KIND_NAMES[self.kind]}, {self._matching()})"

    def _matching(self) -> str:
        return f"matched by time within {_duration(self.tolerance)}"


@dataclass(frozen=True, eq=False)
class SceneTable(LabelSource):
    """One class per scene, keyed by scene id or by time (nearest within the tolerance).

    Examples
    --------
    >>> import numpy as np
    >>> times = np.array(["2020-02-01T14:00", "2020-02-01T18:00"], dtype="datetime64[ns]")
    >>> table = SceneTable("s.csv", np.timedelta64(30, "m"), "time", times,
    ...                    np.array([3, 4], np.int8))
    >>> [table.class_map(np.datetime64(t), "", None, None)
    ...  for t in ("2020-02-01T14:20", "2020-02-01T16:00")]
    [3, None]
    """

    kind: ClassVar[str] = "scenes"
    key: str
    keys: np.ndarray
    codes: np.ndarray

    def class_map(
        self, time: Any, scene_id: str, lon: np.ndarray | None, lat: np.ndarray | None
    ) -> SceneClasses:
        if self.key == "scene_id":
            hits = np.flatnonzero(self.keys == str(scene_id))
            return int(self.codes[hits[0]]) if hits.size else None
        gaps = np.abs(self.keys - np.datetime64(time, "ns"))
        best = int(np.argmin(gaps)) if gaps.size else -1
        return int(self.codes[best]) if best >= 0 and gaps[best] <= self.tolerance else None

    def _matching(self) -> str:
        return "matched by scene_id" if self.key == "scene_id" else super()._matching()


@dataclass(frozen=True, eq=False)
class BoxTable(LabelSource):
    """Lon/lat boxes with a time each; the boxes within the tolerance of a scene vote.

    ``boxes`` has the columns ``time``, ``box_lon_min``, ``box_lon_max``,
    ``box_lat_min``, ``box_lat_max`` and ``label`` (class names; NaN for an image
    without box). A scene is labelled by the boxes of its time that overlap the domain;
    when none does, the scene is unknown.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> boxes = pd.DataFrame({"time": pd.to_datetime(["2020-02-01T14:00"]),
    ...     "box_lon_min": [-60.0], "box_lon_max": [-59.0], "box_lat_min": [12.0],
    ...     "box_lat_max": [13.0], "label": ["Gravel"]})
    >>> source = BoxTable("b.csv", np.timedelta64(1, "h"), boxes)
    >>> lon, lat = np.meshgrid([-59.5, -58.5], [12.5])
    >>> source.class_map(np.datetime64("2020-02-01T14:30"), "", lon, lat)
    array([[2, 0]], dtype=int8)
    """

    kind: ClassVar[str] = "boxes"
    extent: ClassVar[tuple[str, ...]] = tuple(f"box_{c}" for c in _EXTENT)
    """The columns of the area a row speaks about (the box; for Zooniverse the image)."""
    boxes: pd.DataFrame
    _cache: dict[tuple[int, ...], np.ndarray] = field(
        default_factory=dict, repr=False, compare=False
    )

    def _overlapping(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        west, east, south, north = (self.boxes[c].to_numpy() for c in self.extent)
        with np.errstate(invalid="ignore"):
            return ((west < np.nanmax(lon)) & (east > np.nanmin(lon))
                    & (south < np.nanmax(lat)) & (north > np.nanmin(lat)))  # fmt: skip

    def class_map(
        self, time: Any, scene_id: str, lon: np.ndarray | None, lat: np.ndarray | None
    ) -> SceneClasses:
        if lon is None or lat is None:
            return None
        near = _within(self.boxes["time"].to_numpy(), time, self.tolerance)
        hits = np.flatnonzero(near & self._overlapping(lon, lat))
        if not hits.size:
            return None
        key = tuple(hits.tolist())
        if key not in self._cache:  # scenes minutes apart share their boxes
            self._cache.clear()
            self._cache[key] = labels_to_grid(self.boxes.iloc[hits], lon, lat)["label"].values
        return self._cache[key]


@dataclass(frozen=True, eq=False)
class ZooniverseBoxes(BoxTable):
    """The Zooniverse boxes, each at its platform's overpass time over the box centre (the
    image centre for an image without box); images overlapping the domain label it."""

    kind: ClassVar[str] = "zooniverse"
    extent: ClassVar[tuple[str, ...]] = _EXTENT

    def _matching(self) -> str:
        return f"matched by overpass time within {_duration(self.tolerance)}"


@dataclass(frozen=True, eq=False)
class LabelRaster(LabelSource):
    """Class maps on the domain grid: ``(y, x)``, or one per ``time`` or ``scene_id``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> maps = xr.DataArray(np.array([[[1, 2]], [[3, 4]]], np.int8), dims=("scene_id", "y", "x"),
    ...                     coords={"scene_id": ["a", "b"]})
    >>> raster = LabelRaster("l.nc", np.timedelta64(0, "s"), maps)
    >>> raster.class_map(None, "b", np.zeros((1, 2)), None)
    array([[3, 4]], dtype=int8)
    """

    kind: ClassVar[str] = "raster"
    labels: xr.DataArray

    def class_map(
        self, time: Any, scene_id: str, lon: np.ndarray | None, lat: np.ndarray | None
    ) -> SceneClasses:
        shape = self.labels.shape[-2:]
        if lon is not None and tuple(lon.shape) != tuple(shape):
            raise InputFileError(
                f"{self.path}: the label raster is {shape[0]} x {shape[1]} pixels; the "
                f"domain grid is {lon.shape[0]} x {lon.shape[1]} (resample the labels onto it)"
            )
        if self.labels.ndim == 2:
            maps = self.labels
        elif self.labels.dims[0] == "scene_id":
            hits = np.flatnonzero(self.labels["scene_id"].values.astype(str) == str(scene_id))
            if not hits.size:
                return None
            maps = self.labels[hits[0]]
        else:
            gaps = np.abs(self.labels["time"].values - np.datetime64(time, "ns"))
            best = int(np.argmin(gaps))
            if gaps[best] > self.tolerance:
                return None
            maps = self.labels[best]
        values = maps.values
        valid = np.isfinite(values) & (values >= 0) & (values <= len(CLASSES))
        return np.where(valid, values, -1).astype(np.int8)

    def _matching(self) -> str:
        if self.labels.ndim == 2:
            return "the same map for every scene"
        return "matched by scene_id" if self.labels.dims[0] == "scene_id" else super()._matching()


@dataclass(frozen=True, eq=False)
class KaggleMasks(LabelSource):
    """Kaggle run-length encoded masks of images mapped to scenes (and lon/lat extents).

    ``masks`` is :func:`~cloudorg.io.labels.read_kaggle`'s table; ``images`` has
    ``image`` and ``scene_id`` or ``time``, and optionally the extent columns.
    """

    kind: ClassVar[str] = "kaggle"
    masks: pd.DataFrame
    images: pd.DataFrame
    key: str
    shape: tuple[int, int] = IMAGE_SHAPE

    def _images_of(self, time: Any, scene_id: str) -> pd.DataFrame:
        if self.key == "scene_id":
            return self.images[self.images["scene_id"].astype(str) == str(scene_id)]
        return self.images[_within(self.images["time"].to_numpy(), time, self.tolerance)]

    def _pixels(
        self, image: pd.Series, lon: np.ndarray, lat: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Image row and column of each domain pixel, and which lie inside the image."""
        rows, cols = self.shape
        if all(c in image.index and pd.notna(image[c]) for c in _EXTENT):
            x, y = lonlat_to_pixel(lon, lat, *(image[c] for c in _EXTENT), shape=self.shape)
        else:  # the image covers the domain
            ny, nx = lon.shape
            y, x = np.meshgrid((np.arange(ny) + 0.5) * rows / ny, (np.arange(nx) + 0.5) * cols / nx,
                               indexing="ij")  # fmt: skip
        with np.errstate(invalid="ignore"):
            inside = (x >= 0) & (x < cols) & (y >= 0) & (y < rows)
        r = np.where(inside, np.floor(np.nan_to_num(y)), 0).astype(np.int64)
        c = np.where(inside, np.floor(np.nan_to_num(x)), 0).astype(np.int64)
        return r, c, inside

    def class_map(
        self, time: Any, scene_id: str, lon: np.ndarray | None, lat: np.ndarray | None
    ) -> SceneClasses:
        images = self._images_of(time, scene_id)
        if not len(images) or lon is None or lat is None:
            return None
        votes = np.zeros((len(CLASSES), *lon.shape), dtype=np.int16)
        for _, image in images.iterrows():
            r, c, inside = self._pixels(image, lon, lat)
            rows = self.masks[self.masks["image"] == image["image"]]
            for label, rle in zip(rows["label"], rows["encoded_pixels"], strict=True):
                mask = rle_decode(rle, self.shape)
                votes[CLASSES.index(str(label))] += inside & mask[r, c]
        return votes_to_class_map(votes)


def _read_raster(path: Path, tolerance: np.timedelta64) -> LabelRaster:
    try:
        if path.is_dir() or path.suffix.lower() == ".zarr":
            ds = xr.open_zarr(path)
        else:
            ds = xr.open_dataset(path)
    except (OSError, ValueError) as err:
        raise InputFileError(f"{path}: cannot open the label raster: {err}") from err
    if "label" not in ds:
        raise InputFileError(f"{path}: expected a 'label' variable, found {list(ds.data_vars)}")
    labels = ds["label"].load()
    if labels.ndim == 3 and labels.dims[0] in ("time", "scene_id"):
        if labels.dims[0] not in labels.coords:
            raise InputFileError(f"{path}: 'label' lacks the coordinate {labels.dims[0]!r}")
    elif labels.ndim != 2:
        raise InputFileError(
            f"{path}: 'label' must be (y, x), (time, y, x) or (scene_id, y, x); got {labels.dims}"
        )
    if labels.dtype.kind not in "iuf":
        raise InputFileError(f"{path}: 'label' must hold class codes 0-4, got {labels.dtype}")
    return LabelRaster(str(path), tolerance, labels)


def _read_images(images: Any, path: Path) -> tuple[pd.DataFrame, str]:
    if images is None:
        raise ConfigError(
            f"images: the Kaggle labels {path} need a table mapping each image to a "
            "scene_id or time (columns image and scene_id or time; optionally lon_min, "
            "lon_max, lat_min, lat_max)"
        )
    where = Path(images) if not isinstance(images, pd.DataFrame) else Path("images")
    table = images if isinstance(images, pd.DataFrame) else _read_table(where)
    table = table.rename(columns=lambda c: str(c).strip().lower())
    _require(table, ("image",), where, "Kaggle image table")
    key = _scene_key(table, where, "Kaggle image table")
    if key == "time":
        table = table.assign(time=_times(table["time"], where))
    return table, key


def _read_kaggle(path: Path, images: Any, tolerance: np.timedelta64) -> KaggleMasks:
    masks = read_kaggle(path)
    table, key = _read_images(images, path)
    unknown = sorted(set(table["image"].astype(str)) - set(masks["image"].astype(str)))
    if unknown:
        raise InputFileError(
            f"{path}: the image table maps images this file has no rows for: {unknown[:3]}"
        )
    return KaggleMasks(str(path), tolerance, masks, table, key)


def _read_boxes(path: Path, table: pd.DataFrame, tolerance: np.timedelta64) -> BoxTable:
    _require(table, ("time", *_EXTENT, "label"), path, "box table")
    codes = class_codes(table["label"], path)
    boxes = pd.DataFrame(
        {
            "time": _times(table["time"], path),
            **{f"box_{c}": pd.to_numeric(table[c], errors="coerce") for c in _EXTENT},
            "label": pd.Categorical.from_codes(np.maximum(codes, 1) - 1, CLASSES),
        }
    )
    bad = boxes[[f"box_{c}" for c in _EXTENT]].isna().any(axis=1).to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputFileError(f"{path}, {_line(path, k)}: a box edge is not a number")
    return BoxTable(str(path), tolerance, boxes[codes > 0].reset_index(drop=True))


def _read_zooniverse(path: Path, tolerance: np.timedelta64) -> ZooniverseBoxes:
    boxes = read_zooniverse(path)
    centre = ((boxes["box_lon_min"] + boxes["box_lon_max"]) / 2).fillna(
        (boxes["lon_min"] + boxes["lon_max"]) / 2
    )
    boxes["time"] = overpass_time(boxes["satellite"].astype(str), boxes["date"], centre)
    return ZooniverseBoxes(str(path), tolerance, boxes)


def _read_scene_table(path: Path, table: pd.DataFrame, tolerance: np.timedelta64) -> SceneTable:
    key = _scene_key(table, path, "scene label table")
    _require(table, (key, "label"), path, "scene label table")
    keys = table[key].astype(str).to_numpy() if key == "scene_id" else _times(table[key], path)
    return SceneTable(str(path), tolerance, key, keys, class_codes(table["label"], path))


def detect_kind(path: str | os.PathLike[str]) -> str:
    """The kind of a label file, from its name and first line or columns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train.csv"
    >>> _ = path.write_text("Image_Label,EncodedPixels\\n")
    >>> detect_kind(path), detect_kind("labels.nc")
    ('kaggle', 'raster')
    """
    path = Path(path)
    if path.suffix.lower() in _RASTER_SUFFIXES or path.is_dir():
        return "raster"
    if path.suffix.lower() == ".parquet":
        columns = set(_read_table(path).columns)
    else:
        try:
            with path.open(encoding="utf-8") as f:
                first = f.readline().strip()
        except (OSError, UnicodeDecodeError) as err:
            raise InputFileError(f"{path}: cannot read the label file: {err}") from err
        if first.replace('"', "") == "Image_Label,EncodedPixels":
            return "kaggle"
        fields = first.split(",")
        if len(fields) == 7 and "_CorrectedReflectance" in fields[1]:
            return "zooniverse"
        columns = {c.strip().lower() for c in fields}
    return "boxes" if set(_EXTENT) <= columns else "scenes"


def read_labels(
    path: str | os.PathLike[str],
    *,
    kind: str = "auto",
    images: str | os.PathLike[str] | pd.DataFrame | None = None,
    tolerance: Any = "1h",
) -> LabelSource:
    """Read a label file of any kind as a :class:`LabelSource`.

    Parameters
    ----------
    path : path
        The label file (see the module docstring for the kinds and their columns).
    kind : {"auto", "scenes", "boxes", "zooniverse", "raster", "kaggle"}, default "auto"
        The kind; ``auto`` tells it from the file (:func:`detect_kind`).
    images : path or pandas.DataFrame, optional
        Kaggle labels only: the table mapping each image to a scene.
    tolerance : duration, default "1h"
        Largest difference between a scene's time and a label's time that still matches
        (anything :class:`pandas.Timedelta` reads: ``"30min"``, ``"3h"``).

    Returns
    -------
    LabelSource
        With :meth:`LabelSource.class_map` for each scene.

    Raises
    ------
    cloudorg.errors.InputFileError
        When the file cannot be read or lacks what its kind needs (the message names the
        file, the line and what is expected).
    cloudorg.errors.ConfigError
        For an unknown kind, a bad tolerance, or Kaggle labels without ``images``.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "boxes.csv"
    >>> _ = path.write_text("time,lon_min,lon_max,lat_min,lat_max,label\\n"
    ...                     "2020-02-01T14:00Z,-60,-58,12,14,Flower\\n")
    >>> source = read_labels(path, tolerance="30min")
    >>> source.description
    'boxes.csv (lon/lat boxes, matched by time within 30 min)'
    >>> read_labels(path, kind="pixels")
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: kind: expected 'auto' or one of ('scenes', ...), got 'pixels'
    """
    if kind != "auto" and kind not in LABEL_KINDS:
        raise ConfigError(f"kind: expected 'auto' or one of {LABEL_KINDS}, got {kind!r}")
    delta = _tolerance(tolerance)
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such label file")
    kind = detect_kind(path) if kind == "auto" else kind
    if kind == "raster":
        return _read_raster(path, delta)
    if kind == "kaggle":
        return _read_kaggle(path, images, delta)
    if kind == "zooniverse":
        return _read_zooniverse(path, delta)
    table = _read_table(path)
    if kind == "boxes":
        return _read_boxes(path, table, delta)
    return _read_scene_table(path, table, delta)
