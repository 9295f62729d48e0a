"""Cloud-mask metrics of every tile of a campaign store, computed on a Dask cluster.

:func:`metrics_for_store` makes the cloud mask of every scene with a
:class:`~cloudorg.masks.MaskRecipe` (default: the report's greyscale > 127), cuts it into the
tiles of the store's tile table (``tiles/<tiling>``, built when absent) and computes
:func:`~cloudorg.metrics.compute_metrics` per tile, lengths in km.

Tasks: one per scene and storage block (the tiles whose first pixel lies in one spatial
chunk, :func:`cloudorg.tiles.cutting.plan_blocks`), named
``metrics-<scene_id>-y<row>x<col>-<token>`` on the dashboard. A task reads its block once,
makes the mask of the block, cuts the tiles out of it in one gather and runs the per-tile
loop of :class:`~cloudorg.metrics.tiled.TileMetrics`. The values of a block of rows of
the group (the scenes of one zarr chunk) are gathered by one more task on a worker,
``metrics-write-<block>``, which writes them into the store: the calling process only
records which blocks are done.

Store layout: one group per tiling and mask method, ``metrics/{tiling}_{method}``
(``metrics/256px_greyscale``), dim ``tile`` aligned with the tile table (same ``tile``
coordinate, ``scene_index``, ``scene_id``, ``row0``, ``col0``), one float64 variable per
metric with ``units``, ``long_name`` and ``citation``, and the mask recipe, tiling and
options in the attributes.

Resuming: the group is a block-written derived group (:mod:`cloudorg.store.groups`): it
has a row for every tile of the table from the start, and records each block of rows
once its values are written. A rerun computes only the blocks not done, including the
new rows of scenes ingested since; a process killed outright loses only the blocks in
flight. Readers accept the group once it is ``complete``.

Examples
--------
>>> import tempfile
>>> from cloudorg.synthetic.stores import example_store
>>> store = example_store(tempfile.mkdtemp() + "/c.zarr", n_scenes=2)
>>> ds = metrics_for_store(store, tile_size=64, mask="brightness_temperature",
...                        client="synchronous", progress=False)
>>> ds.sizes["tile"], ds["max_length_scale"].attrs["units"], ds.attrs["mask_recipe"]
(2, 'km', 'brightness_temperature_11 < 290')
>>> metrics_group(TileSpec(64), "brightness_temperature")
'metrics/64px_brightness_temperature'
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr
from dask.base import tokenize
from tqdm.auto import tqdm

from cloudorg import __version__
from cloudorg.distributed import SYNCHRONOUS, ClientLike, cluster_client, share
from cloudorg.errors import ConfigError, StoreError
from cloudorg.masks import METHODS, MaskRecipe, cloud_mask
from cloudorg.metrics.tiled import METRIC_DIM, TileMetrics
from cloudorg.store import BlockTarget, BlockWriter, CampaignStore, layout
from cloudorg.tiles.cutting import BlockPlan, SceneReader, chunk_size, cut_tiles, plan_blocks
from cloudorg.tiles.filters import FilterConfig
from cloudorg.tiles.grid import TileSpec, Tiling, resolve_tiling
from cloudorg.tiles.table import build_tile_table, open_tile_table, tile_table_group

__all__ = ["METRICS_GROUP", "metrics_for_store", "metrics_group", "open_metrics"]

METRICS_GROUP = layout.METRICS


def _recipe(mask: str | MaskRecipe) -> MaskRecipe:
    return MaskRecipe.named(mask) if isinstance(mask, str) else mask


def metrics_group(spec: TileSpec, mask: str | MaskRecipe = "greyscale") -> str:
    """The store group of the metrics of a tiling and a mask method.

    Examples
    --------
    >>> metrics_group(TileSpec(128, stride=64), "product")
    'metrics/128px_stride64_product'
    """
    return layout.metrics(spec.name, _recipe(mask).method)


def open_metrics(
    store: str | os.PathLike[str] | CampaignStore,
    tiling: Tiling = 256,
    *,
    stride: int | None = None,
    edge: str | None = None,
    mask: str | MaskRecipe = "greyscale",
) -> xr.Dataset:
    """Open (and load) the metrics group of a tiling (a :class:`~cloudorg.tiles.TileSpec`,
    its string form, or a size with ``stride`` and ``edge``) and mask method.

    Raises
    ------
    StoreError
        When the store has no such group.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> open_metrics(example_store(tempfile.mkdtemp() + "/c.zarr", 1), 64)
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: no group metrics/64px_greyscale; compute it with ...
    """
    return _open(store, metrics_group(resolve_tiling(tiling, stride=stride, edge=edge), mask))


def _open(store: str | os.PathLike[str] | CampaignStore, group: str) -> xr.Dataset:
    """A metrics group, its variables in the order of its ``metrics`` attribute."""
    ds = (
        CampaignStore.open(store)
        .group(group)
        .open("compute it with metrics_for_store or `cloudorg metrics`")
    )
    return ds[list(ds.attrs["metrics"])]


def _recipe_attrs(recipe: MaskRecipe) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "mask_recipe": recipe.describe(),
        "mask_method": recipe.method,
        "mask_quantity": recipe.quantity,
    }
    if recipe.method == "product":
        attrs["mask_cloudy_flags"] = list(recipe.cloudy_flags)
    else:
        attrs["mask_threshold"] = float(recipe.threshold)  # type: ignore[arg-type]
    return attrs


def _tile_table(
    store: CampaignStore, spec: TileSpec, n_scenes: int, client: ClientLike, progress: bool
) -> xr.Dataset:
    """The store's tile table of a tiling, built when absent or behind the store's
    ``n_scenes`` scenes (keeping its filter thresholds)."""
    try:
        table = open_tile_table(store, spec)
    except StoreError:
        table = None
    else:
        if table.sizes["tile"] == table.attrs["tiles_per_scene"] * n_scenes:
            return table
        if table.attrs.get("label_source") == "zooniverse":
            raise StoreError(
                f"{store.url}: the tile table {tile_table_group(spec)} lacks scenes added "
                "since it was built; bring it up to date with its label boxes first "
                "(build_tile_table(..., boxes=...) or `cloudorg tiles --labels CSV`)"
            )
    filters = None if table is None else FilterConfig.from_attrs(table.attrs)
    return build_tile_table(store, spec, filters=filters, client=client, progress=progress)


@dataclass(frozen=True)
class _Job:
    """What every task needs (scattered to the workers once)."""

    reader: SceneReader
    plan: BlockPlan
    recipe: MaskRecipe
    metrics: TileMetrics
    target: BlockTarget
    per_scene: int

    def items(self, block: int) -> list[tuple[int, int]]:
        """``(scene, storage block)`` of every task of a block of rows."""
        rows = self.target.rows(block)
        scenes = range(rows.start // self.per_scene, -(-rows.stop // self.per_scene))
        return [(s, b) for s in scenes for b in range(len(self.plan))]


def _block_metrics(item: tuple[int, int], job: _Job) -> np.ndarray:
    """Metrics of the tiles of one storage block of one scene, ``(tiles, metrics)``."""
    scene, b = item
    block = job.plan.block(b)
    name = job.recipe.quantity
    try:
        window = job.reader.window(name, scene, block.r0, block.r1, block.c0, block.c1)
    except Exception as err:
        scene_id = job.reader.dataset["scene_id"].values[scene]
        raise StoreError(
            f"{job.reader.location}: scene {scene_id}: cannot read {name} rows {block.r0}:"
            f"{block.r1}, columns {block.c0}:{block.c1} ({type(err).__name__}: {err})"
        ) from err
    mask = cloud_mask(xr.Dataset({name: (("y", "x"), window)}), job.recipe).values
    return job.metrics.compute(cut_tiles(mask, block.rows, block.cols, job.plan.size))


def _write_block(block: int, job: _Job, *parts: np.ndarray) -> int:
    """Gather the values of a block of rows and write them into the store (on a worker)."""
    rows = job.target.rows(block)
    values = np.full((rows.stop - rows.start, len(job.metrics.names)), np.nan)
    for (scene, b), part in zip(job.items(block), parts, strict=True):
        values[scene * job.per_scene - rows.start + job.plan.block(b).members] = part
    job.target.write(block, {name: values[:, i] for i, name in enumerate(job.metrics.names)})
    return block


def _template(
    rows: xr.Dataset, metrics: TileMetrics, attrs: dict[str, Any], block_rows: int
) -> xr.Dataset:
    """The metrics group to be: lazy NaN values with the metrics' attributes."""
    shape = (rows.sizes["tile"], len(metrics.names))
    values = da.full(shape, np.nan, dtype=np.float64, chunks=(block_rows, shape[1]))
    lazy = xr.DataArray(values, dims=("tile", METRIC_DIM), coords=rows.coords)
    return metrics.dataset(lazy).assign_attrs(attrs)


