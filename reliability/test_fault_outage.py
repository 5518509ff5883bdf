"""PostgreSQL restarted, and PgBouncer restarted, mid-load: the API answers a clear 503 while
the database is away, never a 500; both services recover by themselves; nothing is
half-written (each execution acknowledged is in the database and completes; anything in the
database was acknowledged)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from client import API, Account, ApiClient
from conftest import MakeStack
from load import APPEND_A, APPEND_B, audit, wait_all_final
from results import Results
from sanitizer_checks import leaks
from stack import QUERY_WAIT_TIMEOUT_S, Stack

pytestmark = pytest.mark.fault

LOAD_S = 30.0
OUTAGE_AT_S = 3.0
OUTAGE_S = 4.0


@dataclass
class Answer:
    at: float
    status: int | str
    body: dict[str, Any] = field(default_factory=dict)
    retry_after: str | None = None


def steady_load(
    stack: Stack, account: Account, chain: str, stop: threading.Event, answers: list[Answer]
) -> None:
    """Submit one execution at a time until ``stop`` (bounded by LOAD_S * 3 and 2,000)."""
    started = time.monotonic()
    with httpx.Client(base_url=stack.base_url, timeout=15) as http:
        for index in range(2000):
            if stop.is_set() or time.monotonic() - started > LOAD_S * 3:
                return
            at = time.monotonic() - started
            try:
                response = http.post(
                    f"{API}/executions",
                    json={"strategy_id": chain, "input_text": f"outage-{index}"},
                    headers=account.headers,
                )
            except httpx.HTTPError as error:
                answers.append(Answer(at, type(error).__name__))
                time.sleep(0.05)
                continue
            try:
                body = response.json()
            except ValueError:
                body = {"raw": response.text[:300]}
            answers.append(
                Answer(at, response.status_code, body, response.headers.get("retry-after"))
            )
            time.sleep(0.02)


def run_outage(
    stack: Stack,
    results: Results,
    case: str,
    take_down: Callable[[], None],
    bring_up: Callable[[], None],
) -> None:
    api = ApiClient(stack.base_url)
    editor = api.create_account(api.admin(), "editor")
    chain = api.create_chain(
        editor, [api.create_node(editor, APPEND_A), api.create_node(editor, APPEND_B)]
    )
    answers: list[Answer] = []
    stop = threading.Event()
    loader = threading.Thread(target=steady_load, args=(stack, editor, chain, stop, answers))
    started = time.monotonic()
    loader.start()
    time.sleep(OUTAGE_AT_S)
    down_at = time.monotonic() - started
    take_down()
    time.sleep(OUTAGE_S)
    bring_up()
    up_at = time.monotonic() - started
    time.sleep(max(0.0, LOAD_S - (time.monotonic() - started)))
    stop.set()
    loader.join(timeout=60)

    statuses = Counter(str(a.status) for a in answers)
    after_outage = [a for a in answers if a.at > up_at]
    first_ok_after = next((a.at for a in after_outage if a.status == 201), None)
    recovered_s = None if first_ok_after is None else round(first_ok_after - up_at, 2)
    unavailable = [a for a in answers if a.status == 503]
    clear_503 = all(a.body.get("code") == "unavailable" and a.retry_after for a in unavailable)
    leaked = [
        a.body for a in answers if isinstance(a.status, int) and a.status >= 400 and leaks(a.body)
    ]
    ids = [a.body["id"] for a in answers if a.status == 201]
    drained_s = wait_all_final(stack, ids, timeout_s=120)
    outcome = audit(stack, ids)
    figures = {
        **outcome.figures(),
        "answers": dict(statuses),
        "outage_s": [round(down_at, 1), round(up_at, 1)],
        "api_recovered_after_s": recovered_s,
        "executor_drained_s": round(drained_s, 1),
        "first_5xx_body": next((a.body for a in answers if str(a.status).startswith("5")), None),
    }
    no_500 = not any(a.status == 500 for a in answers)
    ok = (
        no_500
        and bool(unavailable)
        and clear_503
        and not leaked
        and recovered_s is not None
        and outcome.clean
    )
    observed = (
        f"answers {dict(statuses)}; API back {recovered_s} s after; "
        f"{outcome.by_status.get('succeeded', 0)}/{outcome.submitted} acknowledged succeeded, "
        f"lost {outcome.lost}, stuck {outcome.stuck}, duplicated {outcome.duplicated}, "
        f"unacknowledged rows {outcome.unknown_rows}"
    )
    results.record(
        "fault: outage",
        case,
        "503 + Retry-After during the outage (no 500), recovers alone, none lost/half-written",
        observed,
        ok,
        **figures,
    )
    api.close()
    assert no_500, f"500 answers during the outage: {figures['first_5xx_body']}"
    assert unavailable and clear_503, figures
    assert not leaked, leaked[:3]
    assert recovered_s is not None, figures
    assert outcome.clean, figures


def test_postgres_restart_mid_load(make_stack: MakeStack, results: Results) -> None:
    stack = make_stack()
    assert stack.postgres is not None
    postgres = stack.postgres
    run_outage(
        stack,
        results,
        "PostgreSQL stopped 4 s mid-load (through PgBouncer, "
        f"query_wait_timeout={QUERY_WAIT_TIMEOUT_S})",
        postgres.stop,
        postgres.start,
    )


def test_postgres_restart_mid_load_without_pgbouncer(
    make_stack: MakeStack, results: Results
) -> None:
    stack = make_stack(direct=True)
    assert stack.postgres is not None
    postgres = stack.postgres
    run_outage(
        stack, results, "PostgreSQL stopped 4 s mid-load (direct)", postgres.stop, postgres.start
    )


def test_pgbouncer_restart_mid_load(make_stack: MakeStack, results: Results) -> None:
    stack = make_stack()
    assert stack.bouncer is not None
    bouncer = stack.bouncer
    run_outage(stack, results, "PgBouncer stopped 4 s mid-load", bouncer.stop, bouncer.start)
