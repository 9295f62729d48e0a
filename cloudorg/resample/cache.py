"""The cache of resampling tables: an LRU per process and, when a directory is given,
``.npz`` files of plain arrays (never pickles) shared by every process of a cluster.

A table depends only on the source grid and the domain, so it is computed once per
(source grid, domain, method) and reused for every band and every scan on the same grid: a
GOES ABI sector that does not move costs one table for a whole campaign.

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
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from .area_mean import AreaMean
from .nearest import Lookup

__all__ = ["CACHE_SIZE", "cached", "clear_cache"]

CACHE_SIZE = 16
"""Tables kept in memory per process (least recently used dropped first)."""

T = TypeVar("T", Lookup, AreaMean)

_memory: OrderedDict[str, Lookup | AreaMean] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the tables held in this process's memory (files on disk stay)."""
    with _lock:
        _memory.clear()


def _path(cache_dir: str | os.PathLike[str], kind: type, key: str) -> Path:
    return Path(cache_dir) / f"{kind.__name__.lower()}-{key}.npz"


def _load(path: Path, kind: type[T]) -> T | None:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return kind.from_arrays({name: arrays[name] for name in arrays.files})
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def _save(path: Path, table: Lookup | AreaMean) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    with os.fdopen(fd, "wb") as fh:
        np.savez(fh, **table.to_arrays())
    os.replace(tmp, path)


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
        Identifies the source grid, domain and method.
    kind : type
        The table's class (its ``from_arrays`` reads a file of the disk cache).
    build : callable
        Makes the table when no cache holds it.
    cache_dir : path, optional
        Directory of tables on disk, shared between processes.
    """
    with _lock:
        if key in _memory:
            _memory.move_to_end(key)
            return _memory[key]  # type: ignore[return-value]
    path = None if cache_dir is None else _path(cache_dir, kind, key)
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
