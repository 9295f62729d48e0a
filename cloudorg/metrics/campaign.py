"""Cloud-mask metrics of every tile of a campaign store, computed on a Dask cluster.

:func:`metrics_for_store` makes the cloud mask of every scene with a
:class:`~cloudorg.masks.MaskRecipe` (default: the report's greyscale > 127), cuts it into the
tiles of the store's tile table (``tiles/<tiling>``, built when absent) and computes
:func:`~cloudorg.metrics.compute_metrics` per tile, lengths in km.

Tasks: one per scene and storage block (the tiles whose first pixel lies in one spatial
chunk, :func:`cloudorg.tiles.cutting.plan_blocks`), named
``metrics-<scene_id>-y<row>x<col>-<token>`` on the dashboard. A task reads its block once,
makes the mask of the block, cuts the tiles out of it in one gather and runs the per-tile
loop of :class:`~cloudorg.metrics.tiled.TileMetrics`; only the values come back.

Store layout: one group per tiling and mask method, ``metrics/{tiling}_{method}``
(``metrics/256px_greyscale``), dim ``tile`` aligned with the tile table (same ``tile``
coordinate, ``scene_index``, ``scene_id``, ``row0``, ``col0``), one float64 variable per
metric with ``units``, ``long_name`` and ``citation``, and the mask recipe, tiling and
options in the attributes.

Resuming: the group holds the tiles of the first ``scenes_done`` scenes of the store. It is
rewritten atomically (:func:`cloudorg.tiles.storage.write_group`) with every finished
scene at most every ``checkpoint_every`` seconds, at the end, and when the run stops on an
error or an interrupt; a rerun computes only the scenes after those. A process killed
outright loses at most the scenes of the last ``checkpoint_every`` seconds and never
leaves a partial group.

Examples
--------
>>> import tempfile
>>> from cloudorg.tiles.examples import example_store
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
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from cloudorg import __version__
from cloudorg.distributed import SYNCHRONOUS, ClientLike, cluster_client, map_ordered
from cloudorg.errors import ConfigError, StoreError
from cloudorg.masks import METHODS, MaskRecipe, cloud_mask
from cloudorg.metrics.tiled import METRIC_DIM, TileMetrics
from cloudorg.store import CampaignStore
from cloudorg.tiles.cutting import BlockPlan, SceneReader, chunk_size, cut_tiles, plan_blocks
from cloudorg.tiles.filters import FilterConfig
from cloudorg.tiles.grid import TileSpec, as_store
from cloudorg.tiles.storage import open_group, write_group
from cloudorg.tiles.table import build_tile_table, open_tile_table, tile_table_group

__all__ = ["METRICS_GROUP", "metrics_for_store", "metrics_group", "open_metrics"]

METRICS_GROUP = "metrics"
ROW_COORDS = ("scene_index", "scene_id", "row0", "col0")
"""Tile-table columns every metrics group carries as coordinates."""
IN_FLIGHT_PER_THREAD = 16
"""Blocks submitted per worker thread ahead of the oldest unfinished one. Results come back
in order; with the default of ``map_ordered`` (two per thread) one slow block leaves the
other workers idle. A block's result is a few floats per tile, so many may wait."""


def _recipe(mask: str | MaskRecipe) -> MaskRecipe:
    return MaskRecipe.named(mask) if isinstance(mask, str) else mask


def metrics_group(spec: TileSpec, mask: str | MaskRecipe = "greyscale") -> str:
    """The store group of the metrics of a tiling and a mask method.

    Examples
    --------
    >>> metrics_group(TileSpec(128, stride=64), "product")
    'metrics/128px_stride64_product'
    """
    return f"{METRICS_GROUP}/{spec.name}_{_recipe(mask).method}"


def open_metrics(
    store: str | os.PathLike[str] | CampaignStore,
    tile_size: int = 256,
    *,
    stride: int | None = None,
    edge: str = "drop",
    mask: str | MaskRecipe = "greyscale",
) -> xr.Dataset:
    """Open (and load) the metrics group of a tiling and mask method.

    Raises
    ------
    StoreError
        When the store has no such group.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.tiles.examples import example_store
    >>> open_metrics(example_store(tempfile.mkdtemp() + "/c.zarr", 1), 64)
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: no group metrics/64px_greyscale; compute it with ...
    """
    return _open(store, metrics_group(TileSpec(tile_size, stride, edge), mask))


