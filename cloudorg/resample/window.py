"""The part of a source grid a resampling table reads, and the table cut down to it.

A domain covers a few per cent of a full-disk scan: reading only the rows and columns its
table uses (a lazy slice of the band, so only the file chunks there are fetched and
decompressed) and applying the table cut to that window gives the same result as the
whole band.

Examples
--------
>>> import numpy as np
>>> from cloudorg.resample.nearest import Lookup
>>> table = Lookup(np.array([[5, 6], [9, -1]]), (4, 4))
>>> window, cut = crop(table)
>>> window, cut.index.tolist(), cut.source_shape
((1, 3, 1, 3), [[0, 1], [2, -1]], (2, 2))
>>> data = np.arange(16.0).reshape(4, 4)
>>> bool(np.array_equal(cut.apply(data[1:3, 1:3]), table.apply(data), equal_nan=True))
True
"""

from __future__ import annotations

import numpy as np

from .area_mean import AreaMean
from .nearest import Lookup

__all__ = ["crop", "source_window"]

Window = tuple[int, int, int, int]


def _lookup_window(table: Lookup) -> Window | None:
    used = table.index[table.index >= 0]
    if used.size == 0:
        return None
    rows, cols = np.divmod(used, table.source_shape[1])
    return int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1


def source_window(table: Lookup | AreaMean) -> Window:
    """``(row_start, row_stop, col_start, col_stop)`` of the source pixels the table reads
    (one pixel at the origin when it reads none).

    Examples
    --------
    >>> import numpy as np
    >>> source_window(Lookup(np.array([[-1, -1]]), (3, 3)))
    (0, 1, 0, 1)
    """
    if isinstance(table, AreaMean):
        windows = [table.window, _lookup_window(table.nearest)]
    else:
        windows = [_lookup_window(table)]
    windows = [w for w in windows if w is not None and w[1] > w[0] and w[3] > w[2]]
    if not windows:
        return 0, 1, 0, 1
    return (min(w[0] for w in windows), max(w[1] for w in windows),
            min(w[2] for w in windows), max(w[3] for w in windows))  # fmt: skip


def _cut_lookup(table: Lookup, window: Window) -> Lookup:
    r0, r1, c0, c1 = window
    rows, cols = np.divmod(table.index, table.source_shape[1])
    index = np.where(table.index >= 0, (rows - r0) * (c1 - c0) + (cols - c0), -1)
    return Lookup(index, (r1 - r0, c1 - c0), table.ratio)


def crop(table: Lookup | AreaMean) -> tuple[Window, Lookup | AreaMean]:
    """The source window a table reads, and the table applying to that window alone.

    Returns
    -------
    window : tuple of int
        As :func:`source_window`.
    table : Lookup or AreaMean
        Of the same kind; ``table.apply(data[r0:r1, c0:c1])`` equals the original
        table's ``apply(data)``.

    Examples
    --------
    >>> import numpy as np
    >>> from cloudorg.resample.nearest import Lookup
    >>> table = AreaMean(Lookup(np.array([[4, 4]]), (3, 3)), (1, 2, 1, 3),
    ...                  np.array([[1, 2]]), np.array([[1, 1]], np.int32))
    >>> window, cut = crop(table)
    >>> data = np.arange(9.0).reshape(3, 3)
    >>> window, cut.apply(data[1:2, 1:3]).tolist() == table.apply(data).tolist()
    ((1, 2, 1, 3), True)
    """
    window = source_window(table)
    if isinstance(table, AreaMean):
        r0, _, c0, _ = window
        w0, w1, x0, x1 = table.window
        return window, AreaMean(_cut_lookup(table.nearest, window),
                                (w0 - r0, w1 - r0, x0 - c0, x1 - c0), table.cell,
                                table.pixels)  # fmt: skip
    return window, _cut_lookup(table, window)
