"""The demo: a small synthetic campaign of all four patterns through the whole pipeline.

:func:`demo_config` is an ordinary pipeline configuration, sized to finish in a few
minutes on two CPU cores: a 4° x 4° box east of Barbados at 1 km, 64-px tiles at half
overlap, and a narrow ResNet-18 trained for a few hundred Tile2Vec steps.

Examples
--------
>>> config = demo_config("/tmp/demo")
>>> config.store, config.tiles.size, config.model.tile2vec.model.width
('/tmp/demo/campaign.zarr', 64, 16)
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import PipelineConfig

__all__ = ["DEMO_BOUNDS", "demo_config", "write_demo_campaign"]

DEMO_BOUNDS = (-60.0, -56.0, 12.0, 16.0)
"""The demo's box: lon_min, lon_max, lat_min, lat_max (degrees)."""

_DEMO = {
    "store": "campaign.zarr",
    "domain": {"name": "demo", "bounds": list(DEMO_BOUNDS), "resolution_km": 1.0},
    "cluster": {"workers": 2},
    "ingest": {"inputs": ["data"]},
    "tiles": {"size": 64, "stride": 32},
    "metrics": {"mask": "greyscale"},
    "model": {
        "checkpoint": "model.pt",
        "tile2vec": {
            "model": {"width": 16, "embedding_dim": 32, "head_hidden": [64]},
            "training": {
                "steps": 300,
                "batch_size": 32,
                "lr": 0.002,
                "checkpoint_every": 50,
                "validate_every": 100,
            },
            "data": {"n_triplets": 4000},
        },
    },
    "embed": {"batch_size": 128},
    "analysis": {"k": 4, "scales": [64, 96, 128, 192], "scale_overlap": 0.5},
    "report": {"out": "report.html"},
}


def demo_config(directory: str | os.PathLike[str]) -> PipelineConfig:
    """The demo's pipeline configuration, with every path under ``directory``.

    Examples
    --------
    >>> demo_config("/tmp/demo").ingest.inputs
    ('/tmp/demo/data',)
    """
    return PipelineConfig.from_dict(_DEMO).resolved(directory)


def write_demo_campaign(
    directory: str | os.PathLike[str], n_scenes: int = 8, *, seed: int = 0, progress: bool = True
) -> Path:
    """Write the demo's synthetic GOES-16 ABI files (with truth maps) and its ``run.yaml``.

    Parameters
    ----------
    directory : path
        Where ``data/``, ``run.yaml`` and, later, the store and the report go.
    n_scenes : int
        Scenes to synthesise (each shows the four patterns in separate regions).
    seed : int
        Seed of the synthetic fields.
    progress : bool
        Show a progress bar.

    Returns
    -------
    pathlib.Path
        The configuration file ``run.yaml``, for ``cloudorg run``.

    Examples
    --------
    >>> import tempfile
    >>> path = write_demo_campaign(tempfile.mkdtemp(), 1, progress=False)
    >>> path.name, len(list((path.parent / "data").glob("*.nc"))) > 1
    ('run.yaml', True)
    """
    from ..synthetic import synthesize_campaign

    directory = Path(directory)
    synthesize_campaign(directory / "data", n_scenes, sensors=("abi",), bounds=DEMO_BOUNDS,
                        seed=seed, progress=progress)  # fmt: skip
    path = directory / "run.yaml"
    PipelineConfig.from_dict(_DEMO).to_yaml(path)
    return path
