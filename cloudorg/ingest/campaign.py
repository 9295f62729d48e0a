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

import dataclasses
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import xarray as xr
from tqdm.auto import tqdm

from ..composites import RGBRecipe
from ..distributed import ClientLike, cluster_client
from ..domains import Domain, get_domain
from ..errors import StoreError
from ..io.archive import ArchiveListing, ArchiveQuery
from ..io.discover import SceneFiles, discover
from ..io.remote import InputOptions
from ..store import CampaignStore, FileRecord, StoreLocation
from .commit import ingest_scenes
from .scene import DEFAULT_QUANTITIES, IngestConfig

__all__ = ["ChangedInputWarning", "changed_files", "find_scenes", "ingest"]


class ChangedInputWarning(UserWarning):
    """Input files changed (another size or version) since their scenes were ingested."""


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


def changed_files(
    scenes: Sequence[SceneFiles], store: CampaignStore
) -> list[tuple[str, FileRecord, str]]:
    """Files of ingested scenes whose size or version (ETag, modification time) differs
    from what the manifest recorded.

    Returns
    -------
    list of (path, record, now)
        The file, its record and its version now.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.domains import get_domain
    >>> store = CampaignStore.create(tempfile.mkdtemp() + "/c.zarr", get_domain("eurec4a"),
    ...                              quantities=["rgb"])
    >>> changed_files([], store)
    []
    """
    records = store.file_records()
    changed = []
    for scene in scenes:
        for path, info in scene.info.items():
            record = records.get(path)
            if record is None or record.status != "ingested" or not record.version:
                continue
            if (info.version and info.version != record.version) or (
                info.size is not None and record.size is not None and info.size != record.size
            ):
                changed.append((path, record, info.version))
    return changed


def _warn_changed(changed: list[tuple[str, FileRecord, str]]) -> None:
    if not changed:
        return
    shown = "; ".join(f"{p} (ingested as {r.version}, now {now})" for p, r, now in changed[:5])
    more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
    warnings.warn(
        f"{len(changed)} input files changed since their scenes were ingested: {shown}{more}; "
        "the store keeps the scenes as ingested (ingest into a new store to use the new files)",
        ChangedInputWarning,
        stacklevel=3,
    )


def find_scenes(
    paths: Iterable[str | os.PathLike[str]] | ArchiveQuery,
    options: InputOptions | None = None,
) -> ArchiveListing:
    """The scenes of local paths, URLs or an archive query, before reading any pixel.

    Returns
    -------
    ArchiveListing
        The scenes (sorted by start time), the inputs that are no scene's files or were
        left out (with the reason), and notes.

    Examples
    --------
    >>> found = find_scenes(["../shared/data/modis_myd35_l2", "/no/such/dir"])
    >>> [s.scene_id for s in found.scenes], found.left_out
    (['aqua_modis_20020704T191000'], [('/no/such/dir', 'no such file or directory')])
    """
    if isinstance(paths, ArchiveQuery):
        return paths.scenes()
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    scenes, unrecognised = discover(paths, options)
    return ArchiveListing(scenes, unrecognised)


def ingest(
    paths: Iterable[str | os.PathLike[str]] | ArchiveQuery,
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
    input_options: InputOptions | None = None,
    progress: bool = True,
) -> xr.Dataset:
    """Ingest satellite files into a campaign store; a rerun only adds what is missing.

    The workers read the scenes and write their pixels into the store themselves; this
    process only plans, reserves slots and commits (see :mod:`cloudorg.ingest.commit`).

    Parameters
    ----------
    paths : iterable of path or URL, or ArchiveQuery
        Files and directories (searched recursively), URLs of files and prefixes
        (``s3://bucket/dir/``, any fsspec protocol), mixed freely; or a query of a
        satellite archive (:class:`~cloudorg.io.archive.ArchiveQuery`; its quantities and
        domain are this ingest's).
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
    input_options : InputOptions, optional
        How input URLs are read: their storage options (default: an archive query's,
        e.g. anonymous S3), a local cache directory, retries
        (:class:`~cloudorg.io.remote.InputOptions`).
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
    options = input_options or InputOptions()
    if isinstance(paths, ArchiveQuery) and not options.storage_options:
        options = dataclasses.replace(options, storage_options=paths.options.storage_options)
    config = IngestConfig(
        get_domain(domain), tuple(quantities), tuple(composites), rgb or RGBRecipe(),
        max_solar_zenith, lookup_cache_dir=lookup_cache_dir, inputs=options,
    )  # fmt: skip
    if isinstance(paths, ArchiveQuery):
        paths = dataclasses.replace(paths, quantities=config.read_quantities(),
                                    domain=config.domain)  # fmt: skip
    found = find_scenes(paths, options)
    for note in found.notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    with CampaignStore.open_or_create(
        store, config.domain, quantities=config.stored_variables(), chunk_size=chunk_size,
        zarr_format=zarr_format, storage_options=storage_options,
    ) as campaign:  # fmt: skip
        campaign.record([FileRecord(p, "skipped", None, why) for p, why in found.left_out])
        _warn_changed(changed_files(found.scenes, campaign))
        todo = _todo(found.scenes, campaign, retry_failed)
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
