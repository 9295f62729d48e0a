"""Timing helpers of the benchmarks: rivals timed in turns, ratios as medians, goals.

A ratio is only worth its two timings if both saw the same machine: :func:`in_turns` runs
the rivals one after the other, round after round, so that load from other work on the
(shared) machine falls on all of them; a ratio is the median over rounds of the per-round
ratios. ``CLOUDORG_BENCH_QUICK=1`` (set by ``ci/bench.sh``) asks for one round: the CI run
checks that every benchmark works, the numbers come from full runs.

Examples
--------
>>> import time
>>> rounds = in_turns({"a": lambda: time.sleep(0.002), "b": lambda: time.sleep(0.001)}, 3)
>>> sorted(rounds), len(rounds["a"])
(['a', 'b'], 3)
>>> median_ratio(rounds["a"], rounds["b"]) > 1
True
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

QUICK_ENV = "CLOUDORG_BENCH_QUICK"


def quick() -> bool:
    """Whether this is a quick run (``CLOUDORG_BENCH_QUICK`` set and not ``0``).

    Examples
    --------
    >>> import os
    >>> from unittest.mock import patch
    >>> with patch.dict(os.environ, {"CLOUDORG_BENCH_QUICK": "1"}):
    ...     quick()
    True
    """
    return os.environ.get(QUICK_ENV, "0") not in ("", "0")


def round_count(full: int) -> int:
    """``full`` rounds, or one in a quick run. (Not named ``rounds``: asv takes a name it
    knows, imported into a benchmark module, for its own setting.)

    Examples
    --------
    >>> round_count(5) in (1, 5)
    True
    """
    return 1 if quick() else full


def tracked(unit: str, goal: str | None = None) -> Callable[[F], F]:
    """Mark an asv ``track_`` benchmark with its unit and its goal (``">= 20"``), which
    ``benchmarks/collect.py`` writes next to the measured value.

    Examples
    --------
    >>> @tracked("x", ">= 1.7")
    ... def track_speedup():
    ...     return 1.8
    >>> track_speedup.unit, track_speedup.goal
    ('x', '>= 1.7')
    """

    def mark(fn: F) -> F:
        fn.unit = unit  # type: ignore[attr-defined]
        fn.goal = goal  # type: ignore[attr-defined]
        return fn

    return mark


def seconds(run: Callable[[], object]) -> float:
    """Wall-clock seconds of one call.

    Examples
    --------
    >>> seconds(lambda: None) < 0.1
    True
    """
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def in_turns(runs: dict[str, Callable[[], object]], n_rounds: int) -> dict[str, list[float]]:
    """Seconds of each run in each of ``n_rounds`` rounds, the runs taking turns.

    Examples
    --------
    >>> list(in_turns({"x": lambda: None}, 2)) == ["x"]
    True
    """
    found: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(n_rounds):
        for name, run in runs.items():
            found[name].append(seconds(run))
    return found


def median_ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float:
    """The median of the per-round ratios.

    Examples
    --------
    >>> median_ratio([2.0, 4.0, 9.0], [1.0, 1.0, 3.0])
    3.0
    """
    return statistics.median(a / b for a, b in zip(numerator, denominator, strict=True))
