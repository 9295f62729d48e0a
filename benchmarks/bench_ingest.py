"""Ingest of one synthetic GOES-16 ABI scan of the EUREC4A box, against its baselines.

- ``time_ingest_scene``: the library end to end (read, calibrate, resample, RGB and
  greyscale, metadata, zarr append, manifest commit), in-process.
- ``time_read_and_resample``: the baseline: the same bands read by satpy and resampled onto
  the domain with the same cached tables (C02's 0.5 km pixels averaged onto the 1 km grid,
  the 1 and 2 km bands by nearest neighbour), nothing else. Target: ingest ≤ 1.3 × this.
- ``time_script_equivalent``: what a bare script does to get the same bands into zarr:
  read and resample as above, then ``xarray.Dataset.to_zarr``. The gap to the ingest is the
  library's own work (RGB and greyscale, metadata, atomic commit, manifest, consolidation).
- ``time_satpy_nearest``: satpy's own ``Scene.resample(..., resampler="nearest")`` of the
  same bands, for reference (pyresample's k-d tree path).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import dask
import numpy as np
import xarray as xr

from cloudorg.domains import get_domain
from cloudorg.ingest import DEFAULT_QUANTITIES, IngestConfig, ingest
from cloudorg.io.discover import discover
from cloudorg.io.readers import open_scene
from cloudorg.io.synthetic import EUREC4A_BOUNDS, synthesize_fields, write_abi_scene
from cloudorg.resample import resample, resampler_for


class IngestScene:
    """One full-size scan (C02 at 0.5 km over the EUREC4A box) onto the 1 km domain."""

    timeout = 600
    number = 1
    repeat = 3
    warmup_time = 0

    def setup(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="cloudorg-bench-"))
        fields = synthesize_fields(EUREC4A_BOUNDS, resolution_deg=0.01, seed=0)
        write_abi_scene(fields, self.tmp / "data", start_time=datetime(2020, 1, 20, 14))
        self.scene = discover([self.tmp / "data"])[0][0]
        self.config = IngestConfig(get_domain("eurec4a"), DEFAULT_QUANTITIES)
        self._read_and_resample()  # fills the lookup cache, as in a campaign run

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def time_ingest_scene(self) -> None:
        store = Path(tempfile.mkdtemp(dir=self.tmp)) / "c.zarr"
        ingest([self.tmp / "data"], store, client="synchronous", progress=False)

    def _read_and_resample(self) -> dict[str, np.ndarray]:
        with dask.config.set(scheduler="synchronous"):
            bands = open_scene(self.scene, self.config.read_quantities())
            return {
                name: resample(np.asarray(band.values, dtype=np.float32),
                               resampler_for(band.attrs["area"], self.config.domain))
                for name, band in bands.items()
            }  # fmt: skip

    def time_read_and_resample(self) -> None:
        self._read_and_resample()

    def time_script_equivalent(self) -> None:
        bands = self._read_and_resample()
        ds = xr.Dataset({k: (("y", "x"), v) for k, v in bands.items()}).expand_dims("scene")
        ds.to_zarr(Path(tempfile.mkdtemp(dir=self.tmp)) / "s.zarr", mode="w")

    def time_satpy_nearest(self) -> None:
        from satpy import Scene
        from satpy.dataset import DataQuery

        from cloudorg.quantities import QUANTITIES

        with dask.config.set(scheduler="threads", num_workers=1):
            scn = Scene(filenames=dict(self.scene.files))
            scn.load([DataQuery(name=QUANTITIES[q].bands["abi"][-1],
                                calibration=QUANTITIES[q].calibration)
                      for q in self.config.read_quantities()])  # fmt: skip
            out = scn.resample(
                self.config.domain.area, resampler="nearest", radius_of_influence=2000
            )
            for name in out.keys():
                np.asarray(out[name].values)
