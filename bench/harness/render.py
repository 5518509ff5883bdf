"""The markdown reports of ``make bench`` and ``make bench-api``."""

from __future__ import annotations

from typing import Any

from bench.harness.report import cell, latency_cells, percent, table, verdict

LATENCY_HEADERS = ["p50 ms", "p95 ms", "p99 ms", "max ms"]


def _machine(machine: dict[str, Any]) -> str:
    speed = machine.get("python_step_ns")
    return (
        f"{machine['cpus']} CPUs, Python {machine['python']}"
        + (f" at {cell(speed)} ns per loop step" if speed is not None else "")
        + f", load average {_load(machine['load_average'])} before, "
        f"{_load(machine['load_average_after'])} after."
    )


def render_system(result: dict[str, Any]) -> str:
    machine = result["machine"]
    lines = [
        f"# {'Soak' if result['kind'] == 'soak' else 'System'} benchmark",
        "",
        f"{_machine(machine)} {result['setup']}.",
        "",
        "Latency is counted from each request's scheduled send time (open loop). For "
        "executions: submit→completed = `completed_at` as the API lists it minus the scheduled "
        "submit; live = the final WebSocket event received minus the scheduled submit (the "
        "watched share only); ∞ = not finished when the drain ended.",
        "",
        table(
            [
                "scenario",
                "what",
                "offered /s",
                "done /s",
                *LATENCY_HEADERS,
                "errors",
                "spec SLO (load, p95, max)",
                "spec",
                "target (load, p95)",
                "target",
            ],
            scenario_rows(result),
        ),
        "",
        "## Resources (mean CPU % of one core over load + drain; RSS MiB start / end / peak)",
        "",
        resources_table(result["scenarios"]),
    ]
    late = {
        name: scenario["late_runs_cancelled_before"]
        for name, scenario in result["scenarios"].items()
        if scenario.get("late_runs_cancelled_before")
    }
    if late:
        cancelled = ", ".join(f"{count} before {name}" for name, count in late.items())
        lines += [
            "",
            f"Runs the previous scenario's requests queued after its clean-up (the API served "
            f"them after the clients had given up), cancelled before the next one started: "
            f"{cancelled}.",
        ]
    soak = result["scenarios"].get("soak")
    if soak is not None:
        series = ", ".join(f"{s / 60:.0f} min: {mib} MiB" for s, mib in soak["executor_rss_series"])
        lines += ["", f"Executor RSS (supervisor + workers + sandboxes) over the soak: {series}"]
    return "\n".join(lines) + "\n"


def scenario_rows(result: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    slo = result["slo"]
    for name, scenario in result["scenarios"].items():
        limits = slo.get(name, {})
        for label, execution in scenario.get("executions", {}).items():
            row_slo = limits if limits.get("spec") else slo.get("S1" if label == "10" else "S2", {})
            offered = scenario["offered_per_s"].get(f"exec:{label}")
            for kind in ("completion", "live", "submit"):
                summary = execution[kind]
                if not summary["count"]:
                    continue
                what = {"completion": "submit→completed", "live": "submit→live final event",
                        "submit": "POST /executions"}[kind]  # fmt: skip
                done = execution["completed_per_s"] if kind == "completion" else None
                judged = kind == "completion"
                rows.append(
                    [name, f"{label}-node: {what}", offered, done, *latency_cells(summary),
                     percent(summary["error_rate"]), *_judge(row_slo, summary, judged)]
                )  # fmt: skip
        design = scenario.get("design")
        if design is not None:
            summary = design["all"]
            row_slo = limits if limits.get("spec") else slo.get("S3", {})
            rows.append(
                [name, "design operations", scenario["offered_per_s"].get("design"),
                 summary["throughput_per_s"], *latency_cells(summary),
                 percent(summary["error_rate"]), *_judge(row_slo, summary, True)]
            )  # fmt: skip
    return rows


def _judge(limits: dict[str, Any], summary: dict[str, Any], judged: bool) -> list[str]:
    spec, target = limits.get("spec"), limits.get("target")
    if not judged or spec is None or target is None:
        return ["", "", "", ""]
    p95, worst = summary["p95_ms"], summary["max_ms"]
    spec_ok = verdict(p95, spec[1], summary["error_rate"])
    if spec_ok == "met" and worst is not None and worst > spec[2]:
        spec_ok = "**not met** (max)"
    return [
        f"{spec[0]}/s, {spec[1]} ms, {spec[2]} ms",
        spec_ok,
        f"{target[0]}/s, {target[1]} ms",
        verdict(p95, target[1], summary["error_rate"]),
    ]


def resources_table(scenarios: dict[str, Any]) -> str:
    names = list(scenarios)
    groups = list(next(iter(scenarios.values()))["resources"]) if scenarios else []
    rows = []
    for group in groups:
        row: list[Any] = [group]
        for name in names:
            usage = scenarios[name]["resources"][group]
            row.append(
                f"{cell(usage['cpu_percent'])} % · {cell(usage['rss_start_mib'])} / "
                f"{cell(usage['rss_end_mib'])} / {cell(usage['rss_peak_mib'])}"
            )
        rows.append(row)
    return table(["process", *names], rows)


def _api_cpu(per_request: dict[str, float | None]) -> list[str]:
    """One line on the API's CPU time per request in each phase (all its processes): one
    process serves at most 1000 / that many requests a second."""
    if not per_request:
        return []
    parts = [f"{phase} {cell(ms)} ms" for phase, ms in per_request.items()]
    return ["", f"API CPU time per request: {', '.join(parts)}."]


def render_api(result: dict[str, Any]) -> str:
    machine = result["machine"]
    rows = []
    for phase, summaries in result["load"].items():
        for op, summary in summaries.items():
            rows.append(
                [phase, op, summary["count"], summary["throughput_per_s"],
                 *latency_cells(summary), percent(summary["error_rate"])]
            )  # fmt: skip
    overhead = result["middleware_overhead"]
    design = result["load"].get("design", {}).get("all") or {"p95_ms": None, "error_rate": 0}
    design_verdict = verdict(design["p95_ms"], 50, design["error_rate"])
    difference = overhead["difference_us"]
    overhead_verdict = "met" if difference["p50"] <= 1500 else "**not met**"
    lines = [
        "# API benchmark",
        "",
        f"{_machine(machine)} {result['setup']}.",
        "",
        table(["phase", "operation", "requests", "ok /s", *LATENCY_HEADERS, "errors"], rows),
        "",
        f"Design operations at {result['rates']['design']}/s: p95 "
        f"{cell(design['p95_ms'])} ms against the target of 50 ms: {design_verdict}.",
        *_api_cpu(result.get("api_cpu_ms_per_request", {})),
        "",
        "## Middleware overhead (in process, same trivial route through the full app and the "
        "bare router)",
        "",
        table(
            ["", "median µs", "p95 µs"],
            [
                ["full app", overhead["full_us"]["p50"], overhead["full_us"]["p95"]],
                ["bare router", overhead["bare_us"]["p50"], overhead["bare_us"]["p95"]],
                [
                    "difference (paired)",
                    overhead["difference_us"]["p50"],
                    overhead["difference_us"]["p95"],
                ],
            ],
        ),
        "",
        f"{overhead['calls']} calls each, alternating. Middleware: "
        f"{', '.join(overhead['stack'])}. Target ≤ 1.5 ms (1500 µs) median: {overhead_verdict}.",
    ]
    return "\n".join(lines) + "\n"


def _load(values: list[float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)
