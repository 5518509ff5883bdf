"""Executor stopped entirely: the API keeps answering, executions queue as ``pending``, and
they all complete once the executor is back."""

from __future__ import annotations

import pytest
from client import ApiClient
from conftest import MakeStack
from results import Results
from stack import wait_until

pytestmark = [pytest.mark.fault, pytest.mark.quick]

UPPER = "def node(text):\n    return text.upper()\n"
QUEUED = 20


def test_executions_queue_while_the_executor_is_down_and_complete_when_it_returns(
    make_stack: MakeStack, results: Results
) -> None:
    stack = make_stack(executor=False)
    api = ApiClient(stack.base_url)
    admin = api.admin()
    editor = api.create_account(admin, "editor")
    chain = api.create_chain(editor, [api.create_node(editor, UPPER)])

    submitted = [api.submit(editor, chain, f"queued {i}") for i in range(QUEUED)]
    statuses = {r.status_code for r in submitted}
    ids = [r.json()["id"] for r in submitted]
    health = api.http.get("/health/detailed").json()
    pending = [api.execution(editor, i)["status"] for i in ids]
    listing = api.http.get("/api/v1/executions", headers=editor.headers)
    results.record(
        "executor down",
        "submissions while the executor is down",
        "201, status pending, list 200",
        f"{sorted(statuses)}, {sorted(set(pending))}, list {listing.status_code}",
        statuses == {201} and set(pending) == {"pending"} and listing.status_code == 200,
        health=health.get("status"),
    )
    assert statuses == {201} and set(pending) == {"pending"}, (statuses, pending)
    assert listing.status_code == 200

    stack.start_executor()
    finals = [api.wait_final(editor, i, timeout_s=60) for i in ids]
    succeeded = [f for f in finals if f["status"] == "succeeded"]
    right = [f for f in succeeded if f["output_text"] == f["input_text"].upper()]
    results.record(
        "executor down",
        "queued executions after the executor returns",
        f"{QUEUED}/{QUEUED} succeeded with the right output",
        f"{len(right)}/{QUEUED}",
        len(right) == QUEUED,
    )
    assert len(right) == QUEUED, [f["status"] for f in finals]
    assert wait_until(lambda: api.http.get("/health").status_code == 200, timeout_s=5)
    api.close()
