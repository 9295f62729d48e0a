"""Ctrl-C that always stops a run.

Python raises :class:`KeyboardInterrupt` in whatever the main thread runs when SIGINT
arrives; when that is a garbage-collection callback or a finaliser (Dask's scheduler
installs gc callbacks in the client process), the exception is printed as "ignored" and
the run goes on. :func:`insistent_interrupts` notes the Ctrl-C and raises it again every
``interval`` seconds until it has left the guarded block.

Examples
--------
>>> with insistent_interrupts():
...     pass
"""

from __future__ import annotations

import _thread
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["insistent_interrupts"]


@contextmanager
def insistent_interrupts(interval: float = 1.0) -> Iterator[None]:
    """Within the block, a Ctrl-C raises :class:`KeyboardInterrupt` until it gets out.

    Outside the main thread (where no signal handler can be installed), nothing changes.

    Parameters
    ----------
    interval : float
        Seconds between repeats of an interrupt that has not yet left the block.

    Examples
    --------
    >>> import _thread
    >>> try:
    ...     with insistent_interrupts(interval=0.05):
    ...         _thread.interrupt_main()
    ...         while True:
    ...             pass
    ... except KeyboardInterrupt:
    ...     print("stopped")
    stopped
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed, done = threading.Event(), threading.Event()
    lock = threading.Lock()

    def on_sigint(signum: int, frame: Any) -> None:
        pressed.set()
        raise KeyboardInterrupt

    def repeat() -> None:
        pressed.wait()
        while not done.wait(interval):
            with lock:
                if not done.is_set():
                    _thread.interrupt_main()

    previous = signal.signal(signal.SIGINT, on_sigint)
    repeater = threading.Thread(target=repeat, name="cloudorg-interrupts", daemon=True)
    repeater.start()
    try:
        yield
    finally:
        with lock:
            done.set()
        pressed.set()
        repeater.join()
        signal.signal(signal.SIGINT, previous)
