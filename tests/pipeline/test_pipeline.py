"""The pipeline: configuration files, stage selection, a whole run on a LocalCluster, a
rerun that resumes, and Ctrl-C in the middle of a run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr
import zarr

from cloudorg.cli.pipeline import INTERRUPTED
from cloudorg.errors import ConfigError
from cloudorg.models import load_checkpoint, load_tile_model
from cloudorg.pipeline import STAGES, PipelineConfig, run_pipeline, select_stages
from cloudorg.pipeline.demo import _DEMO, write_demo_campaign
from cloudorg.store import CampaignStore, read_manifest

TINY_MODEL = {
    "model": {"width": 4, "embedding_dim": 8, "head_hidden": [16]},
    "training": {"steps": 12, "batch_size": 8, "checkpoint_every": 4, "validate_every": 4,
                 "val_batches": 1},
    "data": {"n_triplets": 200},
}  # fmt: skip


def tiny_config(directory: Path, **changes) -> PipelineConfig:
    """The demo configuration with a tiny model, under ``directory``."""
    data = {**_DEMO, "model": {**_DEMO["model"], "tile2vec": TINY_MODEL}, **changes}
    return PipelineConfig.from_dict(data).resolved(directory)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    """Two synthetic demo scenes (ABI files + truth) and the demo's run.yaml."""
    directory = tmp_path_factory.mktemp("campaign")
    write_demo_campaign(directory, 2, progress=False)
    return directory


def test_yaml_paths_are_relative_to_the_file(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("store: out/c.zarr\ningest: {inputs: [data, /abs/files]}\ntiles: {size: 128}\n")
    config = PipelineConfig.from_yaml(path)
    assert config.store == str(tmp_path / "out" / "c.zarr")
    assert config.ingest.inputs == (str(tmp_path / "data"), "/abs/files")
    assert config.report.out == str(tmp_path / "report.html")
    assert config.tile2vec.data.tile_size == 128  # the model's tiling follows the tiles


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tiles: {sise: 128}", "unknown key 'tiles.sise'"),
        ("tiles: {size: big}", "size: expected an integer, got 'big'"),
        ("stages: [ingest, fly]", "unknown stage 'fly'"),
        ("- a list", "expected a mapping"),
        ("tiles: {size: [", "not valid YAML"),
        ("domain: {bounds: [1, 2, 3]}", "domain.bounds"),
    ],
)
def test_bad_configurations_name_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"bad\.yaml") as err:
        PipelineConfig.from_yaml(path)
    assert message in str(err.value)


def test_stage_selection():
    assert select_stages(STAGES) == list(STAGES)
    assert select_stages(STAGES, only=["report", "tiles"]) == ["tiles", "report"]
    assert select_stages(["ingest", "tiles", "metrics"], start="tiles", skip=["metrics"]) == [
        "tiles"
    ]
    with pytest.raises(ConfigError, match="no stage left"):
        select_stages(["ingest"], only=["report"])
    with pytest.raises(ConfigError, match="unknown stage 'embedd'"):
        select_stages(STAGES, skip=["embedd"])


def test_missing_checkpoint_without_training_is_refused(tmp_path, campaign):
    config = tiny_config(tmp_path, model={"checkpoint": "none.pt", "train": False})
    with pytest.raises(ConfigError, match=r"none.pt: not found; set model.train: true"):
        run_pipeline(config, stages=["train"], client="synchronous", progress=False)


def test_whole_run_on_a_local_cluster_then_a_rerun_resumes(tmp_path, campaign):
    config = tiny_config(tmp_path, ingest={"inputs": [str(campaign / "data")]},
                         cluster={"workers": 2})  # fmt: skip
    lines: list[str] = []
    outcomes = run_pipeline(config, progress=False, echo=lines.append)

    assert [o.stage for o in outcomes] == list(STAGES)
    assert lines[0].startswith("Dask dashboard: http://127.0.0.1:")
    assert "[1/7] ingest" in lines[1] and "[7/7] report" in lines[-2]
    store = CampaignStore.open(config.store)
    assert len(store.scene_ids()) == 2
    assert (read_manifest(store)["status"] == "ingested").all()
    root = zarr.open_group(config.store, mode="r")
    for group in ("tiles/64px_stride32", "metrics/64px_stride32_greyscale",
                  "embeddings/64px_stride32", "analysis/64px_stride32",
                  "analysis/scale_study", "embeddings/192px_stride96"):  # fmt: skip
        assert group in root, group
    embeddings = xr.open_zarr(config.store, group="embeddings/64px_stride32")["embeddings"]
    assert embeddings.sizes["embedding"] == 8 and int(embeddings.notnull().all("embedding").sum())
    assert load_checkpoint(config.model.checkpoint).step == 12
    assert "NMI by tile size: 64 px" in outcomes[5].summary
    html = Path(config.report.out).read_text()
    assert html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in html

    # a rerun finds everything done: nothing ingested again, the model and the
    # embeddings reused, the same analysis
    before = Path(config.model.checkpoint).stat().st_mtime_ns
    embedded = zarr.open_group(config.store, mode="r")["embeddings/64px_stride32"].attrs.asdict()
    again = run_pipeline(config, client="synchronous", progress=False, echo=lambda _: None)
    assert "2 scenes in the store; files: " in again[0].summary
    assert Path(config.model.checkpoint).stat().st_mtime_ns == before
    after = zarr.open_group(config.store, mode="r")["embeddings/64px_stride32"].attrs.asdict()
    assert after["model_id"] == embedded["model_id"]
    assert after["completed_blocks"] == embedded["completed_blocks"]
    assert again[-2].summary == outcomes[-2].summary


