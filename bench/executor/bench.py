"""``bench/executor``: executor throughput and latency through PgBouncer, and PGQueuer's.

One command (``bash bench/executor/run.sh [--executions N] [--sizes 1,10,30]``):

1. creates a private database ``cp_bench_<hex>`` on the server, migrates it, and seeds one
   chain per size (1, 10, 30 nodes) of builtin nodes;
2. starts the real supervisor (``EXECUTOR_WORKERS=2``) on it through PgBouncer (transaction
   pooling; LISTEN straight to PostgreSQL, as in production) and waits until it is idle;
3. per chain size, inserts N executions in one statement plus ``NOTIFY``, waits until all are
   final, and reads the timings the executor stored: executions/s = N / (last completion -
   first submission); claim→completion = ``completed_at - started_at``; submit→completion =
   ``completed_at - created_at`` (burst submission: this includes the backlog);
4. measures the per-node sandbox overhead (trivial node in a pre-started sandbox minus the
   same call in process, median) and the median ``sandbox_ms`` of the node rows;
5. runs PGQueuer on a trivial job in the same database (``pgqueuer_jobs.py``);
6. prints a markdown table and writes ``bench/results/executor-<timestamp>.{json,md}``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, func, insert, make_url, select, text
from sqlalchemy.orm import Session

from chain_processor_core.lib_chains.builtins import builtin_source
from chain_processor_db import migrations
from chain_processor_db.models import (
    ChainExecution,
    ChainStrategy,
    Node,
    NodeExecution,
    NodeVersion,
    StrategyVersion,
    StrategyVersionNode,
    User,
)
from chain_processor_db.session import create_db_engine
from chain_processor_executor.sandbox import SandboxPool, StepCall

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pgqueuer_jobs

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
BUILTINS = ("uppercase", "lowercase", "titlecase", "trim", "collapse_whitespace")
TARGETS = {"ten_node_executions_per_s": 200, "p95_claim_to_completion_ms": 100,
           "node_overhead_median_ms": 1.0}  # fmt: skip
logger = logging.getLogger("bench.executor")


def url_for(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def create_database(admin: str) -> str:
    name = f"cp_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    migrations.upgrade(url_for(admin, name))
    return name


def drop_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_chain(engine: Engine, nodes: int) -> uuid.UUID:
    """A chain of ``nodes`` builtin nodes; returns its version's id."""
    with Session(engine) as session, session.begin():
        strategy = ChainStrategy(name=f"bench-{nodes}-{uuid.uuid4().hex[:6]}")
        session.add(strategy)
        session.flush()
        version = StrategyVersion(strategy_id=strategy.id, version="1.0.0", snapshot={})
        session.add(version)
        for position in range(nodes):
            code = builtin_source(BUILTINS[position % len(BUILTINS)])
            node = Node(name=f"bench-node-{uuid.uuid4().hex[:8]}", code=code)
            node_version = NodeVersion(
                node=node,
                version="1.0.0",
                code=code,
                content_hash=hashlib.sha256(code.encode()).hexdigest(),
            )
            session.add_all([node, node_version])
            session.flush()
            version.nodes.append(
                StrategyVersionNode(
                    position=position, node_id=node.id, node_version_id=node_version.id, config={}
                )
            )
        session.flush()
        return version.id


def seed_submitter(engine: Engine) -> uuid.UUID:
    """The editor whose executions these are (as when submitted through the API)."""
    with Session(engine) as session, session.begin():
        user = User(email=f"bench-{uuid.uuid4().hex[:8]}@example.com", password_hash="x",
                    roles=["editor"])  # fmt: skip
        session.add(user)
        session.flush()
        return user.id


def submit(engine: Engine, version_id: uuid.UUID, count: int, submitter: uuid.UUID | None) -> None:
    """``count`` executions in one statement, then the wake-up ``NOTIFY``. Without a
    submitter, no two executions share a sandbox process (each gets a fresh fork)."""
    with Session(engine) as session, session.begin():
        strategy_id = session.get_one(StrategyVersion, version_id).strategy_id
        rows = [
            {"strategy_id": strategy_id, "strategy_version_id": version_id,
             "input_text": f"  Hello   bench world {i}  ", "metadata_json": {},
             "created_by_id": submitter}
            for i in range(count)
        ]  # fmt: skip
        session.execute(insert(ChainExecution), rows)
        session.execute(text("NOTIFY chain_executions_pending"))


