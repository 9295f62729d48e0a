"""Models that map each tile to a vector, as streaming inference writes them to a store.

:class:`TileModel` wraps a trained network of any kind with what
:mod:`cloudorg.models.inference` needs to rebuild it on a Dask worker and to write its
output: its ``kind``, its configuration, the width of its output for a tile size, and a
``forward`` that gives the vector of each tile:

- ``tile2vec``: an :class:`~.embedder.Embedder` (:class:`~.config.ModelConfig`); its
  embedding (``embedding_dim`` values);
- ``autoencoder``: an :class:`~.autoencoder.Autoencoder`
  (:class:`~.autoencoder.AutoencoderConfig`); its flattened latent code
  (``channels[-1] * (t / 2**len(channels))**2`` values for ``t`` px tiles);
- ``deepcluster``: the backbone of a :class:`~.deepcluster.DeepClusterResult`
  (:class:`~.deepcluster.DeepClusterConfig`); its pooled features (``out_features``);
- ``classifier``: a :class:`~.classifier.Classifier`
  (:class:`~.classifier.ClassifierConfig`); its softmax class probabilities
  (``n_classes``).

A checkpoint's kind is read from its configuration: a ``deepcluster`` section
(:meth:`~.deepcluster.DeepClusterResult.save`), else the keys of its ``model`` section
(``embedding_dim``: Tile2Vec; ``channels``: autoencoder; ``n_classes``: classifier).

Examples
--------
>>> import torch
>>> from cloudorg.models.autoencoder import AutoencoderConfig, build_autoencoder
>>> model = as_tile_model(build_autoencoder(AutoencoderConfig(in_channels=1, channels=(4, 2))))
>>> model.kind, model.output_dim(64), model(torch.rand(3, 1, 64, 64)).shape
('autoencoder', 512, torch.Size([3, 512]))
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ..errors import ConfigError
from .autoencoder import Autoencoder, AutoencoderConfig
from .checkpoint import load_checkpoint, model_id
from .classifier import Classifier, ClassifierConfig
from .config import ConfigBase, DataConfig, ModelConfig
from .deepcluster import DeepClusterConfig, DeepClusterResult
from .embedder import Embedder
from .resnets import resnet

__all__ = [
    "MODEL_KINDS",
    "ModelLike",
    "TileModel",
    "as_tile_model",
    "checkpoint_kind",
    "load_tile_model",
    "resolve_tile_model",
    "tile_model_from_state",
]

MODEL_KINDS = ("tile2vec", "autoencoder", "deepcluster", "classifier")
_CONFIGS: dict[str, type[ConfigBase]] = {
    "tile2vec": ModelConfig,
    "autoencoder": AutoencoderConfig,
    "deepcluster": DeepClusterConfig,
    "classifier": ClassifierConfig,
}


class TileModel(nn.Module):
    """A network of one of :data:`MODEL_KINDS` giving one vector per tile.

    Parameters
    ----------
    kind : str
        One of :data:`MODEL_KINDS`.
    config : ConfigBase
        The configuration the network was built from (see the module docstring).
    net : torch.nn.Module
        The network (for ``deepcluster`` its backbone).

    Examples
    --------
    >>> from cloudorg.models.embedder import build_embedder
    >>> net = build_embedder(ModelConfig(width=4, embedding_dim=6))
    >>> model = as_tile_model(net)
    >>> model.model_id == net.model_id, model.output_dim(64), model.in_channels
    (True, 6, 3)
    """

    def __init__(self, kind: str, config: ConfigBase, net: nn.Module) -> None:
        super().__init__()
        if kind not in MODEL_KINDS:
            raise ConfigError(f"kind: expected one of {MODEL_KINDS}, got {kind!r}")
        self.kind, self.config, self.net = kind, config, net

    @property
    def in_channels(self) -> int:
        """Channels of the tiles the network takes."""
        return int(self.config.in_channels)

    @property
    def model_id(self) -> str:
        """Hash of the configuration and the weights (:func:`~.checkpoint.model_id`)."""
        return model_id(self.config.to_dict(), self.net.state_dict())

    def output_dim(self, tile_size: int) -> int:
        """Length of the vector of a ``tile_size`` px tile.

        Raises
        ------
        cloudorg.errors.ConfigError
            For an autoencoder whose pooling does not divide the tile size.
        """
        if self.kind == "tile2vec":
            return int(self.config.embedding_dim)
        if self.kind == "deepcluster":
            return int(self.net.out_features)
        if self.kind == "classifier":
            return int(self.config.n_classes)
        factor = int(self.net.factor)
        if tile_size % factor:
            raise ConfigError(
                f"tile_size: the autoencoder halves tiles {len(self.config.channels)} times "
                f"and takes sides that are multiples of {factor}, got {tile_size}"
            )
        return int(self.config.channels[-1]) * (tile_size // factor) ** 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The vectors ``(N, output_dim)`` of tiles ``(N, C, H, W)``."""
        if self.kind == "autoencoder":
            return self.net.encode(x)
        if self.kind == "classifier":
            return torch.softmax(self.net(x).float(), dim=1)
        return self.net(x)


