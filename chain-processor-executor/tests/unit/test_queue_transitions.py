"""Every status change the queue statements make is allowed by core's transition table."""

from __future__ import annotations

import pytest

from chain_processor_core.models.status import FINAL_STATUSES, check_transition
from chain_processor_executor.queue import STATEMENT_TRANSITIONS


@pytest.mark.parametrize(
    ("statement", "change"),
    [(name, change) for name, changes in STATEMENT_TRANSITIONS.items() for change in changes],
)
def test_statement_transition_is_in_the_table(statement: str, change: tuple[str, str]) -> None:
    check_transition(*change)


def test_no_statement_leaves_a_final_status() -> None:
    sources = {old for changes in STATEMENT_TRANSITIONS.values() for old, _new in changes}
    assert not sources & FINAL_STATUSES
