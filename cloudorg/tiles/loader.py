"""Streaming tiles from a campaign store to numpy or torch, in shuffled NCHW float32 batches.

The usable tiles of a tile table are grouped into blocks (one per scene and storage chunk,
or per square of chunks up to 2048 px where tiles cross chunk boundaries, so that every
chunk is read and decompressed once for all the tiles it holds:
:func:`~cloudorg.tiles.cutting.block_edge`, :class:`~cloudorg.tiles.cutting.BlockPlan`).
A stream

1. orders the blocks at random (seeded by ``seed`` and the epoch; the same order in every
   worker), and keeps every ``count``-th block of its shard: shards — DataLoader workers,
   ranks, Dask tasks — partition the tiles, so no tile is yielded twice;
2. reads the blocks, ``max_in_flight`` at a time on as many threads, one group of blocks
   ahead of the batches (:func:`~cloudorg.tiles.cutting.read_blocks`; chunks of local
   stores decompressed straight into the block, :mod:`cloudorg.tiles.chunks`);
3. holds each block's pixels in a shuffle buffer of ``buffer_size`` tiles, from which
   batches are drawn at random (seeded); a batch's tiles are a random draw, ordered by
   block within the batch;
4. cuts each drawn tile out of its block and normalises it to float32 straight into the
   batch, in one compiled pass without the GIL
   (:meth:`~cloudorg.tiles.normalise.Channels.normalise_tiles`), with the fixed
   per-channel scaling of :mod:`cloudorg.tiles.normalise` (8-bit images / 255,
   reflectance % / 100, brightness temperature (K − 273.15) / 50). The batch arrays are
   reused, from one epoch to the next too, once the caller no longer holds them.

Memory: about ``buffer_size + 2 * max_in_flight * tiles per block`` raw tiles (a block is
held whole while it has tiles left, at most twice the pixels of its usable tiles: sparser
blocks are cut down to their tiles), plus two float32 batches.

:class:`TileDataset` is a ``torch.utils.data.IterableDataset`` over such a stream that
shards itself by ``get_worker_info()``; :func:`tile_loader` wraps it in a ``DataLoader``
with pinned memory when CUDA is available. :class:`TripletDataset` streams triplets.

Examples
--------
>>> import tempfile
>>> from cloudorg.synthetic.stores import example_store
>>> from cloudorg.tiles.table import build_tile_table
>>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 3)
>>> table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
>>> batches = list(iter_tile_batches(store, table, batch_size=16, seed=0))
>>> [b.shape for b, _ in batches], sum(t.size for _, t in batches) == table.sizes["tile"]
([(16, 3, 64, 64), (16, 3, 64, 64), (4, 3, 64, 64)], True)
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import xarray as xr
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from ..errors import ConfigError, StoreError
from ..store import CampaignStore
from .cutting import (
    BlockPlan,
    SceneReader,
    block_edge,
    chunk_size,
    cut_tiles,
    plan_blocks,
    read_blocks,
)
from .filters import flag_counts, usable
from .normalise import Channels
from .table import open_tile_table
from .triplets import ROLES, shard_triplets, triplet_tiles

__all__ = ["TileDataset", "TileStream", "TripletDataset", "iter_tile_batches", "tile_loader"]


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


@dataclass
class _Held:
    """One block waiting in the buffer: its pixels ``(C, H, W)``, the first pixel of each of
    its tiles in them, their table rows, and which tiles are left."""

    window: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    ids: np.ndarray
    left: np.ndarray


def _refs(arrays: list[np.ndarray], i: int) -> int:
    return sys.getrefcount(arrays[i])


_UNSHARED = _refs([np.empty(0)], 0)
"""References to an array held by a list and nobody else, as :func:`_refs` counts them."""


class _BatchArrays:
    """Output arrays of batches, reused once nothing outside holds them any more.

    Writing a batch into memory that is already mapped avoids the page faults of a fresh
    ``np.empty`` (batches are tens of MB: the allocator maps new pages for each), about a
    third of the cost of normalising into it — and most of it in short epochs, when each
    epoch mapped its own arrays, so a stream keeps them from one epoch to the next. An
    array is reused only when this object holds the sole reference (numpy views and
    ``torch.from_numpy`` tensors hold one), so a batch the caller keeps is never
    overwritten; the lock makes choosing one safe for epochs iterated in several threads
    (the returned array is referenced before the lock is released).
    """

    def __init__(self, keep: int = 2) -> None:
        self.keep = keep
        self.arrays: list[np.ndarray] = []
        self.lock = threading.Lock()

    def __reduce__(self) -> tuple[type, tuple[int]]:
        return type(self), (self.keep,)  # pickled (to DataLoader workers) without arrays

    def empty(self, shape: tuple[int, ...]) -> np.ndarray:
        with self.lock:
            for i in range(len(self.arrays)):
                if self.arrays[i].shape == shape and _refs(self.arrays, i) == _UNSHARED:
                    return self.arrays[i]
            array = np.empty(shape, dtype=np.float32)
            self.arrays = [array, *self.arrays[: self.keep - 1]]
            return array


class _ShuffleBuffer:
    """Blocks of read pixels waiting to be batched. A batch draws tiles without replacement
    (or takes the oldest) and normalises each tile from its block straight into the batch
    (one pass over the pixels: no tile is copied before it is normalised)."""

    def __init__(self, channels: Channels, size: int, rng: np.random.Generator | None) -> None:
        self.channels, self.size, self.rng = channels, size, rng
        self.held: list[_Held] = []
        self.n = 0

    def add(self, window: np.ndarray, rows: np.ndarray, cols: np.ndarray, ids: np.ndarray) -> None:
        """Hold a block's window and its tiles; a window of more than twice the pixels of
        its tiles (few usable tiles) is cut down to its tiles, side by side."""
        t = self.size
        if window.shape[-2] * window.shape[-1] > 2 * ids.size * t * t:
            window = np.concatenate(cut_tiles(window, rows, cols, t), axis=-1)
            rows, cols = np.zeros_like(rows), np.arange(ids.size) * t
        self.held.append(_Held(window, rows, cols, ids, np.ones(ids.size, dtype=bool)))
        self.n += ids.size

    def take(
        self, k: int, empty: Callable[[tuple[int, ...]], np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``k`` tiles (fewer when fewer are left), normalised into ``empty(shape)``."""
        k = min(k, self.n)
        counts = np.array([h.left.sum() for h in self.held])
        starts = np.concatenate([[0], np.cumsum(counts)])
        pick = np.arange(k) if self.rng is None else np.sort(self.rng.choice(self.n, k, False))
        owner = np.searchsorted(starts, pick, side="right") - 1
        t = self.size
        images = empty((k, len(self.channels), t, t))
        ids = np.empty(k, dtype=np.int64)
        pos = 0
        for b in np.unique(owner).tolist():
            held = self.held[b]
            local = np.flatnonzero(held.left)[pick[owner == b] - starts[b]]
            end = pos + local.size
            self.channels.normalise_tiles(
                held.window, held.rows[local], held.cols[local], images[pos:end]
            )
            ids[pos:end] = held.ids[local]
            held.left[local] = False
            pos = end
        self.held = [h for h in self.held if h.left.any()]
        self.n -= k
        return images, ids


