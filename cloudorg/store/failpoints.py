"""Named points of the commit protocol where a test can kill the process outright.

Each step of the store's commit protocol calls :func:`failpoint` with its name. When the
environment variable ``CLOUDORG_FAILPOINT`` names that point (``NAME`` for its first
pass, ``NAME:K`` for its K-th pass in the process; several separated by commas), the
process sends itself ``SIGKILL`` there: the harshest interruption, with no cleanup, as a
killed job or a lost machine. ``CLOUDORG_FAILPOINT_SIGNAL=SIGSTOP`` freezes it there
instead, for a test that makes another part of the system fail meanwhile (a scheduler that
goes away while a worker is in the middle of a task). With ``CLOUDORG_FAILPOINT_ONCE`` set
to a path, each point fires in only one process (the first to create ``<path>.<point>``),
so a Dask worker restarted by its nanny runs on. Without the variable a failpoint costs one lookup.

Points: ``store-root`` (creation, root group written), ``scene-pixels`` (a worker wrote a
scene's pixels), ``scenes-resized`` (a commit grew the scene arrays), ``manifest``
(a commit wrote the manifest), ``group-begun``, ``block-written``, ``block-recorded``,
``group-written``.

Examples
--------
>>> failpoint("manifest")  # not armed: nothing happens
"""

from __future__ import annotations

import os
import signal

__all__ = ["POINTS", "failpoint"]

POINTS = (
    "store-root",
    "scene-pixels",
    "scenes-resized",
    "manifest",
    "group-begun",
    "block-written",
    "block-recorded",
    "group-written",
)
_passes: dict[str, int] = {}


def failpoint(name: str) -> None:
    """Kill this process here if ``CLOUDORG_FAILPOINT`` names this point (and pass)."""
    armed = os.environ.get("CLOUDORG_FAILPOINT")
    if not armed:
        return
    passes = {p: int(k or 1) for p, _, k in (a.partition(":") for a in armed.split(","))}
    if name not in passes:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] != passes[name]:
        return
    once = os.environ.get("CLOUDORG_FAILPOINT_ONCE")
    if once:
        try:
            os.close(os.open(f"{once}.{name}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    os.kill(os.getpid(), signal.Signals[os.environ.get("CLOUDORG_FAILPOINT_SIGNAL", "SIGKILL")])
