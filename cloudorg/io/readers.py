"""Open a scene's files and return its calibrated bands on their native grids.

satpy's real readers do the reading and calibration: those of the scene's sensor in
:data:`cloudorg.io.sensors.SENSORS` (``abi_l1b``, ``modis_l1b``, ``modis_l2``), whose
record also names the bands of each quantity and the resolution to load. EUREC4A-style
netCDF goes through :mod:`cloudorg.io.eurec4a`. The result maps each requested quantity
to a lazy ``xarray.DataArray`` and its pyresample geometry; nothing is resampled here. A
scene whose files are URLs is opened inside :func:`reading`, which gives satpy
range-reading file objects (netCDF) or local copies (HDF4) for as long as its arrays are
computed.

Examples
--------
>>> from cloudorg.io.discover import discover
>>> scenes, _ = discover(["../shared/data/goes17_abi_l1b_radm1_2019300_day"])
>>> bands = open_scene(scenes[0], ["reflectance_0p47", "brightness_temperature_11"])
>>> bands["brightness_temperature_11"].attrs["source_band"]
'C14'
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import netCDF4
import xarray as xr
from pyhdf.SD import SD, HDF4Error

from ..errors import CompositeError, ConfigError, InputFileError, MissingBandError
from ..quantities import QUANTITIES
from . import offline
from .discover import SceneFiles, abi_channel
from .remote import InputOptions, is_network_error, is_url
from .sensors import SENSORS

__all__ = ["PRODUCTS", "Product", "check_readable", "open_scene", "reading"]


@dataclass(frozen=True)
class Product:
    """A quantity read from a level-2 product (not a calibrated band).

    Attributes
    ----------
    name : str
        Store variable name.
    reader : str
        satpy reader that provides it.
    dataset : str
        satpy dataset name.
    attrs : dict
        CF attributes of the store variable.
    """

    name: str
    reader: str
    dataset: str
    attrs: dict


PRODUCTS: dict[str, Product] = {
    "cloud_mask": Product(
        "cloud_mask",
        "modis_l2",
        "cloud_mask",
        {
            "long_name": "MODIS cloud mask (MOD35/MYD35)",
            "units": "1",
            "flag_values": [0, 1, 2, 3],
            "flag_meanings": "cloudy uncertain probably_clear confidently_clear",
        },
    )
}
"""Product quantities by store variable name."""


def check_readable(path: str) -> None:
    """Raise :class:`InputFileError` unless ``path`` opens as netCDF/HDF5 or HDF4, and,
    for an ABI file, holds the band its name says.

    Catches truncated, corrupt and renamed files before satpy, which would only log them
    (or calibrate one band as another).

    Examples
    --------
    >>> check_readable("../shared/data/modis_myd35_l2/MYD35_L2.A2002185.1910.005.2007206043609.hdf")
    """
    try:
        if path.endswith(".hdf"):
            SD(path).end()
            return
        with netCDF4.Dataset(path) as nc:
            held = int(nc["band_id"][:].ravel()[0]) if "band_id" in nc.variables else None
    except (OSError, HDF4Error) as err:
        raise InputFileError(
            f"{path}: cannot be opened ({err}); is it truncated or corrupt?"
        ) from err
    named = abi_channel(os.path.basename(path))
    if named is not None and held is not None and int(named[1:]) != held:
        raise InputFileError(
            f"{path}: the file name says band {named}, but the file holds band C{held:02d} "
            "(its band_id); was it renamed?"
        )


_STREAMED = (".nc", ".nc4", ".h5")
"""Files that can be read lazily over the network (netCDF4/HDF5); others are copied whole."""


def _streamed(url: str, scene: SceneFiles, options: InputOptions) -> bool:
    """Whether a URL is read by range requests rather than fetched whole."""
    size = scene.info[url].size if url in scene.info else None
    large = size is None or size > options.whole_file_max
    return url.endswith(_STREAMED) and url != scene.truth and large


@contextlib.contextmanager
def reading(scene: SceneFiles, options: InputOptions | None = None) -> Iterator[SceneFiles]:
    """The scene with its URLs made readable, for as long as the context lasts: large
    netCDF4 URLs as range-reading file objects, other URLs as local copies (cached when
    ``options.cache_dir`` is set; see :class:`~cloudorg.io.remote.InputOptions`). Local
    paths are passed through. An error raised in the context after a read met a network
    error becomes that network error (:class:`~cloudorg.io.remote.ReadFault`), which a
    retry may cure.

    Examples
    --------
    >>> from cloudorg.io.discover import discover
    >>> scenes, _ = discover(["../shared/data/modis_myd35_l2"])
    >>> with reading(scenes[0]) as local:
    ...     local.files == scenes[0].files
    True
    """
    options = options or InputOptions()
    urls = [p for p in scene.all_files if is_url(p)]
    if not urls:
        yield scene
        return
    copied = [u for u in urls if not _streamed(u, scene, options)]
    faults: list[BaseException] = []  # network errors met by the libraries' reads
    with options.local_copies(copied) as local:

        def readable(path: str) -> Any:  # a path, or a file object satpy opens
            if path in local:
                return local[path]
            return options.open_lazily(path, faults) if is_url(path) else path

        files = {r: tuple(readable(p) for p in paths) for r, paths in scene.files.items()}
        truth = readable(scene.truth) if scene.truth else None
        try:
            yield dataclasses.replace(scene, files=files, truth=truth)
        except Exception as err:
            if faults and not is_network_error(err):  # what a library made of a network error
                raise faults[-1] from err
            raise


def _satpy_scene(scene: SceneFiles):
    from satpy import Scene

    readers = set(SENSORS[scene.sensor].readers.values())
    files = {r: list(f) for r, f in scene.files.items() if r in readers}
    try:
        return Scene(filenames=files)
    except Exception as err:  # satpy raises ValueError, KeyError, OSError ... on bad input
        raise InputFileError(
            f"{scene.scene_id}: satpy readers {sorted(files)} could not open {scene.all_files}: "
            f"{type(err).__name__}: {err}"
        ) from err


def _choose_band(scene: SceneFiles, quantity: str, available: set[str]) -> str:
    q = QUANTITIES[quantity]
    candidates = SENSORS[scene.sensor].bands.get(quantity, ())
    for band in candidates:
        if band in available:
            return band
    raise MissingBandError(
        f"{scene.scene_id}: {quantity} ({q.wavelength_um:g} um) needs {scene.sensor} band "
        f"{' or '.join(candidates) or '(none known)'}, absent from {scene.all_files}"
    )


def _open_satpy(scene: SceneFiles, quantities: Sequence[str]) -> dict[str, xr.DataArray]:
    from satpy.dataset import DataQuery

    scn = _satpy_scene(scene)
    available = set(scn.available_dataset_names())
    resolution = SENSORS[scene.sensor].resolution
    extra = {"resolution": resolution} if resolution else {}
    queries: dict[str, DataQuery] = {}
    for name in quantities:
        if name in PRODUCTS:
            product = PRODUCTS[name]
            if product.reader not in scene.files or product.dataset not in available:
                raise MissingBandError(
                    f"{scene.scene_id}: {name} needs a {product.reader} file, "
                    f"absent from {scene.all_files}"
                )
            queries[name] = DataQuery(name=product.dataset, **extra)
        else:
            band = _choose_band(scene, name, available)
            queries[name] = DataQuery(name=band, calibration=QUANTITIES[name].calibration, **extra)
    scn.load(list(queries.values()))
    bands = {}
    for name, query in queries.items():
        data = scn[query]
        data.attrs["source_band"] = query["name"]
        bands[name] = data
    return bands


def open_scene(
    scene: SceneFiles, quantities: Sequence[str], *, composites: Sequence[str] = ()
) -> dict[str, xr.DataArray]:
    """Open a scene and return lazy calibrated arrays for the requested quantities.

    Parameters
    ----------
    scene : SceneFiles
        From :func:`cloudorg.io.discover.discover`.
    quantities : sequence of str
        Keys of :data:`cloudorg.quantities.QUANTITIES` or :data:`PRODUCTS`.
    composites : sequence of str
        satpy composite names to load as well (offline ones only); returned under
        ``composite_{name}``.

    Returns
    -------
    dict
        Quantity → DataArray on its native grid, its geometry in ``attrs["area"]`` and the
        band it came from in ``attrs["source_band"]``.

    Raises
    ------
    InputFileError
        A file is truncated, corrupt or not what its name says.
    MissingBandError
        A requested quantity's band is absent.
    CompositeError
        A composite would need a download.

    Examples
    --------
    >>> from cloudorg.io.discover import discover
    >>> scenes, _ = discover(["../shared/data/goes17_abi_l1b_radm1_2019300_day"])
    >>> open_scene(scenes[0], ["reflectance_0p64"])
    Traceback (most recent call last):
    ...
    cloudorg.errors.MissingBandError: G17_abi_M1_20191027T200027: reflectance_0p64 (0.64 um) \
