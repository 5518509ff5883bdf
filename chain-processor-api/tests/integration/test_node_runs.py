"""Test-runs go through real sandbox processes (the executor's), never the API process."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chain_processor_api.main import sandbox_runner
from chain_processor_api.services.sandbox import SandboxRunner
from chain_processor_core.exceptions.errors import ServiceUnavailableError
from chain_processor_core.models import NodeUpdate
from chain_processor_db.repositories.nodes import update_node
from tests.conftest import Database, make_settings
from tests.factories import make_node

RUN_CODE = "/api/v1/nodes/test-run"
LOOP = "def node(input_text):\n    while True:\n        pass\n"
RAISES = "def node(input_text):\n    raise ValueError('bad input in /srv/app/secret.py')\n"
CONFIGURED = "def node(input_text, config):\n    return input_text * config['times']\n"
PID = "import os\n\ndef node(input_text):\n    return str(os.getpid())\n"


@pytest.fixture(scope="module")
def runner(app: FastAPI, database: Database) -> Iterator[SandboxRunner]:
    """Two sandboxes with a short time limit for this module, closed at its end."""
    previous = app.state.sandbox_runner
    settings = make_settings(database, test_run_timeout_s=1.0, test_run_max_timeout_s=2.0)
    app.state.sandbox_runner = sandbox_runner(settings)
    try:
        yield app.state.sandbox_runner
    finally:
        app.state.sandbox_runner.close()
        app.state.sandbox_runner = previous


def run_code(client: TestClient, headers: dict[str, str], code: str, **fields: Any) -> Any:
    body = {"code": code, "input_text": "ab", **fields}
    response = client.post(RUN_CODE, headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.usefixtures("runner")
class TestCode:
    def test_output_and_time(self, client: TestClient, as_editor: dict[str, str]) -> None:
        result = run_code(client, as_editor, CONFIGURED, config={"times": 3})
        assert (result["ok"], result["output"], result["error"], result["reason"]) == (
            True,
            "ababab",
            None,
            None,
        )
        assert result["time_ms"] >= 0

    def test_never_in_the_api_process(self, client: TestClient, as_editor: dict[str, str]) -> None:
        assert run_code(client, as_editor, PID)["output"] != str(os.getpid())

    def test_an_infinite_loop_times_out_and_the_api_keeps_serving(
        self, client: TestClient, as_editor: dict[str, str]
    ) -> None:
        result = run_code(client, as_editor, LOOP)
        assert (result["ok"], result["reason"], result["output"]) == (False, "timeout", None)
        assert 900 <= result["time_ms"] < 5000
        assert client.get("/health").status_code == 200
        assert run_code(client, as_editor, CONFIGURED, config={"times": 1})["output"] == "ab"

    def test_the_time_limit_follows_the_config_up_to_the_cap(
        self, client: TestClient, as_editor: dict[str, str]
    ) -> None:
        result = run_code(client, as_editor, LOOP, config={"_timeout_s": 60})
        assert result["reason"] == "timeout"
        assert result["time_ms"] < 4000  # capped at 2 s in this module

    def test_an_exception_is_a_sanitized_error(
        self, client: TestClient, as_editor: dict[str, str]
    ) -> None:
        result = run_code(client, as_editor, RAISES)
        assert (result["ok"], result["reason"]) == (False, "node_error")
        assert "bad input" in result["error"]
        assert "/srv/app" not in result["error"]
        assert "Traceback" not in result["error"]

    def test_code_that_is_not_a_node_is_a_load_error_without_running(
        self, client: TestClient, as_editor: dict[str, str]
    ) -> None:
        result = run_code(client, as_editor, "x = 1\n")
        assert (result["ok"], result["reason"], result["time_ms"]) == (False, "load_error", 0.0)

    def test_bad_bodies_and_roles(
        self, client: TestClient, as_editor: dict[str, str], as_viewer: dict[str, str]
    ) -> None:
        body = {"code": CONFIGURED, "input_text": "a\x00"}
        assert client.post(RUN_CODE, headers=as_editor, json=body).status_code == 422
        body = {"code": CONFIGURED, "input_text": "a"}
        assert client.post(RUN_CODE, headers=as_viewer, json=body).status_code == 403


@pytest.mark.usefixtures("runner")
def test_a_saved_node_and_one_of_its_versions(
    client: TestClient, session: Session, as_editor: dict[str, str]
) -> None:
    node = make_node(session)  # upper-cases
    update_node(
        session=session,
        node=node,
        node_in=NodeUpdate(expected_version=node.version, code=CONFIGURED.replace("3", "2")),
        updated_by_id=None,
    )
    session.commit()
    url = f"/api/v1/nodes/{node.id}/test-run"

    current = client.post(url, headers=as_editor, json={"input_text": "ab", "config": {"times": 2}})
    first = client.post(url, headers=as_editor, json={"input_text": "ab", "version": "1.0.0"})
    missing = client.post(url, headers=as_editor, json={"input_text": "ab", "version": "7.0.0"})
    unknown = client.post(
        f"/api/v1/nodes/{uuid.uuid4()}/test-run", headers=as_editor, json={"input_text": "ab"}
    )

    assert current.json()["output"] == "abab"
    assert first.json()["output"] == "AB"
    assert (missing.status_code, unknown.status_code) == (404, 404)


def test_busy_sandboxes_are_a_503_with_retry_after(
    client: TestClient, runner: SandboxRunner, as_editor: dict[str, str]
) -> None:
    taken = [runner._slots.acquire(blocking=False) for _ in range(runner.size)]
    try:
        body = {"code": CONFIGURED, "input_text": "a", "config": {"times": 1}}
        refused = client.post(RUN_CODE, headers=as_editor, json=body)
    finally:
        for _ in taken:
            runner._slots.release()
    assert all(taken)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert refused.json()["code"] == "unavailable"
    assert run_code(client, as_editor, CONFIGURED, config={"times": 1})["output"] == "ab"


def test_runs_beyond_the_cap_are_refused_while_others_run(database: Database) -> None:
    runner = sandbox_runner(make_settings(database, test_run_sandboxes=1, test_run_timeout_s=1))
    looping = threading.Thread(target=runner.run, args=(LOOP, "a", {}))
    try:
        looping.start()
        while runner._slots._value:  # the loop has its slot
            threading.Event().wait(0.005)
        with pytest.raises(ServiceUnavailableError, match="busy"):
            runner.run(CONFIGURED, "a", {"times": 1})
        looping.join()
    finally:
        runner.close()


def test_a_closed_runner_refuses(database: Database) -> None:
    runner = sandbox_runner(make_settings(database))
    runner.close()
    with pytest.raises(ServiceUnavailableError, match="shutting down"):
        runner.run(CONFIGURED, "a", {"times": 1})
