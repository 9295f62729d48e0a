"""Spectral length scale."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from cloudorg.errors import ConfigError
from cloudorg.metrics import spectral_length_scale


def _published_spectral_length(field: np.ndarray, dx: float = 1.0) -> float:
    """The published full-plane computation (fft2, fftshift, ndimage ring sums)."""
    n = field.shape[0]
    psd2 = np.abs(np.fft.fftshift(np.fft.fft2(field))) ** 2 / n**2
    y, x = np.ogrid[0:n, 0:n]
    r = np.hypot(x - n // 2, y - n // 2)
    r_int = np.round(r).astype(int)
    rings = np.arange(1, n // 2 + 1)
    length = n * dx
    n_ring = ndimage.sum(np.ones(psd2.shape), r_int, index=rings)
    k_ring = 2 * np.pi / length * ndimage.sum(r, r_int, index=rings) / n_ring
    psd = ndimage.sum(psd2, r_int, index=rings) * length**2 * k_ring / (2 * np.pi * n**2 * n_ring)
    k = 2 * np.pi / length * rings
    return 2 * np.pi / (np.trapezoid(psd * k, k) / np.trapezoid(psd, k))


@pytest.mark.parametrize("n", [16, 33, 64, 127])
def test_equals_published_full_plane_computation(n, make_cloud_mask):
    mask = make_cloud_mask(n, seed=n)
    assert spectral_length_scale(mask) == pytest.approx(_published_spectral_length(mask))
    assert spectral_length_scale(mask, dx=0.25) == pytest.approx(
        _published_spectral_length(mask, dx=0.25)
    )


def test_white_noise():
    # flat 2-D spectrum: psd_1d grows like k, so the mean wavenumber is about 2/3 of
    # the Nyquist wavenumber pi: a length of 3 pixels
    rng = np.random.default_rng(0)
    for fraction in (0.5, 0.1):
        mask = rng.random((256, 256)) < fraction
        assert spectral_length_scale(mask) == pytest.approx(3.0, abs=0.05)


def test_scales_with_the_pattern(make_cloud_mask):
    lengths = [
        spectral_length_scale(np.broadcast_to(np.arange(128) % p < p // 2, (128, 128)))
        for p in (4, 8, 16, 32, 64)
    ]
    assert lengths == sorted(lengths)
    assert lengths[0] == pytest.approx(4.0)  # a single wavenumber, k = 2 pi / 4
    stripes = np.broadcast_to(np.arange(128) % 32 < 16, (128, 128))
    fine = np.broadcast_to(np.arange(128) % 8 < 4, (128, 128))
    assert spectral_length_scale(stripes, dx=2.0) == pytest.approx(
        2 * spectral_length_scale(stripes)
    )
    assert spectral_length_scale(make_cloud_mask(128)) > spectral_length_scale(fine)


def test_non_square_uses_the_largest_centred_square(make_cloud_mask):
    mask = make_cloud_mask(96, seed=1)[:, :64]
    crop = mask[16:80]
    assert spectral_length_scale(mask) == pytest.approx(spectral_length_scale(crop))
    assert spectral_length_scale(mask.T) == pytest.approx(spectral_length_scale(crop.T))


@pytest.mark.parametrize("window", ["hann", "welch", "planck"])
def test_windows_and_detrending_give_finite_lengths(window, make_cloud_mask):
    mask = make_cloud_mask(64, seed=4)
    plain = spectral_length_scale(mask)
    windowed = spectral_length_scale(mask, window=window)
    assert np.isfinite(windowed) and windowed != pytest.approx(plain)
    detrended = spectral_length_scale(mask, detrend=True)
    assert np.isfinite(detrended) and 0 < detrended < 64
    ramp = np.broadcast_to(np.arange(64) < 32, (64, 64))
    assert spectral_length_scale(ramp, detrend=True) < spectral_length_scale(ramp)


def test_hann_window_matches_published_formula(make_cloud_mask):
    mask = make_cloud_mask(64, seed=5)
    y, x = np.ogrid[0:64, 0:64]
    r = np.hypot(x - 32, y - 32).astype(int)
    w = (3.0 * np.pi / 8 - 2 / np.pi) ** (-0.5) * (1 + np.cos(2 * np.pi * r / 64))
    w[r >= 32] = 0
    expected = _published_spectral_length(mask * w)
    assert spectral_length_scale(mask, window="hann") == pytest.approx(expected)


def test_edge_values_and_errors():
    assert np.isnan(spectral_length_scale(np.zeros((32, 32), bool)))
    assert np.isnan(spectral_length_scale(np.ones((32, 32), bool)))
    assert np.isnan(spectral_length_scale(np.eye(3, dtype=bool)))
    assert np.isfinite(spectral_length_scale(np.eye(4, dtype=bool)))
    with pytest.raises(ConfigError, match="window"):
        spectral_length_scale(np.eye(8, dtype=bool), window="bartlett")
    with pytest.raises(ConfigError, match="periodic"):
        spectral_length_scale(np.eye(8, dtype=bool), window="hann", periodic=True)
