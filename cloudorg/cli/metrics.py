"""The ``cloudorg metrics`` command: cloud-mask metrics of every tile of a campaign store.

:func:`register` adds it to the ``cloudorg`` command's subparsers; it sets ``func``, which
returns the exit status and raises :class:`~cloudorg.errors.CloudorgError` for bad input
(the main command prints those).

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="cloudorg").add_subparsers(dest="command")
>>> register(sub)
>>> args = sub.choices["metrics"].parse_args(["c.zarr", "--tile-size", "128", "--mask",
...                                           "reflectance", "--threshold", "20"])
>>> args.size, args.mask, args.threshold, args.metrics
(128, 'reflectance', 20.0, None)
"""

from __future__ import annotations

import argparse
from typing import Any

from .options import (
    add_cluster_options,
    add_list_option,
    add_store_argument,
    add_tiling_options,
    client_of,
    print_dashboard,
    tile_spec,
)

__all__ = ["register"]


def _is_metric(name: str) -> bool:
    from ..metrics.registry import metric_names

    return name in metric_names()


def _recipe(args: argparse.Namespace) -> Any:
    from ..errors import ConfigError
    from ..masks import MaskRecipe

    if args.threshold is None:
        return MaskRecipe.named(args.mask)
    if args.mask == "product":
        raise ConfigError("--threshold: a product mask has flags (cloudy_flags), no threshold")
    return MaskRecipe.named(args.mask, threshold=args.threshold)


def _summary(ds: Any, group: str, store: Any) -> None:
    a = ds.attrs
    n = ds.sizes["tile"]
    scenes = len(set(ds["scene_id"].values.tolist()))
    print(f"{group} of {store.url}")
    print(f"  mask:    {a['mask_recipe']}; lengths in {a['length_unit']}")
    print(f"  tiles:   {n} of {scenes} scenes ({a['tile_table']})")
    print(f"  {'metric':<27} {'units':<6} {'mean':>10} {'NaN tiles':>10}")
    for name in a["metrics"]:
        var = ds[name]
        mean = f"{float(var.mean()):.4g}" if int(var.notnull().sum()) else "-"
        print(f"  {name:<27} {var.attrs['units']:<6} {mean:>10} {int(var.isnull().sum()):>10}")
    others = [m for m in a["metrics"] if m != "cloud_fraction"]
    if "cloud_fraction" in ds and others:
        missing = ds["cloud_fraction"].notnull() & ds[others].to_array().isnull().all("variable")
        if int(missing.sum()):
            print(f"  {int(missing.sum())} tiles have more missing pixels than "
                  f"max_missing_fraction={a['max_missing_fraction']:g}: every metric but "
                  "cloud_fraction is NaN there (--max-missing-fraction counts missing pixels "
                  "as clear up to that fraction)")  # fmt: skip


def _cmd_metrics(args: argparse.Namespace) -> int:
    from ..distributed import cluster_client
    from ..metrics.campaign import metrics_for_store, metrics_group
    from ..store import CampaignStore

    store = CampaignStore.open(args.store)
    spec = tile_spec(args, store)
    recipe = _recipe(args)
    client = client_of(args)
    with cluster_client(client, n_workers=args.workers) as cl:
        print_dashboard(cl)
        ds = metrics_for_store(
            store,
            tiling=spec,
            metrics=args.metrics,
            mask=recipe,
            connectivity=args.connectivity,
            min_area=args.min_area,
            max_missing_fraction=args.max_missing_fraction,
            client=cl,
            overwrite=args.overwrite,
            progress=not getattr(args, "quiet", False),
        )
    _summary(ds, metrics_group(spec, recipe), store)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``metrics`` command to the ``cloudorg`` command.

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
    ['metrics']
    """
    p = subparsers.add_parser(
        "metrics",
        help="cloud-mask metrics of every tile of a store",
        description="Make the cloud mask of every scene, cut it into the tiles of the store's "
        "tile table (built when absent) and compute the organisation metrics of each tile "
        "(lengths in km) on a Dask cluster, one task per scene and storage block. The "
        "metrics are written into the store by the workers as metrics/<tiling>_<mask>; a "
        "rerun computes only the blocks of scenes not done yet.",
    )
    add_store_argument(p)
    add_tiling_options(p)
    p.add_argument("--tile-size", dest="size", type=int, default=argparse.SUPPRESS,
                   metavar="PX", help="same as --size")  # fmt: skip
    g = p.add_argument_group("mask")
    g.add_argument("--mask", default="greyscale", metavar="METHOD",
                   help="cloud-mask recipe: greyscale (default: grey > 127, the report's), "
                   "reflectance (reflectance_0p64 > 10 %%), brightness_temperature "
                   "(brightness_temperature_11 < 290 K) or product (cloud_mask flags 0 and 1: "
                   "MOD35/MYD35 cloudy and probably cloudy)")  # fmt: skip
    g.add_argument("--threshold", type=float, metavar="X",
                   help="threshold of the recipe: grey level 0-255, reflectance in %%, "
                   "brightness temperature in K")  # fmt: skip
    g = p.add_argument_group("metrics")
    add_list_option(g, "--metrics", metavar="NAME", accepts=_is_metric,
                    help="metric names (default: all; see docs/metrics.md)")  # fmt: skip
    g.add_argument("--connectivity", type=int, choices=(4, 8), default=4,
                   help="pixel connectivity of cloud objects (default: 4)")  # fmt: skip
    g.add_argument("--min-area", type=float, default=0.0, metavar="PX",
                   help="leave objects of at most this many pixels out of the object "
                   "metrics (default: 0)")  # fmt: skip
    g.add_argument("--max-missing-fraction", type=float, default=0.0, metavar="F",
                   help="tiles with more missing pixels than this fraction get NaN for "
                   "every metric but cloud_fraction (default: 0)")  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help="recompute every scene "
                   "(needed to replace metrics computed with other parameters)")  # fmt: skip
    add_cluster_options(p)
    p.set_defaults(func=_cmd_metrics)
