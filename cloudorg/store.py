"""The campaign store: one zarr group per campaign, scenes appended one at a time.

Layout (readable by plain ``xr.open_zarr(path, group="scenes")``)::

    campaign.zarr/
      zarr.json          root group: domain, quantities, consolidated metadata
      scenes/            dims (scene, y, x), one variable per quantity, rgb (scene, band, y, x),
                         per-scene coordinates (scene_id, platform, sensor, solar zenith, ...)
      manifest.json      every input file: ingested, skipped or failed, and why

A scene is in the store completely or not at all. Writing a scene appends it to every
array, then records it in the manifest (an atomic file replace: the commit point), then
consolidates the metadata. A process killed anywhere in between leaves arrays longer than
the manifest says; :meth:`CampaignStore.repair`, run whenever a store is opened for
writing, cuts them back, so a rerun continues from the last committed scene. Readers that
open the consolidated metadata only ever see committed scenes.

Examples
--------
>>> import tempfile
>>> from cloudorg.domains import Domain
>>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
>>> store = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", dom, quantities=["rgb"])
>>> store.domain == dom, store.scene_ids()
(True, [])
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
import zarr

from . import __version__
from .domains import Domain
from .errors import ConfigError, StoreError

__all__ = ["CampaignStore", "FileRecord", "open_scenes", "quiet_zarr", "read_manifest"]

SCENES = "scenes"
MANIFEST = "manifest.json"
_LOCK = ".cloudorg.lock"
DEFAULT_CHUNK = 1024
"""Default spatial chunk edge in pixels: a multiple of the default 256-pixel tile."""

TIME_ENCODING = {"units": "milliseconds since 1970-01-01 00:00:00", "dtype": "int64"}


@contextmanager
def quiet_zarr() -> Iterator[None]:
    """Silence zarr's warnings about consolidated metadata in format 3 and about the
    store's own non-zarr files (manifest, lock).

    Examples
    --------
    >>> with quiet_zarr():
    ...     pass
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part")
        warnings.filterwarnings("ignore", message=".*not recognized as a component of a Zarr")
        yield


@dataclass
class FileRecord:
    """What became of one input file.

    Attributes
    ----------
    path : str
        Absolute path.
    status : str
        ``ingested``, ``skipped`` or ``failed``.
    scene_id : str or None
        The scene the file belongs to.
    reason : str
        Why it was skipped or failed (empty when ingested).
    recorded : str
        ISO time of the record (UTC).
    """

    path: str
    status: str
    scene_id: str | None = None
    reason: str = ""
    recorded: str = ""

    STATUSES = ("ingested", "skipped", "failed")

    def __post_init__(self) -> None:
        if self.status not in self.STATUSES:
            raise ConfigError(f"FileRecord.status {self.status!r}: expected one of {self.STATUSES}")
        if not self.recorded:
            self.recorded = datetime.now(UTC).isoformat(timespec="seconds")


