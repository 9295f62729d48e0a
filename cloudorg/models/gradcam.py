"""Grad-CAM heat maps and feature maps of any convolutional layer (report 3.1.2, 8).

Grad-CAM (Selvaraju et al. 2017) weights the feature maps :math:`A^k` of a layer by the
spatial mean of the gradient of a class score :math:`y^c` (equation 1),

.. math:: \\alpha^c_k = \\frac{1}{Z} \\sum_i \\sum_j \\frac{\\partial y^c}{\\partial A^k_{ij}},

and keeps the positive part of the weighted sum (equation 2),
:math:`L^c = \\mathrm{ReLU}(\\sum_k \\alpha^c_k A^k)`, upsampled (bilinear) to the input.
The activation is caught with a forward hook on the layer and its gradient with
``register_hook`` on the activation tensor. The score is a classifier's logit, or for an
embedding model the similarity (negative distance) to a cluster centroid
(:func:`centroid_similarity`). :func:`cloudorg.plots.plot_gradcam` and
:func:`cloudorg.plots.plot_feature_maps` draw the maps.

Examples
--------
>>> import torch
>>> from cloudorg.models.classifier import ClassifierConfig, build_classifier
>>> model = build_classifier(ClassifierConfig(in_channels=1, width=4))
>>> cam = grad_cam(model, torch.rand(2, 1, 32, 32), classes=[1, 4])
>>> cam.dims, cam.shape
(('sample', 'class', 'y', 'x'), (2, 2, 32, 32))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import xarray as xr
from torch import nn

from ..errors import ConfigError

__all__ = [
    "centroid_similarity",
    "default_layer",
    "feature_maps",
    "find_layer",
    "grad_cam",
]

Target = Callable[[torch.Tensor], torch.Tensor]


def find_layer(model: nn.Module, layer: str | nn.Module | None = None) -> nn.Module:
    """The module called ``layer`` in ``model`` (a name of ``named_modules``), the module
    itself, or :func:`default_layer` when ``None``.

    Examples
    --------
    >>> from cloudorg.models.resnets import resnet
    >>> type(find_layer(resnet("resnet18", width=4), "stages.3")).__name__
    'Sequential'
    >>> find_layer(resnet("resnet18", width=4), "stage9")
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: layer: no module 'stage9' in the model; expected one of ...
    """
    if layer is None:
        return default_layer(model)
    if isinstance(layer, nn.Module):
        return layer
    modules = dict(model.named_modules())
    if layer not in modules:
        names = [n for n in modules if n][:20]
        raise ConfigError(f"layer: no module {layer!r} in the model; expected one of {names}")
    return modules[layer]


def default_layer(model: nn.Module) -> nn.Module:
    """The last stage of a ResNet backbone in ``model`` (the last convolutional feature
    maps before the pooling), else its last ``Conv2d``.

    Examples
    --------
    >>> from cloudorg.models.resnets import resnet
    >>> net = resnet("resnet18", width=4)
    >>> default_layer(net) is net.stages[-1]
    True
    """
    for name, module in model.named_modules():
        if name.split(".")[-1] == "stages" and isinstance(module, nn.Sequential) and len(module):
            return module[-1]
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    if not convs:
        raise ConfigError("layer: the model has no Conv2d layer; name the layer to explain")
    return convs[-1]


def centroid_similarity(centroids: Any) -> Target:
    """A Grad-CAM target for embedding models: ``-||z - c_k||`` for each centroid ``c_k``.

    Examples
    --------
    >>> target = centroid_similarity([[0.0, 0.0], [3.0, 4.0]])
    >>> target(torch.tensor([[0.0, 0.0]])).tolist()
    [[-0.0, -5.0]]
    """
    c = torch.as_tensor(np.asarray(centroids), dtype=torch.float32)
    if c.ndim != 2:
        raise ConfigError(f"centroids: expected (k, embedding), got shape {tuple(c.shape)}")

    def target(z: torch.Tensor) -> torch.Tensor:
        return -torch.cdist(z.float(), c.to(z.device))

    return target


class _Capture:
    """Forward hook keeping the layer's output and, via ``register_hook``, its gradient."""

    def __init__(self, layer: nn.Module, grads: bool) -> None:
        self.activation: torch.Tensor | None = None
        self.gradient: torch.Tensor | None = None
        self.grads = grads
        self.handle = layer.register_forward_hook(self._hook)

    def _hook(self, module: nn.Module, inputs: Any, output: torch.Tensor) -> torch.Tensor:
        out = output.clone()
        if self.grads and out.requires_grad:
            out.register_hook(self._keep_grad)
        self.activation = out
        return out.clone()  # later in-place ops (ReLU) must not modify what we keep

    def _keep_grad(self, grad: torch.Tensor) -> None:
        self.gradient = grad

    def remove(self) -> None:
        self.handle.remove()


def _as_images(images: Any) -> torch.Tensor:
    x = torch.as_tensor(
        np.asarray(images) if not torch.is_tensor(images) else images, dtype=torch.float32
    )
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4:
        raise ConfigError(f"images: expected (N, C, H, W), got shape {tuple(x.shape)}")
    return x


