"""Alert embeds: feed text can't format, ping or overflow; updates say what changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.alerts.feeds import strip_html
from bot.alerts.items import ItemKind, StoredItem
from bot.ui.alerts import alert_embed, digest_embed, latest_pages, stage_words, why_line
from tests.alerts.conftest import bill, digest_of


def test_feed_text_is_stripped_escaped_capped_and_pings_nobody() -> None:
    raw = "<p>**Deepfake** ban &amp; more @everyone <@&123> " + "x" * 3000 + "</p>"
    item = bill(
        1,
        title=strip_html(raw),
        status=strip_html("<b>Passed</b> @here"),
        source="congress-gov",
        abstract="Bans <@&123456789012345678> things @everyone. Second sentence.",
    )
    embed = alert_embed(item).to_dict()
    assert embed["title"].startswith("\\*\\*Deepfake\\*\\* ban & more @\u200beveryone")
    assert embed["title"].endswith(" — S.1") and len(embed["title"]) <= 256
    assert "<@&123>" not in embed["title"]
    assert "<@&123456789012345678>" not in embed["description"]
    assert embed["description"].endswith("things @\u200beveryone.")
    stage = next(f for f in embed["fields"] if f["name"] == "Stage")
    assert stage["value"].startswith("Passed · Nov 19, 2026")
    assert "@\u200bhere" in stage["value"] and "<b>" not in stage["value"]
    assert embed["author"]["name"] == "Bill · United States"
    assert embed["url"] == item.url
    assert len(str(embed)) < 6000


@pytest.mark.parametrize(
    "text",
    [
        "A bill",
        " A bill",
        "A bill ",
        "A  bill",
        "A\tbill",
        "A\nbill",
        "A\u00a0bill",
        "A\u2028bill",
        "A\u3000bill",
        "A\x1fbill",
        "\u200bA bill",
        "A",
        " ",
    ],
)
def test_plain_feed_text_comes_out_with_single_spaces_between_words(text: str) -> None:
    assert strip_html(text) == " ".join(text.split())


def test_the_title_is_the_name_with_its_number_and_stages_read_in_plain_words() -> None:
    item = bill(
        412,
        title="AI Copyright Transparency Act",
        status="SIGNED CHAP.812",
        jurisdiction="US-CA",
        identifier="CA AB 412",
        abstract="Requires developers to document copyrighted training data. Also other things.",
        tags=("training-data", "copyright"),
    )
    embed = alert_embed(item).to_dict()
    assert embed["title"] == "AI Copyright Transparency Act — CA AB 412"
    assert embed["description"] == "Requires developers to document copyrighted training data."
    assert embed["author"]["name"] == "Bill · California"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Stage"] == "Signed into law · Nov 19, 2026\n*SIGNED CHAP.812*"
    assert fields["Topics"] == "training data, copyright"
    assert "Read it" not in fields  # the title is the link
    assert stage_words("Do pass as amended (Ayes 10. Noes 2.) (November 19).") == (
        "Passed committee 10–2"
    )
    assert stage_words("Read twice and referred to the Committee on the Judiciary.") == (
        "In committee"
    )
    assert stage_words("Became Public Law No: 119-12.") == "Signed into law"


def test_court_cases_show_their_court_and_filings_their_docket_text() -> None:
    case = bill(
        1,
        kind=ItemKind.CASE,
        title="Andersen v. Stability AI Ltd.",
        identifier="3:23-cv-00201",
        status="District Court, N.D. California",
    )
    embed = alert_embed(case).to_dict()
    assert embed["author"]["name"] == "Court case · District Court, N.D. California"
    assert [f["value"] for f in embed["fields"] if f["name"] == "Stage"] == ["Nov 19, 2026"]
    filing = bill(
        2,
        kind=ItemKind.FILING,
        title="Entry #1118 in Andersen v. Stability AI Ltd.",
        identifier="3:23-cv-00201",
        status="Entry #1118",
        abstract="ORDER granting in part motion to dismiss. Signed by Judge Orrick.",
    )
    embed = alert_embed(filing).to_dict()
    assert embed["title"] == "Andersen v. Stability AI Ltd. — 3:23-cv-00201"
    assert embed["description"] == "ORDER granting in part motion to dismiss."
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Stage"] == "Docket entry #1118 · Nov 19, 2026"


def test_an_update_names_what_changed_and_non_web_urls_never_become_links() -> None:
    item = replace(bill(1, status="Reported in Senate"), url="javascript:alert(1)")
    embed = alert_embed(item, change="updated", previous_status="Introduced").to_dict()
    assert embed["author"]["name"].startswith("Update · ")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["What changed"] == "Was: Introduced"
    assert "url" not in embed and "Read it" not in fields


def test_every_judged_alert_says_why_in_one_short_line() -> None:
    item = replace(bill(1), tier="creators", reasons=("digital replica", "likeness"))
    fields = {f["name"]: f["value"] for f in alert_embed(item).to_dict()["fields"]}
    assert fields["Why"] == "Creators · digital replica · likeness"
    policy = replace(bill(2), tier="ai-policy", reasons=("AI",))
    assert why_line(policy) == "AI policy · AI"
    assert why_line(bill(3)) is None  # never judged: no line rather than a wrong one
    assert "Why" not in {f["name"] for f in alert_embed(bill(3)).to_dict()["fields"]}
    page = latest_pages([StoredItem(1, item, 1, "", ""), StoredItem(2, policy, 1, "", "")])[0]
    values = [f["value"] for f in page.to_dict()["fields"]]
    assert "*Creators · digital replica · likeness*" in values[0]
    assert "*AI policy · AI*" in values[1]


def test_a_long_digest_is_cut_at_whole_lines_and_counts_the_rest() -> None:
    long_title = "Artificial Intelligence Copyright Accountability Act " + "y" * 200
    items = [StoredItem(n, bill(n, title=long_title), 1, "", "") for n in range(1, 26)]
    updated = StoredItem(1, replace(items[0].item, status="Passed Senate."), 2, "", "")
    digest = digest_of([(s, "new") for s in items] + [(updated, "updated")])
    description = digest_embed(digest).description or ""
    lines = description.splitlines()
    shown = [line for line in lines if line.startswith("- ")]
    assert lines[0] == "**Bills**"
    assert lines[-1] == f"…and {25 - len(shown)} more: see `/alerts latest`."
    assert 0 < len(shown) < 25 and len(description) <= 4096
    assert all(line.endswith(("2026", "…")) for line in shown)  # whole lines only
    assert sum("S.1 " in line for line in shown) == 1  # new, then updated: listed once
    assert "Passed the Senate" in shown[0] and not shown[0].startswith("- Update")


def test_a_digest_groups_by_kind_never_repeats_itself_and_credits_only_its_sources() -> None:
    filing = bill(
        9,
        kind=ItemKind.FILING,
        title="Entry #812 in Doe v. Voice Co.",
        identifier="1:25-cv-00001",
        status="Entry #812",
        abstract="MOTION to dismiss filed by Voice Co.",
        attribution="CourtListener (Free Law Project)",
    )
    state = bill(7, jurisdiction="US-CA", identifier="CA AB 7", attribution="Open States")
    digest = digest_of(
        [(StoredItem(1, filing, 1, "", ""), "new"), (StoredItem(2, state, 1, "", ""), "new")]
    )
    embed = digest_embed(digest)
    lines = (embed.description or "").splitlines()
    assert lines[0] == "**Bills**" and lines[2] == "**Court filings**"
    assert lines[3].count("812") == 1 and "MOTION to dismiss filed by Voice Co." in lines[3]
    assert embed.footer.text == "Sources: Open States; CourtListener (Free Law Project)"
    assert "LegiScan" not in (embed.footer.text or "")


def test_latest_leads_with_the_name_and_says_which_filter_emptied_it() -> None:
    item = replace(bill(5, title="NO FAKES Act of 2026"), tier="creators", reasons=("likeness",))
    page = latest_pages([StoredItem(1, item, 1, "", "")])[0]
    field = page.fields[0]
    assert field.name == "NO FAKES Act of 2026"
    assert "\n" not in (field.value or "") and "S.5" in (field.value or "")
    assert page.footer.text is None  # one page: no page count
    empty = latest_pages([], filters="kind case, jurisdiction US-TX")[0]
    assert "kind case, jurisdiction US-TX" in (empty.description or "")
