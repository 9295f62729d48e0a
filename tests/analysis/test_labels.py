"""Labels from every kind of label file, put on the tiles of a real campaign store.

The store: three cloud-like scenes on the 1-km example domain (112 x 110 px east of
Barbados), 64-px tiles with a 16-px stride (12 per scene). Each label file is written in
its real format (CSV, Parquet, netCDF, Kaggle RLE) or is the real Zooniverse file.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cloudorg.analysis import source_labels, table_labels
from cloudorg.analysis.campaign import analyse
from cloudorg.errors import ConfigError, InputFileError
from cloudorg.io.labels import (
    IMAGE_SHAPE,
    lonlat_to_pixel,
    overpass_time,
    read_labels,
    read_zooniverse,
    rle_encode,
    write_kaggle,
)
from cloudorg.store import CampaignStore
from cloudorg.synthetic import example_store
from cloudorg.synthetic.stores import EXAMPLE_DOMAIN
from cloudorg.tiles import build_tile_table

ZOONIVERSE = "../shared/data/sffg_labels/annotations_fulldataset_IRchecked_285.csv"
SIZE = 64
WEST = -54.5
"""Boxes and masks of these tests cover the domain west of this longitude."""


def _store(path, times) -> tuple[CampaignStore, xr.Dataset]:
    store = example_store(path, len(times), times=[np.datetime64(t, "ms") for t in times])
    table = build_tile_table(store, SIZE, stride=16, client="synchronous", progress=False)
    return store, table


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> tuple[CampaignStore, xr.Dataset]:
    times = ["2020-02-02T13:00", "2020-02-02T14:00", "2020-02-02T15:00"]
    return _store(tmp_path_factory.mktemp("labels") / "c.zarr", times)


def _west_fraction(table: xr.Dataset) -> np.ndarray:
    """Fraction of each tile's pixels whose centre lies west of WEST (from the domain grid)."""
    lon, _ = EXAMPLE_DOMAIN.lonlats()
    west = lon < WEST
    corners = zip(table.row0.values, table.col0.values, strict=True)
    return np.array([west[r : r + SIZE, c : c + SIZE].mean() for r, c in corners])


def _per_scene(table: xr.Dataset, values: dict[int, int]) -> np.ndarray:
    return np.array([values[int(s)] for s in table.scene_index.values])


def test_a_class_per_scene_by_id_in_csv_and_by_time_in_parquet(campaign, tmp_path):
    store, table = campaign
    ids = list(dict.fromkeys(table.scene_id.values.tolist()))
    csv = tmp_path / "scenes.csv"
    pd.DataFrame({"scene_id": [ids[0], ids[2]], "label": ["Fish", "sugar"]}).to_csv(csv)
    labels = source_labels(read_labels(csv), table, store.domain)
    np.testing.assert_array_equal(labels.label, _per_scene(table, {0: 3, 1: -1, 2: 1}))
    assert (labels.label_fraction.values[labels.label.values > 0] == 1).all()
    parquet = tmp_path / "scenes.parquet"
    times = pd.to_datetime(["2020-02-02T13:20Z", "2020-02-02T16:30Z"])  # 20 min, 90 min off
    pd.DataFrame({"time": times, "label": [4, 2]}).to_parquet(parquet)
    source = read_labels(parquet, tolerance="30min")
    assert source.kind == "scenes" and "matched by time within 30 min" in source.description
    labels = source_labels(source, table, store.domain)
    np.testing.assert_array_equal(labels.label, _per_scene(table, {0: 4, 1: -1, 2: -1}))


def test_boxes_with_times_label_the_pixels_they_cover(campaign, tmp_path):
    store, table = campaign
    path = tmp_path / "boxes.csv"
    path.write_text(
        "time,lon_min,lon_max,lat_min,lat_max,label\n"
        f"2020-02-02T13:10:00Z,-56,{WEST},13,16,Flower\n"  # scene 0 (10 min off)
        "2020-02-02T15:45:00Z,-56,-53,13,16,Gravel\n"  # 45 min after scene 2: not matched
    )
    labels = source_labels(read_labels(path, tolerance="30min"), table, store.domain)
    fraction = _west_fraction(table)
    first = table.scene_index.values == 0
    assert 0 < (fraction[first] >= 0.5).sum() < first.sum()  # some tiles each side
    np.testing.assert_array_equal(
        labels.label.values[first], np.where(fraction[first] >= 0.5, 4, 0)
    )
    np.testing.assert_allclose(labels.label_fraction.values[first], fraction[first], atol=1e-6)
    assert (labels.label.values[~first] == -1).all()
    wide = source_labels(read_labels(path, tolerance="1h"), table, store.domain)
    assert (wide.label.values[table.scene_index.values == 2] == 2).all()
    strict = source_labels(read_labels(path, tolerance="30min"), table, store.domain,
                           min_coverage=0.9)  # fmt: skip
    expected = np.where(fraction[first] >= 0.9, 4, 0)
    np.testing.assert_array_equal(strict.label.values[first], expected)


