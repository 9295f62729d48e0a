"""Synthetic data for examples, tests and benchmarks: one package for every fixture.

Every stage of cloudorg can be tried without a satellite archive. This package makes its
inputs, from the raw files to the analysis inputs:

- cloud fields of the Sugar, Gravel, Fish and Flower patterns (Stevens et al. 2019):
  :func:`synthesize_fields` and :func:`sample_fields` (module ``fields``);
- real-format satellite files that satpy's own readers load, with a ground-truth pattern
  map beside each scene: GOES-R ABI L1b radiances (:func:`write_abi_scene`, module
  ``abi``) and Aqua/Terra MODIS L1b 1 km granules with their geolocation
  (:func:`write_modis_granule`, module ``modis``); the NOAA/NASA attribute tables are
  the YAML files next to them; :func:`synthesize_campaign` writes a campaign of them
  (module ``campaign``);
- campaign stores written directly, without satellite files, for the tiling stage:
  :func:`example_store` and :func:`example_scene` (module ``stores``);
- in-memory triplets for the models: :func:`synthetic_triplets` (module ``triplets``);
- inputs of the analyses: :func:`example_embeddings`, :func:`example_metrics`,
  :func:`example_tiles` and a whole small measured campaign, :func:`example_campaign`
  (module ``analysis``).

Public names are imported on first use.

Examples
--------
>>> import datetime as dt, tempfile
>>> from cloudorg.synthetic import synthesize_fields, write_abi_scene
>>> fields = synthesize_fields((-55.0, -54.0, 14.0, 15.0), resolution_deg=0.02, seed=1)
>>> files = write_abi_scene(fields, tempfile.mkdtemp(), start_time=dt.datetime(2020, 1, 20, 15))
>>> len(files)
5
"""

# The imports under TYPE_CHECKING list the exports for type checkers and the API docs.
# ruff: noqa: F401

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudorg._lazy import lazy_exports

if TYPE_CHECKING:
    from cloudorg.synthetic.abi import ABI_BANDS, write_abi_scene
    from cloudorg.synthetic.analysis import (
        example_campaign,
        example_embeddings,
        example_metrics,
        example_tiles,
    )
    from cloudorg.synthetic.campaign import (
        next_daytime,
        synthesize_campaign,
        truth_filename,
        write_truth,
    )
    from cloudorg.synthetic.fields import (
        EUREC4A_BOUNDS,
        FIELD_QUANTITIES,
        PATTERN_CODES,
        PATTERNS,
        PatternScales,
        sample_fields,
        synthesize_fields,
    )
    from cloudorg.synthetic.modis import modis_filenames, write_modis_granule
    from cloudorg.synthetic.stores import EXAMPLE_DOMAIN, example_scene, example_store
    from cloudorg.synthetic.triplets import synthetic_triplets

_EXPORTS = {
    "ABI_BANDS": "abi",
    "write_abi_scene": "abi",
    "example_campaign": "analysis",
    "example_embeddings": "analysis",
    "example_metrics": "analysis",
    "example_tiles": "analysis",
    "next_daytime": "campaign",
    "synthesize_campaign": "campaign",
    "truth_filename": "campaign",
    "write_truth": "campaign",
    "EUREC4A_BOUNDS": "fields",
    "FIELD_QUANTITIES": "fields",
    "PATTERN_CODES": "fields",
    "PATTERNS": "fields",
    "PatternScales": "fields",
    "sample_fields": "fields",
    "synthesize_fields": "fields",
    "modis_filenames": "modis",
    "write_modis_granule": "modis",
    "EXAMPLE_DOMAIN": "stores",
    "example_scene": "stores",
    "example_store": "stores",
    "synthetic_triplets": "triplets",
}
"""Public names and their modules, imported on first use."""

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
