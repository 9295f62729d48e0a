"""Tile2Vec training of an embedder on (anchor, neighbour, distant) triplets.

The embedder learns to put a tile close to its overlapping neighbour and far from a tile
of another scene (report section 3.1.3, equation 3; Denby 2020). :func:`train_tile2vec`
is :func:`~cloudorg.models.training.fit` with the triplet step, random flips and
rotations of each tile, and the mean anchor–neighbour and anchor–distant distances
logged every step (the curves of the report's figure 20).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ..errors import ConfigError
from .config import Tile2VecConfig
from .data import BatchSource, as_batch_source
from .embedder import Embedder, build_embedder
from .loss import TripletLoss, triplet_distances
from .training import StepFn, TrainResult, fit

__all__ = [
    "LONG_NAMES",
    "as_triplet",
    "augment_triplets",
    "random_dihedral",
    "train_tile2vec",
    "triplet_step",
]

LONG_NAMES = {
    "loss": "triplet loss",
    "d_neighbour": "mean anchor-neighbour embedding distance",
    "d_distant": "mean anchor-distant embedding distance",
    "lr": "learning rate",
}


def random_dihedral(x: torch.Tensor) -> torch.Tensor:
    """Each tile of ``(N, C, H, W)`` under a random symmetry of the square.

    Flips of rows and columns, and (square tiles only) a transpose: the 8 flips and
    rotations by multiples of 90°, drawn from torch's global CPU generator so that the
    draws are the same on every device.

    Examples
    --------
    >>> x = torch.arange(4.0).reshape(1, 1, 2, 2).expand(64, 1, 2, 2)
    >>> y = random_dihedral(x)
    >>> len({tuple(t.flatten().tolist()) for t in y}), sorted(y[0].flatten().tolist())
    (8, [0.0, 1.0, 2.0, 3.0])
    """
    square = x.shape[-1] == x.shape[-2]
    code = torch.randint(0, 8 if square else 4, (x.shape[0],)).to(x.device)
    mask = [(code & bit).bool()[:, None, None, None] for bit in (1, 2, 4)]
    x = torch.where(mask[0], x.flip(-2), x)
    x = torch.where(mask[1], x.flip(-1), x)
    return torch.where(mask[2], x.transpose(-1, -2), x) if square else x


def as_triplet(batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(anchor, neighbour, distant)`` of a batch: a tuple (extra items such as scene ids
    are dropped) or a dict with keys ``anchor``, ``neighbor`` (or ``neighbour``) and
    ``distant`` (as :class:`cloudorg.tiles.loader.TripletDataset` yields).

    Examples
    --------
    >>> batch = {"anchor": torch.zeros(1), "neighbor": torch.ones(1), "distant": torch.ones(1)}
    >>> [float(t) for t in as_triplet(batch)]
    [0.0, 1.0, 1.0]
    """
    if isinstance(batch, Mapping):
        neighbour = batch["neighbor"] if "neighbor" in batch else batch["neighbour"]
        return batch["anchor"], neighbour, batch["distant"]
    anchor, neighbour, distant = batch[:3]
    return anchor, neighbour, distant


