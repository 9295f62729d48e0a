"""Embeddings of tiles held in memory (or in Dask): a model applied to an xarray stack.

:func:`embed_tiles` is the in-memory sibling of :func:`~cloudorg.models.inference.embed`:
it takes tiles cut from any field (e.g. with :func:`cloudorg.tiles.tiles_of` or the
``.cloudorg`` accessor), normalises them as the store loaders do
(:class:`~cloudorg.tiles.Channels`) and returns one vector per tile.

Examples
--------
>>> import numpy as np, xarray as xr
>>> from cloudorg.models import ModelConfig, build_embedder
>>> tiles = xr.DataArray(np.zeros((3, 3, 64, 64), np.uint8), dims=("tile", "band", "y", "x"),
...                      name="rgb")
>>> embed_tiles(tiles, build_embedder(ModelConfig(width=4, embedding_dim=5))).shape
(3, 5)
"""

from __future__ import annotations

import os

import numpy as np
import torch
import xarray as xr

from ..errors import ConfigError
from ..tiles.normalise import Channels
from .device import autocast, place_model, resolve_device, to_device
from .tile_models import ModelLike, resolve_tile_model

__all__ = ["embed_tiles"]


def embed_tiles(
    tiles: xr.DataArray,
    model: ModelLike | str | os.PathLike[str],
    *,
    batch_size: int = 64,
    device: str = "auto",
    mixed_precision: bool = True,
) -> xr.DataArray:
    """The vector of each tile of a stack, from a model or a checkpoint of any kind.

    Parameters
    ----------
    tiles : xarray.DataArray
        Dims ``(tile, [band,] y, x)``: 8-bit images (scaled by 1/255) or a quantity with
        ``units`` of :data:`cloudorg.tiles.UNIT_SCALING`; NaN becomes 0 after scaling.
        Dask-backed tiles are computed one batch at a time.
    model : network or path
        A Tile2Vec embedder, autoencoder, DeepCluster result or classifier, or a checkpoint
        of one (:func:`~cloudorg.models.tile_models.resolve_tile_model`).
    batch_size : int
        Tiles per forward pass.
    device : str
        ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda[:N]"``.
    mixed_precision : bool
        bf16 autocast on CUDA.

    Returns
    -------
    xarray.DataArray
        ``(tile, embedding)`` float32 with the tiles' coordinates along ``tile`` and
        attributes ``model_id``, ``model_kind`` and the channel normalisation.

    Raises
    ------
    cloudorg.errors.ConfigError
        For tiles without ``(tile, ..., y, x)`` dims or channels the model does not take.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from cloudorg.models import ModelConfig, build_embedder
    >>> tiles = xr.DataArray(np.zeros((2, 64, 64), np.uint8), dims=("tile", "y", "x"))
    >>> embed_tiles(tiles, build_embedder(ModelConfig(width=4)))
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: tiles: 1 channel (tiles), the model takes in_channels=3
    """
    dims = tiles.dims if isinstance(tiles, xr.DataArray) else ()
    if dims[:1] != ("tile",) or dims[-2:] != ("y", "x"):
        raise ConfigError("tiles: expected a DataArray with dims (tile, [band,] y, x)")
    if batch_size < 1:
        raise ConfigError(f"batch_size: expected a positive integer, got {batch_size}")
    net, _ = resolve_tile_model(model)
    name = str(tiles.name or "tiles")
    channels = Channels.of(tiles.to_dataset(name=name), [name])
    if len(channels) != net.in_channels:
        plural = "s" if len(channels) != 1 else ""
        raise ConfigError(f"tiles: {len(channels)} channel{plural} ({', '.join(channels.names)}),"
                          f" the model takes in_channels={net.in_channels}")  # fmt: skip
    dev = resolve_device(device)
    net = place_model(net, dev).eval()
    n, size = tiles.sizes["tile"], tiles.sizes["y"]
    out = np.empty((n, net.output_dim(size)), dtype=np.float32)
    for start in range(0, n, batch_size):
        raw = np.asarray(tiles[start : start + batch_size].values)
        images = channels.normalise(raw.reshape(len(raw), len(channels), size, tiles.sizes["x"]))
        with torch.inference_mode(), autocast(dev, mixed_precision):
            vectors = net(to_device(torch.from_numpy(images), dev))
        out[start : start + len(raw)] = vectors.float().cpu().numpy()
    coords = {k: c for k, c in tiles.coords.items() if c.dims == ("tile",)}
    attrs = {"long_name": f"{net.kind} vector of each tile", "units": "1",
             "model_id": net.model_id, "model_kind": net.kind, **channels.to_attrs()}  # fmt: skip
    return xr.DataArray(out, dims=("tile", "embedding"), coords=coords, attrs=attrs,
                        name="embeddings")  # fmt: skip
