"""Throughput of the embedding models on a GPU, one table: inference and Tile2Vec training of
ResNet-18 and ResNet-50 on 128- and 256-px RGB tiles, in fp32 and bf16.

Each configuration is measured twice:

- *model*: batches already on the device (random tensors), the ceiling of any pipeline;
- *store*: batches from a campaign store through the tile stream
  (:func:`cloudorg.tiles.tile_loader` for inference, :class:`cloudorg.tiles.TripletDataset`
  for training) in DataLoader worker processes, pinned and copied to the device as
  :func:`cloudorg.models.device.to_device` does;

and the pipeline efficiency is store / model. Inference returns every embedding to the
host (as ``embed`` writes it), training takes one Adam step of the Tile2Vec triplet loss per
batch (``triplet_step``). bf16 is cloudorg's autocast: on CUDA only, so on a CPU the bf16
rows run in fp32. Timings start after warm-up batches (cuDNN autotuning, worker start-up)
and end with a device synchronisation.

Goal: ResNet-18, 256 px, bf16 inference from the store >= 5 000 tiles/s at
>= 0.9 pipeline efficiency.

Run::

    python benchmarks/gpu_throughput.py            # CUDA when present, else the CPU
    python benchmarks/gpu_throughput.py --quick    # tiny settings: a smoke test on a CPU

Examples
--------
>>> QUICK.batches, QUICK.width
(2, 16)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cloudorg.domains import Domain, get_domain
from cloudorg.models import ModelConfig, TrainingConfig, TripletConfig, build_embedder
from cloudorg.models.device import (
    autocast,
    available_cores,
    place_model,
    resolve_device,
    set_torch_threads,
    to_device,
)
from cloudorg.models.loss import TripletLoss
from cloudorg.models.tile2vec import triplet_step
from cloudorg.models.training import make_optimizer
from cloudorg.synthetic import example_store
from cloudorg.tiles import TripletDataset, build_tile_table, tile_loader
from cloudorg.tiles.table import open_tile_table
from cloudorg.tiles.triplets import sample_triplets

ARCHS = ("resnet18", "resnet50")
SIZES = (128, 256)
PRECISIONS = ("fp32", "bf16")
GOAL = ("resnet18", 256, "bf16", 5000.0, 0.9)
"""Model, tile size, precision, inference tiles/s from the store and efficiency."""


@dataclass(frozen=True)
class Settings:
    """What one run measures.

    Attributes
    ----------
    batch : int
        Tiles (inference) or triplets (training) per batch.
    batches, warmup : int
        Timed batches, and untimed ones before them, per measurement.
    width : int
        Channels of the first ResNet stage (64: the full network).
    workers : int
        DataLoader worker processes of the store measurements.
    scenes : int
        Scenes of the benchmark store.
    domain : Domain
        Their grid.
    """

    batch: int = 256
    batches: int = 40
    warmup: int = 5
    width: int = 64
    workers: int = min(8, available_cores())
    scenes: int = 32
    domain: Domain = field(default_factory=lambda: get_domain("eurec4a"))


QUICK_DOMAIN = Domain.from_bounds("quick", -57.0, -51.6, 12.0, 17.4, resolution_km=1.0)
"""About 600 x 600 px: four 256-px tiles per scene."""
QUICK = Settings(batch=4, batches=2, warmup=1, width=16, workers=0, scenes=2, domain=QUICK_DOMAIN)
"""Tiny settings for a smoke test on a CPU."""


@dataclass(frozen=True)
class Row:
    """The measurements of one configuration (tiles/s for inference, triplets/s for
    training)."""

    arch: str
    size: int
    precision: str
    infer_model: float
    infer_store: float
    train_model: float
    train_store: float

    def cells(self) -> list[str]:
        """The row as table cells.

        Examples
        --------
        >>> Row("resnet18", 256, "bf16", 100.0, 90.0, 10.0, 5.0).cells()[3:]
        ['100', '90', '0.90', '10.0', '5.0', '0.50']
        """
        return [
            self.arch,
            str(self.size),
            self.precision,
            f"{self.infer_model:.0f}",
            f"{self.infer_store:.0f}",
            f"{self.infer_store / self.infer_model:.2f}",
            f"{self.train_model:.1f}",
            f"{self.train_store:.1f}",
            f"{self.train_store / self.train_model:.2f}",
        ]


HEADER = [
    "model",
    "tile",
    "precision",
    "infer model",
    "infer store",
    "eff.",
    "train model",
    "train store",
    "eff.",
]


def make_store(directory: Path, settings: Settings) -> Path:
    """A store of daylight example scenes with tile tables at both sizes."""
    times = [
        np.datetime64("2020-01-20T12:00") + np.timedelta64(10 * i, "m")
        for i in range(settings.scenes)
    ]
    store = example_store(
        directory / "gpu.zarr",
        settings.scenes,
        domain=settings.domain,
        chunk_size=1024,
        times=times,
    )
    for size in SIZES:
        build_tile_table(store, size, client="synchronous", progress=False)
    return store.path


def _cycle(loader: Any) -> Iterator[Any]:
    """The batches of ``loader`` again and again (its epochs)."""
    while True:
        n = 0
        for n, batch in enumerate(loader, 1):  # noqa: B007 - n counts the batches
            yield batch
        if not n:
            raise RuntimeError("the store holds no full batch of tiles")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def rate(
    run: Callable[[Any], None], batches: Iterator[Any], settings: Settings, device: torch.device
) -> float:
    """Batches per second of ``run`` over ``batches``, after the warm-up batches."""
    for _ in range(settings.warmup):
        run(next(batches))
    _sync(device)
    start = time.perf_counter()
    for _ in range(settings.batches):
        run(next(batches))
    _sync(device)
    return settings.batches / (time.perf_counter() - start)


def inference(
    model: torch.nn.Module,
    batches: Iterator[Any],
    bf16: bool,
    settings: Settings,
    device: torch.device,
) -> float:
    """Tiles per second of embedding ``batches`` (tensors or the stream's dicts)."""

    def run(batch: Any) -> None:
        images = batch["image"] if isinstance(batch, dict) else batch
        with torch.inference_mode(), autocast(device, bf16):
            model(to_device(images, device)).float().cpu()

    return rate(run, batches, settings, device) * settings.batch


def training(
    model: torch.nn.Module,
    batches: Iterator[Any],
    bf16: bool,
    settings: Settings,
    device: torch.device,
) -> float:
    """Triplets per second of Tile2Vec steps (Adam) on ``batches`` of triplets."""
    step = triplet_step(TripletLoss(TripletConfig()))
    optimizer = make_optimizer(model.parameters(), TrainingConfig())

    def run(batch: Any) -> None:
        optimizer.zero_grad(set_to_none=True)
        with autocast(device, bf16):
            loss, _ = step(model, to_device(batch, device))
        loss.backward()
        optimizer.step()

    model.train()
    try:
        return rate(run, batches, settings, device) * settings.batch
    finally:
        model.eval()


def store_batches(
    path: Path, size: int, settings: Settings, device: torch.device
) -> tuple[Iterator[Any], Iterator[Any]]:
    """Endless batches of tiles and of triplets of the store, from DataLoader workers."""
    workers = {"num_workers": settings.workers, "persistent_workers": settings.workers > 0}
    tiles = tile_loader(
        path, size, batch_size=settings.batch, filters=(), drop_last=True, **workers
    )
    n = settings.batch * (settings.batches + settings.warmup)
    chosen = sample_triplets(open_tile_table(path, size), n, seed=0)
    triplets = torch.utils.data.DataLoader(
        TripletDataset(path, chosen, batch_size=settings.batch),
        batch_size=None,
        pin_memory=device.type == "cuda",
        **workers,
    )
    return _cycle(tiles), _cycle(triplets)


def measure(
    path: Path, arch: str, size: int, precision: str, settings: Settings, device: torch.device
) -> Row:
    """The four rates of one configuration."""
    config = ModelConfig(backbone=arch, width=settings.width)
    model = place_model(build_embedder(config), device).eval()
    bf16 = precision == "bf16"
    shape = (settings.batch, 3, size, size)
    tiles, triplets = store_batches(path, size, settings, device)
    in_memory = [tuple(to_device(torch.rand(shape), device) for _ in range(3))]
    return Row(
        arch,
        size,
        precision,
        inference(model, _cycle([in_memory[0][0]]), bf16, settings, device),
        inference(model, tiles, bf16, settings, device),
        training(model, _cycle(in_memory), bf16, settings, device),
        training(model, triplets, bf16, settings, device),
    )


def table(rows: list[Row]) -> str:
    """The rows as a fixed-width table.

    Examples
    --------
    >>> print(table([Row("resnet18", 128, "fp32", 1000.0, 950.0, 100.0, 80.0)]))
    ... # doctest: +NORMALIZE_WHITESPACE
    model     tile  precision  infer model  infer store  eff.  train model  train store  eff.
    resnet18  128   fp32       1000         950          0.95  100.0        80.0         0.80
    """
    cells = [HEADER] + [r.cells() for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
    )


def verdict(rows: list[Row]) -> str:
    """Whether the goal's configuration meets it.

    Examples
    --------
    >>> verdict([Row("resnet18", 256, "bf16", 6000.0, 5500.0, 1.0, 1.0)]).split(": ")[-1]
    'met (5500 tiles/s, 0.92)'
    """
    arch, size, precision, goal_rate, goal_eff = GOAL
    name = (
        f"goal ({arch}, {size} px, {precision} inference from the store >= "
        f"{goal_rate:.0f} tiles/s at efficiency >= {goal_eff}"
    )
    found = [r for r in rows if (r.arch, r.size, r.precision) == (arch, size, precision)]
    if not found:
        return f"{name}): not measured"
    r = found[0]
    eff = r.infer_store / r.infer_model
    met = r.infer_store >= goal_rate and eff >= goal_eff
    return f"{name}): {'met' if met else 'not met'} ({r.infer_store:.0f} tiles/s, {eff:.2f})"


def describe(device: torch.device, settings: Settings) -> str:
    """The machine and the settings, one line."""
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    return (
        f"{name} ({device.type}), torch {torch.__version__}, {available_cores()} CPU "
        f"cores, batch {settings.batch}, {settings.batches} timed batches after "
        f"{settings.warmup}, {settings.workers} loader workers, width {settings.width}"
    )


def run(settings: Settings, device: torch.device, configs: list[tuple[str, int, str]]) -> list[Row]:
    """Every configuration, on a new store in a temporary directory."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    else:
        set_torch_threads()
    with tempfile.TemporaryDirectory(prefix="cloudorg-gpu-bench-") as tmp:
        path = make_store(Path(tmp), settings)
        return [measure(path, *config, settings, device) for config in configs]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny settings (a CPU smoke test)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda[:N]")
    parser.add_argument("--batch", type=int, help="tiles or triplets per batch")
    parser.add_argument("--batches", type=int, help="timed batches per measurement")
    parser.add_argument("--workers", type=int, help="DataLoader worker processes")
    parser.add_argument("--arch", nargs="+", default=ARCHS, choices=ARCHS)
    parser.add_argument("--size", nargs="+", type=int, default=SIZES, choices=SIZES)
    parser.add_argument("--precision", nargs="+", default=PRECISIONS, choices=PRECISIONS)
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else Settings()
    given = {"batch": args.batch, "batches": args.batches, "workers": args.workers}
    settings = replace(settings, **{k: v for k, v in given.items() if v is not None})
    device = resolve_device(args.device)
    print(describe(device, settings), flush=True)
    rows = run(settings, device, list(product(args.arch, args.size, args.precision)))
    print(table(rows))
    print(verdict(rows))


if __name__ == "__main__":
    os.environ.setdefault("SATPY_DOWNLOAD_AUX", "False")
    main()
