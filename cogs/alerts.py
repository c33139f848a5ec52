"""/alerts and /admin alerts: new AI bills, rules and lawsuits, posted where admins subscribe."""

from __future__ import annotations

import io
import re
from typing import Any, Literal, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.alerts.misses import misses_csv
from bot.alerts.outbox import Delivery
from bot.alerts.service import AlertService, SubscriptionRequest
from bot.app import CoalitionBot
from bot.ui.actions import tell_admins
from bot.ui.alerts import (
    DiscordSender,
    alert_embed,
    health_text,
    latest_pages,
    misses_text,
    poll_text,
    subscription_line,
    subscriptions_text,
    watchlist_text,
)
from bot.ui.checks import managers_only_autocomplete, require_manager
from bot.ui.paginator import Paginator
from bot.ui.replies import reply, reply_private
from bot.ui.text import plain
from bot.ui.views import funnel_errors, persistent_view

KINDS = Literal["all", "bill", "regulation", "case", "filing", "news"]


def _service(interaction: discord.Interaction) -> AlertService:
    return cast(CoalitionBot, interaction.client).alerts


def _guild_id(interaction: discord.Interaction) -> int:
    # /admin is guild-only and require_manager has checked the guild already.
    return interaction.guild_id or 0


class NotRelevantButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"alert:nr:(?P<item>\d+)",
):
    """The Not relevant button under an alert: server managers mark misses to tune the terms."""

    def __init__(self, item_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Not relevant",
                style=discord.ButtonStyle.secondary,
                custom_id=f"alert:nr:{item_id}",
            )
        )
        self.item_id = item_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> NotRelevantButton:
        return cls(int(match["item"]))

    @funnel_errors
    async def callback(self, interaction: discord.Interaction) -> Any:
        # Anyone in the channel sees the button; only managers' marks count.
        require_manager(interaction)
        counted = await _service(interaction).mark_not_relevant(
            _guild_id(interaction), self.item_id, interaction.user.id
        )
        text = (
            "Marked not relevant. `/admin alerts misses` lists the marks with what matched."
            if counted
            else "This server has already marked this alert not relevant."
        )
        await reply_private(interaction, text)


def alert_view(delivery: Delivery) -> discord.ui.View:
    """The button under a posted alert."""
    return persistent_view(NotRelevantButton(delivery.item.id))


