"""Area-mean resampling against independent computations, and the choice of method."""

from __future__ import annotations

import numpy as np
import pytest
from pyresample.geometry import AreaDefinition, SwathDefinition

from cloudorg import resample as rs
from cloudorg.domains import Domain
from cloudorg.errors import ConfigError

BOX = Domain.from_bounds("box", -55.0, -54.6, 14.0, 14.4, resolution_km=2.0)


def aligned_source(k: int) -> AreaDefinition:
    """A grid in the domain's projection whose pixels tile each domain pixel k × k."""
    ny, nx = BOX.shape
    return AreaDefinition("fine", "", "", BOX.crs, k * nx, k * ny, BOX.area.area_extent)


def field(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    """Random reflectances with some missing pixels."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(2.0, 80.0, shape).astype(np.float32)
    values[rng.random(shape) < 0.05] = np.nan
    return values


@pytest.mark.parametrize("k", [2, 3])
def test_area_mean_equals_a_numpy_block_mean_on_an_aligned_grid(k):
    source = aligned_source(k)
    values = field(source.shape)
    table = rs.resampler_for(source, BOX)
    assert table.method == "area_mean"
    assert table.attrs["cell_methods"] == "area: mean"
    assert table.attrs["resolution_ratio"] == pytest.approx(k)
    assert table.attrs["source_pixels_per_cell"] == k * k
    ny, nx = BOX.shape
    blocks = values.reshape(ny, k, nx, k)
    with np.errstate(invalid="ignore"):
        expected = np.nanmean(blocks, axis=(1, 3))
    np.testing.assert_allclose(rs.resample(values, table), expected, rtol=1e-6)
    count = np.isfinite(blocks).sum(axis=(1, 3))
    np.testing.assert_array_equal(rs.contributing_pixels(values, table), count)


def test_a_swath_averages_like_the_grid_it_was_cut_from():
    source = aligned_source(3)
    lons, lats = source.get_lonlats()
    swath = SwathDefinition(lons=lons, lats=lats)
    values = field(source.shape, seed=1)
    on_grid = rs.resample(values, rs.resampler_for(source, BOX))
    table = rs.resampler_for(swath, BOX)
    assert table.method == "area_mean"
    np.testing.assert_allclose(rs.resample(values, table), on_grid, rtol=1e-6)


def test_cells_without_a_source_pixel_centre_take_the_nearest_one():
    # a source coarser than the domain, averaged all the same: most cells hold no pixel
    # centre, but every cell gets a value
    ny, nx = BOX.shape
    source = AreaDefinition("c", "", "", BOX.crs, 2 * nx // 3, 2 * ny // 3, BOX.area.area_extent)
    values = field(source.shape, seed=2)
    values[np.isnan(values)] = 1.0
    table = rs.resampler_for(source, BOX, method="area_mean")
    assert (table.pixels == 0).any()
    out = rs.resample(values, table)
    assert np.isfinite(out).all()
    holes = table.pixels == 0
    nearest = rs.resample(values, rs.lookup_for(source, BOX))
    np.testing.assert_array_equal(out[holes], nearest[holes])
    assert (rs.contributing_pixels(values, table)[holes] == 1).all()


def test_auto_takes_nearest_for_comparable_resolutions_and_integer_codes():
    assert rs.resampler_for(aligned_source(1), BOX).method == "nearest"
    fine = aligned_source(2)
    assert rs.resampler_for(fine, BOX, dtype=np.uint8).method == "nearest"
    with pytest.raises(ConfigError, match="cannot be averaged"):
        rs.resample(np.zeros(fine.shape, np.uint8), rs.resampler_for(fine, BOX))
    with pytest.raises(ConfigError, match="'bilinear': expected one of"):
        rs.resampler_for(fine, BOX, method="bilinear")
    with pytest.raises(ConfigError, match="does not match the area_mean table"):
        rs.resample(np.zeros((3, 3), np.float32), rs.resampler_for(fine, BOX))
