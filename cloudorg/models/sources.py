"""Training tiles of a campaign store (the adapter to :mod:`cloudorg.tiles`).

:func:`triplets_from_store` opens (or builds) the store's tile table, holds out a fraction
of its scenes for validation, samples triplets in each part with
:func:`cloudorg.tiles.triplets.sample_triplets` and returns them as
:class:`StoreTriplets`: map-style torch datasets that read and normalise a whole batch of
triplets at once (each storage block read once per batch). Training draws them through
:class:`~cloudorg.models.data.ShuffledBatches`, so a resumed run jumps straight to its
batch.

:func:`labelled_tiles_from_store` reads the usable tiles of the tile table that carry a
class (the table's ``label``: the majority class of the tile, from the synthetic
ground-truth ``pattern`` or from Zooniverse boxes, see :mod:`cloudorg.tiles.label_maps`)
into a :class:`~cloudorg.models.classifier.LabelledTiles` with their scene ids, ready to
be split by scene and given to :func:`~cloudorg.models.classifier.train_classifier`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
import xarray as xr
from torch.utils.data import Dataset

from ..distributed import ClientLike
from ..errors import ConfigError, StoreError
from ..store import CampaignStore
from ..tiles.cutting import SceneReader, chunk_size
from ..tiles.filters import usable
from ..tiles.grid import TileSpec
from ..tiles.loader import TileStream
from ..tiles.normalise import Channels
from ..tiles.table import build_tile_table, open_tile_table, tile_table_group
from ..tiles.triplets import ROLES, sample_triplets, triplet_tiles
from .classifier import LabelledTiles
from .config import DataConfig, Tile2VecConfig
from .data import split_scenes

__all__ = [
    "StoreTriplets",
    "labelled_tiles_from_store",
    "open_or_build_table",
    "triplets_from_store",
]


class StoreTriplets(Dataset):
    """Triplets of a store, read on demand: items ``(anchor, neighbour, distant)``.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    triplets : xarray.Dataset
        A triplet table (:func:`cloudorg.tiles.triplets.sample_triplets`).
    channels : sequence of str
        Scene variables stacked as channels, normalised as the tiles loader does.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.tiles.table import build_tile_table
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    >>> data = StoreTriplets(store, sample_triplets(table, 3), ["brightness_temperature_11"])
    >>> [tuple(t.shape) for t in data[0]]
    [(1, 64, 64), (1, 64, 64), (1, 64, 64)]
    """

    def __init__(
        self,
        store: str | os.PathLike[str] | CampaignStore,
        triplets: xr.Dataset,
        channels: Sequence[str] = ("rgb",),
    ) -> None:
        self.reader = SceneReader(store)
        self.triplets = triplets
        self.channels = Channels.of(self.reader.dataset, list(channels))
        self.chunk = chunk_size(self.reader, self.channels.variables)

    def __len__(self) -> int:
        return int(self.triplets.sizes["triplet"])

    @property
    def scenes(self) -> list[str]:
        """Scene ids of the triplets' tiles (anchor, neighbour and distant), sorted."""
        return sorted(set(self.triplets["scene_id"].values.ravel().tolist()))

    def __getitems__(self, indices: Sequence[int]) -> tuple[torch.Tensor, ...]:
        """The triplets ``indices`` as three ``(B, C, t, t)`` float32 tensors."""
        batch = self.triplets.isel(triplet=np.asarray(indices, dtype=np.int64))
        raw = triplet_tiles(self.reader, self.channels, batch, chunk=self.chunk)
        images = self.channels.normalise(raw.reshape(-1, *raw.shape[2:])).reshape(raw.shape)
        return tuple(torch.from_numpy(np.ascontiguousarray(images[:, i]))
                     for i in range(len(ROLES)))  # fmt: skip

    def __getitem__(self, index: int) -> tuple[torch.Tensor, ...]:
        return tuple(t[0] for t in self.__getitems__([index]))


def open_or_build_table(
    store: str | os.PathLike[str] | CampaignStore,
    data: DataConfig,
    *,
    client: ClientLike = None,
    progress: bool = True,
) -> xr.Dataset:
    """The store's tile table of ``data``'s tiling, built (on ``client``) when missing.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1)
    >>> open_or_build_table(store, DataConfig(tile_size=64), client="synchronous",
    ...                     progress=False).sizes["tile"]
    1
    """
    try:
        return open_tile_table(store, data.tile_size, stride=data.stride, edge=data.edge)
    except StoreError:
        return build_tile_table(store, data.tile_size, stride=data.stride, edge=data.edge,
                                client=client, progress=progress)  # fmt: skip


def _sample(table: xr.Dataset, scenes: list[str], n: int, data: DataConfig, seed: int):
    part = table.isel(tile=np.isin(table["scene_id"].values.astype(str), scenes))
    filters = None if data.filters is None else list(data.filters)
    # distant tiles come from another scene; a part of one scene takes them a tile away
    min_distance = float(data.tile_size) if len(scenes) == 1 else None
    return sample_triplets(part, n, seed=seed, neighbour_distance=data.neighbour_distance,
                           distant_min_distance=min_distance, filters=filters)  # fmt: skip


