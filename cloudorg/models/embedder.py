"""The embedder: a ResNet backbone and a fully connected head to ``embedding_dim``.

As in Denby (2020), a tile goes through a ResNet feature extractor and a small
multi-layer perceptron that maps its features to a point of an ``embedding_dim``
(default 100) dimensional space.

Examples
--------
>>> import torch
>>> from cloudorg.models.config import ModelConfig
>>> net = build_embedder(ModelConfig(in_channels=1, width=8, embedding_dim=10), seed=0)
>>> net(torch.zeros(4, 1, 32, 32)).shape
torch.Size([4, 10])
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from .checkpoint import load_checkpoint, model_id
from .config import ModelConfig
from .resnets import resnet

__all__ = ["Embedder", "build_embedder", "embedder_from_state", "load_embedder"]


class Embedder(nn.Module):
    """Backbone + head; ``forward`` maps ``(N, C, H, W)`` tiles to ``(N, embedding_dim)``.

    With ``config.freeze_backbone`` the backbone's parameters take no gradient and its
    batch-norm statistics stay fixed (the backbone stays in eval mode); with
    ``config.normalise`` every embedding has unit length.

    Parameters
    ----------
    config : ModelConfig
        The architecture.

    Examples
    --------
    >>> from cloudorg.models.config import ModelConfig
    >>> net = Embedder(ModelConfig(width=4, head_hidden=(), freeze_backbone=True))
    >>> [n for n, p in net.named_parameters() if p.requires_grad]
    ['head.0.weight', 'head.0.bias']
    >>> net.train().backbone.training
    False
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.backbone = resnet(config.backbone, in_channels=config.in_channels, width=config.width)
        layers: list[nn.Module] = []
        size = self.backbone.out_features
        for hidden in config.head_hidden:
            layers += [nn.Linear(size, hidden), nn.ReLU(inplace=True)]
            size = hidden
        layers.append(nn.Linear(size, config.embedding_dim))
        self.head = nn.Sequential(*layers)
        if config.freeze_backbone:
            self.backbone.requires_grad_(False)

    def train(self, mode: bool = True) -> Embedder:
        super().train(mode)
        if self.config.freeze_backbone:
            self.backbone.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.head(self.backbone(x))
        return nn.functional.normalize(z, dim=1) if self.config.normalise else z

    @property
    def model_id(self) -> str:
        """Hash of the configuration and the weights (see :func:`~.checkpoint.model_id`)."""
        return model_id(self.config.to_dict(), self.state_dict())


def build_embedder(config: ModelConfig, *, seed: int = 0) -> Embedder:
    """A new embedder with weights drawn from ``seed`` (the global RNG is left as it was).

    Examples
    --------
    >>> from cloudorg.models.config import ModelConfig
    >>> cfg = ModelConfig(width=4, embedding_dim=3)
    >>> a, b = build_embedder(cfg, seed=1), build_embedder(cfg, seed=1)
    >>> all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    True
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Embedder(config)


def embedder_from_state(config: Mapping[str, Any], state: Mapping[str, torch.Tensor]) -> Embedder:
    """An embedder in eval mode from a :class:`ModelConfig` dict and a ``state_dict``.

    Examples
    --------
    >>> net = build_embedder(ModelConfig(width=4, embedding_dim=3), seed=2)
    >>> embedder_from_state(net.config.to_dict(), net.state_dict()).model_id == net.model_id
    True
    """
    net = Embedder(ModelConfig.from_dict(dict(config)))
    net.load_state_dict(state)
    return net.eval()


def load_embedder(
    path: str | os.PathLike[str],
    *,
    expect: ModelConfig | None = None,
    map_location: str | torch.device = "cpu",
) -> Embedder:
    """The embedder of a checkpoint (a training checkpoint of :func:`train_tile2vec`).

    Parameters
    ----------
    path : path
        Checkpoint whose config has a ``model`` section.
    expect : ModelConfig, optional
        Refuse a checkpoint of another architecture.
    map_location : str or torch.device
        Where the weights are loaded.

    Returns
    -------
    Embedder
        In eval mode.

    Raises
    ------
    cloudorg.models.checkpoint.CheckpointError
        For a file that is not a cloudorg checkpoint (never unpickled: ``weights_only``).
    cloudorg.errors.ConfigError
        When the checkpoint's model differs from ``expect``.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.models.checkpoint import Checkpoint, save_checkpoint
    >>> cfg = ModelConfig(width=4, embedding_dim=3)
    >>> net = build_embedder(cfg)
    >>> path = save_checkpoint(tempfile.mkdtemp() + "/m.pt",
    ...                        Checkpoint({"model": cfg.to_dict()}, net.state_dict()))
    >>> load_embedder(path).model_id == net.model_id
    True
    >>> load_embedder(path, expect=cfg.replace(width=8))
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: checkpoint ... model.width: expected 8, found 4. ...
    """
    section = None if expect is None else {"model": expect.to_dict()}
    state = load_checkpoint(path, expect=section, map_location=map_location)
    return embedder_from_state(state.config.get("model", {}), state.model)
