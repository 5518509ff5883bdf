"""Write the Grafana dashboards under observability/grafana/dashboards/ from the panel lists
below: one place for the queries, the same layout and data-source uids in every dashboard.

    python scripts/build_dashboards.py          # rewrite the JSON files
    python scripts/build_dashboards.py --check  # exit 1 when a file differs (the tests do this)

Edit a panel here, not in Grafana's UI (provisioned dashboards are read-only there).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

DASHBOARDS_DIR = Path(__file__).resolve().parent.parent / "observability/grafana/dashboards"
PROMETHEUS = {"type": "prometheus", "uid": "prometheus"}
LOKI = {"type": "loki", "uid": "loki"}
RATE = "$__rate_interval"


@dataclass
class Panel:
    title: str
    targets: list[tuple[str, str]]  # (legend, expression)
    kind: str = "timeseries"  # timeseries | stat | logs
    unit: str = "short"
    width: int = 12
    description: str = ""
    thresholds: list[tuple[str, float | None]] = field(default_factory=list)


@dataclass
class Dashboard:
    uid: str
    title: str
    description: str
    panels: list[Panel]
    datasource: dict[str, str] = field(default_factory=lambda: PROMETHEUS)
    tags: list[str] = field(default_factory=list)


def quantile(q: float, metric: str, by: str = "", selector: str = "") -> str:
    """The q-quantile of a histogram over the panel's rate interval."""
    group = f"{by}, le" if by else "le"
    return f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket{selector}[{RATE}])))"


def p95(metric: str, by: str = "", selector: str = "") -> str:
    return quantile(0.95, metric, by, selector)


def rate(metric: str, selector: str = "", by: str = "", fn: str = "rate") -> str:
    """sum [by (...)] (fn(metric{selector}[interval]))"""
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} ({fn}({metric}{selector}[{RATE}]))"


API = '{job="api"}'
API_5XX = '{job="api",status=~"5.."}'
FAILED = '{status=~"failed|timed_out"}'
SERVICES = '{job=~"api|executor"}'


SYSTEM_HEALTH = Dashboard(
    uid="cp-system-health",
    title="Chain Processor / System health",
    description="Is every service up, answering and keeping up? (spec §9.5)",
    tags=["chain-processor", "health"],
    panels=[
        Panel(
            "API instances up",
            [("api", 'sum(up{job="api"})')],
            "stat",
            width=6,
            thresholds=[("red", None), ("green", 1)],
        ),
        Panel(
            "Executor instances up",
            [("executor", 'sum(up{job="executor"})')],
            "stat",
            width=6,
            thresholds=[("red", None), ("green", 1)],
        ),
        Panel(
            "PgBouncer up",
            [("pgbouncer", "max(pgbouncer_up)")],
            "stat",
            width=6,
            thresholds=[("red", None), ("green", 1)],
        ),
        Panel(
            "Queue depth",
            [("queued", "max(executor_queue_depth)")],
            "stat",
            width=6,
            thresholds=[("green", None), ("orange", 20), ("red", 100)],
        ),
        Panel(
            "API requests per second",
            [("{{status}}", f'sum by (status) (rate(http_requests_total{{job="api"}}[{RATE}]))')],
            unit="reqps",
        ),
        Panel(
            "API 5xx ratio (SLO 1 %)",
            [
                (
                    "5xx ratio",
                    f'sum(rate(http_requests_total{{job="api",status=~"5.."}}[{RATE}]))'
                    f' / sum(rate(http_requests_total{{job="api"}}[{RATE}]))',
                )
            ],
            unit="percentunit",
            thresholds=[("green", None), ("red", 0.01)],
        ),
        Panel(
            "API p95 latency (SLO 1 s)",
            [("p95", p95("http_request_duration_seconds", selector='{job="api"}'))],
            unit="s",
            thresholds=[("green", None), ("red", 1)],
        ),
        Panel("Executions in flight", [("{{instance}}", "sum by (instance) (executor_in_flight)")]),
        Panel("Scrape targets", [("{{job}} {{instance}}", "up")], width=24),
    ],
)

