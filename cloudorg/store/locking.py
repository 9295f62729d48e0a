"""One writer per campaign store: a file lock on local disks, a lease in object storage.

Only one process commits to a store at a time (Dask workers write data the committing
process has reserved for them, never commit). Two kinds of lock, chosen by the location:

``FileLock`` (local and shared POSIX file systems)
    ``flock`` on ``.cloudorg.lock`` in the store directory; the kernel releases it when the
    process dies, however it dies.
``Lease`` (object storage, where no lock exists)
    An object ``.cloudorg-lease.json`` created with a conditional write (S3
    ``If-None-Match: *``: only one creator succeeds), naming its holder (host, process,
    a random token) and an expiry time. The holder renews it every ``ttl / 3`` seconds with
    ``If-Match`` on the lease's ETag, so a renewal fails if anyone else took the lease over.
    Another process may take over a lease that has expired, or, on the holder's own host,
    whose process no longer exists (a killed run is resumed at once, not after ``ttl``).
    Before each commit the writer checks that its lease is still its own (a writer that
    stalled longer than ``ttl`` stops instead of committing over a newer writer).

Examples
--------
>>> import tempfile
>>> from cloudorg.store.location import StoreLocation
>>> lock = writer_lock(StoreLocation(tempfile.mkdtemp() + "/c.zarr"))
>>> lock.acquire(); lock.check(); lock.release()
>>> type(lock).__name__
'FileLock'
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import threading
import time
import uuid
from typing import IO, Any, Protocol

from ..errors import StoreBusyError, StoreError
from .location import StoreLocation, VersionMismatch

__all__ = ["LEASE", "LOCK", "FileLock", "Lease", "WriterLock", "writer_lock"]

LOCK = ".cloudorg.lock"
LEASE = ".cloudorg-lease.json"
LEASE_TTL = 60.0
"""Seconds a lease stays valid without renewal."""


class WriterLock(Protocol):
    """What the store needs of a lock."""

    def acquire(self) -> None:
        """Take the lock or raise :class:`~cloudorg.errors.StoreBusyError`."""

    def check(self) -> None:
        """Raise :class:`~cloudorg.errors.StoreError` unless the lock is still held."""

    def release(self) -> None:
        """Give the lock back."""


class FileLock:
    """``flock`` on ``.cloudorg.lock`` in a local store directory."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock (the store directory is created when absent)."""
        path = self.location.path
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path}: a file, not a store directory")
        path.mkdir(parents=True, exist_ok=True)
        handle = open(path / LOCK, "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StoreBusyError(
                f"{path}: another process is writing this store; wait for it to finish"
            ) from None
        self._file = handle

    def check(self) -> None:
        """A held ``flock`` cannot be lost."""
        if self._file is None:
            raise StoreError(f"{self.location}: the store's write lock is not held")

    def release(self) -> None:
        """Unlock and close."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as err:
        return err.errno == errno.EPERM
    return True


class Lease:
    """A renewed, conditionally written lease object in object storage.

    Parameters
    ----------
    location : StoreLocation
        The store.
    ttl : float
        Seconds the lease is valid without renewal.
    """

    def __init__(self, location: StoreLocation, ttl: float = LEASE_TTL) -> None:
        self.location = location
        self.ttl = float(ttl)
        self.token = uuid.uuid4().hex
        self._version: str | None = None
        self._lost: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mutex = threading.Lock()

    def _payload(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "expires": time.time() + self.ttl,
            "ttl": self.ttl,
        }

    def _put(self, *, create: bool = False, match: str | None = None) -> None:
        self._version = self.location.write_json(LEASE, self._payload(), create=create,
                                                 match=match)  # fmt: skip

    def _stale(self, holder: dict[str, Any]) -> bool:
        if time.time() > float(holder.get("expires", 0)):
            return True
        same_host = holder.get("host") == socket.gethostname()
        return same_host and not _alive(int(holder.get("pid", -1)))

    def acquire(self) -> None:
        """Create the lease, or take over a stale one; then renew it in the background."""
        try:
            self._put(create=True)
        except VersionMismatch:
            version = self.location.version(LEASE)
            holder = self.location.read_json(LEASE) or {}
            if version is None:  # released meanwhile
                return self.acquire()
            if not self._stale(holder):
                until = time.strftime("%H:%M:%S", time.localtime(float(holder["expires"])))
                raise StoreBusyError(
                    f"{self.location}: another process is writing this store (host "
                    f"{holder.get('host')}, pid {holder.get('pid')}, lease valid until "
                    f"{until}); wait for it to finish"
                ) from None
            try:
                self._put(match=version)
            except VersionMismatch:
                raise StoreBusyError(
                    f"{self.location}: another process took over the stale writer lease "
                    "first; wait for it to finish"
                ) from None
        self._stop.clear()
        self._thread = threading.Thread(target=self._renew, name="cloudorg-lease", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            with self._mutex:
                try:
                    self._put(match=self._version)
                except (VersionMismatch, StoreError, OSError) as err:
                    self._lost = f"the writer lease could not be renewed ({err})"
                    return

    def check(self) -> None:
        """Raise unless the lease is still this process's and not expired."""
        with self._mutex:
            if self._lost:
                raise StoreError(f"{self.location}: {self._lost}; nothing more is committed")
            if self._version is None or self.location.version(LEASE) != self._version:
                raise StoreError(f"{self.location}: the writer lease was taken over by another "
                                 "process; nothing more is committed")  # fmt: skip

    def release(self) -> None:
        """Stop renewing and delete the lease if it is still ours."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._mutex:
            holder = self.location.read_json(LEASE) or {}
            if holder.get("token") == self.token:
                self.location.delete(LEASE)
            self._version = None


CONDITIONAL_PROTOCOLS = ("s3", "s3a")
"""Object stores whose conditional writes the lease uses (S3 ``If-None-Match``/``If-Match``:
AWS S3, MinIO, Ceph RGW, ...)."""


def writer_lock(location: StoreLocation) -> WriterLock:
    """The lock kind of a location: :class:`FileLock` locally, :class:`Lease` in S3.

    Raises
    ------
    StoreError
        For other object stores: without conditional writes one writer at a time cannot
        be guaranteed (reading them works).

    Examples
    --------
    >>> type(writer_lock(StoreLocation("s3://bucket/c.zarr"))).__name__
    'Lease'
    >>> writer_lock(StoreLocation("memory://c.zarr"))
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: memory://c.zarr: writing a store over memory:// is not ...
    """
    if location.is_local:
        return FileLock(location)
    if location.protocol not in CONDITIONAL_PROTOCOLS:
        raise StoreError(
            f"{location}: writing a store over {location.protocol}:// is not supported (one "
            "writer at a time needs conditional writes, implemented for s3://); reading works"
        )
    return Lease(location)
