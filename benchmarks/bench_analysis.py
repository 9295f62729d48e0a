"""asv benchmark of the analyse stage (:func:`cloudorg.analysis.campaign.analyse`) on
20 000 tiles with 100-dimensional embeddings and 16 cloud metrics.

The store: 21 cloud-like scenes of 1024 x 1024 px at 1 km (:func:`cloudorg.tiles.example_store`)
cut into 64-px tiles with stride 32 (961 per scene, 20 181 in all), labelled by the
scenes' ground-truth pattern. Embeddings (100 dimensions, float32) and metrics (16, a few
undefined on up to 30 % of the tiles) are written into the store's groups from a seeded
draw that depends on each tile's class and scene, as a trained model and the metric
kernels would give them; the tiles the quality filters leave out have none, as in a run.

Timed (best of the repeats, ``progress=False``, ``overwrite=True`` so every fit is made
again): the whole stage with its defaults — for both feature sets the PCA, the silhouette
and the stability of every K from 2 to 12 (10 resamples of scenes each), k-means (K = 4),
the Ward dendrogram of 500 tiles, the diagnostics (effective dimension, triplet distances,
nearest-neighbour agreement), the NMI with its 95 % interval from 1000 resamples of the
scenes and the chance level from 200 within-scene permutations, the metric summaries and
silhouettes, and writing the analysis into the store.

Targets: ``track_analyse_seconds`` <= 30 s on two cores. ``track_ratio_to_kmeans`` is the
stage's time over one scikit-learn ``KMeans(4, n_init=10)`` fit of the same embeddings,
measured in the same run (what the uncertainty and the diagnostics cost beyond the plain
clustering of the seed report).

A quick run (``CLOUDORG_BENCH_QUICK=1``) uses 2 scenes (1 922 tiles). Run ``python -m
benchmarks.bench_analysis`` for a one-off table of the same numbers.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

from benchmarks.timing import quick, seconds, tracked
from cloudorg.analysis.campaign import analyse
from cloudorg.domains import Domain
from cloudorg.store import DEFAULT_CHUNK, CampaignStore, layout
from cloudorg.synthetic import example_store
from cloudorg.tiles import build_tile_table, usable

N_SCENES = 2 if quick() else 21
DOMAIN = Domain.from_bounds("bench1024", -55.0, -45.65, 11.0, 20.2, resolution_km=1.0)
"""1024 x 1024 px at 1 km."""
SIZE, STRIDE = 64, 32
TILING = f"{SIZE}px_stride{STRIDE}"
N_DIMS = 100
METRICS = 16
SPARSE = {3: 0.05, 7: 0.2, 11: 0.3}
"""Metrics undefined on some tiles: column and fraction of tiles."""


def _features(table: xr.Dataset, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings and metrics that depend on each tile's class and scene, NaN where the
    quality filters leave a tile out."""
    label = np.clip(table["label"].values.astype(np.int64), 0, 4)
    scene = table["scene_index"].values
    n = label.size
    centres = rng.standard_normal((5, N_DIMS)) * 1.5
    offsets = rng.standard_normal((N_SCENES, N_DIMS)) * 0.5
    embeddings = centres[label] + offsets[scene] + rng.standard_normal((n, N_DIMS))
    level = label[:, None] * rng.uniform(0.2, 1.0, METRICS)
    metrics = level + rng.standard_normal((n, METRICS))
    for column, fraction in SPARSE.items():
        metrics[rng.random(n) < fraction, column] = np.nan
    left_out = ~usable(table).values
    embeddings[left_out] = np.nan
    metrics[left_out] = np.nan
    return embeddings.astype(np.float32), metrics


def make_store(directory: str | Path) -> Path:
    """The benchmark store: scenes, tile table, embeddings and metrics."""
    times = [np.datetime64("2020-01-20T12:00", "ms") + np.timedelta64(20 * i, "m")
             for i in range(N_SCENES)]  # fmt: skip
    store = example_store(Path(directory) / "bench.zarr", N_SCENES, domain=DOMAIN,
                          chunk_size=DEFAULT_CHUNK, times=times)  # fmt: skip
    table = build_tile_table(store, SIZE, stride=STRIDE, client="synchronous", progress=False)
    embeddings, metrics = _features(table, np.random.default_rng(0))
    tile = {"tile": table["tile"].values}
    names = [f"metric_{i:02d}" for i in range(METRICS)]
    embedded = xr.Dataset({"embeddings": (("tile", "embedding"), embeddings)}, coords=tile,
                          attrs={"model_id": "bench-synthetic", "tile_table": TILING})  # fmt: skip
    measured = xr.Dataset({name: ("tile", metrics[:, i], {"units": "1"})
                           for i, name in enumerate(names)}, coords=tile,
                          attrs={"metrics": names})  # fmt: skip
    with store.writing():
        store.group(layout.embeddings(TILING)).replace(embedded)
        store.group(layout.metrics(TILING, "greyscale")).replace(measured)
    return store.path


def run(path: str | Path) -> None:
    """The analyse stage with its defaults, every fit made again."""
    analyse(path, tiling=TILING, overwrite=True, progress=False)


def kmeans_baseline(path: str | Path) -> float:
    """Seconds of one scikit-learn KMeans(4, n_init=10) fit of the finite embeddings."""
    from sklearn.cluster import KMeans

    store = CampaignStore.open(path)
    x = store.group(layout.embeddings(TILING)).open("")["embeddings"].values
    x = x[np.isfinite(x).all(axis=1)]
    return seconds(lambda: KMeans(4, n_init=10, random_state=0).fit(x))


def best_time(path: str | Path, repeat: int = 2) -> float:
    """Best of ``repeat`` timed runs of the stage."""
    return min(seconds(lambda: run(path)) for _ in range(repeat))


class Analyse:
    """The analyse stage on 20 181 tiles (target <= 30 s on two cores)."""

    timeout = 900
    number = 1
    repeat = 1
    warmup_time = 0

    def setup_cache(self) -> str:
        return str(make_store(Path.cwd()))  # asv's cache directory, removed after the run

    @tracked("s", "<= 30")
    def track_analyse_seconds(self, path: str) -> float:
        return best_time(path, repeat=1)

    @tracked("x")
    def track_ratio_to_kmeans(self, path: str) -> float:
        return best_time(path, repeat=1) / kmeans_baseline(path)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cloudorg-bench-") as tmp:
        start = time.perf_counter()
        path = make_store(tmp)
        n = CampaignStore.open(path).group(layout.tile_table(TILING)).open("").sizes["tile"]
        print(f"store of {n} tiles x {N_DIMS} dimensions made in "
              f"{time.perf_counter() - start:.0f} s")  # fmt: skip
        seconds = best_time(path)
        print(f"analyse: best of 2 runs {seconds:.1f} s; one KMeans(4, n_init=10) fit "
              f"{kmeans_baseline(path):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
