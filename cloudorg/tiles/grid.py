"""Tile grids: where the tiles of a campaign store lie, computed arithmetically.

A tiling is a :class:`TileSpec` (tile edge, stride, edge policy). Every scene of a store
shares the domain grid, so the tile offsets along rows and columns are computed once and
repeated for every scene with ``numpy``; no per-tile Python object is made.

Edge policies (what happens where the tiles do not fill the domain):

``drop``
    Only tiles entirely inside the domain; the trailing rows/columns no tile reaches are
    reported in the table's attributes ``dropped_rows`` and ``dropped_cols`` (pixels).
``pad``
    Tiles continue until every pixel is covered; pixels beyond the domain are missing
    (black RGB, NaN) and count against the tile's valid fraction.
``shift``
    A last tile is moved back to end exactly at the domain edge (it overlaps its
    neighbour more than the stride says); nothing is dropped.

Examples
--------
>>> spec = TileSpec(64, stride=32, edge="shift")
>>> spec.offsets(150)
(array([ 0, 32, 64, 86]), 0)
>>> TileSpec(64).offsets(150)
(array([ 0, 64]), 22)
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyproj
import xarray as xr
from pyorbital.astronomy import sun_zenith_angle

from ..domains import Domain
from ..errors import ConfigError, StoreError
from ..store import CampaignStore

__all__ = [
    "EDGE_POLICIES",
    "MAX_TILE_SIZE",
    "MIN_TILE_SIZE",
    "TileSpec",
    "Tiling",
    "grid_of",
    "resolve_tiling",
    "tile_centres",
    "tile_grid",
]

EDGE_POLICIES = ("drop", "pad", "shift")
MIN_TILE_SIZE = 64
"""Smallest tile edge in pixels (the report's smallest scale)."""
MAX_TILE_SIZE = 1024
"""Largest tile edge in pixels (the report's scales reach 850 px)."""


def _int_arg(value: Any, name: str, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float):
        raise ConfigError(f"{name} must be an integer number of pixels, got {value!r}")
    if int(value) != value or value < lo or (hi is not None and value > hi):
        upper = f" and <= {hi}" if hi is not None else ""
        raise ConfigError(f"{name} must be an integer >= {lo}{upper} (pixels), got {value!r}")
    return int(value)


@dataclass(frozen=True)
class TileSpec:
    """How a domain is cut into square tiles.

    Parameters
    ----------
    size : int
        Tile edge in pixels, :data:`MIN_TILE_SIZE` to :data:`MAX_TILE_SIZE`.
    stride : int, optional
        Distance between the starts of neighbouring tiles in pixels (default ``size``: no
        overlap; ``size // 2``: 50 % overlap; larger than ``size``: gaps).
    edge : {"drop", "pad", "shift"}
        Edge policy (see the module docstring).

    Examples
    --------
    >>> TileSpec(256).name, TileSpec(256, stride=128, edge="pad").name
    ('256px', '256px_stride128_pad')
    >>> TileSpec(32)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: size must be an integer >= 64 and <= 1024 (pixels), got 32
    """

    size: int = 256
    stride: int | None = None
    edge: str = "drop"

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", _int_arg(self.size, "size", MIN_TILE_SIZE, MAX_TILE_SIZE))
        stride = self.size if self.stride is None else _int_arg(self.stride, "stride", 1)
        object.__setattr__(self, "stride", stride)
        if self.edge not in EDGE_POLICIES:
            raise ConfigError(f"edge must be one of {EDGE_POLICIES}, got {self.edge!r}")

    @classmethod
    def from_args(
        cls,
        size: int | None = 256,
        *,
        size_km: float | None = None,
        resolution_km: float | None = None,
        stride: int | None = None,
        overlap: float | None = None,
        edge: str = "drop",
    ) -> TileSpec:
        """Build a spec from a size in pixels or km and a stride or an overlap fraction.

        Parameters
        ----------
        size : int, optional
            Tile edge in pixels (ignored when ``size_km`` is given).
        size_km : float, optional
            Tile edge in km, rounded to whole pixels of ``resolution_km``.
        resolution_km : float, optional
            Pixel size of the domain; needed with ``size_km``.
        stride : int, optional
            Stride in pixels.
        overlap : float, optional
            Overlap fraction of neighbouring tiles in ``[0, 1)`` instead of a stride
            (``0.5`` gives ``stride = size // 2``).
        edge : {"drop", "pad", "shift"}
            Edge policy.

        Examples
        --------
        >>> TileSpec.from_args(size_km=128, resolution_km=2.0, overlap=0.5)
        TileSpec(size=64, stride=32, edge='drop')
        """
        if size_km is not None:
            if resolution_km is None or not resolution_km > 0:
                raise ConfigError("size_km needs the domain's resolution_km (> 0)")
            if not size_km > 0:
                raise ConfigError(f"size_km must be > 0, got {size_km!r}")
            size = round(size_km / resolution_km)
        if size is None:
            raise ConfigError("give a tile size: size (pixels) or size_km")
        if stride is not None and overlap is not None:
            raise ConfigError("give stride or overlap, not both")
        if overlap is not None:
            if not 0.0 <= overlap < 1.0:
                raise ConfigError(f"overlap must be in [0, 1), got {overlap!r}")
            stride = max(1, round(int(size) * (1.0 - overlap)))
        return cls(size, stride, edge)

    @property
    def name(self) -> str:
        """Short name: ``{size}px``, ``_stride{stride}`` unless equal to the size, and
        ``_{edge}`` unless ``drop``."""
        stride = "" if self.stride == self.size else f"_stride{self.stride}"
        edge = "" if self.edge == "drop" else f"_{self.edge}"
        return f"{self.size}px{stride}{edge}"

    def offsets(self, n: int) -> tuple[np.ndarray, int]:
        """Tile starts along an axis of ``n`` pixels and the trailing pixels left uncovered.

        Examples
        --------
        >>> TileSpec(64, edge="pad").offsets(150)
        (array([  0,  64, 128]), 0)
        >>> TileSpec(256).offsets(100), TileSpec(256, edge="pad").offsets(100)
        ((array([], dtype=int64), 100), (array([0]), 0))
        """
        t, s = self.size, self.stride
        if self.edge == "pad":
            starts = np.arange(0, max(n, 1), s, dtype=np.int64)
            return starts[(starts == 0) | (starts < n - t + s)], 0
        starts = np.arange(0, max(n - t + 1, 0), s, dtype=np.int64)
        covered = int(starts[-1]) + t if starts.size else 0
        if self.edge == "shift" and starts.size and covered < n:
            return np.append(starts, n - t), 0
        return starts, n - covered

    def to_attrs(self) -> dict[str, Any]:
        """JSON-able attributes of the spec.

        Examples
        --------
        >>> TileSpec(128).to_attrs()
        {'tile_size': 128, 'stride': 128, 'edge': 'drop'}
        """
        d = asdict(self)
        return {"tile_size": d["size"], "stride": d["stride"], "edge": d["edge"]}

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any]) -> TileSpec:
        """Rebuild a spec from :meth:`to_attrs` (or a tile table's attributes).

        Examples
        --------
        >>> TileSpec.from_attrs(TileSpec(128, 64).to_attrs())
        TileSpec(size=128, stride=64, edge='drop')
        """
        return cls(int(attrs["tile_size"]), int(attrs["stride"]), str(attrs["edge"]))

    @classmethod
    def parse(cls, text: str) -> TileSpec:
        """The spec of a string form: its :attr:`name` (``256px``, ``256px_stride128_pad``,
        the key of every tiling-dependent group of a store) or a bare size (``"256"``).

        Raises
        ------
        ConfigError
            For a string that is neither.

        Examples
        --------
        >>> TileSpec.parse("256px_stride128_pad")
        TileSpec(size=256, stride=128, edge='pad')
        >>> TileSpec.parse("128"), TileSpec.parse(TileSpec(64, 32).name)
        (TileSpec(size=128, stride=128, edge='drop'), TileSpec(size=64, stride=32, edge='drop'))
        >>> TileSpec.parse("256 px")
        Traceback (most recent call last):
        ...
        cloudorg.errors.ConfigError: tiling '256 px': expected SIZEpx[_strideSTRIDE]...
        """
        match = _TILING.fullmatch(str(text).strip())
        if match is None:
            raise ConfigError(
                f"tiling {text!r}: expected SIZEpx[_strideSTRIDE][_pad|_shift] (e.g. "
                "'256px', '128px_stride64') or a size in pixels"
            )
        size, stride, edge = match.group("size", "stride", "edge")
        return cls(int(size), int(stride) if stride else None, edge or "drop")

    @classmethod
    def of(cls, tiling: TileSpec | str | int) -> TileSpec:
        """A spec from any form of a tiling: a spec, its string form (:meth:`parse`) or a
        tile size in pixels.

        Examples
        --------
        >>> TileSpec.of(128) == TileSpec.of("128px") == TileSpec.of(TileSpec(128))
        True
        """
        if isinstance(tiling, TileSpec):
            return tiling
        if isinstance(tiling, str):
            return cls.parse(tiling)
        return cls(tiling)

    def __str__(self) -> str:
        return self.name


