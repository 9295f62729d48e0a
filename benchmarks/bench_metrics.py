"""asv benchmarks of the cloud-mask metrics, against a straightforward baseline.

Masks are cloud-like: Gaussian-smoothed white noise (sigma = 3 px) thresholded at a
cloud fraction of 0.25 (about 600 objects at 512^2 and 8 000 at 2048^2).

The baseline computes the object metrics the straightforward way, with the public APIs of
scikit-image and scipy alone (``skimage.measure.label`` + ``regionprops``,
``scipy.spatial.distance.pdist`` for COP and SCAI, a ``cKDTree`` for Iorg), as the
published implementations do.

Tracked:

- ``Goals.track_all_metrics_512_s`` / ``track_all_metrics_2048_s``: all 16 metrics of one
  mask through ``compute_metrics`` (after numba's warm-up), the best of 3 (goals 0.04 s and
  1.5 s);
- ``Ratios.track_baseline_over_ours``: the baseline's object metrics / cloudorg's same
  metrics on the same mask, taking turns, the median of the per-round ratios over 3 rounds
  (one in a quick run).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree
from scipy.spatial.distance import pdist
from skimage.measure import label, regionprops

from benchmarks.timing import in_turns, median_ratio, quick, round_count, seconds, tracked
from cloudorg.metrics import compute_metrics, label_objects, metric_names
from cloudorg.metrics.objects import SIZE_BIN_EDGES, SIZE_MIN_AREA

SIZES = (512,) if quick() else (512, 2048)
"""Mask edges (512 alone in a quick run)."""
OBJECT_METRICS = [
    name
    for name in metric_names()
    if name
    in {
        "num_objects",
        "max_length_scale",
        "mean_length_scale",
        "mean_perimeter",
        "total_perimeter",
        "size_distribution_exponent",
        "cop",
        "scai",
        "iorg",
        "mean_eccentricity",
    }
]


def cloud_like_mask(n: int, seed: int = 0, cloud_fraction: float = 0.25) -> np.ndarray:
    """Gaussian-smoothed (sigma 3 px) white noise thresholded at ``cloud_fraction``."""
    field = ndimage.gaussian_filter(np.random.default_rng(seed).standard_normal((n, n)), 3)
    return field > np.quantile(field, 1 - cloud_fraction)


def baseline_object_metrics(mask: np.ndarray) -> dict[str, float]:
    """The object metrics of ``OBJECT_METRICS`` with scikit-image and scipy."""
    ny, nx = mask.shape
    regions = regionprops(label(mask, connectivity=1))
    area = np.array([r.area for r in regions], dtype=np.float64)
    centroid = np.array([r.centroid for r in regions])
    perimeter = np.array([r.perimeter for r in regions])
    eccentricity = np.array([r.eccentricity for r in regions])

    lengths = np.sqrt(area[area > SIZE_MIN_AREA])
    counts = np.histogram(lengths, SIZE_BIN_EDGES)[0]
    centres = 0.5 * (SIZE_BIN_EDGES[1:] + SIZE_BIN_EDGES[:-1])
    filled = counts > 0
    slope = np.polyfit(np.log(centres[filled][1:]), np.log(counts[filled][1:]), 1)[0]

    dist = pdist(centroid)
    i, j = np.triu_indices(area.size, k=1)
    sqrt_area = np.sqrt(area)
    cop = np.mean((sqrt_area[i] + sqrt_area[j]) / (np.sqrt(np.pi) * dist))
    scai = area.size / (ny * nx / 2) * np.exp(np.mean(np.log(dist)))

    nn = cKDTree(centroid).query(centroid, k=2)[0][:, 1]
    iorg = np.mean(np.exp(-area.size / (ny * nx) * np.pi * nn**2))
    return {
        "num_objects": float(area.size),
        "max_length_scale": float(np.sqrt(area.max())),
        "mean_length_scale": float(np.sqrt(area.mean())),
        "mean_perimeter": float(perimeter.mean()),
        "total_perimeter": float(perimeter.sum()),
        "size_distribution_exponent": float(slope),
        "cop": float(cop),
        "scai": float(scai),
        "iorg": float(iorg),
        "mean_eccentricity": float(np.average(eccentricity, weights=area)),
    }


class TimeComputeMetrics:
    """All metrics, and the object metrics alone, through ``compute_metrics``."""

    params = SIZES
    param_names = ("n",)
    timeout = 300

    def setup(self, n: int) -> None:
        self.mask = cloud_like_mask(n)
        _warm_up()

    def time_all_metrics(self, n: int) -> None:
        compute_metrics(self.mask)

    def time_object_metrics(self, n: int) -> None:
        compute_metrics(self.mask, metrics=OBJECT_METRICS)

    def time_labelling(self, n: int) -> None:
        label_objects(self.mask)


class TimeBaseline:
    """The object metrics the straightforward way (scikit-image + scipy)."""

    params = SIZES
    param_names = ("n",)
    timeout = 600

    def setup(self, n: int) -> None:
        self.mask = cloud_like_mask(n)

    def time_object_metrics(self, n: int) -> None:
        baseline_object_metrics(self.mask)


def _warm_up() -> None:
    compute_metrics(cloud_like_mask(64))  # numba's kernels loaded from its cache


class Goals:
    """All metrics of a mask, against their goals."""

    timeout = 300
    number = 1
    repeat = 1
    warmup_time = 0

    def setup(self) -> None:
        _warm_up()

    @staticmethod
    def _best(n: int) -> float:
        mask = cloud_like_mask(n)
        return min(seconds(lambda: compute_metrics(mask)) for _ in range(3))

    @tracked("s", "<= 0.04")
    def track_all_metrics_512_s(self) -> float:
        return self._best(512)

    @tracked("s", "<= 1.5")
    def track_all_metrics_2048_s(self) -> float:
        return self._best(2048)


class Ratios:
    """The baseline's object metrics / cloudorg's, on the same mask."""

    params = SIZES
    param_names = ("n",)
    timeout = 600
    number = 1
    repeat = 1
    warmup_time = 0

    def setup(self, n: int) -> None:
        self.mask = cloud_like_mask(n)
        _warm_up()

    @tracked("x")
    def track_baseline_over_ours(self, n: int) -> float:
        found = in_turns({
            "baseline": lambda: baseline_object_metrics(self.mask),
            "ours": lambda: compute_metrics(self.mask, metrics=OBJECT_METRICS),
        }, round_count(3))  # fmt: skip
        return median_ratio(found["baseline"], found["ours"])
