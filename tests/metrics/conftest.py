"""Shared masks and reference helpers of the metric tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy import ndimage

STRUCTURE = {
    4: ndimage.generate_binary_structure(2, 1),
    8: ndimage.generate_binary_structure(2, 2),
}


def smoothed_noise_mask(n: int, seed: int = 0, cloud_fraction: float = 0.25) -> np.ndarray:
    """Cloud-like mask: white noise smoothed with sigma = 3 px, thresholded."""
    field = ndimage.gaussian_filter(np.random.default_rng(seed).standard_normal((n, n)), 3)
    return field > np.quantile(field, 1 - cloud_fraction)


@pytest.fixture(scope="session")
def make_cloud_mask() -> Callable[..., np.ndarray]:
    """Factory of cloud-like masks ``(n, seed=0, cloud_fraction=0.25)``."""
    return smoothed_noise_mask


@pytest.fixture(scope="session")
def cloud_mask() -> np.ndarray:
    """A 256 x 256 cloud-like mask (about 150 objects)."""
    return smoothed_noise_mask(256, seed=3)


@pytest.fixture(scope="session")
def structure() -> dict[int, np.ndarray]:
    """``scipy.ndimage`` structuring elements of 4- and 8-connectivity."""
    return STRUCTURE


def point_mask(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Mask with one cloudy pixel at each (row, col) of ``points``."""
    mask = np.zeros(shape, bool)
    mask[points[:, 0], points[:, 1]] = True
    return mask


@pytest.fixture(scope="session")
def make_point_mask() -> Callable[[np.ndarray, tuple[int, int]], np.ndarray]:
    """Factory of masks with single-pixel objects at given positions."""
    return point_mask
