"""Every resource router under ``/api/v1``; ``main.py`` only includes this one."""

from __future__ import annotations

from fastapi import APIRouter

from chain_processor_api.api.routes import (
    ab_runs,
    audit,
    chains,
    executions,
    login,
    node_runs,
    nodes,
    traffic,
    users,
)
from chain_processor_api.schemas.errors import ERROR_RESPONSES

API_PREFIX = "/api/v1"

api_router = APIRouter(responses=ERROR_RESPONSES)
api_router.include_router(login.router)
api_router.include_router(users.router)
api_router.include_router(nodes.router)
api_router.include_router(node_runs.router)
api_router.include_router(chains.router)
api_router.include_router(traffic.router)
api_router.include_router(executions.router)
api_router.include_router(ab_runs.router)
api_router.include_router(audit.router)
