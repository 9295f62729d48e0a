"""Real-format synthetic satellite files showing shallow-cloud organisation patterns.

Synthetic reflectance and brightness-temperature fields of the Sugar, Gravel, Fish and
Flower patterns (Stevens et al. 2019) are written as files that satpy's own readers
load: GOES-R ABI L1b radiances (``abi_l1b``) and Aqua/Terra MODIS L1b 1 km granules with
their geolocation (``modis_l1b``), each with a ground-truth pattern map beside it.

Examples
--------
>>> import datetime as dt, tempfile
>>> from cloudorg.io.synthetic import synthesize_fields, write_abi_scene
>>> fields = synthesize_fields((-55.0, -54.0, 14.0, 15.0), resolution_deg=0.02, seed=1)
>>> files = write_abi_scene(fields, tempfile.mkdtemp(), start_time=dt.datetime(2020, 1, 20, 15))
>>> len(files)
5
"""

from __future__ import annotations

from cloudorg.io.synthetic.abi import ABI_BANDS, write_abi_scene
from cloudorg.io.synthetic.campaign import (
    next_daytime,
    synthesize_campaign,
    truth_filename,
    write_truth,
)
from cloudorg.io.synthetic.fields import (
    EUREC4A_BOUNDS,
    FIELD_QUANTITIES,
    PATTERN_CODES,
    PATTERNS,
    PatternScales,
    sample_fields,
    synthesize_fields,
)
from cloudorg.io.synthetic.modis import modis_filenames, write_modis_granule

__all__ = [
    "ABI_BANDS",
    "EUREC4A_BOUNDS",
    "FIELD_QUANTITIES",
    "PATTERNS",
    "PATTERN_CODES",
    "PatternScales",
    "modis_filenames",
    "next_daytime",
    "sample_fields",
    "synthesize_campaign",
    "synthesize_fields",
    "truth_filename",
    "write_abi_scene",
    "write_modis_granule",
    "write_truth",
]
