"""A corpus of bad inputs through the command line: for each, the exit status (0 done, 1
some inputs failed, 2 bad arguments), one line naming the file or argument and what was
expected, the manifest's record, and a store left as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cloudorg.cli import main
from cloudorg.store import read_manifest

BOX = ["--domain", "box", "--bounds", "-56", "-54", "13", "15", "--resolution", "4"]
BT = ["--quantities", "brightness_temperature_11", "reflectance_0p47"]


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


def test_a_plain_file_as_the_store_is_refused_and_kept(abi_scans, tmp_path, capsys):
    plain = tmp_path / "notes.txt"
    plain.write_text("keep me")
    status, err = ingest(capsys, str(abi_scans), "--store", str(plain), *BOX, *BT)
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
def test_bad_options_are_named_and_create_no_store(abi_scans, tmp_path, capsys, argv, expected):
    status, err = ingest(capsys, str(abi_scans), "--store", str(tmp_path / "s.zarr"), *argv)
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


def test_a_truncated_file_fails_its_scene_only_and_is_named(abi_scans, tmp_path, capsys):
    data = copy(abi_scans, tmp_path / "data")
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


def test_the_same_scene_in_two_folders_is_ingested_once(abi_scans, tmp_path, capsys):
    first = copy(abi_scans, tmp_path / "a", "*s202002013*")
    second = copy(abi_scans, tmp_path / "b", "*s202002013*")
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


def test_a_tile_larger_than_the_domain_is_a_bad_argument(abi_scans, tmp_path, capsys):
    store = tmp_path / "s.zarr"
    assert ingest(capsys, str(abi_scans), "--store", str(store), *BOX, *BT)[0] == 0
    status = main(["-q", "metrics", str(store), "--tile-size", "128", "--mask",
                   "brightness_temperature", "--synchronous"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and "no tile fits the domain box" in err
    assert not (store / "metrics").exists()
