"""Loki and Promtail: the labels promtail sets come from our JSON log fields, and the
high-cardinality fields stay out of the labels."""

from __future__ import annotations

import pytest
import yaml
from conftest import OBSERVABILITY

PROMTAIL = OBSERVABILITY / "promtail"
# The fields every service logs (the API/executor contract) and what becomes a label.
LOG_FIELDS = {"level", "message", "request_id", "action", "logger", "service"}
LABELS = {"level", "logger", "service"}
HIGH_CARDINALITY = {"request_id", "action", "execution_id", "trace_id"}


def stages(name: str) -> list[dict]:
    config = yaml.safe_load((PROMTAIL / name).read_text())
    return config["scrape_configs"][0]["pipeline_stages"]


def stage(pipeline: list[dict], kind: str) -> dict:
    return next(s[kind] for s in pipeline if kind in s)


@pytest.mark.parametrize("name", ["config.yml", "kubernetes.yml"])
def test_labels_come_from_the_json_fields(name: str) -> None:
    pipeline = stages(name)
    extracted = stage(pipeline, "json")["expressions"]
    assert LOG_FIELDS <= set(extracted.values())
    assert set(stage(pipeline, "labels")) == LABELS
    assert set(stage(pipeline, "structured_metadata")) == HIGH_CARDINALITY


def test_compose_and_kubernetes_parse_logs_alike() -> None:
    without_cri = [s for s in stages("kubernetes.yml") if "cri" not in s]
    assert without_cri == stages("config.yml")


def test_loki_accepts_structured_metadata() -> None:
    loki = yaml.safe_load((OBSERVABILITY / "loki/loki.yml").read_text())
    assert loki["limits_config"]["allow_structured_metadata"] is True
    schema = loki["schema_config"]["configs"][-1]
    assert (schema["store"], schema["schema"]) == ("tsdb", "v13")  # needed for structured metadata


def test_jaeger_sampling_strategies_parse() -> None:
    import json

    strategies = json.loads((OBSERVABILITY / "jaeger/sampling-strategies.json").read_text())
    assert strategies["default_strategy"]["type"] == "probabilistic"
