"""ResNet backbones (He et al. 2016) in plain torch, for any channel count and tile size.

The layouts are those of torchvision's ``resnet18`` … ``resnet101`` (basic blocks for 18
and 34 layers, bottleneck blocks with the stride on the 3×3 convolution for 50 and 101),
with two changes for satellite tiles: the stem takes any number of input channels, and
the stage widths scale with ``width`` (64 in the paper), so tiny models can be tested
cheaply. An adaptive average pool ends the backbone, so any tile size gives a feature
vector of :attr:`ResNet.out_features` (tiles under 32 px reach the last stage as a
single pixel).

Examples
--------
>>> import torch
>>> net = resnet("resnet18", in_channels=1, width=8)
>>> net(torch.zeros(2, 1, 48, 48)).shape, net.out_features
(torch.Size([2, 64]), 64)
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError
from .config import BACKBONES

__all__ = ["LAYOUTS", "ResNet", "resnet"]

LAYOUTS: dict[str, tuple[str, tuple[int, int, int, int]]] = {
    "resnet18": ("basic", (2, 2, 2, 2)),
    "resnet34": ("basic", (3, 4, 6, 3)),
    "resnet50": ("bottleneck", (3, 4, 6, 3)),
    "resnet101": ("bottleneck", (3, 4, 23, 3)),
}
"""Block type and blocks per stage of each backbone."""


def _conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


def _conv1x1(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class _Block(nn.Module):
    """A residual block: ``relu(body(x) + shortcut(x))``."""

    expansion = 1

    def __init__(self, cin: int, planes: int, stride: int) -> None:
        super().__init__()
        cout = planes * self.expansion
        self.body = self._body(cin, planes, stride)
        self.shortcut = (
            nn.Sequential(_conv1x1(cin, cout, stride), nn.BatchNorm2d(cout))
            if stride != 1 or cin != cout
            else nn.Identity()
        )
        self.relu = nn.ReLU(inplace=True)

    def _body(self, cin: int, planes: int, stride: int) -> nn.Sequential:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(x) + self.shortcut(x))


class _BasicBlock(_Block):
    """Two 3×3 convolutions (ResNet-18/34)."""

    def _body(self, cin: int, planes: int, stride: int) -> nn.Sequential:
        return nn.Sequential(
            _conv3x3(cin, planes, stride), nn.BatchNorm2d(planes), nn.ReLU(inplace=True),
            _conv3x3(planes, planes), nn.BatchNorm2d(planes),
        )  # fmt: skip


class _Bottleneck(_Block):
    """1×1 reduce, 3×3 (strided), 1×1 expand by 4 (ResNet-50/101)."""

    expansion = 4

    def _body(self, cin: int, planes: int, stride: int) -> nn.Sequential:
        return nn.Sequential(
            _conv1x1(cin, planes), nn.BatchNorm2d(planes), nn.ReLU(inplace=True),
            _conv3x3(planes, planes, stride), nn.BatchNorm2d(planes), nn.ReLU(inplace=True),
            _conv1x1(planes, planes * 4), nn.BatchNorm2d(planes * 4),
        )  # fmt: skip


_BLOCKS: dict[str, type[_Block]] = {"basic": _BasicBlock, "bottleneck": _Bottleneck}


class ResNet(nn.Module):
    """A ResNet feature extractor: stem, four stages, global average pool.

    Parameters
    ----------
    block : {"basic", "bottleneck"}
        Residual block type.
    layers : tuple of 4 int
        Blocks per stage.
    in_channels : int
        Channels of the input.
    width : int
        Channels of the first stage; stage ``k`` has ``width * 2**k`` (times 4 for
        bottleneck outputs).

    Examples
    --------
    >>> import torch
    >>> net = ResNet("bottleneck", (1, 1, 1, 1), in_channels=2, width=4)
    >>> net(torch.zeros(1, 2, 40, 56)).shape
    torch.Size([1, 128])
    """

    def __init__(
        self, block: str, layers: tuple[int, ...], *, in_channels: int = 3, width: int = 64
    ) -> None:
        super().__init__()
        cls = _BLOCKS[block]
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
        )  # fmt: skip
        stages = []
        cin = width
        for k, n in enumerate(layers):
            planes = width * 2**k
            blocks = []
            for i in range(n):
                blocks.append(cls(cin, planes, stride=2 if (i == 0 and k > 0) else 1))
                cin = planes * cls.expansion
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.out_features = cin
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for m in self.modules():  # zero-init the last BN of each block (Goyal et al. 2017)
            if isinstance(m, _Block):
                nn.init.zeros_(m.body[-1].weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Features ``(N, out_features)`` of a batch ``(N, C, H, W)``."""
        return torch.flatten(self.pool(self.stages(self.stem(x))), 1)


def resnet(name: str, *, in_channels: int = 3, width: int = 64) -> ResNet:
    """The ResNet backbone called ``name`` (one of ``resnet18/34/50/101``).

    Examples
    --------
    >>> resnet("resnet50", width=8).out_features
    256
    >>> resnet("resnet152")
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: backbone: expected one of ('resnet18', ...), got 'resnet152'
    """
    if name not in LAYOUTS:
        raise ConfigError(f"backbone: expected one of {BACKBONES}, got {name!r}")
    block, layers = LAYOUTS[name]
    return ResNet(block, layers, in_channels=in_channels, width=width)
