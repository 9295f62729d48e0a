"""Tests of DeepCluster (report section 11.1, equations 5-6)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cloudorg.errors import ConfigError
from cloudorg.models.config import TrainingConfig
from cloudorg.models.deepcluster import (
    DeepClusterConfig,
    cluster_features,
    reseed_empty_clusters,
    train_deepcluster,
)
from cloudorg.synthetic import synthesize_fields


def sugar_flower_tiles() -> np.ndarray:
    images = []
    for seed in range(2):
        for name in ("sugar", "flower"):
            r = synthesize_fields(
                (-58.0, -55.5, 12.0, 14.5), resolution_deg=0.02, patterns=name, seed=seed
            ).reflectance_0p64.values
            images += [
                r[None, i : i + 32, j : j + 32] for i in range(0, 93, 16) for j in range(0, 93, 16)
            ]
    x = np.stack(images)
    return (x - x.mean()) / x.std()


def test_consecutive_assignments_stabilise() -> None:
    torch.set_num_threads(2)
    x = sugar_flower_tiles()
    cfg = DeepClusterConfig(
        in_channels=1, width=4, n_clusters=2, pca_dim=8, epochs=4,
        training=TrainingConfig(steps=10, batch_size=32, lr=3e-4, validate_every=0,
                                mixed_precision=False),
    )  # fmt: skip
    result = train_deepcluster(x, cfg, progress=False, device="cpu")
    assert result.assignments.shape == (4, len(x))
    for labels in result.assignments.values:  # no empty cluster
        assert np.bincount(labels, minlength=2).min() > 0
    nmi = result.nmi.values
    assert np.isnan(nmi[0]) and np.all((nmi[1:] >= 0) & (nmi[1:] <= 1))
    assert nmi[-1] > 0.6 and nmi[-1] >= nmi[1] - 0.15  # rises or stays high
    assert np.isfinite(result.loss.values).all()
    assert result.head.out_features == 2 and not result.backbone.training


def test_the_network_learns_to_predict_its_pseudo_labels() -> None:
    torch.set_num_threads(2)
    cfg = DeepClusterConfig(
        in_channels=1, width=4, n_clusters=2, pca_dim=8, epochs=2,
        training=TrainingConfig(steps=40, batch_size=32, lr=1e-2, validate_every=0,
                                mixed_precision=False),
    )  # fmt: skip
    result = train_deepcluster(sugar_flower_tiles(), cfg, progress=False, device="cpu")
    chance = np.log(2)  # cross-entropy of a fresh head that cannot tell the clusters apart
    assert result.loss.values[-1] < 0.75 * chance
    assert result.loss.values[-1] < result.loss.values[0]
    assert 0 <= result.nmi.values[-1] <= 1 and result.nmi.attrs["long_name"]


def test_cluster_features_separates_blobs_after_whitening() -> None:
    rng = np.random.default_rng(1)
    f = np.concatenate([rng.normal(0, 1, (30, 10)), rng.normal(0, 1, (30, 10)) + 6.0])
    labels, centroids = cluster_features(f, 2, pca_dim=5, seed=0)
    assert len(set(labels[:30])) == 1 and len(set(labels[30:])) == 1
    assert labels[0] != labels[-1]
    assert centroids.shape == (2, 5)
    with pytest.raises(ConfigError, match="features"):
        cluster_features(f[:1], 2)


def test_reseed_empty_clusters_splits_a_cluster() -> None:
    rng = np.random.default_rng(0)
    f = rng.normal(0, 1, (40, 3))
    labels = np.zeros(40, dtype=np.int64)
    labels[:10] = 1
    centroids = np.stack([f[10:].mean(0), f[:10].mean(0), np.full(3, 50.0), np.full(3, 60.0)])
    new, c = reseed_empty_clusters(f, labels, centroids, seed=0)
    counts = np.bincount(new, minlength=4)
    assert counts.min() > 0 and counts.sum() == 40
    assert np.all(new[labels == 1] == 1) or counts[1] < 10  # only existing members moved
    assert np.isfinite(c).all() and np.abs(c).max() < 50


def test_errors() -> None:
    with pytest.raises(ConfigError, match=r"deepcluster\.n_clusters"):
        DeepClusterConfig(n_clusters=1)
    with pytest.raises(ConfigError, match="images"):
        train_deepcluster(torch.rand(4, 3, 8, 8), DeepClusterConfig(in_channels=1))
