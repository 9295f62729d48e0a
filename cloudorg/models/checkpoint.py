"""Checkpoints: a model ``state_dict`` plus its JSON config, and the state to resume training.

A checkpoint is one ``torch.save`` file of plain data and tensors only::

    {"format": "cloudorg-checkpoint", "version": 1,
     "kind": str | None,               # the model kind (cloudorg.models.tile_models)
     "config": {...},                  # the JSON dict of the run's configuration
     "model": {name: tensor},          # the model's state_dict
     "step": int,                      # optimiser steps done
     "optimizer": {...} | None,        # optimizer.state_dict()
     "scheduler": {...} | None,        # lr scheduler state_dict()
     "rng": {"python", "numpy", "torch", "cuda"} | None,
     "sampler": {"batches": int} | None,   # position of the batch stream
     "history": {name: [float]} | None}    # logged metrics up to ``step``

A checkpoint records the kind of its model: the one its writer names, else the one the
layout of its configuration shows (:func:`kind_of_config`), which is also how a file
written before checkpoints recorded their kind is read. It is read with
``torch.load(..., weights_only=True)`` only, so a user's file is never unpickled into
arbitrary objects; writes go to a temporary file renamed into place, so an interrupted
save leaves the previous checkpoint intact.

Examples
--------
>>> import tempfile, torch
>>> path = tempfile.mkdtemp() + "/c.pt"
>>> _ = save_checkpoint(path, Checkpoint(config={"a": 1}, model={"w": torch.ones(2)}))
>>> load_checkpoint(path, expect={"a": 1}).model["w"].tolist()
[1.0, 1.0]
>>> load_checkpoint(path, expect={"a": 2})
Traceback (most recent call last):
...
cloudorg.errors.ConfigError: checkpoint ...c.pt was made with a different configuration: a: ...
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import CloudorgError, ConfigError

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "capture_rng_state",
    "config_differences",
    "kind_of_config",
    "load_checkpoint",
    "model_id",
    "restore_rng_state",
    "save_checkpoint",
]

FORMAT = "cloudorg-checkpoint"
VERSION = 1
_MODEL_KEYS = (("embedding_dim", "tile2vec"), ("channels", "autoencoder"),
               ("n_classes", "classifier"))  # fmt: skip
"""A key only one kind's ``model`` section has, and the kind."""


class CheckpointError(CloudorgError):
    """A checkpoint file that is missing, unreadable or not a cloudorg checkpoint."""


@dataclass
class Checkpoint:
    """The contents of a checkpoint (see the module docstring).

    ``kind`` is the model kind (a name of :data:`cloudorg.models.tile_models.MODEL_KINDS`),
    ``None`` for a checkpoint of another network or one that does not record it.

    Examples
    --------
    >>> Checkpoint(config={}, model={}).step
    0
    """

    config: dict[str, Any]
    model: dict[str, torch.Tensor]
    step: int = 0
    optimizer: dict[str, Any] | None = None
    scheduler: dict[str, Any] | None = None
    rng: dict[str, Any] | None = None
    sampler: dict[str, Any] | None = None
    history: dict[str, list[float]] | None = None
    kind: str | None = None


def kind_of_config(config: Mapping[str, Any]) -> str | None:
    """The model kind the layout of a run's configuration shows: ``deepcluster`` for a
    ``deepcluster`` section, else by a key of the ``model`` section (``embedding_dim``:
    ``tile2vec``, ``channels``: ``autoencoder``, ``n_classes``: ``classifier``); ``None``
    for any other layout.

    The kind of a checkpoint whose writer names none, or that was written before
    checkpoints recorded their kind.

    Examples
    --------
    >>> kind_of_config({"model": {"n_classes": 5}}), kind_of_config({"training": {}})
    ('classifier', None)
    """
    if isinstance(config.get("deepcluster"), Mapping):
        return "deepcluster"
    model = config.get("model")
    if not isinstance(model, Mapping):
        return None
    return next((kind for key, kind in _MODEL_KEYS if key in model), None)


