"""Colours and figure creation shared by the plots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from cloudorg.io.labels import CLASS_COLOURS

NONE_COLOUR = "#b0b0b0"
"""Colour of tiles without a class (``none``)."""


def group_colours(dim: str, names: Sequence[str]) -> list[str]:
    """One colour per group: the class colours for classes, ``tab10``/``tab20`` otherwise.

    Cluster colours follow the position of the cluster among the ids, so a clustering
    gets the same colours in every figure.
    """
    if dim == "class":
        return [CLASS_COLOURS.get(str(name), NONE_COLOUR) for name in names]
    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    return [to_hex(cmap(i % cmap.N)) for i in range(len(names))]


def new_figure(
    width: float, height: float, *, layout: Literal["constrained"] | None = "constrained"
) -> Figure:
    """A figure outside pyplot (no global state, renders with Agg).

    ``layout=None`` leaves the layout to the caller (e.g. ``fig.tight_layout()`` once the
    axes are drawn).
    """
    return Figure(figsize=(width, height), layout=layout)
