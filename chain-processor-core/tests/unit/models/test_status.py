from __future__ import annotations

import itertools

import pytest

from chain_processor_core.exceptions import InvalidTransitionError
from chain_processor_core.models.status import (
    FINAL_STATUSES,
    TRANSITIONS,
    ExecutionStatus,
    check_transition,
)

ALLOWED = {
    ("pending", "running"),
    ("pending", "cancelled"),
    ("pending", "failed"),
    ("running", "pending"),
    ("running", "succeeded"),
    ("running", "failed"),
    ("running", "cancelled"),
    ("running", "timed_out"),
}


@pytest.mark.parametrize(
    ("old", "new"), list(itertools.product(ExecutionStatus, ExecutionStatus)), ids=str
)
def test_transition_table(old: ExecutionStatus, new: ExecutionStatus) -> None:
    if (old.value, new.value) in ALLOWED:
        check_transition(old, new)
    else:
        with pytest.raises(InvalidTransitionError, match=f"from {old.value} to {new.value}"):
            check_transition(old, new)


def test_no_way_out_of_a_final_status() -> None:
    assert all(not TRANSITIONS[status] for status in FINAL_STATUSES)
    assert {s for s in ExecutionStatus if s.is_final} == FINAL_STATUSES


def test_a_cancelled_run_cannot_be_recorded_as_succeeded() -> None:
    with pytest.raises(InvalidTransitionError):
        check_transition("cancelled", "succeeded")


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="bogus"):
        check_transition("bogus", "running")