def _blocks_in_flight(client: Any) -> int:
    """Blocks of rows in flight: two per worker thread."""
    return 2 * sum(client.nthreads().values())


def _run(job: _Job, todo: list[int], writer: BlockWriter, client: Any, progress: bool) -> None:
    """Compute and write the blocks ``todo``, recording each as it is done."""
    scenes_of = {b: len({s for s, _ in job.items(b)}) for b in todo}
    with tqdm(total=sum(scenes_of.values()), desc="metrics", unit="scene",
              disable=not progress or not todo) as bar:  # fmt: skip
        if client == SYNCHRONOUS:
            for b in todo:
                _write_block(b, job, *(_block_metrics(item, job) for item in job.items(b)))
                writer.mark_done([b])
                bar.update(scenes_of[b])
            return
        from distributed import as_completed

        token = tokenize(job.target, todo)[:8]
        shared = share(client, job)
        pending, queue = as_completed(), list(reversed(todo))

        def submit() -> None:
            b = queue.pop()
            parts = [
                client.submit(_block_metrics, item, shared, pure=False,
                              key=f"metrics-{_task_name(job, item)}-{token}")
                for item in job.items(b)
            ]  # fmt: skip
            pending.add(client.submit(_write_block, b, shared, *parts,
                                      key=f"metrics-write-{b}-{token}", priority=10))  # fmt: skip

        try:
            for _ in range(min(len(queue), _blocks_in_flight(client))):
                submit()
            for future in pending:
                b = future.result()
                writer.mark_done([b])
                bar.update(scenes_of[b])
                if queue:
                    submit()
        finally:
            for future in pending.futures:
                future.cancel()


