"""What an alert channel wants: kinds, jurisdictions, tags and keyword filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.alerts.items import AlertItem, ItemKind
from bot.errors import UserFacingError

ALL = "all"
MODES = ("immediate", "daily")
MAX_TERMS = 10
MAX_TERM_LENGTH = 60


@dataclass(frozen=True, slots=True)
class Subscription:
    """One channel's filter; a channel may have several."""

    id: int
    guild_id: int
    channel_id: int
    kinds: tuple[str, ...]  # ("all",) or item kinds
    jurisdictions: tuple[str, ...]  # ("all",), "US", "US-CA", or "US-*" for every state
    tags: tuple[str, ...]  # empty: any tag
    include_terms: tuple[str, ...]
    exclude_terms: tuple[str, ...]
    mode: str
    mention_role_id: int | None
    paused_reason: str | None
    created_at: str

    @classmethod
    def from_row(cls, row: Any) -> Subscription:
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            kinds=split(row["kinds"]),
            jurisdictions=split(row["jurisdictions"]),
            tags=split(row["tags"]),
            include_terms=split(row["include_terms"]),
            exclude_terms=split(row["exclude_terms"]),
            mode=row["mode"],
            mention_role_id=row["mention_role_id"],
            paused_reason=row["paused_reason"],
            created_at=row["created_at"],
        )

    def matches(self, item: AlertItem) -> bool:
        """Whether this subscription wants the item."""
        if self.paused_reason:
            return False
        if ALL not in self.kinds and item.kind.value not in self.kinds:
            return False
        if not any(_jurisdiction_matches(j, item.jurisdiction) for j in self.jurisdictions):
            return False
        if self.tags and not set(self.tags) & set(item.tags):
            return False
        text = f"{item.title}\n{item.status or ''}\n{item.identifier}".lower()
        if self.include_terms and not any(term in text for term in self.include_terms):
            return False
        return not any(term in text for term in self.exclude_terms)


def _jurisdiction_matches(wanted: str, actual: str) -> bool:
    if wanted in (ALL, actual):
        return True
    return wanted.endswith("-*") and actual.startswith(wanted[:-1])


def split(stored: str) -> tuple[str, ...]:
    return tuple(p for p in stored.split(",") if p)


def parse_kinds(raw: str | None) -> tuple[str, ...]:
    """Validate a comma list of item kinds ('all' when empty)."""
    values = _terms(raw, lower=True) or (ALL,)
    known = {k.value for k in ItemKind} | {ALL}
    unknown = [v for v in values if v not in known]
    if unknown:
        raise UserFacingError(
            f"Unknown kind {unknown[0]!r}. Use any of: {', '.join(sorted(known))}."
        )
    return values


def parse_jurisdictions(raw: str | None) -> tuple[str, ...]:
    """Validate 'all', 'US', 'US-CA' or 'US-*' entries."""
    values = tuple(v.upper() if v != ALL else v for v in _terms(raw, lower=True)) or (ALL,)
    for value in values:
        if value != ALL and not (
            value == "US" or (value.startswith("US-") and (len(value) == 5 or value == "US-*"))
        ):
            raise UserFacingError(
                f"Unknown jurisdiction {value!r}. Use US (federal), a state like US-CA, "
                "US-* for every state, or all."
            )
    return values


def parse_terms(raw: str | None) -> tuple[str, ...]:
    """Keyword filters: comma-separated, lowercase, each short."""
    values = _terms(raw, lower=True)
    if len(values) > MAX_TERMS:
        raise UserFacingError(f"Use at most {MAX_TERMS} keywords.")
    if any(len(v) > MAX_TERM_LENGTH for v in values):
        raise UserFacingError(f"Each keyword can be at most {MAX_TERM_LENGTH} characters.")
    return values


def _terms(raw: str | None, *, lower: bool) -> tuple[str, ...]:
    parts = (p.strip() for p in (raw or "").replace("\n", ",").split(","))
    cleaned = (p.lower() if lower else p for p in parts if p)
    return tuple(dict.fromkeys(cleaned))
