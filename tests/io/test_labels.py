"""Tests of cloudorg.io.labels on the real Zooniverse labels and on hand-made cases."""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from pyresample.geometry import AreaDefinition

from cloudorg.errors import ConfigError, InputFileError
from cloudorg.io.labels import (
    CLASS_CODES,
    CLASSES,
    FLAG_MEANINGS,
    IMAGE_SHAPE,
    box_squares,
    box_tiles,
    boxes_to_kaggle,
    boxes_to_mask,
    boxes_to_rle,
    coverage_statistics,
    crop_resize,
    labels_to_grid,
    largest_square,
    largest_unlabelled_square,
    lonlat_to_pixel,
    overpass_time,
    parse_image_path,
    pixel_to_lonlat,
    read_kaggle,
    read_zooniverse,
    rle_decode,
    rle_encode,
    tile_labels,
    tiles_in_box,
    union_areas,
    unlabelled_squares,
    votes_to_class_map,
    write_kaggle,
)
from cloudorg.plots import plot_biggest_class_coverage, plot_class_coverage

ROOT = Path(__file__).resolve().parents[2]
LABELS_REAL = (
    ROOT.parent / "shared" / "data" / "sffg_labels" / "annotations_fulldataset_IRchecked_285.csv"
)
EXAMPLE = "Region1_DJF_Aqua/Aqua_CorrectedReflectance20110118_-61--40_10-24.jpeg"
R2 = "Region2_DJF_Terra/Terra_CorrectedReflectance20160126_159-180_8-22.jpeg"


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    assert LABELS_REAL.is_file(), f"real label file missing at {LABELS_REAL}"
    return read_zooniverse(LABELS_REAL)


@pytest.fixture(scope="module")
def real_stats(real: pd.DataFrame):
    return coverage_statistics(real)