ModelLike = Embedder | Autoencoder | Classifier | DeepClusterResult | TileModel
"""What :func:`as_tile_model` takes."""


def as_tile_model(model: ModelLike) -> TileModel:
    """``model`` as a :class:`TileModel` (an embedder, autoencoder, classifier, or a
    :class:`~.deepcluster.DeepClusterResult` for its backbone).

    Examples
    --------
    >>> as_tile_model(torch.nn.Linear(2, 2))
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: model: expected an Embedder, Autoencoder, ...
    """
    if isinstance(model, TileModel):
        return model
    if isinstance(model, Embedder):
        return TileModel("tile2vec", model.config, model)
    if isinstance(model, Autoencoder):
        return TileModel("autoencoder", model.config, model)
    if isinstance(model, Classifier):
        return TileModel("classifier", model.config, model)
    if isinstance(model, DeepClusterResult):
        return TileModel("deepcluster", model.config, model.backbone)
    raise ConfigError(
        "model: expected an Embedder, Autoencoder, Classifier, DeepClusterResult, TileModel "
        f"or a checkpoint path, got {type(model).__name__}"
    )


def tile_model_from_state(
    kind: str, config: Mapping[str, Any], state: Mapping[str, torch.Tensor]
) -> TileModel:
    """A :class:`TileModel` in eval mode from its kind, configuration dict and weights.

    Examples
    --------
    >>> from cloudorg.models.classifier import build_classifier
    >>> net = as_tile_model(build_classifier(ClassifierConfig(in_channels=1, width=4)))
    >>> again = tile_model_from_state("classifier", net.config.to_dict(), net.net.state_dict())
    >>> again.model_id == net.model_id, again.training
    (True, False)
    """
    if kind not in _CONFIGS:
        raise ConfigError(f"kind: expected one of {MODEL_KINDS}, got {kind!r}")
    config_obj = _CONFIGS[kind].from_dict(dict(config))
    net: nn.Module
    if kind == "tile2vec":
        net = Embedder(config_obj)
    elif kind == "autoencoder":
        net = Autoencoder(config_obj)
    elif kind == "classifier":
        net = Classifier(config_obj)
    else:
        c: DeepClusterConfig = config_obj
        net = resnet(c.backbone, in_channels=c.in_channels, width=c.width)
    net.load_state_dict(state)
    return TileModel(kind, config_obj, net).eval()


def checkpoint_kind(config: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The model kind of a checkpoint's configuration, and the model's configuration.

    Examples
    --------
    >>> checkpoint_kind({"model": {"channels": [8, 4]}, "training": {}})
    ('autoencoder', {'channels': [8, 4]})
    >>> checkpoint_kind({"training": {}})
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: checkpoint: no model configuration (expected ...
    """
    if isinstance(config.get("deepcluster"), Mapping):
        return "deepcluster", dict(config["deepcluster"])
    model = config.get("model")
    if isinstance(model, Mapping):
        for key, kind in (("embedding_dim", "tile2vec"), ("channels", "autoencoder"),
                          ("n_classes", "classifier")):  # fmt: skip
            if key in model:
                return kind, dict(model)
    raise ConfigError(
        "checkpoint: no model configuration (expected a 'deepcluster' section or a 'model' "
        "section with embedding_dim, channels or n_classes)"
    )


def load_tile_model(
    path: str | os.PathLike[str], *, map_location: str | torch.device = "cpu"
) -> tuple[TileModel, DataConfig]:
    """The model of a checkpoint of any kind, and the tiles it was trained on (its ``data``
    section, or the defaults).

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.models.checkpoint import Checkpoint, save_checkpoint
    >>> from cloudorg.models.autoencoder import build_autoencoder
    >>> ae = build_autoencoder(AutoencoderConfig(in_channels=1, channels=(2,)))
    >>> path = save_checkpoint(tempfile.mkdtemp() + "/ae.pt",
    ...     Checkpoint({"model": ae.config.to_dict(), "data": {"tile_size": 64}}, ae.state_dict()))
    >>> model, data = load_tile_model(path)
    >>> model.kind, data.tile_size
    ('autoencoder', 64)
    """
    state = load_checkpoint(path, map_location=map_location)
    kind, config = checkpoint_kind(state.config)
    data = DataConfig.from_dict(dict(state.config.get("data") or {}))
    return tile_model_from_state(kind, config, state.model), data


def resolve_tile_model(
    model: ModelLike | str | os.PathLike[str],
) -> tuple[TileModel, DataConfig]:
    """The model of a network or of a checkpoint path, and the tiles it was trained on
    (a checkpoint's ``data`` section; the defaults for a network).

    Examples
    --------
    >>> from cloudorg.models.embedder import build_embedder
    >>> model, data = resolve_tile_model(build_embedder(ModelConfig(width=4)))
    >>> model.kind, data.tile_size
    ('tile2vec', 256)
    """
    if isinstance(model, str | os.PathLike):
        return load_tile_model(model)
    return as_tile_model(model), DataConfig()
