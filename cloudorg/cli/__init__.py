"""The ``cloudorg`` command: ``synth``, ``ingest``, ``info``, ``tiles``, ``triplets``,
``labels``, ``train``, ``embed``, ``classify``, ``metrics``, ``analyse``, ``report``,
``run`` and ``demo``.

The command line lives here alone; the library packages hold no argument parsing. Modules:

- :mod:`~cloudorg.cli.app`: :func:`build_parser` and :func:`main` (exit statuses, faults);
- :mod:`~cloudorg.cli.options`: the options shared by the commands (store argument,
  cluster options, list options, tiling options);
- one module per group of commands, each with a ``register(subparsers)``:
  :mod:`~cloudorg.cli.ingest` (``synth``, ``ingest``, ``info``),
  :mod:`~cloudorg.cli.tiles` (``tiles``, ``triplets``, ``labels``),
  :mod:`~cloudorg.cli.models` (``train``, ``embed``, ``classify``),
  :mod:`~cloudorg.cli.metrics` (``metrics``),
  :mod:`~cloudorg.cli.analysis` (``analyse``, ``report``) and
  :mod:`~cloudorg.cli.pipeline` (``run``, ``demo``).

Building the parser imports none of the heavy libraries a command needs (torch, numba,
scikit-learn, ...): each command imports them when it runs.

Examples
--------
>>> main(["info", "/nonexistent.zarr"])
2
"""

from __future__ import annotations

from .app import build_parser, fault_message, main

__all__ = ["build_parser", "fault_message", "main"]
