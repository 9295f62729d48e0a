"""Windows of a local zarr array read chunk by chunk, each chunk decoded straight into numpy.

zarr's indexing reads every chunk of a window through its asynchronous codec pipeline:
the chunk file into a new ``bytes``, decoded into a new buffer, the part the window needs
copied into the output. On the benchmark store (1024² RGB chunks, Blosc-lz4) that costs
about 2 ms a chunk, of which Blosc's decompression is 0.6 ms: the rest is allocating and
faulting in fresh buffers and the event loop's round trips. :class:`ChunkReader` reads each
chunk file into a buffer it keeps, and Blosc decompresses into the output itself when the
chunk fills the window (the stream's blocks are whole chunks), else into a kept scratch
chunk whose part is copied: about 0.7 ms a chunk, one buffer of each per thread.

It handles what a campaign store writes on a local disk: zarr v2 or v3 arrays without
sharding or filters, compressed by Blosc or not at all, in C order and native byte order.
:meth:`ChunkReader.of` returns ``None`` for anything else (object stores included), and
callers keep zarr's indexing.

Examples
--------
>>> import tempfile, numpy as np, zarr
>>> z = zarr.create_array(tempfile.mkdtemp(), shape=(5, 6), chunks=(2, 4), dtype="u1",
...                       compressors=zarr.codecs.BloscCodec(cname="lz4"))
>>> z[:] = np.arange(30).reshape(5, 6)
>>> read = ChunkReader.of(z)
>>> read((slice(1, 4), slice(3, 6)))
array([[ 9, 10, 11],
       [15, 16, 17],
       [21, 22, 23]], dtype=uint8)
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from pathlib import Path

import numcodecs
import numpy as np
import zarr
from numcodecs import blosc
from zarr.codecs import BloscCodec, BytesCodec
from zarr.storage import LocalStore

__all__ = ["ChunkReader"]


def _native(dtype: np.dtype) -> bool:
    return dtype.byteorder in ("=", "|", "<" if sys.byteorder == "little" else ">")


def _compression(array: zarr.Array) -> str | None:
    """``"blosc"`` or ``"none"`` for the codecs :class:`ChunkReader` decodes, else ``None``."""
    meta = array.metadata
    if not _native(np.dtype(array.dtype)):
        return None
    if meta.zarr_format == 2:
        if meta.filters or meta.order != "C":
            return None
        if meta.compressor is None:
            return "none"
        return "blosc" if isinstance(meta.compressor, numcodecs.Blosc) else None
    codecs = tuple(meta.codecs)
    if not codecs or not isinstance(codecs[0], BytesCodec):
        return None
    if codecs[0].endian is not None and codecs[0].endian.value != sys.byteorder:
        return None
    if len(codecs) == 1:
        return "none"
    return "blosc" if len(codecs) == 2 and isinstance(codecs[1], BloscCodec) else None


class ChunkReader:
    """Reads windows ``array[index]`` of a local zarr array, decoding each chunk once per
    window straight into numpy. Make one with :meth:`of`; call it with a tuple of one int or
    step-less slice per dimension (ints drop their dimension, as numpy's indexing does).

    Thread-safe: each thread keeps its own file buffer and scratch chunk.
    """

    def __init__(self, array: zarr.Array, directory: Path, compression: str) -> None:
        self.metadata = array.metadata
        self.shape = tuple(array.shape)
        self.chunks = tuple(array.chunks)
        self.dtype = np.dtype(array.dtype)
        self.fill_value = array.fill_value
        self.directory = directory
        self.compression = compression
        self._local = threading.local()

    @classmethod
    def of(cls, array: zarr.Array) -> ChunkReader | None:
        """A reader of ``array``, or ``None`` when its store or codecs are not ones it
        decodes (then use ``array.__getitem__``).

        Examples
        --------
        >>> import tempfile, zarr
        >>> z = zarr.create_array(tempfile.mkdtemp(), shape=(4,), chunks=(2,), dtype="f4",
        ...                       compressors=zarr.codecs.ZstdCodec())
        >>> ChunkReader.of(z) is None
        True
        """
        store = array.store_path.store
        if not isinstance(store, LocalStore) or np.dtype(array.dtype).hasobject:
            return None
        if getattr(array, "shards", None) is not None:
            return None
        compression = _compression(array)
        if compression is None:
            return None
        return cls(array, Path(store.root) / array.path, compression)

    def _file(self, size: int) -> memoryview:
        """This thread's buffer for a chunk file of ``size`` bytes."""
        buffer = getattr(self._local, "file", None)
        if buffer is None or len(buffer) < size:
            buffer = self._local.file = bytearray(max(size, 2 * len(buffer or b"")))
        return memoryview(buffer)[:size]

    def _scratch(self) -> np.ndarray:
        """This thread's array of one chunk's shape."""
        if not hasattr(self._local, "scratch"):
            self._local.scratch = np.empty(self.chunks, dtype=self.dtype)
        return self._local.scratch

    def _decode(self, coords: tuple[int, ...], out: np.ndarray) -> None:
        """Chunk ``coords`` decoded into ``out`` (a C-contiguous array of the chunk's shape)."""
        path = self.directory / self.metadata.encode_chunk_key(coords)
        try:
            fh = open(path, "rb", buffering=0)
        except FileNotFoundError:  # never written: the fill value
            out[...] = self.fill_value
            return
        with fh:
            data = self._file(os.fstat(fh.fileno()).st_size)
            fh.readinto(data)
        if self.compression == "blosc":
            blosc.decompress(data, out)
        else:
            out.reshape(-1).view(np.uint8)[:] = np.frombuffer(data, dtype=np.uint8)

    def __call__(self, index: tuple[int | slice, ...]) -> np.ndarray:
        """The window ``index`` (one int or step-less slice per dimension)."""
        if len(index) != len(self.shape):
            raise IndexError(f"index {index!r} for an array of {len(self.shape)} dimensions")
        spans = [_span(i, n) for i, n in zip(index, self.shape, strict=True)]
        out = np.empty([b - a for a, b in spans], dtype=self.dtype)
        ranges = [
            range(a // c, (b - 1) // c + 1) if b > a else range(0)
            for (a, b), c in zip(spans, self.chunks, strict=True)
        ]
        for coords in itertools.product(*ranges):
            self._place(coords, spans, out)
        kept = [b - a for (a, b), i in zip(spans, index, strict=True) if not isinstance(i, int)]
        return out.reshape(kept)

    def _place(
        self, coords: tuple[int, ...], spans: list[tuple[int, int]], out: np.ndarray
    ) -> None:
        """Chunk ``coords``'s part of the window into ``out``."""
        inner, outer = [], []
        for c, n, (a, b) in zip(coords, self.chunks, spans, strict=True):
            lo, hi = max(a, c * n), min(b, (c + 1) * n)
            inner.append(slice(lo - c * n, hi - c * n))
            outer.append(slice(lo - a, hi - a))
        whole = [(s.start, s.stop) == (0, n) for s, n in zip(inner, self.chunks, strict=True)]
        if out.shape == self.chunks and all(whole):
            self._decode(coords, out)  # the window is this whole chunk
            return
        scratch = self._scratch()
        self._decode(coords, scratch)
        out[tuple(outer)] = scratch[tuple(inner)]


def _span(index: int | slice, n: int) -> tuple[int, int]:
    """``[start, stop)`` of an index along a dimension of ``n``."""
    if isinstance(index, int | np.integer):
        i = int(index) + (n if index < 0 else 0)
        if not 0 <= i < n:
            raise IndexError(f"index {index} out of range for a dimension of {n}")
        return i, i + 1
    if index.step not in (None, 1):
        raise IndexError(f"slice {index!r}: ChunkReader reads contiguous windows only")
    start, stop, _ = index.indices(n)
    return start, max(start, stop)
