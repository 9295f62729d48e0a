"""zarr arrays of a campaign store: opening groups, codecs, and writes beyond an array's
committed shape.

Workers write data into slots the committing process reserved for them *past the end* of
an array: zarr stores chunks by key, so chunks of rows beyond the array's recorded shape
can be written without changing the shape. No reader sees them (readers only index inside
the shape) until the commit grows the shape over them; a writer that dies first leaves
invisible chunks that the next write of the slot replaces.

Examples
--------
>>> import tempfile, zarr
>>> a = zarr.create_array(tempfile.mkdtemp(), shape=(1, 2), chunks=(1, 2), dtype="f4")
>>> extended(a, 3)[2] = [7, 8]
>>> a.shape
(1, 2)
>>> a.resize((3, 2))
>>> a[2].tolist()
[7.0, 8.0]
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import warnings
from collections.abc import Coroutine, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import xarray as xr
import zarr
from zarr.core.array import Array, AsyncArray
from zarr.core.sync import sync

from .location import StoreLocation

__all__ = [
    "codecs",
    "concurrently",
    "dims_of",
    "encoded",
    "extended",
    "leading_arrays",
    "open_root",
    "quiet_zarr",
    "update_consolidated_group",
    "update_consolidated_shapes",
]


@contextmanager
def quiet_zarr() -> Iterator[None]:
    """Silence zarr's warnings about consolidated metadata in format 3 and about the
    store's own non-zarr objects (manifest, lock, lease).

    Examples
    --------
    >>> with quiet_zarr():
    ...     pass
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part")
        warnings.filterwarnings("ignore", message=".*not recognized as a component of a Zarr")
        warnings.filterwarnings("ignore", message="Object at .* is not recognized")
        yield


def open_root(location: StoreLocation, mode: str = "r", *, consolidated: bool = False) -> Any:
    """The store's root group (its own metadata, or the consolidated copy).

    Examples
    --------
    >>> import tempfile
    >>> loc = StoreLocation(tempfile.mkdtemp())
    >>> _ = zarr.open_group(loc.zarr_store(), mode="w")
    >>> dict(open_root(loc).attrs)
    {}
    """
    with quiet_zarr():
        return zarr.open_group(
            location.zarr_store(read_only=mode == "r"), mode=mode, use_consolidated=consolidated
        )


def dims_of(array: Any) -> tuple[str, ...]:
    """Dimension names of a zarr array of format 3 or 2 (xarray's ``_ARRAY_DIMENSIONS``)."""
    if array.metadata.zarr_format == 3:
        return tuple(array.metadata.dimension_names or ())
    return tuple(array.attrs.get("_ARRAY_DIMENSIONS", ()))


def leading_arrays(group: Any, dim: str) -> Iterator[Any]:
    """The arrays of a group whose first dimension is ``dim``."""
    for _, array in group.arrays():
        dims = dims_of(array)
        if dims and dims[0] == dim:
            yield array


def codecs(zarr_format: int) -> dict[str, Any]:
    """Blosc-lz4 with byte shuffle (faster to write and read than zstd at a similar size on
    cloud fields), in the spelling of the zarr format."""
    if zarr_format == 3:
        return {"compressors": zarr.codecs.BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")}
    import numcodecs

    return {"compressors": numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)}


def extended(array: Any, length: int) -> Any:
    """A view of ``array`` whose first dimension is ``length`` long, for writing rows past
    the recorded shape; nothing about the array's metadata is written.

    Every chunk a write touches is stored, even when it holds only fill values, so that a
    slot written again replaces whatever an interrupted writer left there.
    """
    async_array = array._async_array
    shape = (int(length), *array.shape[1:])
    config = dataclasses.replace(async_array.config, write_empty_chunks=True)
    view = AsyncArray(
        metadata=async_array.metadata.update_shape(shape),
        store_path=async_array.store_path,
        config=config,
    )
    return Array(view)


