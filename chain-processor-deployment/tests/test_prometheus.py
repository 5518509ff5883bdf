"""Prometheus: promtool check config / check rules / test rules, and the rules use only the
metrics the services expose."""

from __future__ import annotations

import pytest
import yaml
from conftest import METRIC_PREFIXES, METRICS, OBSERVABILITY, run, tool
from promql import metric_names

PROMETHEUS = OBSERVABILITY / "prometheus"
RULES = PROMETHEUS / "rules/chain-processor.rules.yml"
REQUIRED_ALERTS = {
    "ApiLatencyP95High",  # p95 latency over the SLO
    "ApiErrorRateHigh",  # error rate > 1 %
    "ProcessCpuSaturated",  # saturation
    "PgBouncerClientsWaiting",
    "ExecutorDown",  # executor down
    "ExecutorQueueGrowing",  # queue growing
}


def rules() -> list[dict]:
    return [
        rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]
    ]


def test_promtool_check_config() -> None:
    result = run([tool("promtool"), "check", "config", PROMETHEUS / "prometheus.yml"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_promtool_check_rules() -> None:
    result = run([tool("promtool"), "check", "rules", RULES])
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests() -> None:
    result = run(
        [tool("promtool"), "test", "rules", "tests/chain-processor.test.yml"], cwd=PROMETHEUS
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_required_alerts_exist_and_are_tested() -> None:
    alerts = {rule["alert"] for rule in rules() if "alert" in rule}
    assert REQUIRED_ALERTS <= alerts, REQUIRED_ALERTS - alerts
    tested = (PROMETHEUS / "tests/chain-processor.test.yml").read_text()
    untested = {alert for alert in alerts if f"alertname: {alert}" not in tested}
    assert not untested, f"alerts without a promtool unit test: {untested}"


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r.get("alert") or r.get("record"))
def test_rules_use_known_metrics(rule: dict) -> None:
    recorded = {r["record"] for r in rules() if "record" in r}
    for name in metric_names(rule["expr"]):
        assert name in METRICS | recorded or name.startswith(METRIC_PREFIXES), name


@pytest.mark.parametrize("rule", [r for r in rules() if "alert" in r], ids=lambda r: r["alert"])
def test_alerts_have_severity_summary_and_runbook(rule: dict) -> None:
    assert rule["labels"]["severity"] in {"page", "ticket"}
    assert rule["annotations"]["summary"] and rule["annotations"]["description"]
    anchor = rule["annotations"]["runbook"].split("#")[1]
    runbook = (OBSERVABILITY.parent / "docs/runbook-alerts.md").read_text().lower()
    assert f"\n## {anchor}\n" in runbook, f"docs/runbook-alerts.md has no section for #{anchor}"
