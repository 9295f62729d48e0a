"""The resampling tables' cache: in memory and on disk, on by default for fixed grids, in
the user's cache directory, read by every new process, safe for workers writing the same
table at once."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pyresample.geometry import AreaDefinition, SwathDefinition

from cloudorg import resample as rs
from cloudorg.domains import Domain

DOM = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
FINE = AreaDefinition("ll", "", "", "EPSG:4326", 300, 300, (-55.5, 13.5, -53.5, 15.5))
"""0.74 km pixels: an area mean onto the 2 km domain."""


@pytest.fixture
def user_cache(tmp_path, monkeypatch) -> Path:
    """``$CLOUDORG_CACHE`` pointing at an empty directory, nothing in memory."""
    monkeypatch.setenv("CLOUDORG_CACHE", str(tmp_path / "cache"))
    rs.clear_cache()
    yield tmp_path / "cache" / "resample"
    rs.clear_cache()


def tables(directory: Path) -> list[str]:
    return sorted(p.name.split("-")[0] for p in directory.glob("*"))


def lookup_in_new_process(source: str) -> list[list[int]]:
    """The index of the lookup of ``FINE`` onto ``DOM``, computed by a new interpreter."""
    code = (
        "from tests.resample.test_cache import DOM, FINE; from cloudorg import resample as rs; "
        f"print(rs.resampler_for({source}, DOM, method='nearest').index[:2, :2].tolist())"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True)  # fmt: skip
    return eval(out.stdout)


@pytest.mark.parametrize("method, pixels", [("nearest", 50), ("area_mean", 400)])
def test_tables_are_cached_in_memory_and_on_disk(tmp_path, method, pixels):
    dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    src = AreaDefinition("ll", "", "", "EPSG:4326", pixels, pixels, (-56, 13.5, -53, 15.75))
    first = rs.resampler_for(src, dom, method=method, cache_dir=tmp_path)
    assert first.method == method
    assert rs.resampler_for(src.copy(), dom, method=method, cache_dir=tmp_path) is first
    files = sorted(p.name.split("-")[0] for p in tmp_path.glob("*.npz"))
    assert files == (["lookup"] if method == "nearest" else ["areamean", "lookup"])
    rs.clear_cache()
    again = rs.resampler_for(src, dom, method=method, cache_dir=tmp_path)
    assert again is not first
    for name, array in first.to_arrays().items():
        np.testing.assert_array_equal(again.to_arrays()[name], array)


def test_fixed_grid_tables_go_to_the_user_cache_and_a_new_process_reads_them(user_cache):
    table = rs.resampler_for(FINE, DOM)
    assert table.method == "area_mean"
    assert tables(user_cache) == ["areamean", "lookup"]
    (path,) = user_cache.glob("lookup-*.npz")
    marked = np.full_like(table.nearest.index, 7)  # what no computation would give
    np.savez(path, **{**table.nearest.to_arrays(), "index": marked})
    assert lookup_in_new_process("FINE") == [[7, 7], [7, 7]]


def test_swath_tables_stay_in_memory_unless_a_directory_is_given(user_cache, tmp_path):
    lons, lats = FINE.get_lonlats()
    swath = SwathDefinition(lons, lats)
    table = rs.lookup_for(swath, DOM)
    assert table.coverage > 0.9 and not user_cache.exists()
    rs.clear_cache()
    rs.lookup_for(swath, DOM, cache_dir=tmp_path / "mine")
    assert tables(tmp_path / "mine") == ["lookup"]


def test_the_cache_can_be_turned_off(user_cache, monkeypatch):
    monkeypatch.setenv("CLOUDORG_CACHE", "off")
    assert rs.resampler_for(FINE, DOM).method == "area_mean"
    assert not user_cache.parent.exists()


def test_a_damaged_file_is_rebuilt(user_cache):
    first = rs.lookup_for(FINE, DOM)
    (path,) = user_cache.glob("lookup-*.npz")
    path.write_bytes(b"PK\x03\x04 cut short")
    rs.clear_cache()
    again = rs.lookup_for(FINE, DOM)
    np.testing.assert_array_equal(again.index, first.index)
    with np.load(path) as arrays:  # written again, whole
        np.testing.assert_array_equal(arrays["index"], first.index)


def test_an_unwritable_directory_warns_and_keeps_the_table_in_memory(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    rs.clear_cache()
    with pytest.warns(RuntimeWarning, match="not cached on disk"):
        table = rs.lookup_for(FINE, DOM, cache_dir=blocked / "tables")
    assert rs.lookup_for(FINE, DOM, cache_dir=blocked / "tables") is table
    rs.clear_cache()


def _build_at_once(barrier: Any) -> bytes:
    barrier.wait()
    return rs.resampler_for(FINE, DOM).cell.tobytes()


def test_workers_building_the_same_table_at_once_leave_one_whole_file(user_cache):
    ctx = multiprocessing.get_context("spawn")  # new processes: nothing in memory
    workers = 4
    with ctx.Manager() as manager, ctx.Pool(workers) as pool:
        barrier = manager.Barrier(workers)
        built = pool.map(_build_at_once, [barrier] * workers)
    assert len(set(built)) == 1
    assert tables(user_cache) == ["areamean", "lookup"]  # no temporary file left
    rs.clear_cache()
    assert rs.resampler_for(FINE, DOM).cell.tobytes() == built[0]
