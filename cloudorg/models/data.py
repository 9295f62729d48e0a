"""Training data as resumable batch streams, and triplets held in memory.

A trainer asks a :class:`BatchSource` for ``batches(start)``: the batches of a run from
batch number ``start`` on, so that a resumed run sees exactly the batches an uninterrupted
run would have seen.

- :class:`ShuffledBatches` draws batches from a map-style dataset (any ``torch`` Dataset
  with ``__len__`` and ``__getitem__``) in a seeded order per epoch; it jumps straight to
  ``start``.
- :class:`StreamBatches` wraps an iterable (e.g. a ``torch`` IterableDataset) that yields
  batches, or single samples it groups into batches; it iterates it again when a pass
  ends and, to start at ``start``, reads and skips ``start`` batches. To resume exactly, a
  newly made iterable must give the same sequence of passes (seeded; passes may differ
  from each other, as the epochs of :class:`cloudorg.tiles.loader.TripletDataset` do).

Examples
--------
>>> import torch
>>> data = TripletTensors(torch.zeros(10, 1, 8, 8), torch.zeros(10, 1, 8, 8),
...                       torch.zeros(10, 1, 8, 8), scene_ids=list("aabbccddee"))
>>> train, val = data.split_by_scene(0.2, seed=0)
>>> len(train), len(val), sorted(set(val.scene_ids))
(8, 2, ['c'])
>>> a, n, d, scenes = next(ShuffledBatches(train, batch_size=4).batches())
>>> tuple(a.shape), len(scenes)
((4, 1, 8, 8), 4)
"""

from __future__ import annotations

import itertools
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, default_collate

from ..errors import ConfigError

__all__ = [
    "BatchSource",
    "ShuffledBatches",
    "StreamBatches",
    "TripletTensors",
    "as_batch_source",
    "prefetch",
    "split_scenes",
]

Batch = Any
T = TypeVar("T")
_END = object()


