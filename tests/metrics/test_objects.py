"""Size and shape metrics of objects: counts, lengths, perimeters, eccentricity, CSD."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.draw import disk
from skimage.measure import perimeter

from cloudorg.metrics import (
    max_length_scale,
    mean_eccentricity,
    mean_length_scale,
    mean_perimeter,
    num_objects,
    size_distribution_exponent,
    total_perimeter,
)


def _square(side: int, shape: tuple[int, int] = (12, 12)) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[2 : 2 + side, 3 : 3 + side] = True
    return mask


@pytest.mark.parametrize(("side", "expected"), [(1, 0.0), (2, 4.0), (3, 8.0), (5, 16.0)])
def test_perimeter_of_squares(side, expected):
    mask = _square(side)
    assert mean_perimeter(mask) == pytest.approx(expected)
    assert total_perimeter(mask) == pytest.approx(expected)
    assert total_perimeter(mask, dx=0.5) == pytest.approx(expected / 2)


@pytest.mark.parametrize("radius", [2, 5.5, 13])
def test_perimeter_of_discs_equals_skimage(radius):
    mask = np.zeros((40, 40), bool)
    mask[disk((20, 19), radius)] = True
    assert total_perimeter(mask) == pytest.approx(perimeter(mask, neighborhood=4))
    assert 2 * np.pi * (radius - 1) < total_perimeter(mask) < 2 * np.pi * (radius + 1)


def test_perimeter_of_an_object_at_the_domain_edge():
    mask = np.zeros((5, 5), bool)
    mask[:3, :3] = True
    assert total_perimeter(mask) == pytest.approx(8.0)


def test_total_perimeter_sums_and_mean_averages():
    mask = np.zeros((12, 12), bool)
    mask[0:2, 0:2] = True  # 4
    mask[5:8, 5:8] = True  # 8
    mask[10, 10] = True  # 0
    assert total_perimeter(mask) == pytest.approx(12.0)
    assert mean_perimeter(mask) == pytest.approx(4.0)
    assert total_perimeter(mask, min_area=1) == pytest.approx(12.0)
    assert mean_perimeter(mask, min_area=1) == pytest.approx(6.0)


def test_length_scales():
    mask = np.zeros((16, 16), bool)
    mask[0:2, 0:2] = True  # 4 px
    mask[5:9, 5:12] = True  # 28 px
    mask[14, 14] = True  # 1 px
    assert max_length_scale(mask) == pytest.approx(np.sqrt(28))
    assert mean_length_scale(mask) == pytest.approx(np.sqrt(11))
    assert mean_length_scale(mask, min_area=1) == pytest.approx(4.0)
    assert mean_length_scale(mask, min_area=4) == pytest.approx(np.sqrt(28))
    assert max_length_scale(mask, dx=2.5) == pytest.approx(2.5 * np.sqrt(28))
    assert np.isnan(max_length_scale(mask, min_area=28))


def test_num_objects_counts_every_object_and_depends_on_connectivity():
    mask = np.eye(6, dtype=bool)
    mask[0, 5] = True
    assert num_objects(mask) == 7
    assert num_objects(mask, connectivity=8) == 2
    assert num_objects(np.zeros((3, 3), bool)) == 0
    assert num_objects(np.ones((3, 7), bool)) == 1


def test_num_objects_periodic():
    mask = np.zeros((6, 6), bool)
    mask[:, 0] = mask[:, 5] = True
    assert num_objects(mask) == 2
    assert num_objects(mask, periodic=True) == 1


def test_mean_eccentricity():
    line = np.zeros((10, 10), bool)
    line[2, 1:9] = True
    square = np.zeros((10, 10), bool)
    square[5:9, 5:9] = True
    assert mean_eccentricity(line) == pytest.approx(1.0)
    assert mean_eccentricity(square) == pytest.approx(0.0, abs=1e-12)
    assert mean_eccentricity(line | square) == pytest.approx(8 / 24)
    assert mean_eccentricity(line | square, min_area=8) == pytest.approx(0.0, abs=1e-12)
    rect = np.zeros((10, 10), bool)
    rect[1:3, 1:9] = True  # variances (4 - 1) / 12 and (64 - 1) / 12
    assert mean_eccentricity(rect) == pytest.approx(np.sqrt(1 - 3 / 63))


def _grid_of_squares(sides: list[int], cell: int = 32) -> np.ndarray:
    per_row = 4
    rows = -(-len(sides) // per_row)
    mask = np.zeros((rows * cell, per_row * cell), bool)
    for i, side in enumerate(sides):
        r, c = divmod(i, per_row)
        mask[r * cell : r * cell + side, c * cell : c * cell + side] = True
    return mask


def test_size_distribution_exponent_analytic():
    # lengths 3 (x8), 7 (x4), 15 (x2), 31 (x1): counts 8, 4, 2, 1 in bins [2, 6),
    # [6, 14), [14, 30), [30, 62); the first bin is dropped
    mask = _grid_of_squares([3] * 8 + [7] * 4 + [15] * 2 + [31])
    expected = np.polyfit(np.log([10.0, 22.0, 46.0]), np.log([4, 2, 1]), 1)[0]
    assert size_distribution_exponent(mask) == pytest.approx(expected)


def test_size_distribution_ignores_objects_of_four_pixels_or_less():
    sides = [7] * 4 + [15] * 2 + [31]  # counts 4, 2, 1: the first bin is dropped
    expected = np.log(1 / 2) / np.log(46 / 22)
    assert size_distribution_exponent(_grid_of_squares(sides)) == pytest.approx(expected)
    with_small = _grid_of_squares([*sides, 2, 2, 1, 2])  # 4, 4, 1, 4 px
    assert size_distribution_exponent(with_small) == pytest.approx(expected)
    # without the 7 x 7 squares one bin is left after the first is dropped
    assert np.isnan(size_distribution_exponent(_grid_of_squares(sides), min_area=49))


def test_size_distribution_needs_two_bins():
    assert np.isnan(size_distribution_exponent(_grid_of_squares([7, 7, 15])))
    assert np.isnan(size_distribution_exponent(np.zeros((8, 8), bool)))
    assert not np.isnan(size_distribution_exponent(_grid_of_squares([3, 7, 15])))


def test_metrics_without_objects():
    empty = np.zeros((10, 10), bool)
    assert np.isnan(mean_perimeter(empty))
    assert total_perimeter(empty) == 0.0
    assert np.isnan(max_length_scale(empty))
    assert np.isnan(mean_length_scale(empty))
    assert np.isnan(mean_eccentricity(empty))


def test_missing_pixels_give_nan_unless_tolerated():
    mask = _square(3).astype(float)
    mask[0, 0] = np.nan
    assert np.isnan(total_perimeter(mask))
    assert np.isnan(num_objects(mask))
    assert total_perimeter(mask, max_missing_fraction=0.01) == pytest.approx(8.0)
