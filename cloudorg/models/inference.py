"""Streaming inference: the embedding of every tile of a store, written into the store.

:func:`embed` streams the usable tiles of a tile table from the store (the tiles loader,
:class:`cloudorg.tiles.loader.TileStream`, in table order) through an embedder in batches,
on the best device, and writes them to the zarr group ``embeddings/<tiling>``
(``xr.open_zarr(store, group="embeddings/256px")``):

- ``embeddings`` ``(tile, embedding)`` float32, row ``i`` the embedding of row ``i`` of the
  tile table (NaN for tiles the filters exclude), with the table's ``scene_id``,
  ``scene_index``, ``row0`` and ``col0`` as coordinates;
- attributes: ``model_id`` (hash of config and weights), ``model_config`` (JSON), the tile
  table, channels and their normalisation, ``filters``, ``block_size``,
  ``completed_blocks`` and ``complete``.

Tiles go in blocks of ``block_size`` table rows (the zarr chunks); each block is recorded
in ``completed_blocks`` once written, so a rerun with the same model continues where an
interrupted run stopped. Reading overlaps compute: the loader reads storage blocks in a
thread pool and a background thread cuts and normalises the next batches while the model
works on this one.

Where it runs:

- ``client=None`` with no active Dask client, or ``"synchronous"``: in this process, on
  CUDA when available (bf16 autocast), else on the CPU with ``torch.set_num_threads``
  set explicitly (all available cores by default);
- a Dask client (or the active one, or a scheduler address): one task per block
  (``embed-block<k>``); the weights are scattered to every worker once
  (``broadcast=True``) and each worker builds the model once. When workers declare a
  ``GPU`` resource (``dask worker --resources GPU=1``) the tasks ask for one and run on
  those workers' CUDA device; CPU tasks use one torch thread per Dask thread.

Examples
--------
>>> embeddings_group(TileSpec(128))
'embeddings/128px'
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
import xarray as xr
import zarr
from tqdm.auto import tqdm

from ..distributed import SYNCHRONOUS, ClientLike, active_client, cluster_client, map_ordered
from ..errors import ConfigError, StoreError
from ..store import CampaignStore, quiet_zarr
from ..tiles.filters import usable
from ..tiles.grid import TileSpec, as_store
from ..tiles.loader import TileStream
from ..tiles.normalise import Channels
from ..tiles.table import tile_table_group
from .checkpoint import load_checkpoint
from .config import DataConfig
from .data import prefetch
from .device import autocast, place_model, resolve_device, set_torch_threads, to_device
from .embedder import Embedder, embedder_from_state
from .sources import open_or_build_table

__all__ = ["EMBEDDINGS_GROUP", "embed", "embeddings_group", "open_embeddings"]

EMBEDDINGS_GROUP = "embeddings"
VARIABLE = "embeddings"
_TABLE_COORDS = ("scene_id", "scene_index", "row0", "col0")


def embeddings_group(spec: TileSpec) -> str:
    """The store group of the embeddings of a tiling: ``embeddings/<tiling>``.

    Examples
    --------
    >>> embeddings_group(TileSpec(256, stride=128))
    'embeddings/256px_stride128'
    """
    return f"{EMBEDDINGS_GROUP}/{spec.name}"


@dataclass(frozen=True)
class _Weights:
    """A model as shipped to Dask workers (scattered once, built once per worker)."""

    model_id: str
    config: dict[str, Any]
    state: dict[str, torch.Tensor]

    @classmethod
    def of(cls, model: Embedder) -> _Weights:
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        return cls(model.model_id, model.config.to_dict(), state)

    def build(self) -> Embedder:
        return embedder_from_state(self.config, self.state)


@dataclass(frozen=True)
class _Job:
    """What every block needs besides its rows of the tile table."""

    store: str
    channels: tuple[str, ...]
    filters: tuple[str, ...] | None
    batch_size: int
    device: str
    mixed_precision: bool
    threads: int | None
    embedding_dim: int

    def batches(
        self, items: Iterable[tuple[int, xr.Dataset]], pin: bool
    ) -> Iterator[tuple[int, int, np.ndarray | None, np.ndarray | None]]:
        """``(block, rows, images, ids)`` per batch of each block, then ``(block, rows,
        None, None)`` when a block is done."""
        for block, rows in items:
            n = rows.sizes["tile"]
            if int(usable(rows, self.filters).sum()):
                stream = TileStream(self.store, rows, channels=self.channels,
                                    batch_size=self.batch_size, filters=self.filters,
                                    shuffle=False)  # fmt: skip
                for images, ids in stream.batches():
                    tensor = torch.from_numpy(images)
                    yield block, n, tensor.pin_memory() if pin else tensor, ids
            yield block, n, None, None

    def run(
        self, model: Embedder, items: Iterable[tuple[int, xr.Dataset]]
    ) -> Iterator[tuple[int, np.ndarray]]:
        """``(block, embeddings (rows, dim))`` of each block, NaN for unusable tiles."""
        dev = resolve_device(self.device)
        if dev.type == "cpu":
            set_torch_threads(self.threads)
        model = place_model(model, dev).eval()
        out: np.ndarray | None = None
        batches = prefetch(self.batches(items, pin=dev.type == "cuda"), depth=3)
        try:
            for block, n, images, ids in batches:
                if out is None:
                    out = np.full((n, self.embedding_dim), np.nan, dtype=np.float32)
                if images is None:
                    yield block, out
                    out = None
                    continue
                with torch.inference_mode(), autocast(dev, self.mixed_precision):
                    z = model(to_device(images, dev))
                out[ids] = z.float().cpu().numpy()
        finally:
            batches.close()


_WORKER_MODEL: dict[str, Embedder] = {}
_WORKER_LOCK = threading.Lock()


def _embed_block(
    item: tuple[int, xr.Dataset], job: _Job, weights: _Weights
) -> tuple[int, np.ndarray]:
    """A Dask task: the embeddings of one block, with this worker's copy of the model."""
    with _WORKER_LOCK:  # one model per worker process, built by its first task
        model = _WORKER_MODEL.get(weights.model_id)
        if model is None:
            _WORKER_MODEL.clear()
            model = _WORKER_MODEL[weights.model_id] = weights.build()
    return next(job.run(model, [item]))


