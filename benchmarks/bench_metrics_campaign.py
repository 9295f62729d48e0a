"""asv benchmark of :func:`cloudorg.metrics.metrics_for_store` on a Dask LocalCluster: one
worker against two.

The store: 32 cloud-like scenes of 1024 x 1024 px at 1 km (:func:`cloudorg.tiles.example_store`,
the store's default 1024-px chunks), 256-px tiles with stride 128 (the report's 50 %
overlap): 49 tiles per scene, 1 568 in all, in 32 tasks (one per scene and storage block);
mask ``brightness_temperature_11 < 290`` (cloud fraction ~0.15), all 16 metrics.

Timed: ``metrics_for_store(..., client=client, overwrite=True)``, i.e. every tile computed
again and the group written, on a LocalCluster of 1 or 2 single-threaded workers started by
:func:`cloudorg.distributed.cluster_client` (cloudorg's own worker settings: the glibc
malloc thresholds, the worker preload, the fork server), started in ``setup`` (not timed)
and warmed up by one run (workers open the store and load the numba kernels). A run has a
fixed cost of ~0.5 s in the calling process (opening the tile table, writing the group and
reading it back), so the store is large enough for the work to dominate, as in a campaign
run.

Target: two workers >= 1.7 x as fast as one (``track_speedup``: in each round a warm
cluster of each size in turn, the best of 3 runs on it; the median of the per-round
ratios over 2 rounds; one round and 4 scenes in a quick run).

Run ``python -m benchmarks.bench_metrics_campaign`` for a one-off table of the same numbers.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.timing import median_ratio, quick, round_count, seconds, tracked
from cloudorg.distributed import cluster_client
from cloudorg.domains import Domain
from cloudorg.metrics import metrics_for_store
from cloudorg.store import DEFAULT_CHUNK
from cloudorg.synthetic import example_store
from cloudorg.tiles import build_tile_table

N_SCENES = 4 if quick() else 32
DOMAIN = Domain.from_bounds("bench1024", -55.0, -45.65, 11.0, 20.2, resolution_km=1.0)
"""1024 x 1024 px at 1 km."""
TILING = {"tile_size": 256, "stride": 128}
MASK = "brightness_temperature"


def make_store(directory: str | Path, n_scenes: int = N_SCENES) -> Path:
    """The benchmark store and its tile table."""
    times = [
        np.datetime64("2020-01-20T12:00", "ms") + np.timedelta64(10 * i, "m")
        for i in range(n_scenes)
    ]
    store = example_store(Path(directory) / "bench.zarr", n_scenes, domain=DOMAIN,
                          chunk_size=DEFAULT_CHUNK, times=times)  # fmt: skip
    build_tile_table(store, TILING["tile_size"], stride=TILING["stride"], client="synchronous",
                     progress=False)  # fmt: skip
    return store.path


def run(path: str | Path, client: Any) -> None:
    """Every tile's metrics computed again and written."""
    metrics_for_store(path, **TILING, mask=MASK, client=client, overwrite=True, progress=False)


@contextlib.contextmanager
def warm_cluster(path: str | Path, n_workers: int) -> Any:
    """A client of a new LocalCluster of ``n_workers`` (cloudorg's settings), warmed up by
    one run."""
    with cluster_client(n_workers=n_workers, dashboard_address="127.0.0.1:0") as client:
        run(path, client)
        yield client


def best_time(path: str | Path, n_workers: int, repeat: int = 3) -> float:
    """Best of ``repeat`` timed runs on a new warm cluster."""
    with warm_cluster(path, n_workers) as client:
        return min(seconds(lambda: run(path, client)) for _ in range(repeat))


class _Store:
    """The store, made once for both benchmarks."""

    timeout = 900
    number = 1
    warmup_time = 0

    def setup_cache(self) -> str:
        return str(make_store(Path.cwd()))  # asv's cache directory, removed after the run


class MetricsForStore(_Store):
    """``metrics_for_store`` on one and on two workers."""

    params = (1,) if quick() else (1, 2)  # Speedup compares both in a quick run
    param_names = ("n_workers",)
    repeat = 3

    def setup(self, path: str, n_workers: int) -> None:
        self.cluster = contextlib.ExitStack()
        self.client = self.cluster.enter_context(warm_cluster(path, n_workers))

    def teardown(self, path: str, n_workers: int) -> None:
        self.cluster.close()

    def time_metrics_for_store(self, path: str, n_workers: int) -> None:
        run(path, self.client)


class Speedup(_Store):
    """Time on one worker / time on two, both measured in this run (target >= 1.7)."""

    repeat = 1

    @tracked("x", ">= 1.7")
    def track_speedup(self, path: str) -> float:
        times: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(round_count(2)):
            for n in times:  # one cluster at a time: a second would find the first active
                times[n].append(best_time(path, n))
        return median_ratio(times[1], times[2])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cloudorg-bench-") as tmp:
        path = make_store(tmp)
        print(f"{N_SCENES} scenes of {DOMAIN.shape[0]} x {DOMAIN.shape[1]} px, 256-px tiles, "
              "stride 128, best of 3 runs per cluster")  # fmt: skip
        for round_ in range(2):
            one, two = best_time(path, 1), best_time(path, 2)
            print(f"round {round_ + 1}: 1 worker {one:.2f} s, 2 workers {two:.2f} s, "
                  f"speed-up {one / two:.2f}x", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
