"""Options, arguments and output shared by the subcommands of the ``cloudorg`` command.

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
import re
import sys
from collections.abc import Callable, Collection, Sequence
from typing import Any

__all__ = [
    "CommandParser",
    "ListAction",
    "add_cluster_options",
    "add_list_option",
    "add_store_argument",
    "add_tiling_options",
    "client_of",
    "print_dashboard",
    "show_progress",
    "tile_spec",
]


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
    p: argparse.ArgumentParser,
    what: str = "campaign store",
    *,
    option: bool = False,
    required: bool = True,
) -> None:
    """Add the campaign store argument (``STORE``, or ``--store`` with ``option``, then
    ``required`` or not): a local path or an object-store URL.

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
        p.add_argument("--store", required=required, metavar="STORE", help=text)
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


def add_tiling_options(p: argparse.ArgumentParser) -> None:
    """Add the options of a tiling (``--size``, ``--size-km``, ``--stride``, ``--overlap``,
    ``--edge``) to a subcommand; :func:`tile_spec` reads them.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_tiling_options(p)
    >>> args = p.parse_args(["--size", "128", "--overlap", "0.5"])
    >>> args.size, args.stride, args.overlap, args.edge
    (128, None, 0.5, 'drop')
    """
    g = p.add_argument_group("tiling")
    g.add_argument(
        "--size",
        type=int,
        default=256,
        metavar="PX",
        help="tile edge in pixels, 64 to 1024 (default: 256)",
    )
    g.add_argument(
        "--size-km",
        type=float,
        metavar="KM",
        help="tile edge in km instead of --size (rounded to whole pixels)",
    )
    g.add_argument(
        "--stride",
        type=int,
        metavar="PX",
        help="distance between tile starts (default: the tile size)",
    )
    g.add_argument(
        "--overlap",
        type=float,
        metavar="F",
        help="overlap fraction of neighbouring tiles instead of --stride, e.g. 0.5",
    )
    g.add_argument(
        "--edge",
        choices=("drop", "pad", "shift"),
        default="drop",
        help="tiles at the domain edge: drop partial tiles (default), pad them "
        "with no-data pixels, or shift the last tile back inside",
    )


def tile_spec(args: argparse.Namespace, store: Any) -> Any:
    """The :class:`~cloudorg.tiles.TileSpec` of the tiling options of
    :func:`add_tiling_options`, on the domain of a campaign store (for ``--size-km``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = argparse.ArgumentParser()
    >>> add_tiling_options(p)
    >>> store = SimpleNamespace(domain=SimpleNamespace(resolution_km=2.0))
    >>> tile_spec(p.parse_args(["--size-km", "256", "--overlap", "0.5"]), store).name
    '128px_stride64'
    """
    from ..tiles.grid import TileSpec

    return TileSpec.from_args(
        args.size,
        size_km=args.size_km,
        resolution_km=store.domain.resolution_km,
        stride=args.stride,
        overlap=args.overlap,
        edge=args.edge,
    )


def print_dashboard(client: Any) -> None:
    """Print the link to the Dask dashboard of a client, when it has one.

    Examples
    --------
    >>> print_dashboard("synchronous")
    """
    from ..distributed import dashboard_link

    link = dashboard_link(client)
    if link:
        print(f"Dask dashboard: {link}", flush=True)


Accepts = Callable[[str], bool]

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").fullmatch
"""Words a list option of names (variables, composites) takes when no vocabulary is known."""


class ListAction(argparse.Action):
    """A list option: its values comma-separated (``--quantities a,b``) or as separate words
    (``--quantities a b``); repeating the option adds to the list, and its first use
    replaces the default. Separate words stop before a positional argument only in a
    :class:`CommandParser` (a plain parser gives the list every word up to the next
    option)."""

    def __init__(self, *args: Any, accepts: Accepts, allow_empty: bool, **kwargs: Any) -> None:
        super().__init__(*args, nargs="*" if allow_empty else "+", **kwargs)
        self.accepts = accepts
        self.allow_empty = allow_empty

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:  # fmt: skip
        earlier = getattr(namespace, self.dest, None)
        earlier = [] if earlier is None or earlier is self.default else earlier
        setattr(namespace, self.dest, [*earlier, *(v for word in values for v in word)])

    def takes(self, word: str) -> bool:
        """Whether a separate word after the option is one of its values."""
        return not word.startswith("-") and all(map(self.accepts, word.split(",")))


