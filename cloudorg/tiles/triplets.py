"""Tile2Vec triplets (Jean et al. 2019; Denby 2020): anchor, neighbour and distant tiles.

* **anchor**: uniform over the usable tiles of a tile table; each usable tile is drawn once
  before any is drawn twice (epochs of random permutations), as in the report's "loop in
  each tile, consider it as an anchor".
* **neighbour**: the window of the anchor's size at ``neighbour_distance`` pixels (default
  half a tile: 128 px for 256-px tiles, the report's 50 % overlap) in a uniformly random
  direction, in the same scene. It need not lie on the tile grid, but it always lies
  inside the union of usable tiles of the scene, so it has no missing pixel when the
  ``missing_pixels`` filter is on. Directions are drawn until one fits; an anchor for
  which none of 128 random directions fits is replaced by another anchor.
* **distant**: a usable tile of a different scene ("a random different day"), or, with
  ``distant_min_distance``, also of the same scene at least that far (pixels, between
  tile origins).

Sampling is vectorised and fully determined by ``seed``; :func:`shard_triplets` splits a
triplet table into disjoint shards (DataLoader workers, Dask tasks).

Examples
--------
>>> import tempfile
>>> from cloudorg.synthetic.stores import example_store
>>> from cloudorg.tiles.table import build_tile_table
>>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 3)
>>> table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
>>> trip = sample_triplets(table, 5, seed=1)
>>> trip["row0"].dims, trip["role"].values.tolist()
(('triplet', 'role'), ['anchor', 'neighbor', 'distant'])
>>> bool((trip["scene_index"][:, 2] != trip["scene_index"][:, 0]).all())
True
"""

from __future__ import annotations

import math
import os

import numpy as np
import xarray as xr

from ..errors import ConfigError, StoreError
from ..store import CampaignStore, layout
from .cutting import BlockPlan, SceneReader, cut_tiles, plan_blocks, read_blocks
from .filters import usable
from .grid import TileSpec
from .normalise import Channels
from .table import tile_table_group

__all__ = [
    "ROLES",
    "open_triplets",
    "sample_triplets",
    "shard_triplets",
    "triplet_plan",
    "triplet_tiles",
    "write_triplets",
]

ROLES = ("anchor", "neighbor", "distant")
"""Roles of the tiles of a triplet, spelled as in Tile2Vec's file names."""

_DIRECTIONS_PER_ROUND = 2
_ROUNDS_PER_ANCHOR = 64
"""An anchor is replaced after 64 x 2 random directions without a fitting neighbour."""
_MAX_ROUNDS = 640


