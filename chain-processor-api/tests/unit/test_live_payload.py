"""Which execution a NOTIFY names: the API's payload is its id, the executor's is JSON."""

from __future__ import annotations

import json
import uuid

import pytest

from chain_processor_api.services.live import parse_payload

ID = uuid.UUID("6f1c2a8e-93d4-4c57-9a0b-2f5e8d7c1b34")


@pytest.mark.parametrize(
    "payload",
    [
        str(ID),
        f"  {ID}\n",
        json.dumps({"execution_id": str(ID), "position": 3, "status": "succeeded"}),
        f' {{"execution_id": "{ID}"}} ',
        json.dumps({"execution_id": str(ID), "nodes": [1, 2], "status": None}),  # the executor's
        json.dumps({"status": "running", "execution_id": str(ID)}),
        f'{{"execution_id" : "{ID}", "nodes" : [1, 3], "status" : null}}',  # json_build_object
    ],
)
def test_the_execution_named_by_a_payload(payload: str) -> None:
    assert parse_payload(payload) == ID


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not an id",
        "{",
        "{}",
        '{"execution_id": "nope"}',
        '{"execution_id": null}',
        "[1]",
        f'{{"execution_id": "{ID}x"}}',  # an id's length of hex, then more
        f'{{"execution_id": "{str(ID)[:-1]}"}}',
    ],
)
def test_an_unreadable_payload_names_none(payload: str) -> None:
    assert parse_payload(payload) is None  # then every watcher is woken
