"""Triplet folders of PNG files, the layout Tile2Vec tools read.

One folder per triplet set, three files per triplet: ``{id:05d}_anchor.png``,
``{id:05d}_neighbor.png`` and ``{id:05d}_distant.png`` (8-bit RGB, or greyscale for a
single 8-bit channel), plus ``triplets.csv`` saying where every tile came from (scene,
row, column). PNGs are written by a small zlib encoder (no imaging library needed) and
read with ``matplotlib.image.imread`` (any PNG, e.g. written by other tools).

Export is sharded over a Dask cluster by store block: every block is read once, by one
task, which writes the PNGs of all windows whose origin it holds.

Examples
--------
>>> import tempfile, numpy as np
>>> path = write_png(tempfile.mkdtemp() + "/x.png", np.full((2, 3, 3), 200, np.uint8))
>>> read_png(path).shape, int(read_png(path)[0, 0, 0])
((2, 3, 3), 200)
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.image import imread
from tqdm.auto import tqdm

from ..distributed import ClientLike, cluster_client, map_ordered
from ..errors import ConfigError, InputFileError
from ..store import CampaignStore
from .cutting import BlockPlan, SceneReader, chunk_size, cut_tiles, read_blocks
from .normalise import Channels
from .triplets import ROLES, triplet_plan

__all__ = ["export_triplets", "read_png", "read_triplet_folder", "write_png"]

_NAME = re.compile(r"^(\d{5,})_(anchor|neighbor|distant)\.png$")
_COLOUR_TYPES = {1: 0, 3: 2, 4: 6}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(path: str | os.PathLike[str], image: np.ndarray) -> Path:
    """Write an 8-bit image as PNG (greyscale ``(H, W)``, RGB or RGBA ``(H, W, 3|4)``).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> write_png(tempfile.mkdtemp() + "/g.png", np.zeros((4, 4), np.uint8)).suffix
    '.png'
    >>> write_png("x.png", np.zeros((4, 4), np.float32))
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: write_png needs uint8 (H, W) or (H, W, 3|4), got float32 (4, 4)
    """
    img = np.asarray(image)
    channels = 1 if img.ndim == 2 else img.shape[-1] if img.ndim == 3 else 0
    if img.dtype != np.uint8 or channels not in _COLOUR_TYPES:
        raise ConfigError(
            f"write_png needs uint8 (H, W) or (H, W, 3|4), got {img.dtype} {img.shape}"
        )
    h, w = img.shape[:2]
    rows = np.empty((h, 1 + w * channels), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "none" on every row
    rows[:, 1:] = img.reshape(h, -1)
    header = struct.pack(">IIBBBBB", w, h, 8, _COLOUR_TYPES[channels], 0, 0, 0)
    payload = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + _chunk(b"IEND", b"")
    )
    path = Path(path)
    path.write_bytes(payload)
    return path


def read_png(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a PNG as uint8 ``(H, W)`` or ``(H, W, C)`` (an opaque alpha channel is dropped).

    Examples
    --------
    >>> read_png("/nonexistent.png")
    Traceback (most recent call last):
    ...
    cloudorg.errors.InputFileError: /nonexistent.png: not a readable PNG (...)
    """
    try:
        img = imread(path, format="png")
    except (OSError, ValueError, SyntaxError) as err:
        raise InputFileError(f"{path}: not a readable PNG ({err})") from err
    if img.dtype != np.uint8:
        img = np.rint(np.asarray(img) * 255.0).astype(np.uint8)
    if img.ndim == 3 and img.shape[-1] == 4 and (img[..., 3] == 255).all():
        img = img[..., :3]
    return img


def _image(tile: np.ndarray) -> np.ndarray:
    """``(C, t, t)`` → the PNG's ``(t, t)`` or ``(t, t, C)``."""
    return tile[0] if tile.shape[0] == 1 else np.moveaxis(tile, 0, -1)


def _export_shard(
    shard: tuple[int, int],
    reader: SceneReader,
    channels: Channels,
    plan: BlockPlan,
    ids: np.ndarray,
    directory: Path,
) -> None:
    """Write the PNGs of one shard of blocks (runs on a worker)."""
    for window, block in read_blocks(reader, channels, plan.shard(*shard)):
        tiles = cut_tiles(window, block.rows, block.cols, plan.size)
        for tile, member in zip(tiles, block.members.tolist(), strict=True):
            triplet, role = divmod(member, len(ROLES))
            write_png(directory / f"{ids[triplet]:05d}_{ROLES[role]}.png", _image(tile))


