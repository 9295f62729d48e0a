"""Campaigns straight from the archives: a local S3-compatible server holds buckets laid
out as NOAA's and NASA's (real-format synthetic files and the real GOES-17 scan, at their
real key names); the real query, listing and remote reads through s3fs, with a proxy that
counts requests and injects faults."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import s3fs
import xarray as xr
from pyhdf.SD import SD

from cloudorg.cli import main
from cloudorg.domains import Domain
from cloudorg.ingest import ChangedInputWarning, ingest
from cloudorg.io.archive import ARCHIVES, ArchiveQuery
from cloudorg.io.remote import InputOptions
from cloudorg.pipeline.config import PipelineConfig
from cloudorg.store import CampaignStore, read_manifest
from cloudorg.testing import CountingProxy, publish

BOX = Domain.from_bounds("box", -56.0, -55.0, 13.5, 14.5, resolution_km=4.0)
CALIFORNIA = Domain.from_bounds("california", -125.0, -121.0, 37.5, 41.5, resolution_km=4.0)
QUANTITIES = ("reflectance_0p64", "brightness_temperature_11")  # ABI C02 and C14
ABI_BANDS = ("C01", "C02", "C03", "C14")
START = dt.datetime(2020, 1, 20, 13, 0)


@pytest.fixture(scope="module")
def archive(s3_endpoint, tmp_path_factory, abi_real_dir):
    """NOAA and NASA buckets: four synthetic GOES-16 full-disk scans (13:00, 13:50, 14:40,
    15:30; the 15:30 scan lacks C14), two Aqua MODIS granules with a geoMeta table for the
    first day, and the real GOES-17 mesoscale scan."""
    files = tmp_path_factory.mktemp("archive-files")
    kwargs = {"abi": {"sector": "F", "bands": ABI_BANDS}}
    from cloudorg.synthetic import synthesize_campaign

    synthesize_campaign(files / "abi", 4, bounds=(-56.5, -54.5, 13.0, 15.0), resolution_deg=0.02,
                        start=START, interval=dt.timedelta(minutes=50), seed=1,
                        sensor_kwargs=kwargs)  # fmt: skip
    next(files.glob("abi/*C14_G16_s202002015300*.nc")).unlink()
    synthesize_campaign(files / "modis", 2, sensors=("modis",), bounds=(-56.5, -54.5, 13, 15),
                        resolution_deg=0.02, start=START, interval=dt.timedelta(days=1),
                        seed=2)  # fmt: skip
    fs = s3fs.S3FileSystem()
    abi = sorted((files / "abi").glob("OR_ABI*.nc"))
    publish(fs, abi, "s3://noaa-goes16", ARCHIVES["goes16"].key)
    publish(fs, sorted(abi_real_dir.glob("*.nc")), "s3://noaa-goes17", ARCHIVES["goes17"].key)
    modis = sorted((files / "modis").glob("MYD*.hdf"))
    publish(fs, modis, "s3://laads/archive", ARCHIVES["aqua"].key)
    geo_meta = _geo_meta(sorted(p for p in modis if p.name.startswith("MYD03")))
    fs.pipe(
        "s3://laads/archive/geoMeta/61/AQUA/2020/MYD03_2020-01-20.txt",
        geo_meta.encode(),
        ACL="public-read",
    )
    return files


def _geo_meta(geolocation: list[Path]) -> str:
    """A LAADS geoMeta table of the first day: the real bounding box of its granule, and
    one of a granule far away (there is none such in the bucket: nothing may break)."""
    rows = ["# Version: 2.0.0",
            "GranuleID,StartDateTime,ArchiveSet,OrbitNumber,DayNightFlag,EastBoundingCoord,"
            "NorthBoundingCoord,SouthBoundingCoord,WestBoundingCoord"]  # fmt: skip
    path = geolocation[0]
    sd = SD(str(path))
    lon, lat = sd.select("Longitude")[:], sd.select("Latitude")[:]
    sd.end()
    start = dt.datetime.strptime(path.name.split(".")[1][1:] + path.name.split(".")[2], "%Y%j%H%M")
    rows.append(f"{path.name},{start:%Y-%m-%d %H:%M},61,1,D,{lon.max()},{lat.max()},{lat.min()},"
                f"{lon.min()}")  # fmt: skip
    rows.append("MYD03.A2020020.0000.061.2020021000000.hdf,2020-01-20 00:00,61,1,N,10,5,-5,0")
    return "\n".join(rows) + "\n"


@pytest.fixture
def proxy(s3_endpoint):
    with CountingProxy(s3_endpoint) as proxy:
        yield proxy


def _options(proxy: CountingProxy, **kwargs) -> InputOptions:
    """Anonymous reads through the proxy, without botocore's own retries (the test files
    are small: ``whole_file_max=0`` reads them by range requests, as large files are)."""
    storage = {"anon": True, "endpoint_url": proxy.endpoint,
               "config_kwargs": {"retries": {"max_attempts": 1}}}  # fmt: skip
    return InputOptions(storage, **kwargs)


def _query(**kwargs) -> ArchiveQuery:
    defaults = dict(archive="goes16", product="RadF", start="2020-01-20T12",
                    end="2020-01-20T16", domain=BOX, quantities=QUANTITIES)  # fmt: skip
    return ArchiveQuery(**{**defaults, **kwargs})


def test_a_query_lists_only_the_bands_hours_and_steps_asked_for(archive, proxy):
    query = _query(every="1h", hours=(13, 14),
                   storage_options={"anon": True, "endpoint_url": proxy.endpoint})  # fmt: skip
    listing = query.scenes()
    assert [s.start_time.strftime("%H:%M") for s in listing.scenes] == ["13:00", "14:40"]
    for scene in listing.scenes:
        names = [os.path.basename(p) for p in scene.files["abi_l1b"]]
        assert sorted(n.split("-")[3][2:5] for n in names) == ["C02", "C14"]  # never more
        assert all(p.startswith("s3://noaa-goes16/ABI-L1b-RadF/2020/020/1") for p in names[:0])
        assert all(info.size and info.version for info in scene.info.values())
    assert proxy.gets(r"\.nc$") == 0  # listed, nothing read
    everything = _query(storage_options={"anon": True, "endpoint_url": proxy.endpoint}).scenes()
    assert len(everything.scenes) == 3
    (reason,) = {r for _, r in everything.left_out}
    assert "T153000" in reason and "incomplete in the archive" in reason and "C14" in reason


def test_a_fixed_sector_that_cannot_meet_the_domain_is_refused_before_listing():
    with pytest.raises(Exception, match="outside the coverage of goes16 RadC"):
        _query(product="RadC")  # EUREC4A lies east of the CONUS sector


def test_the_dry_run_prints_the_scenes_without_a_store(archive, capsys):
    argv = ["ingest", "--archive", "goes16", "--product", "RadF", "--start", "2020-01-20T12",
            "--end", "2020-01-20T16", "--every", "1h", "--bounds", "-56", "-55", "13.5", "14.5",
            "--quantities", *QUANTITIES, "--dry-run"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "G16_abi_F_20200120T130000" in out and "G16_abi_F_20200120T144000" in out
    assert "2 scenes, 4 files" in out
    assert "left out: 1 files:" in out and "incomplete in the archive" in out


def test_mesoscale_sectors_are_kept_only_where_they_meet_the_domain(archive, proxy):
    options = {"anon": True, "endpoint_url": proxy.endpoint}
    query = _query(
        archive="goes17",
        product="RadM1",
        start="2019-10-27T19",
        end="2019-10-27T21",
        storage_options=options,
        quantities=("reflectance_0p47",),
    )
    found = query.scenes()
    assert found.scenes == [] and "does not meet domain box" in found.left_out[0][1]
    proxy.reset()
    found = _query(archive="goes17", product="RadM1", start="2019-10-27T19", end="2019-10-27T21",
                   storage_options=options, domain=CALIFORNIA,
                   quantities=("reflectance_0p47",)).scenes()  # fmt: skip
    assert [s.scene_id for s in found.scenes] == ["G17_abi_M1_20191027T200027"]
    header = sum(proxy.bytes_sent.values())
    assert 0 < header < 0.2 * sum(i.size for i in found.scenes[0].info.values())


def test_the_real_goes17_scan_ingests_from_the_server_as_from_disk(archive, abi_real_dir, proxy,
                                                                   tmp_path):  # fmt: skip
    quantities = ["reflectance_0p47", "brightness_temperature_11"]
    query = ArchiveQuery("goes17", "RadM1", "2019-10-27T20", "2019-10-27T20:05",
                         domain=CALIFORNIA)  # fmt: skip
    remote = ingest(query, tmp_path / "remote.zarr", domain=CALIFORNIA, quantities=quantities,
                    client="synchronous", progress=False,
                    input_options=_options(proxy, whole_file_max=0))  # fmt: skip
    local = ingest([abi_real_dir], tmp_path / "local.zarr", domain=CALIFORNIA,
                   quantities=quantities, client="synchronous", progress=False)  # fmt: skip
    assert remote.sizes["scene"] == 1
    xr.testing.assert_identical(remote.load(), local.load())
    records = read_manifest(tmp_path / "remote.zarr")
    assert len(records) == 2 and set(records["status"]) == {"ingested"}  # C01 and C14 only
    assert records["path"].str.startswith("s3://noaa-goes17/ABI-L1b-RadM/2019/300/20/").all()
    assert (records["size"] > 0).all() and records["version"].str.len().gt(0).all()


def test_modis_granules_are_chosen_by_the_geometa_boxes_and_read_from_the_server(
    archive, proxy, tmp_path
):
    options = {"anon": True, "endpoint_url": proxy.endpoint}
    query = ArchiveQuery("aqua", "MYD021KM", "2020-01-20", "2020-01-21T23:59", domain=BOX,
                         quantities=QUANTITIES, base_url="s3://laads/archive",
                         storage_options=options)  # fmt: skip
    found = query.scenes()
    assert [s.scene_id for s in found.scenes] == ["aqua_modis_20200120T130000",
                                                  "aqua_modis_20200121T130000"]  # fmt: skip
    assert found.notes == ["2020-01-21: no geoMeta table in the archive; granules of the day "
                           "are not filtered by domain"]  # fmt: skip
    far = ArchiveQuery("aqua", "MYD021KM", "2020-01-20", "2020-01-20T23:59",
                       domain=Domain.from_bounds("far", 100, 101, 0, 1, resolution_km=4),
                       quantities=QUANTITIES, base_url="s3://laads/archive",
                       storage_options=options).scenes()  # fmt: skip
    assert far.scenes == [] and "granule does not meet domain far" in far.left_out[0][1]
    cached = _options(proxy, cache_dir=str(tmp_path / "cache"))  # whole HDF4 files kept there
    ds = ingest(query, tmp_path / "modis.zarr", domain=BOX, quantities=QUANTITIES,
                client="synchronous", progress=False, input_options=cached)  # fmt: skip
    assert ds.sizes["scene"] == 2 and float(ds["brightness_temperature_11"].mean()) > 250
    proxy.reset()
    again = ingest(query, tmp_path / "again.zarr", domain=BOX, quantities=QUANTITIES,
                   client="synchronous", progress=False, input_options=cached)  # fmt: skip
    assert again.sizes["scene"] == 2 and proxy.gets(r"\.hdf$") == 0


def test_network_faults_fail_only_their_scene_and_a_rerun_retries_it(archive, proxy, tmp_path):
    store = tmp_path / "c.zarr"
    proxy.fail(r"C02_G16_s2020020144", mode="error")  # the 14:40 scan's C02, every time
    proxy.fail(r"C14_G16_s2020020135", mode="drop", times=3)  # dropped, then served
    options = _options(proxy, retries=1, backoff_s=0.05, whole_file_max=0)
    ingest(_query(), store, domain=BOX, quantities=QUANTITIES, client="synchronous",
           progress=False, input_options=options)  # fmt: skip
    campaign = CampaignStore.open(store)
    assert campaign.scene_ids() == ["G16_abi_F_20200120T130000", "G16_abi_F_20200120T135000"]
    assert proxy.requests[("GET", next(k for _, k in proxy.requests if "C14_G16_s2020020135"
                                       in k))] > 3  # fmt: skip
    failed = read_manifest(store).query("status == 'failed'")
    assert len(failed) == 2  # the scan's two files
    assert failed["reason"].str.contains("network error after 2 attempts").all()
    assert failed["path"].str.contains("s3://noaa-goes16/ABI-L1b-RadF/2020/020/14/").all()
    proxy.heal()
    ds = ingest(_query(), store, domain=BOX, quantities=QUANTITIES, client="synchronous",
                progress=False, input_options=_options(proxy))  # fmt: skip
    assert ds.sizes["scene"] == 3
    records = read_manifest(store).set_index("path")
    assert set(records.loc[failed["path"], "status"]) == {"ingested"}


def test_with_a_cache_a_second_domain_fetches_nothing_on_a_dask_cluster(archive, proxy,
                                                                        tmp_path):  # fmt: skip
    from distributed import Client, LocalCluster

    options = _options(proxy, cache_dir=str(tmp_path / "cache"), whole_file_max=0)
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        first = ingest(_query(), tmp_path / "a.zarr", domain=BOX, quantities=QUANTITIES,
                       client=client, progress=False, input_options=options)  # fmt: skip
        assert proxy.gets(r"\.nc$") > 0
        proxy.reset()
        other = Domain.from_bounds("other", -55.8, -55.2, 13.7, 14.3, resolution_km=2.0)
        second = ingest(_query(domain=other), tmp_path / "b.zarr", domain=other,
                        quantities=QUANTITIES, client=client, progress=False,
                        input_options=options)  # fmt: skip
    assert first.sizes["scene"] == second.sizes["scene"] == 3
    assert proxy.gets(r"\.nc$") == 0 and sum(proxy.bytes_sent.values()) == 0


def test_a_file_changed_in_the_archive_is_noticed(archive, proxy, tmp_path):
    store = tmp_path / "c.zarr"
    query = _query(end="2020-01-20T13:30")
    ingest(query, store, domain=BOX, quantities=QUANTITIES, client="synchronous",
           progress=False, input_options=_options(proxy))  # fmt: skip
    fs = s3fs.S3FileSystem()
    (url,) = [p for p in read_manifest(store)["path"] if "C14" in p]
    fs.pipe(url, fs.cat(url) + b"\0", ACL="public-read")  # a new version of the file
    try:
        with pytest.warns(ChangedInputWarning, match=r"1 input files changed .*C14_G16"):
            ingest(query, store, domain=BOX, quantities=QUANTITIES, client="synchronous",
                   progress=False, input_options=_options(proxy))  # fmt: skip
    finally:
        fs.pipe(url, fs.cat(url)[:-1], ACL="public-read")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChangedInputWarning)
        ingest([str(archive / "abi")], tmp_path / "local.zarr", domain=BOX,
               quantities=QUANTITIES, client="synchronous", progress=False)  # fmt: skip


def test_local_paths_and_urls_mix_in_one_ingest(archive, proxy, tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    for path in (archive / "abi").glob("OR_ABI*s2020020130*.nc"):
        shutil.copy(path, local / path.name)
    prefix = "s3://noaa-goes16/ABI-L1b-RadF/2020/020/13/"
    urls = [u for u in s3fs.S3FileSystem().ls(prefix) if "_s2020020135" in u]
    ds = ingest([str(local), *(f"s3://{u}" for u in urls)], tmp_path / "c.zarr", domain=BOX,
                quantities=QUANTITIES, client="synchronous", progress=False,
                input_options=_options(proxy))  # fmt: skip
    assert ds.sizes["scene"] == 2  # 13:00 from disk, 13:50 from the server
    paths = read_manifest(tmp_path / "c.zarr")["path"]
    assert paths.str.startswith("s3://").any() and paths.str.startswith(str(local)).any()


def test_run_yaml_takes_an_archive_section(tmp_path):
    config = PipelineConfig.from_yaml_text(
        "domain: {name: box, bounds: [-56, -55, 13.5, 14.5], resolution_km: 4}\n"
        "ingest:\n  archive: {name: goes16, product: RadF, start: 2020-01-20T12:00:00,\n"
        "            end: '2020-02-20T18', every: 1h, hours: [12, 18]}\n  cache_dir: cache\n",
        root=tmp_path,
    )
    query = config.ingest.archive.query(config.domain.build(), QUANTITIES)
    assert query.prefixes()[0] == "s3://noaa-goes16/ABI-L1b-RadF/2020/020/"  # a day a listing
    assert query.hours == (12, 18) and query.every == dt.timedelta(hours=1)
    assert config.ingest.cache_dir == str(tmp_path / "cache")
    assert np.isclose(query.domain.lon_min, -56)