def encoded(array: Any, values: Any) -> np.ndarray:
    """Values as stored in a zarr array written by xarray: CF-encoded times (the array's
    ``units`` and ``calendar``), everything else in the array's dtype.

    Examples
    --------
    >>> import tempfile
    >>> a = zarr.create_array(tempfile.mkdtemp(), shape=(1,), dtype="i8",
    ...                       attributes={"units": "milliseconds since 1970-01-01"})
    >>> encoded(a, [np.datetime64("1970-01-01T00:00:01", "ms")]).tolist()
    [1000]
    """
    units = str(array.attrs.get("units", ""))
    if " since " in units:
        stamps = np.asarray(values, dtype="datetime64[ns]")
        out, _, _ = xr.coding.times.encode_cf_datetime(
            stamps, units, array.attrs.get("calendar", "proleptic_gregorian"), np.int64
        )
        return np.asarray(out, dtype=np.int64)
    return np.asarray(values, dtype=array.dtype)


def concurrently(coroutines: list[Coroutine[Any, Any, Any]]) -> list[Any]:
    """Run zarr coroutines (writes of several arrays) at once on zarr's event loop: one
    round trip of latency to object storage instead of one per array."""

    async def gather() -> list[Any]:
        return list(await asyncio.gather(*coroutines))

    return sync(gather())


def update_consolidated_shapes(
    location: StoreLocation, zarr_format: int, shapes: Mapping[str, tuple[int, ...]]
) -> bool:
    """Set the shapes of arrays (by path) in the store's consolidated metadata: one read
    and one atomic write, instead of reading the metadata of every member again.

    Returns
    -------
    bool
        False (nothing written) when the consolidated metadata lacks one of the arrays:
        consolidate in full instead.
    """
    name = "zarr.json" if zarr_format == 3 else ".zmetadata"
    raw = location.read_bytes(name)
    if raw is None:
        return False
    root = json.loads(raw)
    if zarr_format == 3:
        members = (root.get("consolidated_metadata") or {}).get("metadata") or {}
        keys = {path: path for path in shapes}
    else:
        members = root.get("metadata") or {}
        keys = {path: f"{path}/.zarray" for path in shapes}
    if not all(key in members for key in keys.values()):
        return False
    for path, key in keys.items():
        members[key]["shape"] = [int(n) for n in shapes[path]]
    location.write_bytes(name, json.dumps(root, indent=2).encode())
    return True


_EMPTY_CONSOLIDATED = {"kind": "inline", "must_understand": False, "metadata": {}}


def update_consolidated_group(location: StoreLocation, path: str) -> bool:
    """Replace what the consolidated metadata (format 3) holds of a group and everything
    under it by the group's current metadata: one listing of the group, its metadata
    objects read concurrently, one atomic write; the rest of the store is not read.

    Returns
    -------
    bool
        False (nothing written) when the store has no consolidated metadata of format 3.
    """
    raw = location.read_bytes("zarr.json")
    root = json.loads(raw) if raw is not None else {}
    members = (root.get("consolidated_metadata") or {}).get("metadata")
    if root.get("zarr_format") != 3 or members is None:
        return False
    parts = path.split("/")
    parents = ["/".join(parts[:i]) for i in range(1, len(parts))]
    names = location.find(path, "zarr.json")
    names += [f"{p}/zarr.json" for p in parents if p not in members]
    found = location.read_many(names)
    for key in [k for k in members if k == path or k.startswith(f"{path}/")]:
        del members[key]
    for name, content in found.items():
        meta = json.loads(content)
        if meta.get("node_type") == "group":
            meta["consolidated_metadata"] = dict(_EMPTY_CONSOLIDATED, metadata={})
        members[name.rpartition("/")[0]] = meta
    # sorted as zarr writes them: its reader nests a flat listing correctly only when the
    # children of a group are contiguous
    root["consolidated_metadata"]["metadata"] = dict(sorted(members.items()))
    location.write_bytes("zarr.json", json.dumps(root, indent=2).encode())
    return True
