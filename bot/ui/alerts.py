"""Alerts as Discord shows them: the alert embed, digests, lists, and the sender that posts them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

import aiohttp
import discord

from bot.alerts.items import REASON_SEPARATOR, AlertItem, ItemKind, StoredItem
from bot.alerts.links import LinkPolicy
from bot.alerts.misses import Miss
from bot.alerts.outbox import Delivery, Digest
from bot.alerts.poster import DeliveryError, Failure
from bot.alerts.scheduler import PollOutcome
from bot.alerts.service import SourceHealth
from bot.alerts.sources import parse_utc
from bot.alerts.subscriptions import Subscription
from bot.alerts.watchlist import Watchlist
from bot.ui.paginator import chunk
from bot.ui.text import (
    CONTENT_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TITLE_LIMIT,
    NO_MENTIONS,
    fit_embed,
    markdown_link,
    plain,
    truncate,
)

KIND_LABELS = {
    ItemKind.BILL: "Bill",
    ItemKind.REGULATION: "Federal rule or notice",
    ItemKind.CASE: "Court case",
    ItemKind.FILING: "Court filing",
    ItemKind.NEWS: "News",
}
KIND_COLOURS = {
    ItemKind.BILL: 0x2B6CB0,
    ItemKind.REGULATION: 0x6B46C1,
    ItemKind.CASE: 0xC05621,
    ItemKind.FILING: 0xC05621,
    ItemKind.NEWS: 0x2F855A,
}
DIGEST_LINES = 20
TIER_LABELS = {"creators": "Creators", "ai-policy": "AI policy"}
SCOPE_LABELS = {"creators": "creators", "all-ai": "all AI"}


def why_line(item: AlertItem) -> str | None:
    """One short line of what made an item relevant: "Creators · digital replica · likeness"."""
    if item.tier is None:
        return None
    parts = [TIER_LABELS.get(item.tier, item.tier), *item.reasons]
    return plain(REASON_SEPARATOR.join(parts), 200)


_BUILT_IN_LINKS = LinkPolicy()


def _link(item: AlertItem, links: LinkPolicy | None) -> str | None:
    """The item's link when its source may link there (bot.alerts.links), else None."""
    return (links or _BUILT_IN_LINKS).url(item)


STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "PR": "Puerto Rico", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming",
}  # fmt: skip
TOPIC_WORDS = {
    "likeness": "likeness and voice",
    "training-data": "training data",
    "deepfake": "deepfakes",
    "copyright": "copyright",
    "elections": "elections",
    "ncii": "intimate images",
}
# A stage's plain words, the first rule that matches the source's wording; most final first.
_STAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bveto", re.I), "Vetoed"),
    (
        re.compile(
            r"\bsigned\b|\bchapter(?:ed)?\b|\bchap\.|\bbecame (?:public )?law\b|\bpublic law no"
            r"|\benacted\b|\bapproved by (?:the )?governor\b",
            re.I,
        ),
        "Signed into law",
    ),
    (
        re.compile(r"\bpassed\b[^.;]{0,30}\bcommittee\b|\bdo pass\b|\breported\b", re.I),
        "Passed committee{votes}",
    ),
    (re.compile(r"\bpass(?:ed|es)\b", re.I), "Passed{chamber}{votes}"),
    (re.compile(r"\bhearings? (?:held|scheduled|set)\b|\bhearing\b", re.I), "Committee hearing"),
    (re.compile(r"\breferred\b|\bin committee\b", re.I), "In committee"),
    (re.compile(r"\bintroduced\b|\bfirst reading\b|\bprefiled\b", re.I), "Introduced"),
)
_CHAMBER = re.compile(r"\b(Senate|House|Assembly|Legislature)\b", re.I)
_VOTES = (
    re.compile(r"\bAyes\W{0,3}(\d+)\W{0,3}No(?:e)?s\W{0,3}(\d+)", re.I),
    re.compile(r"\bYeas\W{0,3}(\d+)\W{0,3}Nays\W{0,3}(\d+)", re.I),
    re.compile(r"\bvote\b[^\d]{0,20}(\d+)\s*[-–]\s*(\d+)\b", re.I),
    re.compile(r"\((\d+)\s*[-–]\s*(\d+)\)"),
)
_FILING_TITLE = re.compile(r"^Entry #(?P<number>\S+) in (?P<case>.+)$", re.S)
_COURT = re.compile(r"\bcourt\b|\bdistrict of\b|\bcircuit\b", re.I)
ABSTRACT_CHARS = 300


