"""A small campaign run through every kind of store write, for the fault tests: ingest
(scene commits), the tile table and the analysis (groups written whole), metrics and
embeddings (groups written in blocks). Run in a subprocess that a failpoint kills, and
again to completion.

``python -m tests.store.campaign_run STORE FILES`` runs it.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from cloudorg.domains import Domain

DOMAIN = Domain.from_bounds("small", -56.0, -54.0, 13.0, 15.0, resolution_km=2.0)
TILES = {"tile_size": 64, "stride": 16}  # 12 tiles per scene
N_SCENES = 3


def write_files(directory: Path) -> Path:
    """Three synthetic GOES-16 ABI scans of the domain, with truth maps."""
    from cloudorg.synthetic import synthesize_campaign

    synthesize_campaign(directory, N_SCENES, bounds=(-56.2, -53.8, 12.8, 15.2),
                        resolution_deg=0.02, seed=3, interval=timedelta(minutes=10))  # fmt: skip
    return directory


def run(store: Any, files: Any, client: Any = "synchronous") -> None:
    """Every stage, resumable; blocks of one scene for metrics and embeddings."""
    from cloudorg.analysis.campaign import analyse
    from cloudorg.ingest import ingest
    from cloudorg.metrics import metrics_for_store
    from cloudorg.models import ModelConfig, build_embedder, embed
    from cloudorg.tiles import build_tile_table

    ingest([files], store, domain=DOMAIN, client=client, progress=False)
    build_tile_table(store, TILES["tile_size"], stride=TILES["stride"], client=client,
                     progress=False)  # fmt: skip
    metrics_for_store(store, **TILES, block_size=12, client=client, progress=False)
    model = build_embedder(ModelConfig(width=4, embedding_dim=8), seed=0)
    embed(store, model, **TILES, block_size=12, client=client, progress=False)
    analyse(store, k=2, progress=False)


GROUPS = ("tiles/64px_stride16", "metrics/64px_stride16_greyscale", "embeddings/64px_stride16",
          "analysis/64px_stride16")  # fmt: skip


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2])
