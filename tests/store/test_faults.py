"""Faults with defined outcomes: a run killed (SIGKILL) at every commit point and rerun
gives the store of an uninterrupted run, on a local disk and in object storage; two
creators of one store; a reader while an ingest appends; a Dask worker killed while it
writes into the store; a scheduler that goes away; a store whose writes fail."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from cloudorg.errors import StoreError
from cloudorg.store import CampaignStore, StoreLocation, read_manifest
from cloudorg.tiles import build_tile_table
from cloudorg.tiles.cutting import SceneReader

from . import campaign_run
from .campaign_run import GROUPS, run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    return campaign_run.write_files(tmp_path_factory.mktemp("files"))


def snapshot(store: object) -> dict[str, object]:
    """Everything a store holds, as comparable values."""
    campaign = CampaignStore.open(store)
    manifest = read_manifest(campaign).drop(columns="recorded")
    out: dict[str, object] = {
        "scenes": campaign.open_scenes().load(),
        "manifest": manifest.to_dict("list"),
        "committed": campaign.scene_ids(),
    }
    for group in GROUPS:
        out[group] = campaign.group(group).open("")
    return out


def assert_same_store(store: object, reference: dict[str, object]) -> None:
    got = snapshot(store)
    assert got["committed"] == reference["committed"]
    assert got["manifest"] == reference["manifest"]
    for key in ("scenes", *GROUPS):
        xr.testing.assert_identical(got[key], reference[key])


@pytest.fixture(scope="module")
def reference(files, tmp_path_factory) -> dict[str, object]:
    store = tmp_path_factory.mktemp("reference") / "c.zarr"
    run(store, files)
    return snapshot(store)


def killed_at(point: str, store: str, files: Path, env: dict[str, str] | None = None) -> None:
    """Run the campaign in a subprocess armed to kill itself at ``point``."""
    env = {**os.environ, "CLOUDORG_FAILPOINT": point, **(env or {})}
    cmd = [sys.executable, "-m", "tests.store.campaign_run", store, str(files)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, f"not killed at {point}: {proc.stderr[-2000:]}"


KILL_POINTS = [
    "store-root",  # creating the store
    "scene-pixels:2",  # the second scene's pixels are written, nothing committed
    "scenes-resized:2",  # its arrays grown, the manifest not written
    "manifest:2",  # committed, the metadata not consolidated
    "group-written:1",  # the tile table written, not marked complete
    "group-begun:1",  # the metrics group sized, no block written
    "block-written:2",  # the metrics of the second scene written, not recorded
    "block-recorded:2",  # ... and recorded, the group not complete
    "block-written:5",  # the second block of embeddings written, not recorded
    "group-written:2",  # the analysis written, not marked complete
]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_run_killed_at_a_commit_point_resumes_to_the_same_store(point, files, reference,
                                                                  tmp_path):  # fmt: skip
    store = str(tmp_path / "c.zarr")
    killed_at(point, store, files)
    run(store, files)
    assert_same_store(store, reference)


def test_a_run_on_s3_killed_at_a_commit_point_resumes(files, reference, s3_bucket):
    store = f"{s3_bucket}/c.zarr"
    killed_at("block-written:2", store, files)
    # the dead writer's lease is taken over at once: its process is gone from this host
    assert StoreLocation(store).read_json(".cloudorg-lease.json") is not None
    run(store, files)
    assert_same_store(store, reference)


def _create(url: str) -> subprocess.Popen:
    code = ("import sys; from cloudorg.errors import StoreError\n"
            "from cloudorg.store import CampaignStore\n"
            "from tests.store.campaign_run import DOMAIN\n"
            "try:\n"
            f"    CampaignStore.create({url!r}, DOMAIN, quantities=['rgb'])\n"
            "except StoreError as err:\n"
            "    print(err); sys.exit(2)\n")  # fmt: skip
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.mark.parametrize("where", ["local", "s3"])
def test_two_creators_of_one_store_get_one_store_and_one_clean_error(where, tmp_path, request):
    url = str(tmp_path / "c.zarr") if where == "local" else (
        request.getfixturevalue("s3_bucket") + "/c.zarr"
    )  # fmt: skip
    procs = [_create(url), _create(url)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    (message,) = [out for code, out, _ in results if code == 2]
    assert "another process is writing this store" in message or "exists" in message
    assert all("Traceback" not in err for _, _, err in results)
    assert CampaignStore.open(url).scene_ids() == []


def test_a_reader_during_an_append_sees_committed_scenes_only(files, reference, tmp_path):
    """Snapshots taken while an ingest appends: each is a prefix of the final store,
    pixel for pixel; writers of derived groups are told clearly to wait."""
    store = tmp_path / "c.zarr"
    code = ("from cloudorg.ingest import ingest; from tests.store.campaign_run import DOMAIN; "
            f"ingest([{str(files)!r}], {str(store)!r}, domain=DOMAIN, client='synchronous', "
            "progress=False)")  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    expected = reference["scenes"]
    seen: set[int] = set()
    busy: list[str] = []
    try:
        while proc.poll() is None:
            try:
                reader = SceneReader(store)
                ds = CampaignStore.open(store).open_scenes()
            except StoreError:
                time.sleep(0.01)
                continue
            n = ds.sizes["scene"]
            seen.add(n)
            xr.testing.assert_identical(ds.load(), expected.isel(scene=slice(0, n)))
            if reader.n_scenes:
                last = reader.n_scenes - 1
                np.testing.assert_array_equal(
                    reader.window("greyscale", last, 0, 8, 0, 8),
                    expected["greyscale"][last, :8, :8].values,
                )
            if not busy and proc.poll() is None:
                try:  # a writer of a derived group meanwhile: told to wait, not crashed
                    build_tile_table(store, 64, client="synchronous", progress=False)
                    busy.append("" if proc.poll() is None else "after the ingest")
                except StoreError as err:
                    busy.append(str(err))
    finally:
        proc.wait()
    assert proc.returncode == 0
    assert len(seen) >= 2, seen  # the reader did look while scenes were being added
    assert busy and ("another process is writing this store" in busy[0]
                     or busy[0] == "after the ingest"), busy  # fmt: skip


def test_a_worker_killed_while_writing_into_the_store(files, reference, tmp_path):
    """Once while writing a scene's pixels and once while writing a block of a derived
    group: Dask runs their tasks again elsewhere, and nothing differs."""
    from distributed import Client, LocalCluster

    store = tmp_path / "c.zarr"
    marker = tmp_path / "killed"
    # Every worker process is armed, replacements too (the nanny's environment), and each
    # point fires in one process only: the first to pass it.
    armed = {"CLOUDORG_FAILPOINT": "scene-pixels,block-written",
             "CLOUDORG_FAILPOINT_ONCE": str(marker)}  # fmt: skip
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=":0", env=armed
        ) as cluster,
        Client(cluster) as client,
    ):
        run(store, files, client=client)
    killed = sorted(p.name for p in tmp_path.glob("killed.*"))
    assert killed == ["killed.block-written", "killed.scene-pixels"]  # workers did die
    assert_same_store(store, reference)


INGEST = [sys.executable, "-m", "cloudorg.cli", "-q", "ingest", "--domain", "small", "--bounds",
          "-56", "-54", "13", "15", "--resolution", "2"]  # fmt: skip
"""The command that ingests the fault campaign's files onto ``campaign_run.DOMAIN``."""


