"""Every public function of cloudorg.analysis and cloudorg.plots has an example (pytest's
--doctest-modules runs them)."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import cloudorg.analysis
import cloudorg.plots

PACKAGES = (cloudorg.analysis, cloudorg.plots)
MODULES = sorted(
    [package.__name__ for package in PACKAGES]
    + [
        info.name
        for package in PACKAGES
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + ".")
    ]
)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_with_public_names_has_examples(name):
    """pytest's --doctest-modules runs them; here only their presence is checked."""
    module = importlib.import_module(name)
    examples = sum(len(t.examples) for t in doctest.DocTestFinder().find(module))
    assert examples > 0 or not getattr(module, "__all__", [])


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_function_has_an_example(package):
    for name in package.__all__:
        member = getattr(package, name)
        if inspect.isfunction(member):
            doc = inspect.getdoc(member) or ""
            assert "Examples\n--------" in doc and ">>> " in doc, name
            assert "Parameters\n----------" in doc or not inspect.signature(member).parameters
