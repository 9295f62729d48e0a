"""Cutting tiles out of a campaign store, one loaded block at a time.

Tiles (or any square windows, such as the neighbour tiles of triplets) are grouped by the
storage chunk that holds their first pixel: a :class:`BlockPlan`. Each block is read once
(one window per block and variable, never one read per tile) and its tiles are cut out of
the loaded array in one vectorised step: a ``sliding_window_view`` gathered at the tiles'
offsets, which for a regular grid is the same as a reshape. Where windows cross chunk
boundaries (tile sizes that do not divide the chunk, overlapping tiles), a block of one
chunk would read parts of its neighbours, which are read again by their own blocks;
grouping by :func:`block_edge` instead (several chunks a side) reads each chunk once.

Reads call the zarr arrays directly, chunk by chunk (:class:`~cloudorg.tiles.chunks.ChunkReader`
on local stores, zarr's indexing elsewhere), or xarray's lazily indexed variable when
xarray's decoding changes the values, on a few threads of the reader's own (decompression
releases the GIL): slicing ``dask.array`` collections costs 1–2 ms of Python per block,
as much as decompressing a 1024² RGB chunk, and even a plain dask graph per read costs
0.2–0.3 ms.

Examples
--------
>>> import numpy as np
>>> image = np.arange(16).reshape(4, 4)
>>> cut_tiles(image, np.array([0, 2]), np.array([2, 0]), 2)
array([[[ 2,  3],
        [ 6,  7]],
<BLANKLINE>
       [[ 8,  9],
        [12, 13]]])
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from itertools import islice
from typing import Any, NamedTuple

import numpy as np
import xarray as xr
import zarr
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import ConfigError, StoreError
from ..store import SCENES, CampaignStore, quiet_zarr
from .chunks import ChunkReader
from .normalise import Channels

__all__ = [
    "MAX_BLOCK",
    "Block",
    "BlockPlan",
    "SceneReader",
    "block_edge",
    "cut_tiles",
    "plan_blocks",
    "read_blocks",
]

MAX_BLOCK = 2048
"""Largest edge in pixels of a block that groups several storage chunks (:func:`block_edge`):
a block is held in memory whole while its tiles are cut."""


def cut_tiles(window: np.ndarray, rows: np.ndarray, cols: np.ndarray, size: int) -> np.ndarray:
    """Square tiles of a loaded array at the given offsets, in one gather.

    Parameters
    ----------
    window : numpy.ndarray, shape ``(..., H, W)``
        Loaded pixels; leading dims (e.g. bands) are kept.
    rows, cols : numpy.ndarray of int
        First row and column of each tile, relative to ``window``.
    size : int
        Tile edge in pixels.

    Returns
    -------
    numpy.ndarray, shape ``(n, ..., size, size)``
        A new contiguous array.

    Examples
    --------
    >>> import numpy as np
    >>> rgb = np.zeros((3, 8, 8), np.uint8)
    >>> cut_tiles(rgb, np.array([0, 4, 4]), np.array([0, 0, 4]), 4).shape
    (3, 3, 4, 4)
    """
    views = sliding_window_view(window, (size, size), axis=(-2, -1))
    return np.moveaxis(views, (-4, -3), (0, 1))[rows, cols]


class Block(NamedTuple):
    """One read of the store: a window of one scene and the tiles cut from it."""

    scene: int
    r0: int
    r1: int
    c0: int
    c1: int
    members: np.ndarray
    """Indices (into the planned windows) of the tiles of the block, in plan order."""
    rows: np.ndarray
    """First row of each tile, relative to ``r0``."""
    cols: np.ndarray
    """First column of each tile, relative to ``c0``."""


@dataclass(frozen=True)
class BlockPlan:
    """Square windows of one size grouped into blocks, one block per chunk of origin.

    Build with :func:`plan_blocks`; reorder with :meth:`permuted` and split among
    workers with :meth:`shard` (every block goes to exactly one shard).
    """

    size: int
    scene: np.ndarray
    row0: np.ndarray
    col0: np.ndarray
    windows: np.ndarray
    bounds: np.ndarray
    order: np.ndarray

    def __len__(self) -> int:
        return int(self.order.size)

    @property
    def n_windows(self) -> int:
        """Windows in the blocks of this plan."""
        return int((self.bounds[self.order + 1] - self.bounds[self.order]).sum())

    def __iter__(self) -> Iterator[Block]:
        for b in self.order.tolist():
            yield self.block(b)

    def block(self, b: int) -> Block:
        """Block ``b`` (an index into the unpermuted plan)."""
        members = self.windows[self.bounds[b] : self.bounds[b + 1]]
        rows, cols = self.row0[members], self.col0[members]
        r0, c0 = int(rows.min()), int(cols.min())
        return Block(
            int(self.scene[members[0]]),
            r0,
            int(rows.max()) + self.size,
            c0,
            int(cols.max()) + self.size,
            members,
            rows - r0,
            cols - c0,
        )

    def permuted(self, rng: np.random.Generator) -> BlockPlan:
        """The same blocks in a random order."""
        return replace(self, order=rng.permutation(self.order))

    def shard(self, index: int, count: int) -> BlockPlan:
        """Every ``count``-th block starting at ``index``: shards partition the blocks.

        Examples
        --------
        >>> import numpy as np
        >>> plan = plan_blocks(np.zeros(4, int), np.array([0, 0, 64, 64]),
        ...                    np.array([0, 64, 0, 64]), 64, chunk=64)
        >>> [len(plan.shard(i, 3)) for i in range(3)]
        [2, 1, 1]
        """
        if not (isinstance(count, int) and count >= 1 and 0 <= index < count):
            raise ConfigError(
                f"shard index must be in [0, count) with count >= 1, got "
                f"index={index!r}, count={count!r}"
            )
        return replace(self, order=self.order[index::count])


def plan_blocks(
    scene: np.ndarray, row0: np.ndarray, col0: np.ndarray, size: int, *, chunk: int
) -> BlockPlan:
    """Group square windows by the scene and storage chunk holding their first pixel.

    Parameters
    ----------
    scene, row0, col0 : numpy.ndarray of int
        Scene index and first pixel of each window.
    size : int
        Window edge in pixels.
    chunk : int
        Spatial chunk edge of the store.

    Returns
    -------
    BlockPlan
        Blocks in (scene, chunk row, chunk column) order; within a block, windows keep
        their input order.

    Examples
    --------
    >>> import numpy as np
    >>> plan = plan_blocks(np.array([0, 0, 1]), np.array([0, 70, 0]), np.array([0, 10, 0]),
    ...                    64, chunk=64)
    >>> [(b.scene, b.r0, b.r1, b.members.tolist()) for b in plan]
    [(0, 0, 64, [0]), (0, 70, 134, [1]), (1, 0, 64, [2])]
    """
    scene = np.asarray(scene, dtype=np.int64)
    row0 = np.asarray(row0, dtype=np.int64)
    col0 = np.asarray(col0, dtype=np.int64)
    if not scene.shape == row0.shape == col0.shape or scene.ndim != 1:
        raise ConfigError("scene, row0 and col0 must be 1-D arrays of the same length")
    cr, cc = np.floor_divide(row0, chunk), np.floor_divide(col0, chunk)
    order = np.lexsort((cc, cr, scene))
    key = np.stack([scene[order], cr[order], cc[order]])
    new_block = np.ones(order.size, dtype=bool)
    new_block[1:] = (key[:, 1:] != key[:, :-1]).any(axis=0)
    starts = np.flatnonzero(new_block)
    return BlockPlan(
        size=int(size),
        scene=scene,
        row0=row0,
        col0=col0,
        windows=order,
        bounds=np.append(starts, order.size),
        order=np.arange(starts.size),
    )


def block_edge(row0: np.ndarray, col0: np.ndarray, size: int, chunk: int) -> int:
    """The edge of the blocks that read every storage chunk once: the chunk's when no window
    crosses a chunk boundary, else whole chunks up to :data:`MAX_BLOCK` pixels (each chunk
    then read once within a block; only chunks on the blocks' edges are read twice).

    Pass it as ``plan_blocks(..., chunk=block_edge(row0, col0, size, chunk))``.

    Examples
    --------
    >>> import numpy as np
    >>> block_edge(np.array([0, 256]), np.array([0, 768]), 256, chunk=1024)  # within chunks
    1024
    >>> block_edge(np.array([0, 192]), np.array([0, 960]), 192, chunk=1024)  # 960 + 192 > 1024
    2048
    """
    crosses = (np.mod(row0, chunk) + size > chunk) | (np.mod(col0, chunk) + size > chunk)
    return chunk * max(1, MAX_BLOCK // chunk) if crosses.any() else chunk


def _fill_value(var: xr.DataArray) -> Any:
    if var.dtype.kind == "f":
        return np.nan
    fill = var.encoding.get("_FillValue", var.encoding.get("fill_value", 0))
    return np.asarray(fill if fill is not None else 0).astype(var.dtype)


class SceneReader:
    """Reads windows of a snapshot of a store's scenes.

    The snapshot is taken when the reader is made: the committed scenes of that moment,
    however many scenes an ingest appends afterwards. Pickled (to DataLoader workers and
    Dask workers) it holds only the store's location and the snapshot's scene count, and
    each process opens the store itself, once.

    Parameters
    ----------
    store : path, URL or CampaignStore
        The campaign store.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=1)
    >>> reader = SceneReader(CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", dom,
    ...                                           quantities=["rgb"]))
    >>> reader.n_scenes
    0
    >>> reader.dataset
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: the store holds no scene yet
    """

    def __init__(self, store: str | os.PathLike[str] | CampaignStore) -> None:
        store = CampaignStore.open(store)
        self.location = store.location
        self._readers: dict[str, Callable[[tuple], np.ndarray]] = {}
        self._variables: dict[str, xr.DataArray] = {}
        self._pool: tuple[int, ThreadPoolExecutor] | None = None
        try:
            self._dataset: xr.Dataset | None = store.open_scenes(chunks=None)
        except StoreError:
            self._dataset = None
        self.n_scenes = 0 if self._dataset is None else int(self._dataset.sizes["scene"])

    def __getstate__(self) -> dict[str, Any]:
        return {"location": self.location, "n_scenes": self.n_scenes, "_dataset": None,
                "_readers": {}, "_variables": {}, "_pool": None}  # fmt: skip

    @property
    def dataset(self) -> xr.Dataset:
        """The snapshot's scenes, opened on first use in each process (lazily indexed,
        without dask)."""
        if self._dataset is None:
            store = CampaignStore.open(self.location)
            if not self.n_scenes:
                raise StoreError(f"{self.location}: the store holds no scene yet")
            ds = store.open_scenes(chunks=None)
            self._dataset = ds.isel(scene=slice(0, self.n_scenes))
        return self._dataset

    def variable(self, name: str) -> xr.DataArray:
        """A scene variable with dims ``(scene, [band,] y, x)``.

        Raises
        ------
        StoreError
            When the store lacks it.
        """
        if name in self._variables:
            return self._variables[name]
        ds = self.dataset
        if (
            name not in ds.data_vars
            or ds[name].dims[0] != "scene"
            or ds[name].dims[-2:] != ("y", "x")
        ):
            images = [v for v in ds.data_vars if ds[v].dims[-2:] == ("y", "x")]
            raise StoreError(f"{self.location}: no scene variable {name!r}; it holds {images}")
        self._variables[name] = ds[name]
        return self._variables[name]

    def reader(self, name: str) -> Callable[[tuple], np.ndarray]:
        """A function reading ``index`` of a scene variable: straight from its zarr array when
        xarray's decoding would not change the values (same dtype, no scale or offset) —
        chunk by chunk with :class:`~cloudorg.tiles.chunks.ChunkReader` where it can, else
        with zarr's indexing —, else through xarray's lazily indexed (decoded) variable."""
        if name not in self._readers:
            var = self.variable(name)
            with quiet_zarr():
                root = zarr.open_group(self.location.zarr_store(read_only=True), mode="r")
                raw = root[f"{SCENES}/{name}"]
            plain = raw.dtype == var.dtype and not {"scale_factor", "add_offset"} & set(
                var.encoding
            )
            if plain:
                self._readers[name] = ChunkReader.of(raw) or raw.__getitem__
            else:
                self._readers[name] = partial(_decoded, var.variable)
        return self._readers[name]

    def windows(
        self, requests: Sequence[tuple[str, int, int, int, int, int]], *, num_workers: int = 1
    ) -> list[np.ndarray]:
        """Several windows ``(variable, scene, r0, r1, c0, c1)``.

        Pixels ``[r0, r1) x [c0, c1)``; beyond the domain, the no-data value (NaN, or the
        variable's fill value). ``num_workers > 1`` reads them on that many threads of the
        reader's own (decompression releases the GIL), else in this thread.

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.synthetic.stores import example_store
        >>> reader = SceneReader(example_store(tempfile.mkdtemp() + "/c.zarr", n_scenes=1))
        >>> w, bt = reader.windows([("rgb", 0, -2, 2, 0, 3),
        ...                         ("brightness_temperature_11", 0, 0, 1, 109, 111)])
        >>> w.shape, int(w[:, :2].max()), bool(w[:, 2:].min() > 0), np.isnan(bt).tolist()
        ((3, 4, 3), 0, True, [[False, True]])
        """
        reads, places = [], []
        for name, scene, r0, r1, c0, c1 in requests:
            var = self.variable(name)
            ny, nx = var.shape[-2:]
            rows = slice(min(max(r0, 0), ny), max(min(r1, ny), 0))
            cols = slice(min(max(c0, 0), nx), max(min(c1, nx), 0))
            reads.append(
                partial(self.reader(name), (scene, *(slice(None),) * (var.ndim - 3), rows, cols))
            )
            places.append((var, rows, cols, r0, r1, c0, c1))
        if num_workers > 1 and len(reads) > 1:
            loaded = list(self._threads(num_workers).map(lambda read: read(), reads))
        else:
            loaded = [read() for read in reads]
        return [_padded(data, *place) for data, place in zip(loaded, places, strict=True)]

    def _threads(self, n: int) -> ThreadPoolExecutor:
        """The reader's pool of ``n`` threads (kept: threads and their buffers are reused)."""
        if self._pool is None or self._pool[0] != n:
            if self._pool is not None:
                self._pool[1].shutdown(wait=False)
            self._pool = (n, ThreadPoolExecutor(n, thread_name_prefix="cloudorg-read"))
        return self._pool[1]

    def window(self, name: str, scene: int, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        """One window; see :meth:`windows`."""
        return self.windows([(name, scene, r0, r1, c0, c1)])[0]

    def tiles(
        self, names: Sequence[str], blocks: Sequence[Block], size: int, *, num_workers: int = 1
    ) -> list[dict[str, np.ndarray]]:
        """The tiles of blocks cut from variables: per block, ``{name: (n, [band,] t, t)}``.

        All windows are read in one call of :meth:`windows`.
        """
        requests = [(v, b.scene, b.r0, b.r1, b.c0, b.c1) for b in blocks for v in names]
        loaded = iter(self.windows(requests, num_workers=num_workers))
        return [{v: cut_tiles(next(loaded), b.rows, b.cols, size) for v in names} for b in blocks]


def _decoded(variable: xr.Variable, index: tuple) -> np.ndarray:
    return np.asarray(variable[index].values)


def _padded(
    data: np.ndarray,
    var: xr.DataArray,
    rows: slice,
    cols: slice,
    r0: int,
    r1: int,
    c0: int,
    c1: int,
) -> np.ndarray:
    """The loaded part of a window placed in the full window, filled with no data."""
    if (rows.start, rows.stop, cols.start, cols.stop) == (r0, r1, c0, c1):
        return data
    out = np.full((*var.shape[1:-2], r1 - r0, c1 - c0), _fill_value(var), dtype=var.dtype)
    out[..., rows.start - r0 : rows.stop - r0, cols.start - c0 : cols.stop - c0] = data
    return out


def chunk_size(reader: SceneReader, names: Sequence[str]) -> int:
    """The spatial chunk edge of the store's variables (the largest among ``names``)."""
    edges = [reader.variable(n).encoding.get("preferred_chunks", {}).get("y") for n in names]
    known = [int(e) for e in edges if e]
    return max(known) if known else int(CampaignStore.open(reader.location).attrs["chunk_size"])


def read_blocks(
    reader: SceneReader, channels: Channels, plan: BlockPlan, *, max_in_flight: int = 1
) -> Iterator[tuple[np.ndarray, Block]]:
    """Read the blocks of a plan in order, at most ``max_in_flight`` at once.

    Blocks are read in groups of ``max_in_flight``, each group in one call of
    :meth:`SceneReader.windows` on that many threads (decompression releases the GIL), one
    group ahead of the caller: the next group is read while the caller works on the current
    one.

    Parameters
    ----------
    reader : SceneReader
        The store.
    channels : Channels
        Variables to read and stack.
    plan : BlockPlan
        What to read.
    max_in_flight : int
        Blocks read at once (and blocks read ahead of the caller).

    Yields
    ------
    window : numpy.ndarray, shape ``(C, H, W)``
        The block's pixels, channels stacked (dtype ``channels.dtype``); its tiles are
        ``cut_tiles(window, block.rows, block.cols, plan.size)``.
    block : Block
        The block.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.tiles.normalise import Channels
    >>> reader = SceneReader(example_store(tempfile.mkdtemp() + "/c.zarr", 1))
    >>> plan = plan_blocks(np.zeros(3, int), np.array([0, 0, 40]), np.array([0, 40, 0]), 64,
    ...                    chunk=64)
    >>> [(w.shape, b.members.tolist()) for w, b in read_blocks(reader, Channels.of(
    ...     reader.dataset, ["rgb"]), plan)]
    [((3, 104, 104), [0, 1, 2])]
    """
    if int(max_in_flight) != max_in_flight or max_in_flight < 1:
        raise ConfigError(f"max_in_flight must be a positive integer, got {max_in_flight!r}")
    k = int(max_in_flight)
    names = channels.variables
    blocks = iter(plan)
    groups = iter(lambda: list(islice(blocks, k)), [])

    def read(group: list[Block]) -> list[tuple[np.ndarray, Block]]:
        requests = [(v, b.scene, b.r0, b.r1, b.c0, b.c1) for b in group for v in names]
        windows = iter(reader.windows(requests, num_workers=k))
        return [(channels.stack([next(windows) for _ in names]), b) for b in group]

    with ThreadPoolExecutor(max_workers=1) as prefetch:
        first = next(groups, None)
        future = prefetch.submit(read, first) if first else None
        try:
            while future is not None:
                done = future.result()
                group = next(groups, None)
                future = prefetch.submit(read, group) if group else None
                yield from done
        finally:
            if future is not None:
                future.cancel()
