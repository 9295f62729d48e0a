"""Store-level analysis: ``analyse`` on a synthetic campaign, reuse, missing inputs, errors,
and the scale study wired to the store."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import xarray as xr

from cloudorg.analysis import apply_model, load_model, save_model
from cloudorg.analysis.campaign import (
    analyse,
    analysis_result,
    open_analysis,
    open_scale_study,
    store_scale_study,
)
from cloudorg.domains import Domain
from cloudorg.errors import ConfigError, StoreError
from cloudorg.metrics import open_metrics
from cloudorg.models import embed
from cloudorg.store import CampaignStore, FileRecord
from cloudorg.synthetic import example_store
from cloudorg.synthetic.stores import EXAMPLE_DOMAIN, example_scene
from cloudorg.tiles import build_tile_table
from tests.conftest import tiny_embedder


@pytest.fixture(scope="module")
def analysis(embedded_campaign) -> xr.Dataset:
    return analyse(embedded_campaign, progress=False)


def test_metric_clusters_beat_the_within_scene_chance_level(analysis):
    """k-means (K = 4, seed 0) of the standardised greyscale metrics of 54 tiles (6 scenes).

    Measured: NMI 0.319 against the majority ground-truth pattern of 53 tiles (one below
    the 50 % coverage), 95 % interval 0.240-0.474 over 1000 resamples of the scenes; 200
    permutations of the labels within scenes give 0.090 on average and 0.164 at their 95th
    percentile (p = 0.005).
    """
    metrics = analysis.sel(features="metrics")
    assert float(metrics.nmi) == pytest.approx(0.319, abs=0.05)
    assert float(metrics.nmi_low) < float(metrics.nmi) < float(metrics.nmi_high)
    assert float(metrics.nmi_low) > float(metrics.nmi_chance_p95)
    assert (
        float(metrics.nmi_chance_low) < float(metrics.nmi_chance) < float(metrics.nmi_chance_high)
    )
    assert float(metrics.nmi_p_value) < 0.05
    assert int(metrics.n_scenes_scored) == 6
    assert int(metrics.n_tiles_scored) == int((analysis.label >= 1).sum()) < 54
    assert analysis.features.values.tolist() == ["embeddings", "metrics"]
    assert analysis.k.values.tolist() == [4, 4]
    assert set(analysis.k_silhouette.values.tolist()) <= set(range(2, 13))
    assert analysis.nmi.attrs["units"] == "1" and "long_name" in analysis.nmi.attrs
    assert analysis.attrs["tiling"] == "64px" and analysis.attrs["notes"] == []
    assert analysis.attrs["label_source"] == "the tile table (pattern)"


def test_every_result_is_stored_with_its_shape(analysis):
    confusion = analysis_result(analysis, "metrics", "confusion")
    assert confusion["counts"].dims == ("class", "cluster")
    scored = int(analysis.n_tiles_scored.sel(features="metrics"))
    assert int(confusion["counts"].sum()) == confusion.attrs["n_tiles"] == scored
    assert confusion.attrs["nmi"] == pytest.approx(float(analysis.nmi.sel(features="metrics")))
    table2 = analysis_result(analysis, "embeddings", "silhouettes")
    assert -1 <= float(table2.silhouette_class) <= 1
    assert table2.class_silhouette.sizes["class"] == 4
    summary = analysis_result(analysis, "metrics", "summary")
    assert summary.group_mean.dims == ("cluster", "metric")
    assert summary.metric_units.sel(metric="mean_length_scale") == "km"
    classes = analysis_result(analysis, "metrics", "classes")
    assert classes["class"].values.tolist() == ["Sugar", "Gravel", "Fish", "Flower"]
    curve = analysis_result(analysis, "embeddings", "k_choice")
    assert curve.silhouette.sizes["k"] == curve.stability.sizes["k"] == 11
    assert curve.attrs["k_silhouette"] == int(analysis.k_silhouette.sel(features="embeddings"))
    assert ((curve.stability >= -0.5) & (curve.stability <= 1)).all()
    tree = analysis_result(analysis, "metrics", "dendrogram")
    assert tree.sizes["sample"] == 54 and tree.linkage.shape == (53, 4)
    pca = analysis_result(analysis, "embeddings", "pca")
    assert pca.scores.dims == ("tile", "component") and pca.sizes["component"] == 8
    np.testing.assert_allclose(float(pca.explained_variance_ratio.sum()), 1.0, atol=1e-6)
    with pytest.raises(ConfigError, match="no result 'embeddings_nothing'"):
        analysis_result(analysis, "embeddings", "nothing")


def test_the_stored_models_apply_to_the_metrics_again(analysis, embedded_campaign, tmp_path):
    model = analysis_result(analysis, "metrics", "kmeans")
    metrics = open_metrics(embedded_campaign, 64)
    again = apply_model(model, metrics)
    np.testing.assert_array_equal(again.cluster.values, model.cluster.values)
    save_model(model, tmp_path / "kmeans.npz")
    np.testing.assert_array_equal(
        apply_model(load_model(tmp_path / "kmeans.npz"), metrics).cluster, model.cluster
    )


def test_round_trip_and_a_rerun_reuses_the_stored_analysis(analysis, embedded_campaign):
    stored = open_analysis(embedded_campaign)
    xr.testing.assert_identical(stored, analysis)
    marker = embedded_campaign.path / "analysis" / "64px" / "zarr.json"
    written = marker.stat().st_mtime_ns
    again = analyse(embedded_campaign, progress=False)
    assert marker.stat().st_mtime_ns == written  # read back, not fitted and written again
    xr.testing.assert_identical(again, analysis)


def test_other_arguments_fit_again(embedded_campaign, tmp_path):
    store = CampaignStore.open(shutil.copytree(embedded_campaign.path, tmp_path / "c.zarr"))
    auto = analyse(store, k="auto", features=["metrics"], progress=False)
    assert auto.features.values.tolist() == ["metrics"]
    assert auto.k.item() == auto.k_silhouette.item() and auto.attrs["k"] == "auto"
    assert open_analysis(store).attrs["inputs_token"] == auto.attrs["inputs_token"]


def test_metrics_without_embeddings_say_how_to_add_them(tmp_path, embedded_campaign):
    store = CampaignStore.open(shutil.copytree(embedded_campaign.path, tmp_path / "c.zarr"))
    shutil.rmtree(store.path / "embeddings")
    result = analyse(store, k=3, progress=False)
    assert result.features.values.tolist() == ["metrics"]
    assert any("cloudorg embed" in n for n in result.attrs["notes"])


def test_embeddings_without_labels_are_clustered_but_not_scored(tmp_path):
    quantities = ["rgb", "brightness_temperature_11"]
    store = CampaignStore.create(tmp_path / "c.zarr", EXAMPLE_DOMAIN, quantities=quantities)
    start = np.datetime64("2020-01-20T13", "ms")
    with store.writing():
        for i in range(2):
            scene = example_scene(EXAMPLE_DOMAIN, i, time=start + np.timedelta64(i, "h"))
            record = FileRecord(f"example://{i}", "ingested", f"example_{i:02d}")
            store.commit_scene(scene.drop_vars("pattern"), [record])
    build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    embed(store, tiny_embedder(), tile_size=64, stride=16, client="synchronous", progress=False)
    result = analyse(store, k=2, progress=False)
    assert result.features.values.tolist() == ["embeddings"]
    assert "label" not in result and np.isnan(result.nmi.item())
    assert any("no labels" in n for n in result.attrs["notes"])
    assert any("cloudorg metrics" in n for n in result.attrs["notes"])
    with pytest.raises(ConfigError, match="no result 'embeddings_confusion'"):
        analysis_result(result, "embeddings", "confusion")


def test_nothing_to_analyse_is_a_clear_error(tmp_path):
    store = example_store(tmp_path / "c.zarr", 1)
    with pytest.raises(ConfigError, match="no tile table; build one with `cloudorg tiles`"):
        analyse(store, progress=False)
    build_tile_table(store, 64, client="synchronous", progress=False)
    with pytest.raises(ConfigError, match=r"nothing to analyse for tiling 64px: .*cloudorg embed"):
        analyse(store, progress=False)
    with pytest.raises(ConfigError, match="tiling: '128px' has no tile table"):
        analyse(store, tiling="128px", progress=False)
    with pytest.raises(ConfigError, match="features: expected some of"):
        analyse(store, features=["pixels"], progress=False)
    with pytest.raises(ConfigError, match="k: expected an integer >= 2"):
        analyse(store, k=1, progress=False)
    with pytest.raises(StoreError, match="no analysis in the store"):
        open_analysis(store)
    assert not (store.path / "analysis").exists()  # nothing partial


def test_store_scale_study_tiles_embeds_and_scores_each_size(tmp_path):
    domain = Domain.from_bounds("d", -56, -54, 14, 16, resolution_km=1)  # 223 x 215 px
    store = example_store(tmp_path / "c.zarr", 2, domain=domain)
    study = store_scale_study(store, tiny_embedder(), [128, 64], overlap=0.5,
                              client="synchronous", progress=False)  # fmt: skip
    assert study.scale.values.tolist() == [64, 128]
    assert study.n_tiles.values.tolist() == [2 * 25, 2 * 4]
    assert (study.n_per_class.sum("class") == study.n_scored).all()
    assert (study.n_scored <= study.n_tiles).all() and (study.n_scored > 0).all()
    assert ((study.nmi_low <= study.nmi) & (study.nmi <= study.nmi_high)).all()
    assert (study.nmi_chance_low <= study.nmi_chance_high).all()
    assert ((study.nmi >= 0) & (study.nmi <= 1)).all()
    assert study.attrs["tilings"] == ["tiles/64px_stride32", "tiles/128px_stride64"]
    xr.testing.assert_identical(open_scale_study(store), study)
    with pytest.raises(ConfigError, match=r"512 px.* fit"):
        store_scale_study(store, tiny_embedder(), [512], client="synchronous", progress=False)


def test_a_single_labelled_class_leaves_out_the_silhouettes_with_a_note(
    embedded_campaign, tmp_path
):
    store = CampaignStore.open(shutil.copytree(embedded_campaign.path, tmp_path / "c.zarr"))
    table = store.group("tiles/64px").open("")
    with store.writing():
        store.group("tiles/64px").replace(table.assign(label=table.label.where(table.label < 1, 1)))
    result = analyse(store, features=["metrics"], progress=False)
    assert any("no silhouettes of the metric space (metrics)" in n for n in result.attrs["notes"])
    assert "metrics_silhouettes" not in result.attrs["results"]
    assert "metrics_confusion" in result.attrs["results"]
