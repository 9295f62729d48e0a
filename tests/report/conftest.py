"""Fixtures of the report tests: the synthetic campaign of the analysis tests."""

from tests.analysis.conftest import embedded_campaign  # noqa: F401
