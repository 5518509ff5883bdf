"""The file a supervisor's workers share so that one of them claims per new execution."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from chain_processor_executor import wakeups
from chain_processor_executor.wakeups import SIZE, SLOTS, ShareFile, WakeupShare, create_share


@pytest.fixture
def share_file(tmp_path: Path) -> Path:
    return create_share(str(tmp_path))


def test_a_new_share_is_empty_and_sized(share_file: Path) -> None:
    assert share_file.stat().st_size == SIZE
    share = WakeupShare(share_file)
    try:
        assert share.take(str(uuid.uuid4())) is True
    finally:
        share.close()


def test_one_worker_takes_a_notification_and_the_others_let_it_pass(share_file: Path) -> None:
    first, second = WakeupShare(share_file), WakeupShare(share_file)
    try:
        execution_id = str(uuid.uuid4())
        assert first.take(execution_id) is True
        assert second.take(execution_id) is False
        assert first.take(execution_id) is False
        assert second.take(str(uuid.uuid4())) is True  # another execution is anyone's
    finally:
        first.close()
        second.close()


def test_a_payload_that_is_not_an_execution_id_wakes_everyone(share_file: Path) -> None:
    first, second = WakeupShare(share_file), WakeupShare(share_file)
    try:
        assert [first.take(""), second.take(""), first.take("x"), second.take("x")] == [True] * 4
    finally:
        first.close()
        second.close()


def test_the_oldest_ids_are_forgotten_once_the_ring_is_full(share_file: Path) -> None:
    share = WakeupShare(share_file)
    try:
        oldest = str(uuid.uuid4())
        assert share.take(oldest)
        for _ in range(SLOTS - 1):
            assert share.take(str(uuid.uuid4()))
        assert share.take(oldest) is False  # still remembered: the ring holds SLOTS ids
        assert share.take(str(uuid.uuid4()))  # overwrites the oldest
        assert share.take(oldest) is True
    finally:
        share.close()


def test_racing_workers_take_each_id_once(share_file: Path) -> None:
    ids = [str(uuid.uuid4()) for _ in range(200)]
    taken: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        share = WakeupShare(share_file)  # its own descriptor, as a process has
        try:
            for execution_id in ids:
                if share.take(execution_id):
                    with lock:
                        taken.append(execution_id)
        finally:
            share.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(taken) == sorted(ids)


def test_another_process_sees_what_was_taken(share_file: Path) -> None:
    execution_id = str(uuid.uuid4())
    share = WakeupShare(share_file)
    try:
        assert share.take(execution_id)
        code = (
            "import sys\n"
            "from chain_processor_executor.wakeups import WakeupShare\n"
            "share = WakeupShare(sys.argv[1])\n"
            "print(share.take(sys.argv[2]), share.take(sys.argv[3]))\n"
        )
        other = str(uuid.uuid4())
        answer = subprocess.run(
            [sys.executable, "-c", code, str(share_file), execution_id, other],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert answer.stdout.split() == ["False", "True"]
        assert share.take(other) is False
    finally:
        share.close()


def test_a_missing_share_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        WakeupShare(tmp_path / "missing")


def test_a_file_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    short = tmp_path / "short"
    short.write_bytes(b"\0" * 8)
    with pytest.raises(ValueError):
        WakeupShare(short)


def test_a_supervisors_share_file_is_unlinked_and_opened_through_its_descriptor(
    tmp_path: Path,
) -> None:
    share_file = ShareFile(str(tmp_path))
    try:
        assert list(tmp_path.iterdir()) == []  # nothing left on disk, whatever happens next
        assert share_file.fd is not None and share_file.pass_fds == (share_file.fd,)
        assert share_file.argument == f"/proc/self/fd/{share_file.fd}"
        # Each opening is an open file of its own, so flock keeps them apart as before.
        first, second = WakeupShare(share_file.argument), WakeupShare(share_file.argument)
        try:
            execution_id = str(uuid.uuid4())
            assert first.take(execution_id) is True
            assert second.take(execution_id) is False
        finally:
            first.close()
            second.close()
    finally:
        share_file.close()
    assert share_file.fd is None


def test_without_proc_fds_the_share_file_is_a_temporary_file_removed_on_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wakeups, "_PROC_FDS", tmp_path / "no-proc")
    share_file = ShareFile(str(tmp_path))
    [on_disk] = tmp_path.glob("cp-wakeups-*")
    assert (share_file.argument, share_file.pass_fds) == (str(on_disk), ())
    share = WakeupShare(share_file.argument)
    share.close()
    share_file.close()
    share_file.close()  # twice is harmless
    assert list(tmp_path.glob("cp-wakeups-*")) == []
