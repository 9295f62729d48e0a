"""asv benchmarks of the campaign store written by the workers: what the client receives,
ingest on two workers against one, against a plain script, and in object storage against
a local disk.

The campaign: 8 synthetic GOES-16 ABI scans (real-format netCDF, bands C01, C02 at
0.5 km, C03 and C14) of a 4 x 4 degree box east of Barbados, ingested at 1 km (445 x 432
px) with the band quantities (reflectances at 0.47, 0.64, 0.86 um and the 11 um
brightness temperature), on LocalClusters (cloudorg's settings) of single-threaded workers, each
started and warmed up by one ingest before it is timed, one cluster at a time; every timed
run writes a new store. Lookups are cached on disk once, as in a campaign.

- ``track_client_kib_per_scene``: KiB the client receives per ingested scene, by the
  worker's own accounting (``Worker.transfer_outgoing_bytes_total`` of a one-worker
  cluster: everything it sent, all of it to the client). Goal <= 64 KiB; the scenes'
  pixels are ~3 MiB each.
- ``track_speedup_two_workers``: ingest time on one worker / on two, the fastest of three
  runs on each cluster, the clusters taking turns (goal >= 1.7).
- ``track_ingest_over_plain_script``: ``ingest(client="synchronous")`` / the plain script
  a scientist writes with the public APIs of satpy, pyresample, numpy and xarray
  (``benchmarks/satpy_script.py`` without the RGB: satpy loads the bands, satpy's
  nearest-neighbour resampler with its lookups cached on disk, ``to_zarr`` appends), the
  two taking turns, the median of the per-round ratios (goal <= 1.3).
- ``track_s3_over_local``: the same in-process ingest into a store on an S3-compatible
  server on 127.0.0.1 (moto) / into a local directory, taking turns.

Rounds: 3, one in a quick run (``CLOUDORG_BENCH_QUICK=1``), which also ingests 2 scans
instead of 8.

Run ``python -m benchmarks.bench_store`` for a one-off table of the same numbers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks import satpy_script
from benchmarks.timing import in_turns, median_ratio, quick, round_count, seconds, tracked
from cloudorg.distributed import cluster_client
from cloudorg.domains import Domain
from cloudorg.ingest import ingest
from cloudorg.testing import local_s3_server

N_SCENES = 2 if quick() else 8
BOUNDS = (-60.0, -56.0, 12.0, 16.0)
DOMAIN = Domain.from_bounds("bench", *BOUNDS, resolution_km=1.0)
QUANTITIES = ("reflectance_0p47", "reflectance_0p64", "reflectance_0p86",
              "brightness_temperature_11")  # fmt: skip


def write_campaign(directory: Path) -> Path:
    """The benchmark's ABI files."""
    from cloudorg.synthetic import synthesize_campaign

    files = directory / "files"
    synthesize_campaign(files, N_SCENES, bounds=(BOUNDS[0] - 0.2, BOUNDS[1] + 0.2,
                        BOUNDS[2] - 0.2, BOUNDS[3] + 0.2), seed=5,
                        interval=timedelta(minutes=10),
                        sensor_kwargs={"abi": {"bands": satpy_script.ABI_BANDS}})  # fmt: skip
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
        plain_script(root / "files", self.new_store(root), root)  # fills satpy's cache
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
            best = min(best, seconds(lambda s=store: run_ingest(root / "files", s, client,
                                                                 root / "lookups")))  # fmt: skip
            shutil.rmtree(store, ignore_errors=True)
        return best


class ClientBytes(_Clusters):
    """What the client receives per scene from the worker that ingested it."""

    @tracked("KiB", "<= 64")
    def track_client_kib_per_scene(self, root: str) -> float:
        def sent(dask_worker: Any) -> int:  # a local function travels by value: the
            return int(dask_worker.transfer_outgoing_bytes_total)  # worker imports nothing

        with self.cluster(Path(root), 1) as client:
            before = sum(client.run(sent).values())
            run_ingest(Path(root) / "files", self.new_store(root), client,
                       Path(root) / "lookups")  # fmt: skip
            after = sum(client.run(sent).values())
        return (after - before) / N_SCENES / 1024


class Speedup(_Clusters):
    """Ingest on one worker / on two: in each round a warm cluster of each in turn, the
    fastest of three ingests on it; the median of the per-round ratios (goal >= 1.7)."""

    @tracked("x", ">= 1.7")
    def track_speedup_two_workers(self, root: str) -> float:
        times: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(round_count(3)):
            for n in times:
                with self.cluster(Path(root), n) as client:
                    assert len(client.nthreads()) == n
                    times[n].append(self.timed(Path(root), client))
        return median_ratio(times[1], times[2])


class PlainScript(_Campaign):
    """In-process ingest / the plain script, taking turns (goal <= 1.3)."""

    @tracked("x", "<= 1.3")
    def track_ingest_over_plain_script(self, root: str) -> float:
        files, lookups = Path(root) / "files", Path(root) / "lookups"
        found = in_turns({
            "ours": lambda: run_ingest(files, self.new_store(root), "synchronous", lookups),
            "script": lambda: plain_script(files, self.new_store(root), Path(root)),
        }, round_count(3))  # fmt: skip
        return median_ratio(found["ours"], found["script"])


def plain_script(files: Path, store: str, root: Path) -> None:
    """``benchmarks/satpy_script.py`` on the files, the bands only, satpy's lookups cached
    under ``root``."""
    satpy_script.ingest(str(files), store, DOMAIN.area, str(root / "satpy-cache"), rgb=False)


class ObjectStorage(_Campaign):
    """In-process ingest into S3 (local moto server) / into a local directory."""

    @tracked("x")
    def track_s3_over_local(self, root: str) -> float:
        import s3fs

        files, lookups = Path(root) / "files", Path(root) / "lookups"
        with local_s3_server():
            bucket = f"bench-{uuid.uuid4().hex[:8]}"
            s3fs.S3FileSystem().mkdir(bucket)
            found = in_turns({
                "s3": lambda: run_ingest(files, f"s3://{bucket}/{uuid.uuid4().hex}.zarr",
                                         "synchronous", lookups),
                "local": lambda: run_ingest(files, self.new_store(root), "synchronous", lookups),
            }, round_count(3))  # fmt: skip
        return median_ratio(found["s3"], found["local"])


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
