"""The campaign store: one zarr v3 hierarchy per campaign, on a local disk or in object
storage, written by the Dask workers and committed by one process.

Modules:

- :mod:`~cloudorg.store.layout`: the path of every group;
- :mod:`~cloudorg.store.location`: local paths and object-store URLs (fsspec), atomic and
  conditional writes of the store's own small objects;
- :mod:`~cloudorg.store.locking`: one writer at a time (``flock`` locally, a lease in
  object storage);
- :mod:`~cloudorg.store.manifest`: the commit point, and every input file's record;
- :mod:`~cloudorg.store.scenes`: the ``scenes`` group, pixels written into reserved slots;
- :mod:`~cloudorg.store.groups`: derived groups, written whole or in blocks, resumable;
- :mod:`~cloudorg.store.campaign`: :class:`CampaignStore`, which ties them together.

The store stays plain zarr: ``xr.open_zarr("s3://bucket/c.zarr", group="scenes")`` opens
it without cloudorg.

Examples
--------
>>> import tempfile
>>> from cloudorg.domains import get_domain
>>> store = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
...                              quantities=["rgb"])
>>> read_manifest(store).empty, store.url.endswith("c.zarr")
(True, True)
"""

from __future__ import annotations

from . import layout
from .arrays import quiet_zarr
from .campaign import DEFAULT_CHUNK, CampaignStore, open_scenes, read_manifest, scene_time
from .groups import BlockTarget, BlockWriter, DerivedGroup
from .layout import MANIFEST, SCENES
from .location import StoreLocation
from .manifest import FileRecord, Manifest
from .scenes import TIME_ENCODING, SceneEntry

__all__ = [
    "DEFAULT_CHUNK",
    "MANIFEST",
    "SCENES",
    "TIME_ENCODING",
    "BlockTarget",
    "BlockWriter",
    "CampaignStore",
    "DerivedGroup",
    "FileRecord",
    "Manifest",
    "SceneEntry",
    "StoreLocation",
    "layout",
    "open_scenes",
    "quiet_zarr",
    "read_manifest",
    "scene_time",
]
