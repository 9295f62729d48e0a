"""The ``cloudorg`` command: its parser, made of the commands of every group, and how it
runs a command and ends (exit statuses, faults).

Examples
--------
>>> main(["info", "/nonexistent.zarr"])
2
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from collections.abc import Sequence
from concurrent.futures import CancelledError

from .. import __version__
from ..errors import CloudorgError
from .analysis import register as register_analysis
from .ingest import register as register_ingest
from .metrics import register as register_metrics
from .models import register as register_models
from .options import CommandParser
from .pipeline import register as register_pipeline
from .tiles import register as register_tiles

__all__ = ["build_parser", "fault_message", "main"]

_EPILOG = "Run `cloudorg COMMAND --help` for the options of a command."


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cloudorg`` command.

    Examples
    --------
    >>> build_parser().parse_args(["info", "c.zarr"]).command
    'info'
    """
    parser = CommandParser(
        prog="cloudorg",
        description="Shallow-cloud organisation from satellite imagery at campaign scale.",
        epilog=_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"cloudorg {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register_ingest(sub)
    register_tiles(sub)
    register_models(sub)
    register_metrics(sub)
    register_analysis(sub)
    register_pipeline(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cloudorg`` command; return its exit status.

    Exit status: 0 when all was done; 1 when some inputs failed (each named on standard
    error); 2 for bad arguments or input (a :class:`~cloudorg.errors.CloudorgError`,
    printed as one line); 130 when interrupted (Ctrl-C).

    Examples
    --------
    >>> main(["info", "/nonexistent.zarr"])
    2
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    if not args.verbose:
        logging.getLogger("satpy").setLevel(logging.ERROR)
        # distributed sets its loggers' levels from the dask config when it is imported
        import dask

        # a worker slow to exit as its cluster closes is killed: nothing for a user to do;
        # a lost scheduler is reported in one line, not by the client's reconnection log
        levels = {
            "distributed": "warning",
            "distributed.nanny": "error",
            "distributed.client": "critical",
        }
        dask.config.set({"logging": {**dask.config.get("logging", {}), **levels}})
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level.upper())
    try:
        return args.func(args)
    except CloudorgError as err:
        print(f"cloudorg: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cloudorg: interrupted; {_KEPT}", file=sys.stderr)
        return 130
    except Exception as err:
        fault = fault_message(err, getattr(args, "scheduler", None))
        if fault is None:
            raise
        print(f"cloudorg: error: {fault}; {_KEPT}", file=sys.stderr)
        return 1


_KEPT = "what was finished is kept: run the same command again to go on"

_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS}
"""Errors of a write that the store's medium refused (full, over quota, read-only)."""


def fault_message(err: BaseException, scheduler: str | None = None) -> str | None:
    """What a fault of the system that stopped a command was, for its user; ``None`` for an
    error that is not such a fault (a bug: its traceback is shown).

    Faults: the connection to the Dask scheduler lost, and a write the storage refused
    (disk full, over quota, read-only). Commands end on them with exit status 1.

    Examples
    --------
    >>> import errno, os
    >>> fault_message(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/data/c.zarr/x/c/0"))
    'a write failed (/data/c.zarr/x/c/0): No space left on device'
    >>> fault_message(ValueError("a bug")) is None
    True
    """
    closed = type(err).__name__ == "CommClosedError"
    if closed or isinstance(err, CancelledError):
        where = f" at {scheduler}" if scheduler else ""
        if closed or "scheduler-connection-lost" in str(err):
            return f"the connection to the Dask scheduler{where} was lost"
        return f"the Dask scheduler{where} cancelled the work"
    if isinstance(err, OSError) and err.errno in _FULL:
        where = f" ({err.filename})" if err.filename else ""
        return f"a write failed{where}: {err.strerror}"
    return None
