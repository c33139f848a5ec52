"""Source adapters: one module per public source, all with the same small interface.

An adapter fetches since a cursor and returns normalized items and the next cursor. It declares
the fields that make its content hash, its default poll interval and its request budget, which
the scheduler enforces (it hands adapters a client that counts every request). Adding a source
touches no other source. Adapters make requests through `get`, which turns transport errors and
error statuses into `SourceError` (with the server's Retry-After, when it sent one) and never
puts a URL in a message, since keyed APIs carry their key in the query. Bodies are read under
the client's caps and total deadline (bot.http.CappedTransport).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

import httpx

from bot.alerts.items import AlertItem
from bot.http import DeadlineExceeded, RefusedUrl, ResponseTooLarge


class SourceError(Exception):
    """A poll failed (network, HTTP status, malformed data); the scheduler backs off.

    `retry_after` is the wait in seconds the server asked for (429 / 503 Retry-After), if any.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Budget:
    """Requests a source may make, per hour and per day."""

    per_hour: int
    per_day: int


@dataclass(frozen=True, slots=True)
class Page:
    """What one poll returned."""

    items: list[AlertItem] = field(default_factory=list)
    cursor: str | None = None
    not_modified: bool = False
    # Entries skipped unread because the store holds them unchanged (see SkipsUnchanged).
    unchanged: int = 0


class UnchangedEntries(Protocol):
    """What the store knows of the entries its items were read from (AlertStore)."""

    async def held_entries(self, source: str, fingerprints: list[str]) -> set[str]:
        """The fingerprints a stored item was read from: those entries need not be read."""
        ...

    async def entry_fingerprints(self, source: str, external_ids: list[str]) -> dict[str, str]:
        """The fingerprint of the entry each stored item was read from, by external id."""
        ...


@dataclass(frozen=True, slots=True)
class TrackedCase:
    """A court docket admins follow (CourtListener docket id); its filings are always posted."""

    docket_id: int
    name: str


class HttpGetter(Protocol):
    """The part of httpx.AsyncClient adapters use; the scheduler's metered client has it too."""

    async def get(self, url: str, *, params: Any = None, headers: Any = None) -> httpx.Response: ...


class Source(Protocol):
    # Read-only members, so an adapter may declare them as class constants of narrower types.
    @property
    def name(self) -> str: ...
    @property
    def hash_fields(self) -> tuple[str, ...]: ...
    @property
    def poll_interval(self) -> timedelta: ...
    @property
    def budget(self) -> Budget: ...

    async def fetch(self, client: HttpGetter, cursor: str | None) -> Page:
        """Fetch what is new since cursor."""
        ...


@runtime_checkable
class SkipsUnchanged(Protocol):
    """A source that can skip, unread, the entries the store already holds unchanged."""

    async def fetch_unread(
        self, client: HttpGetter, cursor: str | None, unchanged: UnchangedEntries | None
    ) -> Page:
        """Fetch as `fetch` does, leaving out (and counting) the entries `unchanged` names."""
        ...


async def get(
    client: HttpGetter,
    url: str,
    *,
    what: str,
    params: Any = None,
    headers: dict[str, str] | None = None,
    ok: tuple[int, ...] = (200,),
) -> httpx.Response:
    """GET url; any status outside `ok` or a transport error becomes a SourceError about `what`."""
    try:
        response = await client.get(url, params=params, headers=headers or {})
    except (DeadlineExceeded, ResponseTooLarge) as exc:
        raise SourceError(f"{what}: {exc}") from exc  # the bot's own words: no URL in them
    except RefusedUrl as exc:
        raise SourceError(f"{what}: refused: {exc.message}") from exc
    except httpx.HTTPError as exc:
        raise SourceError(f"{what}: request failed ({type(exc).__name__})") from exc
    if response.status_code not in ok:
        raise SourceError(f"{what}: HTTP {response.status_code}", retry_after=retry_after(response))
    return response


def json_body(response: httpx.Response, what: str) -> Any:
    """The response's JSON, or a SourceError when it is not JSON."""
    try:
        return response.json()
    except ValueError as exc:
        raise SourceError(f"{what}: the response is not JSON") from exc


@dataclass(frozen=True, slots=True)
class UpdateWindow:
    """The updates a paged API poll reads: from `since` (less the source's overlap), resumed at
    `position` (an offset or a page) when the last poll stopped at its page cap."""

    since: datetime
    started: datetime  # when this window was first read: the next window's `since`
    position: int

    @classmethod
    def load(cls, state: Any, now: datetime, first: int) -> UpdateWindow | None:
        """The saved window, or None when there is none this version can read."""
        try:
            since = min(parse_utc(state["since"]), now)
            started = min(parse_utc(state.get("started") or now.isoformat()), now)
            return cls(since, started, max(first, int(state.get("position", first))))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def done(self) -> dict[str, Any]:
        """The state after reading to the end: the next poll starts where this one started."""
        return {"since": api_time(self.started)}

    def resume(self, position: int) -> dict[str, Any]:
        """The state after stopping at the page cap: the next poll goes on from `position`."""
        return {
            "since": api_time(self.since),
            "started": api_time(self.started),
            "position": position,
        }


@lru_cache(maxsize=8192)
def parse_utc(value: str) -> datetime:
    """A UTC datetime from "2026-11-19", "2026-11-19T08:05:32Z" or "2026-11-19 08:05:32+00:00"."""
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def api_time(moment: datetime) -> str:
    """A moment as APIs write it: 2026-11-19T08:05:32Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def retry_after(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), if present."""
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
