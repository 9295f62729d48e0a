"""Supervised classification of a campaign store's labelled tiles (``cloudorg classify``).

:func:`labelled_tiles_from_store` reads the usable tiles of a store's tile table that
carry a class (the table's ``label``: the majority class of the tile, from the synthetic
ground-truth ``pattern`` or from Zooniverse boxes, see :mod:`cloudorg.tiles.labelling`)
into a :class:`~cloudorg.models.classifier.LabelledTiles` with their scene ids, ready to
be split by scene and given to :func:`~cloudorg.models.classifier.train_classifier`.
:func:`metrics_summary` gives the confusion matrix and the per-class precision and recall
of :func:`~cloudorg.models.classifier.classification_metrics` as plain JSON-ready data
(:func:`cloudorg.plots.plot_classification` draws them).

Examples
--------
>>> from cloudorg.models.classifier import classification_metrics
>>> summary = metrics_summary(classification_metrics([1, 1, 4], [1, 4, 4]))
>>> summary["accuracy"], summary["classes"]["sugar"]["recall"]
(0.6667, 0.5)
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from ..distributed import ClientLike
from ..errors import ConfigError, StoreError
from ..store import CampaignStore
from ..tiles.filters import usable
from ..tiles.grid import TileSpec
from ..tiles.loader import TileStream
from ..tiles.table import tile_table_group
from .classifier import LabelledTiles
from .config import DataConfig
from .sources import open_or_build_table

__all__ = ["labelled_tiles_from_store", "metrics_summary"]


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


def metrics_summary(metrics: xr.Dataset) -> dict:
    """:func:`~cloudorg.models.classifier.classification_metrics` as plain data (JSON):
    accuracy, per-class precision, recall and support (NaN as ``None``), the confusion
    matrix (rows: true classes) and the class names, rounded to 4 digits.

    Examples
    --------
    >>> from cloudorg.models.classifier import classification_metrics
    >>> metrics_summary(classification_metrics([0, 1], [0, 0]))["confusion"][:2]
    [[1, 0, 0, 0, 0], [1, 0, 0, 0, 0]]
    """

    def number(v: float) -> float | None:
        return None if not np.isfinite(v) else round(float(v), 4)

    names = [str(c) for c in metrics["class"].values]
    per_class = {
        c: {"precision": number(p), "recall": number(r), "support": int(s)}
        for c, p, r, s in zip(
            names,
            metrics.precision.values,
            metrics.recall.values,
            metrics.support.values,
            strict=True,
        )
    }
    return {
        "accuracy": number(float(metrics.accuracy)),
        "classes": per_class,
        "class_names": names,
        "confusion": metrics.confusion.values.astype(int).tolist(),
    }