_TILING = re.compile(r"(?P<size>\d+)(?:px(?:_stride(?P<stride>\d+))?(?:_(?P<edge>pad|shift))?)?")

Tiling = TileSpec | str | int
"""Any form of a tiling that functions accept: a :class:`TileSpec`, its string form
(``"256px_stride128"``) or a tile size in pixels."""


def resolve_tiling(
    tiling: Tiling | None,
    *,
    tile_size: int | None = None,
    stride: int | None = None,
    edge: str | None = None,
    default: Tiling | None = 256,
) -> TileSpec:
    """The tiling of a call that takes either ``tiling`` or the separate ``tile_size``,
    ``stride`` and ``edge`` (``default`` when neither is given). A ``tiling`` that is a
    bare size in pixels combines with ``stride`` and ``edge``.

    Raises
    ------
    ConfigError
        When both forms are given, or neither and no default.

    Examples
    --------
    >>> resolve_tiling("128px_stride64"), resolve_tiling(None, tile_size=128, stride=64)
    (TileSpec(size=128, stride=64, edge='drop'), TileSpec(size=128, stride=64, edge='drop'))
    >>> resolve_tiling(128, stride=64) == resolve_tiling(None, tile_size=128, stride=64)
    True
    >>> resolve_tiling(TileSpec(128), stride=64)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: give the tiling (...) or tile_size/stride/edge, not both
    """
    parts = {"tile_size": tile_size, "stride": stride, "edge": edge}
    if tiling is not None and not isinstance(tiling, TileSpec | str) and tile_size is None:
        tiling, tile_size = None, tiling
    if tiling is not None:
        if any(v is not None for v in parts.values()):
            raise ConfigError(f"give the tiling ({tiling!r}) or tile_size/stride/edge, not both")
        return TileSpec.of(tiling)
    if tile_size is None:
        if default is None:
            raise ConfigError("give a tiling (e.g. '256px' or TileSpec(256)) or a tile_size")
        base = TileSpec.of(default)
        tile_size = base.size
        if stride is None and edge is None:
            return base
    return TileSpec(tile_size, stride, edge or "drop")


