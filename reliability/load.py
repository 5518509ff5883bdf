"""Load and bookkeeping shared by the fault tests: submit many executions from a few threads,
then audit the database for lost, stuck and duplicated work."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
from client import API, Account
from stack import Stack

# Two nodes that take a little time, so kills land while work is in flight.
APPEND_A = "import time\n\ndef node(text):\n    time.sleep(0.03)\n    return text + '|a'\n"
APPEND_B = "import time\n\ndef node(text):\n    time.sleep(0.03)\n    return text + '|b'\n"
CHAIN_STEPS = 2


@dataclass
class Submissions:
    """What the clients were told: the id of each 201, and every other answer."""

    ids: list[str] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    bodies: list[dict[str, Any]] = field(default_factory=list)


def submit_many(
    stack: Stack, account: Account, chain_id: str, count: int, *, threads: int = 8, label: str = ""
) -> Submissions:
    """Submit ``count`` executions; every answer is recorded, none retried."""
    found = Submissions()

    def one(index: int) -> tuple[int | str, dict[str, Any] | None]:
        with httpx.Client(base_url=stack.base_url, timeout=30) as http:
            try:
                response = http.post(
                    f"{API}/executions",
                    json={"strategy_id": chain_id, "input_text": f"{label}{index}"},
                    headers=account.headers,
                )
            except httpx.HTTPError as error:
                return type(error).__name__, None
            try:
                body = response.json()
            except ValueError:
                body = {"raw": response.text[:500]}
            return response.status_code, body

    with ThreadPoolExecutor(threads) as pool:
        for status, body in pool.map(one, range(count)):
            if status == 201 and body is not None:
                found.ids.append(body["id"])
            else:
                found.refused[str(status)] += 1
                if body is not None:
                    found.bodies.append(body)
    return found


@dataclass
class Audit:
    submitted: int
    in_database: int
    by_status: dict[str, int]
    failed_by_reason: dict[str, int]
    lost: int
    stuck: int
    duplicated: int
    wrong_output: int
    attempts: dict[int, int]
    unknown_rows: int

    @property
    def clean(self) -> bool:
        return (
            self.lost == 0
            and self.stuck == 0
            and self.duplicated == 0
            and self.wrong_output == 0
            and self.unknown_rows == 0
        )

    def figures(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted,
            "in_database": self.in_database,
            "succeeded": self.by_status.get("succeeded", 0),
            "failed_by_reason": self.failed_by_reason,
            "lost": self.lost,
            "stuck": self.stuck,
            "duplicated": self.duplicated,
            "wrong_output": self.wrong_output,
            "attempts": {str(k): v for k, v in sorted(self.attempts.items())},
            "unknown_rows": self.unknown_rows,
        }


def final_count(stack: Stack, ids: list[str]) -> int:
    rows = stack.query(
        "SELECT count(*) FROM chain_executions WHERE status IN ('succeeded','failed','cancelled')"
    )
    return int(str(rows[0][0]))


def wait_all_final(stack: Stack, ids: list[str], timeout_s: float) -> float:
    """Seconds until every execution of the database is final (or ``timeout_s``)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        try:
            if final_count(stack, ids) >= len(ids):
                break
        except Exception:  # the database may be restarting
            pass
        time.sleep(0.5)
    return time.monotonic() - start


def audit(stack: Stack, submitted: list[str], expected_suffix: str = "|a|b") -> Audit:
    """Every submitted execution is in the database exactly once and ended exactly once: a
    final status, one node row per position, the right output; nothing else was written."""
    rows = stack.query(
        "SELECT e.id, e.status, e.error_code, e.attempts, e.input_text, e.output_text, "
        "e.completed_at IS NOT NULL, "
        "(SELECT count(*) FROM node_executions n WHERE n.execution_id = e.id), "
        "(SELECT count(DISTINCT n.position) FROM node_executions n WHERE n.execution_id = e.id) "
        "FROM chain_executions e"
    )
    # PostgreSQL hands back a UUID, SQLite 32 hex digits: compare them as the API spells them.
    by_id = {str(uuid.UUID(str(row[0]))): row for row in rows}
    wanted = set(submitted)
    by_status: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    attempts: Counter[int] = Counter()
    lost = stuck = duplicated = wrong = 0
    for execution_id in wanted:
        row = by_id.get(execution_id)
        if row is None:
            lost += 1
            continue
        _, status, code, tries, text, output, completed, node_rows, positions = row
        by_status[str(status)] += 1
        attempts[int(str(tries))] += 1
        if status not in ("succeeded", "failed", "cancelled") or not completed:
            stuck += 1
            continue
        if node_rows != positions:
            duplicated += 1
        if status == "succeeded":
            if node_rows != CHAIN_STEPS:
                duplicated += 1
            if output != f"{text}{expected_suffix}":
                wrong += 1
        else:
            reasons[str(code)] += 1
    return Audit(
        submitted=len(wanted),
        in_database=len(by_id),
        by_status=dict(by_status),
        failed_by_reason=dict(reasons),
        lost=lost,
        stuck=stuck,
        duplicated=duplicated,
        wrong_output=wrong,
        attempts=dict(attempts),
        unknown_rows=len(set(by_id) - wanted),
    )