CHAIN_EXECUTION = Dashboard(
    uid="cp-chain-execution",
    title="Chain Processor / Chain execution",
    description="Executions, their durations, failures and the queue (spec §9.2 custom metrics)",
    tags=["chain-processor", "executor"],
    panels=[
        Panel(
            "Executions finished per second by status",
            [("{{status}}", f"sum by (status) (rate(chain_executions_total[{RATE}]))")],
            unit="ops",
        ),
        Panel(
            "Failures by reason",
            [
                (
                    "{{reason}}",
                    rate("chain_executions_total", FAILED, by="reason"),
                )
            ],
            unit="ops",
        ),
        Panel(
            "Chain execution duration",
            [
                (
                    "p50",
                    quantile(0.5, "chain_execution_duration_seconds"),
                ),
                ("p95", p95("chain_execution_duration_seconds")),
                (
                    "p99",
                    quantile(0.99, "chain_execution_duration_seconds"),
                ),
            ],
            unit="s",
            thresholds=[("green", None), ("orange", 3), ("red", 7)],
        ),
        Panel(
            "Node execution duration p95 by status",
            [("{{status}}", p95("node_execution_duration_seconds", by="status"))],
            unit="s",
        ),
        Panel(
            "Queue depth and executions in flight",
            [
                ("queued", "max(executor_queue_depth)"),
                ("in flight", "sum(executor_in_flight)"),
            ],
        ),
        Panel(
            "Claim latency p95 (time queued before a worker takes it)",
            [("p95", p95("executor_claim_latency_seconds"))],
            unit="s",
        ),
        Panel(
            "Sandbox restarts by reason",
            [
                (
                    "{{reason}}",
                    f"sum by (reason) (increase(executor_sandbox_restarts_total[{RATE}]))",
                )
            ],
        ),
        Panel(
            "Execution failure ratio",
            [
                (
                    "failed or timed out",
                    f'sum(rate(chain_executions_total{{status=~"failed|timed_out"}}[{RATE}]))'
                    f" / sum(rate(chain_executions_total[{RATE}]))",
                )
            ],
            unit="percentunit",
        ),
    ],
)

RESOURCES = Dashboard(
    uid="cp-resources",
    title="Chain Processor / Resources",
    description="CPU, memory, file descriptors and connection pools (spec §9.2)",
    tags=["chain-processor", "resources"],
    panels=[
        Panel(
            "CPU (cores) by instance",
            [
                (
                    "{{job}} {{instance}}",
                    rate("process_cpu_seconds_total", SERVICES, by="job, instance"),
                )
            ],
            thresholds=[("green", None), ("red", 0.9)],
        ),
        Panel(
            "Resident memory by instance",
            [("{{job}} {{instance}}", 'process_resident_memory_bytes{job=~"api|executor"}')],
            unit="bytes",
        ),
        Panel(
            "Open file descriptors (share of the limit)",
            [
                (
                    "{{job}} {{instance}}",
                    'process_open_fds{job=~"api|executor"} / process_max_fds{job=~"api|executor"}',
                )
            ],
            unit="percentunit",
        ),
        Panel(
            "PgBouncer clients",
            [
                ("active", "sum(pgbouncer_pools_client_active_connections)"),
                ("waiting", "sum(pgbouncer_pools_client_waiting_connections)"),
            ],
        ),
        Panel(
            "PgBouncer server connections",
            [
                ("active", "sum(pgbouncer_pools_server_active_connections)"),
                ("idle", "sum(pgbouncer_pools_server_idle_connections)"),
            ],
        ),
        Panel(
            "PgBouncer longest client wait",
            [("max wait", "max(pgbouncer_pools_client_maxwait_seconds)")],
            unit="s",
        ),
    ],
)

ERRORS_LATENCY = Dashboard(
    uid="cp-errors-latency",
    title="Chain Processor / Errors and latency",
    description="API errors and latency against the SLOs (spec §7.1, §9.4)",
    tags=["chain-processor", "slo"],
    panels=[
        Panel(
            "API latency",
            [
                (
                    "p50",
                    quantile(0.5, "http_request_duration_seconds", selector=API),
                ),
                ("p95", p95("http_request_duration_seconds", selector='{job="api"}')),
                (
                    "p99",
                    quantile(0.99, "http_request_duration_seconds", selector=API),
                ),
            ],
            unit="s",
            thresholds=[("green", None), ("red", 1)],
        ),
        Panel(
            "p95 latency by route",
            [
                (
                    "{{method}} {{route}}",
                    p95(
                        "http_request_duration_seconds", by="method, route", selector='{job="api"}'
                    ),
                )
            ],
            unit="s",
        ),
        Panel(
            "Requests by status class",
            [("{{status}}", f'sum by (status) (rate(http_requests_total{{job="api"}}[{RATE}]))')],
            unit="reqps",
        ),
        Panel(
            "5xx ratio against the 1 % SLO",
            [
                ("5xx ratio", 'job:http_requests_error_ratio:rate5m{job="api"}'),
                ("SLO", "vector(0.01)"),
            ],
            unit="percentunit",
        ),
        Panel(
            "Routes with the most 5xx",
            [
                (
                    "{{method}} {{route}}",
                    f"topk(5, {rate('http_requests_total', API_5XX, by='method, route')})",
                )
            ],
            unit="reqps",
            width=24,
        ),
    ],
)

