"""``make bench-api``: the API alone under open-loop load, and its middleware overhead.

1. a private database (migrated, builtin nodes and an admin seeded), the real API through
   PgBouncer (no executor: submitted runs stay queued), 10 editors, 20 nodes and 20 chains;
2. design operations (list/get/create/update of nodes and chains) at 50/s, then execution
   submits at 50/s, each for ``--duration`` seconds, open loop: latency from the scheduled
   send time; p50/p95/p99/max, throughput, error rate per operation;
3. the middleware overhead, in process (``middleware.py``);
4. prints a markdown table and writes ``bench/results/api-<timestamp>.{json,md}``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

import uvloop

from bench.api import middleware
from bench.harness import client, load, procs, report, stack
from bench.harness.render import render_api
from bench.harness.stats import summarize

logger = logging.getLogger("bench.api")
USERS = 10


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/api/run.sh", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per phase")
    parser.add_argument("--design-rate", type=float, default=50.0, help="design ops per second")
    parser.add_argument("--submit-rate", type=float, default=50.0, help="submits per second")
    parser.add_argument("--middleware-calls", type=int, default=20_000)
    parser.add_argument(
        "--api-env", action="append", default=[], metavar="KEY=VALUE",
        help="extra API setting, e.g. DATABASE_POOL_SIZE=40 (repeatable)",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="3 s per phase, 2000 calls")
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
        arguments.middleware_calls = min(arguments.middleware_calls, 2000)
    return arguments


async def drive(arguments: argparse.Namespace, the_stack: stack.Stack) -> dict[str, Any]:
    """The load phases' summaries and the API's CPU time per request in each."""
    async with contextlib.AsyncExitStack() as clients, client.client(the_stack.api_url) as http:
        admin = await client.login(http, stack.ADMIN_EMAIL, the_stack.admin_password)
        catalog = await client.create_catalog(http, admin)
        tokens = await client.create_users(http, admin, USERS)
        per_user = [
            await clients.enter_async_context(client.client(the_stack.api_url)) for _ in tokens
        ]
        design = client.Design(http, catalog)
        await design.seed(tokens[0])
        chain = await client.create_chain(http, admin, catalog, 10, "api")
        ws_url = the_stack.api_url.replace("http://", "ws://")
        target = load.Target(http, ws_url, admin, tokens, per_user, {"10": chain["id"]}, design,
                             the_stack.direct_url)  # fmt: skip
        phases: dict[str, Any] = {}
        cpu: dict[str, float | None] = {}
        logger.info("design operations at %g/s", arguments.design_rate)
        with api_cpu(the_stack, cpu, "design"):
            outcome = await load.run(
                target, {"design": arguments.design_rate}, arguments.duration,
                watching=load.Watching(), drain_timeout_s=0, follow_completion=False,
            )  # fmt: skip
        phases["design"] = outcome.summary(design)["design"]
        logger.info("execution submits at %g/s", arguments.submit_rate)
        with api_cpu(the_stack, cpu, "submit"):
            outcome = await load.run(
                target, {"exec:10": arguments.submit_rate}, arguments.duration,
                watching=load.Watching(), drain_timeout_s=0, follow_completion=False,
            )  # fmt: skip
        phases["submit"] = {"POST /executions": summarize(outcome.submit["10"], outcome.load_s)}
        requests = {"design": phases["design"]["all"]["count"],
                    "submit": phases["submit"]["POST /executions"]["count"]}  # fmt: skip
        per_request = {
            phase: round(seconds * 1000 / requests[phase], 2) if seconds and requests[phase]
            else None
            for phase, seconds in cpu.items()
        }  # fmt: skip
        return {"load": phases, "api_cpu_ms_per_request": per_request}


@contextlib.contextmanager
def api_cpu(the_stack: stack.Stack, into: dict[str, float | None], phase: str) -> Iterator[None]:
    """CPU seconds the API's processes (with ``API_WORKERS``, its workers) spent during the
    block, stored as ``into[phase]``."""
    before = _tree_ticks(the_stack.api.pid)
    try:
        yield
    finally:
        after = _tree_ticks(the_stack.api.pid)
        spent = sum(ticks - before[pid] for pid, ticks in after.items() if pid in before)
        into[phase] = spent / procs.TICKS if after else None


def _tree_ticks(root: int) -> dict[tuple[int, int], int]:
    """CPU ticks of ``root`` and its descendants, by (pid, start time)."""
    processes = procs.snapshot()
    return {
        (pid, processes[pid].started): processes[pid].cpu_ticks
        for pid in procs.descendants(processes, root)
    }


def main(argv: list[str] | None = None) -> int:
    arguments = options(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    stack.raise_on_sigterm()
    before = report.machine()
    api_env = dict(item.split("=", 1) for item in arguments.api_env)
    with stack.running_stack(
        arguments.admin_url, arguments.pgbouncer_url, executor=False, api_env=api_env
    ) as the_stack:
        measured = uvloop.run(drive(arguments, the_stack))
    logger.info("middleware overhead: %d calls", arguments.middleware_calls)
    overhead = middleware.measure(arguments.middleware_calls)
    settings = "".join(f", {key}={value}" for key, value in sorted(api_env.items()))
    result = {
        "kind": "api",
        "machine": {**before, "load_average_after": report.machine()["load_average"]},
        "options": {k: v for k, v in vars(arguments).items() if not k.endswith("_url")},
        "setup": f"API with {api_env.get('API_WORKERS', stack.API_WORKERS)} uvicorn workers"
        f"{settings} through PgBouncer (transaction "
        f"pooling), no executor, {USERS} users round robin; one load generator on the same "
        "machine",
        "rates": {"design": arguments.design_rate, "submit": arguments.submit_rate},
        **measured,
        "middleware_overhead": overhead,
    }
    markdown = render_api(result)
    json_path, md_path = report.write("api", result, markdown)
    sys.stdout.write(markdown)
    sys.stdout.write(f"\nwritten: {json_path} and {md_path.name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
