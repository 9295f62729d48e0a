"""The campaign report: one self-contained HTML file describing a campaign store.

:func:`write_report` gathers what a store holds — scenes, the tile table, and the
analysis of :func:`cloudorg.analysis.campaign.analyse` (made when absent) — into one
page of tables, figures (embedded PNGs) and short explanations; see ``docs/report.md``.
The ``cloudorg report`` command calls it.

Examples
--------
>>> import tempfile
>>> from cloudorg.report import write_report
>>> from cloudorg.synthetic import example_store
>>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1)
>>> write_report(store, store.path.parent / "report.html").stat().st_size > 1000
True
"""

from __future__ import annotations

from cloudorg.report.writer import write_report

__all__ = ["write_report"]
