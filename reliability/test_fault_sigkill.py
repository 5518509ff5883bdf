"""Executions in flight while executor worker processes are SIGKILLed at random moments (the
supervisor restarts them): every execution ends exactly once in a final state."""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time

import pytest
from client import ApiClient
from conftest import MakeStack
from load import APPEND_A, APPEND_B, Submissions, audit, submit_many, wait_all_final
from results import Results

logger = logging.getLogger(__name__)

SEED = int(os.environ.get("CP_RELIABILITY_SEED", "8"))


@pytest.mark.parametrize(
    ("count", "kills", "window_s"),
    [
        pytest.param(200, 3, 4.0, id="200-executions-3-kills", marks=pytest.mark.quick),
        pytest.param(2000, 10, 25.0, id="2000-executions-10-kills", marks=pytest.mark.fault),
    ],
)
def test_sigkilled_workers_lose_and_duplicate_nothing(
    make_stack: MakeStack, results: Results, count: int, kills: int, window_s: float
) -> None:
    stack = make_stack()
    api = ApiClient(stack.base_url)
    editor = api.create_account(api.admin(), "editor")
    chain = api.create_chain(
        editor, [api.create_node(editor, APPEND_A), api.create_node(editor, APPEND_B)]
    )

    submitted = Submissions()

    def submit() -> None:
        nonlocal submitted
        submitted = submit_many(stack, editor, chain, count, label="kill-")

    submitter = threading.Thread(target=submit)
    started = time.monotonic()
    submitter.start()

    chance = random.Random(SEED)
    moments = sorted(chance.uniform(0.5, window_s) for _ in range(kills))
    killed: list[tuple[float, int]] = []
    for moment in moments:
        time.sleep(max(0.0, moment - (time.monotonic() - started)))
        deadline = time.monotonic() + 15  # a restarted worker may be in its back-off
        while not (workers := stack.executor_workers()) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not workers:
            break
        victim = chance.choice(workers)
        os.kill(victim, signal.SIGKILL)
        killed.append((round(time.monotonic() - started, 2), victim))
        logger.info("SIGKILL worker %s at %.2f s", victim, killed[-1][0])
    submitter.join(timeout=300)
    drained_s = wait_all_final(stack, submitted.ids, timeout_s=240)
    outcome = audit(stack, submitted.ids)
    supervisor_alive = stack.executor is not None and stack.executor.alive()
    workers_after = len(stack.executor_workers())

    figures = {
        **outcome.figures(),
        "refused_submissions": dict(submitted.refused),
        "kills": len(killed),
        "kill_moments_s": [k[0] for k in killed],
        "seconds_until_all_final": round(time.monotonic() - started, 1),
        "drain_wait_s": round(drained_s, 1),
        "workers_after": workers_after,
    }
    observed = (
        f"submitted {outcome.submitted}, succeeded {outcome.by_status.get('succeeded', 0)}, "
        f"failed {outcome.failed_by_reason or 0}, lost {outcome.lost}, stuck {outcome.stuck}, "
        f"duplicated {outcome.duplicated}, wrong output {outcome.wrong_output}, "
        f"{len(killed)} kills, all final after {figures['seconds_until_all_final']} s"
    )
    ok = (
        outcome.clean
        and outcome.submitted == count
        and len(killed) == kills
        and supervisor_alive
        and workers_after >= 1
    )
    results.record(
        "fault: SIGKILL",
        f"{count} executions, {kills} worker SIGKILLs",
        "every execution final exactly once; lost 0, stuck 0, duplicated 0",
        observed,
        ok,
        **figures,
    )
    api.close()
    assert ok, figures
