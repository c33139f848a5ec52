"""Channel URLs per creator type: accepted forms normalized, everything else a clear error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.pledges.urls import CreatorType, normalize_channel_url

YT, POD, NEWS, OTHER = (
    CreatorType.YOUTUBER,
    CreatorType.PODCASTER,
    CreatorType.NEWSLETTER,
    CreatorType.OTHER,
)


@pytest.mark.parametrize(
    ("raw", "url", "key"),
    [
        (
            "https://www.youtube.com/@CreatorName",
            "https://www.youtube.com/@creatorname",
            "yt:@creatorname",
        ),
        (
            "youtube.com/@creator.name/videos",
            "https://www.youtube.com/@creator.name",
            "yt:@creator.name",
        ),
        ("http://m.youtube.com/@abc/about?si=x", "https://www.youtube.com/@abc", "yt:@abc"),
        (
            "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
            "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
            "yt:UCabcdefghijklmnopqrstuv",
        ),
        ("https://youtube.com/c/OldName", "https://www.youtube.com/c/oldname", "yt:c/oldname"),
        (
            "https://youtube.com/user/Legacy/",
            "https://www.youtube.com/user/legacy",
            "yt:user/legacy",
        ),
    ],
)
def test_youtube_channels(raw: str, url: str, key: str) -> None:
    channel = normalize_channel_url(raw, YT)
    assert (channel.url, channel.key) == (url, key)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "link to a video"),
        ("https://youtu.be/dQw4w9WgXcQ", "link to a video"),
        ("https://www.youtube.com/shorts/abc", "link to a video"),
        ("https://www.youtube.com/feed/subscriptions", "not a channel"),
        ("https://vimeo.com/someone", "youtube.com channel link"),
        ("https://www.youtube.com/@a", "not a channel"),
    ],
)
def test_youtube_refusals(raw: str, error: str) -> None:
    with pytest.raises(UserFacingError, match=error):
        normalize_channel_url(raw, YT)


def test_podcasts() -> None:
    feed = normalize_channel_url("https://feeds.example.com/show.xml?format=rss#top", POD)
    assert (
        feed.url == "https://feeds.example.com/show.xml?format=rss" and feed.kind == "podcast-feed"
    )
    apple = normalize_channel_url("https://podcasts.apple.com/us/podcast/my-show/id1234567890", POD)
    assert apple.url == "https://podcasts.apple.com/podcast/id1234567890"
    spotify = normalize_channel_url(
        "https://open.spotify.com/show/4rOoJ6Egrf8K2IrywzwOMk?si=1", POD
    )
    assert spotify.key == "spotify:4rOoJ6Egrf8K2IrywzwOMk"
    with pytest.raises(UserFacingError, match="not a show page"):
        normalize_channel_url("https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk", POD)
    with pytest.raises(UserFacingError, match="YouTube link"):
        normalize_channel_url("https://www.youtube.com/@pod", POD)


@pytest.mark.parametrize(
    "raw",
    [
        "https://writer.substack.com/",
        "writer.beehiiv.com",
        "https://buttondown.com/writer",
        "https://medium.com/@writer",
        "https://www.my-newsletter.org/",
    ],
)
def test_newsletters(raw: str) -> None:
    channel = normalize_channel_url(raw, NEWS)
    assert channel.url.startswith("https://") and not channel.url.endswith("/")


def test_same_site_same_key() -> None:
    a = normalize_channel_url("https://www.Writer.org/", NEWS)
    b = normalize_channel_url("writer.org", OTHER)
    assert a.key == b.key


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", "give the link"),
        ("ftp://files.example.com/x", "Only http"),
        ("javascript:alert(1)", "Only http"),
        ("https://user:pass@example.com/", "user name or password"),
        ("https://example.com:8080/", "port"),
        ("https://127.0.0.1/feed", "private or reserved"),
        ("https://93.184.216.34/feed", "public website name"),
        ("https://[::1]/feed", "private or reserved"),
        ("https://localhost/feed", "public website name"),
        ("https://127.1/feed", "private or reserved"),
        ("127.1/feed", "private or reserved"),
        ("https://0177.0.0.1/feed", "private or reserved"),
        ("https://0x7f.1/feed", "private or reserved"),
        ("https://2130706433/", "private or reserved"),
        ("https://①②⑦.0.0.1/", "private or reserved"),
        ("https://169.254.169.254/latest", "private or reserved"),
        ("https://[::ffff:10.0.0.1]/", "private or reserved"),
        ("https://[2002:a00:1::1]/", "private or reserved"),
        ("https://[fec0::1]/", "private or reserved"),
        ("https://printer.local/", "public website name"),
        ("https://wiki.internal/", "public website name"),
        (f"https://{'a' * 64}.example.com/", "too long"),
        ("https://exa!mple.com/", "not valid"),
        ("https://exa mple.com", "spaces"),
        ("https://example.com/" + "a" * 300, "too long"),
    ],
)
def test_refusals(raw: str, error: str) -> None:
    with pytest.raises(UserFacingError, match=error):
        normalize_channel_url(raw, OTHER)


def test_local_links_only_when_allowed() -> None:
    local = normalize_channel_url("http://localhost:8123/page", OTHER, allow_local=True)
    assert local.url == "http://localhost:8123/page"
    with pytest.raises(UserFacingError):
        normalize_channel_url("http://localhost:8123/page", OTHER)


@settings(max_examples=300, deadline=None)
@given(raw=st.text(max_size=400), kind=st.sampled_from(list(CreatorType)))
def test_any_text_is_normalized_or_refused_clearly(raw: str, kind: CreatorType) -> None:
    try:
        channel = normalize_channel_url(raw, kind)
    except UserFacingError as exc:
        assert exc.message
    else:
        assert channel.url.startswith("https://")
        assert len(channel.url) <= 320
        assert "@" not in channel.url.split("/")[2]
        assert " " not in channel.url
