"""DeepCluster (Caron et al. 2018; report section 11.1, equations 5-6).

Each epoch alternates

1. k-means (equation 5) on the backbone features of all tiles, PCA-whitened and
   L2-normalised, giving a pseudo-label per tile (empty clusters are re-seeded by
   splitting a non-empty one);
2. training of the backbone and a *fresh* linear head (softmax over the ``k`` clusters) on
   these pseudo-labels with the cross-entropy (equation 6), batches drawn uniformly over
   clusters, with :func:`~cloudorg.models.training.fit`.

The normalised mutual information between consecutive assignments measures how stable
the clustering has become.

Examples
--------
>>> import torch
>>> cfg = DeepClusterConfig(in_channels=1, width=4, n_clusters=2, pca_dim=4, epochs=2,
...     training=TrainingConfig(steps=2, batch_size=8, validate_every=0, mixed_precision=False))
>>> result = train_deepcluster(torch.rand(16, 1, 32, 32), cfg, progress=False, device="cpu")
>>> result.assignments.shape, result.nmi.dims
((2, 16), ('epoch',))
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import xarray as xr
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import normalized_mutual_info_score
from torch import nn

from ..errors import ConfigError
from .checkpoint import Checkpoint, save_checkpoint
from .classifier import BalancedBatches, LabelledTiles, classifier_step
from .config import BACKBONES, ConfigBase, DataConfig, TrainingConfig, _check
from .device import resolve_device
from .resnets import ResNet, resnet
from .tile2vec import random_dihedral
from .training import fit

__all__ = [
    "DeepClusterConfig",
    "DeepClusterResult",
    "cluster_features",
    "reseed_empty_clusters",
    "train_deepcluster",
]


@dataclass(frozen=True)
class DeepClusterConfig(ConfigBase):
    """A DeepCluster run.

    Parameters
    ----------
    backbone, in_channels, width
        The ResNet backbone :math:`f_\\theta`.
    n_clusters : int
        ``k`` (the report used 7).
    pca_dim : int
        Dimensions kept by the PCA whitening before k-means (at most the feature and
        tile counts).
    epochs : int
        Clustering / training alternations.
    augment : bool
        Random flips and rotations of the training tiles.
    training : TrainingConfig
        Optimisation of each epoch (``steps`` per epoch; the seed of epoch ``e`` is
        ``seed + e``).

    Examples
    --------
    >>> DeepClusterConfig(n_clusters=1)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: deepcluster.n_clusters: expected at least 2, got 1
    """

    backbone: str = "resnet18"
    in_channels: int = 3
    width: int = 64
    n_clusters: int = 7
    pca_dim: int = 64
    epochs: int = 10
    augment: bool = True
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def __post_init__(self) -> None:
        _check(self.backbone in BACKBONES, "deepcluster.backbone", f"one of {BACKBONES}",
               self.backbone)  # fmt: skip
        for name in ("in_channels", "width", "pca_dim", "epochs"):
            value = getattr(self, name)
            _check(value >= 1, f"deepcluster.{name}", "a positive integer", value)
        _check(self.n_clusters >= 2, "deepcluster.n_clusters", "at least 2", self.n_clusters)


@dataclass
class DeepClusterResult:
    """What :func:`train_deepcluster` returns.

    Attributes
    ----------
    backbone : ResNet
        The trained feature extractor (eval mode).
    head : torch.nn.Linear
        The head of the last epoch.
    assignments : xarray.DataArray
        ``(epoch, tile)`` cluster of each tile at each epoch's clustering.
    nmi : xarray.DataArray
        ``(epoch,)`` NMI between the assignments of epoch ``e`` and ``e - 1`` (NaN at 0).
    loss : xarray.DataArray
        ``(epoch,)`` mean training loss of each epoch.
    centroids : numpy.ndarray
        Centroids of the last clustering (in the whitened, normalised space).
    config : DeepClusterConfig
        The run's configuration.
    """

    backbone: ResNet
    head: nn.Linear
    assignments: xr.DataArray
    nmi: xr.DataArray
    loss: xr.DataArray
    centroids: np.ndarray
    config: DeepClusterConfig

    def save(self, path: str | os.PathLike[str], *, data: DataConfig | None = None) -> Path:
        """Write the backbone to a checkpoint (:func:`~.checkpoint.save_checkpoint`).

        Its configuration is ``{"deepcluster": {...}, "data": {...}}`` (``data``: the tiles
        the model is meant for, the defaults of :func:`cloudorg.models.embed`), its
        history the per-epoch ``loss`` and ``nmi``.

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.models.checkpoint import load_checkpoint
        >>> cfg = DeepClusterConfig(in_channels=1, width=4, n_clusters=2, pca_dim=2, epochs=1,
        ...     training=TrainingConfig(steps=1, batch_size=4, mixed_precision=False))
        >>> result = train_deepcluster(torch.rand(8, 1, 32, 32), cfg, progress=False)
        >>> path = result.save(tempfile.mkdtemp() + "/dc.pt", data=DataConfig(tile_size=64))
        >>> sorted(load_checkpoint(path).config), load_checkpoint(path).step
        (['data', 'deepcluster'], 1)
        """
        config = {"deepcluster": self.config.to_dict(), "data": (data or DataConfig()).to_dict()}
        history = {"epoch": self.loss["epoch"].values.tolist(), "loss": self.loss.values.tolist(),
                   "nmi": self.nmi.values.tolist()}  # fmt: skip
        state = {k: v.detach().cpu() for k, v in self.backbone.state_dict().items()}
        return save_checkpoint(path, Checkpoint(config, state, step=self.config.epochs,
                                                history=history, kind="deepcluster"))  # fmt: skip


def reseed_empty_clusters(
    features: np.ndarray, labels: np.ndarray, centroids: np.ndarray, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Give each empty cluster half of a random non-empty cluster (Caron et al. 2018).

    The empty cluster's centroid becomes the chosen cluster's centroid plus a small
    perturbation (and minus it for the chosen one); the chosen cluster's tiles are
    reassigned to the nearer of the two.

    Examples
    --------
    >>> f = np.array([[0.0], [0.1], [1.0], [1.1]])
    >>> labels, c = reseed_empty_clusters(f, np.array([0, 0, 0, 0]), np.array([[0.5], [9.0]]))
    >>> sorted(np.bincount(labels).tolist())
    [2, 2]
    """
    labels, centroids = labels.copy(), centroids.astype(np.float64, copy=True)
    rng = np.random.default_rng(seed)
    k = len(centroids)
    for c in range(k):
        counts = np.bincount(labels, minlength=k)
        if counts[c] > 0:
            continue
        donors = np.flatnonzero(counts > 1)
        if len(donors) == 0:
            break
        d = int(rng.choice(donors, p=counts[donors] / counts[donors].sum()))
        members = np.flatnonzero(labels == d)
        spread = features[members].std(0) + 1e-6
        eps = 1e-2 * spread * rng.standard_normal(features.shape[1])
        centroids[c], centroids[d] = centroids[d] + eps, centroids[d] - eps
        dc = ((features[members] - centroids[c]) ** 2).sum(1)
        dd = ((features[members] - centroids[d]) ** 2).sum(1)
        move = dc < dd
        if not move.any() or move.all():  # ties: split by the perturbation direction
            proj = (features[members] - centroids[d]) @ eps
            move = proj > np.median(proj)
            if not move.any():
                move[: len(members) // 2] = True
        labels[members[move]] = c
        centroids[c] = features[members[move]].mean(0)
        centroids[d] = features[members[~move]].mean(0)
    return labels, centroids


def cluster_features(
    features: np.ndarray, n_clusters: int, *, pca_dim: int = 64, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """k-means (equation 5) of features PCA-whitened to ``pca_dim`` and L2-normalised.

    Returns ``(labels, centroids)`` with no empty cluster.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = np.concatenate([rng.normal(0, 1, (20, 5)), rng.normal(8, 1, (20, 5))])
    >>> labels, _ = cluster_features(f, 2, pca_dim=3)
    >>> len(set(labels[:20])), len(set(labels[20:])), bool(labels[0] != labels[-1])
    (1, 1, True)
    """
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or len(f) < n_clusters:
        raise ConfigError(
            f"features: expected (N, D) with N >= n_clusters={n_clusters}, got {f.shape}"
        )
    dim = min(pca_dim, f.shape[0] - 1, f.shape[1])
    if dim >= 1:
        f = PCA(n_components=dim, whiten=True, random_state=seed).fit_transform(f)
    f = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
    km = KMeans(n_clusters=n_clusters, n_init=3, random_state=seed).fit(f)
    return reseed_empty_clusters(f, km.labels_.astype(np.int64), km.cluster_centers_, seed=seed)


@torch.no_grad()
def _features(backbone: nn.Module, x: torch.Tensor, device: torch.device) -> np.ndarray:
    backbone.eval()
    out = [backbone(x[i : i + 256].to(device)).float().cpu() for i in range(0, len(x), 256)]
    return torch.cat(out).numpy()


def _augment(batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
    return random_dihedral(batch[0]), batch[1]


def train_deepcluster(
    images: Any,
    config: DeepClusterConfig | None = None,
    *,
    device: str | torch.device = "auto",
    progress: bool = True,
    backbone: ResNet | None = None,
) -> DeepClusterResult:
    """Train a backbone with DeepCluster on unlabelled tiles.

    Parameters
    ----------
    images : tensor or array ``(N, C, H, W)``
        Tiles (all of them are clustered each epoch).
    config : DeepClusterConfig, optional
    device : str or torch.device
        ``"auto"``: CUDA when available, else the CPU.
    progress : bool
        Show progress bars.
    backbone : ResNet, optional
        Start from this (e.g. pre-trained) backbone instead of new weights.

    Returns
    -------
    DeepClusterResult

    Raises
    ------
    cloudorg.errors.ConfigError
        For images not ``(N, C, H, W)`` or fewer tiles than clusters.
    """
    config = config or DeepClusterConfig()
    tc = config.training
    x = torch.as_tensor(
        np.asarray(images) if not torch.is_tensor(images) else images, dtype=torch.float32
    )
    if x.ndim != 4 or x.shape[1] != config.in_channels:
        raise ConfigError(f"images: expected (N, {config.in_channels}, H, W), got {tuple(x.shape)}")
    if len(x) < max(config.n_clusters, tc.batch_size):
        raise ConfigError(f"images: {len(x)} tiles, fewer than n_clusters or training.batch_size")
    if backbone is None:
        state = torch.random.get_rng_state()
        torch.manual_seed(tc.seed)
        backbone = resnet(config.backbone, in_channels=config.in_channels, width=config.width)
        torch.random.set_rng_state(state)
    dev = resolve_device(device)
    backbone.to(dev)
    assignments, nmis, losses = [], [], []
    head = nn.Linear(backbone.out_features, config.n_clusters)
    centroids = np.zeros((0, 0))
    for epoch in range(config.epochs):
        seed = tc.seed + epoch
        labels, centroids = cluster_features(
            _features(backbone, x, dev), config.n_clusters, pca_dim=config.pca_dim, seed=seed
        )
        nmis.append(
            normalized_mutual_info_score(assignments[-1], labels) if assignments else np.nan
        )
        assignments.append(labels)
        torch.manual_seed(seed)
        head = nn.Linear(backbone.out_features, config.n_clusters)  # fresh head each epoch
        model = nn.Sequential(backbone, head)
        data = LabelledTiles(x, labels)
        epoch_config = TrainingConfig.from_dict({**tc.to_dict(), "seed": seed})
        result = fit(
            model, classifier_step(), BalancedBatches(data, labels, tc.batch_size, seed=seed),
            config=epoch_config, run_config={"deepcluster": config.to_dict(), "epoch": epoch},
            augment=_augment if config.augment else None, device=dev, progress=progress,
            desc=f"deepcluster {epoch}",
        )  # fmt: skip
        losses.append(float(result.history.loss.mean()))
    backbone.eval()
    epochs = np.arange(config.epochs)
    return DeepClusterResult(
        backbone=backbone,
        head=head,
        assignments=xr.DataArray(
            np.stack(assignments), dims=("epoch", "tile"), coords={"epoch": epochs}, name="cluster"
        ),
        nmi=xr.DataArray(
            np.asarray(nmis, dtype=float),
            dims="epoch",
            coords={"epoch": epochs},
            name="nmi",
            attrs={"long_name": "NMI with the previous epoch"},
        ),
        loss=xr.DataArray(
            np.asarray(losses),
            dims="epoch",
            coords={"epoch": epochs},
            name="loss",
            attrs={"long_name": "mean cross-entropy"},
        ),
        centroids=centroids,
        config=config,
    )
