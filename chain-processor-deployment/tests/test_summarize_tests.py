"""`make test`'s closing lines: the sum of every JUnit report, each failing test named first."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import REPO, run

SCRIPT = REPO / "scripts/summarize-tests.py"

PYTEST_REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5">
  <testcase classname="tests.test_a" name="test_ok"/>
  <testcase classname="tests.test_a" name="test_ok_too"/>
  <testcase classname="tests.test_a" name="test_wrong">
    <failure message="AssertionError: assert 1 == 2">def test_wrong():
&gt;       assert 1 == 2</failure>
  </testcase>
  <testcase classname="tests.test_b" name="test_broken_fixture">
    <error message="failed on setup with &quot;RuntimeError: no database&quot;">traceback</error>
  </testcase>
  <testcase classname="tests.test_b" name="test_later"><skipped message="later"/></testcase>
</testsuite></testsuites>
"""

NODE_REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testsuite name="chain processor web" errors="0" tests="2" failures="1" skipped="0">
    <testcase name="signs in" classname="test"/>
    <testcase name="compares two versions" classname="test">
      <failure type="testCodeFailure" message="locator.waitFor: Timeout 15000ms exceeded.">Error
  at journeys.test.mjs:220</failure>
    </testcase>
  </testsuite>
</testsuites>
"""


def summarize(*paths: Path) -> list[str]:
    result = run([sys.executable, SCRIPT, *paths])
    assert result.returncode == 0, result.stderr
    lines: list[str] = result.stdout.splitlines()
    return lines


def test_the_last_line_sums_every_report(tmp_path: Path) -> None:
    (tmp_path / "api.xml").write_text(PYTEST_REPORT)
    (tmp_path / "web.xml").write_text(NODE_REPORT)
    lines = summarize(tmp_path / "api.xml", tmp_path / "web.xml", tmp_path / "absent.xml")
    assert lines[-1] == "total: 3 passed, 3 failed, 1 skipped"


def test_each_failure_is_named_with_its_message(tmp_path: Path) -> None:
    (tmp_path / "api.xml").write_text(PYTEST_REPORT)
    (tmp_path / "web.xml").write_text(NODE_REPORT)
    lines = summarize(tmp_path / "api.xml", tmp_path / "web.xml")
    assert lines[:-1] == [
        "FAILED tests.test_a::test_wrong",
        "    AssertionError: assert 1 == 2",
        "FAILED tests.test_b::test_broken_fixture",
        '    failed on setup with "RuntimeError: no database"',
        "FAILED test::compares two versions",
        "    locator.waitFor: Timeout 15000ms exceeded.",
    ]


def test_a_failure_without_a_message_shows_the_start_of_its_text(tmp_path: Path) -> None:
    report = NODE_REPORT.replace(' message="locator.waitFor: Timeout 15000ms exceeded."', "")
    (tmp_path / "web.xml").write_text(report)
    lines = summarize(tmp_path / "web.xml")
    assert lines[:-1] == [
        "FAILED test::compares two versions",
        "    Error",
        "      at journeys.test.mjs:220",
    ]


def test_all_passing_lists_nothing_but_the_total(tmp_path: Path) -> None:
    report = """<testsuites><testsuite name="web" tests="2" failures="0" errors="0" skipped="0">
      <testcase name="signs in" classname="test"/><testcase name="runs" classname="test"/>
    </testsuite></testsuites>"""
    (tmp_path / "ok.xml").write_text(report)
    assert summarize(tmp_path / "ok.xml") == ["total: 2 passed, 0 failed, 0 skipped"]


def test_a_report_with_colour_codes_is_still_read(tmp_path: Path) -> None:
    # node:test writes a Playwright call log's ANSI colour codes into its report as they come.
    coloured = NODE_REPORT.replace(
        "Timeout 15000ms exceeded.", "Timeout.\x1b[2m  - waiting\x1b[22m"
    )
    (tmp_path / "web.xml").write_text(coloured)
    lines = summarize(tmp_path / "web.xml")
    assert lines == [
        "FAILED test::compares two versions",
        "    locator.waitFor: Timeout.  - waiting",
        "total: 1 passed, 1 failed, 0 skipped",
    ]


def test_an_unreadable_report_counts_as_a_failure(tmp_path: Path) -> None:
    (tmp_path / "cut.xml").write_text(NODE_REPORT[: len(NODE_REPORT) // 2])
    (tmp_path / "api.xml").write_text(PYTEST_REPORT)
    lines = summarize(tmp_path / "cut.xml", tmp_path / "api.xml")
    assert lines[0].startswith("FAILED cut.xml: the report cannot be read")
    assert lines[-1] == "total: 2 passed, 3 failed, 1 skipped"
