"""The executor's Prometheus metrics (names are a contract: dashboards and alerts use them).

Worker processes record; the supervisor serves ``/metrics`` (:mod:`metrics_server`). Across
processes the values are aggregated by prometheus-client's multiprocess mode: the supervisor
creates a directory, passes it to its workers as ``PROMETHEUS_MULTIPROC_DIR`` (read by
prometheus-client when this module is first imported), and sums their files at each scrape.
See docs/adr/0003-metrics-aggregation.md.

==========================================  =================  ===========================
name                                        labels             recorded
==========================================  =================  ===========================
``chain_execution_duration_seconds``        status             when an execution ends
``node_execution_duration_seconds``         status             when a node ends
``chain_executions_total``                  status, reason     when an execution ends
``executor_queue_depth``                    —                  pending executions, at scrape
``executor_in_flight``                      —                  executions running now
``executor_claim_latency_seconds``          —                  creation → claim, per claim
``executor_sandbox_restarts_total``         reason             a sandbox replaced
==========================================  =================  ===========================
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

NO_REASON = "none"
"""``reason`` of ``chain_executions_total`` for an execution that succeeded."""

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
_NODE_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0)

CHAIN_DURATION = Histogram(
    "chain_execution_duration_seconds",
    "Time from claim to final status of one execution run.",
    ["status"],
    buckets=_SECONDS,
)
NODE_DURATION = Histogram(
    "node_execution_duration_seconds",
    "Wall time of one node run in its sandbox, as seen by the worker.",
    ["status"],
    buckets=_NODE_SECONDS,
)
EXECUTIONS = Counter(
    "chain_executions",
    "Executions that reached a final status in a worker, by status and reason code.",
    ["status", "reason"],
)
IN_FLIGHT = Gauge(
    "executor_in_flight",
    "Executions claimed and not yet finished, summed over live workers.",
    multiprocess_mode="livesum",
)
CLAIM_LATENCY = Histogram(
    "executor_claim_latency_seconds",
    "Time from an execution's creation to the claim that picked it up (queue wait).",
    buckets=_SECONDS,
)
SANDBOX_RESTARTS = Counter(
    "executor_sandbox_restarts",
    "Sandbox processes replaced after a run killed or damaged them, by reason.",
    ["reason"],
)