def _write(tmp_path: Path, text: str, name: str = "labels.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _boxes(rows: list[tuple[float, float, float, float, str]], image: str = EXAMPLE):
    return pd.DataFrame(
        {
            "image": image,
            "x0": [r[0] for r in rows],
            "y0": [r[1] for r in rows],
            "x1": [r[2] for r in rows],
            "y1": [r[3] for r in rows],
            "label": [r[4] for r in rows],
        }
    )


# --------------------------------------------------------------------------- Zooniverse


def test_real_csv_parses(real: pd.DataFrame) -> None:
    assert len(real) == 36055
    assert real["image"].nunique() == 8686
    assert set(real["label"].dropna().unique()) == set(CLASSES)
    assert list(real["label"].cat.categories) == list(CLASSES)
    assert real["label"].value_counts().to_dict() == {
        "Sugar": 11169,
        "Gravel": 7782,
        "Fish": 7113,
        "Flower": 6423,
    }
    assert str(real["date"].dtype).startswith("datetime64")
    assert real["date"].min().year == 2007
    assert real["date"].max().year == 2017
    assert set(real["region"].unique()) == {1, 2, 3}
    assert set(real["satellite"].unique()) == {"Aqua", "Terra"}


def test_real_csv_example_path_extent(real: pd.DataFrame) -> None:
    row = real[real["image"] == EXAMPLE].iloc[0]
    assert (row["lon_min"], row["lon_max"], row["lat_min"], row["lat_max"]) == (-61, -40, 10, 24)
    assert row["region"] == 1 and row["season"] == "DJF" and row["satellite"] == "Aqua"
    assert row["date"] == pd.Timestamp("2011-01-18")
    # row id 3 of the file: 1172,436,2088,945,Fish
    r3 = real[real["row_id"] == 3].iloc[0]
    assert (r3["x0"], r3["y0"], r3["x1"], r3["y1"], r3["label"]) == (1172, 436, 2088, 945, "Fish")
    assert r3["box_lon_min"] == pytest.approx(-61 + 11.72)
    assert r3["box_lon_max"] == pytest.approx(-61 + 20.88)
    assert r3["box_lat_max"] == pytest.approx(24 - 4.36)
    assert r3["box_lat_min"] == pytest.approx(24 - 9.45)


def test_real_csv_geometry(real: pd.DataFrame) -> None:
    box = real.dropna(subset=["x0"])
    # x is the column (0..2100), y the row (0..1400), x0 <= x1, y0 <= y1
    assert box["x1"].max() <= IMAGE_SHAPE[1] and box["y1"].max() <= IMAGE_SHAPE[0]
    assert box["x1"].max() > IMAGE_SHAPE[0]  # some x beyond 1400: x cannot be the row
    assert (box["x0"] <= box["x1"]).all() and (box["y0"] <= box["y1"]).all()
    assert (box[["x0", "y0"]] >= 0).all().all()  # clipped
    assert int(box["clipped"].sum()) == 81
    assert (box["box_lon_min"] >= box["lon_min"]).all()
    assert (box["box_lon_max"] <= box["lon_max"]).all()
    assert (box["box_lat_min"] >= box["lat_min"]).all()
    assert (box["box_lat_max"] <= box["lat_max"]).all()
    assert (box["box_lon_min"] <= box["box_lon_max"]).all()
    assert (box["box_lat_min"] < box["box_lat_max"]).all()
    # plate carrée at 0.01 degree per pixel
    assert np.allclose((box["lon_max"] - box["lon_min"]) / IMAGE_SHAPE[1], 0.01)
    assert np.allclose((box["lat_max"] - box["lat_min"]) / IMAGE_SHAPE[0], 0.01)


def test_real_csv_no_box_rows(real: pd.DataFrame) -> None:
    nobox = real[real["x0"].isna()]
    assert len(nobox) == 3568
    assert nobox[["y0", "x1", "y1", "box_lon_min", "box_lat_max"]].isna().all().all()
    assert nobox["label"].isna().all()
    assert not nobox["clipped"].any()
    assert nobox["lon_min"].notna().all()  # extent still parsed
    only_nobox = real.groupby("image")["x0"].count()
    assert int((only_nobox == 0).sum()) == 299


def test_real_csv_unclipped_keeps_negative(tmp_path: Path) -> None:
    df = read_zooniverse(LABELS_REAL, clip=False)
    assert df["x0"].min() == -218 and df["y0"].min() == -166
    assert not df["clipped"].any()


def test_real_csv_read_time() -> None:
    read_zooniverse(LABELS_REAL)
    t0 = time.perf_counter()
    read_zooniverse(LABELS_REAL)
    assert time.perf_counter() - t0 < 2.0


def test_parse_image_path() -> None:
    info = parse_image_path(EXAMPLE)
    assert info["region"] == 1 and info["season"] == "DJF" and info["satellite"] == "Aqua"
    assert (info["lon_min"], info["lon_max"], info["lat_min"], info["lat_max"]) == (
        -61.0,
        -40.0,
        10.0,
        24.0,
    )
    assert info["date"] == pd.Timestamp("2011-01-18")
    r3 = parse_image_path(
        "/data/Region3_SON_Terra/Terra_CorrectedReflectance20121001_-135--114_-15--1.jpeg"
    )
    assert (r3["region"], r3["season"], r3["lat_min"], r3["lat_max"]) == (3, "SON", -15.0, -1.0)
    bare = parse_image_path("Terra_CorrectedReflectance20160726_159-180_8-22.jpeg")
    assert bare["region"] == 2 and bare["season"] == "JJA" and bare["lon_max"] == 180.0
    unknown = parse_image_path("Aqua_CorrectedReflectance20160101_0-10_0-5.jpeg")
    assert unknown["region"] is None


@pytest.mark.parametrize(
    "path",
    [
        "Region1_DJF_Aqua/Aqua_Reflectance20110118_-61--40_10-24.jpeg",
        "Region1_DJF_Aqua/Aqua_CorrectedReflectance20111318_-61--40_10-24.jpeg",
        "Region1_DJF_Aqua/Aqua_CorrectedReflectance20110118_-40--61_10-24.jpeg",
        "Region1_DJF_Aqua/Terra_CorrectedReflectance20110118_-61--40_10-24.jpeg",
        "Region1_DJF_Aqua/Aqua_CorrectedReflectance20110718_-61--40_10-24.jpeg",
    ],
)
def test_parse_image_path_rejects(path: str) -> None:
    with pytest.raises(ConfigError):
        parse_image_path(path)


def test_pixel_lonlat_roundtrip() -> None:
    x = np.array([0.0, 0.5, 1050.0, 2100.0])
    y = np.array([0.0, 0.5, 700.0, 1400.0])
    lon, lat = pixel_to_lonlat(x, y, -61, -40, 10, 24)
    assert np.allclose(lon, [-61, -60.995, -50.5, -40])
    assert np.allclose(lat, [24, 23.995, 17, 10])
    bx, by = lonlat_to_pixel(lon, lat, -61, -40, 10, 24)
    assert np.allclose(bx, x) and np.allclose(by, y)


_GOOD = f"1,{EXAMPLE},10,20,110,220,Sugar\n"


@pytest.mark.parametrize(
    ("line", "match"),
    [
        (f"2,{EXAMPLE},10,20,110,220,Sugar,extra", "7 comma-separated"),
        (f"2,{EXAMPLE},10,20,110", "7 comma-separated"),
        ("", "7 comma-separated"),
        (f"2,{EXAMPLE},ten,20,110,220,Sugar", "x0 is not a number"),
        (f"2,{EXAMPLE},10,20,110,220,Cumulus", "unknown label"),
        (f"2,{EXAMPLE},10,20,110,,Sugar", "incomplete box"),
        (f"2,{EXAMPLE},,,,,Sugar", "incomplete box"),
        (f"2,{EXAMPLE},200,20,110,220,Sugar", "x0 > x1"),
        (f"2,{EXAMPLE},10,300,110,220,Sugar", "y0 > y1"),
        ("2,Region1_DJF_Aqua/picture.jpeg,10,20,110,220,Sugar", "image path"),
        (f"x,{EXAMPLE},10,20,110,220,Sugar", "row id"),
    ],
)
def test_read_zooniverse_malformed(tmp_path: Path, line: str, match: str) -> None:
    path = _write(tmp_path, _GOOD + _GOOD.replace("1,", "3,", 1) + line + "\n" + _GOOD)
    with pytest.raises(InputFileError, match=match) as info:
        read_zooniverse(path)
    assert str(path) in str(info.value)
    assert "line 3" in str(info.value)


def test_read_zooniverse_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="cannot read"):
        read_zooniverse(tmp_path / "absent.csv")
    with pytest.raises(InputFileError, match="empty"):
        read_zooniverse(_write(tmp_path, ""))


