"""Streaming inference: the embedding (or class probabilities) of every tile of a store,
written into the store.

:func:`embed` streams the usable tiles of a tile table from the store (the tiles loader,
:class:`cloudorg.tiles.loader.TileStream`, in table order) through a model in batches, on
the best device, and writes one vector per tile to the zarr group ``embeddings/<tiling>``
(``xr.open_zarr(store, group="embeddings/256px")``), or ``embeddings/<name>/<tiling>``
when a ``name`` is given, so that the embeddings of several models of one tiling live side
by side. The model is any :class:`~cloudorg.models.tile_models.TileModel` kind: a Tile2Vec
embedder, an autoencoder (its latent code), a DeepCluster result (its backbone's
features), or a checkpoint of one of them:

- ``embeddings`` ``(tile, embedding)`` float32, row ``i`` the embedding of row ``i`` of the
  tile table (NaN for tiles the filters exclude), with the table's ``scene_id``,
  ``scene_index``, ``row0`` and ``col0`` as coordinates;
- attributes: ``model_kind`` (``tile2vec``, ``autoencoder`` or ``deepcluster``),
  ``model_id`` (hash of config and weights), ``model_config`` (JSON), the tile table,
  channels and their normalisation, ``filters``, ``block_rows``, ``completed_blocks`` and
  ``complete``.

:func:`classify_store` does the same with a classifier and writes the softmax class
probabilities, ``probability`` ``(tile, class)``, to ``class_probabilities/<tiling>``.

Tiles go in blocks of ``block_size`` table rows (the zarr chunks), a block-written derived
group (:mod:`cloudorg.store.groups`): each block is recorded in ``completed_blocks`` once
written, so a rerun with the same model continues where an interrupted run stopped, and
a tile table grown by new scenes adds only the new blocks. Reading overlaps compute: the
loader reads storage blocks in a thread pool and a background thread cuts and normalises
the next batches while the model works on this one.

Where it runs:

- ``client=None`` with no active Dask client, or ``"synchronous"``: in this process, on
  CUDA when available (bf16 autocast), else on the CPU with ``torch.set_num_threads``
  set explicitly (all available cores by default);
- a Dask client (or the active one, or a scheduler address): one task per block
  (``embed-block<k>``), which writes its vectors into the store itself (the calling
  process receives a count); the weights are scattered to every worker once
  (``broadcast=True``) and each worker builds the model once. When workers declare a
  ``GPU`` resource (``dask worker --resources GPU=1``) the tasks ask for one and run on
  those workers' CUDA device; CPU tasks use one torch thread per Dask thread.

Examples
--------
>>> embeddings_group(TileSpec(128)), embeddings_group(TileSpec(128), "autoencoder")
('embeddings/128px', 'embeddings/autoencoder/128px')
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
from tqdm.auto import tqdm

from ..distributed import SYNCHRONOUS, ClientLike, active_client, cluster_client, map_ordered
from ..errors import ConfigError
from ..store import BlockTarget, CampaignStore, StoreLocation, layout
from ..tiles.filters import usable
from ..tiles.grid import TileSpec, Tiling, resolve_tiling
from ..tiles.loader import TileStream
from ..tiles.normalise import Channels
from ..tiles.table import tile_table_group
from .classifier import default_class_names
from .config import DataConfig
from .data import prefetch
from .device import autocast, place_model, resolve_device, set_torch_threads, to_device
from .sources import open_or_build_table
from .tile_models import ModelLike, TileModel, resolve_tile_model, tile_model_from_state

__all__ = [
    "CLASS_PROBABILITIES_GROUP",
    "EMBEDDINGS_GROUP",
    "class_probabilities_group",
    "classify_store",
    "embed",
    "embeddings_group",
    "open_class_probabilities",
    "open_embeddings",
]

EMBEDDINGS_GROUP = layout.EMBEDDINGS
CLASS_PROBABILITIES_GROUP = layout.CLASS_PROBABILITIES


def embeddings_group(spec: TileSpec, name: str | None = None) -> str:
    """The store group of the embeddings of a tiling: ``embeddings/<tiling>``, or
    ``embeddings/<name>/<tiling>`` for named embeddings.

    Raises
    ------
    cloudorg.errors.ConfigError
        For a name that is not letters, digits, ``_`` or ``-`` starting with a letter.

    Examples
    --------
    >>> embeddings_group(TileSpec(256, stride=128))
    'embeddings/256px_stride128'
    >>> embeddings_group(TileSpec(256), "deepcluster")
    'embeddings/deepcluster/256px'
    """
    return layout.embeddings(spec.name, name)


def class_probabilities_group(spec: TileSpec, name: str | None = None) -> str:
    """The store group of the class probabilities of a tiling:
    ``class_probabilities/<tiling>`` (or ``class_probabilities/<name>/<tiling>``).

    Examples
    --------
    >>> class_probabilities_group(TileSpec(256))
    'class_probabilities/256px'
    """
    return layout.class_probabilities(spec.name, name)


@dataclass(frozen=True)
class _Output:
    """What a run writes: the group, its variable and the variable's second dim."""

    group: str
    variable: str
    dim: str
    noun: str
    labels: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _Weights:
    """A model as shipped to Dask workers (scattered once, built once per worker)."""

    kind: str
    model_id: str
    config: dict[str, Any]
    state: dict[str, torch.Tensor]

    @classmethod
    def of(cls, model: TileModel) -> _Weights:
        state = {k: v.detach().cpu() for k, v in model.net.state_dict().items()}
        return cls(model.kind, model.model_id, model.config.to_dict(), state)

    def build(self) -> TileModel:
        return tile_model_from_state(self.kind, self.config, self.state)


