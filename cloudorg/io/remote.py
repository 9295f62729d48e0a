"""Input files by URL: listing, opening for satpy, a local cache, retries.

Inputs may be local paths or URLs of any fsspec protocol (``s3://noaa-goes16/...``,
``https://...``, ``gs://...``), mixed freely. URLs are read on the Dask workers:

- netCDF4 files (GOES ABI L1b) larger than ``whole_file_max`` (32 MiB) are opened lazily
  through fsspec with range reads (``block_size``, 256 KiB by default), so a scene reads
  only the HDF5 chunks its domain needs, not the whole file (a full-disk C02 file is ~400
  MB); smaller ones (mesoscale scans, CONUS bands at 1 and 2 km) are fetched whole, one
  request each;
- HDF4 files (MODIS) cannot be read from a stream: they are copied whole to local disk.

With a ``cache_dir``, both are kept there (fsspec's block cache for netCDF, its whole-file
cache for HDF4), shared by every process of a machine, so a rerun or a second domain
fetches nothing twice; a file that changed in the archive (another ETag) is fetched anew.
Without it, HDF4 copies go to a temporary folder removed after the scene.

Network faults: a scene whose reading fails with a network error is read again up to
``retries`` times with exponential backoff (``backoff_s``, doubling), then recorded as
failed with its URL and the error; the campaign goes on.

Examples
--------
>>> is_url("s3://noaa-goes16/ABI-L1b-RadC/2020/020/14/"), is_url("/data/abi.nc")
(True, False)
>>> InputOptions(cache_dir="/tmp/cloudorg-cache").block_size
262144
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from ..errors import ConfigError, InputFileError

__all__ = [
    "FileInfo",
    "InputOptions",
    "NetworkError",
    "is_network_error",
    "is_url",
    "list_url",
    "protocol_of",
    "range_file",
]

T = TypeVar("T")

MEMORY_CACHE = 2**26
"""Bytes of an open remote file's blocks kept in memory (without a ``cache_dir``): a file
chunk that two reads share (satpy's dask chunks do not align with NOAA's 250-pixel file
chunks) is fetched once."""


class NetworkError(InputFileError):
    """Reading an input URL failed with a network error after every retry."""


class ReadFault(ConnectionError):
    """A network error while a library (h5py, satpy) read a remote file; raised in place
    of whatever that library made of it, so that the read is retried."""


def is_url(path: str | os.PathLike[str]) -> bool:
    """Whether an input is a URL (``file://`` URLs are local paths).

    Examples
    --------
    >>> is_url("gs://bucket/f.nc"), is_url("file:///data/f.nc")
    (True, False)
    """
    text = os.fspath(path)
    return "://" in text and not text.startswith(("file://", "local://"))


def protocol_of(url: str) -> str:
    """The fsspec protocol of a URL.

    Examples
    --------
    >>> protocol_of("s3://noaa-goes16/x.nc")
    's3'
    """
    return url.split("://", 1)[0].lower()


@dataclass(frozen=True)
class FileInfo:
    """Size and version of an input file, as its archive lists it.

    Attributes
    ----------
    size : int or None
        Bytes.
    version : str
        ETag (object stores) or modification time (local files, HTTP ``Last-Modified``);
        empty when unknown.
    """

    size: int | None = None
    version: str = ""

    @classmethod
    def of_listing(cls, entry: Mapping[str, Any]) -> FileInfo:
        """From an fsspec ``info``/``ls(detail=True)`` entry.

        Examples
        --------
        >>> FileInfo.of_listing({"size": 10, "ETag": '"ab"'})
        FileInfo(size=10, version='ab')
        """
        version = entry.get("ETag") or entry.get("etag") or entry.get("LastModified") or ""
        version = version or entry.get("mtime") or entry.get("generation") or ""
        size = entry.get("size", entry.get("Size"))
        return cls(None if size is None else int(size), str(version).strip('"'))

    @classmethod
    def of_path(cls, path: str) -> FileInfo:
        """Of a local file (modification time as its version).

        Examples
        --------
        >>> FileInfo.of_path("/nonexistent").size is None
        True
        """
        try:
            stat = os.stat(path)
        except OSError:
            return cls()
        return cls(stat.st_size, f"mtime:{stat.st_mtime_ns}")


@dataclass(frozen=True)
class InputOptions:
    """How input URLs are read (sent to the workers with every scene).

    Attributes
    ----------
    storage_options : dict
        fsspec options of the inputs' protocol (e.g. ``{"anon": True}`` for the NOAA
        buckets, an ``endpoint_url``); the usual environment variables apply as well.
    cache_dir : str, optional
        Local cache of fetched bytes, shared by the processes of a machine.
    block_size : int
        Bytes per range request of a netCDF read.
    whole_file_max : int
        netCDF files up to this size are fetched whole (one request; opened by
        netCDF-C, which reads an ABI file's many attributes faster than h5py from a
        stream); larger ones are read by range requests.
    retries : int
        Extra attempts of a scene read that failed with a network error.
    backoff_s : float
        Wait before the first retry, doubled at each further one.

    Examples
    --------
    >>> InputOptions(retries=-1)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: retries: expected an integer >= 0, got -1
    """

    storage_options: dict[str, Any] = field(default_factory=dict)
    cache_dir: str | None = None
    block_size: int = 2**18
    whole_file_max: int = 2**25
    retries: int = 3
    backoff_s: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.retries, int) or self.retries < 0:
            raise ConfigError(f"retries: expected an integer >= 0, got {self.retries!r}")
        if not self.backoff_s >= 0:
            raise ConfigError(f"backoff_s: expected a number >= 0, got {self.backoff_s!r}")
        if not isinstance(self.block_size, int) or self.block_size < 4096:
            raise ConfigError(f"block_size: expected an integer >= 4096, got {self.block_size!r}")
        if not isinstance(self.storage_options, Mapping):
            raise ConfigError("storage_options: expected a mapping of fsspec options, got "
                              f"{self.storage_options!r}")  # fmt: skip

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> str:
        return json.dumps([self.storage_options, self.cache_dir, self.block_size,
                           self.whole_file_max, self.retries, self.backoff_s],
                          sort_keys=True, default=str)  # fmt: skip

    def filesystem(self, protocol: str) -> Any:
        """The fsspec filesystem of a protocol with these options (one per process)."""
        return _filesystem(protocol, json.dumps(self.storage_options, sort_keys=True,
                                                default=str))  # fmt: skip

    def _cached(self, kind: str, protocol: str) -> Any:
        return _caching_filesystem(kind, protocol, self.cache_dir or "",
                                   json.dumps(self.storage_options, sort_keys=True,
                                              default=str))  # fmt: skip

    def open_lazily(self, url: str, faults: list[BaseException] | None = None) -> Any:
        """A file object of a netCDF4/HDF5 URL for satpy's readers: range reads of
        ``block_size`` bytes, kept in ``cache_dir`` when given; network errors met while
        reading are appended to ``faults``.

        Examples
        --------
        >>> InputOptions().open_lazily("memory://x.nc")
        <RangeFile "memory://x.nc">
        """
        protocol = protocol_of(url)
        if self.cache_dir:  # blocks kept in sparse files of the cache
            fs, kwargs = self._cached("blockcache", protocol), {"block_size": self.block_size}
        else:
            fs = self.filesystem(protocol)
            kwargs = {
                "block_size": self.block_size,
                "cache_type": "blockcache",
                "cache_options": {"maxblocks": max(32, MEMORY_CACHE // self.block_size)},
            }
        return range_file(url, fs, kwargs, [] if faults is None else faults)

    @contextlib.contextmanager
    def local_copies(self, urls: list[str]) -> Iterator[dict[str, str]]:
        """Local paths of whole copies of ``urls`` (in ``cache_dir``, or in a temporary
        folder removed on exit).

        Examples
        --------
        >>> with InputOptions().local_copies([]) as paths:
        ...     paths
        {}
        """
        scratch = None if self.cache_dir else tempfile.mkdtemp(prefix="cloudorg-inputs-")
        try:
            paths = {}
            for url in urls:
                protocol = protocol_of(url)
                if scratch is None:
                    fs = self._cached("filecache", protocol)
                    paths[url] = _local_path(fs, url)
                else:
                    folder = os.path.join(scratch, str(len(paths)))  # names stay as they are
                    os.makedirs(folder)
                    target = os.path.join(folder, os.path.basename(url))
                    self.filesystem(protocol).get_file(url, target)
                    paths[url] = target
            yield paths
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)

    def with_retries(self, read: Callable[[], T], what: str) -> T:
        """``read()``, again after a network error (``retries`` times, with backoff).

        Raises
        ------
        NetworkError
            Naming ``what`` and the last error, when every attempt failed.

        Examples
        --------
        >>> InputOptions(retries=0).with_retries(lambda: 1, "x")
        1
        """
        delay = self.backoff_s
        for attempt in range(self.retries + 1):
            try:
                return read()
            except Exception as err:
                if not is_network_error(err):
                    raise
                if attempt == self.retries:
                    raise NetworkError(
                        f"{what}: network error after {attempt + 1} attempts: "
                        f"{type(err).__name__}: {err}"
                    ) from err
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover


def _note(faults: list[BaseException], url: str, err: BaseException) -> None:
    if is_network_error(err):
        faults.append(ReadFault(f"{url}: {type(err).__name__}: {err}"))


class _WatchedFile(io.RawIOBase):
    """An open remote file that notes the network errors its reads meet (a file object
    of the io hierarchy, as xarray and h5py expect)."""

    def __init__(self, handle: Any, url: str, faults: list[BaseException]) -> None:
        super().__init__()
        self._handle, self._url, self._faults = handle, url, faults

    def __getattr__(self, name: str) -> Any:  # only for what this class does not define
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._handle, name)

    def _watched(self, method: Callable[..., T], *args: Any) -> T:
        try:
            return method(*args)
        except Exception as err:
            _note(self._faults, self._url, err)
            raise

    def readable(self) -> bool:
        """Read-only."""
        return True

    def seekable(self) -> bool:
        """Random access."""
        return True

    def read(self, size: int = -1) -> bytes:
        """Read, noting a network error."""
        return self._watched(self._handle.read, size)

    def readinto(self, buffer: Any) -> int:
        """Read into a buffer, noting a network error."""
        data = self.read(len(memoryview(buffer)))
        memoryview(buffer)[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move the position."""
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        """The position."""
        return self._handle.tell()

    def close(self) -> None:
        """Close the remote file."""
        if not self.closed:
            self._handle.close()
        super().close()


