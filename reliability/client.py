"""A small HTTP client of the API, as a user (or an attacker) would drive it."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from stack import ADMIN_EMAIL, ADMIN_PASSWORD

FINAL = frozenset({"succeeded", "failed", "cancelled"})
PASSWORD = "Reliability-password-1"
API = "/api/v1"


@dataclass
class Account:
    email: str
    password: str
    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


class ApiClient:
    def __init__(self, base_url: str, timeout_s: float = 30.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout_s)

    def close(self) -> None:
        self.http.close()

    def login(self, email: str, password: str) -> httpx.Response:
        return self.http.post(
            f"{API}/login/access-token", data={"username": email, "password": password}
        )

    def sign_in(self, email: str, password: str) -> Account:
        response = self.login(email, password)
        response.raise_for_status()
        body = response.json()
        return Account(email, password, body["access_token"], body["refresh_token"])

    def admin(self) -> Account:
        return self.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)

    def create_account(self, admin: Account, role: str) -> Account:
        email = f"{role}-{uuid.uuid4().hex[:8]}@reliability.example.com"
        response = self.http.post(
            f"{API}/users",
            json={"email": email, "password": PASSWORD, "roles": [role]},
            headers=admin.headers,
        )
        response.raise_for_status()
        return self.sign_in(email, PASSWORD)

    def create_node(self, account: Account, code: str, name: str | None = None) -> str:
        response = self.http.post(
            f"{API}/nodes",
            json={"name": name or f"node-{uuid.uuid4().hex[:10]}", "code": code},
            headers=account.headers,
        )
        response.raise_for_status()
        node_id: str = response.json()["id"]
        return node_id

    def create_chain(
        self, account: Account, node_ids: list[str], metadata: dict[str, Any] | None = None
    ) -> str:
        steps = [{"node_id": node_id} for node_id in node_ids]
        body = {
            "name": f"chain-{uuid.uuid4().hex[:10]}",
            "nodes": steps,
            "metadata": metadata or {},
        }
        response = self.http.post(
            f"{API}/chains",
            json=body,
            headers=account.headers,
        )
        response.raise_for_status()
        chain_id: str = response.json()["id"]
        return chain_id

    def submit(self, account: Account, chain_id: str, text: str, **extra: Any) -> httpx.Response:
        return self.http.post(
            f"{API}/executions",
            json={"strategy_id": chain_id, "input_text": text, **extra},
            headers=account.headers,
        )

    def execution(self, account: Account, execution_id: str) -> dict[str, Any]:
        response = self.http.get(f"{API}/executions/{execution_id}", headers=account.headers)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def node_rows(self, account: Account, execution_id: str) -> list[dict[str, Any]]:
        response = self.http.get(f"{API}/executions/{execution_id}/nodes", headers=account.headers)
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()["data"]
        return rows

    def wait_final(
        self, account: Account, execution_id: str, timeout_s: float = 60
    ) -> dict[str, Any]:
        """The execution once it ended (or as it is when ``timeout_s`` ran out)."""
        deadline = time.monotonic() + timeout_s
        while True:
            execution = self.execution(account, execution_id)
            if execution["status"] in FINAL or time.monotonic() > deadline:
                return execution
            time.sleep(0.1)
