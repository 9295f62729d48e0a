"""Connected-component labelling and per-object moments."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from skimage.measure import perimeter, regionprops

from cloudorg.errors import ConfigError
from cloudorg.metrics import label_objects

STRUCTURE_4 = ndimage.generate_binary_structure(2, 1)
CODE_KERNEL = np.array([[10, 2, 10], [2, 1, 2], [10, 2, 10]])


def _same_partition(labels: np.ndarray, reference: np.ndarray) -> bool:
    """Whether two label images define the same objects (up to a label permutation)."""
    if not np.array_equal(labels > 0, reference > 0):
        return False
    fg = labels > 0
    pairs = np.unique(np.stack([labels[fg], reference[fg]]), axis=1)
    return len(np.unique(pairs[0])) == len(np.unique(pairs[1])) == pairs.shape[1]


def _periodic_reference(mask: np.ndarray, structure: np.ndarray) -> np.ndarray:
    """scipy labels merged across the domain edges with a plain union-find."""
    ref, n = ndimage.label(mask, structure)
    parent = list(range(n + 1))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    ny, nx = mask.shape
    offsets = np.argwhere(structure) - 1
    for r, c in np.argwhere(mask):
        for dr, dc in offsets:
            other = ref[(r + dr) % ny, (c + dc) % nx]
            if other:
                parent[find(ref[r, c])] = find(other)
    roots = np.array([find(x) for x in range(n + 1)])
    return roots[ref]


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("shape", [(1, 1), (1, 17), (13, 1), (40, 40), (37, 91)])
@pytest.mark.parametrize("density", [0.2, 0.5, 0.8])
def test_labels_equal_scipy(connectivity, shape, density, structure):
    rng = np.random.default_rng(int(density * 10) + shape[0] * shape[1])
    mask = rng.random(shape) < density
    labels, objects = label_objects(mask, connectivity=connectivity)
    reference, n = ndimage.label(mask, structure[connectivity])
    assert labels.dtype == np.int32
    assert objects.num == n
    assert _same_partition(labels, reference)
    assert labels.max(initial=0) == n


@pytest.mark.parametrize("connectivity", [4, 8])
def test_properties_equal_regionprops(connectivity):
    mask = np.random.default_rng(7).random((60, 45)) < 0.45
    labels, objects = label_objects(mask, connectivity=connectivity)
    props = regionprops(labels)
    assert [p.label for p in props] == list(range(1, objects.num + 1))
    np.testing.assert_array_equal(objects.area, [p.area for p in props])
    np.testing.assert_allclose(objects.centroid, [p.centroid for p in props], rtol=1e-12)
    np.testing.assert_allclose(objects.perimeter, [p.perimeter for p in props], rtol=1e-12)
    np.testing.assert_allclose(
        objects.eccentricity, [p.eccentricity for p in props], rtol=1e-9, atol=1e-9
    )
    # covariance of the pixel positions
    cov = [np.cov(p.coords.T, bias=True) for p in props]
    np.testing.assert_allclose(
        objects.moments, [(c[0, 0], c[1, 1], c[0, 1]) for c in cov], atol=1e-9
    )


def test_properties_of_cloud_field(cloud_mask):
    labels, objects = label_objects(cloud_mask)
    props = regionprops(labels)
    np.testing.assert_array_equal(objects.area, [p.area for p in props])
    np.testing.assert_allclose(objects.centroid, [p.centroid for p in props], rtol=1e-12)
    np.testing.assert_allclose(objects.perimeter, [p.perimeter for p in props], rtol=1e-12)


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (2, 2), (31, 31), (20, 47)])
def test_periodic_labels_join_across_edges(connectivity, shape, structure):
    mask = np.random.default_rng(shape[1]).random(shape) < 0.4
    labels, objects = label_objects(mask, connectivity=connectivity, periodic=True)
    reference = _periodic_reference(mask, structure[connectivity])
    assert _same_partition(labels, reference)
    assert objects.num == len(np.unique(reference[reference > 0]))
    assert objects.area.sum() == mask.sum()
    assert ((objects.centroid >= 0) & (objects.centroid < np.array(shape))).all()


def test_periodic_object_straddling_a_corner():
    ny, nx = 10, 12
    rect = np.zeros((ny, nx), bool)
    rect[4:7, 4:8] = True  # 3 x 4 rectangle in the interior
    shift = (5, 6)  # rows 9, 0, 1 and columns 10, 11, 0, 1
    mask = np.roll(rect, shift, axis=(0, 1))
    _, flat = label_objects(mask)
    _, wrapped = label_objects(mask, periodic=True)
    _, interior = label_objects(rect)
    assert flat.num == 4 and wrapped.num == 1
    assert wrapped.area.tolist() == [12]
    np.testing.assert_allclose(wrapped.centroid, [[0.0, 11.5]])
    np.testing.assert_allclose(wrapped.centroid, np.mod(interior.centroid + shift, (ny, nx)))
    np.testing.assert_allclose(wrapped.perimeter, interior.perimeter)
    np.testing.assert_allclose(wrapped.moments, interior.moments, atol=1e-12)


def test_periodic_corner_diagonal_needs_8_connectivity():
    mask = np.zeros((5, 6), bool)
    mask[0, 0] = mask[4, 5] = True
    assert label_objects(mask, periodic=True)[1].num == 2
    assert label_objects(mask, periodic=True, connectivity=8)[1].num == 1
    edge = np.zeros((5, 6), bool)
    edge[0, 2] = edge[4, 2] = True
    assert label_objects(edge, periodic=True)[1].num == 1


def _periodic_perimeter(obj: np.ndarray) -> float:
    """skimage's 4-neighbourhood perimeter with the erosion and convolution wrapping."""
    padded = np.pad(obj, 2, mode="wrap")
    border = padded & ~ndimage.binary_erosion(padded, STRUCTURE_4, border_value=0)
    codes = ndimage.convolve(border.astype(int), CODE_KERNEL, mode="constant")
    weights = np.zeros(50)
    weights[[5, 7, 15, 17, 25, 27]] = 1
    weights[[21, 33]] = np.sqrt(2)
    weights[[13, 23]] = (1 + np.sqrt(2)) / 2
    return float(weights[codes[2:-2, 2:-2][obj]].sum())


