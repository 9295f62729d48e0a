"""Synthetic reflectance and brightness-temperature fields of the four cloud patterns.

The fields lie on a regular longitude/latitude grid:

* ``lat`` is **descending** (row 0 is the northern edge, as in an image) and ``lon`` ascending;
* coordinates are pixel centres: ``lat[i] = lat_max - (i + 0.5) * res`` and
  ``lon[j] = lon_min + (j + 0.5) * res``; when the bounds are not a whole number of pixels
  the grid reaches a fraction of a pixel past ``lat_min``/``lon_max``.

Each pattern (Stevens et al. 2019, QJRMS 146:141) is drawn as a field of cloud optical
depth from seeded random fields: *sugar* as dense, dim, 1–3 km cumuli; *gravel* as
granular cells on the arcs and rings of ~20 km cold pools; *fish* as elongated,
roughly east–west skeletal bands hundreds of km long; *flower* as bright, isotropic
50–200 km clumps with wide clear gaps. Optical depth is turned into reflectance
(``albedo = tau / (tau + 7)``) and into an 11 µm brightness temperature (an emissivity
``1 - exp(-0.75 tau)`` blending a 285.5–292 K cloud top with a ~297 K ocean).

Examples
--------
>>> ds = synthesize_fields((-55.0, -54.0, 14.0, 15.0), resolution_deg=0.02, patterns="sugar")
>>> ds.reflectance_0p64.dims, ds.sizes["lat"], float(ds.lat[0]) > float(ds.lat[-1])
(('lat', 'lon'), 50, True)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import scipy.fft as sfft
import xarray as xr
from numpy.typing import ArrayLike
from scipy import ndimage

from cloudorg.errors import ConfigError
from cloudorg.quantities import QUANTITIES
from cloudorg.synthetic.l1b import check_bounds

PATTERNS: dict[int, str] = {0: "clear", 1: "sugar", 2: "gravel", 3: "fish", 4: "flower"}
"""Pattern codes of the ``pattern`` variable and of the truth files."""

PATTERN_CODES: dict[str, int] = {name: code for code, name in PATTERNS.items()}
"""Pattern names to codes (the inverse of :data:`PATTERNS`)."""

EUREC4A_BOUNDS: tuple[float, float, float, float] = (-60.0, -48.0, 10.0, 20.0)
"""The EUREC4A / Stevens et al. (2019) box: lon_min, lon_max, lat_min, lat_max."""

FIELD_QUANTITIES: tuple[str, ...] = (
    "reflectance_0p47",
    "reflectance_0p64",
    "reflectance_0p86",
    "reflectance_1p6",
    "brightness_temperature_11",
)
"""The physical variables of a fields dataset (names from :mod:`cloudorg.quantities`)."""

_KM_PER_DEG = 111.32
_ORGANISED = ("sugar", "gravel", "fish", "flower")

# Reflectance (%) of clear ocean, of a liquid cloud of albedo 1, and of an ice cloud of albedo 1.
_CLEAR = {
    "reflectance_0p47": 8.0,
    "reflectance_0p64": 5.0,
    "reflectance_0p86": 3.0,
    "reflectance_1p6": 2.0,
}
_LIQUID = {
    "reflectance_0p47": 100.0,
    "reflectance_0p64": 100.0,
    "reflectance_0p86": 98.0,
    "reflectance_1p6": 78.0,
}
_ICE = {
    "reflectance_0p47": 100.0,
    "reflectance_0p64": 100.0,
    "reflectance_0p86": 98.0,
    "reflectance_1p6": 45.0,
}


@dataclass(frozen=True)
class PatternScales:
    """Length scales (km), cloud covers and brightness of the synthetic patterns.

    Attributes
    ----------
    sugar_cell_km : float
        Correlation length of the sugar cumulus field (cells ~1–3 km).
    sugar_cover : float
        Fraction of a sugar region that is cloudy.
    gravel_cell_km : float
        Mean spacing of the gravel cold pools (arcs and rings ~20 km across).
    gravel_arc_km : float
        Width of the cloudy arcs at cold-pool edges.
    gravel_cover : float
        Fraction of a gravel region that is cloudy.
    fish_length_km, fish_width_km : float
        Typical length and width of the fish bands.
    fish_cover : float
        Fraction of a fish region that is cloudy.
    fish_tilt_deg : float
        Largest deviation of the fish bands from east–west.
    flower_diameter_km : tuple of float
        Range of flower diameters.
    flower_gap_km : float
        Smallest clear gap between two flowers.
    cirrus_cover : float
        Fraction of the scene under cold cirrus when ``high_cloud=True``.
    """

    sugar_cell_km: float = 0.7
    sugar_cover: float = 0.22
    gravel_cell_km: float = 20.0
    gravel_arc_km: float = 2.0
    gravel_cover: float = 0.25
    fish_length_km: float = 600.0
    fish_width_km: float = 40.0
    fish_cover: float = 0.22
    fish_tilt_deg: float = 15.0
    flower_diameter_km: tuple[float, float] = (50.0, 200.0)
    flower_gap_km: float = 50.0
    cirrus_cover: float = 0.5


@dataclass(frozen=True)
class _Grid:
    """Shape of a (sub)grid and its pixel size in km."""

    shape: tuple[int, int]
    km_y: float
    km_x: float

    def px(self, km: float) -> tuple[float, float]:
        """A length in km as (rows, columns) of pixels."""
        return km / self.km_y, km / self.km_x


# --------------------------------------------------------------------------- random fields


def _standardise(field: np.ndarray) -> np.ndarray:
    field = field - field.mean()
    std = field.std()
    return (field / std if std > 0 else field).astype(np.float32)


def _smooth_noise(
    rng: np.random.Generator,
    shape: tuple[int, int],
    sigma_px: tuple[float, float],
    angle_deg: float = 0.0,
) -> np.ndarray:
    """Zero-mean, unit-variance Gaussian random field with a Gaussian correlation.

    ``sigma_px`` is the (across, along) correlation length in pixels; the "along" axis
    is the x axis turned by ``angle_deg``. Long correlations are drawn on a coarse grid
    and interpolated, so the cost stays that of one full-resolution FFT or less.
    """
    sig_v, sig_u = sigma_px
    factor = int(min(sig_v, sig_u) // 4)
    if factor > 1:
        coarse_shape = (shape[0] // factor + 3, shape[1] // factor + 3)
        coarse = _smooth_noise(rng, coarse_shape, (sig_v / factor, sig_u / factor), angle_deg)
        return _standardise(ndimage.zoom(coarse, factor, order=1)[: shape[0], : shape[1]])
    white = rng.standard_normal(shape, dtype=np.float32)
    spectrum = sfft.rfft2(white, workers=-1)
    ky = sfft.fftfreq(shape[0]).astype(np.float32)[:, None]
    kx = sfft.rfftfreq(shape[1]).astype(np.float32)[None, :]
    theta = math.radians(angle_deg)
    ku = kx * math.cos(theta) - ky * math.sin(theta)
    kv = kx * math.sin(theta) + ky * math.cos(theta)
    spectrum *= np.exp(-2.0 * math.pi**2 * ((sig_u * ku) ** 2 + (sig_v * kv) ** 2))
    return _standardise(sfft.irfft2(spectrum, s=shape, workers=-1))


def _threshold(field: np.ndarray, cover: float) -> float:
    """Value exceeded by a fraction ``cover`` of ``field`` (from a subsample, for speed)."""
    sample = field.ravel()[:: max(1, field.size // 200_000)]
    return float(np.quantile(sample, 1.0 - cover))


# --------------------------------------------------------------------------- the patterns


def _sugar(rng: np.random.Generator, grid: _Grid, s: PatternScales) -> np.ndarray:
    """Dense, dim cumuli of 1–3 km with a weak mesoscale modulation (no clear pockets)."""
    field = _smooth_noise(rng, grid.shape, grid.px(s.sugar_cell_km))
    field += 0.3 * _smooth_noise(rng, grid.shape, grid.px(100.0))
    excess = field - _threshold(field, s.sugar_cover)
    return np.where(excess > 0, np.clip(0.45 + 0.6 * excess, 0.45, 1.4), 0.0)


def _gravel(rng: np.random.Generator, grid: _Grid, s: PatternScales) -> np.ndarray:
    """Granular cells on the rings and collision lines of a field of cold pools."""
    ny, nx = grid.shape
    n_pools = max(2, round(ny * grid.km_y * nx * grid.km_x / s.gravel_cell_km**2))
    iy, ix = rng.integers(0, ny, n_pools), rng.integers(0, nx, n_pools)
    not_seed = np.ones(grid.shape, dtype=bool)
    not_seed[iy, ix] = False
    pool_id = np.zeros(grid.shape, dtype=np.int32)
    pool_id[iy, ix] = np.arange(n_pools, dtype=np.int32)
    dist, (jy, jx) = ndimage.distance_transform_edt(
        not_seed, sampling=(grid.km_y, grid.km_x), return_indices=True
    )
    label = pool_id[jy, jx]
    radius = rng.uniform(0.3, 0.5, n_pools).astype(np.float32) * s.gravel_cell_km
    ring = np.abs(dist - radius[label]) < 0.5 * s.gravel_arc_km
    collision = (label != np.roll(label, 1, axis=0)) | (label != np.roll(label, 1, axis=1))
    arcs = ndimage.gaussian_filter((ring | collision).astype(np.float32), grid.px(1.0))
    field = 2.0 * arcs / max(float(arcs.max()), 1e-6)
    field += 0.6 * _smooth_noise(rng, grid.shape, grid.px(1.5))
    excess = field - _threshold(field, s.gravel_cover)
    return np.where(excess > 0, np.clip(2.5 + 3.0 * excess, 2.5, 5.5), 0.0)


def _fish(rng: np.random.Generator, grid: _Grid, s: PatternScales) -> np.ndarray:
    """Long, curved, roughly east–west skeletal bands with broad clear gaps."""
    ny, nx = grid.shape
    tilt = rng.uniform(-s.fish_tilt_deg, s.fish_tilt_deg)
    across, along = grid.px(s.fish_width_km / 1.5)[0], grid.px(s.fish_length_km / 3.0)[1]
    bands = _smooth_noise(rng, grid.shape, (across, along), tilt)
    bands += 0.35 * _smooth_noise(rng, grid.shape, (across, 0.5 * along), tilt + 30.0)
    # curvature: shift the rows by a smooth displacement field
    shift = _smooth_noise(rng, grid.shape, grid.px(0.5 * s.fish_length_km))
    shift *= s.fish_width_km / grid.km_y
    rows = (np.arange(ny, dtype=np.int32)[:, None] + np.rint(shift).astype(np.int32)) % ny
    field = bands[rows, np.arange(nx)[None, :]]
    field += 0.08 * _smooth_noise(rng, grid.shape, grid.px(3.0))
    excess = field - _threshold(field, s.fish_cover)
    texture = 0.75 + 0.25 * _smooth_noise(rng, grid.shape, grid.px(2.0))
    return np.where(excess > 0, np.clip((2.0 + 8.0 * excess) * texture, 1.5, 12.0), 0.0)


def _flower_centres(
    rng: np.random.Generator, grid: _Grid, s: PatternScales
) -> list[tuple[float, float, float]]:
    """Dart-throwing of (y_km, x_km, radius_km) discs separated by clear gaps."""
    height, width = grid.shape[0] * grid.km_y, grid.shape[1] * grid.km_x
    r_min, r_max = 0.5 * s.flower_diameter_km[0], 0.5 * s.flower_diameter_km[1]
    n_try = int(
        min(4000, max(50, 40 * height * width / (math.pi * (r_max + s.flower_gap_km) ** 2)))
    )
    cy = rng.uniform(0, height, n_try)
    cx = rng.uniform(0, width, n_try)
    radius = rng.uniform(r_min, r_max, n_try)
    kept: list[int] = []
    for k in range(n_try):
        if kept:
            idx = np.asarray(kept)
            gap = np.hypot(cy[idx] - cy[k], cx[idx] - cx[k]) - radius[idx] - radius[k]
            if gap.min() < s.flower_gap_km:
                continue
        kept.append(k)
    return [(cy[k], cx[k], radius[k]) for k in kept]


def _flower(rng: np.random.Generator, grid: _Grid, s: PatternScales) -> np.ndarray:
    """Bright, isotropic 50–200 km clumps with ragged edges and wide clear gaps."""
    ny, nx = grid.shape
    tau = np.zeros(grid.shape, dtype=np.float32)
    centres = _flower_centres(rng, grid, s)
    edge = _smooth_noise(rng, grid.shape, grid.px(8.0))
    texture = _smooth_noise(rng, grid.shape, grid.px(3.0))
    core_tau = rng.uniform(10.0, 16.0, len(centres))
    for (cy, cx, radius), peak in zip(centres, core_tau, strict=True):
        reach = 1.4 * radius
        y0, y1 = max(0, int((cy - reach) / grid.km_y)), min(ny, int((cy + reach) / grid.km_y) + 1)
        x0, x1 = max(0, int((cx - reach) / grid.km_x)), min(nx, int((cx + reach) / grid.km_x) + 1)
        if y0 >= y1 or x0 >= x1:
            continue
        box = np.s_[y0:y1, x0:x1]
        dy = (np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5) * grid.km_y - cy
        dx = (np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5) * grid.km_x - cx
        rel = np.hypot(dy, dx) / (radius * (1.0 + 0.18 * edge[box]))
        value = (3.0 + (peak - 3.0) * (1.0 - rel**2)) * (0.85 + 0.15 * texture[box])
        tau[box] = np.maximum(tau[box], np.where(rel < 1.0, value, 0.0))
    return tau


def _clear(rng: np.random.Generator, grid: _Grid, s: PatternScales) -> np.ndarray:
    return np.zeros(grid.shape, dtype=np.float32)


_GENERATORS = {
    "clear": _clear,
    "sugar": _sugar,
    "gravel": _gravel,
    "fish": _fish,
    "flower": _flower,
}


def _cirrus(rng: np.random.Generator, grid: _Grid, s: PatternScales) -> np.ndarray:
    """Optical depth of a large, smooth sheet of cold cirrus."""
    field = _smooth_noise(rng, grid.shape, grid.px(120.0))
    excess = field - _threshold(field, s.cirrus_cover)
    return np.where(excess > 0, np.clip(1.6 + 3.0 * excess, 1.6, 4.0), 0.0)


# --------------------------------------------------------------------------- regions


def _regions(rng: np.random.Generator, grid: _Grid, n: int) -> np.ndarray:
    """Label map of ``n`` seeded Voronoi regions with wavy boundaries."""
    if n == 1:
        return np.zeros(grid.shape, dtype=np.int8)
    height, width = grid.shape[0] * grid.km_y, grid.shape[1] * grid.km_x
    size = math.sqrt(height * width / n)
    seeds: list[tuple[float, float]] = []
    for min_sep in np.linspace(0.8 * size, 0.0, 9):
        for _ in range(200):
            y, x = rng.uniform(0, height), rng.uniform(0, width)
            if all(math.hypot(y - sy, x - sx) >= min_sep for sy, sx in seeds):
                seeds.append((y, x))
                if len(seeds) == n:
                    break
        if len(seeds) == n:
            break
    y = (np.arange(grid.shape[0], dtype=np.float32)[:, None] + 0.5) * grid.km_y
    x = (np.arange(grid.shape[1], dtype=np.float32)[None, :] + 0.5) * grid.km_x
    y = y + 0.15 * size * _smooth_noise(rng, grid.shape, grid.px(0.3 * size))
    x = x + 0.15 * size * _smooth_noise(rng, grid.shape, grid.px(0.3 * size))
    dist = np.stack([(y - sy) ** 2 + (x - sx) ** 2 for sy, sx in seeds])
    return np.argmin(dist, axis=0).astype(np.int8)


def _parse_patterns(patterns: str | Sequence[str] | None, rng: np.random.Generator) -> list[str]:
    if patterns is None:
        n = int(rng.integers(2, 5))
        return [str(p) for p in rng.choice(_ORGANISED, size=n, replace=False)]
    names = [patterns] if isinstance(patterns, str) else list(patterns)
    if not names:
        raise ConfigError("patterns: expected None, a pattern name or a non-empty list of names")
    for name in names:
        if name not in PATTERN_CODES:
            raise ConfigError(
                f"patterns: unknown pattern {name!r}; expected one of {sorted(PATTERN_CODES)}"
            )
    return names


# --------------------------------------------------------------------------- radiative transfer


def _radiative_transfer(
    rng: np.random.Generator, grid: _Grid, lat: np.ndarray, tau: np.ndarray, tau_ice: np.ndarray
) -> dict[str, np.ndarray]:
    """Reflectances (%) and 11 µm brightness temperature (K) of the cloud fields."""
    albedo = tau / (tau + 7.0)
    ice_albedo = tau_ice / (tau_ice + 20.0)
    aerosol = 0.2 * _smooth_noise(rng, grid.shape, grid.px(200.0))
    out: dict[str, np.ndarray] = {}
    for name, clear in _CLEAR.items():
        noise = 0.15 * rng.standard_normal(grid.shape, dtype=np.float32)
        low = clear + aerosol + noise + (_LIQUID[name] - clear) * albedo
        out[name] = np.maximum(low + (_ICE[name] - low) * ice_albedo, 0.0)
    sst = (
        297.0 + 0.12 * (15.0 - lat[:, None]) + 0.25 * _smooth_noise(rng, grid.shape, grid.px(150.0))
    )
    cloud_top = np.clip(292.0 - 0.4 * tau, 285.5, 292.0)
    bt = sst + (1.0 - np.exp(-0.75 * tau)) * (cloud_top - sst)
    bt += 0.1 * rng.standard_normal(grid.shape, dtype=np.float32)
    ice_top = np.clip(221.0 + 3.0 * _smooth_noise(rng, grid.shape, grid.px(80.0)), 217.0, 228.0)
    out["brightness_temperature_11"] = bt + (1.0 - np.exp(-tau_ice)) * (ice_top - bt)
    return {name: out[name].astype(np.float32) for name in FIELD_QUANTITIES}


# --------------------------------------------------------------------------- public API


def synthesize_fields(
    bounds: Sequence[float] = EUREC4A_BOUNDS,
    *,
    resolution_deg: float = 0.01,
    patterns: str | Sequence[str] | None = None,
    seed: int = 0,
    high_cloud: bool = False,
    scales: PatternScales | None = None,
) -> xr.Dataset:
    """Synthesize reflectance and brightness-temperature fields showing cloud patterns.

    Parameters
    ----------
    bounds : sequence of float
        ``(lon_min, lon_max, lat_min, lat_max)`` in degrees.
    resolution_deg : float
        Grid spacing in degrees (0.01° ≈ 1.1 km).
    patterns : str, sequence of str or None
        ``None``: 2–4 of sugar, gravel, fish and flower, drawn from ``seed``, each in one
        region of a seeded Voronoi partition with wavy boundaries. A name (see
        :data:`PATTERNS`): the whole scene shows that pattern. A list: one region per
        entry, in that order of region labels.
    seed : int
        Seed of every random choice: equal seeds give identical fields.
    high_cloud : bool
        Add a sheet of cold cirrus (brightness temperature ~220–240 K) over about half of
        the scene, so that the 25th percentile of the brightness temperature is below
        285 K. Without it cloud tops stay above 285.5 K and the ocean is near 297 K.
    scales : PatternScales, optional
        Pattern length scales and covers; defaults to :class:`PatternScales()`.

    Returns
    -------
    xarray.Dataset
        Dimensions ``(lat, lon)``, ``lat`` descending. Variables ``reflectance_0p47``,
        ``reflectance_0p64``, ``reflectance_0p86``, ``reflectance_1p6`` (float32, %),
        ``brightness_temperature_11`` (float32, K), ``pattern`` (int8, CF flags from
        :data:`PATTERNS`) and ``cloud_mask`` (int8, 1 where there is liquid or ice cloud).

    Raises
    ------
    cloudorg.errors.ConfigError
        For bounds, resolution or pattern names outside what is accepted.

    Examples
    --------
    >>> ds = synthesize_fields((-56.0, -52.0, 12.0, 16.0), resolution_deg=0.02,
    ...                        patterns=["fish", "flower"], seed=3)
    >>> sorted(int(v) for v in np.unique(ds.pattern))
    [3, 4]
    >>> bool(ds.brightness_temperature_11.quantile(0.25) > 285)
    True
    """
    lon_min, lon_max, lat_min, lat_max = check_bounds(bounds)
    if not isinstance(resolution_deg, numbers.Real) or not resolution_deg > 0:
        raise ConfigError(f"resolution_deg: expected a positive number, got {resolution_deg!r}")
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed: expected a non-negative integer, got {seed!r}")
    scales = PatternScales() if scales is None else scales
    nx = max(2, math.ceil((lon_max - lon_min) / resolution_deg - 1e-6))
    ny = max(2, math.ceil((lat_max - lat_min) / resolution_deg - 1e-6))
    lon = lon_min + (np.arange(nx) + 0.5) * resolution_deg
    lat = lat_max - (np.arange(ny) + 0.5) * resolution_deg
    km_y = resolution_deg * _KM_PER_DEG
    grid = _Grid((ny, nx), km_y, km_y * math.cos(math.radians(0.5 * (lat_min + lat_max))))

    names = _parse_patterns(patterns, np.random.default_rng([seed, 0]))
    regions = _regions(np.random.default_rng([seed, 1]), grid, len(names))
    tau = np.zeros(grid.shape, dtype=np.float32)
    code = np.zeros(grid.shape, dtype=np.int8)
    for k, name in enumerate(names):
        inside_k = regions == k
        rows, cols = np.nonzero(inside_k.any(axis=1))[0], np.nonzero(inside_k.any(axis=0))[0]
        if rows.size == 0:
            continue
        box = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        sub = _Grid((rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1), grid.km_y, grid.km_x)
        rng = np.random.default_rng([seed, 2, k, PATTERN_CODES[name]])
        tau[box] = np.where(inside_k[box], _GENERATORS[name](rng, sub, scales), tau[box])
        code[box] = np.where(inside_k[box], PATTERN_CODES[name], code[box])
    tau_ice = np.zeros_like(tau)
    if high_cloud:
        tau_ice = _cirrus(np.random.default_rng([seed, 3]), grid, scales).astype(np.float32)
    values = _radiative_transfer(np.random.default_rng([seed, 4]), grid, lat, tau, tau_ice)
    return _to_dataset(
        lon,
        lat,
        values,
        code,
        (tau > 0) | (tau_ice > 0),
        names,
        seed,
        high_cloud,
        resolution_deg,
        scales,
    )


def _to_dataset(
    lon: np.ndarray,
    lat: np.ndarray,
    values: dict[str, np.ndarray],
    code: np.ndarray,
    cloudy: np.ndarray,
    names: list[str],
    seed: int,
    high_cloud: bool,
    resolution_deg: float,
    scales: PatternScales,
) -> xr.Dataset:
    dims = ("lat", "lon")
    data_vars = {
        name: (
            dims,
            values[name],
            {
                "long_name": QUANTITIES[name].long_name,
                "standard_name": QUANTITIES[name].standard_name,
                "units": QUANTITIES[name].units,
            },
        )
        for name in FIELD_QUANTITIES
    }
    data_vars["pattern"] = (dims, code, pattern_attrs())
    data_vars["cloud_mask"] = (
        dims,
        cloudy.astype(np.int8),
        {
            "long_name": "synthetic cloud mask (liquid or ice cloud)",
            "flag_values": np.array([0, 1], dtype=np.int8),
            "flag_meanings": "clear cloudy",
        },
    )
    half = 0.5 * resolution_deg
    coords = {
        "lat": (
            "lat",
            lat,
            {
                "standard_name": "latitude",
                "long_name": "latitude",
                "units": "degrees_north",
                "axis": "Y",
            },
        ),
        "lon": (
            "lon",
            lon,
            {
                "standard_name": "longitude",
                "long_name": "longitude",
                "units": "degrees_east",
                "axis": "X",
            },
        ),
    }
    attrs = {
        "title": "cloudorg synthetic shallow-cloud organisation fields",
        "Conventions": "CF-1.8",
        "source": "cloudorg.synthetic.synthesize_fields",
        "patterns": " ".join(names),
        "seed": int(seed),
        "high_cloud": int(bool(high_cloud)),
        "resolution_deg": float(resolution_deg),
        "geospatial_lon_min": float(lon[0] - half),
        "geospatial_lon_max": float(lon[-1] + half),
        "geospatial_lat_min": float(lat[-1] - half),
        "geospatial_lat_max": float(lat[0] + half),
        "pattern_scales": repr(asdict(scales)),
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def pattern_attrs() -> dict[str, object]:
    """CF attributes of a ``pattern`` variable coded with :data:`PATTERNS`.

    Examples
    --------
    >>> pattern_attrs()["flag_meanings"]
    'clear sugar gravel fish flower'
    """
    return {
        "long_name": "shallow-cloud organisation pattern (Stevens et al. 2019)",
        "flag_values": np.array(sorted(PATTERNS), dtype=np.int8),
        "flag_meanings": " ".join(PATTERNS[k] for k in sorted(PATTERNS)),
    }


def sample_fields(
    fields: xr.Dataset,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    variables: Iterable[str] = FIELD_QUANTITIES,
    method: str = "nearest",
) -> dict[str, np.ndarray]:
    """Sample fields at arbitrary longitudes and latitudes (e.g. a sensor's pixels).

    Parameters
    ----------
    fields : xarray.Dataset
        Output of :func:`synthesize_fields` (any regular ``lat``/``lon`` grid, either
        ``lat`` order).
    lon, lat : array_like
        Pixel longitudes and latitudes in degrees, of equal shape; non-finite values are
        allowed (pixels off the Earth disc).
    variables : iterable of str
        Variables to sample.
    method : {"nearest", "bilinear"}
        Nearest grid cell, or bilinear interpolation between cell centres.

    Returns
    -------
    dict of str to numpy.ndarray
        One float32 array per variable, shaped like ``lon``; NaN outside the grid's extent
        (the outer edges of its edge cells).

    Examples
    --------
    >>> ds = synthesize_fields((-55.0, -54.0, 14.0, 15.0), resolution_deg=0.05, patterns="clear")
    >>> out = sample_fields(ds, np.array([-54.5, -50.0]), np.array([14.5, 14.5]))
    >>> out["reflectance_0p64"].shape, bool(np.isnan(out["reflectance_0p64"][1]))
    ((2,), True)
    """
    if method not in ("nearest", "bilinear"):
        raise ConfigError(f"method: expected 'nearest' or 'bilinear', got {method!r}")
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    if lon.shape != lat.shape:
        raise ConfigError(f"lon and lat must have the same shape, got {lon.shape} and {lat.shape}")
    lat_c, lon_c = fields["lat"].values, fields["lon"].values
    fi = (lat - lat_c[0]) / (lat_c[1] - lat_c[0])
    fj = (lon - lon_c[0]) / (lon_c[1] - lon_c[0])
    ny, nx = lat_c.size, lon_c.size
    inside = (fi >= -0.5) & (fi <= ny - 0.5) & (fj >= -0.5) & (fj <= nx - 0.5)
    fi, fj = np.where(inside, fi, 0.0), np.where(inside, fj, 0.0)
    out: dict[str, np.ndarray] = {}
    if method == "nearest":
        i = np.clip(np.rint(fi), 0, ny - 1).astype(np.intp)
        j = np.clip(np.rint(fj), 0, nx - 1).astype(np.intp)
    for name in variables:
        grid_values = fields[name].values.astype(np.float32, copy=False)
        if method == "nearest":
            values = grid_values[i, j]
        else:
            values = ndimage.map_coordinates(grid_values, [fi, fj], order=1, mode="nearest")
        out[name] = np.where(inside, values, np.float32(np.nan)).astype(np.float32)
    return out
