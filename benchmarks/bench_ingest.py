"""Ingest of synthetic GOES-16 ABI scans of the EUREC4A box, against the plain satpy script.

Two full-size mesoscale scans ten minutes apart (C01, C02 at 0.5 km: 2560 x 2144 px, C03,
C14) onto the 1 km ``eurec4a`` domain (1116 x 1318 px), storing cloudorg's default
quantities: three reflectances, the 11 µm brightness temperature, the RGB and its
greyscale.

The rivals:

- ``cloudorg``: :func:`cloudorg.ingest.ingest` with ``client="synchronous"`` in this
  process (C02 averaged onto the grid, the other bands by nearest neighbour, metadata,
  manifest, atomic commits); its lookups come from the disk cache (``$CLOUDORG_CACHE``)
  that an earlier process left, as they do by default;
- ``script``: ``benchmarks/satpy_script.py``, what a scientist writes with satpy,
  pyresample, numpy and xarray alone: satpy loads the bands, satpy's nearest-neighbour
  resampler puts them on the grid with its lookups cached on disk (``cache_dir``, also
  filled by an earlier run), numpy makes the RGB and greyscale, ``to_zarr`` appends.

Tracked (the rivals take turns; the median over 3 rounds of the per-round ratios; a quick
run, ``CLOUDORG_BENCH_QUICK=1``, has one round and scans of 3 x 3 degrees of the box):

- ``track_ingest_over_script``: both in this process (goal <= 1.3);
- ``track_command_over_script``: both as whole processes, as a user runs them:
  ``cloudorg ingest FILES --store STORE`` (its default LocalCluster) / ``python -m
  benchmarks.satpy_script FILES STORE CACHE`` (goal <= 1.3).

``time_ingest`` and ``time_script`` record the seconds of each for asv's history. Run
``python -m benchmarks.bench_ingest`` for a one-off table, which also gives the ratios with
the lookup cache turned off (``CLOUDORG_CACHE=off``: every cloudorg process builds its
lookups, as before they were cached by default).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks import satpy_script
from benchmarks.timing import in_turns, median_ratio, quick, round_count, seconds, tracked
from cloudorg.domains import get_domain
from cloudorg.ingest import ingest
from cloudorg.synthetic import EUREC4A_BOUNDS, synthesize_fields, write_abi_scene

ROOT = Path(__file__).resolve().parents[1]
N_SCANS = 2
BANDS = ("C01", "C02", "C03", "C14")
QUICK_BOUNDS = (-56.0, -53.0, 13.0, 16.0)
"""The scans of a quick run: 3 x 3 degrees of the box."""


def write_scans(root: Path) -> Path:
    """The benchmark's ABI files, in ``root / "files"``."""
    fields = synthesize_fields(QUICK_BOUNDS if quick() else EUREC4A_BOUNDS, resolution_deg=0.01,
                               seed=0)  # fmt: skip
    for i in range(N_SCANS):
        start = datetime(2020, 1, 20, 14) + timedelta(minutes=10 * i)
        write_abi_scene(fields, root / "files", start_time=start, bands=BANDS)
    return root / "files"


class _Rivals:
    """cloudorg and the script on the same files, each with its lookup cache filled."""

    timeout = 900
    number = 1
    repeat = 3
    warmup_time = 0

    def setup_cache(self) -> str:
        root = Path.cwd()  # asv's cache directory, removed after the run
        write_scans(root)
        self.root = root
        self.setup(str(root))
        self.ours()  # fills cloudorg's lookup cache on disk
        self.script()  # fills satpy's
        return str(root)

    def setup(self, root: str) -> None:
        self.root = Path(root)
        os.environ["CLOUDORG_CACHE"] = str(self.root / "cloudorg-cache")
        assert satpy_script.eurec4a_area() == get_domain("eurec4a").area, "not the same grid"

    def store(self) -> str:
        """A new store path under the cache directory."""
        return str(self.root / "stores" / f"{uuid.uuid4().hex}.zarr")

    def ours(self) -> None:
        ingest([self.root / "files"], self.store(), client="synchronous", progress=False)

    def script(self) -> None:
        satpy_script.ingest(
            str(self.root / "files"),
            self.store(),
            satpy_script.eurec4a_area(),
            str(self.root / "satpy-cache"),
        )

    def _run(self, command: list[str]) -> None:
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)

    def ours_command(self) -> None:
        self._run(
            [
                str(Path(sys.executable).parent / "cloudorg"),
                "ingest",
                str(self.root / "files"),
                "--store",
                self.store(),
            ]
        )

    def script_process(self) -> None:
        self._run(
            [
                sys.executable,
                "-m",
                "benchmarks.satpy_script",
                str(self.root / "files"),
                self.store(),
                str(self.root / "satpy-cache"),
            ]
        )


class Ingest(_Rivals):
    """Seconds of each rival, in this process."""

    def time_ingest(self, root: str) -> None:
        self.ours()

    def time_script(self, root: str) -> None:
        self.script()


class Ratios(_Rivals):
    """cloudorg over the script, in one process and as whole processes."""

    repeat = 1

    @tracked("x", "<= 1.3")
    def track_ingest_over_script(self, root: str) -> float:
        found = in_turns({"ours": self.ours, "script": self.script}, round_count(3))
        return median_ratio(found["ours"], found["script"])

    @tracked("x", "<= 1.3")
    def track_command_over_script(self, root: str) -> float:
        found = in_turns({"ours": self.ours_command, "script": self.script_process}, round_count(3))
        return median_ratio(found["ours"], found["script"])


def main() -> None:
    """The seconds of every rival (median of 3 rounds, taking turns) and the ratios, with the
    lookup cache on (the default) and off."""
    with tempfile.TemporaryDirectory(prefix="cloudorg-bench-") as tmp:
        os.chdir(tmp)
        rivals = Ratios()
        root = rivals.setup_cache()
        rivals.setup(root)
        print(f"{N_SCANS} scans: first ingest in-process {seconds(rivals.ours):.2f} s (warm)")
        runs = {
            "ours": rivals.ours,
            "script": rivals.script,
            "command": rivals.ours_command,
            "script_process": rivals.script_process,
        }
        for cache in ("on", "off"):
            os.environ["CLOUDORG_CACHE"] = str(rivals.root / "cloudorg-cache")
            if cache == "off":
                os.environ["CLOUDORG_CACHE"] = "off"
            found = in_turns(runs, 3)
            med = {k: sorted(v)[1] for k, v in found.items()}
            print(f"lookup cache {cache}: " + ", ".join(f"{k} {v:.2f} s" for k, v in med.items()))
            in_process = median_ratio(found["ours"], found["script"])
            processes = median_ratio(found["command"], found["script_process"])
            print(f"  ingest / script in-process {in_process:.2f}, as processes {processes:.2f}")


if __name__ == "__main__":
    main()