def place_name(jurisdiction: str) -> str:
    """ "US" → "United States", "US-CA" → "California"; anything else as given."""
    if jurisdiction == "US":
        return "United States"
    code = jurisdiction.removeprefix("US-")
    return STATE_NAMES.get(code, jurisdiction)


def topics_text(tags: tuple[str, ...]) -> str:
    """Topic tags as words: "likeness and voice, training data"."""
    return ", ".join(TOPIC_WORDS.get(tag, tag.replace("-", " ")) for tag in tags)


def short_date(value: str | None) -> str | None:
    """ "2026-11-19…" → "Nov 19, 2026"; None when there is no readable date."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return f"{day:%b} {day.day}, {day.year}"


def one_line(text: str | None, limit: int = ABSTRACT_CHARS) -> str | None:
    """The first sentence of a source's abstract, on one line, within limit characters."""
    if not text:
        return None
    flat = " ".join(text.split())
    end = re.search(r"(?<=[a-z0-9)\]][.!?])\s+(?=[A-Z])", flat)
    first = flat[: end.start()] if end else flat
    if len(first) > limit:
        cut = first[: limit - 1].rsplit(" ", 1)[0]
        first = cut.rstrip(",;:") + "…"
    return first or None


def _votes(status: str) -> str:
    for rule in _VOTES:
        if found := rule.search(status):
            return f" {found[1]}–{found[2]}"
    return ""


def stage_words(status: str) -> str:
    """A source's wording of a step in plain words: "SIGNED CHAP.812" → "Signed into law"."""
    for rule, words in _STAGES:
        if rule.search(status):
            chamber = _CHAMBER.search(status)
            where = f" the {chamber[1].title()}" if chamber else ""
            return words.format(chamber=where, votes=_votes(status))
    flat = " ".join(status.split())
    return flat.capitalize() if flat.isupper() else flat


def _filing_parts(item: AlertItem) -> tuple[str, str | None]:
    """A filing's case name and docket entry number, read from its title."""
    if found := _FILING_TITLE.match(item.title):
        return found["case"], found["number"]
    return item.title, None


def _is_court(item: AlertItem) -> bool:
    """A case whose status is its court's name (found through a court feed), not a step."""
    return (
        item.kind is ItemKind.CASE
        and item.status is not None
        and bool(_COURT.search(item.status))
        and not re.search(r"\d", item.status)
    )


def stage_text(item: AlertItem) -> str | None:
    """The latest step in plain words, with its date: "Passed committee 10–2 · Nov 19, 2026"."""
    if item.kind is ItemKind.FILING:
        _, number = _filing_parts(item)
        words = f"Docket entry #{number}" if number else None
    elif item.status and not _is_court(item):
        words = stage_words(item.status)
    else:
        words = None
    when = short_date(item.status_date)
    parts = [plain(words, 200) if words else None, when]
    return REASON_SEPARATOR.join(p for p in parts if p) or None


def _source_wording(item: AlertItem) -> str | None:
    """The source's own wording of the step, when the plain words left something out."""
    if not item.status or item.kind is ItemKind.FILING or _is_court(item):
        return None
    flat = " ".join(item.status.split())
    return None if stage_words(flat).lower() == flat.lower() else flat


def item_name(item: AlertItem) -> str:
    """What the item is called, unescaped: the bill's name, a filing's case name."""
    if item.kind is ItemKind.FILING:
        return _filing_parts(item)[0]
    return item.title


