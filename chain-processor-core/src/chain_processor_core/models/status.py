"""Execution statuses and the one table of allowed status changes.

::

    pending ──► running ──► succeeded | failed | cancelled | timed_out
       │  ▲        │
       │  └────────┘  (lease expired: handed back to the queue)
       └──► cancelled | failed

A final status never changes again, so a cancelled run cannot be overwritten as succeeded.
"""

from __future__ import annotations

from enum import StrEnum

from chain_processor_core.exceptions.errors import InvalidTransitionError


class ExecutionStatus(StrEnum):
    """Where a chain execution stands."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


class NodeExecutionStatus(StrEnum):
    """Where one node of a chain execution stands."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    SKIPPED = "skipped"


FINAL_STATUSES = frozenset(
    {
        ExecutionStatus.SUCCEEDED,
        ExecutionStatus.FAILED,
        ExecutionStatus.CANCELLED,
        ExecutionStatus.TIMED_OUT,
    }
)

TRANSITIONS: dict[ExecutionStatus, frozenset[ExecutionStatus]] = {
    ExecutionStatus.PENDING: frozenset(
        {ExecutionStatus.RUNNING, ExecutionStatus.CANCELLED, ExecutionStatus.FAILED}
    ),
    ExecutionStatus.RUNNING: frozenset(
        {
            ExecutionStatus.PENDING,
            ExecutionStatus.SUCCEEDED,
            ExecutionStatus.FAILED,
            ExecutionStatus.CANCELLED,
            ExecutionStatus.TIMED_OUT,
        }
    ),
    **{status: frozenset() for status in FINAL_STATUSES},
}


def check_transition(current: ExecutionStatus | str, new: ExecutionStatus | str) -> None:
    """Raise :class:`InvalidTransitionError` unless ``current → new`` is in the table."""
    old_status, new_status = ExecutionStatus(current), ExecutionStatus(new)
    if new_status not in TRANSITIONS[old_status]:
        raise InvalidTransitionError(
            f"An execution cannot go from {old_status.value} to {new_status.value}"
        )
