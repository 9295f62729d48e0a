"""Kaggle run-length encoding (RLE) of label masks ("Understanding Clouds from Satellite Images").

A Kaggle label file is a CSV with the header ``Image_Label,EncodedPixels`` and one row per
image and class, e.g. ``0011165.jpg_Fish,264918 937 266318 937``; an empty
``EncodedPixels`` means no pixel of that class.

``EncodedPixels`` lists pairs ``start length``: ``start`` is a **1-indexed** position in
the mask flattened in **column-major (Fortran) order** (down the first column, then the
next column), ``length`` the number of consecutive pixels. Masks are 1400 x 2100
(rows, columns). Encoded runs are sorted, disjoint and not touching (canonical); decoding
accepts any order and overlap (the union).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ConfigError, InputFileError
from .classes import (
    CLASSES,
    IMAGE_SHAPE,
    LABEL_DTYPE,
    check_shape,
    label_codes,
    pixel_index_bounds,
    require_columns,
)
from .geometry import _one_image, _select

__all__ = [
    "boxes_to_kaggle",
    "boxes_to_rle",
    "read_kaggle",
    "rle_decode",
    "rle_encode",
    "write_kaggle",
]


def _runs_to_string(starts0: np.ndarray, ends0: np.ndarray) -> str:
    """RLE text of 0-based half-open runs."""
    pairs = np.empty(2 * len(starts0), dtype=np.int64)
    pairs[0::2] = starts0 + 1
    pairs[1::2] = ends0 - starts0
    return " ".join(map(str, pairs.tolist()))


def rle_encode(mask: Any) -> str:
    """Encode a 2-D boolean mask as Kaggle RLE (column-major, 1-indexed ``start length``).

    Parameters
    ----------
    mask : array-like of bool (or 0/1), 2-D
        The mask, (rows, columns).

    Returns
    -------
    str
        ``"start length start length ..."``; ``""`` for an empty mask.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[1, 0, 1],
    ...               [0, 1, 1]], dtype=bool)
    >>> rle_encode(m)   # column-major order: 1 0 | 0 1 | 1 1
    '1 1 4 3'
    >>> rle_encode(np.zeros((2, 3), dtype=bool))
    ''
    """
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ConfigError(f"mask must be 2-D, got shape {m.shape}")
    if m.dtype != bool:
        if not np.isin(m, (0, 1)).all():
            raise ConfigError("mask must be boolean or hold only 0 and 1")
        m = m.astype(bool)
    flat = np.empty(m.size + 2, dtype=np.int8)
    flat[0] = flat[-1] = 0
    flat[1:-1] = m.ravel(order="F")
    change = np.flatnonzero(flat[1:] != flat[:-1])
    return _runs_to_string(change[0::2], change[1::2])


def _parse_rle(rle: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """0-based starts and lengths of an RLE string, validated against ``n`` pixels."""
    if rle is None or (isinstance(rle, float) and np.isnan(rle)):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if not isinstance(rle, str):
        raise ConfigError(f"rle must be a string, got {type(rle).__name__}")
    tokens = rle.split()
    if not tokens:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if len(tokens) % 2:
        raise ConfigError(
            f"RLE has an odd number of values ({len(tokens)}); expected 'start length' pairs"
        )
    try:
        values = np.array(tokens, dtype=np.int64)
    except (ValueError, OverflowError) as err:
        raise ConfigError(f"RLE holds a value that is not an integer: {err}") from err
    starts, lengths = values[0::2], values[1::2]
    bad = (starts < 1) | (lengths < 1) | (starts - 1 > n - lengths)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ConfigError(
            f"RLE run {k} (start {int(starts[k])}, length {int(lengths[k])}) is out of range: "
            f"starts are 1-indexed, lengths >= 1 and runs must end within {n} pixels"
        )
    return starts - 1, lengths


def rle_decode(rle: str | None, shape: tuple[int, int] = IMAGE_SHAPE) -> np.ndarray:
    """Decode Kaggle RLE into a boolean mask of ``shape`` (column-major, 1-indexed starts).

    Parameters
    ----------
    rle : str or None
        ``"start length ..."``; empty, None or NaN give an empty mask.
    shape : (int, int)
        Mask (rows, columns); Kaggle masks are (1400, 2100).

    Returns
    -------
    numpy.ndarray of bool, shape ``shape``

    Raises
    ------
    ConfigError
        An odd number of values, a non-integer value, ``start < 1``, ``length < 1`` or a run
        that ends beyond the mask.

    Examples
    --------
    >>> rle_decode("1 1 4 3", shape=(2, 3)).astype(int)
    array([[1, 0, 1],
           [0, 1, 1]])
    """
    rows, cols = check_shape(shape)
    n = rows * cols
    starts, lengths = _parse_rle(rle, n)
    if len(starts) == 0:
        return np.zeros((rows, cols), dtype=bool)
    delta = np.bincount(starts, minlength=n + 1)[: n + 1].astype(np.int64)
    delta -= np.bincount(starts + lengths, minlength=n + 1)[: n + 1]
    flat = np.cumsum(delta[:n]) > 0
    return flat.reshape((rows, cols), order="F")


def boxes_to_rle(
    boxes: pd.DataFrame,
    label: str | None = None,
    shape: tuple[int, int] = IMAGE_SHAPE,
) -> str:
    """Kaggle RLE of the union of the pixel boxes of one image, without rasterising it.

    Equal to ``rle_encode(boxes_to_mask(boxes, label, shape))`` and about 30 times faster:
    the columns are split at the box edges and the runs of each column strip repeated.

    Parameters
    ----------
    boxes : pandas.DataFrame
        Rows of one image with ``x0, y0, x1, y1`` and ``label``.
    label : str, optional
        Only boxes of this class; default all.
    shape : (int, int)
        Mask (rows, columns).

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> boxes = pd.DataFrame({"x0": [1.0], "y0": [0.0], "x1": [3.0], "y1": [2.0],
    ...                       "label": ["Fish"]})
    >>> boxes_to_rle(boxes, "Fish", shape=(3, 4))   # columns 1-2, rows 0-1
    '4 2 7 2'
    """
    rows, cols = check_shape(shape)
    require_columns(boxes, ["x0", "y0", "x1", "y1", "label"])
    _one_image(boxes)
    sel = _select(boxes, label)
    c0, c1 = pixel_index_bounds(sel["x0"], sel["x1"], cols)
    r0, r1 = pixel_index_bounds(sel["y0"], sel["y1"], rows)
    return _rle_of_bounds(c0, c1, r0, r1, rows)


def _rle_of_bounds(
    c0: np.ndarray, c1: np.ndarray, r0: np.ndarray, r1: np.ndarray, rows: int
) -> str:
    """RLE of the union of pixel index boxes ``[r0, r1) x [c0, c1)`` (already clipped)."""
    keep = (c1 > c0) & (r1 > r0)
    c0, c1, r0, r1 = c0[keep], c1[keep], r0[keep], r1[keep]
    if len(c0) == 0:
        return ""
    edges = np.unique(np.concatenate([c0, c1]))
    lo, hi = edges[:-1], edges[1:]
    active = (c0[None, :] <= lo[:, None]) & (c1[None, :] > lo[:, None])  # (strip, box)
    strip, box = np.nonzero(active)
    delta = np.zeros((len(lo), rows + 1), dtype=np.int32)
    np.add.at(delta, (strip, r0[box]), 1)
    np.add.at(delta, (strip, r1[box]), -1)
    profile = np.zeros((len(lo), rows + 2), dtype=np.int8)
    profile[:, 1:-1] = np.cumsum(delta[:, :rows], axis=1) > 0
    s_idx, pos = np.nonzero(profile[:, 1:] != profile[:, :-1])
    run_strip, run_r0, run_r1 = s_idx[0::2], pos[0::2], pos[1::2]
    # repeat every run of a strip over the strip's columns
    ncol = (hi - lo)[run_strip]
    rep = np.repeat(np.arange(len(run_strip)), ncol)
    offset = np.arange(len(rep)) - np.repeat(np.cumsum(ncol) - ncol, ncol)
    col = lo[run_strip][rep] + offset
    starts = col * rows + run_r0[rep]
    ends = col * rows + run_r1[rep]
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    new = np.ones(len(starts), dtype=bool)
    new[1:] = starts[1:] != ends[:-1]
    last = np.ones(len(starts), dtype=bool)
    last[:-1] = new[1:]
    return _runs_to_string(starts[new], ends[last])


def _kaggle_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputFileError(f"{path}: cannot read the Kaggle label file: {err}") from err
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def read_kaggle(
    path: str | os.PathLike[str],
    *,
    shape: tuple[int, int] | None = IMAGE_SHAPE,
) -> pd.DataFrame:
    """Read a Kaggle ``Image_Label,EncodedPixels`` file.

    Parameters
    ----------
    path : str or path-like
        e.g. the competition's ``train.csv``.
    shape : (int, int) or None
        Mask (rows, columns) the runs are checked against; None checks only the syntax.

    Returns
    -------
    pandas.DataFrame
        ``image`` (file name), ``label`` (categorical, code order Sugar, Gravel, Fish,
        Flower), ``encoded_pixels`` (str, ``""`` for no pixel), in file order.

    Raises
    ------
    InputFileError
        Wrong header, a row without ``<image>_<class>``, an unknown class, or a bad RLE
        (non-integer, odd count, out of range); the message names the file and line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp()) / "train.csv"
    >>> _ = tmp.write_text("Image_Label,EncodedPixels\\n0011165.jpg_Fish,264918 937\\n"
    ...                    "0011165.jpg_Sugar,\\n")
    >>> read_kaggle(tmp)
             image  label encoded_pixels
    0  0011165.jpg   Fish     264918 937
    1  0011165.jpg  Sugar
    """
    path = Path(path)
    lines = _kaggle_lines(path)
    if not lines or lines[0].strip().replace('"', "") != "Image_Label,EncodedPixels":
        first = lines[0] if lines else ""
        raise InputFileError(
            f"{path}, line 1: expected the header 'Image_Label,EncodedPixels', got {first!r}"
        )
    body = pd.Series(lines[1:], dtype=object)

    def fail(mask: pd.Series | np.ndarray, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            k = int(np.flatnonzero(mask)[0])
            more = f" ({int(mask.sum()) - 1} more such line(s))" if mask.sum() > 1 else ""
            raise InputFileError(f"{path}, line {k + 2}: {reason}: {body.iloc[k]!r}{more}")

    if body.empty:
        return pd.DataFrame(
            {
                "image": pd.Series([], dtype=object),
                "label": pd.Series([], dtype=LABEL_DTYPE),
                "encoded_pixels": pd.Series([], dtype=object),
            }
        )
    fail(body.str.count(",") != 1, "expected 2 comma-separated fields")
    table = pd.read_csv(
        io.StringIO("\n".join(lines)),
        dtype=str,
        na_filter=False,
        quoting=csv.QUOTE_MINIMAL,
        skip_blank_lines=False,
    )
    image_label = table["Image_Label"].str.strip()
    parts = image_label.str.rsplit("_", n=1, expand=True)
    if parts.shape[1] < 2:
        parts[1] = None
    fail(parts[1].isna() | (parts[0] == ""), "Image_Label is not '<image>_<class>'")
    fail(~parts[1].isin(CLASSES), f"unknown class (expected one of {', '.join(CLASSES)})")
    label = parts[1].astype(LABEL_DTYPE)
    rle = table["EncodedPixels"].str.strip().str.split().str.join(" ")
    fail(
        ~rle.str.fullmatch(r"(?:\d+ \d+(?: \d+ \d+)*)?"),
        "EncodedPixels is not 'start length' pairs",
    )
    if shape is not None:
        rows, cols = check_shape(shape)
        for k in np.flatnonzero((rle != "").to_numpy()):
            try:
                _parse_rle(rle.iloc[k], rows * cols)
            except ConfigError as err:
                raise InputFileError(f"{path}, line {k + 2}: {err}") from err
    return pd.DataFrame(
        {"image": parts[0].astype(object), "label": label, "encoded_pixels": rle.astype(object)}
    )


def write_kaggle(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a Kaggle ``Image_Label,EncodedPixels`` file.

    Parameters
    ----------
    table : pandas.DataFrame
        ``image``, ``label`` and ``encoded_pixels`` (str; empty, None or NaN for no pixel),
        as from :func:`read_kaggle` or :func:`boxes_to_kaggle`.
    path : str or path-like
        Output CSV.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "labels.csv"
    >>> t = pd.DataFrame({"image": ["a.jpg", "a.jpg"], "label": ["Fish", "Sugar"],
    ...                   "encoded_pixels": ["1 3", ""]})
    >>> print(write_kaggle(t, out).read_text(), end="")
    Image_Label,EncodedPixels
    a.jpg_Fish,1 3
    a.jpg_Sugar,
    """
    require_columns(table, ["image", "label", "encoded_pixels"], "table")
    image = table["image"].astype(str)
    if image.str.contains(r"[,\n\"]", regex=True).any():
        raise ConfigError("image names must not contain commas, quotes or newlines")
    label = table["label"].astype(object)
    bad = ~label.isin(CLASSES)
    if bad.any():
        raise ConfigError(f"unknown label {label[bad].iloc[0]!r}; expected one of {list(CLASSES)}")
    rle = table["encoded_pixels"].astype(object).where(table["encoded_pixels"].notna(), "")
    rle = rle.astype(str).str.strip()
    if not rle.str.fullmatch(r"(?:\d+ \d+(?: \d+ \d+)*)?").all():
        raise ConfigError("encoded_pixels must be 'start length' pairs of integers")
    path = Path(path)
    body = image + "_" + label.astype(str) + "," + rle
    path.write_text("Image_Label,EncodedPixels\n" + "".join(s + "\n" for s in body))
    return path