def triplets_from_store(
    store: str | os.PathLike[str] | CampaignStore,
    config: Tile2VecConfig,
    *,
    client: ClientLike = None,
    progress: bool = True,
) -> tuple[StoreTriplets, StoreTriplets | None]:
    """Training and validation triplets of a store, split by scene.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    config : Tile2VecConfig
        ``config.data``: tiling, channels, filters, number of triplets;
        ``config.training``: ``seed``, ``val_fraction`` (of the scenes with usable tiles),
        ``val_batches * batch_size`` validation triplets.
    client : Client, str, None or "synchronous"
        Where a missing tile table is built.
    progress : bool
        Progress bar while building a tile table.

    Returns
    -------
    (StoreTriplets, StoreTriplets or None)
        Training triplets, and validation triplets whose tiles all come from the held-out
        scenes (``None`` when ``val_fraction`` is 0).

    Raises
    ------
    cloudorg.errors.StoreError
        When the store has too few usable tiles or scenes.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.models.config import DataConfig, Tile2VecConfig, TrainingConfig
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 4)
    >>> cfg = Tile2VecConfig(data=DataConfig(tile_size=64, stride=16, n_triplets=8),
    ...                      training=TrainingConfig(val_fraction=0.5, val_batches=1, batch_size=4))
    >>> train, val = triplets_from_store(store, cfg, client="synchronous", progress=False)
    >>> len(train), len(val), set(train.scenes) & set(val.scenes)
    (8, 4, set())
    >>> anchor, neighbour, distant = train.__getitems__([0, 1])
    >>> tuple(anchor.shape), anchor.dtype
    ((2, 3, 64, 64), torch.float32)
    """
    data, tc = config.data, config.training
    table = open_or_build_table(store, data, client=client, progress=progress)
    filters = None if data.filters is None else list(data.filters)
    scenes = table["scene_id"].values.astype(str)[usable(table, filters).values]
    train_scenes, val_scenes = split_scenes(scenes, tc.val_fraction, seed=tc.seed)
    channels = list(data.channels)
    n_train = data.n_triplets or tc.steps * tc.batch_size
    train = StoreTriplets(store, _sample(table, train_scenes, n_train, data, tc.seed), channels)
    if not val_scenes:
        return train, None
    n_val = tc.val_batches * tc.batch_size
    val = StoreTriplets(store, _sample(table, val_scenes, n_val, data, tc.seed + 1), channels)
    return train, val


def labelled_tiles_from_store(
    store: str | os.PathLike[str] | CampaignStore,
    data: DataConfig,
    *,
    min_label_fraction: float = 0.5,
    batch_size: int = 256,
    client: ClientLike = None,
    progress: bool = True,
) -> tuple[LabelledTiles, np.ndarray]:
    """The labelled usable tiles of a store, in memory, with their scenes and table rows.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store (the tile table of ``data``'s tiling is built when missing).
    data : DataConfig
        Tiling, channels (normalised as everywhere, :mod:`cloudorg.tiles.normalise`) and
        quality filters (``None``: every flag excludes).
    min_label_fraction : float
        Keep a tile of class 1-4 only when its class covers at least this fraction of it;
        tiles of class 0 (no class on any pixel) are kept as ``none``.
    batch_size : int
        Tiles read at once.
    client : Client, str, None or "synchronous"
        Where a missing tile table is built.
    progress : bool
        Progress bar while building a tile table.

    Returns
    -------
    (LabelledTiles, numpy.ndarray)
        The tiles ``(N, C, t, t)`` float32 (memory: ``N * C * t * t * 4`` bytes), their
        class codes and scene ids; and their rows of the tile table.

    Raises
    ------
    cloudorg.errors.StoreError
        When the tile table has no labels or no tile is labelled and usable.
    cloudorg.errors.ConfigError
        For ``min_label_fraction`` outside [0, 1].

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> tiles, rows = labelled_tiles_from_store(store, DataConfig(tile_size=64, stride=32),
    ...                                         client="synchronous", progress=False)
    >>> tuple(tiles.images.shape), tiles.labels.tolist(), sorted(set(tiles.scene_ids))
    ((6, 3, 64, 64), [1, 2, 3, 1, 2, 3], ['example_00', 'example_01'])
    """
    if not 0.0 <= min_label_fraction <= 1.0:
        raise ConfigError(f"min_label_fraction: expected a number in [0, 1], got "
                          f"{min_label_fraction}")  # fmt: skip
    store = CampaignStore.open(store)
    table = open_or_build_table(store, data, client=client, progress=progress)
    group = tile_table_group(TileSpec(data.tile_size, data.stride, data.edge))
    if "label" not in table:
        raise StoreError(
            f"{store.url}: the tile table {group} has no labels (no ground-truth pattern in "
            "the store); build it with Zooniverse boxes: `cloudorg tiles STORE --size "
            f"{data.tile_size} --labels CSV`"
        )
    label = table["label"].values.astype(np.int64)
    fraction = table["label_fraction"].values
    filters = None if data.filters is None else list(data.filters)
    keep = usable(table, filters).values & (
        (label == 0) | ((label > 0) & (fraction >= min_label_fraction))
    )
    rows = np.flatnonzero(keep)
    if not rows.size:
        raise StoreError(
            f"{store.url}: no usable tile of {group} has a label covering at least "
            f"{min_label_fraction} of it (labels {np.bincount(label).tolist()}); lower "
            "min_label_fraction (`--min-label-fraction`) or the filters"
        )
    part = table.isel(tile=rows)
    stream = TileStream(store, part, channels=list(data.channels), batch_size=batch_size,
                        filters=filters, shuffle=False)  # fmt: skip
    t = data.tile_size
    images = np.empty((rows.size, len(stream.channels), t, t), dtype=np.float32)
    for batch, ids in stream.batches():
        images[ids] = batch
    scenes = part["scene_id"].values.astype(str).tolist()
    return LabelledTiles(images, label[rows], scene_ids=scenes), rows
