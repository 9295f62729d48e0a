"""Backbones and embedders: output shapes for every depth, tile size and channel count."""

from __future__ import annotations

import pytest
import torch

from cloudorg.errors import ConfigError
from cloudorg.models import Embedder, ModelConfig, build_embedder, resnet
from cloudorg.models.resnets import LAYOUTS


def _n_convs(net: torch.nn.Module) -> int:
    return sum(isinstance(m, torch.nn.Conv2d) for m in net.modules())


@pytest.mark.parametrize(
    ("name", "features", "convs"),
    # convs: 1 stem + 2 or 3 per block + one projection shortcut per stage (18: stages 2-4)
    [("resnet18", 64, 1 + 16 + 3), ("resnet34", 64, 1 + 32 + 3),
     ("resnet50", 256, 1 + 48 + 4), ("resnet101", 256, 1 + 99 + 4)],
)  # fmt: skip
def test_every_backbone_has_its_depth_and_feature_size(name, features, convs):
    net = resnet(name, in_channels=3, width=8)
    assert net.out_features == features
    assert _n_convs(net) == convs  # the weighted layers of He et al.: 18, 34, 50, 101 + shortcuts
    out = net(torch.rand(2, 3, 32, 32))
    assert out.shape == (2, features)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("tile", [32, 48, 64, 100])
@pytest.mark.parametrize("channels", [1, 3, 5])
def test_embedder_any_tile_size_and_channel_count(tile, channels):
    cfg = ModelConfig(in_channels=channels, width=4, embedding_dim=7, head_hidden=(16, 8))
    net = build_embedder(cfg).eval()
    with torch.no_grad():
        z = net(torch.rand(3, channels, tile, tile))
    assert z.shape == (3, 7)
    assert z.dtype == torch.float32


def test_non_square_tiles_and_wrong_channel_count():
    net = build_embedder(ModelConfig(in_channels=2, width=4, embedding_dim=3)).eval()
    assert net(torch.rand(1, 2, 40, 72)).shape == (1, 3)
    with pytest.raises(RuntimeError, match="channels"):
        net(torch.rand(1, 3, 32, 32))


def test_default_embedder_is_denby_2020_resnet18_to_100_d():
    net = Embedder(ModelConfig())
    assert net.backbone.out_features == 512
    assert net.head[-1].out_features == 100
    assert sum(p.numel() for p in net.backbone.parameters()) == pytest.approx(11.17e6, rel=0.01)


def test_frozen_backbone_keeps_weights_and_batch_norm_statistics():
    net = build_embedder(ModelConfig(in_channels=1, width=4, embedding_dim=3, freeze_backbone=True))
    before = {k: v.clone() for k, v in net.backbone.state_dict().items()}
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1)
    net.train()
    net(torch.rand(4, 1, 32, 32) * 10).sum().backward()
    opt.step()
    after = net.backbone.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.head.parameters())


def test_weights_depend_on_seed_only():
    cfg = ModelConfig(width=4, embedding_dim=3)
    a, b, c = (build_embedder(cfg, seed=s).state_dict() for s in (1, 1, 2))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["head.0.weight"], c["head.0.weight"])
    state = torch.random.get_rng_state()
    build_embedder(cfg, seed=5)
    assert torch.equal(state, torch.random.get_rng_state())  # the global RNG is untouched


def test_unknown_backbone_names_the_argument():
    with pytest.raises(ConfigError, match="backbone"):
        ModelConfig(backbone="vgg16")
    assert set(LAYOUTS) == {"resnet18", "resnet34", "resnet50", "resnet101"}