class CommandParser(argparse.ArgumentParser):
    """The ``cloudorg`` command's parser: a list option (:func:`add_list_option`) given as
    separate words takes the words that are its values and stops before the first that is
    not, so a positional argument after it stays positional (plain argparse gives every
    word up to the next option to the list).

    Examples
    --------
    >>> p = CommandParser()
    >>> add_list_option(p, "--stages", metavar="S", help="stages", choices=("a", "b"))
    >>> _ = p.add_argument("store")
    >>> vars(p.parse_args(["--stages", "a", "b", "c.zarr"]))
    {'stages': ['a', 'b'], 'store': 'c.zarr'}
    """

    def parse_known_args(self, args: Sequence[str] | None = None,
                         namespace: argparse.Namespace | None = None) -> Any:  # fmt: skip
        words = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(self._joined(words), namespace)

    def _joined(self, words: list[str]) -> list[str]:
        """The words with each list option and its separate values joined into one word,
        ``--flag=value,value``."""
        lists = {flag: a for a in self._actions if isinstance(a, ListAction)
                 for flag in a.option_strings}  # fmt: skip
        end = words.index("--") if "--" in words else len(words)
        out, i = [], 0
        while i < end:
            action = lists.get(words[i])
            n = 0 if action is None else _count_values(action, words[i + 1 : end])
            if action is None or not (n or action.allow_empty):
                out.append(words[i])
            else:  # one word given as "--flag=..." takes no further word
                out.append(f"{words[i]}={','.join(words[i + 1 : i + 1 + n])}")
            i += 1 + n
        return out + words[end:]


def _count_values(action: ListAction, words: list[str]) -> int:
    """How many of the words after a list option are its values: those it takes, and a
    first word that is none unless the option may be empty (its error then comes from the
    option's own check)."""
    n = 0
    for word in words:
        if not (action.takes(word) or (n == 0 and not action.allow_empty and word[:1] != "-")):
            break
        n += 1
    return n


def _split(choices: Collection[str] | None, flag: str) -> Callable[[str], list[str]]:
    def split(word: str) -> list[str]:
        items = [v.strip() for v in word.split(",") if v.strip()]
        unknown = [v for v in items if choices is not None and v not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(f"{flag}: {unknown} not among {sorted(choices)}")
        return items

    return split


def add_list_option(
    p: Any,
    flag: str,
    *,
    metavar: str,
    help: str,
    default: Sequence[str] | None = None,
    choices: Collection[str] | None = None,
    accepts: Accepts | Collection[str] | None = None,
    allow_empty: bool = False,
) -> None:
    """Add an option that takes a list of names, which never swallows a positional argument
    after it (with :class:`CommandParser`).

    Parameters
    ----------
    p : argparse.ArgumentParser or argument group
        Where to add it.
    flag : str
        ``--name``.
    metavar, help : str
        As for ``add_argument``; the help says how lists are given.
    default : sequence of str, optional
        The list when the option is not given.
    choices : collection of str, optional
        The only values allowed (checked while parsing).
    accepts : callable or collection of str, optional
        Which separate words after the option are values (default: ``choices``, else
        identifiers); the library checks them further.
    allow_empty : bool
        The option alone (no value) gives an empty list.

    Examples
    --------
    >>> p = CommandParser()
    >>> add_list_option(p, "--filters", metavar="FLAG", help="flags", allow_empty=True,
    ...                 accepts=("hue", "night"))
    >>> _ = p.add_argument("store")
    >>> p.parse_args(["--filters", "c.zarr"]).filters, p.parse_args(["c.zarr"]).filters
    ([], None)
    >>> p.parse_args(["--filters", "hue,night", "--filters", "hue", "c.zarr"]).filters
    ['hue', 'night', 'hue']
    """
    vocabulary = accepts if accepts is not None else choices
    if vocabulary is None:
        test: Accepts = IDENTIFIER
    elif callable(vocabulary):
        test = vocabulary
    else:
        test = frozenset(vocabulary).__contains__
    empty = " (alone: none)" if allow_empty else ""
    p.add_argument(flag, action=ListAction, type=_split(choices, flag), accepts=test,
                   allow_empty=allow_empty, default=None if default is None else list(default),
                   metavar=f"{metavar}[,{metavar}...]",
                   help=f"{help}; comma-separated or as separate words{empty}")  # fmt: skip