def _run_cli(args: list[str], **kw) -> subprocess.Popen:
    env = {**os.environ, "MPLBACKEND": "Agg", "SATPY_DOWNLOAD_AUX": "False"}
    command = [sys.executable, "-m", "cloudorg.cli", "-q", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)  # fmt: skip


@pytest.mark.parametrize("cluster", [["--synchronous"], ["--workers", "1"]])
def test_ctrl_c_leaves_a_store_that_a_rerun_completes(tmp_path, campaign, cluster):
    steps = 300
    training = {**TINY_MODEL, "training": {**TINY_MODEL["training"], "steps": steps,
                                           "checkpoint_every": 10}}  # fmt: skip
    config = tiny_config(tmp_path, ingest={"inputs": [str(campaign / "data")]},
                         model={"checkpoint": "model.pt", "tile2vec": training})  # fmt: skip
    path = tmp_path / "run.yaml"
    config.to_yaml(path)

    # a terminal's Ctrl-C reaches the whole process group: the LocalCluster's workers too
    run = _run_cli(["run", str(path), *cluster], start_new_session=True)
    for line in run.stdout:  # wait until training runs, then press Ctrl-C
        if line.startswith("[4/7] train"):
            break
    while not (tmp_path / "model.pt").exists() and run.poll() is None:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGINT)
    out, err = run.communicate(timeout=120)
    assert run.returncode == INTERRUPTED, (out, err)
    assert "interrupted" in err and f"cloudorg run {path}" in err
    interrupted_at = load_checkpoint(tmp_path / "model.pt").step
    assert 0 < interrupted_at < steps
    assert not (tmp_path / "report.html").exists()
    assert len(CampaignStore.open(config.store).scene_ids()) == 2

    rerun = _run_cli(["run", str(path), *cluster])
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert load_checkpoint(tmp_path / "model.pt").step == steps
    assert f"report: {tmp_path / 'report.html'}" in out
    assert (tmp_path / "report.html").exists()


def test_a_new_model_replaces_the_embeddings_of_the_old_one(tmp_path, campaign):
    config = tiny_config(tmp_path, ingest={"inputs": [str(campaign / "data")]})
    quiet = {"client": "synchronous", "progress": False, "echo": lambda _: None}
    first = run_pipeline(config, stages=["ingest", "tiles", "train", "embed"], **quiet)
    assert "replacing" not in first[-1].summary
    tile2vec = config.model.tile2vec
    other = config.replace(model=config.model.replace(
        checkpoint=str(tmp_path / "other.pt"),
        tile2vec=tile2vec.replace(training=tile2vec.training.replace(seed=1)),
    ))  # fmt: skip
    second = run_pipeline(other, stages=["train", "embed"], **quiet)
    assert "replacing embeddings of another model" in second[-1].summary
    stored = zarr.open_group(config.store, mode="r")["embeddings/64px_stride32"].attrs
    assert stored["model_id"] == load_tile_model(tmp_path / "other.pt")[0].model_id
    assert stored["model_id"] != load_tile_model(tmp_path / "model.pt")[0].model_id


def test_whole_run_on_an_s3_store_read_back_with_plain_xarray(
    tmp_path, campaign, s3_bucket, s3_endpoint, monkeypatch
):
    """Every stage on a store in object storage, its options from run.yaml alone: the
    workers write the scenes, metrics and embeddings blocks to S3 themselves."""
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # the workers get the endpoint from the config
    url = f"{s3_bucket}/campaign.zarr"
    config = tiny_config(tmp_path, store=url, storage_options={"endpoint_url": s3_endpoint},
                         ingest={"inputs": [str(campaign / "data")]}, cluster={"workers": 1},
                         analysis={"k": 4, "scales": [64, 128]})  # fmt: skip
    outcomes = run_pipeline(config, progress=False, echo=lambda _: None)
    assert [o.stage for o in outcomes] == list(STAGES)
    assert not (tmp_path / "campaign.zarr").exists()

    options = {"client_kwargs": {"endpoint_url": s3_endpoint}}
    scenes = xr.open_zarr(url, group="scenes", storage_options=options)
    assert scenes.sizes["scene"] == 2 and float(scenes["greyscale"].notnull().mean()) > 0.5
    local = CampaignStore.open(url, storage_options=config.storage_options)
    assert local.scene_ids() == scenes["scene_id"].values.tolist()
    metrics = xr.open_zarr(url, group="metrics/64px_stride32_greyscale",
                           storage_options=options)  # fmt: skip
    assert float(metrics["cloud_fraction"].notnull().mean()) == 1.0
    embeddings = xr.open_zarr(url, group="embeddings/64px_stride32", storage_options=options)
    assert int(embeddings["embeddings"].notnull().all("embedding").sum()) > 0
    assert "NMI by tile size: 64 px" in outcomes[5].summary
    assert Path(config.report.out).read_text().startswith("<!DOCTYPE html>")
