"""The ``cloudorg analyse`` and ``cloudorg report`` commands on a synthetic campaign."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest

from cloudorg.analysis.campaign import open_analysis
from cloudorg.cli.analysis import register
from cloudorg.errors import ConfigError
from cloudorg.pipeline.config import PipelineConfig
from cloudorg.pipeline.stages import STAGE_FUNCTIONS
from cloudorg.tiles import open_tile_table

from ..conftest import run_command_group


def cloudorg(*argv: str) -> int:
    return run_command_group(register, *argv)


def test_analyse_then_report(embedded_campaign, tmp_path, capsys):
    store = shutil.copytree(embedded_campaign.path, tmp_path / "c.zarr")
    assert cloudorg("analyse", str(store), "--tiling", "64px", "--k", "4") == 0
    out = capsys.readouterr().out
    assert "analysis/64px" in out
    assert "labels: the tile table (pattern)" in out
    metrics_row = next(line for line in out.splitlines() if line.strip().startswith("metrics"))
    _, k, _, scored, score, low, high, chance = metrics_row.split()
    assert k == "4" and score == "0.319" and int(scored) == 53
    assert float(low.strip("[,")) < 0.319 < float(high.strip("]")) and float(chance) < 0.15
    report = tmp_path / "out" / "r.html"
    report.parent.mkdir()
    assert cloudorg("report", str(store), "--out", str(report)) == 0
    assert capsys.readouterr().out.strip() == str(report.resolve())
    assert report.read_text().startswith("<!DOCTYPE html>")


def test_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cloudorg("analyse", "c.zarr", "--k", "many")
    assert "expected an integer or 'auto'" in capsys.readouterr().err
    from cloudorg.synthetic import example_store

    store = example_store(tmp_path / "c.zarr", 1)
    with pytest.raises(ConfigError, match="no tile table"):
        cloudorg("analyse", str(store.path))


def test_command_module_starts_without_the_analysis_libraries():
    loaded = "{'sklearn', 'matplotlib'} & set(sys.modules)"
    code = f"import sys, cloudorg.cli.analysis; print({loaded})"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "set()"


def test_labels_from_a_file_in_the_command_and_in_run_yaml(embedded_campaign, tmp_path, capsys):
    store = shutil.copytree(embedded_campaign.path, tmp_path / "c.zarr")
    ids = list(dict.fromkeys(open_tile_table(store, 64).scene_id.values.tolist()))
    labels = ["Sugar", "Gravel", "Fish", "Flower", "Fish", "Fish"]
    pd.DataFrame({"scene_id": ids, "label": labels}).to_csv(tmp_path / "scenes.csv", index=False)
    argv = ["--labels", str(tmp_path / "scenes.csv"), "--features", "metrics", "--bootstrap", "100"]
    assert cloudorg("analyse", str(store), *argv) == 0
    out = capsys.readouterr().out
    assert "labels: scenes.csv (a class per scene, matched by scene_id)" in out
    assert open_analysis(store).attrs["n_bootstrap"] == 100
    yaml = "store: c.zarr\ntiles: {size: 64}\nanalysis: {labels: scenes.csv, min_coverage: 0.9}"
    config = PipelineConfig.from_yaml_text(yaml, root=tmp_path)
    assert config.analysis.labels.path == str(tmp_path / "scenes.csv")
    summary = STAGE_FUNCTIONS["analyse"](config, "synchronous", False)
    assert summary.startswith("embeddings: K 4, NMI ") and "] (chance " in summary
    stored = open_analysis(store)
    assert stored.attrs["label_source"].startswith("scenes.csv")
    assert stored.attrs["min_coverage"] == 0.9 and stored.label.min() >= 1  # whole scenes