@lru_cache(maxsize=1)
def _range_file_class() -> type:
    from satpy.readers.core.remote import FSFile

    class RangeFile(FSFile):
        """A remote file for satpy's readers (an ``FSFile`` whose string is the URL):
        opening it gives an fsspec file that reads in blocks (``open_kwargs``)."""

        def __init__(self, url: str, fs: Any, open_kwargs: dict[str, Any],
                     faults: list[BaseException]) -> None:  # fmt: skip
            super().__init__(url, fs)
            self.open_kwargs, self.faults = open_kwargs, faults

        def __repr__(self) -> str:
            return f'<RangeFile "{self}">'

        def open(self, *args: Any, **kwargs: Any) -> Any:
            """The fsspec file (read-only), noting network errors in ``faults``."""
            url = os.fspath(self)
            try:
                handle = self.fs.open(url, "rb", **self.open_kwargs)
            except Exception as err:
                _note(self.faults, url, err)
                raise
            return _WatchedFile(handle, url, self.faults)

    return RangeFile


def range_file(
    url: str, fs: Any, open_kwargs: dict[str, Any], faults: list[BaseException] | None = None
) -> Any:
    """A remote file satpy opens like a path: a satpy ``FSFile`` reading in blocks, which
    notes the network errors its reads meet in ``faults``.

    Examples
    --------
    >>> import fsspec
    >>> f = range_file("memory://a.nc", fsspec.filesystem("memory"), {"block_size": 4096})
    >>> str(f), f.open_kwargs
    ('memory://a.nc', {'block_size': 4096})
    """
    return _range_file_class()(url, fs, open_kwargs, [] if faults is None else faults)


