"""Fitted models: fit on one data set, apply to another, save and load without pickles."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import xarray as xr

from cloudorg.analysis import (
    ModelFileError,
    apply_model,
    kmeans,
    load_model,
    nmi,
    pca,
    save_model,
    ward,
)
from cloudorg.errors import ConfigError
from cloudorg.synthetic import example_embeddings, example_metrics

FITS = {
    "pca": lambda data: pca(data, n_components=3),
    "kmeans": lambda data: kmeans(data, k="auto", k_range=range(2, 6)),
    "ward": lambda data: ward(data, k=4),
}


def _output(result: xr.Dataset) -> np.ndarray:
    return result["scores"].values if result.attrs["model"] == "pca" else result["cluster"].values


@pytest.fixture(scope="module")
def train_and_new() -> tuple[xr.DataArray, xr.DataArray]:
    train, _ = example_embeddings(25, seed=0)
    new, _ = example_embeddings(25, seed=0)
    rng = np.random.default_rng(5)
    new = new.copy(data=new.values + rng.normal(scale=0.5, size=new.shape).astype(np.float32))
    new[3, 0] = np.nan
    return train, new


@pytest.mark.parametrize("kind", sorted(FITS))
def test_round_trip_through_npz_gives_identical_predictions(kind, train_and_new, tmp_path):
    train, new = train_and_new
    model = FITS[kind](train)
    path = tmp_path / f"{kind}.npz"
    save_model(model, path)
    loaded = load_model(path)
    assert "tile" not in loaded.dims
    assert loaded.attrs["model"] == kind and loaded.attrs["feature_dim"] == "embedding"
    for name in loaded.variables:
        np.testing.assert_array_equal(loaded[name].values, model[name].values)
    before, after = apply_model(model, new), apply_model(loaded, new)
    np.testing.assert_array_equal(_output(before), _output(after))
    assert after.attrs["n_dropped_nan"] == 1
    if kind == "pca":
        assert np.isnan(after["scores"][3]).all()
    else:
        assert after.cluster[3] == -1


def test_the_archive_holds_only_plain_arrays(train_and_new, tmp_path):
    path = tmp_path / "m.npz"
    save_model(kmeans(train_and_new[0], k=4), path)
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[name].dtype.kind in "biufU" for name in archive.files)
        header = json.loads(str(archive["__cloudorg_model__"][()]))
    assert header["format"] == "cloudorg-model" and header["version"] == 1
    assert header["entries"]["centroids"]["dims"] == ["centroid", "embedding"]
    assert not (tmp_path / "m.npz.partial").exists()


def test_kmeans_applied_to_its_training_data_reproduces_its_clusters(train_and_new):
    train, _ = train_and_new
    model = kmeans(train, k=4)
    np.testing.assert_array_equal(apply_model(model, train).cluster, model.cluster)
    fitted = pca(train)
    np.testing.assert_allclose(apply_model(fitted, train).scores, fitted.scores, atol=1e-12)


def test_fit_on_one_data_set_and_apply_to_another(train_and_new):
    """Report section 6.3: centroids fitted on one set label the tiles of another."""
    train, new = train_and_new
    _, labels = example_embeddings(25, seed=0)
    model = kmeans(train, k=4)
    applied = apply_model(model, new)
    assert applied.centroids.equals(model.centroids)
    assert applied.attrs["k"] == 4 and applied.attrs["n_tiles_used"] == 99
    assert nmi(labels, applied.cluster) == pytest.approx(1.0)


def test_metric_models_select_their_metrics_by_name(tmp_path):
    _, labels = example_embeddings(10)
    metrics = example_metrics(labels)
    model = kmeans(metrics, k=4)
    save_model(model, tmp_path / "metrics.npz")
    loaded = load_model(tmp_path / "metrics.npz")
    assert loaded.metric_units.values.tolist() == ["1", "1", "km", "1"]
    shuffled = metrics[["iorg", "mean_length_scale", "num_objects", "cloud_fraction", "iorg"]]
    np.testing.assert_array_equal(apply_model(loaded, shuffled).cluster, model.cluster)
    with pytest.raises(ConfigError, match="lacks the per-tile features"):
        apply_model(loaded, metrics.drop_vars("iorg"))


def test_features_must_match_the_model(train_and_new):
    train, _ = train_and_new
    model = pca(train)
    with pytest.raises(ConfigError, match="differ from those the model was fitted on"):
        apply_model(model, train.isel(embedding=slice(0, 4)))
    with pytest.raises(ConfigError, match="expected a fitted model"):
        apply_model(model.drop_vars("loadings"), train)
    with pytest.raises(ConfigError, match="expected a fitted model"):
        save_model(xr.Dataset(), "unused.npz")


def test_the_loader_refuses_pickles_and_foreign_files(tmp_path, train_and_new):
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps({"centroids": np.zeros((2, 2))}))
    with pytest.raises(ModelFileError, match="pickles are refused"):
        load_model(pickled)
    objects = tmp_path / "objects.npz"
    save_model(kmeans(train_and_new[0], k=2), objects)
    with np.load(objects) as archive:
        arrays = dict(archive)
    arrays["centroids"] = np.array([{"a": 1}, None], dtype=object)
    np.savez(objects, **arrays)  # numpy pickles object arrays inside the archive
    with pytest.raises(ModelFileError, match="pickles are refused"):
        load_model(objects)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a cloudorg model archive"):
        load_model(foreign)
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "missing.npz")


def test_the_loader_checks_version_and_content(tmp_path, train_and_new):
    path = tmp_path / "m.npz"
    save_model(pca(train_and_new[0]), path)
    with np.load(path) as archive:
        arrays = dict(archive)
    header = json.loads(str(arrays["__cloudorg_model__"][()]))
    header["version"] = 99
    np.savez(path, **{**arrays, "__cloudorg_model__": np.array(json.dumps(header))})
    with pytest.raises(ModelFileError, match="version 99"):
        load_model(path)
    header["version"] = 1
    del header["entries"]["loadings"]
    np.savez(path, **{**arrays, "__cloudorg_model__": np.array(json.dumps(header))})
    with pytest.raises(ModelFileError, match="loadings"):
        load_model(path)


def test_attrs_must_be_plain_to_be_saved(train_and_new, tmp_path):
    model = pca(train_and_new[0])
    model.attrs["embedding_model"] = {"id": "tile2vec-r18", "epochs": 3}
    save_model(model, tmp_path / "ok.npz")
    assert load_model(tmp_path / "ok.npz").attrs["embedding_model"] == {
        "id": "tile2vec-r18",
        "epochs": 3,
    }
    model.attrs["embedding_model"] = object()
    with pytest.raises(ConfigError, match="attrs must be numbers, strings or lists"):
        save_model(model, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()
