"""The lxml fast path reads plain RSS 2.0 exactly as feedparser does and hands the rest over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import feedparser
import pytest

from bot.alerts import fastfeed
from bot.alerts.fastfeed import RawItem, parse_fast, read_raw_items, stream_items
from bot.alerts.feeds import parse_feed
from bot.alerts.sources import SourceError

FIXTURES = Path(__file__).parents[1] / "fixtures"
FEEDS = sorted(p for p in FIXTURES.glob("*/*.xml"))
KEYS = ("title", "link", "id", "summary", "author", "published", "published_parsed")


def _view(parsed: Any) -> tuple[Any, list[dict[str, Any]]]:
    entries = [{k: e.get(k) for k in KEYS} for e in parsed.entries]
    return (parsed.get("version"), parsed.feed.get("title")), entries


def _streamed(body: bytes) -> list[dict[str, Any]] | None:
    """The entries as the skipping path reads them: streamed, then each item read on its own."""
    return _entries(stream_items(body))


def _entries(items: list[RawItem] | None) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    entries = read_raw_items([(item, None) for item in items], lambda entry, _: entry)
    return None if entries is None else [{k: e.get(k) for k in KEYS} for e in entries]


def assert_streamed_as_parsed(body: bytes) -> None:
    fast = parse_fast(body)
    assert _streamed(body) == (None if fast is None else _view(fast)[1])
    # Items cut from the document's bytes read as the same items serialised by lxml.
    serialised = fastfeed._stream(body) if fast is not None else None
    if serialised is not None:
        assert _entries(serialised) == _streamed(body)


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_reads_the_same_on_either_path(path: Path) -> None:
    body = path.read_bytes()
    assert_streamed_as_parsed(body)
    fast = parse_fast(body)
    if fast is None:
        return  # feedparser's alone; its own tests cover it
    assert _view(fast) == _view(feedparser.parse(body))


def test_the_plain_feeds_do_take_the_fast_path() -> None:
    for name in ("govinfo/bills.xml", "govinfo/bills-next.xml"):
        assert parse_fast((FIXTURES / name).read_bytes()) is not None, name


def test_a_generated_feed_of_many_bills_reads_the_same() -> None:
    items = "".join(
        f"<item><title>S. {n} (IS) - To protect voice &amp; likeness No. {n}</title>"
        f"<link>https://www.govinfo.gov/app/details/BILLS-119s{n}is?a=1&amp;b=2</link>"
        f"<description>Introduced in Senate</description>"
        f"<pubDate>Mon, {n % 28 + 1:02d} Nov 2026 {n % 24:02d}:15:00 GMT</pubDate>"
        f'<guid isPermaLink="{"false" if n % 2 else "true"}">BILLS-119s{n}is</guid></item>'
        for n in range(500)
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bills</title>'
        f"{items}</channel></rss>"
    ).encode()
    fast = parse_fast(body)
    assert fast is not None and len(fast.entries) == 500
    assert _view(fast) == _view(feedparser.parse(body))
    assert_streamed_as_parsed(body)


@pytest.mark.parametrize(
    "body",
    [
        # entity declarations, internal and external: never read by the fast path
        (FIXTURES / "govinfo" / "entity-bomb.xml").read_bytes(),
        b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://127.0.0.1:9/x.dtd">'
        b'<rss version="2.0"><channel><title>t</title></channel></rss>',
        # not what the fast path reads: Atom, RSS 1.0, other encodings, namespaced fields
        (FIXTURES / "rss" / "atom.xml").read_bytes(),
        b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel>'
        b"<title>t</title></channel></rss>",
        b'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item>'
        b"<title>t</title><dc:creator>x</dc:creator></item></channel></rss>",
        b'<rss version="2.0"><channel><item><title>&lt;b&gt;t&lt;/b&gt;</title></item>'
        b"</channel></rss>",
        b'<rss version="2.0"><channel><item><title>t</title>',  # cut short
    ],
)
def test_what_the_fast_path_cannot_read_goes_to_feedparser(body: bytes) -> None:
    assert parse_fast(body) is None
    assert _streamed(body) is None


def test_entity_declarations_are_still_refused() -> None:
    with pytest.raises(SourceError, match="declares XML entities"):
        parse_feed((FIXTURES / "govinfo" / "entity-bomb.xml").read_bytes())


def test_descriptions_are_sanitised_as_feedparser_does() -> None:
    body = (
        b'<rss version="2.0"><channel><item><title>t</title>'
        b"<description>&lt;p onclick=&quot;x()&quot;&gt;Hi &amp;amp; bye&lt;script&gt;bad()"
        b"&lt;/script&gt;&lt;/p&gt;</description></item></channel></rss>"
    )
    fast = parse_fast(body)
    assert fast is not None
    assert fast.entries[0]["summary"] == feedparser.parse(body).entries[0]["summary"]
    assert "script" not in fast.entries[0]["summary"]


@pytest.mark.parametrize(
    "link", ["https:///www.govinfo.gov/a", "http://x.example/a?b=1&amp;c=2", "/relative/path", ""]
)
def test_links_and_guids_are_joined_as_feedparser_joins_them(link: str) -> None:
    body = (
        f'<rss version="2.0"><channel><item><title>t</title><link>{link}</link>'
        f"<guid>{link or 'g'}</guid></item><item><guid>{link or 'g'}</guid></item></channel></rss>"
    ).encode()
    fast = parse_fast(body)
    assert fast is not None
    assert _view(fast) == _view(feedparser.parse(body))
    assert_streamed_as_parsed(body)


def test_an_items_fingerprint_changes_with_any_byte_of_it_and_nothing_else() -> None:
    def items(first: str, second: str) -> list[str]:
        body = (
            '<rss version="2.0"><channel><title>t</title>'
            f"<item>{first}</item><item>{second}</item></channel></rss>"
        ).encode()
        streamed = stream_items(body)
        assert streamed is not None
        return [item.fingerprint for item in streamed]

    same = items("<title>a</title><guid>1</guid>", "<title>b</title><guid>2</guid>")
    assert same == items("<title>a</title><guid>1</guid>", "<title>b</title><guid>2</guid>")
    edited = items("<title>a!</title><guid>1</guid>", "<title>b</title><guid>2</guid>")
    assert edited[0] != same[0] and edited[1] == same[1]
    flagged = items('<title>a</title><guid isPermaLink="false">1</guid>', "<title>b</title>")
    assert flagged[0] != same[0]


def _feed(items: str) -> bytes:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


PLAIN = "<item><title>a</title><guid>1</guid></item><item><title>b</title><guid>2</guid></item>"


def test_items_are_cut_from_the_documents_own_bytes() -> None:
    items = stream_items(_feed(PLAIN))
    assert items is not None
    assert [item.xml for item in items] == [
        b"<item><title>a</title><guid>1</guid></item>",
        b"<item><title>b</title><guid>2</guid></item>",
    ]


@pytest.mark.parametrize(
    "items",
    [
        # Text that looks like an item's tags, where a document may hold it unescaped.
        "<item><title><![CDATA[a </item><item> b]]></title><guid>1</guid></item>" + PLAIN,
        "<!-- <item>not an item</item> -->" + PLAIN,
        "<?note <item>?>" + PLAIN,
        # Tags written in ways the cut doesn't look for.
        "<item><title>a</title><guid>1</guid></item ><item><title>b</title></item>",
        "<item/>" + PLAIN,
        '<item xmlns="urn:x"><title>a</title></item>' + PLAIN,
    ],
    ids=["cdata", "comment", "instruction", "space-in-end-tag", "empty-item", "other-namespace"],
)
def test_a_document_the_cut_cannot_read_exactly_is_read_as_parsed(items: str) -> None:
    body = _feed(items)
    streamed = stream_items(body)
    assert streamed is not None
    serialised = fastfeed._stream(body)
    assert serialised is not None
    assert [item.xml for item in streamed] == [item.xml for item in serialised]
    assert_streamed_as_parsed(body)


@pytest.mark.parametrize(
    "items",
    [
        "<image><item><title>a</title></item></image>" + PLAIN,  # an item outside the channel
        PLAIN.replace("<guid>2</guid>", "<guid>2</guid><item><title>c</title></item>"),
        PLAIN + "</channel><channel>",  # two channels
    ],
    ids=["outside-the-channel", "within-an-item", "two-channels"],
)
def test_a_document_that_is_not_plain_rss_is_left_to_feedparser(items: str) -> None:
    assert stream_items(_feed(items)) is None


def test_a_malformed_item_is_refused_when_it_is_read() -> None:
    body = _feed(PLAIN.replace("<title>b</title>", "<title>b</titel>"))
    items = stream_items(body)  # cut unread: the rest of the document is well formed
    assert items is not None and len(items) == 2
    assert read_raw_items([(item, None) for item in items], lambda entry, _: entry) is None
    assert read_raw_items([(items[0], None)], lambda entry, _: entry) is not None
    assert parse_fast(body) is None and fastfeed._stream(body) is None
