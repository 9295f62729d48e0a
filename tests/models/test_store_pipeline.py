"""End to end from a campaign store: `cloudorg train` then `cloudorg embed` (CPU)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import xarray as xr

from cloudorg.cli.models import register
from cloudorg.errors import CloudorgError, ConfigError
from cloudorg.models import (
    AutoencoderConfig,
    AutoencoderRunConfig,
    Tile2VecConfig,
    TrainingConfig,
    load_checkpoint,
    load_embedder,
    open_embeddings,
    train_autoencoder,
    train_tile2vec,
)
from cloudorg.models.sources import triplets_from_store
from cloudorg.synthetic.stores import example_store
from cloudorg.tiles.loader import TripletDataset
from cloudorg.tiles.table import build_tile_table
from cloudorg.tiles.triplets import sample_triplets

from ..conftest import run_command_group

CONFIG = {
    "model": {"width": 4, "embedding_dim": 8, "head_hidden": [16]},
    "training": {"steps": 12, "batch_size": 8, "val_fraction": 0.5, "validate_every": 6,
                 "checkpoint_every": 5, "val_batches": 2},
    "data": {"tile_size": 64, "stride": 16},
}  # fmt: skip


def _cloudorg(*argv: str) -> int:
    return run_command_group(register, *argv)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return example_store(tmp_path_factory.mktemp("pipeline") / "c.zarr", 4)


def test_store_triplets_hold_out_whole_scenes(store):
    cfg = Tile2VecConfig.from_dict(CONFIG)
    train, val = triplets_from_store(store, cfg, client="synchronous", progress=False)
    assert len(train) == 12 * 8 and len(val) == 2 * 8
    assert not set(train.scenes) & set(val.scenes) and len(val.scenes) == 2
    tiles = train.__getitems__([0, 1, 2])
    assert [t.shape for t in tiles] == [(3, 3, 64, 64)] * 3 and tiles[0].dtype == torch.float32
    assert 0 <= float(tiles[0].min()) and float(tiles[0].max()) <= 1  # rgb / 255
    # neighbours lie half a tile (32 px) from their anchors: 50 % overlap
    rows, cols = train.triplets.row0.values, train.triplets.col0.values
    distance = np.hypot(rows[:, 0] - rows[:, 1], cols[:, 0] - cols[:, 1])
    np.testing.assert_allclose(distance, 32, atol=1)


def test_the_tiles_loaders_triplet_stream_trains_directly(store):
    cfg = Tile2VecConfig.from_dict(CONFIG)
    cfg = cfg.replace(training=cfg.training.replace(steps=6))
    table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    triplets = sample_triplets(table, 32, seed=0)
    # a new stream (as in a new process) gives the same epochs, each shuffled its own way
    runs = [train_tile2vec(TripletDataset(store, triplets, batch_size=8), cfg, progress=False)
            for _ in range(2)]  # fmt: skip
    assert runs[0].history.sizes["step"] == 6  # 4 batches a pass: the stream was repeated
    assert runs[0].history.loss.values.tolist() == runs[1].history.loss.values.tolist()


def test_train_then_embed_from_the_command_line(store, tmp_path):
    ckpt, plot = tmp_path / "run.pt", tmp_path / "curves.png"
    config = json.dumps(CONFIG)
    assert _cloudorg("train", str(store.path), "--config", config, "--checkpoint", str(ckpt),
                     "--plot", str(plot), "--synchronous", "--device", "cpu") == 0  # fmt: skip
    state = load_checkpoint(ckpt)
    assert state.step == 12
    assert Tile2VecConfig.from_dict(state.config) == Tile2VecConfig.from_dict(CONFIG)
    assert state.history["val_step"] == [6, 12] and plot.stat().st_size > 1000
    # rerunning the finished run changes nothing
    assert _cloudorg("train", str(store.path), "--config", config, "--checkpoint", str(ckpt),
                     "--synchronous") == 0  # fmt: skip
    assert torch.equal(load_checkpoint(ckpt).model["head.0.weight"], state.model["head.0.weight"])

    assert _cloudorg("embed", str(store.path), "--model", str(ckpt), "--block-size", "10") == 0
    emb = xr.open_zarr(store.path, group="embeddings/64px_stride16")["embeddings"]
    assert emb.shape == (48, 8) and bool(emb.notnull().all())
    assert emb.attrs["long_name"] == "Tile2Vec embedding of the tile"
    assert xr.open_zarr(store.path, group="embeddings/64px_stride16").attrs["model_id"] == (
        load_embedder(ckpt).model_id
    )


def test_embed_command_writes_an_autoencoder_beside_other_embeddings(store, tmp_path, capsys):
    cfg = AutoencoderRunConfig(
        model=AutoencoderConfig(channels=(4, 2)),
        training=TrainingConfig(steps=2, batch_size=4, validate_every=0, mixed_precision=False),
    )
    train_autoencoder(torch.rand(8, 3, 32, 32), cfg, checkpoint=tmp_path / "ae.pt", progress=False,
                      device="cpu")  # fmt: skip
    assert _cloudorg("embed", str(store.path), "--model", str(tmp_path / "ae.pt"), "--size", "64",
                     "--stride", "16", "--name", "autoencoder") == 0  # fmt: skip
    assert "autoencoder model" in capsys.readouterr().out
    emb = open_embeddings(store, 64, stride=16, name="autoencoder")
    assert emb.shape == (48, 2 * 16 * 16) and emb.attrs["model_kind"] == "autoencoder"


def test_command_errors_are_cloudorg_errors(store, tmp_path):
    bad = json.dumps({"model": {"backbone": "vgg"}})
    with pytest.raises(ConfigError, match=r"model\.backbone"):
        _cloudorg("train", str(store.path), "--config", bad, "--checkpoint", str(tmp_path / "x"))
    with pytest.raises(CloudorgError, match="cannot be read"):
        _cloudorg("embed", str(store.path), "--model", str(tmp_path / "missing.pt"))


@pytest.mark.parametrize(("command", "option"), [("train", "--checkpoint"), ("embed", "--model")])
def test_help_describes_the_commands(command, option, capsys):
    with pytest.raises(SystemExit) as exit_:
        _cloudorg(command, "--help")
    assert exit_.value.code == 0
    assert option in capsys.readouterr().out
