"""Running the stages of a pipeline configuration on one Dask cluster.

Examples
--------
>>> import tempfile
>>> from cloudorg.synthetic import example_store
>>> root = tempfile.mkdtemp()
>>> store = example_store(root + "/c.zarr", n_scenes=2)
>>> config = PipelineConfig.from_dict({"store": str(store.path), "tiles": {"size": 64}})
>>> outcomes = run_pipeline(config, stages=["tiles"], client="synchronous", progress=False,
...                         echo=lambda line: None)
>>> [(o.stage, o.summary) for o in outcomes]
[('tiles', '2 tiles of 64 px, 2 usable')]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..distributed import ClientLike, cluster_client, dashboard_link
from ..errors import ConfigError
from .config import STAGES, PipelineConfig
from .interrupts import insistent_interrupts
from .stages import DESCRIPTIONS, STAGE_FUNCTIONS

__all__ = ["StageOutcome", "run_pipeline", "select_stages"]


@dataclass(frozen=True)
class StageOutcome:
    """What a stage did: its one-line summary and its wall time in seconds."""

    stage: str
    summary: str
    seconds: float


def select_stages(
    configured: Sequence[str],
    *,
    only: Sequence[str] | None = None,
    skip: Sequence[str] = (),
    start: str | None = None,
) -> list[str]:
    """The stages to run, in pipeline order.

    Parameters
    ----------
    configured : sequence of str
        The configuration's ``stages``.
    only : sequence of str, optional
        Run just these (still in pipeline order).
    skip : sequence of str
        Leave these out.
    start : str, optional
        Leave out the stages before this one.

    Raises
    ------
    cloudorg.errors.ConfigError
        For an unknown stage name, or when nothing is left to run.

    Examples
    --------
    >>> select_stages(STAGES, skip=["train"], start="metrics")
    ['metrics', 'embed', 'analyse', 'report']
    """
    for name in [*(only or ()), *skip, *([start] if start else [])]:
        if name not in STAGES:
            raise ConfigError(f"unknown stage {name!r}; expected one of {list(STAGES)}")
    first = STAGES.index(start) if start else 0
    chosen = [
        s
        for s in STAGES[first:]
        if s in configured and s not in skip and (only is None or s in only)
    ]
    if not chosen:
        raise ConfigError("no stage left to run: check stages, --only, --skip and --from")
    return chosen


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)} min {secs:.0f} s" if minutes else f"{secs:.1f} s"


def run_pipeline(
    config: PipelineConfig,
    *,
    stages: Sequence[str] | None = None,
    client: ClientLike = None,
    progress: bool = True,
    echo: Callable[[str], Any] = print,
) -> list[StageOutcome]:
    """Run the configured stages one after the other on one Dask cluster.

    Every stage is resumable (see :mod:`cloudorg.pipeline.stages`): after an interruption
    (Ctrl-C, a killed job) nothing finished is lost, and running the same configuration
    again goes on where the run stopped. Ctrl-C raises :class:`KeyboardInterrupt` out of
    the running stage (:func:`~cloudorg.pipeline.interrupts.insistent_interrupts`); the
    cluster is closed before it propagates.

    Parameters
    ----------
    config : PipelineConfig
        The run.
    stages : sequence of str, optional
        Stages to run (default ``config.stages``; see :func:`select_stages`).
    client : Client, str, None or "synchronous"
        Overrides ``config.cluster``; ``None`` takes the active client, else the
        configured scheduler, else a new LocalCluster of ``config.cluster.workers``.
    progress : bool
        Progress bars of the stages.
    echo : callable
        Where the stage headers, summaries and the dashboard link go.

    Returns
    -------
    list of StageOutcome
        One per stage run.

    Examples
    --------
    >>> run_pipeline(PipelineConfig(), stages=["fly"])
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: unknown stage 'fly'; expected one of ...
    """
    chosen = select_stages(config.stages, only=stages)
    target = client if client is not None else config.cluster.client
    outcomes = []
    with cluster_client(target, n_workers=config.cluster.workers) as active:
        link = dashboard_link(active)
        if link:
            echo(f"Dask dashboard: {link}")
        with insistent_interrupts():
            for number, stage in enumerate(chosen, 1):
                echo(f"[{number}/{len(chosen)}] {stage}: {DESCRIPTIONS[stage]}")
                start = time.perf_counter()
                summary = STAGE_FUNCTIONS[stage](config, active, progress)
                seconds = time.perf_counter() - start
                echo(f"    {summary} ({_elapsed(seconds)})")
                outcomes.append(StageOutcome(stage, summary, seconds))
    return outcomes
