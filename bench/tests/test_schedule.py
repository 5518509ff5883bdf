import asyncio

import pytest

from bench.harness.schedule import Arrival, drive, fixed_rate, merge, round_robin


def test_fixed_rate_spaces_arrivals_evenly_over_the_duration():
    offsets = fixed_rate(4, 2)
    assert offsets == [0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75]


@pytest.mark.parametrize(("rate", "duration"), [(0, 10), (10, 0), (-1, 5)])
def test_fixed_rate_is_empty_without_rate_or_time(rate, duration):
    assert fixed_rate(rate, duration) == []


def test_fixed_rate_rounds_the_count():
    assert len(fixed_rate(200, 60)) == 12_000
    assert len(fixed_rate(3, 0.5)) == 2


def test_merge_orders_streams_by_time_and_numbers_them():
    merged = merge({"a": [0, 1, 2], "b": [0.5, 1.5]})
    assert [(a.offset, a.item) for a in merged] == [
        (0, "a"), (0.5, "b"), (1, "a"), (1.5, "b"), (2, "a"),
    ]  # fmt: skip
    assert [a.index for a in merged] == [0, 1, 2, 3, 4]


def test_merge_keeps_stream_order_on_equal_times():
    assert [a.item for a in merge({"x": [1.0], "y": [1.0], "z": [1.0]})] == ["x", "y", "z"]


def test_round_robin_gives_every_owner_a_share_of_every_stream():
    arrivals = merge({"exec": [0, 1, 2, 3], "design": [0.5, 1.5]})
    handed = round_robin(arrivals, 2)
    owners = {(a.item, owner) for a, owner in handed}
    assert owners == {("exec", 0), ("exec", 1), ("design", 0), ("design", 1)}


def test_round_robin_with_one_owner():
    assert {owner for _, owner in round_robin([Arrival(0.0, 0, "x")] * 3, 1)} == {0}


class FakeClock:
    """Time moves only when the driver sleeps: the schedule, not the host, decides."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_drive_fires_on_schedule_without_waiting_for_earlier_calls(monkeypatch):
    clock = FakeClock()
    fired: list[tuple[str, float]] = []
    release = asyncio.Event()

    async def fake_sleep(seconds: float) -> None:
        clock.now += seconds

    async def fire(item: str, scheduled: float) -> None:
        fired.append((item, scheduled))
        if item == "a":  # a slow first request must not hold the others back
            await release.wait()
        elif item == "c":
            release.set()

    async def main():
        monkeypatch.setattr(asyncio, "sleep", fake_sleep)
        schedule = [(0.0, "a"), (0.5, "b"), (1.0, "c")]
        return await asyncio.wait_for(drive(schedule, fire, clock=clock), timeout=5)

    lag = asyncio.run(main())
    assert [(item, scheduled - 100.0) for item, scheduled in fired] == [
        ("a", 0.0), ("b", 0.5), ("c", 1.0),
    ]  # fmt: skip
    assert clock.now == 101.0  # slept exactly up to the last arrival
    assert lag.late == 0


def test_drive_reports_how_late_a_busy_generator_sent():
    ticks = iter([0.0, 0.0, 0.0, 0.3, 0.3])  # start, 1st check, 1st late, 2nd check, 2nd late

    async def fire(item: int, scheduled: float) -> None:
        return None

    lag = asyncio.run(drive([(0.0, 1), (0.1, 2)], fire, clock=lambda: next(ticks)))
    assert lag.late == 1
    assert lag.worst_s == pytest.approx(0.2)
