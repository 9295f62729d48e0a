"""Embedding models: plain-torch ResNets, Tile2Vec triplet training, streaming inference.

- :mod:`~cloudorg.models.config`: one serialisable configuration per run
  (:class:`Tile2VecConfig` = :class:`ModelConfig` + :class:`TripletConfig` +
  :class:`TrainingConfig`);
- :mod:`~cloudorg.models.resnets`, :mod:`~cloudorg.models.embedder`: ResNet-18/34/50/101
  backbones for any channel count and tile size, and the embedder (backbone + head);
- :mod:`~cloudorg.models.loss`: the triplet loss of the report's equation 3;
- :mod:`~cloudorg.models.training` (with :mod:`~cloudorg.models.data`,
  :mod:`~cloudorg.models.checkpoint`, :mod:`~cloudorg.models.device`,
  :mod:`~cloudorg.models.history`): a reusable, resumable training loop around a step
  function; :mod:`~cloudorg.models.tile2vec`: Tile2Vec training with it;
- :mod:`~cloudorg.models.sources`: triplets and labelled tiles of a campaign store (the
  tiles loader);
  :mod:`~cloudorg.models.inference`: streaming embedding (or class probabilities) of a
  store's tiles into it, for every kind of model of :mod:`~cloudorg.models.tile_models`;
- :mod:`~cloudorg.models.classifier`: supervised ResNet + perceptron classifier (report
  section 8) and its report; :mod:`~cloudorg.models.gradcam`: Grad-CAM heat maps and feature maps;
  :mod:`~cloudorg.models.autoencoder`: the convolutional autoencoder of Table 3;
  :mod:`~cloudorg.models.deepcluster`: DeepCluster (section 11.1);
- the ``cloudorg train``, ``cloudorg embed`` and ``cloudorg classify`` commands are in
  :mod:`cloudorg.cli.models`.

Their figures (training curves, confusion matrices, Grad-CAM, reconstructions) are in
:mod:`cloudorg.plots`. See ``docs/models.md`` and ``docs/supervised.md``.

Examples
--------
>>> import torch
>>> from cloudorg.models import ModelConfig, build_embedder
>>> build_embedder(ModelConfig(width=4, embedding_dim=10))(torch.rand(2, 3, 64, 64)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

from cloudorg._lazy import lazy_exports

_EXPORTS = {
    "embed_tiles": "arrays",
    "Autoencoder": "autoencoder",
    "AutoencoderConfig": "autoencoder",
    "AutoencoderRunConfig": "autoencoder",
    "autoencoder_embeddings": "autoencoder",
    "build_autoencoder": "autoencoder",
    "reconstruct": "autoencoder",
    "train_autoencoder": "autoencoder",
    "Checkpoint": "checkpoint",
    "CheckpointError": "checkpoint",
    "load_checkpoint": "checkpoint",
    "model_id": "checkpoint",
    "save_checkpoint": "checkpoint",
    "BalancedBatches": "classifier",
    "Classifier": "classifier",
    "ClassifierConfig": "classifier",
    "ClassifierRunConfig": "classifier",
    "LabelledTiles": "classifier",
    "build_classifier": "classifier",
    "class_probabilities": "classifier",
    "class_weights": "classifier",
    "classification_metrics": "classifier",
    "default_class_names": "classifier",
    "train_classifier": "classifier",
    "labelled_tiles_from_store": "sources",
    "metrics_summary": "classifier",
    "DataConfig": "config",
    "ModelConfig": "config",
    "Tile2VecConfig": "config",
    "TrainingConfig": "config",
    "TripletConfig": "config",
    "ShuffledBatches": "data",
    "StreamBatches": "data",
    "TripletTensors": "data",
    "split_scenes": "data",
    "DeepClusterConfig": "deepcluster",
    "DeepClusterResult": "deepcluster",
    "cluster_features": "deepcluster",
    "reseed_empty_clusters": "deepcluster",
    "train_deepcluster": "deepcluster",
    "resolve_device": "device",
    "set_torch_threads": "device",
    "Embedder": "embedder",
    "build_embedder": "embedder",
    "load_embedder": "embedder",
    "centroid_similarity": "gradcam",
    "feature_maps": "gradcam",
    "grad_cam": "gradcam",
    "history_dataset": "history",
    "classify_store": "inference",
    "embed": "inference",
    "open_class_probabilities": "inference",
    "open_embeddings": "inference",
    "TripletLoss": "loss",
    "triplet_distances": "loss",
    "triplet_loss": "loss",
    "ResNet": "resnets",
    "resnet": "resnets",
    "StoreTriplets": "sources",
    "triplets_from_store": "sources",
    "train_tile2vec": "tile2vec",
    "MODEL_KINDS": "tile_models",
    "BaseModelKind": "tile_models",
    "ModelKind": "tile_models",
    "TileModel": "tile_models",
    "as_tile_model": "tile_models",
    "load_tile_model": "tile_models",
    "resolve_tile_model": "tile_models",
    "TrainResult": "training",
    "fit": "training",
}
"""Public names and their modules, imported on first use (the ``cloudorg`` command
registers ``train``, ``embed`` and ``classify`` without importing torch)."""

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
