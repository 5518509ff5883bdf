from __future__ import annotations

import json
import logging
import sys

from chain_processor_api.core.logging import JSONFormatter, configure_logging, request_id_var


def record(message: str, **extra: object) -> logging.LogRecord:
    entry = logging.LogRecord("test", logging.INFO, __file__, 1, message, None, None)
    entry.__dict__.update(extra)
    return entry


def test_lines_are_json_with_the_request_id_of_the_context() -> None:
    token = request_id_var.set("req-1")
    try:
        line = json.loads(JSONFormatter().format(record("hello", action="greet")))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "hello"
    assert line["request_id"] == "req-1"
    assert line["action"] == "greet"
    assert line["level"] == "info"


def test_an_explicit_request_id_and_the_exception_are_logged() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        entry = record("failed", request_id="req-2")
        entry.exc_info = sys.exc_info()
    line = json.loads(JSONFormatter().format(entry))
    assert line["request_id"] == "req-2"
    assert "ValueError: boom" in line["exception"]


def test_configure_logging_installs_one_json_handler() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("WARNING")
        assert len(root.handlers) == 1
        assert isinstance(root.handlers[0].formatter, JSONFormatter)
        assert root.level == logging.WARNING
        assert logging.getLogger("uvicorn.access").disabled
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