def test_read_zooniverse_small(tmp_path: Path) -> None:
    text = _GOOD + f"2,{R2},-5,1300,2099,1450,Gravel\n3,{R2},,,,,\r\n"
    df = read_zooniverse(_write(tmp_path, text))
    assert len(df) == 3
    assert df["clipped"].tolist() == [False, True, False]
    assert df.loc[1, ["x0", "y1"]].tolist() == [0.0, 1400.0]
    assert df.loc[1, "box_lon_min"] == pytest.approx(159.0)
    assert df.loc[1, "box_lat_min"] == pytest.approx(8.0)
    assert df.loc[1, "box_lat_max"] == pytest.approx(22 - 13.0)
    assert np.isnan(df.loc[2, "x0"]) and pd.isna(df.loc[2, "label"])


# --------------------------------------------------------------------------- RLE


def test_rle_hand_example() -> None:
    mask = np.array([[1, 0, 1, 0], [1, 0, 1, 1], [0, 0, 1, 1]], dtype=bool)
    # column-major: col0 = 1 1 0, col1 = 0 0 0, col2 = 1 1 1, col3 = 0 1 1
    # flat 1-indexed: 1 2 | 7 8 9 | 11 12  -> runs (1, 2), (7, 3), (11, 2)
    assert rle_encode(mask) == "1 2 7 3 11 2"
    assert np.array_equal(rle_decode("1 2 7 3 11 2", shape=(3, 4)), mask)
    assert rle_encode(np.ones((3, 4), bool)) == "1 12"
    assert rle_encode(np.zeros((3, 4), bool)) == ""


def test_rle_kaggle_example_is_column_major() -> None:
    mask = rle_decode("264918 937 266318 937")
    assert mask.shape == (1400, 2100)
    assert int(mask.sum()) == 2 * 937
    # start 264918 (1-indexed) = flat 264917 = column 189, row 317
    assert mask[317:1254, 189].all() and mask[317:1254, 190].all()
    assert not mask[316, 189] and not mask[1254, 189] and not mask[:, 191].any()
    assert rle_encode(mask) == "264918 937 266318 937"


@pytest.mark.parametrize("density", [0.0, 0.01, 0.3, 0.5, 0.9, 1.0])
def test_rle_roundtrip_random(density: float) -> None:
    rng = np.random.default_rng(int(density * 100))
    for shape in [(1, 1), (7, 3), (40, 61), (140, 210)]:
        mask = rng.random(shape) < density
        rle = rle_encode(mask)
        assert np.array_equal(rle_decode(rle, shape=shape), mask)
        values = [int(v) for v in rle.split()]
        starts, lengths = values[0::2], values[1::2]
        assert np.all(np.diff(starts) > 0)
        assert all(length >= 1 for length in lengths)


def test_rle_roundtrip_full_size_blocks() -> None:
    rng = np.random.default_rng(3)
    mask = np.zeros(IMAGE_SHAPE, bool)
    for _ in range(6):
        y0, x0 = rng.integers(0, 1300), rng.integers(0, 2000)
        mask[y0 : y0 + rng.integers(1, 600), x0 : x0 + rng.integers(1, 900)] = True
    assert np.array_equal(rle_decode(rle_encode(mask)), mask)


def test_rle_decode_empty_and_overlap() -> None:
    assert not rle_decode("", shape=(2, 2)).any()
    assert not rle_decode(None, shape=(2, 2)).any()
    assert not rle_decode(float("nan"), shape=(2, 2)).any()
    # unsorted, overlapping runs decode to their union
    assert rle_decode("3 2 1 3", shape=(2, 2)).all()


@pytest.mark.parametrize(
    ("rle", "match"),
    [
        ("1 2 3", "odd"),
        ("0 2", "out of range"),
        ("11 3", "out of range"),
        ("1 0", "out of range"),
        ("1 -2", "out of range"),
        ("1 2.5", "not an integer"),
        ("a 2", "not an integer"),
    ],
)
def test_rle_decode_errors(rle: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        rle_decode(rle, shape=(3, 4))


def test_rle_encode_rejects() -> None:
    with pytest.raises(ConfigError):
        rle_encode(np.zeros(5, bool))
    with pytest.raises(ConfigError):
        rle_encode(np.full((2, 2), 3))


def test_kaggle_roundtrip(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "image": ["0011165.jpg"] * 4 + ["002be4f.jpg"],
            "label": ["Fish", "Flower", "Gravel", "Sugar", "Sugar"],
            "encoded_pixels": ["264918 937 266318 937", "", None, "1 10", "2939991 10"],
        }
    )
    path = write_kaggle(table, tmp_path / "train.csv")
    text = path.read_text().splitlines()
    assert text[0] == "Image_Label,EncodedPixels"
    assert text[1] == "0011165.jpg_Fish,264918 937 266318 937"
    assert text[3] == "0011165.jpg_Gravel,"
    back = read_kaggle(path)
    assert back["image"].tolist() == table["image"].tolist()
    assert back["label"].astype(str).tolist() == table["label"].tolist()
    assert back["encoded_pixels"].tolist() == [
        "264918 937 266318 937",
        "",
        "",
        "1 10",
        "2939991 10",
    ]
    assert rle_decode(back["encoded_pixels"].iloc[4])[-10:, -1].all()