def _resolve_model(
    model: Embedder | str | os.PathLike[str],
) -> tuple[Embedder, DataConfig]:
    if isinstance(model, Embedder):
        return model, DataConfig()
    state = load_checkpoint(model)
    net = embedder_from_state(state.config.get("model", {}), state.model)
    return net, DataConfig.from_dict(state.config.get("data", {}))


def _data_config(
    data: DataConfig,
    tile_size: int | None,
    stride: int | None,
    edge: str | None,
    channels: Sequence[str] | None,
    filters: Sequence[str] | None,
) -> DataConfig:
    """``data`` (a checkpoint's) with the arguments given to :func:`embed` instead."""
    changes: dict[str, Any] = {"tile_size": tile_size, "stride": stride} if tile_size else {}
    if edge is not None:
        changes["edge"] = edge
    if channels:
        changes["channels"] = tuple(channels)
    if filters is not None:
        changes["filters"] = tuple(filters)
    return data.replace(**changes)


def _template(table: xr.Dataset, model: Embedder, block_size: int, attrs: dict) -> xr.Dataset:
    import dask.array as da

    n, dim = table.sizes["tile"], model.config.embedding_dim
    data = da.full((n, dim), np.nan, dtype=np.float32, chunks=(block_size, dim))
    coords = {c: ("tile", table[c].values) for c in _TABLE_COORDS}
    coords["tile"] = ("tile", np.arange(n, dtype=np.int64))
    var = xr.Variable(("tile", "embedding"), data, {
        "long_name": "Tile2Vec embedding of the tile", "units": "1",
    })  # fmt: skip
    return xr.Dataset({VARIABLE: var}, coords=coords, attrs=attrs)


