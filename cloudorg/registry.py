"""Named registries of the library's plug-in points: metrics, sensors and model kinds.

A :class:`Registry` maps names to entries (a metric definition, a sensor record, a model
kind). The library registers its own entries when their module is imported; other
packages add theirs through a Python entry point, as xarray does for its backends: a
distribution declares, in its ``pyproject.toml``,

.. code-block:: toml

    [project.entry-points."cloudorg.metrics"]
    my_metric = "my_package.metrics:MY_METRIC"

and the object the entry point names is registered under the entry point's name the first
time the registry is looked up. A plug-in that fails to load is reported with a warning that
names it, and the rest of the registry keeps working.

Examples
--------
>>> colours = Registry("colour", group=None)
>>> @colours.register("red")
... def red() -> str:
...     return "#f00"
>>> colours["red"](), colours.names()
('#f00', ('red',))
>>> colours["blue"]
Traceback (most recent call last):
...
cloudorg.errors.ConfigError: unknown colour 'blue'; known: red
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Generic, TypeVar, overload

from .errors import ConfigError

__all__ = ["PluginWarning", "Registry"]

T = TypeVar("T")


class PluginWarning(UserWarning):
    """A plug-in (entry point) that could not be loaded or registered."""


class Registry(Generic[T]):
    """Entries of one kind by name, with plug-ins from the entry-point group ``group``.

    Parameters
    ----------
    kind : str
        What an entry is, for messages (``"metric"``, ``"sensor"``, ``"model kind"``).
    group : str or None
        Entry-point group of third-party entries (``"cloudorg.metrics"``); ``None`` for a
        registry without plug-ins.
    check : callable, optional
        Called with each entry before it is registered; raises ``TypeError`` or
        ``ValueError`` for an object that is not an entry of this kind.

    Examples
    --------
    >>> units = Registry("unit", group=None, check=lambda u: u.strip() or None)
    >>> units.add("length", "m")
    'm'
    >>> "length" in units, len(units), list(units)
    (True, 1, ['length'])
    """

    def __init__(
        self, kind: str, group: str | None, check: Callable[[T], object] | None = None
    ) -> None:
        self.kind = kind
        self.group = group
        self._check = check
        self._entries: dict[str, T] = {}
        self._plugins_loaded = group is None

    def add(self, name: str, entry: T, *, replace: bool = False) -> T:
        """Register ``entry`` as ``name`` and return it.

        Raises
        ------
        ConfigError
            When ``name`` is taken (and ``replace`` is false), not an identifier-like
            string, or not the entry's own ``name`` (where it has one: a plug-in's entry
            point must be named as what it registers).

        Examples
        --------
        >>> r = Registry("thing", group=None)
        >>> r.add("a", 1), r.add("a", 2, replace=True), r["a"]
        (1, 2, 2)
        >>> r.add("a", 3)
        Traceback (most recent call last):
        ...
        cloudorg.errors.ConfigError: a thing named 'a' is registered already; ...
        """
        if not isinstance(name, str) or not name.replace("-", "_").isidentifier():
            raise ConfigError(f"{self.kind} name {name!r}: expected letters, digits, '_' or '-'")
        if name in self._entries and not replace:
            raise ConfigError(
                f"a {self.kind} named {name!r} is registered already; pass replace=True "
                "to replace it"
            )
        declared = getattr(entry, "name", name)
        if isinstance(declared, str) and declared != name:
            raise ConfigError(
                f"{self.kind} {declared!r} registered as {name!r}: an entry is registered "
                "under its own name"
            )
        if self._check is not None:
            self._check(entry)
        self._entries[name] = entry
        return entry

    @overload
    def register(self, name: str) -> Callable[[T], T]: ...

    @overload
    def register(self, name: str, *, replace: bool) -> Callable[[T], T]: ...

    def register(self, name: str, *, replace: bool = False) -> Callable[[T], T]:
        """A decorator registering what it decorates as ``name``.

        Examples
        --------
        >>> r = Registry("function", group=None)
        >>> @r.register("twice")
        ... def twice(x):
        ...     return 2 * x
        >>> r["twice"](3)
        6
        """

        def decorate(entry: T) -> T:
            return self.add(name, entry, replace=replace)

        return decorate

    def _load_plugins(self) -> None:
        """Register the entries of the installed distributions' entry points (once)."""
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for point in entry_points(group=self.group):
            if point.name in self._entries:
                warnings.warn(
                    f"{self.kind} plug-in {point.name!r} ({point.value}) ignored: the name "
                    "is registered already",
                    PluginWarning,
                    stacklevel=3,
                )
                continue
            try:
                self.add(point.name, point.load())
            except Exception as err:  # a broken plug-in must not break the rest
                warnings.warn(
                    f"{self.kind} plug-in {point.name!r} ({point.value}) not loaded: "
                    f"{type(err).__name__}: {err}",
                    PluginWarning,
                    stacklevel=3,
                )

    def __getitem__(self, name: str) -> T:
        self._load_plugins()
        try:
            return self._entries[name]
        except KeyError:
            raise ConfigError(
                f"unknown {self.kind} {name!r}; known: {', '.join(self._entries) or 'none'}"
            ) from None

    def get(self, name: str, default: T | None = None) -> T | None:
        """The entry ``name``, or ``default``."""
        self._load_plugins()
        return self._entries.get(name, default)

    def names(self) -> tuple[str, ...]:
        """The registered names, in the order of registration (the library's first)."""
        self._load_plugins()
        return tuple(self._entries)

    def items(self) -> list[tuple[str, T]]:
        """``(name, entry)`` pairs in the order of :meth:`names`."""
        self._load_plugins()
        return list(self._entries.items())

    def __contains__(self, name: object) -> bool:
        self._load_plugins()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        self._load_plugins()
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, group={self.group!r}, names={list(self._entries)})"
