"""What a client of the API does: sign in, seed users, nodes and chains, design operations,
submit executions, and watch one live over the WebSocket."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect

from bench.harness.http import Http, HttpError, Reply
from bench.harness.stats import Samples

API = "/api/v1"
FINAL = frozenset({"succeeded", "failed", "cancelled", "timed_out"})
BUILTINS = ("trim", "uppercase", "collapse_whitespace", "lowercase", "titlecase")
USER_NODES = {
    "reverse": "def node(input_text):\n    return input_text[::-1]\n",
    "swapcase": "def node(input_text, config):\n    return input_text.swapcase()\n",
}
INPUT = "  Hello   benchmark world, this is run {i}  "
DESIGN_MIX = {  # operation: weight (reads 70 %, writes 30 %)
    "list_nodes": 20,
    "get_node": 20,
    "list_chains": 15,
    "get_chain": 15,
    "create_node": 7.5,
    "update_node": 7.5,
    "create_chain": 7.5,
    "update_chain": 7.5,
}


DEADLINE_S = 30.0
"""A request unanswered this long is given up and counted as a ``timeout`` error (the spec's
worst max is 10 s; waiting longer only piles up requests in the generator)."""


def client(base_url: str, connections: int = 100) -> Http:
    """One client per user: its own connections, as separate browsers would have, and its
    requests beyond them waiting in a queue of its own."""
    return Http(base_url, connections, timeout_s=DEADLINE_S + 30)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(http: Http, email: str, password: str) -> str:
    response = await http.post(
        f"{API}/login/access-token", data={"username": email, "password": password}
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def create_users(http: Http, admin: str, count: int) -> list[str]:
    """``count`` editors, each signed in with its own token."""
    run = uuid.uuid4().hex[:6]
    limit = asyncio.Semaphore(4)  # password hashing is deliberately slow

    async def one(i: int) -> str:
        email, password = f"bench-{run}-{i}@example.com", f"bench-{uuid.uuid4().hex}"
        async with limit:
            body = {"email": email, "password": password, "roles": ["editor"]}
            response = await http.post(f"{API}/users", json=body, headers=bearer(admin))
            response.raise_for_status()
            return await login(http, email, password)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


@dataclass
class Catalog:
    """The nodes a benchmark chains together: the builtins it uses and its own user nodes."""

    builtin_ids: list[str]
    user_ids: list[str]

    def steps(self, length: int) -> list[dict[str, Any]]:
        """``length`` steps alternating builtin and user nodes."""
        pools = (self.builtin_ids, self.user_ids)
        return [{"node_id": pools[i % 2][(i // 2) % len(pools[i % 2])]} for i in range(length)]


async def create_catalog(http: Http, token: str) -> Catalog:
    response = await http.get(
        f"{API}/nodes", params={"builtin": "true", "limit": 100}, headers=bearer(token)
    )
    response.raise_for_status()
    by_name = {node["name"]: node["id"] for node in response.json()["data"]}
    user_ids = []
    for name, code in USER_NODES.items():
        body = {"name": f"bench-{name}-{uuid.uuid4().hex[:6]}", "code": code}
        created = await http.post(f"{API}/nodes", json=body, headers=bearer(token))
        created.raise_for_status()
        user_ids.append(created.json()["id"])
    return Catalog([by_name[name] for name in BUILTINS], user_ids)


async def create_chain(
    http: Http, token: str, catalog: Catalog, length: int, label: str
) -> dict[str, Any]:
    body = {"name": f"bench-{label}-{uuid.uuid4().hex[:8]}", "nodes": catalog.steps(length)}
    response = await http.post(f"{API}/chains", json=body, headers=bearer(token))
    response.raise_for_status()
    return dict(response.json())


async def timed(
    samples: Samples, scheduled: float, request: Any, expect: tuple[int, ...] = (200, 201)
) -> Reply | None:
    """Await ``request`` and record its latency from the scheduled send time."""
    try:
        async with asyncio.timeout(DEADLINE_S):
            response: Reply = await request
    except TimeoutError:
        samples.failed("timeout", time.perf_counter() - scheduled)
        return None
    except HttpError as error:
        samples.failed(error.cause, time.perf_counter() - scheduled)
        return None
    latency = time.perf_counter() - scheduled
    if response.status_code in expect:
        samples.ok(latency)
        return response
    samples.failed(f"http_{response.status_code}", latency)
    return None


@dataclass
class Design:
    """Design operations on a pool of nodes and chains. An update takes its object out of
    the pool while in flight, so concurrent updates never race on one version lock."""

    http: Http
    catalog: Catalog
    nodes: deque[dict[str, Any]] = field(default_factory=deque)
    chains: deque[dict[str, Any]] = field(default_factory=deque)
    samples: dict[str, Samples] = field(
        default_factory=lambda: {op: Samples() for op in DESIGN_MIX}
    )
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    ids: dict[str, list[str]] = field(default_factory=lambda: {"/nodes": [], "/chains": []})
    """Every seeded id, for reads (the pools above empty while updates are in flight)."""

    async def seed(self, token: str, nodes: int = 20, chains: int = 20) -> None:
        for _ in range(nodes):
            body = {"name": f"bench-design-{uuid.uuid4().hex[:8]}", "code": USER_NODES["reverse"]}
            response = await self.http.post(f"{API}/nodes", json=body, headers=bearer(token))
            response.raise_for_status()
            self.nodes.append(response.json())
            self.ids["/nodes"].append(response.json()["id"])
        for _ in range(chains):
            chain = await create_chain(self.http, token, self.catalog, 5, "design")
            self.chains.append(chain)
            self.ids["/chains"].append(chain["id"])

    def fresh(self) -> Design:
        """The same nodes and chains, with new samples (one scenario's figures each)."""
        return Design(self.http, self.catalog, self.nodes, self.chains, ids=self.ids)

    def pick(self) -> str:
        return self.rng.choices(list(DESIGN_MIX), weights=list(DESIGN_MIX.values()))[0]

    async def run(self, op: str, http: Http, token: str, scheduled: float) -> None:
        """One ``op`` as the user of ``token``, through that user's client ``http``."""
        samples, headers = self.samples[op], bearer(token)
        if op in ("list_nodes", "list_chains"):
            path = "/nodes" if op == "list_nodes" else "/chains"
            await timed(
                samples, scheduled, http.get(API + path, params={"limit": 50}, headers=headers)
            )
        elif op in ("get_node", "get_chain"):
            path = "/nodes" if op == "get_node" else "/chains"
            target = {"id": self.rng.choice(self.ids[path])}
            await timed(
                samples, scheduled, http.get(f"{API}{path}/{target['id']}", headers=headers)
            )
        elif op == "create_node":
            body = {"name": f"bench-new-{uuid.uuid4().hex[:8]}", "code": USER_NODES["swapcase"]}
            await timed(samples, scheduled, http.post(f"{API}/nodes", json=body, headers=headers))
        elif op == "create_chain":
            body = {"name": f"bench-new-{uuid.uuid4().hex[:8]}", "nodes": self.catalog.steps(5)}
            await timed(samples, scheduled, http.post(f"{API}/chains", json=body, headers=headers))
        else:
            pool, path = (self.nodes, "/nodes") if op == "update_node" else (self.chains, "/chains")
            if not pool:  # every object is being updated: skip rather than race
                samples.failed("pool_empty")
                return
            target = pool.popleft()
            body = {
                "expected_version": target["version"],
                "description": f"edited {uuid.uuid4().hex[:6]}",
            }
            try:
                response = await timed(
                    samples,
                    scheduled,
                    http.patch(f"{API}{path}/{target['id']}", json=body, headers=headers),
                )
                if response is not None:
                    target = response.json()
            finally:
                pool.append(target)


async def submit(
    http: Http, token: str, chain_id: str, samples: Samples, scheduled: float, i: int
) -> str | None:
    """Queue one execution; its id, or None when the API refused or failed."""
    body = {"strategy_id": chain_id, "input_text": INPUT.format(i=i)}
    response = await timed(
        samples, scheduled, http.post(f"{API}/executions", json=body, headers=bearer(token))
    )
    return None if response is None else str(response.json()["id"])


async def watch(ws_url: str, token: str, execution_id: str, timeout_s: float) -> str:
    """Follow one execution's WebSocket until its final status; that status."""
    url = f"{ws_url}{API}/executions/{execution_id}/ws?access_token={token}"
    async with asyncio.timeout(timeout_s), connect(url, open_timeout=timeout_s) as socket:
        async for message in socket:
            event = json.loads(message)
            if event["type"] == "execution" and event["data"]["status"] in FINAL:
                return str(event["data"]["status"])
    return "closed"


async def fetch_executions(
    http: Http, token: str, chain_id: str, attempts: int = 5
) -> list[dict[str, Any]]:
    """Every execution of a chain, as the API lists them (retried: an overloaded API may
    time out or answer 503 for a while after the load)."""
    found: list[dict[str, Any]] = []
    while True:
        page = await _get_json(
            http,
            f"{API}/executions",
            {"strategy_id": chain_id, "limit": 500, "offset": len(found)},
            token,
            attempts,
        )
        found.extend(page["data"])
        if not page["data"] or len(found) >= page["count"]:
            return found


async def _get_json(
    http: Http, path: str, params: dict[str, Any], token: str, attempts: int
) -> dict[str, Any]:
    for attempt in range(attempts):
        try:
            response = await http.get(path, params=params, headers=bearer(token), timeout_s=120)
            response.raise_for_status()
            return dict(response.json())
        except HttpError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(5)
    raise AssertionError("unreachable")