def _open_or_create(
    store: CampaignStore, group: str, template: xr.Dataset, overwrite: bool
) -> set[int]:
    """Completed blocks of an existing group of the same model, or a new group (none)."""
    root = zarr.open_group(store.path, mode="r+", use_consolidated=False)
    if group in root and not overwrite:
        attrs = dict(root[group].attrs)
        same = {k: attrs.get(k) for k in ("model_id", "block_size", "n_tiles", "filters",
                                          "channels")}  # fmt: skip
        want = {k: template.attrs[k] for k in same}
        if same == want:
            return set(attrs.get("completed_blocks", []))
        diffs = ", ".join(f"{k}: {same[k]!r} in the store, {want[k]!r} now" for k in same
                          if same[k] != want[k])  # fmt: skip
        raise StoreError(
            f"{store.path}: group {group} holds other embeddings ({diffs}); pass "
            "overwrite=True (`--overwrite`) to replace them"
        )
    encoding = {VARIABLE: {"chunks": template[VARIABLE].data.chunksize, "_FillValue": np.nan}}
    template.to_zarr(store.path, group=group, mode="w", compute=False, consolidated=False,
                     encoding=encoding, zarr_format=store.zarr_format)  # fmt: skip
    return set()


def embed(
    store: str | os.PathLike[str] | CampaignStore,
    model: Embedder | str | os.PathLike[str],
    *,
    tile_size: int | None = None,
    stride: int | None = None,
    edge: str | None = None,
    channels: Sequence[str] | None = None,
    filters: Sequence[str] | None = None,
    batch_size: int = 64,
    block_size: int = 4096,
    client: ClientLike = None,
    device: str = "auto",
    threads: int | None = None,
    mixed_precision: bool = True,
    overwrite: bool = False,
    progress: bool = True,
) -> xr.DataArray:
    """Embed every usable tile of a store's tile table and write the embeddings into it.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store; its tile table of this tiling is built (on ``client``) when
        missing.
    model : Embedder or path
        The model, or a checkpoint (then ``tile_size``, ``stride``, ``channels`` and
        ``filters`` default to the checkpoint's ``data`` section).
    tile_size, stride : int, optional
        The tiling (default 256 px, stride = tile size).
    edge : str, optional
        Edge policy of the tiling (default ``drop``).
    channels : sequence of str, optional
        Scene variables stacked as channels (default ``("rgb",)``); their count must be
        the model's ``in_channels``.
    filters : sequence of str, optional
        Quality flags that exclude tiles (default: all); excluded tiles get NaN.
    batch_size : int
        Tiles per forward pass.
    block_size : int
        Table rows per block: the unit of resuming, of Dask tasks and of zarr chunks.
    client : Client, str, None or "synchronous"
        ``None``: the active Dask client, else this process; see the module docstring.
    device : str
        ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda[:N]"`` (on Dask workers with
        a ``GPU`` resource, ``"auto"`` picks their GPU).
    threads : int, optional
        torch CPU threads in this process (default: the available cores).
    mixed_precision : bool
        bf16 autocast on CUDA.
    overwrite : bool
        Replace embeddings of another model (otherwise refused).
    progress : bool
        Show a progress bar (tiles).

    Returns
    -------
    xarray.DataArray
        ``embeddings`` ``(tile, embedding)`` float32, lazily read from the store, with the
        attributes listed in the module docstring.

    Raises
    ------
    cloudorg.errors.ConfigError
        When the channels do not match the model.
    cloudorg.errors.StoreError
        When the store holds embeddings of another model (or tile table) and
        ``overwrite`` is not set.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.tiles.examples import example_store
    >>> from cloudorg.models import ModelConfig, build_embedder
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> model = build_embedder(ModelConfig(width=4, embedding_dim=8))
    >>> emb = embed(store, model, tile_size=64, stride=32, client="synchronous", progress=False)
    >>> emb.dims, emb.shape, emb.attrs["model_id"] == model.model_id
    (('tile', 'embedding'), (8, 8), True)
    """
    if batch_size < 1 or block_size < 1:
        raise ConfigError(f"batch_size and block_size: expected positive integers, got "
                          f"{batch_size} and {block_size}")  # fmt: skip
    store = as_store(store)
    local = client == SYNCHRONOUS or (client is None and active_client() is None)
    model, data = _resolve_model(model)
    data = _data_config(data, tile_size, stride, edge, channels, filters)
    spec = TileSpec(data.tile_size, data.stride, data.edge)
    table = open_or_build_table(store, data, client=SYNCHRONOUS if local else client,
                                progress=progress)  # fmt: skip
    chans = Channels.of(store.open_scenes(), list(data.channels))
    if len(chans) != model.config.in_channels:
        raise ConfigError(
            f"channels: {list(data.channels)} give {len(chans)} channels "
            f"({', '.join(chans.names)}); the model takes in_channels={model.config.in_channels}"
        )
    attrs = {
        "title": "Tile2Vec embeddings of the tiles of a cloudorg campaign store",
        "model_id": model.model_id, "model_config": json.dumps(model.config.to_dict()),
        "tile_table": tile_table_group(spec), "tile_size": spec.size, **chans.to_attrs(),
        "filters": list(data.filters) if data.filters is not None else ["all"],
        "block_size": int(block_size), "n_tiles": int(table.sizes["tile"]),
        "completed_blocks": [], "complete": 0,
    }  # fmt: skip
    job = _Job(str(store.path), data.channels, data.filters, int(batch_size), device,
               bool(mixed_precision), threads, model.config.embedding_dim)  # fmt: skip
    group = embeddings_group(spec)
    with store.writing(), quiet_zarr():
        done = _open_or_create(store, group, _template(table, model, block_size, attrs), overwrite)
        target = zarr.open_group(store.path, mode="r+", use_consolidated=False)[group]
        target.attrs["complete"] = 0
        zarr.consolidate_metadata(store.path)  # readers see the group as incomplete
        items = _todo(table, block_size, done)
        total = int(sum(usable(rows, data.filters).sum() for _, rows in items))
        with tqdm(total=total, unit="tile", desc="embed", disable=not progress) as bar:
            for block, values in _blocks(job, model, items, None if local else client):
                target[VARIABLE][block * block_size : block * block_size + len(values)] = values
                done.add(block)
                target.attrs["completed_blocks"] = sorted(done)
                bar.update(int(np.isfinite(values[:, 0]).sum()))
        target.attrs["complete"] = 1
        zarr.consolidate_metadata(store.path)
    return open_embeddings(store, spec.size, stride=spec.stride, edge=spec.edge)


