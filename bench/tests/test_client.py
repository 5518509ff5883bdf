"""The generator's HTTP clients: requests beyond the connection slots wait in a FIFO queue of
their own, and every request, answered or given up, gives its slot back."""

import asyncio

import httpx
import pytest

from bench.harness.client import BoundedTransport


class Body(httpx.AsyncByteStream):
    """A body read from the network, as a real transport's is (not loaded in advance)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):
        yield self.data


class Server:
    """An in-process stand-in for the API that counts the requests it holds at once."""

    def __init__(self, delay_s: float = 0.01) -> None:
        self.delay_s = delay_s
        self.now = self.most = 0
        self.order: list[str] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.most = max(self.most, self.now)
        self.order.append(request.url.path)
        try:
            await asyncio.sleep(self.delay_s)
        finally:
            self.now -= 1
        return httpx.Response(200, stream=Body(request.url.path.encode()))


def bounded(server: Server, slots: int) -> tuple[httpx.AsyncClient, BoundedTransport]:
    transport = BoundedTransport(slots)
    transport.inner = httpx.MockTransport(server.handle)  # type: ignore[assignment]
    return httpx.AsyncClient(transport=transport, base_url="http://api.test"), transport


def test_no_more_requests_than_slots_reach_the_server_and_the_rest_wait_in_order():
    async def scenario() -> tuple[list[int], Server, int]:
        server = Server()
        http, transport = bounded(server, slots=5)
        async with http:
            requests = asyncio.gather(*(http.get(f"/r/{i}") for i in range(40)))
            answers = await asyncio.wait_for(requests, timeout=10)  # a lost slot: no hang
            free = transport.slots._value
        return [a.status_code for a in answers], server, free

    codes, server, free = asyncio.run(scenario())
    assert codes == [200] * 40
    assert server.most == 5
    assert server.order == [f"/r/{i}" for i in range(40)]  # first come, first served
    assert free == 5


def test_a_request_given_up_gives_its_slot_back_whether_waiting_or_sent():
    async def scenario() -> tuple[int, int]:
        server = Server(delay_s=0.5)
        http, transport = bounded(server, slots=1)
        async with http:
            sent = asyncio.create_task(http.get("/sent"))
            waiting = asyncio.create_task(http.get("/waiting"))
            await asyncio.sleep(0.05)  # one inside the pool, one queued behind it
            for task in (waiting, sent):
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            after = await asyncio.wait_for(http.get("/after"), timeout=5)
            free = transport.slots._value
        return after.status_code, free

    assert asyncio.run(scenario()) == (200, 1)


def test_a_failed_request_gives_its_slot_back():
    async def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async def scenario() -> int:
        transport = BoundedTransport(2)
        transport.inner = httpx.MockTransport(refuse)  # type: ignore[assignment]
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            for _ in range(3):
                with pytest.raises(httpx.ConnectError):
                    await http.get("/")
        return transport.slots._value

    assert asyncio.run(scenario()) == 2
