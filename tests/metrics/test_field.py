"""Whole-field metrics: cloud fraction, orientation, fractal dimension, open sky."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.draw import disk, line

from cloudorg.errors import ConfigError
from cloudorg.metrics import cloud_fraction, fractal_dimension, open_sky, orientation


def test_cloud_fraction_counts_valid_pixels_only():
    mask = np.zeros((4, 5))
    mask[0, :3] = 1
    assert cloud_fraction(mask) == pytest.approx(3 / 20)
    mask[3, :] = np.nan
    assert cloud_fraction(mask) == pytest.approx(3 / 15)
    assert np.isnan(cloud_fraction(np.full((2, 2), np.nan)))
    assert cloud_fraction(np.ones((3, 1), bool)) == 1.0


def test_orientation_of_lines_is_one():
    for rr, cc in [line(5, 0, 5, 40), line(0, 7, 30, 7), line(2, 3, 38, 39)]:
        mask = np.zeros((41, 41), bool)
        mask[rr, cc] = True
        assert orientation(mask) == pytest.approx(1.0, abs=1e-9)


def test_orientation_of_circles_and_squares_is_near_zero():
    disc = np.zeros((64, 64), bool)
    disc[disk((30, 33), 20)] = True
    ring = disc.copy()
    ring[disk((30, 33), 15)] = False
    assert orientation(disc) < 0.05
    assert orientation(ring) < 0.05
    assert orientation(np.ones((16, 16), bool)) == 0.0


def test_orientation_of_a_rectangle():
    mask = np.zeros((50, 60), bool)
    mask[10:20, 5:45] = True  # variances (10**2 - 1) / 12 and (40**2 - 1) / 12
    assert orientation(mask) == pytest.approx(np.sqrt(1 - 99 / 1599))


def test_orientation_of_stripes():
    # stripes of limited extent are strongly oriented...
    stripes = np.zeros((64, 64), bool)
    stripes[28:37:4, 2:62] = True
    assert orientation(stripes) > 0.95
    assert orientation(stripes.T) == pytest.approx(orientation(stripes))
    # ...but stripes filling a square domain have isotropic second moments: the metric
    # describes the spread of the cloudy pixels, not the texture
    filling = np.zeros((64, 64), bool)
    filling[::4] = True
    assert orientation(filling) < 0.15


def test_orientation_edge_values():
    assert np.isnan(orientation(np.zeros((8, 8), bool)))
    single = np.zeros((8, 8), bool)
    single[3, 4] = True
    assert orientation(single) == 0.0


def _box_count_reference(mask: np.ndarray) -> float:
    ny, nx = mask.shape
    sizes = 2 ** np.arange(int(np.log2(min(ny, nx))), 1, -1)
    counts = []
    for s in sizes:
        n = 0
        for r in range(0, ny, s):
            for c in range(0, nx, s):
                box = mask[r : r + s, c : c + s]
                n += bool(box.any() and not box.all())
        counts.append(n)
    counts = np.array(counts)
    kept = counts > 0
    return -np.polyfit(np.log(sizes[kept]), np.log(counts[kept]), 1)[0]


def test_fractal_dimension_of_a_line_is_one():
    mask = np.zeros((128, 128), bool)
    mask[37] = True
    assert fractal_dimension(mask) == pytest.approx(1.0)
    diagonal = np.eye(128, dtype=bool) | np.tri(128, dtype=bool)
    assert fractal_dimension(diagonal) == pytest.approx(1.0, abs=0.05)


def test_fractal_dimension_of_noise_is_two():
    mask = np.random.default_rng(0).random((256, 256)) < 0.5
    assert fractal_dimension(mask) == pytest.approx(2.0, abs=1e-6)


@pytest.mark.parametrize("shape", [(64, 64), (100, 150), (37, 91), (8, 8)])
def test_fractal_dimension_equals_reference_box_counting(shape):
    mask = np.random.default_rng(shape[1]).random(shape) < 0.1
    mask |= np.roll(mask, 1, axis=0) | np.roll(mask, 1, axis=1)
    assert fractal_dimension(mask) == pytest.approx(_box_count_reference(mask))


def test_fractal_dimension_of_a_cloud_field(make_cloud_mask):
    cloud = make_cloud_mask(128, seed=2)
    assert fractal_dimension(cloud) == pytest.approx(_box_count_reference(cloud))
    assert 1 < fractal_dimension(cloud) < 2


def test_fractal_dimension_edge_values():
    assert np.isnan(fractal_dimension(np.zeros((64, 64), bool)))
    assert np.isnan(fractal_dimension(np.ones((64, 64), bool)))
    tiny = np.zeros((7, 40), bool)
    tiny[3, 3] = True
    assert np.isnan(fractal_dimension(tiny))
    # box boundaries aligned with the cloud edge at every size: no mixed box at all
    half = np.zeros((64, 64), bool)
    half[:, :32] = True
    assert np.isnan(fractal_dimension(half))


def _open_sky_reference(mask: np.ndarray, periodic: bool) -> tuple[float, float]:
    """The published O(n^3) loops, written from the definition."""
    ny, nx = mask.shape
    areas = []
    for i in range(ny):
        row = np.flatnonzero(mask[i])
        for j in range(nx):
            if mask[i, j]:
                continue
            col = np.flatnonzero(mask[:, j])
            west, east = row[row < j], row[row > j]
            north, south = col[col < i], col[col > i]
            w = west[-1] if west.size else (row[-1] - nx if periodic and row.size else 0)
            e = east[0] - 1 if east.size else (row[0] + nx - 1 if periodic and row.size else nx)
            n = north[-1] if north.size else (col[-1] - ny if periodic and col.size else 0)
            s = south[0] - 1 if south.size else (col[0] + ny - 1 if periodic and col.size else ny)
            areas.append((e - w) * (s - n))
    if not areas:
        return 0.0, 0.0
    return max(areas) / mask.size, float(np.mean(areas)) / mask.size


@pytest.mark.parametrize("periodic", [False, True])
@pytest.mark.parametrize(("shape", "density"), [((20, 20), 0.1), ((17, 31), 0.3), ((9, 5), 0.6)])
def test_open_sky_equals_reference(periodic, shape, density):
    mask = np.random.default_rng(shape[0]).random(shape) < density
    expected_max, expected_mean = _open_sky_reference(mask, periodic)
    assert open_sky(mask, periodic=periodic) == pytest.approx(expected_max)
    assert open_sky(mask, periodic=periodic, summary="mean") == pytest.approx(expected_mean)


def test_open_sky_edge_values():
    assert open_sky(np.zeros((10, 12), bool)) == 1.0
    assert open_sky(np.ones((10, 12), bool)) == 0.0
    assert open_sky(np.ones((10, 12), bool), summary="mean") == 0.0
    with pytest.raises(ConfigError, match="summary"):
        open_sky(np.zeros((4, 4), bool), summary="median")


def test_open_sky_of_a_cloud_field(make_cloud_mask):
    mask = make_cloud_mask(1024, seed=1, cloud_fraction=0.1)
    value = open_sky(mask)
    assert 0 < value < 1
    assert open_sky(mask, summary="mean") <= value
