"""Serve the built web UI (``chain-processor-web/dist``) at ``/`` with an SPA fallback."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

from chain_processor_core.exceptions.errors import NotFoundError

_RESERVED = ("api/", "health", "docs", "redoc", "openapi.json", "metrics")


def mount_web_ui(app: FastAPI, directory: Path) -> None:
    """Files of ``directory`` by path; any other non-API path gets ``index.html``."""
    root = directory.resolve()
    index = root / "index.html"
    if not index.is_file():
        return

    @app.get("/{path:path}", include_in_schema=False)
    def web_ui(path: str) -> FileResponse:
        if path.startswith(_RESERVED):
            raise NotFoundError("No such resource")
        candidate = (root / path).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return FileResponse(candidate)
        return FileResponse(index)
