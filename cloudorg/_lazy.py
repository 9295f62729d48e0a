"""Packages whose public names are imported on first use.

The ``cloudorg`` command registers the subcommands of every package at start-up; lazy
package namespaces keep that from importing xarray, torch, satpy and the rest before a
command needs them.

Examples
--------
>>> getattr_, dir_ = lazy_exports("cloudorg.errors", {"ConfigError": ""})
>>> getattr_("ConfigError").__name__, dir_()
('ConfigError', ['ConfigError'])
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` of a package with lazy public names.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : dict
        ``{public name: submodule}`` (``""``: the package itself).

    Returns
    -------
    (callable, callable)
        ``__getattr__`` importing the submodule of a name on first use, and ``__dir__``
        listing the public names.

    Examples
    --------
    >>> getattr_, _ = lazy_exports("cloudorg", {"absent": "errors"})
    >>> getattr_("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'cloudorg' has no attribute 'nothing'
    """
    names = sorted(exports)

    def __getattr__(name: str) -> Any:
        if name in exports:
            module = f"{package}.{exports[name]}" if exports[name] else package
            return getattr(import_module(module), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return names

    return __getattr__, __dir__
