"""The whole campaign, from satellite files to the HTML report, as one resumable run.

- :class:`PipelineConfig`: one YAML file (``cloudorg run CONFIG.yaml``) with a section per
  stage;
- :func:`run_pipeline`: the stages ingest → tiles → metrics → train → embed → analyse →
  report on one Dask cluster, each resumable;
- :func:`demo_config` and :func:`write_demo_campaign`: the ``cloudorg demo`` campaign.

See ``docs/pipeline.md``.

Examples
--------
>>> from cloudorg.pipeline import STAGES, PipelineConfig
>>> STAGES
('ingest', 'tiles', 'metrics', 'train', 'embed', 'analyse', 'report')
>>> PipelineConfig.from_yaml_text("tiles: {size: 128}").tiles.size
128
"""

from __future__ import annotations

from cloudorg._lazy import lazy_exports

_EXPORTS = {
    "STAGES": "config",
    "PipelineConfig": "config",
    "DEMO_BOUNDS": "demo",
    "demo_config": "demo",
    "write_demo_campaign": "demo",
    "StageOutcome": "run",
    "run_pipeline": "run",
    "select_stages": "run",
}
"""Public names and their modules, imported on first use (the ``cloudorg`` command
registers ``run`` and ``demo`` without importing torch and satpy)."""

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
