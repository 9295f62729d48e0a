"""The tiles, triplets and labels commands, registered on a fresh argparse parser."""

from __future__ import annotations

import pytest

from cloudorg.cli.tiles import register
from cloudorg.errors import CloudorgError, ConfigError, StoreError
from cloudorg.tiles import list_tile_tables, open_tile_table, open_triplets, read_triplet_folder

from ..conftest import LABELS_REAL, run_command_group


def run(*argv: str) -> int:
    return run_command_group(register, *argv)


def test_every_command_has_help(capsys):
    for command in ("tiles", "triplets", "labels"):
        with pytest.raises(SystemExit) as exit_:
            run(command, "--help")
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert f"usage: cloudorg {command}" in out and len(out) > 300


def test_tiles_then_triplets_with_png_output(new_store, tmp_path, capsys):
    store = new_store(3, missing_border=4)
    assert run("tiles", str(store.path), "--size", "64", "--stride", "16", "--synchronous") == 0
    out = capsys.readouterr().out
    assert "tiles/64px_stride16" in out and "flagged missing_pixels: 24" in out  # 8 of 12 per scene
    assert "labels (pattern)" in out
    assert list_tile_tables(store) == ["64px_stride16"]
    table = open_tile_table(store, 64, stride=16)
    assert table.attrs["filter_hue_range"] == [80.0, 100.0]
    assert (
        run(
            "triplets",
            str(store.path),
            "--n",
            "5",
            "--size",
            "64",
            "--stride",
            "16",
            "--neighbour-distance",
            "10",
            "--out",
            str(tmp_path / "png"),
            "--synchronous",
        )
        == 0
    )
    assert "saved as triplets/64px_stride16" in capsys.readouterr().out
    assert read_triplet_folder(tmp_path / "png").sizes["triplet"] == 5
    assert open_triplets(store, 64, stride=16).sizes["triplet"] == 5


def test_command_errors_are_cloudorg_errors(new_store, tmp_path):
    store = new_store(1)
    with pytest.raises(StoreError, match="not a cloudorg campaign store"):
        run("tiles", str(tmp_path / "nothing.zarr"), "--synchronous")
    with pytest.raises(ConfigError, match="size must be"):
        run("tiles", str(store.path), "--size", "32", "--synchronous")
    with pytest.raises(StoreError, match="no group tiles/256px"):
        run("triplets", str(store.path), "--synchronous")
    with pytest.raises(CloudorgError, match="hue_range"):
        run("tiles", str(store.path), "--size", "64", "--hue-range", "100", "80", "--synchronous")


def test_labels_statistics_of_the_real_file(new_store, capsys):
    assert run("labels", str(LABELS_REAL), "--stats") == 0
    out = capsys.readouterr().out
    assert "36055 rows, 8686 images" in out and "Sugar 11169" in out
    assert "coverage_mode" in out and "biggest class coverage" in out
    store = new_store(1)
    assert run("labels", str(LABELS_REAL), "--domain", str(store.path), "--step", "8") == 0
    out = capsys.readouterr().out
    assert "on domain example:" in out and "Flower" in out
