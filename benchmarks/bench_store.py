"""asv benchmarks of the campaign store written by the workers: what the client receives,
ingest on two workers against one, against a plain script, and in object storage against
a local disk.

The campaign: 8 synthetic GOES-16 ABI scans (real-format netCDF, all bands, C02 at
0.5 km) of a 4 x 4 degree box east of Barbados, ingested at 1 km (445 x 432 px) with the
band quantities (reflectances at 0.47, 0.64, 0.86 um and the 11 um brightness
temperature), on LocalClusters (cloudorg's settings) of single-threaded workers, each
started and warmed up by one ingest before it is timed, one cluster at a time; every timed
run writes a new store. Lookups are cached on disk once, as in a campaign.

- ``track_client_kib_per_scene``: KiB the client receives per ingested scene, by the
  worker's own accounting (``Worker.transfer_outgoing_bytes_total`` of a one-worker
  cluster: everything it sent, all of it to the client). Goal <= 64 KiB; the scenes'
  pixels are ~3 MiB each.
- ``track_speedup_two_workers``: ingest time on one worker / on two, the fastest of three
  runs each (goal >= 1.7).
- ``track_ingest_over_plain_script``: ``ingest(client="synchronous")`` / the plain script
  a scientist would write with the public APIs of satpy, pyresample and xarray: satpy
  loads the bands, pyresample's k-d tree neighbours per source grid are computed once
  and reused (as a disk cache would), ``get_sample_from_neighbour_info`` resamples,
  ``to_zarr`` appends (goal <= 1.3).
- ``track_s3_over_local``: the same in-process ingest into a store on an S3-compatible
  server on 127.0.0.1 (moto) / into a local directory.

Run ``python benchmarks/bench_store.py`` for a one-off table of the same numbers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from cloudorg.distributed import cluster_client
from cloudorg.domains import Domain
from cloudorg.ingest import ingest
from cloudorg.testing import local_s3_server

N_SCENES = 8
BOUNDS = (-60.0, -56.0, 12.0, 16.0)
DOMAIN = Domain.from_bounds("bench", *BOUNDS, resolution_km=1.0)
QUANTITIES = ("reflectance_0p47", "reflectance_0p64", "reflectance_0p86",
              "brightness_temperature_11")  # fmt: skip


def write_campaign(directory: Path) -> Path:
    """The benchmark's ABI files."""
    from cloudorg.io.synthetic import synthesize_campaign

    files = directory / "files"
    synthesize_campaign(files, N_SCENES, bounds=(BOUNDS[0] - 0.2, BOUNDS[1] + 0.2,
                        BOUNDS[2] - 0.2, BOUNDS[3] + 0.2), seed=5,
                        interval=timedelta(minutes=10))  # fmt: skip
    return files


def run_ingest(files: Path, store: str, client: Any, lookups: Path) -> None:
    """One ingest into a new store."""
    ingest([files], store, domain=DOMAIN, quantities=QUANTITIES, client=client,
           lookup_cache_dir=str(lookups), progress=False)  # fmt: skip


class _Campaign:
    """Files written once per benchmark class; stores in a scratch directory."""

    timeout = 900
    number = 1
    repeat = 1
    warmup_time = 0

    def setup_cache(self) -> str:
        root = Path.cwd()  # asv's cache directory, removed after the run
        write_campaign(root)
        run_ingest(root / "files", str(root / "warm.zarr"), "synchronous", root / "lookups")
        return str(root)

    @staticmethod
    def new_store(root: str | Path) -> str:
        """A new store path under the benchmark's cache directory, removed after the run."""
        return str(Path(root) / "stores" / f"{uuid.uuid4().hex}.zarr")


class _Clusters(_Campaign):
    """LocalClusters with cloudorg's own settings, warmed up by one ingest."""

    @contextlib.contextmanager
    def cluster(self, root: Path, n_workers: int) -> Any:
        """A warm cluster of ``n_workers`` single-threaded workers (one at a time: a second
        ``cluster_client`` would find the first one's client active and reuse it)."""
        with cluster_client(n_workers=n_workers, dashboard_address="127.0.0.1:0") as client:
            run_ingest(root / "files", self.new_store(root), client, root / "lookups")
            yield client

    def timed(self, root: Path, client: Any, repeat: int = 3) -> float:
        """The fastest of ``repeat`` ingests into new stores."""
        best = float("inf")
        for _ in range(repeat):
            store = self.new_store(root)
            start = time.perf_counter()
            run_ingest(root / "files", store, client, root / "lookups")
            best = min(best, time.perf_counter() - start)
            shutil.rmtree(store, ignore_errors=True)
        return best


class ClientBytes(_Clusters):
    """What the client receives per scene from the worker that ingested it."""

    def track_client_kib_per_scene(self, root: str) -> float:
        with self.cluster(Path(root), 1) as client:
            before = sum(client.run(_sent).values())
            run_ingest(Path(root) / "files", self.new_store(root), client,
                       Path(root) / "lookups")  # fmt: skip
            sent = sum(client.run(_sent).values()) - before
        return sent / N_SCENES / 1024

    track_client_kib_per_scene.unit = "KiB"  # type: ignore[attr-defined]