class TileStream:
    """Shuffled, sharded NCHW float32 batches of the usable tiles of a tile table.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    table : xarray.Dataset or int, optional
        A tile table, or the tile size of a table written in the store (default 256).
    channels : sequence of str
        Scene variables stacked as channels (``rgb`` gives three).
    batch_size : int
        Tiles per batch.
    filters : sequence of str, optional
        Flags that exclude tiles (default all; :func:`cloudorg.tiles.filters.usable`).
    shuffle : bool
        Random block order and batches drawn at random from the buffer; else table order.
    seed : int
        Seed of the block order and the buffer draws.
    buffer_size : int
        Tiles held for shuffling before a batch is drawn (memory: ``buffer_size`` raw tiles
        plus the blocks read ahead). Larger buffers mix more blocks into each batch but
        stream slower, their pixels being out of the CPU caches by the time they are
        batched (on the benchmark of ``docs/tiles.md``, 64 and 128 tiles stream at about
        45–60 % of the raw read rate, 256 at 40–47 %).
    max_in_flight : int
        Blocks read at once by dask's threaded scheduler, and read ahead of the batches.
        More reads at once help where cores are free; on two shared cores 2 streams
        faster than 4.
    drop_last : bool
        Drop a last batch smaller than ``batch_size``.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.tiles.table import build_tile_table
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> _ = build_tile_table(store, 64, client="synchronous", progress=False)
    >>> stream = TileStream(store, 64, batch_size=4)
    >>> stream.n_tiles, stream.channels.names
    (2, ('rgb_R', 'rgb_G', 'rgb_B'))
    """

    def __init__(
        self,
        store: str | os.PathLike[str] | CampaignStore,
        table: xr.Dataset | int | None = None,
        *,
        channels: Sequence[str] = ("rgb",),
        batch_size: int = 64,
        filters: Sequence[str] | None = None,
        shuffle: bool = True,
        seed: int = 0,
        buffer_size: int = 128,
        max_in_flight: int = 2,
        drop_last: bool = False,
    ) -> None:
        self.reader = SceneReader(store)
        if not isinstance(table, xr.Dataset):
            table = open_tile_table(self.reader.location, 256 if table is None else table)
        self.batch_size = _positive(batch_size, "batch_size")
        self.buffer_size = int(buffer_size) if shuffle else 0
        if self.buffer_size < 0:
            raise ConfigError(f"buffer_size must be >= 0, got {buffer_size!r}")
        self.max_in_flight = _positive(max_in_flight, "max_in_flight")
        self._arrays = _BatchArrays()
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.channels = Channels.of(self.reader.dataset, list(channels))
        self.tile = np.flatnonzero(usable(table, filters).values)
        if not self.tile.size:
            raise StoreError(
                f"no usable tile: the {table.sizes['tile']} tiles of the table are all flagged "
                f"by filters {list(filters) if filters is not None else 'all'} "
                f"(counts: {flag_counts(table)})"
            )
        row0, col0 = table["row0"].values[self.tile], table["col0"].values[self.tile]
        size = int(table.attrs["tile_size"])
        chunk = chunk_size(self.reader, self.channels.variables)
        self.plan: BlockPlan = plan_blocks(
            table["scene_index"].values[self.tile], row0, col0, size,
            chunk=block_edge(row0, col0, size, chunk),
        )  # fmt: skip

    @property
    def n_tiles(self) -> int:
        """Usable tiles of the table (over all shards)."""
        return int(self.tile.size)

    def shard_plan(self, index: int = 0, count: int = 1, epoch: int = 0) -> BlockPlan:
        """The blocks of one shard in the order of an epoch."""
        plan = self.plan
        if self.shuffle:
            plan = plan.permuted(np.random.default_rng([self.seed, epoch]))
        return plan.shard(index, count)

    def batches(
        self, index: int = 0, count: int = 1, epoch: int = 0
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Batches of one shard in one epoch.

        Yields
        ------
        images : numpy.ndarray of float32, shape ``(B, C, t, t)``
            Normalised tiles.
        tiles : numpy.ndarray of int64, shape ``(B,)``
            Their positions along the table's ``tile`` dim (the tile index for a whole
            table).
        """
        plan = self.shard_plan(index, count, epoch)
        rng = np.random.default_rng([self.seed, epoch, index, count]) if self.shuffle else None
        buffer = _ShuffleBuffer(self.channels, plan.size, rng)
        empty = self._arrays.empty
        hold = max(self.buffer_size, self.batch_size)
        blocks = read_blocks(self.reader, self.channels, plan, max_in_flight=self.max_in_flight)
        for window, block in blocks:
            buffer.add(window, block.rows, block.cols, self.tile[block.members])
            while buffer.n >= hold:
                yield buffer.take(self.batch_size, empty)
        while buffer.n and not (self.drop_last and buffer.n < self.batch_size):
            yield buffer.take(self.batch_size, empty)


def iter_tile_batches(
    store: str | os.PathLike[str] | CampaignStore,
    table: xr.Dataset | int | None = None,
    *,
    shard: tuple[int, int] = (0, 1),
    epoch: int = 0,
    **kwargs: Any,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Numpy batches ``(images (B, C, t, t) float32, tile rows (B,))`` of a store's tiles.

    Parameters
    ----------
    store, table
        See :class:`TileStream`.
    shard : (int, int)
        ``(index, count)``: this call yields the tiles of one of ``count`` disjoint shards.
    epoch : int
        Epoch number (changes the shuffling).
    **kwargs
        :class:`TileStream` options (``channels``, ``batch_size``, ``shuffle``, ...).

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.tiles.table import build_tile_table
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    >>> parts = [np.concatenate([t for _, t in iter_tile_batches(store, table, shard=(i, 2))])
    ...          for i in range(2)]
    >>> sorted(np.concatenate(parts).tolist()) == list(range(table.sizes["tile"]))
    True
    """
    return TileStream(store, table, **kwargs).batches(*shard, epoch=epoch)


