"""Normalised embeddings, the remedy of the embedding-collapse study (docs/models.md)."""

from __future__ import annotations

import torch

from cloudorg.models import ModelConfig, Tile2VecConfig, build_embedder
from cloudorg.models.checkpoint import model_id


def test_normalised_embeddings_lie_on_the_unit_sphere():
    config = ModelConfig(in_channels=1, width=4, embedding_dim=6, normalise=True)
    net = build_embedder(config, seed=0).eval()
    z = net(torch.rand(5, 1, 32, 32, generator=torch.Generator().manual_seed(0)))
    torch.testing.assert_close(torch.linalg.vector_norm(z, dim=1), torch.ones(5))
    plain = build_embedder(config.replace(normalise=False), seed=0).eval()
    raw = plain(torch.rand(5, 1, 32, 32, generator=torch.Generator().manual_seed(0)))
    torch.testing.assert_close(z, torch.nn.functional.normalize(raw, dim=1))
    assert not torch.allclose(torch.linalg.vector_norm(raw, dim=1), torch.ones(5))


def test_the_option_keeps_the_ids_of_models_made_before_it():
    """Configurations without normalisation serialise as before, so stored embeddings of
    earlier models keep their model id; with it, the id differs and the option survives
    a round trip."""
    plain, normalised = ModelConfig(width=4), ModelConfig(width=4, normalise=True)
    assert "normalise" not in plain.to_dict()
    state = build_embedder(plain).state_dict()
    assert model_id(plain.to_dict(), state) != model_id(normalised.to_dict(), state)
    config = Tile2VecConfig(model=normalised)
    assert Tile2VecConfig.from_json(config.to_json()).model.normalise is True
    assert ModelConfig.from_dict(plain.to_dict()) == plain
