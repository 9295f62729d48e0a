"""Squared Euclidean distances and nearest centres by matrix products (BLAS, float32)."""

from __future__ import annotations

import numpy as np

_BLOCK = 4096
"""Rows per block of a distance matrix."""


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|a_i - b_j|^2`` for every row of ``a`` and of ``b`` (float32, clipped at 0).

    Examples
    --------
    >>> squared_distances(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [0.0, 1.0]]))
    array([[25.,  1.]], dtype=float32)
    """
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    d = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)


def nearest(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre of every row of ``x``.

    Examples
    --------
    >>> nearest(np.array([[0.0], [0.9], [5.0]]), np.array([[0.0], [4.0]])).tolist()
    [0, 0, 1]
    """
    c = np.asarray(centres, dtype=np.float32)
    half_norm = 0.5 * (c * c).sum(axis=1)
    out = np.empty(x.shape[0], dtype=np.int64)
    for start in range(0, x.shape[0], _BLOCK):
        block = np.asarray(x[start : start + _BLOCK], dtype=np.float32)
        out[start : start + _BLOCK] = (half_norm[None, :] - block @ c.T).argmin(axis=1)
    return out
