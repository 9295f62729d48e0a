"""Many analysis results in one flat dataset: names prefixed by feature set and part.

An analysis group of a store holds, for each feature set (``embeddings``, ``metrics``),
several results (the PCA, the k-means model, the confusion matrix, ...), each an
xarray Dataset with its own dimensions. They are stored side by side in one dataset,
written at once: every variable and every dimension but ``tile`` is renamed
``<features>_<part>_<name>``, and each result's attrs are kept under the dataset attr
``results`` (``{"<features>_<part>": attrs}``). :func:`unprefixed` gives a result back
exactly as it was computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from cloudorg.analysis.checks import TILE
from cloudorg.errors import ConfigError

RESULTS = "results"
"""Dataset attr holding the attrs of every stored result, by prefix."""


def jsonable(value: Any) -> Any:
    """Attrs as plain JSON values (numpy scalars and arrays become numbers and lists)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def prefixed(result: xr.Dataset, prefix: str) -> xr.Dataset:
    """``result`` with every variable and non-``tile`` dimension renamed ``<prefix>_<name>``.

    Of the per-tile coordinates only ``tile`` is kept; text becomes Python strings
    (variable-length strings in zarr).
    """
    result = result.drop_vars(
        [n for n, v in result.coords.items() if TILE in v.dims and n != TILE]
    ).drop_attrs(deep=False)
    names = {str(n) for n in result.variables} | {str(d) for d in result.dims}
    renamed = result.rename({n: f"{prefix}_{n}" for n in names - {TILE}})
    text = {n: v.astype(object) for n, v in renamed.variables.items() if v.dtype.kind in "UT"}
    return renamed.assign_coords({n: v for n, v in text.items() if n in renamed.coords}).assign(
        {n: v for n, v in text.items() if n not in renamed.coords}
    )


def unprefixed(stored: xr.Dataset, prefix: str) -> xr.Dataset:
    """The result stored under ``prefix`` by :func:`prefixed`, with its attrs (text as
    numpy unicode again).

    Raises
    ------
    ConfigError
        When ``stored`` holds no result of that name.
    """
    attrs = stored.attrs.get(RESULTS, {})
    if prefix not in attrs:
        raise ConfigError(f"analysis: no result {prefix!r}; it holds {sorted(attrs)}")
    start = f"{prefix}_"
    own = {str(n) for n in stored.variables if str(n).startswith(start)}
    part = stored.drop_vars([n for n in stored.variables if n not in own and n != TILE])
    names = own | {str(d) for d in part.dims if str(d).startswith(start)}
    part = part.rename({n: n[len(start) :] for n in names})
    text = {n: v.astype(str) for n, v in part.variables.items() if v.dtype.kind == "O"}
    part = part.assign_coords({n: v for n, v in text.items() if n in part.coords})
    part = part.assign({n: v for n, v in text.items() if n not in part.coords})
    if not any(TILE in part[n].dims for n in part.data_vars):
        part = part.drop_vars(TILE, errors="ignore")
    return part.drop_attrs(deep=False).assign_attrs(attrs[prefix])
