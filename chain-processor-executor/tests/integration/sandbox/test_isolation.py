"""Which runs may share a process: one user's runs of one chain version (a trust domain),
one after the other; no run ever meets a process where another domain's node code ran."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from chain_processor_executor.sandbox import Reason, SandboxLimits, SandboxPool, StepCall
from chain_processor_executor.sandbox.process import SandboxProcess

# Remembers the last input it saw in the process, and answers with the one before.
STASH = (
    "import builtins\n\n"
    "def node(text):\n"
    "    previous = getattr(builtins, 'stash', 'nothing')\n"
    "    builtins.stash = text\n"
    "    return previous\n"
)
STEP = StepCall(hashlib.sha256(STASH.encode()).hexdigest(), STASH, None, 5)
PATCH_SORTED = (
    "import builtins\n\n"
    "def node(text):\n"
    "    builtins.sorted = lambda *args, **kwargs: ['TAMPERED']\n"
    "    return text\n"
)
SORT = "def node(text):\n    return ''.join(sorted(text))\n"


def call(code: str) -> StepCall:
    return StepCall(hashlib.sha256(code.encode()).hexdigest(), code, None, 5)


def outputs(pool: SandboxPool | SandboxProcess, steps: list[StepCall], text: str,
            key: str | None) -> list[str | None]:  # fmt: skip
    return [r.output for r in pool.run_chain(steps, text, key=key) if r is not None]


@pytest.fixture
def process() -> Iterator[SandboxProcess]:
    process = SandboxProcess(SandboxLimits(max_warm_runs=3), 0)
    yield process
    process.kill()


def test_runs_of_one_trust_domain_share_a_process(process: SandboxProcess) -> None:
    assert outputs(process, [STEP], "first", "alice:v1") == ["nothing"]
    assert outputs(process, [STEP], "second", "alice:v1") == ["first"]
    assert process.warm_key == "alice:v1"


def test_another_domain_never_meets_that_process(process: SandboxProcess) -> None:
    assert outputs(process, [STEP], "alice's secret", "alice:v1") == ["nothing"]
    assert outputs(process, [STEP], "bob", "bob:v1") == ["nothing"]
    assert outputs(process, [STEP], "alice again", "alice:v1") == ["nothing"]
    assert outputs(process, [STEP], "anyone", None) == ["nothing"]
    assert process.warm_key is None
    assert process.alive


def test_a_kept_process_is_replaced_after_max_warm_runs(process: SandboxProcess) -> None:
    seen = [outputs(process, [STEP], str(i), "alice:v1")[0] for i in range(5)]
    assert seen == ["nothing", "0", "1", "nothing", "3"]


def test_patched_builtins_reach_only_the_same_domain(process: SandboxProcess) -> None:
    chain = [call(PATCH_SORTED), call(SORT)]
    # later nodes of the same run see the patch ...
    assert outputs(process, chain, "cba", "mallory:v1") == ["cba", "TAMPERED"]
    # ... a run of anyone else does not
    assert outputs(process, [call(SORT)], "cba", "victim:v1") == ["abc"]


def test_a_node_that_dies_ends_the_kept_process(process: SandboxProcess) -> None:
    assert outputs(process, [STEP], "first", "alice:v1") == ["nothing"]
    crash = "import os\n\ndef node(text):\n    os._exit(3)\n"
    [result] = process.run_chain([call(crash)], "x", key="alice:v1")
    assert result is not None and result.reason is Reason.CRASHED
    assert "status 3" in (result.error or "")
    assert process.warm_key is None and process.alive
    assert outputs(process, [STEP], "after", "alice:v1") == ["nothing"]


def test_the_pool_prefers_the_sandbox_keeping_the_domain() -> None:
    with SandboxPool(2) as pool:
        assert outputs(pool, [STEP], "a1", "alice:v1") == ["nothing"]
        assert outputs(pool, [STEP], "b1", "bob:v1") == ["nothing"]
        assert outputs(pool, [STEP], "a2", "alice:v1") == ["a1"]
        assert outputs(pool, [STEP], "b2", "bob:v1") == ["b1"]
        assert outputs(pool, [STEP], "c1", "carol:v1") == ["nothing"]


def test_a_pool_starts_another_sandbox_rather_than_end_a_kept_domain() -> None:
    pool = SandboxPool(3).start(1)
    try:
        assert pool.started == 1
        assert outputs(pool, [STEP], "a1", "alice:v1") == ["nothing"]
        assert outputs(pool, [STEP], "b1", "bob:v1") == ["nothing"]
        assert pool.started == 2  # bob got a new sandbox: alice's fork is still kept
        assert outputs(pool, [STEP], "a2", "alice:v1") == ["a1"]
        assert outputs(pool, [STEP], "b2", "bob:v1") == ["b1"]
        assert pool.started == 2
    finally:
        pool.close()


def test_a_full_pool_ends_the_fork_of_the_sandbox_used_last() -> None:
    with SandboxPool(2) as pool:
        assert outputs(pool, [STEP], "a1", "alice:v1") == ["nothing"]
        assert outputs(pool, [STEP], "b1", "bob:v1") == ["nothing"]
        assert outputs(pool, [STEP], "c1", "carol:v1") == ["nothing"]  # in bob's sandbox
        assert outputs(pool, [STEP], "a2", "alice:v1") == ["a1"]
        assert outputs(pool, [STEP], "b2", "bob:v1") == ["nothing"]
        assert pool.started == 2


def test_a_pool_starts_at_most_its_size() -> None:
    with SandboxPool(2) as pool:
        assert pool.started == 2
    pool = SandboxPool(2).start(5)
    try:
        assert pool.started == 2
    finally:
        pool.close()
