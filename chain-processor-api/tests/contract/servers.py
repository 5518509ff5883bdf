"""Servers the Pact verifier talks to, each on a free loopback port in a thread of the test.

- :func:`serve_api`: the real application under uvicorn, as a client reaches it.
- :func:`serve_provider_states`: Pact's state-change endpoint. The verifier POSTs
  ``{"state", "params", "action"}`` before each interaction; the JSON object answered is what
  the consumer's ``fromProviderState("${name}")`` expressions are filled from (ids of the
  seeded rows, the access token of the signed-in user).
- :func:`serve_messages`: Pact's message endpoint, producing asynchronous messages.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import uvicorn
from fastapi import FastAPI

HOST = "127.0.0.1"

StateHandler = Callable[[str, dict[str, Any]], dict[str, Any]]
"""``(state name, params) → values``: sets the provider state up."""

MessageProducer = Callable[[], tuple[bytes, dict[str, Any]]]
"""``() → (contents, metadata)``: produces one message (JSON unless metadata says)."""


@contextmanager
def serve_api(app: FastAPI, *, timeout_s: float = 10.0) -> Iterator[str]:
    """The application served by uvicorn on a free port; its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, lifespan="on", ws="none", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API did not start")
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout_s)
        sock.close()


Respond = Callable[[dict[str, Any]], tuple[int, dict[str, str], bytes]]
"""``request JSON → (status, headers, body)``."""


@contextmanager
def _serve_json_posts(respond: Respond, path: str) -> Iterator[str]:
    """A loopback server answering JSON POSTs with ``respond``; its URL. pact-python's own
    callback servers are not used: 4.2 leaves their sockets open (a ResourceWarning, an error
    under ``filterwarnings = error``) and cannot answer provider-state values."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                status, headers, body = respond(json.loads(self.rfile.read(length) or b"{}"))
            except Exception as error:  # reported to the verifier, which fails the interaction
                status, headers = 500, {"Content-Type": "application/json"}
                body = json.dumps({"error": f"{type(error).__name__}: {error}"}).encode()
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the verifier reports what failed."""

    server = ThreadingHTTPServer((HOST, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}{path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serve_provider_states(handler: StateHandler) -> Iterator[str]:
    """Pact's state-change endpoint calling ``handler`` on set-up; its URL. A handler that
    raises answers 500 with the error, which fails the interaction with that message."""

    def respond(request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        values: dict[str, Any] = {}
        if request.get("action", "setup") == "setup":
            values = handler(request["state"], request.get("params") or {})
        return 200, {"Content-Type": "application/json"}, json.dumps(values).encode()

    with _serve_json_posts(respond, "/provider-states") as url:
        yield url


@contextmanager
def serve_messages(producers: dict[str, MessageProducer]) -> Iterator[str]:
    """Pact's message endpoint: the verifier POSTs ``{"description", ...}`` and reads the
    message from the body, its metadata from the base64 JSON ``Pact-Message-Metadata``."""

    def respond(request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        contents, metadata = producers[request["description"]]()
        metadata = {"contentType": "application/json", **metadata}
        headers = {
            "Content-Type": metadata["contentType"],
            "Pact-Message-Metadata": base64.b64encode(json.dumps(metadata).encode()).decode(),
        }
        return 200, headers, contents

    with _serve_json_posts(respond, "/messages") as url:
        yield url
