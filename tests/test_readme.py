"""The README's Python example runs as a script; without its `__main__` guard the library
says what is missing instead of failing obscurely. The Python example of the getting-started
page runs on the store the README's example made."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(page: Path) -> list[str]:
    """The Python code blocks of a Markdown page."""
    return re.findall(r"```python\n(.*?)```", page.read_text(), re.S)


def readme_script() -> str:
    (script,) = [b for b in python_blocks(ROOT / "README.md") if "__main__" in b]
    return script


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    from cloudorg.synthetic import synthesize_campaign

    folder = tmp_path_factory.mktemp("readme")
    synthesize_campaign(folder / "data", 1, bounds=(-56.2, -53.8, 12.8, 15.2),
                        resolution_deg=0.02)  # fmt: skip
    return folder


def run(script: str, cwd: Path) -> subprocess.CompletedProcess:
    path = cwd / "example.py"
    path.write_text(script)
    return subprocess.run([sys.executable, str(path)], cwd=cwd, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


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


def test_the_getting_started_example_runs_on_a_campaign_store(workdir):
    if not (workdir / "campaign.zarr").exists():
        assert run(readme_script(), workdir).returncode == 0
    (script,) = [b for b in python_blocks(ROOT / "docs" / "getting-started.md")
                 if "cloudorg-demo/campaign.zarr" in b]  # fmt: skip
    (workdir / "cloudorg-demo").mkdir(exist_ok=True)
    link = workdir / "cloudorg-demo" / "campaign.zarr"
    if not link.exists():
        link.symlink_to(workdir / "campaign.zarr")
    checks = "\nprint(sorted(whole), per_tile.sizes['tile'], tiles.dims)\n"
    done = run(script + checks, workdir)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "'cloud_fraction'" in done.stdout and "('tile', 'band', 'y', 'x')" in done.stdout
