"""The ``cloudorg train``, ``cloudorg embed`` and ``cloudorg classify`` commands.

:func:`register` adds them to the ``cloudorg`` command's subparsers; each sets ``func``,
which returns the exit status and raises :class:`~cloudorg.errors.CloudorgError` for bad
input (the main command prints those).

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="cloudorg").add_subparsers(dest="command")
>>> register(sub)
>>> args = sub.choices["embed"].parse_args(["c.zarr", "--model", "run.pt", "--size", "128"])
>>> args.size, args.batch_size, args.device, args.name
(128, 64, 'auto', None)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .options import (
    add_cluster_options,
    add_list_option,
    add_store_argument,
    client_of,
    print_dashboard,
    show_progress,
)

__all__ = ["register"]


def _cmd_train(args: argparse.Namespace) -> int:
    from ..models.config import Tile2VecConfig
    from ..models.device import resolve_device, set_torch_threads
    from ..models.sources import triplets_from_store
    from ..models.tile2vec import train_tile2vec
    from ..plots import plot_history

    config = Tile2VecConfig.from_json(args.config) if args.config else Tile2VecConfig()
    if resolve_device(args.device).type == "cpu":
        set_torch_threads(args.threads)
    client = client_of(args)
    train, val = triplets_from_store(
        args.store, config, client=client, progress=show_progress(args)
    )
    print(f"{len(train)} training triplets, {len(val) if val else 0} validation triplets of "
          f"{config.data.tile_size} px tiles ({', '.join(config.data.channels)})")  # fmt: skip
    result = train_tile2vec(train, config, val=val, checkpoint=args.checkpoint,
                            device=args.device, progress=show_progress(args))  # fmt: skip
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
    from ..distributed import SYNCHRONOUS, cluster_client
    from ..models.inference import embed

    local = args.synchronous or not (args.scheduler or args.workers)
    with cluster_client(SYNCHRONOUS if local else args.scheduler, n_workers=args.workers,
                        dashboard_address="127.0.0.1:0") as client:  # fmt: skip
        print_dashboard(client)
        emb = embed(
            args.store, args.model, tile_size=args.size, stride=args.stride, edge=args.edge,
            channels=args.channels, filters=args.filters, batch_size=args.batch_size,
            block_size=args.block_size, client=client, device=args.device, threads=args.threads,
            name=args.name, overwrite=args.overwrite, progress=show_progress(args),
        )  # fmt: skip
    n_ok = int(emb.notnull().all("embedding").sum())
    print(f"embeddings of {emb.attrs['tile_table']}: {n_ok} of {emb.sizes['tile']} tiles in "
          f"{emb.sizes['embedding']} dimensions, {emb.attrs['model_kind']} model "
          f"{emb.attrs['model_id']}")  # fmt: skip
    return 0


def _print_metrics(metrics: Any) -> None:
    """Per-class precision and recall, then the confusion matrix (rows: true classes), of
    the classes with true or predicted tiles."""
    cm = metrics.confusion.values
    seen = np.flatnonzero(cm.sum(0) + cm.sum(1))
    names = [str(metrics["class"].values[i]) for i in seen]
    width = max(8, *(len(n) for n in names))
    print(f"{'class':<{width}} {'tiles':>6} {'precision':>9} {'recall':>7}")
    for i, name in zip(seen, names, strict=True):
        precision, recall = float(metrics.precision[i]), float(metrics.recall[i])
        print(f"{name:<{width}} {int(metrics.support[i]):>6} {precision:>9.3f} {recall:>7.3f}")
    print(f"accuracy {float(metrics.accuracy):.3f}")
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(" " * width + "".join(f" {n:>{width}}" for n in names))
    for i, name in zip(seen, names, strict=True):
        print(f"{name:<{width}}" + "".join(f" {int(cm[i, j]):>{width}}" for j in seen))


def _cmd_classify(args: argparse.Namespace) -> int:
    import json

    from ..distributed import SYNCHRONOUS, cluster_client
    from ..errors import ConfigError
    from ..models.classifier import (
        ClassifierRunConfig,
        class_probabilities,
        classification_metrics,
        default_class_names,
        metrics_summary,
        train_classifier,
    )
    from ..models.device import resolve_device, set_torch_threads
    from ..models.inference import classify_store
    from ..models.sources import labelled_tiles_from_store
    from ..plots import plot_classification, plot_history

    config = ClassifierRunConfig.from_json(args.config) if args.config else ClassifierRunConfig()
    data = config.data.with_tiles(args.size, args.stride, args.edge, args.channels, args.filters)
    config = config.replace(data=data)
    if config.training.val_fraction <= 0:
        raise ConfigError("training.val_fraction: expected a fraction of the scenes above 0, "
                          "held out to measure precision and recall")  # fmt: skip
    if resolve_device(args.device).type == "cpu":
        set_torch_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    quiet = not show_progress(args)
    client_like = SYNCHRONOUS if args.synchronous else args.scheduler
    with cluster_client(client_like, n_workers=args.workers,
                        dashboard_address="127.0.0.1:0") as client:  # fmt: skip
        print_dashboard(client)
        tiles, _ = labelled_tiles_from_store(
            args.store, data, min_label_fraction=args.min_label_fraction, client=client,
            progress=not quiet,
        )  # fmt: skip
        if tiles.images.shape[1] != config.model.in_channels:
            raise ConfigError(
                f"channels: {list(data.channels)} give {tiles.images.shape[1]} channels; the "
                f"config's model.in_channels is {config.model.in_channels}"
            )
        train, val = tiles.split_by_scene(config.training.val_fraction, seed=config.training.seed)
        names = default_class_names(config.model.n_classes)
        counts = np.bincount(tiles.labels.numpy(), minlength=len(names))
        print(f"{len(tiles)} labelled {data.tile_size} px tiles ("
              + ", ".join(f"{n} {c}" for n, c in zip(names, counts, strict=False) if c)
              + f"): {len(train)} for training, {len(val)} from {len(set(val.scene_ids))} "
              "held-out scenes for validation")  # fmt: skip
        ckpt = out / "classifier.pt"
        result = train_classifier(train, config, val=val, checkpoint=ckpt, device=args.device,
                                  progress=not quiet)  # fmt: skip
        device = next(result.model.parameters()).device
        p = class_probabilities(result.model, val.images, device=device)
        metrics = classification_metrics(val.labels, p.argmax(1), class_names=names)
        _print_metrics(metrics)
        summary = {
            **metrics_summary(metrics), "n_train": len(train), "n_val": len(val),
            "val_scenes": sorted(set(val.scene_ids)), "config": config.to_dict(),
        }  # fmt: skip
        (out / "metrics.json").write_text(json.dumps(summary, indent=2))
        plot_classification(metrics).savefig(out / "confusion.png", dpi=120)
        plot_history(result.history).savefig(out / "history.png", dpi=120)
        print(f"checkpoint {ckpt.resolve()}; metrics.json, confusion.png and history.png in "
              f"{out.resolve()}")  # fmt: skip
        if args.predict:
            probs = classify_store(
                args.store, result.model, tile_size=data.tile_size, stride=data.stride,
                edge=data.edge, channels=data.channels, filters=data.filters,
                client=client, device=args.device, threads=args.threads,
                overwrite=args.overwrite, progress=not quiet,
            )  # fmt: skip
            best = probs.fillna(-1).argmax("class").values[probs.notnull().all("class").values]
            shares = np.bincount(best, minlength=len(names))
            most = ", ".join(f"{n} {c}" for n, c in zip(names, shares, strict=False) if c)
            print(f"class probabilities of {best.size} of {probs.sizes['tile']} tiles written "
                  f"to the store; most probable class: {most}")  # fmt: skip
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


def _add_tile_options(p: argparse.ArgumentParser, title: str, verb: str) -> Any:
    """The tiling and channel options of ``embed`` and ``classify``; returns their group."""
    from ..tiles.filters import FLAGS

    g = p.add_argument_group(title)
    g.add_argument("--size", type=int, metavar="PX", help="tile edge in pixels")
    g.add_argument("--stride", type=int, metavar="PX", help="stride (with --size)")
    g.add_argument("--edge", choices=("drop", "pad", "shift"), help="edge policy")
    add_list_option(g, "--channels", metavar="VAR", help="scene variables as channels")
    add_list_option(g, "--filters", metavar="FLAG", accepts=FLAGS, allow_empty=True,
                    help=f"flags that exclude tiles (none given: {verb} every tile)")  # fmt: skip
    return g


def register(subparsers: Any) -> None:
    """Add the ``train``, ``embed`` and ``classify`` commands to the ``cloudorg`` command.

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
    ['classify', 'embed', 'train']
    """

    p = subparsers.add_parser(
        "train", help="train a Tile2Vec embedding model on a store's tiles",
        description="Sample anchor/neighbour/distant triplets from the tiles of a campaign "
        "store (holding out whole scenes for validation) and train a ResNet embedder with "
        "the triplet loss. A checkpoint is written every checkpoint_every steps; rerunning "
        "the same command continues an interrupted run.",
    )  # fmt: skip
    add_store_argument(p, "campaign store (its tile table is built when missing)")
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
        description="Stream the usable tiles of a store's tile table through an embedding "
        "model and write their embeddings into the store as embeddings/<tiling> (or "
        "embeddings/NAME/<tiling> with --name). A rerun with the "
        "same model continues where an interrupted run stopped.",
    )  # fmt: skip
    add_store_argument(p)
    p.add_argument("--model", required=True, metavar="PT",
                   help="checkpoint of `cloudorg train` (Tile2Vec), of an autoencoder or of "
                   "DeepCluster (DeepClusterResult.save)")  # fmt: skip
    _add_tile_options(p, "tiles (default: those the model was trained on)", "embed")
    p.add_argument("--batch-size", type=int, default=64, help="tiles per batch (default: 64)")
    p.add_argument("--block-size", type=int, default=4096,
                   help="tiles per block, the unit of resuming and of Dask tasks "
                   "(default: 4096)")  # fmt: skip
    p.add_argument("--name", metavar="NAME",
                   help="write to embeddings/NAME/<tiling>, beside other models' embeddings "
                   "(default: embeddings/<tiling>)")  # fmt: skip
    p.add_argument("--overwrite", action="store_true",
                   help="replace embeddings of another model")  # fmt: skip
    _add_device_options(p)
    g = p.add_argument_group("cluster (default: this process)")
    g.add_argument("--scheduler", metavar="ADDR", help="address of a running Dask scheduler; "
                   "workers with a GPU resource (--resources GPU=1) get the tasks")  # fmt: skip
    g.add_argument("--workers", type=int, metavar="N", help="a LocalCluster of N workers")
    g.add_argument("--synchronous", action="store_true", help="this process (the default)")
    p.set_defaults(func=_cmd_embed)

    p = subparsers.add_parser(
        "classify", help="train the supervised classifier on a store's labelled tiles",
        description="Train a ResNet + perceptron classifier (report section 8) on the "
        "labelled usable tiles of a store's tile table (labels from the synthetic pattern or "
        "Zooniverse boxes), holding out whole scenes for validation; print per-class "
        "precision and recall and the confusion matrix on the held-out scenes, and save the "
        "checkpoint (classifier.pt), metrics.json, confusion.png and history.png in --out. "
        "Rerunning with the same --out continues an interrupted training run.",
    )  # fmt: skip
    add_store_argument(p, "campaign store (its tile table is built when missing)")
    p.add_argument("--out", required=True, metavar="DIR", help="directory of the results")
    p.add_argument("--config", metavar="JSON",
                   help='run configuration: a JSON file or text, {"model": {...}, "weighting": '
                   '"inverse|balanced|none", "augment": true, "training": {...}, "data": '
                   '{...}} (default: the report\'s ResNet-18 + 100-30-10-5)')  # fmt: skip
    g = _add_tile_options(p, "tiles (default: the config's data section)", "use")
    g.add_argument("--min-label-fraction", type=float, default=0.5, metavar="F",
                   help="keep a tile of a class only when the class covers at least this "
                   "fraction of it (default: 0.5)")  # fmt: skip
    p.add_argument("--predict", action="store_true",
                   help="then write the class probabilities of every tile into the store "
                   "(class_probabilities/<tiling>)")  # fmt: skip
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="with --predict: replace the class probabilities of another model",
    )
    _add_device_options(p)
    add_cluster_options(p)
    p.set_defaults(func=_cmd_classify)
