"""The example plug-in's model kind: ``channel_mean``, a linear map of the mean of each
channel of a tile.

Examples
--------
>>> import torch
>>> net = ChannelMean(ChannelMeanConfig(in_channels=2, out_features=3))
>>> CHANNEL_MEAN.forward(net, torch.rand(4, 2, 16, 16)).shape
torch.Size([4, 3])
"""

from dataclasses import dataclass

import torch
from torch import nn

from cloudorg.models.config import ConfigBase
from cloudorg.models.tile_models import BaseModelKind


@dataclass(frozen=True)
class ChannelMeanConfig(ConfigBase):
    """The network: ``in_channels`` channel means mapped to ``out_features`` values."""

    in_channels: int = 3
    out_features: int = 4


class ChannelMean(nn.Module):
    """A linear map of the channel means of tiles ``(N, C, H, W)``."""

    def __init__(self, config: ChannelMeanConfig) -> None:
        super().__init__()
        self.config = config
        self.linear = nn.Linear(config.in_channels, config.out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.mean(dim=(2, 3)))


class ChannelMeanKind(BaseModelKind):
    """``channel_mean``: a :class:`ChannelMean`; its output."""

    label = "channel mean"
    long_name = "linear map of the channel means of the tile"
    config_type = ChannelMeanConfig
    model_type = ChannelMean

    def build(self, config: ChannelMeanConfig) -> nn.Module:
        return ChannelMean(config)

    def output_dim(self, config: ChannelMeanConfig, net: nn.Module, tile_size: int) -> int:
        return config.out_features


CHANNEL_MEAN = ChannelMeanKind()
