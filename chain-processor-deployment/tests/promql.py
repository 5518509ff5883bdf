"""PromQL helpers for the tests: parse with promql-parser, list the metric names."""

from __future__ import annotations

import re

import promql_parser

# Grafana's variables, replaced by what Grafana would send before parsing.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}


def substitute(expression: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expression = expression.replace(variable, value)
    assert not re.search(r"\$\w", expression), f"unknown variable in {expression}"
    return expression


def metric_names(expression: str) -> set[str]:
    """Every metric a PromQL expression selects; raises ValueError when it does not parse."""
    names: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            for matcher in node.matchers.matchers:
                if matcher.name == "__name__":
                    names.add(matcher.value)

    promql_parser.walk(promql_parser.parse(expression), visit)
    return names
