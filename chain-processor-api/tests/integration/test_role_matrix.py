"""Every route under every role: the expected outcome against the actual one (issue 8).

``MATRIX`` names the least role each route needs. A route missing from it fails the test,
so no route can be added without deciding who may call it. For a role that is allowed the
answer must be anything but 401/403/5xx (404 and 422 are fine: the ids and bodies are
made up); for a role that is not, 403; without a token, 401.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

PUBLIC, VIEWER, EDITOR, ADMIN = "public", "viewer", "editor", "admin"
RANK = {VIEWER: 0, EDITOR: 1, ADMIN: 2}

MATRIX: dict[tuple[str, str], str] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/health/detailed"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/api/v1/login/access-token"): PUBLIC,
    ("POST", "/api/v1/login/refresh"): PUBLIC,
    ("POST", "/api/v1/login/logout"): VIEWER,
    ("GET", "/api/v1/users/me"): VIEWER,
    ("PATCH", "/api/v1/users/me"): VIEWER,
    ("POST", "/api/v1/users/me/password"): VIEWER,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/users/{user_id}"): ADMIN,
    ("PATCH", "/api/v1/users/{user_id}"): ADMIN,
    ("DELETE", "/api/v1/users/{user_id}"): ADMIN,
    ("GET", "/api/v1/nodes"): VIEWER,
    ("POST", "/api/v1/nodes"): EDITOR,
    ("GET", "/api/v1/nodes/{node_id}"): VIEWER,
    ("PATCH", "/api/v1/nodes/{node_id}"): EDITOR,
    ("DELETE", "/api/v1/nodes/{node_id}"): EDITOR,
    ("GET", "/api/v1/nodes/{node_id}/versions"): VIEWER,
    ("GET", "/api/v1/nodes/{node_id}/versions/{version}"): VIEWER,
    ("GET", "/api/v1/nodes/{node_id}/diff"): VIEWER,
    ("POST", "/api/v1/nodes/{node_id}/rollback"): EDITOR,
    ("POST", "/api/v1/nodes/test-run"): EDITOR,
    ("POST", "/api/v1/nodes/{node_id}/test-run"): EDITOR,
    ("GET", "/api/v1/chains"): VIEWER,
    ("POST", "/api/v1/chains"): EDITOR,
    ("POST", "/api/v1/chains/validate"): VIEWER,
    ("POST", "/api/v1/chains/import"): EDITOR,
    ("GET", "/api/v1/chains/{chain_id}"): VIEWER,
    ("PATCH", "/api/v1/chains/{chain_id}"): EDITOR,
    ("DELETE", "/api/v1/chains/{chain_id}"): EDITOR,
    ("GET", "/api/v1/chains/{chain_id}/export"): VIEWER,
    ("GET", "/api/v1/chains/{chain_id}/versions"): VIEWER,
    ("GET", "/api/v1/chains/{chain_id}/versions/{version}"): VIEWER,
    ("GET", "/api/v1/chains/{chain_id}/diff"): VIEWER,
    ("POST", "/api/v1/chains/{chain_id}/rollback"): EDITOR,
    ("POST", "/api/v1/executions"): EDITOR,
    ("GET", "/api/v1/executions"): VIEWER,
    ("GET", "/api/v1/executions/{execution_id}"): VIEWER,
    ("GET", "/api/v1/executions/{execution_id}/nodes"): VIEWER,
    ("GET", "/api/v1/executions/{execution_id}/events"): VIEWER,
    ("GET", "/api/v1/executions/events"): VIEWER,
    ("POST", "/api/v1/executions/{execution_id}/cancel"): EDITOR,
    ("POST", "/api/v1/executions/{execution_id}/rerun"): EDITOR,
    ("GET", "/api/v1/chains/{chain_id}/traffic-split"): VIEWER,
    ("PUT", "/api/v1/chains/{chain_id}/traffic-split"): EDITOR,
    ("DELETE", "/api/v1/chains/{chain_id}/traffic-split"): EDITOR,
    ("GET", "/api/v1/chains/{chain_id}/variants"): VIEWER,
    ("POST", "/api/v1/ab-runs"): EDITOR,
    ("GET", "/api/v1/ab-runs"): VIEWER,
    ("GET", "/api/v1/ab-runs/{ab_run_id}"): VIEWER,
    ("GET", "/api/v1/audit"): ADMIN,
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every operation the OpenAPI document publishes."""
    paths = app.openapi()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def concrete(path: str) -> str:
    for name in ("user_id", "node_id", "chain_id", "execution_id", "ab_run_id"):
        path = path.replace(f"{{{name}}}", str(uuid.uuid4()))
    return path.replace("{version}", "1.0.0")


def expected(needed: str, role: str | None) -> str:
    if needed == PUBLIC:
        return "allowed"
    if role is None:
        return "401"
    return "allowed" if RANK[role] >= RANK[needed] else "403"


def actual(status: int) -> str:
    if status in (401, 403) or status >= 500:
        return str(status)
    return "allowed"


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    assert app_routes(app) == set(MATRIX)


def test_every_route_under_every_role(
    client: TestClient, auth_headers: Callable[[str], dict[str, str]]
) -> None:
    rows = []
    for (method, path), needed in sorted(MATRIX.items()):
        for role in (None, VIEWER, EDITOR, ADMIN):
            headers = auth_headers(role) if role else {}
            response = client.request(method, concrete(path), headers=headers, json={})
            rows.append(
                (
                    method,
                    path,
                    role or "anonymous",
                    expected(needed, role),
                    actual(response.status_code),
                )
            )
    wrong = [row for row in rows if row[3] != row[4]]
    assert not wrong, "\n".join(f"{m} {p} as {r}: expected {e}, got {a}" for m, p, r, e, a in wrong)
    assert len(rows) == 4 * len(MATRIX)
