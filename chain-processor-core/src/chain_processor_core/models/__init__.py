"""Pydantic models of every resource: ``*Create`` and ``*Update`` in, ``*Public`` out."""

from chain_processor_core.models.audit import AuditLogPublic
from chain_processor_core.models.common import Page, Role, has_role
from chain_processor_core.models.executions import (
    ExecutionCreate,
    ExecutionFilter,
    ExecutionPublic,
    NodeExecutionPublic,
)
from chain_processor_core.models.nodes import NodeCreate, NodePublic, NodeUpdate, NodeVersionPublic
from chain_processor_core.models.status import (
    FINAL_STATUSES,
    ExecutionStatus,
    NodeExecutionStatus,
    check_transition,
)
from chain_processor_core.models.strategies import (
    CanvasPosition,
    StrategyCreate,
    StrategyNodeIn,
    StrategyNodePublic,
    StrategyPublic,
    StrategyUpdate,
    StrategyVersionPublic,
)
from chain_processor_core.models.users import (
    PasswordChange,
    UserCreate,
    UserPublic,
    UserUpdate,
    UserUpdateMe,
)

__all__ = [
    "FINAL_STATUSES",
    "AuditLogPublic",
    "CanvasPosition",
    "ExecutionCreate",
    "ExecutionFilter",
    "ExecutionPublic",
    "ExecutionStatus",
    "NodeCreate",
    "NodeExecutionPublic",
    "NodeExecutionStatus",
    "NodePublic",
    "NodeUpdate",
    "NodeVersionPublic",
    "Page",
    "PasswordChange",
    "Role",
    "StrategyCreate",
    "StrategyNodeIn",
    "StrategyNodePublic",
    "StrategyPublic",
    "StrategyUpdate",
    "StrategyVersionPublic",
    "UserCreate",
    "UserPublic",
    "UserUpdate",
    "UserUpdateMe",
    "check_transition",
    "has_role",
]