def _open(store: str | os.PathLike[str] | CampaignStore, group: str) -> xr.Dataset:
    """A metrics group, its variables in the order of its ``metrics`` attribute."""
    ds = open_group(store, group, "compute it with metrics_for_store or `cloudorg metrics`")
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
    store: CampaignStore, spec: TileSpec, client: ClientLike, progress: bool
) -> xr.Dataset:
    """The store's tile table of a tiling, built when absent or behind the store's scenes
    (keeping its filter thresholds)."""
    try:
        table = open_tile_table(store, spec.size, stride=spec.stride, edge=spec.edge)
    except StoreError:
        table = None
    else:
        if table.sizes["tile"] == table.attrs["tiles_per_scene"] * len(store.scene_ids()):
            return table
        if table.attrs.get("label_source") == "zooniverse":
            raise StoreError(
                f"{store.path}: the tile table {tile_table_group(spec)} lacks scenes added "
                "since it was built; bring it up to date with its label boxes first "
                "(build_tile_table(..., boxes=...) or `cloudorg tiles --labels CSV`)"
            )
    filters = None if table is None else FilterConfig.from_attrs(table.attrs)
    return build_tile_table(
        store,
        spec.size,
        stride=spec.stride,
        edge=spec.edge,
        filters=filters,
        client=client,
        progress=progress,
    )


def _finished(
    store: CampaignStore, group: str, parameters: dict[str, Any], scene_ids: list[str]
) -> xr.Dataset | None:
    """The stored metrics of the first scenes of ``scene_ids`` computed with ``parameters``,
    if any.

    Raises
    ------
    StoreError
        When the group holds metrics computed with other parameters.
    """
    try:
        old = open_group(store, group, "")
    except StoreError:
        return None
    differ = {k: old.attrs.get(k) for k, v in parameters.items() if old.attrs.get(k) != v}
    if differ:
        wanted = {k: parameters[k] for k in differ}
        raise StoreError(
            f"{store.path}: {group} holds metrics computed with {differ}, not {wanted}; pass "
            "overwrite=True (`cloudorg metrics --overwrite`) to replace them"
        )
    done = scene_ids[: int(old.attrs["scenes_done"])]
    return old if list(dict.fromkeys(old["scene_id"].values.tolist())) == done else None


@dataclass(frozen=True)
class _Job:
    """What every block task needs (scattered to the workers once)."""

    reader: SceneReader
    plan: BlockPlan
    recipe: MaskRecipe
    metrics: TileMetrics


def _block_metrics(item: tuple[int, str, int], job: _Job) -> np.ndarray:
    """Metrics of the tiles of one block of one scene, ``(tiles, metrics)`` (on a worker)."""
    scene, scene_id, b = item
    block = job.plan.block(b)
    name = job.recipe.quantity
    try:
        window = job.reader.window(name, scene, block.r0, block.r1, block.c0, block.c1)
    except Exception as err:
        raise StoreError(
            f"{job.reader.path}: scene {scene_id}: cannot read {name} rows {block.r0}:"
            f"{block.r1}, columns {block.c0}:{block.c1} ({type(err).__name__}: {err})"
        ) from err
    mask = cloud_mask(xr.Dataset({name: (("y", "x"), window)}), job.recipe).values
    return job.metrics.compute(cut_tiles(mask, block.rows, block.cols, job.plan.size))


@dataclass
class _Checkpoints:
    """The finished scenes' values, written to the store group at most every ``every`` s."""

    write: Callable[[np.ndarray, int], None]
    parts: list[np.ndarray]
    scenes: int
    written: int
    every: float
    last: float = field(default_factory=time.monotonic)

    @classmethod
    def after(
        cls,
        old: xr.Dataset | None,
        names: tuple[str, ...],
        write: Callable[[np.ndarray, int], None],
        every: float,
    ) -> _Checkpoints:
        """Checkpoints going on from the scenes of a stored group (``None``: from none,
        the group to be written even when no scene is added)."""
        if old is None:
            return cls(write, [np.zeros((0, len(names)))], 0, -1, every)
        done = int(old.attrs["scenes_done"])
        kept = np.stack([old[name].values for name in names], axis=-1)
        return cls(write, [kept], done, done, every)

    def add(self, values: np.ndarray) -> None:
        """One more finished scene."""
        self.parts.append(values)
        self.scenes += 1
        if time.monotonic() - self.last >= self.every:
            self.flush()

    def flush(self) -> None:
        """Write every finished scene unless the group holds them already."""
        if self.written == self.scenes:
            return
        self.parts = [np.concatenate(self.parts)]
        self.write(self.parts[0], self.scenes)
        self.written = self.scenes
        self.last = time.monotonic()


def _write(
    store: CampaignStore,
    group: str,
    rows: xr.Dataset,
    metrics: TileMetrics,
    attrs: dict[str, Any],
    values: np.ndarray,
    scenes: int,
) -> None:
    """Write the values of the first tiles of ``rows`` as the metrics group (atomically)."""
    coords = rows.isel(tile=slice(0, len(values))).coords
    ds = metrics.dataset(xr.DataArray(values, dims=("tile", METRIC_DIM), coords=coords))
    write_group(store, group, ds.assign_attrs(attrs, scenes_done=scenes))


