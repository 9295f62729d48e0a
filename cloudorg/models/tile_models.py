"""Models that map each tile to a vector, as streaming inference writes them to a store.

A model kind is one object following :class:`ModelKind`, registered once in
:data:`MODEL_KINDS`: it builds its network from a configuration, gives the width of the
vector of a tile size and the vectors of a batch of tiles, and names the section of a
checkpoint's configuration that holds the network's configuration. :class:`TileModel`
wraps a trained network of any kind with what :mod:`cloudorg.models.inference` needs to
rebuild it on a Dask worker and to write its output. The library's kinds:

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

Other packages add kinds through the ``cloudorg.models`` entry-point group
(:mod:`cloudorg.registry`). A checkpoint records its kind (``kind``, see
:mod:`~.checkpoint`); one written without it is recognised by the layout of its
configuration (:func:`~.checkpoint.kind_of_config`).

Examples
--------
>>> import torch
>>> from cloudorg.models.autoencoder import AutoencoderConfig, build_autoencoder
>>> model = as_tile_model(build_autoencoder(AutoencoderConfig(in_channels=1, channels=(4, 2))))
>>> model.kind, model.output_dim(64), model(torch.rand(3, 1, 64, 64)).shape
('autoencoder', 512, torch.Size([3, 512]))
>>> MODEL_KINDS.names()[:4]
('tile2vec', 'autoencoder', 'deepcluster', 'classifier')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

import torch
from torch import nn

from ..errors import ConfigError
from ..registry import Registry
from .autoencoder import Autoencoder, AutoencoderConfig
from .checkpoint import kind_of_config, load_checkpoint, model_id
from .classifier import Classifier, ClassifierConfig
from .config import ConfigBase, DataConfig, ModelConfig
from .deepcluster import DeepClusterConfig, DeepClusterResult
from .embedder import Embedder
from .resnets import resnet

__all__ = [
    "MODEL_KINDS",
    "BaseModelKind",
    "ModelKind",
    "ModelLike",
    "TileModel",
    "as_tile_model",
    "checkpoint_kind",
    "load_tile_model",
    "resolve_tile_model",
    "tile_model_from_state",
]


class ModelKind(Protocol):
    """What a kind of model provides.

    Attributes
    ----------
    label : str
        How stores and reports name the kind (``"Tile2Vec"``).
    long_name : str
        ``long_name`` of the vector of a tile.
    section : str
        The section of a checkpoint's configuration holding the network's configuration
        (``"model"``).
    config_type : type
        The network's configuration: a :class:`~.config.ConfigBase` with ``in_channels``.
    model_type : type
        What training gives (:func:`as_tile_model` takes it), with the network's
        configuration as ``.config``.

    Examples
    --------
    >>> kind = MODEL_KINDS["classifier"]
    >>> kind.label, kind.section, kind.config_type.__name__, kind.model_type.__name__
    ('classifier', 'model', 'ClassifierConfig', 'Classifier')
    """

    label: str
    long_name: str
    section: str
    config_type: type[ConfigBase]
    model_type: type

    def network(self, model: Any) -> nn.Module:
        """The network of a trained ``model_type`` (whose weights a checkpoint holds)."""
        ...

    def build(self, config: Any) -> nn.Module:
        """A network of a configuration, for weights to be loaded into."""
        ...

    def output_dim(self, config: Any, net: nn.Module, tile_size: int) -> int:
        """Length of the vector of a ``tile_size`` px tile."""
        ...

    def forward(self, net: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """The vectors ``(N, output_dim)`` of tiles ``(N, C, H, W)``."""
        ...


class BaseModelKind:
    """Defaults of a :class:`ModelKind`: the trained model is its own network, whose
    output is the vector, and checkpoints keep its configuration in ``model``.

    Examples
    --------
    >>> kind = MODEL_KINDS["tile2vec"]
    >>> isinstance(kind, BaseModelKind), kind.section
    (True, 'model')
    """

    section: ClassVar[str] = "model"

    def network(self, model: Any) -> nn.Module:
        """``model`` itself."""
        return model

    def forward(self, net: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """``net(x)``."""
        return net(x)


_MEMBERS = ("label", "long_name", "section", "config_type", "model_type", "network", "build",
            "output_dim", "forward")  # fmt: skip
"""What a :class:`ModelKind` has."""


def _check_kind(entry: object) -> None:
    missing = [name for name in _MEMBERS if not hasattr(entry, name)]
    if missing:
        raise TypeError(f"expected a model kind (cloudorg.models.tile_models.ModelKind), got "
                        f"{type(entry).__name__} without {', '.join(missing)}")  # fmt: skip


MODEL_KINDS: Registry[ModelKind] = Registry("model kind", group="cloudorg.models",
                                            check=_check_kind)  # fmt: skip
"""Model kinds by name (the ``kind`` of checkpoints and of stored embeddings)."""


class Tile2VecKind(BaseModelKind):
    """``tile2vec``: an :class:`~.embedder.Embedder`; its embedding.

    Examples
    --------
    >>> Tile2VecKind().output_dim(ModelConfig(embedding_dim=7), torch.nn.Identity(), 64)
    7
    """

    label = "Tile2Vec"
    long_name = "Tile2Vec embedding of the tile"
    config_type = ModelConfig
    model_type = Embedder

    def build(self, config: ModelConfig) -> nn.Module:
        """An :class:`~.embedder.Embedder`."""
        return Embedder(config)

    def output_dim(self, config: ModelConfig, net: nn.Module, tile_size: int) -> int:
        """``embedding_dim``."""
        return int(config.embedding_dim)


class AutoencoderKind(BaseModelKind):
    """``autoencoder``: an :class:`~.autoencoder.Autoencoder`; its flattened latent code.

    Examples
    --------
    >>> kind, cfg = AutoencoderKind(), AutoencoderConfig(channels=(4, 2))
    >>> kind.output_dim(cfg, kind.build(cfg), 62)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: tile_size: the autoencoder halves tiles 2 times and takes ...
    """

    label = "autoencoder"
    long_name = "autoencoder latent code of the tile"
    config_type = AutoencoderConfig
    model_type = Autoencoder

    def build(self, config: AutoencoderConfig) -> nn.Module:
        """An :class:`~.autoencoder.Autoencoder`."""
        return Autoencoder(config)

    def output_dim(self, config: AutoencoderConfig, net: nn.Module, tile_size: int) -> int:
        """``channels[-1]`` times the latent pixels.

        Raises
        ------
        cloudorg.errors.ConfigError
            When the pooling does not divide the tile size.
        """
        factor = int(net.factor)
        if tile_size % factor:
            raise ConfigError(
                f"tile_size: the autoencoder halves tiles {len(config.channels)} times "
                f"and takes sides that are multiples of {factor}, got {tile_size}"
            )
        return int(config.channels[-1]) * (tile_size // factor) ** 2

    def forward(self, net: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """The latent code (:meth:`~.autoencoder.Autoencoder.encode`)."""
        return net.encode(x)


class DeepClusterKind(BaseModelKind):
    """``deepcluster``: the backbone of a :class:`~.deepcluster.DeepClusterResult`; its
    pooled features.

    Examples
    --------
    >>> DeepClusterKind().build(DeepClusterConfig(width=4)).out_features
    32
    """

    label = "DeepCluster"
    long_name = "DeepCluster backbone features of the tile"
    section = "deepcluster"
    config_type = DeepClusterConfig
    model_type = DeepClusterResult

    def network(self, model: DeepClusterResult) -> nn.Module:
        """The backbone."""
        return model.backbone

    def build(self, config: DeepClusterConfig) -> nn.Module:
        """A :func:`~.resnets.resnet` backbone."""
        return resnet(config.backbone, in_channels=config.in_channels, width=config.width)

    def output_dim(self, config: DeepClusterConfig, net: nn.Module, tile_size: int) -> int:
        """The backbone's ``out_features``."""
        return int(net.out_features)


