"""The triplet loss of Tile2Vec (Jean et al. 2019; report equation 3).

.. math::

    L(t_a, t_n, t_d) = [\\lVert f(t_a) - f(t_n)\\rVert_2 - \\lVert f(t_a) - f(t_d)\\rVert_2
    + m]_+ \\; + \\; \\lambda (\\lVert f(t_a)\\rVert_2 + \\lVert f(t_n)\\rVert_2
    + \\lVert f(t_d)\\rVert_2)

averaged over the batch, with margin :math:`m` and an optional per-sample L2 penalty
:math:`\\lambda` on the embeddings; the squared variant uses squared distances.

Examples
--------
>>> import torch
>>> za, zn, zd = torch.zeros(2, 3), torch.zeros(2, 3), torch.ones(2, 3)
>>> float(triplet_loss(za, zn, zd, margin=1.0))  # d_n = 0, d_d = sqrt(3) > margin
0.0
"""

from __future__ import annotations

import torch

from ..errors import ConfigError
from .config import TripletConfig

__all__ = ["TripletLoss", "triplet_distances", "triplet_loss"]


def _distance(x: torch.Tensor, y: torch.Tensor, squared: bool) -> torch.Tensor:
    diff = x - y
    return diff.pow(2).sum(dim=1) if squared else torch.linalg.vector_norm(diff, dim=1)


def triplet_distances(
    za: torch.Tensor, zn: torch.Tensor, zd: torch.Tensor, *, squared: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample anchor–neighbour and anchor–distant distances of embeddings ``(N, D)``.

    Examples
    --------
    >>> import torch
    >>> dn, dd = triplet_distances(torch.zeros(1, 2), torch.ones(1, 2), 2 * torch.ones(1, 2))
    >>> dn.tolist(), dd.tolist()
    ([1.4142135381698608], [2.8284270763397217])
    """
    if not (za.shape == zn.shape == zd.shape) or za.ndim != 2:
        raise ConfigError(
            f"triplet embeddings: expected three (N, D) tensors of equal shape, got "
            f"{tuple(za.shape)}, {tuple(zn.shape)}, {tuple(zd.shape)}"
        )
    return _distance(za, zn, squared), _distance(za, zd, squared)


def triplet_loss(
    za: torch.Tensor,
    zn: torch.Tensor,
    zd: torch.Tensor,
    *,
    margin: float = 1.0,
    l2: float = 0.0,
    squared: bool = False,
) -> torch.Tensor:
    """The batch mean of the triplet loss (equation 3) with an optional L2 penalty.

    Parameters
    ----------
    za, zn, zd : torch.Tensor
        Embeddings ``(N, D)`` of the anchor, neighbour and distant tiles.
    margin : float
        The margin ``m``.
    l2 : float
        Weight of the per-sample penalty ``|za| + |zn| + |zd|`` (0: none).
    squared : bool
        Squared Euclidean distances instead of Euclidean ones.

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> za, zn, zd = torch.zeros(1, 2), torch.ones(1, 2), torch.zeros(1, 2)
    >>> round(float(triplet_loss(za, zn, zd, margin=0.5)), 4)  # sqrt(2) - 0 + 0.5
    1.9142
    >>> float(triplet_loss(za, zn, zd, margin=0.5, squared=True))  # 2 - 0 + 0.5
    2.5
    """
    dn, dd = triplet_distances(za, zn, zd, squared=squared)
    loss = torch.relu(dn - dd + margin)
    if l2:
        norms = sum(torch.linalg.vector_norm(z, dim=1) for z in (za, zn, zd))
        loss = loss + l2 * norms
    return loss.mean()


class TripletLoss(torch.nn.Module):
    """:func:`triplet_loss` with the settings of a :class:`TripletConfig`.

    Examples
    --------
    >>> import torch
    >>> from cloudorg.models.config import TripletConfig
    >>> loss = TripletLoss(TripletConfig(margin=0.2))
    >>> float(loss(torch.zeros(3, 4), torch.zeros(3, 4), torch.zeros(3, 4)))
    0.2000...
    """

    def __init__(self, config: TripletConfig) -> None:
        super().__init__()
        self.config = config

    def forward(self, za: torch.Tensor, zn: torch.Tensor, zd: torch.Tensor) -> torch.Tensor:
        c = self.config
        return triplet_loss(za, zn, zd, margin=c.margin, l2=c.l2, squared=c.squared)
