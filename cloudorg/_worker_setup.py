"""Dask worker preload of the LocalClusters cloudorg starts: Ctrl-C is the client's.

A Ctrl-C in a terminal reaches every process of the foreground group, the LocalCluster's
worker processes included. Killed workers would leave the client waiting for their
results; with SIGINT ignored on the workers, the client alone stops (its commits are
atomic) and closes the cluster.

Examples
--------
>>> callable(dask_setup)
True
"""

from __future__ import annotations

import signal
from typing import Any

__all__ = ["dask_setup"]


def dask_setup(worker: Any) -> None:
    """Ignore SIGINT in this worker process (called by Dask when the worker starts)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