class _UsableArea:
    """Per scene, which cells of a grid lie inside a usable tile; O(1) window queries.

    Cells are ``g x g`` pixels with ``g = gcd(stride, size)`` (at least ``size // 8``); a
    cell counts as covered when a usable tile contains it entirely, so the test is exact
    for regular grids and conservative otherwise.
    """

    def __init__(self, table: xr.Dataset, ok: np.ndarray) -> None:
        size, stride = int(table.attrs["tile_size"]), int(table.attrs["stride"])
        self.size = size
        self.ny, self.nx = (int(v) for v in table.attrs["domain_shape"])
        self.g = g = max(math.gcd(stride, size), max(size // 8, 1))
        ncy, ncx = -(-self.ny // g), -(-self.nx // g)
        n_scenes = int(table["scene_index"].max()) + 1 if table.sizes["tile"] else 0
        scene = table["scene_index"].values[ok]
        row0, col0 = table["row0"].values[ok], table["col0"].values[ok]
        cy0 = np.clip(-(-row0 // g), 0, ncy)
        cy1 = np.clip((row0 + size) // g, 0, ncy)
        cx0 = np.clip(-(-col0 // g), 0, ncx)
        cx1 = np.clip((col0 + size) // g, 0, ncx)
        diff = np.zeros((n_scenes, ncy + 1, ncx + 1), dtype=np.int32)
        np.add.at(diff, (scene, cy0, cx0), 1)
        np.add.at(diff, (scene, cy1, cx0), -1)
        np.add.at(diff, (scene, cy0, cx1), -1)
        np.add.at(diff, (scene, cy1, cx1), 1)
        covered = diff.cumsum(axis=1).cumsum(axis=2)[:, :ncy, :ncx] > 0
        self.sat = np.zeros((n_scenes, ncy + 1, ncx + 1), dtype=np.int32)
        self.sat[:, 1:, 1:] = covered.cumsum(axis=1).cumsum(axis=2)

    def contains(self, scene: np.ndarray, row0: np.ndarray, col0: np.ndarray) -> np.ndarray:
        """Whether each window lies inside the domain and the usable tiles of its scene."""
        t, g = self.size, self.g
        inside = (row0 >= 0) & (col0 >= 0) & (row0 + t <= self.ny) & (col0 + t <= self.nx)
        r, c = np.where(inside, row0, 0), np.where(inside, col0, 0)
        cy0, cy1 = r // g, (r + t - 1) // g + 1
        cx0, cx1 = c // g, (c + t - 1) // g + 1
        s = self.sat
        total = s[scene, cy1, cx1] - s[scene, cy0, cx1] - s[scene, cy1, cx0] + s[scene, cy0, cx0]
        return inside & (total == (cy1 - cy0) * (cx1 - cx0))


def _anchors(rng: np.random.Generator, valid: np.ndarray, n: int) -> np.ndarray:
    epochs = -(-n // valid.size)
    return np.concatenate([rng.permutation(valid) for _ in range(epochs)])[:n]


def _neighbours(
    rng: np.random.Generator,
    area: _UsableArea,
    valid: np.ndarray,
    anchors: np.ndarray,
    scene: np.ndarray,
    row0: np.ndarray,
    col0: np.ndarray,
    distance: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neighbour origins of each anchor; anchors without room are replaced in place."""
    n_rows = np.zeros(anchors.size, dtype=np.int64)
    n_cols = np.zeros(anchors.size, dtype=np.int64)
    pending = np.arange(anchors.size)
    for round_ in range(1, _MAX_ROUNDS + 1):
        a = anchors[pending]
        theta = rng.uniform(0.0, 2.0 * np.pi, (pending.size, _DIRECTIONS_PER_ROUND))
        r = row0[a][:, None] + np.rint(distance * np.sin(theta)).astype(np.int64)
        c = col0[a][:, None] + np.rint(distance * np.cos(theta)).astype(np.int64)
        fits = area.contains(scene[a][:, None], r, c)
        found = fits.any(axis=1)
        first = fits.argmax(axis=1)
        hit = pending[found]
        n_rows[hit] = r[found, first[found]]
        n_cols[hit] = c[found, first[found]]
        pending = pending[~found]
        if not pending.size:
            return anchors, n_rows, n_cols
        if round_ % _ROUNDS_PER_ANCHOR == 0:
            anchors[pending] = rng.choice(valid, pending.size)
    raise StoreError(
        f"no neighbour window at {distance:g} px fits inside the usable tiles for "
        f"{pending.size} triplets; lower neighbour_distance or relax the filters"
    )


def _distants(
    rng: np.random.Generator,
    valid: np.ndarray,
    anchors: np.ndarray,
    scene: np.ndarray,
    row0: np.ndarray,
    col0: np.ndarray,
    min_distance: float | None,
) -> np.ndarray:
    distant = rng.choice(valid, anchors.size)
    for _ in range(_MAX_ROUNDS):
        same = scene[distant] == scene[anchors]
        if min_distance is not None:
            far = np.hypot(row0[distant] - row0[anchors], col0[distant] - col0[anchors])
            same &= far < min_distance
        if not same.any():
            return distant
        distant[same] = rng.choice(valid, int(same.sum()))
    raise StoreError(
        f"no distant tile found for {int(same.sum())} anchors; give more scenes "
        "or a smaller distant_min_distance"
    )


def sample_triplets(
    table: xr.Dataset,
    n: int,
    *,
    seed: int = 0,
    neighbour_distance: float | None = None,
    distant_min_distance: float | None = None,
    filters: list[str] | None = None,
) -> xr.Dataset:
    """Draw ``n`` triplets (anchor, neighbour, distant) from a tile table.

    Parameters
    ----------
    table : xarray.Dataset
        A tile table (:func:`cloudorg.tiles.table.build_tile_table`).
    n : int
        Number of triplets.
    seed : int
        Seed; the same table, arguments and seed give the same triplets.
    neighbour_distance : float, optional
        Distance in pixels between the anchor's and the neighbour's origins (default half
        a tile).
    distant_min_distance : float, optional
        Also allow distant tiles of the anchor's scene at least this far (pixels). Without
        it, distant tiles come from other scenes only.
    filters : list of str, optional
        Flags excluding tiles (default all; see :func:`cloudorg.tiles.filters.usable`).

    Returns
    -------
    xarray.Dataset
        Dims ``triplet`` (ids 0 … n-1) and ``role`` (anchor, neighbor, distant):
        ``scene_index``, ``scene_id``, ``row0``, ``col0`` and ``tile`` (row of the tile
        table; -1 for neighbours, which are off the grid). Attributes: the tiling, the
        arguments and the tile table's group.

    Raises
    ------
    StoreError
        When no tile is usable, or only one scene has usable tiles and
        ``distant_min_distance`` is not given.

    Examples
    --------
    >>> import xarray as xr
    >>> sample_triplets(xr.Dataset({"flags": ("tile", [1])}, attrs={"tile_size": 64}), 3)
    Traceback (most recent call last):
    ...
    cloudorg.errors.StoreError: no usable tile: 1 tiles, all flagged ...
    """
    if int(n) != n or n < 1:
        raise ConfigError(f"n must be a positive integer, got {n!r}")
    ok = usable(table, filters).values
    valid = np.flatnonzero(ok)
    if not valid.size:
        raise StoreError(
            f"no usable tile: {ok.size} tiles, all flagged by filters "
            f"{filters or 'all'}; build the table with other thresholds or "
            "choose fewer filters"
        )
    size = int(table.attrs["tile_size"])
    distance = 0.5 * size if neighbour_distance is None else float(neighbour_distance)
    if not distance > 0:
        raise ConfigError(f"neighbour_distance must be > 0 pixels, got {neighbour_distance!r}")
    scene = table["scene_index"].values.astype(np.int64)
    row0, col0 = table["row0"].values.astype(np.int64), table["col0"].values.astype(np.int64)
    if distant_min_distance is None and np.unique(scene[valid]).size < 2:
        raise StoreError(
            "distant tiles come from other scenes, but only one scene has usable "
            "tiles; give distant_min_distance to take them from the same scene"
        )
    rng = np.random.default_rng(seed)
    anchors = _anchors(rng, valid, int(n))
    anchors, n_rows, n_cols = _neighbours(
        rng, _UsableArea(table, ok), valid, anchors, scene, row0, col0, distance
    )
    distant = _distants(rng, valid, anchors, scene, row0, col0, distant_min_distance)
    tiles = np.stack([anchors, np.full(anchors.size, -1), distant], axis=1)
    rows = np.stack([row0[anchors], n_rows, row0[distant]], axis=1)
    cols = np.stack([col0[anchors], n_cols, col0[distant]], axis=1)
    scenes = np.stack([scene[anchors], scene[anchors], scene[distant]], axis=1)
    dims = ("triplet", "role")
    px = {"units": "pixel"}
    return xr.Dataset(
        {
            "scene_index": (dims, scenes.astype(np.int32)),
            "scene_id": (
                dims,
                table["scene_id"].values.astype(object)[
                    np.stack([anchors, anchors, distant], axis=1)
                ],
            ),
            "row0": (dims, rows.astype(np.int32), {**px, "long_name": "first pixel row"}),
            "col0": (dims, cols.astype(np.int32), {**px, "long_name": "first pixel column"}),
            "tile": (
                dims,
                tiles.astype(np.int64),
                {"long_name": "row of the tile table (-1: off the grid)"},
            ),
        },
        coords={
            "triplet": np.arange(int(n), dtype=np.int64),
            "role": np.array(ROLES, dtype=object),
        },
        attrs={
            "tile_size": size,
            "tile_table": tile_table_group(TileSpec.from_attrs(table.attrs)),
            "seed": int(seed),
            "neighbour_distance": distance,
            "distant_min_distance": -1.0
            if distant_min_distance is None
            else float(distant_min_distance),
            "filters": list(filters) if filters is not None else ["all"],
        },
    )


def shard_triplets(triplets: xr.Dataset, index: int, count: int) -> xr.Dataset:
    """Every ``count``-th triplet starting at ``index``: ``count`` shards partition the table.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> t = xr.Dataset(coords={"triplet": np.arange(5)})
    >>> [shard_triplets(t, i, 2)["triplet"].values.tolist() for i in range(2)]
    [[0, 2, 4], [1, 3]]
    """
    if not (isinstance(count, int) and count >= 1 and 0 <= index < count):
        raise ConfigError(
            f"shard index must be in [0, count) with count >= 1, got "
            f"index={index!r}, count={count!r}"
        )
    return triplets.isel(triplet=slice(index, None, count))


def triplet_plan(triplets: xr.Dataset, chunk: int) -> BlockPlan:
    """The block plan of every window of a triplet table; window ``3 * i + role``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> t = xr.Dataset({v: (("triplet", "role"), np.zeros((2, 3), int))
    ...                 for v in ("scene_index", "row0", "col0")}, attrs={"tile_size": 64})
    >>> triplet_plan(t, 64).n_windows
    6
    """
    return plan_blocks(
        triplets["scene_index"].values.ravel(),
        triplets["row0"].values.ravel(),
        triplets["col0"].values.ravel(),
        int(triplets.attrs["tile_size"]),
        chunk=chunk,
    )


def triplet_tiles(
    reader: SceneReader, channels: Channels, triplets: xr.Dataset, *, chunk: int
) -> np.ndarray:
    """The raw pixels of triplets: ``(n, 3, C, t, t)`` (roles in :data:`ROLES` order).

    Each block of the store is read once for all windows whose origin it holds.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.tiles.table import build_tile_table
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    >>> reader = SceneReader(store)
    >>> px = triplet_tiles(reader, Channels.of(reader.dataset, ["rgb"]),
    ...                    sample_triplets(table, 4), chunk=64)
    >>> px.shape, px.dtype
    ((4, 3, 3, 64, 64), dtype('uint8'))
    """
    size = int(triplets.attrs["tile_size"])
    n = triplets.sizes["triplet"]
    out = np.empty((n * len(ROLES), len(channels), size, size), dtype=channels.dtype)
    for window, block in read_blocks(reader, channels, triplet_plan(triplets, chunk)):
        out[block.members] = cut_tiles(window, block.rows, block.cols, size)
    return out.reshape(n, len(ROLES), len(channels), size, size)


def write_triplets(store: str | os.PathLike[str] | CampaignStore, triplets: xr.Dataset) -> str:
    """Save a triplet table in the store as ``triplets/{tiling}`` (replacing an older one).

    Returns
    -------
    str
        The group, e.g. ``triplets/256px``.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.tiles.table import build_tile_table
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    >>> write_triplets(store, sample_triplets(table, 3))
    'triplets/64px_stride16'
    >>> open_triplets(store, 64, stride=16)["row0"].shape
    (3, 3)
    """
    store = CampaignStore.open(store)
    group = layout.triplets(str(triplets.attrs["tile_table"]).rpartition("/")[2])
    with store.writing():
        store.group(group).replace(triplets)
    return group


def open_triplets(
    store: str | os.PathLike[str] | CampaignStore,
    size: int = 256,
    *,
    stride: int | None = None,
    edge: str = "drop",
) -> xr.Dataset:
    """Open the triplet table saved for a tiling by :func:`write_triplets`.

    Raises
    ------
    StoreError
        When the store has none.
    """
    group = CampaignStore.open(store).group(layout.triplets(TileSpec(size, stride, edge).name))
    return group.open("sample them with `cloudorg triplets`")
