"""What an alert channel wants: kinds, jurisdictions, tags and keyword filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.matcher import CREATORS, TAG_RULES
from bot.alerts.patterns import compiled
from bot.errors import UserFacingError

ALL = "all"
MODES = ("immediate", "daily")
# "creators": only items in the creators tier (the default); "all-ai": every AI item as well.
ALL_AI = "all-ai"
SCOPES = (CREATORS, ALL_AI)
MAX_TERMS = 10
MAX_TERM_LENGTH = 60
MAX_PATTERN_LENGTH = 200
# A pattern that takes longer than this on one item is treated as not matching: the `regex`
# package can stop a runaway (catastrophically backtracking) pattern; `re` cannot.
PATTERN_TIMEOUT_SECONDS = 0.05


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
    pattern: str | None = None
    last_digest_on: str | None = None
    scope: str = CREATORS

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
            pattern=row["pattern"],
            last_digest_on=row["last_digest_on"],
            scope=row["scope"],
        )

    @property
    def filters(self) -> tuple[Any, ...]:
        """Everything matches_filters and the pattern read: subscriptions with equal filters
        want the same items (most servers keep the default ones)."""
        return (
            self.paused_reason,
            self.scope,
            self.kinds,
            self.jurisdictions,
            self.tags,
            self.include_terms,
            self.exclude_terms,
            self.pattern,
        )

    def matches(self, item: AlertItem) -> bool:
        """Whether this subscription wants the item (the pattern searched here, on this thread)."""
        if not self.matches_filters(item):
            return False
        return self.pattern is None or pattern_matches(self.pattern, pattern_text(item))

    def matches_filters(self, item: AlertItem, lowered: str | None = None) -> bool:
        """Whether the item passes every filter but the pattern (cheap; fine on the loop).

        `lowered`: the item's pattern text in lower case, when the caller has it already."""
        if self.paused_reason:
            return False
        # The store judges every item before this; an unjudged one (tier None) is not held back.
        if self.scope == CREATORS and item.tier not in (None, CREATORS):
            return False
        if ALL not in self.kinds and item.kind.value not in self.kinds:
            return False
        if ALL not in self.jurisdictions and not any(
            _jurisdiction_matches(j, item.jurisdiction) for j in self.jurisdictions
        ):
            return False
        if self.tags and not set(self.tags) & set(item.tags):
            return False
        if not (self.include_terms or self.exclude_terms):
            return True  # most subscriptions: no keywords, so no text to read
        if lowered is None:
            lowered = pattern_text(item).lower()
        if self.include_terms and not any(term in lowered for term in self.include_terms):
            return False
        return not any(term in lowered for term in self.exclude_terms)


def pattern_text(item: AlertItem) -> str:
    """The text keywords and patterns are searched in."""
    return f"{item.title}\n{item.status or ''}\n{item.identifier}"


def pattern_matches(pattern: str, text: str) -> bool:
    """Search text for an admin's pattern, giving up (no match) after the time limit."""
    try:
        return compiled(pattern).search(text, timeout=PATTERN_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        return False


def parse_pattern(raw: str | None) -> str | None:
    """Validate an optional regular expression filter."""
    if not raw or not raw.strip():
        return None
    pattern = raw.strip()
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UserFacingError(f"The pattern can be at most {MAX_PATTERN_LENGTH} characters.")
    import regex  # imported by `compiled` the first time anyway

    try:
        compiled(pattern)
    except regex.error as exc:
        raise UserFacingError(f"That pattern is not a valid regular expression: {exc}.") from None
    return pattern


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


def parse_tags(raw: str | None) -> tuple[str, ...]:
    """Validate topic tags against the matcher's tag set."""
    tags = parse_terms(raw)
    unknown = [t for t in tags if t not in TAG_RULES]
    if unknown:
        raise UserFacingError(f"Unknown tag {unknown[0]!r}. Tags: {', '.join(TAG_RULES)}.")
    return tags
