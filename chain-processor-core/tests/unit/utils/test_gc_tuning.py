import gc
import weakref
from collections.abc import Iterator

import pytest

from chain_processor_core.utils.gc_tuning import gc_state, tune_gc


class Cell:
    """A container that can be weakly referenced: a cycle of these is only freed by a
    collection."""

    def __init__(self) -> None:
        self.other: object = None


@pytest.fixture(autouse=True)
def restore_the_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def _tracked(item: object) -> bool:
    """Whether a generation the collector examines holds ``item`` (frozen ones are not)."""
    return any(other is item for generation in range(3) for other in gc.get_objects(generation))


def test_tuning_freezes_what_lives_and_raises_only_the_youngest_threshold() -> None:
    gc.set_threshold(700, 10, 10)
    kept = Cell()
    assert _tracked(kept)

    state = tune_gc(5000)

    assert state.thresholds == (5000, 10, 10) == gc.get_threshold()
    assert state.frozen == gc.get_freeze_count() > 0
    assert not _tracked(kept)  # frozen: no collection examines it again
    gc.collect()
    assert kept.other is None  # and it is alive


def test_garbage_is_collected_before_the_freeze() -> None:
    gc.disable()  # no collection of its own between making the cycle and tuning
    try:
        first, second = Cell(), Cell()
        first.other, second.other = second, first
        gone = weakref.ref(first)
        del first, second
        assert gone() is not None
        tune_gc(5000)
        # garbage at the call: freed, not frozen for the life of the process
        assert gone() is None
    finally:
        gc.enable()


def test_after_tuning_new_cycles_are_still_collected() -> None:
    tune_gc(5000)
    first, second = Cell(), Cell()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second

    gc.collect()

    assert gone() is None


def test_zero_leaves_the_collector_as_it_was() -> None:
    gc.set_threshold(700, 10, 10)
    frozen = gc.get_freeze_count()
    kept = Cell()

    state = tune_gc(0)

    assert state.thresholds == (700, 10, 10)
    assert state.frozen == frozen == gc_state().frozen
    assert _tracked(kept)


def test_a_negative_threshold_is_refused() -> None:
    thresholds = gc.get_threshold()
    with pytest.raises(ValueError, match="cannot be negative"):
        tune_gc(-1)
    assert gc.get_threshold() == thresholds
