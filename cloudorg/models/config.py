"""Serialisable configurations: frozen dataclasses that convert to and from JSON dicts.

Every model and training run is set by one :class:`Tile2VecConfig` (architecture, triplet
objective, training); a checkpoint stores its dict, so that a checkpoint says exactly
how its weights were made and a mismatched configuration can be refused.

Examples
--------
>>> cfg = Tile2VecConfig(model=ModelConfig(backbone="resnet34", embedding_dim=16))
>>> Tile2VecConfig.from_dict(cfg.to_dict()) == cfg
True
>>> cfg.to_dict()["model"]["backbone"]
'resnet34'
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from ..errors import ConfigError

__all__ = [
    "BACKBONES",
    "ConfigBase",
    "DataConfig",
    "ModelConfig",
    "Tile2VecConfig",
    "TrainingConfig",
    "TripletConfig",
]

BACKBONES = ("resnet18", "resnet34", "resnet50", "resnet101")
OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine", "step")


_EXPECTED = {int: "an integer", bool: "true or false", str: "a string"}


def _check(ok: bool, name: str, expected: str, value: Any) -> None:
    if not ok:
        raise ConfigError(f"{name}: expected {expected}, got {value!r}")


def _convert(value: Any, hint: Any, name: str) -> Any:
    """``value`` from JSON as the type ``hint`` (nested configs, tuples, optionals)."""
    origin = typing.get_origin(hint)
    if isinstance(hint, type) and issubclass(hint, ConfigBase):
        _check(isinstance(value, dict | hint), name, "a mapping", value)
        return value if isinstance(value, hint) else hint.from_dict(value, _prefix=f"{name}.")
    if origin in (types.UnionType, typing.Union):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(value, inner, name)
    if origin is dict:
        _check(isinstance(value, dict), name, "a mapping", value)
        return dict(value)
    if origin is tuple:
        _check(isinstance(value, list | tuple), name, "a list", value)
        (inner, _) = typing.get_args(hint)
        return tuple(_convert(v, inner, f"{name}[{i}]") for i, v in enumerate(value))
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        _check(ok, name, "a number", value)
        return float(value)
    _check(isinstance(value, hint) and not (hint is int and isinstance(value, bool)), name,
           _EXPECTED.get(hint, hint.__name__), value)  # fmt: skip
    return value


class ConfigBase:
    """Mixin of the configuration dataclasses: dict/JSON round trips with type checks.

    Examples
    --------
    >>> TripletConfig.from_dict({"margin": 0.5}).margin
    0.5
    >>> TripletConfig.from_dict({"margn": 0.5})
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: TripletConfig: unknown key 'margn'; expected one of ...
    """

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (tuples become lists).

        Examples
        --------
        >>> ModelConfig(head_hidden=(8, 4)).to_dict()["head_hidden"]
        [8, 4]
        """
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, ConfigBase):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, _prefix: str = "") -> Self:
        """The configuration of a dict (missing keys take their defaults).

        Raises
        ------
        cloudorg.errors.ConfigError
            For an unknown key or a value of the wrong type or range.

        Examples
        --------
        >>> TrainingConfig.from_dict({"steps": 5}).steps
        5
        """
        if not isinstance(data, dict):
            raise ConfigError(f"{cls.__name__}: expected a mapping, got {type(data).__name__}")
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        for key in data:
            if key not in names:
                raise ConfigError(
                    f"{cls.__name__}: unknown key {_prefix + str(key)!r}; expected one of {names}"
                )
        kwargs = {k: _convert(v, hints[k], f"{_prefix}{k}") for k, v in data.items()}
        return cls(**kwargs)

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The configuration as JSON text, also written to ``path`` when given.

        Examples
        --------
        >>> TripletConfig().to_json().splitlines()[1]
        '  "augment": true,'
        """
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True)
        if path is not None:
            Path(path).write_text(text + "\n")
        return text

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> Self:
        """The configuration of a JSON file (or of JSON text starting with ``{``).

        Raises
        ------
        cloudorg.errors.ConfigError
            When the file is missing or is not valid JSON of this configuration.

        Examples
        --------
        >>> TripletConfig.from_json('{"squared": true}').squared
        True
        """
        text = str(source)
        if not text.lstrip().startswith("{"):
            try:
                text = Path(source).read_text()
            except OSError as err:
                raise ConfigError(f"config file {source}: cannot be read ({err})") from err
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ConfigError(f"config {source}: not valid JSON ({err})") from err
        return cls.from_dict(data)

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (validated again).

        Examples
        --------
        >>> TrainingConfig().replace(lr=0.1).lr
        0.1
        """
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class ModelConfig(ConfigBase):
    """Architecture of an embedder: a ResNet backbone and a fully connected head.

    Attributes
    ----------
    backbone : str
        One of :data:`BACKBONES`.
    in_channels : int
        Channels of an input tile (3 for RGB, 1 for a greyscale or one band).
    width : int
        Channels of the first ResNet stage (64 in He et al. 2016; smaller is cheaper).
    embedding_dim : int
        Length of an embedding (100 in Denby 2020).
    head_hidden : tuple of int
        Hidden layer sizes of the head (``()``: one linear layer).
    freeze_backbone : bool
        Keep the backbone's weights (and batch-norm statistics) fixed while training.
    normalise : bool
        Divide each embedding by its Euclidean norm (embeddings on the unit sphere): the
        remedy to an embedding that collapses onto one axis (see the models
        documentation, embedding collapse). Left out of the configuration's dict when
        false, so that the ids of models made before it stay as they were.

    Examples
    --------
    >>> ModelConfig(width=0)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: model.width: expected a positive integer, got 0
    """

    backbone: str = "resnet18"
    in_channels: int = 3
    width: int = 64
    embedding_dim: int = 100
    head_hidden: tuple[int, ...] = (512,)
    freeze_backbone: bool = False
    normalise: bool = False

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`ConfigBase.to_dict`, without ``normalise`` when it is false.

        Examples
        --------
        >>> "normalise" in ModelConfig().to_dict(), ModelConfig(normalise=True).to_dict()
        (False, {... 'normalise': True})
        """
        out = super().to_dict()
        if not self.normalise:
            del out["normalise"]
        return out

    def __post_init__(self) -> None:
        _check(self.backbone in BACKBONES, "model.backbone", f"one of {BACKBONES}", self.backbone)
        for name in ("in_channels", "width", "embedding_dim"):
            value = getattr(self, name)
            _check(value >= 1, f"model.{name}", "a positive integer", value)
        _check(all(h >= 1 for h in self.head_hidden), "model.head_hidden",
               "positive layer sizes", self.head_hidden)  # fmt: skip


@dataclass(frozen=True)
class TripletConfig(ConfigBase):
    """The triplet objective (report equation 3).

    Attributes
    ----------
    margin : float
        The margin ``m`` of ``[d(a, n) - d(a, d) + m]_+``.
    l2 : float
        Weight of the per-sample penalty ``|z_a| + |z_n| + |z_d|`` on the embeddings.
    squared : bool
        Use squared Euclidean distances instead of Euclidean distances.
    augment : bool
        Flip and rotate (by multiples of 90°) each tile of a training triplet at random.

    Examples
    --------
    >>> TripletConfig(margin=-1)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: triplet.margin: expected a non-negative number, got -1
    """

    margin: float = 1.0
    l2: float = 0.0
    squared: bool = False
    augment: bool = True

    def __post_init__(self) -> None:
        _check(self.margin >= 0, "triplet.margin", "a non-negative number", self.margin)
        _check(self.l2 >= 0, "triplet.l2", "a non-negative number", self.l2)


@dataclass(frozen=True)
class TrainingConfig(ConfigBase):
    """Optimisation of any model (reused by every trainer of :mod:`cloudorg.models`).

    Attributes
    ----------
    steps : int
        Optimiser steps (one batch each).
    batch_size : int
        Samples per batch of a map-style dataset (streams bring their own batches).
    optimizer : str
        ``adam``, ``adamw`` or ``sgd`` (with ``momentum``).
    lr, weight_decay, momentum : float
        Optimiser settings.
    schedule : str
        ``constant``, ``cosine`` (to zero at ``steps``) or ``step`` (x0.1 at 60 % and 90 %).
    warmup_steps : int
        Linear warm-up from ``lr / warmup_steps`` before the schedule.
    grad_clip : float or None
        Clip the gradient norm to this value.
    checkpoint_every : int
        Save a checkpoint every this many steps (and at the end); 0 saves only at the end.
    validate_every : int
        Evaluate the validation batches every this many steps (and at the end); 0 never.
    val_fraction : float
        Fraction of the scenes held out for validation (split by scene, never by tile).
    val_batches : int
        Validation batches evaluated each time.
    seed : int
        Seed of the weights, the sampling order and the augmentations.
    mixed_precision : bool
        bf16 autocast on CUDA (ignored on CPU).

    Examples
    --------
    >>> TrainingConfig(schedule="linear")
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: training.schedule: expected one of ('constant', ...
    """

    steps: int = 1000
    batch_size: int = 32
    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.9
    schedule: str = "cosine"
    warmup_steps: int = 0
    grad_clip: float | None = None
    checkpoint_every: int = 100
    validate_every: int = 100
    val_fraction: float = 0.1
    val_batches: int = 4
    seed: int = 0
    mixed_precision: bool = True

    def __post_init__(self) -> None:
        _check(self.optimizer in OPTIMIZERS, "training.optimizer", f"one of {OPTIMIZERS}",
               self.optimizer)  # fmt: skip
        _check(self.schedule in SCHEDULES, "training.schedule", f"one of {SCHEDULES}",
               self.schedule)  # fmt: skip
        for name in ("steps", "batch_size", "val_batches"):
            value = getattr(self, name)
            _check(value >= 1, f"training.{name}", "a positive integer", value)
        for name in ("warmup_steps", "checkpoint_every", "validate_every", "seed"):
            value = getattr(self, name)
            _check(value >= 0, f"training.{name}", "a non-negative integer", value)
        _check(self.lr > 0, "training.lr", "a positive number", self.lr)
        _check(self.weight_decay >= 0, "training.weight_decay", "a non-negative number",
               self.weight_decay)  # fmt: skip
        _check(0 <= self.val_fraction < 1, "training.val_fraction", "a number in [0, 1)",
               self.val_fraction)  # fmt: skip
        _check(self.grad_clip is None or self.grad_clip > 0, "training.grad_clip",
               "a positive number or null", self.grad_clip)  # fmt: skip


@dataclass(frozen=True)
class DataConfig(ConfigBase):
    """Tiles of a campaign store a model is trained on and applied to.

    Used when training from a store (:func:`cloudorg.models.sources.triplets_from_store`)
    and as the defaults of :func:`cloudorg.models.inference.embed`; in-memory training
    ignores it.

    Attributes
    ----------
    tile_size : int
        Tile edge in pixels (the tile table ``tiles/<tile_size>px``).
    stride : int or None
        Stride of the tile table (``None``: the tile size).
    edge : str
        Edge policy of the tile table (``drop``, ``pad`` or ``shift``).
    channels : tuple of str
        Scene variables stacked as channels (``rgb`` gives three).
    filters : tuple of str or None
        Quality flags that exclude tiles (``None``: all of them).
    n_triplets : int or None
        Training triplets sampled (``None``: ``steps * batch_size``, each used once).
    neighbour_distance : float or None
        Anchor-to-neighbour distance in pixels (``None``: half a tile, 50 % overlap).

    Examples
    --------
    >>> DataConfig(channels=())
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: data.channels: expected at least one variable, got ()
    """

    tile_size: int = 256
    stride: int | None = None
    edge: str = "drop"
    channels: tuple[str, ...] = ("rgb",)
    filters: tuple[str, ...] | None = None
    n_triplets: int | None = None
    neighbour_distance: float | None = None

    def __post_init__(self) -> None:
        _check(self.tile_size >= 1, "data.tile_size", "a positive integer", self.tile_size)
        _check(len(self.channels) >= 1, "data.channels", "at least one variable", self.channels)
        _check(self.n_triplets is None or self.n_triplets >= 1, "data.n_triplets",
               "a positive integer or null", self.n_triplets)  # fmt: skip

    def with_tiles(
        self,
        tile_size: int | None = None,
        stride: int | None = None,
        edge: str | None = None,
        channels: Sequence[str] | None = None,
        filters: Sequence[str] | None = None,
    ) -> DataConfig:
        """A copy with the tiling, channels and filters given (``None``: unchanged; a new
        ``tile_size`` comes with ``stride``; empty ``channels`` are unchanged, empty
        ``filters`` exclude nothing).

        Examples
        --------
        >>> DataConfig(tile_size=128, stride=64).with_tiles(64, channels=["bt"])
        DataConfig(tile_size=64, stride=None, edge='drop', channels=('bt',), ...)
        """
        changes: dict[str, Any] = {"tile_size": tile_size, "stride": stride} if tile_size else {}
        if edge is not None:
            changes["edge"] = edge
        if channels:
            changes["channels"] = tuple(channels)
        if filters is not None:
            changes["filters"] = tuple(filters)
        return self.replace(**changes)


@dataclass(frozen=True)
class Tile2VecConfig(ConfigBase):
    """Everything that sets a Tile2Vec embedding model and its training.

    The JSON form is ``{"model": {...}, "triplet": {...}, "training": {...},
    "data": {...}}``; missing sections and keys take their defaults.

    Examples
    --------
    >>> cfg = Tile2VecConfig.from_json('{"model": {"backbone": "resnet50"}}')
    >>> cfg.model.backbone, cfg.model.embedding_dim, cfg.triplet.margin
    ('resnet50', 100, 1.0)
    """

    model: ModelConfig = field(default_factory=ModelConfig)
    triplet: TripletConfig = field(default_factory=TripletConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    data: DataConfig = field(default_factory=DataConfig)
