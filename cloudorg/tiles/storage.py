"""Writing and reading derived groups of a campaign store (tile tables, triplets).

A group is written under ``.cloudorg-partial/`` inside the store and renamed into place
(one directory rename) while the store's write lock is held, then the store's metadata is
consolidated: readers see the old group or the new one, never half of one. A process
killed before the rename leaves only the partial directory, which the next write removes.

Examples
--------
>>> import tempfile, xarray as xr
>>> from cloudorg.tiles.examples import example_store
>>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1)
>>> _ = write_group(store, "tiles/demo", xr.Dataset({"a": ("tile", [1, 2])}))
>>> open_group(store, "tiles/demo", "")["a"].values.tolist()
[1, 2]
"""

from __future__ import annotations

import os
import shutil
import uuid

import xarray as xr
import zarr

from ..errors import StoreError
from ..store import CampaignStore, quiet_zarr
from .grid import as_store

__all__ = ["open_group", "write_group"]

_PARTIAL = ".cloudorg-partial"


def write_group(store: str | os.PathLike[str] | CampaignStore, group: str, ds: xr.Dataset) -> str:
    """Write a dataset as a store group, replacing an older one in one directory rename.

    The dataset is written under ``.cloudorg-partial/`` in the store, gets the attribute
    ``complete = 1``, and is renamed to ``group`` while holding the store's write lock;
    then the store's metadata is consolidated.

    Returns
    -------
    str
        ``group``.

    Examples
    --------
    >>> import tempfile, xarray as xr
    >>> from cloudorg.tiles.examples import example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1)
    >>> write_group(store, "tiles/demo", xr.Dataset({"a": ("tile", [1, 2])}))
    'tiles/demo'
    >>> xr.open_zarr(store.path, group="tiles/demo").attrs["complete"]
    1
    """
    store = as_store(store)
    parent, _, _ = group.rpartition("/")
    partial_root = store.path / _PARTIAL
    with store.writing(), quiet_zarr():
        shutil.rmtree(partial_root, ignore_errors=True)
        partial = partial_root / uuid.uuid4().hex
        ds.assign_attrs(complete=1).to_zarr(
            partial, mode="w-", consolidated=False, zarr_format=store.zarr_format
        )
        root = zarr.open_group(store.path, mode="r+", use_consolidated=False)
        if parent:
            root.require_group(parent)
        final = store.path / group
        if final.exists():
            os.replace(final, partial_root / f"old-{uuid.uuid4().hex}")
        os.replace(partial, final)
        shutil.rmtree(partial_root, ignore_errors=True)
        zarr.consolidate_metadata(store.path)
    return group


def open_group(store: str | os.PathLike[str] | CampaignStore, group: str, hint: str) -> xr.Dataset:
    """Open and load a complete group written by :func:`write_group`.

    The group's own metadata is read, not the store's consolidated copy, which a writer
    killed between the rename and the consolidation leaves one write behind.

    Raises
    ------
    StoreError
        When the group is absent or incomplete; the message ends with ``hint``.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.tiles.examples import example_store
    >>> open_group(example_store(tempfile.mkdtemp() + "/c.zarr", 1), "tiles/x", "make it")
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: no group tiles/x; make it
    """
    store = as_store(store)
    try:
        with quiet_zarr():
            ds = xr.open_zarr(store.path, group=group, consolidated=False, chunks=None).load()
    except (FileNotFoundError, KeyError, zarr.errors.GroupNotFoundError):
        ds = None
    if ds is None or not ds.attrs.get("complete"):
        raise StoreError(f"{store.path}: no group {group}; {hint}")
    return ds.assign({v: ds[v].astype(object) for v in ds.variables if ds[v].dtype.kind == "T"})
