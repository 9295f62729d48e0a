"""Plug-ins: the example package (tests/plugins/cloudorg_example_plugin) installed by pip and
used like a built-in metric, on a LocalCluster too; broken entry points reported without
breaking the library's metrics; a metric registered in a session.

Each case runs in a Python process of its own, since a registry reads the installed entry
points once per process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cloudorg.metrics import metric_names

PLUGIN = Path(__file__).parent / "plugins" / "cloudorg_example_plugin"

MASK = "mask = np.zeros((8, 8), bool); mask[2:6, 2:6] = True  # 12 of 16 pixels on the edge"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """A directory where pip installed the example plug-in (built from a copy, so that the
    build leaves nothing in the source tree)."""
    root = tmp_path_factory.mktemp("plugin")
    source = shutil.copytree(PLUGIN, root / "source")
    site = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--target", str(site), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    return site


def run_python(code: str, *path: Path) -> dict:
    """Run ``code`` with ``path`` in front of the module search path; its printed JSON."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_an_installed_plugin_metric_works_like_a_builtin(plugin_site, tmp_path):
    out = run_python(
        f"""
        import json
        import numpy as np
        import xarray as xr
        from cloudorg.distributed import cluster_client
        from cloudorg.masks import cloud_mask
        from cloudorg.metrics import METRICS, compute_metrics, metrics_for_store, metrics_for_tiles
        from cloudorg.synthetic.stores import example_store

        {MASK}
        names = ["cloud_fraction", "cloud_edge_fraction"]
        tiles = xr.DataArray(np.stack([mask, ~mask]), dims=("tile", "y", "x")).chunk(tile=1)
        store = example_store({str(tmp_path / "c.zarr")!r}, 1)
        with cluster_client(n_workers=1, dashboard_address="127.0.0.1:0") as client:
            ds = metrics_for_store(store, tile_size=64, metrics=names, client=client,
                                   mask="brightness_temperature", progress=False)
        r, c = int(ds["row0"][0]), int(ds["col0"][0])
        tile = cloud_mask(store.open_scenes(), "brightness_temperature")[0, r:r + 64, c:c + 64]
        print(json.dumps({{
            "registered": METRICS.names()[-1],
            "default": list(compute_metrics(mask))[-1],
            "values": compute_metrics(mask, metrics=names),
            "periodic": compute_metrics(mask, metrics="cloud_edge_fraction", periodic=True),
            "tiles": metrics_for_tiles(tiles, metrics=names)["cloud_edge_fraction"].values.tolist(),
            "store": float(ds["cloud_edge_fraction"][0]),
            "expected": compute_metrics(tile, metrics="cloud_edge_fraction", dx=1.0),
            "attrs": ds["cloud_edge_fraction"].attrs,
        }}))
        """,
        plugin_site,
    )
    assert out["registered"] == out["default"] == "cloud_edge_fraction"
    assert out["values"] == {"cloud_fraction": 0.25, "cloud_edge_fraction": 0.75}
    assert out["periodic"] == {"cloud_edge_fraction": 0.75}
    assert out["tiles"] == [0.75, 44 / 48]  # the frame: its 28 border pixels, 16 by the hole
    assert 0 < out["store"] < 1 and out["store"] == out["expected"]["cloud_edge_fraction"]
    assert out["attrs"]["units"] == "1"
    assert out["attrs"]["long_name"] == "fraction of the cloudy pixels on an object edge"


def test_a_broken_plugin_is_reported_and_the_builtins_keep_working(tmp_path):
    dist = tmp_path / "broken_plugins-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugins\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[cloudorg.metrics]\n"
        "missing_module = cloudorg_no_such_module:METRIC\n"
        "not_a_metric = math:pi\n"
        "cloud_fraction = math:tau\n"
    )
    out = run_python(
        f"""
        import json, warnings
        import numpy as np
        from cloudorg.metrics import compute_metrics, metric_names
        from cloudorg.registry import PluginWarning

        {MASK}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            names = metric_names()
        print(json.dumps({{
            "warnings": [str(w.message) for w in caught if w.category is PluginWarning],
            "names": names,
            "values": compute_metrics(mask, metrics=["cloud_fraction", "num_objects"]),
        }}))
        """,
        tmp_path,
    )
    missing, not_a_metric, taken = out["warnings"]
    assert "'missing_module'" in missing and "cloudorg_no_such_module" in missing
    assert "'not_a_metric'" in not_a_metric and "Metric" in not_a_metric
    assert "'cloud_fraction'" in taken and "registered already" in taken
    assert tuple(out["names"]) == metric_names()
    assert out["values"] == {"cloud_fraction": 0.25, "num_objects": 1.0}


def test_a_metric_registered_in_a_session():
    out = run_python(
        f"""
        import json
        import numpy as np
        from cloudorg.metrics import compute_metrics, register_metric
        from cloudorg_example_plugin.metrics import cloud_edge_fraction

        register_metric(cloud_edge_fraction)
        {MASK}
        print(json.dumps(compute_metrics(mask, metrics=["cloud_edge_fraction"])))
        """,
        PLUGIN,
    )
    assert out == {"cloud_edge_fraction": 0.75}
