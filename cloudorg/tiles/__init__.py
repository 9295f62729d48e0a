"""Tiles of a campaign store: multi-scale tile tables with quality flags and labels, Tile2Vec
triplets, PNG triplet folders, and streaming to torch.

The stage between the campaign store and the embeddings (see ``docs/tiles.md``):

- :func:`build_tile_table` cuts every scene into tiles of 64–1024 px (or a size in km)
  with a stride and an edge policy, computes per-tile quality statistics and flags
  (missing pixels, valid fraction, high cloud, hue, night) and labels (the synthetic
  ``pattern`` or Zooniverse boxes), reading each storage block once, one Dask task per
  scene, and writes the table into the store as ``tiles/<tiling>``;
- :func:`tiles_of` cuts any in-memory or Dask field into the same tiles;
- :func:`sample_triplets` draws reproducible anchor/neighbour/distant triplets,
  :func:`export_triplets` / :func:`read_triplet_folder` write and read the PNG folders
  of Tile2Vec tools;
- :class:`TileDataset`, :func:`tile_loader` and :func:`iter_tile_batches` stream shuffled,
  normalised NCHW float32 batches to torch or numpy.

Examples
--------
>>> import tempfile
>>> from cloudorg.tiles import build_tile_table, sample_triplets, tile_loader
>>> from cloudorg.synthetic import example_store
>>> store = example_store(tempfile.mkdtemp() + "/c.zarr", n_scenes=2)
>>> table = build_tile_table(store, size=64, stride=32, client="synchronous", progress=False)
>>> int(table.sizes["tile"]), table["label"].values.tolist()
(8, [1, 2, 3, 4, 1, 2, 3, 4])
>>> sample_triplets(table, 4, seed=0).sizes["triplet"]
4
>>> next(iter(tile_loader(store, table, batch_size=4)))["image"].shape
torch.Size([4, 3, 64, 64])
"""

from __future__ import annotations

from cloudorg._lazy import lazy_exports

_EXPORTS = {
    "tiles_of": "arrays",
    "FLAGS": "filters",
    "FilterConfig": "filters",
    "flag_counts": "filters",
    "flag_tiles": "filters",
    "usable": "filters",
    "EDGE_POLICIES": "grid",
    "MAX_TILE_SIZE": "grid",
    "MIN_TILE_SIZE": "grid",
    "TileSpec": "grid",
    "Tiling": "grid",
    "resolve_tiling": "grid",
    "tile_grid": "grid",
    "domain_label_fractions": "label_maps",
    "majority_labels": "label_maps",
    "TileDataset": "loader",
    "TileStream": "loader",
    "TripletDataset": "loader",
    "iter_tile_batches": "loader",
    "tile_loader": "loader",
    "UNIT_SCALING": "normalise",
    "Channels": "normalise",
    "export_triplets": "png",
    "read_png": "png",
    "read_triplet_folder": "png",
    "write_png": "png",
    "build_tile_table": "table",
    "list_tile_tables": "table",
    "open_tile_table": "table",
    "tile_table_group": "table",
    "ROLES": "triplets",
    "open_triplets": "triplets",
    "sample_triplets": "triplets",
    "shard_triplets": "triplets",
    "triplet_tiles": "triplets",
    "write_triplets": "triplets",
}
"""Public names and their modules. They are imported on first use, so that the ``cloudorg``
command, which registers the tile commands, does not import xarray, torch and the rest
before it needs them."""

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
