"""`cloudorg classify`: the supervised classifier trained on a store's labelled tiles."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.image import imread

from cloudorg.cli import main
from cloudorg.models import ClassifierRunConfig, load_checkpoint
from cloudorg.models.inference import open_class_probabilities
from cloudorg.models.tile_models import load_tile_model

CONFIG = {
    "model": {"width": 4, "hidden": [8]},
    "training": {"steps": 6, "batch_size": 8, "val_fraction": 0.34, "validate_every": 3,
                 "mixed_precision": False},
}  # fmt: skip
TILES = ["--size", "64", "--stride", "16", "--synchronous", "--device", "cpu"]


def _classify(store, out, *extra: str, config: dict = CONFIG) -> int:
    return main(["-q", "classify", str(store.path), "--out", str(out), "--config",
                 json.dumps(config), *TILES, *extra])  # fmt: skip


def test_classify_trains_reports_and_predicts_into_the_store(labelled_store, tmp_path, capsys):
    out = tmp_path / "run"
    assert _classify(labelled_store, out, "--min-label-fraction", "0", "--predict") == 0
    printed = capsys.readouterr().out
    assert "72 labelled 64 px tiles (sugar 24, gravel 12, fish 24, flower 12)" in printed
    assert "precision" in printed and "recall" in printed and "confusion matrix" in printed

    summary = json.loads((out / "metrics.json").read_text())
    cm = np.array(summary["confusion"])
    assert summary["n_train"] + summary["n_val"] == 72 and len(summary["val_scenes"]) == 2
    assert cm.sum() == summary["n_val"] == 24  # two held-out scenes of 12 tiles
    for i, name in enumerate(summary["class_names"]):
        row = cm[i].sum()
        recall = summary["classes"][name]["recall"]
        assert (recall is None) if row == 0 else recall == pytest.approx(cm[i, i] / row, abs=1e-4)
        assert summary["classes"][name]["support"] == row
    assert summary["accuracy"] == pytest.approx(np.trace(cm) / cm.sum(), abs=1e-4)
    figure = imread(out / "confusion.png")
    assert figure.shape[0] > 200 and figure[..., :3].std() > 0.05
    assert (out / "history.png").stat().st_size > 1000

    state = load_checkpoint(out / "classifier.pt")
    config = ClassifierRunConfig.from_dict(state.config)
    assert state.step == 6 and state.history["val_step"] == [3, 6]
    assert config.data.tile_size == 64 and config.data.stride == 16  # the tiles it learnt from

    probs = open_class_probabilities(labelled_store, 64, stride=16)
    assert probs.shape == (72, 5) and np.allclose(probs.sum("class"), 1, atol=1e-5)
    model, data = load_tile_model(out / "classifier.pt")
    assert probs.attrs["model_id"] == model.model_id and data.tile_size == 64

    # a rerun finds the finished training and the complete probabilities: nothing changes
    assert _classify(labelled_store, out, "--min-label-fraction", "0", "--predict") == 0
    assert load_checkpoint(out / "classifier.pt").step == 6
    assert np.array_equal(
        open_class_probabilities(labelled_store, 64, stride=16).values, probs.values
    )


def test_classify_errors_name_what_is_wrong(labelled_store, tmp_path, capsys):
    no_val = {**CONFIG, "training": {**CONFIG["training"], "val_fraction": 0}}
    assert _classify(labelled_store, tmp_path / "a", config=no_val) == 2
    assert "training.val_fraction" in capsys.readouterr().err
    assert _classify(labelled_store, tmp_path / "b", "--channels", "brightness_temperature_11",
                     "--min-label-fraction", "0") == 2  # fmt: skip
    assert "model.in_channels is 3" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["classify", "--help"])
    assert exit_.value.code == 0 and "--predict" in capsys.readouterr().out