@dataclass(frozen=True)
class _Job:
    """What every block needs besides its rows of the tile table."""

    store: StoreLocation
    channels: tuple[str, ...]
    filters: tuple[str, ...] | None
    batch_size: int
    device: str
    mixed_precision: bool
    threads: int | None
    width: int

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
        self, model: TileModel, items: Iterable[tuple[int, xr.Dataset]]
    ) -> Iterator[tuple[int, np.ndarray]]:
        """``(block, vectors (rows, width))`` of each block, NaN for unusable tiles."""
        dev = resolve_device(self.device)
        if dev.type == "cpu":
            set_torch_threads(self.threads)
        model = place_model(model, dev).eval()
        out: np.ndarray | None = None
        batches = prefetch(self.batches(items, pin=dev.type == "cuda"), depth=3)
        try:
            for block, n, images, ids in batches:
                if out is None:
                    out = np.full((n, self.width), np.nan, dtype=np.float32)
                if images is None:
                    yield block, out
                    out = None
                    continue
                with torch.inference_mode(), autocast(dev, self.mixed_precision):
                    z = model(to_device(images, dev))
                out[ids] = z.float().cpu().numpy()
        finally:
            batches.close()


_WORKER_MODEL: dict[str, TileModel] = {}
_WORKER_LOCK = threading.Lock()


def _written(target: BlockTarget, variable: str, block: int, values: np.ndarray) -> tuple[int, int]:
    """Write a block's vectors; ``(block, tiles with a vector)``."""
    target.write(block, {variable: values})
    return block, int(np.isfinite(values[:, 0]).sum())


def _run_block(
    item: tuple[int, xr.Dataset], job: _Job, weights: _Weights, target: BlockTarget,
    variable: str,
) -> tuple[int, int]:  # fmt: skip
    """A Dask task: the vectors of one block, with this worker's copy of the model, written
    into the store."""
    with _WORKER_LOCK:  # one model per worker process, built by its first task
        model = _WORKER_MODEL.get(weights.model_id)
        if model is None:
            _WORKER_MODEL.clear()
            model = _WORKER_MODEL[weights.model_id] = weights.build()
    return _written(target, variable, *next(job.run(model, [item])))


def _template(
    table: xr.Dataset, width: int, block_size: int, attrs: dict, output: _Output, long_name: str
) -> xr.Dataset:
    import dask.array as da

    n = table.sizes["tile"]
    data = da.full((n, width), np.nan, dtype=np.float32, chunks=(block_size, width))
    coords = {c: ("tile", table[c].values) for c in layout.TILE_LOCATION}
    coords["tile"] = ("tile", np.arange(n, dtype=np.int64))
    if output.labels is not None:
        coords[output.dim] = (output.dim, np.asarray(output.labels, dtype=object))
    var = xr.Variable(("tile", output.dim), data, {"long_name": long_name, "units": "1"})
    return xr.Dataset({output.variable: var}, coords=coords, attrs=attrs)


