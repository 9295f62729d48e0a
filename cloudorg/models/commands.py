"""The ``cloudorg train`` and ``cloudorg embed`` commands.

:func:`register` adds them to the ``cloudorg`` command's subparsers; each sets ``func``,
which returns the exit status and raises :class:`~cloudorg.errors.CloudorgError` for bad
input (the main command prints those).

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="cloudorg").add_subparsers(dest="command")
>>> register(sub)
>>> args = sub.choices["embed"].parse_args(["c.zarr", "--model", "run.pt", "--size", "128"])
>>> args.size, args.batch_size, args.device
(128, 64, 'auto')
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["register"]


def _quiet(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "quiet", False))


def _cmd_train(args: argparse.Namespace) -> int:
    from .config import Tile2VecConfig
    from .device import resolve_device, set_torch_threads
    from .history import plot_history
    from .sources import triplets_from_store
    from .tile2vec import train_tile2vec

    config = Tile2VecConfig.from_json(args.config) if args.config else Tile2VecConfig()
    if resolve_device(args.device).type == "cpu":
        set_torch_threads(args.threads)
    client = "synchronous" if args.synchronous else args.scheduler
    train, val = triplets_from_store(args.store, config, client=client, progress=not _quiet(args))
    print(f"{len(train)} training triplets, {len(val) if val else 0} validation triplets of "
          f"{config.data.tile_size} px tiles ({', '.join(config.data.channels)})")  # fmt: skip
    result = train_tile2vec(train, config, val=val, checkpoint=args.checkpoint,
                            device=args.device, progress=not _quiet(args))  # fmt: skip
    h = result.history
    last = {v: float(h[v][-1]) for v in ("loss", "d_neighbour", "d_distant")}
    print(f"step {int(h.step[-1])}: loss {last['loss']:.4g}, mean distance anchor-neighbour "
          f"{last['d_neighbour']:.4g}, anchor-distant {last['d_distant']:.4g}")  # fmt: skip
    if "val_loss" in h and h.sizes["val_step"]:
        print(f"validation: loss {float(h.val_loss[-1]):.4g}, anchor-neighbour "
              f"{float(h.val_d_neighbour[-1]):.4g}, anchor-distant "
              f"{float(h.val_d_distant[-1]):.4g}")  # fmt: skip
    print(f"model {result.model.model_id} saved in {Path(args.checkpoint).resolve()}")
    if args.plot:
        plot_history(h).savefig(args.plot, dpi=120)
        print(f"training curves: {Path(args.plot).resolve()}")
    return 0


def _cmd_embed(args: argparse.Namespace) -> int:
    from ..distributed import SYNCHRONOUS, cluster_client, dashboard_link
    from .inference import embed

    local = args.synchronous or not (args.scheduler or args.workers)
    with cluster_client(SYNCHRONOUS if local else args.scheduler, n_workers=args.workers,
                        dashboard_address=":0") as client:  # fmt: skip
        link = dashboard_link(client)
        if link:
            print(f"Dask dashboard: {link}", flush=True)
        emb = embed(
            args.store, args.model, tile_size=args.size, stride=args.stride, edge=args.edge,
            channels=args.channels, filters=args.filters, batch_size=args.batch_size,
            block_size=args.block_size, client=client, device=args.device, threads=args.threads,
            overwrite=args.overwrite, progress=not _quiet(args),
        )  # fmt: skip
    n_ok = int(emb.notnull().all("embedding").sum())
    print(f"embeddings of {emb.attrs['tile_table']}: {n_ok} of {emb.sizes['tile']} tiles in "
          f"{emb.sizes['embedding']} dimensions, model {emb.attrs['model_id']}")  # fmt: skip
    return 0


def _add_device_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("device")
    g.add_argument(
        "--device",
        default="auto",
        help="auto (CUDA when available, else CPU), cpu or cuda[:N] (default: auto)",
    )
    g.add_argument("--threads", type=int, metavar="N",
                   help="torch CPU threads (default: the available cores)")  # fmt: skip


def register(subparsers: Any) -> None:
    """Add the ``train`` and ``embed`` commands to the ``cloudorg`` command.

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
    ['embed', 'train']
    """
    from ..cli import add_cluster_options

    p = subparsers.add_parser(
        "train", help="train a Tile2Vec embedding model on a store's tiles",
        description="Sample anchor/neighbour/distant triplets from the tiles of a campaign "
        "store (holding out whole scenes for validation) and train a ResNet embedder with "
        "the triplet loss. A checkpoint is written every checkpoint_every steps; rerunning "
        "the same command continues an interrupted run.",
    )  # fmt: skip
    p.add_argument("store", help="campaign store (its tile table is built when missing)")
    p.add_argument("--config", metavar="JSON",
                   help='run configuration: a JSON file or text, {"model": {...}, "triplet": '
                   '{...}, "training": {...}, "data": {...}} (default: every default)')  # fmt: skip
    p.add_argument("--checkpoint", required=True, metavar="PT",
                   help="checkpoint file: written during training, resumed from when it "
                   "exists, and the model file for `cloudorg embed`")  # fmt: skip
    p.add_argument("--plot", metavar="PNG", help="save the training curves here")
    _add_device_options(p)
    add_cluster_options(p)
    p.set_defaults(func=_cmd_train)

    p = subparsers.add_parser(
        "embed", help="embed every tile of a store with a trained model",
        description="Stream the usable tiles of a store's tile table through an embedder "
        "and write their embeddings into the store as embeddings/<tiling>. A rerun with the "
        "same model continues where an interrupted run stopped.",
    )  # fmt: skip
    p.add_argument("store", help="campaign store")
    p.add_argument("--model", required=True, metavar="PT",
                   help="checkpoint of `cloudorg train`")  # fmt: skip
    g = p.add_argument_group("tiles (default: those the model was trained on)")
    g.add_argument("--size", type=int, metavar="PX", help="tile edge in pixels")
    g.add_argument("--stride", type=int, metavar="PX", help="stride (with --size)")
    g.add_argument("--edge", choices=("drop", "pad", "shift"), help="edge policy")
    g.add_argument("--channels", nargs="+", metavar="VAR", help="scene variables as channels")
    g.add_argument("--filters", nargs="*", metavar="FLAG",
                   help="flags that exclude tiles (none given: embed every tile)")  # fmt: skip
    p.add_argument("--batch-size", type=int, default=64, help="tiles per batch (default: 64)")
    p.add_argument("--block-size", type=int, default=4096,
                   help="tiles per block, the unit of resuming and of Dask tasks "
                   "(default: 4096)")  # fmt: skip
    p.add_argument("--overwrite", action="store_true",
                   help="replace embeddings of another model")  # fmt: skip
    _add_device_options(p)
    g = p.add_argument_group("cluster (default: this process)")
    g.add_argument("--scheduler", metavar="ADDR", help="address of a running Dask scheduler; "
                   "workers with a GPU resource (--resources GPU=1) get the tasks")  # fmt: skip
    g.add_argument("--workers", type=int, metavar="N", help="a LocalCluster of N workers")
    g.add_argument("--synchronous", action="store_true", help="this process (the default)")
    p.set_defaults(func=_cmd_embed)
