"""``/metrics`` for Prometheus (public like the health checks; nothing in it is secret)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from chain_processor_api.api.deps import ReleasingRoute

router = APIRouter(tags=["health"], route_class=ReleasingRoute)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def read_metrics(request: Request) -> Response:
    """Request counts and latencies by route, process CPU and memory, submissions."""
    body, content_type = request.app.state.metrics.render()
    return Response(body, media_type=content_type)
