"""Clusters and faults: shared data reaches the workers though one dies meanwhile."""

from __future__ import annotations

import os
import signal
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