def tile_centres(domain: Domain, row0: np.ndarray, col0: np.ndarray, size: int) -> tuple:
    """Longitude and latitude (degrees) of the centres of tiles on a domain grid.

    Examples
    --------
    >>> from cloudorg.domains import get_domain
    >>> lon, lat = tile_centres(get_domain("eurec4a"), np.array([0]), np.array([0]), 1024)
    >>> bool(-60 < lon[0] < -50 and 12 < lat[0] < 20)
    True
    """
    x0, _, _, y1 = domain.area.area_extent
    x = x0 + (np.asarray(col0) + size / 2.0) * domain.area.pixel_size_x
    y = y1 - (np.asarray(row0) + size / 2.0) * domain.area.pixel_size_y
    to_lonlat = pyproj.Transformer.from_crs(domain.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _scene_coords(scenes: xr.Dataset | None) -> tuple[np.ndarray, np.ndarray]:
    """Start times and ids of a snapshot of the store's scenes, in store order."""
    if scenes is None:
        return np.array([], dtype="datetime64[ms]"), np.array([], dtype=object)
    times = scenes["scene"].values.astype("datetime64[ms]")
    return times, scenes["scene_id"].values.astype(object)


def _snapshot(store: CampaignStore) -> xr.Dataset | None:
    try:
        return store.open_scenes()
    except StoreError:
        return None


def tile_grid(
    store: str | os.PathLike[str] | CampaignStore,
    size: int | None = 256,
    *,
    size_km: float | None = None,
    stride: int | None = None,
    overlap: float | None = None,
    edge: str = "drop",
) -> xr.Dataset:
    """The tiles of every scene of a store: offsets, centres and solar zenith angles.

    Nothing is read but the scenes' coordinates: offsets are arithmetic, centres come from
    the domain projection and solar zenith angles from the scenes' start times.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    size, size_km, stride, overlap, edge
        The tiling; see :meth:`TileSpec.from_args`.

    Returns
    -------
    xarray.Dataset
        Dim ``tile`` (scene-major, then row, then column): ``scene_index`` (position along
        the store's ``scene``), ``scene_id``, ``time`` (scene start), ``row0`` and ``col0``
        (first pixel row/column of the tile; ``pad`` tiles may reach beyond the domain),
        ``lon``/``lat`` (tile centre, degrees) and ``solar_zenith_angle`` (at the tile
        centre at scene start, degrees). Attributes: the spec (``tile_size``, ``stride``,
        ``edge``), ``tile_size_km``, ``dropped_rows``/``dropped_cols`` (pixels of the domain
        no tile reaches), ``tiles_per_scene``.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=1)
    >>> store = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", dom, quantities=["rgb"])
    >>> grid = tile_grid(store, size=64)
    >>> grid.sizes["tile"], grid.attrs["dropped_rows"], grid.attrs["dropped_cols"], dom.shape
    (0, 48, 46, (112, 110))
    """
    store = CampaignStore.open(store)
    domain = store.domain
    spec = TileSpec.from_args(
        size,
        size_km=size_km,
        resolution_km=domain.resolution_km,
        stride=stride,
        overlap=overlap,
        edge=edge,
    )
    return grid_of(store, spec, _snapshot(store))


def grid_of(store: CampaignStore, spec: TileSpec, scenes: xr.Dataset | None) -> xr.Dataset:
    """:func:`tile_grid` of a :class:`TileSpec` and a snapshot of the store's scenes
    (``None``: no scene yet).

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1)
    >>> grid_of(store, TileSpec(64), store.open_scenes()).sizes["tile"]
    1
    """
    domain = store.domain
    ny, nx = domain.shape
    rows, dropped_rows = spec.offsets(ny)
    cols, dropped_cols = spec.offsets(nx)
    r_sp = np.repeat(rows, cols.size)
    c_sp = np.tile(cols, rows.size)
    lon_sp, lat_sp = tile_centres(domain, r_sp, c_sp, spec.size)
    scene_times, scene_ids = _scene_coords(scenes)
    n_scenes, per_scene = scene_times.size, r_sp.size
    scene_index = np.repeat(np.arange(n_scenes, dtype=np.int32), per_scene)
    times = scene_times[scene_index]
    lon, lat = np.tile(lon_sp, n_scenes), np.tile(lat_sp, n_scenes)
    sza = sun_zenith_angle(times, lon, lat) if lon.size else np.array([], dtype=np.float64)
    deg = {"units": "degree"}
    px = {"units": "pixel"}
    return xr.Dataset(
        {
            "scene_index": ("tile", scene_index, {"long_name": "index along the store's scene"}),
            "scene_id": ("tile", scene_ids[scene_index]),
            "time": ("tile", times, {"long_name": "scene start time", "standard_name": "time"}),
            "row0": (
                "tile",
                np.tile(r_sp, n_scenes).astype(np.int32),
                {**px, "long_name": "first pixel row of the tile"},
            ),
            "col0": (
                "tile",
                np.tile(c_sp, n_scenes).astype(np.int32),
                {**px, "long_name": "first pixel column of the tile"},
            ),
            "lon": (
                "tile",
                lon,
                {
                    "units": "degrees_east",
                    "standard_name": "longitude",
                    "long_name": "longitude of the tile centre",
                },
            ),
            "lat": (
                "tile",
                lat,
                {
                    "units": "degrees_north",
                    "standard_name": "latitude",
                    "long_name": "latitude of the tile centre",
                },
            ),
            "solar_zenith_angle": (
                "tile",
                np.asarray(sza, dtype=np.float32),
                {**deg, "long_name": "solar zenith angle at the tile centre at scene start"},
            ),
        },
        coords={"tile": ("tile", np.arange(scene_index.size, dtype=np.int64))},
        attrs={
            **spec.to_attrs(),
            "tile_size_km": spec.size * domain.resolution_km,
            "resolution_km": domain.resolution_km,
            "domain_shape": list(domain.shape),
            "dropped_rows": int(dropped_rows),
            "dropped_cols": int(dropped_cols),
            "tiles_per_scene": int(per_scene),
        },
    )
