"""The synth, ingest and info commands."""

from __future__ import annotations

from cloudorg.cli import build_parser, main
from cloudorg.store import CampaignStore


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


def test_the_issue_s_ingest_command_line_parses():
    args = build_parser().parse_args(["ingest", "--quantities", "brightness_temperature_11",
                                      "reflectance_0p64", "DIR", "--store", "c.zarr"])  # fmt: skip
    assert args.quantities == ["brightness_temperature_11", "reflectance_0p64"]
    assert args.inputs == ["DIR"]
