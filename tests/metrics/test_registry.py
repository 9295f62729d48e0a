"""The metrics registry: declarations are checked, the library's metrics compute from the
shared state what compute_metrics gives, and the former names read the registry."""

from __future__ import annotations

import math

import pytest

from cloudorg.errors import ConfigError
from cloudorg.metrics import (
    METRIC_INFO,
    METRICS,
    MaskState,
    Metric,
    MetricInfo,
    compute_metrics,
    metric,
    metric_names,
    register_metric,
)


def test_a_declaration_names_the_field_at_fault():
    with pytest.raises(ConfigError, match="metric 'x': long_name must be a non-empty string"):
        metric("x", long_name="", citation="none")(lambda state: 0.0)
    with pytest.raises(ConfigError, match="metric 'x': length_power must be an integer"):
        metric("x", long_name="x", citation="none", length_power=0.5)(lambda state: 0.0)
    with pytest.raises(ConfigError, match="metric 'x': compute must be a function"):
        Metric(name="x", long_name="x", citation="none", compute=1.0)


def test_only_metrics_are_registered():
    with pytest.raises(TypeError, match=r"expected a cloudorg.metrics.Metric .*got float"):
        register_metric(math.pi)
    with pytest.raises(ConfigError, match="metric named 'cop' is registered already"):
        register_metric(METRICS["cop"])
    assert register_metric(METRICS["cop"], replace=True) is METRICS["cop"]


def test_each_metric_computes_from_the_shared_state(cloud_mask):
    state = MaskState.of(cloud_mask, min_area=4, dx=2.0)
    values = compute_metrics(cloud_mask, min_area=4, dx=2.0)
    for name in metric_names():
        assert METRICS[name].compute(state) == pytest.approx(values[name], nan_ok=True), name
    assert state.objects.num < state.all_objects.num  # min_area dropped the smallest


def test_the_former_names_read_the_registry():
    assert MetricInfo is Metric
    assert list(METRIC_INFO) == list(METRICS.names()) == list(metric_names())
    assert METRIC_INFO["iorg"] is METRICS["iorg"]
    with pytest.raises(KeyError):
        METRIC_INFO["nothing"]
    with pytest.raises(ConfigError, match="unknown metric 'nothing'; known: cloud_fraction, "):
        METRICS["nothing"]
