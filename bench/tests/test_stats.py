import math

import pytest

from bench.harness.stats import Samples, percentile, summarize


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile(values, 0.0) == 1


def test_percentile_does_not_depend_on_order():
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3


def test_percentile_of_few_values_picks_an_observed_one():
    assert percentile([10.0, 20.0], 0.95) == 20
    assert percentile([7.0], 0.5) == 7


def test_percentile_of_nothing_is_nan():
    assert math.isnan(percentile([], 0.5))


def test_percentile_rejects_fractions_outside_zero_one():
    with pytest.raises(ValueError):
        percentile([1.0], 95)


def test_unfinished_operations_stay_in_the_tail():
    values = [0.1] * 98 + [math.inf] * 2
    assert percentile(values, 0.95) == 0.1
    assert math.isinf(percentile(values, 0.99))


def test_summarize_counts_failures_and_their_latencies():
    samples = Samples()
    for latency in (0.010, 0.020, 0.030):
        samples.ok(latency)
    samples.failed("http_503", 0.5)
    samples.failed("ConnectError")  # no answer, no latency
    summary = summarize(samples, seconds=2.0)
    assert summary["count"] == 5
    assert summary["errors"] == 2
    assert summary["error_rate"] == 0.4
    assert summary["throughput_per_s"] == 1.5
    assert summary["p50_ms"] == 20.0
    assert summary["max_ms"] == 500.0
    assert summary["error_kinds"] == {"ConnectError": 1, "http_503": 1}


def test_summarize_keeps_infinity_for_unfinished():
    samples = Samples()
    samples.ok(1.0)
    samples.failed("incomplete", math.inf)
    summary = summarize(samples, seconds=1.0)
    assert math.isinf(summary["max_ms"])


def test_summarize_of_nothing():
    summary = summarize(Samples(), seconds=0)
    assert summary["count"] == 0
    assert summary["error_rate"] == 0.0
    assert summary["p95_ms"] is None
    assert summary["max_ms"] is None


def test_merge_adds_counts_and_kinds():
    first, second = Samples(), Samples()
    first.ok(0.1)
    first.failed("http_409", 0.2)
    second.failed("http_409", 0.3)
    merged = first.merge(second)
    assert (merged.count, merged.errors) == (3, 2)
    assert merged.error_kinds == {"http_409": 2}
    assert sorted(merged.latencies) == [0.1, 0.2, 0.3]
