"""Which of the records a source sent can be stored; the others are skipped, logged and counted.

One bad record (a missing field, a date like 0000-00-00) must not roll back a whole poll and
leave its source failing for good.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.sources import parse_utc

log = logging.getLogger(__name__)

_REQUIRED = ("external_id", "jurisdiction", "identifier", "title", "url")
_DATES = ("published_at", "status_date")
# Text the matcher, the content hash and the columns read: text or nothing, never another type.
_OPTIONAL_TEXT = ("status", "summary", "abstract", "attribution")
# Bad records are logged one by one up to this many per poll, then only counted.
_LOG_SKIPPED = 5


def storable(
    source: str, items: Iterable[AlertItem], hash_fields: tuple[str, ...]
) -> tuple[list[tuple[AlertItem, str]], list[str]]:
    """The items that can be stored with their content hashes, and why each of the others
    can't (logged)."""
    good: list[tuple[AlertItem, str]] = []
    problems: list[str] = []
    for item in items:
        problem = _problem(item)
        if problem is None:
            try:
                good.append((item, item.content_hash(hash_fields)))
                continue
            except (TypeError, ValueError, AttributeError) as exc:
                problem = f"it could not be read ({type(exc).__name__})"
        problems.append(problem)
        if len(problems) <= _LOG_SKIPPED:
            ident = str(getattr(item, "external_id", "?"))[:80]
            log.warning("Skipped a bad record from %s (%s): %s", source, ident, problem)
    if len(problems) > _LOG_SKIPPED:
        log.warning("Skipped %d bad records from %s in all", len(problems), source)
    return good, problems


def _problem(item: AlertItem) -> str | None:
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
    for name in _OPTIONAL_TEXT:
        value = getattr(item, name)
        if value is not None and not isinstance(value, str):
            return f"it could not be read ({name} is a {type(value).__name__}, not text)"
    if not isinstance(item.tags, tuple) or not all(isinstance(t, str) for t in item.tags):
        return "it could not be read (its tags are not text)"
    return None