def wait_until_final(engine: Engine, version_id: uuid.UUID, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    statement = select(func.count()).where(
        ChainExecution.strategy_version_id == version_id,
        ChainExecution.status.in_(("succeeded", "failed", "cancelled", "timed_out")),
    )
    while True:
        with engine.connect() as connection:
            if connection.scalar(statement) == count:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"executions of {version_id} not done in {timeout_s} s")
        time.sleep(0.05)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {f"p{int(q * 100)}": round(percentile(values, q), 2) for q in (0.5, 0.95, 0.99)}


_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, list[int]]]:
    """Every process: its parent, command line, and CPU ticks (own user+system, and of
    its children already reaped)."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = [int(value) for value in fields[11:15]]  # utime stime cutime cstime
        processes[int(entry.name)] = (int(fields[1]), cmdline, ticks)
    return processes


def cpu_ms(supervisor: int, database: str) -> dict[str, float]:
    """CPU time used so far by the executor (supervisor and workers; sandboxes, their
    forks included), this database's PostgreSQL backends, and PgBouncer (shared)."""
    processes = _processes()
    tree, frontier = set(), {supervisor}
    while frontier:
        tree |= frontier
        frontier = {pid for pid, (parent, _, _) in processes.items() if parent in frontier} - tree
    totals = {"executor": 0.0, "sandboxes": 0.0, "postgres": 0.0, "pgbouncer": 0.0}
    for pid, (_parent, cmdline, (utime, stime, cutime, cstime)) in processes.items():
        if pid in tree and "child.py" in cmdline:
            totals["sandboxes"] += (utime + stime + cutime + cstime) * _TICK_MS
        elif pid in tree:
            totals["executor"] += (utime + stime) * _TICK_MS
            totals["sandboxes"] += (cutime + cstime) * _TICK_MS  # replaced sandboxes
        elif cmdline.startswith("postgres: ") and f" {database} " in cmdline:
            totals["postgres"] += (utime + stime) * _TICK_MS
        elif cmdline.startswith("/usr/sbin/pgbouncer") or cmdline.startswith("pgbouncer"):
            totals["pgbouncer"] += (utime + stime) * _TICK_MS
    return totals


def measure_size(
    engine: Engine,
    nodes: int,
    count: int,
    supervisor: int = 0,
    database: str = "",
    submitter: uuid.UUID | None = None,
) -> dict[str, Any]:
    version_id = seed_chain(engine, nodes)
    before = cpu_ms(supervisor, database) if supervisor else {}
    submit(engine, version_id, count, submitter)
    wait_until_final(engine, version_id, count, timeout_s=max(120.0, count * nodes * 0.05))
    after = cpu_ms(supervisor, database) if supervisor else {}
    cpu = {key: round((after[key] - before[key]) / count, 3) for key in after}
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                ChainExecution.status,
                ChainExecution.created_at,
                ChainExecution.started_at,
                ChainExecution.completed_at,
            ).where(ChainExecution.strategy_version_id == version_id)
        ).all()
        sandbox_ms = [
            float(value)
            for value in connection.scalars(
                select(NodeExecution.metadata_json["sandbox_ms"].as_float())
                .join(ChainExecution, ChainExecution.id == NodeExecution.execution_id)
                .where(ChainExecution.strategy_version_id == version_id)
            )
        ]
    first = min(r.created_at for r in rows)
    last = max(r.completed_at for r in rows)
    seconds = (last - first).total_seconds()
    return {
        "nodes": nodes,
        "sandbox": "kept per user and chain" if submitter else "fresh per execution",
        "executions": count,
        "succeeded": sum(r.status == "succeeded" for r in rows),
        "seconds": round(seconds, 3),
        "executions_per_s": round(count / seconds, 1),
        "nodes_per_s": round(count * nodes / seconds, 1),
        "claim_to_completion_ms": summary(
            [(r.completed_at - r.started_at).total_seconds() * 1000 for r in rows]
        ),
        "submit_to_completion_ms": summary(
            [(r.completed_at - r.created_at).total_seconds() * 1000 for r in rows]
        ),
        "node_sandbox_ms_median": round(statistics.median(sandbox_ms), 3),
        "cpu_ms_per_execution": cpu,
    }


