"""The tile table of a campaign store: build it (one Dask task per scene), write it into the
store, open it.

Layout: one zarr group per tiling, ``tiles/{name}`` with ``name`` from
:attr:`TileSpec.name` (``256px``, ``128px_stride64``, ``850px_pad``), dim ``tile``,
readable with ``xr.open_zarr(store, group="tiles/256px")``. A table is computed from one
snapshot of the store's scenes (an ingest appending meanwhile changes nothing of it) and
written whole by :meth:`cloudorg.store.DerivedGroup.replace`: readers see the old table or
the new one, never half.

A rerun reuses what is done: the statistics of scenes already in the table are kept and
only new scenes are read; new thresholds re-flag without reading pixels; other labels or
``overwrite=True`` recompute everything. Tile indices of earlier scenes never change
(the store only appends scenes), so anything keyed by tile index stays valid.

Examples
--------
>>> import tempfile
>>> from cloudorg.synthetic.stores import example_store
>>> store = example_store(tempfile.mkdtemp() + "/c.zarr", n_scenes=2)
>>> table = build_tile_table(store, size=64, client="synchronous", progress=False)
>>> table.sizes["tile"], list_tile_tables(store)
(2, ['64px'])
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from dask.base import tokenize
from tqdm.auto import tqdm

from .. import __version__
from ..distributed import ClientLike, cluster_client, map_ordered
from ..domains import Domain
from ..errors import ConfigError, StoreError
from ..store import CampaignStore, layout
from .cutting import BlockPlan, SceneReader, chunk_size, cut_tiles, plan_blocks
from .filters import BT, NOT_IMAGES, FilterConfig, flag_tiles, pixel_statistics
from .grid import TileSpec, Tiling, grid_of, resolve_tiling
from .label_maps import boxes_by_scene, domain_label_map, majority_labels

__all__ = [
    "build_tile_table",
    "list_tile_tables",
    "open_tile_table",
    "tile_table_group",
]

STATISTICS = ("valid_fraction", "hue", f"{BT}_p25")
LABELS = ("label", "label_fraction")


def tile_table_group(spec: TileSpec) -> str:
    """The store group of a tiling's table.

    Examples
    --------
    >>> tile_table_group(TileSpec(256, stride=128))
    'tiles/256px_stride128'
    """
    return layout.tile_table(spec.name)


def statistics_variables(dataset: xr.Dataset) -> list[str]:
    """Scene variables checked for missing pixels: ``rgb`` and the 11 µm brightness
    temperature when present, else every image variable of the store, else (a store of a
    cloud-mask product alone) its ``cloud_mask``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({v: (("scene", "y", "x"), np.zeros((1, 1, 1))) for v in
    ...                  ("reflectance_0p47", "brightness_temperature_11", "pattern")})
    >>> statistics_variables(ds)
    ['brightness_temperature_11', 'reflectance_0p47']
    """
    images = sorted(
        v
        for v in dataset.data_vars
        if dataset[v].dims[-2:] == ("y", "x")
        and dataset[v].dims[0] == "scene"
        and v not in NOT_IMAGES
    )
    if "rgb" in images:
        return [v for v in ("rgb", BT) if v in images]
    return images or (["cloud_mask"] if "cloud_mask" in dataset.data_vars else [])


@dataclass(frozen=True)
class _Pass:
    """What every scene task of a statistics pass needs (scattered once)."""

    reader: SceneReader
    plan: BlockPlan
    variables: tuple[str, ...]
    label_source: str
    domain: Domain


def _scene_pass(item: tuple[int, pd.DataFrame | None], job: _Pass) -> dict[str, np.ndarray]:
    """Statistics and labels of the tiles of one scene (runs on a worker)."""
    scene, boxes = item
    size, per_scene = job.plan.size, job.plan.n_windows
    out = {k: np.full(per_scene, np.nan, dtype=np.float32) for k in STATISTICS}
    out["label"] = np.zeros(per_scene, dtype=np.int8)
    out["label_fraction"] = np.zeros(per_scene, dtype=np.float32)
    label_map = None
    if job.label_source == "zooniverse" and boxes is not None and len(boxes):
        label_map = np.pad(domain_label_map(boxes, job.domain), size)
    names = job.variables + (("pattern",) if job.label_source == "pattern" else ())
    for block in job.plan:
        block = block._replace(scene=scene)
        (tiles,) = job.reader.tiles(names, [block], size)
        for name, values in pixel_statistics(tiles).items():
            out[name][block.members] = values
        classes = tiles.get("pattern")
        if label_map is not None:
            classes = cut_tiles(
                label_map, block.rows + block.r0 + size, block.cols + block.c0 + size, size
            )
        if classes is not None:
            out["label"][block.members], out["label_fraction"][block.members] = majority_labels(
                classes
            )
    return out


def _label_source(reader: SceneReader, boxes: pd.DataFrame | None) -> str:
    if boxes is not None:
        return "zooniverse"
    return "pattern" if "pattern" in reader.dataset.data_vars else "none"


def _attach(grid: xr.Dataset, columns: dict[str, np.ndarray], label_source: str) -> xr.Dataset:
    frac = {"units": "1"}
    attrs = {
        "valid_fraction": {**frac, "long_name": "fraction of the tile's pixels with data"},
        "hue": {
            "units": "degree",
            "long_name": "HSV hue of the tile's mean colour (non-black pixels)",
        },
        f"{BT}_p25": {
            "units": "K",
            "long_name": "25th percentile of the tile's 11 um brightness temperature",
        },
        "label": {
            "long_name": f"majority organisation class of the tile ({label_source})",
            "flag_values": np.arange(5, dtype=np.int8),
            "flag_meanings": "none sugar gravel fish flower",
        },
        "label_fraction": {**frac, "long_name": "fraction of the tile covered by its label"},
    }
    names = STATISTICS + (LABELS if label_source != "none" else ())
    return grid.assign({k: ("tile", columns[k], attrs[k]) for k in names})


def _compute(
    store: CampaignStore,
    grid: xr.Dataset,
    spec: TileSpec,
    todo: np.ndarray,
    boxes: pd.DataFrame | None,
    label_source: str,
    reader: SceneReader,
    client: ClientLike,
    progress: bool,
) -> dict[str, np.ndarray]:
    """Statistics of the scenes ``todo``, concatenated in scene order."""
    per_scene = grid.attrs["tiles_per_scene"]
    keys = STATISTICS + LABELS
    if not (todo.size and per_scene):
        return {k: np.zeros(0, dtype=np.int8 if k == "label" else np.float32) for k in keys}
    first = grid.isel(tile=slice(0, per_scene))
    variables = statistics_variables(reader.dataset)
    plan = plan_blocks(
        np.zeros(per_scene, dtype=np.int64),
        first["row0"].values,
        first["col0"].values,
        spec.size,
        chunk=chunk_size(reader, variables),
    )
    job = _Pass(reader, plan, tuple(variables), label_source, store.domain)
    times = reader.dataset["scene"].values[todo]
    scene_boxes = boxes_by_scene(boxes, times) if boxes is not None else [None] * todo.size
    ids = [str(s) for s in reader.dataset["scene_id"].values[todo]]
    items = list(zip(todo.tolist(), scene_boxes, strict=True))
    with (
        cluster_client(client) as cl,
        tqdm(
            total=len(items), desc=f"tiles {spec.name}", unit="scene", disable=not progress
        ) as bar,
    ):
        parts = list(
            map_ordered(
                _scene_pass,
                items,
                client=cl,
                key_prefix="tiles",
                names=ids,
                args=(job,),
                on_done=bar.update,
            )
        )
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def _reusable(store: CampaignStore, spec: TileSpec, token: str) -> xr.Dataset | None:
    try:
        old = open_tile_table(store, spec)
    except StoreError:
        return None
    return old if old.attrs.get("labels_token") == token else None


def build_tile_table(
    store: str | os.PathLike[str] | CampaignStore,
    size: Tiling | None = 256,
    *,
    size_km: float | None = None,
    stride: int | None = None,
    overlap: float | None = None,
    edge: str | None = None,
    filters: FilterConfig | None = None,
    boxes: pd.DataFrame | None = None,
    client: ClientLike = None,
    overwrite: bool = False,
    progress: bool = True,
) -> xr.Dataset:
    """Compute the tile table of a store (or bring it up to date) and write it into the store.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    size, size_km, stride, overlap, edge
        The tiling: a :class:`TileSpec` or its string form (``"256px_stride128"``), or
        its parts (:meth:`TileSpec.from_args`): 64–1024 px or a size in km, stride or
        overlap fraction, edge policy ``drop`` (the default), ``pad`` or ``shift``.
    filters : FilterConfig, optional
        Thresholds of the quality flags.
    boxes : pandas.DataFrame, optional
        Zooniverse label boxes (:func:`cloudorg.io.labels.read_zooniverse`), matched to
        scenes by date. Without boxes, a store with a ``pattern`` variable (synthetic
        scenes) labels tiles with it; otherwise the table has no label columns.
    client : Client, str, None or "synchronous"
        Where scenes are read (one task per scene, ``tiles-<scene_id>``); see
        :mod:`cloudorg.distributed`.
    overwrite : bool
        Recompute every scene even when a table of this tiling exists.
    progress : bool
        Show a progress bar.

    Returns
    -------
    xarray.Dataset
        The table as written (see :func:`cloudorg.tiles.grid.tile_grid` for the geometry
        columns), plus ``valid_fraction``, ``hue``, ``brightness_temperature_11_p25``,
        ``flags`` (see :mod:`cloudorg.tiles.filters`) and, when labels are known,
        ``label`` (int8, 0 none … 4 Flower) and ``label_fraction``. Attributes: the
        tiling, thresholds, ``label_source``, ``statistics_variables``.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2, missing_border=8)
    >>> t = build_tile_table(store, 64, stride=32, client="synchronous", progress=False)
    >>> t["label"].values.tolist(), t["flags"].values.tolist()
    ([1, 2, 3, 4, 1, 2, 3, 4], [1, 1, 1, 0, 1, 1, 1, 0])
    """
    store = CampaignStore.open(store)
    if isinstance(size, TileSpec | str):
        if size_km is not None or overlap is not None:
            raise ConfigError(f"give the tiling ({size!r}) or size_km/overlap, not both")
        spec = resolve_tiling(size, stride=stride, edge=edge)
    else:
        spec = TileSpec.from_args(
            size,
            size_km=size_km,
            resolution_km=store.domain.resolution_km,
            stride=stride,
            overlap=overlap,
            edge=edge or "drop",
        )
    _check_fits(store, spec)
    with store.writing():
        table = _build(store, spec, filters, boxes, client, overwrite, progress)
        store.group(tile_table_group(spec)).replace(table)
    return open_tile_table(store, spec)


def _check_fits(store: CampaignStore, spec: TileSpec) -> None:
    """Refuse a tiling that puts no tile on the domain (a tile larger than it)."""
    ny, nx = store.domain.shape
    if not spec.offsets(ny)[0].size or not spec.offsets(nx)[0].size:
        raise ConfigError(
            f"tile size {spec.size} px: no tile fits the domain {store.domain.name} ({ny} rows "
            f"x {nx} columns); choose a tile size of at most {min(ny, nx)} px, or edge='pad'"
        )


def _build(
    store: CampaignStore,
    spec: TileSpec,
    filters: FilterConfig | None,
    boxes: pd.DataFrame | None,
    client: ClientLike,
    overwrite: bool,
    progress: bool,
) -> xr.Dataset:
    """The tile table of one snapshot of the store's scenes."""
    reader = SceneReader(store)
    scenes = reader.dataset if reader.n_scenes else None
    grid = grid_of(store, spec, scenes)
    label_source = _label_source(reader, boxes) if reader.n_scenes else "none"
    token = tokenize(label_source, None if boxes is None else pd.util.hash_pandas_object(boxes))
    old = None if overwrite else _reusable(store, spec, token)
    scene_ids = [] if scenes is None else [str(s) for s in scenes["scene_id"].values]
    done = [] if old is None else list(dict.fromkeys(old["scene_id"].values.tolist()))
    keep = len(done) if scene_ids[: len(done)] == done else 0
    columns = {k: old[k].values for k in STATISTICS + LABELS if k in old} if keep else {}
    new = _compute(
        store,
        grid,
        spec,
        np.arange(keep, len(scene_ids)),
        boxes,
        label_source,
        reader,
        client,
        progress,
    )
    columns = {k: np.concatenate([columns[k], v]) if k in columns else v for k, v in new.items()}
    table = flag_tiles(_attach(grid, columns, label_source), filters)
    table.attrs.update(
        {
            "title": f"tile table {spec.name} of a cloudorg campaign store",
            "Conventions": "CF-1.10",
            "cloudorg_version": __version__,
            "label_source": label_source,
            "labels_token": token,
            "statistics_variables": statistics_variables(reader.dataset) if scene_ids else [],
        }
    )
    return table.set_coords(list(layout.TILE_LOCATION))


def open_tile_table(
    store: str | os.PathLike[str] | CampaignStore,
    size: Tiling = 256,
    *,
    stride: int | None = None,
    edge: str | None = None,
) -> xr.Dataset:
    """Open (and load: tables are small) the tile table of a tiling: a :class:`TileSpec`,
    its string form, or a size in pixels with ``stride`` and ``edge``.

    Raises
    ------
    StoreError
        When the store has no complete table of this tiling.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> open_tile_table(example_store(tempfile.mkdtemp() + "/c.zarr", 1), 64)
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: ...: no group tiles/64px; build it with build_tile_table ...
    """
    spec = resolve_tiling(size, stride=stride, edge=edge)
    group = CampaignStore.open(store).group(tile_table_group(spec))
    table = group.open("build it with build_tile_table or `cloudorg tiles`")
    return table.set_coords([c for c in layout.TILE_LOCATION if c in table.data_vars])


def list_tile_tables(store: str | os.PathLike[str] | CampaignStore) -> list[str]:
    """Names of the tilings with a table in the store.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> list_tile_tables(example_store(tempfile.mkdtemp() + "/c.zarr", 1))
    []
    """
    return CampaignStore.open(store).subgroups(layout.TILES)
