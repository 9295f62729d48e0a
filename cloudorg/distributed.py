"""Dask clusters for campaign-scale work.

Library functions take ``client=``:

- ``None``: the Dask client already active in this process, else a new LocalCluster
  (closed again when the work is done);
- a ``distributed.Client``: used as is;
- a string: the address of a running scheduler (``tcp://host:8786``; dask-jobqueue,
  Kubernetes, ...);
- ``"synchronous"``: no cluster, everything in this process (debugging, profiling).

LocalClusters bind their scheduler and dashboard to localhost.

Examples
--------
>>> with cluster_client("synchronous") as client:
...     list(map_ordered(lambda v: v * 2, [1, 2, 3], client=client, key_prefix="double",
...                      names=["a", "b", "c"]))
[2, 4, 6]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import dask
from dask.base import tokenize

from .errors import ConfigError

__all__ = [
    "SYNCHRONOUS",
    "ClientLike",
    "active_client",
    "cluster_client",
    "dashboard_link",
    "map_ordered",
    "refuse_in_child_process",
    "share",
]

SYNCHRONOUS = "synchronous"
ClientLike = Any  # distributed.Client | str | None | Literal["synchronous"]

_WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 2**27,
    "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": 2**25,
    "distributed.worker.preload": ["cloudorg._worker_setup"],
}
"""Dask settings of the LocalClusters started here: glibc thresholds (the nanny's default
trim threshold, 64 KiB, halves the speed of the metric kernels, which allocate many small
arrays per tile), and a preload that leaves Ctrl-C to the client
(:mod:`cloudorg._worker_setup`)."""


def refuse_in_child_process(what: str) -> None:
    """Refuse work that only the main process of a run may do (start a LocalCluster,
    write a store) when this is a process that Python's ``spawn`` started: such a process
    imports the main script again, and runs any of the script's code that is not under
    ``if __name__ == "__main__":`` (a Dask worker process of a LocalCluster, for one).

    Raises
    ------
    ConfigError
        Naming the guard the script lacks.

    Examples
    --------
    >>> refuse_in_child_process("start a LocalCluster")  # the main process: nothing happens
    """
    import sys

    main = sys.modules.get("__mp_main__")  # the main script as a spawned child runs it
    if getattr(main, "__name__", None) != "__mp_main__":  # in the main process: "__main__"
        return
    script = getattr(main, "__file__", "the main script")
    raise ConfigError(
        f"a process started by another one (a Dask worker) is about to {what}: {script} runs "
        'its code at import; put it under `if __name__ == "__main__":` (Dask\'s worker '
        "processes import the script again)"
    )


def active_client() -> Any:
    """The Dask client active in this process, or None.

    Examples
    --------
    >>> active_client() is None
    True
    """
    from distributed import get_client

    try:
        return get_client()
    except ValueError:
        return None


@contextmanager
def cluster_client(
    client: ClientLike = None,
    *,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    memory_limit: str | float | None = "auto",
    dashboard_address: str = "127.0.0.1:8787",
) -> Iterator[Any]:
    """Yield a Dask client following the library's ``client=`` convention.

    Parameters
    ----------
    client : Client, str, None or "synchronous"
        See the module docstring.
    n_workers : int, optional
        Workers of a new LocalCluster (default: number of cores, at most 8).
    threads_per_worker : int
        Threads per worker of a new LocalCluster.
    memory_limit : str or float, optional
        Per-worker memory limit of a new LocalCluster.
    dashboard_address : str
        Where a new LocalCluster serves its dashboard (localhost by default; ``":0"`` for
        any free port).

    Yields
    ------
    distributed.Client or "synchronous"

    Examples
    --------
    >>> with cluster_client("synchronous") as c:
    ...     c
    'synchronous'
    """
    if client == SYNCHRONOUS:
        yield SYNCHRONOUS
        return
    from distributed import Client, LocalCluster

    if isinstance(client, str):
        with Client(client) as remote:
            yield remote
        return
    if client is not None:
        yield client
        return
    active = active_client()
    if active is not None:
        yield active
        return
    if n_workers is not None and n_workers < 1:
        raise ConfigError(f"n_workers must be >= 1, got {n_workers}")
    refuse_in_child_process("start a LocalCluster")
    workers = n_workers or min(os.cpu_count() or 1, 8)
    with (
        dask.config.set(_WORKER_CONFIG),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            host="127.0.0.1",
            dashboard_address=dashboard_address,
            memory_limit=memory_limit,
        ) as cluster,
        Client(cluster) as local,
    ):
        yield local


def dashboard_link(client: Any) -> str | None:
    """The dashboard URL of a client, or None without one.

    Examples
    --------
    >>> dashboard_link("synchronous") is None
    True
    """
    if client == SYNCHRONOUS or client is None:
        return None
    return getattr(client, "dashboard_link", None)


def share(client: Any, value: Any, *, attempts: int = 3) -> Any:
    """Send ``value`` to every worker once (a future tasks take as an argument), again when
    a worker left the cluster during the broadcast.

    A worker that is gone when the broadcast starts makes dask raise ``KeyError`` or
    ``CommClosedError``; one that dies while the copies are made leaves the scheduler
    trying to reach it without end. Each attempt therefore has a time limit (30 s, plus a
    second for every 10 MB of ``value``), after which it is made again on the workers
    then alive.

    Examples
    --------
    >>> share("synchronous", [1, 2])
    [1, 2]
    """
    if client == SYNCHRONOUS:
        return value
    import time

    from dask.sizeof import sizeof

    timeout = 30 + sizeof(value) / 10e6
    for attempt in range(attempts):
        try:
            return client.scatter(value, broadcast=True, hash=False, timeout=timeout)
        except (KeyError, OSError) as err:  # CommClosedError and TimeoutError are OSErrors
            if attempt == attempts - 1:
                raise RuntimeError(f"could not send the work's shared data to the workers: "
                                   f"{type(err).__name__}: {err}") from err  # fmt: skip
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def map_ordered(
    func: Callable[..., Any],
    items: Sequence[Any],
    *,
    client: Any,
    key_prefix: str,
    names: Sequence[str],
    window: int | None = None,
    args: Iterable[Any] = (),
    on_done: Callable[[], None] | None = None,
) -> Iterator[Any]:
    """Apply ``func(item, *args)`` to items on a cluster and yield results in input order.

    At most ``window`` items are in flight or waiting to be yielded, so memory stays
    bounded however many items there are. Tasks are named ``{key_prefix}-{name}-{token}``
    so the dashboard says what runs.

    Parameters
    ----------
    func : callable
        Runs on the workers; must be importable there.
    items : sequence
        Inputs, one task each.
    client : Client or "synchronous"
        From :func:`cluster_client`.
    key_prefix : str
        Task-name prefix (``ingest``, ``metrics``, ...).
    names : sequence of str
        Readable name of each item.
    window : int, optional
        Maximum items in flight (default: twice the number of worker threads).
    args : iterable
        Extra positional arguments of ``func``; scattered once, not once per task.
    on_done : callable, optional
        Called as each task finishes (progress bars).

    Yields
    ------
    object
        ``func``'s results, in the order of ``items``.

    Examples
    --------
    >>> list(map_ordered(str.upper, ["a", "b"], client="synchronous", key_prefix="up",
    ...                  names=["a", "b"]))
    ['A', 'B']
    """
    args = tuple(args)
    if len(names) != len(items):
        raise ConfigError(f"names has {len(names)} entries for {len(items)} items")
    if client == SYNCHRONOUS:
        for item in items:
            result = func(item, *args)
            if on_done:
                on_done()
            yield result
        return
    from distributed import as_completed

    if window is None:
        window = max(2, 2 * sum(client.nthreads().values()))
    shared = [share(client, a) if not isinstance(a, int | float | str) else a for a in args]
    token = tokenize(func, args, len(items))[:8]
    pending: dict[Any, int] = {}
    ready: dict[int, Any] = {}
    submitted = 0
    next_out = 0
    done = as_completed()

    def submit_more() -> None:
        nonlocal submitted
        while submitted < len(items) and submitted - next_out < window:
            future = client.submit(
                func, items[submitted], *shared, key=f"{key_prefix}-{names[submitted]}-{token}",
                pure=False,
            )  # fmt: skip
            pending[future] = submitted
            done.add(future)
            submitted += 1

    submit_more()
    try:
        while next_out < len(items):
            while next_out not in ready:
                future = next(done)
                ready[pending.pop(future)] = future
                if on_done:
                    on_done()
            future = ready.pop(next_out)
            result = future.result()
            future.release()
            next_out += 1
            submit_more()
            yield result
    finally:
        for future in list(pending) + list(ready.values()):
            future.cancel()
