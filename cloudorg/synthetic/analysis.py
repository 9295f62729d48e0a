"""Small synthetic inputs of the analyses, following the stage contracts.

For examples, tests and trying the analyses without a campaign: Gaussian-blob
embeddings with one blob per class, class-dependent metrics, and a tile table with
scenes to draw maps and example tiles on; :func:`example_campaign` writes a whole small
campaign store (synthetic satellite files ingested, tiled and measured).

Examples
--------
>>> embeddings, labels = example_embeddings(n_per_class=3, n_features=4)
>>> embeddings.dims, labels.values.tolist()
(('tile', 'embedding'), [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
"""

from __future__ import annotations

import math
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr
from scipy import ndimage

from cloudorg.analysis.checks import TILE, check_int, check_seed
from cloudorg.io.labels import CLASSES, FLAG_MEANINGS, FLAG_VALUES

__all__ = ["example_campaign", "example_embeddings", "example_metrics", "example_tiles"]

if TYPE_CHECKING:
    from cloudorg.store import CampaignStore

_TILES_PER_ROW = 5
_ROWS_PER_SCENE = 4


def example_embeddings(
    n_per_class: int = 20,
    *,
    n_features: int = 8,
    separation: float = 6.0,
    seed: int = 0,
) -> tuple[xr.DataArray, xr.DataArray]:
    """Embeddings made of one Gaussian blob per class, and their labels.

    Parameters
    ----------
    n_per_class : int, default 20
        Tiles of each of the four classes.
    n_features : int, default 8
        Embedding dimension.
    separation : float, default 6.0
        Distance of each blob centre from the origin, in units of the blobs' standard
        deviation (1).
    seed : int, default 0
        Seed of the blob centres and points.

    Returns
    -------
    embeddings : xarray.DataArray
        float32 ``(tile, embedding)``, attrs ``model_id``.
    labels : xarray.DataArray
        int8 ``(tile)`` class codes 1–4 in blocks of ``n_per_class``, CF flag attrs.

    Examples
    --------
    >>> embeddings, labels = example_embeddings(2, n_features=3, seed=1)
    >>> embeddings.shape, embeddings.dtype, labels.attrs["flag_meanings"]
    ((8, 3), dtype('float32'), 'none sugar gravel fish flower')
    """
    n_per_class = check_int(n_per_class, "n_per_class", 1)
    n_features = check_int(n_features, "n_features", 1)
    rng = np.random.default_rng(check_seed(seed))
    directions = rng.standard_normal((len(CLASSES), n_features))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    codes = np.repeat(np.arange(1, len(CLASSES) + 1), n_per_class).astype(np.int8)
    points = separation * directions[codes - 1] + rng.standard_normal((codes.size, n_features))
    tile = np.arange(codes.size)
    embeddings = xr.DataArray(
        points.astype(np.float32),
        dims=(TILE, "embedding"),
        coords={TILE: tile},
        name="embeddings",
        attrs={"long_name": "tile embedding", "units": "1", "model_id": "example-blobs"},
    )
    labels = xr.DataArray(
        codes,
        dims=TILE,
        coords={TILE: tile},
        name="label",
        attrs={
            "long_name": "human-labelled shallow-cloud organisation class",
            "flag_values": FLAG_VALUES.copy(),
            "flag_meanings": FLAG_MEANINGS,
        },
    )
    return embeddings, labels


def example_metrics(labels: xr.DataArray, *, seed: int = 0) -> xr.Dataset:
    """Cloud metrics whose distributions depend on the class of each tile.

    Cloud fraction, number of objects, mean length scale and Iorg rise with the class
    code (plus noise); tiles with an unknown or no class get middle values. The first
    tile's Iorg is NaN, as for a tile where it is undefined.

    Parameters
    ----------
    labels : xarray.DataArray
        Class codes along ``tile`` (e.g. from :func:`example_embeddings`).
    seed : int, default 0
        Seed of the noise.

    Returns
    -------
    xarray.Dataset
        Variables ``cloud_fraction``, ``num_objects``, ``mean_length_scale`` (km) and
        ``iorg`` along ``tile``, with ``units`` attrs.

    Examples
    --------
    >>> _, labels = example_embeddings(2)
    >>> metrics = example_metrics(labels)
    >>> sorted(metrics.data_vars), metrics.mean_length_scale.attrs["units"]
    (['cloud_fraction', 'iorg', 'mean_length_scale', 'num_objects'], 'km')
    """
    rng = np.random.default_rng(check_seed(seed))
    level = np.clip(np.nan_to_num(labels.values.astype(np.float64), nan=2.5), 0, 4)
    level = np.where(level < 1, 2.5, level)
    noise = rng.standard_normal((4, level.size))
    iorg = 0.45 + 0.05 * level + 0.02 * noise[3]
    iorg[0] = np.nan
    metrics = {
        "cloud_fraction": (0.05 + 0.1 * level + 0.03 * noise[0], "1"),
        "num_objects": (np.round(np.exp(5.0 - 0.6 * level + 0.2 * noise[1])), "1"),
        "mean_length_scale": (2.0 * level + 0.5 * noise[2] + 1.0, "km"),
        "iorg": (iorg, "1"),
    }
    return xr.Dataset(
        {name: (TILE, values, {"units": units}) for name, (values, units) in metrics.items()},
        coords={TILE: labels[TILE].values} if TILE in labels.coords else {},
    )


