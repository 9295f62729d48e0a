"""A deep convolutional autoencoder (report section 11.2, Table 3).

The default architecture is the report's: an encoder of 3×3 convolutions with
128, 64, 32, 16 and 8 channels, each followed by a ReLU and a 2×2 max pooling, and a
decoder of 2×2 transposed convolutions with stride 2 back to the input channels
(8→16→32→64→128→C). The latent code, flattened, is the tile's embedding (``8 * (H/32) *
(W/32)`` values). Training minimises the mean squared reconstruction error with
:func:`~cloudorg.models.training.fit`.

Examples
--------
>>> import torch
>>> ae = build_autoencoder(AutoencoderConfig(in_channels=1, channels=(4, 2)))
>>> ae(torch.rand(2, 1, 16, 16)).shape, ae.encode(torch.rand(2, 1, 16, 16)).shape
(torch.Size([2, 1, 16, 16]), torch.Size([2, 32]))
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import xarray as xr
from torch import nn
from torch.utils.data import TensorDataset

from ..errors import ConfigError
from .config import ConfigBase, TrainingConfig, _check
from .data import ShuffledBatches
from .training import TrainResult, fit

__all__ = [
    "Autoencoder",
    "AutoencoderConfig",
    "AutoencoderRunConfig",
    "autoencoder_embeddings",
    "build_autoencoder",
    "reconstruct",
    "reconstruction_step",
    "train_autoencoder",
]

OUTPUTS = ("sigmoid", "identity")


@dataclass(frozen=True)
class AutoencoderConfig(ConfigBase):
    """Architecture of an :class:`Autoencoder` (defaults: the report's Table 3).

    Parameters
    ----------
    in_channels : int
        Channels of the tiles (3 in the report).
    channels : tuple of int
        Encoder convolution widths; the decoder mirrors them. Each halves the tile, so
        tile sides must be multiples of ``2 ** len(channels)``.
    output : {"sigmoid", "identity"}
        Activation of the reconstruction: ``sigmoid`` for tiles scaled to [0, 1],
        ``identity`` for standardised tiles.

    Examples
    --------
    >>> AutoencoderConfig(output="tanh")
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: autoencoder.output: expected one of ('sigmoid', 'identity'), ...
    """

    in_channels: int = 3
    channels: tuple[int, ...] = (128, 64, 32, 16, 8)
    output: str = "sigmoid"

    def __post_init__(self) -> None:
        _check(self.in_channels >= 1, "autoencoder.in_channels", "a positive integer",
               self.in_channels)  # fmt: skip
        _check(len(self.channels) >= 1 and all(c >= 1 for c in self.channels),
               "autoencoder.channels", "positive layer sizes", self.channels)  # fmt: skip
        _check(self.output in OUTPUTS, "autoencoder.output", f"one of {OUTPUTS}", self.output)


@dataclass(frozen=True)
class AutoencoderRunConfig(ConfigBase):
    """An autoencoder training run: architecture and optimisation.

    Examples
    --------
    >>> AutoencoderRunConfig().model.channels
    (128, 64, 32, 16, 8)
    """

    model: AutoencoderConfig = field(default_factory=AutoencoderConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)


class Autoencoder(nn.Module):
    """Convolutional encoder and transposed-convolution decoder.

    ``forward`` returns the reconstruction; :meth:`encode` the flattened latent code.
    """

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__()
        self.config = config
        enc: list[nn.Module] = []
        cin = config.in_channels
        for c in config.channels:
            enc += [nn.Conv2d(cin, c, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2)]
            cin = c
        self.encoder = nn.Sequential(*enc)
        dec: list[nn.Module] = []
        outs = [*reversed(config.channels[:-1]), config.in_channels]
        for i, c in enumerate(outs):
            dec.append(nn.ConvTranspose2d(cin, c, 2, stride=2))
            if i < len(outs) - 1:
                dec.append(nn.ReLU(inplace=True))
            cin = c
        if config.output == "sigmoid":
            dec.append(nn.Sigmoid())
        self.decoder = nn.Sequential(*dec)
        self.factor = 2 ** len(config.channels)

    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != self.config.in_channels:
            raise ConfigError(
                f"images: expected (N, {self.config.in_channels}, H, W), got {tuple(x.shape)}"
            )
        if x.shape[-1] % self.factor or x.shape[-2] % self.factor:
            raise ConfigError(
                f"images: tile sides must be multiples of {self.factor}, got {tuple(x.shape[-2:])}"
            )

    def latent(self, x: torch.Tensor) -> torch.Tensor:
        """The latent feature maps ``(N, channels[-1], H / f, W / f)``."""
        self._check(x)
        return self.encoder(x)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The flattened latent code ``(N, D)`` (the embedding)."""
        return torch.flatten(self.latent(x), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction of tiles ``(N, C, H, W)``."""
        return self.decoder(self.latent(x))


def build_autoencoder(config: AutoencoderConfig | None = None, *, seed: int = 0) -> Autoencoder:
    """A new :class:`Autoencoder` with weights drawn from ``seed``.

    Examples
    --------
    >>> [m.out_channels for m in build_autoencoder().decoder if hasattr(m, "out_channels")]
    [16, 32, 64, 128, 3]
    """
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        return Autoencoder(config or AutoencoderConfig())
    finally:
        torch.random.set_rng_state(state)


def reconstruction_step(model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict]:
    """Step function of :func:`fit`: mean squared reconstruction error of a batch.

    Examples
    --------
    >>> ae = build_autoencoder(AutoencoderConfig(in_channels=1, channels=(2,)))
    >>> loss, logged = reconstruction_step(ae, (torch.rand(2, 1, 4, 4),))
    >>> bool(loss > 0), logged
    (True, {})
    """
    x = batch[0] if isinstance(batch, tuple | list) else batch
    return nn.functional.mse_loss(model(x).float(), x.float()), {}


def _as_images(images: Any) -> torch.Tensor:
    x = images.tensors[0] if isinstance(images, TensorDataset) else images
    x = torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x, dtype=torch.float32)
    if x.ndim != 4:
        raise ConfigError(f"images: expected (N, C, H, W), got shape {tuple(x.shape)}")
    return x


def train_autoencoder(
    images: Any,
    config: AutoencoderRunConfig | None = None,
    *,
    val: Any = None,
    checkpoint: str | os.PathLike[str] | None = None,
    device: str | torch.device = "auto",
    progress: bool = True,
    model: Autoencoder | None = None,
) -> TrainResult:
    """Train an :class:`Autoencoder` on tiles with :func:`~cloudorg.models.training.fit`.

    Parameters
    ----------
    images : tensor or array ``(N, C, H, W)``
        Training tiles (scaled to [0, 1] for the default sigmoid output).
    config : AutoencoderRunConfig, optional
    val : tensor or array, optional
        Validation tiles.
    checkpoint : path, optional
        Checkpoint file; a run whose checkpoint exists continues from it.
    device : str or torch.device
    progress : bool
    model : Autoencoder, optional
        Start from this model (its config must be ``config.model``).

    Returns
    -------
    TrainResult
        ``history`` has ``loss`` (MSE) and ``lr`` per step (and ``val_loss``).

    Examples
    --------
    >>> cfg = AutoencoderRunConfig(model=AutoencoderConfig(in_channels=1, channels=(4, 2)),
    ...     training=TrainingConfig(steps=2, batch_size=4, validate_every=0,
    ...                             mixed_precision=False))
    >>> train_autoencoder(torch.rand(8, 1, 16, 16), cfg, progress=False).history.sizes["step"]
    2
    """
    config = config or AutoencoderRunConfig()
    tc = config.training
    x = _as_images(images)
    if model is None:
        model = build_autoencoder(config.model, seed=tc.seed)
    elif model.config != config.model:
        raise ConfigError(f"model: its config {model.config} is not config.model {config.model}")
    model._check(x[:1])
    val_src = None
    if val is not None:
        v = _as_images(val)
        val_src = ShuffledBatches(TensorDataset(v), min(tc.batch_size, len(v)), shuffle=False,
                                  repeat=False, drop_last=False)  # fmt: skip
    result = fit(
        model, reconstruction_step, ShuffledBatches(TensorDataset(x), tc.batch_size, seed=tc.seed),
        config=tc, run_config=config.to_dict(), val=val_src, checkpoint=checkpoint,
        device=device, progress=progress, desc="autoencoder", kind="autoencoder",
        long_names={"loss": "mean squared reconstruction error", "lr": "learning rate"},
    )  # fmt: skip
    result.history.attrs["config"] = config.to_json()
    return result


@torch.no_grad()
def autoencoder_embeddings(
    model: Autoencoder,
    images: Any,
    *,
    batch_size: int = 256,
    device: str | torch.device = "cpu",
) -> xr.DataArray:
    """The latent codes of tiles as embeddings ``(tile, embedding)``, like
    :func:`cloudorg.models.embed`.

    Examples
    --------
    >>> ae = build_autoencoder(AutoencoderConfig(in_channels=1, channels=(4, 2)))
    >>> autoencoder_embeddings(ae, torch.rand(3, 1, 8, 8)).shape
    (3, 8)
    """
    x = _as_images(images)
    was_training = model.training
    model.eval()
    dev = torch.device(device)
    try:
        z = [model.encode(x[i : i + batch_size].to(dev)).float().cpu()
             for i in range(0, len(x), batch_size)]  # fmt: skip
    finally:
        model.train(was_training)
    data = torch.cat(z).numpy()
    return xr.DataArray(
        data,
        dims=("tile", "embedding"),
        coords={"tile": np.arange(len(data)), "embedding": np.arange(data.shape[1])},
        name="embedding",
        attrs={"long_name": "autoencoder latent code", "config": model.config.to_json()},
    )


@torch.no_grad()
def reconstruct(
    model: Autoencoder,
    images: Any,
    *,
    n: int | None = None,
    batch_size: int = 256,
    device: str | torch.device = "cpu",
) -> xr.Dataset:
    """Tiles and their reconstructions by ``model``, as drawn by
    :func:`cloudorg.plots.plot_reconstructions` (the report's figure 44).

    Parameters
    ----------
    model : Autoencoder
        The trained autoencoder (its train/eval mode is restored afterwards).
    images : array, tensor or TensorDataset
        Tiles ``(N, C, H, W)``.
    n : int, optional
        Reconstruct only the first ``n`` tiles (default: all).
    batch_size : int
        Tiles per forward pass.
    device : str or torch.device
        Where the model runs.

    Returns
    -------
    xarray.Dataset
        ``image`` (the tiles) and ``reconstruction``, float32 ``(tile, channel, y, x)``.

    Examples
    --------
    >>> ae = build_autoencoder(AutoencoderConfig(in_channels=1, channels=(2,)))
    >>> rec = reconstruct(ae, torch.rand(3, 1, 8, 8), n=2)
    >>> rec.reconstruction.dims, rec.sizes["tile"]
    (('tile', 'channel', 'y', 'x'), 2)
    """
    x = _as_images(images)
    if n is not None:
        if n < 1:
            raise ConfigError(f"n: expected a positive number of tiles, got {n}")
        x = x[:n]
    if len(x) == 0:
        raise ConfigError("images: no tile to reconstruct")
    was_training = model.training
    model.eval()
    dev = torch.device(device)
    try:
        y = [model(x[i : i + batch_size].to(dev)).float().cpu()
             for i in range(0, len(x), batch_size)]  # fmt: skip
    finally:
        model.train(was_training)
    dims = ("tile", "channel", "y", "x")
    return xr.Dataset(
        {
            "image": (dims, x.detach().cpu().numpy(), {"long_name": "tile"}),
            "reconstruction": (dims, torch.cat(y).numpy(), {"long_name": "reconstruction"}),
        },
        coords={"tile": np.arange(len(x))},
        attrs={"config": model.config.to_json()},
    )
