"""The ``cloudorg analyse`` and ``cloudorg report`` commands.

:func:`register` adds them to the ``cloudorg`` command's subparsers; each sets ``func``,
which returns the exit status and raises :class:`~cloudorg.errors.CloudorgError` for bad
input (the main command prints those).

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="cloudorg").add_subparsers(dest="command")
>>> register(sub)
>>> args = sub.choices["analyse"].parse_args(["c.zarr", "--k", "auto"])
>>> args.k, args.tiling, args.seed
('auto', None, 0)
"""

from __future__ import annotations

import argparse
from typing import Any

from .options import add_list_option, add_store_argument, show_progress

__all__ = ["add_label_options", "register"]

MISSING_POLICIES = ("impute", "drop_metric", "drop_tile")
"""As :data:`cloudorg.analysis.MISSING_POLICIES` (not imported: the command starts fast)."""


def _k(value: str) -> int | str:
    if value == "auto":
        return value
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or 'auto', got {value!r}") from None


def _cmd_analyse(args: argparse.Namespace) -> int:
    from ..analysis.campaign import analyse
    from ..io.labels import read_labels

    labels = None
    if args.labels is not None:
        labels = read_labels(args.labels, images=args.label_images, tolerance=args.label_tolerance)
    ds = analyse(args.store, tiling=args.tiling, k=args.k, seed=args.seed,
                 features=args.features, mask=args.mask, labels=labels,
                 min_coverage=args.min_coverage, missing=args.missing,
                 n_bootstrap=args.bootstrap, overwrite=args.overwrite,
                 progress=show_progress(args))  # fmt: skip
    print(f"analysis/{ds.attrs['tiling']} of {args.store}")
    if ds.attrs["label_source"]:
        print(f"  labels: {ds.attrs['label_source']}")
    print(f"  {'features':<11} {'K':>3} {'K by silhouette':>15} {'tiles scored':>12} "
          f"{'NMI':>6} {'95 % interval':>15} {'chance':>7}")  # fmt: skip
    for f in ds.features.values:
        row = ds.sel(features=f)
        interval = f"[{float(row.nmi_low):.3f}, {float(row.nmi_high):.3f}]"
        print(f"  {f:<11} {int(row.k):>3} {int(row.k_silhouette):>15} "
              f"{int(row.n_tiles_scored):>12} {float(row.nmi):>6.3f} {interval:>15} "
              f"{float(row.nmi_chance):>7.3f}")  # fmt: skip
    for note in ds.attrs["notes"]:
        print(f"  note: {note}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from ..report import write_report

    path = write_report(args.store, args.out, tiling=args.tiling, k=args.k, seed=args.seed,
                        progress=show_progress(args))  # fmt: skip
    print(path.resolve())
    return 0


def _add_common(p: argparse.ArgumentParser) -> None:
    add_store_argument(p)
    p.add_argument("--tiling", metavar="NAME",
                   help="tiling, e.g. 256px or 128px_stride64 (default: the store's only "
                   "tiling with metrics or embeddings)")  # fmt: skip
    p.add_argument("--k", type=_k, default=4, metavar="K|auto",
                   help="k-means clusters, or auto (by silhouette, 2-12) (default: 4)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="seed of the fits (default: 0)")


def add_label_options(p: argparse.ArgumentParser) -> None:
    """The options that choose the labels scored: ``--labels`` and how they match tiles.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_label_options(p)
    >>> p.parse_args(["--labels", "boxes.csv"]).min_coverage
    0.5
    """
    p.add_argument("--labels", metavar="FILE",
                   help="labels to score against: a table of scene_id or time and label, "
                   "a table of time and lon/lat boxes, the Zooniverse CSV, a label raster "
                   "(netCDF/zarr) or a Kaggle train.csv (default: the tile table's "
                   "labels)")  # fmt: skip
    p.add_argument("--label-images", metavar="FILE",
                   help="Kaggle labels: table mapping each image to a scene_id or "
                   "time")  # fmt: skip
    p.add_argument("--label-tolerance", default="1h", metavar="DURATION",
                   help="largest difference of a label's and a scene's time (default: "
                   "1h)")  # fmt: skip
    p.add_argument("--min-coverage", type=float, default=0.5, metavar="FRACTION",
                   help="smallest share of a tile its majority class must cover for the "
                   "tile to be scored (default: 0.5)")  # fmt: skip


def register(subparsers: Any) -> None:
    """Add the ``analyse`` and ``report`` commands to the ``cloudorg`` command.

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
    ['analyse', 'report']
    """
    p = subparsers.add_parser(
        "analyse", help="cluster a store's tiles and score the clusters",
        description="Fit PCA and k-means to the cloud metrics and the embeddings of a "
        "tiling, choose K (silhouette and stability), score the clusters against the tile "
        "labels or a label file (NMI with a confidence interval from a bootstrap over "
        "scenes and a chance level from labels permuted within scenes, confusion "
        "matrices, silhouettes of the metric space) and write the analysis into the store "
        "as analysis/<tiling>. A rerun with the same inputs reads it back.",
    )  # fmt: skip
    _add_common(p)
    add_list_option(p, "--features", metavar="SET", choices=("embeddings", "metrics"),
                    default=("embeddings", "metrics"),
                    help="feature sets to analyse (default: both, when present)")  # fmt: skip
    p.add_argument(
        "--mask",
        metavar="METHOD",
        help="mask method of the metrics (default: greyscale when present)",
    )
    add_label_options(p)
    p.add_argument("--missing", choices=MISSING_POLICIES, default="impute",
                   help="metrics undefined on some tiles: impute the median, drop the "
                   "metric or drop the tile (default: impute)")  # fmt: skip
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="resamples of scenes of the NMI's interval (default: 1000)")  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help="fit again")
    p.set_defaults(func=_cmd_analyse)

    p = subparsers.add_parser(
        "report", help="write an HTML report of a campaign store",
        description="Write one self-contained HTML file (figures embedded) describing a "
        "campaign store: scenes, tiles, metrics, embeddings, clusters and scores. The "
        "analysis is made first when the store has none.",
    )  # fmt: skip
    _add_common(p)
    p.add_argument("--out", default="report.html", metavar="HTML",
                   help="the report file (default: report.html)")  # fmt: skip
    p.set_defaults(func=_cmd_report)
