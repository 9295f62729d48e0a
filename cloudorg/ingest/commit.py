"""Scenes from the workers into the store: read and write on the workers, commit in order.

On a Dask cluster each scene is three tasks, named after it on the dashboard:

``ingest-<scene_id>``
    :func:`~cloudorg.ingest.scene.process_scene` reads the files and makes the scene; the
    result (tens of MB of pixels) stays on that worker.
``ingest-summary-<scene_id>``
    the outcome without pixels (status, reason, the scene's lazy template: a few kB),
    which is all the committing process receives.
``ingest-write-<scene_id>``
    on the same worker, the pixels go into the slot the committing process reserved for
    the scene (:func:`cloudorg.store.campaign.write_pixels`).

The committing process (the client) handles the summaries in the order of the scenes,
reserves a slot for each ingested scene, and commits every scene whose pixels are written
as soon as all scenes before it are (several at once when they finish together). Skipped
and failed scenes are recorded with the next commit. A lost worker costs only its tasks,
which Dask reruns elsewhere; a slot written twice holds the same scene. In-process
(``client="synchronous"``) the same steps run one scene at a time.

Examples
--------
>>> IngestReport().describe()
'0 scenes ingested, 0 skipped, 0 failed; client received 0 B'
"""

from __future__ import annotations

import pickle
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dask.base import tokenize

from ..distributed import SYNCHRONOUS
from ..io.discover import SceneFiles
from ..store import CampaignStore, FileRecord, SceneEntry, StoreLocation
from ..store.campaign import write_pixels
from .scene import IngestConfig, SceneOutcome, conform_truth, process_scene

__all__ = ["IngestReport", "ingest_scenes"]

WRITE_PRIORITY = 10
"""Dask priority of the summary and write tasks: before more scenes are read, so that a
worker frees a scene's pixels as soon as it can."""


@dataclass
class IngestReport:
    """What a run of :func:`ingest_scenes` did.

    Attributes
    ----------
    ingested, skipped, failed : int
        Scenes by outcome.
    client_bytes : int
        Bytes of the results the committing process received from the cluster (their
        pickled size): summaries, templates and write receipts, never pixels.
    pixel_bytes : int
        Bytes of pixels the workers wrote (uncompressed).
    """

    ingested: int = 0
    skipped: int = 0
    failed: int = 0
    client_bytes: int = 0
    pixel_bytes: int = 0

    def describe(self) -> str:
        """One line for a log."""
        return (f"{self.ingested} scenes ingested, {self.skipped} skipped, {self.failed} "
                f"failed; client received {_size(self.client_bytes)}")  # fmt: skip

    def count(self, outcome: SceneOutcome) -> None:
        """Count one scene's outcome."""
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB"):
        if n < 1000 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""  # unreachable


def _summary(outcome: SceneOutcome) -> SceneOutcome:
    return outcome.summary()


def _write(outcome: SceneOutcome, location: StoreLocation, slot: int, variables: list[str]) -> int:
    """Write a processed scene into its slot (on the worker holding it)."""
    return write_pixels(location, slot, conform_truth(outcome.data, variables))


def _entry(store: CampaignStore, template: Any) -> SceneEntry:
    """The scene's store entry, after the store's ground-truth policy."""
    if not store.variables():
        store.create_scenes(template)
    return SceneEntry.of(conform_truth(template, store.variables()))


def ingest_scenes(
    scenes: Sequence[SceneFiles],
    config: IngestConfig,
    store: CampaignStore,
    client: Any,
    *,
    on_done: Callable[[], Any] | None = None,
) -> IngestReport:
    """Ingest scenes into a store held for writing (:meth:`CampaignStore.writing`).

    Parameters
    ----------
    scenes : sequence of SceneFiles
        The scenes, in store order.
    config : IngestConfig
        What to ingest.
    store : CampaignStore
        The store, in a writer session of this process.
    client : Client or "synchronous"
        From :func:`cloudorg.distributed.cluster_client`.
    on_done : callable, optional
        Called once per scene when its outcome is committed (progress bars).

    Returns
    -------
    IngestReport
        Scenes by outcome and the bytes the client received.

    Examples
    --------
    >>> import tempfile
    >>> from cloudorg.domains import Domain
    >>> from cloudorg.io.discover import discover
    >>> dom = Domain.from_bounds("california", -124.5, -122.5, 38.5, 40.0, resolution_km=2)
    >>> config = IngestConfig(dom, ("brightness_temperature_11",))
    >>> scenes, _ = discover(["../shared/data/goes17_abi_l1b_radm1_2019300_day"])
    >>> with CampaignStore.open_or_create(tempfile.mkdtemp() + "/c.zarr", dom,
    ...                                   quantities=config.stored_variables()) as store:
    ...     report = ingest_scenes(scenes, config, store, "synchronous")
    >>> report.ingested, store.scene_ids() == [scenes[0].scene_id]
    (1, True)
    """
    report = IngestReport()
    done = on_done or (lambda: None)
    if client == SYNCHRONOUS:
        for scene in scenes:
            outcome = process_scene(scene, config)
            if outcome.status == "ingested":
                data = conform_truth(outcome.data, store.variables())
                report.pixel_bytes += int(data.nbytes)
                store.commit_scene(data, outcome.records())
            else:
                store.record(outcome.records())
            report.count(outcome)
            done()
        return report
    _Commits(scenes, config, store, client, report, done).run()
    return report