def alert_title(item: AlertItem) -> str:
    """The item's name with its number, within the title limit: "NO FAKES Act — S.1367"."""
    number = f" — {item.identifier}"
    name = item_name(item)
    if name.strip().endswith(item.identifier):
        number = ""
    return plain(name, EMBED_TITLE_LIMIT - len(plain(number))) + plain(number)


def alert_author(item: AlertItem, change: str = "new") -> str:
    """The small line above the title: "Bill · California", "Court case · N.D. Cal."."""
    parts = [KIND_LABELS[item.kind], place_name(item.jurisdiction)]
    if _is_court(item) and item.status:
        parts[1] = item.status
    if change == "updated":
        parts.insert(0, "Update")
    return truncate(REASON_SEPARATOR.join(parts), 256)


def alert_description(item: AlertItem) -> str | None:
    """One line on what it does, from the source's abstract or the docket entry's text."""
    line = one_line(item.abstract)
    return plain(line) if line else None


def alert_embed(
    item: AlertItem,
    *,
    change: str = "new",
    previous_status: str | None = None,
    links: LinkPolicy | None = None,
) -> discord.Embed:
    """One alert: its name linked with its number, what it does, its stage, why, topics, credit."""
    embed = discord.Embed(
        title=alert_title(item),
        url=_link(item, links),
        description=alert_description(item),
        colour=KIND_COLOURS[item.kind],
    )
    embed.set_author(name=alert_author(item, change))
    if stage := stage_text(item):
        if detail := _source_wording(item):
            stage += f"\n*{plain(detail, 300)}*"
        embed.add_field(name="Stage", value=stage, inline=False)
    if change == "updated":
        was = stage_words(previous_status) if previous_status else "(no earlier stage)"
        embed.add_field(name="What changed", value=f"Was: {plain(was, 900)}", inline=False)
    if why := why_line(item):
        embed.add_field(name="Why", value=why, inline=False)
    if item.tags:
        embed.add_field(name="Topics", value=topics_text(item.tags), inline=True)
    credit = item.attribution or item.source
    embed.set_footer(text=truncate(f"Source: {credit}", 2048))
    if item.published_at:
        embed.timestamp = parse_utc(item.published_at)
    return fit_embed(embed)


KIND_HEADINGS = {
    ItemKind.BILL: "Bills",
    ItemKind.REGULATION: "Federal rules and notices",
    ItemKind.CASE: "Court cases",
    ItemKind.FILING: "Court filings",
    ItemKind.NEWS: "News",
}
DIGEST_MORE = "…and {n} more: see `/alerts latest`."


def item_line(item: AlertItem, links: LinkPolicy | None = None, *, updated: bool = False) -> str:
    """One item on one line: its name and number linked, then its stage in plain words."""
    name = plain(" ".join(item_name(item).split()), 120)
    label = markdown_link(f"{name} — {plain(item.identifier, 60)}", _link(item, links))
    if item.kind is ItemKind.FILING:
        _, number = _filing_parts(item)
        entry = f"Entry #{plain(number)}" if number else None
        text = one_line(item.abstract, 120)
        rest = ": ".join(p for p in (entry, plain(text) if text else None) if p)
    elif item.kind is ItemKind.NEWS:
        rest = short_date(item.status_date) or ""
    else:
        rest = stage_text(item) or ""
    mark = "Update · " if updated else ""
    return f"- {mark}{label}" + (f" · {rest}" if rest else "")


def _unique_items(digest: Digest) -> list[tuple[AlertItem, bool]]:
    """Each item once, at its latest version: (item, updated only)."""
    seen: dict[int, tuple[AlertItem, bool]] = {}
    for delivery in digest.deliveries:
        stored = delivery.item
        earlier = seen.get(stored.id)
        updated = delivery.change == "updated" and (earlier is None or earlier[1])
        seen[stored.id] = (stored.item, updated)
    return list(seen.values())