def one_line_error(stderr: str, expected: str) -> None:
    assert "Traceback" not in stderr, stderr[-3000:]
    (line,) = [ln for ln in stderr.splitlines() if ln.startswith("cloudorg: error:")]
    assert expected in line and line.endswith("run the same command again to go on"), line


def assert_committed_prefix(store: Path, reference: dict[str, object], n: int) -> None:
    campaign = CampaignStore.open(store)
    assert len(campaign.scene_ids()) == n
    expected = reference["scenes"].isel(scene=slice(0, n))
    xr.testing.assert_identical(campaign.open_scenes().load(), expected)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_scheduler_that_goes_away_ends_the_run_in_one_line_and_a_rerun_resumes(
    files, reference, tmp_path
):
    """A campaign on a scheduler of its own: the worker freezes in the middle of the second
    scene, the scheduler is killed; the command says so in one line and exits 1, the first
    scene stays committed, and the campaign run again completes the same store."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    frozen = {**os.environ, "CLOUDORG_FAILPOINT": "scene-pixels:2",
              "CLOUDORG_FAILPOINT_SIGNAL": "SIGSTOP"}  # fmt: skip
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--dashboard-address", "127.0.0.1:0"],
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
         "--no-nanny"],
        stderr=subprocess.DEVNULL, env=frozen,
    )  # fmt: skip
    store = tmp_path / "c.zarr"
    try:
        command = [*INGEST, str(files), "--store", str(store), "--scheduler", address]
        ingest = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not _stopped(worker.pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # the worker is frozen in the second scene
        assert _stopped(worker.pid), "the worker never reached the second scene"
        scheduler.kill()
        _, stderr = ingest.communicate(timeout=120)
    finally:
        for proc in (scheduler, worker):
            proc.kill()
            proc.wait()
    assert ingest.returncode == 1
    one_line_error(stderr, f"the connection to the Dask scheduler at {address} was lost")
    assert_committed_prefix(store, reference, 1)
    run(store, files)
    assert_same_store(store, reference)


def _stopped(pid: int) -> bool:
    """Whether process ``pid`` is stopped (``T`` in /proc)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


def _file_size_limit(limit: int) -> Callable[[], None]:
    """A ``preexec_fn`` limiting the size of every file the process writes: writes past it
    fail with ``EFBIG``, as writes to a full disk fail with ``ENOSPC``."""

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_files


def test_a_store_whose_writes_fail_is_left_as_it_was_and_a_rerun_resumes(
    files, reference, tmp_path
):
    """The first scene ingested; then a command that may write only small files (its
    chunk writes fail, as on a full disk): one line, exit 1, the store as it was; the
    campaign run again completes the same store."""
    store = tmp_path / "c.zarr"
    first = [str(p) for p in sorted(files.iterdir())
             if "s20200201300000" in p.name or "20200120T130000" in p.name]  # fmt: skip
    done = subprocess.run([*INGEST, *first, "--store", str(store), "--synchronous"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    before = snapshot_scenes(store)
    failed = subprocess.run([*INGEST, str(files), "--store", str(store), "--synchronous"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            preexec_fn=_file_size_limit(4096))  # fmt: skip
    assert failed.returncode == 1
    one_line_error(failed.stderr, "a write failed")
    assert "File too large" in failed.stderr
    after = snapshot_scenes(store)
    assert after["committed"] == before["committed"]
    assert after["manifest"] == before["manifest"]
    xr.testing.assert_identical(after["scenes"], before["scenes"])
    run(store, files)
    assert_same_store(store, reference)


def snapshot_scenes(store: Path) -> dict[str, object]:
    """The scenes, the manifest and the committed scene ids of a store."""
    campaign = CampaignStore.open(store)
    return {"scenes": campaign.open_scenes().load(),
            "manifest": read_manifest(campaign).to_dict("list"),
            "committed": campaign.scene_ids()}  # fmt: skip
