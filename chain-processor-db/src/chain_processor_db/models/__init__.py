"""ORM models of every table; importing this package registers them all on ``Base``."""

from chain_processor_db.models.ab import AbRun, TrafficSplit
from chain_processor_db.models.audit import AuditLog
from chain_processor_db.models.auth import AuthSession, RefreshToken  # noqa: F401
from chain_processor_db.models.executions import ChainExecution, NodeExecution
from chain_processor_db.models.nodes import Node, NodeVersion
from chain_processor_db.models.strategies import (
    ChainStrategy,
    StrategyNode,
    StrategyVersion,
    StrategyVersionNode,
)
from chain_processor_db.models.users import User
from chain_processor_db.models.webhooks import WebhookDelivery  # noqa: F401

__all__ = [
    "AbRun",
    "AuditLog",
    "ChainExecution",
    "ChainStrategy",
    "Node",
    "NodeExecution",
    "NodeVersion",
    "StrategyNode",
    "StrategyVersion",
    "StrategyVersionNode",
    "TrafficSplit",
    "User",
]
