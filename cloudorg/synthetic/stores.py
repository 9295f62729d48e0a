"""Small campaign stores of cloud-like scenes, written directly (no satellite files).

For documentation examples, tests and benchmarks of the tiling stage: each scene has an
8-bit RGB of white clouds over a dark-blue sea (Gaussian-smoothed noise, thresholded), an
11 µm brightness temperature and a ground-truth ``pattern`` with one class per quadrant
(top-left Sugar 1, top-right Gravel 2, bottom-left Fish 3, bottom-right Flower 4), so that
every tile's label is known from its position.

Examples
--------
>>> import tempfile
>>> store = example_store(tempfile.mkdtemp() + "/c.zarr", n_scenes=2)
>>> store.scene_ids(), store.domain.shape
(['example_00', 'example_01'], (112, 110))
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence

import numpy as np
import xarray as xr
from pyorbital.astronomy import sun_zenith_angle
from scipy import ndimage

from ..domains import Domain
from ..ingest import PATTERN_ATTRS
from ..store import CampaignStore, FileRecord

__all__ = ["EXAMPLE_DOMAIN", "GREEN_SEA", "SEA", "example_scene", "example_store"]

EXAMPLE_DOMAIN = Domain.from_bounds("example", -55.0, -54.0, 14.0, 15.0, resolution_km=1.0)
"""112 x 110 pixels at 1 km east of Barbados."""

SEA = (30, 45, 80)
"""RGB of the cloud-free sea (HSV hue 222 degrees)."""
GREEN_SEA = (130, 200, 60)
"""RGB of a badly balanced, green-tinted sea (HSV hue 90 degrees: the report's hue filter)."""

_START = np.datetime64("2020-01-20T13:00", "ms")


def example_scene(
    domain: Domain,
    index: int,
    *,
    time: np.datetime64,
    seed: int = 0,
    high_cloud: bool = False,
    sea: Sequence[int] = SEA,
    missing_border: int = 0,
) -> xr.Dataset:
    """One cloud-like scene on a domain grid, ready for :meth:`CampaignStore.commit_scene`.

    Parameters
    ----------
    domain : Domain
        The grid.
    index : int
        Scene number (its id is ``example_{index:02d}``; it seeds the cloud field).
    time : numpy.datetime64
        Scene start time.
    seed : int
        Added to ``index`` to seed the cloud field.
    high_cloud : bool
        Cold high cloud everywhere (brightness temperature about 235 K).
    sea : (int, int, int)
        RGB of the cloud-free sea.
    missing_border : int
        Width in pixels of a border without data on every side (black RGB, NaN
        brightness temperature, pattern -1), like a sensor swath edge.

    Examples
    --------
    >>> ds = example_scene(EXAMPLE_DOMAIN, 0, time=_START, missing_border=3)
    >>> int(ds["rgb"][:, 0, 0].max()), bool(np.isnan(ds["brightness_temperature_11"][2, 5]))
    (0, True)
    """
    ny, nx = domain.shape
    rng = np.random.default_rng(seed + index)
    field = ndimage.gaussian_filter(rng.standard_normal((ny, nx), dtype=np.float32), 3.0)
    field = (field - field.mean()) / field.std()
    cloud = np.clip(field - 0.4, 0.0, 1.0)
    base = np.asarray(sea, dtype=np.float32)[:, None, None]
    rgb = base + cloud[None] * (235.0 - base) + rng.integers(0, 3, (3, ny, nx))
    rgb = np.clip(np.rint(rgb), 1, 255).astype(np.uint8)
    bt = (240.0 if high_cloud else 298.0) - 12.0 * cloud
    bt = (bt + rng.normal(0.0, 0.3, (ny, nx))).astype(np.float32)
    rows, cols = np.indices((ny, nx))
    pattern = (1 + (cols >= nx // 2) + 2 * (rows >= ny // 2)).astype(np.int8)
    if missing_border:
        edge = np.ones((ny, nx), dtype=bool)
        b = missing_border
        edge[b : ny - b, b : nx - b] = False
        rgb[:, edge] = 0
        bt[edge] = np.nan
        pattern[edge] = -1
    grid = {"grid_mapping": "crs"}
    ds = xr.Dataset(coords={**domain.coords(), "band": ("band", ["R", "G", "B"])})
    ds["crs"] = domain.grid_mapping()
    ds["rgb"] = (
        ("band", "y", "x"),
        rgb,
        {"long_name": "true-colour RGB with synthetic green", "units": "1", **grid},
    )
    ds["brightness_temperature_11"] = (
        ("y", "x"),
        bt,
        {"long_name": "brightness temperature at 11 um", "units": "K", **grid},
    )
    ds["pattern"] = (("y", "x"), pattern, {**PATTERN_ATTRS, **grid})
    ds["pattern"].encoding["_FillValue"] = -1
    lon, lat = domain.center_lonlat
    return ds.assign_coords(
        scene=time,
        scene_id=f"example_{index:02d}",
        platform="G16",
        sensor="abi",
        solar_zenith_angle=float(sun_zenith_angle(time.astype(object), lon, lat)),
        valid_fraction=float(np.isfinite(bt).mean()),
        brightness_temperature_11_p25=float(np.nanpercentile(bt, 25)),
    )


def example_store(
    path: str | os.PathLike[str],
    n_scenes: int = 2,
    *,
    domain: Domain = EXAMPLE_DOMAIN,
    chunk_size: int = 64,
    seed: int = 0,
    times: Sequence[np.datetime64] | None = None,
    high_cloud_scenes: Collection[int] = (),
    green_scenes: Collection[int] = (),
    missing_border: int = 0,
) -> CampaignStore:
    """Write a campaign store of cloud-like scenes (see :func:`example_scene`).

    Parameters
    ----------
    path : path
        New store directory.
    n_scenes : int
        Number of scenes.
    domain : Domain
        Grid of the scenes (default :data:`EXAMPLE_DOMAIN`).
    chunk_size : int
        Spatial chunk edge of the store.
    seed : int
        Seed of the cloud fields.
    times : sequence of numpy.datetime64, optional
        Scene start times (default: hourly from 2020-01-20 13:00 UTC, daylight).
    high_cloud_scenes, green_scenes : collection of int
        Indices of scenes with cold high cloud, or a green-tinted sea.
    missing_border : int
        Width of a border without data in every scene, pixels.

    Returns
    -------
    CampaignStore

    Examples
    --------
    >>> import tempfile
    >>> s = example_store(tempfile.mkdtemp() + "/c.zarr", 1, high_cloud_scenes=[0])
    >>> float(s.open_scenes()["brightness_temperature_11_p25"][0]) < 285
    True
    """
    store = CampaignStore.create(
        path,
        domain,
        quantities=["rgb", "brightness_temperature_11", "pattern"],
        chunk_size=chunk_size,
    )
    if times is None:
        times = [_START + np.timedelta64(i, "h") for i in range(n_scenes)]
    with store.writing():
        for i, time in enumerate(times):
            scene = example_scene(
                domain,
                i,
                time=np.datetime64(time, "ms"),
                seed=seed,
                high_cloud=i in high_cloud_scenes,
                sea=GREEN_SEA if i in green_scenes else SEA,
                missing_border=missing_border,
            )
            store.commit_scene(
                scene, [FileRecord(f"example://{i}", "ingested", f"example_{i:02d}")]
            )
    return store
