"""The `cloudorg` command: synth, ingest, info and --help everywhere."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cloudorg.cli import build_parser, main
from cloudorg.store import CampaignStore


@pytest.mark.parametrize("command", [[], ["synth"], ["ingest"], ["info"], ["demo"]])
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: cloudorg" in out and "--help" in out


def test_synth_ingest_info_round_trip(tmp_path, capsys):
    data = tmp_path / "data"
    bounds = ["-56.2", "-53.8", "12.8", "15.2"]
    assert main(["-q", "synth", str(data), "--n", "2", "--bounds", *bounds,
                 "--resolution-deg", "0.02"]) == 0  # fmt: skip
    assert "wrote" in capsys.readouterr().out
    store = tmp_path / "c.zarr"
    assert main(["-q", "ingest", str(data), "--store", str(store), "--domain", "box",
                 "--bounds", "-56", "-54", "13", "15", "--resolution", "2",
                 "--synchronous"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "2 scenes" in out and "ingested" in out
    assert len(CampaignStore.open(store).scene_ids()) == 2
    assert main(["info", str(store)]) == 0
    out = capsys.readouterr().out
    assert "domain:     box" in out and "scenes:     2" in out and "ingested: 12" in out


def test_input_errors_exit_2_with_one_line(tmp_path, capsys):
    assert main(["info", str(tmp_path / "missing.zarr")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cloudorg: error: ") and "missing.zarr" in err
    assert main(["ingest", str(tmp_path), "--store", str(tmp_path / "s.zarr"),
                 "--quantities", "bogus", "--synchronous"]) == 2  # fmt: skip
    assert "bogus" in capsys.readouterr().err


def test_console_script_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "cloudorg.cli", "--version"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert out.stdout.startswith("cloudorg ")
    assert build_parser().prog == "cloudorg"