def prefetch(iterable: Iterable[T], depth: int = 2) -> Iterator[T]:
    """The items of ``iterable``, produced up to ``depth`` ahead in a background thread.

    Reading and preparing the next batches overlaps the model's work on this one (torch
    releases the GIL). An exception of the producer is raised here, in order. The
    producer must not draw from global random generators (the order of draws would then
    depend on thread timing).

    Examples
    --------
    >>> list(prefetch(range(5)))
    [0, 1, 2, 3, 4]
    """
    if depth < 1:
        raise ConfigError(f"depth: expected a positive integer, got {depth}")
    q: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in iterable:
                if not put((True, item)):
                    return
        except BaseException as err:  # handed to the consumer, raised there
            put((False, err))
            return
        put((True, _END))

    thread = threading.Thread(target=produce, name="cloudorg-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = q.get()
            if not ok:
                raise item
            if item is _END:
                return
            yield item
    finally:
        stop.set()


class BatchSource(ABC):
    """Base class of what yields the batches of a run from a given batch number on."""

    @abstractmethod
    def batches(self, start: int = 0) -> Iterator[Batch]:
        """Batches number ``start``, ``start + 1``, ... (endless for training)."""


def split_scenes(
    scene_ids: Iterable[str], fraction: float, *, seed: int = 0
) -> tuple[list[str], list[str]]:
    """Split scene ids into training and validation scenes (a seeded choice).

    At least one scene goes to validation when ``fraction > 0``, and at least one stays
    for training.

    Examples
    --------
    >>> split_scenes(["s1", "s2", "s3", "s4"], 0.25, seed=0)
    (['s1', 's2', 's4'], ['s3'])
    """
    unique = sorted(set(scene_ids))
    if not 0 <= fraction < 1:
        raise ConfigError(f"val_fraction: expected a number in [0, 1), got {fraction}")
    n_val = 0 if fraction == 0 else max(1, round(fraction * len(unique)))
    if n_val and n_val >= len(unique):
        raise ConfigError(
            f"val_fraction {fraction}: {len(unique)} scene(s) cannot be split into training "
            "and validation scenes; use more scenes or val_fraction 0"
        )
    order = np.random.default_rng(seed).permutation(len(unique))
    val = sorted(unique[i] for i in order[:n_val])
    return [s for s in unique if s not in set(val)], val


class TripletTensors(Dataset):
    """In-memory triplets: anchor, neighbour and distant tiles ``(N, C, H, W)``.

    Items are ``(anchor, neighbour, distant, scene_id)``.

    Parameters
    ----------
    anchor, neighbour, distant : torch.Tensor
        float32 tensors of equal shape.
    scene_ids : sequence of str, optional
        The anchor's scene of each triplet (for a validation split by scene).

    Examples
    --------
    >>> import torch
    >>> t = TripletTensors(*torch.zeros(3, 5, 2, 4, 4))
    >>> len(t), t[0][0].shape, t[0][3]
    (5, torch.Size([2, 4, 4]), '')
    """

    def __init__(
        self,
        anchor: torch.Tensor,
        neighbour: torch.Tensor,
        distant: torch.Tensor,
        *,
        scene_ids: Sequence[str] | None = None,
    ) -> None:
        if not (anchor.shape == neighbour.shape == distant.shape) or anchor.ndim != 4:
            raise ConfigError(
                "triplets: expected anchor, neighbour and distant (N, C, H, W) tensors of "
                f"equal shape, got {tuple(anchor.shape)}, {tuple(neighbour.shape)}, "
                f"{tuple(distant.shape)}"
            )
        if scene_ids is not None and len(scene_ids) != len(anchor):
            raise ConfigError(f"scene_ids: expected {len(anchor)} ids, got {len(scene_ids)}")
        self.tensors = tuple(t.float() for t in (anchor, neighbour, distant))
        self.scene_ids = [str(s) for s in scene_ids] if scene_ids is not None else None

    def __len__(self) -> int:
        return len(self.tensors[0])

    def _scenes(self, index: Any) -> list[str]:
        ids = self.scene_ids or [""] * len(self)
        return [ids[i] for i in np.atleast_1d(np.asarray(index))]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, str]:
        return (*(t[index] for t in self.tensors), self._scenes(index)[0])  # type: ignore[return-value]

    def __getitems__(self, indices: Sequence[int]) -> tuple[Any, ...]:
        """A whole batch at once (one gather per tensor, as a DataLoader asks for it)."""
        index = torch.as_tensor(indices, dtype=torch.long)
        return (*(t[index] for t in self.tensors), self._scenes(indices))

    def subset(self, scenes: Iterable[str]) -> TripletTensors:
        """The triplets whose anchor comes from one of ``scenes``.

        Examples
        --------
        >>> t = TripletTensors(*torch.zeros(3, 4, 1, 2, 2), scene_ids=["a", "b", "a", "c"])
        >>> len(t.subset(["a"]))
        2
        """
        keep = set(scenes)
        index = torch.tensor([i for i, s in enumerate(self._scenes(range(len(self)))) if s in keep],
                             dtype=torch.long)  # fmt: skip
        return TripletTensors(*(t[index] for t in self.tensors),
                              scene_ids=self._scenes(index.numpy()))  # fmt: skip

    def split_by_scene(self, fraction: float, *, seed: int = 0) -> tuple[TripletTensors, ...]:
        """``(train, validation)`` triplets, split by anchor scene (:func:`split_scenes`).

        Examples
        --------
        >>> t = TripletTensors(*torch.zeros(3, 4, 1, 2, 2), scene_ids=["a", "b", "a", "c"])
        >>> [len(part) for part in t.split_by_scene(0.3, seed=0)]
        [3, 1]
        """
        if self.scene_ids is None:
            raise ConfigError("triplets: a split by scene needs scene_ids")
        train, val = split_scenes(self.scene_ids, fraction, seed=seed)
        return self.subset(train), self.subset(val)


def _collate(dataset: Any, indices: list[int]) -> Batch:
    if hasattr(dataset, "__getitems__"):
        return dataset.__getitems__(indices)
    return default_collate([dataset[i] for i in indices])


