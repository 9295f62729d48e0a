"""Embedding models: plain-torch ResNets, Tile2Vec triplet training, streaming inference.

- :mod:`~cloudorg.models.config`: one serialisable configuration per run
  (:class:`Tile2VecConfig` = :class:`ModelConfig` + :class:`TripletConfig` +
  :class:`TrainingConfig`);
- :mod:`~cloudorg.models.resnet`, :mod:`~cloudorg.models.embedder`: ResNet-18/34/50/101
  backbones for any channel count and tile size, and the embedder (backbone + head);
- :mod:`~cloudorg.models.loss`: the triplet loss of the report's equation 3;
- :mod:`~cloudorg.models.training` (with :mod:`~cloudorg.models.data`,
  :mod:`~cloudorg.models.checkpoint`, :mod:`~cloudorg.models.device`,
  :mod:`~cloudorg.models.history`): a reusable, resumable training loop around a step
  function; :mod:`~cloudorg.models.tile2vec`: Tile2Vec training with it;
- :mod:`~cloudorg.models.sources`: triplets of a campaign store (the tiles loader);
  :mod:`~cloudorg.models.inference`: streaming embedding of a store's tiles into it;
- :mod:`~cloudorg.models.classifier`: supervised ResNet + perceptron classifier (report
  section 8); :mod:`~cloudorg.models.gradcam`: Grad-CAM heat maps and feature maps;
  :mod:`~cloudorg.models.autoencoder`: the convolutional autoencoder of Table 3;
  :mod:`~cloudorg.models.deepcluster`: DeepCluster (section 11.1);
- :mod:`~cloudorg.models.commands`: the ``cloudorg train`` and ``cloudorg embed`` commands.

See ``docs/models.md`` and ``docs/supervised.md``.

Examples
--------
>>> import torch
>>> from cloudorg.models import ModelConfig, build_embedder
>>> build_embedder(ModelConfig(width=4, embedding_dim=10))(torch.rand(2, 3, 64, 64)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

from cloudorg.models.autoencoder import (
    Autoencoder,
    AutoencoderConfig,
    AutoencoderRunConfig,
    autoencoder_embeddings,
    build_autoencoder,
    plot_reconstructions,
    train_autoencoder,
)
from cloudorg.models.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    model_id,
    save_checkpoint,
)
from cloudorg.models.classifier import (
    BalancedBatches,
    Classifier,
    ClassifierConfig,
    ClassifierRunConfig,
    LabelledTiles,
    build_classifier,
    class_weights,
    classification_metrics,
    predict,
    train_classifier,
)
from cloudorg.models.config import (
    DataConfig,
    ModelConfig,
    Tile2VecConfig,
    TrainingConfig,
    TripletConfig,
)
from cloudorg.models.data import ShuffledBatches, StreamBatches, TripletTensors, split_scenes
from cloudorg.models.deepcluster import (
    DeepClusterConfig,
    DeepClusterResult,
    cluster_features,
    reseed_empty_clusters,
    train_deepcluster,
)
from cloudorg.models.device import resolve_device, set_torch_threads
from cloudorg.models.embedder import Embedder, build_embedder, load_embedder
from cloudorg.models.gradcam import (
    centroid_similarity,
    feature_maps,
    grad_cam,
    plot_feature_maps,
    plot_gradcam,
)
from cloudorg.models.history import history_dataset, plot_history
from cloudorg.models.inference import embed, open_embeddings
from cloudorg.models.loss import TripletLoss, triplet_distances, triplet_loss
from cloudorg.models.resnet import ResNet, resnet
from cloudorg.models.sources import StoreTriplets, triplets_from_store
from cloudorg.models.synthetic import synthetic_triplets
from cloudorg.models.tile2vec import train_tile2vec
from cloudorg.models.training import TrainResult, fit

__all__ = [
    "Autoencoder",
    "AutoencoderConfig",
    "AutoencoderRunConfig",
    "BalancedBatches",
    "Checkpoint",
    "CheckpointError",
    "Classifier",
    "ClassifierConfig",
    "ClassifierRunConfig",
    "DataConfig",
    "DeepClusterConfig",
    "DeepClusterResult",
    "Embedder",
    "LabelledTiles",
    "ModelConfig",
    "ResNet",
    "ShuffledBatches",
    "StoreTriplets",
    "StreamBatches",
    "Tile2VecConfig",
    "TrainResult",
    "TrainingConfig",
    "TripletConfig",
    "TripletLoss",
    "TripletTensors",
    "autoencoder_embeddings",
    "build_autoencoder",
    "build_classifier",
    "build_embedder",
    "centroid_similarity",
    "class_weights",
    "classification_metrics",
    "cluster_features",
    "embed",
    "feature_maps",
    "fit",
    "grad_cam",
    "history_dataset",
    "load_checkpoint",
    "load_embedder",
    "model_id",
    "open_embeddings",
    "plot_feature_maps",
    "plot_gradcam",
    "plot_history",
    "plot_reconstructions",
    "predict",
    "reseed_empty_clusters",
    "resnet",
    "resolve_device",
    "save_checkpoint",
    "set_torch_threads",
    "split_scenes",
    "synthetic_triplets",
    "train_autoencoder",
    "train_classifier",
    "train_deepcluster",
    "train_tile2vec",
    "triplet_distances",
    "triplet_loss",
    "triplets_from_store",
]