def _zooniverse_date() -> tuple[pd.Timestamp, dict[str, str]]:
    """The first date with a Terra and an Aqua image whose boxes over the example domain
    are all of one class (another for each platform), one box covering the whole domain."""
    boxes = read_zooniverse(ZOONIVERSE)
    lon0, lon1, lat0, lat1 = -55.0, -54.0, 14.0, 15.0
    over = boxes[
        boxes.label.notna()
        & (boxes.box_lon_max > lon0)
        & (boxes.box_lon_min < lon1)
        & (boxes.box_lat_max > lat0)
        & (boxes.box_lat_min < lat1)
    ]
    covers = (
        (over.box_lon_min <= lon0)
        & (over.box_lon_max >= lon1)
        & (over.box_lat_min <= lat0)
        & (over.box_lat_max >= lat1)
    )
    for date, day in over.assign(covers=covers).groupby("date"):
        classes = {
            str(sat): set(image.label.astype(str))
            for sat, image in day.groupby("satellite", observed=True)
            if image.covers.any()
        }
        one = {sat: c.pop() for sat, c in classes.items() if len(c) == 1}
        if len(one) == 2 and len(set(one.values())) == 2:
            return date, one
    raise AssertionError("no such date in the Zooniverse file")


def test_real_zooniverse_boxes_match_scenes_by_overpass_time_not_date(tmp_path):
    date, classes = _zooniverse_date()
    terra, aqua = (overpass_time(s, date, -54.5)[0] for s in ("Terra", "Aqua"))
    night = np.datetime64(pd.Timestamp(date) + pd.Timedelta("3h"))  # the same date
    store, table = _store(tmp_path / "c.zarr", [terra, aqua, night])
    source = read_labels(ZOONIVERSE)
    assert source.kind == "zooniverse" and "overpass time within 1 h" in source.description
    labels = source_labels(source, table, store.domain)
    codes = {"Sugar": 1, "Gravel": 2, "Fish": 3, "Flower": 4}
    expected = _per_scene(table, {0: codes[classes["Terra"]], 1: codes[classes["Aqua"]], 2: -1})
    np.testing.assert_array_equal(labels.label, expected)


