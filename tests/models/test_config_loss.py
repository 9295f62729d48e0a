"""Configurations (dataclass <-> JSON) and the triplet loss of equation 3."""

from __future__ import annotations

import json

import pytest
import torch

from cloudorg.errors import ConfigError
from cloudorg.models import (
    ModelConfig,
    Tile2VecConfig,
    TrainingConfig,
    TripletConfig,
    TripletLoss,
    triplet_distances,
    triplet_loss,
)


def test_config_round_trips_through_json_file(tmp_path):
    cfg = Tile2VecConfig(
        model=ModelConfig(backbone="resnet50", in_channels=4, head_hidden=(64, 32)),
        triplet=TripletConfig(margin=0.5, l2=0.01, squared=True),
        training=TrainingConfig(steps=7, grad_clip=1.0, optimizer="sgd"),
    )
    cfg.to_json(tmp_path / "c.json")
    back = Tile2VecConfig.from_json(tmp_path / "c.json")
    assert back == cfg
    assert back.model.head_hidden == (64, 32)  # lists come back as tuples
    assert json.loads(cfg.to_json())["training"]["grad_clip"] == 1.0


def test_missing_keys_take_defaults_and_configs_are_frozen():
    cfg = Tile2VecConfig.from_dict({"training": {"steps": 3}})
    assert cfg.training.steps == 3 and cfg.model == ModelConfig()
    with pytest.raises(AttributeError):
        cfg.training.steps = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"model": {"widht": 8}}, "unknown key 'model.widht'"),
        ({"model": {"width": "8"}}, "width: expected an integer"),
        ({"model": {"width": True}}, "width: expected an integer"),
        ({"training": {"lr": "fast"}}, "lr: expected a number"),
        ({"training": {"lr": -1}}, "training.lr: expected a positive number"),
        ({"training": {"val_fraction": 1.0}}, r"val_fraction: expected a number in \[0, 1\)"),
        ({"triplet": {"margin": -0.1}}, "triplet.margin"),
        ({"model": {"head_hidden": [8, 0]}}, "head_hidden"),
        ({"model": []}, "model: expected a mapping"),
    ],
)
def test_bad_config_values_name_the_key(data, message):
    with pytest.raises(ConfigError, match=message):
        Tile2VecConfig.from_dict(data)


def test_from_json_reports_unreadable_file_and_bad_json(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        Tile2VecConfig.from_json(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        Tile2VecConfig.from_json(tmp_path / "bad.json")


def test_triplet_loss_is_equation_3():
    g = torch.Generator().manual_seed(0)
    za, zn, zd = (torch.randn(16, 5, generator=g) for _ in range(3))
    dn = ((za - zn) ** 2).sum(1).sqrt()
    dd = ((za - zd) ** 2).sum(1).sqrt()
    expected = torch.clamp(dn - dd + 0.7, min=0).mean()
    assert torch.allclose(triplet_loss(za, zn, zd, margin=0.7), expected)
    got_dn, got_dd = triplet_distances(za, zn, zd)
    assert torch.allclose(got_dn, dn) and torch.allclose(got_dd, dd)
    squared = torch.clamp(dn**2 - dd**2 + 0.7, min=0).mean()
    assert torch.allclose(triplet_loss(za, zn, zd, margin=0.7, squared=True), squared)


def test_l2_penalty_is_per_sample_embedding_norms():
    za, zn, zd = torch.full((2, 4), 1.0), torch.full((2, 4), 1.0), torch.full((2, 4), -1.0)
    # d_n = 0, d_d = 4 > margin: the hinge is 0; each norm is 2
    assert triplet_loss(za, zn, zd, margin=1.0).item() == 0.0
    assert triplet_loss(za, zn, zd, margin=1.0, l2=0.1).item() == pytest.approx(0.1 * 6.0)
    module = TripletLoss(TripletConfig(margin=1.0, l2=0.1))
    assert module(za, zn, zd).item() == pytest.approx(0.6)


def test_margin_bounds_how_far_distant_tiles_are_pushed():
    za = torch.zeros(1, 2, requires_grad=True)
    zd = torch.tensor([[3.0, 4.0]], requires_grad=True)  # d_d = 5
    zn = torch.zeros(1, 2, requires_grad=True)  # d_n = 0, so the hinge is active iff m > 5
    triplet_loss(za, zn, zd, margin=1.0).backward()
    assert zd.grad.abs().sum() == 0
    triplet_loss(za, zn, zd, margin=6.0).backward()
    assert torch.allclose(zd.grad, torch.tensor([[-0.6, -0.8]]))  # pushes zd away from za
    assert torch.isfinite(za.grad).all() and torch.isfinite(zn.grad).all()  # d_n = 0 is safe


def test_mismatched_embedding_shapes_are_refused():
    with pytest.raises(ConfigError, match="equal shape"):
        triplet_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3, 3))
