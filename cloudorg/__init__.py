"""cloudorg: shallow-cloud organisation from satellite imagery at campaign scale.

Importing it registers the ``.cloudorg`` accessor on xarray objects
(:mod:`cloudorg.accessor`).
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import accessor  # noqa: F401  (registers the xarray accessor)
