"""The `cloudorg` command itself: --help everywhere, --version as a module, and input errors
as one line with exit status 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cloudorg.cli import build_parser, main


@pytest.mark.parametrize("command", [[], ["synth"], ["ingest"], ["info"], ["demo"]])
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: cloudorg" in out and "--help" in out


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
