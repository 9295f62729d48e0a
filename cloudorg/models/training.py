"""A training loop for any model of :mod:`cloudorg.models`, built around a step function.

:func:`fit` owns what every trainer needs: the device, the optimiser and learning-rate
schedule, bf16 autocast on CUDA, gradient clipping, validation, a checkpoint every N
steps, resuming from the last checkpoint after an interruption, per-step logs and a
progress bar. A trainer supplies only

- ``step_fn(model, batch) -> (loss, {name: scalar tensor})``: the loss of a batch and the
  metrics to log (run in train mode with gradients, and in eval mode for validation);
- ``augment(batch) -> batch`` (optional): random augmentation of training batches;
- the batches, as a :class:`~cloudorg.models.data.BatchSource`.

A run is deterministic for ``config.seed``; a resumed run gives the same weights as an
uninterrupted one because the checkpoint holds the model, optimiser and scheduler states,
the python/numpy/torch RNG states, the position of the batch stream and the history.
"""

from __future__ import annotations

import itertools
import math
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import xarray as xr
from torch import nn
from tqdm.auto import tqdm

from ..errors import ConfigError
from .checkpoint import (
    Checkpoint,
    CheckpointError,
    capture_rng_state,
    load_checkpoint,
    restore_rng_state,
    save_checkpoint,
)
from .config import TrainingConfig
from .data import BatchSource, prefetch
from .device import autocast, pin_memory, place_model, resolve_device, to_device
from .history import history_dataset

__all__ = [
    "Heartbeat",
    "StepFn",
    "TrainResult",
    "fit",
    "make_optimizer",
    "make_scheduler",
    "seed_everything",
]

StepFn = Callable[[nn.Module, Any], tuple[torch.Tensor, Mapping[str, torch.Tensor]]]


@dataclass
class TrainResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    model : torch.nn.Module
        The trained model (on the training device, in eval mode).
    history : xarray.Dataset
        Per-step metrics (``step``) and validation metrics (``val_step``).
    checkpoint : pathlib.Path or None
        The last checkpoint written.
    """

    model: nn.Module
    history: xr.Dataset
    checkpoint: Path | None


def seed_everything(seed: int) -> None:
    """Seed python's, numpy's (global) and torch's generators.

    Examples
    --------
    >>> seed_everything(3); a = torch.rand(1); seed_everything(3); bool(torch.rand(1) == a)
    True
    """
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (code that draws from numpy's global generator)
    torch.manual_seed(seed)


def make_optimizer(
    parameters: Iterable[nn.Parameter], config: TrainingConfig
) -> torch.optim.Optimizer:
    """The optimiser of ``config`` over the parameters that need gradients.

    Examples
    --------
    >>> make_optimizer(torch.nn.Linear(2, 1).parameters(), TrainingConfig(optimizer="sgd"))
    SGD (...
    """
    params = [p for p in parameters if p.requires_grad]
    if not params:
        raise ConfigError("model: no parameter to train (is everything frozen?)")
    c = config
    if c.optimizer == "sgd":
        return torch.optim.SGD(params, lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay)
    cls = torch.optim.AdamW if c.optimizer == "adamw" else torch.optim.Adam
    return cls(params, lr=c.lr, weight_decay=c.weight_decay)


def _lr_factor(config: TrainingConfig) -> Callable[[int], float]:
    warmup, steps, schedule = config.warmup_steps, config.steps, config.schedule

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        t = (step - warmup) / max(1, steps - warmup)
        if schedule == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * min(t, 1.0)))
        if schedule == "step":
            return 0.1 ** ((t >= 0.6) + (t >= 0.9))
        return 1.0

    return factor


def make_scheduler(
    optimizer: torch.optim.Optimizer, config: TrainingConfig
) -> torch.optim.lr_scheduler.LambdaLR:
    """The learning-rate schedule of ``config`` (warm-up, then constant/cosine/step).

    Examples
    --------
    >>> opt = make_optimizer(torch.nn.Linear(2, 1).parameters(), TrainingConfig(lr=1.0))
    >>> sched = make_scheduler(opt, TrainingConfig(steps=4, schedule="cosine"))
    >>> lrs = []
    >>> for _ in range(3):
    ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 2))
    >>> lrs
    [0.85, 0.5, 0.15]
    """
    return torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_factor(config))


def _evaluate(
    model: nn.Module, step_fn: StepFn, batches: Iterator[Any], device: torch.device, amp: bool
) -> dict[str, float]:
    """Sample-weighted means of the loss and metrics over validation batches."""
    sums: dict[str, float] = defaultdict(float)
    count = 0
    model.eval()
    with torch.no_grad(), autocast(device, amp):
        for batch in batches:
            batch = to_device(batch, device)
            n = len(batch[0]) if isinstance(batch, tuple | list) else len(batch)
            loss, metrics = step_fn(model, batch)
            for name, value in {"loss": loss, **metrics}.items():
                sums[name] += float(value.float()) * n
            count += n
    model.train()
    if count == 0:
        raise ConfigError("validation data: no batch to evaluate")
    return {name: total / count for name, total in sums.items()}


def _due(step: int, last: int, every: int) -> bool:
    """Whether ``step`` is the ``last`` one or a multiple of ``every`` (0: never)."""
    return step == last or (every > 0 and step % every == 0)


class Heartbeat:
    """Without a progress bar, one line on standard error at most once a minute: where a
    long run is.

    Examples
    --------
    >>> beat = Heartbeat("train", 100, enabled=True, every_s=0.0, stream=sys.stdout)
    >>> beat(10, 0.5)
    train: step 10 of 100, loss 0.5
    """

    def __init__(
        self, desc: str, total: int, *, enabled: bool, every_s: float = 60.0, stream: Any = None
    ) -> None:
        self.desc, self.total, self.enabled, self.every_s = desc, total, enabled, every_s
        self.stream = stream
        self.last = time.monotonic()

    def __call__(self, step: int, loss: float) -> None:
        """Note a finished step (printed when a minute has passed since the last line)."""
        now = time.monotonic()
        if self.enabled and now - self.last >= self.every_s:
            self.last = now
            print(f"{self.desc}: step {step} of {self.total}, loss {loss:.4g}",
                  file=self.stream or sys.stderr, flush=True)  # fmt: skip


def _log(
    history: dict[str, list[float]],
    prefix: str,
    step: int,
    values: Mapping[str, torch.Tensor | float],
) -> None:
    """Append a step's values (one device sync for all tensors) to the history."""
    history[f"{prefix}step"].append(step)
    numbers = torch.stack([torch.as_tensor(v).detach().float() for v in values.values()])
    for name, value in zip(values, numbers.tolist(), strict=True):
        history[f"{prefix}{name}"].append(value)


