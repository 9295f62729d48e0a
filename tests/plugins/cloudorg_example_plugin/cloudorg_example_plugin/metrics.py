"""The example plug-in's metric: ``cloud_edge_fraction``, the fraction of the cloudy pixels
that lie on an object's edge.

A cloudy pixel is on an edge when one of its four neighbours is clear; pixels beyond the
domain count as clear, except on a periodic domain, where the neighbours wrap around. The
value is 1 for objects one or two pixels wide and tends to 0 for large compact objects;
NaN without cloud.

Examples
--------
>>> import numpy as np
>>> from cloudorg.metrics import MaskState
>>> mask = np.zeros((8, 8), bool); mask[2:6, 2:6] = True
>>> cloud_edge_fraction.compute(MaskState.of(mask))  # 12 of the 16 pixels
0.75
"""

import numpy as np

from cloudorg.metrics import MaskState, metric


@metric(
    "cloud_edge_fraction",
    long_name="fraction of the cloudy pixels on an object edge",
    citation="cloudorg example plug-in (a cloudy pixel with a clear 4-neighbour)",
)
def cloud_edge_fraction(state: MaskState) -> float:
    cloud = state.mask.cloud.astype(bool)
    if not cloud.any():
        return float("nan")
    around = np.pad(cloud, 1, mode="wrap" if state.periodic else "constant")
    inner = around[:-2, 1:-1] & around[2:, 1:-1] & around[1:-1, :-2] & around[1:-1, 2:]
    return float(np.count_nonzero(cloud & ~inner) / np.count_nonzero(cloud))