class ClassifierKind(BaseModelKind):
    """``classifier``: a :class:`~.classifier.Classifier`; its softmax class probabilities.

    Examples
    --------
    >>> ClassifierKind().output_dim(ClassifierConfig(), torch.nn.Identity(), 64)
    5
    """

    label = "classifier"
    long_name = "class probability of the tile"
    config_type = ClassifierConfig
    model_type = Classifier

    def build(self, config: ClassifierConfig) -> nn.Module:
        """A :class:`~.classifier.Classifier`."""
        return Classifier(config)

    def output_dim(self, config: ClassifierConfig, net: nn.Module, tile_size: int) -> int:
        """``n_classes``."""
        return int(config.n_classes)

    def forward(self, net: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """The softmax of the logits (float32)."""
        return torch.softmax(net(x).float(), dim=1)


MODEL_KINDS.add("tile2vec", Tile2VecKind())
MODEL_KINDS.add("autoencoder", AutoencoderKind())
MODEL_KINDS.add("deepcluster", DeepClusterKind())
MODEL_KINDS.add("classifier", ClassifierKind())


class TileModel(nn.Module):
    """A network of one of :data:`MODEL_KINDS` giving one vector per tile.

    Parameters
    ----------
    kind : str
        A name of :data:`MODEL_KINDS`.
    config : ConfigBase
        The configuration the network was built from (the kind's ``config_type``).
    net : torch.nn.Module
        The network (for ``deepcluster`` its backbone).

    Raises
    ------
    cloudorg.errors.ConfigError
        For a kind that is not registered.

    Examples
    --------
    >>> from cloudorg.models.embedder import build_embedder
    >>> net = build_embedder(ModelConfig(width=4, embedding_dim=6))
    >>> model = as_tile_model(net)
    >>> model.model_id == net.model_id, model.output_dim(64), model.in_channels
    (True, 6, 3)
    >>> model.model_kind.label
    'Tile2Vec'
    """

    def __init__(self, kind: str, config: ConfigBase, net: nn.Module) -> None:
        super().__init__()
        self.model_kind = MODEL_KINDS[kind]
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
        return self.model_kind.output_dim(self.config, self.net, tile_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The vectors ``(N, output_dim)`` of tiles ``(N, C, H, W)``."""
        return self.model_kind.forward(self.net, x)


ModelLike = Embedder | Autoencoder | Classifier | DeepClusterResult | TileModel
"""What :func:`as_tile_model` takes (and the ``model_type`` of any registered kind)."""


def as_tile_model(model: ModelLike) -> TileModel:
    """``model`` as a :class:`TileModel`: a model of the ``model_type`` of a kind of
    :data:`MODEL_KINDS` (the most derived one), e.g. an embedder, autoencoder,
    classifier, or a :class:`~.deepcluster.DeepClusterResult` for its backbone.

    Examples
    --------
    >>> as_tile_model(torch.nn.Linear(2, 2))
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: model: expected an Embedder, Autoencoder, ...
    """
    if isinstance(model, TileModel):
        return model
    kinds = {kind.model_type: name for name, kind in MODEL_KINDS.items()}
    name = next((kinds[t] for t in type(model).__mro__ if t in kinds), None)
    if name is None:
        raise ConfigError(
            f"model: expected an {', '.join(t.__name__ for t in kinds)}, TileModel or a "
            f"checkpoint path, got {type(model).__name__}"
        )
    return TileModel(name, model.config, MODEL_KINDS[name].network(model))


def tile_model_from_state(
    kind: str, config: Mapping[str, Any], state: Mapping[str, torch.Tensor]
) -> TileModel:
    """A :class:`TileModel` in eval mode from its kind, configuration dict and weights.

    Raises
    ------
    cloudorg.errors.ConfigError
        For a kind that is not registered, or a configuration that is not of the kind.

    Examples
    --------
    >>> from cloudorg.models.classifier import build_classifier
    >>> net = as_tile_model(build_classifier(ClassifierConfig(in_channels=1, width=4)))
    >>> again = tile_model_from_state("classifier", net.config.to_dict(), net.net.state_dict())
    >>> again.model_id == net.model_id, again.training
    (True, False)
    """
    model_kind = MODEL_KINDS[kind]
    config_obj = model_kind.config_type.from_dict(dict(config))
    net = model_kind.build(config_obj)
    net.load_state_dict(state)
    return TileModel(kind, config_obj, net).eval()


def checkpoint_kind(
    config: Mapping[str, Any], kind: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The model kind of a checkpoint and the network's configuration (the kind's
    ``section`` of the checkpoint's configuration).

    Parameters
    ----------
    config : mapping
        The checkpoint's configuration.
    kind : str, optional
        The kind the checkpoint records; ``None``: the kind the configuration's layout
        shows (:func:`~.checkpoint.kind_of_config`).

    Examples
    --------
    >>> checkpoint_kind({"model": {"channels": [8, 4]}, "training": {}})
    ('autoencoder', {'channels': [8, 4]})
    >>> checkpoint_kind({"training": {}})
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: checkpoint: no model configuration (expected ...
    """
    kind = kind or kind_of_config(config)
    if kind is None:
        raise ConfigError(
            "checkpoint: no model configuration (expected a recorded kind, a 'deepcluster' "
            "section or a 'model' section with embedding_dim, channels or n_classes)"
        )
    section = MODEL_KINDS[kind].section
    if not isinstance(config.get(section), Mapping):
        raise ConfigError(f"checkpoint: a {kind} model without its {section!r} configuration")
    return kind, dict(config[section])


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
    kind, config = checkpoint_kind(state.config, state.kind)
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
