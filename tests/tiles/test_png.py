"""PNG triplet folders: a minimal writer any reader decodes, export sharded over Dask, import."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imsave

from cloudorg.errors import ConfigError, InputFileError
from cloudorg.tiles import (
    build_tile_table,
    export_triplets,
    read_png,
    read_triplet_folder,
    sample_triplets,
    triplet_tiles,
    write_png,
)
from cloudorg.tiles.cutting import SceneReader
from cloudorg.tiles.normalise import Channels


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3), (5, 7, 4)])
def test_png_round_trip(tmp_path, shape):
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    if len(shape) == 3 and shape[2] == 4:
        image[..., 3] = 255
    path = write_png(tmp_path / "a.png", image)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (height, width) == shape[:2]
    back = read_png(path)
    np.testing.assert_array_equal(back, image[..., :3] if len(shape) == 3 else image)


def test_png_written_by_matplotlib_reads_the_same(tmp_path):
    image = np.random.default_rng(1).integers(0, 256, (6, 4, 3), dtype=np.uint8)
    imsave(tmp_path / "m.png", image)  # RGBA, written through matplotlib's own writer
    np.testing.assert_array_equal(read_png(tmp_path / "m.png"), image)
    with pytest.raises(ConfigError):
        write_png(tmp_path / "bad.png", image.astype(np.float32))


@pytest.fixture(scope="module")
def trip4(store4):
    table = build_tile_table(store4, 64, stride=8, client="synchronous", progress=False)
    return sample_triplets(table, 12, seed=3)


def test_export_and_import_give_the_store_pixels(store4, trip4, tmp_path):
    out = export_triplets(store4, trip4, tmp_path / "png", client="synchronous", progress=False)
    names = sorted(p.name for p in out.glob("*.png"))
    assert len(names) == 36 and names[:3] == [
        "00000_anchor.png",
        "00000_distant.png",
        "00000_neighbor.png",
    ]
    folder = read_triplet_folder(out)
    assert folder.dims == ("triplet", "role", "y", "x", "band")
    assert folder["role"].values.tolist() == ["anchor", "neighbor", "distant"]
    reader = SceneReader(store4)
    pixels = triplet_tiles(reader, Channels.of(reader.dataset, ["rgb"]), trip4, chunk=64)
    np.testing.assert_array_equal(folder.values, np.moveaxis(pixels, 2, -1))
    index = pd.read_csv(out / "triplets.csv")
    assert len(index) == 36 and set(index["role"]) == {"anchor", "neighbor", "distant"}
    assert (index["size"] == 64).all()
    first = index[(index["id"] == 0) & (index["role"] == "neighbor")].iloc[0]
    assert (first["row0"], first["col0"]) == (int(trip4["row0"][0, 1]), int(trip4["col0"][0, 1]))


def test_export_on_a_two_worker_cluster_writes_each_file_once(store4, trip4, tmp_path):
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        out = export_triplets(store4, trip4, tmp_path / "png", client=client, progress=False)
        prefixes = client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.task_prefixes)
        )
    assert "png" in prefixes
    local = export_triplets(store4, trip4, tmp_path / "local", client="synchronous", progress=False)
    for path in local.glob("*.png"):
        assert (out / path.name).read_bytes() == path.read_bytes()
    assert len(list(out.glob("*.png"))) == 36


def test_bad_folders_and_variables_are_refused(store4, trip4, tmp_path):
    with pytest.raises(InputFileError, match="no triplet"):
        read_triplet_folder(tmp_path)
    for role in ("anchor", "distant"):
        write_png(tmp_path / f"00003_{role}.png", np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(InputFileError, match=r"00003_neighbor\.png"):
        read_triplet_folder(tmp_path)
    with pytest.raises(ConfigError, match="8-bit"):
        export_triplets(
            store4,
            trip4,
            tmp_path / "bt",
            variable="brightness_temperature_11",
            client="synchronous",
            progress=False,
        )