def sandbox_overhead_ms(runs: int = 2000) -> dict[str, float]:
    """The sandbox's cost over calling the same trivial node in this process (medians): a
    one-node run and a ten-node run (per node) in a kept process, and what a fresh process
    (a run of another user or chain) adds to a run."""
    code = "def node(input_text):\n    return input_text\n"
    code_hash = hashlib.sha256(code.encode()).hexdigest()
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # the benchmark's own trivial node
    one = [StepCall(code_hash, code, None, 5)]
    ten = one * 10

    def timed(call: Any) -> float:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    with SandboxPool(1) as pool:
        for _ in range(200):
            list(pool.run_chain(ten, "hello world", key="bench"))
        one_run = timed(lambda: list(pool.run_chain(one, "hello world", key="bench")))
        ten_run = timed(lambda: list(pool.run_chain(ten, "hello world", key="bench")))
        fresh_run = timed(lambda: list(pool.run_chain(one, "hello world")))
    in_process = timed(lambda: namespace["node"]("hello world"))
    return {
        "per_node_ms": round(one_run - in_process, 3),
        "per_node_in_ten_node_run_ms": round(ten_run / 10 - in_process, 3),
        "fresh_process_ms": round(fresh_run - one_run, 3),
    }


def start_supervisor(bouncer_url: str, direct_url: str, workdir: Path) -> subprocess.Popen[bytes]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": bouncer_url,
        "DATABASE_PGBOUNCER": "true",
        "DATABASE_LISTEN_URL": direct_url,
        "EXECUTOR_WORKERS": "2",
        "EXECUTOR_METRICS_PORT": "0",
        "EXECUTOR_GENERATED_DIR": str(workdir / "generated"),
        "LOG_LEVEL": "WARNING",
        **{k: v for k, v in os.environ.items() if k.startswith("EXECUTOR_") or k == "PYTHONPATH"},
    }
    command = [sys.executable, "-m", "chain_processor_executor.main"]
    return subprocess.Popen(command, env=environment, cwd=workdir)


