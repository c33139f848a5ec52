"""Embeds and text for pledges; every name and link a signer typed is escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from bot.pledges.model import Counts, Pledge, PledgeStatus
from bot.pledges.urls import CreatorType
from bot.ui.example import example_label, labelled
from bot.ui.help import COLOUR
from bot.ui.paginator import chunk
from bot.ui.text import NO_MENTIONS, plain, truncate
from bot.ui.views import SafeView

WALL_PAGE_SIZE = 10

WHERE_TO_PUT_THE_CODE = {
    CreatorType.YOUTUBER: "your channel description (YouTube Studio → Customization → Description)",
    CreatorType.PODCASTER: "your podcast feed: the show description, or a `podcast:txt` tag",
    CreatorType.NEWSLETTER: "your newsletter's about page or home page",
    CreatorType.OTHER: "the public page you linked",
}
STATUS_TEXT = {
    PledgeStatus.PENDING: "signed — waiting for you to verify your channel",
    PledgeStatus.REVIEW: "signed — waiting for a person to review it",
    PledgeStatus.VERIFIED: "verified",
    PledgeStatus.REJECTED: "not approved",
}


def signed_text(pledge: Pledge, updated: bool, example: bool) -> str:
    """What the signer sees right after signing (reminded when the pledge is example text)."""
    label = example_label(example, signatures=True)
    return f"{_signed(pledge, updated)}\n*{label}.*" if label else _signed(pledge, updated)


def _signed(pledge: Pledge, updated: bool) -> str:
    head = "Your pledge is updated." if updated else "Thank you for signing the creators' pledge!"
    if pledge.status is PledgeStatus.REVIEW:
        return (
            f"{head} That channel is already linked to another signer, so a person will review "
            "your pledge. You'll get the role once it's approved."
        )
    if pledge.status is PledgeStatus.VERIFIED:
        return f"{head} Your channel is already verified."
    return f"{head}\n\n{verify_instructions(pledge)}"


def verify_instructions(pledge: Pledge) -> str:
    where = WHERE_TO_PUT_THE_CODE[pledge.creator_type]
    return (
        f"To prove the channel is yours, put this code in {where}:\n"
        f"```\n{pledge.verify_code}\n```\n"
        f"Then run `/pledge verify`. You can remove the code once you're verified."
    )


def discord_date(stamp: str | None, style: str = "D") -> str:
    """An ISO time as a Discord timestamp (`<t:…:D>`), shown in each reader's own time zone."""
    if not stamp:
        return "—"
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return discord.utils.format_dt(moment, style)  # type: ignore[arg-type]


def status_line(pledge: Pledge) -> str:
    """The state first: "✅ Verified <date> — on the public wall as Alex"."""
    name = plain(pledge.public_name, 100)
    if pledge.status is PledgeStatus.VERIFIED:
        wall = f"on the public wall as **{name}**" if pledge.show_on_wall else "not on the wall"
        return f"✅ Verified {discord_date(pledge.verified_at)} — {wall}."
    if pledge.status is PledgeStatus.REVIEW:
        return (
            f"🕓 Signed {discord_date(pledge.signed_at)} — waiting for a person to review it "
            "(that channel is linked to another signer)."
        )
    if pledge.status is PledgeStatus.REJECTED:
        return f"✖️ Signed {discord_date(pledge.signed_at)} — not approved."
    return (
        f"⏳ Signed {discord_date(pledge.signed_at)} — one step left: prove the channel is yours."
    )


def status_embed(pledge: Pledge) -> discord.Embed:
    """The signer's pledge, state first; the full consent record is behind "Details"."""
    embed = discord.Embed(title="Your pledge", description=status_line(pledge), colour=COLOUR)
    if pledge.status is PledgeStatus.PENDING:
        where = WHERE_TO_PUT_THE_CODE[pledge.creator_type]
        embed.add_field(
            name="Next step",
            value=f"Put `{pledge.verify_code}` in {where}, then run `/pledge verify`.",
            inline=False,
        )
    if pledge.review_reason and pledge.status is not PledgeStatus.VERIFIED:
        embed.add_field(name="Review", value=plain(pledge.review_reason, 500), inline=False)
    embed.add_field(name="Link", value=plain(pledge.channel_url, 300), inline=False)
    embed.set_footer(text="Only you can see this. /pledge withdraw deletes it.")
    return embed


