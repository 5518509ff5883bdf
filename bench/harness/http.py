"""The load generator's HTTP client: one aiohttp session (its own connections) per user.

The generator shares the machine's two cores with the stack it measures, so what it spends
is taken from the stack. httpx cost about 2 ms of CPU per request here (httpcore's pool,
anyio, cookies), aiohttp about 0.2 ms (`bench/README.md`, "the generator's client").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

KEEPALIVE_S = 4.0
"""Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them: with
both at 5 s, a request sent on a connection the server was closing failed (1 in 600)."""


class HttpError(Exception):
    """A request without a usable answer: no connection, a reset, a refusal (``cause``
    names what failed), or an error status from :meth:`Reply.raise_for_status`."""

    def __init__(self, message: str, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


@dataclass(frozen=True)
class Reply:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            body = self.content[:300].decode("utf-8", "replace")
            raise HttpError(f"HTTP {self.status_code}: {body}", f"http_{self.status_code}")


class Http:
    """Requests to one API through at most ``connections`` connections; the requests beyond
    them wait in aiohttp's queue, first come first served (the wait counts: latency runs
    from the scheduled send). Use as ``async with Http(url) as http``."""

    def __init__(self, base_url: str, connections: int = 100, timeout_s: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.connections = connections
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Http:
        connector = aiohttp.TCPConnector(
            limit=self.connections, limit_per_host=self.connections, keepalive_timeout=KEEPALIVE_S
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            cookie_jar=aiohttp.DummyCookieJar(),  # tokens go in headers
            json_serialize=json.dumps,
        )
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> Reply:
        if self._session is None:
            raise RuntimeError("use `async with Http(...)`")
        options: dict[str, Any] = {"json": json, "data": data, "headers": headers}
        if params is not None:
            options["params"] = {key: str(value) for key, value in params.items()}
        if timeout_s is not None:  # else the session's
            options["timeout"] = aiohttp.ClientTimeout(total=timeout_s)
        try:
            async with self._session.request(method, self.base_url + path, **options) as response:
                return Reply(response.status, await response.read())
        except aiohttp.ClientError as error:
            raise HttpError(str(error) or type(error).__name__, type(error).__name__) from error
        except TimeoutError as error:  # aiohttp's own limit (a caller's deadline cancels)
            raise HttpError("no answer in time", "timeout") from error

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("PATCH", path, **kwargs)
