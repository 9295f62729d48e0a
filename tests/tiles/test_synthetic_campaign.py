"""A synthetic campaign of real-format ABI files, ingested, tiled, sampled and streamed."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import xarray as xr

from cloudorg.domains import Domain
from cloudorg.ingest import ingest
from cloudorg.io.labels import tile_labels
from cloudorg.synthetic import synthesize_campaign
from cloudorg.tiles import build_tile_table, iter_tile_batches, sample_triplets, usable

BOUNDS = (-56.0, -54.0, 13.0, 15.0)
DOMAIN = Domain.from_bounds("small", *BOUNDS, resolution_km=2.0)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    synthesize_campaign(
        root / "files",
        3,
        bounds=BOUNDS,
        resolution_deg=0.02,
        seed=3,
        interval=timedelta(minutes=10),
        high_cloud_scenes=[1],
    )
    ingest(
        [root / "files"],
        root / "c.zarr",
        domain=DOMAIN,
        client="synchronous",
        progress=False,
        chunk_size=64,
    )
    return root / "c.zarr"


def test_synthetic_campaign_tiles_labels_and_filters(campaign):
    table = build_tile_table(campaign, 64, stride=16, client="synchronous", progress=False)
    assert table.attrs["label_source"] == "pattern"
    assert table.attrs["statistics_variables"] == ["rgb", "brightness_temperature_11"]
    scenes = xr.open_zarr(campaign, group="scenes")
    pattern = scenes["pattern"].values
    for i in range(0, table.sizes["tile"], 5):
        s, r, c = (int(table[v][i]) for v in ("scene_index", "row0", "col0"))
        ref = tile_labels(np.nan_to_num(pattern[s, r : r + 64, c : c + 64], nan=-1), 64)
        assert int(table["label"][i]) == int(ref["label"][0, 0])
    # the high-cloud filter flags most tiles of the cold-cirrus scene, none of the others
    high = (table["flags"].values & 4) != 0
    scene = table["scene_index"].values
    assert high[scene == 1].mean() > 0.5 and not high[scene != 1].any()
    assert (high == (table["brightness_temperature_11_p25"].values <= 285)).all()
    # real-format RGB of the recipe: the sea is blue, far from the hue filter's range
    assert (table["hue"].values[usable(table).values] > 150).all()

    trip = sample_triplets(table, 20, seed=0, neighbour_distance=12)
    assert (trip["scene_index"].values[:, 2] != trip["scene_index"].values[:, 0]).all()
    assert not high[trip["tile"].values[:, [0, 2]]].any()  # no high-cloud anchor or distant
    seen = np.concatenate([t for _, t in iter_tile_batches(campaign, table, batch_size=8)])
    assert sorted(seen.tolist()) == np.flatnonzero(usable(table).values).tolist()