def augment_triplets(batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The triplet of a batch (:func:`as_triplet`) with each tile transformed by
    :func:`random_dihedral` on its own.

    Examples
    --------
    >>> batch = (torch.zeros(2, 1, 4, 4),) * 3 + (["s", "s"],)
    >>> [tuple(t.shape) for t in augment_triplets(batch)]
    [(2, 1, 4, 4), (2, 1, 4, 4), (2, 1, 4, 4)]
    """
    anchor, neighbour, distant = as_triplet(batch)
    return random_dihedral(anchor), random_dihedral(neighbour), random_dihedral(distant)


def triplet_step(loss: TripletLoss) -> StepFn:
    """The step function of Tile2Vec: one forward pass of the three tiles of each triplet.

    Returns ``(loss, {"d_neighbour", "d_distant"})`` with the batch means of the Euclidean
    anchor–neighbour and anchor–distant distances.

    Examples
    --------
    >>> from cloudorg.models.config import ModelConfig, TripletConfig
    >>> model = build_embedder(ModelConfig(in_channels=1, width=4, embedding_dim=5))
    >>> step = triplet_step(TripletLoss(TripletConfig()))
    >>> value, logged = step(model, (torch.rand(2, 1, 16, 16),) * 3)
    >>> round(float(logged["d_neighbour"]), 4), round(value.item(), 4)  # identical: loss = margin
    (0.0, 1.0)
    """

    def step(model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        anchor, neighbour, distant = as_triplet(batch)
        za, zn, zd = model(torch.cat([anchor, neighbour, distant])).float().chunk(3)
        with torch.no_grad():
            dn, dd = triplet_distances(za, zn, zd)
        return loss(za, zn, zd), {"d_neighbour": dn.mean(), "d_distant": dd.mean()}

    return step


def train_tile2vec(
    triplets: Any,
    config: Tile2VecConfig | None = None,
    *,
    val: Any = None,
    checkpoint: str | os.PathLike[str] | None = None,
    device: str | torch.device = "auto",
    progress: bool = True,
    model: Embedder | None = None,
) -> TrainResult:
    """Train a Tile2Vec embedder on triplets.

    Parameters
    ----------
    triplets : TripletTensors, torch Dataset, iterable or BatchSource
        ``(anchor, neighbour, distant[, scene_id])`` float32 tiles (or dicts as
        :func:`as_triplet` reads): a map-style dataset of samples ``(C, H, W)`` (batched
        here, ``config.training.batch_size`` at a time, in a seeded order; e.g.
        :func:`~cloudorg.models.sources.triplets_from_store`), an iterable of batches
        ``(N, C, H, W)`` or of samples (e.g. :class:`cloudorg.tiles.loader.TripletDataset`;
        a newly made one must give the same sequence of passes to resume exactly), or a
        :class:`~cloudorg.models.data.BatchSource`.
    config : Tile2VecConfig, optional
        Model, triplet objective and training (defaults: ResNet-18, 100-d, margin 1).
    val : same kinds as ``triplets``, optional
        Validation triplets. When not given and ``triplets`` has scene ids
        (:class:`~cloudorg.models.data.TripletTensors`), ``config.training.val_fraction``
        of its scenes are held out; otherwise there is no validation.
    checkpoint : path, optional
        Checkpoint file, written every ``checkpoint_every`` steps and at the end; a run
        whose checkpoint exists continues from it (same result as without the break).
    device : str or torch.device
        ``"auto"``: CUDA when available (bf16 autocast), else the CPU.
    progress : bool
        Show a progress bar.
    model : Embedder, optional
        Start from this model (e.g. with a backbone loaded from elsewhere) instead of new
        weights drawn from ``config.training.seed``; its config must be ``config.model``.

    Returns
    -------
    TrainResult
        ``model`` (an :class:`Embedder`), ``history`` (``loss``, ``d_neighbour``,
        ``d_distant``, ``lr`` per step; ``val_*`` per validation) and ``checkpoint``.

    Raises
    ------
    cloudorg.errors.ConfigError
        For a ``model`` of another configuration, a checkpoint of another run, or
        too little data.

    Examples
    --------
    >>> import torch
    >>> from cloudorg.models.config import ModelConfig, Tile2VecConfig, TrainingConfig
    >>> from cloudorg.models.data import TripletTensors
    >>> g = torch.Generator().manual_seed(0)
    >>> anchor = torch.rand(16, 1, 32, 32, generator=g)
    >>> data = TripletTensors(anchor, anchor.flip(-1), torch.rand(16, 1, 32, 32, generator=g))
    >>> cfg = Tile2VecConfig(model=ModelConfig(in_channels=1, width=4, embedding_dim=8),
    ...                      training=TrainingConfig(steps=3, batch_size=8, val_fraction=0))
    >>> result = train_tile2vec(data, cfg, progress=False)
    >>> sorted(result.history.data_vars)
    ['d_distant', 'd_neighbour', 'loss', 'lr']
    """
    config = config or Tile2VecConfig()
    tc = config.training
    if model is None:
        model = build_embedder(config.model, seed=tc.seed)
    elif model.config != config.model:
        raise ConfigError(f"model: its config {model.config} is not config.model {config.model}")
    if val is None and tc.val_fraction > 0 and getattr(triplets, "scene_ids", None):
        triplets, val = triplets.split_by_scene(tc.val_fraction, seed=tc.seed)
    train_src: BatchSource = as_batch_source(triplets, tc.batch_size, seed=tc.seed)
    val_src = None if val is None else as_batch_source(val, tc.batch_size, training=False)
    result = fit(
        model, triplet_step(TripletLoss(config.triplet)), train_src, config=tc,
        run_config=config.to_dict(), augment=augment_triplets if config.triplet.augment else None,
        val=val_src, checkpoint=checkpoint, device=device, progress=progress, desc="tile2vec",
        long_names=LONG_NAMES, kind="tile2vec",
    )  # fmt: skip
    result.history.attrs["config"] = config.to_json()
    return result
