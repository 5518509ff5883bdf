"""The provider states the consumers' contracts name, seeded through the real query
functions and services, each committed (the API under test reads them over its own
connections).

Each state answers the values the consumer's ``fromProviderState`` expressions use: ids of
what it seeded, and for ``"an editor is signed in"`` the access token of a real sign-in
session (so no contract carries a token). Rows get fresh names, so states can be set up any
number of times in one database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.datastructures import State

from chain_processor_api.api.audit import Audit
from chain_processor_api.core.config import Settings
from chain_processor_api.services import auth
from chain_processor_api.services import executions as executions_service
from chain_processor_core.models import (
    CanvasPosition,
    ExecutionCreate,
    NodeCreate,
    Role,
    StrategyCreate,
    StrategyNodeIn,
    UserCreate,
)
from chain_processor_core.models.status import ExecutionStatus, NodeExecutionStatus
from chain_processor_db.models import ChainExecution, ChainStrategy, Node, StrategyVersion, User
from chain_processor_db.repositories.executions import transition_execution
from chain_processor_db.repositories.nodes import create_node, get_current_node_version
from chain_processor_db.repositories.strategies import create_strategy
from chain_processor_db.repositories.users import create_user, get_user_by_email
from chain_processor_db.session import create_session_factory
from chain_processor_executor.recording import NodeRecord, upsert_node_execution

EDITOR_EMAIL = "pact-signed-in-editor@example.com"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
SHOUT_CODE = "def node(input_text: str) -> str:\n    return input_text.upper()\n"

Values = dict[str, Any]
Setup = Callable[[Session, Settings, Values], Values]


def user(session: Session, *, email: str, password: str | None = None, role: str) -> User:
    """The user ``email``, created with ``role`` (and ``password``) when missing."""
    found = get_user_by_email(session=session, email=email)
    if found is not None:
        return found
    user_in = UserCreate(
        email=email,
        password=password or uuid.uuid4().hex,
        full_name="Pact",
        roles=[Role(role)],
    )
    return create_user(session=session, user_in=user_in)


def editor(session: Session) -> User:
    return user(session, email=EDITOR_EMAIL, role="editor")


def a_user_can_sign_in(session: Session, _settings: Settings, params: Values) -> Values:
    user(session, email=params["email"], password=params["password"], role=params["role"])
    return {}


def an_editor_is_signed_in(session: Session, settings: Settings, _params: Values) -> Values:
    token = auth.start_session(
        session, settings, user=editor(session), client_address="127.0.0.1", user_agent="pact"
    )
    return {"accessToken": token.access_token}


def _node(session: Session) -> Node:
    node_in = NodeCreate(
        name=f"shout-{uuid.uuid4().hex[:8]}",
        description="Shouts the text.",
        code=SHOUT_CODE,
        tags=["text"],
    )
    return create_node(session=session, node_in=node_in, created_by_id=editor(session).id)


def a_node_exists(session: Session, _settings: Settings, _params: Values) -> Values:
    return {"nodeId": str(_node(session).id)}


def _chain(session: Session) -> tuple[ChainStrategy, Values]:
    """A chain of two steps placed on the canvas: a user node, then the builtin truncate."""
    first = _node(session)
    second = session.scalars(select(Node).where(Node.is_builtin, Node.name == "truncate")).one()
    strategy_in = StrategyCreate(
        name=f"shout it {uuid.uuid4().hex[:8]}",
        tags=["demo"],
        nodes=[
            StrategyNodeIn(node_id=first.id, ui=CanvasPosition(x=0, y=0)),
            StrategyNodeIn(
                node_id=second.id, config={"max_chars": 20}, ui=CanvasPosition(x=240, y=40)
            ),
        ],
    )
    chain = create_strategy(
        session=session, strategy_in=strategy_in, created_by_id=editor(session).id
    )
    versions = [get_current_node_version(session=session, node=node).id for node in (first, second)]
    return chain, {
        "chainId": str(chain.id),
        "nodeId": str(first.id),
        "nodeVersionId": str(versions[0]),
        "otherNodeId": str(second.id),
        "otherNodeVersionId": str(versions[1]),
    }


def a_chain_exists(session: Session, _settings: Settings, _params: Values) -> Values:
    return _chain(session)[1]


def _submitted(session: Session, *, priority: int = 0) -> ChainExecution:
    """A run of a new chain, submitted by the editor as the route does: with the request's
    id and W3C trace parent."""
    chain, _ids = _chain(session)
    request_id = uuid.uuid4().hex
    submitter = editor(session)
    submitted = executions_service.submit(
        session,
        ExecutionCreate(strategy_id=chain.id, input_text="hello", priority=priority),
        user_id=submitter.id,
        trace=executions_service.trace_metadata(request_id, TRACEPARENT),
        audit=Audit(
            session=session, request_id=request_id, client_address="127.0.0.1", state=State()
        ),
    )
    stored = session.get(ChainExecution, submitted.execution.id)
    assert stored is not None
    return stored


def an_editor_submitted_a_run(session: Session, _settings: Settings, _params: Values) -> Values:
    return {"executionId": str(_submitted(session, priority=5).id)}


def a_pending_execution_exists(session: Session, _settings: Settings, _params: Values) -> Values:
    return {"executionId": str(_submitted(session).id)}


def runs_wait_with_no_executor(session: Session, settings: Settings, _params: Values) -> Values:
    """A pending run older than the executor's stale threshold, and no worker: what
    ``/health/detailed`` reports as the executor being away."""
    execution = _submitted(session)
    waited = timedelta(seconds=settings.executor_stale_after_seconds + 60)
    execution.created_at = execution.created_at - waited
    return {"executionId": str(execution.id)}


def a_finished_execution_exists(session: Session, _settings: Settings, _params: Values) -> Values:
    """A run that went through both steps, its step results written by the executor's own
    recording function."""
    execution = _submitted(session)
    transition_execution(session=session, execution=execution, status=ExecutionStatus.RUNNING)
    assert execution.started_at is not None
    outputs = ["HELLO", "HELLO"]
    for step, output in zip(execution_steps(session, execution), outputs, strict=True):
        position, node_id, node_version_id = step
        started = execution.started_at + timedelta(milliseconds=position)
        record = NodeRecord(
            execution_id=execution.id,
            node_id=node_id,
            node_version_id=node_version_id,
            position=position,
            input_text="hello" if position == 0 else outputs[position - 1],
            status=NodeExecutionStatus.SUCCEEDED,
            started_at=started,
            completed_at=started + timedelta(milliseconds=3),
            output_text=output,
        )
        upsert_node_execution(session.connection(), record)
    transition_execution(
        session=session,
        execution=execution,
        status=ExecutionStatus.SUCCEEDED,
        output_text=outputs[-1],
    )
    return {"executionId": str(execution.id)}


def execution_steps(
    session: Session, execution: ChainExecution
) -> list[tuple[int, uuid.UUID, uuid.UUID]]:
    """``(position, node id, node version id)`` of the chain version the run pinned."""
    version = session.get(StrategyVersion, execution.strategy_version_id)
    assert version is not None
    return [(step.position, step.node_id, step.node_version_id) for step in version.nodes]


STATES: dict[str, Setup] = {
    "a user can sign in": a_user_can_sign_in,
    "an editor is signed in": an_editor_is_signed_in,
    "a node exists": a_node_exists,
    "a chain exists": a_chain_exists,
    "a pending execution exists": a_pending_execution_exists,
    "a finished execution exists": a_finished_execution_exists,
    "runs wait with no executor": runs_wait_with_no_executor,
    "an editor submitted a run of a chain": an_editor_submitted_a_run,
}


class ProviderStates:
    """Sets states up in their own committed transaction; unknown states fail loudly."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._sessions = create_session_factory(engine)
        self._settings = settings
        self.seen: list[str] = []

    def __call__(self, state: str, params: Values) -> Values:
        setup = STATES.get(state)
        if setup is None:
            raise LookupError(f"unknown provider state {state!r}: add it to {__name__}")
        with self._sessions() as session:
            values = setup(session, self._settings, params)
            session.commit()
        self.seen.append(state)
        return values
