"""Grafana: provisioning files parse, every dashboard is current and every query checks:
PromQL with promql-parser and promtool, LogQL selectors against the labels promtail sets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import build_dashboards
import pytest
import yaml
from conftest import METRIC_PREFIXES, METRICS, OBSERVABILITY, run, tool
from promql import metric_names, substitute

GRAFANA = OBSERVABILITY / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
DATASOURCE_UIDS = {"prometheus", "loki", "jaeger", "alertmanager"}
LOKI_LABELS = {"service", "level", "logger", "container", "compose_service", "namespace", "pod"}
RECORDED = {
    rule["record"]
    for group in yaml.safe_load(
        (OBSERVABILITY / "prometheus/rules/chain-processor.rules.yml").read_text()
    )["groups"]
    for rule in group["rules"]
    if "record" in rule
}


def targets(kind: str) -> list[tuple[str, str]]:
    found = []
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel["targets"]:
                if target["datasource"]["type"] == kind:
                    found.append((f"{path.stem}: {panel['title']}", target["expr"]))
    return found


def test_dashboards_are_generated_and_current() -> None:
    assert build_dashboards.write(check=True) == 0
    assert {p.stem for p in DASHBOARDS} == {
        "system-health",
        "chain-execution",
        "resources",
        "errors-latency",
        "logs",
    }


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_shape(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] in DATASOURCE_UIDS
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24


@pytest.mark.parametrize(("where", "expr"), targets("prometheus"), ids=lambda v: str(v)[:60])
def test_promql_parses_and_uses_known_metrics(where: str, expr: str) -> None:
    for name in metric_names(substitute(expr)):
        assert name in METRICS | RECORDED or name.startswith(METRIC_PREFIXES), f"{where}: {name}"


def test_promtool_accepts_every_dashboard_query(tmp_path: Path) -> None:
    """promtool check rules parses each query as a recording rule: Prometheus' own parser."""
    rules = [
        {"record": f"dashboard:query:{n}", "expr": substitute(expr)}
        for n, (_, expr) in enumerate(targets("prometheus"))
    ]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = run([tool("promtool"), "check", "rules", path])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("where", "expr"), targets("loki"), ids=lambda v: str(v)[:60])
def test_logql_selects_promtail_labels(where: str, expr: str) -> None:
    selectors = re.findall(r"\{([^{}]*)\}", expr)
    assert selectors, where
    for selector in selectors:
        for label, _op, _value in re.findall(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"', selector):
            assert label in LOKI_LABELS, f"{where}: {label} is not a Loki label"
    assert expr.count("(") == expr.count(")"), where


def test_datasources_and_provider() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning/datasources/datasources.yml").read_text())
    assert {d["uid"] for d in datasources["datasources"]} == DATASOURCE_UIDS
    provider = yaml.safe_load((GRAFANA / "provisioning/dashboards/dashboards.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
