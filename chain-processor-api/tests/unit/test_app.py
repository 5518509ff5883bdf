"""The application shell: request ids, security headers, body limit and the error shapes,
on routes added for the test (no database needed)."""

from __future__ import annotations

import contextvars
import http.client
import json
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, field_validator
from starlette.routing import Match
from starlette.types import Scope

from chain_processor_api.api.deps import ReleasingRoute, ResourceRouter
from chain_processor_api.core.config import Settings
from chain_processor_api.core.logging import request_id_var
from chain_processor_api.main import create_app
from chain_processor_core.exceptions.errors import StaleVersionError


class Item(BaseModel):
    name: str
    size: int


def build(tmp_path: Path, **overrides: object) -> FastAPI:
    settings = Settings.model_validate(
        {
            "environment": "test",
            "secret_key": "s" * 40,
            "database_url": f"sqlite:///{tmp_path / 'app.db'}",
            "max_request_bytes": 2048,
            **overrides,
        }
    )
    app = create_app(settings)

    @app.get("/api/v1/_test/request-id")
    def read_request_id() -> dict[str, str | None]:
        return {"request_id": request_id_var.get()}

    @app.post("/api/v1/_test/items")
    def create_item(item: Item) -> Item:
        return item

    @app.get("/api/v1/_test/boom")
    def boom() -> None:
        raise RuntimeError("secret connection string postgresql://u:p@db/x")

    @app.get("/api/v1/_test/stale")
    def stale() -> None:
        raise StaleVersionError()

    return app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(build(tmp_path), raise_server_exceptions=False)


def test_a_request_id_is_created_echoed_and_in_the_context(client: TestClient) -> None:
    response = client.get("/api/v1/_test/request-id")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    assert response.json() == {"request_id": request_id}


def test_the_callers_request_id_is_kept(client: TestClient) -> None:
    response = client.get("/api/v1/_test/request-id", headers={"X-Request-ID": "abc-123.x:y"})
    assert response.headers["X-Request-ID"] == "abc-123.x:y"
    assert response.json() == {"request_id": "abc-123.x:y"}


@pytest.mark.parametrize("bad", ["a" * 129, "has space", "<script>", ""])
def test_an_unsafe_request_id_is_replaced(client: TestClient, bad: str) -> None:
    response = client.get("/api/v1/_test/request-id", headers={"X-Request-ID": bad})
    assert response.headers["X-Request-ID"] != bad
    assert len(response.headers["X-Request-ID"]) == 32


def test_security_headers_are_on_every_response(client: TestClient) -> None:
    response = client.get("/api/v1/_test/request-id")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "cdn.jsdelivr.net" in docs.headers["Content-Security-Policy"]


def test_hsts_is_sent_in_production(tmp_path: Path) -> None:
    client = TestClient(build(tmp_path, environment="production"))
    assert "max-age" in client.get("/health").headers["Strict-Transport-Security"]


