"""``make bench``: the whole stack under the spec's scenarios, driven over HTTP as clients.

Starts PostgreSQL and PgBouncer when absent (``bench/run.sh``), then a private database, the
real API and the real executor supervisor through PgBouncer, seeds users, builtin and user
nodes and chains, and runs (open loop, latency from the scheduled send time):

- S1: 10-node chains submitted at 200/s; submit→completed as the API reports it;
- S2: 30-node chains at 100/s;
- S3: design operations (list/get/create/update of nodes and chains) at 50/s;
- S4: 100 users, each with its own token and a live WebSocket on its latest run, sending
  S1 + S2 + S3 at once.

``--soak`` instead runs 10-node chains at 20/s for 10 minutes and reports the executor's RSS
at start and end. Writes ``bench/results/system-<timestamp>.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

import uvloop

from bench.harness import client, load, procs, report, stack
from bench.harness.render import render_system

logger = logging.getLogger("bench.system")

SPREAD = 10
# Spec §7.1 (load, p95, max) and our targets (load, p95), per scenario.
SLO: dict[str, dict[str, Any]] = {
    "S1": {"spec": (20, 3000, 5000), "target": (200, 300), "what": "≤10-node chains"},
    "S2": {"spec": (10, 7000, 10000), "target": (100, 700), "what": "30-node chains"},
    "S3": {"spec": (5, 1000, 3000), "target": (50, 50), "what": "design operations"},
    "S4": {"spec": None, "target": None, "what": "100 users, S1+S2+S3 at once"},
}


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="S1,S2,S3,S4", help="comma-separated subset")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load each")
    parser.add_argument("--rate-s1", type=float, default=200.0, help="S1 submits per second")
    parser.add_argument("--rate-s2", type=float, default=100.0, help="S2 submits per second")
    parser.add_argument("--rate-s3", type=float, default=50.0, help="S3 design ops per second")
    parser.add_argument("--s4-scale", type=float, default=1.0, help="S4 rates = S1..S3 times this")
    parser.add_argument("--users", type=int, default=100, help="S4 users")
    parser.add_argument(
        "--watch-fraction", type=float, default=0.1,
        help="S1/S2: share of submissions also followed live over the WebSocket",
    )  # fmt: skip
    parser.add_argument("--drain-timeout", type=float, default=120.0,
                        help="seconds to wait for the backlog after the load")  # fmt: skip
    parser.add_argument(
        "--api-env", action="append", default=[], metavar="KEY=VALUE",
        help="extra API setting, e.g. DATABASE_POOL_SIZE=40 (repeatable; EXECUTOR_* settings "
        "come from the environment)",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="3 s per scenario: checks the harness")
    parser.add_argument("--soak", action="store_true", help="soak instead of S1..S4")
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--soak-rate", type=float, default=20.0, help="10-node submits per second")
    parser.add_argument(
        "--admin-url", default=os.environ.get("BENCH_ADMIN_URL", stack.DEFAULT_ADMIN_URL)
    )
    parser.add_argument(
        "--pgbouncer-url",
        default=os.environ.get("BENCH_PGBOUNCER_URL", stack.DEFAULT_PGBOUNCER_URL),
    )
    arguments = parser.parse_args(argv)
    if arguments.quick:
        arguments.duration = min(arguments.duration, 3.0)
        arguments.drain_timeout = min(arguments.drain_timeout, 30.0)
        arguments.users = min(arguments.users, 10)
        arguments.soak_minutes = min(arguments.soak_minutes, 0.5)
        # The spec's loads: enough to exercise every path without waiting on a backlog.
        arguments.rate_s1 = min(arguments.rate_s1, 20.0)
        arguments.rate_s2 = min(arguments.rate_s2, 10.0)
        arguments.rate_s3 = min(arguments.rate_s3, 5.0)
        arguments.soak_rate = min(arguments.soak_rate, 5.0)
    return arguments


async def bench(
    arguments: argparse.Namespace,
    the_stack: stack.Stack,
    checkpoint: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Run the scenarios; ``checkpoint`` gets the results so far after each one."""
    async with contextlib.AsyncExitStack() as clients, client.client(the_stack.api_url) as http:
        admin = await client.login(http, stack.ADMIN_EMAIL, the_stack.admin_password)
        catalog = await client.create_catalog(http, admin)
        wanted = [name.strip().upper() for name in arguments.scenarios.split(",")]
        # S1-S3 come from SPREAD users (no one user's rate limit decides the figures).
        users = max(SPREAD, arguments.users if "S4" in wanted and not arguments.soak else 0)
        logger.info("signing in %d users", users)
        tokens = await client.create_users(http, admin, users)
        per_user = [
            await clients.enter_async_context(client.client(the_stack.api_url)) for _ in tokens
        ]
        design = client.Design(http, catalog)
        await design.seed(tokens[0])
        groups = process_groups(the_stack)
        ws_url = the_stack.api_url.replace("http://", "ws://")
        results: dict[str, Any] = {}
        plans = plan(arguments, wanted)
        for number, (name, (rates, lengths, watching, user_count)) in enumerate(plans.items()):
            leftovers = 0
            if number:
                await asyncio.to_thread(the_stack.restart_api)
                # The old API served what the clients had given up on before it stopped: runs
                # queued after the last scenario's clean-up, which must not load this one.
                leftovers = await load.cancel_leftovers(the_stack.direct_url)
                if leftovers:
                    logger.info("cancelled %d runs the last scenario's requests queued late",
                                leftovers)  # fmt: skip
            chains = {
                label: (await client.create_chain(http, admin, catalog, length, f"{name}-{label}"))[
                    "id"
                ]
                for label, length in lengths.items()
            }
            design = design.fresh()
            target = load.Target(http, ws_url, admin, tokens[:user_count], per_user[:user_count],
                                 chains, design, the_stack.direct_url)  # fmt: skip
            logger.info("%s: %s", name, SLO.get(name, {}).get("what", name))
            duration = arguments.soak_minutes * 60 if name == "soak" else arguments.duration
            async with procs.Sampler(groups) as sampler:
                outcome = await load.run(
                    target, rates, duration, watching=watching,
                    drain_timeout_s=arguments.drain_timeout,
                )  # fmt: skip
            results[name] = {
                "offered_per_s": rates,
                "users": user_count,
                **outcome.summary(design if "design" in rates else None),
                "resources": sampler.report(),
                "late_runs_cancelled_before": leftovers,
            }
            if name == "soak":
                results[name]["executor_rss_series"] = rss_series(sampler)
            checkpoint(results)
        return results


