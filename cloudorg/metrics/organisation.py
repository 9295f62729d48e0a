"""Organisation metrics from the positions of cloud objects: COP, SCAI, Iorg and the
inhibition-reference Iorg.

Distances are between object centroids, in pixels; on a periodic domain they use the
minimum image and every normalisation uses the original domain size. The object
arguments (``connectivity``, ``periodic``, ``min_area``, ``max_missing_fraction``) are
those of :mod:`cloudorg.metrics.objects`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np
from scipy.spatial import cKDTree

from cloudorg.errors import CloudorgError, ConfigError
from cloudorg.metrics.components import CloudObjects, objects_for_metric
from cloudorg.metrics.inputs import check_seed, pixel_size

# Bin edges of the published binned Iorg: np.linspace(0, hypot(ny, nx), 10_000).
IORG_BIN_EDGES = 10_000
# Consecutive failed placements of one circle before the inhibition reference gives up.
PLACEMENT_TRIES = 100


class PlacementError(CloudorgError, RuntimeError):
    """The inhibition reference could not place its non-overlapping circles."""


@nb.njit(cache=True, fastmath=True)
def _sum_log_positive(values, start, stop):
    """Sum of log(v) over the positive ``values[start:stop]``, one log per 32 values.

    Four running products of eight factors each stay within float64 range for squared
    centroid distances (between ~1e-27 and ~1e10 pixels^2).
    """
    total = 0.0
    p0 = p1 = p2 = p3 = 1.0
    j = start
    while j + 32 <= stop:
        for k in range(j, j + 32, 4):
            p0 *= values[k] if values[k] > 0.0 else 1.0
            p1 *= values[k + 1] if values[k + 1] > 0.0 else 1.0
            p2 *= values[k + 2] if values[k + 2] > 0.0 else 1.0
            p3 *= values[k + 3] if values[k + 3] > 0.0 else 1.0
        total += np.log(p0 * p1) + np.log(p2 * p3)
        p0 = p1 = p2 = p3 = 1.0
        j += 32
    for k in range(j, stop):
        total += np.log(values[k]) if values[k] > 0.0 else 0.0
    return total


@nb.njit(cache=True, fastmath=True)
def _pair_kernel(rows, cols, sqrt_area, ny, nx, periodic):
    """Sums over pairs i<j of (sqrt A_i + sqrt A_j) / d_ij and of log d_ij^2."""
    n = rows.size
    cop_sum = 0.0
    log_sum = 0.0
    n_coincident = 0
    d2 = np.empty(n)
    for i in range(n - 1):
        ri = rows[i]
        ci = cols[i]
        si = sqrt_area[i]
        for j in range(i + 1, n):  # vectorised loops: distances, then COP terms
            dr = abs(ri - rows[j])
            dc = abs(ci - cols[j])
            if periodic:
                dr = min(dr, ny - dr)
                dc = min(dc, nx - dc)
            d2[j] = dr * dr + dc * dc
        for j in range(i + 1, n):
            apart = d2[j] > 0.0
            cop_sum += apart * (si + sqrt_area[j]) / np.sqrt(max(d2[j], 1e-300))
            n_coincident += not apart
        log_sum += _sum_log_positive(d2, i + 1, n)
    return cop_sum, log_sum, n_coincident


@dataclass(frozen=True)
class PairSums:
    """Sums over all centroid pairs, shared by COP and SCAI.

    Attributes
    ----------
    n : int
        Number of objects.
    cop_sum : float
        Sum of ``(sqrt A_i + sqrt A_j) / d_ij`` over pairs with ``d_ij > 0``.
    log_sum : float
        Sum of ``log d_ij^2`` over pairs with ``d_ij > 0`` (pixels).
    n_coincident : int
        Number of pairs with coinciding centroids (``d_ij = 0``).
    """

    n: int
    cop_sum: float
    log_sum: float
    n_coincident: int

    @property
    def n_pairs(self) -> int:
        """Number of pairs ``N (N - 1) / 2``."""
        return self.n * (self.n - 1) // 2


def pair_sums(objects: CloudObjects) -> PairSums:
    """Accumulate the pair sums of COP and SCAI in O(N^2) time and O(N) memory.

    Parameters
    ----------
    objects : CloudObjects
        The objects whose centroids and areas enter the sums.

    Returns
    -------
    PairSums
        The sums.

    Examples
    --------
    >>> import numpy as np
    >>> from cloudorg.metrics.components import label_objects
    >>> mask = np.zeros((1, 5), bool); mask[0, [0, 4]] = True
    >>> pair_sums(label_objects(mask)[1]).cop_sum  # (1 + 1) / 4
    0.5
    """
    ny, nx = objects.shape
    cop_sum, log_sum, n_coincident = _pair_kernel(
        np.ascontiguousarray(objects.centroid[:, 0]),
        np.ascontiguousarray(objects.centroid[:, 1]),
        np.sqrt(objects.area.astype(np.float64)),
        float(ny),
        float(nx),
        objects.periodic,
    )
    return PairSums(objects.num, cop_sum, log_sum, n_coincident)


def _cop(pairs: PairSums) -> float:
    if pairs.n < 2:
        return float("nan")
    if pairs.n_coincident:
        return float("inf")
    return float(pairs.cop_sum / (np.sqrt(np.pi) * pairs.n_pairs))


def _scai(pairs: PairSums, shape: tuple[int, int], scale: float, reference_length: float) -> float:
    if pairs.n == 0:
        return float("nan")
    if pairs.n == 1 or pairs.n_coincident:
        return 0.0
    d0 = np.exp(0.5 * pairs.log_sum / pairs.n_pairs) * scale
    n_max = shape[0] * shape[1] / 2.0
    return float(pairs.n / n_max * d0 / reference_length * 1000.0)


def nearest_neighbour_distances(
    points: np.ndarray, shape: tuple[int, int], periodic: bool
) -> np.ndarray:
    """Distance from each point to its nearest other point (O(N log N), cKDTree).

    Parameters
    ----------
    points : numpy.ndarray
        ``(N, 2)`` (row, col) positions, inside ``[0, ny) x [0, nx)`` when periodic.
    shape : tuple of int
        Domain shape ``(ny, nx)``.
    periodic : bool
        Use minimum-image distances on the doubly periodic domain.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` distances in pixels (``inf`` for a single point).

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.array([[0.0, 0.0], [0.0, 3.0], [0.0, 9.0]])
    >>> nearest_neighbour_distances(pts, (1, 10), False).tolist()
    [3.0, 3.0, 6.0]
    >>> nearest_neighbour_distances(pts, (1, 10), True).tolist()
    [1.0, 3.0, 1.0]
    """
    if len(points) < 2:
        return np.full(len(points), np.inf)
    boxsize = np.array(shape, dtype=np.float64) if periodic else None
    return cKDTree(points, boxsize=boxsize).query(points, k=2)[0][:, 1]


def _nn_cdf(distances: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Empirical CDF of ``distances`` at the right edges of ``edges``' bins."""
    return np.cumsum(np.histogram(distances, edges)[0]) / distances.size


def _iorg(nn: np.ndarray, shape: tuple[int, int], binned: bool) -> float:
    if nn.size < 2:
        return float("nan")
    lam = nn.size / (shape[0] * shape[1])
    if not binned:
        return float(np.mean(np.exp(-lam * np.pi * nn**2)))
    edges = np.linspace(0.0, np.hypot(*shape), IORG_BIN_EDGES)
    centres = 0.5 * (edges[1:] + edges[:-1])
    reference = 1.0 - np.exp(-lam * np.pi * centres**2)
    return float(np.trapezoid(_nn_cdf(nn, edges), reference))


@nb.njit(cache=True)
def _place_circles(radii, ny, nx, rng, max_tries):
    """Random sequential placement of non-overlapping circles on the torus."""
    n = radii.size
    pos = np.empty((n, 2))
    for i in range(n):
        tries = 0
        while True:
            y = rng.random() * ny
            x = rng.random() * nx
            free = True
            for j in range(i):
                dy = abs(y - pos[j, 0])
                dx = abs(x - pos[j, 1])
                dy = min(dy, ny - dy)
                dx = min(dx, nx - dx)
                reach = radii[i] + radii[j]
                if dy * dy + dx * dx <= reach * reach:
                    free = False
                    break
            if free:
                pos[i, 0] = y
                pos[i, 1] = x
                break
            tries += 1
            if tries == max_tries:
                return pos, i
    return pos, n


def inhibition_reference(
    area: np.ndarray, shape: tuple[int, int], seed: int, max_tries: int = PLACEMENT_TRIES
) -> np.ndarray:
    """Place one non-overlapping circle per object (Benner & Curry 1998).

    Circles have the objects' equivalent radii ``sqrt(A_i / pi)`` and are placed
    largest first at uniformly random positions; overlap (touching included) is
    tested against the periodic images of the placed circles.

    Parameters
    ----------
    area : numpy.ndarray
        Object areas in pixels.
    shape : tuple of int
        Domain shape ``(ny, nx)``.
    seed : int
        Seed of the placement's ``numpy.random.default_rng`` (deterministic for a seed).
    max_tries : int, default 100
        Consecutive failed positions of one circle before giving up.

    Returns
    -------
    numpy.ndarray
        ``(N, 2)`` (row, col) circle centres, largest circle first.

    Raises
    ------
    PlacementError
        When a circle cannot be placed in ``max_tries`` tries (a too cloudy field).

    Examples
    --------
    >>> import numpy as np
    >>> inhibition_reference(np.array([4, 4, 4]), (32, 32), seed=1).shape
    (3, 2)
    """
    check_seed(seed)
    if max_tries < 1:
        raise ConfigError(f"max_tries must be a positive number of tries, got {max_tries!r}")
    radii = np.sort(np.sqrt(area / np.pi))[::-1].copy()
    rng = np.random.default_rng(seed)
    pos, n_placed = _place_circles(radii, float(shape[0]), float(shape[1]), rng, max_tries)
    if n_placed < radii.size:
        raise PlacementError(
            f"iorg_inhibition: could not place circle {n_placed + 1} of {radii.size} "
            f"(radius {radii[n_placed]:.1f} px) without overlap in {max_tries} tries on a "
            f"{shape[0]}x{shape[1]} domain; the objects cover too much of it"
        )
    return pos


def _iorg_inhibition(nn: np.ndarray, objects: CloudObjects, binned: bool, seed: int) -> float:
    if nn.size < 2:
        return float("nan")
    placed = inhibition_reference(objects.area, objects.shape, seed)
    reference = nearest_neighbour_distances(placed, objects.shape, objects.periodic)
    if binned:
        edges = np.linspace(0.0, np.hypot(*objects.shape), IORG_BIN_EDGES)
        return float(np.trapezoid(_nn_cdf(nn, edges), _nn_cdf(reference, edges)))
    scene = np.sort(nn)
    below = np.searchsorted(scene, reference, "left") + np.searchsorted(scene, reference, "right")
    return float(np.mean(below) / (2 * scene.size))


def scene_nearest_neighbours(objects: CloudObjects) -> np.ndarray:
    """Nearest-neighbour distances of the object centroids, shared by both Iorgs.

    Parameters
    ----------
    objects : CloudObjects
        The objects; periodic ones use minimum-image distances.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` distances in pixels.

    Examples
    --------
    >>> import numpy as np
    >>> from cloudorg.metrics.components import label_objects
    >>> mask = np.zeros((1, 8), bool); mask[0, [0, 2, 7]] = True
    >>> scene_nearest_neighbours(label_objects(mask)[1]).tolist()
    [2.0, 2.0, 5.0]
    """
    return nearest_neighbour_distances(objects.centroid, objects.shape, objects.periodic)


def cop(
    mask: Any,
    *,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    max_missing_fraction: float = 0.0,
) -> float:
    """Convective Organisation Potential (White et al. 2018).

    ``COP = mean over pairs i<j of (sqrt A_i + sqrt A_j) / (sqrt(pi) d_ij)`` with
    ``d_ij`` the centroid distance.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    connectivity, periodic, min_area, max_missing_fraction
        As in :mod:`cloudorg.metrics.objects`.

    Returns
    -------
    float
        Dimensionless; NaN for fewer than 2 objects; ``inf`` when two centroids
        coincide (e.g. a ring around a pixel).

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((10, 10), bool); mask[0, 0] = True; mask[0, 4] = True
    >>> bool(np.isclose(cop(mask), 2 / (np.sqrt(np.pi) * 4)))
    True
    """
    objects = objects_for_metric(mask, connectivity, periodic, min_area, max_missing_fraction)
    return float("nan") if objects is None else _cop(pair_sums(objects))


def scai(
    mask: Any,
    *,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    dx: float | None = None,
    reference_length: float = 1000.0,
    max_missing_fraction: float = 0.0,
) -> float:
    """Simple Convective Aggregation Index (Tobin et al. 2012).

    ``SCAI = N / (ny nx / 2) * D0 / L_ref * 1000`` with ``D0`` the geometric mean of
    all pairwise centroid distances (times ``dx``).

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    connectivity, periodic, min_area, dx, max_missing_fraction
        As in :mod:`cloudorg.metrics.objects`.
    reference_length : float, default 1000.0
        ``L_ref``, in the unit of ``dx`` (pixels without ``dx``).

    Returns
    -------
    float
        Dimensionless; 0 for one object (or coinciding centroids), NaN for none.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((10, 10), bool); mask[0, 0] = True; mask[0, 4] = True
    >>> scai(mask)  # 2 / 50 * 4 / 1000 * 1000
    0.16
    """
    if not (np.isfinite(reference_length) and reference_length > 0):
        raise ConfigError(f"reference_length must be positive, got {reference_length!r}")
    objects = objects_for_metric(mask, connectivity, periodic, min_area, max_missing_fraction)
    if objects is None:
        return float("nan")
    return _scai(pair_sums(objects), objects.shape, pixel_size(dx), reference_length)


def iorg(
    mask: Any,
    *,
    binned: bool = False,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    max_missing_fraction: float = 0.0,
) -> float:
    """Organisation index Iorg with a Poisson reference (Tompkins & Semie 2017).

    With ``d_i`` the nearest-neighbour distance of centroid i and ``lambda = N / (ny
    nx)``, the exact form is ``Iorg = mean_i exp(-lambda pi d_i^2)``, the integral of
    the scene's nearest-neighbour CDF over the Poisson CDF ``1 - exp(-lambda pi r^2)``
    (about 0 regular, 0.5 random, 1 clustered).

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    binned : bool, default False
        Reproduce the published binned integral of cloudmetrics: 10 000 bin edges
        on ``[0, hypot(ny, nx)]``, scene CDF at the right edges, Poisson CDF at the bin
        centres, trapezoid rule.
    connectivity, periodic, min_area, max_missing_fraction
        As in :mod:`cloudorg.metrics.objects`.

    Returns
    -------
    float
        In [0, 1]; NaN for fewer than 2 objects.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((64, 64), bool); mask[2::8, 2::8] = True  # a regular lattice
    >>> round(iorg(mask), 4), round(iorg(mask, binned=True), 4)
    (0.0432, 0.0435)
    """
    objects = objects_for_metric(mask, connectivity, periodic, min_area, max_missing_fraction)
    return (
        float("nan")
        if objects is None
        else _iorg(scene_nearest_neighbours(objects), objects.shape, binned)
    )


def iorg_inhibition(
    mask: Any,
    *,
    binned: bool = False,
    seed: int = 0,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    max_missing_fraction: float = 0.0,
) -> float:
    """Iorg against an inhibition reference (Benner & Curry 1998; Antonissen 2019).

    The reference is one seeded random sequential placement of non-overlapping
    circles with the objects' equivalent radii (:func:`inhibition_reference`); its
    nearest-neighbour distances ``r_j`` replace the Poisson distribution. The exact
    form integrates the scene's nearest-neighbour CDF over the reference's empirical
    CDF: ``mean_j F_scene(r_j)``, ties counted half (the probability that a scene
    distance is below a reference one).

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    binned : bool, default False
        Use the published binned form: both CDFs at the right edges of 10 000 bin
        edges on ``[0, hypot(ny, nx)]``, trapezoid rule.
    seed : int, default 0
        Seed of the placement; the value is deterministic for a seed.
    connectivity, periodic, min_area, max_missing_fraction
        As in :mod:`cloudorg.metrics.objects`.

    Returns
    -------
    float
        In [0, 1]; NaN for fewer than 2 objects.

    Raises
    ------
    PlacementError
        When the circles cannot be placed (a too cloudy field).

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((64, 64), bool); mask[2::8, 2::8] = True
    >>> iorg_inhibition(mask) < 0.5
    True
    """
    check_seed(seed)
    objects = objects_for_metric(mask, connectivity, periodic, min_area, max_missing_fraction)
    if objects is None:
        return float("nan")
    return _iorg_inhibition(scene_nearest_neighbours(objects), objects, binned, seed)