def capture_rng_state() -> dict[str, Any]:
    """The states of the python, numpy (global), torch and CUDA random generators.

    Examples
    --------
    >>> state = capture_rng_state()
    >>> a = torch.rand(1); restore_rng_state(state); bool(torch.rand(1) == a)
    True
    """
    np_state = np.random.get_state(legacy=False)  # noqa: NPY002 (the global state itself)
    np_state["state"]["key"] = np_state["state"]["key"].tolist()
    return {
        "python": random.getstate(),
        "numpy": np_state,
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng_state(state: Mapping[str, Any]) -> None:
    """Restore generator states captured by :func:`capture_rng_state`.

    Examples
    --------
    >>> restore_rng_state(capture_rng_state())
    """
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])  # noqa: NPY002 (the global state itself)
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def config_differences(expected: Mapping[str, Any], found: Mapping[str, Any]) -> list[str]:
    """Dotted keys of ``expected`` whose value differs in ``found`` (missing counts).

    Keys only in ``found`` are ignored, so ``expected`` may be a part of a config (e.g.
    only its ``model`` section).

    Examples
    --------
    >>> config_differences({"m": {"w": 8, "d": 3}}, {"m": {"w": 8, "d": 4}, "x": 1})
    ['m.d: expected 3, found 4']
    """
    out = []
    for key, value in expected.items():
        other = found.get(key, "<missing>") if isinstance(found, Mapping) else "<missing>"
        if isinstance(value, Mapping) and isinstance(other, Mapping):
            out += [f"{key}.{d}" for d in config_differences(value, other)]
        elif value != other:
            out.append(f"{key}: expected {value!r}, found {other!r}")
    return out


def save_checkpoint(path: str | os.PathLike[str], checkpoint: Checkpoint) -> Path:
    """Write ``checkpoint`` to ``path`` atomically, with its kind (``checkpoint.kind``, else
    :func:`kind_of_config`); return the path.

    Examples
    --------
    >>> import tempfile
    >>> path = save_checkpoint(tempfile.mkdtemp() + "/m.pt",
    ...                        Checkpoint({"model": {"channels": [4]}}, {}))
    >>> path.name, load_checkpoint(path).kind
    ('m.pt', 'autoencoder')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    json.dumps(checkpoint.config)  # refuse a config that is not JSON-able before writing
    kind = checkpoint.kind or kind_of_config(checkpoint.config)
    payload = {"format": FORMAT, "version": VERSION, **asdict(replace(checkpoint, kind=kind))}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(
    path: str | os.PathLike[str],
    *,
    expect: Mapping[str, Any] | None = None,
    map_location: str | torch.device = "cpu",
) -> Checkpoint:
    """Read a checkpoint with ``torch.load(..., weights_only=True)``.

    Parameters
    ----------
    path : path
        The checkpoint file.
    expect : mapping, optional
        The configuration (or a part of it, e.g. ``{"model": {...}}``) the checkpoint must
        have been made with.
    map_location : str or torch.device
        Where tensors are loaded.

    Raises
    ------
    CheckpointError
        When the file is missing, unreadable, or not a cloudorg checkpoint (including a
        file that needs arbitrary unpickling).
    cloudorg.errors.ConfigError
        When the checkpoint's configuration differs from ``expect``; the message lists
        every difference.

    Examples
    --------
    >>> load_checkpoint("/nonexistent.pt")
    Traceback (most recent call last):
    ...
    cloudorg.models.checkpoint.CheckpointError: checkpoint /nonexistent.pt: cannot be read ...
    """
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f"checkpoint {path}: holds objects other than tensors and plain data, or is "
            f"corrupt; refusing to unpickle it ({str(err).splitlines()[0]})"
        ) from err
    except (OSError, RuntimeError, EOFError) as err:
        raise CheckpointError(f"checkpoint {path}: cannot be read ({err})") from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path}: not a cloudorg checkpoint (no format {FORMAT})")
    if payload.get("version") != VERSION:
        raise CheckpointError(
            f"checkpoint {path}: format version {payload.get('version')}, this cloudorg "
            f"reads version {VERSION}"
        )
    names = {f.name for f in fields(Checkpoint)}
    checkpoint = Checkpoint(**{k: v for k, v in payload.items() if k in names})
    if expect is not None:
        diffs = config_differences(expect, checkpoint.config)
        if diffs:
            raise ConfigError(
                f"checkpoint {path} was made with a different configuration: "
                + "; ".join(diffs)
                + ". Use the checkpoint's own configuration, or another checkpoint path."
            )
    return checkpoint


def model_id(config: Mapping[str, Any], state_dict: Mapping[str, torch.Tensor]) -> str:
    """A short hash of a model's configuration and weights: equal ids, equal models.

    Examples
    --------
    >>> a = model_id({"w": 1}, {"x": torch.zeros(2)})
    >>> b = model_id({"w": 1}, {"x": torch.ones(2)})
    >>> a == model_id({"w": 1}, {"x": torch.zeros(2)}), a == b
    (True, False)
    >>> len(a)
    16
    """
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().cpu()
        h.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        h.update(tensor.reshape(-1).contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:16]