def plan(arguments: argparse.Namespace, wanted: list[str]) -> dict[str, tuple[Any, ...]]:
    """Per scenario: stream rates, chain lengths, who watches live, how many users."""
    fraction = load.Watching
    if arguments.soak:
        return {"soak": ({"exec:10": arguments.soak_rate}, {"10": 10}, fraction(), SPREAD)}
    scale, share = arguments.s4_scale, arguments.watch_fraction
    every: dict[str, tuple[Any, ...]] = {
        "S1": ({"exec:10": arguments.rate_s1}, {"10": 10}, fraction(share), SPREAD),
        "S2": ({"exec:30": arguments.rate_s2}, {"30": 30}, fraction(share), SPREAD),
        "S3": ({"design": arguments.rate_s3}, {}, fraction(), SPREAD),
        "S4": (
            {"exec:10": arguments.rate_s1 * scale, "exec:30": arguments.rate_s2 * scale,
             "design": arguments.rate_s3 * scale},
            {"10": 10, "30": 30}, fraction(per_user=True), arguments.users,
        ),
    }  # fmt: skip
    return {name: every[name] for name in every if name in wanted}


def process_groups(the_stack: stack.Stack) -> dict[str, procs.Group]:
    def api(processes: dict[int, procs.ProcessInfo]) -> set[int]:
        return procs.tree_level(the_stack.api.pid, 0, deeper=True)(processes)  # after restarts

    groups: dict[str, procs.Group] = {"api": api}
    if the_stack.executor is not None:
        pid = the_stack.executor.pid
        groups["executor supervisor"] = procs.tree_level(pid, 0)
        groups["executor workers"] = procs.tree_level(pid, 1)
        groups["executor sandboxes"] = procs.tree_level(pid, 2, deeper=True)
    groups["postgresql (bench db backends)"] = procs.matching(f" {the_stack.database} ")
    groups["pgbouncer (shared)"] = procs.program("pgbouncer")
    groups["load generator"] = procs.tree_level(os.getpid(), 0)
    return groups


def api_settings(api_env: dict[str, str]) -> str:
    return "".join(f", {key}={value}" for key, value in sorted(api_env.items()))


def executor_settings(environment: Mapping[str, str]) -> str:
    """The executor's settings a run set (``EXECUTOR_*`` reaches it), its workers first."""
    workers = f"EXECUTOR_WORKERS={environment.get('EXECUTOR_WORKERS', 'cpu count')}"
    others = sorted(
        (key, value)
        for key, value in environment.items()
        if key.startswith("EXECUTOR_") and key != "EXECUTOR_WORKERS"
    )
    return workers + "".join(f", {key}={value}" for key, value in others)


def rss_series(sampler: procs.Sampler) -> list[tuple[float, float]]:
    """Executor RSS (supervisor + workers + sandboxes, MiB), one point a minute."""
    names = [name for name in sampler.usage if name.startswith("executor")]
    points: dict[float, float] = {}
    for name in names:
        for seconds, rss in sampler.usage[name].rss_series:
            points[seconds] = points.get(seconds, 0) + rss / 1024 / 1024
    series, next_minute = [], 0.0
    for seconds in sorted(points):
        if seconds >= next_minute:
            series.append((seconds, round(points[seconds], 1)))
            next_minute += 60
    return series


def main(argv: list[str] | None = None) -> int:
    arguments = options(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    stack.raise_on_sigterm()
    before = report.machine()
    api_env = dict(item.split("=", 1) for item in arguments.api_env)
    result: dict[str, Any] = {
        "kind": "soak" if arguments.soak else "system",
        "machine": {**before, "load_average_after": None},
        "options": {k: v for k, v in vars(arguments).items() if not k.endswith("_url")},
        "setup": f"API with {api_env.get('API_WORKERS', stack.API_WORKERS)} uvicorn workers"
        f"{api_settings(api_env)} and executor "
        f"supervisor with {executor_settings(os.environ)}, "
        "both through PgBouncer (transaction pooling); one load generator on the same machine",
        "slo": SLO,
        "scenarios": {},
    }
    timestamp = report.stamp()

    def checkpoint(scenarios: dict[str, Any]) -> None:
        result["machine"]["load_average_after"] = report.machine()["load_average"]
        result["scenarios"] = scenarios
        report.write(result["kind"], result, render_system(result), timestamp)

    with stack.running_stack(
        arguments.admin_url, arguments.pgbouncer_url, executor=True, api_env=api_env
    ) as the_stack:
        uvloop.run(bench(arguments, the_stack, checkpoint))
    result["machine"]["load_average_after"] = report.machine()["load_average"]
    markdown = render_system(result)
    json_path, md_path = report.write(result["kind"], result, markdown, timestamp)
    sys.stdout.write(markdown)
    sys.stdout.write(f"\nwritten: {json_path} and {md_path.name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