def test_a_label_raster_on_the_domain_grid(campaign, tmp_path):
    store, table = campaign
    ids = list(dict.fromkeys(table.scene_id.values.tolist()))
    ny, nx = EXAMPLE_DOMAIN.shape
    maps = np.zeros((2, ny, nx), dtype=np.int8)
    maps[0, :, : nx // 3] = 2  # scene 0: Gravel in the west third, then Fish
    maps[0, :, nx // 3 :] = 3
    maps[1] = 4
    path = tmp_path / "labels.nc"
    xr.Dataset(
        {"label": (("scene_id", "y", "x"), maps)}, coords={"scene_id": [ids[0], ids[2]]}
    ).to_netcdf(path)
    labels = source_labels(read_labels(path), table, store.domain)
    first = table.scene_index.values == 0
    corners = zip(table.row0.values[first], table.col0.values[first], strict=True)
    expected = [np.bincount(maps[0, r : r + SIZE, c : c + SIZE].ravel()).argmax()
                for r, c in corners]  # fmt: skip
    assert set(expected) == {2, 3}
    np.testing.assert_array_equal(labels.label.values[first], expected)
    assert (labels.label.values[table.scene_index.values == 1] == -1).all()
    assert (labels.label.values[table.scene_index.values == 2] == 4).all()
    wrong = tmp_path / "wrong.nc"
    xr.Dataset({"label": (("y", "x"), np.ones((10, 10), np.int8))}).to_netcdf(wrong)
    with pytest.raises(InputFileError, match=r"wrong.nc: the label raster is 10 x 10 pixels"):
        source_labels(read_labels(wrong), table, store.domain)


def _kaggle_files(tmp_path, ids: list[str]) -> tuple:
    """A train.csv of two images and their table: image a covers the domain (Fish west of
    column 700 of 2100, Gravel elsewhere); image b spans -56..-53 E, 13..16 N (Sugar west
    of WEST)."""
    fish = np.zeros(IMAGE_SHAPE, bool)
    fish[:, :700] = True
    x_west, _ = lonlat_to_pixel(WEST, 14.5, -56, -53, 13, 16)
    sugar = np.zeros(IMAGE_SHAPE, bool)
    sugar[:, : round(float(x_west))] = True
    masks = pd.DataFrame({
        "image": ["a.jpg", "a.jpg", "b.jpg"],
        "label": ["Fish", "Gravel", "Sugar"],
        "encoded_pixels": [rle_encode(fish), rle_encode(~fish), rle_encode(sugar)],
    })  # fmt: skip
    train = write_kaggle(masks, tmp_path / "train.csv")
    images = tmp_path / "images.csv"
    pd.DataFrame({
        "image": ["a.jpg", "b.jpg"], "scene_id": [ids[0], ids[1]],
        "lon_min": [np.nan, -56], "lon_max": [np.nan, -53],
        "lat_min": [np.nan, 13], "lat_max": [np.nan, 16],
    }).to_csv(images, index=False)  # fmt: skip
    return train, images


def test_kaggle_rle_masks_with_images_mapped_to_scenes(campaign, tmp_path):
    store, table = campaign
    ids = list(dict.fromkeys(table.scene_id.values.tolist()))
    train, images = _kaggle_files(tmp_path, ids)
    source = read_labels(train, images=images)
    assert source.kind == "kaggle"
    labels = source_labels(source, table, store.domain)
    scene = table.scene_index.values
    fish = np.array([(np.arange(c, c + SIZE) + 0.5 < 110 / 3).mean() for c in table.col0.values])
    np.testing.assert_array_equal(labels.label.values[scene == 0],
                                  np.where(fish[scene == 0] > 0.5, 3, 2))  # fmt: skip
    fraction = _west_fraction(table)
    np.testing.assert_array_equal(labels.label.values[scene == 1],
                                  np.where(fraction[scene == 1] >= 0.5, 1, 0))  # fmt: skip
    assert (labels.label.values[scene == 2] == -1).all()
    with pytest.raises(ConfigError, match=r"images: the Kaggle labels .*train.csv need a table"):
        read_labels(train)
    other = tmp_path / "other.csv"
    pd.DataFrame({"image": ["c.jpg"], "scene_id": [ids[2]]}).to_csv(other, index=False)
    with pytest.raises(InputFileError, match=r"train.csv: the image table maps images .*c.jpg"):
        read_labels(train, images=other)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("scene_id,label\na,Cumulus\n", r"scenes.csv, line 2: label 'Cumulus' is not a class"),
        ("scene,label\na,Fish\n", r"scenes.csv: a scene label table needs a 'scene_id' or"),
        ("time,label\nyesterday,Fish\n", r"scenes.csv, line 2: time 'yesterday' is not a date"),
    ],
)
def test_bad_label_tables_name_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "scenes.csv"
    path.write_text(text)
    with pytest.raises(InputFileError, match=message):
        read_labels(path)


def test_bad_arguments(tmp_path, campaign):
    with pytest.raises(InputFileError, match="no such label file"):
        read_labels(tmp_path / "absent.csv")
    path = tmp_path / "scenes.csv"
    path.write_text("scene_id,label\na,Fish\n")
    with pytest.raises(ConfigError, match="tolerance: expected a duration"):
        read_labels(path, tolerance="soon")
    with pytest.raises(ConfigError, match="min_coverage: expected a fraction"):
        table_labels(campaign[1], min_coverage=2)


def test_analyse_scores_against_a_label_file(embedded_campaign, tmp_path):
    """The six scenes labelled one class each from a CSV; the analysis says which labels."""
    store = CampaignStore.open(shutil.copytree(embedded_campaign.path, tmp_path / "c.zarr"))
    table = store.group("tiles/64px").open("")
    ids = list(dict.fromkeys(table.scene_id.values.tolist()))
    path = tmp_path / "scenes.csv"
    pd.DataFrame({"scene_id": ids, "label": [1, 2, 3, 4, 1, 2]}).to_csv(path, index=False)
    result = analyse(store, labels=path, features=["metrics"], progress=False)
    np.testing.assert_array_equal(
        result.label, _per_scene(table, dict(enumerate([1, 2, 3, 4, 1, 2])))
    )
    assert result.attrs["label_source"] == "scenes.csv (a class per scene, matched by scene_id)"
    assert result.n_tiles_scored.item() == table.sizes["tile"]
    assert result.n_scenes_scored.item() == 6
    default = analyse(store, features=["metrics"], progress=False)
    assert default.attrs["label_source"] == "the tile table (pattern)"
    assert default.attrs["inputs_token"] != result.attrs["inputs_token"]
