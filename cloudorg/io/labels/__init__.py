"""Human labels of shallow-cloud organisation (Sugar, Gravel, Fish, Flower).

Labels from any source through one interface (:func:`read_labels`: a class per scene,
lon/lat boxes with times, class maps on the domain grid, Zooniverse boxes, Kaggle masks);
readers of the Zooniverse box labels (:func:`read_zooniverse`) and of Kaggle run-length
encoded masks (:func:`read_kaggle`), label geometry (boxes to masks, to any lon/lat grid,
labels per tile), the label-derived datasets of the report (tiles and squares inside
labelled rectangles, resized rectangles, unlabelled squares) and coverage statistics.

Class codes: 0 none, 1 Sugar, 2 Gravel, 3 Fish, 4 Flower.

Examples
--------
>>> from cloudorg.io.labels import CLASS_CODES, FLAG_MEANINGS
>>> CLASS_CODES["Fish"], FLAG_MEANINGS
(3, 'none sugar gravel fish flower')
"""

from __future__ import annotations

from .classes import (
    CLASS_CODES,
    CLASSES,
    FLAG_MEANINGS,
    FLAG_VALUES,
    IMAGE_SHAPE,
    LABEL_DTYPE,
    NO_LABEL,
)
from .datasets import (
    box_squares,
    box_tiles,
    crop_resize,
    largest_square,
    largest_unlabelled_square,
    tiles_in_box,
    unlabelled_squares,
)
from .geometry import boxes_to_mask, labels_to_grid, tile_labels, votes_to_class_map
from .rle import (
    boxes_to_kaggle,
    boxes_to_rle,
    read_kaggle,
    rle_decode,
    rle_encode,
    write_kaggle,
)
from .sources import (
    LABEL_KINDS,
    BoxTable,
    KaggleMasks,
    LabelRaster,
    LabelSource,
    SceneTable,
    read_labels,
)
from .stats import CLASS_COLOURS, coverage_statistics, union_areas
from .zooniverse import (
    EQUATOR_CROSSING_HOURS,
    REGIONS,
    SEASONS,
    lonlat_to_pixel,
    overpass_time,
    parse_image_path,
    pixel_to_lonlat,
    read_zooniverse,
)

__all__ = [
    "CLASSES",
    "CLASS_CODES",
    "CLASS_COLOURS",
    "EQUATOR_CROSSING_HOURS",
    "FLAG_MEANINGS",
    "FLAG_VALUES",
    "IMAGE_SHAPE",
    "LABEL_DTYPE",
    "LABEL_KINDS",
    "NO_LABEL",
    "REGIONS",
    "SEASONS",
    "BoxTable",
    "KaggleMasks",
    "LabelRaster",
    "LabelSource",
    "SceneTable",
    "box_squares",
    "box_tiles",
    "boxes_to_kaggle",
    "boxes_to_mask",
    "boxes_to_rle",
    "coverage_statistics",
    "crop_resize",
    "labels_to_grid",
    "largest_square",
    "largest_unlabelled_square",
    "lonlat_to_pixel",
    "overpass_time",
    "parse_image_path",
    "pixel_to_lonlat",
    "read_kaggle",
    "read_labels",
    "read_zooniverse",
    "rle_decode",
    "rle_encode",
    "tile_labels",
    "tiles_in_box",
    "union_areas",
    "unlabelled_squares",
    "votes_to_class_map",
    "write_kaggle",
]
