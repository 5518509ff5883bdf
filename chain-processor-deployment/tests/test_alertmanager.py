"""Alertmanager: amtool check-config, routing of pages to PagerDuty, key kept out of the file."""

from __future__ import annotations

import pytest
import yaml
from conftest import OBSERVABILITY, run, tool

CONFIG = OBSERVABILITY / "alertmanager/alertmanager.yml"


def test_amtool_check_config() -> None:
    result = run([tool("amtool"), "check-config", CONFIG])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        (["severity=page", "alertname=ExecutorDown"], "pagerduty,ticket"),
        (["severity=ticket", "alertname=ExecutorQueueGrowing"], "ticket"),
        (["alertname=Whatever"], "ticket"),
    ],
)
def test_routing(labels: list[str], receivers: str) -> None:
    result = run([tool("amtool"), "config", "routes", "test", f"--config.file={CONFIG}", *labels])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == receivers


def test_pagerduty_key_comes_from_a_file() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    pagerduty = next(r for r in config["receivers"] if r["name"] == "pagerduty")
    settings = pagerduty["pagerduty_configs"][0]
    assert settings["routing_key_file"].startswith("/run/secrets/")
    assert "routing_key" not in settings and "service_key" not in settings
