"""Spectral length scale of a cloud mask (Janssens et al. 2021, cloudmetrics v0.3.0).

The mask is a 0/1 field on a square domain of side ``n``. Its 2-D power spectral
density ``psd2 = |fftshift(fft2(mask))|^2 / n^2`` is summed over rings of integer
radius ``round(hypot(i - n//2, j - n//2))`` = 1 ... n/2 (the corners beyond n/2 are
dropped), and converted to a 1-D spectral density

``psd_1d = sum_ring psd2 * L^2 k_r / (2 pi n^2 N_ring)``, ``k_r = 2 pi / L * mean ring radius``,

with ``L = n dx``. With ``k = 2 pi / L * (1 ... n/2)``, the length scale is
``2 pi / (int psd k dk / int psd dk)`` (trapezoid rule).

The FFT is a real FFT: each half-plane coefficient stands for itself and its mirror,
which has the same ring, so the ring sums equal those of the full ``fft2``.

Non-square domains use their largest centred square (a documented extension of the
published square-only definition).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import scipy.fft

from cloudorg.errors import ConfigError
from cloudorg.metrics.inputs import PreparedMask, pixel_size, prepare_mask

WINDOWS = ("hann", "welch", "planck")
# Taper fraction of the Planck window.
PLANCK_EPSILON = 0.1


@functools.lru_cache(maxsize=4)
def _rings(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ring geometry of the real-FFT half-plane of an n x n field.

    Returns the ring index of each half-plane coefficient, the column weights (2 for a
    coefficient standing for its mirror too, 1 for self-mirrored columns), and per
    ring 1 ... n//2 the full-plane pixel count and mean radius.
    """
    ky = np.fft.fftfreq(n, 1.0 / n)
    kx = np.arange(n // 2 + 1, dtype=np.float64)
    radius = np.hypot(ky[:, None], kx[None, :])
    ring = np.round(radius).astype(np.intp)
    weight = np.full(kx.size, 2.0)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0
    weights = np.broadcast_to(weight, ring.shape).ravel()
    n_ring = np.bincount(ring.ravel(), weights=weights)[1 : n // 2 + 1]
    mean_radius = np.bincount(ring.ravel(), weights=weights * radius.ravel())[1 : n // 2 + 1]
    mean_radius /= n_ring
    ring.setflags(write=False)
    weight.setflags(write=False)
    return ring, weight, n_ring, mean_radius


def _window(n: int, kind: str) -> np.ndarray:
    """Radial window (cloudmetrics' Hann, Welch and Planck tapers) for an n x n field."""
    centre = np.arange(n) - n // 2
    r = np.hypot(centre[:, None], centre[None, :]).astype(int)
    half = n // 2
    if kind == "hann":
        w = (1 + np.cos(2 * np.pi * r / n)) / np.sqrt(3 * np.pi / 8 - 2 / np.pi)
        return np.where(r >= half, 0.0, w)
    if kind == "welch":
        return np.where(r >= half, 0.0, 1 - (r / half) ** 2)
    eps_n = int(PLANCK_EPSILON * n)
    m = half - r
    taper = (m >= 1) & (m < eps_n)
    w = np.where(m >= eps_n, 1.0, 0.0)
    mt = m[taper].astype(np.float64)
    w[taper] = 1.0 / (1.0 + np.exp(eps_n / mt - eps_n / (eps_n - mt)))
    return w


def _detrended(field: np.ndarray) -> np.ndarray:
    """``field`` minus its least-squares plane ``a + b row + c col``."""
    n = field.shape[0]
    rows, cols = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    design = np.column_stack((np.ones(field.size), rows.ravel(), cols.ravel()))
    coef = np.linalg.lstsq(design, field.ravel(), rcond=None)[0]
    return field - (design @ coef).reshape(field.shape)


def _spectral_length_scale(
    prep: PreparedMask, scale: float, detrend: bool = False, window: str | None = None
) -> float:
    ny, nx = prep.shape
    n = min(ny, nx)
    if n // 2 < 2:
        return float("nan")
    r0, c0 = (ny - n) // 2, (nx - n) // 2
    field = prep.cloud[r0 : r0 + n, c0 : c0 + n].astype(np.float64)
    if detrend:
        field = _detrended(field)
    if window is not None:
        field *= _window(n, window)
    spectrum = scipy.fft.rfft2(field)
    power = spectrum.real**2 + spectrum.imag**2
    ring, weight, n_ring, mean_radius = _rings(n)
    power *= weight
    ring_sum = np.bincount(ring.ravel(), weights=power.ravel(), minlength=n // 2 + 1)
    psd2_sum = ring_sum[1 : n // 2 + 1] / n**2
    length = n * scale
    k_ring = 2 * np.pi / length * mean_radius
    psd = psd2_sum * length**2 * k_ring / (2 * np.pi * n**2 * n_ring)
    k = 2 * np.pi / length * np.arange(1, n // 2 + 1)
    total = np.trapezoid(psd, k)
    if not total > 0:
        return float("nan")
    return float(2 * np.pi / (np.trapezoid(psd * k, k) / total))


def spectral_length_scale(
    mask: Any,
    *,
    dx: float | None = None,
    periodic: bool = False,
    detrend: bool = False,
    window: str | None = None,
    max_missing_fraction: float = 0.0,
) -> float:
    """Spectral length scale: 2 pi over the PSD-weighted mean wavenumber.

    See the module docstring for the definition (cloudmetrics' ``spectral_length_moment``
    of order 1 on the mask).

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask; a non-square one is cropped to its largest centred square.
    dx : float, optional
        Pixel size; the length is then in its unit instead of pixels.
    periodic : bool, default False
        The domain is periodic: no window may be applied.
    detrend : bool, default False
        Subtract the least-squares plane before the FFT.
    window : {None, "hann", "welch", "planck"}
        Radial taper applied before the FFT (non-periodic domains only).
    max_missing_fraction : float, default 0.0
        Missing-pixel tolerance.

    Returns
    -------
    float
        In pixels (or the unit of ``dx``); NaN for a uniform (all-clear or all-cloudy)
        field or a side under 4 pixels.

    Examples
    --------
    >>> import numpy as np
    >>> stripes = np.broadcast_to(np.arange(64) % 8 < 4, (64, 64))  # period 8 pixels
    >>> round(spectral_length_scale(stripes), 2)
    6.19
    """
    if window is not None and window not in WINDOWS:
        raise ConfigError(f"window must be None or one of {WINDOWS}, got {window!r}")
    if periodic and window is not None:
        raise ConfigError("window tapers a non-periodic field; use window=None with periodic=True")
    prep = prepare_mask(mask, max_missing_fraction)
    if not prep.usable:
        return float("nan")
    return _spectral_length_scale(prep, pixel_size(dx), bool(detrend), window)
