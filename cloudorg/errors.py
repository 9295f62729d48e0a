"""Exceptions raised by cloudorg.

Every error names the file or argument at fault and what was expected, so that a
person reading a log of a campaign run knows what to fix.
"""

from __future__ import annotations


class CloudorgError(Exception):
    """Base class of every error cloudorg raises on purpose."""


class InputFileError(CloudorgError):
    """A satellite or label file that cannot be used (corrupt, truncated, wrong product)."""


class MissingBandError(CloudorgError):
    """A scene lacks a band that a requested quantity needs."""


class SceneSkipped(CloudorgError):
    """A scene that is valid but not usable for this campaign (night, outside the domain)."""


class CompositeError(CloudorgError):
    """A composite that cannot be made offline or from the available bands."""


class StoreError(CloudorgError):
    """A campaign store that is missing, inconsistent or of an unexpected layout."""


class StoreBusyError(StoreError):
    """Another process is writing the store (one writer at a time)."""


class OtherResultsError(StoreError):
    """The store already holds results of another configuration (model, parameters, tile
    table) at the place a run would write (replace them with ``overwrite=True``)."""


class ConfigError(CloudorgError, ValueError):
    """An argument or configuration value outside what is accepted."""