def _sent(dask_worker: Any) -> int:
    return int(dask_worker.transfer_outgoing_bytes_total)


class Speedup(_Clusters):
    """Ingest on one worker / on two, both measured in this run (goal >= 1.7)."""

    def track_speedup_two_workers(self, root: str) -> float:
        times = {}
        for n in (1, 2):
            with self.cluster(Path(root), n) as client:
                assert len(client.nthreads()) == n
                times[n] = self.timed(Path(root), client)
        return times[1] / times[2]

    track_speedup_two_workers.unit = "x"  # type: ignore[attr-defined]


def plain_script(files: Path, store: str, neighbours: dict) -> None:
    """What a scientist writes without cloudorg: satpy, pyresample, xarray."""
    import dask
    import xarray as xr
    from pyresample.kd_tree import get_neighbour_info, get_sample_from_neighbour_info
    from satpy import Scene
    from satpy.dataset import DataQuery

    from cloudorg.io.discover import discover
    from cloudorg.quantities import QUANTITIES as INFO

    scenes, _ = discover([files])
    for i, scene in enumerate(scenes):
        with dask.config.set(scheduler="synchronous"):
            scn = Scene(filenames=dict(scene.files))
            queries = {q: DataQuery(name=INFO[q].bands["abi"][-1],
                                    calibration=INFO[q].calibration)
                       for q in QUANTITIES}  # fmt: skip
            scn.load(list(queries.values()))
            out = {}
            for q, query in queries.items():
                band = scn[query]
                area = band.attrs["area"]
                key = (area.width, area.height, area.area_extent)
                if key not in neighbours:  # computed once per source grid, then reused
                    neighbours[key] = get_neighbour_info(area, DOMAIN.area, 2000.0,
                                                         neighbours=1)  # fmt: skip
                valid_in, valid_out, index, _ = neighbours[key]
                values = get_sample_from_neighbour_info(
                    "nn", DOMAIN.area.shape, np.asarray(band.values, dtype=np.float32),
                    valid_in, valid_out, index, fill_value=np.nan,
                )  # fmt: skip
                out[q] = (("y", "x"), values.astype(np.float32))
        ds = xr.Dataset(out).expand_dims("scene").assign_coords(scene=[scene.start_time])
        if i == 0:
            ds.to_zarr(store, mode="w")
        else:
            ds.to_zarr(store, append_dim="scene")


class PlainScript(_Campaign):
    """In-process ingest / the plain script, both measured in this run (goal <= 1.3)."""

    def track_ingest_over_plain_script(self, root: str) -> float:
        files, lookups = Path(root) / "files", Path(root) / "lookups"
        neighbours: dict = {}
        plain_script(files, self.new_store(root), neighbours)  # warm: neighbours computed
        ours, theirs = float("inf"), float("inf")
        for _ in range(2):
            start = time.perf_counter()
            run_ingest(files, self.new_store(root), "synchronous", lookups)
            ours = min(ours, time.perf_counter() - start)
            start = time.perf_counter()
            plain_script(files, self.new_store(root), neighbours)
            theirs = min(theirs, time.perf_counter() - start)
        return ours / theirs

    track_ingest_over_plain_script.unit = "x"  # type: ignore[attr-defined]


class ObjectStorage(_Campaign):
    """In-process ingest into S3 (local moto server) / into a local directory."""

    def track_s3_over_local(self, root: str) -> float:
        import s3fs

        files, lookups = Path(root) / "files", Path(root) / "lookups"
        with local_s3_server():
            bucket = f"bench-{uuid.uuid4().hex[:8]}"
            s3fs.S3FileSystem().mkdir(bucket)
            remote, local = float("inf"), float("inf")
            for i in range(2):
                start = time.perf_counter()
                run_ingest(files, f"s3://{bucket}/c{i}.zarr", "synchronous", lookups)
                remote = min(remote, time.perf_counter() - start)
                start = time.perf_counter()
                run_ingest(files, self.new_store(root), "synchronous", lookups)
                local = min(local, time.perf_counter() - start)
        return remote / local

    track_s3_over_local.unit = "x"  # type: ignore[attr-defined]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cloudorg-bench-") as tmp:
        os.chdir(tmp)
        root = _Campaign().setup_cache()
        print(f"client receives {ClientBytes().track_client_kib_per_scene(root):.1f} KiB "
              "per scene")  # fmt: skip
        print(f"two workers / one: {Speedup().track_speedup_two_workers(root):.2f}x")
        print(f"ingest / plain script: {PlainScript().track_ingest_over_plain_script(root):.2f}")
        print(f"S3 (moto) / local: {ObjectStorage().track_s3_over_local(root):.2f}")


if __name__ == "__main__":
    main()
