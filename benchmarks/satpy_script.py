"""The script a scientist writes without cloudorg to put GOES ABI scans on a grid in zarr.

satpy groups the files into scans, reads and calibrates the bands; satpy's nearest-neighbour
resampler (pyresample's k-d tree) puts them on the grid, with its lookup cached on disk
(``cache_dir``), so only the first scan of the first process builds it; numpy makes the
true-colour RGB (synthetic green) and its greyscale; xarray appends each scan to a zarr
store. It stores what cloudorg's default ingest stores: the reflectances at 0.47, 0.64 and
0.86 µm, the 11 µm brightness temperature, the RGB and the greyscale.

It is the baseline of ``benchmarks/bench_ingest.py``, so it uses only the public APIs of
satpy, pyresample, numpy and xarray (the grid is a pyresample ``AreaDefinition``)::

    python -m benchmarks.satpy_script FILES_DIR STORE CACHE_DIR

Examples
--------
>>> import numpy as np
>>> r, b, nir = (np.array([[100.0]], np.float32) for _ in range(3))
>>> rgb = true_colour(r, b, nir)
>>> rgb.dtype.name, rgb[:, 0, 0].tolist(), greyscale(rgb).tolist()
('uint8', [255, 255, 255], [[255]])
"""

from __future__ import annotations

import argparse
import glob
import os

import numpy as np
import xarray as xr
from pyresample.geometry import AreaDefinition

BANDS = {
    "reflectance_0p47": ("C01", "reflectance"),
    "reflectance_0p64": ("C02", "reflectance"),
    "reflectance_0p86": ("C03", "reflectance"),
    "brightness_temperature_11": ("C14", "brightness_temperature"),
}
ABI_BANDS = tuple(band for band, _ in BANDS.values())
"""The ABI channels the script reads."""
GREEN_WEIGHTS = (0.48358168, 0.45706946, 0.06038137)
"""Weights of red, blue and near-infrared reflectance in the synthetic green."""
LUMA = (0.299, 0.587, 0.114)
"""ITU-R BT.601 weights of R, G and B."""
RADIUS_M = 5000.0


def true_colour(red: np.ndarray, blue: np.ndarray, nir: np.ndarray) -> np.ndarray:
    """8-bit RGB ``(3, y, x)`` of reflectances (%): each band / 100 with gamma 2.2, a
    synthetic green, 1-255 for valid pixels and 0 where a band has no data."""
    r, b, n = (np.clip(v / np.float32(100), 0, 1) ** np.float32(1 / 2.2) for v in (red, blue, nir))
    g = np.clip(GREEN_WEIGHTS[0] * r + GREEN_WEIGHTS[1] * b + GREEN_WEIGHTS[2] * n, 0, 1)
    bands = np.stack([r, g, b])
    missing = np.isnan(bands).any(axis=0)
    rgb = (np.nan_to_num(bands) * 254 + 1.5).astype(np.uint8)
    rgb[:, missing] = 0
    return rgb


def greyscale(rgb: np.ndarray) -> np.ndarray:
    """8-bit BT.601 luma of an RGB, 0 where the RGB is 0."""
    luma = sum(w * rgb[i].astype(np.float32) for i, w in enumerate(LUMA))
    return np.where(rgb.any(axis=0), np.clip(np.rint(luma), 1, 255), 0).astype(np.uint8)


def scan(files: list[str], area: AreaDefinition, cache_dir: str, rgb: bool = True) -> xr.Dataset:
    """One scan on the grid: the bands, and with ``rgb`` the RGB and the greyscale, with
    its start time."""
    from satpy import Scene
    from satpy.dataset import DataQuery

    scene = Scene(filenames=files, reader="abi_l1b")
    queries = {q: DataQuery(name=band, calibration=cal) for q, (band, cal) in BANDS.items()}
    scene.load(list(queries.values()))
    local = scene.resample(
        area, resampler="nearest", radius_of_influence=RADIUS_M, cache_dir=cache_dir
    )
    values = {q: np.asarray(local[query].values, dtype=np.float32) for q, query in queries.items()}
    data = {q: (("y", "x"), v) for q, v in values.items()}
    if rgb:
        colour = true_colour(
            values["reflectance_0p64"], values["reflectance_0p47"], values["reflectance_0p86"]
        )
        data.update(rgb=(("band", "y", "x"), colour), greyscale=(("y", "x"), greyscale(colour)))
    start = np.datetime64(scene.start_time.replace(tzinfo=None), "ns")
    return xr.Dataset(data).expand_dims(time=[start])


def ingest(
    directory: str, store: str, area: AreaDefinition, cache_dir: str, rgb: bool = True
) -> int:
    """Append every scan of the ABI files in ``directory`` to ``store`` (with ``rgb``, the
    RGB and the greyscale too); the scans written."""
    from satpy.readers.core.grouping import group_files

    files = sorted(glob.glob(os.path.join(directory, "OR_ABI-L1b-*.nc")))
    groups = sorted(group_files(files, reader="abi_l1b"), key=lambda g: sorted(g["abi_l1b"]))
    for i, group in enumerate(groups):
        ds = scan(group["abi_l1b"], area, cache_dir, rgb)
        ds.to_zarr(store, mode="w") if i == 0 else ds.to_zarr(store, append_dim="time")
    return len(groups)


def eurec4a_area() -> AreaDefinition:
    """The EUREC4A box (60W-48W, 10N-20N) at 1 km on a Lambert azimuthal equal-area grid:
    the grid of cloudorg's ``eurec4a`` domain (``bench_ingest`` checks they are equal)."""
    crs = {"proj": "laea", "lat_0": 15, "lon_0": -54, "ellps": "WGS84", "units": "m"}
    extent = (-659000.0, -553000.0, 659000.0, 563000.0)
    return AreaDefinition("eurec4a", "EUREC4A box at 1 km", "laea", crs, 1318, 1116, extent)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", help="directory of ABI L1b netCDF files")
    parser.add_argument("store", help="zarr store to write")
    parser.add_argument("cache_dir", help="directory of satpy's resampling lookups")
    args = parser.parse_args(argv)
    os.environ.setdefault("SATPY_DOWNLOAD_AUX", "False")
    ingest(args.files, args.store, eurec4a_area(), args.cache_dir)


if __name__ == "__main__":
    main()
