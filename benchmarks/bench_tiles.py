"""asv benchmarks of tile streaming: tiles per second from a zarr campaign store, against
xbatcher and the raw zarr read, at every tile size from 64 to 256 px.

The store: 16 cloud-like scenes on the EUREC4A domain at 1 km (1116 x 1318 px, 8-bit RGB,
1024-px chunks compressed with the store's Blosc codec; :func:`cloudorg.tiles.example_store`),
with a tile table at each size (64, 128, 160, 192 and 256 px, stride = size: 5 440, 1 280,
768, 480 and 320 tiles). 160- and 192-px tiles cross chunk boundaries.

The rivals, over exactly the same tiles (every tile of the grid: the stream runs with
``filters=()``, and the counts are checked):

- ``ours``: :class:`cloudorg.tiles.TileStream`, shuffled normalised float32 NCHW batches
  of 64 with the stream's defaults; ``ours_torch``: :class:`cloudorg.tiles.TileDataset`
  iterated in the main process (torch tensors of the same batches);
- ``xbatcher``: ``xbatcher.BatchGenerator(rgb, input_dims={"band": 3, "y": t, "x": t})``
  on the store opened by ``xarray.open_zarr`` (each batch: every scene at one position),
  each batch converted to a float32 array / 255 — public APIs of xbatcher and xarray only;
- ``raw_read``: zarr reading and decompressing every storage chunk that holds tiles, one
  chunk after the other, nothing else — public zarr API only.

Timing: one untimed pass of each rival but xbatcher (warm-up: numba's cached kernels, the
page cache), then rounds in which the rivals take turns; a timed pass repeats its stream
until it has run for at least 0.3 s. Each ratio is the median over 3 rounds of the
per-round ratios (a quick run, ``CLOUDORG_BENCH_QUICK=1``: one round, 2 scenes, 64 and 256 px).

Targets: ours >= 20 x xbatcher's tiles/s at every size; ours >= 50 % of the raw read rate.

Run ``python -m benchmarks.bench_tiles`` for a one-off table of the same numbers.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr
import zarr

from benchmarks.timing import in_turns, median_ratio, quick, round_count, tracked
from cloudorg.domains import get_domain
from cloudorg.synthetic import example_store
from cloudorg.tiles import TileDataset, TileStream, build_tile_table

N_SCENES = 2 if quick() else 16
SIZES = (64, 256) if quick() else (64, 128, 160, 192, 256)
BATCH = 64
CHUNK = 1024
MIN_PASS_S = 0.3

Pass = Callable[[], int]
"""One pass over the tiles, returning how many it produced."""


def make_store(directory: str | Path, n_scenes: int = N_SCENES) -> Path:
    """The benchmark store and its tile tables."""
    times = [
        np.datetime64("2020-01-20T12:00", "ms") + np.timedelta64(10 * i, "m")
        for i in range(n_scenes)
    ]  # all in daylight
    store = example_store(
        Path(directory) / "bench.zarr",
        n_scenes,
        domain=get_domain("eurec4a"),
        chunk_size=CHUNK,
        times=times,
    )
    for size in SIZES:
        build_tile_table(store, size, client="synchronous", progress=False)
    return store.path


def ours(path: Path, size: int) -> Pass:
    stream = TileStream(path, size, batch_size=BATCH, filters=())
    return lambda: sum(t.size for _, t in stream.batches())


def ours_torch(path: Path, size: int) -> Pass:
    dataset = TileDataset(path, size, batch_size=BATCH, filters=())
    return lambda: sum(len(batch["tile"]) for batch in dataset)


def xbatcher_baseline(path: Path, size: int) -> Pass:
    import xbatcher

    rgb = xr.open_zarr(path, group="scenes")["rgb"]
    generator = xbatcher.BatchGenerator(rgb, input_dims={"band": 3, "y": size, "x": size})

    def run() -> int:
        n = 0
        for batch in generator:
            n += (batch.values.astype(np.float32) / np.float32(255)).shape[0]
        return n

    return run


def tile_count(path: Path, size: int) -> int:
    """Tiles of ``size`` px on the grid of every scene (stride = size, partial tiles
    dropped), as xbatcher and the tile table cut them."""
    n_scenes, _, ny, nx = zarr.open_group(path, mode="r")["scenes/rgb"].shape
    return n_scenes * (ny // size) * (nx // size)


def raw_read(path: Path, size: int) -> Pass:
    array = zarr.open_group(path, mode="r")["scenes/rgb"]
    n_scenes, _, ny, nx = array.shape
    rows, cols = ny // size * size, nx // size * size  # the pixels the tiles cover
    windows = [
        (s, slice(None), slice(r, min(r + CHUNK, rows)), slice(c, min(c + CHUNK, cols)))
        for s in range(n_scenes)
        for r in range(0, rows, CHUNK)
        for c in range(0, cols, CHUNK)
    ]
    n = tile_count(path, size)

    def run() -> int:
        for w in windows:
            array[w]
        return n

    return run


MAKERS: dict[str, Callable[[Path, int], Pass]] = {
    "ours": ours,
    "ours_torch": ours_torch,
    "xbatcher": xbatcher_baseline,
    "raw_read": raw_read,
}


def _repeated(run: Pass, expected: int) -> Callable[[], int]:
    """A pass that repeats ``run`` until it has lasted :data:`MIN_PASS_S`; its tiles.
    Every run must give the ``expected`` tiles: the rivals stream the same ones."""

    def timed() -> int:
        n, start = 0, time.perf_counter()
        while not n or time.perf_counter() - start < MIN_PASS_S:
            got = run()
            if got != expected:
                raise AssertionError(f"{got} tiles streamed, expected {expected}")
            n += got
        return n

    return timed


def rates(path: Path, size: int, names: list[str], n_rounds: int = 3) -> dict[str, list[float]]:
    """Tiles per second of each named rival in each round; before them, one untimed pass
    of every rival but xbatcher (numba's cached kernels loaded, chunks in the page
    cache)."""
    expected = tile_count(path, size)
    runs = {name: _repeated(MAKERS[name](path, size), expected) for name in names}
    for name, run in runs.items():
        if name != "xbatcher":
            run()
    tiles: dict[str, list[int]] = {name: [] for name in names}
    passes = {name: (lambda r=run, t=tiles[name]: t.append(r())) for name, run in runs.items()}
    times = in_turns(passes, n_rounds)
    return {name: [n / s for n, s in zip(tiles[name], times[name], strict=True)] for name in names}


def ratio(path: Path, size: int, ours_name: str, rival: str) -> float:
    """Median per-round ratio of a stream's rate to a rival's."""
    found = rates(path, size, [ours_name, rival], round_count(3))
    return median_ratio(found[ours_name], found[rival])


class TileStreaming:
    """Tiles per second from the store to batches, against xbatcher and the raw read."""

    params = SIZES
    param_names = ("tile_size",)
    timeout = 900
    number = 1
    repeat = 1
    warmup_time = 0

    def setup_cache(self) -> str:
        return str(make_store(Path.cwd()))  # asv's cache directory, removed after the run

    @tracked("x", ">= 20")
    def track_ours_over_xbatcher(self, path: str, tile_size: int) -> float:
        return ratio(Path(path), tile_size, "ours", "xbatcher")

    @tracked("x", ">= 20")
    def track_torch_over_xbatcher(self, path: str, tile_size: int) -> float:
        return ratio(Path(path), tile_size, "ours_torch", "xbatcher")

    @tracked("x", ">= 0.5")
    def track_ours_over_raw_read(self, path: str, tile_size: int) -> float:
        return ratio(Path(path), tile_size, "ours", "raw_read")


def main() -> None:
    """Print every rate (median of 3 rounds, the rivals taking turns) and the ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        path = make_store(tmp)
        for size in SIZES:
            found = rates(path, size, list(MAKERS))
            med = {name: float(np.median(r)) for name, r in found.items()}
            line = ", ".join(f"{name} {rate:.0f}" for name, rate in med.items())
            print(
                f"{size:3d} px, tiles/s: {line}; ours / xbatcher "
                f"{median_ratio(found['ours'], found['xbatcher']):.1f}, torch / xbatcher "
                f"{median_ratio(found['ours_torch'], found['xbatcher']):.1f}, ours / raw "
                f"{median_ratio(found['ours'], found['raw_read']):.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
