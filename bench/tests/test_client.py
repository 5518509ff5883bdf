"""The generator's HTTP client against a real server on loopback: requests beyond the
connections wait in a FIFO queue, every request (answered, failed or given up) gives its
connection back, and failures come out as ``HttpError`` naming their cause."""

import asyncio
import socket

import pytest
from aiohttp import web

from bench.harness.http import Http, HttpError, Reply


class Server:
    """A stand-in for the API that counts the requests it holds at once."""

    def __init__(self, delay_s: float = 0.01) -> None:
        self.delay_s = delay_s
        self.now = self.most = 0
        self.order: list[str] = []
        self.forms: list[dict[str, str]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.now += 1
        self.most = max(self.most, self.now)
        self.order.append(request.path_qs)
        try:
            if request.content_type == "application/x-www-form-urlencoded":
                self.forms.append(dict(await request.post()))  # type: ignore[arg-type]
            await asyncio.sleep(self.delay_s)
        finally:
            self.now -= 1
        if request.path == "/missing":
            return web.json_response({"detail": "no such thing"}, status=404)
        if request.method == "POST" and request.content_type == "application/json":
            return web.json_response({"got": await request.json()}, status=201)
        return web.json_response({"path": request.path})

    async def __aenter__(self) -> "Server":
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


def test_no_more_requests_than_connections_reach_the_server_and_the_rest_wait_in_order():
    async def scenario() -> tuple[list[Reply], Server]:
        async with Server() as server, Http(server.url, connections=5) as http:
            requests = asyncio.gather(*(http.get(f"/r/{i}") for i in range(40)))
            return await asyncio.wait_for(requests, timeout=10), server

    replies, server = asyncio.run(scenario())
    assert [(r.status_code, r.json()) for r in replies] == [
        (200, {"path": f"/r/{i}"}) for i in range(40)
    ]
    assert server.most == 5
    assert server.order == [f"/r/{i}" for i in range(40)]  # first come, first served


def test_bodies_forms_and_query_strings_reach_the_server():
    async def scenario() -> tuple[Reply, Reply, Server]:
        async with Server() as server, Http(server.url) as http:
            posted = await http.post("/executions", json={"input_text": "héllo"})
            await http.post("/login", data={"username": "a@example.com", "password": "p w"})
            listed = await http.get("/executions", params={"limit": 500, "offset": 0})
            return posted, listed, server

    posted, listed, server = asyncio.run(scenario())
    assert (posted.status_code, posted.json()) == (201, {"got": {"input_text": "héllo"}})
    assert server.forms == [{"username": "a@example.com", "password": "p w"}]
    assert listed.status_code == 200 and server.order[-1] == "/executions?limit=500&offset=0"


def test_an_error_status_raises_only_when_asked():
    async def scenario() -> Reply:
        async with Server() as server, Http(server.url) as http:
            return await http.get("/missing")

    reply = asyncio.run(scenario())
    assert reply.status_code == 404
    with pytest.raises(HttpError, match=r"HTTP 404: .*no such thing") as raised:
        reply.raise_for_status()
    assert raised.value.cause == "http_404"
    Reply(201, b"{}").raise_for_status()  # no error


def test_a_request_given_up_gives_its_connection_back_whether_waiting_or_sent():
    async def scenario() -> tuple[int, list[str]]:
        async with Server(delay_s=0.5) as server, Http(server.url, connections=1) as http:
            sent = asyncio.create_task(http.get("/sent"))
            waiting = asyncio.create_task(http.get("/waiting"))
            await asyncio.sleep(0.1)  # one on the connection, one queued behind it
            for task in (waiting, sent):
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            after = await asyncio.wait_for(http.get("/after"), timeout=5)
            return after.status_code, server.order

    # The queued one never went out; the one given up on its connection freed it.
    assert asyncio.run(scenario()) == (200, ["/sent", "/after"])


def test_a_refused_connection_is_an_http_error_and_frees_its_slot():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"

    async def scenario() -> list[str]:
        causes = []
        async with Http(url, connections=2) as http:
            for _ in range(3):  # more than the connections: none is kept by a failure
                with pytest.raises(HttpError) as raised:
                    await asyncio.wait_for(http.get("/"), timeout=5)
                causes.append(raised.value.cause)
        return causes

    assert asyncio.run(scenario()) == ["ClientConnectorError"] * 3


def test_a_slow_answer_past_the_clients_limit_is_an_http_error():
    async def scenario() -> str:
        async with Server(delay_s=1.0) as server, Http(server.url, timeout_s=0.2) as http:
            with pytest.raises(HttpError) as raised:
                await http.get("/slow")
            return raised.value.cause

    assert asyncio.run(scenario()) == "timeout"


def test_requests_need_the_client_open():
    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(Http("http://127.0.0.1:1").get("/"))
