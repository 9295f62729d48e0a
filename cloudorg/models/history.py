"""Training histories: the metrics logged per step, as xarray.

A trainer logs plain lists (``{"step": [...], "loss": [...], "val_step": [...],
"val_loss": [...]}``); :func:`history_dataset` turns them into a Dataset with a ``step``
dimension for the training metrics and ``val_step`` for the validation ones;
:func:`cloudorg.plots.plot_history` draws one panel per metric, training and validation
together (the neighbour and distant distance curves of the report's figure 20 for
Tile2Vec).

Examples
--------
>>> h = history_dataset({"step": [1, 2], "loss": [0.9, 0.7], "val_step": [2], "val_loss": [0.8]})
>>> h.loss.dims, h.val_loss.dims
(('step',), ('val_step',))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

__all__ = ["history_dataset"]

VAL = "val_"


def history_dataset(
    history: Mapping[str, Sequence[float]],
    *,
    long_names: Mapping[str, str] | None = None,
    attrs: Mapping[str, object] | None = None,
) -> xr.Dataset:
    """The logged metrics as a Dataset (``step`` and ``val_step`` dimensions).

    Parameters
    ----------
    history : mapping
        Lists keyed by metric; ``step`` and ``val_step`` hold the step numbers (1-based).
    long_names : mapping, optional
        ``long_name`` of a metric (``val_<name>`` takes ``<name>``'s with "validation").
    attrs : mapping, optional
        Global attributes.

    Examples
    --------
    >>> history_dataset({"step": [1], "loss": [2.0]}, long_names={"loss": "L"}).loss.long_name
    'L'
    """
    long_names = dict(long_names or {})
    ds = xr.Dataset(attrs=dict(attrs or {}))
    for dim in ("step", "val_step"):
        ds.coords[dim] = (dim, np.asarray(history.get(dim, []), dtype=np.int64),
                          {"long_name": "optimiser steps done", "units": "1"})  # fmt: skip
    for name, values in history.items():
        if name in ("step", "val_step"):
            continue
        dim = "val_step" if name.startswith(VAL) else "step"
        base = name.removeprefix(VAL)
        long_name = long_names.get(base, base) + (" (validation)" if dim == "val_step" else "")
        ds[name] = (dim, np.asarray(values, dtype=np.float64), {"long_name": long_name})
    return ds