def test_a_body_over_the_limit_is_refused_with_413(client: TestClient) -> None:
    response = client.post("/api/v1/_test/items", json={"name": "x" * 4000, "size": 1})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_streamed_body_over_the_limit_is_refused_with_413(client: TestClient) -> None:
    chunks = (b"x" * 1024 for _ in range(4))
    response = client.post(
        "/api/v1/_test/items", content=chunks, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_validation_errors_name_every_field(client: TestClient) -> None:
    response = client.post("/api/v1/_test/items", json={"name": 1})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == "body.name"
    assert {error["field"] for error in body["errors"]} == {"body.name", "body.size"}


def test_malformed_json_is_a_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/_test/items", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_domain_errors_use_the_table(client: TestClient) -> None:
    response = client.get("/api/v1/_test/stale")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"


def test_an_unexpected_error_is_a_generic_500_with_the_request_id(client: TestClient) -> None:
    response = client.get("/api/v1/_test/boom", headers={"X-Request-ID": "trace-me"})
    assert response.status_code == 500
    body = response.json()
    assert body == {
        "detail": "Internal server error; quote the request id when you report it",
        "code": "internal_error",
        "field": None,
        "request_id": "trace-me",
    }
    assert response.headers["X-Request-ID"] == "trace-me"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "postgresql" not in response.text and "Traceback" not in response.text


def test_unknown_routes_and_methods_use_the_error_shape(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found", "code": "not_found", "field": None}
    assert client.delete("/health").json()["code"] == "method_not_allowed"


def test_cors_is_off_unless_origins_are_configured(tmp_path: Path) -> None:
    preflight = {"Origin": "http://ui.test", "Access-Control-Request-Method": "GET"}
    closed = TestClient(build(tmp_path)).options("/health", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    app = build(tmp_path, cors_origins=["http://ui.test"])
    opened = TestClient(app).options("/health", headers=preflight)
    assert opened.headers["access-control-allow-origin"] == "http://ui.test"


def test_openapi_lists_the_resources(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/login/access-token" in paths
    assert "/health/detailed" in paths


def test_liveness_needs_no_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


class TestWebUI:
    @pytest.fixture
    def client(self, tmp_path: Path) -> TestClient:
        dist = tmp_path / "dist"
        (dist / "assets").mkdir(parents=True)
        (dist / "index.html").write_text("<html>app</html>")
        (dist / "assets" / "app.js").write_text("console.log(1)")
        (tmp_path / "secret.txt").write_text("do not serve")
        return TestClient(build(tmp_path, web_dist_dir=dist))

    def test_files_are_served_and_other_paths_fall_back_to_index(self, client: TestClient) -> None:
        assert client.get("/assets/app.js").text == "console.log(1)"
        assert client.get("/").text == "<html>app</html>"
        assert client.get("/chains/123/edit").text == "<html>app</html>"
        assert "'self'" in client.get("/").headers["Content-Security-Policy"]

    def test_api_paths_never_fall_back(self, client: TestClient) -> None:
        response = client.get("/api/v1/unknown")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_paths_cannot_leave_the_directory(self, client: TestClient) -> None:
        response = client.get("/..%2Fsecret.txt")
        assert "do not serve" not in response.text

    def test_a_directory_without_index_serves_nothing(self, tmp_path: Path) -> None:
        client = TestClient(build(tmp_path, web_dist_dir=tmp_path / "missing"))
        assert client.get("/").status_code == 404


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/api/v1/_test/request-id")
    client.get("/health")
    client.get("/no/such/path")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'http_requests_total{method="GET",route="/api/v1/_test/request-id",status="200"} 1.0'
        in text
    )
    assert 'http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
    assert 'route="unmatched",status="404"' in text
    assert "http_request_duration_seconds_bucket" in text
    assert "chain_executions_submitted_total 0.0" in text


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 1020 + b"]" * 1020,  # deeper than the JSON parser's recursion limit
        b'{"name": "\xff\xfe", "size": 1}',  # not UTF-8
        b'{"name": "x", "size": 1e999999}',
    ],
)
def test_hostile_json_is_a_4xx_not_a_500(client: TestClient, body: bytes) -> None:
    response = client.post(
        "/api/v1/_test/items", content=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.json()["code"] in {"bad_request", "invalid"}


def test_a_500_keeps_the_connection_alive(tmp_path: Path) -> None:
    """uvicorn closes a keep-alive connection when the app raises; ours never does, so a
    client's next request on the same connection works (real server, one socket)."""
    config = uvicorn.Config(build(tmp_path), host="127.0.0.1", port=0, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/v1/_test/boom")
        first = connection.getresponse()
        assert first.status == 500
        assert json.loads(first.read())["code"] == "internal_error"
        assert first.getheader("X-Content-Type-Options") == "nosniff"
        socket_before = connection.sock
        connection.request("GET", "/health")
        second = connection.getresponse()
        assert second.status == 200
        second.read()
        assert connection.sock is socket_before  # the same connection, never reopened
        connection.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_synchronous_handler_and_its_answers_validation_share_one_thread() -> None:
    """ReleasingRoute: the handler, the validation of its answer (which may read ORM
    attributes) and the end of its read run in one threadpool call, not two. Each threadpool
    call runs in its own copy of the request's context: a value the handler sets in it is
    seen by the validator only when both run in the same call."""
    handled: contextvars.ContextVar[str] = contextvars.ContextVar("handled", default="elsewhere")
    seen: dict[str, str] = {}

    class Answer(BaseModel):
        text: str

        @field_validator("text")
        @classmethod
        def _note_context(cls, value: str) -> str:
            seen["validator saw"] = handled.get()
            return value

    router = APIRouter(route_class=ReleasingRoute)

    @router.get("/answer", response_model=Answer)
    def answer(number: int = 1) -> object:
        handled.set("in the handler's call")
        return {"text": f"hello {number}"}

    @router.get("/broken", response_model=Answer)
    def broken() -> object:
        return {"text": 42}  # not an Answer: FastAPI's own response validation reports it

    app = FastAPI()
    app.include_router(router)
    client = TestClient(app, raise_server_exceptions=False)

    response = client.get("/answer", params={"number": 3})

    assert response.json() == {"text": "hello 3"}
    assert seen["validator saw"] == "in the handler's call"
    assert client.get("/broken").status_code == 500


def tried_routes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths (within their router) of the ReleasingRoutes FastAPI tries requests
    against, in order."""
    tried: list[str] = []
    original = ReleasingRoute.matches

    def matches(route: ReleasingRoute, scope: Scope) -> tuple[Match, Scope]:
        tried.append(route.path)
        return original(route, scope)

    monkeypatch.setattr(ReleasingRoute, "matches", matches)
    return tried


def test_a_resource_router_is_not_tried_for_a_path_outside_its_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = ResourceRouter(prefix="/first"), ResourceRouter(prefix="/second")

    @first.get("/{item_id}")
    def read_first(item_id: int) -> dict[str, int]:
        return {"first": item_id}

    @second.get("/{item_id}")
    def read_second(item_id: int) -> dict[str, int]:
        return {"second": item_id}

    @second.post("")
    def create_second() -> dict[str, str]:
        return {"created": "second"}

    api = APIRouter()
    api.include_router(first)
    api.include_router(second)
    app = FastAPI()
    app.include_router(api, prefix="/api")
    client = TestClient(app)
    tried = tried_routes(monkeypatch)

    assert client.get("/api/second/7").json() == {"second": 7}
    assert set(tried) == {"/second/{item_id}"}  # tried at each level it is handed down
    assert client.post("/api/second").json() == {"created": "second"}
    assert client.get("/api/first/3").json() == {"first": 3}
    # what reaches a router is matched as FastAPI matches it: a wrong method, an unknown path
    assert client.delete("/api/second/7").status_code == 405
    assert client.get("/api/third/7").status_code == 404
    assert client.get("/api/first/not-a-number").status_code == 422


def test_a_submit_is_routed_past_the_other_resources_without_trying_their_routes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every resource of the API is a ResourceRouter: POST /api/v1/executions tries the
    routes of /executions and none of the six resources included before it (only the
    top-level /metrics route, which has no prefix). It answers 401 here: no token."""
    client = TestClient(build(tmp_path))
    tried = tried_routes(monkeypatch)

    response = client.post("/api/v1/executions", json={})

    assert response.status_code == 401
    assert "/executions" in tried
    assert {path.split("/")[1] for path in tried} == {"metrics", "executions"}


@pytest.mark.parametrize("prefix", ["", "/chains/{chain_id}"])
def test_a_resource_router_needs_a_literal_prefix(prefix: str) -> None:
    with pytest.raises(ValueError, match="literal prefix"):
        ResourceRouter(prefix=prefix)
