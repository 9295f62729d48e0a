"""Cloud-mask organisation metrics (Janssens et al. 2021 conventions), numba kernels, and
their computation for every tile of a campaign store on Dask.

``compute_metrics(mask)`` returns every metric of ``docs/metrics.md`` from one labelling
pass; each metric is also a function of its own. ``METRICS`` is the registry of the
metrics: their units, long names, citations and computation, the library's and those
other packages add through entry points (``metric`` declares one, ``MaskState`` is what
its function receives). ``metrics_for_store(store)`` computes them for every
tile of a campaign store and writes them into the store (``metrics/<tiling>_<mask>``);
``metrics_for_tiles(tiles)`` does the same for a stack of masks of your own.

Names are imported on first use, so that the ``cloudorg`` command, which registers the
``metrics`` command, does not load numba and the kernels before it needs them.

Examples
--------
>>> import numpy as np
>>> from cloudorg.metrics import compute_metrics, iorg
>>> mask = np.zeros((64, 64), bool); mask[2::8, 2::8] = True
>>> values = compute_metrics(mask)
>>> values["num_objects"], round(values["iorg"], 3) == round(iorg(mask), 3)
(64.0, True)
"""

# The imports under TYPE_CHECKING list the exports for type checkers and the API docs.
# ruff: noqa: F401

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudorg._lazy import lazy_exports

if TYPE_CHECKING:
    from cloudorg.metrics.campaign import metrics_for_store, metrics_group, open_metrics
    from cloudorg.metrics.components import CloudObjects, label_objects
    from cloudorg.metrics.core import MissingPixelsWarning, compute_metrics
    from cloudorg.metrics.definition import Metric, metric
    from cloudorg.metrics.field import cloud_fraction, fractal_dimension, open_sky, orientation
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
    from cloudorg.metrics.registry import (
        METRIC_INFO,
        METRICS,
        MetricInfo,
        metric_names,
        register_metric,
    )
    from cloudorg.metrics.spectral import spectral_length_scale
    from cloudorg.metrics.state import MaskState
    from cloudorg.metrics.tiled import TileMetrics, metrics_for_tiles

_EXPORTS = {
    "metrics_for_store": "campaign",
    "metrics_group": "campaign",
    "open_metrics": "campaign",
    "compute_metrics": "core",
    "MissingPixelsWarning": "core",
    "Metric": "definition",
    "metric": "definition",
    "cloud_fraction": "field",
    "fractal_dimension": "field",
    "open_sky": "field",
    "orientation": "field",
    "CloudObjects": "components",
    "label_objects": "components",
    "max_length_scale": "objects",
    "mean_eccentricity": "objects",
    "mean_length_scale": "objects",
    "mean_perimeter": "objects",
    "num_objects": "objects",
    "size_distribution_exponent": "objects",
    "total_perimeter": "objects",
    "PlacementError": "organisation",
    "cop": "organisation",
    "inhibition_reference": "organisation",
    "iorg": "organisation",
    "iorg_inhibition": "organisation",
    "scai": "organisation",
    "METRIC_INFO": "registry",
    "METRICS": "registry",
    "MetricInfo": "registry",
    "metric_names": "registry",
    "register_metric": "registry",
    "spectral_length_scale": "spectral",
    "MaskState": "state",
    "TileMetrics": "tiled",
    "metrics_for_tiles": "tiled",
}
"""Public names and their modules (as imported above for type checkers)."""

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
