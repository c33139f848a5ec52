"""Memory in a long-running bot. Python's cycle collector: what start-up built is set aside, the
young generation is collected less often, and big batches of work hold collections off. The C
library's allocator (glibc): big blocks keep their own memory maps, and freed heap pages are
handed back after big temporary work."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Container objects allocated (less those freed) between two collections of the youngest
# generation; Python's default is 700. In a burst of interactions each one allocates a few
# hundred, most of them alive until its reply is sent, so at 700 the collector ran several times
# an interaction and walked the same live objects again and again. See "Interactions" in the
# README's performance section for what it measured.
YOUNG_THRESHOLD = 5_000


def settle() -> None:
    """Collect once, then move every object still alive into the permanent generation, which
    later collections do not walk (`gc.freeze`): the standards engine, the command tree, the
    modules' own objects. A full collection of the bot after start-up walked about 110,000 of
    them and held the event loop for 45–130 ms in the middle of a burst.

    Called when the bot is ready and after the standards are reloaded; what an earlier call set
    aside is looked at again first (`gc.unfreeze`), so an object dropped since is collected.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)


_holds = 0  # blocks under way in `collections_held_off`, in any thread
_holds_lock = threading.Lock()
_enable_after = False  # whether the collector was on when the first of them began


@contextmanager
def collections_held_off() -> Iterator[None]:
    """No cycle collection while the block runs, in any thread; as a decorator, while the
    function runs. For work that builds many objects that all stay alive until it ends (a
    poll's entries, items and rows): every collection meanwhile walks them all again and frees
    none (0.21-0.46 s of the ingest bench's 100,000-item all-new cycle, 0.10-0.16 s with the
    poll's work held off). Reference counting frees what dies as always; cycles wait for the
    first collection after the last such block ends (the allocations meanwhile count towards
    it). Blocks in several threads may overlap: the collector comes back on when the last one
    ends, if it was on when the first began.
    """
    global _holds, _enable_after
    with _holds_lock:
        if _holds == 0:
            _enable_after = gc.isenabled()
            gc.disable()
        _holds += 1
    try:
        yield
    finally:
        with _holds_lock:
            _holds -= 1
            if _holds == 0 and _enable_after:
                gc.enable()


# glibc's malloc gives a block of MMAP_THRESHOLD bytes or more a memory map of its own, handed
# back to the system when the block is freed. Left to itself, glibc raises the threshold to the
# size of each such block freed (up to 32 MB) and from then on serves blocks up to that size from
# its heaps, which keep freed pages: the few-megabyte buffers of training the section classifier
# at start left the bot 3.0 MB larger for good than a start that read the classifier from its
# cache. Setting the threshold once keeps it where it starts (glibc's default, 128 KiB).
MMAP_THRESHOLD = 128 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt's parameter (malloc.h)


def keep_mmap_threshold() -> bool:
    """Keep glibc's threshold for blocks with a memory map of their own at MMAP_THRESHOLD;
    whether it was set (False with another C library). Called once, when the bot starts."""
    mallopt = _libc_function("mallopt")
    return bool(mallopt and mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def trim_heap() -> None:
    """Hand the heap's free pages back to the system where the C library can (glibc): a big
    piece of work's temporaries are freed, but the allocator would keep their pages."""
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


@functools.cache
def _libc_function(name: str) -> Any:
    """A function of the C library (glibc's malloc_trim, mallopt), looked up once; None where
    the library has none."""
    library = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(library), name) if library else None
    except (AttributeError, OSError):
        return None
