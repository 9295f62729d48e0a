"""The ``cloudorg analyse`` and ``cloudorg report`` commands on a synthetic campaign."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys

import pytest

from cloudorg.analysis.commands import register
from cloudorg.errors import ConfigError


def cloudorg(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="cloudorg")
    parser.add_argument("-q", "--quiet", action="store_true")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["-q", *argv])
    return args.func(args)


def test_analyse_then_report(embedded_campaign, tmp_path, capsys):
    store = shutil.copytree(embedded_campaign.path, tmp_path / "c.zarr")
    assert cloudorg("analyse", str(store), "--tiling", "64px", "--k", "4") == 0
    out = capsys.readouterr().out
    assert "analysis/64px" in out
    metrics_row = next(line for line in out.splitlines() if line.strip().startswith("metrics"))
    _, k, _, score, chance = metrics_row.split()
    assert k == "4" and score == "0.318" and float(chance) < 0.15
    report = tmp_path / "out" / "r.html"
    report.parent.mkdir()
    assert cloudorg("report", str(store), "--out", str(report)) == 0
    assert capsys.readouterr().out.strip() == str(report.resolve())
    assert report.read_text().startswith("<!DOCTYPE html>")


def test_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cloudorg("analyse", "c.zarr", "--k", "many")
    assert "expected an integer or 'auto'" in capsys.readouterr().err
    from cloudorg.tiles import example_store

    store = example_store(tmp_path / "c.zarr", 1)
    with pytest.raises(ConfigError, match="no tile table"):
        cloudorg("analyse", str(store.path))


def test_command_module_starts_without_the_analysis_libraries():
    loaded = "{'sklearn', 'matplotlib'} & set(sys.modules)"
    code = f"import sys, cloudorg.analysis.commands; print({loaded})"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "set()"
