"""The progress notification's payload, as the webhook path builds it in Python."""

from __future__ import annotations

import json
import uuid

from chain_processor_executor.recording import progress_payload

ID = uuid.UUID("0b7f4c1e-5d2a-4e8b-9c3f-6a1d2e3f4b5c")


def test_a_write_of_node_rows_names_the_first_and_last_position() -> None:
    assert json.loads(progress_payload(ID, [4, 2, 3])) == {
        "execution_id": str(ID),
        "nodes": [2, 4],
        "status": None,
    }


def test_an_end_without_node_rows_names_only_the_status() -> None:
    assert json.loads(progress_payload(ID, [], "cancelled")) == {
        "execution_id": str(ID),
        "nodes": None,
        "status": "cancelled",
    }
