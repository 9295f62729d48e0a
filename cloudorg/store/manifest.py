"""The manifest of a campaign store: the committed scenes and every input file's record.

``manifest.json`` is the store's commit point: a scene is in the store once its id is in
the manifest's ``scenes`` list, and a store exists once it has a manifest. It is replaced
in one atomic step (a rename on a local disk, one PUT in object storage), and in object
storage only if it is still the version the writer read (``If-Match``), so that a writer
that lost its lease can never overwrite a newer commit.

Examples
--------
>>> import tempfile
>>> from cloudorg.store.location import StoreLocation
>>> loc = StoreLocation(tempfile.mkdtemp() + "/c.zarr")
>>> m = Manifest.new().committed(loc, create=True)
>>> m.add_files([FileRecord("/data/a.nc", "skipped", reason="night")])
>>> Manifest.read(loc).scenes, m.committed(loc).records()["/data/a.nc"].reason
([], 'night')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import ConfigError, StoreError
from .layout import MANIFEST
from .location import StoreLocation

__all__ = ["FileRecord", "Manifest"]


@dataclass
class FileRecord:
    """What became of one input file.

    Attributes
    ----------
    path : str
        Absolute path or URL.
    status : str
        ``ingested``, ``skipped`` or ``failed``.
    scene_id : str or None
        The scene the file belongs to.
    reason : str
        Why it was skipped or failed (empty when ingested).
    recorded : str
        ISO time of the record (UTC).
    size : int or None
        Bytes of the file when it was recorded.
    version : str
        Its ETag (object stores) or modification time (``mtime:<ns>``, local files) when
        it was recorded: a later run notices a file that changed since.

    Examples
    --------
    >>> FileRecord("/data/a.nc", "lost")
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: FileRecord.status 'lost': expected one of ...
    """

    path: str
    status: str
    scene_id: str | None = None
    reason: str = ""
    recorded: str = ""
    size: int | None = None
    version: str = ""

    STATUSES = ("ingested", "skipped", "failed")

    def __post_init__(self) -> None:
        if self.status not in self.STATUSES:
            raise ConfigError(f"FileRecord.status {self.status!r}: expected one of {self.STATUSES}")
        if not self.recorded:
            self.recorded = datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Manifest:
    """The scenes and file records of a store, as read at one version.

    Attributes
    ----------
    scenes : list of str
        Committed scene ids, in store order.
    files : dict
        Record (a :class:`FileRecord` as a dict) of every input file, by path.
    version : str or None
        Version of ``manifest.json`` this was read at (None: not written yet).
    """

    scenes: list[str] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: str | None = None

    @classmethod
    def new(cls) -> Manifest:
        """The manifest of a new, empty store."""
        return cls()

    @classmethod
    def read(cls, location: StoreLocation) -> Manifest | None:
        """The store's manifest, or None when it has none.

        Raises
        ------
        StoreError
            When ``manifest.json`` is unreadable.
        """
        version = location.version(MANIFEST)
        payload = location.read_json(MANIFEST)
        if payload is None:
            return None
        if not isinstance(payload, dict) or not {"scenes", "files"} <= set(payload):
            raise StoreError(f"{location}/{MANIFEST}: not a cloudorg manifest")
        return cls(list(payload["scenes"]), dict(payload["files"]), version)

    def copy(self) -> Manifest:
        """A copy to change (the version stays: a commit replaces what was read)."""
        return Manifest(list(self.scenes), dict(self.files), self.version)

    def records(self) -> dict[str, FileRecord]:
        """Every file's record, by path."""
        return {p: FileRecord(**r) for p, r in self.files.items()}

    def add_files(self, records: Sequence[FileRecord]) -> None:
        """Record files (not committed until :meth:`committed`)."""
        for rec in records:
            self.files[rec.path] = asdict(rec)

    def committed(self, location: StoreLocation, *, create: bool = False) -> Manifest:
        """Write this manifest as the store's (the commit point); the manifest as written.

        Raises
        ------
        StoreError
            When the stored manifest is no longer the version this one was read at.
        """
        payload = {"scenes": self.scenes, "files": self.files}
        match = None if create or location.is_local else self.version
        version = location.write_json(MANIFEST, payload, create=create, match=match)
        return Manifest(list(self.scenes), dict(self.files), version)
