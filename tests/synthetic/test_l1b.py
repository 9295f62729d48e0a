"""cloudorg.synthetic.l1b: the attribute tables of the ABI and MODIS files, and their
placeholders."""

from __future__ import annotations

import numpy as np
import pytest

from cloudorg.synthetic.l1b import load_table, render


def test_attribute_tables_keep_numeric_dtypes() -> None:
    abi, modis = load_table("abi.yaml"), load_table("modis.yaml")
    dqf = abi["variables"]["DQF"]
    assert type(dqf["fill"]) is np.int8 and dqf["attrs"]["flag_values"].dtype == np.int8
    assert dqf["attrs"]["flag_values"].tolist() == [0, 1, 2, 3, 4]
    assert abi["variables"]["maximum_focal_plane_temperature"]["attrs"]["valid_range"].dtype == (
        np.float32
    )
    assert modis["sds"]["Range"]["valid_range"].dtype == np.uint16
    assert modis["band_numbers"]["Band_1KM_RefSB"].dtype == np.float32
    assert modis["core_metadata"]["GROUP INVENTORYMETADATA"]["GROUPTYPE"] == "MASTERGROUP"


def test_render_fills_placeholders() -> None:
    scale = np.float32(0.5)
    out = render({"a": "{scale}", "b": ["{n:03d} px"], "c": 1.0}, {"scale": scale, "n": 7})
    assert out["a"] is scale and out["b"] == ["007 px"] and out["c"] == 1.0
    with pytest.raises(KeyError):
        render("{missing}", {})
