"""The ``scenes`` group: its schema, pixels written by workers into reserved slots, and the
per-scene coordinates written by the committing process.

A scene dataset (what ingest makes of one scan, on the domain grid) has dims ``(y, x)``
(``band`` for the RGB), scalar coordinates (``scene`` start time, ``scene_id``,
``platform``, ...) and scalar constants (the ``crs`` grid mapping). In the store each
pixel variable gets a leading ``scene`` dim, chunked one scene at a time, and each scalar
coordinate becomes a ``scene`` coordinate.

- :func:`create_scenes_group` makes the group from the first scene's template: every
  array with its dims, dtype, attributes, chunks and codecs, and zero scenes.
- :func:`write_pixels` (on a worker) writes one scene's pixels into slot ``i`` past the
  committed end of every pixel array (:func:`~cloudorg.store.arrays.extended`).
- :func:`write_coordinates` (the committing process) writes the coordinates of slots, and
  :func:`resize` makes the slots part of the arrays' shapes.

Examples
--------
>>> import numpy as np, xarray as xr
>>> scene = xr.Dataset({"t": (("y", "x"), np.zeros((2, 3), np.float32))},
...                    coords={"scene": np.datetime64("2020-01-20T12:00", "ms"),
...                            "scene_id": "s0"})
>>> SceneEntry.of(scene).signature
(('t', ('y', 'x'), 'float32', (2, 3)),)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr
import zarr

from ..domains import Domain
from ..errors import StoreError
from .arrays import (
    codecs,
    concurrently,
    dims_of,
    encoded,
    extended,
    leading_arrays,
    quiet_zarr,
)
from .layout import SCENES
from .location import StoreLocation

__all__ = [
    "SCENE",
    "TIME_ENCODING",
    "SceneArrays",
    "SceneEntry",
    "create_empty_scenes_group",
    "create_scenes_group",
    "holds_scene_arrays",
    "scene_template",
    "write_pixels",
]

SCENE = "scene"
TIME_ENCODING = {"units": "milliseconds since 1970-01-01 00:00:00", "dtype": "int64"}
COORDINATE_CHUNK = 4096
"""Scenes per chunk of the per-scene coordinates."""

Signature = tuple[tuple[str, tuple[str, ...], str, tuple[int, ...]], ...]


def _pixel_variables(scene: xr.Dataset) -> list[str]:
    return [v for v in scene.data_vars if scene[v].ndim > 0]


def _scene_coordinates(scene: xr.Dataset) -> list[str]:
    return [c for c in scene.coords if scene[c].ndim == 0]


@dataclass(frozen=True)
class SceneEntry:
    """What the committing process needs of a scene: its id, its per-scene coordinates
    and the signature of its pixel variables (never the pixels).

    Attributes
    ----------
    scene_id : str
        The scene's id.
    coords : dict
        Scalar coordinates by name (numpy scalars).
    signature : tuple
        ``(name, dims, dtype, shape)`` of each pixel variable, sorted by name.
    """

    scene_id: str
    coords: dict[str, Any]
    signature: Signature

    @classmethod
    def of(cls, scene: xr.Dataset) -> SceneEntry:
        """The entry of a scene dataset."""
        coords = {c: scene[c].values[()] for c in _scene_coordinates(scene)}
        sig = tuple(sorted((v, tuple(map(str, scene[v].dims)), str(scene[v].dtype),
                            tuple(scene[v].shape)) for v in _pixel_variables(scene)))  # fmt: skip
        return cls(str(coords["scene_id"]), coords, sig)

    @property
    def variables(self) -> list[str]:
        """Names of the pixel variables."""
        return [s[0] for s in self.signature]


def scene_template(scene: xr.Dataset) -> xr.Dataset:
    """A scene without its pixels: pixel variables as lazy zeros (dims, dtype, attributes
    and encoding kept), coordinates and constants as they are, but without the domain's
    ``x``/``y`` (the store has them). What a worker sends the committing process.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> scene = xr.Dataset({"t": (("y", "x"), np.ones((2, 3), np.float32))},
    ...                    coords={"y": [0.0, 1.0], "x": [0.0, 1.0, 2.0], "scene_id": "s0"})
    >>> t = scene_template(scene)
    >>> type(t["t"].data).__name__, "x" in t.coords, SceneEntry.of(t) == SceneEntry.of(scene)
    ('Array', False, True)
    """
    lazy = {}
    for name in _pixel_variables(scene):
        var = scene[name].variable
        data = da.zeros(var.shape, dtype=var.dtype, chunks=var.shape)
        lazy[name] = xr.Variable(var.dims, data, var.attrs, var.encoding)
    return scene.assign(lazy).drop_vars([c for c in ("x", "y") if c in scene.coords])


def _template(scene: xr.Dataset, chunk: int) -> tuple[xr.Dataset, dict[str, dict[str, Any]]]:
    """The scene stacked along ``scene`` (length 1) with lazy pixels, and its encoding."""
    coords = _scene_coordinates(scene)
    constants = [v for v in scene.data_vars if scene[v].ndim == 0]
    stacked = scene.drop_vars(constants + coords)
    pixels = {}
    for name in _pixel_variables(scene):
        var = scene[name]
        chunks = tuple(min(chunk, n) if d in ("y", "x") else n for d, n in var.sizes.items())
        lazy = da.zeros((1, *var.shape), dtype=var.dtype, chunks=(1, *chunks))
        pixels[name] = xr.Variable((SCENE, *var.dims), lazy, var.attrs, var.encoding)
    stacked = stacked.assign(pixels)
    for name in coords:
        value = np.asarray([scene[name].values])
        stacked = stacked.assign_coords({name: (SCENE, value, scene[name].attrs)})
    stacked = stacked.assign({v: scene[v] for v in constants})
    for name in stacked.variables:  # fixed-width strings have no zarr v3 specification
        if stacked[name].dtype.kind == "U":
            stacked[name] = stacked[name].astype(object)
    encoding: dict[str, dict[str, Any]] = {SCENE: dict(TIME_ENCODING, chunks=(COORDINATE_CHUNK,))}
    for name in coords:
        if name != SCENE:
            encoding[name] = {"chunks": (COORDINATE_CHUNK,)}
    return stacked, encoding


def create_empty_scenes_group(location: StoreLocation, domain: Domain, *, zarr_format: int) -> None:
    """Make the ``scenes`` group of a store without scenes: the domain's ``x``/``y`` and
    its ``crs``, so that ``xr.open_zarr(store, group="scenes")`` opens before the first
    scene (and when an ingest stored none).

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.domains import Domain
    >>> loc = StoreLocation(tempfile.mkdtemp())
    >>> create_empty_scenes_group(loc, Domain("box", -55, -54, 14, 15, 2.0), zarr_format=3)
    >>> sorted(xr.open_zarr(loc.path, group="scenes", consolidated=False).variables)
    ['crs', 'x', 'y']
    >>> holds_scene_arrays(loc)
    False
    """
    empty = xr.Dataset({"crs": domain.grid_mapping()}, coords=domain.coords())
    with quiet_zarr():
        empty.to_zarr(location.zarr_store(), group=SCENES, mode="w", consolidated=False,
                      zarr_format=zarr_format)  # fmt: skip


def holds_scene_arrays(location: StoreLocation) -> bool:
    """Whether the ``scenes`` group has its arrays along ``scene`` (made from the first
    scene by :func:`create_scenes_group`), committed scenes or not."""
    try:
        with quiet_zarr():
            group = zarr.open_group(location.zarr_store(read_only=True), path=SCENES, mode="r",
                                    use_consolidated=False)  # fmt: skip
    except (FileNotFoundError, KeyError, zarr.errors.GroupNotFoundError):
        return False
    return "scene_id" in group


def create_scenes_group(
    location: StoreLocation, scene: xr.Dataset, *, chunk: int, zarr_format: int
) -> None:
    """Create the ``scenes`` group for scenes like ``scene``, holding no scene yet.

    Pixel arrays are chunked ``(1, [band,] chunk, chunk)`` and Blosc-lz4 compressed;
    per-scene coordinates keep their attributes.
    """
    template, encoding = _template(scene, chunk)
    for name in _pixel_variables(scene):
        var = template[name]
        fill = {k: v for k, v in scene[name].encoding.items() if k == "_FillValue"}
        encoding[name] = {"chunks": var.data.chunksize, **codecs(zarr_format), **fill}
    with quiet_zarr():
        template.to_zarr(
            location.zarr_store(), group=SCENES, mode="w", compute=False, consolidated=False,
            encoding=encoding, zarr_format=zarr_format, write_empty_chunks=True,
        )  # fmt: skip
    SceneArrays(location).resize(0)


def write_pixels(location: StoreLocation, slot: int, scene: xr.Dataset) -> int:
    """Write one scene's pixels into slot ``slot`` of every pixel array (past the committed
    end: invisible until the slot is committed). Runs on the worker that made the scene.

    Returns
    -------
    int
        Bytes of pixels written (uncompressed).
    """
    with quiet_zarr():  # the arrays' metadata from the consolidated copy: one read
        root = zarr.open_group(location.zarr_store(), mode="r+", use_consolidated=True)
        written = 0
        for name in _pixel_variables(scene):
            array = root[f"{SCENES}/{name}"]
            values = np.asarray(scene[name].values)
            if values.shape != array.shape[1:]:
                raise StoreError(f"{location}: scene variable {name} has shape {values.shape}; "
                                 f"the store's is {array.shape[1:]}")  # fmt: skip
            extended(array, max(slot + 1, array.shape[0]))[slot] = values.astype(
                array.dtype, copy=False
            )
            written += values.nbytes
    return written


class SceneArrays:
    """The arrays along ``scene`` of a ``scenes`` group, opened once by the committing
    process, written concurrently (one round trip of latency per step, not per array).

    Parameters
    ----------
    location : StoreLocation
        The store.
    mode : {"r+", "r"}
        For writing, or for reading the signature only.
    """

    def __init__(self, location: StoreLocation, mode: str = "r+") -> None:
        with quiet_zarr():
            group = zarr.open_group(location.zarr_store(read_only=mode == "r"), path=SCENES,
                                    mode=mode, use_consolidated=False)  # fmt: skip
            self.arrays = {a.basename: a for a in leading_arrays(group, SCENE)}

    @property
    def signature(self) -> Signature:
        """``(name, dims, dtype, shape)`` of each pixel variable (see :class:`SceneEntry`)."""
        return tuple(sorted(
            (name, dims_of(a)[1:], str(a.dtype), tuple(a.shape[1:]))
            for name, a in self.arrays.items() if len(dims_of(a)) > 1
        ))  # fmt: skip

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every array, by its path in the store."""
        return {f"{SCENES}/{name}": tuple(a.shape) for name, a in self.arrays.items()}

    def write_coordinates(self, start: int, entries: list[SceneEntry]) -> None:
        """Write the per-scene coordinates of slots ``start, start + 1, ...`` (past the
        committed end).

        Raises
        ------
        StoreError
            When a scene lacks a coordinate of the store.
        """
        stop = start + len(entries)
        writes = []
        for name, array in self.arrays.items():
            if len(dims_of(array)) != 1:
                continue
            missing = [e.scene_id for e in entries if name not in e.coords]
            if missing:
                raise StoreError(f"scenes {missing} lack the coordinate {name!r} of the store")
            values = encoded(array, [e.coords[name] for e in entries])
            view = extended(array, max(stop, array.shape[0]))._async_array
            writes.append(view.setitem(slice(start, stop), values))
        with quiet_zarr():
            concurrently(writes)

    def resize(self, n: int) -> int:
        """Give every array the length ``n`` along ``scene``; the most slots removed."""
        changed = [a for a in self.arrays.values() if a.shape[0] != n]
        removed = max((a.shape[0] - n for a in changed), default=0)
        with quiet_zarr():
            concurrently([a._async_array.resize((n, *a.shape[1:])) for a in changed])
        return removed
