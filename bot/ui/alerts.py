"""Alerts as Discord shows them: the alert embed, digests, lists, and the sender that posts them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

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


def alert_embed(
    item: AlertItem,
    *,
    change: str = "new",
    previous_status: str | None = None,
    links: LinkPolicy | None = None,
) -> discord.Embed:
    """One alert: kind, jurisdiction and identifier, title, latest action, link, credit."""
    heading = f"{KIND_LABELS[item.kind]} · {item.jurisdiction} · {item.identifier}"
    if change == "updated":
        heading = "Update: " + heading
    embed = discord.Embed(
        title=plain(heading, 256),
        url=_link(item, links),
        description=plain(item.title, 1000),
        colour=KIND_COLOURS[item.kind],
    )
    if why := why_line(item):
        embed.add_field(name="Why", value=why, inline=False)
    if item.status:
        when = f" ({plain(item.status_date, 20)})" if item.status_date else ""
        embed.add_field(name="Latest", value=plain(item.status, 900) + when, inline=False)
    if change == "updated":
        was = plain(previous_status, 900) if previous_status else "(no earlier status)"
        embed.add_field(name="What changed", value=f"Was: {was}", inline=False)
    if item.tags:
        embed.add_field(name="Topics", value=", ".join(item.tags), inline=False)
    if _link(item, links):
        embed.add_field(name="Read it", value=plain(item.url, 1000), inline=False)
    credit = item.attribution or item.source
    embed.set_footer(text=truncate(f"Source: {credit}", 2048))
    if item.published_at:
        embed.timestamp = parse_utc(item.published_at)
    return fit_embed(embed)


def digest_embed(digest: Digest, links: LinkPolicy | None = None) -> discord.Embed:
    """A daily subscription's alerts, one line each, the rest counted."""
    lines = []
    for delivery in digest.deliveries[:DIGEST_LINES]:
        item = delivery.item.item
        mark = "Update · " if delivery.change == "updated" else ""
        label = plain(f"{item.jurisdiction} {item.identifier}", 60)
        title = plain(item.title, 140)
        status = f" — {plain(item.status, 100)}" if item.status else ""
        link = markdown_link(label, _link(item, links))
        why = f" · _{why_line(item)}_" if why_line(item) else ""
        lines.append(f"- {mark}{link}: {title}{status}{why}")
    more = len(digest.deliveries) - DIGEST_LINES
    if more > 0:
        lines.append(f"…and {more} more: see `/alerts latest`.")
    return fit_embed(
        discord.Embed(
            title=f"Daily alerts digest · {digest.day}",
            description=truncate("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
            colour=0x4A5568,
        ).set_footer(text="Sources credited in each item's page; LegiScan data is CC BY 4.0.")
    )


def latest_pages(items: list[StoredItem], links: LinkPolicy | None = None) -> list[discord.Embed]:
    """The newest items, five to a page."""
    if not items:
        return [discord.Embed(title="Latest alerts", description="Nothing matching yet.")]
    pages = []
    for group in chunk(items, 5):
        embed = discord.Embed(title="Latest alerts", colour=0x4A5568)
        for stored in group:
            item = stored.item
            name = plain(f"{KIND_LABELS[item.kind]} · {item.jurisdiction} · {item.identifier}", 250)
            status = f"\n{plain(item.status, 200)}" if item.status else ""
            link = f"\n{_link(item, links) or ''}"
            why = f"\n*{why_line(item)}*" if why_line(item) else ""
            value = plain(item.title, 400) + status + why + link
            embed.add_field(name=name, value=value, inline=False)
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
