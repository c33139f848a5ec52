"""The collector after start-up: objects alive are set aside, and are looked at again later."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from bot import heap


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> Node:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a


def test_what_is_alive_is_set_aside_and_what_died_is_collected() -> None:
    kept, dropped = cycle(), cycle()
    dropped_ref = weakref.ref(dropped)
    del dropped
    heap.settle()
    assert dropped_ref() is None, "garbage is collected before the rest is set aside"
    assert gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects()), "set aside: collections skip it"


def test_a_set_aside_object_dropped_later_is_collected_at_the_next_settle() -> None:
    kept = cycle()
    kept_ref = weakref.ref(kept)
    heap.settle()
    del kept
    gc.collect()
    assert kept_ref() is not None, "a frozen cycle waits for the next settle"
    heap.settle()
    assert kept_ref() is None


def test_a_lower_threshold_is_raised_and_a_higher_one_kept() -> None:
    gc.set_threshold(700, 10, 10)
    heap.settle()
    assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, 10, 10)
    gc.set_threshold(heap.YOUNG_THRESHOLD * 2, 10, 10)
    heap.settle()
    assert gc.get_threshold() == (heap.YOUNG_THRESHOLD * 2, 10, 10)


def test_collections_are_held_off_until_the_last_block_in_any_thread_ends() -> None:
    assert gc.isenabled()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with heap.collections_held_off():
            first_in.set()
            second_in.wait()
        first_out.set()

    worker = threading.Thread(target=first)
    worker.start()
    first_in.wait()
    with heap.collections_held_off():
        second_in.set()
        first_out.wait()
        seen.append(gc.isenabled())  # the other thread's block has ended, this one hasn't
    worker.join()
    assert seen == [False]
    assert gc.isenabled()


def test_a_block_that_fails_turns_collections_back_on() -> None:
    @heap.collections_held_off()
    def failing() -> None:
        assert not gc.isenabled()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        failing()
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with heap.collections_held_off():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
