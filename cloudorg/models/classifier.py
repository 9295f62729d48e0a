"""Supervised classification of tiles into cloud-organisation classes (report section 8).

A :class:`Classifier` is a ResNet backbone (:func:`~cloudorg.models.resnets.resnet`) and a
perceptron head; the report's default is ResNet-18 with a 100-30-10-5 perceptron and a
softmax over the five classes (0 none, 1 sugar, 2 gravel, 3 fish, 4 flower). Unbalanced
classes are handled with inverse-frequency class weights in the cross-entropy or with
class-balanced sampling (:class:`BalancedBatches`), and judged with per-class precision
and recall (:func:`classification_metrics`). :func:`train_classifier` is
:func:`~cloudorg.models.training.fit` with the cross-entropy step; the validation tiles
are whole scenes held out (:meth:`LabelledTiles.split_by_scene`).

Examples
--------
>>> import torch
>>> model = build_classifier(ClassifierConfig(in_channels=1, width=4))
>>> model(torch.rand(2, 1, 32, 32)).shape
torch.Size([2, 5])
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import xarray as xr
from torch import nn
from torch.utils.data import Dataset

from ..errors import ConfigError
from .config import BACKBONES, ConfigBase, DataConfig, TrainingConfig, _check
from .data import Batch, BatchSource, ShuffledBatches, split_scenes
from .resnets import resnet
from .tile2vec import random_dihedral
from .training import StepFn, TrainResult, fit

__all__ = [
    "CLASS_NAMES",
    "BalancedBatches",
    "Classifier",
    "ClassifierConfig",
    "ClassifierRunConfig",
    "LabelledTiles",
    "build_classifier",
    "class_probabilities",
    "class_weights",
    "classification_metrics",
    "classifier_step",
    "default_class_names",
    "metrics_summary",
    "train_classifier",
]

CLASS_NAMES = ("none", "sugar", "gravel", "fish", "flower")
"""Names of the label codes 0-4 of :mod:`cloudorg.io.labels`."""


def default_class_names(n_classes: int) -> tuple[str, ...]:
    """Names of class codes ``0 .. n_classes - 1``: :data:`CLASS_NAMES` when there are
    enough, else the codes as strings.

    Examples
    --------
    >>> default_class_names(3), default_class_names(6)[-1]
    (('none', 'sugar', 'gravel'), '5')
    """
    if n_classes <= len(CLASS_NAMES):
        return CLASS_NAMES[:n_classes]
    return tuple(str(i) for i in range(n_classes))


WEIGHTINGS = ("inverse", "balanced", "none")


@dataclass(frozen=True)
class ClassifierConfig(ConfigBase):
    """Architecture of a :class:`Classifier`.

    Parameters
    ----------
    backbone : str
        One of ``resnet18/34/50/101``.
    in_channels, width : int
        Input channels and first-stage width of the backbone (64 in the paper).
    hidden : tuple of int
        Hidden layer sizes of the perceptron head (report: 100, 30, 10).
    n_classes : int
        Output classes (report: 5).
    dropout : float
        Dropout before each hidden layer of the head.

    Examples
    --------
    >>> ClassifierConfig(hidden=(0,))
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: classifier.hidden: expected positive layer sizes, got (0,)
    """

    backbone: str = "resnet18"
    in_channels: int = 3
    width: int = 64
    hidden: tuple[int, ...] = (100, 30, 10)
    n_classes: int = 5
    dropout: float = 0.0

    def __post_init__(self) -> None:
        _check(self.backbone in BACKBONES, "classifier.backbone", f"one of {BACKBONES}",
               self.backbone)  # fmt: skip
        for name in ("in_channels", "width"):
            value = getattr(self, name)
            _check(value >= 1, f"classifier.{name}", "a positive integer", value)
        _check(self.n_classes >= 2, "classifier.n_classes", "at least 2", self.n_classes)
        _check(all(h >= 1 for h in self.hidden), "classifier.hidden", "positive layer sizes",
               self.hidden)  # fmt: skip
        _check(0.0 <= self.dropout < 1.0, "classifier.dropout", "a number in [0, 1)",
               self.dropout)  # fmt: skip


@dataclass(frozen=True)
class ClassifierRunConfig(ConfigBase):
    """A classifier training run: architecture, class weighting and optimisation.

    Parameters
    ----------
    model : ClassifierConfig
    weighting : {"inverse", "balanced", "none"}
        ``inverse``: cross-entropy weighted by inverse class frequency of the training
        labels; ``balanced``: batches drawn uniformly over classes; ``none``: neither.
    augment : bool
        Random flips and rotations of the training tiles.
    training : TrainingConfig
    data : DataConfig
        The tiles of a campaign store the classifier is trained on and applied to (used by
        ``cloudorg classify`` and as the defaults of
        :func:`cloudorg.models.inference.classify_store`; in-memory training ignores it).

    Examples
    --------
    >>> ClassifierRunConfig(weighting="sqrt")
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: weighting: expected one of ('inverse', 'balanced', 'none'), ...
    """

    model: ClassifierConfig = field(default_factory=ClassifierConfig)
    weighting: str = "inverse"
    augment: bool = True
    training: TrainingConfig = field(default_factory=TrainingConfig)
    data: DataConfig = field(default_factory=DataConfig)

    def __post_init__(self) -> None:
        _check(self.weighting in WEIGHTINGS, "weighting", f"one of {WEIGHTINGS}", self.weighting)


class Classifier(nn.Module):
    """A ResNet backbone and a perceptron head giving class logits.

    ``forward`` returns logits ``(N, n_classes)``; :meth:`predict_proba` the softmax.

    Attributes
    ----------
    config : ClassifierConfig
    backbone : ResNet
    head : torch.nn.Sequential
    """

    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__()
        self.config = config
        self.backbone = resnet(config.backbone, in_channels=config.in_channels,
                               width=config.width)  # fmt: skip
        layers: list[nn.Module] = []
        cin = self.backbone.out_features
        for h in config.hidden:
            if config.dropout > 0:
                layers.append(nn.Dropout(config.dropout))
            layers += [nn.Linear(cin, h), nn.ReLU(inplace=True)]
            cin = h
        layers.append(nn.Linear(cin, config.n_classes))
        self.head = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, n_classes)`` of tiles ``(N, C, H, W)``."""
        return self.head(self.backbone(x))

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Softmax class probabilities ``(N, n_classes)``."""
        return torch.softmax(self.forward(x).float(), dim=1)


def build_classifier(config: ClassifierConfig | None = None, *, seed: int = 0) -> Classifier:
    """A new :class:`Classifier` with weights drawn from ``seed``.

    Examples
    --------
    >>> [m.out_features for m in build_classifier().head if hasattr(m, "out_features")]
    [100, 30, 10, 5]
    """
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        return Classifier(config or ClassifierConfig())
    finally:
        torch.random.set_rng_state(state)


class LabelledTiles(Dataset):
    """Tiles, their class codes and (optionally) the scene or image of each.

    Parameters
    ----------
    images : tensor or array ``(N, C, H, W)``
    labels : tensor or array ``(N,)`` of int
    scene_ids : sequence of str, optional
        Scene (image) of each tile, to hold out whole scenes for validation.

    Examples
    --------
    >>> data = LabelledTiles(torch.zeros(4, 1, 8, 8), [1, 1, 4, 4], scene_ids=list("abcd"))
    >>> train, val = data.split_by_scene(0.25, seed=0)
    >>> len(train), len(val), data[0][1].item()
    (3, 1, 1)
    """

    def __init__(self, images: Any, labels: Any, *, scene_ids: Sequence[str] | None = None) -> None:
        self.images = torch.as_tensor(np.asarray(images) if not torch.is_tensor(images)
                                      else images, dtype=torch.float32)  # fmt: skip
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.long).reshape(-1)
        if self.images.ndim != 4:
            raise ConfigError(
                f"images: expected (N, C, H, W), got shape {tuple(self.images.shape)}"
            )
        if len(self.labels) != len(self.images):
            raise ConfigError(
                f"labels: expected {len(self.images)} labels (one per tile), got {len(self.labels)}"
            )
        if scene_ids is not None and len(scene_ids) != len(self.images):
            raise ConfigError(f"scene_ids: expected {len(self.images)}, got {len(scene_ids)}")
        self.scene_ids = list(scene_ids) if scene_ids is not None else None

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images[index], self.labels[index]

    def __getitems__(self, indices: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.as_tensor(list(indices), dtype=torch.long)
        return self.images[idx], self.labels[idx]

    def subset(self, indices: Sequence[int]) -> LabelledTiles:
        """The tiles at ``indices``."""
        idx = torch.as_tensor(list(indices), dtype=torch.long)
        scenes = None if self.scene_ids is None else [self.scene_ids[i] for i in idx.tolist()]
        return LabelledTiles(self.images[idx], self.labels[idx], scene_ids=scenes)

    def split_by_scene(self, fraction: float, *, seed: int = 0) -> tuple[LabelledTiles, ...]:
        """``(train, val)``: ``fraction`` of the scenes (whole) held out for validation.

        Raises
        ------
        cloudorg.errors.ConfigError
            When the tiles have no scene ids.
        """
        if self.scene_ids is None:
            raise ConfigError("scene_ids: needed to split by scene; give LabelledTiles(scene_ids=)")
        _, val_scenes = split_scenes(self.scene_ids, fraction, seed=seed)
        held = set(val_scenes)
        val = [i for i, s in enumerate(self.scene_ids) if s in held]
        train = [i for i, s in enumerate(self.scene_ids) if s not in held]
        return self.subset(train), self.subset(val)


class BalancedBatches(BatchSource):
    """Endless seeded batches drawn uniformly over classes (then uniformly within a class).

    Used for unbalanced labels, and by DeepCluster (uniform sampling over clusters).
    Batch ``b`` depends only on ``seed`` and ``b``, so a run resumes exactly.

    Parameters
    ----------
    dataset : map-style dataset of ``(image, label)``
    labels : array of int
        Label of each sample (classes without samples are never drawn).
    batch_size : int
    seed : int

    Examples
    --------
    >>> ds = LabelledTiles(torch.zeros(10, 1, 2, 2), [0] * 9 + [1])
    >>> x, y = next(BalancedBatches(ds, ds.labels, 400).batches())
    >>> 150 < int(y.sum()) < 250
    True
    """

    def __init__(self, dataset: Any, labels: Any, batch_size: int, *, seed: int = 0) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size: expected a positive integer, got {batch_size}")
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != len(dataset) or len(labels) == 0:
            raise ConfigError(f"labels: expected {len(dataset)} labels, got {len(labels)}")
        self.dataset, self.batch_size, self.seed = dataset, batch_size, seed
        self.members = [np.flatnonzero(labels == c) for c in np.unique(labels)]

    def batches(self, start: int = 0) -> Iterator[Batch]:
        """Batches from number ``start`` on."""
        b = start
        while True:
            rng = np.random.default_rng([self.seed, b])
            groups = rng.integers(0, len(self.members), self.batch_size)
            idx = [int(self.members[g][rng.integers(len(self.members[g]))]) for g in groups]
            items = self.dataset.__getitems__(idx) if hasattr(self.dataset, "__getitems__") \
                else torch.utils.data.default_collate([self.dataset[i] for i in idx])  # fmt: skip
            yield items
            b += 1


def class_weights(labels: Any, n_classes: int) -> torch.Tensor:
    """Inverse-frequency class weights, mean 1 over the classes present (0 for absent).

    Examples
    --------
    >>> class_weights([1, 1, 1, 4], 5).tolist()
    [0.0, 0.5, 0.0, 0.0, 1.5]
    """
    counts = np.bincount(np.asarray(labels, dtype=np.int64).reshape(-1), minlength=n_classes)
    if len(counts) > n_classes:
        raise ConfigError(
            f"labels: expected codes below n_classes={n_classes}, got {len(counts) - 1}"
        )
    w = np.where(counts > 0, 1.0 / np.maximum(counts, 1), 0.0)
    w = w * (counts > 0).sum() / w.sum()
    return torch.as_tensor(w, dtype=torch.float32)


def classifier_step(weights: torch.Tensor | None = None) -> StepFn:
    """The step function: (weighted) cross-entropy of ``(images, labels)``; logs accuracy.

    Examples
    --------
    >>> model = build_classifier(ClassifierConfig(in_channels=1, width=4, n_classes=2))
    >>> batch = (torch.rand(4, 1, 16, 16), torch.tensor([0, 1, 0, 1]))
    >>> loss, logged = classifier_step()(model, batch)
    >>> sorted(logged), bool(loss > 0)
    (['accuracy'], True)
    """

    def step(model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        images, labels = batch[0], batch[1]
        logits = model(images).float()
        w = None if weights is None else weights.to(logits.device)
        loss = nn.functional.cross_entropy(logits, labels, weight=w)
        with torch.no_grad():
            acc = (logits.argmax(1) == labels).float().mean()
        return loss, {"accuracy": acc}

    return step


def _augment(batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
    return random_dihedral(batch[0]), batch[1]


@torch.no_grad()
def class_probabilities(
    model: nn.Module, images: Any, *, batch_size: int = 256, device: str | torch.device = "cpu"
) -> np.ndarray:
    """Softmax probabilities ``(N, n_classes)`` of tiles ``(N, C, H, W)``, in eval mode.

    Examples
    --------
    >>> model = build_classifier(ClassifierConfig(in_channels=1, width=4))
    >>> p = class_probabilities(model, torch.rand(3, 1, 32, 32))
    >>> p.shape, bool(np.allclose(p.sum(1), 1, atol=1e-5))
    ((3, 5), True)
    """
    x = torch.as_tensor(np.asarray(images) if not torch.is_tensor(images) else images,
                        dtype=torch.float32)  # fmt: skip
    was_training = model.training
    model.eval()
    dev = torch.device(device)
    out = []
    try:
        for i in range(0, len(x), batch_size):
            out.append(torch.softmax(model(x[i : i + batch_size].to(dev)).float(), 1).cpu())
    finally:
        model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, 0), np.float32)


def classification_metrics(
    y_true: Any, y_pred: Any, *, class_names: Sequence[str] | None = None
) -> xr.Dataset:
    """Confusion matrix, per-class precision and recall, and accuracy.

    Parameters
    ----------
    y_true, y_pred : array of int
        True and predicted class codes.
    class_names : sequence of str, optional
        Names of codes 0, 1, ... (default :data:`CLASS_NAMES` when it has enough, else
        the codes as strings).

    Returns
    -------
    xarray.Dataset
        ``confusion (true, predicted)`` (counts), ``precision (class)``, ``recall (class)``
        (NaN for a class never predicted / never present), ``support (class)`` and scalar
        ``accuracy``.

    Examples
    --------
    >>> m = classification_metrics([1, 1, 4, 4], [1, 4, 4, 4])
    >>> m.recall.loc["sugar"].item(), round(m.precision.loc["flower"].item(), 3)
    (0.5, 0.667)
    """
    t = np.asarray(y_true, dtype=np.int64).reshape(-1)
    p = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    if t.shape != p.shape:
        raise ConfigError(f"y_pred: expected {t.shape[0]} predictions, got {p.shape[0]}")
    n = int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    names = list(default_class_names(max(n, len(CLASS_NAMES))) if class_names is None
                 else class_names)  # fmt: skip
    k = len(names)
    if n > k:
        raise ConfigError(f"class_names: {k} names for class codes up to {n - 1}")
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    tp = np.diag(cm).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = tp / cm.sum(0)
        recall = tp / cm.sum(1)
    return xr.Dataset(
        {
            "confusion": (("true", "predicted"), cm, {"long_name": "confusion matrix (counts)"}),
            "precision": ("class", precision, {"long_name": "precision"}),
            "recall": ("class", recall, {"long_name": "recall"}),
            "support": ("class", cm.sum(1), {"long_name": "true samples"}),
            "accuracy": ((), tp.sum() / max(1, len(t)), {"long_name": "accuracy"}),
        },
        coords={"true": names, "predicted": names, "class": names},
    )


def _as_tiles(data: Any, name: str) -> LabelledTiles:
    if isinstance(data, LabelledTiles):
        return data
    if isinstance(data, tuple | list) and len(data) in (2, 3):
        return LabelledTiles(*data[:2], scene_ids=data[2] if len(data) == 3 else None)
    raise ConfigError(f"{name}: expected LabelledTiles or (images, labels[, scene_ids])")


def train_classifier(
    data: LabelledTiles | tuple[Any, ...],
    config: ClassifierRunConfig | None = None,
    *,
    val: LabelledTiles | tuple[Any, ...] | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    device: str | torch.device = "auto",
    progress: bool = True,
    model: Classifier | None = None,
) -> TrainResult:
    """Train a :class:`Classifier` on labelled tiles with :func:`~cloudorg.models.training.fit`.

    Parameters
    ----------
    data : LabelledTiles or (images, labels[, scene_ids])
        Training tiles ``(N, C, H, W)`` and class codes.
    config : ClassifierRunConfig, optional
        Architecture, class weighting, augmentation, training.
    val : same kinds as ``data``, optional
        Validation tiles. When not given and ``data`` has scene ids,
        ``config.training.val_fraction`` of its scenes are held out.
    checkpoint : path, optional
        Checkpoint file; a run whose checkpoint exists continues from it.
    device : str or torch.device
        ``"auto"``: CUDA when available, else the CPU.
    progress : bool
        Show a progress bar.
    model : Classifier, optional
        Start from this model (its config must be ``config.model``).

    Returns
    -------
    TrainResult
        ``history`` has ``loss``, ``accuracy``, ``lr`` (and ``val_*``); its attrs hold the
        config. For per-class precision and recall call :func:`classification_metrics`
        on the argmax of :func:`class_probabilities`.

    Raises
    ------
    cloudorg.errors.ConfigError
        For labels outside ``n_classes``, a model of another config or too little data.

    Examples
    --------
    >>> x = torch.rand(16, 1, 32, 32); y = torch.tensor([1, 4] * 8)
    >>> cfg = ClassifierRunConfig(model=ClassifierConfig(in_channels=1, width=4, hidden=(8,)),
    ...     training=TrainingConfig(steps=2, batch_size=8, val_fraction=0, mixed_precision=False))
    >>> result = train_classifier((x, y), cfg, progress=False, device="cpu")
    >>> sorted(result.history.data_vars)
    ['accuracy', 'loss', 'lr']
    """
    config = config or ClassifierRunConfig()
    tc, mc = config.training, config.model
    train = _as_tiles(data, "data")
    val_tiles = None if val is None else _as_tiles(val, "val")
    if len(train) == 0:
        raise ConfigError("data: no tiles")
    if int(train.labels.max()) >= mc.n_classes or int(train.labels.min()) < 0:
        raise ConfigError(
            f"data: labels must be in [0, {mc.n_classes - 1}] (model.n_classes), got "
            f"[{int(train.labels.min())}, {int(train.labels.max())}]"
        )
    if model is None:
        model = build_classifier(mc, seed=tc.seed)
    elif model.config != mc:
        raise ConfigError(f"model: its config {model.config} is not config.model {mc}")
    if val_tiles is None and tc.val_fraction > 0 and train.scene_ids:
        train, val_tiles = train.split_by_scene(tc.val_fraction, seed=tc.seed)
    weights = None
    if config.weighting == "balanced":
        source: BatchSource = BalancedBatches(train, train.labels, tc.batch_size, seed=tc.seed)
    else:
        source = ShuffledBatches(train, tc.batch_size, seed=tc.seed)
        if config.weighting == "inverse":
            weights = class_weights(train.labels, mc.n_classes)
    val_src = None
    if val_tiles is not None and len(val_tiles):
        val_src = ShuffledBatches(val_tiles, min(tc.batch_size, len(val_tiles)), shuffle=False,
                                  repeat=False, drop_last=False)  # fmt: skip
    result = fit(
        model, classifier_step(weights), source, config=tc, run_config=config.to_dict(),
        augment=_augment if config.augment else None, val=val_src, checkpoint=checkpoint,
        device=device, progress=progress, desc="classifier", kind="classifier",
        long_names={"loss": "cross-entropy", "accuracy": "accuracy", "lr": "learning rate"},
    )  # fmt: skip
    result.history.attrs["config"] = config.to_json()
    return result


def metrics_summary(metrics: xr.Dataset) -> dict:
    """:func:`~cloudorg.models.classifier.classification_metrics` as plain data (JSON):
    accuracy, per-class precision, recall and support (NaN as ``None``), the confusion
    matrix (rows: true classes) and the class names, rounded to 4 digits.

    Examples
    --------
    >>> from cloudorg.models.classifier import classification_metrics
    >>> metrics_summary(classification_metrics([0, 1], [0, 0]))["confusion"][:2]
    [[1, 0, 0, 0, 0], [1, 0, 0, 0, 0]]
    """

    def number(v: float) -> float | None:
        return None if not np.isfinite(v) else round(float(v), 4)

    names = [str(c) for c in metrics["class"].values]
    per_class = {
        c: {"precision": number(p), "recall": number(r), "support": int(s)}
        for c, p, r, s in zip(
            names,
            metrics.precision.values,
            metrics.recall.values,
            metrics.support.values,
            strict=True,
        )
    }
    return {
        "accuracy": number(float(metrics.accuracy)),
        "classes": per_class,
        "class_names": names,
        "confusion": metrics.confusion.values.astype(int).tolist(),
    }