def _atomic_write_json(path: Path, payload: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".partial")
    with os.fdopen(fd, "w") as fh:
        json.dump(payload, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _scene_dim_arrays(group: zarr.Group) -> Iterator[zarr.Array]:
    for _, array in group.arrays():
        dims = array.metadata.dimension_names if array.metadata.zarr_format == 3 else (
            array.attrs.get("_ARRAY_DIMENSIONS")
        )  # fmt: skip
        if dims and dims[0] == "scene":
            yield array


def _codecs(zarr_format: int) -> dict[str, Any]:
    if zarr_format == 3:
        return {"compressors": zarr.codecs.BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")}
    import numcodecs

    return {"compressors": numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)}


class CampaignStore:
    """A campaign store on a local or shared file system.

    Use :meth:`create` for a new store and :meth:`open` for an existing one.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.domains import get_domain
    >>> path = tempfile.mkdtemp() + "/c.zarr"
    >>> _ = CampaignStore.create(path, get_domain("eurec4a"), quantities=["rgb"])
    >>> CampaignStore.open(path).attrs["quantities"]
    ['rgb']
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    # -- creation and opening -------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        domain: Domain,
        *,
        quantities: Sequence[str],
        chunk_size: int = DEFAULT_CHUNK,
        zarr_format: int = 3,
        attrs: dict[str, Any] | None = None,
    ) -> CampaignStore:
        """Create an empty store for a domain and a list of quantities.

        Parameters
        ----------
        path : path
            Directory of the new store; must not exist.
        domain : Domain
            Grid of every scene.
        quantities : sequence of str
            Variables every scene will hold.
        chunk_size : int
            Spatial chunk edge in pixels.
        zarr_format : {3, 2}
            zarr format of the new store.
        attrs : dict, optional
            Extra global attributes (JSON-able).

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"], chunk_size=512)
        >>> s.attrs["chunk_size"]
        512
        """
        if zarr_format not in (2, 3):
            raise ConfigError(f"zarr_format must be 2 or 3, got {zarr_format}")
        if chunk_size < 16:
            raise ConfigError(f"chunk_size must be >= 16 pixels, got {chunk_size}")
        path = Path(path)
        if path.exists() and any(path.iterdir()):
            raise StoreError(f"{path}: exists and is not empty; open it with CampaignStore.open")
        with quiet_zarr():
            root = zarr.open_group(path, mode="w-", zarr_format=zarr_format)
            root.attrs.update(
                {
                    "title": f"cloudorg campaign store on domain {domain.name}",
                    "Conventions": "CF-1.10",
                    "cloudorg_version": __version__,
                    "store_layout": 1,
                    "quantities": list(quantities),
                    "chunk_size": int(chunk_size),
                    **domain.to_attrs(),
                    **(attrs or {}),
                }
            )
            zarr.consolidate_metadata(path)
        store = cls(path)
        store._save_manifest({"scenes": [], "files": {}})
        return store

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> CampaignStore:
        """Open an existing store (any zarr format) and check its layout.

        Raises
        ------
        StoreError
            When ``path`` is not a cloudorg campaign store.

        Examples
        --------
        >>> CampaignStore.open("/nonexistent.zarr")
        Traceback (most recent call last):
        ...
        cloudorg.errors.StoreError: /nonexistent.zarr: not a cloudorg campaign store ...
        """
        store = cls(path)
        try:
            attrs = store.attrs
        except (FileNotFoundError, zarr.errors.GroupNotFoundError, KeyError) as err:
            raise StoreError(
                f"{path}: not a cloudorg campaign store (no zarr group with cloudorg attributes); "
                "create one with CampaignStore.create or `cloudorg ingest`"
            ) from err
        if "store_layout" not in attrs or not (store.path / MANIFEST).exists():
            raise StoreError(f"{path}: a zarr group, but not a cloudorg campaign store")
        return store

    @property
    def attrs(self) -> dict[str, Any]:
        """Global attributes of the store (the root group's)."""
        with quiet_zarr():
            return dict(zarr.open_group(self.path, mode="r", use_consolidated=False).attrs)

    @property
    def domain(self) -> Domain:
        """The store's domain."""
        return Domain.from_attrs(self.attrs)

    @property
    def zarr_format(self) -> int:
        """zarr format of the store (2 or 3)."""
        with quiet_zarr():
            return zarr.open_group(self.path, mode="r", use_consolidated=False).metadata.zarr_format

    # -- manifest -------------------------------------------------------------------------
    def _load_manifest(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / MANIFEST).read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise StoreError(f"{self.path / MANIFEST}: unreadable manifest ({err})") from err

    def _save_manifest(self, manifest: dict[str, Any]) -> None:
        _atomic_write_json(self.path / MANIFEST, manifest)

    def scene_ids(self) -> list[str]:
        """Ids of the committed scenes, in store order."""
        return list(self._load_manifest()["scenes"])

    def file_records(self) -> dict[str, FileRecord]:
        """The manifest's record of every input file, by path."""
        return {p: FileRecord(**r) for p, r in self._load_manifest()["files"].items()}

    def record(self, records: Sequence[FileRecord]) -> None:
        """Record skipped or failed files in the manifest (no scene data changes).

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"])
        >>> s.record([FileRecord("/data/x.nc", "skipped", reason="night")])
        >>> s.file_records()["/data/x.nc"].reason
        'night'
        """
        manifest = self._load_manifest()
        for rec in records:
            manifest["files"][rec.path] = asdict(rec)
        self._save_manifest(manifest)

    # -- writing --------------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[CampaignStore]:
        """Hold the store's write lock and repair any interrupted write first.

        Only one process writes a store at a time; a second gets a :class:`StoreError`.

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"])
        >>> with s.writing():
        ...     pass
        """
        with open(self.path / _LOCK, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(
                    f"{self.path}: another process is writing this store; wait for it to finish"
                ) from None
            try:
                self.repair()
                yield self
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def repair(self) -> int:
        """Cut arrays back to the committed scenes and reconsolidate; return how many
        uncommitted scene slots were removed.

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"])
        >>> s.repair()
        0
        """
        committed = len(self.scene_ids())
        removed = 0
        with quiet_zarr():
            root = zarr.open_group(self.path, mode="r+", use_consolidated=False)
            if SCENES in root:
                if committed == 0:
                    del root[SCENES]
                    removed = 1
                else:
                    for array in _scene_dim_arrays(root[SCENES]):
                        if array.shape[0] > committed:
                            removed = max(removed, array.shape[0] - committed)
                            array.resize((committed, *array.shape[1:]))
            zarr.consolidate_metadata(self.path)
        return removed

    def _encoding(self, ds: xr.Dataset) -> dict[str, dict[str, Any]]:
        chunk = int(self.attrs["chunk_size"])
        codecs = _codecs(self.zarr_format)
        encoding: dict[str, dict[str, Any]] = {"scene": dict(TIME_ENCODING, chunks=(4096,))}
        for name, var in ds.variables.items():
            if name == "scene" or "scene" not in var.dims:
                continue
            if var.ndim == 1:
                encoding[name] = {"chunks": (4096,)}
                continue
            chunks = tuple(
                1 if d == "scene" else min(chunk, n) if d in ("y", "x") else n
                for d, n in zip(var.dims, var.shape, strict=True)
            )
            fill = {k: v for k, v in var.encoding.items() if k == "_FillValue"}
            encoding[name] = {"chunks": chunks, **codecs, **fill}
        return encoding

    def commit_scene(self, scene: xr.Dataset, records: Sequence[FileRecord]) -> int:
        """Append one scene and record its files; the scene is committed when this returns.

        Parameters
        ----------
        scene : xarray.Dataset
            One scene on the domain grid: dims ``(y, x)`` (``band`` for RGB), scalar
            coordinates ``scene`` (start time), ``scene_id`` and per-scene metadata.
        records : sequence of FileRecord
            The scene's input files.

        Returns
        -------
        int
            The scene's index along ``scene``.

        Raises
        ------
        StoreError
            When the scene's variables or grid differ from the store's.
        """
        committed = self.scene_ids()
        sid = str(scene["scene_id"].values)
        if sid in committed:
            raise StoreError(f"{self.path}: scene {sid} is already in the store")
        got = {v for v in scene.data_vars if scene[v].ndim > 0}
        expected = set(self.variables()) if committed else set(self.attrs["quantities"])
        if not expected <= got or (committed and got != expected):
            raise StoreError(
                f"{self.path}: scene {sid} has variables {sorted(got)}; the store holds "
                f"{sorted(expected)} for every scene"
            )
        if (scene.sizes["y"], scene.sizes["x"]) != self.domain.shape:
            raise StoreError(
                f"{self.path}: scene {sid} grid {scene.sizes['y']}x{scene.sizes['x']} is not "
                f"the store's domain grid {self.domain.shape}"
            )
        scene_coords = [c for c in scene.coords if scene[c].ndim == 0]
        constants = [v for v in scene.data_vars if scene[v].ndim == 0]  # e.g. the grid mapping
        stacked = scene.drop_vars(constants).expand_dims("scene")
        stacked = stacked.assign_coords({c: ("scene", [scene[c].values]) for c in scene_coords})
        stacked = stacked.assign({v: scene[v] for v in constants})
        for name in stacked.variables:
            if stacked[name].dtype.kind == "U":
                stacked[name] = stacked[name].astype(object)
        with quiet_zarr():
            if committed:
                stacked.to_zarr(
                    self.path, group=SCENES, append_dim="scene", consolidated=False,
                    write_empty_chunks=True,
                )  # fmt: skip
            else:
                stacked.to_zarr(
                    self.path, group=SCENES, mode="w", consolidated=False,
                    encoding=self._encoding(stacked), write_empty_chunks=True,
                    zarr_format=self.zarr_format,
                )  # fmt: skip
        manifest = self._load_manifest()
        manifest["scenes"].append(sid)
        for rec in records:
            manifest["files"][rec.path] = asdict(rec)
        self._save_manifest(manifest)  # the commit point
        with quiet_zarr():
            zarr.consolidate_metadata(self.path)
        return len(committed)

    # -- reading --------------------------------------------------------------------------
    def variables(self) -> list[str]:
        """Names of the per-scene data variables of the committed scenes (sorted).

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"])
        >>> s.variables()
        []
        """
        if not self.scene_ids():
            return []
        with quiet_zarr():
            group = zarr.open_group(self.path, mode="r", use_consolidated=False)[SCENES]
            coords = set()
            for array in _scene_dim_arrays(group):
                coords.update(str(array.attrs.get("coordinates", "")).split())
            return sorted(
                name for name, array in group.arrays() if array.ndim > 1 and name not in coords
            )

    def open_scenes(self, **kwargs: Any) -> xr.Dataset:
        """The committed scenes as a lazy dataset (``xr.open_zarr`` keyword arguments pass on).

        Raises
        ------
        StoreError
            When the store holds no scene yet.
        """
        if not self.scene_ids():
            raise StoreError(f"{self.path}: the store holds no scene yet")
        with quiet_zarr():
            return xr.open_zarr(self.path, group=SCENES, **kwargs)


def open_scenes(store: str | os.PathLike[str] | CampaignStore, **kwargs: Any) -> xr.Dataset:
    """Open a campaign store's scenes lazily.

    Parameters
    ----------
    store : path or CampaignStore
        The store.
    **kwargs
        Passed to ``xarray.open_zarr``.

    Returns
    -------
    xarray.Dataset
        Dims ``(scene, y, x)``; dask-backed.

    Examples
    --------
    >>> open_scenes("/nonexistent.zarr")
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: /nonexistent.zarr: not a cloudorg campaign store ...
    """
    if not isinstance(store, CampaignStore):
        store = CampaignStore.open(store)
    return store.open_scenes(**kwargs)


def read_manifest(store: str | os.PathLike[str] | CampaignStore) -> pd.DataFrame:
    """The manifest as a table: one row per input file.

    Returns
    -------
    pandas.DataFrame
        Columns ``path``, ``status``, ``scene_id``, ``reason``, ``recorded``, sorted by path.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.domains import get_domain
    >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
    ...                          quantities=["rgb"])
    >>> read_manifest(s).columns.tolist()
    ['path', 'status', 'scene_id', 'reason', 'recorded']
    """
    if not isinstance(store, CampaignStore):
        store = CampaignStore.open(store)
    records = [asdict(r) for r in store.file_records().values()]
    columns = ["path", "status", "scene_id", "reason", "recorded"]
    table = pd.DataFrame(records, columns=columns)
    return table.sort_values("path", ignore_index=True) if len(table) else table


def scene_time(value: Any) -> np.datetime64:
    """Scene start time as ``datetime64[ms]``.

    Examples
    --------
    >>> scene_time(datetime(2020, 1, 2, 3, 4, 5, 600000))
    np.datetime64('2020-01-02T03:04:05.600')
    """
    return np.datetime64(pd.Timestamp(value).to_datetime64(), "ms")
