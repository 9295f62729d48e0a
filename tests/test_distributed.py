"""Clusters and faults: shared data reaches the workers though one dies meanwhile, and
results reach the client though the worker holding one dies before it is fetched."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np

from cloudorg.distributed import cluster_client, map_ordered, share


def _pid() -> int:
    return os.getpid()


def _total(item: int, table: np.ndarray) -> float:
    return float(table[item].sum())


def test_work_goes_on_when_a_worker_dies_as_its_shared_data_is_sent():
    table = np.arange(40.0).reshape(20, 2)
    with cluster_client(n_workers=2, dashboard_address="127.0.0.1:0") as client:
        pids = client.run(_pid)
        victim = sorted(pids)[0]
        os.kill(pids[victim], signal.SIGKILL)  # the scheduler still lists it for a moment
        shared = share(client, table)
        results = list(map_ordered(_total, list(range(20)), client=client, key_prefix="sum",
                                   names=[str(i) for i in range(20)], args=(table,)))  # fmt: skip
        assert client.submit(lambda t: float(t.sum()), shared).result() == table.sum()
        deadline = time.monotonic() + 60
        while len(client.nthreads()) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # the nanny starts a new worker
    assert results == [float(row.sum()) for row in table]


def _result_then_die(item: int, marker: str) -> np.ndarray:
    """A result of 16 MB; the first worker to return one dies right after (the marker
    file says which did), while the result waits on it to be fetched."""
    result = np.full(2_000_000, float(item))
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return result
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGKILL)).start()
    return result


def test_results_arrive_though_the_worker_holding_one_dies(tmp_path):
    marker = str(tmp_path / "killed")
    with cluster_client(n_workers=2, dashboard_address="127.0.0.1:0") as client:
        before = set(client.run(_pid).values())
        results = list(map_ordered(_result_then_die, list(range(6)), client=client,
                                   key_prefix="result", names=[str(i) for i in range(6)],
                                   window=2, args=(marker,)))  # fmt: skip
        time.sleep(0.5)
        after = set(client.run(_pid).values())
    assert os.path.exists(marker) and before - after  # a worker did die
    assert [float(r[0]) for r in results] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert all(r.shape == (2_000_000,) and r.min() == r.max() for r in results)
