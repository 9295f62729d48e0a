"""The ``cloudorg demo`` and ``cloudorg run`` commands."""

from __future__ import annotations

import zarr

from cloudorg.cli import main
from cloudorg.pipeline import PipelineConfig, write_demo_campaign
from cloudorg.store import CampaignStore


def test_demo_writes_its_campaign_and_configuration_and_runs_stages(tmp_path, capsys):
    out_dir = tmp_path / "demo"
    assert main(["-q", "demo", "--out", str(out_dir), "--n", "2", "--workers", "1",
                 "--only", "ingest", "tiles"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "demo: synthesising 2 scenes" in out
    assert "Dask dashboard: http://127.0.0.1:" in out
    assert "[1/2] ingest" in out and "[2/2] tiles" in out and "done: 2 stages" in out
    assert "report:" not in out  # the report stage did not run
    store = CampaignStore.open(out_dir / "campaign.zarr")
    assert len(store.scene_ids()) == 2 and "pattern" in store.variables()
    assert "tiles/64px_stride32" in zarr.open_group(store.path, mode="r")
    config = PipelineConfig.from_yaml(out_dir / "run.yaml")
    assert config.store == str(out_dir / "campaign.zarr")
    assert config.ingest.inputs == (str(out_dir / "data"),)


def test_run_reports_bad_configurations_as_one_line(tmp_path, capsys):
    path = tmp_path / "run.yaml"
    path.write_text("tiles: {size: 32}\n")
    assert main(["run", str(path), "--synchronous"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cloudorg: error: pipeline config") and "run.yaml" in err
    assert "size must be an integer >= 64" in err
    assert main(["run", str(tmp_path / "absent.yaml")]) == 2
    assert "absent.yaml: cannot be read" in capsys.readouterr().err
    path.write_text("ingest: {inputs: []}\n")
    assert main(["run", str(path), "--synchronous", "--only", "ingest"]) == 2
    assert (
        "ingest: no inputs (files, directories, URLs) and no archive given"
        in capsys.readouterr().err
    )


def test_run_on_an_existing_scheduler(tmp_path, capsys):
    from distributed import LocalCluster

    path = write_demo_campaign(tmp_path, 1, progress=False)
    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=":0") as cluster:  # fmt: skip
        assert main(["-q", "run", str(path), "--scheduler", cluster.scheduler_address,
                     "--only", "ingest", "metrics"]) == 0  # fmt: skip
        out = capsys.readouterr().out
        assert "Dask dashboard: http://127.0.0.1:" in out
        assert "1 scene in the store" in out and "16 metrics of 144 tiles" in out
    assert "metrics/64px_stride32_greyscale" in zarr.open_group(tmp_path / "campaign.zarr")
