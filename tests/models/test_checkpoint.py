"""Checkpoints: format, weights_only loading (no unpickling of user files), RNG states."""

from __future__ import annotations

import pathlib
import random

import numpy as np
import pytest
import torch

from cloudorg.errors import ConfigError
from cloudorg.models import (
    Checkpoint,
    CheckpointError,
    ModelConfig,
    build_embedder,
    load_checkpoint,
    load_embedder,
    model_id,
    save_checkpoint,
)
from cloudorg.models.checkpoint import capture_rng_state, restore_rng_state


class _Payload:
    """Unpickling this runs code: it creates the file ``marker``."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_a_pickle_that_runs_code_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"format": "cloudorg-checkpoint", "version": 1, "model": _Payload(marker)}, path)
    with pytest.raises(CheckpointError, match="refusing to unpickle"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError):
        load_embedder(path)
    assert not marker.exists()


def test_foreign_and_broken_files_are_refused(tmp_path):
    net = build_embedder(ModelConfig(width=4, embedding_dim=3))
    torch.save(net.state_dict(), tmp_path / "plain.pt")  # a bare state_dict: no config
    with pytest.raises(CheckpointError, match="not a cloudorg checkpoint"):
        load_checkpoint(tmp_path / "plain.pt")
    good = save_checkpoint(tmp_path / "good.pt", Checkpoint({"model": net.config.to_dict()},
                                                           net.state_dict()))  # fmt: skip
    (tmp_path / "cut.pt").write_bytes(good.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_checkpoint(tmp_path / "cut.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.pt", "good.pt", "plain.pt"]


def test_checkpoint_round_trip_keeps_everything(tmp_path):
    net = build_embedder(ModelConfig(width=4, embedding_dim=3))
    opt = torch.optim.Adam(net.parameters())
    net(torch.rand(2, 3, 32, 32)).sum().backward()
    opt.step()
    saved = Checkpoint(
        config={"model": net.config.to_dict(), "training": {"steps": 9}}, model=net.state_dict(),
        step=4, optimizer=opt.state_dict(), rng=capture_rng_state(), sampler={"batches": 4},
        history={"step": [1, 2], "loss": [0.5, 0.25]},
    )  # fmt: skip
    back = load_checkpoint(save_checkpoint(tmp_path / "c.pt", saved))
    assert back.step == 4 and back.sampler == {"batches": 4} and back.history == saved.history
    assert model_id(back.config["model"], back.model) == net.model_id
    opt2 = torch.optim.Adam(net.parameters())
    opt2.load_state_dict(back.optimizer)
    assert torch.equal(
        opt2.state_dict()["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"]
    )
    with pytest.raises(ConfigError, match=r"training\.steps: expected 10, found 9"):
        load_checkpoint(tmp_path / "c.pt", expect={"training": {"steps": 10}})


def test_rng_states_of_python_numpy_and_torch_are_restored():
    state = capture_rng_state()
    first = (random.random(), np.random.random(), torch.rand(1).item())  # noqa: NPY002
    restore_rng_state(state)
    assert (random.random(), np.random.random(), torch.rand(1).item()) == first  # noqa: NPY002


def test_model_id_follows_config_and_weights():
    cfg = ModelConfig(width=4, embedding_dim=3)
    a, b = build_embedder(cfg, seed=0), build_embedder(cfg, seed=0)
    assert a.model_id == b.model_id
    with torch.no_grad():
        b.head[-1].bias += 1e-6
    assert a.model_id != b.model_id
    assert model_id({"x": 1}, a.state_dict()) != a.model_id