@pytest.mark.parametrize(
    ("body", "match", "line"),
    [
        ("a.jpg_Fish,1 2\na.jpg_Cirrus,1 2\n", "unknown class", 3),
        ("a.jpg_Fish,1 2\nFish,1 2\n", "Image_Label", 3),
        ("a.jpg_Fish,1 2 3\n", "pairs", 2),
        ("a.jpg_Fish,1 2\na.jpg_Sugar,2939999 5\n", "out of range", 3),
        ("a.jpg_Fish,1 2,3\n", "2 comma-separated", 2),
    ],
)
def test_read_kaggle_errors(tmp_path: Path, body: str, match: str, line: int) -> None:
    path = _write(tmp_path, "Image_Label,EncodedPixels\n" + body, "train.csv")
    with pytest.raises(InputFileError, match=match) as info:
        read_kaggle(path)
    assert f"line {line}" in str(info.value) and str(path) in str(info.value)


def test_read_kaggle_bad_header(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="header"):
        read_kaggle(_write(tmp_path, "image,rle\na.jpg_Fish,1 2\n"))


def test_boxes_to_mask_and_rle() -> None:
    boxes = _boxes([(1, 0, 3, 2, "Fish"), (2, 1, 4, 3, "Fish"), (0, 2, 1, 3, "Sugar")])
    fish = boxes_to_mask(boxes, "Fish", shape=(3, 4))
    expected = np.array([[0, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1]], dtype=bool)
    assert np.array_equal(fish, expected)
    assert boxes_to_mask(boxes, shape=(3, 4)).sum() == expected.sum() + 1
    assert boxes_to_rle(boxes, "Fish", shape=(3, 4)) == rle_encode(expected)
    assert boxes_to_rle(boxes, "Gravel", shape=(3, 4)) == ""
    with pytest.raises(ConfigError):
        boxes_to_mask(pd.concat([boxes, boxes.assign(image="other")]), "Fish")
    with pytest.raises(ConfigError):
        boxes_to_mask(boxes, "Cirrus")


def test_boxes_to_rle_matches_mask_random() -> None:
    rng = np.random.default_rng(7)
    shape = (60, 90)
    for _ in range(200):
        n = int(rng.integers(1, 7))
        x0 = rng.integers(-5, 90, n)
        y0 = rng.integers(-5, 60, n)
        rows = [
            (
                float(a),
                float(b),
                float(a + rng.integers(0, 60)),
                float(b + rng.integers(0, 70)),
                "Sugar",
            )
            for a, b in zip(x0, y0, strict=True)
        ]
        if rng.random() < 0.3:  # full-height box: runs touching across columns
            rows.append((10.0, 0.0, 20.0, 60.0, "Sugar"))
        boxes = _boxes(rows)
        assert boxes_to_rle(boxes, "Sugar", shape) == rle_encode(
            boxes_to_mask(boxes, "Sugar", shape)
        )


def test_boxes_to_kaggle_real(real: pd.DataFrame, tmp_path: Path) -> None:
    images = real["image"].drop_duplicates().iloc[:40]
    sub = real[real["image"].isin(images)]
    table = boxes_to_kaggle(sub)
    assert len(table) == 4 * len(images)
    for image, group in list(sub.groupby("image"))[:10]:
        name = image.rsplit("/", 1)[-1]
        for cls in CLASSES:
            rle = table[(table["image"] == name) & (table["label"] == cls)]["encoded_pixels"]
            assert rle.iloc[0] == rle_encode(boxes_to_mask(group, cls))
    back = read_kaggle(write_kaggle(table, tmp_path / "k.csv"))
    assert back["encoded_pixels"].tolist() == table["encoded_pixels"].tolist()


# --------------------------------------------------------------------------- grids and tiles


