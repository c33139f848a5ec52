"""Which alert links the bot may post: https pages of the source's own sites, nothing else.

A feed item's link or an API's page URL is data from outside. It goes into a markdown link or an
embed's link only when it is a well-formed https URL on the source's own domain family (a feed's
family is the site its address is on); otherwise the bot shows the text without a link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from bot.alerts.items import AlertItem
from bot.netguard import RefusedUrl, public_host

MAX_LINK_LENGTH = 1000
#: The family of US government sites: *.gov and the older *.state.xx.us.
GOVERNMENT = "gov"
_STATE_US = re.compile(r"(?:^|\.)state\.[a-z]{2}\.us$")
# Characters that could end or bend a markdown link, or hide what it points at.
_UNSAFE = re.compile(r"[\s()<>\[\]\"'`\\|^{}]")
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu"}

SOURCE_DOMAINS: dict[str, tuple[str, ...]] = {
    "govinfo-bills": ("govinfo.gov",),
    "federal-register": ("federalregister.gov",),
    "courtlistener-feed": ("courtlistener.com",),
    "courtlistener-api": ("courtlistener.com",),
    "congress-gov": ("congress.gov",),
    "openstates": ("openstates.org",),
    "legiscan": ("legiscan.com", GOVERNMENT),  # LegiScan points to the state legislature's page
}


def site_family(host: str) -> str:
    """The registrable part of a host name: news.example.co.uk -> example.co.uk."""
    labels = host.lower().rstrip(".").split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def safe_link(url: str, families: Iterable[str]) -> str | None:
    """url when it is a plain https URL on one of the families' sites, else None."""
    if not url or len(url) > MAX_LINK_LENGTH or _UNSAFE.search(url) or not url.isprintable():
        return None
    try:
        parts = urlsplit(url)
        host = public_host(parts.hostname or "")
        port = parts.port
    except (ValueError, RefusedUrl):
        return None
    if parts.scheme != "https" or not isinstance(host, str) or parts.username or port:
        return None
    return url if any(_in_family(host, family) for family in families) else None


def _in_family(host: str, family: str) -> bool:
    if family == GOVERNMENT:
        return host.endswith(".gov") or bool(_STATE_US.search(host))
    return host == family or host.endswith("." + family)


class LinkPolicy:
    """The link families of every source: the built-in ones, and each feed's own site."""

    def __init__(self, domains: Mapping[str, tuple[str, ...]] = SOURCE_DOMAINS) -> None:
        self._domains = dict(domains)

    def set_feeds(self, feeds: Mapping[str, str]) -> None:
        """Feeds by source name -> feed address; each may link to its own site only."""
        self._domains = {k: v for k, v in self._domains.items() if not k.startswith("feed:")}
        for name, address in feeds.items():
            host = urlsplit(address).hostname
            if host:
                self._domains[name] = (site_family(host),)

    def url(self, item: AlertItem) -> str | None:
        """The item's link, if it may be posted as a link."""
        return safe_link(item.url, self._domains.get(item.source, ()))