def _local_path(fs: Any, url: str) -> str:
    with fs.open(url, "rb") as handle:  # the whole-file cache fetches it once
        return handle.name


_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    socket.timeout,
    socket.gaierror,
)


def _network_types() -> tuple[type[BaseException], ...]:
    extra: list[type[BaseException]] = []
    with contextlib.suppress(ImportError):
        import aiohttp

        extra.append(aiohttp.ClientError)
    with contextlib.suppress(ImportError):
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError

        extra += [BotoConnectionError, HTTPClientError]
    with contextlib.suppress(ImportError):
        from fsspec.exceptions import FSTimeoutError

        extra.append(FSTimeoutError)
    return _NETWORK_ERRORS + tuple(extra)


_SERVER_ERRORS = ("500", "502", "503", "504", "InternalError", "ServiceUnavailable",
                  "SlowDown", "Server Error", "Service Unavailable")  # fmt: skip


def is_network_error(err: BaseException) -> bool:
    """Whether an error (or one it was raised from) is a network fault worth a retry:
    a refused or dropped connection, a timeout, a server error (5xx).

    Examples
    --------
    >>> is_network_error(RuntimeError("x")), is_network_error(ConnectionResetError())
    (False, True)
    """
    types = _network_types()
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, types):
            return True
        if isinstance(current, OSError) and any(s in str(current) for s in _SERVER_ERRORS):
            return True
        current = current.__cause__ or current.__context__
    return False


