"""asv benchmarks of tile streaming: tiles per second from a zarr campaign store.

The store: 32 cloud-like scenes on the EUREC4A domain at 1 km (1116 x 1318 px, 8-bit RGB,
1024-px chunks compressed with the store's Blosc codec; :func:`cloudorg.tiles.example_store`);
256-px tiles, 20 per scene (640 in all), every tile usable.

Measured in the same run:

- ``ours_numpy``: :func:`cloudorg.tiles.iter_tile_batches`, shuffled normalised float32
  NCHW batches of 64;
- ``ours_torch``: :class:`cloudorg.tiles.TileDataset` iterated in the main process (torch
  tensors of the same batches);
- ``xbatcher``: ``xbatcher.BatchGenerator(rgb, input_dims={"band": 3, "y": 256, "x": 256})``
  on the same lazily opened store, each batch (every scene at one position) converted to a
  float32 numpy array / 255 — the baseline;
- ``raw_read``: zarr reading and decompressing the chunks that hold the tiles, one chunk
  after the other (the bytes our stream reads), nothing else;
- ``raw_read_threads``: the same reads in 2 threads (our stream's default ``max_in_flight``).

Every rate is the best of 3 passes after a warm-up pass (which also loads the compiled
normalisation); setup (opening the store, the tile table, building generators) is not
timed. The ``track_ratio_*`` benchmarks time a stream and its baseline in turns, pass by
pass, so that both see the same load of the machine; the ratio to the raw read rate uses
the faster of the two raw rates.

Targets: ours (numpy and torch) >= 20 x xbatcher's tiles/s, and >= 50 % of the raw read
rate.

Run ``python benchmarks/bench_tiles.py`` for a one-off table of the same numbers.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import xarray as xr
import zarr

from cloudorg.domains import get_domain
from cloudorg.tiles import TileDataset, TileStream, build_tile_table, example_store
from cloudorg.tiles.cutting import SceneReader, chunk_size, plan_blocks

N_SCENES = 32
TILE = 256
BATCH = 64
IN_FLIGHT = 2


def make_store(directory: str | Path, n_scenes: int = N_SCENES) -> Path:
    """The benchmark store and its 256-px tile table."""
    times = [
        np.datetime64("2020-01-20T12:00", "ms") + np.timedelta64(10 * i, "m")
        for i in range(n_scenes)
    ]  # all in daylight: every tile usable
    store = example_store(
        Path(directory) / "bench.zarr",
        n_scenes,
        domain=get_domain("eurec4a"),
        chunk_size=1024,
        times=times,
    )
    build_tile_table(store, TILE, client="synchronous", progress=False)
    return store.path


Pass = Callable[[], int]
"""One pass over the tiles, returning how many it produced."""

Maker = Callable[[Path], Pass]
"""Builds a pass over the tiles of the store at a path (setup, not timed)."""


def ours_numpy(path: Path) -> Pass:
    stream = TileStream(path, TILE, batch_size=BATCH, max_in_flight=IN_FLIGHT)
    return lambda: sum(t.size for _, t in stream.batches())


def ours_torch(path: Path) -> Pass:
    dataset = TileDataset(path, TILE, batch_size=BATCH, max_in_flight=IN_FLIGHT)
    return lambda: sum(len(batch["tile"]) for batch in dataset)


def xbatcher_baseline(path: Path, n_scenes: int = 4) -> Pass:
    import xbatcher

    rgb = xr.open_zarr(path, group="scenes")["rgb"].isel(scene=slice(0, n_scenes))
    generator = xbatcher.BatchGenerator(rgb, input_dims={"band": 3, "y": TILE, "x": TILE})

    def run() -> int:
        n = 0
        for batch in generator:
            n += (batch.values.astype(np.float32) / np.float32(255)).shape[0]
        return n

    return run


def raw_read(path: Path, threads: int = 1) -> Pass:
    reader = SceneReader(path)
    table = xr.open_zarr(path, group=f"tiles/{TILE}px")
    plan = plan_blocks(
        table["scene_index"].values,
        table["row0"].values,
        table["col0"].values,
        TILE,
        chunk=chunk_size(reader, ["rgb"]),
    )
    array = zarr.open_group(path, mode="r")["scenes/rgb"]
    windows = [(b.scene, slice(None), slice(b.r0, b.r1), slice(b.c0, b.c1)) for b in plan]
    n = table.sizes["tile"]

    def run() -> int:
        if threads == 1:
            for w in windows:
                array[w]
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(array.__getitem__, windows))
        return n

    return run


def rates(makers: dict[str, Maker], path: Path, repeat: int = 3) -> dict[str, float]:
    """Tiles per second of each stream: the best of ``repeat`` timed passes after one
    untimed warm-up pass (setup not timed). The streams take turns pass by pass, so that
    all of them see the same load of the machine."""
    runs = {name: make(path) for name, make in makers.items()}
    for run in runs.values():
        run()
    best = dict.fromkeys(runs, 0.0)
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            n = run()
            best[name] = max(best[name], n / (time.perf_counter() - start))
    return best


def rate(make: Maker, path: Path, repeat: int = 3) -> float:
    """Tiles per second of one stream (see :func:`rates`)."""
    return rates({"stream": make}, path, repeat)["stream"]


def ratio_to_xbatcher(make: Maker, path: Path) -> float:
    """A stream's rate over xbatcher's, timed in turns."""
    r = rates({"ours": make, "xbatcher": xbatcher_baseline}, path)
    return r["ours"] / r["xbatcher"]


def ratio_to_raw_read(make: Maker, path: Path) -> float:
    """A stream's rate over the faster of the sequential and threaded raw reads, timed in
    turns."""
    r = rates({"ours": make, "raw": raw_read, "raw_threads": _raw_threads}, path)
    return r["ours"] / max(r["raw"], r["raw_threads"])


def _raw_threads(path: Path) -> Pass:
    return raw_read(path, threads=IN_FLIGHT)


class TileStreaming:
    """Tiles per second from the store to batches, and the baselines of the same run."""

    timeout = 900
    number = 1
    repeat = 3

    def setup_cache(self) -> str:
        return str(make_store(tempfile.mkdtemp(prefix="cloudorg-bench-tiles-")))

    def track_ours_numpy(self, path: str) -> float:
        return rate(ours_numpy, Path(path))

    track_ours_numpy.unit = "tiles/s"  # type: ignore[attr-defined]

    def track_ours_torch(self, path: str) -> float:
        return rate(ours_torch, Path(path))

    track_ours_torch.unit = "tiles/s"  # type: ignore[attr-defined]

    def track_xbatcher(self, path: str) -> float:
        return rate(xbatcher_baseline, Path(path))

    track_xbatcher.unit = "tiles/s"  # type: ignore[attr-defined]

    def track_raw_read(self, path: str) -> float:
        return rate(raw_read, Path(path))

    track_raw_read.unit = "tiles/s"  # type: ignore[attr-defined]

    def track_raw_read_threads(self, path: str) -> float:
        return rate(_raw_threads, Path(path))

    track_raw_read_threads.unit = "tiles/s"  # type: ignore[attr-defined]

    def track_ratio_numpy_vs_xbatcher(self, path: str) -> float:
        return ratio_to_xbatcher(ours_numpy, Path(path))

    track_ratio_numpy_vs_xbatcher.unit = "x"  # type: ignore[attr-defined]

    def track_ratio_torch_vs_xbatcher(self, path: str) -> float:
        return ratio_to_xbatcher(ours_torch, Path(path))

    track_ratio_torch_vs_xbatcher.unit = "x"  # type: ignore[attr-defined]

    def track_ratio_numpy_vs_raw_read(self, path: str) -> float:
        return ratio_to_raw_read(ours_numpy, Path(path))

    track_ratio_numpy_vs_raw_read.unit = "x"  # type: ignore[attr-defined]

    def track_ratio_torch_vs_raw_read(self, path: str) -> float:
        return ratio_to_raw_read(ours_torch, Path(path))

    track_ratio_torch_vs_raw_read.unit = "x"  # type: ignore[attr-defined]


def main() -> None:
    """Print every rate (best of 5 passes, the streams taking turns) and the ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        path = make_store(tmp)
        makers = {
            "ours_numpy": ours_numpy,
            "ours_torch": ours_torch,
            "xbatcher": xbatcher_baseline,
            "raw_read": raw_read,
            "raw_read_threads": _raw_threads,
        }
        found = rates(makers, path, repeat=5)
    raw = max(found["raw_read"], found["raw_read_threads"])
    for name, value in found.items():
        print(f"{name:22s} {value:8.0f} tiles/s")
    print(f"raw read: {raw / found['xbatcher']:.1f} x xbatcher")
    for ours in ("ours_numpy", "ours_torch"):
        print(
            f"{ours}: {found[ours] / found['xbatcher']:.1f} x xbatcher, "
            f"{found[ours] / raw:.2f} of the raw read rate"
        )


if __name__ == "__main__":
    main()
