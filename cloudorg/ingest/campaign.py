"""Ingest satellite files into a campaign store: what is new, on the cluster, resumable.

Examples
--------
>>> import tempfile
>>> from cloudorg.domains import Domain
>>> dom = Domain.from_bounds("california", -124.5, -122.5, 38.5, 40.0, resolution_km=2)
>>> ds = ingest(["../shared/data/goes17_abi_l1b_radm1_2019300_day"], tempfile.mkdtemp() + "/c.zarr",
...            domain=dom, quantities=["reflectance_0p47", "brightness_temperature_11"],
...            client="synchronous", progress=False)
>>> ds.sizes["scene"], ds["brightness_temperature_11"].attrs["units"]
(1, 'K')
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import xarray as xr
from tqdm.auto import tqdm

from ..composites import RGBRecipe
from ..distributed import ClientLike, cluster_client
from ..domains import Domain, get_domain
from ..errors import StoreError
from ..io.discover import SceneFiles, discover
from ..store import CampaignStore, FileRecord, StoreLocation
from .commit import ingest_scenes
from .scene import DEFAULT_QUANTITIES, IngestConfig

__all__ = ["ingest"]


def _todo(
    scenes: Sequence[SceneFiles], store: CampaignStore, retry_failed: bool
) -> list[SceneFiles]:
    done = set(store.scene_ids())
    records = store.file_records()
    todo = []
    for scene in scenes:
        if scene.scene_id in done:
            continue
        statuses = {records[p].status for p in scene.all_files if p in records}
        if statuses == {"skipped"} and all(p in records for p in scene.all_files):
            continue
        if "failed" in statuses and not retry_failed:
            continue
        todo.append(scene)
    return todo


def ingest(
    paths: Iterable[str | os.PathLike[str]],
    store: str | os.PathLike[str] | StoreLocation,
    *,
    domain: str | Domain = "eurec4a",
    quantities: Sequence[str] = DEFAULT_QUANTITIES,
    composites: Sequence[str] = (),
    rgb: RGBRecipe | None = None,
    max_solar_zenith: float | None = 80.0,
    client: ClientLike = None,
    n_workers: int | None = None,
    chunk_size: int = 1024,
    zarr_format: int = 3,
    retry_failed: bool = True,
    lookup_cache_dir: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    progress: bool = True,
) -> xr.Dataset:
    """Ingest satellite files into a campaign store; a rerun only adds what is missing.

    The workers read the scenes and write their pixels into the store themselves; this
    process only plans, reserves slots and commits (see :mod:`cloudorg.ingest.commit`).

    Parameters
    ----------
    paths : iterable of path
        Files and directories (searched recursively).
    store : path or URL
        Campaign store (created when absent): a local path or an object-store URL
        (``s3://bucket/campaign.zarr``, ``gs://...``).
    domain : str or Domain
        Target grid (``"eurec4a"`` or a :class:`~cloudorg.domains.Domain`).
    quantities : sequence of str
        What to store; see :class:`IngestConfig`.
    composites : sequence of str
        Offline satpy composites to store as well.
    rgb : RGBRecipe, optional
        Recipe of the RGB.
    max_solar_zenith : float or None
        Night threshold at the domain centre, degrees (None: keep night scenes).
    client : Client, str, None or "synchronous"
        Where scenes are processed; see :mod:`cloudorg.distributed`.
    n_workers : int, optional
        Workers of a LocalCluster made here.
    chunk_size : int
        Spatial chunk edge of a new store.
    zarr_format : {3, 2}
        Format of a new store.
    retry_failed : bool
        Try again scenes that failed in an earlier run (skipped ones are not retried).
    lookup_cache_dir : str, optional
        Directory for resampling lookups shared by workers.
    storage_options : mapping, optional
        fsspec options of a store URL (credentials, ``endpoint_url``); the usual
        environment variables (``AWS_ENDPOINT_URL``, ...) apply as well.
    progress : bool
        Show a progress bar.

    Returns
    -------
    xarray.Dataset
        The store's scenes, lazily (empty when nothing was ingested).

    Examples
    --------
    >>> ingest([], "/tmp/unused.zarr", quantities=["bogus"])
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: quantities ['bogus']: expected a non-empty list from ...
    """
    config = IngestConfig(
        get_domain(domain), tuple(quantities), tuple(composites), rgb or RGBRecipe(),
        max_solar_zenith, lookup_cache_dir=lookup_cache_dir,
    )  # fmt: skip
    scenes, unrecognised = discover(paths)
    with CampaignStore.open_or_create(
        store, config.domain, quantities=config.stored_variables(), chunk_size=chunk_size,
        zarr_format=zarr_format, storage_options=storage_options,
    ) as campaign:  # fmt: skip
        campaign.record([FileRecord(p, "skipped", None, why) for p, why in unrecognised])
        todo = _todo(scenes, campaign, retry_failed)
        if todo:
            with (
                cluster_client(client, n_workers=n_workers) as cl,
                tqdm(total=len(todo), desc="ingest", unit="scene", disable=not progress) as bar,
            ):
                ingest_scenes(todo, config, campaign, cl, on_done=bar.update)
    try:
        return campaign.open_scenes()
    except StoreError:
        return xr.Dataset()
