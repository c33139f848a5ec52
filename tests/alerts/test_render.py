"""Alert embeds: feed text can't format, ping or overflow; updates say what changed."""

from __future__ import annotations

from dataclasses import replace

from bot.alerts.feeds import strip_html
from bot.alerts.items import StoredItem
from bot.ui.alerts import alert_embed, latest_pages, why_line
from tests.alerts.conftest import bill


def test_feed_text_is_stripped_escaped_capped_and_pings_nobody() -> None:
    raw = "<p>**Deepfake** ban &amp; more @everyone <@&123> " + "x" * 3000 + "</p>"
    item = bill(
        1, title=strip_html(raw), status=strip_html("<b>Passed</b> @here"), source="congress-gov"
    )
    embed = alert_embed(item).to_dict()
    assert embed["description"].startswith("\\*\\*Deepfake\\*\\* ban & more @\u200beveryone")
    assert "<@&123>" not in embed["description"]
    assert len(embed["description"]) <= 1000
    latest = next(f for f in embed["fields"] if f["name"] == "Latest")
    assert "@\u200bhere" in latest["value"] and "<b>" not in latest["value"]
    assert embed["title"] == "Bill · US · S.1"
    assert embed["url"] == item.url
    assert len(str(embed)) < 6000


def test_an_update_names_what_changed_and_non_web_urls_never_become_links() -> None:
    item = replace(bill(1, status="Reported in Senate"), url="javascript:alert(1)")
    embed = alert_embed(item, change="updated", previous_status="Introduced").to_dict()
    assert embed["title"].startswith("Update: ")
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
