"""Which of the records a source sent can be stored; the others are skipped, logged and counted.

One bad record (a missing field, a date like 0000-00-00) must not roll back a whole poll and
leave its source failing for good.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.matcher import match_topic
from bot.alerts.sources import parse_utc

log = logging.getLogger(__name__)

_REQUIRED = ("external_id", "jurisdiction", "identifier", "title", "url")
_DATES = ("published_at", "status_date")
# Bad records are logged one by one up to this many per poll, then only counted.
_LOG_SKIPPED = 5


def storable(
    source: str, items: Iterable[AlertItem], hash_fields: tuple[str, ...]
) -> tuple[list[AlertItem], list[str]]:
    """The items that can be stored, and why each of the others can't (logged)."""
    good, problems = [], []
    for item in items:
        problem = _problem(item, hash_fields)
        if problem is None:
            good.append(item)
            continue
        problems.append(problem)
        if len(problems) <= _LOG_SKIPPED:
            ident = str(getattr(item, "external_id", "?"))[:80]
            log.warning("Skipped a bad record from %s (%s): %s", source, ident, problem)
    if len(problems) > _LOG_SKIPPED:
        log.warning("Skipped %d bad records from %s in all", len(problems), source)
    return good, problems


def _problem(item: AlertItem, hash_fields: tuple[str, ...]) -> str | None:
    """Why an item can't be stored, or None when it can."""
    if not isinstance(item, AlertItem):
        return f"not an alert item ({type(item).__name__})"
    for name in _REQUIRED:
        value = getattr(item, name)
        if not isinstance(value, str) or not value.strip():
            return f"{name} is missing"
    if not isinstance(item.kind, ItemKind):
        return "its kind is unknown"
    for name in _DATES:
        value = getattr(item, name)
        if value is None:
            continue
        try:
            parse_utc(value)
        except (TypeError, ValueError, AttributeError):
            return f"{name} {str(value)[:40]!r} is not a date"
    try:
        item.content_hash(hash_fields)
        match_topic(item.title, item.summary, item.status)
    except (TypeError, ValueError, AttributeError) as exc:
        return f"it could not be read ({type(exc).__name__})"
    return None
