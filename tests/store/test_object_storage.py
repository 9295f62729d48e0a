"""Stores in object storage, against an S3-compatible server on 127.0.0.1 through the real
s3fs client: conditional writes, the writer lease, and the store opened with plain xarray
from its URL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from cloudorg.errors import StoreBusyError, StoreError
from cloudorg.store import CampaignStore, FileRecord, StoreLocation
from cloudorg.store.location import VersionMismatch
from cloudorg.store.locking import LEASE, Lease

from .test_campaign import DOMAIN, make_scene


def test_locations_parse_paths_and_urls(tmp_path):
    assert StoreLocation(tmp_path / "c.zarr").url == str(tmp_path / "c.zarr")
    assert StoreLocation(f"file://{tmp_path}/c.zarr").is_local
    remote = StoreLocation("s3://bucket/c.zarr/", {"anon": True})
    assert (remote.url, remote.protocol, remote.is_local) == ("s3://bucket/c.zarr", "s3", False)
    with pytest.raises(StoreError, match="no local path"):
        _ = remote.path
    with pytest.raises(StoreError, match="cannot open protocol 'nosuch'"):
        _ = StoreLocation("nosuch://x/c.zarr").fs


@pytest.mark.parametrize("where", ["local", "s3"])
def test_conditional_writes(where, tmp_path, request):
    url = str(tmp_path / "c.zarr") if where == "local" else (
        request.getfixturevalue("s3_bucket") + "/c.zarr"
    )  # fmt: skip
    loc = StoreLocation(url)
    first = loc.write_json("x.json", {"v": 1}, create=True)
    with pytest.raises(VersionMismatch, match="exists already"):
        loc.write_json("x.json", {"v": 2}, create=True)
    assert loc.version("x.json") == first
    second = loc.write_json("x.json", {"v": 3}, match=first)
    with pytest.raises(VersionMismatch, match="changed by another process"):
        loc.write_json("x.json", {"v": 4}, match=first)  # a writer that read the old one
    assert loc.read_json("x.json") == {"v": 3} and loc.version("x.json") == second
    loc.delete("x.json")
    assert loc.read_json("x.json") is None and loc.version("x.json") is None


def test_a_lease_is_exclusive_renewed_and_taken_over_only_when_stale(s3_bucket):
    loc = StoreLocation(f"{s3_bucket}/c.zarr")
    mine = Lease(loc, ttl=3.0)
    mine.acquire()
    try:
        with pytest.raises(StoreBusyError, match=r"another process is writing this store \(host"):
            Lease(loc).acquire()
        expires = loc.read_json(LEASE)["expires"]
        time.sleep(1.5)  # one renewal (every ttl / 3)
        assert loc.read_json(LEASE)["expires"] > expires
        mine.check()
    finally:
        mine.release()
    assert loc.read_json(LEASE) is None
    # a lease of a process of this host that no longer exists is taken over at once
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = {"token": "x", "host": socket.gethostname(), "pid": int(dead.stdout),
             "expires": time.time() + 3600, "ttl": 60}  # fmt: skip
    loc.write_json(LEASE, stale)
    taker = Lease(loc)
    taker.acquire()
    taker.release()
    # an expired lease of another host is taken over; its holder then finds it lost
    holder = Lease(loc, ttl=0.6)
    holder.acquire()
    holder._stop.set()  # a stalled holder: renewals stop
    holder._thread.join()
    time.sleep(0.8)
    other = Lease(loc)
    other.acquire()
    with pytest.raises(StoreError, match="taken over by another process"):
        holder.check()
    other.release()


def test_scenes_on_s3_are_plain_zarr_for_xarray(s3_bucket):
    url = f"{s3_bucket}/c.zarr"
    store = CampaignStore.create(url, DOMAIN, quantities=["reflectance_0p64"])
    with store.writing():
        for i in range(2):
            store.commit_scene(make_scene(i), [FileRecord(f"/f{i}", "ingested")])
    ds = xr.open_zarr(url, group="scenes")  # no cloudorg involved
    assert ds["scene_id"].values.tolist() == ["G16_abi_M1_00", "G16_abi_M1_01"]
    np.testing.assert_array_equal(ds["reflectance_0p64"][1].values,
                                  make_scene(1)["reflectance_0p64"].values)  # fmt: skip
    manifest = json.loads(StoreLocation(url).fs.cat_file(f"{url}/manifest.json"))
    assert manifest["scenes"] == ["G16_abi_M1_00", "G16_abi_M1_01"]
    assert CampaignStore.open(url).domain == DOMAIN
    with pytest.raises(StoreError, match="exists and is not empty"):
        CampaignStore.create(url, DOMAIN, quantities=["reflectance_0p64"])


def test_a_stalled_writer_commits_nothing_over_a_newer_one(s3_bucket):
    """The manifest is replaced only if unchanged since the writer read it (If-Match)."""
    url = f"{s3_bucket}/c.zarr"
    store = CampaignStore.create(url, DOMAIN, quantities=["reflectance_0p64"])
    with store.writing():
        store.commit_scene(make_scene(0), [])
        StoreLocation(url).write_json("manifest.json", {"scenes": ["G16_abi_M1_00"],
                                                        "files": {"/other": {}}})  # fmt: skip
        with pytest.raises(StoreError, match="changed by another process"):
            store.record([FileRecord("/f1", "skipped", reason="night")])
    assert "/other" in StoreLocation(url).read_json("manifest.json")["files"]


def test_storage_options_reach_the_filesystem(s3_bucket, s3_endpoint):
    options = {"endpoint_url": s3_endpoint, "key": "cloudorg-test", "secret": "cloudorg-test"}
    saved = os.environ.pop("AWS_ENDPOINT_URL")
    try:
        loc = StoreLocation(f"{s3_bucket}/c.zarr", options)
        store = CampaignStore.create(loc, DOMAIN, quantities=["reflectance_0p64"])
        assert CampaignStore.open(f"{s3_bucket}/c.zarr", storage_options=options).domain == (
            store.domain
        )
    finally:
        os.environ["AWS_ENDPOINT_URL"] = saved