def render(result: dict[str, Any]) -> str:
    lines = [
        f"# Executor benchmark {result['timestamp']}",
        "",
        f"{result['machine']}; {result['setup']}",
        "",
        "| chain | sandbox process | executions | exec/s | nodes/s "
        "| claim→done p50/p95/p99 ms | submit→done p50/p95/p99 ms | node sandbox_ms median |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in result["executor"]:
        claim, submit_ = size["claim_to_completion_ms"], size["submit_to_completion_ms"]
        lines.append(
            f"| {size['nodes']} nodes | {size.get('sandbox', '')} "
            f"| {size['executions']} ({size['succeeded']} ok) "
            f"| {size['executions_per_s']} | {size['nodes_per_s']} "
            f"| {claim['p50']} / {claim['p95']} / {claim['p99']} "
            f"| {submit_['p50']} / {submit_['p95']} / {submit_['p99']} "
            f"| {size['node_sandbox_ms_median']} |"
        )
    cores = os.cpu_count() or 1
    lines += [
        "",
        "CPU time per execution (ms), and the executions/s that CPU time allows on "
        f"{cores} cores with nothing else running:",
        "",
        "| chain | sandbox process | executor | sandboxes | PostgreSQL (its backends) "
        "| PgBouncer | total | CPU-bound executions/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in result["executor"]:
        cpu = size.get("cpu_ms_per_execution") or {}
        if not cpu:
            continue
        total = sum(cpu.values())
        bound = f"{cores * 1000 / total:.0f}" if total else "—"
        lines.append(
            f"| {size['nodes']} nodes | {size.get('sandbox', '')} "
            f"| {cpu['executor']} | {cpu['sandboxes']} "
            f"| {cpu['postgres']} | {cpu['pgbouncer']} | {total:.3f} | {bound} |"
        )
    pgq = result["pgqueuer"]
    lines += [
        "",
        f"PGQueuer {result['pgqueuer_version']} (trivial job, {pgq['workers']} processes, "
        f"direct connection): **{pgq['jobs_per_s']:.0f} jobs/s** ({pgq['jobs']} jobs)",
        "",
        "| executor / PGQueuer | ratio |",
        "|---|---|",
    ]
    for size in result["executor"]:
        ratio = size["executions_per_s"] / pgq["jobs_per_s"]
        lines.append(
            f"| {size['nodes']}-node executions/s ({size.get('sandbox', '')}) ÷ jobs/s "
            f"| {ratio:.3f} |"
        )
    overhead = result["sandbox_overhead_ms"]
    lines += [
        "",
        "Sandbox overhead over an in-process call (trivial node, medians): "
        f"**{overhead['per_node_ms']} ms per node** (one-node run), "
        f"{overhead['per_node_in_ten_node_run_ms']} ms per node of a ten-node run; "
        f"a fresh process (another user's or chain's run) adds "
        f"{overhead['fresh_process_ms']} ms per execution.",
        "",
        "Targets: ≥ 200 ten-node executions/s; p95 claim→completion ≤ 100 ms; "
        "per-node overhead ≤ 1 ms median.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/executor/run.sh")
    parser.add_argument("--executions", type=int, default=500, help="per chain size")
    parser.add_argument("--sizes", default="1,10,30")
    parser.add_argument(
        "--fresh-sizes",
        default="10",
        help="sizes also measured with a fresh sandbox process per execution (no submitter)",
    )
    parser.add_argument("--pgqueuer-jobs", type=int, default=5000)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--pgbouncer-url",
        default=os.environ.get(
            "BENCH_PGBOUNCER_URL", "postgresql://postgres@127.0.0.1:6432/postgres"
        ),
    )
    arguments = parser.parse_args(argv)  # fmt: skip
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    name = create_database(arguments.admin_url)
    direct, bouncer = url_for(arguments.admin_url, name), url_for(arguments.pgbouncer_url, name)
    engine = create_db_engine(bouncer, pgbouncer=True, pool_size=2)
    sizes = [int(size) for size in arguments.sizes.split(",")]
    cold_sizes = [int(size) for size in arguments.fresh_sizes.split(",") if size]
    try:
        with tempfile.TemporaryDirectory(prefix="cp-bench-") as workdir:
            supervisor = start_supervisor(bouncer, direct, Path(workdir))
            try:
                logger.info("warming up")
                measure_size(engine, 1, 50)
                executor = []
                submitter = seed_submitter(engine)
                runs = [(n, submitter) for n in sizes] + [(n, None) for n in cold_sizes]
                for nodes, by in runs:
                    logger.info("%d-node chains: %d executions", nodes, arguments.executions)
                    executor.append(
                        measure_size(engine, nodes, arguments.executions, supervisor.pid, name, by)
                    )
            finally:
                supervisor.send_signal(signal.SIGTERM)
                supervisor.wait(60)
        logger.info("PGQueuer: %d jobs", arguments.pgqueuer_jobs)
        pgq = pgqueuer_jobs.measure(direct, arguments.pgqueuer_jobs)
        logger.info("sandbox overhead")
        overhead = sandbox_overhead_ms()
    finally:
        engine.dispose()
        drop_database(arguments.admin_url, name)
    from importlib.metadata import version

    timestamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {
        "timestamp": timestamp,
        "machine": f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        "setup": "executor: supervisor with EXECUTOR_WORKERS=2 (default concurrency, prefetch, "
        "batch) through PgBouncer (transaction pooling), burst submission",
        "executor": executor,
        "pgqueuer": pgq,
        "pgqueuer_version": version("pgqueuer"),
        "sandbox_overhead_ms": overhead,
        "targets": TARGETS,
    }
    report = render(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"executor-{timestamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"executor-{timestamp}.md").write_text(report)
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
