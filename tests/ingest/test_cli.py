"""The `cloudorg` command: synth, ingest, info and --help everywhere."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from cloudorg.cli import build_parser, main
from cloudorg.cli.options import ListAction
from cloudorg.metrics.registry import metric_names
from cloudorg.pipeline.config import STAGES
from cloudorg.quantities import QUANTITIES
from cloudorg.store import CampaignStore
from cloudorg.tiles.filters import FLAGS


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
    ny, nx = CampaignStore.open(store).domain.shape
    assert f"2 km pixels, {ny} rows (y) x {nx} columns (x)" in out


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


def list_options():
    """(command, its parser, list option) for every list option of every command."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command, parser in sub.choices.items():
        for action in parser._actions:
            if isinstance(action, ListAction):
                yield pytest.param(parser, action, id=f"{command} {action.option_strings[0]}")


CANDIDATES = [*QUANTITIES, *FLAGS, *STAGES, *metric_names(), "embeddings", "metrics", "rgb"]


def filler(action: argparse.Action) -> list[str]:
    """Words for an argument: a store path, a number or a choice."""
    if action.choices:
        return [str(next(iter(action.choices)))]
    return ["1"] if action.type in (int, float) else ["c.zarr"]


@pytest.mark.parametrize("parser, option", list(list_options()))
def test_list_options_followed_by_positionals_parse(parser, option):
    values = [w for w in CANDIDATES if option.takes(w) and option.type(w)][:2]
    assert len(values) == 2
    positionals = [a for a in parser._actions if not a.option_strings]
    required = [a for a in parser._actions if a.option_strings and a.required]
    words = [option.option_strings[0], *values]
    words += [f"data/input_{k}.nc" for k in range(len(positionals))]
    for action in required:
        words += [action.option_strings[0], *filler(action)]
    args = parser.parse_args(words)
    assert getattr(args, option.dest) == values
    for k, action in enumerate(positionals):
        got = getattr(args, action.dest)
        assert (got if isinstance(got, str) else got[0]) == f"data/input_{k}.nc"
    comma = parser.parse_args([*words[:1], ",".join(values), *words[3:]])
    assert getattr(comma, option.dest) == values


def test_the_issue_s_ingest_command_line_parses():
    args = build_parser().parse_args(["ingest", "--quantities", "brightness_temperature_11",
                                      "reflectance_0p64", "DIR", "--store", "c.zarr"])  # fmt: skip
    assert args.quantities == ["brightness_temperature_11", "reflectance_0p64"]
    assert args.inputs == ["DIR"]
