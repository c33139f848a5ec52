"""A normalized alert item, the same shape whatever source it came from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

# The JSON string encoder json.dumps itself uses (ensure_ascii): the same text, without the
# generic encoder's setup for every call.
_json_string: Any = getattr(json.encoder, "encode_basestring_ascii")  # noqa: B009

DEFAULT_HASH_FIELDS = ("title", "status", "status_date", "url")
REASON_SEPARATOR = " · "


class ItemKind(StrEnum):
    BILL = "bill"
    REGULATION = "regulation"
    CASE = "case"
    FILING = "filing"
    NEWS = "news"


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One bill, rule, case, filing or news item, as a person would want it posted."""

    source: str
    external_id: str
    kind: ItemKind
    jurisdiction: str  # "US", "US-CA", …
    identifier: str  # "S.1367", "CA AB 412", "1:23-cv-11195"
    title: str
    url: str  # a page a person can read, never an API URL
    status: str | None = None  # latest action or docket entry
    status_date: str | None = None
    published_at: str | None = None  # ISO 8601, UTC
    tags: tuple[str, ...] = ()
    attribution: str | None = None
    # Abstract or description: read by the topic matcher, not stored or posted.
    summary: str | None = field(default=None, compare=False)
    # What it does in the source's own words (a bill's abstract, a filing's docket text):
    # stored and shown under the title. Not part of the content hash.
    abstract: str | None = field(default=None, compare=False)
    # Items of tracked dockets concern creators by definition; others go through the matcher.
    always_relevant: bool = field(default=False, compare=False)
    # Set by the store from the matcher: "creators" or "ai-policy", and why ("digital replica").
    tier: str | None = field(default=None, compare=False)
    reasons: tuple[str, ...] = field(default=(), compare=False)
    # A fingerprint of the feed entry the item was read from (its raw bytes), when the source
    # reads entries so: a later poll finding the same fingerprint skips the entry unread.
    entry_hash: str | None = field(default=None, compare=False)

    def content_hash(self, fields: tuple[str, ...] = DEFAULT_HASH_FIELDS) -> str:
        """A fingerprint of the fields whose change is worth an update.

        The SHA-256 of the fields as `json.dumps(..., sort_keys=True)` writes them; text and
        None (every hashed field in practice) are written here directly, to the same bytes.
        """
        parts = []
        for name, quoted in _sorted_names(fields):
            value = getattr(self, name)
            if value is None:
                parts.append(f"{quoted}: null")
            elif type(value) is str:
                parts.append(f"{quoted}: {_json_string(value)}")
            else:
                values = {name: getattr(self, name) for name in fields}
                text = json.dumps(values, sort_keys=True)
                return hashlib.sha256(text.encode()).hexdigest()
        return hashlib.sha256(("{" + ", ".join(parts) + "}").encode()).hexdigest()


@lru_cache(maxsize=64)
def _sorted_names(fields: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, _json_string(name)) for name in sorted(set(fields)))


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item as stored: with its row id, version and when it was first seen and changed."""

    id: int
    item: AlertItem
    version: int
    first_seen_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Any) -> StoredItem:
        item = AlertItem(
            source=row["source"],
            external_id=row["external_id"],
            kind=ItemKind(row["kind"]),
            jurisdiction=row["jurisdiction"],
            identifier=row["identifier"],
            title=row["title"],
            url=row["url"],
            status=row["status"],
            status_date=row["status_date"],
            published_at=row["published_at"],
            tags=tuple(t for t in row["tags"].split(",") if t),
            attribution=row["attribution"],
            tier=row["tier"],
            reasons=tuple(r for r in row["reasons"].split(REASON_SEPARATOR) if r),
            abstract=row["abstract"],
        )
        return cls(row["id"], item, row["version"], row["first_seen_at"], row["updated_at"])