def digest_embed(digest: Digest, links: LinkPolicy | None = None) -> discord.Embed:
    """A daily subscription's alerts: one line per item, grouped by kind, cut at whole lines.

    An item updated the same day it was new is listed once. What does not fit is counted in a
    last "…and N more" line that is always kept; the footer credits the sources shown.
    """
    items = _unique_items(digest)
    order = list(KIND_HEADINGS)
    items.sort(key=lambda pair: order.index(pair[0].kind))
    reserve = len(DIGEST_MORE.format(n=len(items))) + 1
    lines: list[str] = []
    shown: list[AlertItem] = []
    size = 0
    kind = None
    for item, updated in items[:DIGEST_LINES]:
        block = [f"**{KIND_HEADINGS[item.kind]}**"] if item.kind != kind else []
        block.append(item_line(item, links, updated=updated))
        added = sum(len(line) + 1 for line in block)
        if size + added + reserve > EMBED_DESCRIPTION_LIMIT:
            break
        lines += block
        size += added
        shown.append(item)
        kind = item.kind
    if more := len(items) - len(shown):
        lines.append(DIGEST_MORE.format(n=more))
    credits = list(dict.fromkeys(item.attribution or item.source for item in shown))
    return fit_embed(
        discord.Embed(
            title=f"Daily alerts digest · {digest.day}",
            description="\n".join(lines),
            colour=0x4A5568,
        ).set_footer(text=truncate("Sources: " + "; ".join(credits), 2048))
    )


def latest_line(item: AlertItem, links: LinkPolicy | None = None) -> str:
    """Everything after an item's name, on one line: number (linked), kind, place, stage, why."""
    number = markdown_link(plain(item.identifier, 60), _link(item, links))
    parts = [number, KIND_LABELS[item.kind], place_name(item.jurisdiction)]
    if stage := stage_text(item):
        parts.append(stage)
    line = REASON_SEPARATOR.join(parts)
    if why := why_line(item):
        line += f" — *{why}*"
    return line


def latest_pages(
    items: list[StoredItem], links: LinkPolicy | None = None, *, filters: str | None = None
) -> list[discord.Embed]:
    """The newest items, five to a page: each led by its name, the rest on one line.

    filters names the options that narrowed the list ("kind bill, jurisdiction US-TX"), so an
    empty list says which of them emptied it.
    """
    if not items:
        if filters:
            text = f"Nothing found for {plain(filters, 200)}. Try `/alerts latest` without it."
        else:
            text = "Nothing found yet: alerts show here once a source has posted one."
        return [discord.Embed(title="Latest alerts", description=text, colour=0x4A5568)]
    pages = []
    groups = chunk(items, 5)
    for number, group in enumerate(groups, start=1):
        embed = discord.Embed(title="Latest alerts", colour=0x4A5568)
        for stored in group:
            item = stored.item
            name = plain(" ".join(item_name(item).split()), 250)
            embed.add_field(name=name, value=latest_line(item, links), inline=False)
        if filters:
            embed.description = f"Only {plain(filters, 200)}."
        if len(groups) > 1:
            embed.set_footer(text=f"Page {number} of {len(groups)}")
        pages.append(fit_embed(embed))
    return pages


def subscription_line(sub: Subscription, pending: int | None = None) -> str:
    """One subscription, as an admin reads it."""
    parts = [
        f"**#{sub.id}** <#{sub.channel_id}>",
        f"kinds {', '.join(sub.kinds)}",
        f"jurisdictions {', '.join(sub.jurisdictions)}",
        f"scope {SCOPE_LABELS.get(sub.scope, sub.scope)}",
    ]
    if sub.tags:
        parts.append(f"tags {', '.join(sub.tags)}")
    if sub.include_terms:
        parts.append(f"include {plain(', '.join(sub.include_terms), 200)}")
    if sub.exclude_terms:
        parts.append(f"exclude {plain(', '.join(sub.exclude_terms), 200)}")
    if sub.pattern:
        parts.append(f"pattern `{sub.pattern.replace('`', '')[:100]}`")
    parts.append(sub.mode)
    if sub.mention_role_id:
        parts.append(f"mentions <@&{sub.mention_role_id}>")
    if pending:
        parts.append(f"{pending} waiting")
    if sub.paused_reason:
        parts.append(f"**paused**: {sub.paused_reason}")
    return " · ".join(parts)