@dataclass
class _Written:
    """A scene whose pixels are being written into its reserved slot."""

    entry: SceneEntry
    records: list[FileRecord]
    future: Any


class _Commits:
    """The committing process's loop on a Dask cluster (see the module docstring)."""

    def __init__(
        self,
        scenes: Sequence[SceneFiles],
        config: IngestConfig,
        store: CampaignStore,
        client: Any,
        report: IngestReport,
        done: Callable[[], Any],
    ) -> None:
        self.scenes, self.config, self.store, self.client = scenes, config, store, client
        self.report, self.done = report, done
        self.token = tokenize(config, [s.scene_id for s in scenes])[:8]
        self.window = max(2, 2 * sum(client.nthreads().values()))
        self.reading: deque[tuple[SceneFiles, Any, Any]] = deque()
        self.writing: deque[_Written] = deque()
        self.records: list[FileRecord] = []
        self.submitted = 0

    def _fetch(self, future: Any) -> Any:
        result = future.result()
        self.report.client_bytes += len(pickle.dumps(result, protocol=5))
        return result

    def _held(self) -> int:
        """Scenes whose pixels a worker holds: being read, or read and not yet written
        (a written scene waiting for its commit holds nothing)."""
        return len(self.reading) + sum(not w.future.done() for w in self.writing)

    def _fill(self) -> None:
        """Start reading scenes until ``window`` scenes are held by the workers."""
        while self.submitted < len(self.scenes) and self._held() < self.window:
            scene = self.scenes[self.submitted]
            name = f"{scene.scene_id}-{self.token}"
            outcome = self.client.submit(process_scene, scene, self.config, key=f"ingest-{name}",
                                         pure=False)  # fmt: skip
            summary = self.client.submit(_summary, outcome, key=f"ingest-summary-{name}",
                                         priority=WRITE_PRIORITY)  # fmt: skip
            self.reading.append((scene, outcome, summary))
            self.submitted += 1

    def _reserve(self) -> None:
        """Handle the next scene's summary: reserve its slot and have it written, or
        record why it is not ingested."""
        scene, outcome, summary_future = self.reading.popleft()
        summary = self._fetch(summary_future)
        if summary.status != "ingested":
            self.records.extend(summary.records())
            self.report.count(summary)
            self.done()
            return
        entry = _entry(self.store, summary.data)
        slot = self.store.reserve(entry)
        holder = list(self.client.who_has([outcome]).get(outcome.key, ()))
        write = self.client.submit(
            _write, outcome, self.store.location, slot, self.store.variables(),
            key=f"ingest-write-{scene.scene_id}-{self.token}", priority=WRITE_PRIORITY,
            workers=holder or None, allow_other_workers=True,
        )  # fmt: skip
        self.writing.append(_Written(entry, summary.records(), write))

    def _commit(self) -> bool:
        """Commit the written scenes at the head of the queue, with the pending records;
        whether there were any."""
        ready = []
        while self.writing and self.writing[0].future.done():
            written = self.writing.popleft()
            self.report.pixel_bytes += self._fetch(written.future)
            ready.append(written)
        if not ready:
            return False
        records = [r for w in ready for r in w.records] + self.records
        self.store.commit_scenes([w.entry for w in ready], records)
        self.records = []
        for _ in ready:
            self.report.ingested += 1
            self.done()
        return True

    def run(self) -> None:
        """Until every scene is committed or recorded."""
        from distributed import wait

        try:
            self._fill()
            while self.reading or self.writing:
                # writes first: they free the workers' memory and let more scenes be read
                while self.reading and self.reading[0][2].done():
                    self._reserve()
                self._fill()
                if not self._commit() and (self.reading or self.writing):
                    heads = [q.future for q in list(self.writing)[:1]]
                    heads += [r[2] for r in list(self.reading)[:1]]
                    wait(heads, return_when="FIRST_COMPLETED")
            if self.records:
                self.store.record(self.records)
                self.records = []
        finally:
            for _, outcome, summary in self.reading:
                outcome.cancel()
                summary.cancel()
            for written in self.writing:
                written.future.cancel()