@lru_cache(maxsize=16)
def _filesystem(protocol: str, options: str) -> Any:
    import fsspec

    try:
        return fsspec.filesystem(protocol, **json.loads(options))
    except (ImportError, ValueError, TypeError) as err:
        raise ConfigError(
            f"input URLs over {protocol}://: cannot open the protocol ({err}); install its "
            "fsspec implementation (s3fs for s3://, gcsfs for gs://, aiohttp for https://)"
        ) from err


@lru_cache(maxsize=16)
def _caching_filesystem(kind: str, protocol: str, cache_dir: str, options: str) -> Any:
    import fsspec

    os.makedirs(cache_dir, exist_ok=True)
    # whole files keep their names, which satpy's readers recognise them by
    return fsspec.filesystem(kind, fs=_filesystem(protocol, options), cache_storage=cache_dir,
                             check_files=True, same_names=kind == "filecache")  # fmt: skip


def list_url(url: str, options: InputOptions | None = None) -> list[tuple[str, FileInfo]]:
    """The files at a URL: the file itself, or every file under a prefix ("folder").

    Returns
    -------
    list of (url, FileInfo)
        Sorted by URL.

    Raises
    ------
    InputFileError
        When nothing exists there.

    Examples
    --------
    >>> list_url("memory://nothing/here/")
    Traceback (most recent call last):
    ...
    cloudorg.errors.InputFileError: memory://nothing/here/: no such file or prefix
    """
    options = options or InputOptions()
    protocol = protocol_of(url)
    fs = options.filesystem(protocol)

    def listing() -> list[tuple[str, FileInfo]]:
        found = fs.find(url, detail=True)
        if not found and fs.isfile(url):
            found = {url: fs.info(url)}
        return sorted((_with_protocol(protocol, path), FileInfo.of_listing(entry))
                      for path, entry in found.items())  # fmt: skip

    try:
        files = options.with_retries(listing, url)
    except FileNotFoundError:
        files = []
    if not files:
        raise InputFileError(f"{url}: no such file or prefix")
    return files


def _with_protocol(protocol: str, path: str) -> str:
    return path if "://" in path else f"{protocol}://{path.lstrip('/')}"
