"""Constants and small helpers shared by the label modules.

Class coding (shared with the synthetic ground truth of the library): 0 none, 1 Sugar,
2 Gravel, 3 Fish, 4 Flower.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ConfigError

CLASSES: tuple[str, ...] = ("Sugar", "Gravel", "Fish", "Flower")
"""The four classes, in the order of their integer codes 1..4."""

CLASS_CODES: dict[str, int] = {name: i + 1 for i, name in enumerate(CLASSES)}
"""Integer code of each class; 0 means no label."""

NO_LABEL: int = 0

FLAG_VALUES = np.arange(len(CLASSES) + 1, dtype=np.int8)
"""CF ``flag_values`` of a class map: 0 none, then the class codes."""

FLAG_MEANINGS: str = " ".join(("none", *(c.lower() for c in CLASSES)))
"""CF ``flag_meanings`` of a class map (``"none sugar gravel fish flower"``, the codes and
lower-case words of the synthetic ground truth, with ``none`` for unlabelled)."""

IMAGE_SHAPE: tuple[int, int] = (1400, 2100)
"""(rows, columns) of a Zooniverse / Kaggle NASA Worldview image."""

LABEL_DTYPE = pd.CategoricalDtype(list(CLASSES))
"""Categorical dtype of a ``label`` column; ``codes + 1`` is the class code."""

BOX_COLUMNS: tuple[str, ...] = ("x0", "y0", "x1", "y1")


def class_map_attrs() -> dict[str, Any]:
    """CF attributes of an int8 class map."""
    return {
        "long_name": "human-labelled shallow-cloud organisation class",
        "flag_values": FLAG_VALUES.copy(),
        "flag_meanings": FLAG_MEANINGS,
        "valid_range": np.array([0, len(CLASSES)], dtype=np.int8),
    }


def check_shape(shape: Sequence[int], name: str = "shape") -> tuple[int, int]:
    """Validate an image shape (rows, columns)."""
    try:
        rows, cols = (int(v) for v in shape)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{name} must be two integers (rows, columns), got {shape!r}") from err
    if rows < 1 or cols < 1:
        raise ConfigError(f"{name} must be positive, got {shape!r}")
    return rows, cols


def pixel_index_bounds(lo: Any, hi: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel index range ``[i0, i1)`` of the pixels whose centre lies in ``[lo, hi)``.

    Pixel ``i`` spans the continuous coordinate ``[i, i + 1)`` with its centre at
    ``i + 0.5``; integer edges give ``i0 = lo`` and ``i1 = hi``. The result is clipped
    to ``[0, n]`` and ``i1 >= i0``. NaN edges give an empty range.
    """
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        i0 = np.clip(np.ceil(lo - 0.5), 0, n)
        i1 = np.clip(np.ceil(hi - 0.5), 0, n)
    i0 = np.where(np.isfinite(i0), i0, 0).astype(np.int64)
    i1 = np.where(np.isfinite(i1), i1, 0).astype(np.int64)
    return i0, np.maximum(i1, i0)


def require_columns(df: pd.DataFrame, columns: Sequence[str], what: str = "boxes") -> None:
    """Raise ConfigError when ``df`` lacks one of ``columns``."""
    if not isinstance(df, pd.DataFrame):
        raise ConfigError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ConfigError(
            f"{what} lacks column(s) {missing}; expected at least {list(columns)} "
            "(as returned by read_zooniverse)"
        )


def label_codes(labels: pd.Series) -> np.ndarray:
    """Class codes (1..4, 0 for missing) of a label column, validating the names."""
    bad = labels.notna() & ~labels.astype(object).isin(CLASSES)
    if bad.any():
        raise ConfigError(f"unknown label {labels[bad].iloc[0]!r}; expected one of {list(CLASSES)}")
    cat = labels.astype(LABEL_DTYPE)
    return (cat.cat.codes.to_numpy() + 1).astype(np.int8)
