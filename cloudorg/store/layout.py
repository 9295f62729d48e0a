"""The layout of a campaign store: the path of every group, in one place.

::

    campaign.zarr/
      zarr.json                      root group: domain, quantities, consolidated metadata
      manifest.json                  committed scenes and every input file's record
      scenes/                        (scene, y, x) pixels of every quantity
      tiles/<tiling>                 tile table (tile): offsets, centres, flags, labels
      triplets/<tiling>              Tile2Vec triplets (triplet, role)
      metrics/<tiling>_<mask>        cloud-mask metrics (tile)
      embeddings[/<name>]/<tiling>   embeddings (tile, embedding)
      class_probabilities[/<name>]/<tiling>
                                     classifier probabilities (tile, class)
      analysis/<tiling>              clusters, PCA and scores of a tiling
      analysis/scale_study           the scale study (scale)

``<tiling>`` is a :attr:`cloudorg.tiles.TileSpec.name` (``256px``, ``128px_stride64``),
``<mask>`` a mask method (``greyscale``), ``<name>`` the name of a model's embeddings.
Every group along ``tile`` (tile table, metrics, embeddings, class probabilities) carries
the tile's place, :data:`TILE_LOCATION`, as coordinates, so that they merge.

Examples
--------
>>> tile_table("256px"), metrics("256px", "greyscale"), embeddings("128px", "autoencoder")
('tiles/256px', 'metrics/256px_greyscale', 'embeddings/autoencoder/128px')
"""

from __future__ import annotations

import re

from ..errors import ConfigError

__all__ = [
    "ANALYSIS",
    "CLASS_PROBABILITIES",
    "EMBEDDINGS",
    "MANIFEST",
    "METRICS",
    "SCALE_STUDY",
    "SCENES",
    "TILES",
    "TILE_LOCATION",
    "TRIPLETS",
    "analysis",
    "class_probabilities",
    "embeddings",
    "metrics",
    "tile_table",
    "triplets",
]

SCENES = "scenes"
MANIFEST = "manifest.json"
TILES = "tiles"
TRIPLETS = "triplets"
METRICS = "metrics"
EMBEDDINGS = "embeddings"
CLASS_PROBABILITIES = "class_probabilities"
ANALYSIS = "analysis"
SCALE_STUDY = f"{ANALYSIS}/scale_study"
TILE_LOCATION = ("scene_index", "scene_id", "row0", "col0")
"""Where a tile lies: its scene (index and id) and its top-left pixel; coordinates along
``tile`` of every group of a tiling."""

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def tile_table(tiling: str) -> str:
    """The tile table of a tiling.

    Examples
    --------
    >>> tile_table("128px_stride64")
    'tiles/128px_stride64'
    """
    return f"{TILES}/{tiling}"


def triplets(tiling: str) -> str:
    """The Tile2Vec triplets of a tiling.

    Examples
    --------
    >>> triplets("256px")
    'triplets/256px'
    """
    return f"{TRIPLETS}/{tiling}"


def metrics(tiling: str, mask_method: str) -> str:
    """The cloud-mask metrics of a tiling and a mask method.

    Examples
    --------
    >>> metrics("64px", "product")
    'metrics/64px_product'
    """
    return f"{METRICS}/{tiling}_{mask_method}"


def _named(parent: str, tiling: str, name: str | None) -> str:
    if name is None:
        return f"{parent}/{tiling}"
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(
            "name: expected letters, digits, '_' or '-', starting with a letter (e.g. "
            f"'autoencoder'), got {name!r}"
        )
    return f"{parent}/{name}/{tiling}"


def embeddings(tiling: str, name: str | None = None) -> str:
    """The embeddings of a tiling (of the model called ``name``, when given).

    Raises
    ------
    cloudorg.errors.ConfigError
        For a name that is not letters, digits, ``_`` or ``-`` starting with a letter.

    Examples
    --------
    >>> embeddings("256px"), embeddings("256px", "deepcluster")
    ('embeddings/256px', 'embeddings/deepcluster/256px')
    """
    return _named(EMBEDDINGS, tiling, name)


def class_probabilities(tiling: str, name: str | None = None) -> str:
    """The class probabilities of a tiling (of the classifier called ``name``).

    Examples
    --------
    >>> class_probabilities("256px")
    'class_probabilities/256px'
    """
    return _named(CLASS_PROBABILITIES, tiling, name)


def analysis(tiling: str) -> str:
    """The analysis of a tiling.

    Examples
    --------
    >>> analysis("256px")
    'analysis/256px'
    """
    return f"{ANALYSIS}/{tiling}"