def export_triplets(
    store: str | os.PathLike[str] | CampaignStore,
    triplets: xr.Dataset,
    directory: str | os.PathLike[str],
    *,
    variable: str = "rgb",
    client: ClientLike = None,
    progress: bool = True,
) -> Path:
    """Write triplets as a Tile2Vec PNG folder.

    Parameters
    ----------
    store : path or CampaignStore
        The campaign store.
    triplets : xarray.Dataset
        From :func:`~cloudorg.tiles.triplets.sample_triplets` (or a shard of it).
    directory : path
        Output folder (created; existing files of the same names are replaced).
    variable : str
        An 8-bit scene variable: ``rgb`` (RGB PNGs) or ``greyscale``.
    client : Client, str, None or "synchronous"
        Where blocks are read and written (tasks ``png-<shard>``).
    progress : bool
        Show a progress bar.

    Returns
    -------
    Path
        The folder.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.synthetic.stores import example_store
    >>> from cloudorg.tiles.table import build_tile_table
    >>> from cloudorg.tiles.triplets import sample_triplets
    >>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 2)
    >>> table = build_tile_table(store, 64, stride=16, client="synchronous", progress=False)
    >>> out = export_triplets(store, sample_triplets(table, 2), tempfile.mkdtemp(),
    ...                       client="synchronous", progress=False)
    >>> sorted(p.name for p in out.glob("*.png"))[:3]
    ['00000_anchor.png', '00000_distant.png', '00000_neighbor.png']
    """
    reader = SceneReader(CampaignStore.open(store))
    channels = Channels.of(reader.dataset, [variable])
    if channels.dtype != np.uint8 or len(channels) not in (1, 3):
        raise ConfigError(
            f"variable {variable!r}: PNG export needs an 8-bit image with 1 or 3 "
            "channels, e.g. 'rgb' or 'greyscale'"
        )
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plan = triplet_plan(triplets, chunk_size(reader, [variable]))
    ids = triplets["triplet"].values.astype(np.int64)
    count = max(1, min(len(plan), 256))
    shards = [(i, count) for i in range(count)]
    with (
        cluster_client(client) as cl,
        tqdm(total=count, desc="triplet png", unit="shard", disable=not progress) as bar,
    ):
        list(
            map_ordered(
                _export_shard,
                shards,
                client=cl,
                key_prefix="png",
                names=[str(i) for i in range(count)],
                args=(reader, channels, plan, ids, directory),
                on_done=bar.update,
            )
        )
    _index(triplets).to_csv(directory / "triplets.csv", index=False)
    return directory


def _index(triplets: xr.Dataset) -> pd.DataFrame:
    table = triplets[["scene_id", "scene_index", "row0", "col0", "tile"]].to_dataframe()
    table = table.reset_index().rename(columns={"triplet": "id"})
    table["size"] = int(triplets.attrs["tile_size"])
    return table


def read_triplet_folder(directory: str | os.PathLike[str]) -> xr.DataArray:
    """Read a Tile2Vec PNG triplet folder.

    Returns
    -------
    xarray.DataArray of uint8
        Dims ``(triplet, role, y, x)`` plus ``band`` for colour images; ``triplet`` holds
        the ids of the file names, ``role`` anchor, neighbor, distant.

    Raises
    ------
    InputFileError
        When the folder has no triplet, a triplet lacks a role, or images differ in shape.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> d = Path(tempfile.mkdtemp())
    >>> for role in ("anchor", "neighbor", "distant"):
    ...     _ = write_png(d / f"00007_{role}.png", np.full((2, 2, 3), 9, np.uint8))
    >>> da = read_triplet_folder(d)
    >>> da.dims, da["triplet"].values.tolist()
    (('triplet', 'role', 'y', 'x', 'band'), [7])
    """
    directory = Path(directory)
    found: dict[int, dict[str, Path]] = {}
    for path in directory.glob("*.png"):
        match = _NAME.match(path.name)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = path
    if not found:
        raise InputFileError(f"{directory}: no triplet PNG files ({{id:05d}}_anchor.png, ...)")
    ids = sorted(found)
    images = []
    for i in ids:
        missing = [r for r in ROLES if r not in found[i]]
        if missing:
            raise InputFileError(
                f"{directory}: triplet {i:05d} lacks {missing[0]} ({i:05d}_{missing[0]}.png)"
            )
        images.append([read_png(found[i][r]) for r in ROLES])
    shapes = {img.shape for triple in images for img in triple}
    if len(shapes) != 1:
        raise InputFileError(f"{directory}: images of different shapes {sorted(shapes)}")
    data = np.asarray(images, dtype=np.uint8)
    dims = ("triplet", "role", "y", "x", "band")[: data.ndim]
    return xr.DataArray(data, dims=dims, coords={"triplet": ids, "role": list(ROLES)}, name="tiles")