@dataclass(frozen=True)
class _Run:
    """The options of a run of :func:`embed` or :func:`classify_store`."""

    batch_size: int
    block_size: int
    client: ClientLike
    device: str
    threads: int | None
    mixed_precision: bool
    overwrite: bool
    progress: bool


def _write(
    store: CampaignStore, model: TileModel, data: DataConfig, spec: TileSpec, output: _Output,
    run: _Run,
) -> None:  # fmt: skip
    """Stream the usable tiles of ``spec``'s table through ``model`` into ``output``."""
    if run.batch_size < 1 or run.block_size < 1:
        raise ConfigError(f"batch_size and block_size: expected positive integers, got "
                          f"{run.batch_size} and {run.block_size}")  # fmt: skip
    local = run.client == SYNCHRONOUS or (run.client is None and active_client() is None)
    width = model.output_dim(spec.size)
    table = open_or_build_table(store, data, client=SYNCHRONOUS if local else run.client,
                                progress=run.progress)  # fmt: skip
    chans = Channels.of(store.open_scenes(), list(data.channels))
    if len(chans) != model.in_channels:
        raise ConfigError(
            f"channels: {list(data.channels)} give {len(chans)} channels "
            f"({', '.join(chans.names)}); the model takes in_channels={model.in_channels}"
        )
    block_size = int(run.block_size)
    identity = {
        "model_kind": model.kind, "model_id": model.model_id,
        "tile_table": tile_table_group(spec), "tile_size": spec.size, **chans.to_attrs(),
        "filters": list(data.filters) if data.filters is not None else ["all"],
    }  # fmt: skip
    attrs = {
        "title": f"{model.model_kind.label} {output.noun} of the tiles of a cloudorg campaign "
        "store",
        "model_config": json.dumps(model.config.to_dict()),
    }
    job = _Job(store.location, data.channels, data.filters, int(run.batch_size), run.device,
               bool(run.mixed_precision), run.threads, width)  # fmt: skip
    template = _template(table, width, block_size, attrs, output, model.model_kind.long_name)
    writer = store.group(output.group).begin(
        template, identity, dim="tile", block_rows=block_size, overwrite=run.overwrite,
        hint="pass overwrite=True (`--overwrite`) to replace them, or give these another name",
    )  # fmt: skip
    items = _todo(table, block_size, writer.done)
    total = int(sum(usable(rows, data.filters).sum() for _, rows in items))
    shown = run.progress and total > 0  # no empty bar on a rerun with nothing to do
    with tqdm(total=total, unit="tile", desc=output.variable, disable=not shown) as bar:
        for block, n in _blocks(job, model, items, None if local else run.client,
                                writer.target, output.variable):  # fmt: skip
            writer.mark_done([block])
            bar.update(n)
    writer.finish()


