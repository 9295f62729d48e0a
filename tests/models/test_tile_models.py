"""Every kind of model as a TileModel: rebuilt from its weights, recognised in checkpoints."""

from __future__ import annotations

import pytest
import torch

from cloudorg.errors import ConfigError
from cloudorg.models import (
    AutoencoderConfig,
    AutoencoderRunConfig,
    ClassifierConfig,
    ClassifierRunConfig,
    DeepClusterConfig,
    ModelConfig,
    Tile2VecConfig,
    TrainingConfig,
    build_autoencoder,
    build_classifier,
    build_embedder,
    train_deepcluster,
)
from cloudorg.models.tile_models import (
    as_tile_model,
    checkpoint_kind,
    load_tile_model,
    tile_model_from_state,
)


def _deepcluster():
    training = TrainingConfig(steps=1, batch_size=4, mixed_precision=False)
    cfg = DeepClusterConfig(in_channels=3, width=4, n_clusters=2, pca_dim=2, epochs=1,
                            training=training)  # fmt: skip
    return train_deepcluster(torch.rand(8, 3, 32, 32), cfg, progress=False, device="cpu")


MODELS = {
    "tile2vec": lambda: build_embedder(ModelConfig(width=4, embedding_dim=5)),
    "autoencoder": lambda: build_autoencoder(AutoencoderConfig(channels=(4, 2))),
    "deepcluster": _deepcluster,
    "classifier": lambda: build_classifier(ClassifierConfig(width=4, hidden=(4,))),
}
WIDTHS = {"tile2vec": 5, "autoencoder": 2 * 16 * 16, "deepcluster": 32, "classifier": 5}


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_each_kind_is_rebuilt_from_its_weights_as_workers_do(kind):
    model = as_tile_model(MODELS[kind]()).eval()
    assert model.kind == kind and model.output_dim(64) == WIDTHS[kind] and model.in_channels == 3
    again = tile_model_from_state(kind, model.config.to_dict(), model.net.state_dict())
    assert again.model_id == model.model_id and not again.training
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        out = model(x)
        assert out.shape == (2, WIDTHS[kind]) and torch.allclose(again(x), out)
    if kind == "classifier":
        assert torch.allclose(out.sum(1), torch.ones(2), atol=1e-5)


def test_checkpoint_kind_of_every_training_run():
    runs = {
        "tile2vec": Tile2VecConfig().to_dict(),
        "autoencoder": AutoencoderRunConfig().to_dict(),
        "classifier": ClassifierRunConfig().to_dict(),
        "deepcluster": {"deepcluster": DeepClusterConfig().to_dict()},
    }
    for kind, config in runs.items():
        assert checkpoint_kind(config)[0] == kind
    with pytest.raises(ConfigError, match="no model configuration"):
        checkpoint_kind({"model": {"width": 4}})


def test_deepcluster_checkpoint_gives_its_backbone(tmp_path):
    result = _deepcluster()
    model, data = load_tile_model(result.save(tmp_path / "dc.pt"))
    assert model.kind == "deepcluster" and data.tile_size == 256
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(model(x), result.backbone(x))
    with pytest.raises(ConfigError, match="model: expected an Embedder"):
        as_tile_model(result.backbone)
