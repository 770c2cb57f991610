"""The workers' counts: a flush of many requests at once gives the very values prometheus_client's
own ``observe`` gives one at a time (the flush adds to its private values), and the status'
latency quantiles are read from the buckets as Prometheus' ``histogram_quantile`` reads them."""

import pytest
from prometheus_client import Histogram

from casaba import metrics
from casaba.web.admin.status import Traffic

LATENCIES = [0.0001, 0.0005, 0.0007, 0.003, 0.003, 0.04, 0.9, 7.0, 12.0, 0.0025]


def samples_of(name: str, **labels: str) -> dict[tuple[str, str], float]:
    return {
        (s.name.rsplit("_", 1)[1], s.labels.get("le", "")): s.value
        for s in metrics.read()[name]
        if all(s.labels.get(k) == v for k, v in labels.items())
    }


def test_a_flush_adds_what_observe_would():
    metrics.shared()  # the multi-process values, as in a worker
    reference = Histogram("casaba_test_reference_seconds", "observed one at a time", ["endpoint", "status"], buckets=metrics.BOUNDS, registry=None)
    for seconds in LATENCIES:
        reference.labels("test-metrics", "200").observe(seconds)
        metrics.TALLY.request("test-metrics", 200, seconds)
    flushed = samples_of("casaba_request_duration_seconds", endpoint="test-metrics")
    observed = samples_of("casaba_test_reference_seconds", endpoint="test-metrics")
    assert flushed == observed
    assert flushed["count", ""] == len(LATENCIES) and flushed["sum", ""] == pytest.approx(sum(LATENCIES))


def test_lookups_and_failures_are_kept_after_a_flush():
    metrics.TALLY.lookup("test-cache", True)
    metrics.TALLY.lookup("test-cache", False)
    metrics.TALLY.lookup("test-cache", False)
    metrics.TALLY.failed(502, "GET", "/iiif/3/x/info.json", "the origin is away")
    lookups = {s.labels["result"]: s.value for s in metrics.read()["casaba_cache_lookups"] if s.labels["cache"] == "test-cache" and s.name.endswith("_total")}
    assert lookups == {"hit": 1.0, "miss": 2.0}
    newest = metrics.recent_failures()[0]
    assert (newest.status, newest.path, newest.reason) == (502, "/iiif/3/x/info.json", "the origin is away")


def test_quantiles_interpolate_within_their_bucket():
    # 100 requests: 50 under 1 ms, 40 more under 5 ms, 10 more under 10 ms.
    t = Traffic({200: 100.0}, 0.2, {0.001: 50.0, 0.005: 90.0, 0.01: 100.0, float("inf"): 100.0})
    assert t.quantile(0.5) == pytest.approx(0.001)
    assert t.quantile(0.7) == pytest.approx(0.001 + 0.004 * 20 / 40)
    assert t.quantile(0.95) == pytest.approx(0.005 + 0.005 * 5 / 10)
    slow = Traffic({200: 10.0}, 200.0, {0.001: 0.0, 10.0: 5.0, float("inf"): 10.0})
    assert slow.quantile(0.99) == float("inf")
