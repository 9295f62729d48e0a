"""One scene on the domain grid: read, calibrate, compose, resample.

:func:`process_scene` runs where the scene's files are read (a Dask worker): satpy opens,
reads and closes them inside the call (MODIS HDF4 handles never cross processes), the
bands are resampled onto the domain with cached lookups and turned into the RGB and
greyscale. The result stays on that worker until the worker writes it into the store.

Examples
--------
>>> from cloudorg.domains import get_domain
>>> IngestConfig(get_domain("eurec4a"), ("rgb",)).stored_variables()
['rgb']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import dask
import dask.array as da
import numpy as np
import xarray as xr
from dask.sizeof import sizeof
from pyorbital.astronomy import sun_zenith_angle

from ..composites import RGBRecipe, greyscale_composite, rgb_composite
from ..domains import Domain
from ..errors import CloudorgError, ConfigError, InputFileError, SceneSkipped
from ..io.discover import SceneFiles
from ..io.eurec4a import lonlat_geometry
from ..io.readers import PRODUCTS, open_scene, reading
from ..io.remote import InputOptions
from ..quantities import DEFAULT_QUANTITIES, DERIVED, QUANTITIES
from ..resample import DEFAULT_SWATH_RADIUS_M, lookup_for, resample, resampler_for
from ..resample.window import crop
from ..store import FileRecord, scene_time
from ..store.scenes import scene_template
from .daylight import NIGHT_SOLAR_ZENITH, night_pixels

__all__ = [
    "DEFAULT_QUANTITIES",
    "PATTERN_ATTRS",
    "IngestConfig",
    "SceneOutcome",
    "conform_truth",
    "process_scene",
]

READ_CHUNK = "4MiB"
"""dask chunk size while a scene is read: satpy then reads ABI bands in blocks of four
file chunks a side (at 0.5 km), so a slice to the domain reads little more than it needs."""

PATTERN_ATTRS = {
    "long_name": "ground-truth organisation pattern of the synthetic scene",
    "units": "1",
    "flag_values": [0, 1, 2, 3, 4],
    "flag_meanings": "clear sugar gravel fish flower",
}


@dataclass(frozen=True)
class IngestConfig:
    """What to ingest and how.

    Attributes
    ----------
    domain : Domain
        Target grid.
    quantities : tuple of str
        Band quantities, products (``cloud_mask``) and derived images (``rgb``,
        ``greyscale``) to store.
    composites : tuple of str
        Offline satpy composites to store as ``composite_<name>``.
    rgb : RGBRecipe
        Recipe of ``rgb``.
    max_solar_zenith : float
        Scenes whose solar zenith angle at the domain centre exceeds this (degrees) are
        skipped as night. ``None`` keeps night scenes (e.g. cloud masks, infrared only).
        In a stored scene, reflectances are NaN where the sun is lower than this (than
        the horizon with ``None``).
    radius_m : float
        Radius of influence for swath sources.
    lookup_cache_dir : str, optional
        Directory shared by workers for resampling lookups.
    inputs : InputOptions
        How input URLs are read (storage options, local cache, retries).

    Examples
    --------
    >>> from cloudorg.domains import get_domain
    >>> IngestConfig(get_domain("eurec4a")).read_quantities()
    ('brightness_temperature_11', 'reflectance_0p47', 'reflectance_0p64', 'reflectance_0p86')
    """

    domain: Domain
    quantities: tuple[str, ...] = DEFAULT_QUANTITIES
    composites: tuple[str, ...] = ()
    rgb: RGBRecipe = field(default_factory=RGBRecipe)
    max_solar_zenith: float | None = 80.0
    radius_m: float = DEFAULT_SWATH_RADIUS_M
    lookup_cache_dir: str | None = None
    inputs: InputOptions = field(default_factory=InputOptions)

    def __post_init__(self) -> None:
        zenith = self.max_solar_zenith
        if zenith is not None and not (isinstance(zenith, int | float) and 0 <= zenith <= 180):
            raise ConfigError(f"max_solar_zenith: expected degrees from 0 to 180 (or None to "
                              f"keep night scenes), got {zenith!r}")  # fmt: skip
        known = set(QUANTITIES) | set(PRODUCTS) | set(DERIVED)
        unknown = [q for q in self.quantities if q not in known]
        if unknown or not self.quantities:
            raise ConfigError(
                f"quantities {list(self.quantities)}: expected a non-empty list from "
                f"{sorted(known)}"
            )

    def read_quantities(self) -> tuple[str, ...]:
        """Quantities to read from files: the stored ones plus what the RGB needs."""
        read = {q for q in self.quantities if q not in DERIVED}
        if set(DERIVED) & set(self.quantities):
            read |= set(self.rgb.requires)
        return tuple(sorted(read))

    def stored_variables(self) -> list[str]:
        """Store variables, in store order."""
        return list(self.quantities) + [f"composite_{c}" for c in self.composites]


@dataclass
class SceneOutcome:
    """Result of processing one scene: the data or why there is none."""

    scene: SceneFiles
    status: str
    reason: str = ""
    data: xr.Dataset | None = None

    def records(self) -> list[FileRecord]:
        """One manifest record per file of the scene."""
        info = self.scene.info
        return [
            FileRecord(path, self.status, self.scene.scene_id, self.reason,
                       size=info[path].size if path in info else None,
                       version=info[path].version if path in info else "")
            for path in self.scene.all_files
        ]  # fmt: skip

    def summary(self) -> SceneOutcome:
        """The outcome without pixels, for the committing process: the data is the scene's
        :func:`~cloudorg.store.scenes.scene_template` (a few kB)."""
        data = None if self.data is None else scene_template(self.data)
        return SceneOutcome(self.scene, self.status, self.reason, data)


def _solar_zenith(scene: SceneFiles, domain: Domain) -> float:
    lon, lat = domain.center_lonlat
    return float(sun_zenith_angle(scene.start_time, lon, lat))


def _band_attrs(name: str, data: xr.DataArray, resampling: dict, night_limit: float) -> dict:
    if name in PRODUCTS:
        attrs = dict(PRODUCTS[name].attrs)
    else:
        q = QUANTITIES[name]
        attrs = {
            "long_name": q.long_name,
            "standard_name": q.standard_name,
            "units": q.units,
            "wavelength": q.wavelength_um,
            "wavelength_units": "um",
        }
        if q.needs_sunlight:
            attrs["comment"] = f"NaN where the solar zenith angle exceeds {night_limit:g} degree"
    attrs["source_band"] = str(data.attrs.get("source_band", ""))
    return {**attrs, **resampling}


def _resample_band(data: xr.DataArray, config: IngestConfig) -> tuple[np.ndarray, dict]:
    """The band on the domain (area mean or nearest by the ratio of resolutions; integer
    codes by nearest, their fill value the dtype's largest) and the resampling's attrs.
    Only the rows and columns the domain needs are read (a lazy slice: the file chunks
    elsewhere are neither fetched nor decompressed)."""
    table = resampler_for(
        data.attrs["area"], config.domain, dtype=data.dtype, radius_m=config.radius_m,
        cache_dir=config.lookup_cache_dir,
    )  # fmt: skip
    (r0, r1, c0, c1), table = crop(table)
    values = np.asarray(data[..., r0:r1, c0:c1].values)
    if values.ndim == 3:  # composites: (bands, y, x)
        out = np.stack([resample(v.astype(np.float32), table) for v in values])
    elif np.issubdtype(values.dtype, np.integer):
        out = resample(values, table, fill_value=np.iinfo(values.dtype).max)
    else:
        out = resample(values.astype(np.float32), table)
    return out, table.attrs


def _night_limit(config: IngestConfig) -> float:
    return NIGHT_SOLAR_ZENITH if config.max_solar_zenith is None else config.max_solar_zenith


def _mark_night(scene: SceneFiles, config: IngestConfig, resampled: dict[str, np.ndarray]) -> None:
    """Reflectances become NaN where the sun is lower than the night limit."""
    night = night_pixels(scene.start_time, config.domain, _night_limit(config))
    if night is None:
        return
    for name, values in resampled.items():
        if name in QUANTITIES and QUANTITIES[name].needs_sunlight:
            values[night] = np.nan


def _has_data(
    resampled: dict[str, np.ndarray], band_names: list[str], *, every: bool = False
) -> np.ndarray:
    """Domain pixels with a value in any (``every``: each) band quantity and cloud mask."""
    layers = [np.isfinite(resampled[n]) for n in band_names]
    if "cloud_mask" in resampled:
        flags = resampled["cloud_mask"]
        layers.append(flags != np.iinfo(flags.dtype).max)
    return (np.logical_and if every else np.logical_or).reduce(layers)


def _truth_pattern(path: str, config: IngestConfig) -> np.ndarray:
    with xr.open_dataset(path, engine="netcdf4") as truth:
        if truth["lat"][0] < truth["lat"][-1]:
            truth = truth.isel(lat=slice(None, None, -1))
        table = lookup_for(lonlat_geometry(truth, path), config.domain, radius_m=config.radius_m)
        return resample(truth["pattern"].values.astype(np.int8), table, fill_value=-1)


def _scene_dataset(
    scene: SceneFiles, config: IngestConfig, bands: dict[str, xr.DataArray], sza: float
) -> xr.Dataset:
    domain = config.domain
    grid = {"grid_mapping": "crs"}
    done = {name: _resample_band(data, config) for name, data in bands.items()}
    resampled = {name: values for name, (values, _) in done.items()}
    band_names = [n for n in config.read_quantities() if n in QUANTITIES]
    if not _has_data(resampled, band_names).any():
        raise SceneSkipped(
            f"{scene.scene_id}: no valid pixel on domain {domain.name}: the scene does not "
            "overlap the domain"
        )
    _mark_night(scene, config, resampled)
    valid_fraction = float(_has_data(resampled, band_names, every=True).mean())
    ds = xr.Dataset(coords=domain.coords())
    ds["crs"] = domain.grid_mapping()
    for name in config.read_quantities():
        if name in config.quantities:
            attrs = _band_attrs(name, bands[name], done[name][1], _night_limit(config))
            ds[name] = (("y", "x"), resampled[name], {**attrs, **grid})
            if resampled[name].dtype.kind in "iu":
                ds[name].encoding["_FillValue"] = np.iinfo(resampled[name].dtype).max
    for name in config.composites:
        data = resampled[f"composite_{name}"]
        dim = f"{name}_band"
        ds[f"composite_{name}"] = xr.DataArray(
            data, dims=(dim, "y", "x"),
            coords={dim: [str(b) for b in bands[f"composite_{name}"].coords.get(
                "bands", range(data.shape[0])).values]},
            attrs={"long_name": f"satpy composite {name}", "units": "1",
                   **done[f"composite_{name}"][1], **grid},
        )  # fmt: skip
    if set(DERIVED) & set(config.quantities):
        rgb = rgb_composite(xr.Dataset({n: (("y", "x"), resampled[n]) for n in band_names}),
                            config.rgb)  # fmt: skip
        if "rgb" in config.quantities:
            ds["rgb"] = rgb.assign_attrs(grid)
        if "greyscale" in config.quantities:
            ds["greyscale"] = greyscale_composite(rgb).assign_attrs(grid)
    if scene.truth:
        ds["pattern"] = (("y", "x"), _truth_pattern(scene.truth, config), {**PATTERN_ATTRS, **grid})
        ds["pattern"].encoding["_FillValue"] = -1
    bt = resampled.get("brightness_temperature_11")
    bt_p25 = float(np.nanpercentile(bt, 25)) if bt is not None and np.isfinite(bt).any() else np.nan
    ds = ds.assign_coords(
        scene=scene_time(scene.start_time),
        scene_id=scene.scene_id,
        platform=scene.platform,
        sensor=scene.sensor,
        solar_zenith_angle=sza,
        valid_fraction=valid_fraction,
        brightness_temperature_11_p25=bt_p25,
    )
    ds["solar_zenith_angle"].attrs = {
        "long_name": "solar zenith angle at the domain centre at scan start", "units": "degree",
    }  # fmt: skip
    ds["valid_fraction"].attrs = {
        "long_name": "fraction of domain pixels with every band quantity", "units": "1",
    }  # fmt: skip
    ds["brightness_temperature_11_p25"].attrs = {
        "long_name": "25th percentile of the 11 um brightness temperature over the domain",
        "units": "K",
        "comment": "Stevens et al. (2019) keep scenes with p25 > 285 K (no high cloud)",
    }
    ds["scene"].attrs = {"long_name": "scan start time", "standard_name": "time"}
    ds["scene_id"].attrs = {"long_name": "scene identifier: platform, sensor, sector, start"}
    ds["platform"].attrs = {"long_name": "satellite (G16, G17, aqua, terra, ...)"}
    ds["sensor"].attrs = {"long_name": "instrument (abi, modis, ...)"}
    return ds


def _read(scene: SceneFiles, config: IngestConfig, sza: float) -> xr.Dataset:
    """Open, read and resample a scene (its URLs read on this worker)."""
    small_chunks = {"scheduler": "synchronous", "array.chunk-size": READ_CHUNK}
    with (
        dask.config.set(small_chunks),
        warnings.catch_warnings(),  # satpy aligns to 226-px file chunks; NOAA's are 226 or 250
        reading(scene, config.inputs) as files,
    ):
        warnings.filterwarnings("ignore", "The specified chunks separate the stored chunks")
        bands = open_scene(files, config.read_quantities(), composites=config.composites)
        coverage = [
            lookup_for(b.attrs["area"], config.domain, radius_m=config.radius_m,
                       cache_dir=config.lookup_cache_dir).coverage
            for b in bands.values()
        ]  # fmt: skip
        if max(coverage) == 0.0:
            raise SceneSkipped(f"{scene.scene_id}: does not overlap domain {config.domain.name}")
        return _scene_dataset(files, config, bands, sza)


def process_scene(scene: SceneFiles, config: IngestConfig) -> SceneOutcome:
    """Read one scene and put it on the domain; never raises for bad input.

    Runs on a worker: the files are opened, read and closed inside this call, with dask's
    synchronous scheduler (satpy's arrays are small per scene and HDF4 handles are not
    thread-safe).

    Parameters
    ----------
    scene : SceneFiles
        The scene's files.
    config : IngestConfig
        What to ingest.

    Returns
    -------
    SceneOutcome
        ``ingested`` with the scene dataset, ``skipped`` (night, outside the domain,
        missing band) or ``failed`` (unreadable input), with the reason.

    Examples
    --------
    >>> from cloudorg.domains import get_domain
    >>> from cloudorg.io.discover import discover
    >>> scenes, _ = discover(["../shared/data/goes17_abi_l1b_radm1_2019300_day"])
    >>> out = process_scene(scenes[0], IngestConfig(get_domain("eurec4a")))
    >>> out.status, "C02" in out.reason
    ('skipped', True)
    """
    try:
        sza = _solar_zenith(scene, config.domain)
        if config.max_solar_zenith is not None and sza > config.max_solar_zenith:
            raise SceneSkipped(
                f"{scene.scene_id}: night: solar zenith angle {sza:.1f} deg at the domain "
                f"centre exceeds max_solar_zenith={config.max_solar_zenith:g}"
            )
        data = config.inputs.with_retries(lambda: _read(scene, config, sza), scene.scene_id)
        return SceneOutcome(scene, "ingested", data=data)
    except InputFileError as err:
        return SceneOutcome(scene, "failed", str(err))
    except CloudorgError as err:
        return SceneOutcome(scene, "skipped", str(err))
    except Exception as err:  # an unreadable file surfaces as any library's error
        return SceneOutcome(
            scene, "failed", f"{scene.scene_id}: {type(err).__name__}: {err} ({scene.all_files})"
        )


def conform_truth(scene: xr.Dataset, store_variables: list[str]) -> xr.Dataset:
    """Give a scene the store's ``pattern`` policy: the first scene decides whether the
    store has ground truth; later scenes without it get an all-missing (-1) map, and a
    truth map is dropped from a store that has none.

    Works on scenes with pixels and on their lazy templates alike.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> scene = xr.Dataset({"t": (("y", "x"), np.zeros((1, 2)))})
    >>> conform_truth(scene, ["pattern", "t"])["pattern"].values.tolist()
    [[-1, -1]]
    """
    if not store_variables:
        return scene
    if "pattern" in store_variables and "pattern" not in scene:
        missing = da.full((scene.sizes["y"], scene.sizes["x"]), -1, dtype=np.int8)
        scene = scene.assign(
            pattern=(("y", "x"), missing, {**PATTERN_ATTRS, "grid_mapping": "crs"})
        )
    elif "pattern" not in store_variables and "pattern" in scene:
        scene = scene.drop_vars("pattern")
    return scene


@sizeof.register(SceneOutcome)
def _sizeof_outcome(outcome: SceneOutcome) -> int:
    """Dask's memory accounting of a processed scene held on a worker: its pixels."""
    return 1000 + (sizeof(outcome.data) if outcome.data is not None else 0)
