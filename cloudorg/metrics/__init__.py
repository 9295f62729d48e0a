"""Cloud-mask organisation metrics (Janssens et al. 2021 conventions), numba kernels.

``compute_metrics(mask)`` returns every metric of ``docs/metrics.md`` from one labelling
pass; each metric is also a function of its own, and ``METRIC_INFO`` holds their
units, long names and citations.

Examples
--------
>>> import numpy as np
>>> from cloudorg.metrics import compute_metrics, iorg
>>> mask = np.zeros((64, 64), bool); mask[2::8, 2::8] = True
>>> values = compute_metrics(mask)
>>> values["num_objects"], round(values["iorg"], 3) == round(iorg(mask), 3)
(64.0, True)
"""

from __future__ import annotations

from cloudorg.metrics.core import compute_metrics
from cloudorg.metrics.field import cloud_fraction, fractal_dimension, open_sky, orientation
from cloudorg.metrics.labelling import CloudObjects, label_objects
from cloudorg.metrics.objects import (
    max_length_scale,
    mean_eccentricity,
    mean_length_scale,
    mean_perimeter,
    num_objects,
    size_distribution_exponent,
    total_perimeter,
)
from cloudorg.metrics.organisation import (
    PlacementError,
    cop,
    inhibition_reference,
    iorg,
    iorg_inhibition,
    scai,
)
from cloudorg.metrics.registry import METRIC_INFO, MetricInfo, metric_names
from cloudorg.metrics.spectral import spectral_length_scale

__all__ = [
    "METRIC_INFO",
    "CloudObjects",
    "MetricInfo",
    "PlacementError",
    "cloud_fraction",
    "compute_metrics",
    "cop",
    "fractal_dimension",
    "inhibition_reference",
    "iorg",
    "iorg_inhibition",
    "label_objects",
    "max_length_scale",
    "mean_eccentricity",
    "mean_length_scale",
    "mean_perimeter",
    "metric_names",
    "num_objects",
    "open_sky",
    "orientation",
    "scai",
    "size_distribution_exponent",
    "spectral_length_scale",
    "total_perimeter",
]