def embed(
    store: str | os.PathLike[str] | CampaignStore,
    model: ModelLike | str | os.PathLike[str],
    *,
    tiling: Tiling | None = None,
    tile_size: int | None = None,
    stride: int | None = None,
    edge: str | None = None,
    channels: Sequence[str] | None = None,
    filters: Sequence[str] | None = None,
    name: str | None = None,
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
        The campaign store (its tile table is built when missing).
    model : Embedder, Autoencoder, DeepClusterResult, TileModel or path
        The model, or a checkpoint of one (of :func:`~cloudorg.models.train_tile2vec`,
        :func:`~cloudorg.models.train_autoencoder` or
        :meth:`~cloudorg.models.DeepClusterResult.save`). An autoencoder's embedding is
        its flattened latent code, a DeepCluster result's its backbone's features.
    tiling : TileSpec or str, optional
        The tiling (``TileSpec(128, stride=64)`` or ``"128px_stride64"``); or its parts
        ``tile_size``, ``stride``, ``edge`` (default: the checkpoint's ``data``, else
        256 px).
    channels : sequence of str, optional
        Scene variables stacked as channels (default: the checkpoint's); must give
        the model's ``in_channels``.
    filters : sequence of str, optional
        Quality flags that exclude tiles (default: all); excluded tiles get NaN.
    name : str, optional
        Write to ``embeddings/<name>/<tiling>`` instead of ``embeddings/<tiling>``, so that
        the embeddings of several models of one tiling coexist (e.g. ``"autoencoder"``).
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
        When the channels or the tile size do not suit the model, for a classifier (see
        :func:`classify_store`) or a bad ``name``.
    cloudorg.errors.StoreError
        When the store holds embeddings of another model (or tile table) under this name
        and ``overwrite`` is not set.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.models import ModelConfig, build_embedder
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> model = build_embedder(ModelConfig(width=4, embedding_dim=8))
    >>> emb = embed(store, model, tile_size=64, stride=32, client="synchronous", progress=False)
    >>> emb.dims, emb.shape, emb.attrs["model_id"] == model.model_id
    (('tile', 'embedding'), (8, 8), True)
    """
    store = CampaignStore.open(store)
    net, data = resolve_tile_model(model)
    if net.kind == "classifier":
        raise ConfigError("model: a classifier; write its class probabilities with "
                          "classify_store (`cloudorg classify --predict`)")  # fmt: skip
    data = _with_tiling(data, tiling, tile_size, stride, edge, channels, filters)
    spec = TileSpec(data.tile_size, data.stride, data.edge)
    output = _Output(embeddings_group(spec, name), "embeddings", "embedding", "embeddings")
    run = _Run(batch_size, block_size, client, device, threads, mixed_precision, overwrite,
               progress)  # fmt: skip
    with store.writing():
        _write(store, net, data, spec, output, run)
    return open_embeddings(store, spec, name=name)


def classify_store(
    store: str | os.PathLike[str] | CampaignStore,
    model: ModelLike | str | os.PathLike[str],
    *,
    tiling: Tiling | None = None,
    tile_size: int | None = None,
    stride: int | None = None,
    edge: str | None = None,
    channels: Sequence[str] | None = None,
    filters: Sequence[str] | None = None,
    name: str | None = None,
    batch_size: int = 64,
    block_size: int = 4096,
    client: ClientLike = None,
    device: str = "auto",
    threads: int | None = None,
    mixed_precision: bool = True,
    overwrite: bool = False,
    progress: bool = True,
) -> xr.DataArray:
    """Write the class probabilities of every usable tile of a store into it.

    Like :func:`embed` (same arguments, resumable, on Dask or in this process) with a
    :class:`~cloudorg.models.Classifier` or a checkpoint of
    :func:`~cloudorg.models.train_classifier`; the output is the group
    ``class_probabilities/<tiling>`` (``class_probabilities/<name>/<tiling>`` with a name).

    Returns
    -------
    xarray.DataArray
        ``probability`` ``(tile, class)`` float32 (softmax; NaN for excluded tiles), the
        ``class`` coordinate holding the class names (``none``, ``sugar``, ...).

    Raises
    ------
    cloudorg.errors.ConfigError
        For a model that is not a classifier, or channels it does not take.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.models import ClassifierConfig, build_classifier
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1)
    >>> p = classify_store(store, build_classifier(ClassifierConfig(width=4, hidden=(8,))),
    ...                    tile_size=64, client="synchronous", progress=False)
    >>> p.dims, p["class"].values.tolist(), bool(abs(p.sum("class") - 1).max() < 1e-5)
    (('tile', 'class'), ['none', 'sugar', 'gravel', 'fish', 'flower'], True)
    """
    store = CampaignStore.open(store)
    net, data = resolve_tile_model(model)
    if net.kind != "classifier":
        raise ConfigError(f"model: expected a classifier, got a {net.kind} model; write its "
                          "embeddings with embed (`cloudorg embed`)")  # fmt: skip
    data = _with_tiling(data, tiling, tile_size, stride, edge, channels, filters)
    spec = TileSpec(data.tile_size, data.stride, data.edge)
    labels = default_class_names(net.output_dim(spec.size))
    output = _Output(class_probabilities_group(spec, name), "probability", "class",
                     "class probabilities", labels=labels)  # fmt: skip
    run = _Run(batch_size, block_size, client, device, threads, mixed_precision, overwrite,
               progress)  # fmt: skip
    with store.writing():
        _write(store, net, data, spec, output, run)
    return open_class_probabilities(store, spec, name=name)


def _todo(table: xr.Dataset, block_size: int, done: set[int]) -> list[tuple[int, xr.Dataset]]:
    """``(block, its rows of the table)`` of the blocks not done yet."""
    columns = table[[*layout.TILE_LOCATION, "flags"]]
    n_blocks = -(-table.sizes["tile"] // block_size)
    return [(b, columns.isel(tile=slice(b * block_size, (b + 1) * block_size)))
            for b in range(n_blocks) if b not in done]  # fmt: skip


def _blocks(
    job: _Job,
    model: TileModel,
    items: list[tuple[int, xr.Dataset]],
    client: ClientLike,
    target: BlockTarget,
    variable: str,
) -> Iterator[tuple[int, int]]:
    """Compute and write each block, in this process (``client`` None) or on a Dask
    cluster; ``(block, tiles with a vector)`` in block order."""
    if client is None:
        for block, values in job.run(model, items):
            yield _written(target, variable, block, values)
        return
    import dask

    with cluster_client(client) as c:
        workers = c.scheduler_info()["workers"].values()
        gpu = any(w.get("resources", {}).get("GPU") for w in workers)
        remote = job if gpu else replace(job, threads=1)
        with dask.annotate(resources={"GPU": 1} if gpu else {}):
            yield from map_ordered(
                _run_block, items, client=c, key_prefix="embed",
                names=[f"block{b}" for b, _ in items],
                args=(remote, _Weights.of(model), target, variable),
            )  # fmt: skip


def _with_tiling(
    data: DataConfig,
    tiling: Tiling | None,
    tile_size: int | None,
    stride: int | None,
    edge: str | None,
    channels: Sequence[str] | None,
    filters: Sequence[str] | None,
) -> DataConfig:
    """``data`` with the tiling of a call (a ``tiling``, or its parts) and its channels."""
    if tiling is not None:
        spec = resolve_tiling(tiling, tile_size=tile_size, stride=stride, edge=edge)
        tile_size, stride, edge = spec.size, spec.stride, spec.edge
    return data.with_tiles(tile_size, stride, edge, channels, filters)


def _open(store: CampaignStore, group: str, variable: str, how: str) -> xr.DataArray:
    ds = store.group(group).open(f"run {how} first", load=False)
    return ds[variable].assign_attrs(ds.attrs)


def open_embeddings(
    store: str | os.PathLike[str] | CampaignStore,
    tiling: Tiling = 256,
    *,
    stride: int | None = None,
    edge: str | None = None,
    name: str | None = None,
) -> xr.DataArray:
    """The embeddings of a tiling written by :func:`embed` (lazy, dask-backed): a
    :class:`~cloudorg.tiles.TileSpec`, its string form, or a size with ``stride`` and ``edge``.

    ``name``: the embeddings written with that name (``embeddings/<name>/<tiling>``).

    Raises
    ------
    cloudorg.errors.StoreError
        When the store holds no complete embeddings of this tiling (and name).

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> open_embeddings(example_store(tempfile.mkdtemp() + "/c.zarr", 1), 64)
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: no group embeddings/64px; run `cloudorg embed` ...
    """
    group = embeddings_group(resolve_tiling(tiling, stride=stride, edge=edge), name)
    return _open(CampaignStore.open(store), group, "embeddings",
                 "`cloudorg embed` or cloudorg.models.embed")  # fmt: skip


def open_class_probabilities(
    store: str | os.PathLike[str] | CampaignStore,
    tiling: Tiling = 256,
    *,
    stride: int | None = None,
    edge: str | None = None,
    name: str | None = None,
) -> xr.DataArray:
    """The class probabilities of a tiling written by :func:`classify_store` (lazy).

    Raises
    ------
    cloudorg.errors.StoreError
        When the store holds none of this tiling (and name).

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> open_class_probabilities(example_store(tempfile.mkdtemp() + "/c.zarr", 1), 64)
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: no group class_probabilities/64px; run ...
    """
    group = class_probabilities_group(resolve_tiling(tiling, stride=stride, edge=edge), name)
    return _open(CampaignStore.open(store), group, "probability",
                 "`cloudorg classify --predict` or cloudorg.models.classify_store")  # fmt: skip
