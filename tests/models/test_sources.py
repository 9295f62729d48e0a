"""Training data from a campaign store: the labelled tiles of the supervised classifier."""

from __future__ import annotations

import pytest

from cloudorg.errors import ConfigError, StoreError
from cloudorg.models import DataConfig
from cloudorg.models.sources import labelled_tiles_from_store


def test_labelled_tiles_keep_tiles_mostly_of_their_class(labelled_store):
    data = DataConfig(tile_size=64, stride=16)
    every, _ = labelled_tiles_from_store(labelled_store, data, min_label_fraction=0,
                                         client="synchronous", progress=False)  # fmt: skip
    mostly, rows = labelled_tiles_from_store(labelled_store, data, min_label_fraction=0.5,
                                             client="synchronous", progress=False)  # fmt: skip
    assert len(every) == 72 and 0 < len(mostly) < 72 and len(rows) == len(mostly)
    assert 0.0 <= float(mostly.images.min()) and float(mostly.images.max()) <= 1.0  # rgb / 255
    with pytest.raises(ConfigError, match="min_label_fraction"):
        labelled_tiles_from_store(labelled_store, data, min_label_fraction=2, client="synchronous")
    with pytest.raises(StoreError, match="no usable tile"):
        labelled_tiles_from_store(labelled_store, data, min_label_fraction=1,
                                  client="synchronous", progress=False)  # fmt: skip