def _resume(
    path: Path,
    run_config: Mapping[str, Any],
    device: torch.device,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    history: dict[str, list[float]],
) -> int:
    """Restore a run from its checkpoint; return the number of batches it has used."""
    state = load_checkpoint(path, expect=run_config, map_location=device)
    if state.optimizer is None or state.scheduler is None or state.rng is None:
        raise CheckpointError(
            f"checkpoint {path}: holds weights only, not the state to resume a run; give "
            "a new checkpoint path"
        )
    model.load_state_dict(state.model)
    optimizer.load_state_dict(state.optimizer)
    scheduler.load_state_dict(state.scheduler)
    restore_rng_state(state.rng)
    history.update({k: list(v) for k, v in (state.history or {}).items()})
    return int((state.sampler or {}).get("batches", state.step))


def _check_kind(kind: str) -> None:
    from .tile_models import MODEL_KINDS  # the kinds' modules train through this one

    if kind not in MODEL_KINDS.names():
        raise ConfigError(f"kind: expected one of the model kinds {list(MODEL_KINDS.names())}, "
                          f"got {kind!r}")  # fmt: skip


def fit(
    model: nn.Module,
    step_fn: StepFn,
    train: BatchSource,
    *,
    config: TrainingConfig,
    run_config: Mapping[str, Any],
    augment: Callable[[Any], Any] | None = None,
    val: BatchSource | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    device: str | torch.device = "auto",
    progress: bool = True,
    desc: str = "train",
    long_names: Mapping[str, str] | None = None,
    kind: str | None = None,
) -> TrainResult:
    """Train ``model`` for ``config.steps`` steps; resume from ``checkpoint`` if it exists.

    Parameters
    ----------
    model : torch.nn.Module
        Initialised model (moved to the device here).
    step_fn : callable
        ``step_fn(model, batch) -> (loss, metrics)``; ``metrics`` maps names to scalar
        tensors, logged every step.
    train : BatchSource
        Training batches (endless); ``train.batches(start)`` must give the batches from
        number ``start`` on.
    config : TrainingConfig
        Optimiser, schedule, checkpointing, validation, seed.
    run_config : mapping
        The JSON dict of the whole run (model, objective, training): saved in every
        checkpoint, and a checkpoint made with another one is refused.
    augment : callable, optional
        Applied to each training batch on the device, before ``step_fn``.
    val : BatchSource, optional
        Validation batches; the first ``config.val_batches`` are evaluated every
        ``config.validate_every`` steps and at the end.
    checkpoint : path, optional
        Checkpoint file: written every ``config.checkpoint_every`` steps and at the end;
        when it exists the run continues from it.
    device : str or torch.device
        ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda[:N]"``.
    progress : bool
        Show a tqdm progress bar.
    desc : str
        Label of the progress bar.
    long_names : mapping, optional
        ``long_name`` attributes of the logged metrics.
    kind : str, optional
        The model kind the checkpoints record (a name of
        :data:`cloudorg.models.tile_models.MODEL_KINDS`, plug-in kinds included);
        ``None``: the kind the layout of ``run_config`` shows
        (:func:`~cloudorg.models.checkpoint.kind_of_config`).

    Returns
    -------
    TrainResult

    Raises
    ------
    cloudorg.errors.ConfigError
        When the checkpoint was made with another ``run_config``, ``kind`` is not a
        registered model kind, or the training data runs out.

    Examples
    --------
    >>> import torch
    >>> from cloudorg.models.config import TrainingConfig
    >>> from cloudorg.models.data import ShuffledBatches
    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(64, 3)
    >>> data = torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True))
    >>> def step(model, batch):
    ...     x, y = batch
    ...     loss = torch.nn.functional.mse_loss(model(x), y)
    ...     return loss, {}
    >>> cfg = TrainingConfig(steps=20, batch_size=16, lr=0.05, validate_every=0)
    >>> result = fit(torch.nn.Linear(3, 1), step, ShuffledBatches(data, 16), config=cfg,
    ...              run_config={"training": cfg.to_dict()}, progress=False)
    >>> result.history.loss.sizes["step"], bool(result.history.loss[-1] < result.history.loss[0])
    (20, True)
    """
    if kind is not None:
        _check_kind(kind)
    dev = resolve_device(device)
    amp = config.mixed_precision
    place_model(model, dev)
    optimizer = make_optimizer(model.parameters(), config)
    scheduler = make_scheduler(optimizer, config)
    history: dict[str, list[float]] = defaultdict(list)
    seed_everything(config.seed)
    path = Path(checkpoint) if checkpoint is not None else None
    start = 0
    if path is not None and path.exists():
        start = _resume(path, run_config, dev, model, optimizer, scheduler, history)

    def save(step: int) -> None:
        assert path is not None
        save_checkpoint(path, Checkpoint(
            config=dict(run_config), model=model.state_dict(), step=step,
            optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict(),
            rng=capture_rng_state(), sampler={"batches": step}, history=dict(history), kind=kind,
        ))  # fmt: skip

    model.train()
    source = train.batches(start)
    batches = prefetch(map(pin_memory, source) if dev.type == "cuda" else source)
    bar = tqdm(total=config.steps, initial=start, desc=desc, leave=False,
               disable=not progress or start >= config.steps)  # fmt: skip
    heartbeat = Heartbeat(desc, config.steps, enabled=not progress)
    try:
        for step in range(start + 1, config.steps + 1):
            batch = next(batches, None)
            if batch is None:
                raise ConfigError(
                    f"training data: ran out after {step - 1} batches of the {config.steps} "
                    "steps asked for; give an endless batch source or fewer steps"
                )
            batch = to_device(batch, dev)
            if augment is not None:
                batch = augment(batch)
            with autocast(dev, amp):
                loss, metrics = step_fn(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            history["lr"].append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
            _log(history, "", step, {"loss": loss, **metrics})
            if (
                val is not None
                and config.validate_every
                and _due(step, config.steps, config.validate_every)
            ):
                val_batches = itertools.islice(val.batches(0), config.val_batches)
                _log(history, "val_", step, _evaluate(model, step_fn, val_batches, dev, amp))
            if path is not None and _due(step, config.steps, config.checkpoint_every):
                save(step)
            bar.update()
            bar.set_postfix(loss=f"{history['loss'][-1]:.4g}", refresh=False)
            heartbeat(step, history["loss"][-1])
    finally:
        bar.close()
        batches.close()
    model.eval()
    return TrainResult(model, history_dataset(history, long_names=long_names), path)
