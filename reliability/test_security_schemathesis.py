"""Schemathesis with every check over the whole OpenAPI document, against the live server (the
in-process run is chain-processor-api/tests/contract/test_openapi.py). The bar is zero 5xx;
other check failures are reported in the results table."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from client import ApiClient
from conftest import MakeStack
from results import RESULTS_DIR, Results
from stack import BIN

pytestmark = pytest.mark.security

EXAMPLES = os.environ.get("CP_SCHEMATHESIS_EXAMPLES", "20")
TIME_LIMIT_S = 900


def test_schemathesis_all_checks_against_the_live_server(
    make_stack: MakeStack, results: Results
) -> None:
    stack = make_stack(executor=False)
    api = ApiClient(stack.base_url)
    token = api.admin().access
    api.close()
    junit = RESULTS_DIR / "schemathesis-junit.xml"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    command = [
        str(BIN / "st"), "run", f"{stack.base_url}/openapi.json",
        "--checks", "all",
        "-H", f"Authorization: Bearer {token}",
        "--exclude-path", "/api/v1/login/logout",  # would end the session the run uses
        "--max-examples", EXAMPLES, "--seed", "8", "--no-color",
        "--request-timeout", "30", "--workers", "2",
        "--report", "junit", "--report-junit-path", str(junit),
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=TIME_LIMIT_S, check=False)
    output = run.stdout + run.stderr
    (RESULTS_DIR / "schemathesis-output.txt").write_text(output.replace(token, "[TOKEN]"))

    # ST101 "Server error", ST102 "Server error on undeclared request Content-Type".
    server_errors = len(re.findall(r"ST10[12] Server error", output))
    summary = next(
        (line.strip("= ") for line in output.splitlines()[::-1] if line.startswith("====")), ""
    )
    generated = re.search(r"(\d+) generated", output)
    ok = server_errors == 0 and generated is not None
    results.record(
        "API: schemathesis",
        f"st run --checks all, {EXAMPLES} examples/operation, live server, admin token",
        "zero 5xx",
        f"5xx: {server_errors} in {generated.group(1) if generated else '?'} cases; other "
        f"check failures (not 5xx): {_codes(output) or 'none'}; {summary}",
        ok,
        exit_status=run.returncode,
        failing_checks=_codes(output),
    )
    assert ok, output[-4000:]


def _codes(output: str) -> dict[str, int]:
    """The summary's failure lines: ``❌ ST205 Allow header mismatch: 10``."""
    found = re.findall(r"❌ (ST\d+ [^:]+): (\d+)", output)
    return {name: int(count) for name, count in found}
