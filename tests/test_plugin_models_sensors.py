"""Plug-in model kinds and sensors: the example package's ``channel_mean`` model kind
trained, saved, loaded and applied like a built-in one; its ``xbi`` sensor's files
discovered and its bands known; broken entry points reported without breaking the
library's own kinds and sensors.

Each case runs in a Python process of its own (a registry reads the installed entry points
once per process), with the example package installed as in ``test_plugins.py``."""

from __future__ import annotations

from tests.test_plugins import plugin_site, run_python  # noqa: F401  (plugin_site: a fixture)


def test_an_installed_model_kind_trains_saves_loads_and_embeds(plugin_site, tmp_path):  # noqa: F811
    out = run_python(
        f"""
        import json
        import numpy as np
        import torch
        import xarray as xr
        from cloudorg.models import (ShuffledBatches, TrainingConfig, fit, load_checkpoint,
                                     load_tile_model)
        from cloudorg.models.arrays import embed_tiles
        from cloudorg.models.tile_models import MODEL_KINDS, as_tile_model
        from cloudorg_example_plugin.models import ChannelMean, ChannelMeanConfig

        config = ChannelMeanConfig(in_channels=2, out_features=1)
        torch.manual_seed(0)
        x = torch.rand(64, 2, 1, 1).expand(64, 2, 8, 8).contiguous()  # channel means in [0, 1]
        target = x.mean(dim=(2, 3)).sum(1, keepdim=True)  # the sum of the channel means
        def step(model, batch):
            return torch.nn.functional.mse_loss(model(batch[0]), batch[1]), {{}}
        training = TrainingConfig(steps=200, batch_size=16, lr=0.1, schedule="constant",
                                  validate_every=0, mixed_precision=False)
        run = {{"model": config.to_dict(), "data": {{"tile_size": 8}}}}
        result = fit(ChannelMean(config), step,
                     ShuffledBatches(torch.utils.data.TensorDataset(x, target), 16),
                     config=training, run_config=run, progress=False, device="cpu",
                     checkpoint={str(tmp_path / "cm.pt")!r}, kind="channel_mean")
        model = as_tile_model(result.model)
        path = result.checkpoint
        loaded, data = load_tile_model(path)
        tiles = xr.DataArray(np.full((3, 2, 8, 8), 255, np.uint8),
                             dims=("tile", "band", "y", "x"), name="rgb")
        vectors = embed_tiles(tiles, path, device="cpu")
        print(json.dumps({{
            "last": MODEL_KINDS.names()[-1],
            "kind": model.kind,
            "label": model.model_kind.label,
            "loss": result.history["loss"].values[[0, -1]].tolist(),
            "recorded": load_checkpoint(path).kind,
            "loaded": [loaded.kind, loaded.model_id == model.model_id, loaded.output_dim(8)],
            "tile_size": data.tile_size,
            "vectors": vectors.values.tolist(),
            "model_kind": vectors.attrs["model_kind"],
        }}))
        """,
        plugin_site,
    )
    assert out["last"] == out["kind"] == out["recorded"] == "channel_mean"
    assert out["label"] == "channel mean"
    first, last = out["loss"]
    assert last < first / 10
    assert out["loaded"] == ["channel_mean", True, 1] and out["tile_size"] == 8
    assert all(abs(v - 2.0) < 0.05 for (v,) in out["vectors"])  # channel means 1 and 1
    assert out["model_kind"] == "channel_mean"


def test_an_installed_sensor_is_discovered_and_gives_its_bands(plugin_site, tmp_path):  # noqa: F811
    names = [
        "XBI-L1b-C02_X01_s20200201300000.nc",
        "XBI-L1b-C14_X01_s20200201300000.nc",
        "XBI-L1b-C02_X01_s20200201310005.nc",
        "OR_ABI-L1b-RadC-M6C02_G16_s20200201401170_e20200201403543_c20200201403587.nc",
        "notes.txt",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    out = run_python(
        f"""
        import json
        from cloudorg.io.discover import discover
        from cloudorg.io.sensors import SENSORS
        from cloudorg.quantities import QUANTITIES

        scenes, unrecognised = discover([{str(tmp_path)!r}])
        print(json.dumps({{
            "sensors": SENSORS.names(),
            "scenes": [[s.scene_id, s.sensor, s.platform, s.readers, len(s.all_files)]
                       for s in scenes],
            "unrecognised": [reason for _, reason in unrecognised],
            "bands": [QUANTITIES[q].bands.get("xbi")
                      for q in ("reflectance_0p64", "brightness_temperature_11",
                                "reflectance_1p6")],
        }}))
        """,
        plugin_site,
    )
    assert out["sensors"] == ["abi", "modis", "xbi"]
    assert out["scenes"] == [
        ["X01_xbi_20200120T130000", "xbi", "X01", ["abi_l1b"], 2],
        ["X01_xbi_20200120T131000", "xbi", "X01", ["abi_l1b"], 1],
        ["G16_abi_C_20200120T140117", "abi", "G16", ["abi_l1b"], 1],
    ]
    (reason,) = out["unrecognised"]
    assert "XBI L1b radiances" in reason and "GOES ABI L1b radiances" in reason
    assert out["bands"] == [["C02"], ["C14", "C13"], None]


def test_broken_model_kind_and_sensor_plugins_are_reported(tmp_path):
    dist = tmp_path / "broken_plugins-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugins\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[cloudorg.models]\nnot_a_kind = math:pi\n\n"
        "[cloudorg.sensors]\nnot_a_sensor = math:tau\nabi = math:e\n"
    )
    out = run_python(
        """
        import json, warnings
        from cloudorg.io.discover import recognise
        from cloudorg.io.sensors import SENSORS
        from cloudorg.models.tile_models import MODEL_KINDS
        from cloudorg.registry import PluginWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            names = [MODEL_KINDS.names(), SENSORS.names()]
        found = recognise("MYD03.A2020020.1430.061.2020021000000.hdf")
        print(json.dumps({
            "warnings": [str(w.message) for w in caught if w.category is PluginWarning],
            "names": names,
            "scene": found[1][0],
        }))
        """,
        tmp_path,
    )
    not_a_kind, not_a_sensor, taken = out["warnings"]
    assert "model kind plug-in 'not_a_kind'" in not_a_kind and "output_dim" in not_a_kind
    assert "sensor plug-in 'not_a_sensor'" in not_a_sensor and "Sensor" in not_a_sensor
    assert "'abi'" in taken and "registered already" in taken
    assert out["names"] == [["tile2vec", "autoencoder", "deepcluster", "classifier"],
                            ["abi", "modis"]]  # fmt: skip
    assert out["scene"] == "aqua_modis_20200120T143000"
