"""Streaming inference into the store: values, alignment, resume, Dask, refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import xarray as xr
import zarr
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import SchedulerPlugin

from cloudorg.errors import ConfigError, StoreError
from cloudorg.models import (
    AutoencoderConfig,
    Checkpoint,
    ClassifierConfig,
    DataConfig,
    DeepClusterConfig,
    ModelConfig,
    TrainingConfig,
    build_autoencoder,
    build_classifier,
    build_embedder,
    class_probabilities,
    save_checkpoint,
    train_deepcluster,
)
from cloudorg.models.inference import (
    classify_store,
    embed,
    open_class_probabilities,
    open_embeddings,
)
from cloudorg.synthetic.stores import example_store
from cloudorg.tiles.table import build_tile_table

GROUP = "embeddings/64px_stride16"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("inference") / "c.zarr"
    store = example_store(path, 3, missing_border=8)  # border tiles are flagged
    build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    return store


@pytest.fixture(scope="module")
def model():
    return build_embedder(ModelConfig(width=4, embedding_dim=6), seed=3)


def _direct(store, model, tiles):
    """Embeddings computed without the pipeline: pixels / 255 through the model."""
    table = xr.open_zarr(store.path, group="tiles/64px_stride16")
    rgb = store.open_scenes()["rgb"]
    windows = [rgb[int(table.scene_index[i]), :, int(table.row0[i]) : int(table.row0[i]) + 64,
                   int(table.col0[i]) : int(table.col0[i]) + 64].values for i in tiles]  # fmt: skip
    with torch.no_grad():
        return model.eval()(torch.from_numpy(np.stack(windows) / np.float32(255))).numpy()


def test_embeddings_are_the_model_outputs_of_each_tile_row(store, model, tmp_path):
    emb = embed(store, model, tile_size=64, stride=16, batch_size=4, block_size=5,
                client="synchronous", device="cpu", threads=1, overwrite=True,
                progress=False)  # fmt: skip
    table = xr.open_zarr(store.path, group="tiles/64px_stride16").load()
    ok = table.flags.values == 0
    assert emb.dims == ("tile", "embedding") and emb.shape == (table.sizes["tile"], 6)
    assert emb.dtype == np.float32 and emb.attrs["model_id"] == model.model_id
    values = emb.values
    assert np.isnan(values[~ok]).all() and np.isfinite(values[ok]).all()
    rows = np.flatnonzero(ok)
    np.testing.assert_allclose(values[rows], _direct(store, model, rows), rtol=1e-4, atol=1e-5)
    assert (emb.scene_index.values == table.scene_index.values).all()
    assert emb.attrs["completed_blocks"] == list(range(-(-table.sizes["tile"] // 5)))
    # readable by anyone with plain xarray
    ds = xr.open_zarr(store.path, group=GROUP)
    assert ds.embeddings.attrs["units"] == "1" and ds.attrs["channels"] == [
        "rgb_R",
        "rgb_G",
        "rgb_B",
    ]
    assert ModelConfig.from_json(ds.attrs["model_config"]) == model.config


def test_rerun_skips_completed_blocks_and_finishes_the_rest(store, model):
    first = embed(store, model, tile_size=64, stride=16, block_size=5, client="synchronous",
                  overwrite=True, progress=False).values  # fmt: skip
    # an interrupted run: blocks 0-3 recorded, the rest never written
    group = zarr.open_group(store.path, mode="r+", use_consolidated=False)[GROUP]
    group["embeddings"][20:] = np.nan
    group["embeddings"][0:5] = 7.0  # a recorded block is kept as is, not recomputed
    group.attrs.update({"completed_blocks": [0, 1, 2, 3], "complete": 0})
    with pytest.raises(StoreError, match="an incomplete group"):
        open_embeddings(store, 64, stride=16)
    again = embed(store, model, tile_size=64, stride=16, block_size=5, client="synchronous",
                  progress=False).values  # fmt: skip
    assert (again[0:5] == 7.0).all()
    np.testing.assert_array_equal(again[5:], first[5:])


def test_other_model_is_refused_unless_overwrite(store, model):
    embed(store, model, tile_size=64, stride=16, client="synchronous", overwrite=True,
          progress=False)  # fmt: skip
    other = build_embedder(ModelConfig(width=4, embedding_dim=6), seed=4)
    with pytest.raises(StoreError, match="model_id"):
        embed(store, other, tile_size=64, stride=16, client="synchronous", progress=False)
    emb = embed(store, other, tile_size=64, stride=16, client="synchronous", overwrite=True,
                progress=False)  # fmt: skip
    assert emb.attrs["model_id"] == other.model_id


def test_channels_must_match_the_model(store, model):
    with pytest.raises(ConfigError, match="in_channels=3"):
        embed(store, model, tile_size=64, stride=16, channels=["brightness_temperature_11"],
              client="synchronous", progress=False)  # fmt: skip


def test_checkpoint_path_brings_its_tiling_and_channels(store, tmp_path):
    cfg = ModelConfig(in_channels=1, width=4, embedding_dim=3)
    net = build_embedder(cfg)
    data = {"tile_size": 64, "stride": 32, "channels": ["brightness_temperature_11"],
            "filters": []}  # fmt: skip
    path = save_checkpoint(tmp_path / "m.pt", Checkpoint({"model": cfg.to_dict(), "data": data},
                                                         net.state_dict()))  # fmt: skip
    emb = embed(store, path, client="synchronous", progress=False)
    assert emb.attrs["tile_table"] == "tiles/64px_stride32"  # built on demand
    assert emb.attrs["channels"] == ["brightness_temperature_11"]
    assert emb.attrs["filters"] == [] and np.isfinite(emb.values).all()  # no filter: every tile
    assert emb.attrs["model_id"] == net.model_id


_SEEN: list[tuple[str, dict, set[str]]] = []


class _RecordTasks(SchedulerPlugin):
    """Scheduler plugin (in-process cluster): resource restrictions and dependencies of the
    embed tasks as they start."""

    async def start(self, scheduler) -> None:
        self.scheduler = scheduler

    def transition(self, key, start, finish, *args, **kwargs) -> None:
        if isinstance(key, str) and key.startswith("embed-") and finish == "processing":
            ts = self.scheduler.tasks[key]
            _SEEN.append((key, dict(ts.resource_restrictions or {}),
                          {str(d.key) for d in ts.dependencies}))  # fmt: skip


def test_dask_cluster_gives_the_same_embeddings_one_task_per_block(store, model, autoencoder):
    plugin = _RecordTasks()
    local = embed(store, model, tile_size=64, stride=16, block_size=8, client="synchronous",
                  overwrite=True, progress=False).values  # fmt: skip
    _SEEN.clear()
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, resources={"GPU": 1},
                     dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.register_plugin(plugin)
        remote = embed(store, model, tile_size=64, stride=16, block_size=8, client=client,
                       overwrite=True, progress=False).values  # fmt: skip
        seen = list(_SEEN)
        # workers rebuild other kinds of model from their weights too
        ae = embed(store, autoencoder, tile_size=64, stride=16, name="ae_dask", client=client,
                   overwrite=True, progress=False).values  # fmt: skip
    ae_local = embed(store, autoencoder, tile_size=64, stride=16, name="ae_dask",
                     client="synchronous", overwrite=True, progress=False).values  # fmt: skip
    np.testing.assert_allclose(ae, ae_local, rtol=1e-5, atol=1e-6)
    _SEEN[:] = seen
    np.testing.assert_allclose(remote, local, rtol=1e-5, atol=1e-6)
    assert sorted(k.rsplit("-", 1)[0] for k, _, _ in _SEEN) == [f"embed-block{b}" for b in range(5)]
    assert all(res == {"GPU": 1} for _, res, _ in _SEEN)  # GPU workers asked for
    weights = {d for _, _, deps in _SEEN for d in deps if d.startswith("shared-_Weights-")}
    assert len(weights) == 1  # one shared copy of the model, a dependency of every task
    assert all(weights <= deps for _, _, deps in _SEEN)


def _windows(store, rows):
    """The RGB windows of rows of the 64 px / 16 table, / 255, as the pipeline feeds them."""
    table = xr.open_zarr(store.path, group="tiles/64px_stride16")
    rgb = store.open_scenes()["rgb"]
    return torch.from_numpy(np.stack([
        rgb[int(table.scene_index[i]), :, int(table.row0[i]) : int(table.row0[i]) + 64,
            int(table.col0[i]) : int(table.col0[i]) + 64].values for i in rows
    ]) / np.float32(255))  # fmt: skip


@pytest.fixture(scope="module")
def autoencoder():
    return build_autoencoder(AutoencoderConfig(in_channels=3, channels=(4, 2)), seed=1)


@pytest.fixture(scope="module")
def deepcluster():
    training = TrainingConfig(steps=2, batch_size=8, mixed_precision=False)
    cfg = DeepClusterConfig(in_channels=3, width=4, n_clusters=2, pca_dim=4, epochs=1,
                            training=training)  # fmt: skip
    images = torch.rand(16, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    return train_deepcluster(images, cfg, progress=False, device="cpu")


def test_named_autoencoder_and_deepcluster_embeddings_sit_beside_the_default(
    store, model, autoencoder, deepcluster
):
    default = embed(store, model, tile_size=64, stride=16, client="synchronous", overwrite=True,
                    progress=False).values  # fmt: skip
    ae = embed(store, autoencoder, tile_size=64, stride=16, name="autoencoder", block_size=5,
               client="synchronous", overwrite=True, progress=False)  # fmt: skip
    dc = embed(store, deepcluster, tile_size=64, stride=16, name="deepcluster",
               client="synchronous", overwrite=True, progress=False)  # fmt: skip
    n = xr.open_zarr(store.path, group="tiles/64px_stride16").sizes["tile"]
    assert ae.shape == (n, 2 * 16 * 16) and dc.shape == (n, 32)  # latent 2 x 16 x 16; features
    assert ae.attrs["model_kind"] == "autoencoder" and dc.attrs["model_kind"] == "deepcluster"
    assert ae.attrs["long_name"] == "autoencoder latent code of the tile"
    assert AutoencoderConfig.from_json(ae.attrs["model_config"]) == autoencoder.config
    assert DeepClusterConfig.from_json(dc.attrs["model_config"]) == deepcluster.config
    # the values are the latent codes / backbone features of each tile
    rows = np.flatnonzero(np.isfinite(ae.values[:, 0]))
    assert rows.size and np.isnan(ae.values[np.setdiff1d(np.arange(n), rows)]).all()
    tiles = _windows(store, rows)
    with torch.no_grad():
        codes, features = autoencoder.eval().encode(tiles), deepcluster.backbone(tiles)
    np.testing.assert_allclose(ae.values[rows], codes, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dc.values[rows], features, rtol=1e-4, atol=1e-5)
    # each kind in its own group, the default embeddings untouched
    root = zarr.open_group(store.path, mode="r")
    assert all(f"embeddings/{k}/64px_stride16" in root for k in ("autoencoder", "deepcluster"))
    again = open_embeddings(store, 64, stride=16)
    assert again.attrs["model_kind"] == "tile2vec" and np.array_equal(again.values, default,
                                                                       equal_nan=True)  # fmt: skip
    opened = open_embeddings(store, 64, stride=16, name="autoencoder")
    assert opened.shape == ae.shape and opened.attrs["model_id"] == ae.attrs["model_id"]
    with pytest.raises(StoreError, match="embeddings/tile2vec/64px_stride16"):
        open_embeddings(store, 64, stride=16, name="tile2vec")


def test_named_embeddings_resume_and_refuse_another_model(store, autoencoder):
    kwargs = {"tile_size": 64, "stride": 16, "name": "ae", "block_size": 5,
              "client": "synchronous", "progress": False}  # fmt: skip
    first = embed(store, autoencoder, overwrite=True, **kwargs).values
    group = zarr.open_group(store.path, mode="r+", use_consolidated=False)[
        "embeddings/ae/64px_stride16"
    ]
    group["embeddings"][10:] = np.nan  # interrupted after blocks 0 and 1
    group.attrs.update({"completed_blocks": [0, 1], "complete": 0})
    with pytest.raises(StoreError, match="an incomplete group embeddings/ae/64px_stride16"):
        open_embeddings(store, 64, stride=16, name="ae")
    np.testing.assert_array_equal(embed(store, autoencoder, **kwargs).values, first)
    other = build_autoencoder(autoencoder.config, seed=2)
    with pytest.raises(StoreError, match="model_id"):
        embed(store, other, **kwargs)


def test_checkpoints_of_autoencoder_and_deepcluster_embed_like_the_models(
    store, autoencoder, deepcluster, tmp_path
):
    data = DataConfig(tile_size=64, stride=16)
    ae_path = save_checkpoint(tmp_path / "ae.pt", Checkpoint(
        {"model": autoencoder.config.to_dict(), "data": data.to_dict()},
        autoencoder.state_dict()))  # fmt: skip
    dc_path = deepcluster.save(tmp_path / "dc.pt", data=data)
    for path, net, name in ((ae_path, autoencoder, "ae_ckpt"), (dc_path, deepcluster, "dc_ckpt")):
        from_file = embed(store, path, name=name, client="synchronous", overwrite=True,
                          progress=False)  # fmt: skip
        direct = embed(store, net, tile_size=64, stride=16, name=name, client="synchronous",
                       overwrite=True, progress=False)  # fmt: skip
        assert from_file.attrs["model_id"] == direct.attrs["model_id"]
        np.testing.assert_array_equal(from_file.values, direct.values)


def test_bad_name_kind_or_tile_size_are_refused(store, autoencoder):
    with pytest.raises(ConfigError, match="name"):
        embed(store, autoencoder, tile_size=64, stride=16, name="64px", client="synchronous",
              progress=False)  # fmt: skip
    deep = build_autoencoder(AutoencoderConfig(in_channels=3, channels=(2,) * 7))
    with pytest.raises(ConfigError, match="multiples of 128, got 64"):
        embed(store, deep, tile_size=64, stride=16, client="synchronous", progress=False)
    classifier = build_classifier(ClassifierConfig(width=4, hidden=(4,)))
    with pytest.raises(ConfigError, match="classify_store"):
        embed(store, classifier, tile_size=64, stride=16, client="synchronous", progress=False)
    with pytest.raises(ConfigError, match="expected a classifier"):
        classify_store(store, autoencoder, tile_size=64, stride=16, client="synchronous",
                       progress=False)  # fmt: skip


def test_class_probabilities_of_every_tile_into_the_store(store):
    classifier = build_classifier(ClassifierConfig(width=4, hidden=(4,)), seed=1)
    probs = classify_store(store, classifier, tile_size=64, stride=16, block_size=7,
                           client="synchronous", overwrite=True, progress=False)  # fmt: skip
    table = xr.open_zarr(store.path, group="tiles/64px_stride16").load()
    ok = table.flags.values == 0
    assert probs.dims == ("tile", "class") and probs.shape == (table.sizes["tile"], 5)
    assert probs["class"].values.tolist() == ["none", "sugar", "gravel", "fish", "flower"]
    assert probs.attrs["model_kind"] == "classifier" and np.isnan(probs.values[~ok]).all()
    rows = np.flatnonzero(ok)
    expected = class_probabilities(classifier, _windows(store, rows))
    np.testing.assert_allclose(probs.values[rows], expected, rtol=1e-4, atol=1e-5)
    assert open_class_probabilities(store, 64, stride=16).attrs["complete"] == 1
