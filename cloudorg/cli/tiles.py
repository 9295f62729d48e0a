"""The ``cloudorg tiles``, ``cloudorg triplets`` and ``cloudorg labels`` commands.

:func:`register` adds them to the ``cloudorg`` command's subparsers; each sets ``func``,
which returns the exit status and raises :class:`~cloudorg.errors.CloudorgError` for bad
input (the main command prints those).

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="cloudorg").add_subparsers(dest="command")
>>> register(sub)
>>> args = sub.choices["tiles"].parse_args(["c.zarr", "--size", "128", "--overlap", "0.5"])
>>> args.size, args.overlap, args.edge
(128, 0.5, 'drop')
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .options import (
    add_cluster_options,
    add_store_argument,
    add_tiling_options,
    client_of,
    show_progress,
    tile_spec,
)

__all__ = ["register"]


def _cmd_tiles(args: argparse.Namespace) -> int:
    from ..io.labels import read_zooniverse
    from ..store import CampaignStore
    from ..tiles.filters import FilterConfig, flag_counts, usable
    from ..tiles.table import build_tile_table, tile_table_group

    store = CampaignStore.open(args.store)
    spec = tile_spec(args, store)
    config = FilterConfig(
        min_valid_fraction=args.min_valid_fraction,
        high_cloud_bt_p25=args.high_cloud_bt,
        hue_range=tuple(args.hue_range),
        max_solar_zenith=args.max_solar_zenith,
    )
    boxes = read_zooniverse(args.labels) if args.labels else None
    table = build_tile_table(
        store,
        spec,
        filters=config,
        boxes=boxes,
        client=client_of(args),
        overwrite=args.overwrite,
        progress=show_progress(args),
    )
    a = table.attrs
    n = table.sizes["tile"]
    print(f"tile table {tile_table_group(spec)} of {store.url}")
    print(
        f"  tiles:    {n} ({a['tiles_per_scene']} per scene, {a['tile_size']} px = "
        f"{a['tile_size_km']:g} km, stride {a['stride']} px, edge {a['edge']})"
    )
    print(
        f"  dropped:  {a['dropped_rows']} rows, {a['dropped_cols']} columns of pixels "
        "at the bottom/right edge"
    )
    print(f"  usable:   {int(usable(table).sum())}")
    for name, count in flag_counts(table).items():
        print(f"  flagged {name}: {count}")
    if "label" in table:
        counts = table["label"].to_series().value_counts().sort_index()
        print(
            f"  labels ({a['label_source']}): " + ", ".join(f"{k}: {v}" for k, v in counts.items())
        )
    return 0


def _cmd_triplets(args: argparse.Namespace) -> int:
    from ..store import CampaignStore
    from ..tiles.png import export_triplets
    from ..tiles.table import open_tile_table
    from ..tiles.triplets import sample_triplets, write_triplets

    store = CampaignStore.open(args.store)
    spec = tile_spec(args, store)
    table = open_tile_table(store, spec)
    triplets = sample_triplets(
        table,
        args.n,
        seed=args.seed,
        neighbour_distance=args.neighbour_distance,
        distant_min_distance=args.distant_min_distance,
    )
    group = write_triplets(store, triplets)
    print(f"{args.n} triplets of {spec.name} tiles (seed {args.seed}) saved as {group}")
    if args.out:
        out = export_triplets(
            store,
            triplets,
            args.out,
            variable=args.variable,
            client=client_of(args),
            progress=show_progress(args),
        )
        print(f"PNG triplets written to {Path(out).resolve()}")
    return 0


def _cmd_labels(args: argparse.Namespace) -> int:
    from ..domains import get_domain
    from ..io.labels import CLASSES, coverage_statistics, read_zooniverse
    from ..store import CampaignStore
    from ..tiles.label_maps import domain_label_fractions

    labels = read_zooniverse(args.csv)
    boxes = labels[labels["label"].notna()]
    print(
        f"{args.csv}: {len(labels)} rows, {labels['image'].nunique()} images, {len(boxes)} "
        f"boxes, dates {labels['date'].min():%Y-%m-%d} to {labels['date'].max():%Y-%m-%d}"
    )
    counts = boxes["label"].value_counts()
    print("boxes per class: " + ", ".join(f"{c} {counts.get(c, 0)}" for c in CLASSES))
    if args.stats:
        st = coverage_statistics(labels)
        table = (
            st[
                [
                    "n_images",
                    "coverage_mode",
                    "coverage_median",
                    "coverage_mean",
                    "box_coverage_mode",
                    "coverage_skewness",
                ]
            ]
            .drop_vars("class_code")
            .to_dataframe()
        )
        print(
            f"coverage of the image per class ({st.attrs['n_labelled_images']} labelled "
            "images; mode, median and mean over the images where the class is present):"
        )
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
        print(f"biggest class coverage: mode {st.attrs['biggest_coverage_mode']:.3f}")
    if args.domain:
        path = Path(args.domain)
        domain = CampaignStore.open(path).domain if path.exists() else get_domain(args.domain)
        fractions = domain_label_fractions(
            labels, domain, step=args.step, progress=show_progress(args)
        )
        print(
            f"on domain {domain.name}: {fractions.sizes['date']} dates with boxes; mean "
            "fraction of the domain per class:"
        )
        print(
            fractions["fraction"].mean("date").to_series().to_string(float_format="{:.3f}".format)
        )
    return 0


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def register(subparsers: Any) -> None:
    """Add the ``tiles``, ``triplets`` and ``labels`` commands to the ``cloudorg`` command.

    Parameters
    ----------
    subparsers : argparse subparsers action
        From ``parser.add_subparsers()``.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> register(sub)
    >>> sorted(sub.choices)
    ['labels', 'tiles', 'triplets']
    """

    p = subparsers.add_parser(
        "tiles",
        help="cut the scenes of a store into tiles and flag them",
        description="Compute the tile table of a campaign store (tile offsets, centres, "
        "quality statistics and flags, labels) and write it into the store as "
        "tiles/<tiling>. A rerun reads only scenes added since.",
    )
    add_store_argument(p)
    add_tiling_options(p)
    g = p.add_argument_group("filters")
    g.add_argument(
        "--min-valid-fraction",
        type=float,
        default=0.5,
        metavar="F",
        help="flag low_valid_fraction below this (default: 0.5)",
    )
    g.add_argument(
        "--high-cloud-bt",
        type=float,
        default=285.0,
        metavar="K",
        help="flag high_cloud when the 25th percentile of the 11 um brightness "
        "temperature is at or below this (default: 285)",
    )
    g.add_argument(
        "--hue-range",
        type=float,
        nargs=2,
        default=(80.0, 100.0),
        metavar=("LO", "HI"),
        help="flag hue when the mean-colour HSV hue (degrees) is in this range (default: 80 100)",
    )
    g.add_argument(
        "--max-solar-zenith",
        type=float,
        default=80.0,
        metavar="DEG",
        help="flag night above this solar zenith angle at the tile centre (default: 80)",
    )
    p.add_argument(
        "--labels",
        metavar="CSV",
        help="Zooniverse label file; tiles get the majority class of the boxes "
        "of their scene's date (default: the store's pattern, when it has one)",
    )
    p.add_argument("--overwrite", action="store_true", help="recompute every scene")
    add_cluster_options(p)
    p.set_defaults(func=_cmd_tiles)

    p = subparsers.add_parser(
        "triplets",
        help="sample Tile2Vec triplets (anchor, neighbour, distant)",
        description="Sample triplets from the usable tiles of a tile table, save them in the "
        "store as triplets/<tiling> and, with --out, write them as a PNG folder "
        "({id:05d}_{anchor|neighbor|distant}.png).",
    )
    add_store_argument(p, "campaign store with a tile table (see `cloudorg tiles`)")
    p.add_argument("--n", type=int, default=10000, help="number of triplets (default: 10000)")
    p.add_argument("--out", metavar="DIR", help="write the triplets as PNG files here")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument(
        "--neighbour-distance",
        type=_positive_float,
        metavar="PX",
        help="anchor to neighbour distance (default: half a tile)",
    )
    p.add_argument(
        "--distant-min-distance",
        type=_positive_float,
        metavar="PX",
        help="also take distant tiles from the anchor's scene this far away "
        "(default: other scenes only)",
    )
    p.add_argument(
        "--variable", default="rgb", help="8-bit image written to the PNGs (default: rgb)"
    )
    add_tiling_options(p)
    add_cluster_options(p)
    p.set_defaults(func=_cmd_triplets)

    p = subparsers.add_parser(
        "labels",
        help="summarise a Zooniverse label file",
        description="Read the Zooniverse Sugar/Gravel/Fish/Flower boxes and print counts; "
        "--stats adds the coverage statistics of the images, --domain the fraction of a "
        "domain each class covers.",
    )
    p.add_argument("csv", help="Zooniverse annotations CSV")
    p.add_argument("--stats", action="store_true", help="per-class coverage statistics")
    p.add_argument(
        "--domain",
        metavar="NAME_OR_STORE",
        help="a named domain or a campaign store whose domain to put labels on",
    )
    p.add_argument(
        "--step",
        type=int,
        default=4,
        metavar="N",
        help="with --domain: use every N-th pixel (default: 4)",
    )
    p.set_defaults(func=_cmd_labels)
