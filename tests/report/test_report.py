"""The HTML campaign report: one self-contained file, every section, figures not blank."""

from __future__ import annotations

import base64
import io
import re
import shutil

import numpy as np
import pytest
from matplotlib.image import imread

from cloudorg.analysis.campaign import open_analysis, open_scale_study, store_scale_study
from cloudorg.domains import Domain
from cloudorg.errors import ConfigError
from cloudorg.report import write_report
from cloudorg.report.writer import SECTIONS
from cloudorg.store import CampaignStore, read_manifest
from cloudorg.synthetic import example_store
from tests.conftest import tiny_embedder

PNG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def report(embedded_campaign, tmp_path_factory) -> tuple[CampaignStore, str]:
    """The report of a copy of the campaign without an analysis yet."""
    root = tmp_path_factory.mktemp("report")
    store = CampaignStore.open(shutil.copytree(embedded_campaign.path, root / "c.zarr"))
    path = write_report(store, root / "report.html")
    assert path == root / "report.html" and not list(root.glob("*.partial"))
    return store, path.read_text()


def test_one_self_contained_file_with_every_section(report):
    _, html = report
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "://" not in html  # no external resource (base64 has no ':')
    assert "<script" not in html and "<link" not in html
    for anchor, title, _ in SECTIONS:
        assert f'<section id="{anchor}"><h2>{title}</h2>' in html
    assert "No scale study in the store" in html


def test_the_figures_are_embedded_pngs_that_are_not_blank(report):
    _, html = report
    images = PNG.findall(html)
    # scenes 1, metrics 2, embeddings 1, clusters 4 per feature set (K choice, map,
    # examples, dendrogram), confusion 1 per set
    assert len(images) == 1 + 2 + 1 + 2 * 4 + 2
    for data in images:
        pixels = imread(io.BytesIO(base64.b64decode(data)), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100
        assert pixels[..., :3].std() > 0.05
        assert np.unique(pixels[..., :3].reshape(-1, 3), axis=0).shape[0] > 20


def test_the_report_states_the_campaign_and_the_scores(report):
    store, html = report
    assert "holds 6 scenes" in html and "54 tiles, 9 per scene" in html
    assert f"<td>ingested</td><td>{len(read_manifest(store))}</td>" in html
    analysis = open_analysis(store)  # made by write_report and kept in the store
    row = analysis.sel(features="metrics")
    scored, scenes = int(row.n_tiles_scored), int(row.n_scenes_scored)
    interval = f"{float(row.nmi_low):.3f} – {float(row.nmi_high):.3f}"
    assert (
        f"<td>metrics</td><td>{scored}</td><td>{scenes}</td><td>{float(row.nmi):.4g}</td>"
        f"<td>{interval}</td><td>{float(row.nmi_chance):.4g}</td>"
    ) in html
    assert "chance level" in html and "permuted among the tiles of each scene" in html
    for cited in ("Denby 2020", "Rasp et al. 2020", "Janssens et al. 2021", "Jean et al. 2019"):
        assert cited in html
    for unnamed in ("equation 4", "Table 1", "Table 2"):
        assert unnamed not in html
    assert "NMI(Y, C) = 2 I(Y; C) / [H(Y) + H(C)]" in html
    rule = analysis.attrs["metric_rule"]
    assert "Rule for undefined metrics: impute" in html
    for metric in rule["used"]:
        assert f"<td>{metric}</td>" in html
    for metric, why in rule["dropped"].items():
        assert f"<td>{metric}</td><td></td><td>dropped: {why}</td>" in html
    assert "effective dimension" in html and "Labels: the tile table (pattern)" in html


def test_absent_inputs_are_stated(tmp_path):
    store = example_store(tmp_path / "c.zarr", 2)
    html = write_report(store, tmp_path / "r.html").read_text()
    assert "No analysis: " in html and "no tile table" in html
    assert "build one with `cloudorg tiles`" in html
    assert "No cloud metrics were analysed" in html and "No embeddings were analysed" in html
    assert len(PNG.findall(html)) == 1  # the scene thumbnails


def test_a_stored_scale_study_is_reported(tmp_path):
    domain = Domain.from_bounds("d", -56, -54, 14, 16, resolution_km=1)
    store = example_store(tmp_path / "c.zarr", 2, domain=domain)
    store_scale_study(store, tiny_embedder(), [64, 128], overlap=0.5, client="synchronous",
                      progress=False)  # fmt: skip
    html = write_report(store, tmp_path / "r.html").read_text()
    assert "NMI of the clusters against the classes by tile size" in html
    study = open_scale_study(store).sel(scale=128)
    assert f"<td>128</td><td>{int(study.n_scored)}</td>" in html


def test_a_store_without_scenes_is_refused(tmp_path):
    store = CampaignStore.create(tmp_path / "c.zarr", Domain.from_bounds("d", -56, -55, 14, 15,
                                 resolution_km=2), quantities=["rgb"])  # fmt: skip
    with pytest.raises(ConfigError, match=r"nothing to report: .*no scene"):
        write_report(store, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
