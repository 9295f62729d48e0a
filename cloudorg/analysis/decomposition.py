"""Principal component analysis of embeddings or metrics (report sections 6.2, 7, 9).

Examples
--------
>>> from cloudorg.synthetic.analysis import example_embeddings
>>> embeddings, labels = example_embeddings(n_per_class=10, seed=0)
>>> result = pca(embeddings, n_components=2)
>>> result.scores.dims, bool(result.explained_variance_ratio.sum() > 0.5)
(('tile', 'component'), True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from sklearn.decomposition import PCA

from cloudorg.analysis._fitting import Rows, count_attrs, fit_rows, tile_coords
from cloudorg.analysis.checks import TILE, check_int, check_seed

__all__ = ["pca"]

COMPONENT = "component"


def scores_dataset(model: xr.Dataset, rows: Rows) -> xr.Dataset:
    """The model with the scores of ``rows`` (NaN for tiles left out)."""
    scores = rows.x @ model["loadings"].values.T
    return model.assign(
        scores=xr.DataArray(
            rows.per_tile(scores, np.nan),
            dims=(TILE, COMPONENT),
            coords={**tile_coords(rows), COMPONENT: model[COMPONENT].values},
            attrs={"long_name": "principal component scores", "units": "1"},
        )
    ).assign_attrs(count_attrs(rows))


def pca(
    data: Any,
    *,
    n_components: int = 10,
    standardise: bool | None = None,
    seed: int = 0,
) -> xr.Dataset:
    """Principal components of embeddings or metrics, with explained-variance ratios.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        Embeddings ``(tile, embedding)``, any ``(tile, feature)`` matrix, or a metrics
        Dataset (see :func:`~cloudorg.analysis.metric_matrix` for its column policy).
        Tiles with a non-finite feature are left out of the fit (NaN scores) and counted
        in ``n_dropped_nan``.
    n_components : int, default 10
        Number of components kept (at most the number of features and of tiles).
    standardise : bool, optional
        Divide each centred feature by its standard deviation first; default ``True``
        for metrics (a Dataset, or a :func:`~cloudorg.analysis.metric_matrix`: mixed
        units), ``False`` for embeddings.
    seed : int, default 0
        Seed of the randomised solver scikit-learn may choose for large inputs.

    Returns
    -------
    xarray.Dataset
        ``scores`` ``(tile, component)``, ``loadings`` ``(component, feature)`` (unit
        principal axes in the scaled feature space), ``explained_variance`` and
        ``explained_variance_ratio`` ``(component)``, the scaler ``center`` and
        ``scale`` ``(feature)``; attrs ``model="pca"``, ``feature_dim``,
        ``standardised``, ``n_tiles_used``, ``n_dropped_nan``, ``seed``. Components are
        numbered from 1. The dataset is also the fitted model: pass it to
        :func:`~cloudorg.analysis.apply_model` or :func:`~cloudorg.analysis.save_model`.

    Raises
    ------
    cloudorg.errors.ConfigError
        For an input that is not a per-tile matrix or dataset, fewer than two finite
        tiles, or invalid arguments.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> x = xr.DataArray([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 2.0]], dims=("tile", "e"))
    >>> result = pca(x)
    >>> result.explained_variance_ratio.values.round(3).tolist(), result.loadings.shape
    ([0.974, 0.026], (2, 2))
    """
    seed = check_seed(seed)
    check_int(n_components, "n_components", 1)
    rows, model = fit_rows(data, standardise)
    n_components = min(n_components, *rows.x.shape)
    fitted = PCA(n_components=n_components, random_state=seed).fit(rows.x)
    component = np.arange(1, n_components + 1)
    model = model.assign_coords({COMPONENT: component}).assign(
        loadings=(
            (COMPONENT, rows.feature),
            fitted.components_,
            {"long_name": "principal axes in the scaled feature space (unit norm)", "units": "1"},
        ),
        explained_variance=(
            COMPONENT,
            fitted.explained_variance_,
            {"long_name": "variance of the scores", "units": "1"},
        ),
        explained_variance_ratio=(
            COMPONENT,
            fitted.explained_variance_ratio_,
            {"long_name": "fraction of the total variance explained", "units": "1"},
        ),
    )
    model[COMPONENT].attrs["long_name"] = "principal component number"
    model.attrs.update(model="pca", seed=seed)
    return scores_dataset(model, rows)
