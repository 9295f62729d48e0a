"""cloudorg: shallow-cloud organisation from satellite imagery at campaign scale."""

from __future__ import annotations

__version__ = "0.1.0"
