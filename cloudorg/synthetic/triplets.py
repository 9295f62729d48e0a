"""In-memory triplets cut from synthetic cloud fields, for examples, tests and benchmarks.

Scenes come from :func:`cloudorg.synthetic.synthesize_fields` (each with its own seed
and mix of Sugar, Gravel, Fish and Flower), normalised like the tiles loader does
(:data:`cloudorg.tiles.normalise.UNIT_SCALING`). A neighbour lies half a tile from its
anchor in a random direction (50 % overlap, as in the report); a distant tile comes from
another scene. For triplets of a campaign store use :mod:`cloudorg.models.sources`.

Examples
--------
>>> t = synthetic_triplets(6, tile_size=32, n_scenes=2, seed=0)
>>> len(t), tuple(t[0][0].shape), sorted(set(t.scene_ids))
(6, (1, 32, 32), ['synthetic-0', 'synthetic-1'])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..errors import ConfigError
from ..models.data import TripletTensors
from ..tiles.normalise import UNIT_SCALING
from .fields import synthesize_fields

__all__ = ["synthetic_triplets"]


def synthetic_triplets(
    n: int,
    *,
    tile_size: int = 32,
    n_scenes: int = 4,
    scene_size: int | None = None,
    variables: Sequence[str] = ("reflectance_0p64",),
    resolution_deg: float = 0.025,
    seed: int = 0,
) -> TripletTensors:
    """``n`` triplets of ``tile_size`` px tiles cut from ``n_scenes`` synthetic scenes.

    Parameters
    ----------
    n : int
        Number of triplets.
    tile_size : int
        Tile edge in pixels.
    n_scenes : int
        Scenes (at least 2: distant tiles come from another scene).
    scene_size : int, optional
        Scene edge in pixels (default ``5 * tile_size``).
    variables : sequence of str
        Field variables, one channel each (reflectances in %, brightness temperature in K).
    resolution_deg : float
        Grid spacing of the fields.
    seed : int
        Seed of the scenes and of the sampling.

    Returns
    -------
    TripletTensors
        float32 ``(n, len(variables), tile_size, tile_size)`` anchors, neighbours and
        distant tiles, with scene ids ``synthetic-<k>``.

    Examples
    --------
    >>> synthetic_triplets(2, n_scenes=1)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: n_scenes: expected at least 2 ...
    """
    if n_scenes < 2:
        raise ConfigError(f"n_scenes: expected at least 2 (distant tiles), got {n_scenes}")
    size = scene_size or 5 * tile_size
    step = tile_size // 2
    if size < tile_size + 2 * step:
        raise ConfigError(f"scene_size: expected at least {tile_size + 2 * step}, got {size}")
    extent = size * resolution_deg
    scenes = []
    for k in range(n_scenes):
        ds = synthesize_fields((-58.0, -58.0 + extent, 12.0, 12.0 + extent),
                               resolution_deg=resolution_deg, seed=seed * 1009 + k)  # fmt: skip
        channels = []
        for name in variables:
            scale, offset = UNIT_SCALING[ds[name].attrs.get("units", "1")]
            channels.append(ds[name].values[:size, :size] * scale + offset)
        scenes.append(np.nan_to_num(np.stack(channels)).astype(np.float32))
    images = np.stack(scenes)
    rng = np.random.default_rng(seed)
    scene_a = rng.integers(0, n_scenes, n)
    scene_d = (scene_a + rng.integers(1, n_scenes, n)) % n_scenes
    ya, xa = rng.integers(step, size - tile_size - step + 1, (2, n))
    theta = rng.uniform(0, 2 * np.pi, n)
    yn = ya + np.rint(step * np.sin(theta)).astype(int)
    xn = xa + np.rint(step * np.cos(theta)).astype(int)
    yd, xd = rng.integers(0, size - tile_size + 1, (2, n))

    def cut(scene: np.ndarray, y: np.ndarray, x: np.ndarray) -> torch.Tensor:
        windows = [images[s, :, r : r + tile_size, c : c + tile_size]
                   for s, r, c in zip(scene, y, x, strict=True)]  # fmt: skip
        return torch.from_numpy(np.stack(windows))

    return TripletTensors(cut(scene_a, ya, xa), cut(scene_a, yn, xn), cut(scene_d, yd, xd),
                          scene_ids=[f"synthetic-{s}" for s in scene_a])  # fmt: skip
