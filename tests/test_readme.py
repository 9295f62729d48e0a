"""The README's Python example runs as a script; without its `__main__` guard the library
says what is missing instead of failing obscurely. (The examples of the pages under docs/
run in test_docs_examples.py.)"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import xarray as xr

from .docs_workdir import DATA_BOUNDS, ROOT, python_blocks, run


def readme_script() -> str:
    (script,) = [b for b in python_blocks(ROOT / "README.md") if "__main__" in b]
    return script


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    from cloudorg.synthetic import synthesize_campaign

    folder = tmp_path_factory.mktemp("readme")
    synthesize_campaign(folder / "data", 1, bounds=DATA_BOUNDS, resolution_deg=0.02)
    return folder


def test_the_readme_example_runs_as_a_script(workdir):
    done = run(readme_script(), workdir)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "cloud_fraction" in done.stdout
    assert xr.open_zarr(workdir / "campaign.zarr", group="scenes").sizes["scene"] == 1


def test_without_its_main_guard_the_example_names_the_guard(workdir, tmp_path):
    script = readme_script()
    head, body = script.split("def main() -> None:\n")
    body = textwrap.dedent(body.split("\n\nif __name__")[0])
    (tmp_path / "data").symlink_to(workdir / "data")
    done = run(head + body, tmp_path)
    assert done.returncode != 0
    assert 'put it under `if __name__ == "__main__":`' in done.stderr
    assert "example.py runs its code at import" in done.stderr