needs abi band C02, absent from ...
    """
    unknown = [q for q in quantities if q not in QUANTITIES and q not in PRODUCTS]
    if unknown:
        raise ConfigError(
            f"unknown quantities {unknown}; expected names from {sorted(QUANTITIES)} "
            f"or {sorted(PRODUCTS)}"
        )
    for path in scene.all_files:
        if isinstance(path, str):  # URLs are read through file objects, checked by reading
            check_readable(path)
    if "eurec4a_nc" in scene.files:
        from .eurec4a import open_eurec4a

        if composites:
            raise CompositeError(
                f"{scene.scene_id}: satpy composites need satpy-readable files; "
                "EUREC4A netCDF scenes provide quantities only"
            )
        return open_eurec4a(scene.files["eurec4a_nc"][0], quantities, scene_id=scene.scene_id)
    bands = _open_satpy(scene, quantities)
    if composites:
        bands.update(_load_composites(scene, composites))
    return bands


def _load_composites(scene: SceneFiles, names: Sequence[str]) -> dict[str, xr.DataArray]:
    for name in names:
        offline.assert_offline(scene.sensor, name)
    scn = _satpy_scene(scene)
    logging.getLogger("satpy").setLevel(logging.ERROR)
    scn.load(list(names))
    if scn.finest_area() is not None:  # bands of several resolutions: composite on the finest
        scn = scn.resample(scn.finest_area(), resampler="native")
    missing = [n for n in names if n not in scn]
    if missing:
        raise CompositeError(
            f"{scene.scene_id}: satpy could not make composites {missing} from {scene.all_files}"
        )
    return {f"composite_{n}": scn[n] for n in names}
