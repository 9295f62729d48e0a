"""Fixed costs of the ``cloudorg`` command: the seconds a command spends beyond its work on
a 1-scene store, and ``cloudorg metrics`` on one and on two workers as whole commands.

The stores are made as a user makes them: synthetic GOES-16 ABI files
(:func:`cloudorg.synthetic.synthesize_campaign`) ingested by ``cloudorg ingest``:

- 1 scene of a 4 x 4 degree box east of Barbados at 1 km (445 x 432 px);
- 24 scenes of the EUREC4A box at 1 km (the default domain, 1116 x 1318 px; in a quick
  run the 1-scene store stands in for it).

Tracked (the rivals take turns; medians over 3 rounds, one round in a quick run):

- ``Overhead.track_overhead_s`` for ``info``, ``tiles`` (128-px tiles) and ``metrics``
  (128-px tiles): the seconds of the whole command (``python -m cloudorg.cli -q ...`` in a
  new process, its default LocalCluster) less the seconds of the same work in a warm
  process without a cluster (``cloudorg.cli.main([... "--synchronous"])`` after one untimed
  call). Goal <= 3 s.
- ``Speedup.track_metrics_two_over_one``: ``cloudorg metrics --tile-size 128 --overwrite``
  on the 24-scene store with ``--workers 1`` / with ``--workers 2``, whole commands.
  Goal >= 1.7.
- ``Limits``: what no change to cloudorg's code can go below on this machine, no goal:
  ``track_import_cli_s`` (a new Python importing ``cloudorg.cli``: every command pays it)
  and ``track_bare_cluster_s`` (a new Python importing ``distributed`` and starting and
  closing ``LocalCluster(n_workers=2)`` with Dask's defaults).

Run ``python -m benchmarks.bench_startup`` for a one-off table of the same numbers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.timing import in_turns, median_ratio, quick, round_count, tracked

ROOT = Path(__file__).resolve().parents[1]
SMALL_BOX = ["--domain", "box", "--bounds", "-60", "-56", "12", "16"]
"""``cloudorg ingest`` options of the 4 x 4 degree domain."""
COMMANDS = {
    "info": ["info"],
    "tiles": ["tiles", "--size", "128", "--overwrite"],
    "metrics": ["metrics", "--tile-size", "128", "--overwrite"],
}
"""Each command's words before the store."""


def cloudorg(*words: str) -> None:
    """``cloudorg -q WORDS`` in a new process (its output discarded)."""
    env = {**os.environ, "SATPY_DOWNLOAD_AUX": "False", "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-m", "cloudorg.cli", "-q", *words], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip


def in_this_process(*words: str) -> None:
    """``cloudorg -q WORDS`` in this process (its output discarded)."""
    from cloudorg.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = main(["-q", *words])
    if status:
        raise RuntimeError(f"cloudorg {' '.join(words)}: exit status {status}")


def make_store(root: Path, name: str, n_scenes: int, small_box: bool) -> str:
    """Synthetic ABI files of ``n_scenes`` scenes ingested into ``root / name`` by
    ``cloudorg ingest``."""
    from cloudorg.synthetic import EUREC4A_BOUNDS, synthesize_campaign

    files = root / f"{name}-files"
    bounds = (-60.2, -55.8, 11.8, 16.2) if small_box else EUREC4A_BOUNDS
    synthesize_campaign(files, n_scenes, bounds=bounds, seed=1, interval=dt.timedelta(minutes=30))
    store = str(root / f"{name}.zarr")
    cloudorg("ingest", str(files), "--store", store, *(SMALL_BOX if small_box else []))
    return store


class _Stores:
    """The stores, made once; the lookups of ingest cached in the scratch directory."""

    timeout = 1200
    number = 1
    repeat = 1
    rounds = 1
    warmup_time = 0

    def setup_cache(self) -> str:
        root = Path.cwd()  # asv's cache directory, removed after the run
        os.environ["CLOUDORG_CACHE"] = str(root / "lookups")
        make_store(root, "one", 1, small_box=True)
        if not quick():
            make_store(root, "many", 24, small_box=False)
        return str(root)


class Overhead(_Stores):
    """Seconds of a whole command beyond its work, on the 1-scene store (goal <= 3 s)."""

    params = tuple(COMMANDS)
    param_names = ("command",)

    @tracked("s", "<= 3")
    def track_overhead_s(self, root: str, command: str) -> float:
        words = [*COMMANDS[command], str(Path(root) / "one.zarr")]
        local = [*words, "--synchronous"] if command != "info" else words
        in_this_process(*local)  # warm: imports, numba's kernels
        found = in_turns({"command": lambda: cloudorg(*words),
                          "work": lambda: in_this_process(*local)}, round_count(3))  # fmt: skip
        return statistics.median(found["command"]) - statistics.median(found["work"])


class Speedup(_Stores):
    """``cloudorg metrics`` on 1 worker / on 2, whole commands (goal >= 1.7)."""

    @tracked("x", ">= 1.7")
    def track_metrics_two_over_one(self, root: str) -> float:
        words = [*COMMANDS["metrics"], str(Path(root) / ("one.zarr" if quick() else "many.zarr"))]
        found = in_turns({n: lambda n=n: cloudorg(*words, "--workers", n) for n in ("1", "2")},
                         round_count(3))  # fmt: skip
        return median_ratio(found["1"], found["2"])


BARE_CLUSTER = """
from distributed import LocalCluster
if __name__ == "__main__":
    LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0").close()
"""


class Limits:
    """What every command pays on this machine whatever cloudorg does (no goal)."""

    timeout = 300
    number = 1
    repeat = 1
    rounds = 1
    warmup_time = 0

    def _python_s(self, code: str) -> float:
        found = in_turns({"python": lambda: subprocess.run([sys.executable, "-c", code],
                                                            check=True, capture_output=True)},
                         round_count(3))  # fmt: skip
        return statistics.median(found["python"])

    @tracked("s")
    def track_import_cli_s(self) -> float:
        return self._python_s("import cloudorg.cli")

    @tracked("s")
    def track_bare_cluster_s(self) -> float:
        return self._python_s(BARE_CLUSTER)


def main() -> None:
    """Every tracked value, once."""
    with tempfile.TemporaryDirectory(prefix="cloudorg-bench-") as tmp:
        os.chdir(tmp)
        root = _Stores().setup_cache()
        for command in COMMANDS:
            print(f"{command}: {Overhead().track_overhead_s(root, command):.2f} s beyond its work",
                  flush=True)  # fmt: skip
        print(f"metrics, 2 workers over 1: {Speedup().track_metrics_two_over_one(root):.2f}x")
    print(f"python -c 'import cloudorg.cli': {Limits().track_import_cli_s():.2f} s")
    print(f"bare LocalCluster(n_workers=2), new process: {Limits().track_bare_cluster_s():.2f} s")


if __name__ == "__main__":
    main()
