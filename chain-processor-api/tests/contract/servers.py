"""Servers the Pact verifier talks to, each on a free loopback port in a thread of the test.

- :func:`serve_api`: the real application under uvicorn, as a client reaches it.
- :func:`serve_provider_states`: Pact's state-change endpoint. The verifier POSTs
  ``{"state", "params", "action"}`` before each interaction; the JSON object answered is what
  the consumer's ``fromProviderState("${name}")`` expressions are filled from (ids of the
  seeded rows, the access token of the signed-in user). pact-python's built-in state
  callback answers nothing, which is why this one is ours.
"""

from __future__ import annotations

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


@contextmanager
def serve_provider_states(handler: StateHandler) -> Iterator[str]:
    """Pact's state-change endpoint calling ``handler`` on set-up; its URL. A handler that
    raises answers 500 with the error, which fails the interaction with that message."""

    class StateChange(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            try:
                values = (
                    handler(request["state"], request.get("params") or {})
                    if request.get("action", "setup") == "setup"
                    else {}
                )
                status, body = 200, values
            except Exception as error:  # reported to the verifier, which fails the interaction
                status, body = 500, {"error": f"{type(error).__name__}: {error}"}
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the verifier reports what failed."""

    server = ThreadingHTTPServer((HOST, 0), StateChange)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}/provider-states"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
