"""The campaign store: create, open, write scenes and derived groups, read snapshots.

Commit protocol of a scene (one writer, see :mod:`cloudorg.store.locking`):

1. the committing process reserves the next slot along ``scene`` for a scene it was told
   about (its id, coordinates and variable signature, never its pixels);
2. the worker that read the scene writes its pixels into that slot, past the committed
   end of every array (invisible to every reader);
3. the committing process writes the slot's coordinates, grows the arrays over the slot,
   replaces ``manifest.json`` with the scene added (the commit point), and consolidates
   the metadata (what readers open).

A process killed anywhere leaves either the old manifest (the next writer cuts the arrays
back to it: :meth:`CampaignStore.repair`) or the new one (the scene is in); readers of the
consolidated metadata (the default of ``xr.open_zarr``) see the committed scenes of the
last consolidation, never a partial scene.

Creation is done under the writer lock; the manifest, written last, marks a complete
store. A location holding a cloudorg root group but no manifest is an interrupted
creation, which the next creator clears and redoes.

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

import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
import zarr

from .. import __version__
from ..distributed import refuse_in_child_process
from ..domains import Domain
from ..errors import ConfigError, StoreError
from .arrays import (
    open_root,
    quiet_zarr,
    update_consolidated_group,
    update_consolidated_shapes,
)
from .failpoints import failpoint
from .groups import DerivedGroup
from .layout import MANIFEST, SCENES
from .location import StoreLocation
from .locking import LEASE, LOCK, WriterLock, writer_lock
from .manifest import FileRecord, Manifest
from .scenes import (
    SceneArrays,
    SceneEntry,
    create_empty_scenes_group,
    create_scenes_group,
    holds_scene_arrays,
)
from .scenes import write_pixels as _write_pixels

__all__ = ["DEFAULT_CHUNK", "CampaignStore", "open_scenes", "read_manifest", "write_pixels"]

DEFAULT_CHUNK = 1024
"""Default spatial chunk edge in pixels: a multiple of the default 256-pixel tile."""
LAYOUT_VERSION = 2


@dataclass
class _Session:
    """A writer session of one process on one store (re-entrant)."""

    lock: WriterLock
    depth: int = 1
    manifest: Manifest | None = None
    reserved: list[str] = field(default_factory=list)
    scenes: SceneArrays | None = None


_SESSIONS: dict[tuple[str, str], _Session] = {}
_SESSIONS_LOCK = threading.Lock()


@contextmanager
def _session(location: StoreLocation) -> Iterator[_Session]:
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(location.key)
        if session is not None:
            session.depth += 1
    if session is None:
        refuse_in_child_process(f"write the store {location}")
        lock = writer_lock(location)
        lock.acquire()
        session = _Session(lock)
        with _SESSIONS_LOCK:
            _SESSIONS[location.key] = session
    try:
        yield session
    finally:
        with _SESSIONS_LOCK:
            session.depth -= 1
            last = session.depth == 0
            if last:
                del _SESSIONS[location.key]
        if last:
            session.lock.release()


def _location(store: Any, storage_options: Mapping[str, Any] | None) -> StoreLocation:
    if isinstance(store, StoreLocation):
        return store
    return StoreLocation(store, storage_options)


def _root_attrs(location: StoreLocation) -> dict[str, Any] | None:
    try:
        return dict(open_root(location).attrs)
    except (FileNotFoundError, NotADirectoryError, KeyError, zarr.errors.GroupNotFoundError):
        return None


def _state(location: StoreLocation) -> str:
    """``empty``, ``store``, ``interrupted`` (creation) or ``foreign``."""
    if location.is_empty() or _only_lock(location):
        return "empty"
    attrs = _root_attrs(location)
    if attrs is None or "store_layout" not in attrs:
        return "foreign"
    return "store" if location.exists(MANIFEST) else "interrupted"


def _only_lock(location: StoreLocation) -> bool:
    if location.is_local:
        names = set(os.listdir(location.path)) if location.path.is_dir() else set()
    else:
        location.fs.invalidate_cache(location.root)
        names = {p.rsplit("/", 1)[-1] for p in location.fs.ls(location.root, detail=False)}
    return names <= {LOCK, LEASE}


class CampaignStore:
    """A campaign store on a local disk or in object storage.

    Use :meth:`create` for a new store, :meth:`open` for an existing one and
    :meth:`open_or_create` to write to either.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.domains import get_domain
    >>> path = tempfile.mkdtemp() + "/c.zarr"
    >>> _ = CampaignStore.create(path, get_domain("eurec4a"), quantities=["rgb"])
    >>> CampaignStore.open(path).attrs["quantities"]
    ['rgb']
    """

    def __init__(self, location: StoreLocation, attrs: dict[str, Any]) -> None:
        self.location = location
        self._attrs = attrs

    def __repr__(self) -> str:
        return f"CampaignStore({self.url!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (CampaignStore, (self.location, self._attrs))

    # -- where ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The store's local path or URL."""
        return self.location.url

    @property
    def path(self) -> Path:
        """The store's local directory (stores in object storage have none: see
        :attr:`url`)."""
        return self.location.path

    # -- creation and opening -------------------------------------------------------------
    @classmethod
    def create(
        cls,
        store: str | os.PathLike[str] | StoreLocation,
        domain: Domain,
        *,
        quantities: Sequence[str],
        chunk_size: int = DEFAULT_CHUNK,
        zarr_format: int = 3,
        attrs: dict[str, Any] | None = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> CampaignStore:
        """Create an empty store for a domain and a list of quantities.

        Parameters
        ----------
        store : path or URL
            Where the new store goes (nothing may be stored there yet).
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
        storage_options : mapping, optional
            fsspec options of a URL.

        Raises
        ------
        StoreError
            When something is stored there already, or another process is creating it.

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"], chunk_size=512)
        >>> s.attrs["chunk_size"]
        512
        """
        location = _location(store, storage_options)
        _check_format(chunk_size, zarr_format)
        with _session(location):
            state = _state(location)
            if state in ("store", "foreign"):
                raise StoreError(f"{location}: exists and is not empty; open it with "
                                 "CampaignStore.open")  # fmt: skip
            _create(location, domain, quantities, chunk_size, zarr_format, attrs, state)
        return cls.open(location)

    @classmethod
    @contextmanager
    def open_or_create(
        cls,
        store: str | os.PathLike[str] | StoreLocation,
        domain: Domain,
        *,
        quantities: Sequence[str],
        chunk_size: int = DEFAULT_CHUNK,
        zarr_format: int = 3,
        storage_options: Mapping[str, Any] | None = None,
    ) -> Iterator[CampaignStore]:
        """Hold the store for writing, creating it when absent (or when its creation was
        interrupted), and check that an existing one has this domain and quantities.

        Yields
        ------
        CampaignStore
            The store, in a writer session (:meth:`writing`).

        Raises
        ------
        StoreError
            When another process writes the store, or it has another domain or quantities.

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> path = tempfile.mkdtemp() + "/c.zarr"
        >>> with CampaignStore.open_or_create(path, get_domain("eurec4a"),
        ...                                   quantities=["rgb"]) as s:
        ...     s.scene_ids()
        []
        """
        location = _location(store, storage_options)
        _check_format(chunk_size, zarr_format)
        with _session(location):
            state = _state(location)
            if state in ("empty", "interrupted"):
                _create(location, domain, quantities, chunk_size, zarr_format, None, state)
            campaign = cls.open(location)
            if campaign.domain != domain:
                raise StoreError(
                    f"{location}: the store's domain is {campaign.domain.name} "
                    f"({campaign.domain}); this run asks for {domain.name}: use a new store "
                    "for another domain"
                )
            if campaign.attrs["quantities"] != list(quantities):
                raise StoreError(
                    f"{location}: the store holds {campaign.attrs['quantities']}; this run "
                    f"asks for {list(quantities)}: ingest the same quantities or use a new store"
                )
            with campaign.writing():
                yield campaign

    @classmethod
    def open(
        cls,
        store: str | os.PathLike[str] | StoreLocation | CampaignStore,
        *,
        storage_options: Mapping[str, Any] | None = None,
    ) -> CampaignStore:
        """Open an existing store (any zarr format) and check its layout.

        Raises
        ------
        StoreError
            When there is no cloudorg campaign store (or its creation was interrupted).

        Examples
        --------
        >>> CampaignStore.open("/nonexistent.zarr")
        Traceback (most recent call last):
        ...
        cloudorg.errors.StoreError: /nonexistent.zarr: not a cloudorg campaign store ...
        """
        if isinstance(store, CampaignStore):
            return store
        location = _location(store, storage_options)
        if location.is_local and location.path.is_file():
            raise StoreError(f"{location}: a file, not a campaign store (a zarr directory)")
        attrs = _root_attrs(location)
        if attrs is None:
            raise StoreError(
                f"{location}: not a cloudorg campaign store (no zarr group with cloudorg "
                "attributes); make one with `cloudorg ingest FILES --store STORE`"
            )
        if "store_layout" not in attrs:
            raise StoreError(f"{location}: a zarr group, but not a cloudorg campaign store")
        if not location.exists(MANIFEST):
            raise StoreError(
                f"{location}: the store's creation did not finish (no {MANIFEST}); run the "
                "ingest again to create it"
            )
        return cls(location, attrs)

    @property
    def attrs(self) -> dict[str, Any]:
        """Global attributes of the store (the root group's, as created)."""
        return dict(self._attrs)

    @property
    def domain(self) -> Domain:
        """The store's domain."""
        return Domain.from_attrs(self._attrs)

    @property
    def zarr_format(self) -> int:
        """zarr format of the store (2 or 3)."""
        return int(self._attrs.get("zarr_format") or open_root(self.location).metadata.zarr_format)

    # -- manifest -------------------------------------------------------------------------
    def manifest(self) -> Manifest:
        """The manifest (the writer session's own copy while one is held)."""
        session = _SESSIONS.get(self.location.key)
        if session is not None and session.manifest is not None:
            return session.manifest
        manifest = Manifest.read(self.location)
        if manifest is None:
            raise StoreError(f"{self.url}: no {MANIFEST}")
        return manifest

    def scene_ids(self) -> list[str]:
        """Ids of the committed scenes, in store order (from the manifest)."""
        return list(self.manifest().scenes)

    def file_records(self) -> dict[str, FileRecord]:
        """The manifest's record of every input file, by path."""
        return self.manifest().records()

    def record(self, records: Sequence[FileRecord]) -> None:
        """Record skipped or failed files in the manifest (no scene data changes).

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"])
        >>> with s.writing():
        ...     s.record([FileRecord("/data/x.nc", "skipped", reason="night")])
        >>> s.file_records()["/data/x.nc"].reason
        'night'
        """
        if not records:
            return
        session = self._session()
        manifest = self.manifest().copy()
        manifest.add_files(records)
        session.manifest = manifest.committed(self.location)

    # -- writer sessions ------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[CampaignStore]:
        """Hold the store's writer lock (re-entrant in a process); the first entry repairs
        any interrupted write.

        Only one process writes a store at a time; another gets a
        :class:`~cloudorg.errors.StoreBusyError`.

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"])
        >>> with s.writing():
        ...     pass
        """
        with _session(self.location) as session:
            if session.manifest is None:
                self.repair()
            yield self

    def _session(self) -> _Session:
        session = _SESSIONS.get(self.location.key)
        if session is None:
            raise StoreError(f"{self.url}: writing needs the writer lock: use `with "
                             "store.writing():`")  # fmt: skip
        session.lock.check()
        return session

    def require_writer(self) -> None:
        """Raise :class:`~cloudorg.errors.StoreError` unless this process holds the writer
        lock (and, in object storage, its lease is still valid)."""
        self._session()

    def repair(self) -> int:
        """Cut the scene arrays back to the committed scenes and reconsolidate; return how
        many uncommitted scene slots were removed (writer lock needed).

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"])
        >>> with s.writing():
        ...     s.repair()
        0
        """
        session = self._session()
        manifest = Manifest.read(self.location)
        if manifest is None:
            raise StoreError(f"{self.url}: no {MANIFEST}")
        session.manifest, session.reserved, session.scenes = manifest, [], None
        committed = len(manifest.scenes)
        removed, stale = 0, False
        if self._has_scenes_group():
            arrays = SceneArrays(self.location)
            if committed == 0:
                removed = max((a.shape[0] for a in arrays.arrays.values()), default=0)
                self.location.delete(SCENES)
                create_empty_scenes_group(self.location, self.domain, zarr_format=self.zarr_format)
                stale = True
            else:
                removed = arrays.resize(committed)
                session.scenes = arrays
                stale = self._consolidated_scenes() != committed
        if removed or stale:
            self.consolidate()
        return removed

    def _consolidated_scenes(self) -> int | None:
        """The number of scenes readers of the consolidated metadata see."""
        try:
            with quiet_zarr():
                root = zarr.open_group(self.location.zarr_store(read_only=True), mode="r",
                                       use_consolidated=True)  # fmt: skip
                return int(root[f"{SCENES}/scene_id"].shape[0])
        except (KeyError, ValueError, FileNotFoundError, zarr.errors.GroupNotFoundError):
            return None

    def consolidate(self, path: str | None = None) -> None:
        """Write the consolidated metadata that readers open (writer lock needed): of the
        whole store, or of the group ``path`` and what is under it only."""
        self.require_writer()
        if path is not None and update_consolidated_group(self.location, path):
            return
        with quiet_zarr():
            zarr.consolidate_metadata(self.location.zarr_store())

    def consolidated_attrs(self, path: str) -> dict[str, Any] | None:
        """The attributes of a group as its readers see them in the consolidated metadata
        (format 3), or None when the consolidated metadata does not hold it."""
        raw = self.location.read_bytes("zarr.json")
        members = (
            (json.loads(raw).get("consolidated_metadata") or {}).get("metadata") if raw else None
        )
        entry = (members or {}).get(path)
        return None if entry is None else dict(entry.get("attributes", {}))

    # -- scenes ---------------------------------------------------------------------------
    def _has_scenes_group(self) -> bool:
        session = _SESSIONS.get(self.location.key)
        if session is not None and session.scenes is not None:
            return True
        return holds_scene_arrays(self.location)

    def _scene_arrays(self) -> SceneArrays:
        """The scene arrays (opened once per writer session)."""
        session = _SESSIONS.get(self.location.key)
        if session is None:
            return SceneArrays(self.location, "r")
        if session.scenes is None:
            session.scenes = SceneArrays(self.location)
        return session.scenes

    def variables(self) -> list[str]:
        """Names of the per-scene pixel variables (sorted; empty before the first scene).

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"])
        >>> s.variables()
        []
        """
        if not self._has_scenes_group():
            return []
        return [s[0] for s in self._scene_arrays().signature]

    def create_scenes(self, scene: xr.Dataset) -> None:
        """Create the ``scenes`` group from the first scene (writer lock needed).

        Raises
        ------
        StoreError
            When the scene lacks a quantity of the store or is not on the domain grid.
        """
        self.require_writer()
        sid = str(scene["scene_id"].values)
        got = {v for v in scene.data_vars if scene[v].ndim > 0}
        expected = set(self._attrs["quantities"])
        if not expected <= got:
            raise StoreError(f"{self.url}: scene {sid} has variables {sorted(got)}; the store "
                             f"holds {sorted(expected)} for every scene")  # fmt: skip
        _check_grid(self, sid, scene.sizes["y"], scene.sizes["x"])
        if "x" not in scene.coords:  # a scene template: the domain has them
            scene = scene.assign_coords(self.domain.coords())
        create_scenes_group(self.location, scene, chunk=int(self._attrs["chunk_size"]),
                            zarr_format=self.zarr_format)  # fmt: skip
        self._session().scenes = SceneArrays(self.location)
        self.consolidate(SCENES)

    def reserve(self, entry: SceneEntry) -> int:
        """The slot of a scene to be committed next after those committed and reserved
        (writer lock needed); its pixels go there (:func:`write_pixels`).

        Raises
        ------
        StoreError
            When the scene is in the store already, or its variables or grid are not the
            store's.
        """
        session = self._session()
        manifest = self.manifest()
        if entry.scene_id in manifest.scenes or entry.scene_id in session.reserved:
            raise StoreError(f"{self.url}: scene {entry.scene_id} is already in the store")
        expected = self._scene_arrays().signature
        if entry.signature != expected:
            names = [s[0] for s in entry.signature]
            if names != [s[0] for s in expected]:
                raise StoreError(
                    f"{self.url}: scene {entry.scene_id} has variables {names}; the store holds "
                    f"{[s[0] for s in expected]} for every scene"
                )
            shape = next(s[3][-2:] for s in entry.signature)
            _check_grid(self, entry.scene_id, *shape)
            raise StoreError(f"{self.url}: scene {entry.scene_id}: variables {entry.signature} "
                             f"differ from the store's {expected}")  # fmt: skip
        session.reserved.append(entry.scene_id)
        return len(manifest.scenes) + len(session.reserved) - 1

    def commit_scenes(
        self, entries: Sequence[SceneEntry], records: Sequence[FileRecord] = ()
    ) -> None:
        """Commit the next reserved scenes, whose pixels are written (writer lock needed):
        their coordinates, the arrays' new length, the manifest, the consolidated metadata.

        Raises
        ------
        StoreError
            When ``entries`` are not the next reserved scenes.
        """
        session = self._session()
        ids = [e.scene_id for e in entries]
        if ids != session.reserved[: len(ids)]:
            raise StoreError(f"{self.url}: commit of {ids}: the next reserved scenes are "
                             f"{session.reserved[: len(ids)]}")  # fmt: skip
        manifest = self.manifest().copy()
        n = len(manifest.scenes)
        arrays = self._scene_arrays() if entries else None
        if arrays is not None:
            arrays.write_coordinates(n, list(entries))
            arrays.resize(n + len(entries))
            failpoint("scenes-resized")
        manifest.scenes.extend(ids)
        manifest.add_files(records)
        session.manifest = manifest.committed(self.location)
        session.reserved = session.reserved[len(ids) :]
        failpoint("manifest")
        if arrays is not None and not update_consolidated_shapes(
            self.location, self.zarr_format, arrays.shapes()
        ):
            self.consolidate()

    def commit_scene(self, scene: xr.Dataset, records: Sequence[FileRecord]) -> int:
        """Write and commit one scene in this process (writer lock needed).

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
        self.require_writer()
        if not self._has_scenes_group():
            self.create_scenes(scene)
        entry = SceneEntry.of(scene)
        slot = self.reserve(entry)
        try:
            write_pixels(self.location, slot, scene)
        except BaseException:
            self._session().reserved.remove(entry.scene_id)
            raise
        self.commit_scenes([entry], records)
        return slot

    def open_scenes(self, **kwargs: Any) -> xr.Dataset:
        """The committed scenes as a lazy dataset: a snapshot of the last commit, however
        the store changes afterwards (``xr.open_zarr`` keyword arguments pass on).

        Raises
        ------
        StoreError
            When the store holds no scene yet.
        """
        try:
            with quiet_zarr():
                ds = xr.open_zarr(self.location.zarr_store(read_only=True), group=SCENES,
                                  **kwargs)  # fmt: skip
        except (FileNotFoundError, KeyError, zarr.errors.GroupNotFoundError):
            ds = None
        if ds is None or not ds.sizes.get("scene"):
            raise StoreError(f"{self.url}: the store holds no scene yet")
        return ds

    # -- derived groups -------------------------------------------------------------------
    def group(self, path: str) -> DerivedGroup:
        """A derived group of the store (see :mod:`cloudorg.store.layout`).

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"])
        >>> s.group("tiles/256px").attrs() is None
        True
        """
        return DerivedGroup(self, path)

    def subgroups(self, parent: str) -> list[str]:
        """Names of the groups under ``parent`` (sorted).

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.domains import get_domain
        >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
        ...                          quantities=["rgb"])
        >>> s.subgroups("tiles")
        []
        """
        root = open_root(self.location)
        with quiet_zarr():
            return sorted(name for name, _ in root[parent].groups()) if parent in root else []


def write_pixels(location: StoreLocation, slot: int, scene: xr.Dataset) -> int:
    """Write a scene's pixels into a reserved slot (on the worker that made the scene).

    Returns
    -------
    int
        Bytes of pixels written (uncompressed).
    """
    written = _write_pixels(location, slot, scene)
    failpoint("scene-pixels")
    return written


def _check_format(chunk_size: int, zarr_format: int) -> None:
    if zarr_format not in (2, 3):
        raise ConfigError(f"zarr_format must be 2 or 3, got {zarr_format}")
    if chunk_size < 16:
        raise ConfigError(f"chunk_size must be >= 16 pixels, got {chunk_size}")


def _check_grid(store: CampaignStore, sid: str, ny: int, nx: int) -> None:
    if (ny, nx) != store.domain.shape:
        raise StoreError(
            f"{store.url}: scene {sid} grid {ny}x{nx} is not the store's domain grid "
            f"{store.domain.shape}"
        )


def _create(
    location: StoreLocation,
    domain: Domain,
    quantities: Sequence[str],
    chunk_size: int,
    zarr_format: int,
    attrs: dict[str, Any] | None,
    state: str,
) -> None:
    """Create a store in a writer session (clearing an interrupted creation first)."""
    if state == "interrupted":
        location.clear(keep=(LOCK, LEASE))
    with quiet_zarr():
        root = zarr.open_group(location.zarr_store(), mode="a", zarr_format=zarr_format)
        root.attrs.update(
            {
                "title": f"cloudorg campaign store on domain {domain.name}",
                "Conventions": "CF-1.10",
                "cloudorg_version": __version__,
                "store_layout": LAYOUT_VERSION,
                "zarr_format": int(zarr_format),
                "quantities": list(quantities),
                "chunk_size": int(chunk_size),
                **domain.to_attrs(),
                **(attrs or {}),
            }
        )
        failpoint("store-root")
        create_empty_scenes_group(location, domain, zarr_format=zarr_format)
        zarr.consolidate_metadata(location.zarr_store())
    Manifest.new().committed(location, create=True)


def open_scenes(store: str | os.PathLike[str] | CampaignStore, **kwargs: Any) -> xr.Dataset:
    """Open a campaign store's scenes lazily.

    Parameters
    ----------
    store : path, URL or CampaignStore
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
    return CampaignStore.open(store).open_scenes(**kwargs)


def read_manifest(store: str | os.PathLike[str] | CampaignStore) -> pd.DataFrame:
    """The manifest as a table: one row per input file.

    Returns
    -------
    pandas.DataFrame
        Columns ``path``, ``status``, ``scene_id``, ``reason``, ``recorded``, ``size`` and
        ``version`` (ETag or modification time), sorted by path.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.domains import get_domain
    >>> s = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
    ...                          quantities=["rgb"])
    >>> read_manifest(s).columns.tolist()
    ['path', 'status', 'scene_id', 'reason', 'recorded', 'size', 'version']
    """
    records = [asdict(r) for r in CampaignStore.open(store).file_records().values()]
    columns = ["path", "status", "scene_id", "reason", "recorded", "size", "version"]
    table = pd.DataFrame(records, columns=columns)
    return table.sort_values("path", ignore_index=True) if len(table) else table


def scene_time(value: Any) -> np.datetime64:
    """Scene start time as ``datetime64[ms]``.

    Examples
    --------
    >>> from datetime import datetime
    >>> scene_time(datetime(2020, 1, 2, 3, 4, 5, 600000))
    np.datetime64('2020-01-02T03:04:05.600')
    """
    return np.datetime64(pd.Timestamp(value).to_datetime64(), "ms")
