"""Ingest satellite files into a campaign store: read, calibrate, compose, resample, write.

- :mod:`~cloudorg.ingest.scene`: one scene on the domain grid (:func:`process_scene`);
- :mod:`~cloudorg.ingest.commit`: scenes read and written by the workers, committed in
  order by the calling process (:func:`~cloudorg.ingest.commit.ingest_scenes`);
- :mod:`~cloudorg.ingest.campaign`: :func:`ingest`, what is new in a list of files.

Examples
--------
>>> sorted(DEFAULT_QUANTITIES)[:2]
['brightness_temperature_11', 'greyscale']
"""

from __future__ import annotations

from .campaign import ChangedInputWarning, changed_files, find_scenes, ingest
from .commit import IngestReport, ingest_scenes
from .scene import (
    DEFAULT_QUANTITIES,
    PATTERN_ATTRS,
    IngestConfig,
    SceneOutcome,
    conform_truth,
    process_scene,
)

__all__ = [
    "DEFAULT_QUANTITIES",
    "PATTERN_ATTRS",
    "ChangedInputWarning",
    "IngestConfig",
    "IngestReport",
    "SceneOutcome",
    "changed_files",
    "conform_truth",
    "find_scenes",
    "ingest",
    "ingest_scenes",
    "process_scene",
]
