import json
import math

from bench import system
from bench.harness import report
from bench.harness.render import render_api, render_system

SUMMARY = {"count": 100, "errors": 0, "error_rate": 0.0, "throughput_per_s": 19.5,
           "p50_ms": 120.0, "p95_ms": 250.0, "p99_ms": 400.0, "max_ms": 900.0}  # fmt: skip
EMPTY = {"count": 0, "errors": 0, "error_rate": 0.0, "throughput_per_s": 0.0,
         "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}  # fmt: skip
USAGE = {"cpu_percent": 12.5, "rss_start_mib": 90.0, "rss_end_mib": 95.5, "rss_peak_mib": 96.0,
         "processes": 1}  # fmt: skip
MACHINE = {"cpus": 2, "python": "3.11.7", "load_average": [1.0, 2.0, 3.0],
           "load_average_after": [1.5, 2.0, 3.0], "python_step_ns": 112.4}  # fmt: skip


def system_result(**scenario):
    return {
        "kind": "system",
        "machine": MACHINE,
        "setup": "test setup",
        "slo": {"S1": {"spec": (20, 3000, 5000), "target": (200, 300), "what": "x"},
                "S3": {"spec": (5, 1000, 3000), "target": (50, 50), "what": "y"}},
        "scenarios": {"S1": {
            "offered_per_s": {"exec:10": 200.0},
            "executions": {"10": {"completion": SUMMARY, "live": EMPTY, "submit": SUMMARY,
                                  "completed_per_s": 180.2, "incomplete": 0}},
            "resources": {"api": USAGE, "pgbouncer (shared)": USAGE},
            **scenario,
        }},
    }  # fmt: skip


def test_table_renders_rows_and_special_values():
    text = report.table(["a", "b", "c"], [[1, None, math.inf], ["x|y", 1234.5, 0.25]])
    assert text.splitlines() == [
        "| a | b | c |",
        "|---|---|---|",
        "| 1 | — | ∞ |",
        "| x\\|y | 1234 | 0.2 |",
    ]


def test_verdict_needs_latency_and_few_errors():
    assert report.verdict(40.0, 50, 0.0) == "met"
    assert report.verdict(60.0, 50, 0.0) == "**not met**"
    assert report.verdict(40.0, 50, 0.05) == "**not met**"
    assert report.verdict(None, 50, 0.0) == "no data"


def test_system_report_judges_completion_against_spec_and_target():
    text = render_system(system_result())
    row = next(line for line in text.splitlines() if line.startswith("| S1"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[:8] == ["S1", "10-node: submit→completed", "200.0", "180.2",
                         "120.0", "250.0", "400.0", "900.0"]  # fmt: skip
    assert cells[9:] == ["20/s, 3000 ms, 5000 ms", "met", "200/s, 300 ms", "met"]
    assert "submit→live" not in text  # nothing was watched: no row
    assert "load average 1.00 / 2.00 / 3.00 before" in text


def test_system_report_flags_a_max_over_the_spec():
    result = system_result()
    late = {**SUMMARY, "max_ms": math.inf}
    result["scenarios"]["S1"]["executions"]["10"]["completion"] = late
    row = next(line for line in render_system(result).splitlines() if line.startswith("| S1"))
    assert "**not met** (max)" in row
    assert "| ∞ |" in row


def test_system_report_lists_resources_per_process():
    text = render_system(system_result())
    assert "| api | 12.5 % · 90.0 / 95.5 / 96.0 |" in text


def test_soak_report_shows_the_executor_rss_series():
    result = system_result()
    result["kind"] = "soak"
    series = [(0.0, 370.1), (60.2, 372.4)]
    result["scenarios"] = {"soak": {**result["scenarios"]["S1"], "executor_rss_series": series}}
    text = render_system(result)
    assert text.startswith("# Soak benchmark")
    assert "0 min: 370.1 MiB, 1 min: 372.4 MiB" in text


def test_api_report_has_phases_and_the_middleware_overhead():
    result = {
        "machine": MACHINE,
        "setup": "test setup",
        "rates": {"design": 50.0, "submit": 50.0},
        "load": {"design": {"all": SUMMARY}, "submit": {"POST /executions": SUMMARY}},
        "middleware_overhead": {"calls": 100, "full_us": {"p50": 250.0, "p95": 400.0},
                                "bare_us": {"p50": 140.0, "p95": 230.0},
                                "difference_us": {"p50": 110.0, "p95": 170.0},
                                "stack": ["A", "B"]},
        "api_cpu_ms_per_request": {"design": 4.2, "submit": None},
    }  # fmt: skip
    text = render_api(result)
    assert (
        "2 CPUs, Python 3.11.7 at 112.4 ns per loop step, load average 1.00 / 2.00 / 3.00" in text
    )
    assert "API CPU time per request: design 4.2 ms, submit — ms." in text
    assert "| design | all | 100 | 19.5 | 120.0 | 250.0 | 400.0 | 900.0 | 0.00 % |" in text
    assert "p95 250.0 ms against the target of 50 ms: **not met**" in text
    assert "| difference (paired) | 110.0 | 170.0 |" in text
    assert "Middleware: A, B. Target ≤ 1.5 ms (1500 µs) median: met." in text


def test_results_are_written_as_json_without_infinity(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    json_path, md_path = report.write("system", {"p99": math.inf, "rows": [(1, math.inf)]}, "# x\n")
    assert json.loads(json_path.read_text()) == {"p99": "inf", "rows": [[1, "inf"]]}
    assert md_path.read_text() == "# x\n"
    assert json_path.name.startswith("system-") and md_path.suffix == ".md"


def test_a_fresh_design_keeps_the_objects_and_starts_new_samples():
    from bench.harness.client import Catalog, Design

    design = Design(http=None, catalog=Catalog([], []))  # type: ignore[arg-type]
    design.ids["/nodes"].append("n1")
    design.samples["get_node"].ok(0.1)
    fresh = design.fresh()
    assert fresh.ids["/nodes"] == ["n1"]
    assert fresh.nodes is design.nodes
    assert fresh.samples["get_node"].count == 0


def test_the_setup_names_every_executor_setting_the_run_set() -> None:
    assert system.executor_settings({"PATH": "/bin"}) == "EXECUTOR_WORKERS=cpu count"
    assert (
        system.executor_settings(
            {"EXECUTOR_GC_THRESHOLD": "0", "EXECUTOR_WORKERS": "3", "EXECUTOR_BATCH_SIZE": "4"}
        )
        == "EXECUTOR_WORKERS=3, EXECUTOR_BATCH_SIZE=4, EXECUTOR_GC_THRESHOLD=0"
    )


def test_runs_cancelled_before_a_scenario_are_reported_only_when_there_were_some():
    assert "queued after its clean-up" not in render_system(system_result())
    assert "queued after its clean-up" not in render_system(
        system_result(late_runs_cancelled_before=0)
    )
    text = render_system(system_result(late_runs_cancelled_before=37))
    assert "cancelled before the next one started: 37 before S1." in text