def _lonlat_boxes(rows: list[tuple[float, float, float, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "box_lon_min": [r[0] for r in rows],
            "box_lon_max": [r[1] for r in rows],
            "box_lat_min": [r[2] for r in rows],
            "box_lat_max": [r[3] for r in rows],
            "label": [r[4] for r in rows],
        }
    )


def test_labels_to_grid_simple() -> None:
    lon = -62 + 0.5 + np.arange(24)  # centres -61.5 .. -38.5
    lat = 25 - 0.5 - np.arange(16)  # centres 24.5 .. 9.5, north first
    lon2, lat2 = np.meshgrid(lon, lat)
    boxes = _lonlat_boxes([(-55, -50, 15, 20, "Flower"), (-52, -45, 12, 18, "Gravel")])
    ds = labels_to_grid(boxes, lon2, lat2)
    assert ds["label"].dtype == np.int8 and ds["label"].dims == ("y", "x")
    assert list(ds["label"].attrs["flag_values"]) == [0, 1, 2, 3, 4]
    assert ds["label"].attrs["flag_meanings"] == FLAG_MEANINGS
    flower = (lon2 > -55) & (lon2 < -50) & (lat2 > 15) & (lat2 < 20)
    gravel = (lon2 > -52) & (lon2 < -45) & (lat2 > 12) & (lat2 < 18)
    votes = ds["votes"]
    assert np.array_equal(votes.sel({"class": "Flower"}).values, flower.astype(int))
    assert np.array_equal(votes.sel({"class": "Gravel"}).values, gravel.astype(int))
    assert int(votes.sel({"class": "Sugar"}).sum()) == 0
    lab = ds["label"].values
    assert (lab[flower & ~gravel] == CLASS_CODES["Flower"]).all()
    assert (lab[gravel & ~flower] == CLASS_CODES["Gravel"]).all()
    assert (lab[flower & gravel] == CLASS_CODES["Gravel"]).all()  # tie -> lower code
    assert (lab[~flower & ~gravel] == 0).all()
    # the box's north-west pixel: centre (-54.5, 19.5)
    j, i = np.argwhere((lon2 == -54.5) & (lat2 == 19.5))[0]
    assert lab[j, i] == 4 and lab[j - 1, i] == 0 and lab[j, i - 1] == 0


def test_labels_to_grid_votes_and_majority() -> None:
    lon, lat = np.arange(0.5, 4), np.arange(3.5, 0, -1)
    boxes = _lonlat_boxes(
        [(0, 4, 0, 4, "Sugar"), (0, 2, 0, 4, "Fish"), (0, 2, 0, 4, "Fish"), (0, 1, 0, 4, "Sugar")]
    )
    ds = labels_to_grid(boxes, lon, lat)
    assert ds["label"].dims == ("lat", "lon")
    assert ds["votes"].sel({"class": "Fish"}).values[:, 0].tolist() == [2, 2, 2, 2]
    assert ds["label"].values[0].tolist() == [1, 3, 1, 1]  # col 0: 2 Sugar vs 2 Fish -> Sugar
    assert votes_to_class_map(ds["votes"].values)[0].tolist() == [1, 3, 1, 1]
    with pytest.raises(ConfigError, match="unknown label"):
        labels_to_grid(_lonlat_boxes([(0, 4, 0, 4, "Cirrus")]), lon, lat)
    with pytest.raises(ConfigError, match="two 2-D arrays"):
        labels_to_grid(boxes, np.zeros((3, 4)), np.zeros((4, 3)))


def test_labels_to_grid_reproduces_image_pixels(real: pd.DataFrame) -> None:
    image = real[real["image"] == EXAMPLE]
    row = image.iloc[0]
    ny, nx = IMAGE_SHAPE
    lon, lat = pixel_to_lonlat(
        np.arange(nx) + 0.5,
        np.arange(ny) + 0.5,
        row["lon_min"],
        row["lon_max"],
        row["lat_min"],
        row["lat_max"],
    )
    ds = labels_to_grid(image, lon, lat)
    for cls in CLASSES:
        votes = ds["votes"].sel({"class": cls}).values > 0
        assert np.array_equal(votes, boxes_to_mask(image, cls))


def test_labels_to_grid_dateline_and_area() -> None:
    boxes = _lonlat_boxes([(170.0, 180.0, 10.0, 20.0, "Sugar")])
    lon = np.array([[169.5, 175.0, 179.9, -179.9, -170.0]])
    lat = np.full_like(lon, 15.0)
    ds = labels_to_grid(boxes, lon, lat)
    assert ds["label"].values[0].tolist() == [0, 1, 1, 0, 0]
    lon[0, 1] = np.nan
    assert labels_to_grid(boxes, lon, lat)["label"].values[0].tolist() == [0, 0, 1, 0, 0]
    # a pyresample equal-area grid: labelled pixels lie in the box, the box is labelled
    area = AreaDefinition(
        "t",
        "t",
        "t",
        "+proj=laea +lat_0=15 +lon_0=-55 +ellps=WGS84",
        60,
        50,
        (-400e3, -350e3, 400e3, 350e3),
    )
    lons, lats = area.get_lonlats()
    box = _lonlat_boxes([(-57.0, -53.0, 13.0, 17.0, "Fish")])
    lab = labels_to_grid(box, lons, lats)["label"].values
    inside = (lons >= -57) & (lons < -53) & (lats > 13) & (lats <= 17)
    assert inside.sum() > 100
    assert np.array_equal(lab == 3, inside)


def test_tile_labels_hand_made() -> None:
    m = np.array(
        [
            [1, 1, 0, 4, 2, 3, 9],
            [1, 2, 4, 4, 2, 3, 9],
            [0, 0, 3, 3, 0, 0, 9],
            [0, 0, 3, 0, 0, 0, 9],
            [9, 9, 9, 9, 9, 9, 9],
        ],
        dtype=np.int8,
    )
    t = tile_labels(m, 2)  # trailing row and column dropped
    assert t["label"].shape == (2, 3)
    assert t["label"].values.tolist() == [[1, 4, 2], [0, 3, 0]]
    assert np.allclose(t["coverage"].values, [[0.75, 0.75, 0.5], [0, 0.75, 0]])
    assert np.allclose(t["labelled_fraction"].values, [[1, 0.75, 1], [0, 0.75, 0]])
    fish = t["class_fraction"].sel({"class": "Fish"}).values
    assert np.allclose(fish, [[0, 0, 0.5], [0, 0.75, 0]])  # Gravel/Fish tie -> Gravel
    assert t["row0"].values.tolist() == [0, 2] and t["col0"].values.tolist() == [0, 2, 4]
    strict = tile_labels(m, 2, min_coverage=0.6)
    assert strict["label"].values.tolist() == [[1, 4, 0], [0, 3, 0]]
    wide = tile_labels(m, (4, 3))
    assert wide["label"].values.tolist() == [[1, 3]]
    assert wide["coverage"].values[0, 0] == pytest.approx(3 / 12)


def test_tile_labels_from_votes_dataset() -> None:
    lon, lat = np.arange(0.5, 8), np.arange(7.5, 0, -1)
    boxes = _lonlat_boxes(
        [
            (0, 4, 4, 8, "Fish"),
            (0, 4, 4, 8, "Fish"),
            (4, 8, 0, 3, "Flower"),
            (4, 8, 0, 3, "Flower"),
            (0, 8, 0, 8, "Sugar"),
            (0, 8, 2, 3, "Gravel"),
        ]
    )
    ds = labels_to_grid(boxes, lon, lat)
    t = tile_labels(ds, 4)
    # 2 votes beat 1: Fish in the north-west tile, Flower on 3 of 4 rows of the south-east
    assert t["label"].values.tolist() == [[3, 1], [1, 4]]
    assert np.allclose(t["coverage"].values, [[1, 1], [1, 0.75]])
    t3 = tile_labels(ds["votes"].values, 4)
    assert np.array_equal(t3["label"].values, t["label"].values)
    with pytest.raises(ConfigError):
        tile_labels(np.zeros((4, 4)), 5)
    with pytest.raises(ConfigError):
        tile_labels(np.zeros((4, 4)), 0)


# --------------------------------------------------------------------------- datasets


def test_box_tiles() -> None:
    boxes = _boxes(
        [(0, 0, 600, 300, "Fish"), (10, 0, 100, 100, "Sugar"), (100, 200, 612, 712, "Gravel")]
    )
    tiles = box_tiles(boxes, size=256)
    assert tiles["box"].tolist() == [0, 0, 2, 2, 2, 2]
    assert tiles[["x0", "y0", "x1", "y1"]].iloc[3].tolist() == [356, 200, 612, 456]
    overlap = box_tiles(boxes, size=256, stride=128)
    assert (overlap["box"] == 0).sum() == 3 and (overlap["box"] == 2).sum() == 9
    centred = box_tiles(boxes.iloc[:1], size=256, align="centre")
    assert centred["x0"].tolist() == [44, 300] and centred["y0"].tolist() == [22, 22]
    assert tiles_in_box(0, 0, 600, 300, 256).tolist() == [[0, 0, 256, 256], [256, 0, 512, 256]]


def test_box_tiles_real(real: pd.DataFrame) -> None:
    tiles = box_tiles(real, size=256)
    assert len(tiles) > 100_000  # report: "more than 100.000 tiles"
    src = real.loc[tiles["box"]]
    for c in ("x0", "y0"):
        assert (tiles[c].to_numpy() >= src[c].to_numpy()).all()
    for c in ("x1", "y1"):
        assert (tiles[c].to_numpy() <= src[c].to_numpy()).all()
    assert (tiles["label"].to_numpy() == src["label"].to_numpy()).all()
    # same as one box at a time
    for k in tiles["box"].unique()[:20]:
        r = real.loc[k]
        one = tiles_in_box(r["x0"], r["y0"], r["x1"], r["y1"], 256)
        assert np.array_equal(one, tiles[tiles["box"] == k][["x0", "y0", "x1", "y1"]].to_numpy())


def test_largest_square() -> None:
    assert [int(v) for v in largest_square(0, 0, 10, 4)] == [3, 0, 7, 4]
    assert [int(v) for v in largest_square(0, 0, 4, 11)] == [0, 3, 4, 7]
    x0, y0, x1, y1 = largest_square(
        np.array([0, 5]), np.array([0, 5]), np.array([6, 8]), np.array([6, 20])
    )
    assert (x1 - x0).tolist() == [6, 3] and (y1 - y0).tolist() == [6, 3]
    assert y0.tolist() == [0, 11]
    boxes = _boxes([(100, 50, 400, 250, "Fish"), (np.nan, np.nan, np.nan, np.nan, None)])
    sq = box_squares(boxes)
    assert len(sq) == 1
    assert sq.iloc[0][["x0", "y0", "x1", "y1", "side"]].tolist() == [150, 50, 350, 250, 200]
    assert box_squares(boxes, min_size=201).empty


def test_crop_resize() -> None:
    img = np.arange(24, dtype=float).reshape(4, 6)
    out = crop_resize(img, (2, 0, 4, 2), size=4, order=0)
    assert out.tolist() == [[2, 2, 3, 3], [2, 2, 3, 3], [8, 8, 9, 9], [8, 8, 9, 9]]
    rgb = np.zeros((1400, 2100, 3), dtype=np.uint8)
    rgb[..., 1] = 200
    res = crop_resize(rgb, pd.Series({"x0": 1172.0, "y0": 436.0, "x1": 2088.0, "y1": 945.0}), 512)
    assert res.shape == (512, 512, 3) and res.dtype == np.uint8
    assert (res[..., 1] == 200).all() and (res[..., 0] == 0).all()
    ramp = np.tile(np.arange(100, dtype=float), (50, 1))
    small = crop_resize(ramp, (0, 0, 100, 50), size=(10, 20))
    assert small.shape == (10, 20)
    assert np.all(np.diff(small[0]) > 0)  # still increasing along x
    with pytest.raises(ConfigError):
        crop_resize(img, (10, 10, 20, 20))


def _brute_square(m: np.ndarray):
    rows, cols = m.shape
    s = np.pad(m.astype(int).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    for side in range(min(rows, cols), 0, -1):
        for y in range(rows - side + 1):
            for x in range(cols - side + 1):
                if s[y + side, x + side] - s[y, x + side] - s[y + side, x] + s[y, x] == 0:
                    return (x, y, x + side, y + side)
    return None


def test_largest_unlabelled_square_hand_made() -> None:
    m = np.zeros((6, 8), dtype=bool)
    m[:, 3] = True
    assert largest_unlabelled_square(m, min_size=2) == (4, 0, 8, 4)
    assert largest_unlabelled_square(m, min_size=5) is None
    m2 = np.zeros((5, 5), dtype=bool)
    m2[2, 2] = True
    assert largest_unlabelled_square(m2, min_size=0) == (0, 0, 2, 2)
    assert largest_unlabelled_square(np.ones((4, 4), bool), min_size=0) is None
    assert largest_unlabelled_square(np.zeros((3, 7), bool), min_size=0) == (0, 0, 3, 3)


def test_largest_unlabelled_square_brute_force() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        shape = tuple(rng.integers(1, 13, 2))
        m = rng.random(shape) < rng.random() * 0.4
        assert largest_unlabelled_square(m, min_size=0) == _brute_square(m)


def test_largest_unlabelled_square_boxes_and_speed(real: pd.DataFrame) -> None:
    image = real[real["image"] == EXAMPLE]
    mask = boxes_to_mask(image)
    t0 = time.perf_counter()
    sq = largest_unlabelled_square(mask)
    assert time.perf_counter() - t0 < 1.0
    assert sq is not None
    x0, y0, x1, y1 = sq
    assert x1 - x0 == y1 - y0 >= 128
    assert not mask[y0:y1, x0:x1].any()
    # maximal: every square one pixel bigger holds a labelled pixel
    side = x1 - x0 + 1
    s = np.pad(mask.astype(np.int32).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    window = s[side:, side:] - s[:-side, side:] - s[side:, :-side] + s[:-side, :-side]
    assert (window > 0).all()
    assert largest_unlabelled_square(image) == sq


def test_unlabelled_squares_match_masks(real: pd.DataFrame) -> None:
    table = unlabelled_squares(real, min_size=0)
    assert len(table) == 8686
    big = unlabelled_squares(real)
    assert (big["side"] >= 128).all() and len(big) == int((table["side"] >= 128).sum())
    images = table["image"].sample(25, random_state=0)
    groups = real[real["image"].isin(images)].groupby("image")
    for image, group in groups:
        expect = largest_unlabelled_square(boxes_to_mask(group), min_size=0)
        got = table[table["image"] == image][["x0", "y0", "x1", "y1"]].iloc[0]
        assert tuple(int(v) for v in got) == expect
    nobox = real.groupby("image")["x0"].count()
    empty = nobox[nobox == 0].index[0]
    assert table[table["image"] == empty]["side"].iloc[0] == 1400


# --------------------------------------------------------------------------- statistics


def test_union_areas() -> None:
    area = union_areas(
        [0, 0, 0, 1, 2], [0, 5, 2, 0, 0], [0, 5, 2, 0, 0], [10, 15, 4, 3, 0], [10, 15, 4, 3, 5]
    )
    assert area.tolist() == [175, 9, 0]
    rng = np.random.default_rng(5)
    g = rng.integers(0, 30, 200)
    x0, y0 = rng.integers(0, 40, 200), rng.integers(0, 40, 200)
    x1, y1 = x0 + rng.integers(0, 30, 200), y0 + rng.integers(0, 30, 200)
    got = union_areas(g, x0, y0, x1, y1, 30)
    for k in range(30):
        m = np.zeros((80, 80), bool)
        for a, b, c, d in zip(x0[g == k], y0[g == k], x1[g == k], y1[g == k], strict=True):
            m[b:d, a:c] = True
        assert got[k] == m.sum()


def test_coverage_statistics_hand_made() -> None:
    df = pd.DataFrame(
        {
            "image": ["a", "a", "a", "a", "b", "c"],
            "x0": [0.0, 5.0, 0.0, 10.0, 0.0, np.nan],
            "y0": [0.0, 5.0, 0.0, 0.0, 0.0, np.nan],
            "x1": [10.0, 15.0, 4.0, 20.0, 20.0, np.nan],
            "y1": [10.0, 15.0, 5.0, 2.0, 10.0, np.nan],
            "label": ["Sugar", "Sugar", "Fish", "Flower", "Gravel", None],
        }
    )
    st = coverage_statistics(df, shape=(20, 20), bins=10)
    cov = st["coverage"]
    assert cov.sel(image="a").values.tolist() == [175 / 400, 0, 20 / 400, 20 / 400]
    assert cov.sel(image="b").values.tolist() == [0, 0.5, 0, 0]
    assert float(cov.sel(image="c").sum()) == 0
    assert st["box_area_sum"].sel(image="a", **{"class": "Sugar"}).item() == 200 / 400
    assert st["n_boxes"].sel(image="a").values.tolist() == [2, 0, 1, 1]
    assert st["labelled_fraction"].sel(image="a").item() == pytest.approx((175 + 20) / 400)
    assert st["biggest_class"].values.tolist() == [1, 2, 0]
    assert st["biggest_class_coverage"].values.tolist() == [175 / 400, 0.5, 0]
    share = st["biggest_class_share"].values
    assert share[0] == pytest.approx(175 / 215) and share[1] == 1 and np.isnan(share[2])
    assert st["n_images"].values.tolist() == [1, 1, 1, 1]
    # Sugar 0.4375 falls in the bin [0.4, 0.5): mode = its centre
    assert st["coverage_mode"].sel({"class": "Sugar"}).item() == pytest.approx(0.45)
    assert st["coverage_histogram"].sel({"class": "Gravel"}).values.argmax() == 5
    assert st["biggest_share_cdf"].values[-1] == 1.0
    assert st["biggest_share_histogram"].values.sum() == 2
    assert st["box_coverage_histogram"].sel({"class": "Sugar"}).values[2] == 2  # 0.25 each
    assert st.attrs["n_labelled_images"] == 2


def test_coverage_statistics_real(real: pd.DataFrame, real_stats) -> None:
    t0 = time.perf_counter()
    coverage_statistics(real)
    assert time.perf_counter() - t0 < 20.0
    st = real_stats
    assert st.sizes["image"] == 8686 and st.sizes["class"] == 4
    cov = st["coverage"].values
    assert (cov >= 0).all() and (cov <= 1).all()
    assert (st["labelled_fraction"].values >= cov.max(axis=1) - 1e-12).all()
    assert (st["box_area_sum"].values >= cov - 1e-12).all()
    assert st.attrs["n_labelled_images"] == 8386
    for cls in CLASSES:
        mode = st["coverage_mode"].sel({"class": cls}).item()
        skew = st["coverage_skewness"].sel({"class": cls}).item()
        assert 0.02 < mode < 0.5, (cls, mode)
        assert 0.3 < skew < 2.5, (cls, skew)
        assert st["n_images"].sel({"class": cls}).item() > 3000
    share = st["biggest_class_share"].values
    share = share[np.isfinite(share)]
    assert share.min() >= 0.25 and share.max() == 1.0
    # Flower and Fish are labelled over larger areas than Sugar and Gravel (report 6.1)
    med = st["coverage_median"].to_series()
    assert min(med["Flower"], med["Fish"]) > max(med["Sugar"], med["Gravel"])
    # exact unions: equal to the rasterised masks
    for image in st["image"].values[:5]:
        group = real[real["image"] == image]
        for cls in CLASSES:
            assert st["coverage"].sel(image=image, **{"class": cls}).item() == pytest.approx(
                boxes_to_mask(group, cls).mean(), abs=1e-12
            )


def _png_variance(fig, path: Path) -> float:
    fig.savefig(path, dpi=60)
    pixels = mpimg.imread(path)
    return float(pixels[..., :3].var())


def test_plots_not_blank(real_stats, tmp_path: Path) -> None:
    for kind in ("union", "box"):
        fig = plot_class_coverage(real_stats, kind=kind)
        assert len(fig.axes) == 4
        assert "mode =" in fig.axes[0].get_title() and "Flower" in fig.axes[0].get_title()
        assert _png_variance(fig, tmp_path / f"classes_{kind}.png") > 1e-3
    for quantity in ("share", "coverage"):
        fig = plot_biggest_class_coverage(real_stats, quantity=quantity)
        assert len(fig.axes) == 2
        assert _png_variance(fig, tmp_path / f"biggest_{quantity}.png") > 1e-3
    with pytest.raises(ConfigError):
        plot_class_coverage(real_stats, kind="area")


def test_overpass_times_of_terra_and_aqua():
    """Local solar time of the equator crossings, shifted by longitude: 13:30 at 0°E is
    13:30 UTC; at 60°W Aqua passes 4 h later, Terra 3 h before Aqua; at 170°E the overpass
    is early in the same UTC day."""
    times = overpass_time(
        ["Aqua", "Aqua", "Terra", "Aqua"], "2020-02-02", [0.0, -60.0, -60.0, 170.0]
    )
    expected = ["2020-02-02T13:30", "2020-02-02T17:30", "2020-02-02T14:30", "2020-02-02T02:10"]
    np.testing.assert_array_equal(times, np.array(expected, dtype="datetime64[ns]"))
    dates = pd.to_datetime(["2020-02-02", "2020-02-03"])
    expected = np.array(["2020-02-02T13:50", "2020-02-03T13:50"], dtype="datetime64[ns]")
    np.testing.assert_array_equal(overpass_time("Terra", dates, -50.0), expected)
    with pytest.raises(ConfigError, match="satellite: expected one of"):
        overpass_time("Suomi", "2020-02-02", 0.0)
