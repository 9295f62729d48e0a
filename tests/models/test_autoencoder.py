"""Tests of the convolutional autoencoder (report section 11.2, Table 3)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg

from cloudorg.errors import ConfigError
from cloudorg.models.autoencoder import (
    AutoencoderConfig,
    AutoencoderRunConfig,
    autoencoder_embeddings,
    build_autoencoder,
    train_autoencoder,
)
from cloudorg.models.config import TrainingConfig
from cloudorg.plots import plot_reconstructions
from cloudorg.synthetic import synthesize_fields


@pytest.fixture(scope="module")
def tiles() -> torch.Tensor:
    ds = synthesize_fields((-58.0, -55.5, 12.0, 14.5), resolution_deg=0.02, patterns="flower")
    r = ds.reflectance_0p64.values
    x = np.stack(
        [r[None, i : i + 32, j : j + 32] for i in range(0, 93, 16) for j in range(0, 93, 16)]
    )
    x = (x - x.min()) / (x.max() - x.min())
    return torch.as_tensor(x, dtype=torch.float32)


def test_default_is_table_3() -> None:
    ae = build_autoencoder()
    convs = [(m.in_channels, m.out_channels) for m in ae.encoder if isinstance(m, torch.nn.Conv2d)]
    assert convs == [(3, 128), (128, 64), (64, 32), (32, 16), (16, 8)]
    deconvs = [(m.in_channels, m.out_channels, m.stride) for m in ae.decoder
               if isinstance(m, torch.nn.ConvTranspose2d)]  # fmt: skip
    assert deconvs == [(8, 16, (2, 2)), (16, 32, (2, 2)), (32, 64, (2, 2)), (64, 128, (2, 2)),
                       (128, 3, (2, 2))]  # fmt: skip
    x = torch.rand(1, 3, 64, 64)
    y = ae(x).detach()
    assert y.shape == x.shape and float(y.min()) >= 0 and float(y.max()) <= 1
    assert ae.encode(x).shape == (1, 8 * 2 * 2)


def test_reconstruction_error_falls(tiles: torch.Tensor) -> None:
    torch.set_num_threads(2)
    cfg = AutoencoderRunConfig(
        model=AutoencoderConfig(in_channels=1, channels=(8, 4)),
        training=TrainingConfig(steps=60, batch_size=12, lr=1e-2, validate_every=30,
                                mixed_precision=False),
    )  # fmt: skip
    result = train_autoencoder(tiles[:30], cfg, val=tiles[30:], progress=False, device="cpu")
    loss = result.history.loss.values
    assert loss[-10:].mean() < 0.5 * loss[:5].mean()
    assert loss[-10:].mean() < 0.5 * float(tiles.var())  # better than a constant tile
    val = result.history.val_loss.values
    assert val[-1] < val[0]
    emb = autoencoder_embeddings(result.model, tiles)
    assert emb.dims == ("tile", "embedding") and emb.shape == (len(tiles), 4 * 8 * 8)
    assert float(emb.std("tile").mean()) > 0
    canvas = FigureCanvasAgg(plot_reconstructions(result.model, tiles, n=3))
    canvas.draw()
    assert np.asarray(canvas.buffer_rgba())[..., :3].std() > 10


def test_errors() -> None:
    with pytest.raises(ConfigError, match=r"autoencoder\.channels"):
        AutoencoderConfig(channels=())
    ae = build_autoencoder(AutoencoderConfig(in_channels=1, channels=(2, 2)))
    with pytest.raises(ConfigError, match="multiples of 4"):
        ae(torch.rand(1, 1, 10, 10))
    with pytest.raises(ConfigError, match="images"):
        autoencoder_embeddings(ae, torch.rand(1, 3, 8, 8))
