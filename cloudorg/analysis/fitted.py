"""Fitted models: apply to new tiles (report section 6.3), save and load as plain arrays.

A fitted model is the dataset :func:`~cloudorg.analysis.pca`,
:func:`~cloudorg.analysis.kmeans` or :func:`~cloudorg.analysis.ward` returns; its
variables without a ``tile`` dimension (scaler, loadings, centroids, linkage, silhouette
curve) are the model. Files are ``.npz`` archives of plain arrays, read with
``allow_pickle=False``, never pickles:

- one entry per variable and coordinate (numbers, or fixed-width unicode for names);
- ``__cloudorg_model__``: a 0-d unicode array holding JSON with the format name and
  version, the dataset attrs, and the dims and attrs of every entry.

Examples
--------
>>> import tempfile
>>> from cloudorg.analysis import kmeans
>>> from cloudorg.synthetic.analysis import example_embeddings
>>> train, _ = example_embeddings(10, seed=0)
>>> path = tempfile.mkdtemp() + "/kmeans.npz"
>>> save_model(kmeans(train, k=4), path)
>>> new, _ = example_embeddings(5, seed=0)
>>> apply_model(load_model(path), new).cluster.sizes["tile"]
20
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from cloudorg.analysis._fitting import apply_rows
from cloudorg.analysis.checks import TILE
from cloudorg.analysis.clustering import assign_dataset
from cloudorg.analysis.decomposition import scores_dataset
from cloudorg.errors import CloudorgError, ConfigError

__all__ = ["MODEL_KINDS", "ModelFileError", "apply_model", "load_model", "save_model"]

FORMAT = "cloudorg-model"
VERSION = 1
HEADER = "__cloudorg_model__"

MODEL_KINDS: dict[str, tuple[str, ...]] = {
    "pca": ("center", "scale", "loadings", "explained_variance", "explained_variance_ratio"),
    "kmeans": ("center", "scale", "centroids"),
    "ward": ("center", "scale", "centroids", "linkage"),
}
"""Kinds of fitted model and the variables each must have."""


class ModelFileError(CloudorgError):
    """A model file that is not a readable cloudorg model archive."""


def _model_kind(model: Any, name: str = "model") -> str:
    kind = model.attrs.get("model") if isinstance(model, xr.Dataset) else None
    missing = [v for v in MODEL_KINDS.get(kind, ()) if v not in model.variables]
    if kind not in MODEL_KINDS or missing or "feature_dim" not in model.attrs:
        raise ConfigError(
            f"{name}: expected a fitted model dataset from pca, kmeans or ward (attrs "
            f"'model' in {sorted(MODEL_KINDS)} and 'feature_dim'), missing {missing or 'attrs'}"
        )
    return kind


def apply_model(model: xr.Dataset, data: Any) -> xr.Dataset:
    """Apply a fitted PCA or clustering to other tiles (fit on one data set, use on another).

    The new features are scaled with the model's ``center`` and ``scale``; PCA projects
    them on the ``loadings``; k-means and Ward assign each tile to its nearest centroid
    (for Ward an approximation of the tree cut, exact for k-means).

    Parameters
    ----------
    model : xarray.Dataset
        A result of :func:`~cloudorg.analysis.pca`, :func:`~cloudorg.analysis.kmeans`
        or :func:`~cloudorg.analysis.ward`, or a loaded model.
    data : xarray.DataArray or xarray.Dataset
        The same features as the model's (same feature dimension and coordinate, or for
        metrics the same variables). Tiles with a non-finite feature get NaN / -1.

    Returns
    -------
    xarray.Dataset
        The model's variables with ``scores`` ``(tile, component)`` (PCA) or ``cluster``
        ``(tile)`` (clusterings) of the new tiles, and their ``n_tiles_used`` and
        ``n_dropped_nan``.

    Raises
    ------
    cloudorg.errors.ConfigError
        When the model is not a fitted model or the features differ from the model's.

    Examples
    --------
    >>> import xarray as xr
    >>> from cloudorg.analysis import kmeans
    >>> train = xr.DataArray([[0.0], [0.2], [5.0], [5.2]], dims=("tile", "embedding"))
    >>> model = kmeans(train, k=2)
    >>> new = xr.DataArray([[0.1], [5.1], [float("nan")]], dims=("tile", "embedding"))
    >>> out = apply_model(model, new)
    >>> int(out.cluster[0]) == int(model.cluster[0]), int(out.cluster[2]), out.n_dropped_nan
    (True, -1, 1)
    """
    kind = _model_kind(model)
    fitted = _without_tiles(model)
    rows = apply_rows(fitted, data)
    return scores_dataset(fitted, rows) if kind == "pca" else assign_dataset(fitted, rows)


def _without_tiles(model: xr.Dataset) -> xr.Dataset:
    return model.drop_vars([name for name, var in model.variables.items() if TILE in var.dims])


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def save_model(model: xr.Dataset, path: str | os.PathLike[str]) -> None:
    """Save a fitted model as an ``.npz`` archive of plain arrays (no pickle).

    Only the variables and coordinates without a ``tile`` dimension are written. The file
    is written beside ``path`` first and moved into place, so it is complete or absent.

    Parameters
    ----------
    model : xarray.Dataset
        A result of :func:`~cloudorg.analysis.pca`, :func:`~cloudorg.analysis.kmeans` or
        :func:`~cloudorg.analysis.ward`.
    path : str or path-like
        File to write (written as given; ``.npz`` is the customary suffix).

    Raises
    ------
    cloudorg.errors.ConfigError
        When ``model`` is not a fitted model, or holds object arrays or attrs that JSON
        cannot hold (numbers, strings, lists and dicts of them are fine).

    Examples
    --------
    >>> import tempfile, xarray as xr
    >>> from cloudorg.analysis import pca
    >>> model = pca(xr.DataArray([[0.0, 1.0], [1.0, 0.0], [2.0, 2.5]], dims=("tile", "e")))
    >>> save_model(model, tempfile.mkdtemp() + "/pca.npz")
    """
    _model_kind(model)
    fitted = _without_tiles(model)
    arrays: dict[str, np.ndarray] = {}
    entries: dict[str, Any] = {}
    for name, var in fitted.variables.items():
        values = np.asarray(var.values)
        if values.dtype.kind not in "biufU":
            raise ConfigError(f"model: variable {name!r} has dtype {values.dtype}; not saved")
        arrays[str(name)] = values
        entries[str(name)] = {
            "dims": list(var.dims),
            "attrs": _jsonable(dict(var.attrs)),
            "coord": name in fitted.coords,
        }
    header = {
        "format": FORMAT,
        "version": VERSION,
        "attrs": _jsonable(dict(fitted.attrs)),
        "entries": entries,
    }
    try:
        text = json.dumps(header)
    except TypeError as err:
        raise ConfigError(
            f"model: attrs must be numbers, strings or lists/dicts of them ({err})"
        ) from err
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        np.savez(f, **arrays, **{HEADER: np.array(text)})
    partial.replace(path)


def load_model(path: str | os.PathLike[str]) -> xr.Dataset:
    """Load a model saved with :func:`save_model` (``allow_pickle=False``).

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.

    Returns
    -------
    xarray.Dataset
        The fitted model, ready for :func:`apply_model`.

    Raises
    ------
    ModelFileError
        When the file is missing, a pickle, holds object arrays, or is not a cloudorg
        model archive of a known version.

    Examples
    --------
    >>> import tempfile, xarray as xr
    >>> from cloudorg.analysis import kmeans
    >>> path = tempfile.mkdtemp() + "/m.npz"
    >>> save_model(kmeans(xr.DataArray([[0.0], [1.0], [9.0]], dims=("tile", "e")), k=2), path)
    >>> load_model(path).attrs["model"], load_model(path).centroids.dims
    ('kmeans', ('centroid', 'e'))
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            header = json.loads(str(archive[HEADER][()]))
            arrays = {name: archive[name] for name in header["entries"]}
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as err:
        raise ModelFileError(
            f"{path}: not a cloudorg model archive of plain arrays (.npz written by "
            f"save_model; pickles are refused): {err}"
        ) from err
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a cloudorg model archive (format {FORMAT!r})")
    if header.get("version") != VERSION:
        raise ModelFileError(
            f"{path}: model archive version {header.get('version')!r}, expected {VERSION}"
        )
    entries = header["entries"]
    variables = {
        name: xr.Variable(entry["dims"], arrays[name], entry["attrs"])
        for name, entry in entries.items()
    }
    model = xr.Dataset(
        {n: v for n, v in variables.items() if not entries[n]["coord"]},
        coords={n: v for n, v in variables.items() if entries[n]["coord"]},
        attrs=header["attrs"],
    )
    try:
        _model_kind(model, str(path))
    except ConfigError as err:
        raise ModelFileError(str(err)) from err
    return model
