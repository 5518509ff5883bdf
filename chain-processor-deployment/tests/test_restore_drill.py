"""The restore drill, for real: stock PostgreSQL tools, a WAL archive, point-in-time and
end-of-archive restores. Prints the measured RPO and RTO."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import restore_drill


@pytest.fixture(scope="module")
def report() -> restore_drill.Report:
    workdir = Path(os.environ.get("CP_DRILL_DIR", "/var/tmp")) / f"cp-drill-{os.getpid()}"
    try:
        restore_drill.make_dir(workdir)
        return restore_drill.drill(workdir, batch=60, crash_after_s=3.0)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.slow
def test_drill_passes_and_reports_rpo_rto(
    report: restore_drill.Report, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        print()  # noqa: T201 - the drill's report belongs in the test output
        restore_drill.print_report(report)
    assert report.ok, report.problems


@pytest.mark.slow
def test_point_in_time_restore_is_exact(report: restore_drill.Report) -> None:
    assert report.pitr_present == report.written_before_target == 60
    assert report.pitr_missing == 0
    assert report.pitr_unexpected == 0


@pytest.mark.slow
def test_no_committed_execution_is_missing_up_to_the_recovery_point(
    report: restore_drill.Report,
) -> None:
    assert report.latest_missing_before_recovery_point == 0
    # Everything before the crash window survives; the crash window loses at most the
    # WAL segment in progress.
    assert report.latest_recovered >= report.written_before_target + report.written_after_target
    assert report.wal_segments_archived > 0


@pytest.mark.slow
def test_objectives(report: restore_drill.Report) -> None:
    assert 0 <= report.rpo_seconds <= restore_drill.ARCHIVE_TIMEOUT_S + 5
    assert report.rpo_seconds <= restore_drill.RPO_OBJECTIVE_S
    assert 0 < report.rto_seconds <= restore_drill.RTO_OBJECTIVE_S
