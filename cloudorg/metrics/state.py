"""What the metrics of one mask share: :class:`MaskState`, the argument of every metric's
compute function.

:func:`~cloudorg.metrics.compute_metrics` validates a mask once, builds one
:class:`MaskState` and hands it to the compute function of each requested metric. The
state labels the objects, sums over centroid pairs and finds nearest neighbours on first
use only, so that every object metric shares one labelling pass, COP and SCAI one pair
loop, and both Iorgs one nearest-neighbour search. A metric of your own (see
:func:`~cloudorg.metrics.metric`) receives the same state.

Examples
--------
>>> import numpy as np
>>> mask = np.zeros((8, 8), bool); mask[1:3, 1:3] = True; mask[5, 5] = True
>>> state = MaskState.of(mask)
>>> state.all_objects.num, state.objects.area.tolist(), state.mask.n_cloud
(2, [4, 1], 5)
>>> MaskState.of(mask, min_area=1).objects.area.tolist()
[4]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from cloudorg.metrics import organisation
from cloudorg.metrics.components import CloudObjects, label_prepared
from cloudorg.metrics.inputs import (
    PreparedMask,
    check_connectivity,
    check_min_area,
    check_seed,
    pixel_size,
    prepare_mask,
)

__all__ = ["MaskState"]


@dataclass
class MaskState:
    """One validated mask and the options of a metric computation, with the objects, pair
    sums and nearest-neighbour distances computed once, on first use.

    Build it with :meth:`of`; ``compute_metrics`` does.

    Attributes
    ----------
    mask : PreparedMask
        The validated mask: ``cloud`` (``uint8 (ny, nx)``, 1 for cloud, 0 for clear or
        missing), ``shape``, ``n_cloud``, ``n_missing``, ``n_valid`` and ``usable``
        (whether the missing fraction is within ``max_missing_fraction``; a metric's
        compute function only sees usable masks, except ``cloud_fraction``'s).
    connectivity : int
        Pixel connectivity of objects (4 or 8).
    periodic : bool
        Whether the domain is doubly periodic.
    min_area : float
        Objects of at most this many pixels are left out of :attr:`objects`.
    pixel_size : float
        Length of a pixel in the unit of ``dx`` (1.0 without ``dx``: lengths in pixels).
    seed : int
        Seed of randomised references (the inhibition placement of ``iorg_inhibition``).
    """

    mask: PreparedMask
    connectivity: int = 4
    periodic: bool = False
    min_area: float = 0.0
    pixel_size: float = 1.0
    seed: int = 0

    @classmethod
    def of(
        cls,
        mask: Any,
        *,
        connectivity: int = 4,
        periodic: bool = False,
        min_area: float = 0,
        dx: float | None = None,
        seed: int = 0,
        max_missing_fraction: float = 0.0,
    ) -> MaskState:
        """The state of a mask, its options validated.

        Parameters are those of :func:`~cloudorg.metrics.compute_metrics`.

        Raises
        ------
        ConfigError
            For an invalid mask or option.

        Examples
        --------
        >>> import numpy as np
        >>> state = MaskState.of(np.array([[1.0, np.nan], [0.0, 0.0]]), dx=2.0)
        >>> state.pixel_size, state.mask.usable
        (2.0, False)
        >>> MaskState.of(np.ones((2, 2)), connectivity=6)
        Traceback (most recent call last):
        ...
        cloudorg.errors.ConfigError: connectivity must be 4 or 8, got 6
        """
        check_connectivity(connectivity)
        check_min_area(min_area)
        check_seed(seed)
        return cls(
            prepare_mask(mask, max_missing_fraction),
            connectivity,
            bool(periodic),
            min_area,
            pixel_size(dx),
            seed,
        )

    @cached_property
    def all_objects(self) -> CloudObjects:
        """Every object of the mask, whatever its area (one labelling pass)."""
        return label_prepared(self.mask, self.connectivity, self.periodic)[1]

    @cached_property
    def objects(self) -> CloudObjects:
        """The objects of more than :attr:`min_area` pixels."""
        return self.all_objects.larger_than(self.min_area)

    @cached_property
    def pairs(self) -> organisation.PairSums:
        """Sums over the centroid pairs of :attr:`objects` (COP, SCAI)."""
        return organisation.pair_sums(self.objects)

    @cached_property
    def nearest(self) -> np.ndarray:
        """Nearest-neighbour centroid distances of :attr:`objects`, in pixels (Iorgs)."""
        return organisation.scene_nearest_neighbours(self.objects)