def _worker_shard(shard: tuple[int, int]) -> tuple[int, int]:
    """This process's shard: the given ``(index, count)`` split among DataLoader workers."""
    info = get_worker_info()
    index, count = shard
    if info is None:
        return index, count
    return index * info.num_workers + info.id, count * info.num_workers


def _pin(x: torch.Tensor, pin_memory: bool) -> torch.Tensor:
    return x.pin_memory() if pin_memory and get_worker_info() is None else x


class _ShardedDataset(IterableDataset):
    """What the tile and triplet datasets share: their shard, pinning and epochs.

    Each iteration advances the epoch (so a dataset reshuffles every time it is iterated,
    also inside persistent DataLoader workers); :meth:`set_epoch` sets it explicitly, which
    DataLoaders with non-persistent workers need (they iterate copies of the dataset).
    """

    def __init__(self, shard: tuple[int, int], pin_memory: bool | None) -> None:
        super().__init__()
        self.shard = shard
        self.pin_memory = torch.cuda.is_available() if pin_memory is None else bool(pin_memory)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Shuffle as epoch ``epoch`` in the next iteration."""
        self.epoch = int(epoch)

    def _start_epoch(self) -> tuple[int, int, int]:
        """This iteration's epoch and this process's ``(index, count)`` shard."""
        epoch, self.epoch = self.epoch, self.epoch + 1
        return epoch, *_worker_shard(self.shard)

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return _pin(torch.from_numpy(array), self.pin_memory)


class TileDataset(_ShardedDataset):
    """A torch ``IterableDataset`` of batches ``{"image": (B, C, t, t) float32, "tile": (B,)}``.

    Use with ``DataLoader(dataset, batch_size=None)`` (the dataset batches itself) or
    :func:`tile_loader`. Each DataLoader worker streams its own shard of blocks; with
    ``shard=(rank, world_size)`` the shards of several processes split further.

    Parameters
    ----------
    store, table
        See :class:`TileStream`.
    shard : (int, int)
        This process's shard among several (e.g. distributed ranks).
    pin_memory : bool, optional
        Pin batches when iterated in the main process (default: when CUDA is available;
        DataLoader workers leave pinning to the DataLoader's ``pin_memory``).
    **kwargs
        :class:`TileStream` options.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.tiles.table import build_tile_table
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    >>> batch = next(iter(TileDataset(store, table, batch_size=8)))
    >>> batch["image"].shape, batch["image"].dtype, batch["tile"].dtype
    (torch.Size([8, 3, 64, 64]), torch.float32, torch.int64)
    """

    def __init__(
        self,
        store: str | os.PathLike[str] | CampaignStore,
        table: xr.Dataset | int | None = None,
        *,
        shard: tuple[int, int] = (0, 1),
        pin_memory: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(shard, pin_memory)
        self.stream = TileStream(store, table, **kwargs)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        epoch, index, count = self._start_epoch()
        for images, tiles in self.stream.batches(index, count, epoch):
            yield {"image": self._tensor(images), "tile": torch.from_numpy(tiles)}


def tile_loader(
    store: str | os.PathLike[str] | CampaignStore,
    table: xr.Dataset | int | None = None,
    *,
    num_workers: int = 0,
    persistent_workers: bool = False,
    **kwargs: Any,
) -> DataLoader:
    """A ``DataLoader`` over a :class:`TileDataset`, pinning memory when CUDA is present.

    Parameters
    ----------
    store, table
        See :class:`TileStream`.
    num_workers : int
        DataLoader worker processes; each streams a disjoint shard.
    persistent_workers : bool
        Keep the workers between epochs (each worker's dataset then advances its epoch by
        itself).
    **kwargs
        :class:`TileDataset` options.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.tiles.table import build_tile_table
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    >>> sum(len(b["tile"]) for b in tile_loader(store, table, batch_size=5))
    24
    """
    dataset = TileDataset(store, table, **kwargs)
    return DataLoader(
        dataset,
        batch_size=None,
        num_workers=int(num_workers),
        pin_memory=torch.cuda.is_available(),
        persistent_workers=bool(persistent_workers) and num_workers > 0,
    )


class TripletDataset(_ShardedDataset):
    """A torch ``IterableDataset`` of triplet batches for Tile2Vec training.

    Yields ``{"anchor", "neighbor", "distant"}`` (each ``(B, C, t, t)`` float32, normalised
    as :class:`TileStream` does) and ``"triplet"`` (ids). Triplets are visited in a random
    order per epoch (seeded, the same in every worker) and split among DataLoader workers
    and ``shard`` with :func:`~cloudorg.tiles.triplets.shard_triplets`.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    triplets : xarray.Dataset
        From :func:`~cloudorg.tiles.triplets.sample_triplets`.
    channels : sequence of str
        Scene variables stacked as channels.
    batch_size : int
        Triplets per batch.
    shuffle : bool
        Random order of the triplets (else their order in the table).
    seed : int
        Seed of the order.
    shard : (int, int)
        This process's shard among several.
    pin_memory : bool, optional
        Pin batches in the main process (default: when CUDA is available).

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.tiles.table import build_tile_table
    >>> from cloudorg.tiles.triplets import sample_triplets
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    >>> batch = next(iter(TripletDataset(store, sample_triplets(table, 6), batch_size=4)))
    >>> batch["anchor"].shape, batch["triplet"].shape
    (torch.Size([4, 3, 64, 64]), torch.Size([4]))
    """

    def __init__(
        self,
        store: str | os.PathLike[str] | CampaignStore,
        triplets: xr.Dataset,
        *,
        channels: Sequence[str] = ("rgb",),
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int = 0,
        shard: tuple[int, int] = (0, 1),
        pin_memory: bool | None = None,
    ) -> None:
        super().__init__(shard, pin_memory)
        self.reader = SceneReader(store)
        self.triplets = triplets
        self.channels = Channels.of(self.reader.dataset, list(channels))
        self.chunk = chunk_size(self.reader, self.channels.variables)
        self.batch_size = _positive(batch_size, "batch_size")
        self.shuffle, self.seed = bool(shuffle), int(seed)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        epoch, index, count = self._start_epoch()
        n = self.triplets.sizes["triplet"]
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        mine = shard_triplets(self.triplets.isel(triplet=order), index, count)
        for start in range(0, mine.sizes["triplet"], self.batch_size):
            batch = mine.isel(triplet=slice(start, start + self.batch_size))
            raw = triplet_tiles(self.reader, self.channels, batch, chunk=self.chunk)
            images = self.channels.normalise(raw.reshape(-1, *raw.shape[2:])).reshape(raw.shape)
            out = {
                role: self._tensor(np.ascontiguousarray(images[:, i]))
                for i, role in enumerate(ROLES)
            }
            out["triplet"] = torch.tensor(batch["triplet"].values)
            yield out