@pytest.mark.parametrize("connectivity", [4, 8])
def test_periodic_perimeter_wraps_erosion_and_contour_codes(connectivity):
    mask = np.random.default_rng(11).random((23, 17)) < 0.5
    labels, objects = label_objects(mask, connectivity=connectivity, periodic=True)
    expected = [_periodic_perimeter(labels == k) for k in range(1, objects.num + 1)]
    np.testing.assert_allclose(objects.perimeter, expected, rtol=1e-12)


def test_object_wrapping_the_whole_domain():
    mask = np.zeros((6, 8), bool)
    mask[2] = True  # a row that closes on itself
    _, objects = label_objects(mask, periodic=True)
    assert objects.num == 1 and objects.area.tolist() == [8]
    assert objects.centroid[0, 0] == 2.0
    assert objects.perimeter[0] == 8.0  # a closed line: no end pixels on the torus
    full = label_objects(np.ones((4, 4), bool), periodic=True)[1]
    assert full.num == 1 and full.perimeter.tolist() == [0.0]


def test_objects_touching_diagonally_have_separate_perimeters():
    mask = np.zeros((6, 6), bool)
    mask[1:3, 1:3] = True
    mask[3:5, 3:5] = True
    four = label_objects(mask, connectivity=4)[1]
    eight = label_objects(mask, connectivity=8)[1]
    assert four.perimeter.tolist() == [4.0, 4.0]
    assert eight.num == 1
    assert eight.perimeter[0] == pytest.approx(perimeter(mask, neighborhood=4))


def test_larger_than_filters_every_property():
    mask = np.zeros((8, 8), bool)
    mask[0, 0] = True
    mask[3:6, 3:6] = True
    _, objects = label_objects(mask)
    big = objects.larger_than(1)
    assert big.area.tolist() == [9]
    assert big.centroid.tolist() == [[4.0, 4.0]]
    assert big.perimeter.tolist() == [8.0]
    assert big.moments.shape == (1, 3)
    assert objects.larger_than(0) is objects


def test_float_and_int_masks_label_like_bool():
    mask = np.random.default_rng(1).random((20, 30)) < 0.5
    labels, _ = label_objects(mask)
    np.testing.assert_array_equal(label_objects(mask.astype(np.float32))[0], labels)
    np.testing.assert_array_equal(label_objects(mask.astype(np.int64))[0], labels)
    np.testing.assert_array_equal(label_objects(np.asfortranarray(mask))[0], labels)


def test_label_objects_refuses_missing_pixels_and_bad_connectivity():
    mask = np.zeros((4, 4))
    mask[0, 0] = np.nan
    with pytest.raises(ConfigError, match="missing"):
        label_objects(mask)
    labels, _ = label_objects(mask, max_missing_fraction=0.1)
    assert labels.max() == 0
    with pytest.raises(ConfigError, match="connectivity must be 4 or 8"):
        label_objects(np.zeros((3, 3), bool), connectivity=6)


@pytest.mark.parametrize("shape", [(64, 64), (1, 9), (9, 1), (5, 8)])
def test_checkerboard_is_the_worst_case_of_provisional_labels(shape, structure):
    mask = np.indices(shape).sum(axis=0) % 2 == 0
    four = label_objects(mask)[1]
    assert four.num == mask.sum()
    assert (four.area == 1).all()
    eight = label_objects(mask, connectivity=8)[1]
    assert eight.num == ndimage.label(mask, structure[8])[1]
