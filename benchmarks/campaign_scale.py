"""Campaign scale: hundreds of scenes through ingest and metrics on a 2-worker LocalCluster.

Not an asv benchmark (it takes minutes) and not part of the test run: a script that

1. synthesises ``--scenes`` GOES-16 ABI scenes (real-format netCDF, all four patterns) on
   the cluster's workers;
2. ingests them into a campaign store, and computes the cloud-mask metrics of every tile,
   on a LocalCluster of ``--workers`` workers with ``--memory-limit`` each;
3. kills one worker (SIGKILL) in the middle of each of those two stages: its nanny starts a
   new one, the scheduler reruns the lost tasks, and the stage completes;
4. samples the resident memory of every process of the run (this process, the
   scheduler, nannies and workers) while the stages run;
5. checks that nothing was lost: every input scene is in the store or recorded as skipped,
   and every tile of every scene has its metrics;
6. prints a table and writes ``campaign_scale.json`` into ``--out``.

Run::

    python benchmarks/campaign_scale.py --scenes 200 --out /tmp/campaign-scale

The memory check: the peak resident memory of the workers must not grow with the number
of scenes (compare runs of 50 and 200 scenes: ``rss_peak_worker_mib``); only the tables
(manifest, tile table, metrics) grow with the archive.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

BOUNDS = (-60.0, -56.0, 12.0, 16.0)
TILE = 64
STRIDE = 32
SCENES_PER_TASK = 10


def _synthesise(task: tuple[int, str, int]) -> int:
    """Write scenes ``first .. first + n`` of the campaign (one Dask task)."""
    from cloudorg.synthetic import synthesize_campaign

    first, directory, n = task
    start = dt.datetime(2020, 1, 20, 11) + dt.timedelta(days=first // SCENES_PER_TASK)
    synthesize_campaign(directory, n, bounds=BOUNDS, seed=first, start=start,
                        interval=dt.timedelta(minutes=30))  # fmt: skip
    return n


class MemorySampler:
    """Resident memory of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float, float]] = []  # time, total MiB, max one MiB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            rss = []
            for proc in [me, *me.children(recursive=True)]:
                try:
                    rss.append(proc.memory_info().rss / 2**20)
                except psutil.Error:
                    continue
            self.samples.append((time.time(), sum(rss), max(rss[1:], default=0.0)))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def peaks(self, since: float) -> tuple[float, float]:
        """Peak total and peak single-child RSS (MiB) of the samples after ``since``."""
        window = [(total, one) for t, total, one in self.samples if t >= since]
        return max(w[0] for w in window), max(w[1] for w in window)


class WorkerKiller:
    """SIGKILL one worker process ``delay`` seconds into a stage, unless it ended before
    (the worker's nanny starts a new one; the scheduler reruns its tasks)."""

    def __init__(self, client: Any, delay: float, stage: str, log: list[str]) -> None:
        self.client, self.delay, self.stage, self.log = client, delay, stage, log
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._kill, daemon=True)

    def _kill(self) -> None:
        if self._done.wait(self.delay):
            self.log.append(f"{self.stage}: ended before +{self.delay:.0f} s, no worker killed")
            return
        address, pid = sorted(self.client.run(os.getpid).items())[0]
        os.kill(pid, signal.SIGKILL)
        self.log.append(f"{self.stage}: killed worker {address} (pid {pid}) at +{self.delay:.0f} s")

    def __enter__(self) -> WorkerKiller:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._done.set()
        self._thread.join()


def run(args: argparse.Namespace) -> dict[str, Any]:
    from cloudorg.distributed import cluster_client
    from cloudorg.domains import Domain
    from cloudorg.ingest import ingest
    from cloudorg.metrics import metrics_for_store
    from cloudorg.store import CampaignStore, read_manifest

    out = Path(args.out)
    data, store_path = out / "data", out / "campaign.zarr"
    domain = Domain.from_bounds("scale", *BOUNDS, resolution_km=1.0)
    result: dict[str, Any] = {"scenes_requested": args.scenes, "workers": args.workers,
                              "memory_limit": args.memory_limit, "events": []}  # fmt: skip
    cluster = cluster_client(None, n_workers=args.workers, memory_limit=args.memory_limit)
    with MemorySampler() as memory, cluster as client:
        t0 = time.time()
        tasks = [(i, str(data), min(SCENES_PER_TASK, args.scenes - i))
                 for i in range(0, args.scenes, SCENES_PER_TASK)]  # fmt: skip
        keys = [f"synthesise-{task[0]}" for task in tasks]
        written = sum(client.gather(client.map(_synthesise, tasks, key=keys)))
        result["synth_s"] = time.time() - t0

        t1 = time.time()
        with WorkerKiller(client, args.kill_after, "ingest", result["events"]):
            scenes = ingest([data], store_path, domain=domain, client=client, progress=True)
        result["ingest_s"] = time.time() - t1
        result["ingest_rss_total_mib"], result["ingest_rss_peak_worker_mib"] = memory.peaks(t1)

        t2 = time.time()
        with WorkerKiller(client, args.kill_after / 2, "metrics", result["events"]):
            metrics = metrics_for_store(store_path, tile_size=TILE, stride=STRIDE,
                                        client=client, progress=True)  # fmt: skip
        result["metrics_s"] = time.time() - t2
        result["metrics_rss_total_mib"], result["metrics_rss_peak_worker_mib"] = memory.peaks(t2)

    manifest = read_manifest(store_path)
    store = CampaignStore.open(store_path)
    n_scenes = len(store.scene_ids())
    skipped = int((manifest["status"] == "skipped").sum())
    tiles_per_scene = int(metrics.attrs.get("tiles_per_scene", metrics.sizes["tile"] // n_scenes))
    complete = np.isfinite(metrics["cloud_fraction"].values)
    result.update(
        scenes_written=written, scenes_in_store=n_scenes, files_skipped=skipped,
        files_failed=int((manifest["status"] == "failed").sum()), tiles=metrics.sizes["tile"],
        tiles_expected=n_scenes * tiles_per_scene, tiles_with_metrics=int(complete.sum()),
        scenes_per_s_ingest=n_scenes / result["ingest_s"],
        tiles_per_s_metrics=metrics.sizes["tile"] / result["metrics_s"],
        store_mib=sum(f.stat().st_size for f in store_path.rglob("*") if f.is_file()) / 2**20,
    )  # fmt: skip
    result["nothing_lost"] = bool(
        n_scenes == written
        and result["files_failed"] == 0
        and result["tiles"] == result["tiles_expected"] == result["tiles_with_metrics"]
        and len(scenes.scene) == n_scenes
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", type=int, default=200, help="scenes (default: 200)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (2)")
    parser.add_argument("--memory-limit", default="3GiB", help="per worker (default: 3GiB)")
    parser.add_argument("--kill-after", type=float, default=20.0, metavar="S",
                        help="seconds into ingest to kill a worker (half in metrics)")  # fmt: skip
    parser.add_argument("--out", default="campaign-scale", help="output directory")
    args = parser.parse_args()
    os.environ.setdefault("SATPY_DOWNLOAD_AUX", "False")
    result = run(args)
    Path(args.out, "campaign_scale.json").write_text(json.dumps(result, indent=2) + "\n")
    width = max(map(len, result))
    for key, value in result.items():
        shown = f"{value:.1f}" if isinstance(value, float) else value
        print(f"{key:<{width}}  {shown}")
    return 0 if result["nothing_lost"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
