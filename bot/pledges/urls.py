"""Creator channel URLs: validated per creator type and normalized to one canonical form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from bot.errors import UserFacingError
from bot.netguard import public_host

MAX_URL_LENGTH = 300


class CreatorType(StrEnum):
    """The kinds of creator who sign."""

    YOUTUBER = "youtuber"
    PODCASTER = "podcaster"
    NEWSLETTER = "newsletter"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ChannelUrl:
    """A creator's channel, as entered and as the one canonical key used to spot duplicates."""

    url: str
    key: str
    kind: str  # youtube-handle, youtube-channel, podcast-feed, apple-podcasts, spotify-show, site


_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}
_YOUTUBE_VIDEO_PATHS = ("/watch", "/shorts/", "/live/", "/embed/", "/playlist")
_HANDLE = re.compile(r"^/@([A-Za-z0-9._-]{3,30})/?$")
_CHANNEL_ID = re.compile(r"^/channel/(UC[A-Za-z0-9_-]{22})/?$")
_LEGACY = re.compile(r"^/(c|user)/([A-Za-z0-9._-]{1,100})/?$")
_APPLE = re.compile(r"^/(?:[a-z]{2}/)?podcast/(?:[^/]+/)?id(\d{3,15})/?$")
_SPOTIFY = re.compile(r"^/show/([A-Za-z0-9]{22})/?$")
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)", re.IGNORECASE)
_SUBPAGE = re.compile(r"/(about|featured|videos|streams|shorts|community|playlists)/?$")


LOCAL_HOSTS = ("localhost", "127.0.0.1")


def normalize_channel_url(
    raw: str, creator_type: CreatorType, allow_local: bool = False
) -> ChannelUrl:
    """Check a URL for a creator type and return its canonical form, or a friendly error.

    allow_local admits http://localhost:PORT links, for tests against a local server only.
    """
    parts = _parse(raw, allow_local)
    host = parts.hostname or ""
    if allow_local and host in LOCAL_HOSTS:
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
        return ChannelUrl(url, "local:" + url.lower(), "site")
    if creator_type is CreatorType.YOUTUBER:
        return _youtube(host, parts.path)
    if host in _YOUTUBE_HOSTS or host == "youtu.be":
        raise UserFacingError("That is a YouTube link; sign as a YouTuber to use it.")
    if creator_type is CreatorType.PODCASTER:
        return _podcast(host, parts.path, parts.query)
    return _site(host, parts.path)


def _parse(raw: str, allow_local: bool):  # noqa: ANN202 - urllib's SplitResult
    text = raw.strip()
    if not text:
        raise UserFacingError("Please give the link to your channel, show or newsletter.")
    if len(text) > MAX_URL_LENGTH:
        raise UserFacingError(f"That link is too long (at most {MAX_URL_LENGTH} characters).")
    if any(c.isspace() for c in text):
        raise UserFacingError("A link cannot contain spaces.")
    if "://" not in text:
        if _OTHER_SCHEME.match(text):
            raise UserFacingError("Only http(s) links work here.")
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        raise UserFacingError("That doesn't look like a link. Copy it from your browser.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UserFacingError("Only http(s) links work here.")
    if parts.username or parts.password or "@" in parts.netloc:
        raise UserFacingError("Remove the user name or password from the link.")
    try:
        port = parts.port
    except ValueError:
        raise UserFacingError("That link's port is not valid.") from None
    if allow_local and parts.hostname in LOCAL_HOSTS:
        return parts
    if port not in (None, 80, 443):
        raise UserFacingError("Use the plain public link, without a port number.")
    # The same host rules as the fetch at /pledge verify (bot.netguard), without DNS: numeric
    # spellings such as 127.1 or 0177.0.0.1 and private-use names are refused here already.
    if not isinstance(public_host(parts.hostname or ""), str):
        raise UserFacingError("That link needs a public website name, like youtube.com/@you.")
    return parts


def _youtube(host: str, path: str) -> ChannelUrl:
    if host == "youtu.be" or (host in _YOUTUBE_HOSTS and path.startswith(_YOUTUBE_VIDEO_PATHS)):
        raise UserFacingError(
            "That is a link to a video. Use your channel's link, like "
            "https://www.youtube.com/@yourhandle."
        )
    if host not in _YOUTUBE_HOSTS:
        raise UserFacingError(
            "YouTubers: use your youtube.com channel link, like youtube.com/@you."
        )
    path = _SUBPAGE.sub("", path) or "/"
    if match := _HANDLE.match(path):
        handle = match[1].lower()
        return ChannelUrl(f"https://www.youtube.com/@{handle}", f"yt:@{handle}", "youtube-handle")
    if match := _CHANNEL_ID.match(path):
        cid = match[1]
        url = f"https://www.youtube.com/channel/{cid}"
        return ChannelUrl(url, f"yt:{cid}", "youtube-channel")
    if match := _LEGACY.match(path):
        kind, name = match[1], match[2].lower()
        return ChannelUrl(f"https://www.youtube.com/{kind}/{name}", f"yt:{kind}/{name}", "site")
    raise UserFacingError(
        "That YouTube link is not a channel. Use youtube.com/@handle or youtube.com/channel/UC…"
    )


def _podcast(host: str, path: str, query: str) -> ChannelUrl:
    if host == "podcasts.apple.com":
        if match := _APPLE.match(path):
            url = f"https://podcasts.apple.com/podcast/id{match[1]}"
            return ChannelUrl(url, f"apple:{match[1]}", "apple-podcasts")
        raise UserFacingError("That Apple Podcasts link is not a show page (…/podcast/…/id123).")
    if host == "open.spotify.com":
        if match := _SPOTIFY.match(path):
            url = f"https://open.spotify.com/show/{match[1]}"
            return ChannelUrl(url, f"spotify:{match[1]}", "spotify-show")
        raise UserFacingError("That Spotify link is not a show page (open.spotify.com/show/…).")
    # Anything else must be the show's RSS/Atom feed; its query string can matter (some hosts).
    url = urlunsplit(("https", host, path or "/", query, ""))
    return ChannelUrl(url, "feed:" + url.lower().removeprefix("https://"), "podcast-feed")


def _site(host: str, path: str) -> ChannelUrl:
    path = path.rstrip("/")
    url = urlunsplit(("https", host, path, "", ""))
    key = (host.removeprefix("www.") + path).lower()
    return ChannelUrl(url, "site:" + key, "site")