def subscriptions_text(subs: list[tuple[Subscription, int]]) -> str:
    if not subs:
        return "No alert subscriptions in this server yet. Add one with `/admin alerts subscribe`."
    lines = ["**Alert subscriptions**"] + [subscription_line(s, n) for s, n in subs]
    return truncate("\n".join(lines), CONTENT_LIMIT)


def watchlist_text(watchlist: Watchlist) -> str:
    """The tracked court cases and the watched feeds."""
    lines = ["**Tracked cases** (CourtListener dockets)"]
    lines += [f"- {c.docket_id} · {plain(c.name, 150)}" for c in watchlist.cases] or ["- none"]
    lines.append("**Feeds**")
    feeds = [f"- #{f.id} · {plain(f.title, 100)} · <{f.url[:300]}>" for f in watchlist.feeds]
    lines += feeds or ["- none"]
    return truncate("\n".join(lines), CONTENT_LIMIT)


def _when(stamp: str | None) -> str:
    if not stamp:
        return "never"
    return discord.utils.format_dt(datetime.fromisoformat(stamp), "R")


def health_text(sources: list[SourceHealth], feeds: dict[str, str]) -> str:
    """Each source: healthy or failing, last success and error, next poll, budget left."""
    lines = ["**Alert sources**"]
    for health in sources:
        state = health.state
        mark = "🔴" if state.unhealthy_since else ("🟠" if state.failures else "🟢")
        name = health.name
        if name in feeds:
            name += f" ({plain(feeds[name], 60)})"
        line = (
            f"{mark} **{name}** · last success {_when(state.last_success_at)} · "
            f"next poll {_when(state.next_poll_at)} · budget left {health.hour_left}/h, "
            f"{health.day_left}/day"
        )
        if state.last_error:
            error = state.last_error.replace("`", "")[:150]
            line += f"\n  last error {_when(state.last_error_at)}: `{error}`"
        if state.records_skipped:
            reason = (state.last_skipped or "").replace("`", "")[:150]
            line += (
                f"\n  {state.records_skipped} bad record(s) skipped, latest "
                f"{_when(state.last_skipped_at)}: `{reason}`"
            )
        lines.append(line)
    if len(lines) == 1:
        lines.append("No sources are on (see ALERTS_SOURCES).")
    return truncate("\n".join(lines), CONTENT_LIMIT)


def poll_text(outcome: PollOutcome) -> str:
    if not outcome.ok or outcome.result is None:
        error = (outcome.error or "").replace("`", "")[:300]
        return f"Polling **{outcome.source}** failed: `{error}`."
    r = outcome.result
    seeded = " This was its first poll: what it found was stored, not posted." if r.seeded else ""
    skipped = f" {r.skipped} bad record(s) skipped." if r.skipped else ""
    off = ", ".join(f"#{sub.id}" for sub in r.switched_off)
    switched = f" Switched off subscription(s) {off}: pattern too slow." if off else ""
    return (
        f"Polled **{outcome.source}**: {r.new} new, {r.updated} updated, {r.unchanged} unchanged; "
        f"{r.queued} alert(s) queued.{seeded}{skipped}{switched}"
    )


