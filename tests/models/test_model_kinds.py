"""The registry of model kinds: checkpoints record their kind, checkpoints written without
one still load, and what is not a kind is refused."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from cloudorg.errors import ConfigError
from cloudorg.models import AutoencoderConfig, AutoencoderRunConfig, TrainingConfig
from cloudorg.models.autoencoder import train_autoencoder
from cloudorg.models.checkpoint import (
    FORMAT,
    VERSION,
    Checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from cloudorg.models.tile_models import (
    MODEL_KINDS,
    TileModel,
    checkpoint_kind,
    load_tile_model,
)


def test_new_checkpoints_record_their_kind_and_old_ones_still_load(tmp_path):
    training = TrainingConfig(steps=2, batch_size=4, mixed_precision=False)
    run = AutoencoderRunConfig(model=AutoencoderConfig(in_channels=1, channels=(2,)),
                               training=training)  # fmt: skip
    trained = train_autoencoder(torch.rand(8, 1, 16, 16), run, checkpoint=tmp_path / "new.pt",
                                device="cpu", progress=False)  # fmt: skip
    assert torch.load(tmp_path / "new.pt", weights_only=True)["kind"] == "autoencoder"
    assert load_checkpoint(tmp_path / "new.pt").kind == "autoencoder"

    old = dataclasses.asdict(load_checkpoint(tmp_path / "new.pt"))
    del old["kind"]  # as written before checkpoints recorded their kind
    torch.save({"format": FORMAT, "version": VERSION, **old}, tmp_path / "old.pt")
    assert load_checkpoint(tmp_path / "old.pt").kind is None
    model, _ = load_tile_model(tmp_path / "old.pt")
    assert model.kind == "autoencoder"
    assert model.model_id == TileModel("autoencoder", run.model, trained.model).model_id


def test_the_recorded_kind_names_the_configuration_section():
    config = {"model": {"embedding_dim": 3}, "deepcluster": {"width": 4}}
    assert checkpoint_kind(config) == ("deepcluster", {"width": 4})  # by the layout
    assert checkpoint_kind(config, "tile2vec") == ("tile2vec", {"embedding_dim": 3})
    with pytest.raises(ConfigError, match="a classifier model without its 'model' config"):
        checkpoint_kind({"deepcluster": {}}, "classifier")


def test_unknown_kinds_and_objects_that_are_no_kind_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown model kind 'nope'; known: tile2vec, "):
        TileModel("nope", AutoencoderConfig(), torch.nn.Identity())
    with pytest.raises(TypeError, match=r"got int without label, .*output_dim, forward"):
        MODEL_KINDS.add("number", 3)
    assert "number" not in MODEL_KINDS
    other = save_checkpoint(tmp_path / "other.pt", Checkpoint({"weights": "of a Linear"}, {}))
    assert load_checkpoint(other).kind is None
    with pytest.raises(ConfigError, match="checkpoint: no model configuration"):
        load_tile_model(other)


def test_fit_records_the_kind_it_is_given_and_refuses_an_unknown_one(tmp_path):
    from cloudorg.models import ShuffledBatches, fit

    x = torch.rand(16, 3)
    data = ShuffledBatches(torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True)), 4)
    training = TrainingConfig(steps=2, batch_size=4, validate_every=0, mixed_precision=False)

    def step(model, batch):
        return torch.nn.functional.mse_loss(model(batch[0]), batch[1]), {}

    run = {"training": training.to_dict()}  # a layout no kind can be inferred from
    result = fit(torch.nn.Linear(3, 1), step, data, config=training, run_config=run,
                 checkpoint=tmp_path / "named.pt", kind="classifier", progress=False,
                 device="cpu")  # fmt: skip
    assert load_checkpoint(result.checkpoint).kind == "classifier"
    inferred = fit(torch.nn.Linear(3, 1), step, data, config=training, run_config=run,
                   checkpoint=tmp_path / "inferred.pt", progress=False, device="cpu")  # fmt: skip
    assert load_checkpoint(inferred.checkpoint).kind is None
    with pytest.raises(ConfigError, match=r"kind: expected one of the model kinds .*'nope'"):
        fit(torch.nn.Linear(3, 1), step, data, config=training, run_config=run, kind="nope",
            progress=False, device="cpu")  # fmt: skip