def grad_cam(
    model: nn.Module,
    images: Any,
    *,
    layer: str | nn.Module | None = None,
    classes: Sequence[int] | None = None,
    target: Target | None = None,
    class_names: Sequence[str] | None = None,
    normalize: bool = True,
    device: str | torch.device = "cpu",
) -> xr.DataArray:
    """Grad-CAM heat maps of ``images`` for each class (equations 1-2), at input size.

    Parameters
    ----------
    model : torch.nn.Module
        Run in eval mode (restored afterwards); its parameters get no gradient.
    images : tensor or array ``(N, C, H, W)`` (or one ``(C, H, W)``)
    layer : str or module, optional
        Convolutional layer (name in ``model.named_modules()``); default
        :func:`default_layer` (the last ResNet stage).
    classes : sequence of int, optional
        Scores to explain (columns of the target); default all.
    target : callable, optional
        Maps the model output ``(N, D)`` to scores ``(N, K)``; default the output itself
        (logits). :func:`centroid_similarity` explains cluster membership of embeddings.
    class_names : sequence of str, optional
        Coordinate labels of the explained classes (default their indices).
    normalize : bool
        Divide each map by its maximum (all-zero maps stay zero).
    device : str or torch.device

    Returns
    -------
    xarray.DataArray
        ``(sample, class, y, x)`` float32, non-negative.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(),
    ...                           torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    >>> cam = grad_cam(net, torch.rand(1, 1, 8, 8), layer="0")
    >>> cam.sizes["class"], float(cam.min()) >= 0, float(cam.max()) <= 1
    (2, True, True)
    """
    x = _as_images(images).to(torch.device(device))
    module = find_layer(model, layer)
    capture = _Capture(module, grads=True)
    was_training = model.training
    model.eval()
    maps = []
    try:
        with torch.enable_grad():
            out = model(x)
            scores = target(out) if target is not None else out
            if scores.ndim != 2:
                raise ConfigError(
                    f"target: expected scores (N, K), got shape {tuple(scores.shape)}"
                )
            act = capture.activation
            if act is None or act.ndim != 4:
                raise ConfigError("layer: expected a layer with feature maps (N, C, H, W)")
            ks = list(range(scores.shape[1])) if classes is None else list(classes)
            for k in ks:
                if not 0 <= k < scores.shape[1]:
                    raise ConfigError(f"classes: {k} outside [0, {scores.shape[1] - 1}]")
                capture.gradient = None
                torch.autograd.grad(scores[:, k].sum(), act, retain_graph=True)
                grad = capture.gradient
                assert grad is not None
                alpha = grad.float().mean(dim=(2, 3), keepdim=True)  # equation 1
                cam = torch.relu((alpha * act.detach().float()).sum(1, keepdim=True))  # eq. 2
                cam = nn.functional.interpolate(
                    cam, size=x.shape[-2:], mode="bilinear", align_corners=False
                )[:, 0]
                if normalize:
                    peak = cam.flatten(1).amax(1).clamp_min(1e-12)[:, None, None]
                    cam = cam / peak
                maps.append(cam.cpu())
    finally:
        capture.remove()
        model.train(was_training)
    names = list(class_names) if class_names is not None else ks
    if len(names) != len(ks):
        raise ConfigError(f"class_names: {len(names)} names for {len(ks)} classes")
    data = torch.stack(maps, 1).numpy().astype(np.float32)
    return xr.DataArray(
        data,
        dims=("sample", "class", "y", "x"),
        coords={"class": names},
        name="gradcam",
        attrs={"long_name": "Grad-CAM heat map", "normalized": int(normalize)},
    )


@torch.no_grad()
def feature_maps(
    model: nn.Module,
    images: Any,
    *,
    layer: str | nn.Module | None = None,
    device: str | torch.device = "cpu",
) -> xr.DataArray:
    """The feature maps of ``layer`` (default :func:`default_layer`) for ``images``.

    Returns
    -------
    xarray.DataArray
        ``(sample, channel, y, x)`` at the layer's resolution.

    Examples
    --------
    >>> from cloudorg.models.resnets import resnet
    >>> fm = feature_maps(resnet("resnet18", in_channels=1, width=4), torch.rand(1, 1, 64, 64))
    >>> fm.shape
    (1, 32, 2, 2)
    """
    x = _as_images(images).to(torch.device(device))
    capture = _Capture(find_layer(model, layer), grads=False)
    was_training = model.training
    model.eval()
    try:
        model(x)
    finally:
        capture.remove()
        model.train(was_training)
    act = capture.activation
    if act is None or act.ndim != 4:
        raise ConfigError("layer: expected a layer with feature maps (N, C, H, W)")
    return xr.DataArray(
        act.float().cpu().numpy(),
        dims=("sample", "channel", "y", "x"),
        name="feature_maps",
        attrs={"long_name": "activation"},
    )