class ShuffledBatches(BatchSource):
    """Seeded batches of a map-style dataset; epoch ``e`` uses its own permutation.

    Parameters
    ----------
    dataset : torch Dataset
        Map-style (``__len__``, ``__getitem__``; ``__getitems__`` used when present).
    batch_size : int
        Samples per batch.
    seed : int
        Seed of the order.
    shuffle : bool
        Permute each epoch (else the dataset order).
    repeat : bool
        Go on epoch after epoch (training); else stop after one epoch (validation).
    drop_last : bool
        Drop the last, incomplete batch of an epoch.

    Examples
    --------
    >>> import torch
    >>> ds = torch.utils.data.TensorDataset(torch.arange(6))
    >>> src = ShuffledBatches(ds, batch_size=2, seed=3)
    >>> run = [b[0].tolist() for b in itertools.islice(src.batches(), 5)]
    >>> run[2:] == [b[0].tolist() for b in itertools.islice(src.batches(start=2), 3)]
    True
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int,
        *,
        seed: int = 0,
        shuffle: bool = True,
        repeat: bool = True,
        drop_last: bool = True,
    ) -> None:
        self.dataset, self.batch_size, self.seed = dataset, batch_size, seed
        self.shuffle, self.repeat = shuffle, repeat
        n = len(dataset)
        self.per_epoch = n // batch_size if drop_last else -(-n // batch_size)
        if self.per_epoch == 0:
            raise ConfigError(
                f"batch_size {batch_size}: larger than the dataset ({n} samples); use a "
                "smaller batch or more data"
            )

    def _order(self, epoch: int) -> torch.Tensor:
        n = len(self.dataset)
        if not self.shuffle:
            return torch.arange(n)
        return torch.randperm(n, generator=torch.Generator().manual_seed(self.seed + 7919 * epoch))

    def batches(self, start: int = 0) -> Iterator[Batch]:
        """Batches from number ``start`` on."""
        epoch, offset = divmod(start, self.per_epoch)
        while self.repeat or epoch == 0:
            order = self._order(epoch)
            for b in range(offset, self.per_epoch):
                batch = order[b * self.batch_size : (b + 1) * self.batch_size]
                yield _collate(self.dataset, batch.tolist())
            epoch, offset = epoch + 1, 0


def _first_tensor(item: Any) -> torch.Tensor:
    if isinstance(item, Mapping):
        return _first_tensor(next(iter(item.values())))
    if isinstance(item, tuple | list):
        return _first_tensor(item[0])
    return item


class StreamBatches(BatchSource):
    """Batches of an iterable that yields batches, or samples grouped ``batch_size`` at a time.

    An item (tuple or dict of tensors) whose first tensor is 4-D ``(N, C, H, W)`` is a
    batch; 3-D is a sample.
    With ``repeat`` the iterable is iterated again when it ends (an epoch each pass), as
    long as a pass yields anything.

    Examples
    --------
    >>> import torch
    >>> samples = [(torch.full((1, 2, 2), float(i)),) for i in range(5)]
    >>> src = StreamBatches(samples, batch_size=2, repeat=False)
    >>> [b[0][:, 0, 0, 0].tolist() for b in src.batches(1)]
    [[2.0, 3.0]]
    """

    def __init__(self, iterable: Iterable[Any], batch_size: int, *, repeat: bool = True) -> None:
        self.iterable, self.batch_size, self.repeat = iterable, batch_size, repeat

    def _one_pass(self) -> Iterator[Batch]:
        it = iter(self.iterable)
        for first in it:
            head = _first_tensor(first)
            if head.ndim == 4:
                yield first
                yield from it
                return
            rest = list(itertools.islice(it, self.batch_size - 1))
            if len(rest) == self.batch_size - 1:
                yield default_collate([first, *rest])

    def _all(self) -> Iterator[Batch]:
        while True:
            empty = True
            for batch in self._one_pass():
                empty = False
                yield batch
            if empty or not self.repeat:
                return

    def batches(self, start: int = 0) -> Iterator[Batch]:
        """Batches from number ``start`` on (the first ``start`` are read and skipped)."""
        return itertools.islice(self._all(), start, None)


def as_batch_source(
    data: Any, batch_size: int, *, seed: int = 0, training: bool = True
) -> BatchSource:
    """A :class:`BatchSource` for a batch source, a map-style torch Dataset, or an iterable.

    A ``torch.utils.data.Dataset`` that is not an ``IterableDataset`` is drawn from by
    :class:`ShuffledBatches` (shuffled and endless for training, in order and once for
    validation); anything else iterable (lists, generators, IterableDatasets) goes
    through :class:`StreamBatches`.

    Examples
    --------
    >>> import torch
    >>> ds = torch.utils.data.TensorDataset(torch.zeros(4, 1, 2, 2))
    >>> type(as_batch_source(ds, 2)).__name__, type(as_batch_source([], 2)).__name__
    ('ShuffledBatches', 'StreamBatches')
    """
    if isinstance(data, BatchSource):
        return data
    if isinstance(data, Dataset) and not isinstance(data, IterableDataset):
        return ShuffledBatches(data, batch_size, seed=seed, shuffle=training, repeat=training,
                               drop_last=training)  # fmt: skip
    return StreamBatches(data, batch_size, repeat=training)
