"""The collector after start-up: objects alive are set aside, and are looked at again later;
glibc's allocator keeps giving big blocks maps of their own."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

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


_PROBE = """
import ctypes, ctypes.util, sys
from pathlib import Path
from bot import heap
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[1] == "keep":
    assert heap.keep_mmap_threshold()
libc.free(libc.malloc(8 << 20))
block = libc.malloc(1 << 20)
for line in Path("/proc/self/maps").read_text().splitlines():
    if line.endswith("[heap]"):
        start, end = (int(part, 16) for part in line.split()[0].split("-"))
        if start <= block < end:
            print("heap")
"""


def _served_from_the_heap(setting: str) -> bool:
    """In a new process (its heap not yet cut up by other work): after an 8 MB block is freed,
    whether a 1 MB block comes from glibc's heap rather than a map of its own."""
    # glibc's own defaults: none of its MALLOC_* tunables from this environment.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    out = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _PROBE, setting],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
        env=env,
    )
    return out.stdout.strip() == "heap"


@pytest.mark.skipif(
    heap._libc_function("mallopt") is None or not Path("/proc/self/maps").exists(),
    reason="glibc's allocator on Linux",
)
def test_big_blocks_keep_maps_of_their_own_after_a_bigger_one_is_freed() -> None:
    # Left to itself, glibc serves blocks up to the size of the biggest freed from its heap,
    # which keeps their pages; with the threshold kept, a 1 MB block still has its own map.
    assert _served_from_the_heap("leave")
    assert not _served_from_the_heap("keep")
