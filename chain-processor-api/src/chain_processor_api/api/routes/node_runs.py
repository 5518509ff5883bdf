"""Test-run a node on sample input (FR-2), synchronously, through the executor's sandbox.

Editors only (it runs code). The node (or unsaved editor code) runs with the executor's
limits in a sandbox process of the API's small pool, never in the API process; a failure of
the node is a 200 with ``ok: false``, a reason code and a sanitized error.
"""

from __future__ import annotations

import uuid

from fastapi import Request

from chain_processor_api.api.deps import EditorUser, ResourceRouter, SessionDep
from chain_processor_api.schemas.node_runs import (
    CodeTestRunRequest,
    NodeTestRunRequest,
    NodeTestRunResult,
)
from chain_processor_api.services.sandbox import SandboxRunner, TestRun
from chain_processor_db.repositories import nodes as nodes_repo

router = ResourceRouter(prefix="/nodes", tags=["nodes"])


@router.post("/test-run", response_model=NodeTestRunResult)
def test_run_code(
    run_in: CodeTestRunRequest, request: Request, _user: EditorUser
) -> NodeTestRunResult:
    """Run code from the editor that is not saved yet."""
    return _result(_runner(request).run(run_in.code, run_in.input_text, run_in.config))


@router.post("/{node_id:uuid}/test-run", response_model=NodeTestRunResult)
def test_run_node(
    node_id: uuid.UUID,
    run_in: NodeTestRunRequest,
    request: Request,
    _user: EditorUser,
    session: SessionDep,
) -> NodeTestRunResult:
    """Run a saved node: its current code, or the code of ``version``."""
    node = nodes_repo.get_node(session=session, node_id=node_id)
    code = node.code
    if run_in.version is not None:
        version = nodes_repo.get_node_version(
            session=session, node_id=node.id, version=run_in.version
        )
        code = version.code
    session.rollback()  # hand the connection back before a run that may take seconds
    return _result(_runner(request).run(code, run_in.input_text, run_in.config))


def _runner(request: Request) -> SandboxRunner:
    runner: SandboxRunner = request.app.state.sandbox_runner
    return runner


def _result(run: TestRun) -> NodeTestRunResult:
    return NodeTestRunResult(
        ok=run.reason is None,
        output=run.output,
        error=run.error,
        reason=run.reason,
        time_ms=run.time_ms,
    )
