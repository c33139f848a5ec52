"""Feed and model text can't plant links; one helper keeps every embed within Discord's limits."""

from __future__ import annotations

from dataclasses import replace

import discord
import pytest

from bot.alerts.items import StoredItem
from bot.alerts.links import LinkPolicy, safe_link, site_family
from bot.standards.model import Answer, Citation, StandardsDocument
from bot.ui.alerts import alert_embed, digest_embed, latest_pages
from bot.ui.standards import answer_embed
from bot.ui.text import fit_embed
from tests.alerts.conftest import bill, digest_of

GOVINFO = ("govinfo.gov",)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.govinfo.gov/app/details/BILLS-119s1367is",
        "https://govinfo.gov/a?b=c&d=e#f",
    ],
)
def test_https_links_on_the_sources_own_site_are_kept(url: str) -> None:
    assert safe_link(url, GOVINFO) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://www.govinfo.gov/app/details/x",
        "https://govinfo.gov.evil.example/x",
        "https://evilgovinfo.gov/x",
        "https://www.govinfo.gov@evil.example/x",
        "https://www.govinfo.gov:8443/x",
        "https://www.govinfo.gov/x](https://evil.example",
        "https://www.govinfo.gov/x) [click](https://evil.example",
        "https://www.govinfo.gov/x\nhttps://evil.example",
        "https://www.govinfo.gov/<x>",
        "javascript:alert(1)//www.govinfo.gov",
        "https://127.0.0.1/x",
        "https://www.govinfo.gov/" + "a" * 2000,
        "",
    ],
)
def test_other_links_are_refused(url: str) -> None:
    assert safe_link(url, GOVINFO) is None


def test_a_feed_links_only_to_its_own_site() -> None:
    assert site_family("news.example.co.uk") == "example.co.uk"
    policy = LinkPolicy()
    policy.set_feeds({"feed:1": "https://feeds.example.org/ai.xml"})
    own = replace(bill(1), source="feed:1", url="https://www.example.org/2026/ai-bill")
    elsewhere = replace(own, url="https://phish.example.net/login")
    assert policy.url(own) == own.url
    assert policy.url(elsewhere) is None
    assert LinkPolicy().url(own) is None  # a feed the policy doesn't know links nowhere


def test_legiscan_links_to_legiscan_or_a_state_government_site() -> None:
    policy = LinkPolicy()
    item = replace(bill(1), source="legiscan")
    for url in ("https://legiscan.com/CA/bill/AB412/2025", "https://leginfo.legislature.ca.gov/x"):
        assert policy.url(replace(item, url=url)) == url
    assert policy.url(replace(item, url="https://www.legis.state.pa.us/x")) is not None
    assert policy.url(replace(item, url="https://legiscan.example.com/x")) is None


def _stored(item, n: int = 1) -> StoredItem:  # noqa: ANN001
    return StoredItem(n, item, 1, "2026-11-19T00:00:00+00:00", "2026-11-19T00:00:00+00:00")


def test_the_digest_links_only_checked_urls() -> None:
    policy = LinkPolicy()
    policy.set_feeds({"feed:1": "https://example.org/feed"})
    crafted = replace(bill(1), source="feed:1", url="https://example.org.phish.example/login")
    good = replace(bill(2), source="congress-gov")
    description = digest_embed(
        digest_of([(_stored(crafted), "new"), (_stored(good, 2), "new")]), policy
    ).description
    assert description is not None
    first, second = [line for line in description.splitlines() if line.startswith("- ")]
    assert "](" not in first and "phish" not in first  # plain text, no link
    assert f"]({good.url})" in second


def test_feed_text_set_side_by_side_cannot_form_a_link() -> None:
    crafted = replace(
        bill(1, title="Read [this", status="](https://phish.example) now"),
        source="congress-gov",
        identifier="x](https://phish.example) [y",
    )
    description = digest_embed(digest_of([(_stored(crafted), "new")])).description or ""
    assert "](https://phish" not in description
    assert f"]({crafted.url})" in description  # the checked link is still there
    field = latest_pages([_stored(crafted)])[0].fields[0]
    assert "](https://phish" not in f"{field.name}{field.value}"


def test_a_crafted_link_never_becomes_the_alerts_link() -> None:
    item = replace(bill(1), source="feed:1", url="https://evil.example/x")
    embed = alert_embed(item).to_dict()
    assert "url" not in embed
    assert all(f["name"] != "Read it" for f in embed.get("fields", []))


def test_a_2000_character_link_does_not_break_latest() -> None:
    long = replace(
        bill(1, title="T" * 500, status="S" * 300),
        source="govinfo-bills",
        url="https://www.govinfo.gov/app/details/" + "a" * 2000,
    )
    pages = latest_pages([_stored(long, n) for n in range(7)])
    for page in pages:
        assert len(page) <= 6000
        for field in page.fields:
            assert len(field.value or "") <= 1024 and len(field.name or "") <= 256
            assert "aaaa" not in (field.value or "")  # too long to be a checked link


def test_fit_embed_caps_every_part_and_the_total() -> None:
    embed = discord.Embed(title="t" * 300, description="d" * 5000)
    embed.set_author(name="a" * 300)
    embed.set_footer(text="f" * 3000)
    for n in range(30):
        embed.add_field(name=f"{n}" + "n" * 300, value="v" * 2000)
    fit_embed(embed)
    assert len(embed.title or "") <= 256 and len(embed.author.name or "") <= 256
    assert len(embed.footer.text or "") <= 2048
    assert len(embed.fields) <= 25
    assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in embed.fields)
    assert len(embed) <= 6000
    assert discord.Embed.from_dict(embed.to_dict())  # still a valid embed


def test_a_model_answer_is_escaped_like_member_text() -> None:
    document = StandardsDocument("Standards", "1.0", "2026-11-19", True, ())
    answer = Answer(
        question="What about consent?",
        covered=True,
        confidence=0.9,
        passage="Ask first [consent](https://evil.example) **now** @everyone [consent-training]",
        citations=(Citation("consent-training", "Consent", "1.0", None),),
        generated=True,
    )
    description = answer_embed(answer, document, None).description or ""
    assert "consent" in description and "](https" not in description  # text, never a link
    assert "\\*\\*now\\*\\*" in description and "@\u200beveryone" in description
    extractive = replace(answer, passage="**Consent** first.", generated=False)
    assert (answer_embed(extractive, document, None).description or "").startswith("**Consent**")
