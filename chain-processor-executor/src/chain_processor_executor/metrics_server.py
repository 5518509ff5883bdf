"""``/metrics`` of the supervisor: the sum of its workers' metrics plus the queue depth.

Workers write their samples to files in a directory of the supervisor's
(``PROMETHEUS_MULTIPROC_DIR``, prometheus-client's multiprocess mode); each scrape reads and
sums them (:class:`MultiProcessCollector`) and counts the pending executions with one query
(:class:`QueueDepthCollector`), so the gauge is as fresh as the scrape and costs nothing
between scrapes. See docs/adr/0003-metrics-aggregation.md.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from chain_processor_executor import queue

logger = logging.getLogger(__name__)


class QueueDepthCollector(Collector):
    """``executor_queue_depth``: pending executions, counted at scrape time (left out of a
    scrape when the database cannot answer)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        try:
            with self.engine.begin() as connection:
                depth = queue.queue_depth(connection)
        except SQLAlchemyError as error:
            logger.warning(
                "queue depth unavailable",
                extra={"action": "queue_depth_failed", "error": type(error).__name__},
            )
            return
        yield GaugeMetricFamily(
            "executor_queue_depth", "Executions waiting to be claimed.", value=depth
        )


class MetricsServer:
    """The multiprocess directory for the workers, and the HTTP server that sums it."""

    def __init__(self, engine: Engine, *, host: str, port: int) -> None:
        self.engine, self.host, self.port = engine, host, port
        self.directory = Path(tempfile.mkdtemp(prefix="cp-executor-metrics-"))
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(self.directory))  # type: ignore[no-untyped-call]
        registry.register(QueueDepthCollector(self.engine))
        self._server, self._thread = start_http_server(self.port, self.host, registry)
        logger.info(
            "metrics served",
            extra={"action": "metrics_started", "port": self._server.server_port},
        )

    def worker_environment(self) -> dict[str, str]:
        """What a worker process needs to write its samples here."""
        return {"PROMETHEUS_MULTIPROC_DIR": str(self.directory)}

    def process_dead(self, pid: int) -> None:
        """Forget a dead worker's gauges (its counters and histograms still count)."""
        mark_process_dead(pid, str(self.directory))  # type: ignore[no-untyped-call]

    def close(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
        shutil.rmtree(self.directory, ignore_errors=True)