def example_tiles(
    n_tiles: int, *, tile_size: int = 16, seed: int = 0
) -> tuple[xr.Dataset, xr.Dataset]:
    """A tile table and the scenes it was cut from (20 tiles per scene, 4 rows of 5).

    Parameters
    ----------
    n_tiles : int
        Number of tiles.
    tile_size : int, default 16
        Tile edge in pixels.
    seed : int, default 0
        Seed of the scenes' smooth random RGB images.

    Returns
    -------
    tiles : xarray.Dataset
        ``scene_index``, ``scene_id``, ``row0``, ``col0``, ``lon``, ``lat`` along
        ``tile``; attr ``tile_size``.
    scenes : xarray.Dataset
        ``rgb`` uint8 ``(scene, band, y, x)``.

    Examples
    --------
    >>> tiles, scenes = example_tiles(25, tile_size=8)
    >>> tiles.sizes["tile"], scenes.rgb.shape
    (25, (2, 3, 32, 40))
    """
    n_tiles = check_int(n_tiles, "n_tiles", 1)
    tile_size = check_int(tile_size, "tile_size", 1)
    per_scene = _TILES_PER_ROW * _ROWS_PER_SCENE
    n_scenes = math.ceil(n_tiles / per_scene)
    index = np.arange(n_tiles)
    scene = index // per_scene
    row0 = (index % per_scene) // _TILES_PER_ROW * tile_size
    col0 = index % _TILES_PER_ROW * tile_size
    ny, nx = _ROWS_PER_SCENE * tile_size, _TILES_PER_ROW * tile_size
    rng = np.random.default_rng(check_seed(seed))
    noise = ndimage.gaussian_filter(rng.standard_normal((n_scenes, 3, ny, nx)), (0, 0, 2, 2))
    low, high = noise.min(), noise.max()
    rgb = np.round(255 * (noise - low) / (high - low)).astype(np.uint8)
    res = 0.02
    tiles = xr.Dataset(
        {
            "scene_index": (TILE, scene.astype(np.int32)),
            "scene_id": (TILE, np.array([f"example-{s:03d}" for s in scene])),
            "row0": (TILE, row0.astype(np.int32)),
            "col0": (TILE, col0.astype(np.int32)),
            "lon": (TILE, -58.0 + (col0 + tile_size / 2) * res, {"units": "degrees_east"}),
            "lat": (TILE, 18.0 - (row0 + tile_size / 2) * res, {"units": "degrees_north"}),
        },
        coords={TILE: index},
        attrs={"tile_size": tile_size},
    )
    times = pd.date_range("2020-02-01T14:00", periods=n_scenes, freq="D").values
    scenes = xr.Dataset(
        {"rgb": (("scene", "band", "y", "x"), rgb, {"long_name": "true colour"})},
        coords={"scene": times, "band": ["R", "G", "B"]},
    )
    return tiles, scenes


def example_campaign(
    path: str | os.PathLike[str],
    n_scenes: int = 6,
    *,
    tile_size: int = 64,
    seed: int = 3,
) -> CampaignStore:
    """A small campaign store of synthetic scenes, tiled and with cloud metrics.

    ``n_scenes`` synthetic GOES ABI scans (:func:`cloudorg.synthetic.synthesize_campaign`,
    10 minutes apart, every pattern mixed in each scene) are ingested at 2 km onto a
    4° × 4° box east of Barbados (223 × 218 px), cut into ``tile_size`` px tiles labelled
    by the scenes' ground-truth ``pattern``, and the greyscale cloud-mask metrics of
    every tile are computed, all in this process. The synthetic files are written to a
    temporary folder and removed afterwards.

    Parameters
    ----------
    path : path
        New store directory.
    n_scenes : int, default 6
        Number of scenes.
    tile_size : int, default 64
        Tile edge in pixels (64–218).
    seed : int, default 3
        Seed of the first scene's fields.

    Returns
    -------
    cloudorg.store.CampaignStore
        With the groups ``scenes``, ``tiles/<tile_size>px`` and
        ``metrics/<tile_size>px_greyscale``.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.tiles import list_tile_tables
    >>> store = example_campaign(tempfile.mkdtemp() + "/c.zarr", 1)
    >>> len(store.scene_ids()), list_tile_tables(store)
    (1, ['64px'])
    """
    from cloudorg.domains import Domain
    from cloudorg.ingest import ingest
    from cloudorg.metrics import metrics_for_store
    from cloudorg.store import CampaignStore
    from cloudorg.synthetic import synthesize_campaign
    from cloudorg.tiles import build_tile_table

    n_scenes = check_int(n_scenes, "n_scenes", 1)
    domain = Domain.from_bounds("example-campaign", -57.0, -53.0, 12.0, 16.0, resolution_km=2.0)
    with tempfile.TemporaryDirectory() as files:
        synthesize_campaign(files, n_scenes, bounds=(-57.2, -52.8, 11.8, 16.2),
                            resolution_deg=0.02, seed=check_seed(seed),
                            interval=timedelta(minutes=10))  # fmt: skip
        ingest([files], path, domain=domain, client="synchronous", progress=False,
               chunk_size=128)  # fmt: skip
    build_tile_table(path, tile_size, client="synchronous", progress=False)
    metrics_for_store(path, tile_size=tile_size, client="synchronous", progress=False)
    return CampaignStore.open(Path(path))