LOGS = Dashboard(
    uid="cp-logs",
    title="Chain Processor / Logs",
    description="Loki: log volume by level, errors, and every line of one request (spec §9.1)",
    tags=["chain-processor", "logs"],
    datasource=LOKI,
    panels=[
        Panel(
            "Log lines by service and level",
            [
                (
                    "{{service}} {{level}}",
                    'sum by (service, level) (count_over_time({service=~".+"}[$__interval]))',
                )
            ],
            width=24,
        ),
        Panel(
            "Errors",
            [("", '{service=~".+", level=~"error|critical|fatal"} | json')],
            "logs",
            width=24,
        ),
        Panel(
            "One request (set request_id)",
            [("", '{service=~".+"} | json | request_id="$request_id"')],
            "logs",
            width=24,
            description="Every line logged for one X-Request-ID, across services",
        ),
        Panel(
            "Executions finished (from the executor's events)",
            [
                (
                    "{{status}}",
                    'sum by (status) (count_over_time({service=~".*executor"} | json'
                    ' | action="execution_finished" [$__interval]))',
                )
            ],
            width=24,
        ),
    ],
)

DASHBOARDS = [SYSTEM_HEALTH, CHAIN_EXECUTION, RESOURCES, ERRORS_LATENCY, LOGS]


def render(dashboard: Dashboard) -> dict[str, object]:
    panels = []
    x = y = 0
    row_height = 8
    for index, panel in enumerate(dashboard.panels, start=1):
        if x + panel.width > 24:
            x, y = 0, y + row_height
        panels.append(_panel(index, panel, dashboard.datasource, x, y))
        x += panel.width
    templating: list[dict[str, object]] = []
    if dashboard.datasource is LOKI:
        templating.append(
            {
                "name": "request_id",
                "type": "textbox",
                "label": "request_id",
                "query": "",
                "current": {"text": "", "value": ""},
                "hide": 0,
            }
        )
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": dashboard.tags,
        "timezone": "utc",
        "editable": False,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": templating},
        "annotations": {"list": []},
        "links": [
            {
                "title": "Chain Processor",
                "type": "dashboards",
                "tags": ["chain-processor"],
                "asDropdown": True,
            }
        ],
        "panels": panels,
    }


def _panel(
    index: int, panel: Panel, datasource: dict[str, str], x: int, y: int
) -> dict[str, object]:
    targets = [
        {
            "refId": chr(ord("A") + n),
            "datasource": datasource,
            "expr": expr,
            "legendFormat": legend,
            **({"queryType": "range"} if datasource is LOKI else {}),
        }
        for n, (legend, expr) in enumerate(panel.targets)
    ]
    steps = [{"color": color, "value": value} for color, value in panel.thresholds] or [
        {"color": "green", "value": None}
    ]
    body: dict[str, object] = {
        "id": index,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": datasource,
        "gridPos": {"h": 8, "w": panel.width, "x": x, "y": y},
        "targets": targets,
    }
    if panel.kind != "logs":
        body["fieldConfig"] = {
            "defaults": {"unit": panel.unit, "thresholds": {"mode": "absolute", "steps": steps}},
            "overrides": [],
        }
    else:
        body["options"] = {
            "showTime": True,
            "wrapLogMessage": True,
            "sortOrder": "Descending",
            "enableLogDetails": True,
        }
    return body


def write(check: bool) -> int:
    stale = []
    for dashboard in DASHBOARDS:
        path = DASHBOARDS_DIR / f"{dashboard.uid.removeprefix('cp-')}.json"
        text = json.dumps(render(dashboard), indent=2) + "\n"
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        sys.stderr.write(f"dashboards out of date (run scripts/build_dashboards.py): {stale}\n")
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a file is stale")
    sys.exit(write(parser.parse_args().check))
