"""COP, SCAI, Iorg and the inhibition Iorg."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cloudorg.errors import ConfigError
from cloudorg.metrics import (
    PlacementError,
    compute_metrics,
    cop,
    inhibition_reference,
    iorg,
    iorg_inhibition,
    label_objects,
    scai,
)
from cloudorg.metrics.organisation import nearest_neighbour_distances


@pytest.fixture
def three_objects() -> np.ndarray:
    mask = np.zeros((20, 30), bool)
    mask[0:2, 0:2] = True  # area 4, centroid (0.5, 0.5)
    mask[10:13, 20:23] = True  # area 9, centroid (11, 21)
    mask[18, 3] = True  # area 1, centroid (18, 3)
    return mask


THREE = [(4, (0.5, 0.5)), (9, (11.0, 21.0)), (1, (18.0, 3.0))]


def test_cop_of_two_objects_by_hand():
    mask = np.zeros((10, 20), bool)
    mask[0:2, 0:2] = True  # area 4, centroid (0.5, 0.5)
    mask[5:8, 10:13] = True  # area 9, centroid (6, 11)
    d = np.hypot(5.5, 10.5)
    assert cop(mask) == pytest.approx((2 + 3) / (np.sqrt(np.pi) * d))


def test_cop_and_scai_of_three_objects_by_hand(three_objects):
    pairs = list(itertools.combinations(THREE, 2))
    dist = [np.hypot(a[1][0] - b[1][0], a[1][1] - b[1][1]) for a, b in pairs]
    sqrt_sums = [np.sqrt(a[0]) + np.sqrt(b[0]) for a, b in pairs]
    v = np.array(sqrt_sums) / (np.sqrt(np.pi) * np.array(dist))
    assert cop(three_objects) == pytest.approx(np.mean(v))
    d0 = np.prod(dist) ** (1 / 3)
    expected = 3 / (20 * 30 / 2) * d0 / 1000 * 1000
    assert scai(three_objects) == pytest.approx(expected)
    assert scai(three_objects, dx=2.0) == pytest.approx(2 * expected)
    assert scai(three_objects, reference_length=500) == pytest.approx(2 * expected)
    # min_area drops the single pixel from both metrics (N and D0 of SCAI)
    kept = dist[0]
    assert cop(three_objects, min_area=1) == pytest.approx(5 / (np.sqrt(np.pi) * kept))
    assert scai(three_objects, min_area=1) == pytest.approx(2 / 300 * kept)


def test_cop_and_scai_periodic_use_minimum_image():
    mask = np.zeros((10, 20), bool)
    mask[4, 0] = mask[4, 18] = True  # 18 apart, 2 across the edge
    assert cop(mask) == pytest.approx(2 / (np.sqrt(np.pi) * 18))
    assert cop(mask, periodic=True) == pytest.approx(2 / (np.sqrt(np.pi) * 2))
    assert scai(mask, periodic=True) == pytest.approx(2 / 100 * 2)
    mask = np.zeros((10, 20), bool)
    mask[0, 5] = mask[8, 5] = True  # 8 apart, 2 across the edge
    assert scai(mask, periodic=True) == pytest.approx(2 / 100 * 2)


def test_cop_scai_edge_values():
    one = np.zeros((8, 8), bool)
    one[2:4, 2:4] = True
    assert np.isnan(cop(one))
    assert scai(one) == 0.0
    assert np.isnan(cop(np.zeros((8, 8), bool)))
    assert np.isnan(scai(np.zeros((8, 8), bool)))
    ring = np.zeros((9, 9), bool)
    ring[2:7, 2:7] = True
    ring[3:6, 3:6] = False
    ring[4, 4] = True  # a pixel inside a ring: coinciding centroids
    assert cop(ring) == np.inf
    assert scai(ring) == 0.0


def test_scai_reference_length_must_be_positive(three_objects):
    with pytest.raises(ConfigError, match="reference_length"):
        scai(three_objects, reference_length=0)


def test_iorg_regular_lattice_is_near_zero(make_point_mask):
    rows, cols = np.meshgrid(np.arange(4, 256, 8), np.arange(4, 256, 8), indexing="ij")
    mask = make_point_mask(np.column_stack([rows.ravel(), cols.ravel()]), (256, 256))
    # every nearest neighbour at the lattice spacing: exp(-pi)
    assert iorg(mask) == pytest.approx(np.exp(-np.pi))
    assert iorg(mask, periodic=True) == pytest.approx(np.exp(-np.pi))
    assert iorg(mask, binned=True) == pytest.approx(np.exp(-np.pi), abs=2e-3)


def test_iorg_random_points_is_near_half(make_point_mask):
    rng = np.random.default_rng(42)
    points = np.unique(rng.integers(0, 1024, size=(1500, 2)), axis=0)
    mask = make_point_mask(points, (1024, 1024))
    n = label_objects(mask, periodic=True)[1].num
    assert n > 1450  # few points touch
    assert iorg(mask, periodic=True) == pytest.approx(0.5, abs=0.03)
    assert iorg(mask, periodic=True, binned=True) == pytest.approx(0.5, abs=0.03)


def test_iorg_clustered_points_is_near_one(make_point_mask):
    rng = np.random.default_rng(5)
    centres = rng.integers(50, 974, size=(30, 2))
    offsets = np.array([(dr, dc) for dr in (-4, 0, 4) for dc in (-4, 0, 4)])
    points = (centres[:, None, :] + offsets[None, :, :]).reshape(-1, 2)
    mask = make_point_mask(points, (1024, 1024))
    assert iorg(mask) > 0.95
    assert iorg_inhibition(mask) > 0.9


def test_iorg_binned_reproduces_the_published_integral(cloud_mask):
    _, objects = label_objects(cloud_mask)
    nn = nearest_neighbour_distances(objects.centroid, objects.shape, False)
    ny, nx = cloud_mask.shape
    # cloudmetrics v0.3.0: np.linspace(0, bin_max, n_dist_bins=10000) edges
    bins = np.linspace(0, np.sqrt(ny**2 + nx**2), 10000)
    cdf_scene = np.cumsum(np.histogram(nn, bins)[0]) / len(nn)
    lam = len(nn) / (ny * nx)
    binav = (bins[1:] + bins[:-1]) / 2
    cdf_rand = 1 - np.exp(-lam * np.pi * binav**2)
    assert iorg(cloud_mask, binned=True) == pytest.approx(np.trapezoid(cdf_scene, cdf_rand))
    assert iorg(cloud_mask) == pytest.approx(np.mean(np.exp(-lam * np.pi * nn**2)))
    assert iorg(cloud_mask, binned=True) == pytest.approx(iorg(cloud_mask), abs=2e-3)


def test_iorg_needs_two_objects():
    one = np.zeros((8, 8), bool)
    one[1, 1] = True
    assert np.isnan(iorg(one))
    assert np.isnan(iorg_inhibition(one))
    assert np.isnan(iorg(np.zeros((8, 8), bool)))


def test_nearest_neighbour_distances_periodic_non_square():
    pts = np.array([[0.5, 1.0], [9.0, 1.0], [5.0, 29.0]])
    np.testing.assert_allclose(
        nearest_neighbour_distances(pts, (10, 30), False), [8.5, 8.5, np.hypot(4, 28)]
    )
    np.testing.assert_allclose(
        nearest_neighbour_distances(pts, (10, 30), True), [1.5, 1.5, np.hypot(4, 2)]
    )


def test_inhibition_reference_places_disjoint_circles():
    area = np.array([400, 100, 100, 50, 20, 20, 9, 4, 1, 1])
    pos = inhibition_reference(area, (60, 80), seed=3)
    radii = np.sort(np.sqrt(area / np.pi))[::-1]
    for i, j in itertools.combinations(range(area.size), 2):
        d = np.abs(pos[i] - pos[j])
        d = np.minimum(d, np.array([60, 80]) - d)
        assert np.hypot(*d) > radii[i] + radii[j]
    assert ((pos >= 0) & (pos < [60, 80])).all()
    np.testing.assert_array_equal(pos, inhibition_reference(area, (60, 80), seed=3))
    assert not np.array_equal(pos, inhibition_reference(area, (60, 80), seed=4))


def test_iorg_inhibition_is_deterministic_for_a_seed(cloud_mask):
    value = iorg_inhibition(cloud_mask, seed=7)
    assert 0 < value < 1
    assert iorg_inhibition(cloud_mask, seed=7) == value
    others = [iorg_inhibition(cloud_mask, seed=s) for s in range(3)]
    assert len(set(others)) > 1
    assert np.ptp(others) < 0.1
    assert iorg_inhibition(cloud_mask, seed=7, binned=True) == pytest.approx(value, abs=5e-3)


def test_iorg_inhibition_regular_lattice_is_low(make_point_mask):
    rows, cols = np.meshgrid(np.arange(4, 256, 8), np.arange(4, 256, 8), indexing="ij")
    mask = make_point_mask(np.column_stack([rows.ravel(), cols.ravel()]), (256, 256))
    assert iorg_inhibition(mask) < 0.1


def test_iorg_inhibition_gives_up_with_a_clear_error():
    mask = np.zeros((100, 100), bool)
    mask[:, :45] = True
    mask[:, 50:95] = True  # two objects of 45 % each: their circles cannot both fit
    with pytest.raises(PlacementError, match="could not place circle 2 of 2"):
        iorg_inhibition(mask)
    with pytest.warns(RuntimeWarning, match="iorg_inhibition is NaN"):
        values = compute_metrics(mask, metrics=["iorg", "iorg_inhibition"])
    assert np.isnan(values["iorg_inhibition"]) and 0 <= values["iorg"] <= 1


def test_seed_must_be_a_non_negative_integer(cloud_mask):
    for bad in (-1, 1.5, True):
        with pytest.raises(ConfigError, match="seed"):
            iorg_inhibition(cloud_mask, seed=bad)
