"""The cache of resampling tables: an LRU per process and ``.npz`` files of plain arrays
(never pickles) on disk, shared by every process that uses the same directory.

A table depends only on the source grid and the domain, so it is computed once per
(source grid, domain, method) and reused for every band and every scan on the same grid: a
GOES ABI sector that does not move costs one table for a whole campaign, and with the disk
cache one table for every process, command and rerun that ever resamples it.

Where tables go on disk (:func:`table_dir`): a ``cache_dir`` given by the caller; else, for
fixed source grids (pyresample ``AreaDefinition`` s), the user's cache directory
(:func:`default_cache_dir`: ``$CLOUDORG_CACHE``, else ``$XDG_CACHE_HOME/cloudorg``, else
``~/.cache/cloudorg``; ``CLOUDORG_CACHE=off`` keeps tables in memory only). Swaths get no
file unless asked: each MODIS granule has its own swath, whose table no other granule
reuses.

Concurrent workers are safe: a table is written to a temporary file in the same directory
and renamed over its final name (atomic on POSIX and Windows), so a reader sees a whole
file or none; two workers building the same table at once both write it, and the last
rename wins with identical content. A directory that cannot be written (a read-only home on
a cluster) costs a warning and keeps the table in memory.

Examples
--------
>>> import numpy as np
>>> from cloudorg.resample.nearest import Lookup
>>> built = cached("k", Lookup, lambda: Lookup(np.zeros((1, 1), np.int64), (1, 1)))
>>> cached("k", Lookup, lambda: None) is built
True
>>> clear_cache()
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from .area_mean import AreaMean
from .nearest import Lookup

__all__ = [
    "CACHE_ENV",
    "CACHE_SIZE",
    "TABLE_FORMAT",
    "cached",
    "clear_cache",
    "default_cache_dir",
    "table_dir",
]

CACHE_SIZE = 16
"""Tables kept in memory per process (least recently used dropped first)."""

CACHE_ENV = "CLOUDORG_CACHE"
"""Environment variable naming cloudorg's cache directory (``off``: no disk cache)."""

TABLE_FORMAT = 1
"""Version of the tables' computation and file layout, part of every key: raise it when
either changes, so that files written by an older cloudorg are never read."""

_OFF = {"off", "none", "0", "false", "no"}

T = TypeVar("T", Lookup, AreaMean)

_memory: OrderedDict[str, Lookup | AreaMean] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the tables held in this process's memory (files on disk stay)."""
    with _lock:
        _memory.clear()


def default_cache_dir() -> Path | None:
    """The directory of resampling tables that every process uses by default.

    ``$CLOUDORG_CACHE/resample`` when the variable is set (``off``, ``none``, ``0``,
    ``false`` or ``no``: no disk cache, ``None``), else ``resample`` in the user's cache
    directory: ``$XDG_CACHE_HOME/cloudorg``, ``~/Library/Caches/cloudorg`` on macOS,
    ``%LOCALAPPDATA%/cloudorg/Cache`` on Windows, ``~/.cache/cloudorg`` otherwise.

    Examples
    --------
    >>> import os
    >>> from unittest.mock import patch
    >>> with patch.dict(os.environ, {"CLOUDORG_CACHE": "/scratch/me/cloudorg"}):
    ...     default_cache_dir().as_posix()
    '/scratch/me/cloudorg/resample'
    >>> with patch.dict(os.environ, {"CLOUDORG_CACHE": "off"}):
    ...     default_cache_dir() is None
    True
    """
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() in _OFF:
        return None
    if chosen:
        return Path(chosen).expanduser() / "resample"
    return _user_cache() / "resample"


def _user_cache() -> Path:
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "cloudorg"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "cloudorg"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "cloudorg" / "Cache"
    return Path.home() / ".cache" / "cloudorg"


def table_dir(cache_dir: str | os.PathLike[str] | None, *, fixed_grid: bool) -> Path | None:
    """Where a table is kept on disk: ``cache_dir`` when given, else the default cache
    directory for a fixed source grid, else nowhere (``None``: memory only).

    Examples
    --------
    >>> table_dir("/tmp/tables", fixed_grid=False).as_posix()
    '/tmp/tables'
    >>> table_dir(None, fixed_grid=False) is None
    True
    >>> table_dir(None, fixed_grid=True) == default_cache_dir()
    True
    """
    if cache_dir is not None:
        return Path(cache_dir)
    return default_cache_dir() if fixed_grid else None


def _path(cache_dir: Path, kind: type, key: str) -> Path:
    return cache_dir / f"{kind.__name__.lower()}-{key}.npz"


def _load(path: Path, kind: type[T]) -> T | None:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return kind.from_arrays({name: arrays[name] for name in arrays.files})
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # absent, or damaged by something other than cloudorg: rebuilt


def _save(path: Path, table: Lookup | AreaMean) -> None:
    """Write ``path`` atomically: a temporary file in the same directory, then a rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".partial")
    except OSError as error:
        warnings.warn(f"resampling table not cached on disk ({error}); set {CACHE_ENV} to a "
                      "writable directory", RuntimeWarning, stacklevel=3)  # fmt: skip
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **table.to_arrays())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cached(
    key: str,
    kind: type[T],
    build: Callable[[], T],
    cache_dir: str | os.PathLike[str] | None = None,
) -> T:
    """The table of ``key``: from memory, else from ``cache_dir``, else built (and kept).

    Parameters
    ----------
    key : str
        Identifies the source grid, domain and method (:data:`TABLE_FORMAT` is added).
    kind : type
        The table's class (its ``from_arrays`` reads a file of the disk cache).
    build : callable
        Makes the table when no cache holds it.
    cache_dir : path, optional
        Directory of tables on disk (see :func:`table_dir`); ``None``: memory only.

    Returns
    -------
    Lookup or AreaMean

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from cloudorg.resample.nearest import Lookup
    >>> tables = Path(tempfile.mkdtemp())
    >>> made = cached("k2", Lookup, lambda: Lookup(np.ones((2, 2), np.int64), (2, 2)), tables)
    >>> clear_cache()  # a new process: the table comes from the file
    >>> cached("k2", Lookup, lambda: None, tables).index.tolist(), len(list(tables.iterdir()))
    ([[1, 1], [1, 1]], 1)
    """
    key = f"{key}-v{TABLE_FORMAT}"
    with _lock:
        if key in _memory:
            _memory.move_to_end(key)
            return _memory[key]  # type: ignore[return-value]
    path = None if cache_dir is None else _path(Path(cache_dir), kind, key)
    table = None if path is None else _load(path, kind)
    if table is None:
        table = build()
        if path is not None:
            _save(path, table)
    with _lock:
        _memory[key] = table
        while len(_memory) > CACHE_SIZE:
            _memory.popitem(last=False)
    return table