class AlertsAdmin(app_commands.Group):
    """/admin alerts: subscriptions, sources, tracked cases and feeds (server managers)."""

    def __init__(self) -> None:
        super().__init__(name="alerts", description="Alerts on AI bills, rules and lawsuits")

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Server admins can override default permissions, so check again here.
        require_manager(interaction)
        return True

    @app_commands.command(name="subscribe")
    async def subscribe_command(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        kinds: str = "all",
        jurisdictions: str = "all",
        tags: str | None = None,
        include: str | None = None,
        exclude: str | None = None,
        pattern: str | None = None,
        mode: Literal["immediate", "daily"] = "immediate",
        mention_role: discord.Role | None = None,
        scope: Literal["creators", "all-ai"] = "creators",
    ) -> None:
        """Post new AI bills, rules and lawsuits into a channel, from what is new from now on.

        Args:
            channel: Where to post the alerts.
            kinds: Comma list: bill, regulation, case, filing, news, or all.
            jurisdictions: Comma list: US (federal), a state like US-CA, US-* (every state), all.
            tags: Only these topics: likeness, training-data, deepfake, copyright, elections, ncii.
            include: Only alerts that mention one of these comma-separated words.
            exclude: Never alerts that mention one of these comma-separated words.
            pattern: Only alerts matching this regular expression (advanced).
            mode: immediate (each alert as it comes) or daily (one digest a day).
            mention_role: A role to ping with each alert (none by default).
            scope: creators (AI and creators' rights, the default) or all-ai (every AI bill too).
        """
        request = SubscriptionRequest(
            kinds=kinds,
            jurisdictions=jurisdictions,
            tags=tags,
            include=include,
            exclude=exclude,
            pattern=pattern,
            mode=mode,
            mention_role_id=mention_role.id if mention_role else None,
            scope=scope,
        )
        sub = await _service(interaction).subscribe(_guild_id(interaction), channel.id, request)
        await reply(
            interaction,
            f"Subscribed. {subscription_line(sub)}\nAlerts start with what is new or changed "
            "from now on; `/admin alerts preview` shows what it would have posted recently.",
            ephemeral=True,
        )

    @app_commands.command(name="unsubscribe")
    async def unsubscribe_command(
        self, interaction: discord.Interaction, subscription: int
    ) -> None:
        """Stop a subscription (see /admin alerts list for the numbers).

        Args:
            subscription: The subscription number.
        """
        sub = await _service(interaction).unsubscribe(_guild_id(interaction), subscription)
        await reply(
            interaction, f"Removed subscription #{sub.id} (<#{sub.channel_id}>).", ephemeral=True
        )

    @app_commands.command(name="list")
    async def list_command(self, interaction: discord.Interaction) -> None:
        """This server's alert subscriptions, with any that are paused."""
        subs = await _service(interaction).subscriptions(_guild_id(interaction))
        await reply(interaction, subscriptions_text(subs), ephemeral=True)

    @app_commands.command(name="resume")
    async def resume_command(self, interaction: discord.Interaction, subscription: int) -> None:
        """Resume a paused subscription once the channel or permission is fixed.

        Args:
            subscription: The subscription number.
        """
        sub = await _service(interaction).resume(_guild_id(interaction), subscription)
        await reply(interaction, f"Resumed. {subscription_line(sub)}", ephemeral=True)

    @app_commands.command(name="preview")
    async def preview_command(self, interaction: discord.Interaction, subscription: int) -> None:
        """What a subscription would have posted from recent alerts (only you see it).

        Args:
            subscription: The subscription number.
        """
        items = await _service(interaction).preview(_guild_id(interaction), subscription)
        if not items:
            await reply(interaction, "Nothing stored from recent days matches it.", ephemeral=True)
            return
        links = _service(interaction).links
        embeds = [alert_embed(stored.item, links=links) for stored in items]
        view = Paginator(embeds, interaction.user.id)
        await reply(interaction, embed=view.page, view=view, ephemeral=True)

    @app_commands.command(name="misses")
    async def misses_command(self, interaction: discord.Interaction) -> None:
        """Alerts marked Not relevant here, with the terms that matched (CSV attached)."""
        misses = await _service(interaction).missed(_guild_id(interaction))
        file = discord.File(io.BytesIO(misses_csv(misses).encode()), filename="alert-misses.csv")
        await interaction.response.send_message(
            misses_text(misses),
            file=file,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="sources")
    async def sources_command(self, interaction: discord.Interaction) -> None:
        """Health of every source: last success and error, next poll, budget left."""
        service = _service(interaction)
        feeds = {f.source_name: f.title for f in service.watchlist.feeds}
        await reply(interaction, health_text(await service.health(), feeds), ephemeral=True)

    @app_commands.command(name="poll")
    async def poll_command(self, interaction: discord.Interaction, source: str) -> None:
        """Poll one source now instead of waiting for its next turn.

        Args:
            source: The source's name (see /admin alerts sources).
        """
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await _service(interaction).poll_now(source)
        await reply(interaction, poll_text(outcome), ephemeral=True)

    @poll_command.autocomplete("source")
    @managers_only_autocomplete
    async def _source_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = sorted(_service(interaction).sources())
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n][:25]

    @app_commands.command(name="track")
    async def track_command(
        self, interaction: discord.Interaction, case: int, name: str | None = None
    ) -> None:
        """Follow a court case: every new filing on its docket is posted.

        Args:
            case: The CourtListener docket id (the number in courtlistener.com/docket/<id>/…).
            name: A short name for the case, e.g. "NYT v. Microsoft".
        """
        tracked = await _service(interaction).track(case, name, interaction.user.id)
        await reply(
            interaction,
            f"Tracking docket {tracked.docket_id}: {plain(tracked.name, 200)}.",
            ephemeral=True,
        )

    @app_commands.command(name="untrack")
    async def untrack_command(self, interaction: discord.Interaction, case: int) -> None:
        """Stop following a court case.

        Args:
            case: The CourtListener docket id.
        """
        tracked = await _service(interaction).untrack(case)
        await reply(interaction, f"No longer tracking {plain(tracked.name, 200)}.", ephemeral=True)

    @untrack_command.autocomplete("case")
    @managers_only_autocomplete
    async def _tracked_cases(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        cases = _service(interaction).watchlist.cases
        wanted = current.lower()
        return [
            app_commands.Choice(name=f"{c.docket_id} · {c.name}"[:100], value=c.docket_id)
            for c in cases
            if wanted in f"{c.docket_id} {c.name}".lower()
        ][:25]

    @app_commands.command(name="tracked")
    async def tracked_command(self, interaction: discord.Interaction) -> None:
        """The court cases and feeds the alerts follow."""
        watchlist = _service(interaction).watchlist
        await reply(interaction, watchlist_text(watchlist), ephemeral=True)

    @app_commands.command(name="addfeed")
    async def add_feed_command(self, interaction: discord.Interaction, url: str) -> None:
        """Watch an RSS or Atom feed (news about AI bills and lawsuits).

        Args:
            url: The feed's https address.
        """
        await interaction.response.defer(ephemeral=True, thinking=True)
        feed = await _service(interaction).add_feed(url, interaction.user.id)
        await reply(
            interaction,
            f"Watching feed #{feed.id}: {plain(feed.title, 100)}. Its first poll is stored "
            "without posting; new entries after that are alerts.",
            ephemeral=True,
        )

    @app_commands.command(name="removefeed")
    async def remove_feed_command(self, interaction: discord.Interaction, feed: int) -> None:
        """Stop watching a feed (see /admin alerts tracked for the numbers).

        Args:
            feed: The feed number.
        """
        removed = await _service(interaction).remove_feed(feed)
        await reply(interaction, f"Stopped watching {plain(removed.title, 100)}.", ephemeral=True)


class Alerts(
    commands.GroupCog, group_name="alerts", group_description="AI bills, rules and lawsuits"
):
    """Shows recent alerts; runs the polling loops and the poster while loaded."""

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.admin_group = AlertsAdmin()
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_admin_group(self.admin_group)
        self.bot.add_dynamic_items(NotRelevantButton)
        self.bot.alerts.start(
            DiscordSender(self.bot, self.bot.alerts.links, alert_view),
            lambda text: tell_admins(self.bot, self.bot.settings, text),
            ready=self.bot.wait_until_ready,
        )

    async def cog_unload(self) -> None:
        self.bot.remove_admin_group(self.admin_group)
        self.bot.remove_dynamic_items(NotRelevantButton)
        await self.bot.alerts.stop()

    @app_commands.command(name="latest")
    async def latest_command(
        self,
        interaction: discord.Interaction,
        kind: KINDS = "all",
        jurisdiction: str | None = None,
    ) -> None:
        """The newest AI bills, rules and lawsuits the bot has found.

        Args:
            kind: Only bills, regulations, cases, filings or news.
            jurisdiction: US for federal, a state like US-CA, or US-* for every state.
        """
        items = await _service(interaction).latest(kind, jurisdiction)
        chosen = [f"kind {kind}"] if kind != "all" else []
        chosen += [f"jurisdiction {jurisdiction}"] if jurisdiction else []
        filters = ", ".join(chosen) or None
        pages = latest_pages(items, _service(interaction).links, filters=filters)
        view = Paginator(pages, interaction.user.id) if len(pages) > 1 else None
        await reply(interaction, embed=pages[0], view=view, ephemeral=True)


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Alerts(bot))