def boxes_to_kaggle(
    boxes: pd.DataFrame,
    *,
    shape: tuple[int, int] = IMAGE_SHAPE,
    image_name: str = "basename",
) -> pd.DataFrame:
    """Kaggle table (union of every class's boxes per image) of Zooniverse pixel boxes.

    Parameters
    ----------
    boxes : pandas.DataFrame
        ``image``, ``x0, y0, x1, y1`` and ``label`` (as from :func:`read_zooniverse`).
    shape : (int, int)
        Mask (rows, columns).
    image_name : {"basename", "path"}
        Name the images by file name (Kaggle style) or by the full path of ``boxes``.

    Returns
    -------
    pandas.DataFrame
        ``image``, ``label``, ``encoded_pixels``: four rows per image (Sugar, Gravel, Fish,
        Flower), ``""`` where the image has no box of the class; ready for
        :func:`write_kaggle`.

    Examples
    --------
    >>> import pandas as pd
    >>> boxes = pd.DataFrame({"image": ["R/a.jpeg"], "x0": [1.0], "y0": [0.0],
    ...                       "x1": [3.0], "y1": [2.0], "label": ["Fish"]})
    >>> boxes_to_kaggle(boxes, shape=(3, 4))
          image   label encoded_pixels
    0  a.jpeg   Sugar
    1  a.jpeg  Gravel
    2  a.jpeg    Fish        4 2 7 2
    3  a.jpeg  Flower
    """
    require_columns(boxes, ["image", "x0", "y0", "x1", "y1", "label"])
    if image_name not in ("basename", "path"):
        raise ConfigError(f"image_name must be 'basename' or 'path', got {image_name!r}")
    rows, cols = check_shape(shape)
    img_code, uniques = pd.factorize(boxes["image"])
    has = boxes[["x0", "y0", "x1", "y1"]].notna().all(axis=1).to_numpy()
    has = has & boxes["label"].notna().to_numpy() & (img_code >= 0)
    cls = label_codes(boxes["label"][has]).astype(np.int64) - 1
    c0, c1 = pixel_index_bounds(boxes["x0"][has], boxes["x1"][has], cols)
    r0, r1 = pixel_index_bounds(boxes["y0"][has], boxes["y1"][has], rows)
    pair = img_code[has].astype(np.int64) * len(CLASSES) + cls
    order = np.argsort(pair, kind="stable")
    pair, c0, c1, r0, r1 = pair[order], c0[order], c1[order], r0[order], r1[order]
    bounds = np.searchsorted(pair, np.arange(len(uniques) * len(CLASSES) + 1))
    names = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.replace("\\", "/")
    if image_name == "basename":
        names = names.str.rsplit("/", n=1).str[-1]
    images = np.repeat(names.to_numpy(dtype=object), len(CLASSES))
    labels = np.tile(np.array(CLASSES, dtype=object), len(uniques))
    rles = [
        _rle_of_bounds(c0[a:b], c1[a:b], r0[a:b], r1[a:b], rows) if b > a else ""
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    ]
    return pd.DataFrame(
        {
            "image": pd.Series(images, dtype=object),
            "label": pd.Series(labels, dtype=LABEL_DTYPE),
            "encoded_pixels": pd.Series(rles, dtype=object),
        }
    )
