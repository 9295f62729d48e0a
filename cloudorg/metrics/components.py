"""Connected-component labelling of cloud masks and per-object moments, in numba.

One labelling serves every object metric: :func:`label_objects` returns the label image
and a :class:`CloudObjects` table (area, centroid, second moments, contour perimeter)
computed in a single pass over the labels.

Algorithm
---------
1. A raster scan gives provisional labels, merged with a union-find (links to the
   smaller root, so final labels follow the order of first appearance in the scan, as
   in ``scipy.ndimage.label``), and flags border pixels (cloud pixels with a clear or
   out-of-domain 4-neighbour).
2. Periodic domains only: the components that touch across an edge are joined by a
   breadth-first walk that also records, for each component, the shift by which its
   pixels are unwrapped into one contiguous object.
3. One pass over the provisional labels writes the final labels and accumulates, per
   object, the area, the first and second moments of the unwrapped pixel positions
   (float64, relative to the object's first pixel, which keeps them exact) and the
   4-neighbourhood contour perimeter of ``skimage.measure.perimeter``.

An object that wraps around the whole periodic domain has no unique unwrapping: its
centroid and moments are those of the unwrapping found by the walk.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np

from cloudorg.errors import ConfigError
from cloudorg.metrics.inputs import (
    PreparedMask,
    check_connectivity,
    check_min_area,
    prepare_mask,
)

# Contour-code weights of the 4-neighbourhood perimeter (skimage.measure.perimeter):
# a border pixel's code is 1 + 2 * (border 4-neighbours) + 10 * (border diagonals).
_PERIMETER_WEIGHTS = np.zeros(50)
_PERIMETER_WEIGHTS[[5, 7, 15, 17, 25, 27]] = 1.0
_PERIMETER_WEIGHTS[[21, 33]] = np.sqrt(2.0)
_PERIMETER_WEIGHTS[[13, 23]] = (1.0 + np.sqrt(2.0)) / 2.0
# The 8 neighbours: the four 4-neighbours first, then the diagonals.
_NEIGHBOUR_ROW = np.array([-1, 1, 0, 0, -1, -1, 1, 1])
_NEIGHBOUR_COL = np.array([0, 0, -1, 1, -1, 1, -1, 1])


@nb.njit(cache=True)
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@nb.njit(cache=True)
def _merge(parent: np.ndarray, label: int, other: int) -> int:
    """Union of two provisional labels (0 = none yet); returns a label of the union."""
    if other == 0 or other == label:
        return label
    if label == 0:
        return other
    a = _find(parent, np.int64(label))  # one integer type: one compiled _find
    b = _find(parent, np.int64(other))
    if a < b:
        parent[b] = a
        return a
    parent[a] = b
    return b


@nb.njit(cache=True)
def _scan(cloud: np.ndarray, conn8: bool, periodic: bool):
    """Provisional labels, border flags and provisional -> component map."""
    ny, nx = cloud.shape
    prov = np.zeros((ny, nx), np.int32)
    border = np.zeros((ny, nx), np.uint8)
    # At most one new label per two pixels of a row.
    parent = np.empty(((nx + 1) // 2) * ny + 1, np.int32)
    parent[0] = 0
    n = 0
    for r in range(ny):
        for c in range(nx):
            if cloud[r, c] == 0:
                continue
            if periodic:
                edge = (
                    cloud[r - 1 if r > 0 else ny - 1, c] == 0
                    or cloud[r + 1 if r < ny - 1 else 0, c] == 0
                    or cloud[r, c - 1 if c > 0 else nx - 1] == 0
                    or cloud[r, c + 1 if c < nx - 1 else 0] == 0
                )
            else:
                edge = (
                    r == 0
                    or c == 0
                    or r == ny - 1
                    or c == nx - 1
                    or cloud[r - 1, c] == 0
                    or cloud[r + 1, c] == 0
                    or cloud[r, c - 1] == 0
                    or cloud[r, c + 1] == 0
                )
            if edge:
                border[r, c] = 1
            label = prov[r, c - 1] if c > 0 else 0
            if r > 0:
                label = _merge(parent, label, prov[r - 1, c])
                if conn8:
                    if c > 0:
                        label = _merge(parent, label, prov[r - 1, c - 1])
                    if c < nx - 1:
                        label = _merge(parent, label, prov[r - 1, c + 1])
            if label == 0:
                n += 1
                parent[n] = n
                label = n
            prov[r, c] = label
    comp = np.zeros(n + 1, np.int32)
    m = 0
    for lab in range(1, n + 1):
        root = _find(parent, lab)
        if root == lab:
            m += 1
            comp[lab] = m
        else:
            comp[lab] = comp[root]
    return prov, border, comp, m


@nb.njit(cache=True)
def _join_periodic(prov: np.ndarray, comp: np.ndarray, m: int, conn8: bool):
    """Join components across the domain edges; return object ids and unwrap shifts."""
    ny, nx = prov.shape
    offsets = np.array([[0, 1], [1, 0], [1, 1], [1, -1]])
    n_off = 4 if conn8 else 2
    cap = 2 * n_off * (ny + nx) + 8
    src = np.empty(cap, np.int32)
    dst = np.empty(cap, np.int32)
    shift = np.empty((cap, 2), np.int64)
    n_edges = 0
    for r in range(ny):
        for c in range(nx):
            if not (r == ny - 1 or c == 0 or c == nx - 1) or prov[r, c] == 0:
                continue
            for k in range(n_off):
                qr = r + offsets[k, 0]
                qc = c + offsets[k, 1]
                if 0 <= qr < ny and 0 <= qc < nx:
                    continue
                wr = qr % ny
                wc = qc % nx
                if prov[wr, wc] == 0:
                    continue
                src[n_edges] = comp[prov[r, c]]
                dst[n_edges] = comp[prov[wr, wc]]
                shift[n_edges, 0] = qr - wr
                shift[n_edges, 1] = qc - wc
                n_edges += 1
    # Undirected adjacency in CSR form.
    start = np.zeros(m + 2, np.int64)
    for e in range(n_edges):
        start[src[e] + 1] += 1
        start[dst[e] + 1] += 1
    for a in range(1, m + 2):
        start[a] += start[a - 1]
    fill = start.copy()
    nbr = np.empty(2 * n_edges, np.int32)
    nbr_shift = np.empty((2 * n_edges, 2), np.int64)
    for e in range(n_edges):
        a, b = src[e], dst[e]
        nbr[fill[a]] = b
        nbr_shift[fill[a]] = shift[e]
        fill[a] += 1
        nbr[fill[b]] = a
        nbr_shift[fill[b]] = -shift[e]
        fill[b] += 1
    obj = np.zeros(m + 1, np.int32)
    comp_shift = np.zeros((m + 1, 2), np.int64)
    stack = np.empty(m, np.int32)
    n_obj = 0
    for s in range(1, m + 1):
        if obj[s] != 0:
            continue
        n_obj += 1
        obj[s] = n_obj
        top = 0
        stack[top] = s
        top += 1
        while top > 0:
            top -= 1
            a = stack[top]
            for i in range(start[a], start[a + 1]):
                b = nbr[i]
                if obj[b] == 0:
                    obj[b] = n_obj
                    comp_shift[b] = comp_shift[a] + nbr_shift[i]
                    stack[top] = b
                    top += 1
    return obj, comp_shift, n_obj


@nb.njit(cache=True)
def _measure(
    prov: np.ndarray,
    border: np.ndarray,
    final: np.ndarray,
    shift: np.ndarray,
    n_obj: int,
    periodic: bool,
):
    """Final labels and per-object area, moments and contour perimeter in one pass."""
    ny, nx = prov.shape
    labels = np.zeros((ny, nx), np.int32)
    area = np.zeros(n_obj + 1, np.int64)
    ref = np.zeros((n_obj + 1, 2), np.int64)
    # sums of dr, dc, dr*dr, dc*dc, dr*dc relative to the object's first pixel
    sums = np.zeros((n_obj + 1, 5))
    perimeter = np.zeros(n_obj + 1)
    for r in range(ny):
        for c in range(nx):
            p = prov[r, c]
            if p == 0:
                continue
            lab = final[p]
            labels[r, c] = lab
            ur = r + shift[p, 0]
            uc = c + shift[p, 1]
            if area[lab] == 0:
                ref[lab, 0] = ur
                ref[lab, 1] = uc
            area[lab] += 1
            dr = float(ur - ref[lab, 0])
            dc = float(uc - ref[lab, 1])
            sums[lab, 0] += dr
            sums[lab, 1] += dc
            sums[lab, 2] += dr * dr
            sums[lab, 3] += dc * dc
            sums[lab, 4] += dr * dc
            if border[r, c] == 0:
                continue
            code = 1
            for k in range(8):
                qr = r + _NEIGHBOUR_ROW[k]
                qc = c + _NEIGHBOUR_COL[k]
                if periodic:
                    qr %= ny
                    qc %= nx
                elif qr < 0 or qc < 0 or qr >= ny or qc >= nx:
                    continue
                if border[qr, qc] == 0:
                    continue
                if k < 4:
                    code += 2  # a cloudy 4-neighbour belongs to the same object
                elif final[prov[qr, qc]] == lab:
                    code += 10
            perimeter[lab] += _PERIMETER_WEIGHTS[code]
    return labels, area, ref, sums, perimeter


@dataclass(frozen=True)
class CloudObjects:
    """Per-object properties of the cloud objects of one mask.

    Attributes
    ----------
    area : numpy.ndarray
        ``int64 (N,)``, pixel counts ``A_i``.
    centroid : numpy.ndarray
        ``float64 (N, 2)``, mean (row, col) pixel index; on a periodic domain the mean
        of the unwrapped object, brought back into ``[0, ny) x [0, nx)``.
    moments : numpy.ndarray
        ``float64 (N, 3)``, central second moments per pixel (the covariance of the
        pixel positions): ``mu_rr``, ``mu_cc``, ``mu_rc``.
    perimeter : numpy.ndarray
        ``float64 (N,)``, 4-neighbourhood contour perimeter in pixels.
    shape : tuple of int
        Domain shape ``(ny, nx)``.
    connectivity : int
        4 or 8.
    periodic : bool
        Whether objects were joined across the domain edges.

    Examples
    --------
    >>> import numpy as np
    >>> _, objs = label_objects(np.eye(3, dtype=bool), connectivity=8)
    >>> objs.num, objs.area.tolist()
    (1, [3])
    """

    area: np.ndarray
    centroid: np.ndarray
    moments: np.ndarray
    perimeter: np.ndarray
    shape: tuple[int, int]
    connectivity: int
    periodic: bool

    @property
    def num(self) -> int:
        """Number of objects ``N``."""
        return int(self.area.size)

    @property
    def eccentricity(self) -> np.ndarray:
        """Eccentricity ``sqrt(1 - l2 / l1)`` of each object's inertia ellipse.

        ``l1 >= l2`` are the eigenvalues of the moment matrix; an object with
        ``l1 = 0`` (a single pixel) has eccentricity 0, as in scikit-image.

        Examples
        --------
        >>> import numpy as np
        >>> _, objs = label_objects(np.ones((1, 5), bool))
        >>> objs.eccentricity.tolist()
        [1.0]
        """
        mrr, mcc, mrc = self.moments.T
        half_sum = 0.5 * (mrr + mcc)
        root = np.sqrt((0.5 * (mrr - mcc)) ** 2 + mrc**2)
        l1 = half_sum + root
        l2 = np.maximum(half_sum - root, 0.0)
        ratio = np.divide(l2, l1, out=np.ones_like(l1), where=l1 > 0)
        return np.sqrt(1.0 - ratio)

    def larger_than(self, min_area: float) -> CloudObjects:
        """Return the objects with ``A_i > min_area``.

        Parameters
        ----------
        min_area : float
            Area threshold in pixels.

        Returns
        -------
        CloudObjects
            The kept objects (``self`` when all are kept).

        Examples
        --------
        >>> import numpy as np
        >>> mask = np.zeros((5, 5), bool); mask[0, 0] = True; mask[2:5, 2:5] = True
        >>> _, objs = label_objects(mask)
        >>> objs.larger_than(1).area.tolist()
        [9]
        """
        keep = self.area > min_area
        if keep.all():
            return self
        return dataclasses.replace(
            self,
            area=self.area[keep],
            centroid=self.centroid[keep],
            moments=self.moments[keep],
            perimeter=self.perimeter[keep],
        )


def label_prepared(prep: PreparedMask, connectivity: int, periodic: bool):
    """Label a validated mask; return ``(labels, CloudObjects)``.

    This is the one labelling pass behind every object metric; see
    :func:`label_objects` for the parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from cloudorg.metrics.inputs import prepare_mask
    >>> labels, objs = label_prepared(prepare_mask(np.eye(2, dtype=bool)), 4, False)
    >>> labels.tolist(), objs.num
    ([[1, 0], [0, 2]], 2)
    """
    check_connectivity(connectivity)
    conn8 = connectivity == 8
    prov, border, comp, m = _scan(prep.cloud, conn8, periodic)
    if periodic:
        obj, comp_shift, n_obj = _join_periodic(prov, comp, m, conn8)
        final = obj[comp]
        shift = np.ascontiguousarray(comp_shift[comp])
    else:
        final, n_obj = comp, m
        shift = np.zeros((comp.size, 2), np.int64)
    labels, area, ref, sums, perimeter = _measure(prov, border, final, shift, n_obj, periodic)
    area, ref, sums, perimeter = area[1:], ref[1:], sums[1:], perimeter[1:]
    a = area.astype(np.float64)
    mean = sums[:, :2] / a[:, None]
    moments = np.column_stack(
        (
            sums[:, 2] / a - mean[:, 0] ** 2,
            sums[:, 3] / a - mean[:, 1] ** 2,
            sums[:, 4] / a - mean[:, 0] * mean[:, 1],
        )
    )
    centroid = ref + mean
    if periodic:
        size = np.array(prep.shape, dtype=np.float64)
        centroid = np.mod(centroid, size)
        centroid = np.where(centroid >= size, 0.0, centroid)  # rounding of tiny negatives
    objects = CloudObjects(
        area=area,
        centroid=centroid,
        moments=moments,
        perimeter=perimeter,
        shape=prep.shape,
        connectivity=connectivity,
        periodic=periodic,
    )
    return labels, objects


def label_objects(
    mask: Any,
    *,
    connectivity: int = 4,
    periodic: bool = False,
    max_missing_fraction: float = 0.0,
) -> tuple[np.ndarray, CloudObjects]:
    """Label the cloud objects of a mask and measure them.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask (bool, or 0/1 with NaN for missing pixels).
    connectivity : {4, 8}, default 4
        Pixel connectivity of objects.
    periodic : bool, default False
        Join objects across opposite domain edges (doubly periodic domain).
    max_missing_fraction : float, default 0.0
        Largest tolerated fraction of missing pixels; they are then treated as clear.

    Returns
    -------
    labels : numpy.ndarray
        ``int32 (ny, nx)``: 0 for clear, ``1..N`` for objects in order of first
        appearance in a raster scan.
    objects : CloudObjects
        Area, centroid, second moments and perimeter of each object
        (``objects.area[i - 1]`` is the area of label ``i``).

    Raises
    ------
    ConfigError
        For an invalid mask or argument, or more missing pixels than tolerated.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.array([[1, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 1]], dtype=bool)
    >>> labels, objs = label_objects(mask)
    >>> labels
    array([[1, 1, 0, 0],
           [0, 0, 0, 2],
           [3, 0, 0, 2]], dtype=int32)
    >>> objs.area.tolist(), objs.perimeter.tolist()
    ([2, 2, 1], [0.0, 0.0, 0.0])
    >>> label_objects(mask, periodic=True)[1].num
    1
    """
    prep = prepare_mask(mask, max_missing_fraction)
    if not prep.usable:
        raise ConfigError(
            f"mask has {prep.n_missing} missing (NaN) pixels of {prep.cloud.size}, more than "
            f"max_missing_fraction={max_missing_fraction}; raise it to treat them as clear"
        )
    return label_prepared(prep, connectivity, periodic)


def objects_for_metric(
    mask: Any,
    connectivity: int,
    periodic: bool,
    min_area: float,
    max_missing_fraction: float,
) -> CloudObjects | None:
    """Label ``mask`` and keep the objects with ``A_i > min_area``.

    The shared first step of every public object metric. Returns None when the mask
    has more missing pixels than tolerated, in which case the metric is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> objects_for_metric(np.eye(4, dtype=bool), 8, False, 0, 0.0).area.tolist()
    [4]
    >>> objects_for_metric(np.full((2, 2), np.nan), 4, False, 0, 0.0) is None
    True
    """
    check_min_area(min_area)
    prep = prepare_mask(mask, max_missing_fraction)
    if not prep.usable:
        return None
    return label_prepared(prep, connectivity, periodic)[1].larger_than(min_area)