def misses_text(misses: list[Miss], shown: int = 15) -> str:
    """The latest alerts marked not relevant, with what matched; the CSV has them all."""
    if not misses:
        return (
            "Nothing marked yet. Server managers can press **Not relevant** under an alert; "
            "the marks show here with the terms that matched, to tune the alerts."
        )
    lines = ["**Alerts marked not relevant** (newest first; what matched):"]
    for miss in misses[:shown]:
        matched = REASON_SEPARATOR.join(miss.reasons) or "no terms"
        tier = TIER_LABELS.get(miss.tier or "", "untiered")
        lines.append(
            f"- {plain(miss.identifier, 60)}: {plain(miss.title, 150)} — {tier} · "
            f"{plain(matched, 150)}"
        )
    if len(misses) > shown:
        lines.append(f"…and {len(misses) - shown} more in the attached CSV.")
    return truncate("\n".join(lines), CONTENT_LIMIT)


class DiscordSender:
    """Posts alerts with discord.py; maps Discord's answers to what the poster should do."""

    def __init__(
        self,
        client: discord.Client,
        links: LinkPolicy | None = None,
        view_for: Callable[[Delivery], discord.ui.View | None] | None = None,
    ) -> None:
        self._client = client
        self._links = links
        self._view_for = view_for  # the buttons under an alert (the cog owns their callbacks)

    async def send_alert(self, delivery: Delivery) -> int:
        embed = alert_embed(
            delivery.item.item,
            change=delivery.change,
            previous_status=delivery.previous_status,
            links=self._links,
        )
        view = self._view_for(delivery) if self._view_for else None
        return await self._send(delivery.subscription, embed, delivery.nonce, view)

    async def find_posted(self, sent: Delivery | Digest) -> int | None:
        """Look through the channel's newest messages for this message, posted by this bot."""
        if sent.sending_at is None or self._client.user is None:
            return None
        if isinstance(sent, Digest):
            expected = digest_embed(sent, self._links)
        else:
            expected = alert_embed(
                sent.item.item,
                change=sent.change,
                previous_status=sent.previous_status,
                links=self._links,
            )
        since = datetime.fromisoformat(sent.sending_at) - timedelta(minutes=1)
        channel = self._client.get_partial_messageable(
            sent.subscription.channel_id, guild_id=sent.subscription.guild_id
        )
        try:
            async for message in channel.history(limit=50):
                if message.created_at < since:
                    break
                if message.author.id == self._client.user.id and _same_alert(message, expected):
                    return message.id
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError):
            return None  # can't tell: the send that follows reports what is wrong
        return None

    async def send_digest(self, digest: Digest) -> int:
        embed = digest_embed(digest, self._links)
        return await self._send(digest.subscription, embed, digest.nonce)

    async def _send(
        self,
        sub: Subscription,
        embed: discord.Embed,
        nonce: str,
        view: discord.ui.View | None = None,
    ) -> int:
        channel = self._client.get_partial_messageable(sub.channel_id, guild_id=sub.guild_id)
        role = sub.mention_role_id
        # Only the subscription's chosen role may be pinged; feed text never can.
        content = f"<@&{role}>" if role else None
        mentions = discord.AllowedMentions(roles=[discord.Object(role)]) if role else NO_MENTIONS
        try:
            message = await channel.send(
                content=content,
                embed=embed,
                nonce=nonce,
                allowed_mentions=mentions,
                view=view or discord.utils.MISSING,
            )
        except discord.NotFound as exc:
            raise DeliveryError(Failure.GONE, f"404 {exc.code}: {exc.text}") from exc
        except discord.Forbidden as exc:
            raise DeliveryError(Failure.FORBIDDEN, f"403 {exc.code}: {exc.text}") from exc
        except discord.HTTPException as exc:
            failure = Failure.REJECTED if exc.status == 400 else Failure.TRANSIENT
            raise DeliveryError(failure, f"{exc.status} {exc.code}: {exc.text}") from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(Failure.TRANSIENT, type(exc).__name__) from exc
        return message.id


def _same_alert(message: discord.Message, expected: discord.Embed) -> bool:
    return any(e.url == expected.url and e.title == expected.title for e in message.embeds)
