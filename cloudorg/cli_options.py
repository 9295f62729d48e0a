"""Options and arguments shared by the subcommands of the ``cloudorg`` command.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser()
>>> add_cluster_options(p)
>>> args = p.parse_args(["--synchronous"])
>>> client_of(args), show_progress(args)
('synchronous', True)
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_cluster_options", "add_store_argument", "client_of", "show_progress"]


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    """Add ``--scheduler``, ``--workers`` and ``--synchronous`` to a subcommand.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_cluster_options(p)
    >>> p.parse_args(["--workers", "2"]).workers
    2
    """
    g = p.add_argument_group("cluster")
    g.add_argument("--scheduler", metavar="ADDR", help="address of a running Dask scheduler "
                   "(default: a LocalCluster on this machine)")  # fmt: skip
    g.add_argument("--workers", type=int, metavar="N", help="workers of the LocalCluster")
    g.add_argument("--synchronous", action="store_true",
                   help="no cluster: run everything in this process (debugging)")  # fmt: skip


def add_store_argument(
    p: argparse.ArgumentParser, what: str = "campaign store", *, option: bool = False
) -> None:
    """Add the campaign store argument (``STORE``, or ``--store`` with ``option``): a
    local path or an object-store URL.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_store_argument(p)
    >>> p.parse_args(["s3://bucket/c.zarr"]).store
    's3://bucket/c.zarr'
    """
    text = (
        f"{what}: a local path or an object-store URL (s3://bucket/campaign.zarr; credentials "
        "and endpoint from the environment: AWS_PROFILE, AWS_ENDPOINT_URL, ...)"
    )
    if option:
        p.add_argument("--store", required=True, metavar="STORE", help=text)
    else:
        p.add_argument("store", metavar="STORE", help=text)


def client_of(args: argparse.Namespace) -> Any:
    """The ``client=`` argument of the cluster options: ``"synchronous"``, a scheduler
    address, or None (the active client, else a new LocalCluster).

    Examples
    --------
    >>> client_of(argparse.Namespace(synchronous=False, scheduler="tcp://h:8786"))
    'tcp://h:8786'
    """
    return "synchronous" if args.synchronous else args.scheduler


def show_progress(args: argparse.Namespace) -> bool:
    """Whether to show progress bars: not with the main command's ``-q``.

    Examples
    --------
    >>> show_progress(argparse.Namespace(quiet=True))
    False
    """
    return not getattr(args, "quiet", False)
