"""A synthetic campaign store with cloud metrics and embeddings, shared by the store-level
analysis and report tests."""

from __future__ import annotations

import pytest

from cloudorg.models import ModelConfig, build_embedder, embed
from cloudorg.store import CampaignStore
from cloudorg.synthetic.analysis import example_campaign

N_SCENES = 6
_BUILT: dict[str, CampaignStore] = {}
"""The campaign of each test session: the report tests import the fixture, which makes it
a fixture of its own there, so the store is kept here to be built once."""


def tiny_embedder():
    """An untrained ResNet embedder of 8 dimensions (any tile size)."""
    return build_embedder(ModelConfig(width=4, embedding_dim=8))


@pytest.fixture(scope="session")
def embedded_campaign(tmp_path_factory) -> CampaignStore:
    """Six synthetic ABI scenes at 2 km, 64-px tiles (54) labelled by the ground-truth
    pattern, with greyscale cloud metrics and the embeddings of an untrained embedder."""
    key = str(tmp_path_factory.getbasetemp())
    if key not in _BUILT:
        store = example_campaign(tmp_path_factory.mktemp("campaign") / "c.zarr", N_SCENES)
        embed(store, tiny_embedder(), tile_size=64, client="synchronous", progress=False)
        _BUILT[key] = store
    return _BUILT[key]
