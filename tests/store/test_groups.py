"""Derived groups: written whole or in blocks, resumed, grown with new rows, refused for
another configuration, and read by readers that never see a mix of two versions."""

from __future__ import annotations

import threading

import dask.array as da
import numpy as np
import pytest
import xarray as xr
import zarr

from cloudorg.errors import OtherResultsError, StoreError
from cloudorg.synthetic.stores import example_store

GROUP = "metrics/test"


@pytest.fixture
def store(tmp_path):
    return example_store(tmp_path / "c.zarr", 1)


def template(n: int) -> xr.Dataset:
    """A group of ``n`` rows to be written in blocks: lazy values, row coordinates."""
    values = da.full((n,), np.nan, dtype=np.float64, chunks=n or 1)
    return xr.Dataset(
        {"value": ("tile", values, {"units": "1"})},
        coords={"tile": np.arange(n), "scene_id": ("tile", [f"s{i // 3}" for i in range(n)])},
        attrs={"title": "test"},
    )


def write_blocks(store, n: int, *, stop_after: int | None = None, **kw):
    """Write rows ``10 * i`` in blocks of 3; stop (as if killed) after some blocks."""
    group = store.group(GROUP)
    with store.writing():
        writer = group.begin(template(n), {"parameter": kw.pop("parameter", 1)}, dim="tile",
                             block_rows=3, **kw)  # fmt: skip
        written = []
        for b in writer.todo():
            if stop_after is not None and len(written) == stop_after:
                return writer, written
            rows = writer.target.rows(b)
            writer.target.write(b, {"value": 10.0 * np.arange(rows.start, rows.stop)})
            writer.mark_done([b])
            written.append(b)
        writer.finish()
    return writer, written


def test_a_group_written_whole_is_plain_zarr_and_not_rewritten_when_unchanged(store):
    group = store.group("tiles/demo")
    ds = xr.Dataset({"a": ("tile", [1, 2, 3])}, attrs={"note": "x"})
    with store.writing():
        group.replace(ds)
    plain = xr.open_zarr(store.path, group="tiles/demo")  # consolidated, without cloudorg
    assert plain["a"].values.tolist() == [1, 2, 3] and plain.attrs["complete"] == 1
    before = (store.path / "tiles/demo/zarr.json").stat().st_mtime_ns
    with store.writing():
        group.replace(ds)  # the same dataset: nothing is written
    assert (store.path / "tiles/demo/zarr.json").stat().st_mtime_ns == before
    with pytest.raises(StoreError, match="writer lock"):
        group.replace(ds)


def test_blocks_resume_where_a_run_stopped_and_grow_with_new_rows(store):
    _, written = write_blocks(store, 8, stop_after=2)
    assert written == [0, 1]
    with pytest.raises(StoreError, match="an incomplete group metrics/test"):
        store.group(GROUP).open("")
    raw = zarr.open_group(store.path / GROUP, mode="r", use_consolidated=False)
    assert raw.attrs["completed_blocks"] == [0, 1] and raw["value"].chunks == (3,)
    _, written = write_blocks(store, 8)
    assert written == [2]  # only the block not done
    ds = store.group(GROUP).open("")
    np.testing.assert_array_equal(ds["value"].values, 10.0 * np.arange(8))
    assert ds.attrs["parameter"] == 1 and ds.attrs["title"] == "test"
    # two more rows: the last block (rows 6, 7) changed and is redone, with the new one
    _, written = write_blocks(store, 11)
    assert written == [2, 3]
    np.testing.assert_array_equal(store.group(GROUP).open("")["value"].values,
                                  10.0 * np.arange(11))  # fmt: skip
    # nothing new: nothing written, the group as it was
    before = (store.path / GROUP / "zarr.json").stat().st_mtime_ns
    _, written = write_blocks(store, 11)
    assert written == [] and (store.path / GROUP / "zarr.json").stat().st_mtime_ns == before


def test_other_parameters_are_refused_unless_overwriting(store):
    write_blocks(store, 6)
    with pytest.raises(OtherResultsError, match=r"parameter: 1 in the store, 2 now"):
        write_blocks(store, 6, parameter=2)
    _, written = write_blocks(store, 6, parameter=2, overwrite=True)
    assert written == [0, 1]
    assert store.group(GROUP).open("").attrs["parameter"] == 2


def test_finish_needs_every_block(store):
    writer, _ = write_blocks(store, 6, stop_after=1)
    with store.writing(), pytest.raises(StoreError, match=r"blocks \[1\] are not written"):
        writer.finish()


def test_readers_never_see_a_mix_of_two_versions(store):
    """A writer replaces a group of many chunks over and over with all-ones and all-twos;
    every dataset a reader opens meanwhile is one or the other."""
    group = store.group("tiles/flip")
    versions = [xr.Dataset({"a": ("tile", np.full(1024, v))}).chunk(tile=32) for v in (1, 2)]
    with store.writing():
        group.replace(versions[0])

    def writer() -> None:
        with store.writing():
            for i in range(1, 16):
                group.replace(versions[i % 2])

    thread = threading.Thread(target=writer)
    thread.start()
    seen = []
    try:
        while thread.is_alive():
            try:
                values = np.unique(group.open("")["a"].values)
            except StoreError as err:  # incomplete, or rewritten at every attempt
                assert "incomplete" in str(err) or "while being read" in str(err)
                continue
            seen.append(values.tolist())
    finally:
        thread.join()
    assert seen and all(v in ([1], [2]) for v in seen), seen
