"""Input files by URL: listing, opening for satpy, a local cache, retries.

Inputs may be local paths or URLs of any fsspec protocol (``s3://noaa-goes16/...``,
``https://...``, ``gs://...``), mixed freely. URLs are read on the Dask workers:

- netCDF4 files (GOES ABI L1b) larger than ``whole_file_max`` (32 MiB) are opened lazily
  through fsspec with range reads, so a scene reads only the HDF5 chunks its domain needs,
  not the whole file (a full-disk C02 file is ~400 MB): each compressed chunk of data is
  fetched as it is, the small reads of the HDF5 metadata in aligned blocks of 16 KiB
  (:class:`ByteRanges`); smaller files (mesoscale scans, CONUS bands at 1 and 2 km) are
  fetched whole, one request each;
- HDF4 files (MODIS) cannot be read from a stream: they are copied whole to local disk.

With a ``cache_dir``, both are kept there (fsspec's block cache for netCDF, which fetches
blocks of ``block_size``, 256 KiB by default, its whole-file cache for HDF4), shared by
every process of a machine, so a rerun or a second domain fetches nothing twice; a file
that changed in the archive (another ETag) is fetched anew. Without it, HDF4 copies go to a
temporary folder removed after the scene.

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
from bisect import bisect_right, insort
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from ..errors import ConfigError, InputFileError

__all__ = [
    "ByteRanges",
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
"""Bytes of an open remote file's ranges kept in memory (without a ``cache_dir``): a file
chunk that two reads share (satpy's dask chunks do not align with NOAA's 250-pixel file
chunks) is fetched once."""

SMALL_READ = 2**12
"""Bytes of the largest read that is widened to its block: HDF5 reads its metadata (object
headers, B-tree nodes, heap blocks) in pieces of 8 B to 4 KiB, many to a file, and the
compressed chunks of data (tens of kB) whole."""

METADATA_BLOCK = 2**14
"""Bytes of the blocks small reads are widened to. An ABI file's metadata lies in clusters
of tens of kB (at its start, and the object headers near its end: a few requests each)
and in lone B-tree nodes of the chunk index (2.6 kB) between the chunks of data, where a
larger block would fetch chunks that the domain does not need."""


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
        Bytes per range request of a netCDF read with a ``cache_dir`` (the blocks kept
        there); without one, reads fetch the bytes they ask for (:class:`ByteRanges`).
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
        """A file object of a netCDF4/HDF5 URL for satpy's readers: range reads of the
        bytes the reader asks for (:class:`ByteRanges`), or of ``block_size`` blocks kept
        in ``cache_dir`` when given; network errors met while reading are appended to
        ``faults``.

        Examples
        --------
        >>> InputOptions().open_lazily("memory://x.nc")
        <RangeFile "memory://x.nc">
        """
        protocol = protocol_of(url)
        faults = [] if faults is None else faults
        if self.cache_dir:  # blocks kept in sparse files of the cache
            fs = self._cached("blockcache", protocol)
            return range_file(url, fs, {"block_size": self.block_size}, faults)
        fs = self.filesystem(protocol)  # each read one request: ByteRanges asks for what is new
        return range_file(url, fs, {"cache_type": "none"}, faults, by_ranges=True)

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


Fetch = Callable[[int, int], bytes]
"""Bytes ``start:stop`` of a remote file, by one range request."""


class ByteRanges:
    """The byte ranges of one remote HDF5 file fetched so far: a read fetches only the
    bytes that no earlier read fetched. A small read (at most :data:`SMALL_READ` bytes:
    HDF5 metadata) is widened to the aligned blocks that hold it, so that the many small
    reads of a file's header take a few requests (:data:`METADATA_BLOCK`); a larger one (a
    compressed chunk of data) fetches its bytes as they are, so that the chunks beside it,
    which the domain may not need, are not fetched. The least recently read ranges beyond
    ``limit`` bytes are let go.

    Parameters
    ----------
    size : int
        Bytes of the file.
    block : int
        Bytes of the blocks small reads are widened to.
    limit : int
        Bytes kept.

    Examples
    --------
    >>> data = bytes(range(256)) * 64  # a file of 16 KiB
    >>> asked = []
    >>> def fetch(start, stop):
    ...     asked.append((start, stop))
    ...     return data[start:stop]
    >>> ranges = ByteRanges(len(data), block=4096)
    >>> ranges.read(10, 20, fetch) == data[10:20]  # metadata: its block
    True
    >>> ranges.read(9000, 15000, fetch) == data[9000:15000]  # a chunk: as it is
    True
    >>> ranges.read(2000, 12000, fetch) == data[2000:12000], asked  # only what is new
    (True, [(0, 4096), (9000, 15000), (4096, 9000)])
    """

    def __init__(self, size: int, block: int = METADATA_BLOCK, limit: int = MEMORY_CACHE) -> None:
        self.size, self.block, self.limit = size, block, limit
        self._pieces: OrderedDict[int, bytes] = OrderedDict()  # start -> bytes, by last read
        self._starts: list[int] = []  # the pieces' starts, sorted; pieces never overlap
        self._held = 0

    def read(self, start: int, stop: int, fetch: Fetch) -> bytes:
        """Bytes ``start:stop`` (clipped to the file), fetching what is missing.

        Raises
        ------
        ConnectionError
            When a fetch gives fewer bytes than it asked for (a cut response).
        """
        stop = min(stop, self.size)
        if start >= stop:
            return b""
        for gap_start, gap_stop in self._gaps(*self._widened(start, stop)):
            data = fetch(gap_start, gap_stop)
            if len(data) != gap_stop - gap_start:
                raise ConnectionError(f"bytes {gap_start}-{gap_stop}: the answer held "
                                      f"{len(data)} bytes")  # fmt: skip
            self._keep(gap_start, data)
        found = self._joined(start, stop)
        self._let_go()
        return found

    def _widened(self, start: int, stop: int) -> tuple[int, int]:
        if stop - start > SMALL_READ:
            return start, stop
        return start - start % self.block, min(self.size, -(-stop // self.block) * self.block)

    def _meeting(self, start: int, stop: int) -> list[int]:
        """Starts of the pieces that meet bytes ``start:stop``."""
        first = max(bisect_right(self._starts, start) - 1, 0)
        found = []
        for piece in self._starts[first:]:
            if piece >= stop:
                break
            if piece + len(self._pieces[piece]) > start:
                found.append(piece)
        return found

    def _gaps(self, start: int, stop: int) -> list[tuple[int, int]]:
        gaps, at = [], start
        for piece in self._meeting(start, stop):
            if piece > at:
                gaps.append((at, piece))
            at = max(at, piece + len(self._pieces[piece]))
        if at < stop:
            gaps.append((at, stop))
        return gaps

    def _keep(self, start: int, data: bytes) -> None:
        insort(self._starts, start)
        self._pieces[start] = data
        self._held += len(data)

    def _joined(self, start: int, stop: int) -> bytes:
        parts = []
        for piece in self._meeting(start, stop):
            self._pieces.move_to_end(piece)
            parts.append(self._pieces[piece][max(start - piece, 0) : stop - piece])
        return b"".join(parts)

    def _let_go(self) -> None:
        while self._held > self.limit and len(self._pieces) > 1:
            piece, data = self._pieces.popitem(last=False)
            self._starts.remove(piece)
            self._held -= len(data)


class _WatchedFile(io.RawIOBase):
    """An open remote file that notes the network errors its reads meet (a file object
    of the io hierarchy, as xarray and h5py expect); with ``ranges``, its reads fetch
    only the bytes those ranges lack."""

    def __init__(self, handle: Any, url: str, faults: list[BaseException],
                 ranges: ByteRanges | None = None) -> None:  # fmt: skip
        super().__init__()
        self._handle, self._url, self._faults, self._ranges = handle, url, faults, ranges

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

    def read(self, size: int | None = -1) -> bytes:
        """Read, noting a network error."""
        if self._ranges is None:
            return self._watched(self._handle.read, size)
        start = self._handle.tell()
        stop = self._ranges.size if size is None or size < 0 else start + size
        data = self._watched(self._ranges.read, start, stop, self._fetch)
        self._handle.seek(start + len(data))
        return data

    def _fetch(self, start: int, stop: int) -> bytes:
        self._handle.seek(start)
        return self._handle.read(stop - start)

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
        opening it gives an fsspec file (``open_kwargs``), read through
        :class:`ByteRanges` when ``by_ranges``."""

        def __init__(self, url: str, fs: Any, open_kwargs: dict[str, Any],
                     faults: list[BaseException], by_ranges: bool) -> None:  # fmt: skip
            super().__init__(url, fs)
            self.open_kwargs, self.faults, self.by_ranges = open_kwargs, faults, by_ranges

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
            ranges = ByteRanges(handle.size) if self.by_ranges else None
            return _WatchedFile(handle, url, self.faults, ranges)

    return RangeFile


def range_file(
    url: str,
    fs: Any,
    open_kwargs: dict[str, Any],
    faults: list[BaseException] | None = None,
    by_ranges: bool = False,
) -> Any:
    """A remote file satpy opens like a path: a satpy ``FSFile`` reading by range requests
    (as fsspec's ``open_kwargs`` say, or, ``by_ranges``, the bytes each read asks for,
    through :class:`ByteRanges`), which notes the network errors its reads meet in
    ``faults``.

    Examples
    --------
    >>> import fsspec
    >>> fs = fsspec.filesystem("memory")
    >>> fs.pipe("memory://a.nc", bytes(10_000))
    >>> f = range_file("memory://a.nc", fs, {"cache_type": "none"}, by_ranges=True)
    >>> str(f), f.open_kwargs
    ('memory://a.nc', {'cache_type': 'none'})
    >>> with f.open() as handle:
    ...     handle.seek(9_000), len(handle.read())
    (9000, 1000)
    """
    faults = [] if faults is None else faults
    return _range_file_class()(url, fs, open_kwargs, faults, by_ranges)


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
