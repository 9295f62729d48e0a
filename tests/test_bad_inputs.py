"""A corpus of bad inputs through the command line: for each, the exit status (0 done, 1
some inputs failed, 2 bad arguments), one line naming the file or argument and what was
expected, the manifest's record, and a store left as it was."""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cloudorg.cli import main
from cloudorg.io.discover import discover
from cloudorg.store import read_manifest

BOX = ["--domain", "box", "--bounds", "-56", "-54", "13", "15", "--resolution", "4"]
BT = ["--quantities", "brightness_temperature_11", "reflectance_0p47"]


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> Path:
    """Two synthetic GOES-16 scans of a small box."""
    from cloudorg.synthetic import synthesize_campaign

    folder = tmp_path_factory.mktemp("scans")
    synthesize_campaign(folder, 2, bounds=(-56.2, -53.8, 12.8, 15.2), resolution_deg=0.04)
    for truth in folder.glob("cloudorg-truth_*"):
        truth.unlink()
    return folder


def ingest(capsys, *argv: str) -> tuple[int, str]:
    status = main(["-q", "ingest", *argv, "--synchronous"])
    return status, capsys.readouterr().err


def copy(scans: Path, to: Path, pattern: str = "*") -> Path:
    to.mkdir(parents=True, exist_ok=True)
    for path in scans.glob(pattern):
        shutil.copy(path, to / path.name)
    return to


def test_a_missing_input_is_a_bad_argument_and_creates_no_store(tmp_path, capsys):
    status, err = ingest(capsys, str(tmp_path / "absent"), "--store", str(tmp_path / "s.zarr"))
    assert status == 2 and err.count("\n") == 1
    assert f"no such file or directory: {tmp_path / 'absent'}" in err
    assert not (tmp_path / "s.zarr").exists()


def test_a_plain_file_as_the_store_is_refused_and_kept(scans, tmp_path, capsys):
    plain = tmp_path / "notes.txt"
    plain.write_text("keep me")
    status, err = ingest(capsys, str(scans), "--store", str(plain), *BOX, *BT)
    assert status == 2 and "a file, not a store directory" in err and str(plain) in err
    assert plain.read_text() == "keep me"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--max-solar-zenith", "nan"], "max_solar_zenith: expected degrees from 0 to 180"),
        (["--domain", "eurec4"], "--bounds LON_MIN LON_MAX LAT_MIN LAT_MAX"),
        (["--quantities", "reflectance_9p99"], "quantities ['reflectance_9p99']: expected"),
    ],
)
def test_bad_options_are_named_and_create_no_store(scans, tmp_path, capsys, argv, expected):
    status, err = ingest(capsys, str(scans), "--store", str(tmp_path / "s.zarr"), *argv)
    assert status == 2 and expected in err and err.count("\n") == 1
    assert not (tmp_path / "s.zarr").exists()


def test_inputs_that_are_all_skipped_exit_1_with_the_reason(abi_real_dir, tmp_path, capsys):
    store = tmp_path / "s.zarr"
    argv = [str(abi_real_dir), "--store", str(store), "--domain", "cal", "--bounds", "-125",
            "-121", "37.5", "41.5", "--resolution", "4"]  # fmt: skip
    status, err = ingest(capsys, *argv)
    assert status == 1
    assert "nothing new was ingested: 15 files skipped" in err and "C02" in err
    assert set(read_manifest(store)["status"]) == {"skipped"}
    assert ingest(capsys, *argv)[0] == 0  # nothing new to do


def test_a_truncated_file_fails_its_scene_only_and_is_named(scans, tmp_path, capsys):
    data = copy(scans, tmp_path / "data")
    (victim,) = sorted(data.glob("*C01_G16_s202002014*"))
    victim.write_bytes(victim.read_bytes()[:2000])
    store = tmp_path / "s.zarr"
    status, err = ingest(capsys, str(data), "--store", str(store), *BOX, *BT)
    assert status == 1
    assert f"cloudorg: failed: {victim}" in err and "truncated or corrupt" in err
    records = read_manifest(store).set_index("path")
    assert records.loc[str(victim), "status"] == "failed"
    assert (records["status"] == "ingested").sum() > 0  # the other scan is in


def test_a_renamed_band_is_named_not_taken_for_another(abi_real_dir, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    source = next(abi_real_dir.glob("*M6C13_*"))
    renamed = data / source.name.replace("M6C13_", "M6C14_")
    shutil.copy(source, renamed)
    status, err = ingest(capsys, str(data), "--store", str(tmp_path / "s.zarr"), "--domain",
                         "cal", "--bounds", "-125", "-121", "37.5", "41.5", "--quantities",
                         "brightness_temperature_11")  # fmt: skip
    assert status == 1
    assert "the file name says band C14, but the file holds band C13" in err
    records = read_manifest(tmp_path / "s.zarr").set_index("path")
    assert records.loc[str(renamed), "status"] == "failed"


def test_the_same_scene_in_two_folders_is_ingested_once(scans, tmp_path, capsys):
    first = copy(scans, tmp_path / "a", "*s202002013*")
    second = copy(scans, tmp_path / "b", "*s202002013*")
    store = tmp_path / "s.zarr"
    status, _ = ingest(capsys, str(first), str(second), "--store", str(store), *BOX, *BT)
    assert status == 0
    records = read_manifest(store)
    skipped = records[records["status"] == "skipped"]
    assert len(skipped) == len(list(second.iterdir()))
    assert skipped["path"].str.startswith(str(second)).all()
    assert (
        skipped["reason"].str.contains("duplicate: scene G16_abi_M1_20200120T130000 has its").all()
    )
    assert (records["status"] == "ingested").sum() == len(list(first.iterdir()))


def _without_read_override() -> None:
    """In a child process before it runs: drop the capabilities by which root reads any
    folder (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), as an ordinary user is."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_an_unreadable_folder_is_recorded_not_passed_over(scans, tmp_path):
    data = tmp_path / "data"
    copy(scans, data / "open", "*s202002013*")
    locked = copy(scans, data / "locked", "*s202002014*")
    locked.chmod(0)
    code = ("import json; from cloudorg.io.discover import discover\n"
            f"scenes, other = discover([{str(data)!r}])\n"
            "print(json.dumps([[s.scene_id for s in scenes], other]))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, preexec_fn=_without_read_override)  # fmt: skip
    locked.chmod(0o755)
    assert done.returncode == 0, done.stderr[-2000:]
    scenes, other = json.loads(done.stdout)
    assert scenes == ["G16_abi_M1_20200120T130000"]
    assert other == [[str(locked), "cannot be read: Permission denied; its files are not "
                      "ingested"]]  # fmt: skip
    assert len(discover([data])[0]) == 2  # readable again: both scans


def test_a_tile_larger_than_the_domain_is_a_bad_argument(scans, tmp_path, capsys):
    store = tmp_path / "s.zarr"
    assert ingest(capsys, str(scans), "--store", str(store), *BOX, *BT)[0] == 0
    status = main(["-q", "metrics", str(store), "--tile-size", "128", "--mask",
                   "brightness_temperature", "--synchronous"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and "no tile fits the domain box" in err
    assert not (store / "metrics").exists()