def _task_name(job: _Job, item: tuple[int, int]) -> str:
    scene, b = item
    block = job.plan.block(b)
    return f"{job.reader.dataset['scene_id'].values[scene]}-y{block.r0}x{block.c0}"


def _check_quantity(reader: SceneReader, recipe: MaskRecipe) -> None:
    try:
        var = reader.variable(recipe.quantity)
    except StoreError as err:
        raise StoreError(
            f"{err}; the mask '{recipe.describe()}' needs it: choose a mask of what the store "
            f"holds (mask= one of {list(METHODS)} or a MaskRecipe)"
        ) from err
    if var.dims != ("scene", "y", "x"):
        raise ConfigError(
            f"mask '{recipe.describe()}': {recipe.quantity} has dims {var.dims}; a mask is made "
            "from a (scene, y, x) variable"
        )


def metrics_for_store(
    store: str | os.PathLike[str] | CampaignStore,
    *,
    tiling: Tiling | None = None,
    tile_size: int | None = None,
    stride: int | None = None,
    edge: str | None = None,
    metrics: Iterable[str] | str | None = None,
    mask: str | MaskRecipe = "greyscale",
    connectivity: int = 4,
    min_area: float = 0,
    max_missing_fraction: float = 0.0,
    client: ClientLike = None,
    overwrite: bool = False,
    block_size: int = 4096,
    progress: bool = True,
) -> xr.Dataset:
    """Compute cloud-mask metrics for every tile of every scene of a store, on Dask.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    tiling : TileSpec or str, optional
        The tiling (``TileSpec(128, stride=64)`` or ``"128px_stride64"``), or its parts
        ``tile_size`` (default 256), ``stride`` and ``edge``. The store's tile table of this
        tiling gives the tiles; it is built (or brought up to date with the store's
        scenes, keeping its thresholds) when needed.
    metrics : iterable of str, optional
        Metric names (default all, see :func:`~cloudorg.metrics.metric_names`).
    mask : str or MaskRecipe, default "greyscale"
        A method of :data:`cloudorg.masks.METHODS` (its default recipe: greyscale > 127,
        reflectance_0p64 > 10 %, brightness_temperature_11 < 290 K, cloud_mask in
        [0, 1]) or a recipe.
    connectivity, min_area, max_missing_fraction
        As for :func:`~cloudorg.metrics.compute_metrics`. Tiles with more missing pixels
        (no data, outside the swath, ``pad`` tiles beyond the domain) than
        ``max_missing_fraction`` get NaN for every metric but ``cloud_fraction``.
    client : Client, str, None or "synchronous"
        Where the blocks are computed (one task per scene and storage block,
        ``metrics-<scene_id>-y<row>x<col>``); see :mod:`cloudorg.distributed`.
    overwrite : bool
        Recompute every scene; needed to replace metrics computed with other
        parameters.
    block_size : int, default 4096
        Tiles per block of the group, rounded down to whole scenes (at least one): the
        zarr chunk, and the unit of writing and of resuming.
    progress : bool
        Show a progress bar.

    Returns
    -------
    xarray.Dataset
        The group ``metrics/{tiling}_{method}`` as written: dim ``tile`` (the tile table's),
        coordinates ``scene_index``, ``scene_id``, ``row0``, ``col0``; one float64 variable
        per metric (``units`` with lengths in km, ``long_name``, ``citation``). Attributes:
        the mask recipe (``mask_recipe``, ``mask_method``, ``mask_quantity``,
        ``mask_threshold``, ``mask_cloudy_flags``), the tiling (``tiling``,
        ``tile_table``, ``tile_size``, ``stride``, ``edge``), the options (``metrics``,
        ``connectivity``, ``min_area``, ``max_missing_fraction``, ``pixel_size``,
        ``length_unit``, ``inhibition_seed``) and the progress of the group's blocks
        (``block_rows``, ``completed_blocks``, ``complete``).

    Raises
    ------
    StoreError
        When the store has no scene or lacks the mask's quantity, or a block cannot be
        read; :class:`~cloudorg.errors.OtherResultsError` when the group holds metrics of
        other parameters (without ``overwrite``).
    ConfigError
        For an invalid tiling, recipe, metric name or option.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 3, missing_border=4)
    >>> ds = metrics_for_store(store, tile_size=64, stride=32, metrics=["cloud_fraction", "iorg"],
    ...                        mask="brightness_temperature", client="synchronous",
    ...                        progress=False)
    >>> ds.sizes["tile"], int(ds["iorg"].notnull().sum()), ds.attrs["complete"]
    (12, 3, 1)
    """
    store = CampaignStore.open(store)
    spec = resolve_tiling(tiling, tile_size=tile_size, stride=stride, edge=edge)
    recipe = _recipe(mask)
    options = TileMetrics.of(
        metrics,
        connectivity=connectivity,
        min_area=min_area,
        max_missing_fraction=max_missing_fraction,
        dx=store.domain.resolution_km,
        length_unit="km",
    )
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise ConfigError(f"block_size: expected a positive number of tiles, got {block_size!r}")
    group = store.group(metrics_group(spec, recipe))
    parameters = {**spec.to_attrs(), **_recipe_attrs(recipe), **options.attrs(),
                  "tile_table": tile_table_group(spec)}  # fmt: skip
    attrs = {
        "title": f"cloud-mask metrics of the {spec.name} tiles of a cloudorg campaign store",
        "Conventions": "CF-1.10",
        "cloudorg_version": __version__,
        "tiling": spec.name,
    }
    with store.writing(), cluster_client(client) as cl:
        reader = SceneReader(store)
        _check_quantity(reader, recipe)
        table = _tile_table(store, spec, reader.n_scenes, cl, progress)
        per_scene = int(table.attrs["tiles_per_scene"])
        rows = table[list(layout.TILE_LOCATION)]
        scene_rows = max(per_scene, 1)
        block_rows = scene_rows * max(1, block_size // scene_rows)
        writer = group.begin(
            _template(rows, options, attrs, block_rows), parameters, dim="tile",
            block_rows=block_rows, overwrite=overwrite,
            hint="pass overwrite=True (`cloudorg metrics --overwrite`) to replace them",
        )  # fmt: skip
        first = table.isel(tile=slice(0, per_scene))
        plan = plan_blocks(
            np.zeros(per_scene, dtype=np.int64),
            first["row0"].values,
            first["col0"].values,
            spec.size,
            chunk=chunk_size(reader, [recipe.quantity]),
        )
        job = _Job(reader, plan, recipe, options, writer.target, per_scene)
        _run(job, writer.todo(), writer, cl, progress)
        writer.finish()
    return _open(store, group.path)
