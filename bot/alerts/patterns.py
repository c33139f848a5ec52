"""Admins' regex filters, run in a worker thread under time limits, never on the event loop.

A pattern can backtrack for minutes on one title. The `regex` package stops a search after a
timeout and releases the GIL while it matches (`concurrent=True`), so a worker thread keeps the
event loop answering while patterns run (measured in bench/alerts_patterns_bench.py). Each search
has a per-item timeout, each pattern a budget per poll, and the poll a total budget shared out
between its patterns. A pattern that runs over a limit counts as not matching the items it did
not finish; one that does so several polls in a row is switched off by the store.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.errors import UserFacingError

if TYPE_CHECKING:
    import regex

ITEM_TIMEOUT_SECONDS = 0.05
PATTERN_BUDGET_SECONDS = 0.5
POLL_BUDGET_SECONDS = 2.0
# Polls in a row in which a pattern ran over a limit before its subscription is switched off.
STRIKES_TO_SWITCH_OFF = 3
# `subscribe` tries a new pattern on sample titles; it must finish them all within this.
SAMPLE_BUDGET_SECONDS = 0.25

# Titles as the sources write them, some long: a new pattern must cope with these at once.
SAMPLE_TITLES = (
    "S. 1367 (IS) - Nurture Originals, Foster Art, and Keep Entertainment Safe Act of 2025\n"
    "Read twice and referred to the Committee on the Judiciary.\nS.1367",
    "H.R. 7913 (IH) - Generative AI Copyright Disclosure Act of 2024\n"
    "Referred to the House Committee on the Judiciary.\nH.R.7913",
    "Artificial Intelligence; Digital Replicas of Performers; Consent, Compensation and "
    "Disclosure Requirements for Synthetic Media Used in Commercial Advertising and Entertainment\n"
    "Chaptered by Secretary of State - Chapter 512, Statutes of 2026.\nCA AB 2602",
    "The New York Times Company v. Microsoft Corporation, OpenAI, Inc., OpenAI LP, OpenAI GP, "
    "LLC, OpenAI, LLC, OpenAI OpCo LLC, OpenAI Global LLC, OAI Corporation, LLC, and OpenAI "
    "Holdings, LLC\nORDER granting in part and denying in part motion to dismiss\n1:23-cv-11195",
    "Notice of Inquiry and Request for Comments: Copyright and Artificial Intelligence; "
    "Identifying the Economic Impacts of Generative AI Training Data on Creators and Performers "
    "in the Music, Film, Publishing and Visual Arts Industries 2026-11-19 Docket No. 2026-6\n"
    "\nFR 2026-25871",
)

Key = Hashable
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class PatternRun:
    """What a batch of searches found, and which patterns ran over a limit."""

    matched: dict[str, frozenset[Key]] = field(default_factory=dict)
    over_limit: frozenset[str] = frozenset()

    def hit(self, pattern: str, key: Key) -> bool:
        return key in self.matched.get(pattern, frozenset())


@lru_cache(maxsize=512)
def compiled(pattern: str) -> regex.Pattern[str]:
    """An admin's pattern, compiled; raises `regex.error` for an invalid one. The `regex`
    package is imported with the first pattern: a bot none of whose subscriptions has one never
    loads it (1.3 MB)."""
    import regex

    return regex.compile(pattern, regex.IGNORECASE | regex.V1)


def search_all(
    jobs: dict[str, Sequence[tuple[Key, str]]],
    *,
    poll_budget: float = POLL_BUDGET_SECONDS,
    pattern_budget: float = PATTERN_BUDGET_SECONDS,
    item_timeout: float = ITEM_TIMEOUT_SECONDS,
    clock: Clock = time.perf_counter,
) -> PatternRun:
    """Search each pattern's texts; blocking, so call it through `search` (or in a thread)."""
    if not jobs:
        return PatternRun()
    share = min(pattern_budget, poll_budget / len(jobs))
    matched: dict[str, frozenset[Key]] = {}
    over: set[str] = set()
    for pattern, texts in jobs.items():
        found, finished = _search_one(compiled(pattern), texts, share, item_timeout, clock)
        matched[pattern] = found
        if not finished:
            over.add(pattern)
    return PatternRun(matched, frozenset(over))


def _search_one(
    compiled_pattern: regex.Pattern[str],
    texts: Sequence[tuple[Key, str]],
    budget: float,
    item_timeout: float,
    clock: Clock,
) -> tuple[frozenset[Key], bool]:
    """(keys whose text matched, whether every text was searched in time)."""
    deadline = clock() + budget
    found = set()
    for key, text in texts:
        left = deadline - clock()
        if left <= 0:
            return frozenset(found), False
        try:
            hit = compiled_pattern.search(text, timeout=min(item_timeout, left), concurrent=True)
        except TimeoutError:
            return frozenset(found), False
        if hit is not None:
            found.add(key)
    return frozenset(found), True


async def search(jobs: dict[str, Sequence[tuple[Key, str]]], **limits: float) -> PatternRun:
    """Run `search_all` in a worker thread, so the event loop keeps answering meanwhile."""
    if not jobs:
        return PatternRun()
    return await asyncio.to_thread(functools.partial(search_all, jobs, **limits))


async def check_speed(pattern: str, texts: Sequence[str] = ()) -> None:
    """Refuse a pattern that is already too slow on sample titles (and any stored ones given)."""
    sample = [*SAMPLE_TITLES, *texts]
    run = await search(
        {pattern: list(enumerate(sample))},
        poll_budget=SAMPLE_BUDGET_SECONDS,
        pattern_budget=SAMPLE_BUDGET_SECONDS,
    )
    if pattern in run.over_limit:
        raise UserFacingError(
            "That pattern is too slow: it did not finish on a few sample alert titles in time, "
            "so it would hold up alerts. Try a simpler one (avoid nested repeats such as "
            "`(\\S+\\s*)*`), or use include/exclude keywords."
        )