def _window(client: Any) -> int | None:
    """Blocks in flight: ``IN_FLIGHT_PER_THREAD`` per worker thread (None in-process)."""
    if client == SYNCHRONOUS:
        return None
    return IN_FLIGHT_PER_THREAD * sum(client.nthreads().values())


def _run(
    job: _Job,
    scene_ids: list[str],
    checkpoints: _Checkpoints,
    client: Any,
    progress: bool,
) -> None:
    """Compute the scenes after ``checkpoints.scenes``, one task per scene and block, adding
    each finished scene to the checkpoints; write what is finished however it ends."""
    blocks = list(job.plan)
    items = [(s, scene_ids[s], b) for s in range(checkpoints.scenes, len(scene_ids))
             for b in range(len(blocks))]  # fmt: skip
    names = [f"{sid}-y{blocks[b].r0}x{blocks[b].c0}" for _, sid, b in items]
    values = np.full((job.plan.n_windows, len(job.metrics.names)), np.nan)
    with tqdm(total=len(items), desc="metrics", unit="block", disable=not progress) as bar:
        try:
            results = map_ordered(
                _block_metrics,
                items,
                client=client,
                key_prefix="metrics",
                names=names,
                args=(job,),
                window=_window(client),
                on_done=bar.update,
            )
            for (_, _, b), block_values in zip(items, results, strict=True):
                values[blocks[b].members] = block_values
                if b == len(blocks) - 1:
                    checkpoints.add(values.copy())
        finally:
            checkpoints.flush()


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
    tile_size: int = 256,
    stride: int | None = None,
    edge: str = "drop",
    metrics: Iterable[str] | str | None = None,
    mask: str | MaskRecipe = "greyscale",
    connectivity: int = 4,
    min_area: float = 0,
    max_missing_fraction: float = 0.0,
    client: ClientLike = None,
    overwrite: bool = False,
    checkpoint_every: float = 60.0,
    progress: bool = True,
) -> xr.Dataset:
    """Compute cloud-mask metrics for every tile of every scene of a store, on Dask.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    tile_size, stride, edge
        The tiling (:class:`~cloudorg.tiles.TileSpec`). The store's tile table of this
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
    checkpoint_every : float, default 60
        Seconds between writes of finished scenes to the store (0: after every scene).
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
        ``length_unit``, ``inhibition_seed``) and ``scenes_done``.

    Raises
    ------
    StoreError
        When the store has no scene or lacks the mask's quantity, a block cannot be read,
        or the group holds metrics of other parameters (without ``overwrite``).
    ConfigError
        For an invalid tiling, recipe, metric name or option.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.tiles.examples import example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 3, missing_border=4)
    >>> ds = metrics_for_store(store, tile_size=64, stride=32, metrics=["cloud_fraction", "iorg"],
    ...                        mask="brightness_temperature", client="synchronous",
    ...                        progress=False)
    >>> ds.sizes["tile"], int(ds["iorg"].notnull().sum()), ds.attrs["scenes_done"]
    (12, 3, 3)
    """
    store = as_store(store)
    spec = TileSpec(tile_size, stride, edge)
    recipe = _recipe(mask)
    options = TileMetrics.of(
        metrics,
        connectivity=connectivity,
        min_area=min_area,
        max_missing_fraction=max_missing_fraction,
        dx=store.domain.resolution_km,
        length_unit="km",
    )
    if not (isinstance(checkpoint_every, int | float) and checkpoint_every >= 0):
        raise ConfigError(f"checkpoint_every must be seconds >= 0, got {checkpoint_every!r}")
    reader = SceneReader(store)
    _check_quantity(reader, recipe)
    group = metrics_group(spec, recipe)
    parameters = {**spec.to_attrs(), **_recipe_attrs(recipe), **options.attrs()}
    attrs = {
        "title": f"cloud-mask metrics of the {spec.name} tiles of a cloudorg campaign store",
        "Conventions": "CF-1.10",
        "cloudorg_version": __version__,
        "tiling": spec.name,
        "tile_table": tile_table_group(spec),
        **parameters,
    }
    with cluster_client(client) as cl:
        table = _tile_table(store, spec, cl, progress)
        per_scene = int(table.attrs["tiles_per_scene"])
        scene_ids = [str(s) for s in table["scene_id"].values[::per_scene]] if per_scene else []
        old = None if overwrite else _finished(store, group, parameters, scene_ids)
        rows = table[list(ROW_COORDS)].set_coords(list(ROW_COORDS))
        write = partial(_write, store, group, rows, options, attrs)
        checkpoints = _Checkpoints.after(old, options.names, write, float(checkpoint_every))
        first = table.isel(tile=slice(0, per_scene))
        plan = plan_blocks(
            np.zeros(per_scene, dtype=np.int64),
            first["row0"].values,
            first["col0"].values,
            spec.size,
            chunk=chunk_size(reader, [recipe.quantity]),
        )
        _run(_Job(reader, plan, recipe, options), scene_ids, checkpoints, cl, progress)
    return _open(store, group)
