"""Tile2Vec training: learning, determinism, validation by scene, resume, history."""

from __future__ import annotations

import pytest
import torch

from cloudorg.errors import ConfigError
from cloudorg.models import (
    ModelConfig,
    Tile2VecConfig,
    TrainingConfig,
    TripletConfig,
    TripletTensors,
    load_checkpoint,
    load_embedder,
    train_tile2vec,
)
from cloudorg.plots import plot_history
from cloudorg.synthetic import synthetic_triplets

TINY = ModelConfig(in_channels=1, width=8, embedding_dim=16, head_hidden=(32,))


def _config(**training) -> Tile2VecConfig:
    defaults = {"steps": 8, "batch_size": 8, "lr": 3e-3, "val_fraction": 0.0,
                "validate_every": 0, "checkpoint_every": 3}  # fmt: skip
    return Tile2VecConfig(model=TINY, training=TrainingConfig(**{**defaults, **training}))


@pytest.fixture(scope="module")
def triplets() -> TripletTensors:
    return synthetic_triplets(192, tile_size=32, n_scenes=6, seed=0)


def _weights_equal(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_loss_falls_and_neighbours_end_closer_than_distant_tiles(triplets):
    cfg = _config(steps=120, batch_size=32, val_fraction=0.2, validate_every=40)
    h = train_tile2vec(triplets, cfg, device="cpu", progress=False).history
    assert h.sizes["step"] == 120 and h.step.values[0] == 1
    first, last = slice(0, 20), slice(-20, None)
    assert h.loss[last].mean() < 0.75 * h.loss[first].mean()
    assert h.d_neighbour[last].mean() < h.d_distant[last].mean()
    # held-out scenes: the embedding generalises to scenes it never saw
    assert h.val_step.values.tolist() == [40, 80, 120]
    assert h.val_d_neighbour[-1] < h.val_d_distant[-1]
    assert h.val_loss[-1] < h.val_loss[0]
    assert h.loss.attrs["long_name"] == "triplet loss"
    assert Tile2VecConfig.from_json(h.attrs["config"]) == cfg


def test_validation_scenes_are_never_trained_on(triplets):
    train, val = triplets.split_by_scene(0.34, seed=0)
    assert len(train) + len(val) == len(triplets)
    assert not set(train.scene_ids) & set(val.scene_ids)
    assert len(set(val.scene_ids)) == 2  # round(0.34 * 6) scenes


def test_same_seed_same_weights_other_seed_other_weights(triplets):
    a = train_tile2vec(triplets, _config(seed=1), progress=False)
    b = train_tile2vec(triplets, _config(seed=1), progress=False)
    c = train_tile2vec(triplets, _config(seed=2), progress=False)
    assert _weights_equal(a.model, b.model)
    assert a.history.loss.values.tolist() == b.history.loss.values.tolist()
    assert not _weights_equal(a.model, c.model)


class _Interrupted(TripletTensors):
    """Triplets whose reading is interrupted (Ctrl-C) when batch ``stop`` is asked for."""

    def __init__(self, data: TripletTensors, stop: int) -> None:
        super().__init__(*data.tensors, scene_ids=data.scene_ids)
        self.stop, self.calls = stop, 0

    def __getitems__(self, indices):
        self.calls += 1
        if self.calls == self.stop:
            raise KeyboardInterrupt
        return super().__getitems__(indices)


def test_resume_after_interruption_equals_an_uninterrupted_run(triplets, tmp_path):
    cfg = _config(steps=8, checkpoint_every=3)  # augmentation on: RNG states must resume
    assert cfg.triplet.augment
    whole = train_tile2vec(triplets, cfg, checkpoint=tmp_path / "whole.pt", progress=False)

    path = tmp_path / "broken.pt"
    with pytest.raises(KeyboardInterrupt):
        train_tile2vec(_Interrupted(triplets, stop=6), cfg, checkpoint=path, progress=False)
    assert load_checkpoint(path).step == 3  # checkpoints at steps 3 and 6; died in step 6
    resumed = train_tile2vec(triplets, cfg, checkpoint=path, progress=False)

    assert _weights_equal(whole.model, resumed.model)
    assert whole.history.loss.values.tolist() == resumed.history.loss.values.tolist()
    assert resumed.history.step.values.tolist() == list(range(1, 9))
    final = load_checkpoint(path)
    assert final.step == 8 and final.sampler == {"batches": 8}
    assert load_embedder(path).model_id == resumed.model.cpu().model_id


def test_a_finished_run_is_not_trained_again(triplets, tmp_path):
    path = tmp_path / "run.pt"
    first = train_tile2vec(triplets, _config(steps=4), checkpoint=path, progress=False)
    again = train_tile2vec(triplets, _config(steps=4), checkpoint=path, progress=False)
    assert _weights_equal(first.model, again.model)
    assert again.history.sizes["step"] == 4


def test_checkpoint_of_another_config_is_refused(triplets, tmp_path):
    path = tmp_path / "run.pt"
    train_tile2vec(triplets, _config(steps=3), checkpoint=path, progress=False)
    other = _config(steps=3).replace(triplet=TripletConfig(margin=0.5))
    with pytest.raises(ConfigError, match=r"triplet\.margin: expected 0\.5, found 1\.0"):
        train_tile2vec(triplets, other, checkpoint=path, progress=False)
    with pytest.raises(ConfigError, match=r"model\.width: expected 16, found 8"):
        load_embedder(path, expect=TINY.replace(width=16))


class _InterruptedStream:
    """An iterable of batches interrupted (Ctrl-C) at its ``stop``-th batch overall."""

    def __init__(self, batches: list, stop: int) -> None:
        self.batches, self.stop, self.yielded = batches, stop, 0

    def __iter__(self):
        for batch in self.batches:
            self.yielded += 1
            if self.yielded == self.stop:
                raise KeyboardInterrupt
            yield batch


def test_streams_of_batches_train_and_resume(triplets, tmp_path):
    batches = [tuple(t[i : i + 8] for t in triplets.tensors) for i in range(0, 64, 8)]
    cfg = _config(steps=12, checkpoint_every=5)  # 8 batches per pass: the stream repeats
    whole = train_tile2vec(batches, cfg, progress=False)
    path = tmp_path / "s.pt"
    with pytest.raises(KeyboardInterrupt):
        train_tile2vec(_InterruptedStream(batches, 11), cfg, checkpoint=path, progress=False)
    assert load_checkpoint(path).sampler == {"batches": 10}
    resumed = train_tile2vec(batches, cfg, checkpoint=path, progress=False)
    assert _weights_equal(whole.model, resumed.model)
    with pytest.raises(ConfigError, match="ran out after 0 batches"):
        train_tile2vec([], cfg, progress=False)


def test_tiny_datasets_and_frozen_everything_are_refused(triplets):
    with pytest.raises(ConfigError, match="batch_size 500"):
        train_tile2vec(triplets, _config(batch_size=500), progress=False)
    frozen = Tile2VecConfig(model=ModelConfig(width=4, head_hidden=(), freeze_backbone=True))
    assert train_tile2vec(synthetic_triplets(8, n_scenes=2, variables=["reflectance_0p47",
                          "reflectance_0p64", "reflectance_0p86"]),
                          frozen.replace(training=TrainingConfig(steps=1, batch_size=4,
                          val_fraction=0)), progress=False).history.sizes["step"] == 1  # fmt: skip


def test_history_figure_has_the_distance_curves(triplets, tmp_path):
    h = train_tile2vec(triplets, _config(steps=4, val_fraction=0.2, validate_every=2),
                       progress=False).history  # fmt: skip
    fig = plot_history(h)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "d_neighbour", "d_distant"]
    assert len(fig.axes[1].lines) == 2  # training and validation
    fig.savefig(tmp_path / "history.png")
    assert (tmp_path / "history.png").stat().st_size > 1000


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_training_with_bf16_autocast(triplets):
    result = train_tile2vec(triplets, _config(steps=3), device="cuda", progress=False)
    assert next(result.model.parameters()).is_cuda
    assert result.history.loss.notnull().all()
