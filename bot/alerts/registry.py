"""Which sources are on: the keyless ones always, keyed ones when their key is set, feeds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.alerts.sources import Source, TrackedCase
from bot.alerts.sources.congress import CongressGov
from bot.alerts.sources.courtlistener_api import CourtListenerApi
from bot.alerts.sources.courtlistener_feed import CourtListenerFeed
from bot.alerts.sources.federal_register import FederalRegister
from bot.alerts.sources.govinfo import GovInfoBills
from bot.alerts.sources.legiscan import LegiScan
from bot.alerts.sources.openstates import OpenStates
from bot.alerts.sources.rss import RssFeed
from bot.alerts.watchlist import Feed
from bot.config import Settings

#: Every built-in source, whether it needs a key, and the setting that holds the key.
BUILT_IN = {
    "govinfo-bills": None,
    "federal-register": None,
    "courtlistener-feed": None,
    "congress-gov": "CONGRESS_API_KEY",
    "openstates": "OPENSTATES_API_KEY",
    "legiscan": "LEGISCAN_API_KEY",
    "courtlistener-api": "COURTLISTENER_TOKEN",
}


def build_sources(
    settings: Settings,
    tracked: Callable[[], Sequence[TrackedCase]],
    feeds: Sequence[Feed],
    feed_check: Callable[[str], Awaitable[None]] | None = None,
) -> dict[str, Source]:
    """The sources to poll, by name; ALERTS_SOURCES (when set) keeps only those it names."""
    # With a token, the REST API watches the tracked dockets and the keyless feed keeps only
    # its topical search, so one filing is never posted twice.
    feed_tracked = (lambda: ()) if settings.courtlistener_token else tracked
    sources: list[Source] = [
        GovInfoBills(settings.govinfo_bills_url),
        FederalRegister(
            settings.federal_register_api_url, agencies=settings.federal_register_agencies
        ),
        CourtListenerFeed(settings.courtlistener_url, tracked=feed_tracked),
    ]
    if settings.congress_api_key:
        sources.append(CongressGov(settings.congress_api_key, settings.congress_api_url))
    if settings.openstates_api_key:
        sources.append(OpenStates(settings.openstates_api_key, settings.openstates_api_url))
    if settings.legiscan_api_key:
        sources.append(LegiScan(settings.legiscan_api_key, settings.legiscan_api_url))
    if settings.courtlistener_token:
        sources.append(
            CourtListenerApi(
                settings.courtlistener_token, settings.courtlistener_api_url, tracked=tracked
            )
        )
    sources += [RssFeed(feed.source_name, feed.url, feed.title, check=feed_check) for feed in feeds]
    wanted = set(settings.alerts_sources)
    return {
        s.name: s
        for s in sources
        if not wanted or s.name in wanted or (s.name.startswith("feed:") and "feeds" in wanted)
    }