def details_embed(pledge: Pledge) -> discord.Embed:
    """Exactly what is stored: the consent record, for the signer alone."""
    embed = discord.Embed(title="Your consent record", colour=COLOUR)
    fields = [
        ("Status", STATUS_TEXT[pledge.status]),
        ("Creator type", pledge.creator_type.value),
        ("Public name", plain(pledge.public_name, 100)),
        ("Link", plain(pledge.channel_url, 300)),
        ("Audience size", pledge.audience or "not given"),
        ("On the public wall", "yes" if pledge.show_on_wall else "no"),
        ("Pledge text", f"version {pledge.pledge_version}, sha256 `{pledge.pledge_text_hash}`"),
        ("Signed", discord_date(pledge.signed_at, "f")),
    ]
    if pledge.verified_at:
        by = f" ({pledge.verified_by})" if pledge.verified_by else ""
        fields.append(("Verified", discord_date(pledge.verified_at, "f") + by))
    if pledge.status is not PledgeStatus.VERIFIED:
        fields.append(("Verification code", f"`{pledge.verify_code}`"))
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=name not in ("Link", "Pledge text"))
    embed.set_footer(text="Only you can see this. /pledge withdraw deletes it.")
    return embed


class StatusView(SafeView):
    """A "Details" button under /pledge status that shows the consent record privately."""

    def __init__(self, pledge: Pledge) -> None:
        super().__init__(timeout=600)
        self._details = details_embed(pledge)

    @discord.ui.button(
        label="Details", style=discord.ButtonStyle.secondary, custom_id="pledge:status:details"
    )
    async def details(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await interaction.response.send_message(
            embed=self._details, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


def counts_embed(counts: Counts, example: bool, this_week: int | None = None) -> discord.Embed:
    """The public count; while the pledge is example text, it says the signatures are to it."""
    week = f" · +{this_week} this week" if this_week else ""
    embed = discord.Embed(
        title="Creators' pledge",
        description=(
            f"**{counts.verified}** verified creators{week} · {counts.pending} waiting to verify"
        ),
        colour=COLOUR,
    )
    for kind, (verified, pending) in counts.by_type.items():
        embed.add_field(name=kind.title(), value=f"{verified} verified · {pending} pending")
    if example:
        embed.set_footer(text=example_label(example, signatures=True))
    return embed


def wall_pages(pledges: list[Pledge], total: int, example: bool) -> list[discord.Embed]:
    """Verified signers who chose to be listed, ten to a page."""
    pages = []
    groups = chunk(pledges, WALL_PAGE_SIZE)
    for number, group in enumerate(groups, start=1):
        lines = [f"**{plain(p.public_name, 80)}** · {p.creator_type.value}" for p in group]
        embed = discord.Embed(
            title="The pledge wall",
            description="\n".join(lines) or "Nobody is on the wall yet.",
            colour=COLOUR,
        )
        embed.set_footer(
            text=labelled(
                f"{total} verified creators chose to be listed · page {number} of {len(groups)}",
                example,
                signatures=True,
            )
        )
        pages.append(embed)
    return pages


def review_embed(pledge: Pledge, waiting: int) -> discord.Embed:
    embed = discord.Embed(title="Pledge to review", colour=COLOUR)
    embed.add_field(name="Signer", value=f"<@{pledge.user_id}>")
    embed.add_field(name="Public name", value=plain(pledge.public_name, 100))
    embed.add_field(name="Type", value=pledge.creator_type.value)
    embed.add_field(name="Link", value=plain(pledge.channel_url, 300), inline=False)
    embed.add_field(name="Why", value=pledge.review_reason or "—", inline=False)
    embed.set_footer(text=f"{waiting} waiting for review")
    return embed


def milestone_text(milestone: int, example: bool) -> str:
    """The announcement; while the pledge is example text, it says so on its own line."""
    text = f"🎉 **{milestone:,}** creators have now verified the creators' pledge. Thank you all!"
    label = example_label(example, signatures=True)
    return f"{text}\n*{label}.*" if label else text


def pledge_modal_intro(version: str, text: str, example: bool) -> str:
    """The pledge text at the top of the signing form, the example label above it."""
    label = example_label(example)
    head = f"**The creators' pledge (v{version})**"
    if label:
        head = f"**{label}.** Signing records your support for this example pledge only.\n{head}"
    return truncate(f"{head}\n{text}", 1800)
