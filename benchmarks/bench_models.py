"""Embedding models: forward throughput, end-to-end embedding from the store, training.

- ``Embedding.time_forward``: ResNet-18 (100-d head) on 256-px RGB tiles held in memory,
  batches of 32, placed as ``embed`` places them (channels-last): the model alone, the
  ceiling of any pipeline.
- ``Embedding.time_embed_store``: :func:`cloudorg.models.inference.embed` of the same
  number of tiles from a campaign store (tiles loader, normalisation, prefetching thread,
  zarr writes, resume records), in-process on the same device.
- ``Embedding.track_pipeline_efficiency``: forward-only time / end-to-end time, the two
  taking turns, the median of the per-round ratios over 3 rounds (one in a quick run).
  The baseline is torch alone: the same model on the same number of tensors already in
  memory. Target >= 0.9 on CPU.
- ``Training.time_train_steps``: Tile2Vec steps (ResNet-18, 128-px tiles, 16 triplets a
  step, Adam, augmentation) on in-memory synthetic triplets;
  ``Training.track_steps_per_second``.

Both classes use CUDA when present, else the CPU with torch threads set to the available
cores. A quick run (``CLOUDORG_BENCH_QUICK=1``) embeds 32 tiles and trains 2 steps of a
ResNet-18 of a quarter of the width.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from benchmarks.timing import in_turns, median_ratio, quick, round_count, seconds, tracked
from cloudorg.domains import Domain
from cloudorg.models import (
    ModelConfig,
    Tile2VecConfig,
    TrainingConfig,
    build_embedder,
    set_torch_threads,
    train_tile2vec,
)
from cloudorg.models.device import place_model, resolve_device, to_device
from cloudorg.models.inference import embed
from cloudorg.synthetic import synthetic_triplets
from cloudorg.synthetic.stores import example_store
from cloudorg.tiles.filters import usable
from cloudorg.tiles.table import build_tile_table

TILE = 256
BATCH = 32
N_SCENES = 2 if quick() else 16
DOMAIN = Domain.from_bounds("bench", -57.0, -52.4, 12.0, 16.6, resolution_km=1.0)
"""511 x 502 px: 16 tiles of 256 px at stride 64 per scene, 256 tiles in all."""
TIMES = [np.datetime64("2020-01-20T15:00") + np.timedelta64(day, "D") for day in range(N_SCENES)]
"""Daylight scenes (no tile is flagged as night)."""


class Embedding:
    """256 tiles of 256 px (32 in a quick run) through ResNet-18: in memory, and from the
    store."""

    timeout = 900
    number = 1
    repeat = 2
    warmup_time = 0

    def setup_cache(self) -> str:
        path = Path.cwd() / "c.zarr"  # asv's cache directory, removed after the run
        store = example_store(path, N_SCENES, domain=DOMAIN, chunk_size=512, times=TIMES)
        table = build_tile_table(store, TILE, stride=64, client="synchronous", progress=False)
        assert int(usable(table).sum()) == N_SCENES * 16, "every tile must be embedded"
        return str(path)

    def setup(self, path: str) -> None:
        set_torch_threads()
        self.device = resolve_device("auto")
        self.model = place_model(build_embedder(ModelConfig()), self.device).eval()
        self.n_tiles = N_SCENES * 16
        g = torch.Generator().manual_seed(0)
        self.batches = [torch.rand(BATCH, 3, TILE, TILE, generator=g)
                        for _ in range(self.n_tiles // BATCH)]  # fmt: skip
        self._forward()  # warm-up (allocations, kernel choice)

    def _forward(self) -> None:
        with torch.inference_mode():
            for batch in self.batches:
                self.model(to_device(batch, self.device)).cpu()

    def _embed(self, path: str) -> None:
        embed(path, self.model, tile_size=TILE, stride=64, batch_size=BATCH,
              client="synchronous", overwrite=True, progress=False)  # fmt: skip

    def time_forward(self, path: str) -> None:
        self._forward()

    def time_embed_store(self, path: str) -> None:
        self._embed(path)

    @tracked("ratio", ">= 0.9")
    def track_pipeline_efficiency(self, path: str) -> float:
        found = in_turns({"forward": self._forward, "embed": lambda: self._embed(path)},
                         round_count(3))  # fmt: skip
        return median_ratio(found["forward"], found["embed"])


class Training:
    """Five Tile2Vec steps of a full-width ResNet-18 on 128-px triplets (a quick run: two
    steps, a quarter of the width)."""

    timeout = 600
    number = 1
    repeat = 2
    warmup_time = 0
    steps = 2 if quick() else 5

    def setup(self) -> None:
        set_torch_threads()
        self.data = synthetic_triplets(64, tile_size=128, n_scenes=4,
                                       variables=("reflectance_0p47", "reflectance_0p64",
                                                  "reflectance_0p86"))  # fmt: skip
        self.config = Tile2VecConfig(
            model=ModelConfig(width=16 if quick() else 64),
            training=TrainingConfig(steps=self.steps, batch_size=16, val_fraction=0,
                                    validate_every=0),
        )  # fmt: skip
        warm_up = self.config.training.replace(steps=1)
        train_tile2vec(self.data, self.config.replace(training=warm_up), progress=False)

    def _train(self) -> None:
        train_tile2vec(self.data, self.config, progress=False)

    def time_train_steps(self) -> None:
        self._train()

    @tracked("steps/s")
    def track_steps_per_second(self) -> float:
        return self.steps / seconds(self._train)
