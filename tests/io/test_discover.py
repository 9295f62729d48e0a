"""cloudorg.io.discover: files found under folders, recognised by their official names and
grouped into scenes; everything else reported with the reason."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from cloudorg.io.discover import abi_channel, discover, find_files, group_files, recognise
from cloudorg.io.remote import FileInfo

from .conftest import ABI_START, MODIS_START

ABI_SCENE = f"G16_abi_M1_{ABI_START:%Y%m%dT%H%M%S}"
MODIS_SCENE = f"aqua_modis_{MODIS_START:%Y%m%dT%H%M%S}"


def copy(paths, to: Path) -> Path:
    to.mkdir(parents=True, exist_ok=True)
    for path in paths:
        shutil.copy(path, to / Path(path).name)
    return to


def test_a_scan_and_a_granule_are_two_scenes_with_their_files_and_truth(synthetic_files):
    files = synthetic_files
    scenes, unrecognised = discover([files.folder])
    assert unrecognised == []
    assert [s.scene_id for s in scenes] == [ABI_SCENE, MODIS_SCENE]  # by start time
    abi, modis = scenes
    assert (abi.platform, abi.sensor, abi.start_time) == ("G16", "abi", ABI_START)
    assert (modis.platform, modis.sensor, modis.start_time) == ("aqua", "modis", MODIS_START)
    assert abi.readers == ("abi_l1b",) and modis.readers == ("modis_l1b",)
    assert abi.files["abi_l1b"] == tuple(str(p.resolve()) for p in sorted(files.abi))
    assert [abi_channel(os.path.basename(p)) for p in abi.files["abi_l1b"]] == [
        "C01", "C02", "C03", "C05", "C13"
    ]  # fmt: skip
    assert modis.files["modis_l1b"] == tuple(str(p.resolve()) for p in sorted(files.modis))
    # the truth map joins the scan of its platform and start time, and only that one
    assert abi.truth == str(files.truth.resolve()) and modis.truth is None
    assert abi.all_files == tuple(sorted([*abi.files["abi_l1b"], abi.truth]))
    for scene in scenes:
        assert set(scene.info) == set(scene.all_files)
        assert all(scene.info[p].size == os.path.getsize(p) for p in scene.all_files)


def test_other_files_and_missing_paths_are_reported_not_dropped(synthetic_files, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a satellite file")
    absent = tmp_path / "absent"
    one_band = synthetic_files.abi[0]  # also inside the folder: found once
    scenes, unrecognised = discover([synthetic_files.folder, one_band, notes, absent])
    assert [s.scene_id for s in scenes] == [ABI_SCENE, MODIS_SCENE]
    assert len(scenes[0].files["abi_l1b"]) == 5
    (missing, missing_reason), (other, other_reason) = unrecognised
    assert (missing, missing_reason) == (str(absent), "no such file or directory")
    assert other == str(notes.resolve())
    assert other_reason.startswith("not a recognised product: expected ")
    assert "EUREC4A netCDF" in other_reason


def test_a_scene_in_two_folders_keeps_one_file_per_band(synthetic_files, tmp_path):
    first = copy(synthetic_files.abi, tmp_path / "a")
    second = copy(synthetic_files.abi[:2], tmp_path / "b")  # C01 and C02 again
    scenes, unrecognised = discover([second, first])
    (scene,) = scenes
    assert scene.files["abi_l1b"] == tuple(str(first / p.name) for p in synthetic_files.abi)
    assert unrecognised == [
        (str(second / p.name), f"duplicate: scene {ABI_SCENE} has its {band} already in "
                               f"{first / p.name}")
        for p, band in zip(synthetic_files.abi[:2], ["C01", "C02"], strict=True)
    ]  # fmt: skip


def test_names_are_recognised_without_opening_the_files(tmp_path):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    for path in (tmp_path / "z.txt", nested / "y.hdf", tmp_path / "a" / "x.nc"):
        path.write_text("")
    assert find_files([tmp_path / "a", tmp_path / "z.txt"]) == [
        str(tmp_path / "a" / "b" / "y.hdf"), str(tmp_path / "a" / "x.nc"), str(tmp_path / "z.txt")
    ]  # fmt: skip
    abi = "OR_ABI-L1b-RadF-M6C13_G17_s20193001200340_e20193001209406_c20193001209470.nc"
    _, meta, reader = recognise(abi)
    assert meta[0] == "G17_abi_F_20191027T120034" and reader == "abi_l1b"
    assert abi_channel(abi) == "C13" and abi_channel("MYD03.A2020020.1430.061.1.hdf") is None
    assert recognise(f"cloudorg-truth_G16_{ABI_START:%Y%m%dT%H%M%S}.nc") is None  # no sensor's
    # netCDF files are opened to tell EUREC4A files from others: never over the network
    url = "s3://bucket/eurec4a/goes16_20200120.nc"
    scenes, unrecognised = group_files([(url, FileInfo(10, "etag"))])
    assert scenes == [] and unrecognised[0][0] == url
    assert unrecognised[0][1].endswith("EUREC4A netCDF (local files only)")


def test_discover_groups_the_fifteen_bands_into_one_scene(abi_real_dir):
    scenes, unrecognised = discover([abi_real_dir])
    assert unrecognised == []
    assert len(scenes) == 1
    scene = scenes[0]
    assert scene.platform == "G17" and scene.sensor == "abi"
    assert scene.start_time.isoformat() == "2019-10-27T20:00:27.500000"
    assert len(scene.files["abi_l1b"]) == 15


def _without_read_override() -> None:
    """In a child process before it runs: drop the capabilities by which root reads any
    folder (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), as an ordinary user is."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_an_unreadable_folder_is_recorded_not_passed_over(abi_scans, tmp_path):
    data = tmp_path / "data"
    copy(abi_scans.glob("*s202002013*"), data / "open")
    locked = copy(abi_scans.glob("*s202002014*"), data / "locked")
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
