"""asv benchmarks of campaigns read straight from an archive: an S3-compatible server
(moto) on 127.0.0.1 with a bucket laid out as NOAA's, behind a proxy that counts bytes.

- ``FromServer.track_server_over_disk``: ingest of 8 synthetic GOES-16 full-disk-named
  scans (real-format netCDF4, bands C01, C02, C03, C14, 250 x 250 file chunks as in
  NOAA's files; an 8° x 8° box) through the query from the server / the same ingest of the
  same files from local disk, in this process, taking turns; the median of the per-round
  ratios over 3 rounds, one in a quick run (goal <= 1.5).
- ``PartialRead.track_fetched_over_overlap``: bytes fetched from the server for one scan
  covering 24° x 22° (C02 at 0.5 km: 5 300 x 4 900 px) ingested onto the EUREC4A box (2
  km) / bytes of the HDF5 chunks of ``Rad`` that hold the domain's source pixels
  (pyresample's own ``get_array_indices_from_lonlat`` on each band's grid; goal <= 2).
  The files are read by range requests as files above ``whole_file_max`` are (a real
  full-disk band); the 8-scan campaign's files are small, and fetched whole.
  ``track_file_over_overlap`` is the whole files' bytes over the same: what downloading
  the files costs, as the anchors do.
- ``Listing.track_month_listing_s``: seconds to list one month of RadC keys of one band
  (8 928 keys, 5-minute scans) from the server by an
  :class:`~cloudorg.io.archive.ArchiveQuery` (goal <= 10 s). A listing request returns up
  to 1 000 keys; the query lists a day's folder at once (one request here, five with all
  16 bands in the folder) where that takes fewer requests than its hours.

A quick run (``CLOUDORG_BENCH_QUICK=1``) has one round, 2 scans, a 14° x 12° large scan
and a week of keys. Run ``python -m benchmarks.bench_archive`` for a one-off table of the
same numbers.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.timing import in_turns, median_ratio, quick, round_count, tracked
from cloudorg.domains import Domain
from cloudorg.ingest import ingest
from cloudorg.io.archive import ARCHIVES, ArchiveQuery
from cloudorg.io.remote import InputOptions
from cloudorg.testing import CountingProxy, fill_bucket, local_s3_server, publish

N_SCENES = 2 if quick() else 8
SMALL = ((-62.0, -54.0, 10.0, 18.0), Domain.from_bounds("bench", -59.0, -57.0, 13.0, 15.0,
                                                         resolution_km=1.0))  # fmt: skip
LARGE_BOX = (-61.0, -47.0, 9.0, 21.0) if quick() else (-66.0, -42.0, 4.0, 26.0)
LARGE = (LARGE_BOX, Domain.from_bounds("eurec4a", -60.0, -48.0, 10.0, 20.0,
                                       resolution_km=2.0))  # fmt: skip
"""(box of the files, domain) of the campaign of many small scans and of the large scan."""
START = dt.datetime(2020, 1, 20, 13, 0)
DAYS = 7 if quick() else 31
"""Days of the listing (a month; a week in a quick run)."""
BANDS = ("C01", "C02", "C03", "C14")


def write_campaign(directory: Path, n_scenes: int, bounds: tuple[float, ...]) -> Path:
    """Synthetic ABI full-disk-named files (no truth maps: they are not in an archive)."""
    from cloudorg.synthetic import synthesize_campaign

    files = directory / "files"
    synthesize_campaign(files, n_scenes, bounds=bounds, resolution_deg=0.05, start=START,
                        interval=dt.timedelta(minutes=10), seed=11,
                        sensor_kwargs={"abi": {"sector": "F", "bands": BANDS}})  # fmt: skip
    for truth in files.glob("cloudorg-truth_*.nc"):
        truth.unlink()
    return files


def query(endpoint: str, domain: Domain, bucket: str) -> ArchiveQuery:
    """The campaign as a query of the server (anonymous, as NOAA's buckets)."""
    return ArchiveQuery("goes16", "RadF", START, START + dt.timedelta(hours=2), domain=domain,
                        base_url=bucket,
                        storage_options={"anon": True, "endpoint_url": endpoint})  # fmt: skip


def run_ingest(inputs: Any, store: str, domain: Domain, lookups: Path,
               endpoint: str | None = None, whole_file_max: int = 2**25) -> None:  # fmt: skip
    """One in-process ingest into a new store."""
    options = InputOptions({"anon": True, "endpoint_url": endpoint},
                           whole_file_max=whole_file_max) if endpoint else None  # fmt: skip
    ingest(inputs, store, domain=domain, client="synchronous", lookup_cache_dir=str(lookups),
           input_options=options, progress=False)  # fmt: skip


def overlap_bytes(files: list[Path], domain: Domain) -> int:
    """Bytes of the HDF5 chunks of ``Rad`` that hold the domain's source pixels."""
    import h5py
    from satpy import Scene

    lons, lats = domain.lonlats()
    total = 0
    for path in files:
        scene = Scene(filenames=[str(path)], reader="abi_l1b")
        name = scene.available_dataset_names()[0]
        scene.load([name])
        cols, rows = scene[name].attrs["area"].get_array_indices_from_lonlat(lons, lats)
        used = ~np.ma.getmaskarray(rows)
        r0, r1 = int(rows[used].min()), int(rows[used].max())
        c0, c1 = int(cols[used].min()), int(cols[used].max())
        with h5py.File(path) as h5:
            rad = h5["Rad"]
            (cy, cx) = rad.chunks
            for i in range(rad.id.get_num_chunks()):
                info = rad.id.get_chunk_info(i)
                y, x = info.chunk_offset
                if y <= r1 and y + cy > r0 and x <= c1 and x + cx > c0:
                    total += info.size
    return total


class _Server:
    """Files written once per class; the server and the proxy started in each process.

    Each subclass has a ``setup_cache`` of its own that calls :meth:`write_files`: asv keys
    a cache by the line of its function, so an inherited one would be shared, and a class
    would measure the files of another.
    """

    timeout = 900
    number = 1
    repeat = 1
    warmup_time = 0
    n_scenes, (bounds, domain) = N_SCENES, SMALL

    def write_files(self) -> str:
        """The class's campaign in asv's cache directory, ingested once (warm caches)."""
        root = Path.cwd()  # asv's cache directory, removed after the run
        files = write_campaign(root, self.n_scenes, self.bounds)
        run_ingest([files], str(root / "warm.zarr"), self.domain, root / "lookups")
        return str(root)

    def setup(self, root: str) -> None:
        import s3fs

        self.root = Path(root)
        self.files = sorted((self.root / "files").glob("OR_ABI*.nc"))
        self.server = local_s3_server()
        self.endpoint = self.server.__enter__()
        self.proxy = CountingProxy(self.endpoint).__enter__()
        self.bucket = f"s3://noaa-goes16-{type(self).__name__.lower()}"  # one per benchmark
        publish(s3fs.S3FileSystem(), self.files, self.bucket, ARCHIVES["goes16"].key)

    def teardown(self, root: str) -> None:
        self.proxy.__exit__(None, None, None)
        self.server.__exit__(None, None, None)

    def store(self) -> str:
        return str(self.root / "stores" / f"{uuid.uuid4().hex}.zarr")


class FromServer(_Server):
    """Ingest from the server against the same ingest from local disk."""

    def setup_cache(self) -> str:
        return self.write_files()

    @tracked("x", "<= 1.5")
    def track_server_over_disk(self, root: str) -> float:
        lookups, endpoint = self.root / "lookups", self.endpoint  # the server, no proxy
        found = in_turns({
            "server": lambda: run_ingest(query(endpoint, self.domain, self.bucket),
                                         self.store(), self.domain, lookups, endpoint),
            "disk": lambda: run_ingest([self.root / "files"], self.store(), self.domain,
                                       lookups),
        }, round_count(3))  # fmt: skip
        return median_ratio(found["server"], found["disk"])


class PartialRead(_Server):
    """What one large scan costs in bytes, against what its domain needs."""

    n_scenes, (bounds, domain) = 1, LARGE

    def setup_cache(self) -> str:
        return self.write_files()

    @tracked("x", "<= 2")
    def track_fetched_over_overlap(self, root: str) -> float:
        self.proxy.reset()
        run_ingest(query(self.proxy.endpoint, self.domain, self.bucket), self.store(),
                   self.domain, self.root / "lookups", self.proxy.endpoint,
                   whole_file_max=0)  # fmt: skip
        fetched = sum(self.proxy.bytes_sent.values())
        return fetched / overlap_bytes(self.files, self.domain)

    @tracked("x")
    def track_file_over_overlap(self, root: str) -> float:
        whole = sum(p.stat().st_size for p in self.files)
        return whole / overlap_bytes(self.files, self.domain)


def month_of_radc_keys() -> list[str]:
    """One band's RadC keys of the first :data:`DAYS` days of January 2020 (a scan every 5
    minutes)."""
    from cloudorg.synthetic.abi import abi_filename

    first = dt.datetime(2020, 1, 1, 0, 1, 17)
    keys = []
    for i in range(DAYS * 24 * 12):
        start = first + dt.timedelta(minutes=5 * i)
        name = abi_filename("C02", "G16", "C", start, start + dt.timedelta(seconds=150),
                            start + dt.timedelta(seconds=160))  # fmt: skip
        keys.append(ARCHIVES["goes16"].key(name))
    return keys


class Listing:
    """A month of RadC keys listed from the server."""

    timeout = 600
    number = 1
    repeat = 1
    warmup_time = 0

    def setup(self) -> None:
        import s3fs

        self.server = local_s3_server()
        self.endpoint = self.server.__enter__()
        if not s3fs.S3FileSystem().exists("noaa-goes16"):
            s3fs.S3FileSystem().mkdir("noaa-goes16")
        self.keys = fill_bucket("noaa-goes16", month_of_radc_keys())

    def teardown(self) -> None:
        self.server.__exit__(None, None, None)

    @tracked("s", "<= 10")
    def track_month_listing_s(self) -> float:
        gulf = Domain.from_bounds("gulf", -95.0, -85.0, 22.0, 30.0, resolution_km=2.0)
        end = f"2020-01-{DAYS:02d}T23:59"
        month = ArchiveQuery("goes16", "RadC", "2020-01-01", end, domain=gulf,
                             quantities=("reflectance_0p64",),
                             storage_options={"anon": True})  # fmt: skip
        start = time.perf_counter()
        listed = month.listing()
        elapsed = time.perf_counter() - start
        assert len(listed) == self.keys, (len(listed), self.keys)
        return elapsed


def main() -> None:
    for kind in (FromServer, PartialRead):
        with tempfile.TemporaryDirectory(prefix="cloudorg-bench-") as tmp:
            os.chdir(tmp)
            bench = kind()
            root = bench.setup_cache()
            bench.setup(root)
            for name in [n for n in dir(bench) if n.startswith("track_")]:
                print(f"{kind.__name__}.{name}: {getattr(bench, name)(root):.2f}")
            bench.teardown(root)
    listing = Listing()
    listing.setup()
    print(f"a month of RadC keys ({listing.keys}): {listing.track_month_listing_s():.1f} s")
    listing.teardown()


if __name__ == "__main__":
    main()