def _todo(table: xr.Dataset, block_size: int, done: set[int]) -> list[tuple[int, xr.Dataset]]:
    """``(block, its rows of the table)`` of the blocks not done yet."""
    columns = table[[*_TABLE_COORDS, "flags"]]
    n_blocks = -(-table.sizes["tile"] // block_size)
    return [(b, columns.isel(tile=slice(b * block_size, (b + 1) * block_size)))
            for b in range(n_blocks) if b not in done]  # fmt: skip


def _blocks(
    job: _Job, model: Embedder, items: list[tuple[int, xr.Dataset]], client: ClientLike
) -> Iterator[tuple[int, np.ndarray]]:
    """``(block, embeddings)`` in block order: in this process (``client`` None) or on a
    Dask cluster."""
    if client is None:
        yield from job.run(model, items)
        return
    import dask

    with cluster_client(client) as c:
        workers = c.scheduler_info()["workers"].values()
        gpu = any(w.get("resources", {}).get("GPU") for w in workers)
        remote = job if gpu else replace(job, threads=1)
        with dask.annotate(resources={"GPU": 1} if gpu else {}):
            yield from map_ordered(
                _embed_block, items, client=c, key_prefix="embed",
                names=[f"block{b}" for b, _ in items], args=(remote, _Weights.of(model)),
            )  # fmt: skip


def open_embeddings(
    store: str | os.PathLike[str] | CampaignStore,
    tile_size: int = 256,
    *,
    stride: int | None = None,
    edge: str = "drop",
) -> xr.DataArray:
    """The embeddings of a tiling written by :func:`embed` (lazy, dask-backed).

    Raises
    ------
    cloudorg.errors.StoreError
        When the store holds no complete embeddings of this tiling.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.tiles.examples import example_store
    >>> open_embeddings(example_store(tempfile.mkdtemp() + "/c.zarr", 1), 64)
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: no complete embeddings/64px; run `cloudorg embed` ...
    """
    store = as_store(store)
    group = embeddings_group(TileSpec(tile_size, stride, edge))
    try:
        with quiet_zarr():
            ds = xr.open_zarr(store.path, group=group, consolidated=False)
    except (FileNotFoundError, KeyError, zarr.errors.GroupNotFoundError):
        ds = None
    if ds is None or not ds.attrs.get("complete"):
        raise StoreError(f"{store.path}: no complete {group}; run `cloudorg embed` or "
                         "cloudorg.models.embed first")  # fmt: skip
    return ds[VARIABLE].assign_attrs(ds.attrs)
