"""Tests of the supervised classifier (report section 8)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix, precision_score, recall_score

from cloudorg.errors import ConfigError
from cloudorg.models.classifier import (
    BalancedBatches,
    ClassifierConfig,
    ClassifierRunConfig,
    LabelledTiles,
    build_classifier,
    class_probabilities,
    class_weights,
    classification_metrics,
    train_classifier,
)
from cloudorg.models.config import TrainingConfig
from cloudorg.synthetic import synthesize_fields


@pytest.fixture(scope="module")
def sugar_flower_tiles() -> LabelledTiles:
    """32 px tiles of sugar-only and flower-only synthetic scenes (9 tiles per scene)."""
    images, labels, scenes = [], [], []
    for seed in range(6):
        for name, code in (("sugar", 1), ("flower", 4)):
            ds = synthesize_fields(
                (-58.0, -55.5, 12.0, 14.5), resolution_deg=0.02, patterns=name, seed=seed
            )
            r = ds.reflectance_0p64.values
            for i in range(0, r.shape[0] - 31, 32):
                for j in range(0, r.shape[1] - 31, 32):
                    images.append(r[None, i : i + 32, j : j + 32])
                    labels.append(code)
                    scenes.append(f"{name}{seed}")
    x = np.stack(images)
    x = (x - x.mean()) / x.std()
    return LabelledTiles(x, labels, scene_ids=scenes)


def test_default_architecture_is_the_reports() -> None:
    model = build_classifier()
    sizes = [m.out_features for m in model.head if isinstance(m, torch.nn.Linear)]
    assert sizes == [100, 30, 10, 5]
    assert model.backbone.out_features == 512
    p = model.predict_proba(torch.rand(2, 3, 32, 32))
    assert torch.allclose(p.sum(1), torch.ones(2), atol=1e-5)


def test_learns_sugar_vs_flower(sugar_flower_tiles: LabelledTiles) -> None:
    torch.set_num_threads(2)
    train, val = sugar_flower_tiles.split_by_scene(0.34, seed=0)
    assert not set(train.scene_ids) & set(val.scene_ids)
    assert set(val.labels.tolist()) == {1, 4}
    cfg = ClassifierRunConfig(
        model=ClassifierConfig(in_channels=1, width=4, hidden=(16, 8)),
        training=TrainingConfig(
            steps=120, batch_size=32, lr=3e-3, validate_every=60, mixed_precision=False
        ),
    )
    result = train_classifier(train, cfg, val=val, progress=False, device="cpu")
    assert "val_accuracy" in result.history
    pred = class_probabilities(result.model, val.images).argmax(1)
    metrics = classification_metrics(val.labels, pred)
    assert float(metrics.accuracy) > 0.8
    assert metrics.confusion.sum() == len(val)
    assert float(metrics.recall.loc["sugar"]) > 0.6
    assert float(metrics.recall.loc["flower"]) > 0.6


def test_balanced_sampling_and_weights_train(sugar_flower_tiles: LabelledTiles) -> None:
    keep = [i for i, y in enumerate(sugar_flower_tiles.labels.tolist()) if y == 1 or i % 6 == 0]
    data = sugar_flower_tiles.subset(keep)
    assert (data.labels == 4).sum() < (data.labels == 1).sum() / 3
    cfg = ClassifierRunConfig(
        model=ClassifierConfig(in_channels=1, width=4, hidden=(8,)),
        weighting="balanced",
        training=TrainingConfig(steps=3, batch_size=16, val_fraction=0.2, validate_every=3,
                                mixed_precision=False),
    )  # fmt: skip
    result = train_classifier(data, cfg, progress=False, device="cpu")
    assert "val_loss" in result.history and result.history.sizes["step"] == 3


def test_checkpoint_resumes_and_refuses_another_run(tmp_path) -> None:
    x, y = torch.rand(16, 1, 16, 16), torch.tensor([0, 1] * 8)
    model = ClassifierConfig(in_channels=1, width=4, hidden=(4,), n_classes=2)

    def run(steps: int, lr: float = 1e-3):
        cfg = ClassifierRunConfig(model=model, training=TrainingConfig(
            steps=steps, batch_size=8, lr=lr, val_fraction=0, checkpoint_every=2,
            mixed_precision=False))  # fmt: skip
        return train_classifier((x, y), cfg, checkpoint=tmp_path / "c.pt", progress=False,
                                device="cpu")  # fmt: skip

    first = run(2)
    assert (tmp_path / "c.pt").exists() and first.history.sizes["step"] == 2
    with pytest.raises(ConfigError):
        run(2, lr=0.5)


def test_balanced_batches_are_uniform_over_classes_and_resumable() -> None:
    data = LabelledTiles(torch.arange(100.0).reshape(100, 1, 1, 1), [0] * 95 + [3] * 5)
    src = BalancedBatches(data, data.labels, 1000, seed=1)
    _, y = next(src.batches())
    assert 400 < int((y == 3).sum()) < 600
    first = [b[0] for _, b in zip(range(3), src.batches(), strict=False)]
    again = next(src.batches(start=2))[0]
    assert torch.equal(first[2], again)


def test_class_weights_inverse_frequency() -> None:
    w = class_weights([1, 1, 1, 1, 2, 4, 4, 4], 5)
    assert w[0] == 0 and w[3] == 0
    assert torch.isclose(w[1] * 4, w[2]) and torch.isclose(w[4] * 3, w[2])
    assert torch.isclose(w[[1, 2, 4]].mean(), torch.tensor(1.0))


def test_metrics_match_sklearn() -> None:
    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    m = classification_metrics(t, p)
    np.testing.assert_array_equal(m.confusion.values, confusion_matrix(t, p, labels=range(5)))
    np.testing.assert_allclose(m.precision, precision_score(t, p, average=None))
    np.testing.assert_allclose(m.recall, recall_score(t, p, average=None))
    assert list(m["class"].values) == ["none", "sugar", "gravel", "fish", "flower"]


def test_errors_name_the_argument() -> None:
    with pytest.raises(ConfigError, match=r"classifier\.n_classes"):
        ClassifierConfig(n_classes=1)
    with pytest.raises(ConfigError, match="weighting"):
        ClassifierRunConfig(weighting="x")
    with pytest.raises(ConfigError, match="labels"):
        LabelledTiles(torch.zeros(3, 1, 4, 4), [1, 2])
    cfg = ClassifierRunConfig(model=ClassifierConfig(in_channels=1, width=4, n_classes=2))
    with pytest.raises(ConfigError, match="n_classes"):
        train_classifier((torch.zeros(4, 1, 8, 8), [0, 1, 2, 0]), cfg, progress=False)
