"""The ``cloudorg run`` and ``cloudorg demo`` commands.

:func:`register` adds them to the ``cloudorg`` command's subparsers; each sets ``func``,
which returns the exit status and raises :class:`~cloudorg.errors.CloudorgError` for bad
input (the main command prints those). Ctrl-C stops a run with status 130 and leaves the
store consistent; the same command resumes it.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="cloudorg").add_subparsers(dest="command")
>>> register(sub)
>>> args = sub.choices["run"].parse_args(["run.yaml", "--skip", "train", "--workers", "4"])
>>> args.skip, args.workers, args.only
(['train'], 4, None)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .options import add_cluster_options, add_list_option, show_progress

__all__ = ["INTERRUPTED", "register"]

INTERRUPTED = 130
"""Exit status of a run stopped by Ctrl-C (128 + SIGINT)."""


def _run(config: Any, args: argparse.Namespace, rerun: str) -> int:
    from ..pipeline.run import run_pipeline, select_stages

    cluster = config.cluster.replace(
        scheduler=args.scheduler or config.cluster.scheduler,
        workers=args.workers or config.cluster.workers,
        synchronous=args.synchronous or config.cluster.synchronous,
    )
    config = config.replace(cluster=cluster)
    stages = select_stages(config.stages, only=args.only, skip=args.skip or (), start=args.start)
    try:
        outcomes = run_pipeline(config, stages=stages, progress=show_progress(args))
    except KeyboardInterrupt:
        print(f"\ninterrupted: what finished is in {config.store}; run `{rerun}` to go on "
              "where it stopped", file=sys.stderr)  # fmt: skip
        return INTERRUPTED
    total = sum(o.seconds for o in outcomes)
    print(f"done: {len(outcomes)} stages in {total / 60:.1f} min; store {config.store}")
    if "report" in stages:
        print(f"report: {config.report.out}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from ..pipeline.config import PipelineConfig

    config = PipelineConfig.from_yaml(args.config)
    return _run(config, args, f"cloudorg run {args.config}")


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..pipeline.config import PipelineConfig
    from ..pipeline.demo import write_demo_campaign

    out = Path(args.out).resolve()
    print(f"demo: synthesising {args.n} scenes of Sugar, Gravel, Fish and Flower in {out}/data")
    path = write_demo_campaign(out, args.n, seed=args.seed, progress=show_progress(args))
    return _run(PipelineConfig.from_yaml(path), args, f"cloudorg demo --out {args.out}")


def _add_run_options(p: argparse.ArgumentParser) -> None:
    from ..pipeline.config import STAGES

    g = p.add_argument_group("stages", f"stages, in order: {', '.join(STAGES)}")
    add_list_option(g, "--only", metavar="STAGE", accepts=STAGES, help="run only these stages")
    add_list_option(g, "--skip", metavar="STAGE", accepts=STAGES, help="leave these stages out")
    g.add_argument("--from", dest="start", metavar="STAGE",
                   help="leave out the stages before this one")  # fmt: skip
    add_cluster_options(p)


def register(subparsers: Any) -> None:
    """Add the ``run`` and ``demo`` commands to the ``cloudorg`` command.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser(prog="cloudorg").add_subparsers(dest="command")
    >>> register(sub)
    >>> sub.choices["demo"].parse_args([]).out
    'cloudorg-demo'
    """
    p = subparsers.add_parser(
        "run",
        help="run a campaign from files to report",
        description="Run the stages of a YAML configuration (ingest, tiles, metrics, train, "
        "embed, analyse, report) on a Dask cluster. Every stage is resumable: after Ctrl-C "
        "or a failure, the same command goes on where it stopped.",
    )
    p.add_argument("config", help="YAML configuration (see docs/pipeline.md)")
    _add_run_options(p)
    p.set_defaults(func=_cmd_run)

    p = subparsers.add_parser(
        "demo",
        help="the whole pipeline on a small synthetic campaign",
        description="Synthesise a small campaign of the four patterns (GOES-16 ABI files), "
        "run the whole pipeline on it and write the HTML report.",
    )
    p.add_argument("--out", default="cloudorg-demo", help="output directory")
    p.add_argument("--n", type=int, default=8, help="number of scenes (default: 8)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic fields")
    _add_run_options(p)
    p.set_defaults(func=_cmd_demo)
