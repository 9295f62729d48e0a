"""Dask clusters for campaign-scale work.

Library functions take ``client=``:

- ``None``: the Dask client already active in this process, else a new LocalCluster
  (closed again when the work is done);
- a ``distributed.Client``: used as is;
- a string: the address of a running scheduler (``tcp://host:8786``; dask-jobqueue,
  Kubernetes, ...);
- ``"synchronous"``: no cluster, everything in this process (debugging, profiling).

LocalClusters bind their scheduler and dashboard to localhost. Their worker processes are
forked from a fork server that has imported the modules of cloudorg this process has
imported (:func:`start_fork_server`; Dask's ``spawn``, where the platform has no fork
server): workers start with the libraries a command uses already loaded, imported once for
all of them rather than once in each, and exit without tearing down an interpreter.

Examples
--------
>>> with cluster_client("synchronous") as client:
...     list(map_ordered(lambda v: v * 2, [1, 2, 3], client=client, key_prefix="double",
...                      names=["a", "b", "c"]))
[2, 4, 6]
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import uuid
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
    "start_fork_server",
    "worker_start_method",
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


_fork_server_environ: dict[str, str] | None = None
"""The environment the fork server started with (None: it has not been started here)."""


def _environ() -> dict[str, str]:
    """This process's environment, less what the nanny sets before it starts a worker."""
    nanny = {*dask.config.get("distributed.nanny.pre-spawn-environ", default={}), "PYTHONHASHSEED"}
    return {name: value for name, value in os.environ.items() if name not in nanny}


def worker_start_method() -> str:
    """How a LocalCluster started here now starts its worker processes: ``"forkserver"``
    where the platform has one (Linux, macOS) and this process's environment is the one
    the fork server started with, else ``"spawn"`` (Dask's default). A worker forked from
    the server has the server's environment, and libraries that read a variable when
    imported keep the server's value; where the environment has changed since (a test
    that points the AWS variables at a local server, say), spawned workers take the
    environment as it is now.

    Examples
    --------
    >>> worker_start_method() in ("forkserver", "spawn")
    True
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return "spawn"
    unchanged = _fork_server_environ is None or _fork_server_environ == _environ()
    return "forkserver" if unchanged else "spawn"


def start_fork_server() -> None:
    """Start this process's fork server, the parent of the workers of its LocalClusters,
    unless it runs already; call it with the clusters' Dask settings in effect.

    The server imports ``distributed`` and every module of cloudorg that this process has
    imported by now (a command has imported what its work needs before it starts a
    cluster), so each worker forked from it starts with them loaded. It starts with the
    ``distributed.nanny.pre-spawn-environ`` variables in its environment (glibc reads its
    malloc thresholds when a process starts), as the nanny sets them before it starts a
    worker process. It runs until this process exits; later clusters reuse it while the
    environment stays the same (:func:`worker_start_method`). Its workers import the main
    script again, as spawned ones do (:func:`refuse_in_child_process`).

    Examples
    --------
    >>> import dask
    >>> if worker_start_method() == "forkserver":
    ...     with dask.config.set(_WORKER_CONFIG):
    ...         start_fork_server()
    """
    global _fork_server_environ
    from multiprocessing import forkserver

    from distributed.proctitle import enable_proctitle_on_children

    if _fork_server_environ is None:
        enable_proctitle_on_children()  # as the nanny does: workers name their processes
        environ = dask.config.get("distributed.nanny.pre-spawn-environ", default={})
        os.environ.update({name: str(value) for name, value in environ.items()})
        loaded = sorted(name for name in sys.modules if name.startswith("cloudorg."))
        forkserver.set_forkserver_preload(["distributed", *loaded])
        _fork_server_environ = _environ()
    forkserver.ensure_running()


def refuse_in_child_process(what: str) -> None:
    """Refuse work that only the main process of a run may do (start a LocalCluster,
    write a store) when this is a process that Python's ``spawn`` or fork server started:
    such a process imports the main script again, and runs any of the script's code that
    is not under ``if __name__ == "__main__":`` (a Dask worker process of a LocalCluster,
    for one).

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
    with dask.config.set(_WORKER_CONFIG):
        method = worker_start_method()
        if method == "forkserver":
            start_fork_server()  # its imports overlap with the scheduler's start
        with (
            dask.config.set({"distributed.worker.multiprocessing-method": method}),
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


def _shared(value: Any) -> Any:
    return value


def share(client: Any, value: Any) -> Any:
    """``value`` as a future that tasks take as an argument: sent to the cluster once, and
    fetched once by each worker that runs such a task.

    The value is the argument of a task of its own rather than scattered data: when the
    worker holding it dies, the scheduler runs that task again elsewhere, where scattered
    data would be lost (and a broadcast to a worker that dies meanwhile never ends).

    Examples
    --------
    >>> share("synchronous", [1, 2])
    [1, 2]
    """
    if client == SYNCHRONOUS:
        return value
    import warnings

    with warnings.catch_warnings():  # large values (model weights) are meant to go this way
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        key = f"shared-{type(value).__name__}-{uuid.uuid4().hex}"
        return client.submit(_shared, value, pure=False, key=key)


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
